"""Turn simulated facts into the text rows of the applications feed (column order of feeds.md)."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_province import formats
from sample_province.applications import SUBMITTED, Simulation

APPLICATION_COLUMNS = [
    "event_id", "application_id", "event_type", "event_time", "uscc", "enterprise_name", "legal_rep_name",
    "contact_phone", "county_code", "industry_code", "qr_code_id", "product_id", "institution_id", "amount_yuan",
    "term_months", "annual_rate_pct", "guarantee_type", "guarantor_id", "first_loan", "reason",
]
AUTHORIZATION_COLUMNS = ["authorization_id", "uscc", "institution_id", "scope", "granted_at", "expires_at",
                         "revoked_at"]
SUBMITTED_ONLY = ["enterprise_name", "legal_rep_name", "contact_phone", "county_code", "industry_code",
                  "qr_code_id", "product_id"]


def application_id(index: pl.Expr) -> pl.Expr:
    return pl.lit("AP") + (index + 1).cast(pl.String).str.zfill(8)


def event_id(index: pl.Expr) -> pl.Expr:
    return pl.lit("EV") + (index + 1).cast(pl.String).str.zfill(10)


class ApplicationRows:
    """The feed's rows in event-id order (by time), their text made for any set of rows on demand."""

    def __init__(self, rng: np.random.Generator, sim: Simulation, entities: pl.DataFrame, iso_share: float = 0.05):
        # Events of one moment in life-cycle order (the event code is that order).
        self.events = sim.events.sort("t", "app", "event")
        self.names = sim.names
        self.t = self.events["t"].to_numpy()
        self.iso = rng.random(self.events.height) < iso_share
        self.people = entities.select("uscc", *SUBMITTED_ONLY[:5])
        self.app_facts = sim.apps.select("qr_code_id", "product_id")  # row = app

    def submitted(self) -> np.ndarray:
        return np.flatnonzero((self.events["event"] == SUBMITTED).to_numpy())

    def _decoded(self, events: pl.DataFrame) -> list[pl.Series]:
        """The text of the coded columns ("" where there is none)."""
        out = []
        for column, names in self.names.items():
            source = "event" if column == "event_type" else column
            codes = events[source].fill_null(-1).to_numpy()
            out.append(pl.Series(column, np.append(names, "")[codes], pl.String))
        return out

    def text(self, rows: np.ndarray) -> pl.DataFrame:
        """One string row per event of `rows` (event index, 0-based event_id order), plus `_t`."""
        events = self.events[rows]
        coded = ["event", *(c for c in self.names if c != "event_type")]
        df = pl.concat([events.drop(coded).with_columns(pl.Series("_seq", rows, pl.Int64), *self._decoded(events)),
                        self.people[events["entity"].to_numpy()], self.app_facts[events["app"].to_numpy()]],
                       how="horizontal")
        is_submitted = pl.col("event_type") == "submitted"
        iso = pl.Series(self.iso[rows])
        df = df.with_columns(
            event_id(pl.col("_seq")).alias("event_id"),
            application_id(pl.col("app")).alias("application_id"),
            formats.timestamp("t", iso).alias("event_time"),
            *[pl.when(is_submitted).then(pl.col(c)).otherwise(pl.lit("")).alias(c) for c in SUBMITTED_ONLY],
            pl.col("institution").fill_null("").alias("institution_id"),
            formats.yuan("amount").fill_null("").alias("amount_yuan"),
            pl.col("term").cast(pl.String).fill_null("").alias("term_months"),
            formats.rate("rate").fill_null("").alias("annual_rate_pct"),
            pl.col("guarantee").fill_null("").alias("guarantee_type"),
            pl.col("guarantor").fill_null("").alias("guarantor_id"),
            pl.when(pl.col("first_loan")).then(pl.lit("Y")).when(~pl.col("first_loan")).then(pl.lit("N"))
            .otherwise(pl.lit("")).alias("first_loan"),
            pl.col("reason").fill_null(""),
            pl.col("t").alias("_t"),
        )
        return df.select(*APPLICATION_COLUMNS, "_t")
