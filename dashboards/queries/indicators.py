"""Indicator values and their dimensions, always filtered by the viewer's scope.

Reads ``marts.indicator_values(indicator_code, period, grain, grain_key, value)``,
``marts.indicator_catalog(code, name_zh, name_en, unit, definition, grains, additive)``,
``marts.dim_city(city_code, city_name, lat, lon)``, and for labels
``marts.dim_county(county_code, county_name)`` and
``marts.dim_institution(institution_id, institution_name)`` when they exist.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboards.queries._guard import requires
from dashboards.queries._db import has_table, query
from dashboards.scope import CITY_NAMES, ScopeError, Viewer

VALUES = "marts.indicator_values"
CATALOG = "marts.indicator_catalog"
GROWTH_SUFFIXES = ("_MOM", "_YOY", "_YTD")


def _scope_where(
    viewer: Viewer, grain: str, keys: Iterable[str] | None, within_city: str | None = None
) -> tuple[str, list]:
    """SQL predicate (and params) restricting ``grain`` rows to what ``viewer`` may see.

    Raises ScopeError when the viewer explicitly asks for members outside their scope.
    """
    viewer.check_grain(grain)
    keys = None if keys is None else [str(k) for k in keys]
    if grain == "city":
        if keys is None:
            keys = list(CITY_NAMES) if viewer.is_province else [viewer.scope]
        for k in keys:
            viewer.check_city(k)
        return "grain = 'city' and list_contains(?, grain_key)", [keys]
    if grain == "county":
        if keys is not None:
            for k in keys:
                viewer.check_county(k)
            return "grain = 'county' and list_contains(?, grain_key)", [keys]
        if within_city is not None:
            viewer.check_city(within_city)
            return "grain = 'county' and substr(grain_key, 1, 4) = ?", [within_city[:4]]
        if viewer.is_province:
            return "grain = 'county'", []
        return "grain = 'county' and substr(grain_key, 1, 4) = ?", [viewer.scope[:4]]
    # province-only grains (checked above)
    if keys is None:
        return "grain = ?", [grain]
    return "grain = ? and list_contains(?, grain_key)", [grain, keys]


@requires("indicators")
def values(
    viewer: Viewer,
    codes: Iterable[str] | None,
    grain: str,
    *,
    keys: Iterable[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    within_city: str | None = None,
) -> pd.DataFrame:
    """Rows of ``marts.indicator_values`` for ``codes`` (None = all) at ``grain``, inside the scope.

    Columns: indicator_code, period, grain, grain_key, value. ``start``/``end`` are inclusive 'YYYY-MM'.
    ``within_city`` restricts the county grain to one city's counties.
    """
    where, params = _scope_where(viewer, grain, keys, within_city)
    clauses = [where]
    add_code_and_period_filters(clauses, params, codes, start, end)
    sql = (
        "select indicator_code, period, grain, grain_key, value from "
        + VALUES
        + " where "
        + " and ".join(f"({c})" for c in clauses)
        + " order by indicator_code, period, grain_key"
    )
    df = query(sql, params)
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df


@requires("indicators")
def home_values(
    viewer: Viewer, codes: Iterable[str] | None, *, start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """Values for the viewer's own area: the province (province scope) or their city."""
    grain, key = viewer.home
    return values(viewer, codes, grain, keys=[key], start=start, end=end)


@requires("indicators")
def snapshot(viewer: Viewer, period: str) -> dict[str, float | None]:
    """{indicator_code: value} of every indicator (growth rows included) at the home area in ``period``."""
    df = home_values(viewer, None, start=period, end=period)
    return {
        str(r.indicator_code): (None if pd.isna(r.value) else float(r.value))
        for r in df.itertuples(index=False)
    }


@requires("indicators")
def periods(viewer: Viewer) -> list[str]:
    """Months with indicator rows for the viewer's home area, ascending."""
    grain, key = viewer.home
    where, params = _scope_where(viewer, grain, [key])
    df = query(f"select distinct period from {VALUES} where {where} order by period", params)
    return [str(p) for p in df["period"].tolist()]


@requires("indicators")
def catalog(viewer: Viewer) -> pd.DataFrame:
    """The indicator catalog (code, name_zh, name_en, unit, definition, grains, additive), by code."""
    return query(
        f"select code, name_zh, name_en, unit, definition, grains, additive from {CATALOG} order by code"
    )


