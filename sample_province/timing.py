"""When things happen: submission days, times of day, and working-day scheduling of answers.

Times are int64 seconds since 1970-01-01 in Beijing local time (naive), days are day numbers.
"""

from __future__ import annotations

import numpy as np

from sample_province.workdays import WorkCalendar

DAY = 86_400
HOUR = 3_600
MINUTE = 60
OFFICE_OPEN = 8 * HOUR + 30 * MINUTE
OFFICE_CLOSE = 17 * HOUR + 30 * MINUTE


def submission_day_weights(cal: WorkCalendar, days: np.ndarray) -> np.ndarray:
    """Relative demand per calendar day: growing platform, quiet weekends, a deep 春节 dip."""
    idx = days - cal.first
    trend = np.linspace(0.7, 1.3, len(days))  # the platform gains users over the years
    weights = np.where(cal.is_work[idx], 1.0, 0.3)
    weights = np.where(cal.is_holiday[idx], 0.15, weights)
    festival = cal.spring_festival_window()[idx]
    weights = np.where(festival & ~cal.is_holiday[idx], weights * 0.4, weights)
    weights = np.where(cal.is_spring_festival[idx], 0.05, weights)
    return trend * weights


def applicant_clock(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into the day of an applicant's action: business hours mostly, some evenings."""
    centre = np.where(rng.random(n) < 0.55, 10.3, 15.2) * HOUR
    spread = rng.normal(0.0, 1.4 * HOUR, n)
    evening = rng.random(n) < 0.12
    seconds = np.where(evening, rng.uniform(18.5 * HOUR, 23 * HOUR, n), centre + spread)
    return np.clip(seconds, 7 * HOUR, 23.5 * HOUR).astype(np.int64)


def office_clock(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into the day of a bank officer's action: working hours, a little overtime."""
    seconds = rng.uniform(OFFICE_OPEN, OFFICE_CLOSE, n)
    overtime = rng.random(n) < 0.06
    seconds[overtime] = rng.uniform(OFFICE_CLOSE, 20 * HOUR, int(overtime.sum()))
    return seconds.astype(np.int64)


def working_days_later(rng: np.random.Generator, cal: WorkCalendar, start: np.ndarray, k: np.ndarray) -> np.ndarray:
    """An office-hours time on the k-th working day after the day of `start` (k >= 1)."""
    day = cal.after(start // DAY, k)
    return day * DAY + office_clock(rng, len(start))


def answer_times(rng: np.random.Generator, cal: WorkCalendar, submitted: np.ndarray) -> np.ndarray:
    """First answer to a demand: usually the same or the next working day; ~7% after 3 working days."""
    n = len(submitted)
    k = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 11], size=n,
                   p=[0.42, 0.34, 0.10, 0.07, 0.03, 0.02, 0.01, 0.005, 0.005])
    clock = submitted % DAY
    same_day_possible = cal.workday_mask(submitted // DAY) & (clock < 16 * HOUR)
    same_day = (k == 0) & same_day_possible
    later = working_days_later(rng, cal, submitted, np.maximum(k, 1))
    room = np.maximum(OFFICE_CLOSE - clock, 20 * MINUTE)
    soon = submitted + (rng.uniform(0.05, 1.0, n) * np.minimum(room, 3 * HOUR)).astype(np.int64) + 5 * MINUTE
    return np.where(same_day, soon, later)


def geometric_workdays(rng: np.random.Generator, n: int, p: float, cap: int) -> np.ndarray:
    return np.minimum(rng.geometric(p, n), cap)
