"""匹配推荐 (docs/matching.md): the run, its evaluation, one enterprise's recommendations, one product's
prospects — always scoped.

- ``marts.match_model``, ``marts.match_evaluation``: the model and its held-out figures (province-wide
  figures: the province scope only);
- ``marts.dim_enterprise``: the profiles, by which a city office is kept to its own city's enterprises;
- ``marts.match_recommendations`` and ``marts.product_prospects``, named with ``marts.dim_product`` and
  ``marts.dim_institution``. A city office sees a product's prospects in its own city only.
"""

from __future__ import annotations

import pandas as pd

from dashboards.queries._db import has_table, query
from dashboards.queries._guard import requires
from dashboards.scope import ScopeError, Viewer

MODEL = "marts.match_model"
EVALUATION = "marts.match_evaluation"
ENTERPRISES = "marts.dim_enterprise"
RECOMMENDATIONS = "marts.match_recommendations"
PROSPECTS = "marts.product_prospects"
PRODUCT_NAMES = ("left join (select product_id, any_value(product_name) as product_name, any_value(product_category) "
                 "as product_category, any_value(institution_id) as institution_id from marts.dim_product group by 1) "
                 "as p using (product_id) left join (select institution_id, any_value(institution_name) as "
                 "institution_name from marts.dim_institution group by 1) as i using (institution_id)")
ENTERPRISE_COLUMNS = ("uscc, enterprise_name, entity_type, county_code, county_name, city_code, industry_section, "
                      "is_thin, size_class, tax_grade, years_in_business, credit_score, typical_amount_wan, "
                      "past_demands, past_approved, unanswered_demands, report_date, scored_at")


@requires("matching")
def available(viewer: Viewer) -> bool:
    return has_table(RECOMMENDATIONS, "uscc", "reasons") and has_table(ENTERPRISES, "uscc", "city_code")


@requires("matching")
def run_info(viewer: Viewer) -> dict:
    """The model that scored the warehouse: scoring date, cut-off, training window, file."""
    if not has_table(MODEL, "model_file"):
        return {}
    df = query(f"select * from {MODEL} limit 1")
    return {} if df.empty else df.iloc[0].to_dict()


@requires("matching")
def evaluation(viewer: Viewer) -> pd.DataFrame:
    """section, method, metric, value, bin_lower, bin_upper, pairs: the held-out figures (province scope)."""
    viewer.check_grain("province")
    if not has_table(EVALUATION, "method", "metric"):
        return pd.DataFrame(columns=["section", "method", "metric", "value", "bin_lower", "bin_upper", "pairs"])
    return query(f"select section, method, metric, value, bin_lower, bin_upper, pairs from {EVALUATION} "
                 "order by section, method, metric, bin_lower nulls first")


def _city_clause(viewer: Viewer) -> tuple[str, list]:
    return ("true", []) if viewer.is_province else ("e.city_code = ?", [viewer.scope])


@requires("matching")
def find_enterprises(viewer: Viewer, text: str, limit: int = 50) -> pd.DataFrame:
    """Enterprises in the viewer's scope whose USCC starts with ``text`` or whose name contains it."""
    text = (text or "").strip()
    if not text or not available(viewer):
        return pd.DataFrame(columns=ENTERPRISE_COLUMNS.split(", "))
    where, params = _city_clause(viewer)
    return query(
        f"select {ENTERPRISE_COLUMNS} from {ENTERPRISES} as e where {where} "
        "and (starts_with(upper(e.uscc), upper(?)) or contains(e.enterprise_name, ?)) "
        "order by e.uscc = upper(?) desc, e.enterprise_name, e.uscc limit ?",
        [*params, text, text, text, limit],
    )


@requires("matching")
def unanswered_enterprises(viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    """Enterprises in the viewer's scope with a demand still unanswered on the scoring date, most first."""
    if not available(viewer):
        return pd.DataFrame(columns=ENTERPRISE_COLUMNS.split(", "))
    where, params = _city_clause(viewer)
    return query(
        f"select {ENTERPRISE_COLUMNS} from {ENTERPRISES} as e where {where} and e.unanswered_demands > 0 "
        "order by e.unanswered_demands desc, e.uscc limit ?",
        [*params, limit],
    )


@requires("matching")
def enterprise(viewer: Viewer, uscc: str) -> dict:
    """One enterprise's profile; ScopeError when it is in another city than the viewer's."""
    if not available(viewer):
        return {}
    df = query(f"select {ENTERPRISE_COLUMNS} from {ENTERPRISES} as e where e.uscc = ?", [uscc])
    if df.empty:
        return {}
    row = df.iloc[0].to_dict()
    if not viewer.is_province and row.get("city_code") != viewer.scope:
        raise ScopeError(f"当前查看范围为{viewer.label}，无权查看其他城市企业的匹配推荐。")
    return row


@requires("matching")
def recommendations(viewer: Viewer, uscc: str) -> pd.DataFrame:
    """The enterprise's list: rank, product (name, category, institution), score, reasons. A single row
    with no product says that no listed product meets its eligibility rules."""
    if not enterprise(viewer, uscc):
        return pd.DataFrame(columns=["rank", "product_id", "product_name", "product_category", "institution_name",
                                     "score", "reasons"])
    return query(
        "select r.rank, r.product_id, p.product_name, p.product_category, i.institution_name, r.score, r.reasons "
        f"from {RECOMMENDATIONS} as r {PRODUCT_NAMES} where r.uscc = ? order by r.rank nulls first",
        [uscc],
    )


@requires("matching")
def prospect_products(viewer: Viewer) -> pd.DataFrame:
    """The products that have prospects in the viewer's scope: product_id, name, category, institution."""
    if not has_table(PROSPECTS, "product_id", "uscc"):
        return pd.DataFrame(columns=["product_id", "product_name", "product_category", "institution_name"])
    where, params = _city_clause(viewer)
    return query(
        "select distinct x.product_id, p.product_name, p.product_category, i.institution_name "
        f"from {PROSPECTS} as x inner join {ENTERPRISES} as e using (uscc) "
        f"{PRODUCT_NAMES} "
        f"where {where} order by x.product_id",
        params,
    )


@requires("matching")
def prospects(viewer: Viewer, product_id: str) -> pd.DataFrame:
    """The product's best prospects (at most 100) in the viewer's scope, by rank."""
    if not has_table(PROSPECTS, "product_id", "uscc"):
        return pd.DataFrame()
    where, params = _city_clause(viewer)
    return query(
        "select x.rank, x.uscc, e.enterprise_name, e.county_name, e.entity_type, e.is_thin, x.score, x.reasons "
        f"from {PROSPECTS} as x inner join {ENTERPRISES} as e using (uscc) "
        f"where x.product_id = ? and {where} order by x.rank",
        [product_id, *params],
    )
