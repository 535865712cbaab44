"""Quality and compliance alerts: ``marts.dq_alerts``, the rule catalog, and the rows behind an alert.

Scope: a city viewer sees the alerts of its own city only; alerts with no city (files, feeds, months,
products of an institution absent from the register) belong to the province. The evidence of an alert
is read only after the alert itself passed the viewer's scope. Personal information never appears:
quarantined records are masked upstream, and no query here selects a PII column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboards.queries._guard import requires
from dashboards.queries._db import has_table, query
from dashboards.scope import ScopeError, Viewer

ALERTS = "marts.dq_alerts"
RULES = "marts.dq_rule_catalog"
ALERT_COLUMNS = ["alert_id", "rule_code", "severity", "feed_or_model", "entity_type", "entity_key", "city_code",
                 "first_seen", "last_seen", "occurrences", "detail"]
RULE_COLUMNS = ["rule_code", "name_zh", "severity", "owner_role", "family", "feed_or_model", "enforces", "params"]

PRODUCT_RULES = {"product_category_not_allowed", "product_individual_only", "institution_not_onboarded",
                 "agreement_unsigned", "agreement_expired", "product_institution_missing"}


def available() -> bool:
    """Whether the published warehouse carries the alerts (a warehouse built before them does not)."""
    return has_table(ALERTS, *ALERT_COLUMNS)


def _scope_clause(viewer: Viewer) -> tuple[str, list]:
    return ("true", []) if viewer.is_province else ("a.city_code = ?", [viewer.scope])


@requires("quality")
def rules(viewer: Viewer) -> pd.DataFrame:
    """The rule catalog (seed dq_rules, published as marts.dq_rule_catalog)."""
    if not has_table(RULES, "rule_code"):
        return pd.DataFrame(columns=RULE_COLUMNS)
    return query(f"select {', '.join(RULE_COLUMNS)} from {RULES} order by family, rule_code")


@requires("quality")
def alerts(viewer: Viewer) -> pd.DataFrame:
    """The viewer's alerts with the rule's Chinese name, owner and family, newest evidence first."""
    if not available():
        return pd.DataFrame(columns=ALERT_COLUMNS + ["rule_name", "owner_role", "family"])
    where, params = _scope_clause(viewer)
    return query(
        f"select a.*, r.name_zh as rule_name, r.owner_role, r.family from {ALERTS} as a "
        f"left join {RULES} as r on r.rule_code = a.rule_code where {where} "
        "order by case a.severity when 'critical' then 0 when 'warning' then 1 else 2 end, a.last_seen desc, "
        "a.alert_id",
        params,
    )


def reconcile_marks() -> list[tuple]:
    """(alert_id, last_seen, occurrences) of every alert, whatever the viewer's scope: the workflow store
    is reconciled against all alerts (a city view must not make the others look vanished). Ids and data
    times only, nothing a city viewer could read out of scope."""
    if not available():
        return []
    frame = query(f"select alert_id, last_seen, occurrences from {ALERTS}")
    return [(r.alert_id, r.last_seen, r.occurrences) for r in frame.itertuples(index=False)]


@requires("quality")
def alert(viewer: Viewer, alert_id: str) -> dict | None:
    """One alert, or None if it does not exist; ScopeError if it exists outside the viewer's scope."""
    if not available():
        return None
    found = query(f"select * from {ALERTS} where alert_id = ?", [alert_id])
    if found.empty:
        return None
    row = found.iloc[0].to_dict()
    city = row.get("city_code")
    if not viewer.is_province and (city is None or pd.isna(city) or city != viewer.scope):
        raise ScopeError(f"当前查看范围为{viewer.label}，无权查看该告警（属于全省或其他地市）。")
    return row


@dataclass(frozen=True)
class Evidence:
    """How to find the rows behind one rule's alert: ``sql`` with ``?`` for ``params(entity_key, alert)``
    and then, where the statement ends in ``limit ?``, the row limit."""

    sql: str
    params: Callable[[str, dict], list]


def _by_key(key: str, _alert: dict) -> list:
    return [key]


