"""How good the ranking is, on the held-out months after the cut-off (docs/matching.md, "Evaluation").

Every held-out demand that named a product is a query; its relevant product is the one it named, with
the demand's grade as gain (3 drawn, 2 approved, 1 accepted). A query whose demand reached no grade has
nothing to find and is left out (IDCG = 0). Each method ranks the query's eligible products:

- model:        the two stages — the first stage's shortlist, re-ranked by the model;
- model_served: the same, then the exposure cap over the held-out lists (what a business is shown);
- popularity:   the products' draws in the 90 days before the cut-off;
- rules:        the rules-only score (macro match_rules_score).

Ties by product id. A named product that is not eligible is a miss for every method.
"""

from __future__ import annotations

import numpy as np

from pipelines.lib.matching.features import Pairs
from pipelines.lib.matching.ranking import LIST_LENGTH, capped_lists, top_per_group

BINS = 10


def _ranks_of(pairs: Pairs, score: np.ndarray, candidate: np.ndarray, served: bool) -> np.ndarray:
    """Per pair, its rank in its query's list (0 where not ranked within LIST_LENGTH)."""
    rows = np.flatnonzero(candidate)
    if served:
        kept, rank = capped_lists(pairs.query[rows], pairs.product[rows], score[rows])
    else:
        kept, rank = top_per_group(pairs.query[rows], pairs.product[rows], score[rows], LIST_LENGTH)
    out = np.zeros(len(pairs), dtype=np.int64)
    out[rows[kept]] = rank
    return out


def ranking_quality(pairs: Pairs, score: np.ndarray, candidate: np.ndarray, served: bool = False) -> dict:
    """NDCG@10 and hit rate@10 over the queries with a graded demand."""
    rank = _ranks_of(pairs, score, candidate, served)
    grade = np.nan_to_num(pairs.extra["grade"])
    discount = np.log2(np.maximum(rank, 1) + 1.0)
    gain = np.where(rank > 0, (2.0 ** grade - 1) / discount, 0.0)
    queries, index = np.unique(pairs.query, return_inverse=True)
    dcg = np.bincount(index, weights=gain, minlength=len(queries))
    ideal = np.bincount(index, weights=2.0 ** grade - 1, minlength=len(queries))  # one relevant pair each
    hit = np.bincount(index, weights=((rank > 0) & (grade > 0)).astype(float), minlength=len(queries))
    graded = ideal > 0
    if not graded.any():
        return {"ndcg_at_10": None, "hit_rate_at_10": None, "queries": 0}
    return {"ndcg_at_10": float(np.mean(dcg[graded] / ideal[graded])),
            "hit_rate_at_10": float(np.mean(hit[graded] > 0)), "queries": int(graded.sum())}


def methods(pairs: Pairs, model_score: np.ndarray | None) -> dict[str, dict]:
    eligible = pairs.extra["is_eligible"] > 0
    out = {
        "popularity": ranking_quality(pairs, pairs.extra["popularity_at_cutoff"], eligible),
        "rules": ranking_quality(pairs, pairs.extra["rules_score"], eligible),
    }
    if model_score is not None:
        shortlisted = eligible & (pairs.extra["in_shortlist"] > 0)
        out["model"] = ranking_quality(pairs, model_score, shortlisted)
        out["model_served"] = ranking_quality(pairs, model_score, shortlisted, served=True)
    return out


def calibration(probability: np.ndarray, outcome: np.ndarray) -> dict:
    """Brier score and reliability over equal-count bins of the predicted probability."""
    if len(probability) == 0:
        return {"brier_score": None, "bins": []}
    order = np.argsort(probability, kind="stable")
    bins = []
    for part in np.array_split(order, BINS):
        if len(part):
            bins.append({"lower": float(probability[part].min()), "upper": float(probability[part].max()),
                         "mean_predicted": float(probability[part].mean()),
                         "observed_rate": float(outcome[part].mean()), "pairs": int(len(part))})
    return {"brier_score": float(np.mean((probability - outcome) ** 2)), "bins": bins}


def coverage(product: np.ndarray, query: np.ndarray, listed_products: int) -> dict:
    """Of the served lists: the share of listed products in at least one list, and the largest share of
    the lists that one product takes."""
    lists = len(np.unique(query))
    if lists == 0 or listed_products == 0:
        return {"catalog_coverage": None, "max_list_share": None, "lists": lists, "listed_products": listed_products}
    per_product = np.bincount(product)
    return {"catalog_coverage": float(np.count_nonzero(per_product) / listed_products),
            "max_list_share": float(per_product.max() / lists), "lists": lists, "listed_products": listed_products}
