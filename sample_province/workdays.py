"""The official PRC working-day calendar (调休 counted as working days), as numpy arrays.

Days are integer day numbers since 1970-01-01 so that whole columns of timestamps can be scheduled
with `searchsorted` instead of per-row Python.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import numpy as np

EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def to_date(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


def _is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the years the package knows: fall back to plain weekdays.
        return day.weekday() < 5


def _holiday_name(day: dt.date) -> str | None:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if on_holiday else None


class WorkCalendar:
    """Working days from `first` to `last` inclusive (extend `last` well past the data range)."""

    def __init__(self, first: dt.date, last: dt.date):
        self.first = day_number(first)
        dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        self.days = np.arange(self.first, self.first + len(dates), dtype=np.int64)
        self.is_work = np.array([_is_workday(d) for d in dates], dtype=bool)
        names = [_holiday_name(d) for d in dates]
        self.is_holiday = np.array([n is not None for n in names], dtype=bool)
        self.is_spring_festival = np.array([n == "Spring Festival" for n in names], dtype=bool)
        self.work_days = self.days[self.is_work]

    def workday_mask(self, days: np.ndarray) -> np.ndarray:
        return self.is_work[days - self.first]

    def after(self, days: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The k-th working day strictly after each day (k >= 1)."""
        pos = np.searchsorted(self.work_days, days, side="right") + np.asarray(k) - 1
        return self.work_days[np.minimum(pos, len(self.work_days) - 1)]

    def spring_festival_window(self, before: int = 7, after: int = 7) -> np.ndarray:
        """Days within `before`/`after` days of a Spring Festival holiday (the 春节 weeks)."""
        window = np.zeros_like(self.is_spring_festival)
        for offset in range(-after, before + 1):
            window |= np.roll(self.is_spring_festival, -offset)
        return window
