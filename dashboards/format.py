"""Display formatting (Simplified Chinese conventions). Pure functions, no Streamlit.

Amounts arrive in 万元 (the warehouse's unit). From 10,000 万元 up they are shown in 亿元.
Missing values (None, NaN) are shown as an em dash "—".
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "—"
YI = 10_000.0  # 1 亿元 = 10,000 万元


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def amount_wan(value: Any) -> str:
    """万元 amount: ``1,234.56 万元``; ≥ 10,000 万元 → ``1.23 亿元`` (2 decimals)."""
    if is_missing(value):
        return MISSING
    v = float(value)
    if abs(v) >= YI:
        return f"{v / YI:,.2f} 亿元"
    return f"{v:,.2f} 万元"


def amount_scale(max_abs_wan: Any) -> tuple[float, str]:
    """Divisor and unit for a chart axis whose largest value is ``max_abs_wan`` 万元."""
    if not is_missing(max_abs_wan) and abs(float(max_abs_wan)) >= YI:
        return YI, "亿元"
    return 1.0, "万元"


def count(value: Any, unit: str = "") -> str:
    """Integer count with thousands separators: ``12,345 笔``."""
    if is_missing(value):
        return MISSING
    text = f"{round(float(value)):,}"
    return f"{text} {unit}" if unit else text


def percent(value: Any, digits: int = 2) -> str:
    """A value already in percent (the warehouse stores share × 100): ``95.20%``."""
    if is_missing(value):
        return MISSING
    return f"{float(value):.{digits}f}%"


def hours(value: Any) -> str:
    if is_missing(value):
        return MISSING
    return f"{float(value):,.1f} 小时"


def indicator_value(value: Any, unit: str | None) -> str:
    """Format an indicator value by its catalog unit."""
    unit = (unit or "").strip()
    if unit == "万元":
        return amount_wan(value)
    if unit in {"%", "％"}:
        return percent(value)
    if unit == "小时":
        return hours(value)
    return count(value, unit)


def delta(pct: Any, digits: int = 1) -> str | None:
    """A MoM/YoY growth (already in percent) as a signed string ``+12.3%`` / ``-4.0%``; None if absent."""
    if is_missing(pct):
        return None
    v = float(pct)
    if round(v, digits) == 0:
        return f"{0:.{digits}f}%"
    return f"{v:+.{digits}f}%"


def metric_delta(mom: Any, yoy: Any) -> tuple[str | int | None, str | None]:
    """(delta, description) for ``st.metric``: MoM drives the arrow, YoY goes in the description.

    A change that rounds to zero is the number 0 (Streamlit shows it grey, without an arrow).
    """
    d_mom, d_yoy = delta(mom), delta(yoy)
    yoy_text = f" · 同比 {d_yoy}" if d_yoy is not None else ""
    if d_mom is not None:
        if d_mom == "0.0%":
            return 0, "环比持平" + yoy_text
        return d_mom, "环比" + yoy_text
    if d_yoy is not None:
        return (0, "同比持平") if d_yoy == "0.0%" else (d_yoy, "同比")
    return None, None


def change_text(value: Any, unit: str | None) -> str:
    """A month-on-month change in the indicator's own unit, signed: ``+3.2 个百分点`` (a % indicator's change
    is in percentage points; below 1 point two decimals), ``-120 笔``, ``+1,234.56 万元`` / ``+1.23 亿元``,
    ``+1.5 小时``."""
    if is_missing(value):
        return MISSING
    v, unit = float(value), (unit or "").strip()
    if unit in {"%", "％"}:
        return f"{v:+.{2 if abs(v) < 1 else 1}f} 个百分点"
    if unit == "小时":
        return f"{v:+,.1f} 小时"
    if unit == "万元":
        return f"{v / YI:+,.2f} 亿元" if abs(v) >= YI else f"{v:+,.2f} 万元"
    text = f"{round(v):+,}"
    return f"{text} {unit}" if unit else text


def attribution_words(contributors: list[tuple[str, float]], change: Any, unit: str | None,
                      limit: int = 3) -> str | None:
    """The top contributors to a change in words: ``主要来自太原市（+3.2 个百分点）、大同市（+1.1 个百分点）``.

    ``contributors`` are (member name, contribution) in the mart's rank order (largest in the direction of
    the change first); only those moving the same way as the change are named, at most ``limit``. None when
    the change is 0 or missing, or nothing moved its way.
    """
    if is_missing(change) or float(change) == 0:
        return None
    sign = 1.0 if float(change) > 0 else -1.0
    floor = 1e-9 * max(1.0, abs(float(change)))
    named = [(n, c) for n, c in contributors if not is_missing(c) and float(c) * sign > floor][:limit]
    if not named:
        return None
    return "主要来自" + "、".join(f"{n}（{change_text(c, unit)}）" for n, c in named)


def period_label(period: str) -> str:
    """``2025-03`` → ``2025年3月``."""
    try:
        year, month = period.split("-")
        return f"{int(year)}年{int(month)}月"
    except (AttributeError, ValueError):
        return str(period)


STATUS_LABELS = {
    "loaded": "已加载",
    "loaded_with_quarantine": "部分隔离",
    "rejected": "已拒绝",
}
STATUS_COLORS = {  # background, text: delivery statuses and alert severities
    "已加载": ("#e6f4ea", "#1e7b34"),
    "部分隔离": ("#fff4e5", "#b25e00"),
    "已拒绝": ("#fdecea", "#b3261e"),
    "严重": ("#fdecea", "#b3261e"),
    "警告": ("#fff4e5", "#b25e00"),
    "提示": ("#e8f0fe", "#1a56b0"),
}


def status_label(status: Any) -> str:
    if is_missing(status) and not isinstance(status, str):
        return MISSING
    return STATUS_LABELS.get(str(status), str(status))


def status_css(label: Any) -> str:
    """CSS for a status or severity cell (pandas Styler ``map``): coloured text, no emoji font needed."""
    colors = STATUS_COLORS.get(str(label))
    if not colors:
        return ""
    bg, fg = colors
    return f"background-color: {bg}; color: {fg}; font-weight: 600"
