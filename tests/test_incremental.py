"""An incremental build (yesterday's warehouse + today's files) equals a full rebuild from scratch."""

from __future__ import annotations

import shutil

import duckdb

from sample_province.build import Params, generate
from tests.pipeline_runner import run_build

# Columns that say when a build ran, not what it computed.
VOLATILE = {"loaded_at"}


def tables(con) -> list[tuple[str, str]]:
    return con.execute("SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN "
                       "('marts', 'audit') AND table_type = 'BASE TABLE' ORDER BY 1, 2").fetchall()


def content(con, schema, table) -> list[tuple]:
    columns = [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [schema, table]).fetchall() if c not in VOLATILE]
    select = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f'SELECT {select} FROM "{schema}"."{table}" ORDER BY ALL').fetchall()


def test_incremental_build_equals_full_rebuild(tmp_path):
    full_landing = tmp_path / "full"
    generate(Params(out=full_landing, seed=21, applications=600, start="2025-01", end="2025-03", bad_rows=10))
    days = sorted((full_landing / "applications").glob("applications_*.csv"))
    last_day = days[-1].name.removeprefix("applications_").removesuffix(".csv")

    # Yesterday: the landing zone without the last day's files, built and published.
    landing = tmp_path / "landing"
    shutil.copytree(full_landing, landing)
    for path in landing.glob(f"*/*_{last_day}.*"):
        path.unlink()
    incremental = tmp_path / "incremental.duckdb"
    assert run_build(landing, incremental).returncode == 0
    # Today: the last day's files arrive; the build takes in only them on top of yesterday's warehouse.
    for path in full_landing.glob(f"*/*_{last_day}.*"):
        shutil.copy2(path, landing / path.parent.name / path.name)
    result = run_build(landing, incremental)
    assert result.returncode == 0, result.stderr[-2000:]

    rebuilt = tmp_path / "rebuilt.duckdb"
    assert run_build(landing, rebuilt, "--fresh").returncode == 0

    with duckdb.connect(str(incremental), read_only=True) as inc, duckdb.connect(str(rebuilt), read_only=True) as full:
        assert tables(inc) == tables(full)
        # yesterday's files were read once, by yesterday's build; today's build read only today's files
        log = inc.execute("SELECT file_name, loaded_at FROM raw.ingest_log").fetchall()
        assert len(log) == len({name for name, _ in log})
        today = [at for name, at in log if last_day in name]
        assert today and min(today) > max(at for name, at in log if last_day not in name)
        for schema, table in tables(full):
            assert content(inc, schema, table) == content(full, schema, table), f"{schema}.{table}"
