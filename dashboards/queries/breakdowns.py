"""Indicators broken down by institution, product category, entity type, industry or 贷款码 issuer type.

Province-wide members come from ``marts.indicator_values`` (province scope only: a member spans every
city). One city's members come from ``marts.rpt_city_breakdowns`` (same formulas, crossed with the
city), which a city office may read for its own city only.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboards.queries._guard import requires
from dashboards.queries._db import has_table, query
from dashboards.queries.indicators import add_code_and_period_filters, values
from dashboards.scope import Viewer

CITY_BREAKDOWNS = "marts.rpt_city_breakdowns"
DIMENSIONS = {
    "institution": "机构",
    "product_category": "产品类别",
    "entity_type": "主体类型",
    "industry": "行业",
    "issuer_type": "发码主体类型",
}
ENTITY_TYPES = ["企业", "个体工商户", "其他"]
COLUMNS = ["indicator_code", "period", "member_key", "value", "member_name"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object) for c in COLUMNS})


def issuer_labels() -> dict[str, str]:
    """{issuer_type: Chinese label} in display order (marts.dim_loan_code_issuer; {} without it)."""
    if not has_table("marts.dim_loan_code_issuer", "issuer_type", "name_zh", "sort_order"):
        return {}
    df = query("select issuer_type, name_zh from marts.dim_loan_code_issuer order by sort_order, issuer_type")
    return {str(k): str(n) for k, n in zip(df["issuer_type"], df["name_zh"], strict=True)}


@requires("indicators")
def member_names(viewer: Viewer, dimension: str) -> dict[str, str]:
    """{member_key: label}: institution names, industry section names; other members are their own label."""
    if dimension == "institution" and has_table("marts.dim_institution", "institution_id", "institution_name"):
        df = query(
            "select cast(institution_id as varchar) as k, any_value(institution_name) as n "
            "from marts.dim_institution group by 1"
        )
    elif dimension == "industry" and has_table("marts.dim_industry", "section", "name_zh"):
        df = query("select section as k, section || ' ' || name_zh as n from marts.dim_industry")
    elif dimension == "issuer_type":
        return issuer_labels()
    else:
        return {}
    return {str(k): str(n) for k, n in zip(df["k"], df["n"], strict=True) if n is not None}


@requires("indicators")
def breakdown(
    viewer: Viewer,
    dimension: str,
    codes: Iterable[str] | None,
    *,
    city: str | None = None,
    members: Iterable[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """indicator_code, period, member_key, value, member_name of ``dimension`` members.

    ``city=None``: province-wide members (province scope only); else that city's members.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if city is None:
        df = values(viewer, codes, dimension, keys=members, start=start, end=end)
        df = df.rename(columns={"grain_key": "member_key"}).drop(columns=["grain"])
    else:
        viewer.check_city(city)
        if not has_table(CITY_BREAKDOWNS, "city_code", "dimension", "member_key"):
            return _empty()
        clauses, params = ["city_code = ?", "dimension = ?"], [city, dimension]
        if members is not None:
            clauses.append("list_contains(?, member_key)")
            params.append([str(m) for m in members])
        add_code_and_period_filters(clauses, params, codes, start, end)
        df = query(
            f"select indicator_code, period, member_key, value from {CITY_BREAKDOWNS} where "
            + " and ".join(clauses)
            + " order by indicator_code, period, member_key",
            params,
        )
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    names = member_names(viewer, dimension)
    df["member_name"] = df["member_key"].map(lambda k: names.get(str(k), str(k)))
    return df


@requires("indicators")
def members(viewer: Viewer, dimension: str, *, city: str | None = None) -> list[tuple[str, str]]:
    """(key, label) of the members a filter may offer, in display order."""
    names = member_names(viewer, dimension)
    if dimension == "entity_type":
        return [(k, k) for k in ENTITY_TYPES]
    if dimension == "issuer_type":
        return list(names.items())
    if dimension == "industry" and names:
        return sorted(names.items())
    if city is not None:
        viewer.check_city(city)
        if not has_table(CITY_BREAKDOWNS, "city_code"):
            return []
        df = query(
            f"select distinct member_key from {CITY_BREAKDOWNS} where city_code = ? and dimension = ? "
            "order by member_key",
            [city, dimension],
        )
    else:
        viewer.check_grain(dimension)
        df = query(
            "select distinct grain_key as member_key from marts.indicator_values where grain = ? "
            "order by grain_key",
            [dimension],
        )
    return [(str(k), names.get(str(k), str(k))) for k in df["member_key"]]
