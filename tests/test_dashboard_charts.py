"""Pure Plotly figure builders."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))  # whether or not tests/ is a package
import warehouse_fixture as wf

from dashboards import charts, geo


def _cities(values):
    return pd.DataFrame(
        {
            "city_code": list(wf.CITIES),
            "city_name": [n for n, _, _ in wf.CITIES.values()],
            "lat": [lat for _, lat, _ in wf.CITIES.values()],
            "lon": [lon for _, _, lon in wf.CITIES.values()],
            "value": values,
        }
    )


def test_city_bar_has_every_city_sorted_and_scaled_to_yi():
    fig = charts.city_bar(_cities([float(i) * 5000 for i in range(11)]), name="放款金额", unit="万元")
    bar = fig.data[0]
    assert len(bar.y) == 11
    assert set(bar.y) == {n for n, _, _ in wf.CITIES.values()}
    assert list(bar.x) == sorted(bar.x)  # largest at the top of a horizontal bar
    assert max(bar.x) == 5.0  # 50,000 万元 = 5 亿元
    assert "亿元" in fig.layout.xaxis.title.text
    assert "5.00 亿元" in bar.text


def test_city_bar_missing_value_shown_as_dash():
    values = [100.0] * 10 + [None]
    fig = charts.city_bar(_cities(values), name="审批通过率", unit="%")
    assert "—" in fig.data[0].text
    assert len(fig.data[0].y) == 11


def test_trend_lines_one_per_indicator():
    df = pd.DataFrame(
        {
            "indicator_code": ["D02", "D02", "O04", "O04"],
            "period": ["2025-01", "2025-02", "2025-01", "2025-02"],
            "value": [20000.0, 30000.0, 15000.0, 18000.0],
        }
    )
    fig = charts.trend(df, {"D02": "融资需求金额", "O04": "放款金额"})
    assert [t.name for t in fig.data] == ["融资需求金额", "放款金额"]
    assert list(fig.data[0].y) == [2.0, 3.0]
    assert fig.layout.yaxis.title.text == "亿元"


def test_funnel_skips_missing_stages():
    fig = charts.funnel([("融资需求", 100), ("受理", None), ("授信", 60), ("放款", 50)])
    assert list(fig.data[0].y) == ["融资需求", "授信", "放款"]


def test_tile_map_colours_every_city_and_says_it_is_a_schematic():
    fig = charts.city_tile_map(_cities([float(i) for i in range(10)] + [None]), name="放款笔数", unit="笔")
    tiles = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(tiles) == 11  # one square per city, nothing to download
    assert sum(s.fillcolor == charts.MISSING_TILE for s in tiles) == 1  # no value: grey
    texts = [a.text for a in fig.layout.annotations]
    assert any("太原市" in t for t in texts) and charts.TILE_NOTE in texts
    assert len({charts.CITY_TILES[c] for c in charts.CITY_TILES}) == 11  # no two cities share a tile


def _fills(fig):
    return [t for t in fig.data if t.fill == "toself"]


def test_city_map_draws_every_city_on_its_boundary_and_credits_the_data():
    fig = charts.city_map(_cities([float(i) * 1000 for i in range(10)] + [None]), name="放款金额", unit="万元")
    fills = _fills(fig)
    assert len(fills) == 11  # one polygon per city, drawn from the file in the repository
    assert sum(t.fillcolor == charts.MISSING_TILE for t in fills) == 1  # 吕梁市 has no value: grey
    darkest = next(t for t in fills if t.name == "临汾市")  # the largest value
    assert darkest.fillcolor == charts._blues(1.0) and "临汾市：放款金额 9,000.00 万元" in darkest.text
    texts = [a.text for a in fig.layout.annotations]
    assert any("OpenStreetMap" in t and "ODbL" in t for t in texts)  # the licence's attribution
    assert any(t.startswith("吕梁市<br>无数据") for t in texts)
    assert not any(t.type in ("choropleth", "scattergeo") for t in fig.data)  # no base map to fetch


def test_county_map_draws_a_citys_counties_and_the_two_that_share_a_boundary_in_grey():
    counties = pd.DataFrame({"county_code": ["140212", "140213", "140214", "140215"],
                             "county_name": ["新荣区", "平城区", "云冈区", "云州区"]})
    values = pd.DataFrame({"grain_key": ["140212", "140213", "140214"], "value": [3.0, 5.0, 7.0]})
    fig = charts.county_map(values, counties, name="放款笔数", unit="笔")
    fills = {t.name: t for t in _fills(fig)}
    assert set(fills) == {"新荣区", "平城区、云冈区", "云州区"}
    shared = fills["平城区、云冈区"]
    assert shared.fillcolor == charts.SHARED_FILL  # no colour of its own: both values in its hover
    assert "平城区：放款笔数 5 笔" in shared.text and "云冈区：放款笔数 7 笔" in shared.text
    assert fills["云州区"].fillcolor == charts.MISSING_TILE
    assert any("平城区、云冈区共用一块边界" in a.text for a in fig.layout.annotations)


def test_an_enclosed_county_is_drawn_over_the_county_around_it():
    counties = pd.DataFrame({"county_code": ["140502", "140525"], "county_name": ["城区", "泽州县"]})
    fig = charts.county_map(pd.DataFrame({"grain_key": ["140502", "140525"], "value": [1.0, 2.0]}), counties,
                            name="放款笔数", unit="笔")
    assert [t.name for t in _fills(fig)] == ["泽州县", "城区"]  # 晋城's 城区 lies inside 泽州县


def test_maps_fall_back_to_the_tile_grid_without_the_boundary_file(monkeypatch, tmp_path):
    monkeypatch.setattr(geo, "FILE", tmp_path / "absent.geojson")
    fig = charts.city_map(_cities([1.0] * 11), name="放款笔数", unit="笔")
    assert not _fills(fig) and len([s for s in fig.layout.shapes if s.type == "rect"]) == 11
    assert charts.TILE_NOTE in [a.text for a in fig.layout.annotations]


def test_empty_inputs_give_a_placeholder():
    empty = pd.DataFrame(columns=["indicator_code", "period", "value"])
    assert charts.trend(empty, {}).layout.annotations[0].text == "暂无数据"
    q = pd.DataFrame(columns=["feed", "rule", "rows"])
    assert charts.quarantine_bar(q).layout.annotations[0].text == "暂无隔离记录"


def test_quarantine_bar_stacks_rules():
    df = pd.DataFrame({"feed": ["a", "a", "b"], "rule": ["r1", "r2", "r1"], "rows": [3, 1, 2]})
    fig = charts.quarantine_bar(df)
    assert fig.layout.barmode == "stack"
    assert {t.name for t in fig.data} == {"r1", "r2"}
