"""匹配推荐 (docs/matching.md): how well the ranking does on the held-out months (province scope), one
enterprise's recommended products with their reasons (by USCC or name, or among those whose demand went
unanswered), and one product's best prospects. A city office looks up its own city's enterprises and
prospects only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, ui
from dashboards import format as fmt
from dashboards.queries import matching as mq

METHODS = {"model": "模型", "model_served": "模型（限额后）", "popularity": "热门度", "rules": "规则打分"}
METRICS = {"ndcg_at_10": "NDCG@10", "hit_rate_at_10": "命中率@10"}
RECOMMENDATION_COLUMNS = {"rank": "排名", "product_id": "产品编码", "product_name": "产品名称",
                          "product_category": "产品类别", "institution_name": "机构", "score": "匹配分",
                          "reasons": "推荐理由"}
PROSPECT_COLUMNS = {"rank": "排名", "uscc": "统一社会信用代码", "enterprise_name": "企业名称", "county_name": "区县",
                    "entity_type": "主体类型", "score": "匹配分", "reasons": "推荐理由"}
SCORE_HELP = "模型估计：该企业通过平台发起融资需求时，选择此产品并获批的概率（在其符合准入条件的产品之中）"

ui.require_warehouse()
viewer = ui.viewer()

st.title("匹配推荐")
if not mq.available(viewer):
    st.info("仓库中暂无匹配结果，请先运行 make build。")
    st.stop()
info = mq.run_info(viewer)
if info:
    st.caption(
        f"评分日期 {fmt.day(info['scored_at'])}：依据此日之前的合法征信报告与融资需求、当日在册的产品名录。"
        f"模型以 {fmt.day(info['cutoff_date'])} 之前的需求训练（{fmt.count(info['training_demands'], '笔')}），"
        f"在其后的月份上评估；热门度 = 截止日前90天的放款笔数，规则打分 = 准入条件的富余程度。"
    )


def _figure(ev: pd.DataFrame, method: str, metric: str) -> float | None:
    row = ev[(ev["method"] == method) & (ev["metric"] == metric) & ev["bin_lower"].isna()]
    return None if row.empty or pd.isna(row["value"].iloc[0]) else float(row["value"].iloc[0])


def _relative(a: float | None, b: float | None) -> str | None:
    return None if a is None or not b else f"{(a / b - 1) * 100:+.0f}% 对比热门度"


# --- how well it does ------------------------------------------------------------------------------------
if viewer.is_province:
    st.subheader("效果评估（留出月份）")
    ev = mq.evaluation(viewer)
    model, popular = _figure(ev, "model", "ndcg_at_10"), _figure(ev, "popularity", "ndcg_at_10")
    cards = st.columns(5)
    cards[0].metric("NDCG@10（模型）", "—" if model is None else f"{model:.3f}", _relative(model, popular),
                    help="留出月份中，企业所选并至少被受理的产品在推荐列表中的位置得分（1 为排在首位）", border=True)
    hit, hit_popular = _figure(ev, "model", "hit_rate_at_10"), _figure(ev, "popularity", "hit_rate_at_10")
    cards[1].metric("命中率@10（模型）", fmt.percent(None if hit is None else hit * 100, 1),
                    _relative(hit, hit_popular), border=True)
    coverage = _figure(ev, "model_served", "catalog_coverage")
    cards[2].metric("产品覆盖率", fmt.percent(None if coverage is None else coverage * 100, 1),
                    help="在册产品中至少出现在一户企业前10推荐中的比例", border=True)
    share = _figure(ev, "model_served", "max_list_share")
    cards[3].metric("单一产品最高占比", fmt.percent(None if share is None else share * 100, 1),
                    help="出现次数最多的产品占全部推荐列表的比例（上限20%）", border=True)
    brier = _figure(ev, "model", "brier_score")
    cards[4].metric("Brier 分数", "—" if brier is None else f"{brier:.4f}", help="匹配分作为概率的误差，越低越好",
                    border=True)
    ranking = ev[(ev["section"] == "ranking") & ev["metric"].isin(list(METRICS))].assign(
        method_label=lambda d: d["method"].map(METHODS), metric_label=lambda d: d["metric"].map(METRICS))
    bins = ev[(ev["section"] == "calibration") & ev["bin_lower"].notna()].pivot_table(
        index=["bin_lower", "pairs"], columns="metric", values="value").reset_index()
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.method_comparison(ranking, title="模型与基准的排序效果"), key="match_methods")
    with right:
        st.plotly_chart(charts.reliability(bins, title="匹配分校准（按预测分十等分）"), key="match_calibration")

# --- one enterprise ----------------------------------------------------------------------------------------
st.subheader("查询企业")
search = st.text_input("统一社会信用代码或企业名称", value=st.query_params.get("q", ""), key="q",
                       placeholder="如 91140105… 或 名称中的关键字")
st.query_params["q"] = search
found = mq.find_enterprises(viewer, search) if search.strip() else mq.unanswered_enterprises(viewer)
wanted = st.query_params.get("uscc")
if wanted and wanted not in set(found["uscc"]):  # a shared link: the enterprise itself, if in scope
    profile = mq.enterprise(viewer, wanted)
    if profile:
        found = pd.concat([pd.DataFrame([profile]), found], ignore_index=True)
if found.empty:
    st.info("未找到符合条件的企业。" if search.strip() else "当前范围内没有需求未获响应的企业。")
else:
    if not search.strip():
        st.caption(f"需求未获响应的企业（{fmt.count(len(found), '户')}），可输入代码或名称查询其他企业。")
    names = dict(zip(found["uscc"], found["enterprise_name"].fillna(""), strict=True))
    uscc = ui.url_selectbox("企业", list(names), key="uscc", format_func=lambda u: f"{names[u]}（{u}）")
    profile = mq.enterprise(viewer, uscc)
    p = st.columns(5)
    p[0].metric("所在区县", profile.get("county_name") or "—", border=True)
    p[1].metric("企业规模", profile.get("size_class") or "—", border=True)
    p[2].metric("纳税信用", profile.get("tax_grade") or "—", border=True)
    years = profile.get("years_in_business")
    p[3].metric("经营年限", "—" if fmt.is_missing(years) else f"{float(years):.1f} 年", border=True)
    p[4].metric("未获响应需求", fmt.count(profile.get("unanswered_demands"), "笔"), border=True)
    if profile.get("is_thin"):
        st.warning("冷启动：该企业暂无合法征信报告，画像仅来自其融资需求，推荐依据需求信息、产品与同行业表现。")
    recs = mq.recommendations(viewer, uscc)
    if recs.empty or recs["product_id"].isna().all():
        st.info("无符合准入条件的产品。")
    else:
        st.dataframe(recs.rename(columns=RECOMMENDATION_COLUMNS), hide_index=True, key="match_recommendations",
                     column_config={"匹配分": st.column_config.NumberColumn(format="%.4f", help=SCORE_HELP)})

# --- one product -------------------------------------------------------------------------------------------
st.subheader("产品潜在客户" + ("" if viewer.is_province else f"（{viewer.label}）"))
products = mq.prospect_products(viewer)
if products.empty:
    st.info("当前范围内暂无产品的潜在客户。")
else:
    labels = {r.product_id: f"{r.product_name or r.product_id}（{r.institution_name or '—'}，{r.product_id}）"
              for r in products.itertuples(index=False)}
    product = ui.url_selectbox("产品", list(labels), key="product", format_func=labels.get)
    rows = mq.prospects(viewer, product)
    st.caption(f"按匹配分排序的前 {fmt.count(len(rows), '户')} 潜在客户。")
    st.dataframe(rows.drop(columns=["is_thin"]).rename(columns=PROSPECT_COLUMNS), hide_index=True,
                 key="product_prospects",
                 column_config={"匹配分": st.column_config.NumberColumn(format="%.4f", help=SCORE_HELP)})
