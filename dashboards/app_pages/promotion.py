"""推广: the promotion of the 贷款码 (docs/promotion.md) — P01–P08 of the viewer's area with what moved them,
by issuer type, issuer type × city (province) or by county (a city), the trend, and the codes: the top
and bottom five of a city and its dormant ones."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui
from dashboards import format as fmt
from dashboards import queries as q
from dashboards.app_pages import promotion_sections as sections
from dashboards.scope import CITY_NAMES, PROVINCE_CODE

CARDS = ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08"]
TABLE_CODES = ["P01", "P04", "P05", "P06", "P07", "P08"]

ui.require_warehouse()
viewer = ui.viewer()
cat = ui.indicators(viewer)

st.title(f"{viewer.area_name} · 贷款码推广")
months = q.periods(viewer)
if not months:
    st.info("仓库中暂无指标数据。")
    st.stop()
period = ui.url_selectbox("统计月份", list(reversed(months)), key="month", format_func=fmt.period_label)
grain, key = viewer.home
snap = q.snapshot(viewer, period)
if not any(c in snap for c in CARDS):
    st.info("仓库中暂无贷款码推广指标（P01–P08），请用当前版本重新构建仓库。")
    st.stop()

# --- KPI cards: the area's P codes, what moved them by place and by issuer type --------------------------
moved = ui.moves(viewer, period, grain, key, dimensions=[ui.area_dimension(grain), "issuer_type"])
for i in range(0, len(CARDS), 4):
    row = st.columns(4)
    for col, code in zip(row, CARDS[i : i + 4], strict=True):
        ui.metric(col, ui.indicator(cat, code), snap, moved=moved.get(code), lines=2)
st.caption(
    "按贷款码的发码地区与发码主体类型归属（省级码只计入全省）。受理、授信、放款按需求的提交月份统计截至目前的结果，"
    "近几个月的转化率会随后续放款上升。沉寂：连续 3 个月未带来需求。卡片下方为较上月变化主要来自的地区与发码主体。"
)

# --- by issuer type ------------------------------------------------------------------------------------
st.subheader(f"按发码主体类型（{fmt.period_label(period)}）")
sections.issuer_block(viewer, viewer.city_code, period, cat, key="issuer")

# --- issuer type × city (province) or the city's counties ---------------------------------------------------
if viewer.is_province:
    st.subheader(f"发码主体类型 × 地市（{fmt.period_label(period)}）")
    code = ui.url_selectbox("指标", TABLE_CODES, key="indicator",
                            format_func=lambda c: f"{c} {ui.indicator(cat, c).name}")
    ind = ui.indicator(cat, code)
    matrix = q.issuer_by_city(viewer, [code], start=period, end=period)
    city_rows = q.city_values(viewer, [code], start=period, end=period)
    if matrix.empty and city_rows.empty:
        st.info("本月暂无地市数据。")
    else:
        labels = q.issuer_labels()
        wide = matrix.pivot_table(index="city_code", columns="issuer_type", values="value", aggfunc="first")
        wide = wide.reindex(index=list(CITY_NAMES), columns=[c for c in labels if c in wide.columns] or None)
        wide.columns = [labels.get(c, c) for c in wide.columns]
        wide.insert(0, "合计", city_rows.set_index("grain_key")["value"].reindex(wide.index))
        wide.insert(0, "地市", [CITY_NAMES[c] for c in wide.index])
        st.dataframe(wide.reset_index(drop=True), hide_index=True,
                     column_config=ui.number_columns(wide, skip=1), key="issuer_city_table")
        st.caption(f"{ind.name}（{ind.unit}）；合计为该市全部贷款码（与各发码主体之和一致，比率除外）。")
else:
    st.subheader(f"区县（{fmt.period_label(period)}）")
    county = q.county_values(viewer, viewer.scope, TABLE_CODES, start=period, end=period)
    if county.empty:
        st.info("本月暂无区县级贷款码的数据（市级贷款码只计入本市）。")
    else:
        table = ui.wide_table(county, "grain_key", "county_name", TABLE_CODES, cat)
        table = table.rename(columns={"grain_key": "区县代码", "county_name": "区县"})
        st.dataframe(table, hide_index=True, column_config=ui.number_columns(table), key="promotion_counties")

# --- trend -------------------------------------------------------------------------------------------------
start, end = ui.url_month_range("趋势月份范围", months, default_span=12)
left, right = st.columns(2)
with left:
    trend = q.home_values(viewer, ["P01", "P04"], start=start, end=end)
    st.plotly_chart(charts.trend(trend, {c: ui.indicator(cat, c).name for c in ("P01", "P04")}, unit="笔",
                                 title="扫码融资需求与放款笔数"), key="promotion_trend")
with right:
    history = q.breakdown(viewer, "issuer_type", ["P01"], city=viewer.city_code, start=start, end=end)
    st.plotly_chart(charts.stacked_history(history, x="period", stack="member_name", y="value", unit="笔",
                                           title="扫码融资需求笔数（按发码主体类型）"), key="promotion_issuer_history")

# --- the codes ----------------------------------------------------------------------------------------------
st.subheader(f"贷款码排名（{fmt.period_label(period)}）")
if viewer.is_province:
    options = [*CITY_NAMES, PROVINCE_CODE]
    city = ui.url_selectbox("城市", options, key="city",
                            format_func=lambda c: CITY_NAMES.get(c, "省级贷款码（不归属地市）"))
else:
    city = viewer.scope
sections.code_rankings(viewer, city, period, key="codes")
