"""Deliveries and quarantine: ``audit.ingest_files`` and ``audit.quarantine``.

File-level facts (which file, its status, counts, encoding, message) and quarantine counts by feed
and rule carry no city detail and are shown to every scope. Quarantined rows themselves (masked
``raw_record``) belong to enterprises of every city, so only the province scope may read them.
"""

from __future__ import annotations

import pandas as pd

from dashboards.queries._guard import requires
from dashboards.queries._db import query
from dashboards.scope import ScopeError, Viewer

INGEST_FILES = "audit.ingest_files"
QUARANTINE = "audit.quarantine"


@requires("ingest")
def ingest_files(viewer: Viewer) -> pd.DataFrame:
    """Every delivery, newest business date first: feed, file_name, business_date, sha256, encoding,
    rows_in, rows_loaded, rows_quarantined, status, message, loaded_at."""
    return query(
        "select feed, file_name, business_date, sha256, encoding, rows_in, rows_loaded, "
        f"rows_quarantined, status, message, loaded_at from {INGEST_FILES} "
        "order by business_date desc, feed, loaded_at desc"
    )


@requires("ingest")
def quarantine_summary(viewer: Viewer) -> pd.DataFrame:
    """Quarantined rows by feed and rule: feed, rule, rows."""
    return query(
        f"select feed, rule, count(*) as rows from {QUARANTINE} group by feed, rule "
        "order by feed, rows desc, rule"
    )


@requires("ingest")
def quarantine_sample(
    viewer: Viewer, *, feed: str | None = None, rule: str | None = None, limit: int = 200
) -> pd.DataFrame:
    """Quarantined rows (raw_record is masked upstream). Province scope only."""
    if not viewer.is_province:
        raise ScopeError(f"当前查看范围为{viewer.label}，隔离明细包含其他地市的记录，仅对全省用户开放。")
    clauses, params = ["true"], []
    if feed:
        clauses.append("feed = ?")
        params.append(feed)
    if rule:
        clauses.append("rule = ?")
        params.append(rule)
    params.append(int(limit))
    return query(
        "select feed, file_name, row_number, record_key, rule, detail, raw_record "
        f"from {QUARANTINE} where {' and '.join(clauses)} order by file_name, row_number limit ?",
        params,
    )
