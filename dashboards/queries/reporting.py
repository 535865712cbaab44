"""Application- and product-level marts for the city pages and the monthly report, always scoped.

- ``marts.rpt_overdue_demands``: the applications behind R04 (masked columns only);
- ``marts.fct_listed_products`` + ``marts.dim_product`` + ``marts.dim_institution``: the shelf and its
  compliance; a city office sees the products of its own city's institutions only;
- ``marts.dq_alerts`` (the quality issue's table, read only if present): a city's compliance alerts;
  "open" = not resolved in the stewards' workflow store (read through ``queries.workflow``).
"""

from __future__ import annotations


import pandas as pd

from dashboards.queries import workflow
from dashboards.queries._db import columns, has_table, query
from dashboards.queries._guard import requires
from dashboards.scope import ScopeError, Viewer

OVERDUE = "marts.rpt_overdue_demands"
LISTED = "marts.fct_listed_products"
ALERTS = "marts.dq_alerts"
RULE_CATALOG = "marts.dq_rule_catalog"


def listing_rule_labels() -> dict[str, str]:
    """The listing rules' flag columns of ``marts.fct_listed_products`` → their short Chinese labels (seed
    dq_rules, published as marts.dq_rule_catalog), in the fact table's column order."""
    labels = dict(query(f"select listing_flag, listing_label_zh from {RULE_CATALOG} "
                        "where listing_flag is not null").itertuples(index=False, name=None))
    return {c: labels[c] for c in columns(LISTED) if c in labels}


@requires("indicators")
def overdue_demands(viewer: Viewer, city: str, period: str) -> pd.DataFrame:
    """The city's overdue unanswered demands at the end of ``period`` (R04's applications), oldest first."""
    viewer.check_city(city)
    if not has_table(OVERDUE, "application_id", "city_code"):
        return pd.DataFrame()
    return query(
        "select application_id, county_code, county_name, submitted_at, response_deadline_date, "
        "days_past_deadline, amount_wan, entity_type, industry_section, uscc_masked, product_id, "
        "product_name, product_category, product_institution_id, product_institution_name "
        f"from {OVERDUE} where period = ? and city_code = ? order by submitted_at, application_id",
        [period, city],
    )


def _product_scope(viewer: Viewer, city: str | None) -> tuple[str, list]:
    if city is not None:
        viewer.check_city(city)
        return "l.city_code = ?", [city]
    if not viewer.is_province:
        return "l.city_code = ?", [viewer.scope]
    return "true", []


@requires("indicators")
def listed_products(
    viewer: Viewer,
    period: str,
    *,
    city: str | None = None,
    institution: str | None = None,
    category: str | None = None,
) -> pd.DataFrame:
    """Products 上架 in the register in force at the end of ``period``, with the rules each breaks (a flag
    column each), ``compliance`` (合规 / 违规) and ``violation_reasons`` (the broken rules' labels).

    A city office sees only products of its city's institutions; ``city`` narrows the province view.
    """
    if not has_table(LISTED, "product_id", "is_violation"):
        return pd.DataFrame()
    where, params = _product_scope(viewer, city)
    clauses, params = [where, "l.period = ?"], [*params, period]
    if institution:
        clauses.append("l.institution_id = ?")
        params.append(institution)
    if category:
        clauses.append("l.product_category = ?")
        params.append(category)
    labels = listing_rule_labels()
    rules = ", ".join(f"l.{c}" for c in labels)
    products = query(
        "select l.product_id, p.product_name, l.product_category, l.institution_id, i.institution_name, "
        "l.city_code, p.guarantee_type, p.min_amount_wan, p.max_amount_wan, p.rate_floor_pct, "
        f"p.rate_cap_pct, p.listed_date, l.snapshot_date, l.is_violation, {rules} "
        f"from {LISTED} as l left join marts.dim_product as p on p.product_id = l.product_id "
        "left join (select institution_id, any_value(institution_name) as institution_name "
        "from marts.dim_institution group by 1) as i on i.institution_id = l.institution_id "
        "where " + " and ".join(clauses) + " order by l.is_violation desc, l.product_category, l.product_id",
        params,
    )
    broken = products[list(labels)].fillna(False).astype(bool)
    return products.assign(
        compliance=products["is_violation"].map(lambda v: "违规" if v else "合规"),
        violation_reasons=broken.apply(lambda r: "；".join(label for c, label in labels.items() if r[c]), axis=1)
        if not products.empty else pd.Series(dtype=str),
    )


@requires("indicators")
def shelf_history(viewer: Viewer, *, city: str | None = None) -> pd.DataFrame:
    """period, product_category, listed, violations: the shelf at each month end, in the viewer's scope."""
    if not has_table(LISTED, "product_id", "is_violation"):
        return pd.DataFrame(columns=["period", "product_category", "listed", "violations"])
    where, params = _product_scope(viewer, city)
    return query(
        "select l.period, l.product_category, count(*) as listed, count(*) filter (where l.is_violation) "
        f"as violations from {LISTED} as l where {where} group by 1, 2 order by 1, 2",
        params,
    )


