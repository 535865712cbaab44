"""The report store after each publish: the monthly bulletin and the city monthly reports, one Dagster
partition per month, written beside the warehouse (`loancode.config.reports_dir()`).

The reports are rendered by the dashboards' own CLI (`python -m dashboards.reports publish`) in a child
process: `pipelines/` never imports `dashboards/` (tests/test_architecture.py), the reports read the
published warehouse through the query layer that applies the viewer's scope, exactly as a download on
the dashboards does, and one renderer serves both (docs/architecture.md).

After each publish, the sensor asks for the latest RECENT_MONTHS data months (the month just closed can
still change with late files); files of earlier months stay where they are. Any other month: a
backfill of its partition in the Dagster UI, or `python -m dashboards.reports publish --month ...`.
"""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb

from loancode import config
from pipelines.defs.partitions import BUSINESS_MONTHS, SINGLE_RUN
from pipelines.defs.publish import published_warehouse
from pipelines.defs.resources import WarehouseResource

RECENT_MONTHS = 2
REPORT_TIMEOUT_SECONDS = 1800


def data_months(published: Path) -> list[str]:
    """The months with province indicator values in the published warehouse ('YYYY-MM', ascending)."""
    if not published.is_file():
        return []
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute("select distinct period from marts.indicator_values where grain = 'province' "
                           "order by period").fetchall()
    return [str(r[0]) for r in rows]


def partition_tags(months: list[str]) -> dict[str, str]:
    """Run tags of one run over the partitions from the first to the last of ``months``."""
    return {"dagster/asset_partition_range_start": f"{months[0]}-01",
            "dagster/asset_partition_range_end": f"{months[-1]}-01"}


@dg.asset(
    key=dg.AssetKey(["monthly_reports"]),
    deps=[published_warehouse],
    partitions_def=BUSINESS_MONTHS,
    backfill_policy=SINGLE_RUN,
    group_name="reports",
    description="月度通报与各市月报（报表中心）/ The monthly bulletin and the city monthly reports.",
)
def monthly_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    published = Path(warehouse.published)
    first, last = (key[:7] for key in (context.partition_key_range.start, context.partition_key_range.end))
    months = [m for m in data_months(published) if first <= m <= last]
    out_dir = config.reports_dir()
    if not months:
        context.log.info(f"{first} 至 {last} 无指标数据，未生成报表 / no data months in the range")
        return dg.MaterializeResult(metadata={"months": "", "files": 0})
    done = subprocess.run(
        [sys.executable, "-m", "dashboards.reports", "publish", *(f"--month={m}" for m in months),
         "--out-dir", str(out_dir)],
        cwd=config.PROJECT_ROOT, capture_output=True, text=True, timeout=REPORT_TIMEOUT_SECONDS,
        env={**os.environ, "LOANCODE_WAREHOUSE": str(published), "LOANCODE_VIEWER_SCOPE": "province"},
    )
    if done.returncode != 0:
        raise dg.Failure(description=f"报表生成失败 / reports failed: {done.stderr[-2000:]}")
    context.log.info(done.stdout.strip())
    files = sum(1 for m in months for p in (out_dir / m).iterdir() if p.is_file())
    return dg.MaterializeResult(metadata={"months": ", ".join(months), "files": files, "folder": str(out_dir)})


reports_job = dg.define_asset_job(
    "publish_reports",
    selection=dg.AssetSelection.assets(monthly_reports),
    partitions_def=BUSINESS_MONTHS,
    description="生成月度通报与各市月报 / Render the bulletin and the city reports into the report store.",
)


@dg.asset_sensor(asset_key=published_warehouse.key, job=reports_job, default_status=dg.DefaultSensorStatus.RUNNING)
def reports_after_publish(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    """After each publish, one run for the latest data months."""
    months = data_months(config.warehouse_path())[-RECENT_MONTHS:]
    if not months:
        return dg.SkipReason("仓库中无指标数据 / no indicator months in the published warehouse")
    return dg.RunRequest(run_key=f"reports-{asset_event.timestamp}", tags=partition_tags(months))
