"""An independent reference computation of every indicator of /work/shared/indicators.md.

Written from the definitions alone (indicators.md, feeds.md, docs/warehouse.md), never from the dbt SQL,
so that `marts.indicator_values` can be checked the way the provincial bureau checks it. Plain Python over
the RAW layer (rows that passed the per-row rules); this module applies, itself:

- de-duplication (feeds.md Clarification 4/10): one row per event_id / report_id, the copy with the
  earliest `_business_date`, then the lowest `_row_number`;
- the life cycle (feeds.md Clarification 2, 3): an application that breaks it is excluded whole;
- authorization supersession (feeds.md Clarification 5): the last row by (`_business_date`, `_row_number`);
- the working-day calendar (`chinese_calendar.is_workday`, Monday–Friday for years it does not know).

`compute(con)` returns {(indicator_code, period, grain, grain_key): Cell(value, required)}:
a complete grid for every indicator, grain, month and every member ever seen at that grain for that
indicator. `required` is True where indicators.md says the row must exist (province and city always;
other grains where the indicator's own population for that member and month is non-empty — for growth
and YTD rows: where their base row is required). Rows that are not required may be absent from the mart;
if present, they must carry the value of the complete grid (0 for counts/amounts, NULL for rates).
`as_rows(result)` gives the long table (indicator_code, period, grain, grain_key, value).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

import chinese_calendar

PROVINCE = "140000"
CITIES = [f"14{n:02d}00" for n in range(1, 12)]  # 140100 .. 141100
ALL_GRAINS = ("province", "city", "county", "institution", "product_category", "entity_type", "industry")
NO_PRODUCT = "一般需求"
WAN = Decimal(10000)


@dataclass(frozen=True)
class Cell:
    value: float | None
    required: bool


# ----------------------------------------------------------------------------------------------------
# calendar


@cache
def is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the official calendar does not know: Monday–Friday
        return day.weekday() < 5


@cache
def deadline_day(submitted_day: dt.date) -> dt.date:
    """The 3rd working day strictly after the submission day (indicators.md Clarification 6)."""
    day, found = submitted_day, 0
    while found < 3:
        day += dt.timedelta(days=1)
        if is_workday(day):
            found += 1
    return day


def deadline(submitted_at: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(deadline_day(submitted_at.date()), dt.time(23, 59, 59))


def month_of(t: dt.datetime | dt.date) -> str:
    return f"{t.year:04d}-{t.month:02d}"


def month_last_day(period: str) -> dt.date:
    y, m = int(period[:4]), int(period[5:])
    first_next = dt.date(y + (m == 12), m % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def month_end(period: str) -> dt.datetime:
    return dt.datetime.combine(month_last_day(period), dt.time(23, 59, 59))


def months_between(first: str, last: str) -> list[str]:
    out, y, m = [], int(first[:4]), int(first[5:])
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def shift_month(period: str, months: int) -> str:
    n = int(period[:4]) * 12 + int(period[5:]) - 1 + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def city_of(division: str | None) -> str | None:
    """First four digits + 00, when that is one of the 11 cities."""
    if not division or len(division) < 4:
        return None
    city = division[:4] + "00"
    return city if city in CITIES else None


def entity_type(uscc: str) -> str:
    return {"91": "企业", "92": "个体工商户"}.get((uscc or "")[:2], "其他")


# ----------------------------------------------------------------------------------------------------
# reading the raw layer


def fetch(con: Any, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def dedup(rows: list[dict], key: str) -> list[dict]:
    """Same key counts once: the earliest partition, then the lowest row number, wins."""
    kept: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: (r["_business_date"], r["_row_number"])):
        kept.setdefault(row[key], row)
    return list(kept.values())


def _first(events: list[dict]) -> dict | None:
    # order by event_time; ties (not expected) by delivery order
    return min(events, key=lambda e: (e["event_time"], e["_business_date"], e["_row_number"])) if events else None


@dataclass
class Application:
    application_id: str
    submitted: dict
    by_type: dict[str, list[dict]]
    county: str = ""
    city: str | None = None
    entity_type: str = ""
    industry: str | None = None
    uscc: str = ""
    product_id: str | None = None
    product_category: str | None = None  # None: product in no loaded snapshot (out of that grain)
    product_institution: str | None = None  # R04's institution grain
    institution: str | None = None  # the institution of the first accepted
    first_accepted: dict | None = None
    first_approved: dict | None = None
    first_rejected: dict | None = None
    first_disbursed: dict | None = None
    disbursed: list[dict] = field(default_factory=list)
    answers: list[dt.datetime] = field(default_factory=list)  # accepted, rejected, withdrawn times


def lifecycle_ok(events: list[dict]) -> bool:
    """feeds.md Clarification 2 on the de-duplicated surviving rows of one application."""
    by = defaultdict(list)
    for e in events:
        by[e["event_type"]].append(e)
    if len(by["submitted"]) != 1:
        return False
    t0 = by["submitted"][0]["event_time"]
    if any(e["event_time"] < t0 for e in events):
        return False
    first_acc = min((e["event_time"] for e in by["accepted"]), default=None)
    for e in by["approved"]:
        if first_acc is None or first_acc > e["event_time"]:
            return False
    first_app_ev = _first(by["approved"])
    for e in by["disbursed"]:
        if first_app_ev is None or first_app_ev["event_time"] > e["event_time"]:
            return False
    if by["disbursed"]:
        first_disb = min(e["event_time"] for e in by["disbursed"])
        if any(e["event_time"] > first_disb for e in by["withdrawn"]):
            return False
        drawn = sum((Decimal(e["amount_yuan"] or 0) for e in by["disbursed"]), Decimal(0))
        if first_app_ev is None or first_app_ev["amount_yuan"] is None or drawn > Decimal(first_app_ev["amount_yuan"]):
            return False
    return True


@dataclass
class Data:
    apps: list[Application]
    reports: list[dict]
    authorizations: dict[str, dict]
    snapshots: dict[dt.date, tuple[dict[str, dict], list[dict]]]  # date -> (institutions by id, products)
    months: list[str]


def load(con: Any) -> Data:
    events = dedup(fetch(con, "select * from raw.applications"), "event_id")
    grouped: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        grouped[e["application_id"]].append(e)

    # register snapshots; within one snapshot an id listed twice keeps its first row
    snapshots: dict[dt.date, tuple[dict[str, dict], list[dict]]] = {}
    inst_rows = sorted(fetch(con, "select * from raw.register_institutions"), key=lambda r: r["_row_number"])
    prod_rows = sorted(fetch(con, "select * from raw.register_products"), key=lambda r: r["_row_number"])
    for r in inst_rows:
        snapshots.setdefault(r["snapshot_date"], ({}, []))[0].setdefault(r["institution_id"], r)
    seen_products: dict[dt.date, set] = defaultdict(set)
    for r in prod_rows:
        snap = snapshots.setdefault(r["snapshot_date"], ({}, []))
        if r["product_id"] not in seen_products[r["snapshot_date"]]:
            seen_products[r["snapshot_date"]].add(r["product_id"])
            snap[1].append(r)
    # Clarification 14: the latest loaded snapshot that lists the product
    latest_product: dict[str, dict] = {}
    for date in sorted(snapshots):
        for p in snapshots[date][1]:
            latest_product[p["product_id"]] = p

    apps = []
    for app_id, evs in grouped.items():
        if not lifecycle_ok(evs):
            continue
        by = defaultdict(list)
        for e in evs:
            by[e["event_type"]].append(e)
        sub = by["submitted"][0]
        a = Application(app_id, sub, by)
        a.county = sub["county_code"]
        a.city = city_of(sub["county_code"])
        a.uscc = sub["uscc"]
        a.entity_type = entity_type(sub["uscc"])
        section = (sub["industry_code"] or "")[:1].upper()
        a.industry = section if "A" <= section <= "T" else None  # the grain's members are A–T
        a.product_id = sub["product_id"]
        if not a.product_id:
            a.product_category = NO_PRODUCT
        elif a.product_id in latest_product:
            a.product_category = latest_product[a.product_id]["product_category"]
            a.product_institution = latest_product[a.product_id]["institution_id"]
        a.first_accepted = _first(by["accepted"])
        a.institution = a.first_accepted["institution_id"] if a.first_accepted else None
        a.first_approved = _first(by["approved"])
        a.first_rejected = _first(by["rejected"])
        a.first_disbursed = _first(by["disbursed"])
        a.disbursed = by["disbursed"]
        a.answers = [e["event_time"] for t in ("accepted", "rejected", "withdrawn") for e in by[t]]
        apps.append(a)

    reports = dedup(fetch(con, "select * from raw.credit_reports"), "report_id")
    auths: dict[str, dict] = {}
    for r in sorted(fetch(con, "select * from raw.authorizations"), key=lambda r: (r["_business_date"], r["_row_number"])):
        auths[r["authorization_id"]] = r  # a later row supersedes

    # Clarification 1: months of the loaded applications' event_time and credit reports' queried_at
    stamps = [e["event_time"] for a in apps for evs in a.by_type.values() for e in evs]
    stamps += [r["queried_at"] for r in reports]
    months = months_between(month_of(min(stamps)), month_of(max(stamps))) if stamps else []
    return Data(apps, reports, auths, snapshots, months)


# ----------------------------------------------------------------------------------------------------
# populations: items with a period, the grain members they belong to, and a payload


@dataclass
class Item:
    period: str
    members: dict[str, str | None]  # grain -> key (None: not in that grain)
    payload: Any = None


def app_members(a: Application, institution: str | None = None) -> dict[str, str | None]:
    return {"province": PROVINCE, "city": a.city, "county": a.county,
            "institution": institution if institution is not None else a.institution,
            "product_category": a.product_category, "entity_type": a.entity_type, "industry": a.industry}


def count(items: list[Item]) -> float:
    return float(len(items))


def total(items: list[Item]) -> float:
    return float(sum((Decimal(i.payload) for i in items), Decimal(0)) / WAN)


def distinct(items: list[Item]) -> float:
    return float(len({i.payload for i in items}))


def mean(items: list[Item]) -> float | None:
    return sum(i.payload for i in items) / len(items) if items else None


def share(items: list[Item]) -> float | None:
    """payload: True/False; percent True."""
    return 100.0 * sum(1 for i in items if i.payload) / len(items) if items else None


def weighted_rate(items: list[Item]) -> float | None:
    amount = sum((Decimal(i.payload[1]) for i in items), Decimal(0))
    if amount == 0:
        return None
    return float(sum((Decimal(i.payload[0]) * Decimal(i.payload[1]) for i in items), Decimal(0)) / amount)


def credit_share(items: list[Item]) -> float | None:
    amount = sum((Decimal(i.payload[1]) for i in items), Decimal(0))
    if amount == 0:
        return None
    return float(Decimal(100) * sum((Decimal(i.payload[1]) for i in items if i.payload[2] == "信用"), Decimal(0)) / amount)


def hours(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 3600.0


@dataclass
class Spec:
    code: str
    grains: tuple[str, ...]
    items: Callable[[Data], Iterable[Item]]
    agg: Callable[[list[Item]], float | None]
    zero: float | None  # the value of an empty population: 0 for counts/amounts, None for rates
    growth: bool = False  # carries <code>_MOM and <code>_YOY
    ytd: bool = False  # carries <code>_YTD


def demand_items(data: Data, payload: Callable[[Application], Any]) -> Iterable[Item]:
    for a in data.apps:
        m = app_members(a)
        m["institution"] = None  # D01..D03: all but institution
        yield Item(month_of(a.submitted["event_time"]), m, payload(a))


def accepted_items(data: Data, payload: Callable[[Application], Any]) -> Iterable[Item]:
    for a in data.apps:
        if a.first_accepted:
            yield Item(month_of(a.first_accepted["event_time"]), app_members(a), payload(a))


def r04_items(data: Data) -> Iterable[Item]:
    for period in data.months:
        end, last = month_end(period), month_last_day(period)
        for a in data.apps:
            t0 = a.submitted["event_time"]
            if t0 > end or any(t <= end for t in a.answers):
                continue
            if deadline_day(t0.date()) < last:
                m = app_members(a, institution=None)
                m["institution"] = a.product_institution
                yield Item(period, m, a.application_id)


def approved_items(data: Data, payload: Callable[[Application], Any]) -> Iterable[Item]:
    for a in data.apps:
        if a.first_approved:
            yield Item(month_of(a.first_approved["event_time"]), app_members(a), payload(a))


def disbursed_items(data: Data, payload: Callable[[Application, dict], Any],
                    keep: Callable[[dict], bool] = lambda e: True) -> Iterable[Item]:
    for a in data.apps:
        for e in a.disbursed:
            if keep(e):
                yield Item(month_of(e["event_time"]), app_members(a), payload(a, e))


def decision_items(data: Data) -> Iterable[Item]:
    for a in data.apps:
        decisions = [e for e in (a.first_approved, a.first_rejected) if e]
        if decisions:
            first = _first(decisions)
            yield Item(month_of(first["event_time"]), app_members(a), first["event_type"] == "approved")


def o11_items(data: Data) -> Iterable[Item]:
    for a in data.apps:
        t0 = a.submitted["event_time"]
        ok = a.first_disbursed is not None and hours(t0, a.first_disbursed["event_time"]) <= 720
        yield Item(month_of(t0), app_members(a), ok)


def register_in_force(data: Data, period: str) -> tuple[dict[str, dict], list[dict]] | None:
    last = month_last_day(period)
    dates = [d for d in data.snapshots if d <= last]
    return data.snapshots[max(dates)] if dates else None


def s01_items(data: Data) -> Iterable[Item]:
    for period in data.months:
        reg = register_in_force(data, period)
        if not reg:
            continue
        for iid, inst in reg[0].items():
            if inst["onboarding_status"] == "已入驻":
                yield Item(period, {"province": PROVINCE, "city": city_of(inst["division_code"])}, iid)


def violates(product: dict, institutions: dict[str, dict], day: dt.date) -> bool:
    """indicators.md Clarification 11 / feeds.md register rules, judged on `day`."""
    if product["product_category"] in ("个人消费贷款", "理财产品"):
        return True
    targets = {t.strip() for t in (product["service_targets"] or "").split("、")}
    if targets == {"个人"}:
        return True
    inst = institutions.get(product["institution_id"])
    if inst is None or inst["onboarding_status"] != "已入驻":
        return True
    signed, expiry = inst["agreement_signed_date"], inst["agreement_expiry_date"]
    if signed is None or signed > day:
        return True
    return expiry is not None and expiry < day


def listed_items(data: Data, violations_only: bool) -> Iterable[Item]:
    for period in data.months:
        reg = register_in_force(data, period)
        if not reg:
            continue
        institutions, products = reg
        day = month_last_day(period)
        for p in products:
            if p["listing_status"] != "上架":
                continue
            if violations_only and not violates(p, institutions, day):
                continue
            inst = institutions.get(p["institution_id"])
            yield Item(period, {"province": PROVINCE, "city": city_of(inst["division_code"]) if inst else None,
                                "institution": p["institution_id"], "product_category": p["product_category"]},
                       p["product_id"])


def lawful(report: dict, auths: dict[str, dict]) -> bool:
    auth = auths.get(report["authorization_id"]) if report["authorization_id"] else None
    if auth is None:
        return False
    if auth["uscc"] != report["uscc"] or auth["institution_id"] != report["institution_id"]:
        return False
    if auth["scope"] not in ("credit_report", "all"):
        return False
    limit = auth["expires_at"]
    if auth["revoked_at"] is not None and (limit is None or auth["revoked_at"] < limit):
        limit = auth["revoked_at"]
    q = report["queried_at"]
    return auth["granted_at"] is not None and auth["granted_at"] <= q and (limit is None or q < limit)


def report_items(data: Data, unlawful_only: bool) -> Iterable[Item]:
    for r in data.reports:
        if unlawful_only and lawful(r, data.authorizations):
            continue
        yield Item(month_of(r["queried_at"]), {"province": PROVINCE, "city": city_of(r["subject_county_code"]),
                                               "institution": r["institution_id"]}, r["report_id"])


def _amount(e: dict) -> Decimal:
    return Decimal(e["amount_yuan"])


RESP = ("province", "city", "county", "institution")
DEMAND = ("province", "city", "county", "product_category", "entity_type", "industry")

SPECS: list[Spec] = [
    Spec("D01", DEMAND, lambda d: demand_items(d, lambda a: a.application_id), count, 0.0, True, True),
    Spec("D02", DEMAND, lambda d: demand_items(d, lambda a: _amount(a.submitted)), total, 0.0, True, True),
    Spec("D03", DEMAND, lambda d: demand_items(d, lambda a: a.uscc), distinct, 0.0, True, False),
    Spec("R01", RESP, lambda d: accepted_items(d, lambda a: a.application_id), count, 0.0, True, True),
    Spec("R02", RESP, lambda d: accepted_items(
        d, lambda a: hours(a.submitted["event_time"], a.first_accepted["event_time"])), mean, None),
    Spec("R03", RESP, lambda d: accepted_items(
        d, lambda a: a.first_accepted["event_time"] <= deadline(a.submitted["event_time"])), share, None),
    Spec("R04", RESP, r04_items, count, 0.0),
    Spec("O01", ALL_GRAINS, lambda d: approved_items(d, lambda a: a.application_id), count, 0.0, True, True),
    Spec("O02", ALL_GRAINS, lambda d: approved_items(d, lambda a: _amount(a.first_approved)), total, 0.0, True, True),
    Spec("O03", ALL_GRAINS, lambda d: disbursed_items(d, lambda a, e: e["event_id"]), count, 0.0, True, True),
    Spec("O04", ALL_GRAINS, lambda d: disbursed_items(d, lambda a, e: _amount(e)), total, 0.0, True, True),
    Spec("O05", ALL_GRAINS, lambda d: disbursed_items(d, lambda a, e: e["uscc"]), distinct, 0.0, True, False),
    Spec("O06", ALL_GRAINS, lambda d: disbursed_items(
        d, lambda a, e: (e["annual_rate_pct"], e["amount_yuan"])), weighted_rate, None),
    Spec("O07", ALL_GRAINS, lambda d: disbursed_items(
        d, lambda a, e: e["uscc"], keep=lambda e: e["first_loan"] == "Y"), distinct, 0.0, True, False),
    Spec("O08", ALL_GRAINS, lambda d: disbursed_items(
        d, lambda a, e: (e["annual_rate_pct"], e["amount_yuan"], e["guarantee_type"])), credit_share, None),
    Spec("O09", ALL_GRAINS, lambda d: disbursed_items(
        d, lambda a, e: _amount(e), keep=lambda e: e["guarantee_type"] == "政府性融资担保"), total, 0.0, True, True),
    Spec("O10", ALL_GRAINS, decision_items, share, None),
    Spec("O11", ALL_GRAINS, o11_items, share, None),
    Spec("S01", ("province", "city"), s01_items, count, 0.0),
    Spec("S02", ("province", "city", "institution", "product_category"),
         lambda d: listed_items(d, violations_only=False), count, 0.0),
    Spec("S03", ("province", "city", "institution", "product_category"),
         lambda d: listed_items(d, violations_only=True), count, 0.0),
    Spec("C01", ("province", "city"), lambda d: disbursed_items(d, lambda a, e: a.county), distinct, 0.0),
    Spec("K01", ("province", "city", "institution"), lambda d: report_items(d, unlawful_only=False), count, 0.0,
         True, True),
    Spec("K02", ("province", "city", "institution"), lambda d: report_items(d, unlawful_only=True), count, 0.0),
]

# The variants the table must carry (indicators.md "Growth"): code -> grains
GROWTH_CODES = ("D01", "D02", "D03", "R01", "O01", "O02", "O03", "O04", "O05", "O07", "O09", "K01")
YTD_CODES = ("D01", "D02", "R01", "O01", "O02", "O03", "O04", "O09", "K01")


def expected_pairs() -> list[tuple[str, str]]:
    """Every (indicator_code, grain) the table must carry."""
    pairs = []
    for spec in SPECS:
        for grain in spec.grains:
            pairs.append((spec.code, grain))
            if spec.code in GROWTH_CODES:
                pairs += [(f"{spec.code}_MOM", grain), (f"{spec.code}_YOY", grain)]
            if spec.code in YTD_CODES:
                pairs.append((f"{spec.code}_YTD", grain))
    return pairs


def growth(current: float | None, base: float | None) -> float | None:
    if base is None or base == 0:
        return None
    return ((current or 0.0) - base) / base * 100.0


def compute(con: Any) -> dict[tuple[str, str, str, str], Cell]:
    data = load(con)
    months = data.months
    out: dict[tuple[str, str, str, str], Cell] = {}
    for spec in SPECS:
        items = [i for i in spec.items(data) if i.period in months]
        for grain in spec.grains:
            cells: dict[tuple[str, str], list[Item]] = defaultdict(list)
            for i in items:
                key = i.members.get(grain)
                if key is not None:
                    cells[(i.period, key)].append(i)
            if grain == "province":
                members = [PROVINCE]
            elif grain == "city":
                members = CITIES
            else:
                members = sorted({k for _, k in cells})
            complete = grain in ("province", "city")
            base: dict[tuple[str, str], Cell] = {}
            for key in members:
                for period in months:
                    pop = cells.get((period, key), [])
                    value = spec.agg(pop) if pop else spec.zero
                    base[(period, key)] = Cell(value, complete or bool(pop))
            for (period, key), cell in base.items():
                out[(spec.code, period, grain, key)] = cell
            if spec.growth:
                for (period, key), cell in base.items():
                    prev = base.get((shift_month(period, -1), key))
                    year = base.get((shift_month(period, -12), key))
                    out[(f"{spec.code}_MOM", period, grain, key)] = Cell(
                        growth(cell.value, prev.value if prev else None), cell.required)
                    out[(f"{spec.code}_YOY", period, grain, key)] = Cell(
                        growth(cell.value, year.value if year else None), cell.required)
            if spec.ytd:
                for (period, key), cell in base.items():
                    acc = 0.0
                    for m in months:
                        if m[:4] == period[:4] and m <= period:
                            acc += base[(m, key)].value or 0.0
                    out[(f"{spec.code}_YTD", period, grain, key)] = Cell(acc, cell.required)
    return out


def as_rows(result: dict[tuple[str, str, str, str], Cell], required_only: bool = True) -> list[tuple]:
    """The long table (indicator_code, period, grain, grain_key, value)."""
    return [(*k, c.value) for k, c in sorted(result.items()) if c.required or not required_only]


if __name__ == "__main__":  # python tests/reference_indicators.py <warehouse.duckdb>
    import sys

    import duckdb

    with duckdb.connect(sys.argv[1], read_only=True) as connection:
        rows = as_rows(compute(connection))
    print(f"{len(rows)} required rows")
