"""城市: one city's monthly indicators (with what moved them), its trend, its counties, institutions, product
mix, the promotion of the 贷款码, overdue unanswered demands, compliance alerts, and its monthly report
(XLSX/PDF)."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui
from dashboards import format as fmt
from dashboards import queries as q
from dashboards.app_pages import city_sections as sections
from dashboards.scope import CITY_NAMES

COUNTY_CODES = ["D01", "D02", "R01", "R03", "O01", "O03", "O04"]
KPI_CODES = ["D01", "D02", "R01", "R03", "O01", "O03", "O04", "O10"]

ui.require_warehouse()
viewer = ui.viewer()
cat = ui.indicators(viewer)

# A shared link may name a city; a city office may only open its own.
requested = st.query_params.get("city")
if requested and requested in CITY_NAMES:
    viewer.check_city(requested)

city_names = q.cities(viewer).set_index("city_code")["city_name"].to_dict() or {
    c: n for c, n in CITY_NAMES.items() if viewer.can_see_city(c)
}
if viewer.is_province:
    city = ui.url_selectbox("城市", list(city_names), key="city", format_func=lambda c: city_names.get(c, c))
else:
    city = viewer.scope
st.title(f"{city_names.get(city, CITY_NAMES.get(city, city))} · 城市指标")

city_rows = q.values(viewer, None, "city", keys=[city])
months = sorted(city_rows["period"].unique().tolist())
if not months:
    st.info("该市暂无指标数据。")
    st.stop()
start, end = ui.url_month_range("月份范围", months)

snap = {
    r.indicator_code: (None if r.value != r.value else float(r.value))
    for r in city_rows[city_rows["period"] == end].itertuples(index=False)
}
st.subheader(f"{fmt.period_label(end)} 主要指标")
moved = ui.moves(viewer, end, "city", city)
row = st.columns(4)
for i, code in enumerate(KPI_CODES):
    if i and i % 4 == 0:
        row = st.columns(4)
    ui.metric(row[i % 4], ui.indicator(cat, code), snap, moved=moved.get(code))
st.caption("卡片下方为较上月变化主要来自的区县（按机构的归因见指标说明）。")

options = sorted({c for c in city_rows["indicator_code"] if c == q.base_code(c)})
code = ui.url_selectbox(
    "趋势指标",
    options,
    key="indicator",
    default_index=options.index("O04") if "O04" in options else 0,
    format_func=lambda c: f"{c} {ui.indicator(cat, c).name}",
)
ind = ui.indicator(cat, code)
series = city_rows[(city_rows["indicator_code"] == code) & city_rows["period"].between(start, end)]
st.plotly_chart(
    charts.trend(series, {code: ind.name}, unit=ind.unit, title=f"{ind.name}月度趋势"), key="city_trend"
)

st.subheader(f"区县（{fmt.period_label(end)}）")
county = q.county_values(viewer, city, COUNTY_CODES, start=end, end=end)
if county.empty:
    st.info("该市本月暂无区县指标。")
else:
    wide = county.pivot_table(
        index=["grain_key", "county_name"], columns="indicator_code", values="value", aggfunc="first"
    ).reset_index()
    present = [c for c in COUNTY_CODES if c in wide.columns]
    table = wide[["grain_key", "county_name", *present]].rename(
        columns={
            "grain_key": "区县代码",
            "county_name": "区县",
            **{c: ui.indicator(cat, c).name for c in present},
        }
    )
    table = table.sort_values(ui.indicator(cat, present[0]).name, ascending=False)
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            ui.indicator(cat, c).name: st.column_config.NumberColumn(format="localized") for c in present
        },
        key="county_table",
    )
    bar_code = code if code in present else present[0]
    bar_ind = ui.indicator(cat, bar_code)
    part = county[county["indicator_code"] == bar_code]
    sections.county_charts(viewer, city, part, bar_ind, end, bar_key="county_bar")

# --- the city's detail: breakdowns, institutions, products, overdue demands, alerts, report ----------
sections.member_section(viewer, city, start, end, cat)
sections.institution_section(viewer, city, end, cat)
sections.product_mix_section(viewer, city, end, cat)
sections.promotion_section(viewer, city, end, cat)
sections.overdue_section(viewer, city, end)
sections.alerts_section(viewer, city)
sections.report_downloads(viewer, city, end)
