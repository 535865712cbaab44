"""What the matching tests share: the sample province of `make demo` (seed 42, 20,000 demands, 2024-02 to
2026-10), built once per test session (~70 s), on which the Done-when figures of docs/matching.md are
measured; and a way to run matching again on a copy of a built warehouse (dbt's matching models with a
given scoring date, then the three steps of pipelines.lib.matching.run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.lib.matching import run, store
from sample_province.build import Params, generate
from tests.pipeline_runner import run_build

ROOT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).with_name("dbt")
SAMPLE = {"seed": 42, "applications": 20_000}
MATCHING_MODELS = "+int_match_pairs_featured +dim_enterprise"
_BUILT: dict[str, Path] = {}


def sample_warehouse(tmp_path_factory) -> Path:
    """The published warehouse of the sample province (built on first use)."""
    if "sample" not in _BUILT:
        root = tmp_path_factory.mktemp("sample_province")
        landing, published = root / "landing", root / "warehouse.duckdb"
        generate(Params(out=landing, **SAMPLE))
        result = run_build(landing, published)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        _BUILT["sample"] = published
    return _BUILT["sample"]


def copy_of(warehouse: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "warehouse.duckdb"
    shutil.copyfile(warehouse, target)
    return target


def rerun(warehouse: Path, threads: int, scoring_date: str | None = None) -> None:
    """Matching again on `warehouse`: dbt's matching models (and what they read) for `scoring_date` when
    given, then train, score and evaluate with `threads`; the model file goes beside the warehouse."""
    folder = warehouse.parent
    if scoring_date is not None:
        env = {**os.environ, "LOANCODE_DBT_DB": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        env.pop("LOANCODE_SCORING_DATE", None)
        result = subprocess.run(
            # --full-refresh: tests write raw rows directly, not through the loader, so no touched application
            # is recorded for the incremental application models (docs/performance.md, daily increment)
            [str(DBT), "build", "--select", MATCHING_MODELS, "--exclude", "resource_type:unit_test", "--full-refresh",
             "--vars", f'{{"matching_scoring_date": "{scoring_date}"}}', "--project-dir", str(ROOT / "dbt_project"),
             "--profiles-dir", str(ROOT / "dbt_project"), "--target-path", str(folder / "target"),
             "--log-path", str(folder / "logs")],
            cwd=ROOT / "dbt_project", env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout[-4000:]
    models = folder / "models"
    with duckdb.connect(str(warehouse)) as con:
        run.train_model(con, models, threads)
        model, model_file = run.current_model(con, models)
        run.score(con, model, threads)
        run.evaluate(con, model, model_file, threads)


def exports(warehouse: Path, folder: Path, tables=tuple(store.TABLES) + ("dim_enterprise",)) -> dict[str, bytes]:
    """Each published matching table as CSV bytes, in its stored order (what a reader of the file gets)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in tables:
            path = folder / f"{table}.csv"
            con.execute(f"copy (select * from marts.{table}) to '{path}' (header, delimiter ',')")
            out[table] = path.read_bytes()
    return out
