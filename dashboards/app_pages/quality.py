"""数据质量: every quality and compliance alert with its evidence, and the stewards' workflow on it.

Alerts come from the warehouse (``marts.dq_alerts`` through ``dashboards.queries.quality``); their
status and comments from the workflow store (through ``dashboards.queries.workflow``), reconciled lazily
once per published build and session. Actions go through ``dashboards.actions`` as the signed-in user.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import access, actions, charts, ui
from dashboards import format as fmt
from dashboards import queries as q
from dashboards.queries import quality as qq
from dashboards.queries import workflow
from dashboards.scope import CITY_NAMES

SEVERITY_LABELS = {"critical": "严重", "warning": "警告", "info": "提示"}
# Severity marks need no emoji font: Material icons (bundled with Streamlit's frontend) on the cards,
# coloured text (CSS) in the table, a bracketed word in plain-text labels.
SEVERITY_ICONS = {"critical": ":red[:material/error:]", "warning": ":orange[:material/warning:]",
                  "info": ":blue[:material/info:]"}

OWNER_LABELS = {"data_steward": "数据管理员", "platform_operator": "平台运营方", "compliance_officer": "合规专员"}
FAMILY_LABELS = {"contract": "数据约定", "timeliness": "及时性", "completeness": "完整性", "compliance": "合规",
                 "consistency": "一致性"}
STATUS_FILTERS = {"unresolved": "未解决（待处理＋已确认）", "open": "待处理", "acknowledged": "已确认",
                  "resolved": "已解决", "all": "全部"}
ENTITY_LABELS = {"file": "文件", "file_rule": "文件·规则", "contract_expectation": "校验项", "feed": "数据源",
                 "city_gap": "地市·时段", "product": "产品", "institution_enterprise": "机构→企业", "institution": "机构",
                 "application": "融资需求", "month": "月份"}
EVIDENCE_COLUMNS = {
    "feed": "数据源", "file_name": "文件名", "row_number": "行号", "record_key": "记录键", "rule": "规则",
    "detail": "说明", "raw_record": "原始记录（已脱敏）", "business_date": "业务日期", "status": "状态",
    "message": "说明", "rows_in": "读入行数", "loaded_at": "加载时间", "snapshot_date": "名录日期",
    "product_id": "产品编码", "product_name": "产品名称", "product_category": "产品类别", "service_targets": "服务对象",
    "listing_status": "上架状态", "institution_id": "机构编码", "institution_name": "机构名称",
    "onboarding_status": "入驻状态", "agreement_signed_date": "协议签署日期", "agreement_expiry_date": "协议到期日期",
    "report_id": "报告编号", "queried_at": "查询时间", "uscc": "统一社会信用代码", "authorization_id": "授权编号",
    "unlawful_reason": "违规原因", "city_code": "地市", "application_id": "需求编号", "submitted_at": "提交时间",
    "enterprise_name": "经营主体", "county_code": "区县", "amount_yuan": "金额（元）", "response_deadline_at": "响应时限",
    "event_id": "事件编号", "event_type": "事件类型", "event_time": "事件时间", "min_amount_wan": "最低额度（万元）",
    "max_amount_wan": "最高额度（万元）", "period": "月份", "demands": "需求笔数", "table_name": "表",
    "run_at": "校验时间", "failed": "未通过的期望",
}

ui.require_warehouse()
viewer = ui.viewer()

st.title("数据质量")
if not qq.available():
    st.info("当前仓库尚无数据质量告警表（marts.dq_alerts），请重新构建仓库。")
    st.stop()

# Reconcile the workflow store once per published build and session: an alert resolved and seen again
# reopens even if the build ran without the Dagster reconcile (e.g. a warehouse copied in by hand).
stamp_key = f"dq_reconciled::{q.stamp()}"
if not st.session_state.get(stamp_key):
    reopened = workflow.reconcile(viewer)
    st.session_state[stamp_key] = True
    if reopened:
        st.toast(f"{len(reopened)} 条已解决的告警再次出现，已自动重新打开。", icon=":material/autorenew:")

alerts = qq.alerts(viewer)
rules = qq.rules(viewer).set_index("rule_code")
states = workflow.states(viewer, alerts["alert_id"].tolist())
alerts = alerts.assign(
    status=[states[a] for a in alerts["alert_id"]],
    rule_label=[f"{n}（{c}）" if isinstance(n, str) else c for n, c in zip(alerts["rule_name"], alerts["rule_code"], strict=True)],
    city_name=[CITY_NAMES.get(c, "全省") if isinstance(c, str) else "全省" for c in alerts["city_code"]],
)
unresolved = alerts[alerts["status"] != "resolved"]

cols = st.columns(5)
for col, sev in zip(cols[:3], ("critical", "warning", "info"), strict=True):
    col.metric(f"{SEVERITY_ICONS[sev]} 未解决·{SEVERITY_LABELS[sev]}", fmt.count((unresolved["severity"] == sev).sum(), "条"),
               border=True)
cols[3].metric("已确认", fmt.count((alerts["status"] == "acknowledged").sum(), "条"), border=True)
cols[4].metric("已解决", fmt.count((alerts["status"] == "resolved").sum(), "条"), border=True)
st.caption(f"查看范围：{viewer.label}。" + ("" if viewer.is_province else "仅显示本市的告警；文件、数据源、月份等全省性告警由省局处理。"))

if alerts.empty:
    st.success("当前没有任何数据质量或合规告警。")

# Filters (kept in the URL like the other pages)
f1, f2, f3, f4 = st.columns(4)
with f1:
    status_filter = ui.url_selectbox("状态", list(STATUS_FILTERS), key="dq_status", format_func=STATUS_FILTERS.get)
with f2:
    severity_filter = ui.url_selectbox("严重程度", ["all", "critical", "warning", "info"], key="dq_severity",
                                       format_func=lambda s: "全部" if s == "all" else SEVERITY_LABELS[s])
with f3:
    rule_codes = ["all"] + [c for c in rules.index if c in set(alerts["rule_code"])]
    rule_filter = ui.url_selectbox("规则", rule_codes, key="dq_rule",
                                   format_func=lambda c: "全部" if c == "all" else f"{rules.at[c, 'name_zh']}（{c}）")
with f4:
    if viewer.is_province:
        city_options = ["all", "none"] + sorted(c for c in alerts["city_code"].dropna().unique())
        city_filter = ui.url_selectbox("地市", city_options, key="dq_city", format_func=lambda c: {
            "all": "全部", "none": "全省性（无地市）"}.get(c, CITY_NAMES.get(c, c)))
    else:
        city_filter = "all"
        st.text_input("地市", value=viewer.label, disabled=True)

shown = alerts
if status_filter == "unresolved":
    shown = shown[shown["status"] != "resolved"]
elif status_filter != "all":
    shown = shown[shown["status"] == status_filter]
if severity_filter != "all":
    shown = shown[shown["severity"] == severity_filter]
if rule_filter != "all":
    shown = shown[shown["rule_code"] == rule_filter]
if city_filter == "none":
    shown = shown[shown["city_code"].isna()]
elif city_filter != "all":
    shown = shown[shown["city_code"] == city_filter]

left, right = st.columns(2)
by_rule = shown.groupby("rule_label").size()
with left:
    st.plotly_chart(charts.ranked_bar(by_rule.index.tolist(), by_rule.tolist(), name="告警数", unit="条",
                                      title="按规则的告警数"), key="dq_by_rule")
by_city = shown.groupby("city_name").size()
with right:
    st.plotly_chart(charts.ranked_bar(by_city.index.tolist(), by_city.tolist(), name="告警数", unit="条",
                                      title="按地市的告警数"), key="dq_by_city")

# Trend: alerts by the month their problem was first evidenced, per severity
trend = shown.assign(period=pd.to_datetime(shown["first_seen"]).dt.strftime("%Y-%m"))
trend = trend.groupby(["severity", "period"]).size().reset_index(name="value")
months = sorted(trend["period"].dropna().unique())
grid = pd.DataFrame([(s, p) for s in trend["severity"].unique() for p in months], columns=["severity", "period"])
trend = grid.merge(trend, how="left", on=["severity", "period"]).fillna({"value": 0})
st.plotly_chart(charts.trend(trend.rename(columns={"severity": "indicator_code"}), SEVERITY_LABELS, unit="条",
                             title="告警趋势（按首次发现月份）"), key="dq_trend")

st.subheader(f"告警列表（{len(shown)}）")
table = pd.DataFrame({
    "严重程度": shown["severity"].map(lambda s: SEVERITY_LABELS.get(s, s)),
    "规则": shown["rule_label"],
    "地市": shown["city_name"],
    "对象": [f"{ENTITY_LABELS.get(t, t)} {k}" for t, k in zip(shown["entity_type"], shown["entity_key"], strict=True)],
    "首次发现": shown["first_seen"],
    "最近发现": shown["last_seen"],
    "次数": shown["occurrences"],
    "状态": shown["status"].map(workflow.STATUS_LABELS),
    "说明": shown["detail"],
})
st.dataframe(table.style.map(fmt.status_css, subset=["严重程度"]), hide_index=True, key="dq_alert_table",
             column_config={"说明": st.column_config.TextColumn(width="large")})

if shown.empty:
    st.stop()

# Drill-down and workflow on one alert
st.subheader("告警详情与处理")
labels = {r.alert_id: f"【{SEVERITY_LABELS.get(r.severity, r.severity)}】{r.rule_label} · {r.entity_key}"
          for r in shown.itertuples(index=False)}
chosen = ui.url_selectbox("选择告警", list(labels), key="dq_alert", format_func=labels.get)
current = shown[shown["alert_id"] == chosen].iloc[0]
rule = rules.loc[current["rule_code"]] if current["rule_code"] in rules.index else None

c1, c2 = st.columns([3, 2])
with c1:
    st.markdown(f"**{current['rule_label']}** · {SEVERITY_LABELS.get(current['severity'], current['severity'])} · "
                f"{current['city_name']} · 状态：**{workflow.STATUS_LABELS[current['status']]}**")
    st.write(current["detail"])
    if rule is not None:
        st.caption(f"负责角色：{OWNER_LABELS.get(rule['owner_role'], rule['owner_role'])}；"
                   f"类别：{FAMILY_LABELS.get(rule['family'], rule['family'])}；依据：{rule['enforces']}")
    st.caption(f"告警编号 {current['alert_id']}；首次发现 {current['first_seen']}，最近发现 {current['last_seen']}，"
               f"共 {current['occurrences']} 次")
    rows = qq.evidence(viewer, chosen)
    st.markdown("**证据明细**（个人信息已脱敏）")
    st.dataframe(rows.rename(columns=EVIDENCE_COLUMNS), hide_index=True, key="dq_evidence")

with c2:
    may_act = access.may(viewer.role, "workflow")
    st.caption(f"处理人：{viewer.username}（以登录用户记录）")
    note = st.text_area("备注", key="dq_comment", placeholder="处理说明、核实结果、整改要求……", disabled=not may_act)
    status = current["status"]
    b1, b2, b3 = st.columns(3)
    actions_pressed = {
        "acknowledge": b1.button("确认", key="dq_acknowledge", disabled=not may_act or status != "open"),
        "resolve": b2.button("解决", key="dq_resolve", disabled=not may_act or status == "resolved"),
        "reopen": b3.button("重新打开", key="dq_reopen", disabled=not may_act or status == "open"),
    }
    for action, pressed in actions_pressed.items():
        if not pressed:
            continue
        try:
            actions.act_on_alert(viewer, action, chosen, note)
        except actions.WorkflowError as exc:
            st.error(str(exc))
        else:
            st.session_state["dq_flash"] = f"已{workflow.ACTION_LABELS[action]}：{labels[chosen]}"
            st.rerun()
    if st.session_state.get("dq_flash"):
        st.success(st.session_state.pop("dq_flash"))
    past = workflow.history(viewer, chosen)
    if past:
        st.markdown("**处理记录**")
        st.dataframe(pd.DataFrame(past)[["at", "by", "action", "to_status", "comment"]].assign(
            action=lambda d: d["action"].map(workflow.ACTION_LABELS),
            to_status=lambda d: d["to_status"].map(workflow.STATUS_LABELS),
        ).rename(columns={"at": "时间", "by": "处理人", "action": "动作", "to_status": "处理后状态", "comment": "备注"}),
            hide_index=True, key="dq_history")