@requires("indicators")
def cities(viewer: Viewer) -> pd.DataFrame:
    """The cities the viewer may see: city_code, city_name, lat, lon (marts.dim_city)."""
    if has_table("marts.dim_city", "city_code", "city_name", "lat", "lon"):
        table = "marts.dim_city"
    else:
        df = pd.DataFrame({"city_code": list(CITY_NAMES), "city_name": list(CITY_NAMES.values())})
        df["lat"] = float("nan")
        df["lon"] = float("nan")
        return df if viewer.is_province else df[df.city_code == viewer.scope].reset_index(drop=True)
    keys = list(CITY_NAMES) if viewer.is_province else [viewer.scope]
    df = query(
        "select cast(city_code as varchar) as city_code, city_name, cast(lat as double) as lat, "
        f"cast(lon as double) as lon from {table} where list_contains(?, cast(city_code as varchar)) "
        "order by city_code",
        [keys],
    )
    return df


@requires("indicators")
def counties(viewer: Viewer, city_code: str) -> pd.DataFrame:
    """county_code, county_name of one city (marts.dim_county)."""
    viewer.check_city(city_code)
    if has_table("marts.dim_county", "county_code", "county_name"):
        return query(
            "select cast(county_code as varchar) as county_code, county_name from marts.dim_county "
            "where substr(cast(county_code as varchar), 1, 4) = ? order by county_code",
            [city_code[:4]],
        )
    return pd.DataFrame({"county_code": pd.Series(dtype=str), "county_name": pd.Series(dtype=str)})


@requires("indicators")
def city_values(
    viewer: Viewer, codes: Iterable[str], *, start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """City-grain values with city_name (and lat/lon) for the cities the viewer may see."""
    df = values(viewer, codes, "city", start=start, end=end)
    names = cities(viewer)
    out = df.merge(names, left_on="grain_key", right_on="city_code", how="left")
    out["city_name"] = out["city_name"].fillna(out["grain_key"].map(CITY_NAMES)).fillna(out["grain_key"])
    return out


@requires("indicators")
def county_values(
    viewer: Viewer,
    city_code: str,
    codes: Iterable[str],
    *,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """County-grain values of one city's counties, with county_name. A city viewer: own city only."""
    viewer.check_city(city_code)
    df = values(viewer, codes, "county", start=start, end=end, within_city=city_code)
    names = counties(viewer, city_code)
    out = df.merge(names, left_on="grain_key", right_on="county_code", how="left")
    out["county_name"] = out["county_name"].fillna(out["grain_key"])
    return out


@requires("indicators")
def institution_values(
    viewer: Viewer, codes: Iterable[str], *, start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """Institution-grain values with institution_name (province scope only: values span every city)."""
    df = values(viewer, codes, "institution", start=start, end=end)
    if has_table("marts.dim_institution", "institution_id", "institution_name"):
        names = query(
            "select cast(institution_id as varchar) as institution_id, any_value(institution_name) "
            "as institution_name from marts.dim_institution group by 1"
        )
        df = df.merge(names, left_on="grain_key", right_on="institution_id", how="left")
        df = df.drop(columns=["institution_id"])
    else:
        df["institution_name"] = None
    df["institution_name"] = df["institution_name"].fillna(df["grain_key"])
    return df


def base_code(code: str) -> str:
    for suffix in GROWTH_SUFFIXES:
        if code.endswith(suffix):
            return code[: -len(suffix)]
    return code


__all__ = [
    "ScopeError",
    "base_code",
    "catalog",
    "cities",
    "city_values",
    "counties",
    "county_values",
    "home_values",
    "institution_values",
    "periods",
    "snapshot",
    "values",
]


def add_code_and_period_filters(clauses: list[str], params: list, codes: Iterable[str] | None,
                                start: str | None, end: str | None) -> None:
    """The filters every read of indicator values shares: which codes, from which month to which."""
    if codes is not None:
        clauses.append("list_contains(?, indicator_code)")
        params.append([str(c) for c in codes])
    if start:
        clauses.append("period >= ?")
        params.append(start)
    if end:
        clauses.append("period <= ?")
        params.append(end)
