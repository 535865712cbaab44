"""All configuration of the platform, in one place, from environment variables with defaults.

Every module reads paths and settings from here, never from os.environ directly, so that a newcomer
finds every knob in one file.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
CONTRACTS_DIR = PROJECT_ROOT / "data_contracts"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var) or default
    path = Path(value)
    return path if path.is_absolute() else (Path.cwd() / path)


def landing_dir() -> Path:
    """The landing zone: `<landing>/<feed>/<feed>_YYYYMMDD.<ext>` (feeds.md, common rules)."""
    return _path("LOANCODE_LANDING", "data/landing")


def warehouse_path() -> Path:
    """The published DuckDB warehouse. Readers only ever open this file read-only."""
    return _path("LOANCODE_WAREHOUSE", "data/warehouse.duckdb")


def working_path() -> Path:
    """Where a build writes before it publishes by an atomic rename (same folder, same filesystem)."""
    published = warehouse_path()
    return published.with_name(published.name + ".building")


def dagster_home() -> Path:
    """The project's persistent Dagster instance (`DAGSTER_HOME`, default `.dagster_home` in the project):
    `make build` records its runs there and `make dagster` shows them."""
    return _path("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home"))


def pii_key() -> str:
    """Key for the keyed hashes of personal information (HMAC-SHA256). Set it in production."""
    return os.environ.get("LOANCODE_PII_KEY", "loancode-demo-key")


def workflow_db_path() -> Path:
    """The data stewards' alert workflow store: survives warehouse rebuilds, never inside the warehouse.
    Default: `workflow.sqlite` beside the published warehouse (data/workflow.sqlite by default), so a
    build of another warehouse (a test, a trial province) never touches the stewards' real store."""
    if os.environ.get("LOANCODE_WORKFLOW_DB"):
        return _path("LOANCODE_WORKFLOW_DB", "")
    return warehouse_path().with_name("workflow.sqlite")


def viewer_scope() -> str | None:
    """Whose data the dashboards show until sign-in exists: `province` or a 6-digit city code."""
    return os.environ.get("LOANCODE_VIEWER_SCOPE")


def duckdb_memory_limit() -> str:
    """DuckDB's memory ceiling while the loaders take in a feed: past it, DuckDB spills to disk, so peak
    memory stays flat however large one delivery grows (figures in docs/bench.md)."""
    return os.environ.get("LOANCODE_DUCKDB_MEMORY", "512MB")
