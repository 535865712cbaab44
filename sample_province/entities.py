"""The population of applying businesses: identity, location, industry and credit-report facts."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_province import industries, names
from sample_province.geography import Geography
from sample_province.uscc import from_codepoints, make_many, to_codepoints

ENTITY_TYPES = np.array(["91", "92", "93"])
ENTITY_TYPE_WEIGHTS = np.array([0.64, 0.31, 0.05])
TAX_GRADES = np.array(["A", "B", "M", "C", "D"])
TAX_GRADE_WEIGHTS = np.array([0.25, 0.45, 0.15, 0.10, 0.05])
FIRST_TIMER_SHARE = 0.36  # never borrowed before: their first disbursement is a 首贷


def _registration_county(rng: np.random.Generator, geo: Geography, county: np.ndarray) -> np.ndarray:
    """Mostly the county where the business operates; sometimes another county of the same city."""
    moved = rng.random(len(county)) < 0.05
    other = county.copy()
    city = geo.county_city[county]
    for city_index in range(len(geo.city_codes)):
        rows = moved & (city == city_index)
        peers = np.flatnonzero(geo.county_city == city_index)
        other[rows] = peers[rng.integers(len(peers), size=int(rows.sum()))]
    return other


def _names(rng: np.random.Generator, geo: Geography, etype: np.ndarray, county: np.ndarray,
           industry: np.ndarray, rep: np.ndarray) -> pl.Series:
    is_ent, is_ind, is_coop = (etype == "91"), (etype == "92"), (etype == "93")
    ent = names.enterprise_names(rng, geo.city_short(geo.county_city[county[is_ent]]),
                                 industries.BUSINESS[industry[is_ent]])
    surname = from_codepoints(to_codepoints(rep[is_ind], 3)[:, :1])
    ind = names.individual_names(rng, geo.county_names[county[is_ind]], surname, industries.SHOP[industry[is_ind]])
    coop = names.cooperative_names(rng, geo.county_names[county[is_coop]], industries.COOP[industry[is_coop]])
    parts = [pl.DataFrame({"row": np.flatnonzero(mask), "name": pl.Series(values, dtype=pl.String)})
             for mask, values in ((is_ent, ent), (is_ind, ind), (is_coop, coop))]
    return pl.concat(parts).sort("row")["name"]


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int, low: float, high: float):
    return np.clip(median * np.exp(sigma * rng.standard_normal(n)), low, high)


def build(rng: np.random.Generator, geo: Geography, n: int, as_of_day: int) -> pl.DataFrame:
    """n businesses; `as_of_day` (day number) bounds their establishment dates."""
    etype = ENTITY_TYPES[rng.choice(3, size=n, p=ENTITY_TYPE_WEIGHTS)]
    county = rng.choice(len(geo.county_codes), size=n, p=geo.county_weights)
    industry = np.empty(n, dtype=np.int64)
    for code in ENTITY_TYPES:
        mask = etype == code
        industry[mask] = industries.draw(rng, code, int(mask.sum()))
    reg_county = _registration_county(rng, geo, county)
    uscc = pl.Series(make_many(rng, etype, geo.county_codes[reg_county]))
    del reg_county
    rep = names.person_names(rng, n)
    is_ind = etype == "92"
    age_years = np.where(is_ind, _lognormal(rng, 4, 0.7, n, 0.3, 20), _lognormal(rng, 7, 0.6, n, 0.5, 30))
    employees = np.where(is_ind, rng.integers(1, 9, n), _lognormal(rng, 15, 0.9, n, 3, 300).astype(int))
    revenue = np.round(employees * _lognormal(rng, 40, 0.6, n, 5, 400), 1)
    capital = np.where(is_ind, np.round(_lognormal(rng, 10, 0.8, n, 1, 200)),
                       np.round(_lognormal(rng, 200, 1.0, n, 10, 5000)))
    first_timer = rng.random(n) < FIRST_TIMER_SHARE
    tax_grade = TAX_GRADES[rng.choice(5, size=n, p=TAX_GRADE_WEIGHTS)]
    overdue = np.where(first_timer, 0, rng.poisson(0.25, n))
    score = np.clip(690 + 40 * rng.standard_normal(n) - 25 * overdue
                    - 30 * (tax_grade == "C") - 60 * (tax_grade == "D"), 350, 900).astype(int)
    return pl.DataFrame({
        "entity_type": etype,
        "county": county,
        "uscc": uscc,
        "enterprise_name": _names(rng, geo, etype, county, industry, rep),
        "legal_rep_name": rep,
        "contact_phone": pl.Series(names.mobile_phones(rng, n)),
        "county_code": geo.county_codes[county],
        "industry_code": industries.CODES[industry],
        "first_timer": first_timer,
        "established": as_of_day - (age_years * 365.25).astype(np.int64),
        "registered_capital_wan": capital,
        "employees": employees,
        "revenue_wan": revenue,
        "assets_wan": np.round(revenue * _lognormal(rng, 0.6, 0.4, n, 0.1, 3), 1),
        "tax_grade": tax_grade,
        "tax_paid_wan": np.round(revenue * _lognormal(rng, 0.015, 0.5, n, 0.001, 0.1), 1),
        "insured_count": np.minimum(employees, np.round(employees * rng.uniform(0.3, 1.0, n))).astype(int),
        "dishonest": rng.random(n) < 0.01,
        "enforcement_cases": rng.poisson(0.05, n),
        "penalties": rng.poisson(0.1, n),
        "outstanding_wan": np.where(first_timer, 0.0, np.round(_lognormal(rng, 80, 1.0, n, 1, 3000), 1)),
        "overdue_24m": overdue,
        "max_overdue_days": np.where(overdue > 0, rng.integers(1, 90, n), 0),
        "score": score,
    })
