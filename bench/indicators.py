"""Indicator build speed: the dbt indicator chain against one hand-written DuckDB query computing the same
province × month numbers (all 24 indicators of indicators.md, base values) from the same raw tables, in
the same run, on the same warehouse; and a check that the two agree, number for number.

- scale "small": the demo province, 20,000 applications (~72k application events), as built.
- scale "full": a 250,000-application province (~1M application events) as built, and the same with its
  applications multiplied by 11 (~10M events, bench/scale.py: the generator cannot make 10M in memory);
  that warehouse is built complete and kept in the run's scratch folder, for the page benchmark.

The dbt figure is `dbt run --select +fct_indicator_values` (the models upstream of `marts.indicator_values`): the
run's elapsed time from its first model to its last (run_results elapsed_time, the project's two threads),
best of three at scale "full"; beside it Σ execution_time of the models (concurrent models each count
their whole time) and the process's wall time (start-up and parsing included). The baseline is
bench/indicators_baseline.sql on a fresh read-only connection, best of three. dbt's own cost for the chain
is measured too: the same run on the same warehouse with empty raw tables. The built province is kept in
the run's scratch folder (`bench.workdir`; BENCH_WORKDIR=<dir> keeps it between runs).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from bench import scale
from bench.workdir import workdir as bench_workdir

SCALES = {"small": (20_000, [1]), "full": (scale.BASE_APPLICATIONS, [1, 11])}
BASELINE = (Path(__file__).resolve().parent / "indicators_baseline.sql").read_text(encoding="utf-8")
BASE_CODES = ["D01", "D02", "D03", "R01", "R02", "R03", "R04", "O01", "O02", "O03", "O04", "O05", "O06", "O07",
              "O08", "O09", "O10", "O11", "S01", "S02", "S03", "C01", "K01", "K02"]
MEMORY_LIMIT = os.environ.get("BENCH_MEMORY_LIMIT", "8GB")


def _same(ours: float | None, theirs: float | None) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return abs(ours - theirs) <= 1e-9 * max(1.0, abs(ours), abs(theirs))


def compare(con: duckdb.DuckDBPyConnection, baseline: list[tuple]) -> list[dict]:
    """Every (code, period) where marts.indicator_values at grain province differs from the baseline rows
    (indicator_code, period, value), a row missing on either side included."""
    mart = {(c, p): v for c, p, v in con.execute(
        "SELECT indicator_code, period, value FROM marts.indicator_values WHERE grain = 'province' "
        "AND indicator_code IN (SELECT unnest(?))", [BASE_CODES]).fetchall()}
    base = {(c, p): v for c, p, v in baseline}
    missing = object()
    out = []
    for key in sorted(mart.keys() | base.keys()):
        ours, theirs = mart.get(key, missing), base.get(key, missing)
        if ours is missing or theirs is missing or not _same(ours, theirs):
            out.append({"code": key[0], "period": key[1],
                        "ours": "absent" if ours is missing else ours,
                        "baseline": "absent" if theirs is missing else theirs})
    return out


def measure(warehouse: Path) -> dict:
    """Run the baseline on `warehouse` (read-only) and compare it with the mart."""
    timings, rows = [], []
    for _ in range(3):
        with duckdb.connect(str(warehouse), read_only=True, config={"memory_limit": MEMORY_LIMIT}) as con:
            con.execute("SET enable_progress_bar = false")
            started = time.perf_counter()
            rows = con.execute(BASELINE).fetchall()
            timings.append(time.perf_counter() - started)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        events = con.execute("SELECT count(*) FROM raw.applications").fetchone()[0]
        disagreements = compare(con, rows)
    codes = sorted({c for c, _, _ in rows})
    return {"application_events": events, "baseline_seconds": round(timings[0], 3),
            "baseline_best_of_3_seconds": round(min(timings), 3), "baseline_codes": len(codes),
            "baseline_periods": len({p for _, p, _ in rows}), "disagreements": disagreements}


def _chain_best_of(built: scale.ScaledWarehouse, workdir: Path, runs: int) -> dict:
    """The chain of `built` (its first run) and runs − 1 more on the same warehouse: the best figures of
    each kind (a 2-core virtual machine varies by ±20% from run to run), and every run's."""
    chains = [built.dbt_chain] + [
        scale.dbt_run(built.warehouse, workdir / f"target_x{built.factor}_chain_{i}", "--select", scale.INDICATOR_CHAIN)
        for i in range(1, runs)]
    best = min(chains, key=lambda c: c["elapsed_seconds"])
    return {**best, "best_of": runs,
            "execution_seconds_best": min(c["execution_seconds"] for c in chains),
            "runs": [{k: c[k] for k in ("elapsed_seconds", "execution_seconds", "wall_seconds")} for c in chains]}


def fixed_cost(base: Path, workdir: Path) -> dict:
    """dbt's own cost for the chain: the same `dbt run` on the same warehouse with empty raw tables."""
    empty = scale.empty_raw_copy(base, workdir / "empty_raw.duckdb")
    chain = scale.dbt_run(empty, workdir / "target_empty_chain", "--select", scale.INDICATOR_CHAIN)
    empty.unlink(missing_ok=True)
    return {k: chain[k] for k in ("models", "elapsed_seconds", "execution_seconds", "wall_seconds")}


def run(scale_name: str) -> dict:
    applications, factors = SCALES.get(scale_name, SCALES["full"])
    workdir = bench_workdir()
    runs = 3 if scale_name == "full" else 1
    report: dict = {"applications": applications, "scales": []}
    for factor in factors:
        built = scale.build_scaled(workdir, factor, applications, complete=factor > 1)
        if built.build_seconds is not None:
            report["full_build_seconds"] = built.build_seconds
        if factor == 1:
            report["dbt_fixed_cost_empty_raw"] = fixed_cost(scale.built_province(workdir, applications)[0], workdir)
        chain = _chain_best_of(built, workdir, runs)
        measured = measure(built.warehouse)
        disagreements = measured.pop("disagreements")
        baseline = measured["baseline_best_of_3_seconds"]
        report["scales"].append({
            "factor": factor, **measured,
            "multiply_seconds": built.multiply_seconds,
            "dbt_indicator_chain": chain,
            # the figure the target is read on: the chain's run from its first model to its last (the
            # project's two threads), best of the runs, against the query's best of three
            "ratio_dbt_elapsed_to_baseline": round(chain["elapsed_seconds"] / baseline, 2),
            "ratio_dbt_execution_to_baseline": round(chain["execution_seconds_best"] / baseline, 2),
            "ratio_dbt_wall_to_baseline": round(chain["wall_seconds"] / baseline, 2),
            "baseline_numbers_equal_mart": not disagreements and measured["baseline_codes"] == len(BASE_CODES),
            "disagreements": disagreements[:50], "disagreements_total": len(disagreements),
        })
        if factor == 1:
            built.warehouse.unlink(missing_ok=True)
    report["target"] = "dbt indicator chain within 2x of the hand-written query"
    return report
