"""Planted problems: contract-breaking rows (`--bad-rows`) and unlawful credit queries.

Every planted record is an extra row (or a whole extra application) with fresh identifiers, so the
clean part of the province is the same with or without them, and each breaks exactly one rule.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sample_province.feeds import APPLICATION_COLUMNS, AUTHORIZATION_COLUMNS
from sample_province.timing import DAY, HOUR, MINUTE
from sample_province.uscc import break_check

# Rule -> feeds it is planted in, taken in turn.
BAD_ROW_RULES = {
    "uscc_checksum": ["applications", "credit_reports", "authorizations"],
    "county_unknown": ["applications"],
    "amount_negative": ["applications"],
    "amount_format": ["applications"],
    "enum_event_type": ["applications"],
    "timestamp_unparseable": ["applications", "authorizations", "credit_reports"],
    "required_missing": ["applications"],
    "qr_code_format": ["applications"],
    "lifecycle_order": ["applications"],
    "disbursed_exceeds_approved": ["applications"],
    "json_invalid": ["credit_reports"],
    "enum_scope": ["authorizations"],
}
MULTI_ROW_RULES = {"lifecycle_order": 3, "disbursed_exceeds_approved": 4}
UNKNOWN_COUNTIES = ["140199", "149901", "110105", "142301"]  # 142301: the retired 吕梁地区 code
BAD_QR_CODES = ["QR-{d}-BNK-{s}", "QR{d}GOV{s}", "QR-{d4}-GOV-{s}", "QR-{d}-GOV-{s}#", "qr-{d}-gov-{s}"]
BAD_EVENT_TYPES = ["approve", "已受理", "cancelled", "SUBMITTED"]
BAD_SCOPES = ["read", "征信查询", "credit", "ALL_DATA"]
REQUIRED_ON_SUBMITTED = ["county_code", "enterprise_name", "amount_yuan", "qr_code_id", "contact_phone",
                         "industry_code"]
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@dataclass
class Planted:
    rows: dict[str, list[dict]] = field(default_factory=lambda: {
        "applications": [], "credit_reports": [], "authorizations": []})

    def add(self, feed: str, row: dict, t: int, rule: str, key: str, kind: str = "bad_row",
            group: str = "") -> None:
        self.rows[feed].append({**row, "_t": int(t), "_file_day": int(t // DAY), "_rule": rule,
                                "_kind": kind, "_key": key, "_group": group})

    def frame(self, feed: str, columns: list[str]) -> pl.DataFrame:
        schema = dict.fromkeys(columns, pl.String) | {
            "_t": pl.Int64, "_file_day": pl.Int64, "_rule": pl.String, "_kind": pl.String, "_key": pl.String,
            "_group": pl.String}
        return pl.DataFrame(self.rows[feed], schema=schema)


class Templates:
    """Rows that planted records copy: `frame` (numbers, `_i` naming the row), the text of a row made only
    when it is picked (`text(_i)`), so a large province's clean rows need not be held as text."""

    def __init__(self, frame: pl.DataFrame, text: Callable[[int], dict]):
        self.frame, self.text = frame, text

    @property
    def height(self) -> int:
        return self.frame.height

    def row(self, index: int, named: bool = True) -> dict:
        row = self.frame.row(index, named=True)
        return row | self.text(row["_i"])

    def join(self, other: pl.DataFrame, on: str) -> Templates:
        return Templates(self.frame.join(other, on=on), self.text)


def _stamp(t: int, style: str = "plain") -> str:
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(t))
    if style == "slash":
        return f"{moment.year}/{moment.month}/{moment.day} {moment:%H:%M:%S}"
    if style == "chinese":
        return f"{moment.year}年{moment.month}月{moment.day}日"
    if style == "us":
        return f"{moment:%m/%d/%Y %H:%M}"
    return f"{moment:%Y-%m-%d %H:%M:%S}"


