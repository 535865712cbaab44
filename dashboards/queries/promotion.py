"""贷款码推广 (docs/promotion.md): the P codes by issuer type and city, and the codes themselves, scoped.

- by issuer type: ``breakdown(viewer, "issuer_type", …)`` (province-wide from ``marts.indicator_values``, one
  city's from ``marts.rpt_city_breakdowns``);
- city × issuer type: ``issuer_by_city`` (``marts.rpt_city_breakdowns``, the cities the viewer may see);
- one code per row: ``promotion_codes`` (``marts.rpt_promotion_codes``); a city office sees its own city's
  codes, the province scope also the provincial codes (city ``140000``: the codes without a city).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboards.queries._db import has_table, query
from dashboards.queries.breakdowns import CITY_BREAKDOWNS
from dashboards.queries.indicators import add_code_and_period_filters
from dashboards.scope import CITY_NAMES, PROVINCE_CODE, Viewer

CODES = "marts.rpt_promotion_codes"
P_CODES = ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08"]
CODE_COLUMNS = [
    "period", "qr_code_id", "issuer_type", "issuer_name", "division_code", "division_name", "city_code",
    "city_name", "county_code", "demands", "accepted", "approved", "disbursed", "disbursed_amount_wan",
    "conversion_pct", "is_active", "is_dormant", "last_demand_period", "months_since_last_demand", "rank_top",
    "rank_bottom",
]  # fmt: skip


def issuer_by_city(
    viewer: Viewer, codes: Iterable[str] | None, *, start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """indicator_code, period, city_code, issuer_type, value: each visible city's P codes by issuer type."""
    cities = list(CITY_NAMES) if viewer.is_province else [viewer.scope]
    if not has_table(CITY_BREAKDOWNS, "city_code", "dimension", "member_key"):
        return pd.DataFrame(columns=["indicator_code", "period", "city_code", "issuer_type", "value"])
    clauses, params = ["dimension = 'issuer_type'", "list_contains(?, city_code)"], [cities]
    add_code_and_period_filters(clauses, params, codes, start, end)
    df = query(
        "select indicator_code, period, city_code, member_key as issuer_type, value from "
        f"{CITY_BREAKDOWNS} where " + " and ".join(clauses) + " order by indicator_code, period, city_code",
        params,
    )
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df


def promotion_codes(
    viewer: Viewer,
    period: str,
    *,
    city: str | None = None,
    ranked: str | None = None,
    limit: int | None = None,
    dormant: bool | None = None,
) -> pd.DataFrame:
    """The codes of ``period`` (one row each, CODE_COLUMNS): of ``city`` (``140000`` = the provincial codes,
    province scope only), else every code the viewer may see. ``ranked="top"`` / ``"bottom"``: the active
    codes by rank_top / rank_bottom (first ``limit`` of each city); ``dormant=True``: the dormant ones, the
    longest silent first."""
    if city == PROVINCE_CODE:
        viewer.check_grain("province")
        clauses, params = ["city_code is null"], []
    elif city is not None:
        viewer.check_city(city)
        clauses, params = ["city_code = ?"], [city]
    elif viewer.is_province:
        clauses, params = [], []
    else:
        clauses, params = ["city_code = ?"], [viewer.scope]
    if not has_table(CODES, "qr_code_id", "rank_top"):
        return pd.DataFrame(columns=CODE_COLUMNS)
    clauses.append("period = ?")
    params.append(period)
    order = "city_code, qr_code_id"
    if ranked in ("top", "bottom"):
        rank = f"rank_{ranked}"
        clauses.append(f"{rank} is not null")
        if limit is not None:
            clauses.append(f"{rank} <= ?")
            params.append(int(limit))
        order = f"city_code, {rank}"
    if dormant is not None:
        clauses.append("is_dormant" if dormant else "not is_dormant")
        if dormant:
            order = "city_code, months_since_last_demand desc, qr_code_id"
    return query(
        f"select {', '.join(CODE_COLUMNS)} from {CODES} where " + " and ".join(f"({c})" for c in clauses)
        + f" order by {order}",
        params,
    )
