"""贷款码推广 (docs/promotion.md) against a hand count: a hand-made landing zone of six demands through four
codes over five months, built by `make build`'s entry point; P01–P08 at every grain, the per-code listing
and its ranks, and the attribution of P01 / P06 (docs/attribution.md), each value counted by hand below.

Codes (their place is the code's division, not the applicant's county):
  C1 QR-140105-BANK-0001  小店区 (太原)   demands Jan (A1), Feb (A3)
  C2 QR-140100-GOV-0002   太原 city level demands Feb (A4), May (A6)   no county
  C3 QR-140000-PLAT-0003  provincial      demand  Mar (A5)             province only
  C4 QR-140212-GUAR-0004  新荣区 (大同)   demand  Jan (A2, an applicant of 小店区)
Outcomes as known now: A1 accepted, approved, drawn 10万 (Jan) + 5万 (Feb); A3 accepted, approved; A4 accepted,
approved, drawn 20万 in March (counts in its February cohort); A6 accepted; A2, A5 nothing.
"""

from __future__ import annotations

import duckdb
import pytest

from dashboards import format as fmt
from tests import landing_factory as lf
from tests.app_runner import run_app
from tests.built_province import point_dashboards_at
from tests.pipeline_runner import run_build

C1, C2, C3, C4 = "QR-140105-BANK-0001", "QR-140100-GOV-0002", "QR-140000-PLAT-0003", "QR-140212-GUAR-0004"
TAIYUAN, DATONG, PROVINCE = "140100", "140200", "140000"
JAN, FEB, MAR, APR, MAY = "2025-01", "2025-02", "2025-03", "2025-04", "2025-05"


def write_landing(landing) -> None:
    a = lf.event
    files = {
        "20250106": [lf.submitted("A1-S", "A1", event_time="2025-01-06 09:00:00", qr_code_id=C1),
                     a("accepted", "A1-A", "A1", "2025-01-06 10:00:00")],
        "20250107": [lf.submitted("A2-S", "A2", event_time="2025-01-07 09:00:00", qr_code_id=C4),
                     a("approved", "A1-P", "A1", "2025-01-07 10:00:00")],
        "20250120": [a("disbursed", "A1-D1", "A1", "2025-01-20 10:00:00", amount_yuan="100000")],
        "20250203": [lf.submitted("A3-S", "A3", event_time="2025-02-03 09:00:00", qr_code_id=C1),
                     a("accepted", "A3-A", "A3", "2025-02-03 10:00:00")],
        "20250204": [lf.submitted("A4-S", "A4", event_time="2025-02-04 09:00:00", qr_code_id=C2,
                                  county_code="140106"),
                     a("accepted", "A4-A", "A4", "2025-02-04 10:00:00")],
        "20250205": [a("approved", "A3-P", "A3", "2025-02-05 10:00:00")],
        "20250206": [a("approved", "A4-P", "A4", "2025-02-06 10:00:00")],
        "20250210": [a("disbursed", "A1-D2", "A1", "2025-02-10 10:00:00", amount_yuan="50000")],
        "20250303": [lf.submitted("A5-S", "A5", event_time="2025-03-03 09:00:00", qr_code_id=C3,
                                  county_code="140212")],
        "20250310": [a("disbursed", "A4-D", "A4", "2025-03-10 10:00:00", amount_yuan="200000")],
        "20250506": [lf.submitted("A6-S", "A6", event_time="2025-05-06 09:00:00", qr_code_id=C2),
                     a("accepted", "A6-A", "A6", "2025-05-06 10:00:00")],
    }
    for day, rows in files.items():
        lf.write_applications(landing, day, rows)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("promotion")
    landing, published = root / "landing", root / "warehouse.duckdb"
    write_landing(landing)
    result = run_build(landing, published)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return published


@pytest.fixture(scope="module")
def con(warehouse):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


def published(con) -> dict[tuple[str, str, str, str], float | None]:
    rows = con.execute("select indicator_code, period, grain, grain_key, value from marts.indicator_values "
                       "where indicator_code like 'P0%'").fetchall()
    return {(c, p, g, k): v for c, p, g, k, v in rows}


P, TY, DT = ("province", PROVINCE), ("city", TAIYUAN), ("city", DATONG)

