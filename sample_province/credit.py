"""Credit reports (太原企业征信, JSON Lines) and the electronic authorizations they rest on.

An institution that accepts a demand asks the applicant for an authorization and queries a report
minutes later; some re-query a few days on. A few applicants revoke an authorization after its last
use, delivered as a second row for the same authorization_id in a later file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_province import formats
from sample_province.timing import DAY, HOUR, MINUTE

AUTH_COLUMNS = ["authorization_id", "uscc", "institution_id", "scope", "granted_at", "expires_at", "revoked_at"]


@dataclass
class CreditData:
    reports: pl.DataFrame  # report facts, one row per query (typed), before JSON encoding
    authorizations: pl.DataFrame  # typed authorization facts, one row per grant
    revocations: pl.DataFrame  # authorization_id, revoked_t


def _daily_ids(prefix: str, t: np.ndarray, floor: int = 1) -> pl.Series:
    """`<prefix>YYYYMMDD<6-digit serial>`, serial counting within each day in time order."""
    order = np.argsort(t, kind="stable")
    day = t[order] // DAY
    starts = np.r_[0, np.flatnonzero(np.diff(day)) + 1]
    serial = np.arange(len(t)) - np.repeat(starts, np.diff(np.r_[starts, len(t)])) + floor
    ids = pl.DataFrame({"t": t[order], "s": serial}).select(
        pl.lit(prefix) + pl.from_epoch("t", time_unit="s").dt.strftime("%Y%m%d")
        + pl.col("s").cast(pl.String).str.zfill(6)
    ).to_series()
    inverse = np.empty(len(t), dtype=np.int64)
    inverse[order] = np.arange(len(t))
    return ids.gather(inverse).alias("authorization_id")


def simulate(rng, apps: pl.DataFrame, entities: pl.DataFrame, last_day: int) -> CreditData:
    end = (last_day + 1) * DAY
    accepted = apps.filter(pl.col("accepted") & (pl.col("answer_t") < end))
    n = accepted.height
    queried = rng.random(n) < 0.88
    base = accepted.filter(pl.Series(queried))
    n = base.height
    answer = base["answer_t"].to_numpy()
    query_t = answer + rng.integers(5 * MINUTE, 90 * MINUTE, n)
    granted_t = np.maximum(base["submitted_t"].to_numpy() + MINUTE, query_t - rng.integers(2 * MINUTE, 90 * MINUTE, n))
    expires_t = granted_t + rng.integers(90, 366, n) * DAY
    requery = rng.random(n) < 0.12
    requery_t = query_t + rng.integers(1, 21, n) * DAY + rng.integers(0, 8 * HOUR, n)
    last_use = np.where(requery, requery_t, query_t)
    revoked = rng.random(n) < 0.02
    revoked_t = last_use + rng.integers(1, 61, n) * DAY + rng.integers(0, 10 * HOUR, n)

    auth_id = _daily_ids("AU", granted_t)
    auths = pl.DataFrame({
        "authorization_id": auth_id, "uscc": entities["uscc"].gather(base["entity"]), "institution_id": base["institution"],
        "scope": np.where(rng.random(n) < 0.6, "credit_report", "all"), "granted_t": granted_t,
        "expires_t": expires_t, "entity": base["entity"].to_numpy(),
    })
    auths = pl.concat([auths, _tax_authorizations(rng, auths)]).filter(pl.col("granted_t") < end)
    revocations = pl.DataFrame({"authorization_id": auth_id.filter(revoked), "revoked_t": revoked_t[revoked]}).filter(
        pl.col("revoked_t") < end)

    rows = np.r_[np.arange(n), np.flatnonzero(requery)]
    t = np.r_[query_t, requery_t[requery]]
    reports = pl.DataFrame({
        "queried_t": t, "institution_id": base["institution"].gather(rows), "authorization_id": auth_id.gather(rows),
        "entity": base["entity"].to_numpy()[rows],
    }).filter(pl.col("queried_t") < end).sort("queried_t", "authorization_id")
    reports = reports.with_columns(pl.Series("report_id", _daily_ids("TYCR", reports["queried_t"].to_numpy())))
    return CreditData(reports=reports, authorizations=auths, revocations=revocations)


def _tax_authorizations(rng, auths: pl.DataFrame) -> pl.DataFrame:
    """Some applicants also let the bank read their tax records: a separate `tax` authorization."""
    extra = auths.filter(pl.Series(rng.random(auths.height) < 0.1))
    shift = rng.integers(1, 5 * MINUTE, extra.height)
    extra = extra.with_columns(pl.col("granted_t") + pl.Series(shift), pl.col("expires_t") + pl.Series(shift),
                               scope=pl.lit("tax"))
    return extra.with_columns(pl.Series("authorization_id", _daily_ids("AU", extra["granted_t"].to_numpy(),
                                                                         floor=500_000)))


SUBJECT_HOLES = {"established": 0.3, "registered_capital_wan": 0.3, "industry_code": 0.3, "county_code": 0.2,
                 "employees": 0.3, "revenue_wan": 0.3, "assets_wan": 0.3}
BLOCK_HOLE = 0.15


def _blocks() -> dict[str, pl.Expr]:
    score = pl.col("score")
    grade = pl.when(score >= 700).then(pl.lit("A")).when(score >= 620).then(pl.lit("B")) \
        .when(score >= 540).then(pl.lit("C")).otherwise(pl.lit("D"))
    return {
        "tax": pl.struct(pl.col("tax_grade").alias("credit_grade"), pl.col("tax_paid_wan").alias("paid_last_year_wan")),
        "social_insurance": pl.struct(pl.col("insured_count")),
        "judicial": pl.struct(pl.col("dishonest").alias("dishonest_executee"), pl.col("enforcement_cases")),
        "admin_penalties_3y": pl.col("penalties"),
        "loans": pl.struct(pl.col("outstanding_wan"), pl.col("overdue_24m"), pl.col("max_overdue_days")),
        "score": pl.struct(score.alias("value"), grade.alias("grade")),
    }


class ReportLines:
    """Each report as one JSON object (`lines`); ~12% partial (fields null or missing). The random choices
    are drawn for all reports at once, the text is made for the reports asked for."""

    def __init__(self, rng, reports: pl.DataFrame, entities: pl.DataFrame, iso_share: float = 0.03):
        n = reports.height
        self.reports, self.entities = reports, entities
        self.partial = rng.random(n) < 0.12
        self.drop_keys = self.partial & (rng.random(n) < 0.5)
        self.holes = {name: self.partial & (rng.random(n) < p) for name, p in SUBJECT_HOLES.items()}
        self.iso = rng.random(n) < iso_share
        self.holes |= {name: self.partial & (rng.random(n) < BLOCK_HOLE) for name in _blocks()}

    def lines(self, rows: np.ndarray) -> pl.Series:
        reports = self.reports[rows]
        facts = self.entities[reports["entity"].to_numpy()].with_columns(
            pl.Series("_queried_t", reports["queried_t"].to_numpy()))

        def maybe(name: str, expr: pl.Expr) -> pl.Expr:
            return pl.when(pl.Series(self.holes[name][rows])).then(None).otherwise(expr).alias(name)

        subject = pl.struct(
            pl.col("enterprise_name").alias("name"),
            maybe("established", formats.date("established")),
            *[maybe(name, pl.col(name)) for name in list(SUBJECT_HOLES)[1:]],
        )
        iso = pl.Series(self.iso[rows])
        facts = facts.with_columns(pl.Series("report_id", reports["report_id"]),
                                   pl.Series("institution_id", reports["institution_id"]),
                                   pl.Series("authorization_id", reports["authorization_id"]))
        encoded = facts.select(pl.struct(
            pl.col("report_id"), pl.col("uscc"), formats.timestamp("_queried_t", iso).alias("queried_at"),
            pl.col("institution_id"), pl.col("authorization_id"), subject.alias("subject"),
            *[maybe(name, expr) for name, expr in _blocks().items()],
        ).struct.json_encode().alias("line"))["line"]
        # A partial report from the bureau either sends nulls or leaves keys out; do both.
        stripped = encoded.str.replace_all(r'"[a-z_0-9]+":null,', "").str.replace_all(r',"[a-z_0-9]+":null', "")
        return pl.select(pl.when(pl.Series(self.drop_keys[rows])).then(stripped).otherwise(encoded)).to_series() \
            .alias("line")

    def text(self, rows: np.ndarray) -> pl.DataFrame:
        """The feed's rows (`line`, `_t`) of these reports."""
        return pl.DataFrame({"line": self.lines(rows), "_t": self.reports["queried_t"].to_numpy()[rows]})


def authorization_rows(auths: pl.DataFrame, revocations: pl.DataFrame, rng) -> pl.DataFrame:
    """String rows of the authorizations feed: grants on their day, revocations on theirs."""
    iso = pl.Series(rng.random(auths.height) < 0.05)
    grants = auths.with_columns(
        formats.timestamp("granted_t", iso).alias("granted_at"),
        formats.timestamp("expires_t", iso).alias("expires_at"),
        pl.lit("").alias("revoked_at"),
        pl.col("granted_t").alias("_t"),
    )
    revoked = grants.join(revocations, on="authorization_id", how="inner").with_columns(
        formats.timestamp("revoked_t").alias("revoked_at"), pl.col("revoked_t").alias("_t"))
    cols = [*AUTH_COLUMNS, "_t"]
    return pl.concat([grants.select(cols), revoked.select(cols)])
