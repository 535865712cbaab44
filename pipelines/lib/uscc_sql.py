"""The GB 32100-2015 check of a 统一社会信用代码 as a vectorised DuckDB expression (feeds.md)."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # values 0..30; no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_valid_sql(v: str) -> str:
    """TRUE iff `v` is 18 characters of the alphabet and its 18th is the check character."""
    total = " + ".join(f"(instr('{ALPHABET}', substr({v}, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(WEIGHTS))
    return (
        f"(length({v}) = 18 AND regexp_full_match({v}, '[{ALPHABET}]{{18}}') "
        f"AND substr({v}, 18, 1) = substr('{ALPHABET}', ((31 - ({total}) % 31) % 31) + 1, 1))"
    )
