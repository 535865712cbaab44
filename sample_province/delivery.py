"""Which file each record arrives in: its own date, sometimes late, sometimes twice.

A feed's records are delivered as numbers (a file day per record, the duplicates); their text is made a
month of file days at a time when the files are written (`Delivered.rows`), so that a large province is
never held as text all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_province.timing import DAY

META = ("_rule", "_kind", "_key", "_group")  # set on planted rows only


@dataclass(frozen=True)
class Delivered:
    """A feed's records as delivered: each on its file day, duplicates again later, planted rows last."""

    file_day: np.ndarray  # per record
    copies: np.ndarray  # the record each duplicate repeats, in record order
    copy_day: np.ndarray  # the file day of each duplicate
    text: Callable[[np.ndarray], pl.DataFrame]  # the text rows (feed columns and `_t`) of these records
    planted: pl.DataFrame | None = None  # extra rows with `_t`, `_file_day` and META

    @property
    def height(self) -> int:
        return len(self.file_day) + len(self.copies) + (0 if self.planted is None else self.planted.height)

    def rows(self, first_day: int, last_day: int) -> pl.DataFrame:
        """The rows of files `first_day..last_day`: records, then duplicates, then planted rows, with
        `_file_day` and META; in that order every file's rows are a part of the whole feed's."""
        own = np.flatnonzero((self.file_day >= first_day) & (self.file_day <= last_day))
        dup = np.flatnonzero((self.copy_day >= first_day) & (self.copy_day <= last_day))
        frame = self.text(np.concatenate([own, self.copies[dup]])).with_columns(
            pl.Series("_file_day", np.concatenate([self.file_day[own], self.copy_day[dup]])),
            *[pl.lit(None, pl.String).alias(c) for c in META])
        if self.planted is None:
            return frame
        return pl.concat([frame.select(self.planted.columns),
                          self.planted.filter(pl.col("_file_day").is_between(first_day, last_day))])


def on_time(text_rows: pl.DataFrame) -> Delivered:
    """Every row (text already made, with `_t`) in the file of its own day, once."""
    none = np.zeros(0, dtype=np.int64)
    return Delivered(text_rows["_t"].to_numpy() // DAY, none, none, text_rows.__getitem__)


def assign_files(rng: np.random.Generator, t: np.ndarray, last_day: int, late_share: float,
                 duplicate_share: float, text: Callable[[np.ndarray], pl.DataFrame]) -> Delivered:
    """A few records arrive 1-5 days late, a few arrive again 1-10 days later (`t`: their times).

    Nothing is moved past the last day of the range (there is no file for it yet). Duplicates are
    identical rows.
    """
    n = len(t)
    own = t // DAY
    late = own + rng.integers(1, 6, n)
    is_late = (rng.random(n) < late_share) & (late <= last_day)
    file_day = np.where(is_late, late, own)
    again = file_day + rng.integers(1, 11, n)
    is_dup = (rng.random(n) < duplicate_share) & (again <= last_day)
    return Delivered(file_day, np.flatnonzero(is_dup), again[is_dup], text)
