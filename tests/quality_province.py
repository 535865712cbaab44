"""One generated province with planted problems, built once per test session and shared by the quality
tests (a build takes about a minute): the first build's alerts are kept in memory, so a later rebuild
(the workflow test adds a query and builds again) never changes what the alert tests read."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from sample_province.build import Params, generate
from tests.pipeline_runner import run_build

PROVINCE = {"seed": 11, "applications": 1000, "start": "2025-01", "end": "2025-04", "bad_rows": 40}


@dataclass(frozen=True)
class Built:
    landing: Path
    published: Path
    workflow_db: Path
    manifest: dict
    alerts: pd.DataFrame  # marts.dq_alerts right after the first build


def read_alerts(published: Path) -> pd.DataFrame:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute("SELECT * FROM marts.dq_alerts ORDER BY alert_id").df()


def build(landing: Path, published: Path, workflow_db: Path) -> None:
    saved = os.environ.get("LOANCODE_WORKFLOW_DB")
    os.environ["LOANCODE_WORKFLOW_DB"] = str(workflow_db)  # the build's reconcile writes here, never data/
    try:
        result = run_build(landing, published)
    finally:
        if saved is None:
            os.environ.pop("LOANCODE_WORKFLOW_DB", None)
        else:
            os.environ["LOANCODE_WORKFLOW_DB"] = saved
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@functools.cache
def province() -> Built:
    root = Path(tempfile.mkdtemp(prefix="quality-province-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    landing, published, workflow_db = root / "landing", root / "warehouse.duckdb", root / "workflow.sqlite"
    manifest = generate(Params(out=landing, **PROVINCE))
    build(landing, published, workflow_db)
    return Built(landing, published, workflow_db, manifest, read_alerts(published))
