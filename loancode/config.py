"""All configuration of the platform, in one place, from environment variables with defaults.

Every module reads paths and settings from here, never from os.environ directly, so that a newcomer
finds every knob in one file. dbt reads three itself: LOANCODE_DBT_DB (profiles.yml, the file it builds),
LOANCODE_DBT_MEMORY (profiles.yml, DuckDB's memory ceiling during dbt, default 6GB; past it DuckDB spills to
disk) and LOANCODE_SCORING_DATE (matching's scoring date, YYYY-MM-DD; default the day after the latest loaded
event: models/intermediate/matching/int_match_dates_fixed.sql).
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


def reports_dir() -> Path:
    """The report store: the monthly bulletin and the city monthly reports produced after each publish,
    one folder per month (`<dir>/<YYYY-MM>/…`), kept across rebuilds so past months stay available.
    Default: `reports/` beside the published warehouse."""
    if os.environ.get("LOANCODE_REPORTS_DIR"):
        return _path("LOANCODE_REPORTS_DIR", "")
    return warehouse_path().with_name("reports")


def users_db_path() -> Path:
    """The embedded user store (accounts, roles, argon2 hashes, lock-outs): SQLite beside the workflow
    store, never inside the warehouse (a rebuild must not sign anyone out or forget a lock-out)."""
    if os.environ.get("LOANCODE_USERS_DB"):
        return _path("LOANCODE_USERS_DB", "")
    return workflow_db_path().with_name("users.sqlite")


def audit_log_path() -> Path:
    """The append-only audit log (sign-ins, downloads, SQL statements, workflow actions): SQLite beside
    the workflow store, separate from the published warehouse so that it survives every rebuild."""
    if os.environ.get("LOANCODE_AUDIT_LOG"):
        return _path("LOANCODE_AUDIT_LOG", "")
    return workflow_db_path().with_name("audit_log.sqlite")


def _positive(var: str, default: float) -> float:
    try:
        value = float(os.environ.get(var) or default)
    except ValueError:
        return default
    return value if value > 0 else default


def session_idle_minutes() -> float:
    """A signed-in session ends after this many minutes without any interaction."""
    return _positive("LOANCODE_SESSION_IDLE_MINUTES", 30)


def sql_timeout_seconds() -> float:
    """The SQL console interrupts a statement running longer than this."""
    return _positive("LOANCODE_SQL_TIMEOUT", 30)


def sql_max_rows() -> int:
    """The SQL console shows at most this many rows of a result (the CSV download holds up to
    `sql_download_rows()`)."""
    return int(_positive("LOANCODE_SQL_MAX_ROWS", 1000))


def sql_download_rows() -> int:
    """The most rows a SQL result's CSV download holds."""
    return int(_positive("LOANCODE_SQL_DOWNLOAD_ROWS", 100_000))


def sql_memory_limit() -> str:
    """The SQL console's own DuckDB memory ceiling (it never spills to disk: no file may appear)."""
    return os.environ.get("LOANCODE_SQL_MEMORY", "1GB")


def sql_threads() -> int:
    """The SQL console's own DuckDB threads (the dashboards keep the other core)."""
    return int(_positive("LOANCODE_SQL_THREADS", 1))


def report_scope() -> str | None:
    """Whose data `python -m dashboards.reports` (the scheduled report CLI) may show: `province` or a
    city code. The served app never reads it: there the scope is the signed-in user's."""
    return os.environ.get("LOANCODE_VIEWER_SCOPE")


def matching_models_dir() -> Path:
    """Where the matching model files are kept (content-addressed `matching-<sha256>.json`, never
    overwritten: a published warehouse names the file that scored it in marts.match_model). Default:
    `models/` beside the published warehouse."""
    if os.environ.get("LOANCODE_MODELS_DIR"):
        return _path("LOANCODE_MODELS_DIR", "")
    return warehouse_path().with_name("models")


def matching_threads() -> int:
    """Threads XGBoost uses to train and score (the output is the same with 1 or 2: docs/matching.md)."""
    return int(os.environ.get("LOANCODE_MATCHING_THREADS") or min(2, os.cpu_count() or 1))


def duckdb_memory_limit() -> str:
    """DuckDB's memory ceiling while the loaders take in a feed: past it, DuckDB spills to disk, so peak
    memory stays flat however large one delivery grows (figures in docs/bench.md)."""
    return os.environ.get("LOANCODE_DUCKDB_MEMORY", "512MB")