class Planter:
    def __init__(self, rng: np.random.Generator, first_day: int, last_day: int, submitted: Templates,
                 reports: Templates, auth_rows: pl.DataFrame, lenders: list[str], n_apps: int, n_events: int):
        """`submitted`: the clean submitted rows as delivered; `reports`: the clean credit reports (`line`)."""
        self.rng, self.first_day, self.last_day = rng, first_day, last_day
        self.submitted = submitted
        self.reports, self.auth_rows, self.lenders = reports, auth_rows, lenders
        self.next_app, self.next_event = n_apps, n_events
        self.serial: dict[tuple[str, int], int] = {}
        self.out = Planted()

    # -- identifiers and times -------------------------------------------------------------------
    def _app_id(self) -> str:
        self.next_app += 1
        return f"AP{self.next_app:08d}"

    def _event_id(self) -> str:
        self.next_event += 1
        return f"EV{self.next_event:010d}"

    def _daily_id(self, prefix: str, t: int) -> str:
        """Serials from 900001 up: clean ids of a day never get that far."""
        day = int(t // DAY)
        self.serial[(prefix, day)] = self.serial.get((prefix, day), 900_000) + 1
        stamp = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).strftime("%Y%m%d")
        return f"{prefix}{stamp}{self.serial[(prefix, day)]:06d}"

    def _time(self, margin_days: int = 0) -> int:
        day = int(self.rng.integers(self.first_day, self.last_day - margin_days + 1))
        return day * DAY + int(self.rng.integers(9 * HOUR, 17 * HOUR))

    def _pick(self, frame: pl.DataFrame | Templates) -> dict:
        return frame.row(int(self.rng.integers(frame.height)), named=True)

    def _submitted(self, t: int) -> dict:
        row = {c: v for c, v in self._pick(self.submitted).items() if c in APPLICATION_COLUMNS}
        row.update(event_id=self._event_id(), application_id=self._app_id(), event_time=_stamp(t))
        return row

    # -- bad rows ----------------------------------------------------------------------------------
    def bad_rows(self, budget: int) -> None:
        """Plant exactly `budget` rows, the rules taken in turn, each rule cycling through its feeds."""
        rules = list(BAD_ROW_RULES)
        turn = dict.fromkeys(rules, 0)
        spent, i = 0, 0
        while spent < budget:
            rule = rules[i % len(rules)]
            i += 1
            size = MULTI_ROW_RULES.get(rule, 1)
            if size > budget - spent:
                continue
            feeds = BAD_ROW_RULES[rule]
            feed = feeds[turn[rule] % len(feeds)]
            turn[rule] += 1
            if not self._has_template(feed):  # a tiny province may have no report or authorization yet
                if "applications" not in feeds:
                    continue
                feed = "applications"
            if feed != "applications":
                self._other_feed(feed, rule)
            elif rule in MULTI_ROW_RULES:
                getattr(self, f"_applications_{rule}")(rule)
            else:
                self._application_row(rule)
            spent += size

    def _has_template(self, feed: str) -> bool:
        frame = {"credit_reports": self.reports, "authorizations": self.auth_rows}.get(feed, self.submitted)
        return frame.height > 0

    def _application_row(self, rule: str) -> None:
        t = self._time()
        row = self._submitted(t)
        variant = int(self.rng.integers(1_000))
        if rule == "uscc_checksum":
            row["uscc"] = break_check(self.rng, row["uscc"])
        elif rule == "county_unknown":
            row["county_code"] = UNKNOWN_COUNTIES[variant % len(UNKNOWN_COUNTIES)]
        elif rule == "amount_negative":
            row["amount_yuan"] = "-" + row["amount_yuan"]
        elif rule == "amount_format":
            whole, cents = row["amount_yuan"].split(".")
            row["amount_yuan"] = f"{int(whole):,}.{cents}" if variant % 2 else row["amount_yuan"].translate(FULL_WIDTH)
        elif rule == "enum_event_type":
            row["event_type"] = BAD_EVENT_TYPES[variant % len(BAD_EVENT_TYPES)]
        elif rule == "timestamp_unparseable":
            row["event_time"] = _stamp(t, ["slash", "chinese", "us"][variant % 3])
        elif rule == "required_missing":
            row[REQUIRED_ON_SUBMITTED[variant % len(REQUIRED_ON_SUBMITTED)]] = ""
        elif rule == "qr_code_format":
            d = row["qr_code_id"].split("-")[1]
            pattern = BAD_QR_CODES[variant % len(BAD_QR_CODES)]
            row["qr_code_id"] = pattern.format(d=d, d4=d[:4], s=row["qr_code_id"].split("-")[-1])
        self.out.add("applications", row, t, rule, row["event_id"], group=row["application_id"])

    def _event(self, base: dict, event_type: str, t: int, **values) -> dict:
        row = dict.fromkeys(APPLICATION_COLUMNS, "")
        row.update(event_id=self._event_id(), application_id=base["application_id"], event_type=event_type,
                   event_time=_stamp(t), uscc=base["uscc"], **values)
        return row

    def _whole_application(self, rule: str, with_accept: bool, over_draw: float) -> None:
        t0 = self._time(margin_days=12)
        sub = self._submitted(t0)
        sub["product_id"] = ""
        inst = self.lenders[int(self.rng.integers(len(self.lenders)))]
        granted = max(10_000, int(float(sub["amount_yuan"]) * 0.8) // 1000 * 1000)
        terms = {"institution_id": inst, "annual_rate_pct": "4.05", "guarantee_type": "信用"}
        rows = [(sub, t0)]
        if with_accept:
            rows.append((self._event(sub, "accepted", t0 + 2 * HOUR, institution_id=inst), t0 + 2 * HOUR))
        t_ok = t0 + 2 * DAY
        rows.append((self._event(sub, "approved", t_ok, amount_yuan=f"{granted}.00", term_months="12", **terms), t_ok))
        drawn = granted if over_draw == 0 else int(granted * (1 + over_draw)) // 1000 * 1000
        rows.append((self._event(sub, "disbursed", t_ok + 3 * DAY, amount_yuan=f"{drawn}.00", first_loan="N",
                                 **terms), t_ok + 3 * DAY))
        for row, t in rows:
            self.out.add("applications", row, t, rule, row["event_id"], group=sub["application_id"])

    def _applications_lifecycle_order(self, rule: str) -> None:
        self._whole_application(rule, with_accept=False, over_draw=0)

    def _applications_disbursed_exceeds_approved(self, rule: str) -> None:
        self._whole_application(rule, with_accept=True, over_draw=0.2)

    def _other_feed(self, feed: str, rule: str) -> None:
        if feed == "credit_reports":
            self._report_row(rule)
        else:
            self._authorization_row(rule)

    def _report_row(self, rule: str) -> None:
        template = self._pick(self.reports)
        t = int(template["queried_t"]) + int(self.rng.integers(HOUR, 2 * DAY))
        t = min(t, (self.last_day + 1) * DAY - MINUTE)
        report = json.loads(template["line"])
        report["report_id"] = self._daily_id("TYCR", t)
        report["queried_at"] = _stamp(t)
        if rule == "uscc_checksum":
            report["uscc"] = break_check(self.rng, report["uscc"])
        elif rule == "timestamp_unparseable":
            report["queried_at"] = _stamp(t, "slash")
        line = json.dumps(report, ensure_ascii=False, separators=(",", ":"))
        if rule == "json_invalid":
            line = line[: int(len(line) * self.rng.uniform(0.4, 0.9))]
        self.out.add("credit_reports", {"line": line}, t, rule, report["report_id"])

    def _authorization_row(self, rule: str) -> None:
        row = {c: v for c, v in self._pick(self.auth_rows).items() if c in AUTHORIZATION_COLUMNS}
        t = self._time()
        row.update(authorization_id=self._daily_id("AU", t), granted_at=_stamp(t),
                   expires_at=_stamp(t + 180 * DAY), revoked_at="")
        if rule == "uscc_checksum":
            row["uscc"] = break_check(self.rng, row["uscc"])
        elif rule == "timestamp_unparseable":
            row["granted_at"] = _stamp(t, "chinese")
        elif rule == "enum_scope":
            row["scope"] = BAD_SCOPES[int(self.rng.integers(len(BAD_SCOPES)))]
        self.out.add("authorizations", row, t, rule, row["authorization_id"])

    # -- unlawful credit queries (loadable rows, wrong in substance) -------------------------------
    def unlawful_queries(self, each: int, revocations: pl.DataFrame, auths: pl.DataFrame) -> None:
        if self.reports.height == 0:
            return
        for k in range(each):
            self._query("authorization_unknown", self._pick(self.reports), unknown=True, null_id=(k == each - 1))
            self._query("authorization_institution_mismatch", self._pick(self.reports))
        end = (self.last_day + 1) * DAY
        usable = revocations.filter(pl.col("revoked_t") < end - 2 * DAY).join(
            auths.select("authorization_id", "institution_id", "entity"), on="authorization_id")
        matched = self.reports.join(usable.select("authorization_id", "revoked_t"), on="authorization_id")
        for _ in range(min(each, matched.height)):
            template = self._pick(matched)
            t = int(template["revoked_t"]) + int(self.rng.integers(HOUR, 2 * DAY))
            self._query("authorization_revoked", template, at=min(t, end - MINUTE))

    def _query(self, rule: str, template: dict, unknown: bool = False, null_id: bool = False,
               at: int | None = None) -> None:
        # Within 20 hours of a lawful query: before any revocation (those come a day or more after the
        # last use), so each planted query breaks exactly the one rule it is planted for.
        t = at if at is not None else min(int(template["queried_t"]) + int(self.rng.integers(HOUR, 20 * HOUR)),
                                          (self.last_day + 1) * DAY - MINUTE)
        report = json.loads(template["line"])
        report["report_id"] = self._daily_id("TYCR", t)
        report["queried_at"] = _stamp(t)
        if unknown:
            report["authorization_id"] = None if null_id else self._daily_id("AU", t - HOUR)
        if rule == "authorization_institution_mismatch":
            others = [i for i in self.lenders if i != report["institution_id"]]
            report["institution_id"] = others[int(self.rng.integers(len(others)))]
        line = json.dumps(report, ensure_ascii=False, separators=(",", ":"))
        self.out.add("credit_reports", {"line": line}, t, rule, report["report_id"], kind="compliance")
