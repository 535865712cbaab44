"""Vectorised creation of valid USCCs (and deliberately broken ones) for whole columns at once."""

from __future__ import annotations

import numpy as np

from loancode.uscc import ALPHABET, WEIGHTS

_CODEPOINTS = np.array([ord(c) for c in ALPHABET], dtype=np.uint32)
_VALUE_OF = np.zeros(128, dtype=np.int64)
_VALUE_OF[_CODEPOINTS] = np.arange(len(ALPHABET))
_DIGITS = 10


def to_codepoints(strings: np.ndarray, width: int) -> np.ndarray:
    """An (n, width) matrix of code points of fixed-width strings (no per-row Python)."""
    return np.ascontiguousarray(np.asarray(strings, dtype=f"<U{width}")).view(np.uint32).reshape(-1, width)


def from_codepoints(matrix: np.ndarray) -> np.ndarray:
    """The inverse of `to_codepoints`: one string per row."""
    matrix = np.ascontiguousarray(matrix, dtype=np.uint32)
    return matrix.view(f"<U{matrix.shape[1]}").ravel()


def check_values(first17_values: np.ndarray) -> np.ndarray:
    """Check values (0..30) for an (n, 17) matrix of character values."""
    total = first17_values @ np.array(WEIGHTS)
    return (31 - total % 31) % 31


def make_many(rng: np.random.Generator, type_codes: np.ndarray, division_codes: np.ndarray) -> np.ndarray:
    """Valid USCCs: `type_codes` like '91', the 6-digit registration division, a random body.

    Most bodies of post-2015 registrations start with 'MA' (as on real business licences); the rest
    are digits, like re-issued old organisation codes.
    """
    n = len(type_codes)
    body = rng.integers(0, len(ALPHABET), size=(n, 9)).astype(np.uint8)
    digit_body = rng.integers(0, _DIGITS, size=(n, 9)).astype(np.uint8)
    modern = rng.random(n) < 0.7
    body[modern, :2] = [ALPHABET.index("M"), ALPHABET.index("A")]
    body[~modern] = digit_body[~modern]
    del digit_body
    out = np.empty(n, dtype="<U18")
    for lo in range(0, n, 500_000):  # a piece at a time: the matrices take 8 bytes a character
        rows = slice(lo, lo + 500_000)
        head = np.char.add(np.asarray(type_codes[rows], dtype="<U2"), np.asarray(division_codes[rows], dtype="<U6"))
        values = np.concatenate([_VALUE_OF[to_codepoints(head, 8)], body[rows]], axis=1)
        full = np.concatenate([values, check_values(values)[:, None]], axis=1)
        out[rows] = from_codepoints(_CODEPOINTS[full])
    return out


def break_check(rng: np.random.Generator, uscc: str) -> str:
    """The same code with a different, wrong check character."""
    wrong = [c for c in ALPHABET if c != uscc[-1]]
    return uscc[:-1] + wrong[int(rng.integers(len(wrong)))]