def _within_window(key: str, alert: dict) -> list:
    feed = key if alert["rule_code"] == "feed_stale" else key.rsplit("_", 1)[0]
    return [feed, alert["first_seen"], alert["last_seen"]]


_FEED_DELIVERIES = Evidence(
    "select feed, file_name, business_date, status, rows_in, loaded_at from audit.ingest_files "
    "where feed = ? and business_date between cast(? as date) - 7 and cast(? as date) + 7 "
    "order by business_date, loaded_at limit ?", _within_window)
_PRODUCT_LISTINGS = Evidence(
    "select snapshot_date, product_id, product_name, product_category, service_targets, listing_status, "
    "institution_id, institution_name, onboarding_status, agreement_signed_date, agreement_expiry_date "
    "from marts.dq_product_listings where product_id = ? order by snapshot_date limit ?", _by_key)

# The evidence of each rule of seed dq_rules (docs/quality.md), personal information masked or absent.
EVIDENCE: dict[str, Evidence] = {
    "contract_rows_quarantined": Evidence(
        "select feed, file_name, row_number, record_key, rule, detail, raw_record from audit.quarantine "
        "where file_name = ? and rule = ? order by row_number limit ?",
        lambda key, _alert: [key.partition("#")[0], key.partition("#")[2]]),
    "file_refused": Evidence(
        "select feed, file_name, business_date, status, message, rows_in, loaded_at "
        "from audit.ingest_files where file_name = ? order by loaded_at", _by_key),
    "feed_stale": _FEED_DELIVERIES,
    "daily_file_missing": _FEED_DELIVERIES,
    "contract_suite_failed": Evidence(
        "select feed, table_name, run_at, first_partition, last_partition, rows, evaluated, failed "
        "from marts.dq_contract_suite_failures where table_name = ? order by run_at limit ?",
        lambda key, _alert: [key.partition("#")[0]]),
    # the city's silence beside the other cities' demands over the same days
    "city_demands_silent": Evidence(
        "select city_code, count(*) as demands from marts.fct_applications "
        "where submitted_date between cast(? as date) and cast(? as date) and city_code is not null "
        "group by city_code order by city_code", lambda _key, alert: [alert["first_seen"], alert["last_seen"]]),
    **dict.fromkeys(PRODUCT_RULES, _PRODUCT_LISTINGS),
    "unlawful_credit_queries": Evidence(
        "select report_id, queried_at, institution_id, uscc, authorization_id, unlawful_reason, city_code, "
        "file_name, row_number from marts.fct_credit_queries "
        "where institution_id = ? and uscc = ? and not is_lawful order by queried_at limit ?",
        lambda key, _alert: [key.partition(">")[0], key.partition(">")[2]]),
    "demands_unanswered_overdue": Evidence(
        "select application_id, submitted_at, enterprise_name, county_code, product_id, amount_yuan, "
        "response_deadline_at from marts.fct_applications where product_institution_id = ? "
        "and first_answer_at is null and response_deadline_at <= ? order by response_deadline_at limit ?",
        lambda key, alert: [key, alert["last_seen"]]),
    "amount_out_of_product_range": Evidence(
        "select e.application_id, e.event_id, e.event_type, e.event_time, e.amount_yuan, a.product_id, "
        "p.min_amount_wan, p.max_amount_wan from marts.fct_application_events as e "
        "inner join marts.fct_applications as a using (application_id) "
        "left join marts.dim_product as p on p.product_id = a.product_id "
        "where e.application_id = ? and e.amount_yuan is not null order by e.event_time limit ?", _by_key),
    "calendar_unknown": Evidence(
        "select period, month_start, month_last_day, calendar_known, working_days from marts.dim_month "
        "where period = ?", _by_key),
}


@requires("quality")
def evidence(viewer: Viewer, alert_id: str, limit: int = 200) -> pd.DataFrame:
    """The rows behind an alert (PII masked or absent), at most ``limit``."""
    row = alert(viewer, alert_id)
    if row is None or row["rule_code"] not in EVIDENCE:
        return pd.DataFrame()
    found = EVIDENCE[row["rule_code"]]
    params = found.params(str(row["entity_key"]), row)
    if found.sql.endswith("limit ?"):
        params.append(int(limit))
    return query(found.sql, params)
