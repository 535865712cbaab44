"""The whole platform on a generated province, per scale (bench.province): `make build` end to end, the daily
increment, readers during a rebuild, and an analyst's pandas against the platform — one sequence of builds
shared by the four figures (`end_to_end`, `incremental`, `readers`, `pandas` in bench/results/latest.json).

Per scale, on one published warehouse file:
1. yesterday: the landing zone without its last business day, built from nothing;
2. the increment: the last day's files (all four feeds) arrive, `make build` again on yesterday's warehouse;
3. end to end: `make build --fresh` of the complete landing zone (an empty working file: every file taken
   in and judged, dbt, quality, publish), timed with its peak memory and the share of each stage; its
   published numbers must equal the increment's (every relation of marts and audit);
4. readers (at `1m`, or the first scale when 1m is not run): the same rebuild again while another process
   issues the dashboards' page queries without pause against the published file;
5. pandas: bench/pandas_indicators.py on the same landing zone, its numbers compared with the warehouse;
   and the hand-written DuckDB query (bench/indicators_baseline.sql) on the warehouse's raw layer.

Each `make build` is `python -m pipelines.build` in a child process; its peak RSS is the largest process of
the build (the build or the dbt it starts), its stages come from its Dagster run (the step timings the UI
shows, in the run's own Dagster instance): setup (process start, imports, the working copy, before the run
starts), ingest (the four feeds and the ledger), dbt (models and data tests), quality (the rule checks and
the stewards' workflow), publish, and Dagster's own bookkeeping between steps.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import province
from bench.workdir import workdir

PROVIDES = ("end_to_end", "incremental", "readers", "pandas")
ROOT = Path(__file__).resolve().parent.parent
INCREMENT_TARGET = 0.05
STAGE_OF_STEP = {"ingest_ledger": "ingest", "loancode_dbt": "dbt", "dq_rule_checks": "quality",
                 "dq_workflow": "quality", "published_warehouse": "publish"}


def _child(args: list[str], log: Path, env: dict | None = None) -> dict:
    """Run a child process to its end: wall seconds and its peak RSS (of it or the largest descendant it
    waited for, as wait4 reports)."""
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {process.returncode}:\n{log.read_text()[-4000:]}")
    return {"wall_seconds": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024)}


def _stages(home: Path, warehouse: Path, wall: float) -> dict:
    """The last run of `warehouse` in the Dagster instance at `home`: seconds per stage and their shares."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    from pipelines.lib.instance import WAREHOUSE_TAG

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        run = instance.get_runs(filters=dg.RunsFilter(tags={WAREHOUSE_TAG: str(warehouse)}), limit=1)[0]
        record = instance.get_run_record_by_id(run.run_id)
        steps = instance.get_run_step_stats(run.run_id)
    seconds: dict[str, float] = {"setup": max(0.0, wall - (record.end_time - record.start_time))}
    for step in steps:
        stage = "ingest" if step.step_key.startswith("ingest_") else STAGE_OF_STEP.get(step.step_key, "other")
        seconds[stage] = seconds.get(stage, 0.0) + (step.end_time - step.start_time)
    seconds["dagster_between_steps"] = max(0.0, wall - sum(seconds.values()))
    return {"seconds": {k: round(v, 2) for k, v in seconds.items()},
            "shares": {k: round(v / wall, 3) for k, v in seconds.items()}, "run_id": run.run_id}


def build(landing: Path, warehouse: Path, home: Path, label: str, *args: str) -> dict:
    """`make build` (python -m pipelines.build) of `landing` into `warehouse`, timed, with its stages."""
    env = {**os.environ, "LOANCODE_LANDING": str(landing), "LOANCODE_WAREHOUSE": str(warehouse),
           "DAGSTER_HOME": str(home), "LOANCODE_WORKFLOW_DB": str(warehouse.with_name("workflow.sqlite"))}
    figures = _child([sys.executable, "-m", "pipelines.build", *args], workdir() / f"build_{label}.log", env)
    return {**figures, **_stages(home, warehouse, figures["wall_seconds"])}


def _events(warehouse: Path) -> int:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT count(*) FROM raw.applications").fetchone()[0]


def _digests(warehouse: Path) -> dict:
    from tests.published_digests import digests  # the fingerprints test_published_numbers compares

    return digests(warehouse)


