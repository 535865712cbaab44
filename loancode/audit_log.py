"""The audit log: who did what, when, from which role — append-only, outside the published warehouse.

A SQLite file (`loancode.config.audit_log_path()`, default `audit_log.sqlite` beside the workflow store)
that no build touches, so it survives every rebuild. SQLite itself keeps it append-only: triggers
refuse every UPDATE and DELETE of a recorded event (the file's permissions on the server are the outer
guard: whoever may write the file may also drop the triggers, see docs/deploy.md).

Events: sign-ins (success and each kind of failure), sign-outs and expired sessions, downloads, SQL
statements (run, refused, failed, timed out), workflow actions, refused access (a page, city or
download outside the role) and changes to accounts.

Table `events(event_id, at, username, role, city_code, action, target, outcome, detail)`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from loancode import config
from loancode.stores import open_store

ACTIONS = {
    "sign_in": "登录",
    "sign_out": "退出",
    "session_expired": "超时退出",
    "download": "下载",
    "sql": "SQL 查询",
    "workflow": "告警处理",
    "access_refused": "拒绝访问",
    "user_admin": "账户管理",
}
OUTCOMES = {
    "success": "成功",
    "wrong": "密码错误",
    "locked": "账户锁定",
    "disabled": "账户停用",
    "refused": "已拒绝",
    "failed": "失败",
    "timeout": "超时",
    "unmapped": "未分配角色",
}
COLUMNS = ["event_id", "at", "username", "role", "city_code", "action", "target", "outcome", "detail"]
MAX_TEXT = 4000

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    city_code TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'audit log is append-only: events cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'audit log is append-only: events cannot be deleted'); END;
"""


def connect(path: Path | str | None = None) -> sqlite3.Connection:
    return open_store(Path(path) if path is not None else config.audit_log_path(), SCHEMA)


def record(username: str, role: str, action: str, outcome: str, *, target: str = "", detail: str = "",
           city_code: str | None = None, path: Path | str | None = None) -> int:
    """Append one event; returns its id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    at = dt.datetime.now().isoformat(timespec="milliseconds")
    with closing(connect(path)) as con, con:
        cur = con.execute(
            "INSERT INTO events (at, username, role, city_code, action, target, outcome, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [at, username or "-", role or "-", city_code, action, str(target or "")[:MAX_TEXT], outcome,
             str(detail or "")[:MAX_TEXT]])
        return int(cur.lastrowid)


def events(*, action: str | None = None, username: str | None = None, since: str | None = None,
           until: str | None = None, limit: int = 5000, path: Path | str | None = None) -> list[dict]:
    """Recorded events, newest first; `since`/`until` compare with `at` (ISO text, inclusive)."""
    clauses, params = ["1 = 1"], []
    for column, value, op in (("action", action, "="), ("username", username, "="), ("at", since, ">="),
                              ("at", until, "<=")):
        if value:
            clauses.append(f"{column} {op} ?")
            params.append(value)
    with closing(connect(path)) as con:
        rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM events WHERE {' AND '.join(clauses)} "
                           "ORDER BY event_id DESC LIMIT ?", [*params, int(limit)]).fetchall()
    return [dict(r) for r in rows]
