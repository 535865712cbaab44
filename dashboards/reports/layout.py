"""Print layout shared by the renderers: how wide a text is, and how a value shows in each format.

Chinese characters (and full-width punctuation, the em dash of a missing value) take two columns of a
monospaced grid, Latin letters and digits one: a spreadsheet column sized by ``len()`` cuts Chinese
names in half (政府性融资担保… on the printed report).
"""

from __future__ import annotations

import math
import unicodedata

from dashboards.reports.data import cell_text

# Spreadsheet number formats per kind, and how a value formatted so reads (cell_text plus the unit a
# number format adds).
NUMBER_FORMATS = {
    "count": "#,##0",
    "amount": "#,##0.00",
    "pct": '0.00"%"',
    "hours": "#,##0.0",
}


def text_width(text: str) -> int:
    """Width of ``text`` in half-width columns: East Asian wide, full-width and ambiguous characters
    count two (CJK fonts draw the ambiguous ones — “ ” — full width)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in str(text))


def shown_text(value, kind: str) -> str:
    """A value as a spreadsheet shows it with NUMBER_FORMATS (percent carries its sign there)."""
    text = cell_text(value, kind)
    return f"{text}%" if kind == "pct" and text != "—" else text


def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes when wrapped into ``width`` half-width columns (explicit newlines kept)."""
    return sum(max(1, math.ceil(text_width(part) / max(width, 1))) for part in str(text).split("\n"))
