"""Reading the stewards' workflow store (``loancode.workflow``, SQLite outside the warehouse) for the
viewer: the status and history of alerts the viewer may see. Writing (acknowledge, resolve, reopen) is
``dashboards.actions``'s. The only module of the query layer that opens the workflow store."""

from __future__ import annotations

from dashboards.queries import quality
from dashboards.queries._guard import requires
from dashboards.scope import Viewer
from loancode import config, workflow

STATUS_LABELS = workflow.STATUS_LABELS
ACTION_LABELS = workflow.ACTION_LABELS


@requires("quality")
def states(viewer: Viewer, alert_ids: list[str]) -> dict[str, str]:
    """{alert_id: status} of the given alerts (``open`` when never touched)."""
    return {a: s.status for a, s in workflow.states(alert_ids).items()}


@requires("quality")
def history(viewer: Viewer, alert_id: str) -> list[dict]:
    """The alert's history, oldest first; ScopeError when the alert is outside the viewer's scope."""
    if quality.alert(viewer, alert_id) is None:
        return []
    return workflow.history(alert_id)


@requires("quality")
def reconcile(viewer: Viewer) -> list[str]:
    """Reopen resolved alerts seen again in the published warehouse (every alert, whatever the scope:
    a city's view must not make the others look vanished). Returns the ids reopened."""
    return workflow.reconcile(quality.reconcile_marks())


def resolved_in_month(alert_ids: list[str], period: str) -> set[str]:
    """Those of ``alert_ids`` a steward resolved in the calendar month ``period`` (YYYY-MM), from the
    store's history (for the bulletin: the caller has checked the viewer)."""
    if not alert_ids or not config.workflow_db_path().is_file():
        return set()
    wanted = set(alert_ids)
    return {h["alert_id"] for h in workflow.history() if h["action"] == "resolve"
            and str(h["at"])[:7] == period and h["alert_id"] in wanted}


def resolved(alert_ids: list[str]) -> set[str]:
    """Those of ``alert_ids`` resolved in the store (for the city page's open alerts: the caller has
    checked the viewer). No store file yet: nothing is resolved — and a read must not create it."""
    if not alert_ids or not config.workflow_db_path().is_file():
        return set()
    return {a for a, state in workflow.states(alert_ids).items() if state.status == "resolved"}
