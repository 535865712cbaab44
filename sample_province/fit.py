"""How well a business fits a product: the hidden rules behind which product a demand names and how far it
goes (docs/matching.md, "The sample province's rules"). The matching model never reads this module; it
has to learn these rules from the feeds.

Everything here works on whole columns (numpy): rows are demands, columns of a matrix are products.
"""

from __future__ import annotations

import numpy as np

# The lenders' view of each (industry section, product category): what a category is made for.
# 供应链金融 and 票据融资 follow the trade of goods; 抵押贷款 needs property; 质押贷款 pledges receivables
# or patents; 担保贷款 is the government guarantee scheme aimed at farms and small shops.
CATEGORIES = ["信用贷款", "担保贷款", "抵押贷款", "质押贷款", "供应链金融", "票据融资"]
SECTION_AFFINITY = {
    "信用贷款": {"I": 0.4, "M": 0.4, "F": 0.2, "B": -0.3, "E": -0.3},
    "担保贷款": {"A": 0.8, "O": 0.3, "H": 0.3, "F": 0.2},
    "抵押贷款": {"C": 0.6, "E": 0.6, "K": 0.5, "H": 0.4, "I": -0.6, "O": -0.4},
    "质押贷款": {"C": 0.5, "I": 0.7, "M": 0.6, "A": -0.5, "H": -0.5},
    "供应链金融": {"C": 0.9, "F": 0.9, "G": 0.6, "B": 0.4, "A": -0.6, "H": -0.8, "O": -0.8, "P": -0.8, "Q": -0.8},
    "票据融资": {"C": 0.9, "F": 0.7, "E": 0.5, "B": 0.5, "A": -0.8, "H": -1.0, "O": -1.0, "P": -1.0, "Q": -1.0},
}
SECTIONS = "ABCDEFGHIJKLMNOPQRST"
TAX_RANK = {"A": 1, "B": 2, "M": 3, "C": 4, "D": 5, "": 9}

# Coefficients of the approval logit (log-odds of 授信 for an accepted demand).
APPROVAL_BASE = 2.5
SCORE_PER_40 = 0.9  # per 40 points of credit score above 680
TAX_BELOW_REQUIREMENT = -2.2
YEARS_BELOW_MINIMUM = -1.8
DISHONEST = -3.0
ENFORCEMENT_EACH = -0.6
PENALTY_EACH = -0.3
OVERDUE_EACH = -0.7
LEVERAGE_ABOVE_08 = -0.9  # per unit of outstanding loans / revenue above 0.8
NEAR_THE_CEILING = -1.0  # the amount asked is above 80% of the product's ceiling
AFFINITY_WEIGHT = 0.8


def section_index(industry_codes: np.ndarray) -> np.ndarray:
    """Index into SECTIONS of each code's first letter; len(SECTIONS) for anything else."""
    letters = np.array(list(SECTIONS))
    first = np.char.upper(np.asarray(industry_codes, dtype=str).astype("<U1"))
    idx = np.searchsorted(letters, first)
    found = (idx < len(letters)) & (letters[np.minimum(idx, len(letters) - 1)] == first)
    return np.where(found, idx, len(letters))


def affinity_table() -> np.ndarray:
    """(sections + 1) × categories; the last row is an unknown section (no affinity)."""
    table = np.zeros((len(SECTIONS) + 1, len(CATEGORIES)))
    for c, category in enumerate(CATEGORIES):
        for letter, value in SECTION_AFFINITY[category].items():
            table[SECTIONS.index(letter), c] = value
    return table


def category_index(categories) -> np.ndarray:
    """Index into CATEGORIES; a category outside the list (never chosen) maps to 0."""
    known = {c: n for n, c in enumerate(CATEGORIES)}
    return np.array([known.get(c, 0) for c in categories], dtype=np.int64)


def tax_rank(grades) -> np.ndarray:
    return np.array([TAX_RANK.get(g, 9) for g in grades], dtype=np.int64)


def choice_affinity(section: np.ndarray, amount_wan: np.ndarray, tax: np.ndarray, years: np.ndarray,
                    assets_wan: np.ndarray, individual: np.ndarray, products: dict) -> np.ndarray:
    """Rows × products: log-weight added to a lender's weight when a business picks a product.

    Businesses read the shelf: they favour products made for their trade and their amount, and mostly
    avoid products whose published requirements (tax grade, years in business) they miss, or that want
    property they do not have.
    """
    affinity = affinity_table()[section][:, products["category"]]
    low, high = products["min_wan"][None, :], products["max_wan"][None, :]
    amount = amount_wan[:, None]
    outside = np.where(amount > high, np.log(amount / high), np.where(amount < low, np.log(low / amount), 0.0))
    misses_tax = tax[:, None] > products["tax_rank"][None, :]
    misses_years = years[:, None] < products["min_years"][None, :]
    mortgage = products["category"][None, :] == CATEGORIES.index("抵押贷款")
    no_property = (assets_wan[:, None] < 0.5 * amount) | individual[:, None]
    local = products["local"][None, :]
    return (1.2 * affinity - 0.8 * np.minimum(outside, 2.0) - 1.0 * misses_tax - 0.8 * misses_years
            - 0.8 * (mortgage & no_property) + 0.5 * local)


def approval_logit(profile: dict, product: dict, requested_wan: np.ndarray, strictness: np.ndarray) -> np.ndarray:
    """Per demand: log-odds that an accepted demand is approved (授信). `product` holds per-demand arrays
    of the chosen product (has_product False for a general demand, which meets no product rule)."""
    p = product
    score = (profile["score"] - 680) / 40
    leverage = profile["outstanding_wan"] / np.maximum(profile["revenue_wan"], 1.0)
    cat = p["category"]
    has = p["has_product"]
    credit = has & (cat == CATEGORIES.index("信用贷款"))
    guarantee = has & (cat == CATEGORIES.index("担保贷款"))
    mortgage = has & (cat == CATEGORIES.index("抵押贷款"))
    affinity = np.where(has, affinity_table()[profile["section"], cat], 0.0)
    z = (APPROVAL_BASE + SCORE_PER_40 * score
         + TAX_BELOW_REQUIREMENT * (has & (profile["tax_rank"] > p["tax_rank"]))
         + YEARS_BELOW_MINIMUM * (has & (profile["years"] < p["min_years"]))
         + DISHONEST * profile["dishonest"]
         + ENFORCEMENT_EACH * np.minimum(profile["enforcement_cases"], 3)
         + PENALTY_EACH * np.minimum(profile["penalties"], 3)
         + OVERDUE_EACH * np.minimum(profile["overdue_24m"], 3)
         + LEVERAGE_ABOVE_08 * np.clip(leverage - 0.8, 0.0, 3.0)
         + NEAR_THE_CEILING * (has & (requested_wan > 0.8 * p["max_wan"]))
         + AFFINITY_WEIGHT * affinity
         # 信用贷款 rests on the tax record and the score; a micro business rarely gets one
         + credit * (0.6 * (profile["tax_rank"] == 1) + 0.4 * score - 0.5 * (profile["employees"] < 10))
         # 担保贷款: the guarantee body carries part of the risk, the score matters less
         + guarantee * (0.5 - 0.5 * score)
         # 抵押贷款: property worth half the amount asked, which a 个体工商户 seldom has
         + mortgage * np.where((profile["assets_wan"] >= 0.5 * requested_wan) & ~profile["individual"], 0.8, -0.9)
         + np.where(has, strictness, 0.0))
    return z


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))
