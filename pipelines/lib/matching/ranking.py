"""Lists from scores, vectorised: the top k per group with explicit ties, and the exposure cap.

Ties are broken by score (descending) and then by the other key (ascending): product_seq numbers the
products in product_id order and query_seq the businesses in USCC order, so the order is that of the
ids themselves. Every sort is numpy's lexsort over whole columns; nothing loops per pair.
"""

from __future__ import annotations

import numpy as np

LIST_LENGTH = 10
PROSPECTS = 100
# Candidates a list keeps for the exposure cap: its best LIST_LENGTH + CAP_RESERVE, as many as the first
# stage shortlists (dbt var matching_shortlist_size): a list that loses more than CAP_RESERVE of its best
# products to the cap stays shorter.
CAP_RESERVE = 20
# No product in more than this share of the businesses' lists (docs/matching.md, "Exposure cap"),
# applied from this many lists on (a handful of lists is no population to spread over).
MAX_LIST_SHARE = 0.20
MIN_LISTS_FOR_CAP = 100


def _group_starts(keys: np.ndarray) -> np.ndarray:
    return np.r_[0, np.flatnonzero(np.diff(keys)) + 1] if len(keys) else np.zeros(0, dtype=np.int64)


def _position_in_group(sorted_keys: np.ndarray) -> np.ndarray:
    """0-based position of each row within its run of equal keys."""
    starts = _group_starts(sorted_keys)
    lengths = np.diff(np.r_[starts, len(sorted_keys)])
    return np.arange(len(sorted_keys)) - np.repeat(starts, lengths)


def ordered(group: np.ndarray, other: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Row order by group, then score descending, then `other` ascending. A score that is a probability
    rounded to 6 decimals (the model's) packs with the two keys into one int64, sorted once; anything
    else (the first stage's cheap score) takes numpy's three-key lexsort."""
    micro = np.rint(score * 1e6)
    if (len(score) and group.max() < 1 << 23 and other.max() < 1 << 20 and group.min() >= 0 and other.min() >= 0
            and micro.min() >= 0 and micro.max() <= 1_000_000 and np.abs(score * 1e6 - micro).max() < 1e-3):
        key = (group.astype(np.int64) << 40) | ((1_000_000 - micro.astype(np.int64)) << 20) | other.astype(np.int64)
        return np.argsort(key, kind="stable")
    return np.lexsort((other, -score, group))


def top_per_group(group: np.ndarray, other: np.ndarray, score: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, rank): the best `n` rows of each group by score, ties by `other`; rank from 1."""
    order = ordered(group, other, score)
    position = _position_in_group(group[order])
    keep = position < n
    return order[keep], position[keep] + 1


def capped_lists(query: np.ndarray, product: np.ndarray, score: np.ndarray, k: int = LIST_LENGTH,
                 max_share: float = MAX_LIST_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """(rows, rank) of each business's list of at most `k` products, no product in more than
    `max_share` of the lists.

    Greedy and deterministic, over each list's best k + CAP_RESERVE candidates: take each list's top k; while a product is in more lists than its
    capacity, it keeps the lists that would lose the most without it (its score minus the score of the
    list's next candidate; a list with no next candidate loses the most) and leaves the others, whose
    next candidates move up. Repeats until no product is over capacity. A list may end shorter than k
    when its remaining candidates are all taken elsewhere, never filled with an ineligible product.
    """
    order = ordered(query, product, score)
    order = order[_position_in_group(query[order]) < k + CAP_RESERVE]
    q, p, s = query[order], product[order], score[order]
    starts = _group_starts(q)
    list_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(q)]))
    lists = len(starts)
    capacity = max(1, int(np.floor(max_share * lists))) if lists >= MIN_LISTS_FOR_CAP else lists
    allowed = np.ones(len(q), dtype=bool)
    while True:
        taken = np.cumsum(allowed)
        rank = taken - np.r_[0, taken][starts][list_of]  # 1-based rank among the allowed of its list
        top = allowed & (rank <= k)
        counts = np.bincount(p[top], minlength=int(p.max()) + 1 if len(p) else 1)
        over = counts > capacity
        if not over[p[top]].any():
            break
        following = np.full(lists, -np.inf)
        nxt = allowed & (rank == k + 1)
        following[list_of[nxt]] = s[nxt]
        loss = s - following[list_of]
        rows = np.flatnonzero(top & over[p])
        by_product = rows[np.lexsort((q[rows], -loss[rows], p[rows]))]
        allowed[by_product[_position_in_group(p[by_product]) >= capacity]] = False
    keep = np.flatnonzero(top)
    return order[keep], rank[keep]
