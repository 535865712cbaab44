"""贷款码 identifiers: `QR-<6-digit division>-<issuer type>-<serial>`, a fixed pool per place."""

from __future__ import annotations

import numpy as np
import polars as pl

from loancode.divisions import PROVINCE_CODE
from sample_province.geography import Geography
from sample_province.names import cat, chunks
from sample_province.uscc import from_codepoints

ISSUERS = np.array(["GOV", "BANK", "GUAR", "PARK", "PLAT"])
ISSUER_WEIGHTS = np.array([0.35, 0.30, 0.10, 0.10, 0.15])
CODES_PER_PLACE = 6
_BASE36 = np.array([ord(c) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"], dtype=np.uint32)


def _serials(key: np.ndarray, width: int = 6) -> np.ndarray:
    """A stable alphanumeric serial per integer key (a multiplicative hash written in base 36)."""
    value = (key.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(36**width)
    digits = np.empty((len(key), width), dtype=np.int64)
    for position in range(width - 1, -1, -1):
        digits[:, position] = (value % np.uint64(36)).astype(np.int64)
        value //= np.uint64(36)
    return from_codepoints(_BASE36[digits])


def assign(rng: np.random.Generator, geo: Geography, county: np.ndarray) -> pl.Series:
    """The code each demand scanned: mostly posted in its county, some city-wide or platform-wide."""
    n = len(county)
    issuer = rng.choice(len(ISSUERS), size=n, p=ISSUER_WEIGHTS)
    county_code = geo.county_codes[county]
    city_code = geo.city_codes[geo.county_city[county]]
    roll = rng.random(n)
    division = np.where(roll < 0.75, county_code, city_code)
    division = np.where((ISSUERS[issuer] == "PLAT") & (roll < 0.5), PROVINCE_CODE, division)
    slot = rng.integers(0, CODES_PER_PLACE, n)
    key = (division.astype(np.int64) * 10 + issuer) * CODES_PER_PLACE + slot
    return pl.concat([pl.Series(cat("QR-", division[lo:hi], "-", ISSUERS[issuer[lo:hi]], "-", _serials(key[lo:hi])))
                      for lo, hi in chunks(n)])
