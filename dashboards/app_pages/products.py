"""产品: the shelf (products 上架 in the register in force) by category, its listing history, and the
products with their compliance. A city office sees the products of its own city's institutions."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui
from dashboards import format as fmt
from dashboards import queries as q
from dashboards.scope import CITY_NAMES, PROVINCE_CODE

ui.require_warehouse()
viewer = ui.viewer()
cat = ui.indicators(viewer)

st.title("产品货架")
months = q.product_periods(viewer)
if not months:
    st.info("仓库中暂无机构产品名录数据。")
    st.stop()
f1, f2, f3 = st.columns(3)
with f1:
    period = ui.url_selectbox("统计月份", list(reversed(months)), key="month", format_func=fmt.period_label)
with f2:
    if viewer.is_province:
        city = ui.url_member_filter("城市（按机构所在地）", list(CITY_NAMES.items()), key="city")
    else:
        city = viewer.scope
        st.text_input("城市（按机构所在地）", CITY_NAMES[city], disabled=True)
history = q.shelf_history(viewer, city=city)
categories = sorted(history["product_category"].dropna().unique().tolist())
with f3:
    category = ui.url_member_filter("产品类别", [(c, c) for c in categories], key="category")

# KPI cards: the published S02/S03 of the area (province, or the city by its institutions)
if city is None:
    snap = q.snapshot(viewer, period)
else:
    rows = q.values(viewer, ["S01", "S02", "S03"], "city", keys=[city], start=period, end=period)
    snap = {r.indicator_code: r.value for r in rows.itertuples(index=False)}
area = ("province", PROVINCE_CODE) if city is None else ("city", city)
moved = ui.moves(viewer, period, *area)
k = st.columns(3)
for col, code in zip(k, ["S01", "S02", "S03"], strict=True):
    ui.metric(col, ui.indicator(cat, code), snap, moved=moved.get(code))

month_shelf = history[history["period"] == period]
left, right = st.columns([2, 3])
with left:
    st.plotly_chart(
        charts.ranked_bar(month_shelf["product_category"], month_shelf["listed"], name="上架产品数", unit="款",
                          title=f"按类别的上架产品（{fmt.period_label(period)}末）"),
        key="shelf_by_category",
    )
with right:
    shown = history if category is None else history[history["product_category"] == category]
    st.plotly_chart(
        charts.stacked_history(shown, x="period", stack="product_category", y="listed", unit="款",
                               title="上架产品数的历史（按类别）"),
        key="shelf_history",
    )
table = month_shelf.rename(columns={"product_category": "产品类别", "listed": "上架产品数（款）",
                                    "violations": "违规上架产品数（款）"}).drop(columns=["period"])
st.dataframe(table, hide_index=True, key="shelf_table")

st.subheader("产品明细与合规")
products = q.listed_products(viewer, period, city=city if viewer.is_province else None, category=category)
if products.empty:
    st.info("所选范围内没有上架产品。")
else:
    only_violations = st.toggle("只看违规产品", value=st.query_params.get("violations") == "1", key="violations")
    st.query_params["violations"] = "1" if only_violations else "0"
    if only_violations:
        products = products[products["is_violation"]]
    st.dataframe(
        products[["product_id", "product_name", "product_category", "institution_name", "guarantee_type",
                  "max_amount_wan", "listed_date", "compliance", "violation_reasons"]].rename(
            columns={"compliance": "合规", "violation_reasons": "违规原因", "product_id": "产品编码", "product_name": "产品名称", "product_category": "产品类别",
                     "institution_name": "机构", "guarantee_type": "担保方式",
                     "max_amount_wan": "最高额度（万元）", "listed_date": "上架日期"}),
        hide_index=True,
        key="products_table",
    )
