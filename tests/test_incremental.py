"""A daily increment (yesterday's warehouse + one more business day's files of all four feeds) publishes
exactly what a full build of the same landing zone publishes: every relation of marts and audit."""

from __future__ import annotations

import shutil

import duckdb

from sample_province.build import Params, generate
from tests.pipeline_runner import run_build
from tests.published_digests import digests


def test_incremental_build_equals_full_rebuild(tmp_path):
    full_landing = tmp_path / "full"
    generate(Params(out=full_landing, seed=21, applications=600, start="2025-01", end="2025-03", bad_rows=10))
    days = sorted((full_landing / "applications").glob("applications_*.csv"))
    last_day = days[-1].name.removeprefix("applications_").removesuffix(".csv")
    # the day carries all four feeds: the register's latest snapshot is delivered again with the day's files
    snapshots = sorted((full_landing / "register").glob("register_*.xlsx"))
    shutil.copyfile(snapshots[-1], full_landing / "register" / f"register_{last_day}.xlsx")

    # Yesterday: the landing zone without the last day's files, built and published.
    landing = tmp_path / "landing"
    shutil.copytree(full_landing, landing)
    for path in landing.glob(f"*/*_{last_day}.*"):
        path.unlink()
    incremental = tmp_path / "incremental.duckdb"
    assert run_build(landing, incremental).returncode == 0
    # Today: the last day's files arrive; the build takes in only them on top of yesterday's warehouse.
    today_files = sorted(full_landing.glob(f"*/*_{last_day}.*"))
    assert {p.parent.name for p in today_files} == {"applications", "authorizations", "credit_reports", "register"}
    for path in today_files:
        shutil.copy2(path, landing / path.parent.name / path.name)
    result = run_build(landing, incremental)
    assert result.returncode == 0, result.stderr[-2000:]

    rebuilt = tmp_path / "rebuilt.duckdb"
    assert run_build(landing, rebuilt, "--fresh").returncode == 0

    with duckdb.connect(str(incremental), read_only=True) as inc:
        # yesterday's files were read once, by yesterday's build; today's build read only today's files
        log = inc.execute("SELECT file_name, loaded_at FROM raw.ingest_log").fetchall()
        assert len(log) == len({name for name, _ in log})
        today = [at for name, at in log if last_day in name]
        assert len(today) == len(today_files) and min(today) > max(at for name, at in log if last_day not in name)
    # every published relation (tables and views of marts and audit): columns, row count and rows' digest
    published, expected = digests(incremental), digests(rebuilt)
    assert published.keys() == expected.keys()
    assert [r for r in expected if published[r] != expected[r]] == []
    assert expected["marts.indicator_values"]["rows"] > 0
