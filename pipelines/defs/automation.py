"""When builds run: a daily schedule, and a sensor that notices new or re-delivered files."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg

from loancode import config, feeds
from pipelines.defs.partitions import tags_for_dates

# Everything but the reports: they follow each publish in their own run (defs/reports.py). One process runs
# every step: they write one DuckDB file one after the other (the `warehouse` pool), and the run holds the
# warehouse's build lock throughout (pipelines.lib.build_lock) instead of once per step.
build_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("reports"),
    executor_def=dg.in_process_executor,
    tags={"loancode/build": "build_warehouse"},  # queued behind any build in progress (pipelines/dagster.yaml)
    description="接入全部落地文件、运行 dbt、发布仓库 / Take in the landing zone, run dbt, publish.",
)

@dg.schedule(name="daily_build", job=build_job, cron_schedule="0 6 * * *", execution_timezone="Asia/Shanghai")
def daily_build(context: dg.ScheduleEvaluationContext):
    """Every morning, one run over every business date: whatever arrived is taken in, dbt rebuilds."""
    return dg.RunRequest(tags=tags_for_dates(landing_dates(), all_files=True))


def landing_fingerprint() -> dict[str, list]:
    """(size, mtime) of every delivery: a new file or a re-delivery changes it."""
    landing = config.landing_dir()
    found = {}
    for feed in feeds.names():
        folder = landing / feed
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_file():
                    stat = path.stat()
                    found[f"{feed}/{path.name}"] = [stat.st_size, stat.st_mtime_ns]
    return found


@dg.sensor(job=build_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def landing_zone_sensor(context: dg.SensorEvaluationContext):
    """One build for everything that arrived since the last build (never one run per file)."""
    now = landing_fingerprint()
    before = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(k for k, v in now.items() if before.get(k) != v)
    if not changed:
        return dg.SkipReason("落地区无新文件 / nothing new in the landing zone")
    context.update_cursor(json.dumps(now))
    dates = [feeds.delivery_date(name.split("/", 1)[1]) for name in changed]
    return dg.RunRequest(run_key=f"landing-{abs(hash(tuple(changed)))}-{len(now)}",
                         tags={**tags_for_dates(dates), "changed_files": str(len(changed))})


def landing_dates() -> list[date | None]:
    return [feeds.delivery_date(name.split("/", 1)[1]) for name in landing_fingerprint()]
