"""审计日志: who signed in (or failed to), downloaded, queried, acted on an alert or was refused — when,
from which role. Province only; the log itself is append-only and outside the warehouse."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboards import actions, ui
from dashboards.queries import audit
from dashboards.scope import CITY_NAMES

viewer = ui.viewer()

st.title("审计日志")
f1, f2, f3 = st.columns(3)
with f1:
    action = ui.url_selectbox("事件类型", ["all", *audit.ACTION_LABELS], key="audit_action",
                              format_func=lambda a: "全部" if a == "all" else audit.ACTION_LABELS[a])
with f2:
    who = ui.url_selectbox("用户", ["all", *audit.usernames(viewer)], key="audit_user",
                           format_func=lambda u: "全部" if u == "all" else u)
with f3:
    today = dt.date.today()
    days = st.date_input("日期范围", value=(today - dt.timedelta(days=30), today), key="audit_days")
since, until = (days[0], days[-1]) if isinstance(days, tuple | list) and days else (None, None)

events = audit.events(viewer, action=None if action == "all" else action, username=None if who == "all" else who,
                      since=since.isoformat() if since else None, until=until.isoformat() if until else None)
st.caption(f"共 {len(events):,} 条（最新在前，最多 5,000 条）")
table = events.assign(
    action=events["action"].map(lambda a: audit.ACTION_LABELS.get(a, a)),
    outcome=events["outcome"].map(lambda o: audit.OUTCOME_LABELS.get(o, o)),
    city_code=events["city_code"].map(lambda c: CITY_NAMES.get(c, "") if isinstance(c, str) else ""),
).rename(columns={"event_id": "编号", "at": "时间", "username": "用户", "role": "角色", "city_code": "地市",
                  "action": "事件", "target": "对象", "outcome": "结果", "detail": "说明"})
st.dataframe(table, hide_index=True, key="audit_table",
             column_config={"对象": st.column_config.TextColumn(width="large")})
st.download_button("下载 CSV", data=lambda: actions.audit_csv(viewer, table), file_name="审计日志.csv",
                   mime="text/csv", on_click="ignore", key="audit_csv")
