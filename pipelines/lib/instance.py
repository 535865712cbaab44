"""The project's persistent Dagster instance: where `make build` records its run, so that the UI that
`make dagster` opens shows it (the run, each asset's materialization with its row count, the checks'
results, the step timings).

Its home is `loancode.config.dagster_home()`; on first use it receives the project's instance settings
(`pipelines/dagster.yaml`), which an operator may then edit there (they are never overwritten).

Its SQLite files are written in WAL mode without a sync per commit (`sqlite_without_sync_per_event`): Dagster
commits every event on its own (about a thousand per build), and while DuckDB writes gigabytes each sync
waited ~47 ms — 47 s of a 1M-event build (docs/performance.md). A power cut may lose the last events of a
run; it cannot corrupt the store.

    python -m pipelines.lib.instance   # prepares the home and prints its path (`make dagster` uses it)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES
from sqlalchemy import event
from sqlalchemy.engine import Engine

from loancode import config

SETTINGS = Path(__file__).resolve().parent.parent / "dagster.yaml"
# Tags of a run that `make build` started: what it builds, and the process that runs it.
WAREHOUSE_TAG = "loancode/warehouse"
PID_TAG = "loancode/pid"


_TUNED = []


def sqlite_without_sync_per_event() -> None:
    """Every SQLite connection SQLAlchemy opens in this process from now on (Dagster's storage) uses WAL and
    synchronous=NORMAL: a commit appends to the log without waiting for the disk."""
    if _TUNED:
        return

    @event.listens_for(Engine, "connect")
    def _pragmas(connection, _record) -> None:
        if type(connection).__module__.startswith("sqlite3"):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    _TUNED.append(_pragmas)


def ensure_home() -> Path:
    """The instance's home with its settings; `DAGSTER_HOME` names it from here on in this process."""
    home = config.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(SETTINGS, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def persistent() -> dg.DagsterInstance:
    ensure_home()
    sqlite_without_sync_per_event()
    return dg.DagsterInstance.get()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_abandoned_runs(instance: dg.DagsterInstance, locked: Path) -> list[str]:
    """Runs of `make build` still shown as in progress whose process is gone (killed, machine restarted):
    marked failed, their concurrency slots freed, so that the UI tells the truth and the next build is not
    left waiting for a slot nobody will give back. A run of the warehouse `locked` (whose build lock this
    process holds) is gone for certain; another's when its process is. Returns their run ids."""
    abandoned = []
    unfinished = [dg.DagsterRunStatus.NOT_STARTED, *IN_PROGRESS_RUN_STATUSES]  # created, killed before it began
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=unfinished)):
        if PID_TAG not in run.tags:
            continue  # started from the UI: the daemon's run monitoring looks after it
        if run.tags.get(WAREHOUSE_TAG) == str(locked) or not _alive(int(run.tags[PID_TAG])):
            instance.report_run_failed(run, "构建进程已不存在（被终止）/ the build process is gone (killed)")
            if instance.event_log_storage.supports_global_concurrency_limits:
                instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            abandoned.append(run.run_id)
    return abandoned


if __name__ == "__main__":
    print(ensure_home())
