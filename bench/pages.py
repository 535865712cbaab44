"""Page speed: the query-layer calls each dashboard page makes, timed cold (cache cleared) and warm.

`run(scale)` builds warehouses and reports p50/p95 in milliseconds per page, against a baseline measured
in the same run: one plain `SELECT count(*) FROM marts.indicator_values` through a fresh read-only
connection (what every uncached query would pay if the layer did not keep its connection open).

- scale "small": the demo province (20,000 applications, ~72k application events).
- scale "full": also the issue's 10M application events: the 1M-event province with its applications
  multiplied by 11 and every mart rebuilt (`bench.scale.scaled_warehouse`, shared with the indicator
  benchmark through BENCH_WORKDIR).
"Cold" clears Streamlit's result cache before each page, so every query runs; the connection stays open,
as it does in the running app. BENCH_WAREHOUSE=<file> measures that warehouse instead.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ITERATIONS = int(os.environ.get("BENCH_PAGES_ITERATIONS", "30"))
TARGET_P95_MS = 200.0
DEMO_APPLICATIONS = 20_000
SCALE_FACTOR = 11  # × the 1M-event province (907k events) → ~10M application events
CITY = "140100"


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2), "n": len(ordered)}


def _pages() -> dict[str, Callable[[], object]]:
    """Each page's query-layer calls, in the order the page makes them (province viewer, latest month)."""
    from dashboards import queries as q
    from dashboards.reports import city_report_data
    from dashboards.scope import Viewer

    v = Viewer("province")
    office = Viewer(CITY)

    def context():
        months = q.periods(v)
        return months, months[-1], months[max(0, len(months) - 12)]

    def overview():
        months, latest, first = context()
        q.catalog(v)
        q.snapshot(v, latest)
        q.home_values(v, ["D01", "D02", "O03", "O04"], start=first, end=latest)
        q.home_values(v, ["D02", "O04"], start=months[0], end=latest)
        q.values(v, None, "city", start=latest, end=latest)
        q.city_values(v, ["O04"], start=latest, end=latest)
        for dim in ("entity_type", "industry"):
            q.members(v, dim)
            q.breakdown(v, dim, ["D01", "D02", "O01", "O02", "O03", "O04", "O10"], start=latest, end=latest)

    def city():
        _, latest, _ = context()
        q.catalog(v)
        q.cities(v)
        q.values(v, None, "city", keys=[CITY])
        q.county_values(v, CITY, ["D01", "D02", "R01", "R03", "O01", "O03", "O04"], start=latest, end=latest)
        for dim in ("entity_type", "industry"):
            q.members(v, dim, city=CITY)
            q.breakdown(v, dim, ["D01", "D02", "O01", "O02", "O03", "O04", "O10"], city=CITY, start=latest,
                        end=latest)
        q.breakdown(v, "institution", ["R01", "R02", "R03", "O01", "O02", "O03", "O04", "O10"], city=CITY,
                    start=latest, end=latest)
        q.breakdown(v, "product_category", ["D01", "D02", "O03", "O04"], city=CITY, start=latest, end=latest)
        q.overdue_demands(v, CITY, latest)
        q.city_alerts(v, CITY)

    def institution():
        _, latest, _ = context()
        q.catalog(v)
        rows = q.institution_values(v, ["R01", "R02", "R03", "O01", "O02", "O10", "O04"])
        detail = q.institution_values(v, ["R01", "R02", "R03", "R04", "O01", "O02", "O03", "O04", "O10", "S02",
                                          "S03", "K01", "K02"])
        inst = str(rows.sort_values("value").iloc[-1]["grain_key"]) if not rows.empty else "B0001"
        del detail
        q.institution_profile(v, inst)
        q.listed_products(v, latest, institution=inst)

    def products():
        months = q.product_periods(v)
        q.catalog(v)
        q.shelf_history(v)
        q.snapshot(v, months[-1])
        q.listed_products(v, months[-1])

    def city_office():
        _, latest, _ = context()
        q.snapshot(office, latest)
        q.county_values(office, CITY, ["D01", "D02", "O03", "O04"], start=latest, end=latest)
        q.breakdown(office, "entity_type", ["D01", "O04"], city=CITY, start=latest, end=latest)

    def report():
        _, latest, _ = context()
        city_report_data(v, CITY, latest)

    return {"overview": overview, "city": city, "institution": institution, "products": products,
            "city_office_overview": city_office, "report_data": report}


def _baseline(path: str) -> dict:
    import duckdb

    samples = []
    for _ in range(ITERATIONS):
        started = time.perf_counter()
        con = duckdb.connect(path, read_only=True)
        con.execute("select count(*) from marts.indicator_values").fetchone()
        con.close()
        samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


def measure(warehouse: Path) -> dict:
    import duckdb
    import streamlit as st

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ["LOANCODE_WAREHOUSE"] = str(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sizes = dict(con.execute(
            "select 'application_events', count(*) from marts.fct_application_events union all "
            "select 'applications', count(*) from marts.fct_applications union all "
            "select 'indicator_values', count(*) from marts.indicator_values").fetchall())
    out: dict = {"warehouse": str(warehouse), "rows": sizes, "baseline_count_star": _baseline(str(warehouse)),
                 "pages": {}}
    for name, page in _pages().items():
        page()  # warm the OS file cache and imports once
        cold, warm = [], []
        for _ in range(ITERATIONS):
            st.cache_data.clear()
            started = time.perf_counter()
            page()
            cold.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            page()
            warm.append((time.perf_counter() - started) * 1000)
        cold_p = _percentiles(cold)
        out["pages"][name] = {
            "cold": cold_p,
            "cached": _percentiles(warm),
            "cold_p95_vs_baseline_p50": round(cold_p["p95_ms"] / max(out["baseline_count_star"]["p50_ms"], 1e-6), 1),
            "meets_200ms_p95_cold": cold_p["p95_ms"] <= TARGET_P95_MS,
        }
    return out


def run(scale: str) -> dict:
    from bench.scale import built_province, scaled_warehouse
    from bench.workdir import workdir

    if os.environ.get("BENCH_WAREHOUSE"):
        return {"given": measure(Path(os.environ["BENCH_WAREHOUSE"])), "target_p95_ms": TARGET_P95_MS}
    results: dict = {"target_p95_ms": TARGET_P95_MS, "target_events": 10_000_000}
    warehouse, build_seconds = built_province(workdir(), DEMO_APPLICATIONS)  # shared with the indicator bench
    results["demo"] = {"applications_generated": DEMO_APPLICATIONS, "build_seconds": build_seconds,
                       **measure(warehouse)}
    if scale == "full":
        started = time.monotonic()
        warehouse = scaled_warehouse(workdir(), SCALE_FACTOR)
        results["10M"] = {"scale_factor": SCALE_FACTOR, "build_seconds": round(time.monotonic() - started, 1),
                          **measure(warehouse)}
    return results