HAND_COUNT = {
    # P01 demands, by the code's place: A2 (an applicant of 小店区) counts in 大同 through C4
    ("P01", JAN, *P): 2, ("P01", JAN, *TY): 1, ("P01", JAN, *DT): 1, ("P01", FEB, *TY): 2, ("P01", MAR, *P): 1,
    ("P01", MAR, *TY): 0, ("P01", MAR, *DT): 0, ("P01", APR, *P): 0, ("P01", MAY, *TY): 1,
    ("P01", JAN, "county", "140105"): 1, ("P01", FEB, "county", "140105"): 1, ("P01", JAN, "county", "140212"): 1,
    ("P01", JAN, "issuer_type", "BANK"): 1, ("P01", JAN, "issuer_type", "GUAR"): 1,
    ("P01", FEB, "issuer_type", "BANK"): 1, ("P01", FEB, "issuer_type", "GOV"): 1,
    ("P01", MAR, "issuer_type", "PLAT"): 1, ("P01", MAY, "issuer_type", "GOV"): 1,
    # P02–P05: the cohort of the submission month, as known now
    ("P02", JAN, *P): 1, ("P02", FEB, *P): 2, ("P02", MAR, *P): 0, ("P02", MAY, *P): 1,
    ("P03", JAN, *P): 1, ("P03", FEB, *TY): 2, ("P03", MAY, *P): 0,
    ("P04", JAN, *P): 1, ("P04", FEB, *P): 1, ("P04", MAR, *P): 0, ("P04", FEB, "issuer_type", "GOV"): 1,
    ("P04", FEB, "issuer_type", "BANK"): 0,
    ("P05", JAN, *TY): 15.0, ("P05", FEB, *TY): 20.0, ("P05", MAR, *P): 0, ("P05", JAN, *DT): 0,
    # P06 = P04 / P01
    ("P06", JAN, *P): 50.0, ("P06", FEB, *P): 50.0, ("P06", MAR, *P): 0.0, ("P06", APR, *P): None,
    ("P06", JAN, *DT): 0.0, ("P06", MAR, *TY): None, ("P06", FEB, "issuer_type", "GOV"): 100.0,
    # P07 active codes
    ("P07", JAN, *P): 2, ("P07", JAN, *TY): 1, ("P07", JAN, *DT): 1, ("P07", FEB, *P): 2, ("P07", FEB, *TY): 2,
    ("P07", MAR, *P): 1, ("P07", MAR, *TY): 0, ("P07", APR, *P): 0, ("P07", MAY, *P): 1,
    ("P07", FEB, "county", "140105"): 1,
    # P08 dormant: C4 from April (last demand January), C1 in May (last demand February)
    ("P08", MAR, *P): 0, ("P08", APR, *P): 1, ("P08", APR, *DT): 1, ("P08", APR, *TY): 0, ("P08", MAY, *P): 2,
    ("P08", MAY, *TY): 1, ("P08", MAY, *DT): 1, ("P08", MAY, "county", "140105"): 1,
    ("P08", MAY, "issuer_type", "BANK"): 1, ("P08", MAY, "issuer_type", "GUAR"): 1,
    ("P08", MAY, "issuer_type", "GOV"): 0,
}


def test_promotion_indicators_equal_the_hand_count(con):
    got = published(con)
    wrong = {k: (v, got.get(k, "missing")) for k, v in HAND_COUNT.items()
             if k not in got or (v is None) != (got[k] is None) or (v is not None and abs(got[k] - v) > 1e-9)}
    assert not wrong, wrong
    # the applicant's geography is D01's: both January demands were submitted from 小店区
    d01 = con.execute("select value from marts.indicator_values where indicator_code = 'D01' and period = ? "
                      "and grain = 'city' and grain_key = ?", [JAN, TAIYUAN]).fetchone()[0]
    assert d01 == 2
    # a city-level code has no county; the provincial code no city
    assert not [k for k in got if k[2] == "county" and k[3] not in ("140105", "140212")]
    assert {k[3] for k in got if k[2] == "issuer_type"} == {"BANK", "GOV", "GUAR", "PLAT"}


def test_city_by_issuer_type_in_the_city_breakdowns(con):
    rows = con.execute("select period, member_key, value from marts.rpt_city_breakdowns where city_code = ? "
                       "and dimension = 'issuer_type' and indicator_code = 'P01' order by 1, 2", [TAIYUAN]).fetchall()
    assert rows == [(JAN, "BANK", 1), (FEB, "BANK", 1), (FEB, "GOV", 1), (MAY, "GOV", 1)]


