"""The data stewards' alert workflow: acknowledge, resolve, reopen — with comments — in a small SQLite file.

The store lives outside the warehouse (`loancode.config.workflow_db_path()`, default
`data/workflow.sqlite`): every build replaces the published warehouse, and a steward's work must
survive that. Alerts themselves are recomputed by dbt each build (`marts.dq_alerts`); their `alert_id`
is stable, so the store follows the same problem across rebuilds.

Tables:
- `alert_state(alert_id, status, updated_at, updated_by, resolved_last_seen, resolved_occurrences,
  absent_since)`: the current status; an alert without a row is `open`.
- `alert_history(history_id, alert_id, at, by, action, from_status, to_status, comment)`: append-only.

An alert resolved and seen again is reopened by `reconcile` (after every build, and lazily when the
quality page loads). "Seen again" compares data with data: the alert's `last_seen` (a data time) or
`occurrences` grew beyond what they were when it was resolved, or it vanished from `marts.dq_alerts`
and came back. Comparing a data time with the wall-clock resolution time would never reopen anything
on a back-dated province, and would miss a late file about yesterday delivered after this morning's
resolution; the wall clock is used only when the resolution recorded no `last_seen`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from loancode import config
from loancode.stores import open_store

STATUS_LABELS = {"open": "待处理", "acknowledged": "已确认", "resolved": "已解决"}
ACTION_LABELS = {"acknowledge": "确认", "resolve": "解决", "reopen": "重新打开", "comment": "备注"}
SYSTEM = "system"

# from-status -> action -> to-status
TRANSITIONS = {
    "open": {"acknowledge": "acknowledged", "resolve": "resolved", "comment": "open"},
    "acknowledged": {"resolve": "resolved", "reopen": "open", "comment": "acknowledged"},
    "resolved": {"reopen": "open", "comment": "resolved"},
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_state (
    alert_id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    resolved_last_seen TEXT,
    resolved_occurrences INTEGER,
    absent_since TEXT
);
CREATE TABLE IF NOT EXISTS alert_history (
    history_id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS alert_history_alert ON alert_history (alert_id, history_id);
"""


class WorkflowError(ValueError):
    """A transition the workflow does not allow. The message is for the user (Chinese)."""


@dataclass(frozen=True)
class AlertState:
    alert_id: str
    status: str
    updated_at: str | None = None
    updated_by: str | None = None
    resolved_last_seen: str | None = None
    resolved_occurrences: int | None = None
    absent_since: str | None = None


@dataclass(frozen=True)
class SeenAlert:
    """What reconcile needs of a row of marts.dq_alerts."""

    alert_id: str
    last_seen: object = None  # datetime, date, ISO text or None
    occurrences: int | None = None


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _iso(value: object) -> str | None:
    if value is None:
        return None
    try:
        if value != value:  # NaN / NaT from pandas
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    return text.replace("T", " ")[:19] if text not in ("NaT", "None", "") else None


def connect(path: Path | str | None = None) -> sqlite3.Connection:
    """Open (and create if needed) the workflow store."""
    return open_store(Path(path) if path is not None else config.workflow_db_path(), SCHEMA)


def _state(con: sqlite3.Connection, alert_id: str) -> AlertState:
    row = con.execute("SELECT * FROM alert_state WHERE alert_id = ?", [alert_id]).fetchone()
    return AlertState(**dict(row)) if row else AlertState(alert_id, "open")


def states(alert_ids: Iterable[str] | None = None, path: Path | str | None = None) -> dict[str, AlertState]:
    """Current state of the given alerts (all stored ones if None); alerts never touched are `open`."""
    with closing(connect(path)) as con:
        rows = {r["alert_id"]: AlertState(**dict(r)) for r in con.execute("SELECT * FROM alert_state")}
    if alert_ids is None:
        return rows
    return {a: rows.get(a, AlertState(a, "open")) for a in alert_ids}


def history(alert_id: str | None = None, path: Path | str | None = None) -> list[dict]:
    """The append-only history, oldest first (of one alert, or all)."""
    with closing(connect(path)) as con:
        sql = "SELECT * FROM alert_history"
        rows = con.execute(sql + (" WHERE alert_id = ? ORDER BY history_id" if alert_id else " ORDER BY history_id"),
                           [alert_id] if alert_id else []).fetchall()
    return [dict(r) for r in rows]


