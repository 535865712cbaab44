"""The pages and filters of this issue on a real built province (AppTest): city detail, institution page,
产品 page, entity-type / industry filters in the URL — every number shown equals the marts — and the
scope checks that keep a city office inside its own city."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from dashboards import format as fmt
from dashboards import queries as q
from dashboards.scope import ScopeError, Viewer
from tests import app_session
from tests.app_runner import run_app
from tests.built_province import built_warehouse, point_dashboards_at

TAIYUAN, DATONG = "140100", "140200"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return built_warehouse(tmp_path_factory)


@pytest.fixture(autouse=True)
def _env(warehouse, monkeypatch, tmp_path):
    point_dashboards_at(warehouse, monkeypatch, tmp_path)
    app_session.use_stores(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def sql(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)

    def run(text: str, *params):
        return con.execute(text, list(params)).fetchall()

    run.latest = run("select max(period) from marts.indicator_values")[0][0]
    yield run
    con.close()


def value(sql, code, grain="province", key="140000", period=None):
    rows = sql("select value from marts.indicator_values where indicator_code = ? and period = ? and grain = ? "
               "and grain_key = ?", code, period or sql.latest, grain, key)
    return rows[0][0] if rows else None


def metric(at, label):
    found = [m for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0]


# AppTest does not expose a dataframe's key: each table is recognised by columns only it has
TABLE_COLUMNS = {
    "overdue_table": {"需求编号", "超期天数"},
    "city_institutions": {"机构编码", "机构名称"},
    "institution_table": {"排名", "机构编码"},
    "institution_products": {"产品编码", "最低额度（万元）", "违规原因"},
    "products_table": {"产品编码", "机构", "违规原因"},
    "shelf_table": {"产品类别", "上架产品数（款）"},
}


def frame(at, key):
    found = [d.value for d in at.dataframe if TABLE_COLUMNS[key] <= set(d.value.columns)]
    assert found, f"no table {key}: {[list(d.value.columns) for d in at.dataframe]}"
    return found[0]


def titles(at) -> list[str]:
    return [(json.loads(c.proto.spec)["layout"].get("title") or {}).get("text", "") for c in at.get("plotly_chart")]


# --- 城市 -------------------------------------------------------------------------------------------------


def test_city_page_detail_equals_the_marts(sql):
    at = run_app(page="app_pages/city.py", query={"city": TAIYUAN})
    assert metric(at, "放款金额").value == fmt.amount_wan(value(sql, "O04", "city", TAIYUAN))
    overdue = frame(at, "overdue_table")
    ids = sql("select application_id from marts.rpt_overdue_demands where city_code = ? and period = ? "
              "order by submitted_at, application_id", TAIYUAN, sql.latest)
    assert list(overdue["需求编号"]) == [r[0] for r in ids]
    assert len(overdue) == value(sql, "R04", "city", TAIYUAN)
    assert not any(c in overdue.columns for c in ("联系电话", "法定代表人姓名", "enterprise_name"))
    assert all("*" in u for u in overdue["统一社会信用代码（脱敏）"])
    inst = frame(at, "city_institutions")
    amount = next(c for c in inst.columns if c.startswith("放款金额"))
    assert inst[amount].sum() == pytest.approx(value(sql, "O04", "city", TAIYUAN))
    assert "按产品类别的融资需求金额" in titles(at)
    assert [b.proto.label for b in at.get("download_button")] == ["下载月报（XLSX）", "下载月报（PDF）"]


def test_city_page_entity_and_industry_filters_live_in_the_url(sql):
    industry = sql("select member_key from marts.rpt_city_breakdowns where city_code = ? and period = ? and "
                   "dimension = 'industry' and indicator_code = 'D01' order by value desc, member_key limit 1",
                   TAIYUAN, sql.latest)[0][0]
    at = run_app(page="app_pages/city.py", query={"city": TAIYUAN, "entity": "企业", "industry": industry})
    assert at.selectbox(key="entity").value == "企业" and at.selectbox(key="industry").value == industry
    d01 = sql("select value from marts.rpt_city_breakdowns where city_code = ? and period = ? and dimension = ? "
              "and member_key = ? and indicator_code = 'D01'", TAIYUAN, sql.latest, "entity_type", "企业")[0][0]
    assert fmt.count(d01, "笔") in [m.value for m in at.metric if m.label == "融资需求笔数"]
    at.selectbox(key="entity").select("个体工商户").run()
    assert at.query_params["entity"] == ["个体工商户"] or at.query_params["entity"] == "个体工商户"


def test_city_page_month_range_from_the_url(sql):
    months = [r[0] for r in sql("select distinct period from marts.indicator_values order by 1")]
    at = run_app(page="app_pages/city.py", query={"city": TAIYUAN, "from": months[1], "to": months[-2]})
    assert at.select_slider(key="months").value == (months[1], months[-2])
    assert metric(at, "放款金额").value == fmt.amount_wan(value(sql, "O04", "city", TAIYUAN, months[-2]))


def test_a_city_office_sees_its_own_city_only(sql):
    at = run_app(scope=TAIYUAN, page="app_pages/city.py")
    overdue = frame(at, "overdue_table")
    counties = {r[0] for r in sql("select county_name from marts.dim_county where city_code = ?", TAIYUAN)}
    assert set(overdue["区县"]) <= counties
    at = run_app(scope=TAIYUAN, page="app_pages/products.py")
    products = frame(at, "products_table")
    own = {r[0] for r in sql("select institution_name from marts.dim_institution where city_code = ?", TAIYUAN)}
    assert set(products["机构"].dropna()) <= own
    shelf = frame(at, "shelf_table")
    assert shelf["上架产品数（款）"].sum() == value(sql, "S02", "city", TAIYUAN)


def test_overview_entity_filter_equals_the_province_member(sql):
    at = run_app(query={"entity": "个体工商户"})
    cards = [m.value for m in at.metric if m.label == "放款金额"]
    assert fmt.amount_wan(value(sql, "O04", "entity_type", "个体工商户")) in cards


# --- 机构 ---------------------------------------------------------------------------------------------------


def test_institution_page_one_institution_with_its_products(sql):
    inst = sql("select institution_id from marts.fct_listed_products where period = ? group by 1 "
               "order by count(*) filter (where is_violation) desc, count(*) desc, 1 limit 1", sql.latest)[0][0]
    at = run_app(page="app_pages/institution.py", query={"institution": inst})
    assert at.selectbox(key="institution").value == inst
    products = frame(at, "institution_products")
    expected = sql("select product_id, is_violation from marts.fct_listed_products where period = ? and "
                   "institution_id = ? order by product_id", sql.latest, inst)
    assert sorted(products["产品编码"]) == [r[0] for r in expected]
    assert (products["合规"] == "违规").sum() == sum(1 for r in expected if r[1])
    assert (products["合规"] == "违规").sum() == (value(sql, "S03", "institution", inst) or 0)


def test_institution_ranking_within_a_city(sql):
    at = run_app(page="app_pages/institution.py", query={"city": TAIYUAN})
    table = frame(at, "institution_table")
    amount = next(c for c in table.columns if c.startswith("放款金额"))
    assert table[amount].sum() == pytest.approx(value(sql, "O04", "city", TAIYUAN))
    assert list(table["排名"]) == list(range(1, len(table) + 1))


# --- 产品 ---------------------------------------------------------------------------------------------------


def test_products_page_shelf_equals_the_marts(sql):
    at = run_app(page="app_pages/products.py")
    assert metric(at, "上架产品数").value == fmt.count(value(sql, "S02"), "款")
    shelf = frame(at, "shelf_table").set_index("产品类别")["上架产品数（款）"]
    for category, listed in shelf.items():
        assert listed == value(sql, "S02", "product_category", category), category
    assert any("历史" in t for t in titles(at))
    category = shelf.index[0]
    at = run_app(page="app_pages/products.py", query={"category": category})
    assert set(frame(at, "products_table")["产品类别"]) == {category}


# --- the query layer's scope ----------------------------------------------------------------------------


def test_query_layer_refuses_other_cities(sql):
    office = Viewer(TAIYUAN)
    with pytest.raises(ScopeError):
        q.breakdown(office, "institution", ["O04"], city=DATONG)
    with pytest.raises(ScopeError):
        q.breakdown(office, "institution", ["O04"])  # province-wide members
    with pytest.raises(ScopeError):
        q.members(office, "institution", city=DATONG)
    with pytest.raises(ScopeError):
        q.overdue_demands(office, DATONG, sql.latest)
    with pytest.raises(ScopeError):
        q.city_alerts(office, DATONG)
    with pytest.raises(ScopeError):
        q.listed_products(office, sql.latest, city=DATONG)
    with pytest.raises(ScopeError):
        q.shelf_history(office, city=DATONG)
    other = sql("select institution_id from marts.dim_institution where city_code = ? limit 1", DATONG)[0][0]
    with pytest.raises(ScopeError):
        q.institution_profile(office, other)
    assert set(q.listed_products(office, sql.latest)["city_code"]) <= {TAIYUAN}
    assert set(q.shelf_history(office)["listed"]) and q.overdue_demands(office, TAIYUAN, sql.latest) is not None


def test_institution_page_compares_with_peers_of_the_same_type(sql):
    at = run_app(page="app_pages/institution.py")
    chosen = at.selectbox(key="institution").value
    kind, = sql("select institution_type from marts.dim_institution where institution_id = ?", chosen)[0]
    peers = {r[0] for r in sql("select institution_id from marts.dim_institution where institution_type = ?", kind)}
    assert any(s.value.startswith(f"同类机构对比（{kind}") for s in at.subheader)
    table = next(d.value for d in at.dataframe if "机构编码" in d.value.columns and "排名" not in d.value.columns
                 and "受理笔数（笔）" in d.value.columns)
    assert set(table["机构编码"]) == peers and chosen in peers
    latest = sql("select max(period) from marts.indicator_values")[0][0]
    mine = value(sql, "R03", "institution", chosen, latest)
    card = next(m for m in at.metric if m.label == "按时响应率：本机构")
    assert card.value == fmt.percent(mine)
