"""Business-date partitions of the ingest assets, by month of the file name's YYYYMMDD.

feeds.md makes every daily file its own partition, and the loaders replace exactly that day's rows on a
re-delivery. Dagster's partitions are months of those days: Dagster records one event per asset and
partition, and two years of daily partitions would cost a build minutes of bookkeeping for nothing.
A first load or a backfill is one run over the whole range (single-run backfill policy).
"""

from __future__ import annotations

import calendar
from datetime import date

import dagster as dg

BUSINESS_MONTHS = dg.MonthlyPartitionsDefinition(start_date="2020-01-01", end_offset=1, timezone="Asia/Shanghai")
SINGLE_RUN = dg.BackfillPolicy.single_run()
# A run tagged so takes in every file of the landing zone, misnamed ones included (make build).
ALL_FILES_TAG = "loancode/all_files"


def month_key(day: date) -> str:
    return day.replace(day=1).isoformat()


def run_window(context: dg.AssetExecutionContext) -> tuple[date, date] | None:
    """The business dates a run takes in; None for every file."""
    if context.run.tags.get(ALL_FILES_TAG) == "true" or not context.has_partition_key_range:
        return None
    keys = context.partition_key_range
    end = date.fromisoformat(keys.end)
    return date.fromisoformat(keys.start), end.replace(day=calendar.monthrange(end.year, end.month)[1])


def tags_for_dates(dates: list[date | None], all_files: bool = False) -> dict[str, str]:
    """Run tags for the months covering `dates` (a misnamed file, None, or a date outside the partitions
    takes in everything)."""
    keys = BUSINESS_MONTHS.get_partition_keys()
    wanted = [month_key(d) for d in dates if d is not None]
    if not wanted or None in dates or min(wanted) < keys[0] or max(wanted) > keys[-1]:
        wanted, all_files = [keys[0], keys[-1]], True
    tags = {"dagster/asset_partition_range_start": min(wanted), "dagster/asset_partition_range_end": max(wanted)}
    return {**tags, ALL_FILES_TAG: "true"} if all_files else tags
