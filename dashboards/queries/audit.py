"""Reading the audit log (``loancode.audit_log``, SQLite outside the warehouse): province only."""

from __future__ import annotations

import pandas as pd

from dashboards.queries._guard import requires
from dashboards.scope import Viewer
from loancode import audit_log

ACTION_LABELS = audit_log.ACTIONS
OUTCOME_LABELS = audit_log.OUTCOMES


@requires("audit")
def events(viewer: Viewer, *, action: str | None = None, username: str | None = None,
           since: str | None = None, until: str | None = None, limit: int = 5000) -> pd.DataFrame:
    """Recorded events, newest first. ``since``/``until`` are days (YYYY-MM-DD, inclusive)."""
    rows = audit_log.events(action=action, username=username, since=since,
                            until=f"{until}T23:59:59.999" if until else None, limit=limit)
    return pd.DataFrame(rows, columns=audit_log.COLUMNS)


@requires("audit")
def usernames(viewer: Viewer) -> list[str]:
    return sorted({e["username"] for e in audit_log.events(limit=100_000)})
