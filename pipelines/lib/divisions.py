"""Shanxi's GB/T 2260 divisions, read from the dbt seed so the loaders and dbt share one list."""

from __future__ import annotations

import csv
from functools import cache

from pipelines.config import SEEDS_DIR


@cache
def divisions() -> list[dict[str, str]]:
    with open(SEEDS_DIR / "divisions.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def county_codes() -> list[str]:
    return [d["code"] for d in divisions() if d["level"] == "county"]


def city_codes() -> list[str]:
    return [d["code"] for d in divisions() if d["level"] == "city"]


def all_codes() -> list[str]:
    return [d["code"] for d in divisions()]