def test_the_codes_listing_ranks_and_dormancy(con):
    feb = con.execute("select qr_code_id, demands, disbursed, rank_top, rank_bottom from marts.rpt_promotion_codes "
                      "where period = ? and city_code = ? order by rank_top", [FEB, TAIYUAN]).fetchall()
    # C2's demand ended in a loan (drawn in March), C1's did not
    assert feb == [(C2, 1, 1, 1, 2), (C1, 1, 0, 2, 1)]
    may = {r[0]: r[1:] for r in con.execute(
        "select qr_code_id, is_active, is_dormant, last_demand_period, months_since_last_demand, rank_top "
        "from marts.rpt_promotion_codes where period = ?", [MAY]).fetchall()}
    assert may == {C1: (False, True, FEB, 3, None), C2: (True, False, MAY, 0, 1),
                   C3: (False, False, MAR, 2, None), C4: (False, True, JAN, 4, None)}
    first = con.execute("select min(period) from marts.rpt_promotion_codes where qr_code_id = ?", [C3]).fetchone()
    assert first == (MAR,)  # a code exists from its first demand


def test_attribution_of_a_sum_and_a_ratio_by_hand(con):
    def rows(code, period):
        return {r[0]: r[1:] for r in con.execute(
            "select member_key, member_name, rate_effect, mix_effect, contribution, change "
            "from marts.rpt_indicator_attribution where indicator_code = ? and period = ? and grain = 'province' "
            "and dimension = 'city'", [code, period]).fetchall()}

    # P01 February: 太原 1 → 2, 大同 1 → 0 (vanishes); the change is 0
    feb = rows("P01", FEB)
    assert {k: v[3] for k, v in feb.items()} == {TAIYUAN: 1, DATONG: -1} and feb[TAIYUAN][4] == 0
    # P01 March 2 → 1: 太原 −2, the provincial code +1 (the residual member)
    mar = rows("P01", MAR)
    assert {k: v[3] for k, v in mar.items()} == {TAIYUAN: -2, "": 1}
    assert mar[""][0] == "其他（未归属地市）"
    # P06 March 50 % → 0 %: 太原 (all of February's weight) leaves, the provincial code (0 %) takes it all;
    # mean rate 25: 太原 mix (50 − 25)(0 − 1) = −25, residual (0 − 25)(1 − 0) = −25, no rate effect
    ratio = rows("P06", MAR)
    assert {k: v[1:4] for k, v in ratio.items()} == {TAIYUAN: (0, -25, -25), "": (0, -25, -25)}
    assert ratio[TAIYUAN][4] == -50
    # P01 by issuer type, province: January BANK 1, GUAR 1 → February BANK 1, GOV 1
    issuers = dict(con.execute(
        "select member_key, contribution from marts.rpt_indicator_attribution where indicator_code = 'P01' "
        "and period = ? and grain = 'province' and dimension = 'issuer_type'", [FEB]).fetchall())
    assert issuers == {"BANK": 0, "GUAR": -1, "GOV": 1}


def test_the_promotion_page_shows_the_hand_count(warehouse, monkeypatch, tmp_path):
    point_dashboards_at(warehouse, monkeypatch, tmp_path)
    at = run_app(page="app_pages/promotion.py", query={"month": MAR})
    cards = {m.label: m for m in at.metric}
    assert cards["扫码融资需求笔数"].value == fmt.count(1, "笔")
    assert cards["贷款码转化率"].value == fmt.percent(0.0)
    assert cards["贷款码转化率"].proto.delta == "-50.0 个百分点"
    captions = [c.value for c in at.caption]
    assert "按地市：主要来自太原市（-2 笔）" in captions
    assert "按发码主体：主要来自银行（-1 笔）、金融办（-1 笔）" in captions
    # 太原 (the default city) brought no demand in March: no ranking; no code is dormant yet
    assert not [d for d in at.dataframe if "排名" in d.value.columns]
    assert "本月没有带来需求的贷款码。" in [i.value for i in at.info]
    at.selectbox(key="city").select(PROVINCE).run()  # the provincial codes: C3 is the only one active
    top = next(d.value for d in at.dataframe if "排名" in d.value.columns)
    assert list(top["贷款码"]) == [C3] and list(top["需求笔数"]) == [1]
