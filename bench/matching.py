"""Matching speed and memory (issue 14, item 7): a synthetic population of enterprises × listed products
scored and each enterprise's top 10 kept, as `make build` does it — the first stage in DuckDB (the compiled
SQL of dbt's int_match_candidates_shortlisted: products expanded to the counties they serve, eligibility,
the cheap score, the shortlist) and then pipelines.lib.matching.run.score (the model on the shortlist in
batches, the exposure cap, the top 10 and the top 100 prospects, the reasons, the two published tables).

- scale "full": 300,000 enterprises × 2,000 products, the issue's figure (target ≤ 60 s, ≤ 4 GB peak);
- scale "small": 20,000 × 200.

The population (docs/matching.md, "Speed"): enterprises over Shanxi's 117 counties, a fifth of them thin
(no report: years and tax grade unknown); products a fifth province-wide, two fifths for one city, two
fifths for one to three counties, with the generator's spread of 服务对象, amounts, minimum years and tax
requirements. The profile and product tables are written straight into an empty built warehouse (the
upstream dbt models are not part of the measurement); the model is trained on synthetic pairs beforehand.
The measured run is a child process, so that its peak RSS is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = ROOT / "dbt_project"
SCALES = {"small": (20_000, 200), "full": (300_000, 2_000)}
TARGET_SECONDS, TARGET_PEAK_MB = 60, 4096
MEMORY_LIMIT = os.environ.get("BENCH_MATCHING_MEMORY", "2GB")  # DuckDB's ceiling in the measured run
SCORING_DATE = date(2026, 11, 1)
SNAPSHOT = date(2026, 10, 1)
CATEGORIES = ["信用贷款", "担保贷款", "抵押贷款", "质押贷款", "供应链金融", "票据融资"]
TARGETS = ["小微企业、个体工商户", "小微企业", "个体工商户、小微企业主", "小微企业、个体工商户、小微企业主", "个体工商户"]
SECTIONS = list("ACEFGHIKLMO")
GRADES = np.array(["A", "B", "M", "C", "D"])


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(pa.array(np.arange(n)).cast(pa.string()), width, "0"), "")


def _empty_warehouse(workdir: Path) -> Path:
    """A warehouse built from an empty landing zone: every model's table and view, no rows (cached)."""
    base = workdir / "matching_empty"
    warehouse = base / "warehouse.duckdb"
    if not warehouse.exists():
        (base / "landing").mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "LOANCODE_LANDING": str(base / "landing"), "LOANCODE_WAREHOUSE": str(warehouse)}
        subprocess.run([sys.executable, "-m", "pipelines.build"], cwd=ROOT, env=env, check=True, capture_output=True)
    return warehouse


