"""Business-date partitions of the ingest assets: one per day of deliveries (feeds.md: the file name's
YYYYMMDD is the partition). A first load or a backfill is one run over the whole range (single-run
backfill policy), never one run per day."""

from __future__ import annotations

from datetime import date

import dagster as dg

BUSINESS_DATES = dg.DailyPartitionsDefinition(
    start_date="2020-01-01", end_offset=1, timezone="Asia/Shanghai", fmt="%Y-%m-%d")
SINGLE_RUN = dg.BackfillPolicy.single_run()


def run_window(context: dg.AssetExecutionContext) -> tuple[date, date] | None:
    """The business dates a run takes in; None when it spans every partition (a full build, which also
    judges files outside the partition range, such as misnamed ones, so that nothing is left unrecorded)."""
    if not context.has_partition_key_range:
        return None
    keys = context.partition_key_range
    all_keys = BUSINESS_DATES.get_partition_keys()
    if keys.start <= all_keys[0] and keys.end >= all_keys[-1]:
        return None
    return date.fromisoformat(keys.start), date.fromisoformat(keys.end)


def full_range_tags() -> dict[str, str]:
    keys = BUSINESS_DATES.get_partition_keys()
    return {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}


def tags_for_dates(dates: list[date | None]) -> dict[str, str]:
    """Run tags for the smallest range covering `dates`; a date outside the partitions (or a misnamed
    file, None) needs the full range."""
    keys = BUSINESS_DATES.get_partition_keys()
    wanted = [d.isoformat() for d in dates if d is not None]
    if not wanted or None in dates or min(wanted) < keys[0] or max(wanted) > keys[-1]:
        return full_range_tags()
    return {"dagster/asset_partition_range_start": min(wanted), "dagster/asset_partition_range_end": max(wanted)}
