"""Shanxi's cities and counties, read from the dbt seed at run time, with sampling weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loancode import divisions


# Resident population in millions (2020 census, rounded): a public fact used only as a weight so
# that Taiyuan is the largest market and Yangquan the smallest. Keyed by city name, not code, so the
# codes themselves still come only from the seed.
CITY_POPULATION_M = {
    "太原市": 5.3, "大同市": 3.1, "阳泉市": 1.3, "长治市": 3.2, "晋城市": 2.2, "朔州市": 1.6,
    "晋中市": 3.4, "运城市": 4.8, "忻州市": 2.7, "临汾市": 4.0, "吕梁市": 3.4,
}
# Urban districts carry more businesses than rural counties of the same city.
SUFFIX_WEIGHT = {"区": 2.2, "市": 1.5, "县": 1.0}


@dataclass(frozen=True)
class Geography:
    city_codes: np.ndarray  # the 11 city codes
    city_names: np.ndarray
    county_codes: np.ndarray  # the 117 county-level codes
    county_names: np.ndarray
    county_city: np.ndarray  # index into city_codes, per county
    county_weights: np.ndarray  # sampling probability per county, sums to 1

    def city_short(self, city_index: np.ndarray) -> np.ndarray:
        """City names without the trailing 市, e.g. 太原."""
        return np.array([name.removesuffix("市") for name in self.city_names])[city_index]


def load() -> Geography:
    rows = divisions.divisions()
    cities = [r for r in rows if r["level"] == "city"]
    counties = [r for r in rows if r["level"] == "county"]
    city_codes = np.array([r["code"] for r in cities])
    city_pos = {code: i for i, code in enumerate(city_codes)}
    county_city = np.array([city_pos[r["city_code"]] for r in counties])
    raw = np.array([SUFFIX_WEIGHT.get(r["name"][-1], 1.0) for r in counties])
    weights = np.empty(len(counties))
    for i, city in enumerate(cities):
        members = county_city == i
        share = CITY_POPULATION_M.get(city["name"], 2.0)
        weights[members] = share * raw[members] / raw[members].sum()
    return Geography(
        city_codes=city_codes,
        city_names=np.array([r["name"] for r in cities]),
        county_codes=np.array([r["code"] for r in counties]),
        county_names=np.array([r["name"] for r in counties]),
        county_city=county_city,
        county_weights=weights / weights.sum(),
    )
