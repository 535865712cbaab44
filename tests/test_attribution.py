"""变动归因 on the shared small province (docs/attribution.md): every attribution adds up to the change of the
published values exactly — sums and ratios, members appearing and vanishing included —, its members' rates
and changes are the published ones, and the KPI cards and the city report say the mart's top three."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from dashboards import format as fmt
from dashboards import queries as q
from dashboards.reports import city_report_data
from dashboards.scope import ScopeError, Viewer
from tests.app_runner import run_app
from tests.built_province import built_warehouse, point_dashboards_at

TAIYUAN, DATONG = "140100", "140200"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return built_warehouse(tmp_path_factory)


@pytest.fixture(autouse=True)
def _env(warehouse, monkeypatch, tmp_path):
    point_dashboards_at(warehouse, monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def con(warehouse):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def latest(con) -> str:
    return con.execute("select max(period) from marts.indicator_values").fetchone()[0]


def test_every_attribution_adds_up_to_the_published_change(con):
    groups = con.execute("""
        select a.indicator_code, a.period, a.grain, a.grain_key, a.dimension, any_value(a.method),
               any_value(a.change), sum(a.contribution), any_value(a.value), any_value(a.previous_value),
               sum(a.member_weight), sum(a.member_previous_weight),
               count(*) filter (where a.member_previous_value is null and not a.is_residual),
               count(*) filter (where a.member_value is null and not a.is_residual),
               any_value(v.value), any_value(p.value)
        from marts.rpt_indicator_attribution as a
        join marts.indicator_values as v on v.indicator_code = a.indicator_code and v.period = a.period
            and v.grain = a.grain and v.grain_key = a.grain_key
        join marts.indicator_values as p on p.indicator_code = a.indicator_code and p.period = a.previous_period
            and p.grain = a.grain and p.grain_key = a.grain_key
        group by all""").fetchall()
    assert len(groups) > 1000
    appearing, vanishing = set(), set()
    for (code, period, grain, key, dimension, method, change, total, value, previous, weights, previous_weights,
         appeared, vanished, published, published_before) in groups:
        where = (code, period, grain, key, dimension)
        assert (value, previous) == (published, published_before), where
        assert change == pytest.approx(published - published_before, abs=1e-12), where
        assert math.isclose(total, change, rel_tol=0, abs_tol=1e-9 * max(1, abs(value), abs(previous))), where
        if method == "ratio":
            assert weights == pytest.approx(1, abs=1e-9) and previous_weights == pytest.approx(1, abs=1e-9), where
        if appeared:
            appearing.add(method)
        if vanished:
            vanishing.add(method)
    # the province has members appearing and vanishing between months, for sums and for ratios alike
    assert appearing == vanishing == {"sum", "ratio"}


def test_members_are_the_published_members(con, latest):
    rows = con.execute("""
        select a.indicator_code, a.member_key, a.method, a.member_value, a.member_previous_value,
               a.member_weight, a.member_previous_weight, a.rate_effect, a.mix_effect, a.contribution,
               a.value, a.previous_value, v.value, p.value
        from marts.rpt_indicator_attribution as a
        left join marts.indicator_values as v on v.indicator_code = a.indicator_code and v.period = a.period
            and v.grain = 'city' and v.grain_key = a.member_key
        left join marts.indicator_values as p on p.indicator_code = a.indicator_code
            and p.period = a.previous_period and p.grain = 'city' and p.grain_key = a.member_key
        where a.grain = 'province' and a.dimension = 'city' and not a.is_residual and a.period = ?""",
                       [latest]).fetchall()
    methods = set()
    for (code, member, method, now, before, w, w0, rate, mix, contribution, total, total_before, pub,
         pub_before) in rows:
        methods.add(method)
        if method == "sum":  # a city's contribution is its own published change
            assert contribution == pytest.approx(pub - pub_before, abs=1e-9), (code, member)
            continue
        assert (now, before) == (pub, pub_before), (code, member)  # NULL in the grid where it is absent
        r1 = pub if pub is not None else pub_before  # absent in a month: its rate of the other month there
        r0 = pub_before if pub_before is not None else pub
        assert rate == pytest.approx((w0 + w) / 2 * (r1 - r0), abs=1e-9), (code, member)
        assert mix == pytest.approx(((r0 + r1) / 2 - (total + total_before) / 2) * (w - w0), abs=1e-9), (code, member)
        assert contribution == pytest.approx(rate + mix, abs=1e-12)
    assert methods == {"sum", "ratio"}


def top_words(con, code, period, grain, key, dimension) -> str | None:
    rows = con.execute(
        "select member_name, contribution, change, unit from marts.rpt_indicator_attribution where indicator_code = ? "
        "and period = ? and grain = ? and grain_key = ? and dimension = ? order by contribution_rank",
        [code, period, grain, key, dimension]).fetchall()
    return fmt.attribution_words([(r[0], r[1]) for r in rows], rows[0][2], rows[0][3]) if rows else None


def test_the_cards_say_what_moved_them(con, latest):
    at = run_app()
    captions = [c.value for c in at.caption]
    for code in ("O04", "D01", "R03"):
        words = top_words(con, code, latest, "province", "140000", "city")
        assert words and words in captions, (code, words)
    r03 = next(m for m in at.metric if m.label == "按时响应率")  # a rate: its delta is the change in points
    change = con.execute("select any_value(change) from marts.rpt_indicator_attribution where indicator_code = 'R03' "
                         "and period = ? and grain = 'province'", [latest]).fetchone()[0]
    assert r03.proto.delta == fmt.change_text(change, "%")
    office = run_app(scope=TAIYUAN)
    words = top_words(con, "O04", latest, "city", TAIYUAN, "county")
    assert words in [c.value for c in office.caption]


def test_a_city_office_reads_its_own_citys_attribution_only(latest):
    office = Viewer(TAIYUAN)
    assert set(q.attribution(office, latest, "city", TAIYUAN)["grain_key"]) == {TAIYUAN}
    with pytest.raises(ScopeError):
        q.attribution(office, latest, "province", "140000")
    with pytest.raises(ScopeError):
        q.attribution(office, latest, "city", DATONG)


def test_the_city_report_carries_the_attribution(con, latest):
    report = city_report_data(Viewer("province"), TAIYUAN, latest)
    section = report.section("attribution")
    rows = {r[0]: r for r in section.rows}
    assert {"D01", "O04", "R03", "O10", "P01", "P06"} <= set(rows)
    for code, row in rows.items():
        value, previous, change = con.execute(
            "select any_value(value), any_value(previous_value), any_value(change) from "
            "marts.rpt_indicator_attribution where indicator_code = ? and period = ? and grain = 'city' "
            "and grain_key = ?", [code, latest, TAIYUAN]).fetchone()
        assert row[3:6] == [value, previous, change], code
        assert row[8] == top_words(con, code, latest, "city", TAIYUAN, "county"), code
        if row[6] is not None:  # a ratio: rate and mix effects add up to the change
            assert row[6] + row[7] == pytest.approx(change, abs=1e-9), code
    promotion = report.section("promotion")
    total = promotion.rows[-1]
    assert total[0] == "合计"
    p01 = con.execute("select value from marts.indicator_values where indicator_code = 'P01' and period = ? and "
                      "grain = 'city' and grain_key = ?", [latest, TAIYUAN]).fetchone()[0]
    assert total[1] == p01 == sum(r[1] or 0 for r in promotion.rows[:-1])


def test_the_bulletins_sections_for_the_province(con, latest):
    from dashboards.reports.attribution import attribution_section
    from dashboards.reports.promotion import promotion_cities_section, promotion_section

    province = Viewer("province")
    rows = {r[0]: r for r in attribution_section(province, latest).rows}
    assert rows["O04"][8] == top_words(con, "O04", latest, "province", "140000", "city")
    assert rows["O04"][9] == top_words(con, "O04", latest, "province", "140000", "institution")
    cities = promotion_cities_section(province, latest).rows
    assert [r[0] for r in cities] == [*q.cities(province)["city_code"], "140000"]
    for row in cities:
        grain = "province" if row[0] == "140000" else "city"
        for code, cell in zip(q.P_CODES, row[2:], strict=True):
            value = con.execute("select value from marts.indicator_values where indicator_code = ? and period = ? "
                                "and grain = ? and grain_key = ?", [code, latest, grain, row[0]]).fetchone()[0]
            assert cell == value, (row[0], code)
    by_issuer = promotion_section(province, latest).rows
    assert by_issuer[-1][0] == "合计" and by_issuer[-1][1] == sum(r[1] for r in by_issuer[:-1])
    with pytest.raises(ScopeError):
        promotion_section(Viewer(TAIYUAN), latest)
