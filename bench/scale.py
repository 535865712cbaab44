"""Scaled-up warehouses for the benchmarks: a built province whose application feed is multiplied by k.

The generator needs ~20 GB of memory for 10M application events, so the large figures are taken on a
1M-event province (250,000 applications) whose `raw.applications` is copied k times in DuckDB SQL, each
copy with its own event_id / application_id; the other feeds (register, credit reports, authorizations)
stay as delivered. Then `dbt run` (all models, no tests) rebuilds every mart on the multiplied raw layer,
so the result is a complete published warehouse at ~k million application events.

    from bench.scale import scaled_warehouse
    warehouse = scaled_warehouse(Path(tmp), 10)   # ~9M application events, every mart built

What a copy changes: each copy's ids get the prefix `K<j>-` (copy 0 is the original), nothing else, so
every province × month count and sum is k times the original and every distinct-entity count (D03, O05,
O07, C01) stays as it was. `restricted.applications_pii` is not multiplied: no dbt model and no
dashboard query reads it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = ROOT / "dbt_project"
BASE_APPLICATIONS = 250_000  # ~1M application events
INDICATOR_CHAIN = "+fct_indicator_values"


@dataclass
class ScaledWarehouse:
    warehouse: Path
    factor: int
    build_seconds: float | None  # generating and building the base province (None when cached)
    multiply_seconds: float
    dbt_chain: dict  # `dbt run --select +fct_indicator_values`: see dbt_run()


def built_province(workdir: Path, applications: int = BASE_APPLICATIONS) -> tuple[Path, float | None]:
    """Generate a landing zone of `applications` demands and build it once with `python -m pipelines.build`;
    cached in `workdir` (a second call with the same workdir reuses the published warehouse). Returns
    (warehouse, build seconds or None when cached). Never modify the returned file: copy it."""
    base = workdir / f"province_{applications}"
    warehouse = base / "warehouse.duckdb"
    if warehouse.exists():
        return warehouse, None
    landing = base / "landing"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sample_province", "--out", str(landing), "--applications",
                    str(applications)], cwd=ROOT, check=True, capture_output=True)
    env = {**os.environ, "LOANCODE_LANDING": str(landing), "LOANCODE_WAREHOUSE": str(warehouse)}
    subprocess.run([sys.executable, "-m", "pipelines.build"], cwd=ROOT, env=env, check=True, capture_output=True)
    shutil.rmtree(landing, ignore_errors=True)  # the warehouse is all that is needed from here on
    return warehouse, round(time.perf_counter() - started, 1)


def multiply_applications(warehouse: Path, factor: int) -> int:
    """Append factor − 1 copies of `raw.applications` to `warehouse` (in place), each copy's event_id and
    application_id prefixed `K<j>-`. Returns the number of raw application rows after."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = false")
        if factor > 1:
            con.execute("""
                INSERT INTO raw.applications
                SELECT a.* REPLACE ('K' || k.j || '-' || a.event_id AS event_id,
                                    'K' || k.j || '-' || a.application_id AS application_id)
                FROM raw.applications AS a, (SELECT range AS j FROM range(1, ?)) AS k
            """, [factor])
        con.execute("CHECKPOINT")
        return con.execute("SELECT count(*) FROM raw.applications").fetchone()[0]


def dbt_run(warehouse: Path, target: Path, *selection: str) -> dict:
    """`dbt run <selection>` on `warehouse` (LOANCODE_DBT_DB), seeds excluded (the warehouse has them).
    Returns models, execution_seconds (Σ run_results execution_time: models run two at a time, as the
    project's threads say, so concurrent models each count their whole time), elapsed_seconds (the run's
    execution from first model to last: its wall time after start-up and parsing), wall_seconds (the
    whole process) and the slowest models."""
    env = {**os.environ, "LOANCODE_DBT_DB": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = str(Path(sys.executable).with_name("dbt"))
    started = time.perf_counter()
    done = subprocess.run([dbt, "run", *selection, "--exclude", "resource_type:seed", "--target-path", str(target),
                           "--quiet"], cwd=DBT_DIR, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"dbt run {' '.join(selection)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    run_results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    results = run_results["results"]
    timed = sorted(((r["unique_id"].split(".")[-1], r["execution_time"]) for r in results), key=lambda m: -m[1])
    return {"models": len(results), "execution_seconds": round(sum(t for _, t in timed), 2),
            "elapsed_seconds": round(run_results["elapsed_time"], 2), "wall_seconds": round(wall, 2),
            "slowest_models": {name: round(t, 2) for name, t in timed[:8]}}


def empty_raw_copy(warehouse: Path, target: Path) -> Path:
    """A copy of `warehouse` whose raw tables hold no rows (seeds and schemas kept): a dbt run on it costs
    what dbt itself costs per model, the floor of any build of the same models."""
    target.unlink(missing_ok=True)
    shutil.copyfile(warehouse, target)
    with duckdb.connect(str(target)) as con:
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall():
            con.execute(f'DELETE FROM raw."{table}"')
        con.execute("CHECKPOINT")
    return target


def build_scaled(workdir: Path, factor: int, applications: int = BASE_APPLICATIONS,
                 complete: bool = True) -> ScaledWarehouse:
    """The full story of scaled_warehouse(), with its timings: the base province (built once per workdir),
    copied to `workdir/scaled_x<factor>.duckdb`, its applications multiplied by `factor`, then
    `dbt run --select +fct_indicator_values` (timed on its own: the indicator chain) and, when `complete`,
    `dbt run --exclude +fct_indicator_values` (every other mart; without it the other marts keep the base
    province's rows)."""
    workdir.mkdir(parents=True, exist_ok=True)
    base, build_seconds = built_province(workdir, applications)
    warehouse = workdir / f"scaled_x{factor}.duckdb"
    _complete_marker(warehouse).unlink(missing_ok=True)
    warehouse.unlink(missing_ok=True)
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    shutil.copyfile(base, warehouse)
    started = time.perf_counter()
    multiply_applications(warehouse, factor)
    multiply_seconds = round(time.perf_counter() - started, 1)
    chain = dbt_run(warehouse, workdir / f"target_x{factor}_chain", "--select", INDICATOR_CHAIN)
    if complete:
        dbt_run(warehouse, workdir / f"target_x{factor}_rest", "--exclude", INDICATOR_CHAIN)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CHECKPOINT")
    if complete:
        _complete_marker(warehouse).touch()
    return ScaledWarehouse(warehouse, factor, build_seconds, multiply_seconds, chain)


def scaled_warehouse(workdir: Path, factor: int, applications: int = BASE_APPLICATIONS) -> Path:
    """A complete published warehouse at ~factor × 1M application events (factor 10 → ~9M), every mart built.

    Generates and builds a `applications`-demand province once per `workdir` (cached in
    `workdir/province_<applications>/`), copies it to `workdir/scaled_x<factor>.duckdb`, multiplies
    `raw.applications` by `factor` with distinct ids, runs `dbt run` (all models, no tests) on the copy.
    Needs ~2 GB of disk per factor of 10 and several minutes for factor 10 on 2 cores. Open the result
    read-only to measure; delete `workdir` when done."""
    built = workdir / f"scaled_x{factor}.duckdb"
    if _complete_marker(built).exists():  # built complete earlier in this run (the indicator benchmark)
        return built
    return build_scaled(workdir, factor, applications).warehouse


def _complete_marker(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".complete")
