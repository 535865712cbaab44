"""SQL 查询: one read-only SELECT at a time on the de-identified published tables (marts, audit), through
the same console as `make sql` (dashboards.sql_console): refusals with their reason, a timeout, a row
cap on what is shown, the result as CSV. Every statement is written to the audit log."""

from __future__ import annotations

import streamlit as st

from dashboards import actions, ui

ui.require_warehouse()
viewer = ui.viewer()

st.title("SQL 查询")
st.caption("只读：每次一条 SELECT 语句，只能查询已发布的 marts 与 audit 表（个人信息均已脱敏）；"
           "超时自动中止，页面最多显示前若干行，可下载 CSV。每条语句都记入审计日志。")
with st.expander("可查询的表"):
    st.code("\n".join(actions.sql_tables(viewer)), language=None)

with st.form("sql_form"):
    sql = st.text_area("SQL", key="sql_text", height=160,
                       placeholder="SELECT indicator_code, period, value FROM marts.indicator_values "
                                   "WHERE grain = 'province' ORDER BY period DESC LIMIT 20")
    submitted = st.form_submit_button("执行", type="primary", key="sql_run")

if submitted and sql.strip():
    st.session_state["sql_outcome"] = actions.run_sql(viewer, sql)

outcome = st.session_state.get("sql_outcome")
if outcome is not None:
    if outcome.ok:
        st.caption(f"{outcome.message}（用时 {outcome.seconds:.2f} 秒）")
        st.dataframe(outcome.shown, hide_index=True, key="sql_result")
        st.download_button("下载 CSV", data=lambda: actions.sql_csv(viewer, outcome), file_name="SQL查询结果.csv",
                           mime="text/csv", on_click="ignore", key="sql_csv")
    elif outcome.status == "refused":
        st.error(f"已拒绝：{outcome.message}", icon=":material/block:")
    else:
        st.warning(outcome.message)
