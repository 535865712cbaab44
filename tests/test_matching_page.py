"""The 匹配推荐 page on the shared small province (AppTest): the held-out figures equal the mart, one
enterprise's list and one product's prospects are the marts' rows, and a city office is kept to its own
city's enterprises and prospects by the query layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.queries import matching as mq
from dashboards.scope import ScopeError, Viewer
from tests import app_session
from tests.built_province import built_warehouse, point_dashboards_at, read_only_sql

PAGE = "app_pages/matching.py"
TAIYUAN = "140100"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return built_warehouse(tmp_path_factory)


@pytest.fixture(autouse=True)
def _env(warehouse, monkeypatch, tmp_path):
    point_dashboards_at(warehouse, monkeypatch, tmp_path)
    app_session.use_stores(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def sql(warehouse):
    yield from read_only_sql(warehouse)


def open_page(scope=None, query=None) -> AppTest:
    """The page as a signed-in province user, or a city office of ``scope``, with ``query`` in the URL."""
    at = app_session.app("city" if scope else "province", scope, PAGE, query)
    assert not at.exception, [e.message for e in at.exception]
    return at


def table(at, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_the_province_sees_the_evaluation_and_an_enterprise_list(sql):
    uscc = sql("select uscc from marts.match_recommendations where product_id is not null "
               "order by uscc limit 1")[0][0]
    at = open_page(query={"uscc": uscc})
    assert not at.error, [e.value for e in at.error]
    ndcg = sql("select value from marts.match_evaluation where method = 'model' and metric = 'ndcg_at_10'")[0][0]
    assert [m.value for m in at.metric if m.label == "NDCG@10（模型）"] == [f"{ndcg:.3f}"]
    assert at.selectbox(key="uscc").value == uscc
    shown = table(at, "推荐理由")
    rows = sql("select product_id, reasons from marts.match_recommendations where uscc = ? order by rank", uscc)
    assert list(shown["产品编码"]) == [r[0] for r in rows] and list(shown["推荐理由"]) == [r[1] for r in rows]
    assert len(at.get("plotly_chart")) == 2


def test_a_product_shows_its_prospects(sql):
    product = sql("select min(product_id) from marts.product_prospects")[0][0]
    at = open_page(query={"product": product})
    prospects = table(at, "企业名称")
    expected = sql("select uscc from marts.product_prospects where product_id = ? order by rank", product)
    assert list(prospects["统一社会信用代码"]) == [r[0] for r in expected]
    assert len(prospects) <= 100


def test_a_city_office_looks_up_its_own_city_only(sql):
    at = open_page(scope=TAIYUAN)
    assert not [m for m in at.metric if m.label.startswith("NDCG")]  # province-wide figures are not its own
    own = {r[0] for r in sql("select uscc from marts.dim_enterprise where city_code = ?", TAIYUAN)}
    assert set(at.selectbox(key="uscc").options) and {
        o.split("（")[-1].rstrip("）") for o in at.selectbox(key="uscc").options} <= own
    viewer = Viewer(TAIYUAN)  # a city office's role and scope
    name = sql("select enterprise_name from marts.dim_enterprise where city_code <> ? limit 1", TAIYUAN)[0][0]
    assert set(mq.find_enterprises(viewer, name[:4])["city_code"]) <= {TAIYUAN}
    other = sql("select uscc from marts.dim_enterprise where city_code <> ? order by uscc limit 1", TAIYUAN)[0][0]
    with pytest.raises(ScopeError):
        mq.recommendations(viewer, other)
    with pytest.raises(ScopeError):
        mq.evaluation(viewer)
    product = sql("select product_id from marts.product_prospects group by 1 order by count(*) desc limit 1")[0][0]
    assert set(mq.prospects(viewer, product)["uscc"]) <= own
    at = open_page(scope=TAIYUAN, query={"uscc": other})  # a shared link to another city's enterprise
    assert any("无权查看" in e.value for e in at.error)
