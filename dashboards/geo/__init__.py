"""Shanxi's city and county boundaries for the dashboards' maps, read from ``shanxi.geojson``.

The file is kept in the repository (built by ``python -m dashboards.geo.build`` from a registry package;
source and licence in LICENSE.md beside it and docs/map.md); nothing is downloaded. Each feature's
``codes`` lists the division codes it draws: one, except 平城区 and 云冈区, which share one feature.
Without the file every function returns nothing and the maps fall back to the tile grid.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

FILE = Path(__file__).resolve().parent / "shanxi.geojson"
ATTRIBUTION = "边界：© OpenStreetMap 贡献者，geoBoundaries（ODbL 1.0）；2017 年数据经简化，仅作统计示意"


@cache
def _load(path: Path) -> tuple[dict, ...]:
    if not path.exists():
        return ()
    return tuple(json.loads(path.read_text(encoding="utf-8"))["features"])


def features() -> tuple[dict, ...]:
    """Every feature of the file (counties, then cities), or () when the file is absent."""
    return _load(FILE)


def available() -> bool:
    return bool(features())


def cities() -> list[dict]:
    """The 11 cities' features."""
    return [f for f in features() if f["properties"]["level"] == "city"]


def counties(city_code: str) -> list[dict]:
    """The county features of one city (平城区 and 云冈区 as one)."""
    return [f for f in features()
            if f["properties"]["level"] == "county" and f["properties"]["city_code"] == city_code]
