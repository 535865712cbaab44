"""The action layer: everything a signed-in user does besides reading — workflow actions, downloads,
SQL statements, refused access — checked against the viewer's role and scope, and written to the audit
log with who, when, what and from which role. Pages call these; they never open a store themselves.
"""

from __future__ import annotations

import pandas as pd

from dashboards import queries as q
from dashboards.queries import quality
from dashboards.scope import Viewer
from loancode import audit_log, config, workflow


def record(viewer: Viewer, action: str, outcome: str, *, target: str = "", detail: str = "") -> None:
    audit_log.record(viewer.username or "-", viewer.role, action, outcome, target=target, detail=detail,
                     city_code=viewer.city_code)


def refused(viewer: Viewer, target: str, message: str) -> None:
    """A page, city, download or action outside the viewer's role or scope was asked for."""
    record(viewer, "access_refused", "refused", target=target, detail=message)


# --- the stewards' workflow ------------------------------------------------------------------------------

WorkflowError = workflow.WorkflowError


def act_on_alert(viewer: Viewer, action: str, alert_id: str, comment: str = "") -> str:
    """Acknowledge, resolve or reopen an alert as the signed-in user; returns the new status.
    ScopeError outside the role or scope, WorkflowError for a transition the workflow refuses."""
    viewer.require("workflow")
    row = quality.alert(viewer, alert_id)  # checks the alert is inside the viewer's scope
    if row is None:
        raise WorkflowError("该告警已不存在（仓库可能已重新构建），请刷新页面。")
    by = viewer.username or viewer.role
    try:
        if action == "acknowledge":
            state = workflow.acknowledge(alert_id, by, comment)
        elif action == "resolve":
            state = workflow.resolve(alert_id, by, comment, last_seen=row.get("last_seen"),
                                     occurrences=row.get("occurrences"))
        elif action == "reopen":
            state = workflow.reopen(alert_id, by, comment)
        else:
            raise WorkflowError(f"未知操作：{action}")
    except WorkflowError as exc:
        record(viewer, "workflow", "refused", target=alert_id, detail=f"{action}: {exc}")
        raise
    record(viewer, "workflow", "success", target=alert_id,
           detail=f"{workflow.ACTION_LABELS.get(action, action)} → {workflow.STATUS_LABELS[state.status]}"
                  + (f"；备注：{comment}" if comment else ""))
    return state.status


# --- downloads -------------------------------------------------------------------------------------------

def city_report(viewer: Viewer, city: str, month: str, kind: str) -> bytes:
    """The city monthly report as XLSX or PDF bytes (downloaded from the 城市 page or the CLI)."""
    from dashboards import reports

    name = reports.report_filename(city, month, kind)
    try:
        viewer.require("report_download")
        viewer.check_city(city)
    except q.ScopeError as exc:
        refused(viewer, name, str(exc))
        raise
    data = reports.city_report_data(viewer, city, month)
    content = reports.to_xlsx(data) if kind == "xlsx" else reports.to_pdf(data)
    record(viewer, "download", "success", target=name, detail=f"{len(content):,} 字节")
    return content


def bulletin(viewer: Viewer, month: str, kind: str) -> bytes:
    """The monthly bulletin (通报) as PDF or DOCX bytes, for the province."""
    from dashboards import reports

    name = reports.bulletin_filename(month, kind)
    try:
        viewer.require("bulletin_download")
    except q.ScopeError as exc:
        refused(viewer, name, str(exc))
        raise
    data = reports.bulletin_data(viewer, month)
    content = reports.to_pdf(data) if kind == "pdf" else reports.to_docx(data)
    record(viewer, "download", "success", target=name, detail=f"{len(content):,} 字节")
    return content


def stored_report(viewer: Viewer, month: str, name: str) -> bytes:
    """A file of the report store (报表中心), within the viewer's role and scope."""
    try:
        content = q.report_file(viewer, month, name)
    except q.ScopeError as exc:
        refused(viewer, f"{month}/{name}", str(exc))
        raise
    record(viewer, "download", "success", target=f"{month}/{name}", detail=f"{len(content):,} 字节")
    return content


def sql_csv(viewer: Viewer, outcome) -> bytes:
    """A SQL result as CSV (UTF-8 with BOM)."""
    viewer.require("sql_download")
    content = outcome.csv()
    record(viewer, "download", "success", target="SQL 查询结果.csv",
           detail=f"{0 if outcome.frame is None else len(outcome.frame):,} 行；{outcome.sql}")
    return content


def audit_csv(viewer: Viewer, frame: pd.DataFrame) -> bytes:
    viewer.require("audit_download")
    record(viewer, "download", "success", target="审计日志.csv", detail=f"{len(frame):,} 行")
    return frame.to_csv(index=False).encode("utf-8-sig")


# --- the SQL console -------------------------------------------------------------------------------------

def run_sql(viewer: Viewer, sql: str):
    """Run one submission through the SQL console (dashboards.sql_console) and audit it."""
    from dashboards.sql_console import Console

    viewer.require("sql")
    try:
        with Console() as console:
            outcome = console.run(sql)
    except FileNotFoundError:
        raise q.WarehouseMissing(config.warehouse_path()) from None
    record(viewer, "sql", "success" if outcome.ok else outcome.status, target=sql, detail=outcome.message)
    return outcome


def sql_tables(viewer: Viewer) -> list[str]:
    """The tables the console may query (for the page's list)."""
    from dashboards.sql_console import Console

    viewer.require("sql")
    with Console() as console:
        return list(console.table_list)