@requires("indicators")
def product_periods(viewer: Viewer) -> list[str]:
    if not has_table(LISTED, "period"):
        return []
    return [str(p) for p in query(f"select distinct period from {LISTED} order by 1")["period"]]


@requires("indicators")
def institution_profile(viewer: Viewer, institution_id: str) -> dict:
    """One institution's register entry (province scope; a city office: only its city's institutions)."""
    if not has_table("marts.dim_institution", "institution_id", "city_code", "onboarding_status"):
        return {}
    df = query(
        "select institution_id, institution_name, institution_type, division_code, city_code, "
        "onboarding_status, approved_date, agreement_signed_date, agreement_expiry_date, last_snapshot_date "
        "from marts.dim_institution where institution_id = ? limit 1",
        [institution_id],
    )
    if df.empty:
        return {}
    row = df.iloc[0].to_dict()
    if not viewer.is_province and row.get("city_code") != viewer.scope:
        raise ScopeError(f"当前查看范围为{viewer.label}，无权查看机构 {institution_id} 的详情。")
    return row


@requires("indicators")
def city_alerts(viewer: Viewer, city: str) -> pd.DataFrame | None:
    """The city's open compliance alerts from marts.dq_alerts; None when that table does not exist."""
    viewer.check_city(city)
    if not has_table(ALERTS, "alert_id", "city_code"):
        return None
    df = query(
        "select alert_id, rule_code, severity, feed_or_model, entity_type, entity_key, city_code, "
        f"first_seen, last_seen, occurrences, detail from {ALERTS} where city_code = ? "
        "order by severity, last_seen desc, alert_id",
        [city],
    )
    resolved = workflow.resolved([str(a) for a in df["alert_id"]])
    return df[~df["alert_id"].astype(str).isin(resolved)].reset_index(drop=True)


@requires("indicators")
def institution_register(viewer: Viewer) -> pd.DataFrame:
    """institution_id, institution_name, institution_type, city_code of every institution in the register
    (province scope; a city office: its own city's institutions)."""
    if not has_table("marts.dim_institution", "institution_id", "institution_type", "city_code"):
        return pd.DataFrame(columns=["institution_id", "institution_name", "institution_type", "city_code"])
    where, params = ("true", []) if viewer.is_province else ("city_code = ?", [viewer.scope])
    return query(
        "select cast(institution_id as varchar) as institution_id, institution_name, institution_type, city_code "
        f"from marts.dim_institution where {where} order by institution_id",
        params,
    )


ACTIVITY_COLUMNS = ["rule_code", "rule_name", "severity", "opened", "resolved", "unresolved"]


@requires("indicators")
def alert_activity(viewer: Viewer, period: str) -> pd.DataFrame:
    """Per rule: alerts first evidenced in ``period`` (opened), alerts a steward resolved in that calendar
    month (resolved, from the workflow store's history), and alerts evidenced by the month's end that
    are not resolved now (unresolved). A city office: its city's alerts only."""
    if not has_table(ALERTS, "alert_id", "first_seen", "city_code"):
        return pd.DataFrame(columns=ACTIVITY_COLUMNS)
    where, params = ("true", []) if viewer.is_province else ("a.city_code = ?", [viewer.scope])
    alerts = query(
        "select a.alert_id, a.rule_code, coalesce(r.name_zh, a.rule_code) as rule_name, a.severity, "
        "strftime(a.first_seen, '%Y-%m') as first_month "
        f"from {ALERTS} as a left join marts.dq_rule_catalog as r on r.rule_code = a.rule_code where {where}",
        params,
    )
    ids = [str(a) for a in alerts["alert_id"]]
    resolved_ids = workflow.resolved(ids)
    in_month = workflow.resolved_in_month(ids, period)
    alerts = alerts.assign(
        opened=alerts["first_month"] == period,
        resolved=alerts["alert_id"].astype(str).isin(in_month),
        unresolved=(alerts["first_month"] <= period) & ~alerts["alert_id"].astype(str).isin(resolved_ids),
    )
    out = alerts.groupby(["rule_code", "rule_name", "severity"], as_index=False)[["opened", "resolved", "unresolved"]].sum()
    out = out[(out[["opened", "resolved", "unresolved"]] > 0).any(axis=1)]
    order = {"critical": 0, "warning": 1, "info": 2}
    return out.sort_values(["severity", "rule_code"], key=lambda s: s.map(order) if s.name == "severity" else s,
                           kind="stable").reset_index(drop=True)[ACTIVITY_COLUMNS]
