"""Financing demands and their life cycle (feed `applications`), simulated column-wise.

Every application gets one `submitted`; then, by drawn outcome, an answer (accepted or a direct
refusal), a decision, one or two draws, or a withdrawal. Which product a demand names and how far it
goes depend on how the business fits the product (sample_province.fit, docs/matching.md), with noise. Times only move forward within an
application, and events after the last day of the range are cut (they have not happened yet), which
keeps every application a valid prefix of its life cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import polars as pl

from sample_province import fit, qrcodes, timing
from sample_province.matching import Matcher
from sample_province.timing import DAY, HOUR
from sample_province.workdays import WorkCalendar

GUARANTEES = np.array(["信用", "保证", "抵押", "质押", "政府性融资担保"])
GENERAL_GUARANTEE_WEIGHTS = np.array([0.36, 0.22, 0.22, 0.05, 0.15])
REJECT_REASONS = np.array(["征信记录不良", "经营年限不足", "纳税信用等级不符合要求", "负债率过高",
                           "抵押物价值不足", "不在产品服务区域", "申请资料不全", "经营流水不足"])
WITHDRAW_REASONS = np.array(["资金需求已解决", "利率不合适", "已通过其他渠道融资", "额度不满足需求",
                             "经营计划调整", "审批时间过长"])
REQUEST_MEDIAN_YUAN = {"91": 1_600_000, "92": 400_000, "93": 800_000}
ACTIVITY_SIGMA = 1.1  # some businesses come back to the platform often, most once or twice
MIN_YUAN, MAX_YUAN = 10_000, 10_000_000
# An event's type is stored as its rank among the events of one moment (its position here).
EVENT_TYPES = ("submitted", "accepted", "rejected", "approved", "disbursed", "withdrawn")
SUBMITTED, ACCEPTED, REJECTED, APPROVED, DISBURSED, WITHDRAWN = range(len(EVENT_TYPES))
REASONS = np.concatenate([REJECT_REASONS, WITHDRAW_REASONS])
# Columns of the event table, as small integers: 10M events fit in a few hundred MB.
EVENT_DTYPES = {"app": pl.Int32, "event": pl.Int8, "t": pl.Int64, "amount": pl.Int64, "term": pl.Int16,
                "reason": pl.Int8, "institution": pl.Int16, "rate": pl.Int32, "guarantee": pl.Int8,
                "guarantor": pl.Int16}


@dataclass
class Simulation:
    events: pl.DataFrame  # one row per event: EVENT_DTYPES, `entity` and `first_loan` (on draws)
    apps: pl.DataFrame  # one row per application (for credit reports)
    names: dict[str, np.ndarray]  # the text of each coded event column: `names[column][code]`


def _round_down(yuan: np.ndarray, step: int) -> np.ndarray:
    return np.maximum((np.asarray(yuan) // step) * step, step).astype(np.int64)


def submission_times(rng, cal: WorkCalendar, first_day: int, last_day: int, n: int) -> np.ndarray:
    days = np.arange(first_day, last_day + 1)
    weights = timing.submission_day_weights(cal, days)
    counts = rng.multinomial(n, weights / weights.sum())
    times = np.repeat(days, counts) * DAY + timing.applicant_clock(rng, n)
    return np.sort(times)


def requested_amounts(rng, entity_type: np.ndarray) -> np.ndarray:
    """Log-normal requests, rounded like people round them (to 1万, small ones to 1千)."""
    median = np.select([entity_type == "91", entity_type == "92"],
                       [REQUEST_MEDIAN_YUAN["91"], REQUEST_MEDIAN_YUAN["92"]], REQUEST_MEDIAN_YUAN["93"])
    raw = np.clip(median * np.exp(1.0 * rng.standard_normal(len(entity_type))), MIN_YUAN, MAX_YUAN)
    return np.where(raw >= 100_000, _round_down(raw, 10_000), _round_down(raw, 1_000)).astype(np.int64)


class LifeCycle:
    """Builds the event table from per-application outcome masks."""

    def __init__(self, rng, cal: WorkCalendar):
        self.rng, self.cal = rng, cal
        self.parts: list[pl.DataFrame] = []

    def add(self, event: int, mask: np.ndarray, t: np.ndarray, **columns) -> None:
        rows = np.flatnonzero(mask)
        data = {"app": rows, "event": np.full(len(rows), event), "t": t[rows]}
        for name, values in columns.items():
            data[name] = values[rows] if isinstance(values, np.ndarray) else np.full(len(rows), values)
        self.parts.append(pl.DataFrame([pl.Series(k, v, dtype=EVENT_DTYPES[k]) for k, v in data.items()]))

    def table(self) -> pl.DataFrame:
        return pl.concat(self.parts, how="diagonal_relaxed")


def _profile(entities: pl.DataFrame, entity: np.ndarray, submitted: np.ndarray) -> dict:
    """The facts of each demand's business that the fit rules read (what its credit report would say)."""
    e = {c: entities[c].to_numpy()[entity] for c in (
        "entity_type", "industry_code", "established", "employees", "revenue_wan", "assets_wan", "tax_grade",
        "score", "overdue_24m", "outstanding_wan", "dishonest", "enforcement_cases", "penalties")}
    return e | {"section": fit.section_index(e["industry_code"]), "tax_rank": fit.tax_rank(e["tax_grade"]),
                "years": (submitted // DAY - e["established"]) / 365.25, "individual": e["entity_type"] == "92"}


def _reason(text: str) -> int:
    return list(REASONS).index(text)


def _withdraw_reasons(rng, n: int) -> np.ndarray:
    return len(REJECT_REASONS) + rng.integers(0, len(WITHDRAW_REASONS), n)


def _affinity(wants: np.ndarray, profile: dict, desired: np.ndarray, facts: dict, rows: np.ndarray) -> np.ndarray:
    r = wants[rows]
    return fit.choice_affinity(profile["section"][r], desired[r] / 10_000, profile["tax_rank"][r],
                               profile["years"][r], profile["assets_wan"][r], profile["individual"][r], facts)


def _reject_reasons(rng, profile: dict, product: dict, n: int) -> np.ndarray:
    """The reason a lender gives (code into REASONS): the rule the business missed where there is one, else any."""
    leverage = profile["outstanding_wan"] / np.maximum(profile["revenue_wan"], 1.0)
    return np.select(
        [product["has_product"] & (profile["tax_rank"] > product["tax_rank"]),
         product["has_product"] & (profile["years"] < product["min_years"]),
         profile["dishonest"] | (profile["overdue_24m"] > 0), leverage > 1.5],
        [_reason("纳税信用等级不符合要求"), _reason("经营年限不足"), _reason("征信记录不良"), _reason("负债率过高")],
        rng.integers(0, len(REJECT_REASONS), n))


def simulate(rng, cal: WorkCalendar, geo, matcher: Matcher, entities: pl.DataFrame, n: int,
             first_day: int, last_day: int, month_starts: np.ndarray) -> Simulation:
    submitted = submission_times(rng, cal, first_day, last_day, n)
    activity = np.exp(ACTIVITY_SIGMA * rng.standard_normal(entities.height))
    entity = rng.choice(entities.height, size=n, p=activity / activity.sum())
    del activity
    etype = entities["entity_type"].to_numpy()[entity]
    county = entities["county"].to_numpy()[entity]
    month = np.searchsorted(month_starts, submitted // DAY, side="right") - 1
    profile = _profile(entities, entity, submitted)
    desired = requested_amounts(rng, etype)

    product = np.full(n, -1)
    wants = np.flatnonzero(rng.random(n) < 0.82)
    facts = matcher.product_facts

    product[wants] = matcher.products_for(rng, month[wants], county[wants], etype[wants] == "92",
                                          partial(_affinity, wants, profile, desired, facts))
    del wants
    lender = np.where(product >= 0, matcher.product_owner[np.maximum(product, 0)], -1)
    general = lender < 0
    lender[general] = matcher.lenders_for(rng, month[general], county[general])
    del general, month
    lender %= len(matcher.lenders)  # -1 (no lender serves the place) stays the last lender, as it always was

    prod_max = np.array([p.max_wan * 10_000 for p in matcher.products] + [MAX_YUAN])[product]
    prod_min = np.array([p.min_wan * 10_000 for p in matcher.products] + [MIN_YUAN])[product]
    requested = np.clip(desired, prod_min, prod_max).astype(np.int64)
    del desired, prod_min
    term = rng.choice([6, 12, 12, 12, 24, 36, 36, 60], size=n)
    prod_term = np.array([p.max_term for p in matcher.products] + [60])[product]
    guarantees, guarantee = _guarantees(rng, matcher, product)
    guarantor = np.where(guarantee == guarantees.index("政府性融资担保"), matcher.guarantors_for(rng, county), -1)
    rate_bp = _rates(rng, matcher, product, etype)
    del etype

    chosen = {k: np.append(v, v[:1])[product] for k, v in facts.items()} | {"has_product": product >= 0}
    strictness = rng.normal(0.0, 0.4, len(matcher.products) + 1)[product]  # each lender's own appetite
    z = fit.approval_logit(profile, chosen, requested / 10_000, strictness)
    del strictness
    p_approve = fit.sigmoid(z)

    life = LifeCycle(rng, cal)
    life.add(SUBMITTED, np.ones(n, bool), submitted, amount=requested * 100, term=term)

    u = rng.random(n)
    # 4% withdraw before any answer, 3% (0.04..0.07) are never answered at all; a poor fit is more often
    # refused outright (about 3% overall).
    early_withdraw = u < 0.04
    direct_reject = (u >= 0.07) & (u < 0.07 + 0.12 * (1 - p_approve))
    accepted = u >= 0.07 + 0.12 * (1 - p_approve)
    del u
    answer_t = timing.answer_times(rng, cal, submitted)
    life.add(WITHDRAWN, early_withdraw, submitted + rng.integers(2 * HOUR, 7 * DAY, n),
             reason=_withdraw_reasons(rng, n))
    del early_withdraw
    reasons = _reject_reasons(rng, profile, chosen, n)
    del profile, chosen
    life.add(REJECTED, direct_reject, answer_t, institution=lender, reason=reasons)
    life.add(ACCEPTED, accepted, answer_t, institution=lender)
    del direct_reject

    # Of the accepted: 3% withdraw, 2% wait for a decision; the rest are approved with the fit's odds.
    v = rng.random(n)
    later_withdraw = accepted & (v < 0.03)
    decided = accepted & (v >= 0.05)
    approved = decided & ((v - 0.05) / 0.95 < p_approve)
    rejected = decided & ~approved
    del v, decided, p_approve
    decision_t = timing.working_days_later(rng, cal, answer_t, timing.geometric_workdays(rng, n, 0.35, 15))
    life.add(WITHDRAWN, later_withdraw, answer_t + rng.integers(2 * HOUR, 10 * DAY, n), institution=lender,
             reason=_withdraw_reasons(rng, n))
    life.add(REJECTED, rejected, decision_t, institution=lender, reason=reasons)
    del later_withdraw, rejected, reasons

    granted = _approved_amounts(rng, requested, prod_max)
    approved_term = np.minimum(term, prod_term)
    del prod_max, prod_term, term
    terms = {"institution": lender, "rate": rate_bp, "guarantee": guarantee, "guarantor": guarantor}
    life.add(APPROVED, approved, decision_t, amount=granted * 100, term=approved_term, **terms)
    revised = approved & (rng.random(n) < 0.01)  # a re-approval: only the first one counts
    life.add(APPROVED, revised, timing.working_days_later(rng, cal, decision_t, rng.integers(1, 6, n)),
             amount=_round_down(granted * rng.uniform(1.0, 1.2, n), 1_000) * 100, term=approved_term, **terms)
    del revised, approved_term
    # A good fit draws its credit more often: a poor one finds the terms too tight and walks away.
    _draws(rng, cal, life, approved, decision_t, granted, terms, fit.sigmoid(1.1 + 0.5 * z))
    del terms, granted, approved, z, rate_bp, guarantee, guarantor

    events = life.table().filter(pl.col("t") < (last_day + 1) * DAY)
    life.parts.clear()
    events = _first_loans(events, entity, entities["first_timer"].to_numpy())
    lender_ids = np.array([i.institution_id for i in matcher.lenders])
    product_ids = pl.Series([p.product_id for p in matcher.products] + [""])
    apps = pl.DataFrame({
        "app": np.arange(n), "entity": entity, "submitted_t": submitted, "accepted": accepted,
        "answer_t": answer_t, "decision_t": decision_t, "institution": pl.Series(lender_ids)[lender],
        "product_id": product_ids[np.where(product >= 0, product, len(matcher.products))],
        "qr_code_id": qrcodes.assign(rng, geo, county),
    })
    names = {"event_type": np.array(EVENT_TYPES), "institution": lender_ids, "reason": REASONS,
             "guarantee": np.array(guarantees), "guarantor": matcher.guarantor_ids}
    return Simulation(events=events, apps=apps, names=names)


def _guarantees(rng, matcher: Matcher, product: np.ndarray) -> tuple[list[str], np.ndarray]:
    """(the guarantee types, the type of each demand as an index into them)."""
    types = list(dict.fromkeys([*GUARANTEES, *(p.guarantee for p in matcher.products)]))
    own = np.array([types.index(p.guarantee) for p in matcher.products] + [-1])[product]
    general = rng.choice(len(GUARANTEES), size=len(product), p=GENERAL_GUARANTEE_WEIGHTS)
    return types, np.where(product >= 0, own, general)


def _rates(rng, matcher: Matcher, product: np.ndarray, etype: np.ndarray) -> np.ndarray:
    """Annual rate in basis points, in steps of 5: inside the product's band, else around 4.1 %."""
    floor = np.array([p.rate_floor for p in matcher.products] + [0.0])[product]
    cap = np.array([p.rate_cap for p in matcher.products] + [0.0])[product]
    banded = floor + (np.minimum(cap, floor + 1.6) - floor) * rng.beta(1.6, 3.0, len(product))
    free = np.clip(rng.normal(4.1, 0.45, len(product)) + 0.3 * (etype == "92"), 3.2, 6.0)
    pct = np.where(product >= 0, banded, free)
    return (np.round(pct * 20) * 5).astype(np.int64)


def _approved_amounts(rng, requested: np.ndarray, ceiling: np.ndarray) -> np.ndarray:
    """Mostly the amount asked, often less, rarely a little more (never above the product's max)."""
    n = len(requested)
    roll = rng.random(n)
    factor = np.where(roll < 0.6, 1.0, np.where(roll < 0.97, rng.uniform(0.4, 1.0, n), rng.uniform(1.0, 1.2, n)))
    return np.minimum(_round_down(requested * factor, 1_000), ceiling).astype(np.int64)


def _draws(rng, cal, life: LifeCycle, approved, approve_t, granted, terms: dict, p_draw: np.ndarray) -> None:
    n = len(approved)
    w = rng.random(n)
    disbursed = approved & (w < p_draw)
    withdraw = approved & (w >= p_draw) & (w < p_draw + 0.25 * (1 - p_draw))
    twice = disbursed & (rng.random(n) < 0.25)
    same_day = rng.random(n) < 0.25
    first_t = np.where(same_day, approve_t + rng.integers(HOUR, 3 * HOUR, n),
                       timing.working_days_later(rng, cal, approve_t, timing.geometric_workdays(rng, n, 0.5, 10)))
    whole = rng.random(n) < 0.75
    single = np.where(whole, granted, _round_down(granted * rng.uniform(0.5, 1.0, n), 1_000))
    first_part = _round_down(granted * rng.uniform(0.3, 0.7, n), 1_000)
    second_part = _round_down((granted - first_part) * rng.uniform(0.3, 1.0, n), 1_000)
    first_amount = np.where(twice, first_part, single)
    second_day = cal.after(first_t // DAY + rng.integers(10, 120, n) - 1, 1)
    second_t = second_day * DAY + timing.office_clock(rng, n)
    wobble = np.where(rng.random(n) < 0.3, rng.choice([-10, 10], n), 0)
    draw_terms = dict(terms.items())
    life.add(DISBURSED, disbursed, first_t, amount=first_amount * 100, **draw_terms)
    draw_terms["rate"] = terms["rate"] + wobble
    life.add(DISBURSED, twice, second_t, amount=second_part * 100, **draw_terms)
    life.add(WITHDRAWN, withdraw, approve_t + rng.integers(DAY, 20 * DAY, n), institution=terms["institution"],
             reason=_withdraw_reasons(rng, n))


def _first_loans(events: pl.DataFrame, entity: np.ndarray, first_timer: np.ndarray) -> pl.DataFrame:
    """Add `entity`, and `first_loan` on draws: true on the earliest draw of a business that never borrowed
    before (Y), false on every other draw (N)."""
    app, t = events["app"].to_numpy(), events["t"].to_numpy()
    owner = entity[app]
    drawn = (events["event"] == DISBURSED).to_numpy()
    draws = np.flatnonzero(drawn)
    draws = draws[np.lexsort((app[draws], t[draws]))]  # by time, then application
    first_t = np.full(len(first_timer), -1, dtype=np.int64)
    who, first = np.unique(owner[draws], return_index=True)
    first_t[who] = t[draws[first]]
    is_first = (t == first_t[owner]) & first_timer[owner]
    return events.with_columns(pl.Series("entity", owner, pl.Int32),
                               pl.when(pl.Series(drawn)).then(pl.Series(is_first)).alias("first_loan"))
