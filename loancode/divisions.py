"""Shanxi's GB/T 2260 divisions, read from the dbt seed so the loaders and dbt share one list."""

from __future__ import annotations

import csv
from functools import cache

from loancode.config import SEEDS_DIR


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


def _province() -> dict[str, str]:
    (province,) = [d for d in divisions() if d["level"] == "province"]
    return province


PROVINCE_CODE: str = _province()["code"]
PROVINCE_NAME: str = _province()["name"]
# The 11 prefecture-level cities by code, in code order: 140100 太原市 … 141100 吕梁市.
CITY_NAMES: dict[str, str] = {d["code"]: d["name"] for d in divisions() if d["level"] == "city"}
COUNTY_NAMES: dict[str, str] = {d["code"]: d["name"] for d in divisions() if d["level"] == "county"}


def city_of(division_code: str) -> str:
    """The city a county-level (or city) code belongs to: its first four digits + `00` (indicators.md)."""
    return division_code[:4] + "00"
