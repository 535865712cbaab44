"""The three steps of a matching run on a warehouse where dbt has built models/intermediate/matching:
train the model, score the scoring date's pairs, evaluate on the held-out months. Each writes its
published table (pipelines.lib.matching.store); the Dagster assets (pipelines/defs/matching) call them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from pipelines.lib.matching import evaluation, features, reasons, store
from pipelines.lib.matching import model as model_lib
from pipelines.lib.matching.features import FEATURE_INDEX, FEATURE_NAMES, Pairs
from pipelines.lib.matching.ranking import PROSPECTS, capped_lists, top_per_group


@dataclass(frozen=True)
class Dates:
    scoring_date: date
    cutoff_date: date
    training_end: date
    holdout_end: date


def dates(con: duckdb.DuckDBPyConnection) -> Dates:
    row = con.execute(f"select scoring_date, cutoff_date, cast(training_end_at as date), cast(holdout_end_at as date) "
                      f"from {features.DATES}").fetchall()[0]
    return Dates(*row)


# --- the model ---------------------------------------------------------------------------------------------


def train_model(con: duckdb.DuckDBPyConnection, models_dir: Path, threads: int) -> dict:
    """Train on the training demands, save the model file, record it in marts.match_model."""
    when = dates(con)
    pairs = features.read_pairs(con, "train", order=True)
    window = con.execute(f"select cast(min(as_of_at) as date), count(*) from {features.QUERIES} "
                         f"where query_kind = 'train'").fetchall()[0]
    record = {"scored_at": when.scoring_date, "model_file": None, "cutoff_date": when.cutoff_date,
              "training_start": window[0], "training_end": when.training_end, "training_demands": window[1],
              "training_pairs": len(pairs), "features": list(FEATURE_NAMES),
              "params": json.dumps({**model_lib.PARAMS, "rounds": model_lib.ROUNDS}, sort_keys=True),
              "train_ndcg_at_10": None, "holdout_ndcg_at_10": None}
    if len(pairs) and (pairs.extra["grade"] > 0).any():
        model = model_lib.train(pairs, threads)
        path = model_lib.save(model, models_dir)
        record["model_file"] = path.name
        train_score = model.margin(pairs.X, threads)
        record["train_ndcg_at_10"] = evaluation.ranking_quality(pairs, train_score, np.ones(len(pairs), bool))["ndcg_at_10"]
        held_out = features.read_pairs(con, "evaluate")
        if len(held_out):
            quality = evaluation.methods(held_out, model.margin(held_out.X, threads))
            record["holdout_ndcg_at_10"] = quality["model"]["ndcg_at_10"]
    store.replace(con, "match_model", pa.Table.from_pylist([record]))
    return record


def current_model(con: duckdb.DuckDBPyConnection, models_dir: Path) -> tuple[model_lib.Model | None, str | None]:
    """The model recorded in marts.match_model (None before any could be trained)."""
    rows = con.execute("select model_file from marts.match_model").fetchall()
    if not rows or rows[0][0] is None:
        return None, None
    return model_lib.load(models_dir / rows[0][0]), rows[0][0]


def _scores(model: model_lib.Model | None, pairs: Pairs, threads: int) -> np.ndarray:
    if model is None:  # no model yet: the first stage's cheap score ranks (docs/matching.md)
        return np.round(pairs.extra["cheap_score"], model_lib.SCORE_DECIMALS)
    return model.probability(model.margin(pairs.X, threads))


# --- scoring -----------------------------------------------------------------------------------------------


FACT_COLUMNS = {  # what _facts reads of the query and the product rows
    "query": ["is_thin", "tax_grade", "years_in_business", "credit_score", "overdue_24m", "penalties_3y", "leverage",
              "size_class", "past_demands", "past_approved", "entity_type", "typical_amount_yuan", "assets_wan"],
    "product": ["tax_credit_min_grade", "min_years_in_business", "product_category", "disbursements_90d",
                "decisions_182d", "listed_days", "counties_served", "min_amount_yuan", "max_amount_yuan"],
}


def _positions(seqs: np.ndarray) -> np.ndarray:
    """A lookup from a seq number to its row in a frame ordered by it (-1 where absent)."""
    lookup = np.full(int(seqs.max()) + 1 if len(seqs) else 1, -1, dtype=np.int64)
    lookup[seqs] = np.arange(len(seqs))
    return lookup


def _facts(pairs: Pairs, rows: np.ndarray, q: pl.DataFrame, p: pl.DataFrame) -> pl.DataFrame:
    """What the reasons read, one row per selected pair (`q`, `p`: the pairs' query and product rows)."""
    X = pairs.X[rows]

    def feature(name: str) -> pl.Series:
        return pl.Series(X[:, FEATURE_INDEX[name]].astype(np.float64)).fill_nan(None)

    return pl.DataFrame({
        "is_thin": q["is_thin"], "tax_grade": q["tax_grade"], "req_grade": p["tax_credit_min_grade"],
        "years": q["years_in_business"], "min_years": p["min_years_in_business"], "credit_score": q["credit_score"],
        "judicial": feature("f_judicial"), "overdue_24m": q["overdue_24m"], "penalties": q["penalties_3y"],
        "leverage": q["leverage"], "size_class": q["size_class"], "past_demands": q["past_demands"],
        "past_approved": q["past_approved"], "entity_type": q["entity_type"], "category": p["product_category"],
        "peer_share": feature("f_peer_demand_share"), "peer_rate": feature("f_peer_approval_rate"),
        "peer_decisions": pl.Series(pairs.extra["peer_decisions_182d"][rows]).fill_nan(None),
        "draws_90d": p["disbursements_90d"], "decisions_182d": p["decisions_182d"],
        "product_rate": feature("f_product_approval_rate"), "listed_days": p["listed_days"],
        "counties_served": p["counties_served"], "amount_wan": q["typical_amount_yuan"] / 10_000,
        "min_wan": p["min_amount_yuan"] / 10_000, "max_wan": p["max_amount_yuan"] / 10_000,
        "assets_wan": q["assets_wan"], "collateral_cover": feature("f_collateral_cover"),
    })


EXPLAIN_BATCH = 1 << 18  # pairs explained at a time: contributions and reasons' intermediates stay small


def _explain(model: model_lib.Model | None, pairs: Pairs, q: pl.DataFrame, p: pl.DataFrame, threads: int) -> pl.Series:
    """The reasons of every pair of `pairs` (`q`, `p`: their query and product rows), in batches; each pair's
    reasons depend on its own row only, so the batching changes nothing."""
    parts = []
    for start in range(0, len(pairs), EXPLAIN_BATCH):
        rows = np.arange(start, min(start + EXPLAIN_BATCH, len(pairs)))
        contributions = None if model is None else model.contributions(pairs.X[rows], threads)
        parts.append(reasons.explain(_facts(pairs, rows, q[start:start + len(rows)], p[start:start + len(rows)]),
                                     contributions))
    return pl.concat(parts) if parts else pl.Series("reasons", [], dtype=pl.String)


def score(con: duckdb.DuckDBPyConnection, model: model_lib.Model | None, threads: int) -> dict:
    """Score the scoring date's shortlisted pairs; write marts.match_recommendations (each enterprise's
    list: the exposure cap over the best by score, ties by product_id) and marts.product_prospects."""
    when = dates(con)
    pairs = features.read_pairs(con, "score")
    queries = pl.from_arrow(features.query_facts(con, "score"))
    products = pl.from_arrow(features.product_facts(con))
    score_of = _scores(model, pairs, threads)
    listed, rank = capped_lists(pairs.query, pairs.product, score_of)
    prospects, prospect_rank = top_per_group(pairs.product, pairs.query, score_of, PROSPECTS)
    wanted = np.zeros(len(pairs), dtype=bool)
    wanted[listed] = wanted[prospects] = True
    explained = np.flatnonzero(wanted)  # each pair explained once, whether listed, a prospect or both
    q_row = _positions(queries["query_seq"].to_numpy())[pairs.query[explained]]
    p_row = _positions(products["product_seq"].to_numpy())[pairs.product[explained]]
    n_pairs = len(pairs)
    # only the explained pairs' features are kept from here on (the shortlist's are ~1 GB at 300,000 × 2,000)
    pairs = Pairs(pairs.query[explained], pairs.product[explained], pairs.X[explained],
                  {name: values[explained] for name, values in pairs.extra.items()})
    text = _explain(model, pairs, queries.select(FACT_COLUMNS["query"])[q_row],
                    products.select(FACT_COLUMNS["product"])[p_row], threads)
    del pairs  # at the bench's scale every copy counts: what is no longer read is let go (≤ 4 GB peak)
    at_listed, at_prospects = np.searchsorted(explained, listed), np.searchsorted(explained, prospects)
    listed_reasons, prospect_reasons = text.gather(at_listed).to_arrow(), text.gather(at_prospects).to_arrow()
    del text
    uscc, product_id = queries["uscc"].to_arrow(), products["product_id"].to_arrow()
    recommended = pa.table({
        "uscc": uscc.take(q_row[at_listed]), "product_id": product_id.take(p_row[at_listed]),
        "rank": pa.array(rank, pa.int32()), "score": pa.array(score_of[listed], pa.float64()),
        "reasons": listed_reasons, "_order": q_row[at_listed],
    })
    del listed_reasons
    has_list = np.zeros(queries.height, dtype=bool)
    has_list[q_row[at_listed]] = True
    alone = np.flatnonzero(~has_list)  # no eligible product: one row saying so
    nothing = pa.table({
        "uscc": uscc.take(alone), "product_id": pa.nulls(len(alone), uscc.type),
        "rank": pa.nulls(len(alone), pa.int32()), "score": pa.nulls(len(alone), pa.float64()),
        "reasons": pa.array([reasons.NO_ELIGIBLE] * len(alone), recommended["reasons"].type), "_order": alone,
    })
    recommendations = pa.concat_tables([nothing, recommended])  # by enterprise (USCC order), then rank
    del recommended, nothing
    recommendations = recommendations.take(np.argsort(recommendations["_order"].to_numpy(), kind="stable"))
    recommendations = recommendations.drop_columns(["_order"]).append_column(
        "scored_at", pa.array([when.scoring_date] * recommendations.num_rows, pa.date32()))
    store.replace(con, "match_recommendations", recommendations, presorted=True)
    del recommendations
    prospect_table = pa.table({  # by product (product_id order), then rank
        "product_id": product_id.take(p_row[at_prospects]), "uscc": uscc.take(q_row[at_prospects]),
        "rank": pa.array(prospect_rank, pa.int32()), "score": pa.array(score_of[prospects], pa.float64()),
        "reasons": prospect_reasons,
        "scored_at": pa.array([when.scoring_date] * len(prospects), pa.date32()),
    })
    store.replace(con, "product_prospects", prospect_table, presorted=True)
    return {"scored_at": str(when.scoring_date), "pairs": n_pairs, "enterprises": queries.height,
            "recommendations": len(listed), "without_eligible_product": len(alone),
            "thin_profiles": int(queries["is_thin"].sum()), "prospects": len(prospects)}


# --- evaluation --------------------------------------------------------------------------------------------


def evaluate(con: duckdb.DuckDBPyConnection, model: model_lib.Model | None, model_file: str | None,
             threads: int) -> dict:
    """The held-out evaluation and the served lists' coverage; writes marts.match_evaluation (this run's:
    a build from the same data gives the same table, however many builds came before; each run's figures
    are also its Dagster materialization's metadata)."""
    when = dates(con)
    # in a fixed order: the Brier score's sum and the reliability bins' ties depend on it
    pairs = features.read_pairs(con, "evaluate", order=True)
    probability = None if model is None or not len(pairs) else model.probability(model.margin(pairs.X, threads))
    quality = evaluation.methods(pairs, probability)
    eligible = pairs.extra["is_eligible"] > 0
    calibration = evaluation.calibration(
        probability[eligible] if probability is not None else np.zeros(0),
        (np.nan_to_num(pairs.extra["grade"][eligible]) >= 2).astype(float))
    served = con.sql("select product_id, uscc from marts.match_recommendations where product_id is not null"
                     ).to_arrow_table()
    listed = con.execute(f"select count(*) from {features.PRODUCTS} as p inner join {features.DATES} as d "
                         f"on p.as_of_date = d.scoring_date").fetchall()[0][0]
    product_codes = pl.Series(served["product_id"]).cast(pl.Categorical).to_physical().to_numpy()
    query_codes = pl.Series(served["uscc"]).cast(pl.Categorical).to_physical().to_numpy()
    cover = evaluation.coverage(product_codes, query_codes, listed)
    rows: list[dict] = []

    def add(section: str, method: str, metric: str, value, lower=None, upper=None, count=None) -> None:
        rows.append({"section": section, "method": method, "metric": metric,
                     "value": None if value is None else float(value), "bin_lower": lower, "bin_upper": upper,
                     "pairs": count})

    for method, figures in quality.items():
        for metric, value in figures.items():
            add("ranking", method, metric, value)
    for metric, value in cover.items():
        add("coverage", "model_served", metric, value)
    add("calibration", "model", "brier_score", calibration["brier_score"], count=int(eligible.sum()))
    for b in calibration["bins"]:
        add("calibration", "model", "mean_predicted", b["mean_predicted"], b["lower"], b["upper"], b["pairs"])
        add("calibration", "model", "observed_rate", b["observed_rate"], b["lower"], b["upper"], b["pairs"])
    table = pa.Table.from_pylist([{"scored_at": when.scoring_date, "cutoff_date": when.cutoff_date,
                                   "holdout_start": when.cutoff_date, "holdout_end": when.holdout_end,
                                   "model_file": model_file, **r} for r in rows])
    store.replace(con, "match_evaluation", table)
    return {"ranking": quality, "coverage": cover, "brier_score": calibration["brier_score"]}
