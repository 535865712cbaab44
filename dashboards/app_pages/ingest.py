"""数据接入: every delivery with its status, and what was quarantined."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, ui
from dashboards import format as fmt
from dashboards import queries as q

FEED_LABELS = {
    "applications": "申请事件",
    "register": "机构产品名录",
    "credit_reports": "征信报告",
    "authorizations": "查询授权",
}
COLUMNS = {
    "feed": "数据源",
    "file_name": "文件名",
    "business_date": "业务日期",
    "status": "状态",
    "rows_in": "读入行数",
    "rows_loaded": "加载行数",
    "rows_quarantined": "隔离行数",
    "encoding": "编码",
    "message": "说明",
    "loaded_at": "加载时间",
    "sha256": "SHA-256",
}

ui.require_warehouse()
viewer = ui.viewer()

st.title("数据接入")
files = q.ingest_files(viewer)
if files.empty:
    st.info("尚无任何文件接入记录。")
    st.stop()

files = files.assign(status=files["status"].map(fmt.status_label))

c = st.columns(5)
c[0].metric("接入文件数", fmt.count(len(files), "个"), border=True)
c[1].metric("已加载", fmt.count((files["status"] == "已加载").sum(), "个"), border=True)
c[2].metric("部分隔离", fmt.count((files["status"] == "部分隔离").sum(), "个"), border=True)
c[3].metric("已拒绝", fmt.count((files["status"] == "已拒绝").sum(), "个"), border=True)
c[4].metric("隔离行数", fmt.count(pd.to_numeric(files["rows_quarantined"]).sum(), "行"), border=True)

feeds = ["全部"] + sorted(files["feed"].dropna().unique().tolist())
feed = ui.url_selectbox("数据源", feeds, key="feed", format_func=lambda f: FEED_LABELS.get(f, f))
shown = files if feed == "全部" else files[files["feed"] == feed]

rejected = shown[shown["status"] == "已拒绝"]
if not rejected.empty:
    with st.expander(f"已拒绝的文件（{len(rejected)}）", expanded=True):
        for r in rejected.itertuples(index=False):
            st.error(
                f"**{r.file_name}**（{fmt.period_label(str(r.business_date)[:7])}）：{r.message or '未说明原因'}"
            )

table = shown[list(COLUMNS)].rename(columns=COLUMNS)
table["数据源"] = table["数据源"].map(lambda f: FEED_LABELS.get(f, f))
table["SHA-256"] = table["SHA-256"].astype("string").str[:12]
st.dataframe(
    table.style.map(fmt.status_css, subset=["状态"]),
    hide_index=True,
    column_config={
        "读入行数": st.column_config.NumberColumn(format="localized"),
        "加载行数": st.column_config.NumberColumn(format="localized"),
        "隔离行数": st.column_config.NumberColumn(format="localized"),
        "说明": st.column_config.TextColumn(width="large"),
    },
    key="ingest_files_table",
)

st.subheader("隔离记录")
summary = q.quarantine_summary(viewer)
if feed != "全部":
    summary = summary[summary["feed"] == feed]
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(
        charts.quarantine_bar(
            summary.assign(feed=summary["feed"].map(lambda f: FEED_LABELS.get(f, f))),
            title="按数据源与规则的隔离行数",
        ),
        key="quarantine_chart",
    )
with right:
    st.dataframe(
        summary.rename(columns={"feed": "数据源", "rule": "规则", "rows": "行数"}),
        hide_index=True,
        key="quarantine_summary_table",
    )

if viewer.is_province:
    rules = ["全部"] + sorted(summary["rule"].dropna().unique().tolist())
    rule = ui.url_selectbox("隔离规则", rules, key="rule")
    sample = q.quarantine_sample(
        viewer, feed=None if feed == "全部" else feed, rule=None if rule == "全部" else rule, limit=200
    )
    st.caption(f"隔离明细样例（最多 200 行；原始记录中的个人信息已脱敏）：共显示 {len(sample)} 行")
    st.dataframe(
        sample.rename(
            columns={
                "feed": "数据源",
                "file_name": "文件名",
                "row_number": "行号",
                "record_key": "记录键",
                "rule": "规则",
                "detail": "说明",
                "raw_record": "原始记录（已脱敏）",
            }
        ),
        hide_index=True,
        key="quarantine_sample_table",
    )
else:
    st.caption("隔离明细包含全省各地市的记录，仅对全省用户开放。")
