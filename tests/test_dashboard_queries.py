"""The query layer: read-only, scoped, cached per published file version."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # whether or not tests/ is a package
import warehouse_fixture
from warehouse_fixture import build_warehouse

from dashboards import queries as q
from dashboards.scope import InvalidScope, ScopeError, Viewer


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> warehouse_fixture.Fixture:
    return warehouse_fixture.publish(tmp_path, monkeypatch)


PROVINCE = Viewer("province")
TAIYUAN = Viewer("140100")


def test_viewer_parsing():
    assert Viewer.parse(None).is_province
    assert Viewer.parse("140000").is_province
    assert Viewer.parse(" 140100 ").city_code == "140100"
    with pytest.raises(InvalidScope):
        Viewer.parse("149900")


def test_province_reads_province_and_all_cities(warehouse):
    fx = warehouse
    assert q.periods(PROVINCE) == fx.periods
    assert q.snapshot(PROVINCE, fx.latest)["O04"] == fx.value("O04", fx.latest)
    cities = q.city_values(PROVINCE, ["O04"], start=fx.latest, end=fx.latest)
    assert len(cities) == 11 and cities["city_name"].notna().all()


def test_city_viewer_sees_only_its_city(warehouse):
    fx = warehouse
    snap = q.snapshot(TAIYUAN, fx.latest)
    assert snap["O04"] == fx.value("O04", fx.latest, "city", "140100")
    rows = q.values(TAIYUAN, None, "city")
    assert set(rows["grain_key"]) == {"140100"}
    counties = q.values(TAIYUAN, None, "county")
    assert set(counties["grain_key"]) == {"140105", "140106"}
    assert list(q.cities(TAIYUAN)["city_code"]) == ["140100"]


def test_city_viewer_is_refused_other_cities_and_province(warehouse):
    with pytest.raises(ScopeError, match="大同市"):
        q.values(TAIYUAN, ["O04"], "city", keys=["140200"])
    with pytest.raises(ScopeError):
        q.county_values(TAIYUAN, "140200", ["O04"])
    with pytest.raises(ScopeError):
        q.values(TAIYUAN, ["O04"], "county", keys=["140212"])
    with pytest.raises(ScopeError):
        q.values(TAIYUAN, ["O04"], "province")
    with pytest.raises(ScopeError):
        q.institution_values(TAIYUAN, ["O04"])
    with pytest.raises(ScopeError):
        q.quarantine_sample(TAIYUAN)


def test_missing_warehouse_raises_friendly_error(tmp_path, monkeypatch):
    monkeypatch.setenv("LOANCODE_WAREHOUSE", str(tmp_path / "nope.duckdb"))
    assert not q.warehouse_exists()
    with pytest.raises(q.WarehouseMissing, match="仓库尚未构建，请先运行 make build"):
        q.periods(PROVINCE)


def test_a_newly_published_build_is_read(warehouse):
    fx = warehouse
    before = q.snapshot(PROVINCE, fx.latest)["O04"]
    time.sleep(0.01)
    build_warehouse(fx.path, n_months=14)  # a new build: one month fewer
    os.utime(fx.path)
    assert q.periods(PROVINCE) == fx.periods[:-1]
    assert before == fx.value("O04", fx.latest)


def test_ingest_and_quarantine(warehouse):
    files = q.ingest_files(PROVINCE)
    assert "rejected" in set(files["status"])
    summary = q.quarantine_summary(PROVINCE)
    assert summary.set_index(["feed", "rule"]).loc[("applications", "county_unknown"), "rows"] == 2
    assert len(q.quarantine_sample(PROVINCE, rule="county_unknown")) == 2


def test_the_connection_is_read_only_and_can_be_released(warehouse):
    import duckdb

    from dashboards.queries import _db

    q.periods(PROVINCE)
    with pytest.raises(duckdb.Error, match="read-only"):
        _db.query("create table marts.scribble(i integer)")
    # a writer in this same process gets the file once the layer lets go of it
    q.release()
    con = duckdb.connect(str(warehouse.path))
    con.close()
    assert q.periods(PROVINCE) == warehouse.periods  # and the layer reopens it on the next query


def test_queries_from_many_sessions_at_once(warehouse):
    from concurrent.futures import ThreadPoolExecutor

    from dashboards.queries import _db

    sql = "select count(*) from marts.indicator_values where period = ?"
    expected = {p: sum(1 for k in warehouse.values if k[1] == p) for p in warehouse.periods}
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda p: int(_db.query(sql, (p,)).iloc[0, 0]), warehouse.periods * 4))
    assert counts == [expected[p] for p in warehouse.periods * 4]
