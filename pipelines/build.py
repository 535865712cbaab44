"""`make build`: take in the landing zone, run dbt, publish the warehouse — as one Dagster run, recorded in
the project's persistent Dagster instance (`DAGSTER_HOME`, default `.dagster_home`), so that `make dagster`
shows it: the run, each asset's materialization with its row count, the checks' results, the timings.

    LOANCODE_LANDING=<folder> LOANCODE_WAREHOUSE=<file> python -m pipelines.build [--fresh] [--reports]

With --reports the latest months' bulletin and city reports are then rendered by a second run of the same
instance (job publish_reports).

Exits 0 when the build finished (even if some files were refused: they are recorded in
audit.ingest_files), 1 when it or its reports failed, 2 when there is no landing zone, 3 when another build of the same
warehouse is running (refused, never raced: pipelines.lib.build_lock); the published warehouse is then
unchanged.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path


def _dbt_sources_changed(dbt_dir: Path, manifest: Path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [p for folder in ("models", "seeds", "macros", "tests") for p in (dbt_dir / folder).rglob("*")]
    sources += [dbt_dir / "dbt_project.yml", dbt_dir / "profiles.yml"]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def _ensure_dbt_manifest(dbt_dir: Path) -> None:
    """Dagster reads dbt's manifest to know the dbt assets: parse when missing (a clean checkout) or stale."""
    if _dbt_sources_changed(dbt_dir, dbt_dir / "target" / "manifest.json"):
        subprocess.run([str(Path(sys.executable).with_name("dbt")), "parse", "--quiet"], cwd=dbt_dir,
                       check=True, env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})


def summary(published: Path) -> str:
    import duckdb

    with duckdb.connect(str(published), read_only=True) as con:
        files = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'rejected'), coalesce(sum(rows_in), 0), "
            "coalesce(sum(rows_quarantined), 0) FROM audit.ingest_files").fetchone()
        months = con.execute("SELECT min(period), max(period), count(*) FROM marts.indicator_values").fetchone()
    return (f"已接入文件 {files[0]} 个（拒收 {files[1]}），数据行 {files[2]:,}，隔离 {files[3]:,}；"
            f"指标值 {months[2]:,} 行（{months[0]} 至 {months[1]}）/ "
            f"{files[0]} deliveries ({files[1]} refused), {files[2]:,} rows in, {files[3]:,} quarantined; "
            f"{months[2]:,} indicator values")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="构建并发布仓库 / build and publish the warehouse")
    parser.add_argument("--landing", help="落地区目录 / landing zone (default: $LOANCODE_LANDING)")
    parser.add_argument("--warehouse", help="发布的仓库文件 / published warehouse (default: $LOANCODE_WAREHOUSE)")
    parser.add_argument("--fresh", action="store_true", help="不沿用已发布仓库的原始层 / rebuild the raw layer")
    parser.add_argument("--reports", action="store_true",
                        help="发布后生成最近月份的通报与各市月报 / then render the latest months' reports")
    args = parser.parse_args(argv)
    if args.landing:
        os.environ["LOANCODE_LANDING"] = args.landing
    if args.warehouse:
        os.environ["LOANCODE_WAREHOUSE"] = args.warehouse

    from loancode import config
    from pipelines.lib import build_lock

    landing, published = config.landing_dir(), config.warehouse_path()
    if not landing.is_dir():
        print(f"落地区不存在：{landing} / landing zone not found", file=sys.stderr)
        return 2
    try:
        build_lock.acquire(published)
    except build_lock.BuildRunning as exc:
        print(exc, file=sys.stderr)
        return 3
    try:
        return _build(landing, published, config.working_path(), args.fresh, args.reports)
    finally:
        build_lock.release(published)


def _build(landing: Path, published: Path, work: Path, fresh: bool, reports: bool) -> int:
    from loancode import config
    from pipelines.lib import instance, warehouse

    started = time.monotonic()
    print(f"构建 / building {published} from {landing}", flush=True)
    warehouse.start_build(published, work, landing, fresh=fresh)
    os.environ["LOANCODE_DBT_DB"] = str(work)
    _ensure_dbt_manifest(config.DBT_PROJECT_DIR)
    dagster = instance.persistent()
    instance.fail_abandoned_runs(dagster, published)

    from pipelines.definitions import defs

    from pipelines.defs.automation import landing_dates
    from pipelines.defs.partitions import tags_for_dates

    ours = {instance.WAREHOUSE_TAG: str(published), instance.PID_TAG: str(os.getpid())}
    result = defs.resolve_job_def("build_warehouse").execute_in_process(
        instance=dagster, raise_on_error=False, tags={**tags_for_dates(landing_dates(), all_files=True), **ours})
    where = f"Dagster 运行 / run {result.run_id}（{config.dagster_home()}）"
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"构建失败，已发布的仓库保持不变 / build failed, published warehouse unchanged: {failed}；{where}",
              file=sys.stderr)
        return 1
    print(summary(published))
    print(where)
    if reports:
        from pipelines.defs.reports import RECENT_MONTHS, data_months, partition_tags

        months = data_months(published)[-RECENT_MONTHS:]
        if months:
            rendered = defs.resolve_job_def("publish_reports").execute_in_process(
                instance=dagster, raise_on_error=False, tags={**partition_tags(months), **ours})
            if not rendered.success:
                print("报表生成失败（仓库已发布）/ reports failed (the warehouse is published)", file=sys.stderr)
                return 1
            print(f"报表 / reports: {', '.join(months)} → {config.reports_dir()}")
    print(f"完成，用时 {time.monotonic() - started:.1f} 秒 / done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
