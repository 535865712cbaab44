"""Indicator build speed: the dbt indicator chain against one hand-written DuckDB query computing the same
province × month numbers from the same raw tables, in the same run.

- scale "small": 20,000 applications (~72k events); "full": 250,000 (~1M events);
  "huge": 2,700,000 (~10M events; needs tens of GB and a long time on 2 cores).
The dbt figure is the execution time of the models upstream of `indicator_values` (from dbt's
run_results.json), and the whole `dbt run` wall time beside it (process start and parsing included).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

SCALES = {"small": 20_000, "full": 250_000, "huge": 2_700_000}
ROOT = Path(__file__).resolve().parent.parent
DBT = ROOT / "dbt_project"

# The same definitions as D01, D02, O03, O04, O05 and R01 at province × month, as one query: de-duplicate
# events (earliest partition, first row), drop applications that break the life cycle, then count.
BASELINE = """
WITH events AS (
    SELECT * FROM raw.applications
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _business_date, _row_number) = 1
), apps AS (
    SELECT application_id,
           count(*) FILTER (WHERE event_type = 'submitted') AS n_submitted,
           min(event_time) FILTER (WHERE event_type = 'submitted') AS submitted_at,
           min(event_time) AS first_at,
           min(event_time) FILTER (WHERE event_type = 'accepted') AS accepted_at,
           min(event_time) FILTER (WHERE event_type = 'approved') AS approved_at,
           min(event_time) FILTER (WHERE event_type = 'disbursed') AS disbursed_at,
           max(event_time) FILTER (WHERE event_type = 'withdrawn') AS withdrawn_at,
           arg_min(amount_yuan, (event_time, _business_date, _row_number)) FILTER (WHERE event_type = 'approved') AS approved_amount,
           sum(amount_yuan) FILTER (WHERE event_type = 'disbursed') AS drawn
    FROM events GROUP BY application_id
), valid AS (
    SELECT application_id FROM apps
    WHERE n_submitted = 1 AND first_at >= submitted_at
      AND (approved_at IS NULL OR accepted_at <= approved_at)
      AND (disbursed_at IS NULL OR approved_at <= disbursed_at)
      AND (withdrawn_at IS NULL OR disbursed_at IS NULL OR withdrawn_at <= disbursed_at)
      AND coalesce(drawn, 0) <= coalesce(approved_amount, 0)
), counted AS (
    SELECT e.* FROM events e JOIN valid USING (application_id)
)
SELECT strftime(event_time, '%Y-%m') AS period,
       count(*) FILTER (WHERE event_type = 'submitted') AS d01,
       sum(amount_yuan) FILTER (WHERE event_type = 'submitted') / 10000 AS d02,
       count(*) FILTER (WHERE event_type = 'disbursed') AS o03,
       sum(amount_yuan) FILTER (WHERE event_type = 'disbursed') / 10000 AS o04,
       count(DISTINCT uscc) FILTER (WHERE event_type = 'disbursed') AS o05
FROM counted GROUP BY ALL ORDER BY period
"""


def _build(landing: Path, warehouse: Path) -> float:
    started = time.perf_counter()
    env = {**os.environ, "LOANCODE_LANDING": str(landing), "LOANCODE_WAREHOUSE": str(warehouse)}
    subprocess.run([sys.executable, "-m", "pipelines.build"], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _dbt_indicator_chain(warehouse: Path, target: Path) -> dict:
    env = {**os.environ, "LOANCODE_DBT_DB": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = str(Path(sys.executable).with_name("dbt"))
    started = time.perf_counter()
    subprocess.run([dbt, "run", "--select", "+indicator_values", "--exclude", "resource_type:seed",
                    "--target-path", str(target), "--quiet"], cwd=DBT, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {"models": len(results), "execution_seconds": round(sum(r["execution_time"] for r in results), 2),
            "wall_seconds": round(wall, 2)}


def run(scale: str) -> dict:
    applications = SCALES.get(scale, SCALES["full"])
    with tempfile.TemporaryDirectory() as tmp:
        landing, warehouse = Path(tmp) / "landing", Path(tmp) / "warehouse.duckdb"
        subprocess.run([sys.executable, "-m", "pipelines.generator", "--out", str(landing), "--applications",
                        str(applications)], cwd=ROOT, check=True, capture_output=True)
        build_seconds = _build(landing, warehouse)
        work = Path(tmp) / "bench.duckdb"
        shutil.copyfile(warehouse, work)
        dbt = _dbt_indicator_chain(work, Path(tmp) / "target")
        with duckdb.connect(str(work), read_only=True) as con:
            events = con.execute("SELECT count(*) FROM raw.applications").fetchone()[0]
            started = time.perf_counter()
            baseline = con.execute(BASELINE).fetchall()
            baseline_seconds = time.perf_counter() - started
            mart = {(p, c): v for c, p, v in con.execute(
                "SELECT indicator_code, period, value FROM marts.indicator_values WHERE grain = 'province' "
                "AND indicator_code IN ('D01', 'D02', 'O03', 'O04', 'O05')").fetchall()}
        agree = all(abs((mart.get((p, c)) or 0) - float(v or 0)) < 1e-6
                    for p, *values in baseline for c, v in zip(("D01", "D02", "O03", "O04", "O05"), values, strict=True))
    return {
        "applications": applications, "application_events": events,
        "full_build_seconds": round(build_seconds, 1),
        "dbt_indicator_chain": dbt,
        "baseline_one_query_seconds": round(baseline_seconds, 3),
        "ratio_dbt_execution_to_baseline": round(dbt["execution_seconds"] / baseline_seconds, 1),
        "baseline_numbers_equal_mart": agree,
    }