def _apply(con: sqlite3.Connection, alert_id: str, action: str, by: str, comment: str,
           resolved_last_seen: str | None = None, resolved_occurrences: int | None = None) -> AlertState:
    current = _state(con, alert_id)
    target = TRANSITIONS[current.status].get(action)
    if target is None:
        raise WorkflowError(f"告警当前状态为“{STATUS_LABELS[current.status]}”，不能执行“{ACTION_LABELS[action]}”。")
    at = _now()
    keep_resolution = target == "resolved" and action == "comment"
    con.execute(
        "INSERT INTO alert_state (alert_id, status, updated_at, updated_by, resolved_last_seen, resolved_occurrences, "
        "absent_since) VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (alert_id) DO UPDATE SET status = excluded.status, "
        "updated_at = excluded.updated_at, updated_by = excluded.updated_by, "
        "resolved_last_seen = excluded.resolved_last_seen, resolved_occurrences = excluded.resolved_occurrences, "
        "absent_since = excluded.absent_since",
        [alert_id, target, at, by,
         current.resolved_last_seen if keep_resolution else resolved_last_seen,
         current.resolved_occurrences if keep_resolution else resolved_occurrences])
    con.execute(
        "INSERT INTO alert_history (alert_id, at, by, action, from_status, to_status, comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [alert_id, at, by, action, current.status, target, comment or ""])
    return _state(con, alert_id)


def _act(alert_id: str, action: str, by: str, comment: str, path, **kw) -> AlertState:
    if not by or not str(by).strip():
        raise WorkflowError("请填写处理人。")
    with closing(connect(path)) as con, con:
        return _apply(con, alert_id, action, str(by).strip(), (comment or "").strip(), **kw)


def acknowledge(alert_id: str, by: str, comment: str = "", path: Path | str | None = None) -> AlertState:
    return _act(alert_id, "acknowledge", by, comment, path)


def resolve(alert_id: str, by: str, comment: str = "", *, last_seen: object = None, occurrences: int | None = None,
            path: Path | str | None = None) -> AlertState:
    """Resolve; `last_seen`/`occurrences` are the alert's as the steward saw them (for automatic reopening)."""
    return _act(alert_id, "resolve", by, comment, path, resolved_last_seen=_iso(last_seen),
                resolved_occurrences=None if occurrences is None else int(occurrences))


def reopen(alert_id: str, by: str, comment: str = "", path: Path | str | None = None) -> AlertState:
    return _act(alert_id, "reopen", by, comment, path)


def comment(alert_id: str, by: str, text: str, path: Path | str | None = None) -> AlertState:
    if not text or not text.strip():
        raise WorkflowError("请填写备注内容。")
    return _act(alert_id, "comment", by, text, path)


def _seen_again(state: AlertState, alert: SeenAlert) -> str | None:
    """Why a resolved alert counts as seen again, or None."""
    last_seen = _iso(alert.last_seen)
    if state.absent_since is not None:
        return f"告警曾于 {state.absent_since} 消失，本次构建再次出现"
    if state.resolved_last_seen is not None:
        if last_seen is not None and last_seen > state.resolved_last_seen:
            return f"最近发现时间由 {state.resolved_last_seen} 推进到 {last_seen}"
    elif last_seen is not None and state.updated_at is not None and last_seen > state.updated_at.replace("T", " "):
        return f"最近发现时间 {last_seen} 晚于解决时间 {state.updated_at}"
    if (state.resolved_occurrences is not None and alert.occurrences is not None
            and int(alert.occurrences) > state.resolved_occurrences):
        return f"发生次数由 {state.resolved_occurrences} 增至 {int(alert.occurrences)}"
    return None


def reconcile(alerts: Iterable[SeenAlert | tuple], path: Path | str | None = None) -> list[str]:
    """Follow the current alerts: reopen resolved ones seen again (system comment), note resolved ones
    that vanished. Returns the ids reopened. Idempotent: a second call with the same alerts does nothing."""
    current = {a.alert_id: a for a in (x if isinstance(x, SeenAlert) else SeenAlert(*x) for x in alerts)}
    reopened: list[str] = []
    with closing(connect(path)) as con, con:
        resolved = [AlertState(**dict(r)) for r in con.execute("SELECT * FROM alert_state WHERE status = 'resolved'")]
        for state in resolved:
            alert = current.get(state.alert_id)
            if alert is None:
                if state.absent_since is None:
                    con.execute("UPDATE alert_state SET absent_since = ? WHERE alert_id = ?", [_now(), state.alert_id])
                continue
            why = _seen_again(state, alert)
            if why:
                _apply(con, state.alert_id, "reopen", SYSTEM, f"系统自动重新打开：已解决的问题再次出现（{why}）")
                reopened.append(state.alert_id)
    return reopened


def read_published_alerts(warehouse: Path | str | None = None) -> list[SeenAlert]:
    """alert_id, last_seen, occurrences of `marts.dq_alerts` in a warehouse file (for the build's reconcile)."""
    import duckdb

    target = Path(warehouse) if warehouse is not None else config.warehouse_path()
    with duckdb.connect(str(target), read_only=True) as con:
        rows = con.execute("SELECT alert_id, last_seen, occurrences FROM marts.dq_alerts").fetchall()
    return [SeenAlert(*r) for r in rows]
