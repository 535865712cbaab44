"""The Streamlit app as a user sees it (AppTest against a small real warehouse)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # whether or not tests/ is a package
import warehouse_fixture
from streamlit.testing.v1 import AppTest
from warehouse_fixture import CITIES, REJECTED_FILE, REJECTED_MESSAGE

from dashboards import format as fmt
from tests import app_session


@pytest.fixture(autouse=True)
def stores(tmp_path, monkeypatch):
    app_session.use_stores(monkeypatch, tmp_path)


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> warehouse_fixture.Fixture:
    return warehouse_fixture.publish(tmp_path, monkeypatch)


TIMEOUT = 30


def run_app(scope: str | None = None, page: str | None = None, query: dict | None = None):
    """Signed in as the province (or, with a city ``scope``, as that city's office)."""
    at = app_session.app("city" if scope else "province", scope, page, query, timeout=TIMEOUT)
    assert not at.exception, [e.message for e in at.exception]
    return at


def figures(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page, by title."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[(spec["layout"].get("title") or {}).get("text", "")] = spec
    return out


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if m.label == label]
    assert found, f"no KPI card {label!r}: {[m.label for m in at.metric]}"
    return found[0]


def test_overview_renders_kpis_with_fixture_values(warehouse):
    fx = warehouse
    at = run_app()
    o04 = fx.value("O04", fx.latest)
    assert metric(at, "放款金额").value == fmt.amount_wan(o04)
    assert metric(at, "放款金额").value.endswith("亿元")
    assert metric(at, "融资需求笔数").value == fmt.count(fx.value("D01", fx.latest), "笔")
    assert metric(at, "放款金额").proto.delta == fmt.delta(fx.value("O04_MOM", fx.latest))
    ytd = fx.value("O04_YTD", fx.latest)
    assert f"本年累计：{fmt.amount_wan(ytd)}" in [c.value for c in at.caption]
    # catalogued but without values: a dash, not an error
    assert metric(at, "无有效授权查询次数").value == "—"
    # latest month selected by default
    assert at.selectbox(key="month").value == fx.latest


def test_overview_city_chart_has_eleven_cities(warehouse):
    at = run_app()
    figs = figures(at)
    city = next(spec for title, spec in figs.items() if title.startswith("各地市"))
    assert set(city["data"][0]["y"]) == {name for name, _, _ in CITIES.values()}
    assert any("漏斗" in t for t in figs)
    assert any("趋势" in t for t in figs)


def test_overview_filters_live_in_the_url(warehouse):
    fx = warehouse
    month = fx.periods[-3]
    at = run_app(query={"month": month, "indicator": "D01"})
    assert at.selectbox(key="month").value == month
    assert metric(at, "放款金额").value == fmt.amount_wan(fx.value("O04", month))
    assert any(t.startswith("各地市融资需求笔数") for t in figures(at))
    # choosing another month writes it back to the URL, so the link can be shared
    at.selectbox(key="month").select(fx.periods[0]).run()
    assert at.query_params["month"] == fx.periods[0]
    assert metric(at, "放款金额").value == fmt.amount_wan(fx.value("O04", fx.periods[0]))


def test_ingest_page_lists_rejected_file_with_message(warehouse):
    at = run_app(page="app_pages/ingest.py")
    errors = " ".join(e.value for e in at.error)
    assert REJECTED_FILE in errors and REJECTED_MESSAGE in errors
    files = at.dataframe[0].value
    assert len(files) == 5
    rejected = files[files["文件名"] == REJECTED_FILE]
    assert list(rejected["状态"]) == ["已拒绝"]
    assert list(rejected["说明"]) == [REJECTED_MESSAGE]
    assert any("隔离" in t for t in figures(at))


def test_city_scope_sees_only_its_city(warehouse):
    fx = warehouse
    at = run_app(scope="140100")
    assert metric(at, "放款金额").value == fmt.amount_wan(fx.value("O04", fx.latest, "city", "140100"))
    text = " ".join(str(t.value) for t in at.title)
    assert "太原市" in text and "山西省" not in text
    for spec in figures(at).values():
        labels = " ".join(str(v) for tr in spec["data"] for v in (tr.get("y") or []) if isinstance(v, str))
        assert "大同市" not in labels


def test_city_scope_is_refused_another_city(warehouse):
    at = run_app(scope="140100", page="app_pages/city.py", query={"city": "140200"})
    assert any("无权查看大同市" in e.value for e in at.error)
    assert not at.metric


def test_city_scope_cannot_open_institution_ranking(warehouse):
    at = run_app(scope="140100", page="app_pages/institution.py")
    assert any("无权访问“机构”页面" in e.value for e in at.error)
    assert not at.dataframe and not at.metric


def test_city_page_for_the_province(warehouse):
    fx = warehouse
    at = run_app(page="app_pages/city.py", query={"city": "140200", "from": fx.periods[0], "to": fx.latest})
    assert at.select_slider(key="months").value == (fx.periods[0], fx.latest)
    assert "大同市" in at.title[0].value
    assert metric(at, "放款金额").value == fmt.amount_wan(fx.value("O04", fx.latest, "city", "140200"))
    counties = at.dataframe[0].value
    assert set(counties["区县"]) == {"新荣区", "平城区"}


def test_institution_page_ranks_by_o04(warehouse):
    at = run_app(page="app_pages/institution.py")
    table = at.dataframe[0].value
    assert list(table["排名"]) == [1, 2, 3, 4]
    amounts = table[next(c for c in table.columns if c.startswith("放款金额"))].tolist()
    assert amounts == sorted(amounts, reverse=True)


def test_missing_warehouse_shows_friendly_message(tmp_path, monkeypatch):
    monkeypatch.setenv("LOANCODE_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    for page in (None, "app_pages/ingest.py", "app_pages/city.py", "app_pages/institution.py"):
        at = run_app(page=page)
        assert any("仓库尚未构建，请先运行 make build" in i.value for i in at.info), page


def test_missing_published_table_is_a_warning_not_a_traceback(tmp_path, monkeypatch):
    import duckdb

    path = tmp_path / "partial.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.close()
    monkeypatch.setenv("LOANCODE_WAREHOUSE", str(path))
    at = run_app(page="app_pages/ingest.py")
    assert any("缺少已发布的表" in w.value for w in at.warning)


def test_the_environment_no_longer_chooses_the_scope(warehouse, monkeypatch):
    monkeypatch.setenv("LOANCODE_VIEWER_SCOPE", "140100")
    at = run_app()  # signed in as the province: the province it is
    assert "山西省" in at.title[0].value
