"""The Great Expectations outcomes of every ingest run, kept in `raw.contract_suite_results`.

The ingest assets report each suite as a Dagster asset check; this log keeps the same outcome in the
warehouse so that dbt can raise it in `marts.dq_alerts` (rule `contract_suite_failed`) beside every
other quality problem. One row per table and run that loaded at least one partition.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from loancode import feeds

TABLE = "raw.contract_suite_results"


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(feeds.ledger_ddl(feeds.ledger("contract_suite_results")))


def record(con: duckdb.DuckDBPyConnection, feed: str, outcomes: dict, dates: list[str]) -> None:
    """Append this run's outcome per table (`outcomes`: table name -> ge_suites.SuiteOutcome)."""
    ensure_table(con)
    if not dates:
        return  # nothing loaded, nothing judged
    now = dt.datetime.now().replace(microsecond=0)
    for table_name, outcome in outcomes.items():
        con.execute(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [feed, table_name, now, min(dates), max(dates), len(dates), int(outcome.rows),
             int(outcome.evaluated), json.dumps([str(f) for f in outcome.failed], ensure_ascii=False),
             bool(outcome.success)])
