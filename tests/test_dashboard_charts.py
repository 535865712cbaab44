"""Pure Plotly figure builders."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))  # whether or not tests/ is a package
import warehouse_fixture as wf

from dashboards import charts


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
