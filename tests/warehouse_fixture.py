"""A small, real DuckDB warehouse with the published tables, for dashboard tests.

``build_warehouse(path)`` writes schemas marts/audit/reference with the columns of docs/warehouse.md
and indicators.md, filled with deterministic numbers: 15 months (2024-01 … 2025-03) × province and
11 cities, a few counties and institutions, and a handful of deliveries (one rejected).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # so tests can import `dashboards` and `pipelines`
    sys.path.insert(0, str(ROOT))
SEEDS = ROOT / "dbt_project" / "seeds"

CITIES = {
    "140100": ("太原市", 37.86, 112.51),
    "140200": ("大同市", 40.10, 113.30),
    "140300": ("阳泉市", 37.86, 113.56),
    "140400": ("长治市", 36.25, 113.15),
    "140500": ("晋城市", 35.50, 112.85),
    "140600": ("朔州市", 39.35, 112.43),
    "140700": ("晋中市", 37.70, 112.73),
    "140800": ("运城市", 35.04, 111.01),
    "140900": ("忻州市", 38.45, 112.72),
    "141000": ("临汾市", 36.08, 111.51),
    "141100": ("吕梁市", 37.53, 111.14),
}
COUNTIES = {  # two counties of each of two cities
    "140105": ("小店区", "140100"),
    "140106": ("迎泽区", "140100"),
    "140212": ("新荣区", "140200"),
    "140213": ("平城区", "140200"),
}
INSTITUTIONS = {
    "B001": "晋商银行",
    "B002": "山西农信",
    "B003": "工商银行山西分行",
    "B004": "建设银行山西分行",
}

# code, name_zh, name_en, unit, grains, additive
CATALOG = [
    (
        "D01",
        "融资需求笔数",
        "Financing demands",
        "笔",
        "province,city,county,product_category,entity_type,industry",
        "yes",
    ),
    (
        "D02",
        "融资需求金额",
        "Financing demand amount",
        "万元",
        "province,city,county,product_category,entity_type,industry",
        "yes",
    ),
    (
        "D03",
        "需求主体数",
        "Demanding entities",
        "户",
        "province,city,county,product_category,entity_type,industry",
        "no",
    ),
    ("R01", "受理笔数", "Accepted applications", "笔", "province,city,county,institution", "yes"),
    ("R02", "平均响应时长", "Mean response time", "小时", "province,city,county,institution", "no"),
    ("R03", "按时响应率", "On-time response rate", "%", "province,city,county,institution", "no"),
    ("R04", "超时未响应笔数", "Overdue unanswered", "笔", "province,city,county,institution", "no"),
    ("O01", "授信笔数", "Approvals", "笔", "all", "yes"),
    ("O02", "授信金额", "Approved amount", "万元", "all", "yes"),
    ("O03", "放款笔数", "Disbursements", "笔", "all", "yes"),
    ("O04", "放款金额", "Disbursed amount", "万元", "all", "yes"),
    ("O05", "放款主体数", "Financed entities", "户", "all", "no"),
    ("O06", "加权平均利率", "Weighted mean rate", "%", "all", "no"),
    ("O07", "首贷户数", "First-time borrowers", "户", "all", "no"),
    ("O08", "信用贷款占比", "Credit-loan share", "%", "all", "no"),
    ("O09", "政府性融资担保贷款金额", "Government-guaranteed amount", "万元", "all", "yes"),
    ("O10", "审批通过率", "Approval rate", "%", "all", "no"),
    ("O11", "30日对接成功率", "30-day success rate", "%", "all", "no"),
    ("S01", "入驻机构数", "Onboarded institutions", "家", "province,city", "no"),
    ("S02", "上架产品数", "Listed products", "款", "province,city,institution,product_category", "no"),
    (
        "S03",
        "违规上架产品数",
        "Non-compliant listed products",
        "款",
        "province,city,institution,product_category",
        "no",
    ),
    ("C01", "放款覆盖县区数", "Counties with disbursements", "个", "province,city", "no"),
    ("K01", "征信查询次数", "Credit queries", "次", "province,city,institution", "yes"),
    (
        "K02",
        "无有效授权查询次数",
        "Queries without valid authorization",
        "次",
        "province,city,institution",
        "yes",
    ),
]
# Catalogued but deliberately without values: the dashboard must show "—".
ABSENT = {"K02"}
RATES = {"R02", "R03", "O06", "O08", "O10", "O11"}
GROWTH = ["D01", "D02", "D03", "R01", "O01", "O02", "O03", "O04", "O05", "O07", "O09", "K01"]
YTD = {"D01", "D02", "R01", "O01", "O02", "O03", "O04", "O09", "K01"}
BASE = {  # per-city magnitude in the first month
    "D01": 300,
    "D02": 9000.0,
    "D03": 250,
    "R01": 280,
    "R02": 20.0,
    "R03": 92.0,
    "R04": 3,
    "O01": 200,
    "O02": 7000.0,
    "O03": 180,
    "O04": 6000.0,
    "O05": 170,
    "O06": 3.6,
    "O07": 40,
    "O08": 35.0,
    "O09": 900.0,
    "O10": 80.0,
    "O11": 55.0,
    "S01": 12,
    "S02": 40,
    "S03": 1,
    "C01": 8,
    "K01": 500,
    "K02": 4,
}


def months(first: str = "2024-01", n: int = 15) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def _city_value(code: str, city_idx: int, month_idx: int) -> float:
    base = BASE[code]
    if code in RATES:
        return round(base + (city_idx - 5) * 0.5 + (month_idx % 4) * 0.25, 4)
    weight = 1.0 + 0.15 * (10 - city_idx)  # 太原 largest
    growth = 1.0 + 0.04 * month_idx
    v = base * weight * growth
    return round(v, 2) if code in {"D02", "O02", "O04", "O09"} else float(round(v))


@dataclass
class Fixture:
    path: Path
    periods: list[str]
    values: dict[tuple[str, str, str, str], float | None] = field(default_factory=dict)

    @property
    def latest(self) -> str:
        return self.periods[-1]

    def value(self, code: str, period: str, grain: str = "province", key: str = "140000") -> float | None:
        return self.values[(code, period, grain, key)]


def build_warehouse(path: Path, n_months: int = 15) -> Fixture:
    # Built beside and renamed over, as a real build publishes: a reader still holding the old
    # version keeps it, and the next query sees a new file version.
    path = Path(path)
    building = path.with_name(path.name + ".building")
    if building.exists():
        building.unlink()
    periods = months(n=n_months)
    fx = Fixture(path=path, periods=periods)
    rows: list[tuple[str, str, str, str, float | None]] = []

    def add(code: str, period: str, grain: str, key: str, value: float | None) -> None:
        fx.values[(code, period, grain, key)] = value
        rows.append((code, period, grain, key, value))

    codes = [c[0] for c in CATALOG if c[0] not in ABSENT]
    for mi, period in enumerate(periods):
        for code in codes:
            city_vals = {ck: _city_value(code, ci, mi) for ci, ck in enumerate(CITIES)}
            for ck, v in city_vals.items():
                add(code, period, "city", ck, v)
            if code in RATES:
                prov = round(sum(city_vals.values()) / len(city_vals), 4)
            else:
                prov = round(sum(city_vals.values()), 2)
            add(code, period, "province", "140000", prov)
        for ci, (county, (_, _city)) in enumerate(COUNTIES.items()):
            for code in ("D01", "D02", "R01", "R03", "O01", "O03", "O04"):
                add(code, period, "county", county, round(_city_value(code, ci, mi) / 3, 2))
        for ii, inst in enumerate(INSTITUTIONS):
            for code in ("R01", "R02", "R03", "O01", "O04", "O10"):
                add(code, period, "institution", inst, round(_city_value(code, ii * 3, mi) * 2, 2))
    # growth rows for the province and city grains
    for (code, period, grain, key), v in list(fx.values.items()):
        if code not in GROWTH or grain not in {"province", "city"}:
            continue
        mi = periods.index(period)
        prev = fx.values.get((code, periods[mi - 1], grain, key)) if mi >= 1 else None
        ly = fx.values.get((code, periods[mi - 12], grain, key)) if mi >= 12 else None
        mom = None if not prev else round((v - prev) / prev * 100, 6)
        yoy = None if not ly else round((v - ly) / ly * 100, 6)
        if mi >= 1:
            add(f"{code}_MOM", period, grain, key, mom)
        if mi >= 12:
            add(f"{code}_YOY", period, grain, key, yoy)
        if code in YTD:
            same_year = [p for p in periods[: mi + 1] if p[:4] == period[:4]]
            add(
                f"{code}_YTD",
                period,
                grain,
                key,
                round(sum(fx.values[(code, p, grain, key)] for p in same_year), 2),
            )

    con = duckdb.connect(str(building))
    try:
        for schema in ("marts", "audit", "reference"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table marts.indicator_values(indicator_code varchar, period varchar, grain varchar, "
            "grain_key varchar, value double)"
        )
        frame = pd.DataFrame(rows, columns=["indicator_code", "period", "grain", "grain_key", "value"])
        con.register("fixture_values", frame)
        con.execute("insert into marts.indicator_values select * from fixture_values")
        con.unregister("fixture_values")
        con.execute(
            "create table marts.indicator_catalog(code varchar, name_zh varchar, name_en varchar, "
            "unit varchar, definition varchar, grains varchar, additive varchar)"
        )
        con.executemany(
            "insert into marts.indicator_catalog values (?, ?, ?, ?, ?, ?, ?)",
            [(c, zh, en, unit, f"{zh}的定义", grains, add_) for c, zh, en, unit, grains, add_ in CATALOG],
        )
        con.execute(
            "create table marts.dim_city(city_code varchar, city_name varchar, lat double, lon double)"
        )
        con.executemany(
            "insert into marts.dim_city values (?, ?, ?, ?)",
            [(k, n, lat, lon) for k, (n, lat, lon) in CITIES.items()],
        )
        con.execute("create table reference.city_seats as select * from marts.dim_city")
        con.execute(
            "create table reference.divisions(code varchar, name varchar, level varchar, city_code varchar, "
            "city_name varchar)"
        )
        con.executemany(
            "insert into reference.divisions values (?, ?, 'county', ?, ?)",
            [(k, n, c, CITIES[c][0]) for k, (n, c) in COUNTIES.items()],
        )
        con.execute(
            "create table marts.dim_county as select code as county_code, name as county_name, city_code, "
            "city_name from reference.divisions where level = 'county'"
        )
        con.execute("create table marts.dim_institution(institution_id varchar, institution_name varchar)")
        con.executemany("insert into marts.dim_institution values (?, ?)", list(INSTITUTIONS.items()))
        con.execute(
            "create table audit.ingest_files(feed varchar, file_name varchar, business_date date, "
            "sha256 varchar, encoding varchar, rows_in bigint, rows_loaded bigint, rows_quarantined bigint, "
            "status varchar, message varchar, loaded_at timestamp)"
        )
        con.executemany(
            "insert into audit.ingest_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            INGEST_FILES,
        )
        con.execute(
            "create table audit.quarantine(feed varchar, file_name varchar, row_number integer, "
            "record_key varchar, rule varchar, detail varchar, raw_record varchar)"
        )
        con.executemany("insert into audit.quarantine values (?, ?, ?, ?, ?, ?, ?)", QUARANTINE)
    finally:
        con.close()
    os.replace(building, path)
    return fx


REJECTED_FILE = "applications_20250304.csv"
REJECTED_MESSAGE = "文件编码无法识别，已整体拒收 / Unrecognised file encoding, file rejected"

INGEST_FILES = [
    (
        "applications",
        "applications_20250303.csv",
        "2025-03-03",
        "a" * 64,
        "utf-8",
        1200,
        1200,
        0,
        "loaded",
        None,
        "2025-03-04 02:00:00",
    ),
    (
        "applications",
        REJECTED_FILE,
        "2025-03-04",
        "b" * 64,
        "unknown",
        0,
        0,
        0,
        "rejected",
        REJECTED_MESSAGE,
        "2025-03-05 02:00:00",
    ),
    (
        "applications",
        "applications_20250305.csv",
        "2025-03-05",
        "c" * 64,
        "gb18030",
        1000,
        996,
        4,
        "loaded_with_quarantine",
        None,
        "2025-03-06 02:00:00",
    ),
    (
        "credit_reports",
        "credit_reports_20250305.jsonl",
        "2025-03-05",
        "d" * 64,
        "utf-8",
        300,
        299,
        1,
        "loaded_with_quarantine",
        None,
        "2025-03-06 02:05:00",
    ),
    (
        "register",
        "register_20250301.xlsx",
        "2025-03-01",
        "e" * 64,
        None,
        80,
        80,
        0,
        "loaded",
        None,
        "2025-03-02 02:00:00",
    ),
]
QUARANTINE = [
    (
        "applications",
        "applications_20250305.csv",
        12,
        "EV0012",
        "uscc_checksum",
        "校验位错误",
        '{"uscc": "91140100MA0*****X1", "legal_rep_name": "张*"}',
    ),
    (
        "applications",
        "applications_20250305.csv",
        40,
        "EV0040",
        "county_unknown",
        "区县代码 149999 不存在",
        '{"county_code": "149999"}',
    ),
    (
        "applications",
        "applications_20250305.csv",
        41,
        "EV0041",
        "county_unknown",
        "区县代码 149998 不存在",
        '{"county_code": "149998"}',
    ),
    (
        "applications",
        "applications_20250305.csv",
        77,
        "EV0077",
        "amount_negative",
        "金额为负",
        '{"amount": "-5"}',
    ),
    (
        "credit_reports",
        "credit_reports_20250305.jsonl",
        9,
        "CR0009",
        "timestamp_unparseable",
        "时间无法解析",
        '{"queried_at": "yesterday"}',
    ),
]


def publish(tmp_path: Path, monkeypatch) -> Fixture:
    """Build a fresh fixture warehouse and point LOANCODE_WAREHOUSE at it (province viewer by default).

    Use from a test module's own fixture: ``return warehouse_fixture.publish(tmp_path, monkeypatch)``.
    """
    fx = build_warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("LOANCODE_WAREHOUSE", str(fx.path))
    monkeypatch.delenv("LOANCODE_VIEWER_SCOPE", raising=False)
    return fx
