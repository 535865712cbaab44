"""Which file each record arrives in: its own date, sometimes late, sometimes twice."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_province.timing import DAY


def assign_files(rng: np.random.Generator, rows: pl.DataFrame, last_day: int, late_share: float,
                 duplicate_share: float) -> pl.DataFrame:
    """Add `_file_day`; a few rows arrive 1-5 days late, a few arrive again 1-10 days later.

    Nothing is moved past the last day of the range (there is no file for it yet). Duplicates are
    identical rows: the text is already formatted before this step.
    """
    n = rows.height
    own = rows["_t"].to_numpy() // DAY
    late = own + rng.integers(1, 6, n)
    is_late = (rng.random(n) < late_share) & (late <= last_day)
    file_day = np.where(is_late, late, own)
    again = file_day + rng.integers(1, 11, n)
    is_dup = (rng.random(n) < duplicate_share) & (again <= last_day)
    rows = rows.with_columns(pl.Series("_file_day", file_day), pl.lit(False).alias("_copy"))
    copies = rows.filter(pl.Series(is_dup)).with_columns(pl.Series("_file_day", again[is_dup]),
                                                         pl.lit(True).alias("_copy"))
    return pl.concat([rows, copies])
