"""机构: institution ranking on response, approval and disbursement (province scope only)."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui
from dashboards import format as fmt
from dashboards import queries as q

RANK_CODES = ["R02", "R03", "O01", "O10", "O04"]
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
period = ui.url_selectbox("统计月份", months, key="month", format_func=fmt.period_label)
present = [c for c in RANK_CODES if c in set(rows["indicator_code"])]
rank_by = ui.url_selectbox(
    "排名依据",
    present,
    key="rank_by",
    default_index=present.index("O04") if "O04" in present else 0,
    format_func=lambda c: f"{c} {ui.indicator(cat, c).name}",
)
month_rows = rows[rows["period"] == period]
wide = month_rows.pivot_table(
    index=["grain_key", "institution_name"], columns="indicator_code", values="value", aggfunc="first"
).reset_index()
for c in present:
    if c not in wide.columns:
        wide[c] = float("nan")
wide = wide.sort_values(rank_by, ascending=rank_by in ASCENDING, na_position="last").reset_index(drop=True)
wide.insert(0, "排名", range(1, len(wide) + 1))
names = {c: f"{ui.indicator(cat, c).name}（{ui.indicator(cat, c).unit}）" for c in present}
st.dataframe(
    wide[["排名", "grain_key", "institution_name", *present]].rename(
        columns={"grain_key": "机构编码", "institution_name": "机构名称", **names}
    ),
    hide_index=True,
    column_config={n: st.column_config.NumberColumn(format="localized") for n in names.values()},
    key="institution_table",
)
ind = ui.indicator(cat, rank_by)
top = wide.head(TOP_N)
st.plotly_chart(
    charts.ranked_bar(
        top["institution_name"],
        top[rank_by],
        name=ind.name,
        unit=ind.unit,
        title=f"{ind.name} 前 {min(TOP_N, len(top))} 名机构（{fmt.period_label(period)}）",
    ),
    key="institution_bar",
)
