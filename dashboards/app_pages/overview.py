"""总览: KPI cards for the chosen month, trend, city comparison, funnel, tile-grid map, and the indicators
of one entity type / industry (filters kept in the URL)."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui
from dashboards import format as fmt
from dashboards import queries as q
from dashboards.app_pages import city_sections

CORE = ["D01", "D02", "O03", "O04"]
CORE_NAMES = {
    "D01": ("融资需求笔数", "笔"),
    "D02": ("融资需求金额", "万元"),
    "O03": ("放款笔数", "笔"),
    "O04": ("放款金额", "万元"),
}
GROUPS = [
    ("融资需求", ["D03"]),
    ("受理与响应", ["R01", "R02", "R03", "R04"]),
    ("授信与放款", ["O01", "O02", "O05", "O06", "O07", "O08", "O09", "O10", "O11"]),
    ("机构、产品与征信", ["S01", "S02", "S03", "C01", "K01", "K02"]),
]
FUNNEL = [("融资需求", "D01"), ("受理", "R01"), ("授信", "O01"), ("放款", "O03")]
PER_ROW = 4

ui.require_warehouse()
viewer = ui.viewer()
cat = ui.indicators(viewer)

st.title(f"{viewer.area_name} · 融资对接总览")
months = q.periods(viewer)
if not months:
    st.info("仓库中暂无指标数据。")
    st.stop()

period = ui.url_selectbox("统计月份", list(reversed(months)), key="month", format_func=fmt.period_label)
snap = q.snapshot(viewer, period)
present = {q.base_code(c) for c, v in snap.items()}
moved = ui.moves(viewer, period, *viewer.home)

# --- KPI cards -----------------------------------------------------------------------------------
st.subheader("核心指标")
recent = [m for m in months if m <= period][-12:]
history = q.home_values(viewer, CORE, start=recent[0], end=period)
cols = st.columns(PER_ROW)
for col, code in zip(cols, CORE, strict=True):
    name, unit = CORE_NAMES[code]
    spark = history[history["indicator_code"] == code].sort_values("period")["value"].fillna(0).tolist()
    ui.metric(col, ui.indicator(cat, code, name, unit), snap, spark=spark if len(spark) > 1 else None,
              moved=moved.get(code))

for title, codes in GROUPS:
    shown = [c for c in codes if c in cat or c in present]
    if not shown:
        continue
    st.markdown(f"**{title}**")
    for i in range(0, len(shown), PER_ROW):
        row = st.columns(PER_ROW)
        for col, code in zip(row, shown[i : i + PER_ROW], strict=False):
            ui.metric(col, ui.indicator(cat, code), snap, moved=moved.get(code))
st.caption(
    "卡片下方为环比变化，说明中附同比；比率、存量类指标显示较上月的变化量。变动归因：较上月变化主要来自哪些"
    + ("地市" if viewer.is_province else "区县")
    + "（按机构的归因见指标说明）。“—”表示该指标在本月暂无数据。金额单位万元，≥1 亿元时以亿元显示。"
)

# --- trend ---------------------------------------------------------------------------------------
start, end = ui.url_month_range("趋势月份范围", months, default_span=len(months))
left, right = st.columns([3, 2])
with left:
    trend = q.home_values(viewer, ["D02", "O04"], start=start, end=end)
    names = {c: ui.indicator(cat, c, *CORE_NAMES[c]).name for c in ("D02", "O04")}
    st.plotly_chart(
        charts.trend(trend, names, unit="万元", title="月度趋势：融资需求金额 vs 放款金额"),
        key="trend_chart",
    )
with right:
    stages = [(label, snap.get(code)) for label, code in FUNNEL]
    if sum(1 for _, v in stages if not fmt.is_missing(v)) >= 2:
        st.plotly_chart(
            charts.funnel(stages, title=f"{fmt.period_label(period)} 对接漏斗"), key="funnel_chart"
        )
    else:
        st.info("漏斗所需指标（融资需求、受理、授信、放款）暂缺。")

# --- comparison across the viewer's areas ---------------------------------------------------------
if viewer.is_province:
    st.subheader("地市对比")
    city_rows = q.values(viewer, None, "city", start=period, end=period)
    options = sorted({c for c in city_rows["indicator_code"] if c == q.base_code(c)})
    if not options:
        st.info("本月暂无地市指标。")
    else:
        default = options.index("O04") if "O04" in options else 0
        code = ui.url_selectbox(
            "对比指标",
            options,
            key="indicator",
            default_index=default,
            format_func=lambda c: f"{c} {ui.indicator(cat, c).name}",
        )
        ind = ui.indicator(cat, code)
        by_city = q.city_values(viewer, [code], start=period, end=period)
        c1, c2 = st.columns([1, 1])
        with c1:
            st.plotly_chart(
                charts.city_bar(
                    by_city,
                    name=ind.name,
                    unit=ind.unit,
                    title=f"各地市{ind.name}（{fmt.period_label(period)}）",
                ),
                key="city_chart",
            )
        with c2:
            st.plotly_chart(
                charts.city_tile_map(by_city, name=ind.name, unit=ind.unit,
                                     title=f"各地市{ind.name}分布（{fmt.period_label(period)}）"),
                key="city_map",
            )
else:
    st.subheader("区县对比")
    county_rows = q.county_values(
        viewer, viewer.scope, ["D01", "D02", "O03", "O04"], start=period, end=period
    )
    if county_rows.empty:
        st.info("本月暂无区县指标。")
    else:
        code = (
            "O04" if (county_rows["indicator_code"] == "O04").any() else county_rows["indicator_code"].iloc[0]
        )
        ind = ui.indicator(cat, code)
        part = county_rows[county_rows["indicator_code"] == code]
        city_sections.county_charts(viewer, viewer.scope, part, ind, period, bar_key="county_chart")

# --- filters by entity type and industry (province-wide members, or the city's) -----------------------
city_sections.member_section(viewer, viewer.city_code, recent[0], period, cat)
