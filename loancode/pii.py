"""Masking and keyed hashing of personal information (feeds.md: legal_rep_name, contact_phone).

Clear values live only in schema `restricted`; everywhere else carries these forms:
a name as its first character and one star per further character (张三 → 张*), a phone as its first
three and last four digits (13812341234 → 138****1234), and a keyed SHA-256 for joining.
"""

from __future__ import annotations

from loancode.config import pii_key


def mask_sql(kind: str, v: str) -> str:
    if kind == "phone":
        return (
            f"CASE WHEN {v} IS NULL THEN NULL WHEN length({v}) >= 8 "
            f"THEN left({v}, 3) || repeat('*', length({v}) - 7) || right({v}, 4) "
            f"ELSE repeat('*', length({v})) END"
        )
    return (
        f"CASE WHEN {v} IS NULL THEN NULL "
        f"ELSE left({v}, 1) || repeat('*', greatest(length({v}) - 1, 1)) END"
    )


def hash_sql(v: str) -> str:
    key = pii_key().replace("'", "''")
    return f"CASE WHEN {v} IS NULL THEN NULL ELSE sha256('{key}:' || {v}) END"
