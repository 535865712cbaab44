"""Turn simulated facts into the text rows of the applications feed (column order of feeds.md)."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_province import formats

APPLICATION_COLUMNS = [
    "event_id", "application_id", "event_type", "event_time", "uscc", "enterprise_name", "legal_rep_name",
    "contact_phone", "county_code", "industry_code", "qr_code_id", "product_id", "institution_id", "amount_yuan",
    "term_months", "annual_rate_pct", "guarantee_type", "guarantor_id", "first_loan", "reason",
]
AUTHORIZATION_COLUMNS = ["authorization_id", "uscc", "institution_id", "scope", "granted_at", "expires_at",
                         "revoked_at"]
EVENT_ORDER = {"submitted": 0, "accepted": 1, "rejected": 2, "approved": 3, "disbursed": 4, "withdrawn": 5}
SUBMITTED_ONLY = ["enterprise_name", "legal_rep_name", "contact_phone", "county_code", "industry_code",
                  "qr_code_id", "product_id"]


def application_id(index: pl.Expr) -> pl.Expr:
    return pl.lit("AP") + (index + 1).cast(pl.String).str.zfill(8)


def event_id(index: pl.Expr) -> pl.Expr:
    return pl.lit("EV") + (index + 1).cast(pl.String).str.zfill(10)


def application_rows(rng: np.random.Generator, events: pl.DataFrame, apps: pl.DataFrame,
                     entities: pl.DataFrame, iso_share: float = 0.05) -> pl.DataFrame:
    """One string row per event plus `_t` (event time, seconds) for ordering and delivery."""
    rank = pl.col("event_type").replace_strict(EVENT_ORDER, return_dtype=pl.Int64)
    events = events.with_columns(rank.alias("_rank")).sort("t", "app", "_rank")
    people = entities.select("uscc", *SUBMITTED_ONLY[:5]).with_row_index("entity").with_columns(
        pl.col("entity").cast(pl.Int64))
    app_facts = apps.select("app", "qr_code_id", "product_id")
    df = (events.with_row_index("_seq")
          .join(people, on="entity", how="left", maintain_order="left")
          .join(app_facts, on="app", how="left", maintain_order="left"))
    is_submitted = pl.col("event_type") == "submitted"
    iso = pl.Series(rng.random(df.height) < iso_share)
    df = df.with_columns(
        event_id(pl.col("_seq").cast(pl.Int64)).alias("event_id"),
        application_id(pl.col("app")).alias("application_id"),
        formats.timestamp("t", iso).alias("event_time"),
        *[pl.when(is_submitted).then(pl.col(c)).otherwise(pl.lit("")).alias(c) for c in SUBMITTED_ONLY],
        pl.col("institution").fill_null("").alias("institution_id"),
        formats.yuan("amount").fill_null("").alias("amount_yuan"),
        pl.col("term").cast(pl.String).fill_null("").alias("term_months"),
        formats.rate("rate").fill_null("").alias("annual_rate_pct"),
        pl.col("guarantee").fill_null("").alias("guarantee_type"),
        pl.col("guarantor").fill_null("").alias("guarantor_id"),
        pl.col("first_loan").fill_null(""),
        pl.col("reason").fill_null(""),
        pl.col("t").alias("_t"),
    )
    return df.select(*APPLICATION_COLUMNS, "_t")
