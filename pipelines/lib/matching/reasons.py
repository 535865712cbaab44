"""推荐理由: the reasons of a recommendation, in Chinese, from the model's own per-feature contributions.

A pair's features are grouped by the fact they speak of (the tax grade and its margin over the product's
requirement are one fact). The groups that raised the pair's score most (positive contribution) become
its reasons, at most three, each written from the source data and only where the data bear it out: a
group whose fact is unknown, or says something unfavourable, is never a reason ("纳税信用A级" only where
the report's grade is A, "近24个月无逾期" only where the report shows no overdue loan). A thin profile
(冷启动, no lawful credit report) says so first. Vectorised: phrases are formatted per group over the rows
that chose it (polars), never per pair in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.lib.matching.features import FEATURE_INDEX

MAX_REASONS = 3
THIN = "冷启动：暂无合法征信报告，依据需求信息、产品与同行业表现推荐"
NO_MODEL = "历史需求不足，暂按准入规则与产品近期放款排序"
NO_ELIGIBLE = "无符合准入条件的产品"
MIN_DECISIONS = 5  # an approval rate is quoted only over at least this many decisions
PROVINCE_COUNTIES = 117
ENTITY_LABELS = {"企业": "小微企业", "个体工商户": "个体工商户", "其他": "该类市场主体"}


def _pct(column: str) -> pl.Expr:
    return (pl.col(column) * 100).round(0).cast(pl.Int64).cast(pl.String)


def _wan(column: str) -> pl.Expr:
    """An amount in 万元 as people write it: 80, 12.5 (one decimal, none when whole)."""
    value = pl.col(column).round(1)
    return pl.when(value == value.floor()).then(value.cast(pl.Int64).cast(pl.String)).otherwise(value.cast(pl.String))


def _years(column: str) -> pl.Expr:
    return pl.col(column).round(1).cast(pl.String)


@dataclass(frozen=True)
class Reason:
    features: tuple[str, ...]
    available: pl.Expr  # where the data bear the reason out
    phrase: pl.Expr


def _when(condition: pl.Expr, then: pl.Expr, otherwise: pl.Expr) -> pl.Expr:
    return pl.when(condition).then(then).otherwise(otherwise)


REASONS: tuple[Reason, ...] = (
    Reason(("f_tax_rank", "f_tax_margin"), pl.col("tax_grade").is_not_null(),
           _when(pl.col("req_grade").is_not_null(),
                 pl.format("纳税信用{}级，符合产品要求（{}级及以上）", "tax_grade", "req_grade"),
                 pl.format("纳税信用{}级", "tax_grade"))),
    Reason(("f_years_in_business", "f_years_margin"), pl.col("years").is_not_null(),
           _when(pl.col("min_years").is_not_null(),
                 pl.format("经营{}年，满足产品最低{}年要求", _years("years"), _years("min_years")),
                 pl.format("经营{}年", _years("years")))),
    Reason(("f_credit_score",), pl.col("credit_score").is_not_null(),
           pl.format("征信评分{}", pl.col("credit_score").cast(pl.Int64))),
    Reason(("f_judicial",), pl.col("judicial") == 0, pl.lit("无失信被执行、强制执行记录")),
    Reason(("f_overdue_24m",), pl.col("overdue_24m") == 0, pl.lit("近24个月无逾期")),
    Reason(("f_penalties",), pl.col("penalties") == 0, pl.lit("近3年无行政处罚")),
    Reason(("f_leverage",), pl.col("leverage") < 1.0,
           _when(pl.col("leverage") == 0, pl.lit("当前无贷款余额"),
                 pl.format("负债率{}%（贷款余额/营业收入）", _pct("leverage")))),
    Reason(("f_size_rank",), pl.col("size_class").is_not_null(),
           pl.format("按中小企业划型标准为{}", pl.col("size_class"))),
    Reason(("f_past_demands", "f_past_approved"), pl.col("past_demands") > 0,
           _when(pl.col("past_approved") > 0,
                 pl.format("曾在平台获批{}次", pl.col("past_approved").cast(pl.Int64)),
                 pl.format("在平台有{}次融资需求记录", pl.col("past_demands").cast(pl.Int64)))),
    Reason(("f_entity_type",), pl.col("entity_type").is_not_null(),
           pl.format("{}属于产品服务对象", pl.col("entity_type").replace_strict(ENTITY_LABELS, default="该主体"))),
    Reason(("f_category", "f_peer_demand_share"), pl.col("peer_share") > 0,
           pl.format("同行业近6个月{}%的需求选择{}", _pct("peer_share"), pl.col("category"))),
    Reason(("f_peer_approval_rate",),
           pl.col("peer_rate").is_not_null() & (pl.col("peer_decisions") >= MIN_DECISIONS),
           pl.format("同行业近6个月{}获批率{}%", pl.col("category"), _pct("peer_rate"))),
    Reason(("f_product_draws_90d",), pl.col("draws_90d") > 0,
           pl.format("该产品近90天放款{}笔", pl.col("draws_90d").cast(pl.Int64))),
    Reason(("f_product_approval_rate",), pl.col("decisions_182d") >= MIN_DECISIONS,
           pl.format("该产品近6个月获批率{}%", _pct("product_rate"))),
    Reason(("f_product_listed_days",), pl.col("listed_days") < 90,
           pl.format("新上架产品（{}天）", pl.col("listed_days").cast(pl.Int64))),
    Reason(("f_counties_served",), pl.col("counties_served") < PROVINCE_COUNTIES,
           pl.format("区域性产品，服务所在县区等{}个县区", pl.col("counties_served").cast(pl.Int64))),
    Reason(("f_amount_position",), pl.col("amount_wan").is_not_null() & pl.col("max_wan").is_not_null(),
           pl.format("需求金额{}万元，在产品额度{}–{}万元之内", _wan("amount_wan"), _wan("min_wan"), _wan("max_wan"))),
    Reason(("f_collateral_cover",), pl.col("collateral_cover") >= 0.5,
           pl.format("资产{}万元，为需求金额的{}倍", _wan("assets_wan"), pl.col("collateral_cover").round(1).cast(pl.String))),
)


def _group_contributions(contributions: np.ndarray) -> np.ndarray:
    """Rows × reasons: each reason's features' contributions summed in float64, in a fixed order (a BLAS
    product's summation order may vary with the matrix' shape and threads; a near-tie must not flip)."""
    out = np.zeros((contributions.shape[0], len(REASONS)))
    for g, reason in enumerate(REASONS):
        for name in reason.features:
            out[:, g] += contributions[:, FEATURE_INDEX[name]]
    return out


def explain(facts: pl.DataFrame, contributions: np.ndarray | None) -> pl.Series:
    """One reasons string per row of `facts` (the columns REASONS read, `is_thin`), from the rows'
    contributions (rows × features + bias); None: no model, the rules ranked the list."""
    n = facts.height
    if contributions is None:
        return pl.Series("reasons", [NO_MODEL] * n, dtype=pl.String)
    weight = _group_contributions(contributions)
    available = facts.select([r.available.fill_null(False).alias(str(g)) for g, r in enumerate(REASONS)])
    weight[~available.to_numpy().astype(bool) | (weight <= 0)] = -np.inf
    chosen = np.empty((n, MAX_REASONS), dtype=np.int64)
    valid = np.empty((n, MAX_REASONS), dtype=bool)
    for slot in range(MAX_REASONS):  # the largest, then the next: argmax keeps the first of equals
        chosen[:, slot] = weight.argmax(axis=1)
        taken = np.take_along_axis(weight, chosen[:, slot:slot + 1], axis=1)
        valid[:, slot] = taken[:, 0] > -np.inf
        np.put_along_axis(weight, chosen[:, slot:slot + 1], -np.inf, axis=1)
    thin = facts["is_thin"].fill_null(False).to_numpy()
    valid[:, MAX_REASONS - 1] &= ~thin  # a thin profile's first line is THIN: it keeps two reasons of its own
    slots = [pl.Series(f"s{j}", [None] * n, dtype=pl.String) for j in range(MAX_REASONS)]
    for g, reason in enumerate(REASONS):
        picked = valid & (chosen == g)
        rows = np.flatnonzero(picked.any(axis=1))
        if not len(rows):
            continue
        needed = dict.fromkeys(["is_thin", *reason.phrase.meta.root_names()])  # never no column: a height
        inputs = facts.select(list(needed))[rows]
        phrase = inputs.with_columns(reason.phrase.alias("_phrase"))["_phrase"]  # a constant phrase broadcast
        for slot in range(MAX_REASONS):
            at = np.flatnonzero(picked[rows, slot])
            if len(at):
                slots[slot].scatter(rows[at], phrase.gather(at))
    first = pl.Series("thin", [None] * n, dtype=pl.String).scatter(np.flatnonzero(thin), THIN)
    parts = pl.DataFrame([first, *slots])
    return parts.select(pl.concat_str(parts.columns, separator="；", ignore_nulls=True).alias("reasons")).to_series()
