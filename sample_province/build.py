"""Orchestration: simulate the province, plant the problems, write the landing zone and manifest."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl

from loancode.feeds import registry as feed_registry
from sample_province import (
    applications,
    credit,
    delivery,
    entities,
    feeds,
    geography,
    institutions,
    products,
    register,
    writer,
)
from sample_province.matching import Matcher
from sample_province.planted import Planter, Templates
from sample_province.workdays import WorkCalendar, day_number, to_date

# Independent random streams, so that e.g. planting problems never shifts the clean data.
STREAMS = ("register", "entities", "applications", "formatting", "delivery", "credit", "planted", "encodings")
LARGE_SCALE = 100_000
UNLAWFUL_QUERIES_EACH = 3


@dataclass(frozen=True)
class Params:
    out: Path
    seed: int = 42
    applications: int = 20_000
    start: str = "2024-02"
    end: str = "2026-10"
    bad_rows: int = 40
    clean: bool = False
    encodings: str = "mixed"


def month_bounds(start: str, end: str) -> list[tuple[int, int]]:
    first = dt.datetime.strptime(start, "%Y-%m").date()
    last = dt.datetime.strptime(end, "%Y-%m").date()
    if last < first:
        raise ValueError("--end is before --start")
    months = []
    while first <= last:
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        months.append((day_number(first), day_number(following) - 1))
        first = following
    return months


def _streams(seed: int) -> dict[str, np.random.Generator]:
    return {name: np.random.default_rng([seed, n]) for n, name in enumerate(STREAMS)}


def clear_landing(out: Path) -> None:
    """Remove files a previous run wrote (only names of the landing-zone pattern), so no stale dates stay."""
    for feed in feed_registry().values():
        for path in (out / feed.name).glob(f"{feed.name}_*"):
            if feed.business_date(path.name) is not None:
                path.unlink()
    (out / "_manifest.json").unlink(missing_ok=True)


def generate(params: Params, batch_months: int = 1) -> dict:
    """Write the province; its files are made and written `batch_months` months at a time (the bytes do not
    depend on it: one month keeps a 10M-event province within 4 GB)."""
    months = month_bounds(params.start, params.end)
    first_day, last_day = months[0][0], months[-1][1]
    rng = _streams(params.seed)
    cal = WorkCalendar(to_date(first_day - 10), to_date(last_day + 400))
    geo = geography.load()

    insts = institutions.build(rng["register"], geo, first_day, last_day)
    prods = products.build(rng["register"], geo, insts, first_day, last_day)
    matcher = Matcher(geo, insts, prods, months)
    population = entities.build(rng["entities"], geo, int(params.applications * 1.4) + 50, last_day)
    sim = applications.simulate(rng["applications"], cal, geo, matcher, population, params.applications,
                                first_day, last_day, np.array([m[0] for m in months]))
    app_rows = feeds.ApplicationRows(rng["formatting"], sim, population)
    apps, n_events = sim.apps, app_rows.events.height
    del sim  # the events are held once, in event-id order
    rows = {"applications": delivery.assign_files(rng["delivery"], app_rows.t, last_day, late_share=0.01,
                                                  duplicate_share=0.005, text=app_rows.text)}

    facts = credit.simulate(rng["credit"], apps, population, last_day)
    reports = credit.ReportLines(rng["formatting"], facts.reports, population)
    rows["credit_reports"] = delivery.assign_files(rng["delivery"], facts.reports["queried_t"].to_numpy(), last_day,
                                                   late_share=0.0, duplicate_share=0.003, text=reports.text)
    auth_rows = credit.authorization_rows(facts.authorizations, facts.revocations, rng["formatting"])
    rows["authorizations"] = delivery.on_time(auth_rows)

    if not params.clean:
        planter = Planter(rng["planted"], first_day, last_day, _submitted_templates(app_rows, rows["applications"]),
                          Templates(facts.reports.with_row_index("_i"), lambda i: {"line": reports.lines([i])[0]}),
                          auth_rows, [i.institution_id for i in matcher.lenders], params.applications,
                          n_events)
        planter.bad_rows(params.bad_rows)
        planter.unlawful_queries(UNLAWFUL_QUERIES_EACH, facts.revocations, facts.authorizations)
        columns = {"applications": feeds.APPLICATION_COLUMNS, "credit_reports": ["line"],
                   "authorizations": feeds.AUTHORIZATION_COLUMNS}
        rows = {feed: replace(delivered, planted=planter.out.frame(feed, columns[feed]))
                for feed, delivered in rows.items()}
        extra_insts, extra_prods = register.plant_violations(rng["planted"], geo, insts, prods, first_day, last_day)
        insts, prods = insts + extra_insts, prods + extra_prods
        del planter
    del apps, facts, auth_rows  # what the files need is held by `rows`
    batches = [(months[i][0], months[min(i + batch_months, len(months)) - 1][1])
               for i in range(0, len(months), batch_months)]
    return _write(params, rows, insts, prods, months, batches, rng["encodings"])


def _submitted_templates(app_rows: feeds.ApplicationRows, delivered: delivery.Delivered) -> Templates:
    """The submitted rows as delivered (records, then duplicates): what planted applications copy."""
    submitted = app_rows.submitted()
    is_submitted = np.zeros(len(delivered.file_day), dtype=bool)
    is_submitted[submitted] = True
    order = np.concatenate([submitted, delivered.copies[is_submitted[delivered.copies]]])
    return Templates(pl.DataFrame({"_i": order}), lambda i: app_rows.text(np.array([i])).row(0, named=True))


def _write(params: Params, rows: dict[str, delivery.Delivered], insts, prods, months, batches, rng_enc) -> dict:
    out = Path(params.out)
    out.mkdir(parents=True, exist_ok=True)
    clear_landing(out)
    days = np.arange(months[0][0], months[-1][1] + 1)
    show = params.applications > LARGE_SCALE and sys.stderr.isatty()
    planted: list[dict] = []
    encodings: dict[str, str] = {}
    for feed, columns in (("applications", feeds.APPLICATION_COLUMNS), ("authorizations", feeds.AUTHORIZATION_COLUMNS)):
        entries, used = writer.write_csv_feed(out, feed, rows[feed], columns, batches,
                                              writer.choose_encodings(rng_enc, days, params.encodings), show)
        planted += entries
        encodings |= {name: enc for name, enc in used.items() if enc != "utf-8"}
    planted += writer.write_jsonl_feed(out, "credit_reports", rows["credit_reports"], batches, show)
    planted += _write_register(out, insts, prods, [m[0] for m in months])
    manifest = {
        "generator": "sample_province",
        "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(params).items() if k != "out"},
        "first_day": str(to_date(months[0][0])), "last_day": str(to_date(months[-1][1])),
        "rows": {feed: delivered.height for feed, delivered in rows.items()},
        "encodings_other_than_utf8": dict(sorted(encodings.items())),
        "planted_counts": _counts(planted),
        "planted": planted,
    }
    writer.write_manifest(out, manifest)
    return manifest


def _write_register(out: Path, insts, prods, snapshot_days: list[int]) -> list[dict]:
    entries = []
    for day in snapshot_days:
        inst_rows, prod_rows, problems = register.snapshot(insts, prods, day)
        name = writer.file_name("register", day)
        writer.write_register(out / "register" / name, day, inst_rows, prod_rows)
        planted_ids = {p.product_id for p in prods if p.planted_rule is not None}
        for row_number, product_id, rule in problems:
            if product_id not in planted_ids:
                raise AssertionError(f"clean product {product_id} breaks {rule} on {to_date(day)}")
            entries.append({"feed": "register", "file_name": name, "sheet": "产品", "row_number": row_number,
                            "record_key": product_id, "rule": rule, "kind": "compliance"})
    return entries


def _counts(planted: list[dict]) -> dict:
    counts: dict[str, int] = {}
    for entry in planted:
        key = f"{entry['kind']}:{entry['feed']}:{entry['rule']}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
