"""Generate the official working-day calendar seed from `chinese_calendar`.

`python -m pipelines.lib.workcalendar` writes `dbt_project/seeds/official_calendar.csv`: one row per
day of every year that chinese_calendar knows (the State Council's published holiday arrangements),
with columns

    date, is_working_day, is_holiday, is_makeup_workday, holiday_name_zh, holiday_name_en

`is_working_day` follows the official calendar: public holidays (including weekdays given off) are not
working days, make-up working days (调休, a Saturday or Sunday worked) are.

Years that chinese_calendar does not know are simply absent; the dbt model `int_calendar_days_resolved` then
applies `calendar_overrides.csv` (which the bureau extends with a year's holidays and 调休 days) or,
failing that, weekends only, and flags the day `calendar_known = false`.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from chinese_calendar.constants import Holiday, holidays, workdays

from loancode.config import SEEDS_DIR

SEED_PATH = SEEDS_DIR / "official_calendar.csv"
COLUMNS = ("date", "is_working_day", "is_holiday", "is_makeup_workday", "holiday_name_zh", "holiday_name_en")

_CHINESE = {h.value: h.chinese for h in Holiday}


def known_years() -> list[int]:
    """Years for which chinese_calendar carries the official arrangement."""
    return sorted({d.year for d in holidays} | {d.year for d in workdays})


def calendar_rows() -> list[dict[str, str]]:
    """One dict per day of every known year, in date order."""
    rows: list[dict[str, str]] = []
    for year in known_years():
        day = dt.date(year, 1, 1)
        while day.year == year:
            holiday_en = holidays.get(day)
            makeup = day in workdays
            if holiday_en is not None:
                working = False
            elif makeup:
                working = True
            else:
                working = day.weekday() < 5
            rows.append(
                {
                    "date": day.isoformat(),
                    "is_working_day": "true" if working else "false",
                    "is_holiday": "true" if holiday_en is not None else "false",
                    "is_makeup_workday": "true" if makeup else "false",
                    "holiday_name_zh": _CHINESE.get(holiday_en, "") if holiday_en else "",
                    "holiday_name_en": holiday_en or "",
                }
            )
            day += dt.timedelta(days=1)
    return rows


def write_seed(path: Path = SEED_PATH) -> Path:
    """Write the seed CSV (UTF-8, LF line ends, header row). Returns the path written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(calendar_rows())
    return path


def main() -> None:
    path = write_seed()
    years = known_years()
    print(f"wrote {path} for {years[0]}..{years[-1]}")


if __name__ == "__main__":
    main()
