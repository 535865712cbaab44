"""How values are written in the feeds: timestamps, yuan amounts, rates, dates (polars expressions)."""

from __future__ import annotations

import polars as pl

PLAIN = "%Y-%m-%d %H:%M:%S"
ISO = "%Y-%m-%dT%H:%M:%S"


def timestamp(seconds: str, iso: pl.Expr | bool = False) -> pl.Expr:
    """Beijing time as `YYYY-MM-DD HH:MM:SS`, or ISO 8601 with `+08:00` where `iso` is true."""
    moment = pl.from_epoch(pl.col(seconds), time_unit="s")
    plain = moment.dt.strftime(PLAIN)
    if iso is False:
        return plain
    return pl.when(iso).then(moment.dt.strftime(ISO) + pl.lit("+08:00")).otherwise(plain)


def date(days: str) -> pl.Expr:
    return pl.from_epoch(pl.col(days), time_unit="d").dt.strftime("%Y-%m-%d")


def yuan(cents: str) -> pl.Expr:
    """Integer cents as a plain decimal with two places (no float rounding on the way)."""
    c = pl.col(cents)
    return c.floordiv(100).cast(pl.String) + pl.lit(".") + c.mod(100).cast(pl.String).str.zfill(2)


def rate(basis_points: str) -> pl.Expr:
    """Basis points as a percent with two places, e.g. 385 -> 3.85."""
    return yuan(basis_points)
