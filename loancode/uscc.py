"""统一社会信用代码 (USCC) check character, GB 32100-2015 (feeds.md): one table, two forms.

The alphabet and weights are written once here. `is_valid` / `make` are the Python form (the
sample-province generator makes valid codes with them, tests check them); `valid_sql` renders the same
check as a vectorised DuckDB expression for the loaders' row rules.
"""

from __future__ import annotations

# The 31 characters a USCC may use, valued 0..30; I, O, Z, S and V are excluded to avoid confusion with digits.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUES = {char: value for value, char in enumerate(ALPHABET)}
LENGTH = 18


def check_char(first17: str) -> str:
    """The 18th character for the given first 17 characters (ValueError on a foreign character)."""
    if len(first17) != LENGTH - 1:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    try:
        total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=False))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed in a USCC") from None
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(uscc: object) -> bool:
    """True iff `uscc` is an 18-character string of the alphabet whose last character checks."""
    if not isinstance(uscc, str) or len(uscc) != LENGTH:
        return False
    if any(char not in VALUES for char in uscc):
        return False
    return check_char(uscc[:17]) == uscc[17]


def make(prefix8: str, body9: str) -> str:
    """A valid USCC from the authority/type/division prefix (8 chars) and the organisation body (9)."""
    first17 = prefix8 + body9
    if len(prefix8) != 8 or len(body9) != 9:
        raise ValueError("prefix8 must have 8 characters and body9 must have 9")
    return first17 + check_char(first17)


def valid_sql(column: str) -> str:
    """A DuckDB expression, TRUE iff `column` is 18 characters of the alphabet and its 18th checks.

    Each character's value is looked up by its code point in a list (`ascii`), which costs DuckDB a third
    less than finding the character in the alphabet (`instr`) 17 times per row."""
    first, last = ord(min(ALPHABET)), ord(max(ALPHABET))
    by_code = "[" + ", ".join(str(VALUES.get(chr(code), 0)) for code in range(first, last + 1)) + "]"
    total = " + ".join(f"{by_code}[ascii({column}[{i + 1}]) - {first - 1}] * {weight}"
                       for i, weight in enumerate(WEIGHTS))
    return (
        f"(length({column}) = {LENGTH} AND regexp_full_match({column}, '[{ALPHABET}]{{{LENGTH}}}') "
        f"AND {column}[{LENGTH}] = '{ALPHABET}'[((31 - ({total}) % 31) % 31) + 1])"
    )