def _readers_during(landing: Path, warehouse: Path, home: Path, label: str) -> dict:
    stop, out = workdir() / f"readers_{label}.stop", workdir() / f"readers_{label}.json"
    stop.unlink(missing_ok=True)
    with open(workdir() / f"readers_{label}.log", "w", encoding="utf-8") as log:
        readers = subprocess.Popen([sys.executable, "-m", "bench.readers", str(warehouse), str(stop), str(out)],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(3)  # its imports, so that the queries overlap the whole build
        try:
            rebuilt = build(landing, warehouse, home, f"{label}_with_readers", "--fresh")
        finally:
            stop.touch()
            readers.wait(timeout=600)
    figures = json.loads(out.read_text(encoding="utf-8"))
    return {"scale": label, "rebuild_wall_seconds": rebuilt["wall_seconds"], **figures,
            "target": "failed = 0", "met": figures["failed"] == 0}


def _pandas(landing: Path, warehouse: Path, platform: dict, label: str) -> dict:
    import duckdb
    import pandas as pd

    from bench import indicators
    from bench.pandas_indicators import disagreements

    result = workdir() / f"pandas_{label}.parquet"
    analyst = _child([sys.executable, "-m", "bench.pandas_indicators", str(landing), str(result)],
                     workdir() / f"pandas_{label}.log")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        differ = disagreements(con, pd.read_parquet(result))
    floor = indicators.measure(warehouse)  # the hand-written query, best of three, on the same warehouse
    dbt = platform["seconds"]["dbt"]
    return {
        "scale": label, "pandas_seconds": analyst["wall_seconds"], "pandas_peak_rss_mb": analyst["peak_rss_mb"],
        "pandas_equals_mart": not differ, "disagreements_total": len(differ), "disagreements": differ[:20],
        "platform_end_to_end_seconds": platform["wall_seconds"],
        "ratio_pandas_to_platform_end_to_end": round(analyst["wall_seconds"] / platform["wall_seconds"], 2),
        "duckdb_floor_query_seconds": floor["baseline_best_of_3_seconds"],
        "duckdb_floor_equals_mart": not floor["disagreements"],
        "platform_dbt_seconds": dbt,
        "ratio_platform_dbt_to_duckdb_floor": round(dbt / floor["baseline_best_of_3_seconds"], 2),
        "ratio_pandas_to_duckdb_floor": round(analyst["wall_seconds"] / floor["baseline_best_of_3_seconds"], 2),
    }


def run(scale_name: str) -> dict:
    chosen = province.scales(scale_name)
    readers_at = "1m" if "1m" in chosen else chosen[0]
    out: dict = {key: {} for key in PROVIDES}
    home = workdir() / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copyfile(ROOT / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    for label in chosen:
        landing, generated = province.landing(label)
        day = province.last_day(landing)
        warehouse = workdir() / f"warehouse_{label}.duckdb"
        daily = workdir() / f"daily_{label}"
        held_back = province.split_last_day(landing, daily)
        yesterday = build(daily, warehouse, home, f"{label}_yesterday")
        for source, destination in held_back:
            os.link(source, destination)
        increment = build(daily, warehouse, home, f"{label}_increment")
        incremental_digests = _digests(warehouse)
        full = build(daily, warehouse, home, f"{label}_end_to_end", "--fresh")
        equal = incremental_digests == _digests(warehouse)
        events = _events(warehouse)
        out["end_to_end"][label] = {"applications_generated": province.APPLICATIONS[label],
                                    "application_events": events, "generate_seconds": generated, **full}
        out["incremental"][label] = {
            "day": day, "files": len(held_back), "increment": increment,
            "full_build_seconds": full["wall_seconds"], "yesterday_build_seconds": yesterday["wall_seconds"],
            "share_of_full_build": round(increment["wall_seconds"] / full["wall_seconds"], 3),
            "target_share": INCREMENT_TARGET,
            "met": increment["wall_seconds"] / full["wall_seconds"] <= INCREMENT_TARGET,
            "numbers_equal_full_build": equal}
        if label == readers_at:
            out["readers"] = _readers_during(daily, warehouse, home, label)
        out["pandas"][label] = _pandas(daily, warehouse, full, label)
    return out
