"""The pairs dbt prepares (intermediate.int_match_pairs_featured), read into numpy in record batches.

Every pair carries integers (query_seq, product_seq) rather than strings, and its features as float32
(NULL → NaN: XGBoost learns where a missing value goes). The profile's and the product's own facts, which
the reasons quote, are read once per query and per product (`query_facts`, `product_facts`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

PAIRS = "intermediate.int_match_pairs_featured"
QUERIES = "intermediate.int_match_queries_profiled"
PRODUCTS = "intermediate.int_match_products_in_force"
DATES = "intermediate.int_match_dates_fixed"

# The model's features, in its order, with the name a person reads (docs/matching.md, "Features").
FEATURES: tuple[tuple[str, str], ...] = (
    ("f_years_in_business", "经营年限"),
    ("f_size_rank", "企业规模"),
    ("f_tax_rank", "纳税信用等级"),
    ("f_judicial", "失信及强制执行"),
    ("f_penalties", "行政处罚"),
    ("f_leverage", "负债率"),
    ("f_overdue_24m", "近24个月逾期"),
    ("f_credit_score", "征信评分"),
    ("f_past_demands", "平台需求次数"),
    ("f_past_approved", "平台获批次数"),
    ("f_entity_type", "主体类型"),
    ("f_category", "产品类别"),
    ("f_product_draws_90d", "产品近90天放款"),
    ("f_product_approval_rate", "产品近6个月获批率"),
    ("f_product_listed_days", "产品上架天数"),
    ("f_counties_served", "产品覆盖县区数"),
    ("f_tax_margin", "纳税信用高出要求"),
    ("f_years_margin", "经营年限高出要求"),
    ("f_amount_position", "需求金额/产品最高额度"),
    ("f_collateral_cover", "资产/需求金额"),
    ("f_peer_approval_rate", "同行业同类产品获批率"),
    ("f_peer_demand_share", "同行业选择此类产品的比例"),
)
FEATURE_NAMES = tuple(name for name, _ in FEATURES)
FEATURE_INDEX = {name: n for n, name in enumerate(FEATURE_NAMES)}
# Per pair, beside the keys and the features, what each kind's readers use: the training (grade, weight),
# the evaluation (eligibility, the first stage, the baselines' scores), the scoring and its reasons.
EXTRA_COLUMNS = {
    "train": ("grade", "sample_weight"),
    "evaluate": ("grade", "is_eligible", "in_shortlist", "rules_score", "popularity_at_cutoff"),
    "score": ("cheap_score", "peer_decisions_182d"),
}
BATCH_ROWS = 1 << 20
KINDS = tuple(EXTRA_COLUMNS)


@dataclass
class Pairs:
    """Pairs of one kind (score, train or evaluate), row-aligned arrays."""

    query: np.ndarray  # int64 query_seq
    product: np.ndarray  # int64 product_seq
    X: np.ndarray  # float32, rows × features
    extra: dict[str, np.ndarray]  # EXTRA_COLUMNS of its kind

    def __len__(self) -> int:
        return len(self.query)

    def take(self, rows: np.ndarray) -> Pairs:
        return Pairs(self.query[rows], self.product[rows], self.X[rows],
                     {k: v[rows] for k, v in self.extra.items()})


def _as_float(column: pa.ChunkedArray | pa.Array, dtype=np.float32) -> np.ndarray:
    """A numeric or boolean Arrow column as floats, NULL as NaN."""
    if pa.types.is_boolean(column.type):
        column = pc.cast(column, pa.int8())
    return pc.cast(column, pa.float32() if dtype == np.float32 else pa.float64()).to_numpy(zero_copy_only=False)


def read_pairs(con: duckdb.DuckDBPyConnection, kind: str, order: bool = False) -> Pairs:
    """Every pair of `kind`, in record batches into preallocated arrays (one copy of the features)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of query {kind!r}")
    n = con.execute(f"select count(*) from {PAIRS} where query_kind = ?", [kind]).fetchall()[0][0]
    columns = ", ".join(("query_seq", "product_seq", *EXTRA_COLUMNS[kind], *FEATURE_NAMES))
    sql = f"select {columns} from {PAIRS} where query_kind = '{kind}'"
    if order:
        sql += " order by query_seq, product_seq"
    X = np.empty((n, len(FEATURE_NAMES)), dtype=np.float32)
    keys = {name: np.empty(n, dtype=np.int64) for name in ("query_seq", "product_seq")}
    extra = {name: np.empty(n, dtype=np.float64) for name in EXTRA_COLUMNS[kind]}
    at = 0
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    for batch in reader:
        rows = slice(at, at + batch.num_rows)
        for name in keys:
            keys[name][rows] = batch.column(name).to_numpy(zero_copy_only=False)
        for name in extra:
            extra[name][rows] = _as_float(batch.column(name), np.float64)
        for j, name in enumerate(FEATURE_NAMES):
            X[rows, j] = _as_float(batch.column(name))
        at += batch.num_rows
    if at != n:  # the pairs changed between the count and the read: never silently mis-sized
        raise RuntimeError(f"{PAIRS}: counted {n} pairs of kind {kind}, read {at}")
    return Pairs(keys["query_seq"], keys["product_seq"], X, extra)


def query_facts(con: duckdb.DuckDBPyConnection, kind: str) -> pa.Table:
    """One row per query of `kind`: who it is and the facts of its profile that a reason may quote."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of query {kind!r}")
    return con.sql(
        f"select query_seq, query_id, uscc, enterprise_name, county_code, city_code, entity_type, "
        f"industry_section, is_thin, tax_grade, years_in_business, size_class, credit_score, "
        f"typical_amount_yuan, assets_wan, leverage, overdue_24m, penalties_3y, past_approved, past_demands "
        f"from {QUERIES} where query_kind = '{kind}' order by query_seq").to_arrow_table()


def product_facts(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per product in force on the scoring date, with what a reason may quote."""
    return con.sql(
        f"select p.product_seq, p.product_id, p.product_name, p.institution_id, p.product_category, "
        f"p.tax_credit_min_grade, p.min_years_in_business, p.min_amount_yuan, p.max_amount_yuan, "
        f"p.disbursements_90d, p.approvals_182d, p.decisions_182d, p.listed_days, p.counties_served "
        f"from {PRODUCTS} as p inner join {DATES} as d on p.as_of_date = d.scoring_date "
        f"order by p.product_seq").to_arrow_table()


def product_ids(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    """product_id by product_seq (index 0 unused: the numbering starts at 1)."""
    rows = con.execute(f"select distinct product_seq, product_id from {PRODUCTS} order by 1").fetchall()
    out = np.empty((rows[-1][0] + 1) if rows else 1, dtype=object)
    for seq, pid in rows:
        out[seq] = pid
    return out