def _compiled_shortlist(warehouse: Path, folder: Path) -> str:
    """dbt's own SQL of the first stage, compiled against `warehouse`."""
    env = {**os.environ, "LOANCODE_DBT_DB": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    subprocess.run([str(Path(sys.executable).with_name("dbt")), "compile", "--select", "int_match_candidates_shortlisted",
                    "--quiet", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path",
                    str(folder / "target"), "--log-path", str(folder / "logs")],
                   cwd=DBT_DIR, env=env, check=True, capture_output=True)
    compiled = folder / "target" / "compiled" / "loancode" / "models" / "intermediate" / "matching"
    return (compiled / "int_match_candidates_shortlisted.sql").read_text(encoding="utf-8")


def _population(enterprises: int, products: int, seed: int = 14) -> dict[str, pa.Table]:
    from loancode.divisions import city_codes, county_codes

    rng = np.random.default_rng(seed)
    counties = np.array(county_codes())
    cities = np.array(city_codes())
    n, p = enterprises, products
    thin = rng.random(n) < 0.2
    county = counties[rng.integers(0, len(counties), n)]
    etype = np.array(["企业", "个体工商户", "其他"])[rng.choice(3, n, p=[0.64, 0.31, 0.05])]
    tax_rank = np.where(thin, np.nan, rng.choice(5, n, p=[0.25, 0.45, 0.15, 0.10, 0.05]) + 1)
    years = np.where(thin, np.nan, np.clip(6 * np.exp(0.7 * rng.standard_normal(n)), 0.3, 30))
    score = np.where(thin, np.nan, np.clip(690 + 40 * rng.standard_normal(n), 350, 900).round())
    amount = np.clip(1e6 * np.exp(rng.standard_normal(n)), 1e4, 1e7).round(-3)
    revenue = np.where(thin, np.nan, np.clip(600 * np.exp(rng.standard_normal(n)), 5, 1e5))
    soundness = np.nan_to_num((score - 650) / 100)
    queries = pa.table({
        "query_kind": pa.array(["score"] * n), "query_id": _ids("91", n, 16), "query_seq": np.arange(1, n + 1),
        "as_of_at": pa.array([datetime(2026, 11, 1)] * n, pa.timestamp("us")),
        "as_of_date": pa.array([SCORING_DATE] * n, pa.date32()), "entity_type": etype, "county_code": county,
        "city_code": pa.array(np.char.add(np.char.ljust(county, 4).astype("<U4"), "00")),
        "industry_section": np.array(SECTIONS)[rng.integers(0, len(SECTIONS), n)],
        "typical_amount_yuan": amount, "is_thin": thin, "years_in_business": pa.array(years, from_pandas=True),
        "tax_rank": pa.array(tax_rank, from_pandas=True),
        "tax_grade": pa.array(np.where(thin, None, GRADES[np.nan_to_num(tax_rank, nan=1).astype(int) - 1])),
        "size_rank": pa.array(np.where(thin, np.nan, rng.integers(1, 4, n)), from_pandas=True),
        "size_class": pa.array(np.where(thin, None, np.array(["微型", "小型", "中型"])[rng.integers(0, 3, n)])),
        "credit_score": pa.array(score, from_pandas=True), "revenue_wan": pa.array(revenue, from_pandas=True),
        "assets_wan": pa.array(revenue * 0.6, from_pandas=True),
        "leverage": pa.array(np.where(thin, np.nan, rng.exponential(0.4, n)), from_pandas=True),
        "overdue_24m": pa.array(np.where(thin, np.nan, rng.poisson(0.2, n)), from_pandas=True),
        "penalties_3y": pa.array(np.where(thin, np.nan, rng.poisson(0.1, n)), from_pandas=True),
        "dishonest_executee": pa.array(np.where(thin, None, rng.random(n) < 0.01)),
        "past_demands": rng.poisson(1.0, n) + 1, "past_approved": rng.poisson(0.6, n), "rules_soundness": soundness,
    })
    query_columns = queries.column_names
    queries = queries.append_column("uscc", queries["query_id"]).append_column(
        "enterprise_name", pc.binary_join_element_wise("企业", queries["query_id"], ""))
    assert "uscc" not in query_columns

    min_wan = rng.choice([1, 5, 10, 20], p)
    max_wan = rng.integers(2, 21, p) * 50
    regions = rng.choice(3, p, p=[0.2, 0.4, 0.4])
    new = rng.random(p) < 0.02
    listed_days = np.where(new, rng.integers(1, 90, p), rng.integers(90, 2000, p))
    draws = np.where(new, rng.integers(0, 3, p), rng.poisson(8, p))
    targets = np.array(TARGETS)[rng.choice(len(TARGETS), p, p=[0.35, 0.2, 0.15, 0.25, 0.05])]
    tax_min = rng.choice([0, 0, 3, 2, 1], p)
    decisions = rng.poisson(20, p)
    product_id = _ids("P", p, 5)
    served: list[tuple[int, str]] = []
    for j in range(p):  # ~2,000 products: a loop per product (not per pair) builds their regions
        if regions[j] == 0:
            served += [(j, c) for c in counties]
        elif regions[j] == 1:
            city = cities[rng.integers(0, len(cities))]
            served += [(j, c) for c in counties if c.startswith(city[:4])]
        else:
            served += [(j, c) for c in rng.choice(counties, rng.integers(1, 4), replace=False)]
    served_product = np.array([j for j, _ in served])
    counties_served = np.bincount(served_product, minlength=p)
    products = pa.table({
        "as_of_date": pa.array([SCORING_DATE] * p, pa.date32()),
        "as_of_at": pa.array([datetime(2026, 11, 1)] * p, pa.timestamp("us")),
        "snapshot_date": pa.array([SNAPSHOT] * p, pa.date32()), "product_id": product_id,
        "product_seq": np.arange(1, p + 1), "product_name": pc.binary_join_element_wise("产品", product_id, ""),
        "institution_id": pc.binary_join_element_wise("B", pa.array((np.arange(p) % 300).astype(str)), ""),
        "product_category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), p)], "service_targets": targets,
        "serves_enterprises": np.char.find(np.char.replace(targets, "小微企业主", ""), "小微企业") >= 0,
        "serves_individual_businesses": (np.char.find(targets, "个体工商户") >= 0) | (np.char.find(targets, "小微企业主") >= 0),
        "min_amount_yuan": min_wan * 1e4, "max_amount_yuan": max_wan * 1e4,
        "min_years_in_business": rng.choice([0.5, 1, 1, 2, 3], p),
        "tax_min_rank": pa.array(np.where(tax_min == 0, np.nan, tax_min), from_pandas=True),
        "tax_credit_min_grade": pa.array(np.where(tax_min == 0, None, GRADES[np.maximum(tax_min, 1) - 1])),
        "listed_date": pa.array([SCORING_DATE] * p, pa.date32()), "listed_days": listed_days,
        "disbursements_90d": draws, "recent_draws": draws * 90.0 / np.clip(listed_days, 30, 90),
        "is_new": listed_days < 90, "decisions_182d": decisions, "approvals_182d": rng.binomial(decisions, 0.75),
        "demands_182d": decisions + 3, "counties_served": counties_served,
    })
    countied = pa.table({"snapshot_date": pa.array([SNAPSHOT] * len(served), pa.date32()),
                         "product_id": product_id.take(pa.array(served_product)),
                         "county_code": np.array([c for _, c in served])})
    grid = [(s, c) for s in SECTIONS for c in CATEGORIES]
    peer_decisions = rng.integers(5, 200, len(grid))
    peers = pa.table({
        "as_of_date": pa.array([SCORING_DATE] * len(grid), pa.date32()), "industry_section": [s for s, _ in grid],
        "product_category": [c for _, c in grid], "peer_demands_182d": peer_decisions + 10,
        "peer_decisions_182d": peer_decisions, "peer_approvals_182d": (peer_decisions * 0.75).astype(int),
        "section_demands_182d": np.full(len(grid), 2_000),
    })
    return {"int_match_queries_profiled": queries, "int_match_products_in_force": products,
            "int_register_products_countied": countied, "int_match_peers_windowed": peers}


def _train_synthetic_model(models_dir: Path):
    """A model of the real shape (features, trees, Platt) learnt from synthetic training pairs."""
    from pipelines.lib.matching import model as model_lib
    from pipelines.lib.matching.features import FEATURE_NAMES, Pairs

    rng = np.random.default_rng(7)
    groups, per = 20_000, 13
    X = rng.standard_normal((groups * per, len(FEATURE_NAMES))).astype(np.float32)
    X[rng.random(X.shape) < 0.1] = np.nan
    utility = np.nan_to_num(X[:, 0] + 0.5 * X[:, 12] - 0.7 * X[:, 18] + X[:, 20]) + rng.gumbel(size=len(X))
    query = np.repeat(np.arange(groups), per)
    best = np.zeros(len(X), dtype=bool)
    best[np.arange(groups) * per + utility.reshape(groups, per).argmax(axis=1)] = True
    grade = np.where(best, rng.integers(0, 4, len(X)), 0).astype(np.float64)
    pairs = Pairs(query, np.tile(np.arange(per), groups), X,
                  {"grade": grade, "sample_weight": np.where(best, 1.0, 3.0)})
    return model_lib.save(model_lib.train(pairs, threads=2), models_dir)


def _prepare(warehouse: Path, enterprises: int, products: int) -> None:
    import duckdb

    tables = _population(enterprises, products)
    with duckdb.connect(str(warehouse)) as con:
        for table, rows in tables.items():
            con.execute(f"delete from intermediate.{table}")
            con.register("bench_rows", rows)
            con.execute(f"insert into intermediate.{table} by name select * from bench_rows")
            con.unregister("bench_rows")
        con.execute("delete from intermediate.int_match_dates_fixed")
        con.execute("insert into intermediate.int_match_dates_fixed by name select ?::date as scoring_date, "
                    "?::timestamp as scoring_as_of", [SCORING_DATE, datetime(2026, 11, 1)])
        con.execute("CHECKPOINT")


MEASURED = """
import json, resource, sys, time, duckdb
from pathlib import Path
from pipelines.lib.matching import model as model_lib, run
warehouse, sql_file, model_file, memory = sys.argv[1:5]
model = model_lib.load(Path(model_file))
con = duckdb.connect(warehouse)
con.execute(f"SET memory_limit = '{memory}'")
con.execute("SET enable_progress_bar = false")
sql = Path(sql_file).read_text(encoding="utf-8")
started = time.perf_counter()
con.execute(f"create or replace table intermediate.int_match_candidates_shortlisted as {sql}")
first_stage = time.perf_counter() - started
figures = run.score(con, model, 2)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "first_stage_seconds": first_stage, "score_seconds": seconds - first_stage,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024, **figures}))
"""


def measure(warehouse: Path, sql_file: Path, model_file: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURED, str(warehouse), str(sql_file), str(model_file), MEMORY_LIMIT],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _served_pairs(warehouse: Path) -> int:
    """Every enterprise × every product serving its county: the pairs the eligibility join judges."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select sum(n) from (select q.county_code, count(*) as enterprises from intermediate.int_match_queries_profiled "
            "as q group by 1) as e join (select county_code, count(*) as n_products from "
            "intermediate.int_register_products_countied group by 1) as c using (county_code), "
            "lateral (select e.enterprises * c.n_products as n)").fetchall()[0][0]


def run(scale: str) -> dict:
    import shutil

    from bench.workdir import workdir

    enterprises, products = SCALES.get(scale, SCALES["small"])
    folder = workdir() / f"matching_{enterprises}x{products}"
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / "warehouse.duckdb"
    shutil.copyfile(_empty_warehouse(workdir()), warehouse)
    started = time.perf_counter()
    _prepare(warehouse, enterprises, products)
    model_file = _train_synthetic_model(folder / "models")
    sql_file = folder / "shortlist.sql"
    sql_file.write_text(_compiled_shortlist(warehouse, folder), encoding="utf-8")
    setup = time.perf_counter() - started
    figures = measure(warehouse, sql_file, model_file)
    served = _served_pairs(warehouse)
    return {
        "enterprises": enterprises, "products": products, "setup_seconds": round(setup, 1),
        "served_pairs": served, "wall_seconds_scoring": round(figures["seconds"], 2),
        "first_stage_seconds": round(figures["first_stage_seconds"], 2),
        "model_stage_seconds": round(figures["score_seconds"], 2), "shortlisted_pairs": figures["pairs"],
        "pairs_per_second": round(served / figures["seconds"]),
        "shortlisted_pairs_per_second": round(figures["pairs"] / figures["score_seconds"]),
        "cpu_seconds": round(figures["cpu_seconds"], 1),  # of both cores: what the machine's load does not change
        "load_average_1m": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(figures["peak_rss_mb"]), "recommendations": figures["recommendations"],
        "without_eligible_product": figures["without_eligible_product"], "prospects": figures["prospects"],
        "duckdb_memory_limit": MEMORY_LIMIT,
        "target": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_PEAK_MB},
        "target_met": figures["seconds"] <= TARGET_SECONDS and figures["peak_rss_mb"] <= TARGET_PEAK_MB,
    }
