"""Shared test set-up: the venv's tools on PATH, dbt's manifest present (Dagster reads it at import)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Builds record their runs in a Dagster instance of the test session's own, never the developer's.
os.environ["DAGSTER_HOME"] = tempfile.mkdtemp(prefix="loancode_test_dagster_")
atexit.register(shutil.rmtree, os.environ["DAGSTER_HOME"], ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    from pipelines.build import _ensure_dbt_manifest

    _ensure_dbt_manifest(ROOT / "dbt_project")
