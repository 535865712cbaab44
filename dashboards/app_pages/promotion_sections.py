"""The blocks of 贷款码推广 shared by the 推广 page and the city page's section (docs/promotion.md): the
P codes by issuer type, and a city's top, bottom and dormant codes. Every read goes through the query
layer."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, ui
from dashboards import format as fmt
from dashboards import queries as q
from dashboards.scope import Viewer

ISSUER_CODES = ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08"]
RANKED = 5
CODE_LABELS = {
    "qr_code_id": "贷款码",
    "issuer_name": "发码主体",
    "division_name": "发码地区",
    "demands": "需求笔数",
    "accepted": "受理笔数",
    "approved": "授信笔数",
    "disbursed": "放款笔数",
    "disbursed_amount_wan": "放款金额（万元）",
    "conversion_pct": "转化率（%）",
}
DORMANT_LABELS = {
    "qr_code_id": "贷款码",
    "issuer_name": "发码主体",
    "division_name": "发码地区",
    "last_demand_period": "最近一笔需求月份",
    "months_since_last_demand": "距今月数",
}


def issuer_block(viewer: Viewer, city: str | None, period: str, cat: dict, key: str) -> pd.DataFrame:
    """The area's P codes by issuer type in ``period`` (``city`` None: the province): a bar of the demands
    that ended in a loan and the table. Returns the rows shown."""
    df = q.breakdown(viewer, "issuer_type", ISSUER_CODES, city=city, start=period, end=period)
    if df.empty:
        st.info("本月暂无贷款码推广数据。")
        return df
    left, right = st.columns([2, 3])
    with left:
        part = df[df["indicator_code"] == "P04"]
        st.plotly_chart(
            charts.ranked_bar(part["member_name"], part["value"], name=ui.indicator(cat, "P04").name, unit="笔",
                              title="按发码主体类型的扫码需求放款笔数"),
            key=f"{key}_bar",
        )
    with right:
        table = ui.wide_table(df, "member_key", "member_name", ISSUER_CODES, cat)
        order = list(q.issuer_labels()) or sorted(table["member_key"])
        table = table.assign(_o=table["member_key"].map({k: i for i, k in enumerate(order)}))
        table = table.sort_values("_o").drop(columns=["_o", "member_key"]).rename(columns={"member_name": "发码主体类型"})
        st.dataframe(table, hide_index=True, column_config=ui.number_columns(table, skip=1), key=f"{key}_table")
    return df


def code_rankings(viewer: Viewer, city: str, period: str, key: str) -> None:
    """The city's (or, for 140000, the provincial) codes of ``period``: the top and bottom five active codes
    and the dormant ones."""
    top = q.promotion_codes(viewer, period, city=city, ranked="top", limit=RANKED)
    bottom = q.promotion_codes(viewer, period, city=city, ranked="bottom", limit=RANKED)
    dormant = q.promotion_codes(viewer, period, city=city, dormant=True)
    left, right = st.columns(2)
    for col, frame, rank, title in ((left, top, "rank_top", "带来放款最多的贷款码"),
                                    (right, bottom, "rank_bottom", "带来放款最少的活跃贷款码")):
        with col:
            st.markdown(f"**{title}（前 {RANKED} 名）**")
            if frame.empty:
                st.info("本月没有带来需求的贷款码。")
                continue
            label = "排名" if rank == "rank_top" else "倒数排名"
            table = frame[[rank, *CODE_LABELS]].rename(columns={rank: label, **CODE_LABELS})
            st.dataframe(table, hide_index=True, column_config=ui.number_columns(table, skip=4),
                         key=f"{key}_{rank}")
    st.markdown(f"**沉寂贷款码（连续 3 个月未带来需求，{fmt.count(len(dormant), '个')}）**")
    if dormant.empty:
        st.success("本月末没有沉寂的贷款码。")
    else:
        st.dataframe(dormant[list(DORMANT_LABELS)].rename(columns=DORMANT_LABELS), hide_index=True,
                     key=f"{key}_dormant")
    st.caption("排名在本月有需求的贷款码中按带来放款的需求笔数（P04）、需求笔数（P01）、放款金额（P05）排序；"
               "数据来自 marts.rpt_promotion_codes（与 P 指标同一口径）。")
