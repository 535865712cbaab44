"""机构: the institution ranking (response time, on-time rate, approval rate, amounts), province-wide or
within one city, and one institution's page: its register entry, indicators and listed products with
their compliance. Province scope only (institution values span every city)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, ui
from dashboards import format as fmt
from dashboards import queries as q
from dashboards.scope import CITY_NAMES

RANK_CODES = ["R01", "R02", "R03", "O01", "O02", "O10", "O04"]
DETAIL_CODES = ["R01", "R02", "R03", "R04", "O01", "O02", "O03", "O04", "O10", "S02", "S03", "K01", "K02"]
ASCENDING = {"R02"}  # shorter response time ranks first
TOP_N = 20

ui.require_warehouse()
viewer = ui.viewer()
viewer.check_grain("institution")  # raises ScopeError for a city office
cat = ui.indicators(viewer)

st.title("机构排名")
rows = q.institution_values(viewer, RANK_CODES)
if rows.empty:
    st.info("仓库中暂无机构维度的指标。")
    st.stop()
months = sorted(rows["period"].unique().tolist(), reverse=True)
f1, f2, f3 = st.columns(3)
with f1:
    period = ui.url_selectbox("统计月份", months, key="month", format_func=fmt.period_label)
with f2:
    city = ui.url_member_filter("城市", list(CITY_NAMES.items()), key="city")
present = [c for c in RANK_CODES if c in set(rows["indicator_code"])]
with f3:
    rank_by = ui.url_selectbox(
        "排名依据",
        present,
        key="rank_by",
        default_index=present.index("O04") if "O04" in present else 0,
        format_func=lambda c: f"{c} {ui.indicator(cat, c).name}",
    )
if city is None:
    month_rows = rows[rows["period"] == period].rename(columns={"grain_key": "member_key"})
    month_rows = month_rows.rename(columns={"institution_name": "member_name"})
    scope_note = "全省"
else:  # the same indicators for the institutions' business in that city (marts.rpt_city_breakdowns)
    month_rows = q.breakdown(viewer, "institution", RANK_CODES, city=city, start=period, end=period)
    scope_note = CITY_NAMES[city]
wide = month_rows.pivot_table(
    index=["member_key", "member_name"], columns="indicator_code", values="value", aggfunc="first"
).reset_index() if not month_rows.empty else pd.DataFrame(columns=["member_key", "member_name"])
for c in present:
    if c not in wide.columns:
        wide[c] = float("nan")
wide = wide.sort_values(rank_by, ascending=rank_by in ASCENDING, na_position="last").reset_index(drop=True)
wide.insert(0, "排名", range(1, len(wide) + 1))
names = {c: f"{ui.indicator(cat, c).name}（{ui.indicator(cat, c).unit}）" for c in present}
st.caption(f"范围：{scope_note} · {fmt.period_label(period)}")
st.dataframe(
    wide[["排名", "member_key", "member_name", *present]].rename(
        columns={"member_key": "机构编码", "member_name": "机构名称", **names}
    ),
    hide_index=True,
    column_config={n: st.column_config.NumberColumn(format="localized") for n in names.values()},
    key="institution_table",
)
ind = ui.indicator(cat, rank_by)
top = wide.head(TOP_N)
st.plotly_chart(
    charts.ranked_bar(
        top["member_name"],
        top[rank_by],
        name=ind.name,
        unit=ind.unit,
        title=f"{ind.name} 前 {min(TOP_N, len(top))} 名机构（{scope_note}，{fmt.period_label(period)}）",
    ),
    key="institution_bar",
)

# --- one institution ---------------------------------------------------------------------------------
st.divider()
all_rows = q.institution_values(viewer, DETAIL_CODES)
labels = all_rows.drop_duplicates("grain_key").set_index("grain_key")["institution_name"].to_dict()
ranked = [k for k in wide["member_key"].tolist() if k in labels]
options = ranked + sorted(k for k in labels if k not in set(ranked))
inst = ui.url_selectbox("机构", options, key="institution", format_func=lambda k: f"{labels.get(k, k)}（{k}）")
if inst is None:
    st.stop()
st.header(f"{labels.get(inst, inst)}")
profile = q.institution_profile(viewer, inst)
if profile:
    p = st.columns(4)
    p[0].metric("机构类型", str(profile.get("institution_type") or "—"))
    p[1].metric("所在城市", CITY_NAMES.get(str(profile.get("city_code")), "省级" if profile.get("division_code") else "—"))
    p[2].metric("入驻状态", str(profile.get("onboarding_status") or "—"))
    expiry = profile.get("agreement_expiry_date")
    p[3].metric("协议到期日期", "—" if fmt.is_missing(expiry) and not isinstance(expiry, str) else str(expiry)[:10])
mine = all_rows[all_rows["grain_key"] == inst]
snap = {r.indicator_code: r.value for r in mine[mine["period"] == period].itertuples(index=False)}
shown = [c for c in DETAIL_CODES if c in cat]
for i in range(0, len(shown), 5):
    cols = st.columns(5)
    for col, code in zip(cols, shown[i : i + 5], strict=False):
        ui.metric(col, ui.indicator(cat, code), snap)
st.plotly_chart(
    charts.trend(mine[mine["indicator_code"].isin(["O02", "O04"])],
                 {c: ui.indicator(cat, c).name for c in ("O02", "O04")}, unit="万元",
                 title=f"{labels.get(inst, inst)}：授信金额与放款金额月度趋势"),
    key="institution_trend",
)

# --- peers: the institutions of the same 机构类型 ---------------------------------------------------------
register = q.institution_register(viewer).set_index("institution_id")
kind = register["institution_type"].get(inst) if inst in register.index else None
st.subheader(f"同类机构对比（{kind or '机构类型未知'}，{fmt.period_label(period)}）")
peers = [k for k in register.index if register.at[k, "institution_type"] == kind] if kind else []
if len(peers) < 2:
    st.info("名录中没有与该机构同类型的其他机构，无法对比。")
else:
    month_peers = all_rows[(all_rows["period"] == period) & all_rows["grain_key"].isin(peers)]
    compare = present  # every ranking indicator, also when no peer has a value this month
    table = month_peers.pivot_table(index="grain_key", columns="indicator_code", values="value",
                                    aggfunc="first").reindex(index=peers, columns=compare)
    median = table[compare].median()
    rows = table[compare].reset_index(names="机构编码")
    rows.insert(1, "机构名称", [labels.get(k, register.at[k, "institution_name"]) for k in rows["机构编码"]])
    rows = rows.sort_values(rank_by if rank_by in rows else compare[0], ascending=rank_by in ASCENDING,
                            na_position="last")
    cols = st.columns(min(4, len(compare)))
    for col, code in zip(cols, [c for c in ("R03", "O10", "O04", "R02") if c in compare], strict=False):
        ind = ui.indicator(cat, code)
        mine_value = table.at[inst, code] if inst in table.index else None
        gap = None if fmt.is_missing(mine_value) or fmt.is_missing(median[code]) else mine_value - median[code]
        col.metric(f"{ind.name}：本机构", ind.fmt(mine_value),
                   delta=None if gap is None else f"{gap:+,.2f}{'' if ind.unit == '%' else ' ' + ind.unit} 较同类中位数",
                   delta_color="inverse" if code in ASCENDING else "normal", border=True,
                   help=f"同类 {len(peers)} 家机构的中位数：{ind.fmt(median[code])}")
    st.dataframe(
        rows.rename(columns={c: f"{ui.indicator(cat, c).name}（{ui.indicator(cat, c).unit}）" for c in compare})
        .style.apply(lambda r: ["background-color: #fff4e5" if r["机构编码"] == inst else "" for _ in r], axis=1),
        hide_index=True, key="institution_peers",
    )
    bar = ui.indicator(cat, rank_by)
    st.plotly_chart(
        charts.ranked_bar(rows["机构名称"], rows[rank_by] if rank_by in rows else [None] * len(rows), name=bar.name,
                          unit=bar.unit, title=f"同类机构{bar.name}（{kind}）", highlight=labels.get(inst, inst)),
        key="institution_peer_bar",
    )
    st.caption(f"同类：名录中机构类型同为“{kind}”的 {len(peers)} 家机构（橙色为本机构）；中位数不含缺失值。")

st.subheader(f"上架产品及合规情况（{fmt.period_label(period)}末）")
products = q.listed_products(viewer, period, institution=inst)
if products.empty:
    st.info("该机构本月末没有上架产品。")
else:
    st.dataframe(
        products[["product_id", "product_name", "product_category", "guarantee_type", "min_amount_wan",
                  "max_amount_wan", "rate_floor_pct", "rate_cap_pct", "compliance", "violation_reasons"]].rename(
            columns={"compliance": "合规", "violation_reasons": "违规原因", "product_id": "产品编码", "product_name": "产品名称", "product_category": "产品类别",
                     "guarantee_type": "担保方式", "min_amount_wan": "最低额度（万元）",
                     "max_amount_wan": "最高额度（万元）", "rate_floor_pct": "利率下限（%）",
                     "rate_cap_pct": "利率上限（%）"}),
        hide_index=True,
        key="institution_products",
    )
    st.caption(f"上架 {len(products)} 款，其中违规 {int(products['is_violation'].sum())} 款（S03 口径）。")
