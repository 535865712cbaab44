"""Shared test set-up: the venv's tools on PATH, dbt's manifest present (Dagster reads it at import)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    from pipelines.build import _ensure_dbt_manifest

    _ensure_dbt_manifest(ROOT / "dbt_project")
