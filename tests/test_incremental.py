"""A daily increment (yesterday's warehouse + one more business day's files of all four feeds) publishes
exactly what a full build of the same landing zone publishes: every relation of marts and audit.

dbt's models where the volume is recompute only the touched applications (docs/performance.md, "Daily
increment"); the sequence below goes through each way an application can be touched, and a full refresh's
triggers, comparing each published warehouse with a full build (`--fresh`) of the same landing zone."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl

from loancode.config import DBT_PROJECT_DIR
from pipelines.defs.transform.dbt import project_digest
from pipelines.lib import landing as landing_zone
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
        # dbt recomputed only the applications the day touched (the snapshot delivered again says the same)
        assert _dbt_built(inc)["full_refresh"] is False
        assert 0 < _dbt_built(inc)["touched_applications"] < _applications(inc) / 2
        assert inc.execute("SELECT count(*) FROM raw.applications_touched").fetchone()[0] == 0
    # every published relation (tables and views of marts and audit): columns, row count and rows' digest
    published, expected = digests(incremental), digests(rebuilt)
    assert published.keys() == expected.keys()
    assert [r for r in expected if published[r] != expected[r]] == []
    assert expected["marts.indicator_values"]["rows"] > 0


def test_increments_that_remove_events_span_days_change_the_register_or_change_nothing(tmp_path):
    """One warehouse carried from build to build, each published warehouse equal to a full build's:
    1. a new day (applications only) with an application whose events span the old days and the new one;
    2. an earlier day delivered again without one event of a valid application (a re-delivery removes it);
    3. the same landing zone again: nothing touched, nothing changes;
    4. the latest register snapshot delivered again with another category for a product in use: every
       application is recomputed (the increment falls back to the full rebuild's work)."""
    full_landing = tmp_path / "full"
    generate(Params(out=full_landing, seed=33, applications=500, start="2025-01", end="2025-02", bad_rows=0))
    last_file = sorted((full_landing / "applications").glob("applications_*.csv"))[-1]
    landing = tmp_path / "landing"
    shutil.copytree(full_landing, landing)
    (landing / "applications" / last_file.name).unlink()
    warehouse = tmp_path / "incremental.duckdb"
    assert run_build(landing, warehouse).returncode == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert _dbt_built(con)["full_refresh"] is True  # a first build

    # 1. the new day: some of its events belong to applications submitted on earlier days
    shutil.copy2(last_file, landing / "applications" / last_file.name)
    _build_and_compare(landing, warehouse, tmp_path / "fresh1.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        spanning = con.execute(
            "SELECT application_id FROM marts.fct_application_events GROUP BY ALL HAVING "
            "count(*) FILTER (WHERE file_name = ?) > 0 AND count(*) FILTER (WHERE file_name <> ?) > 0",
            [last_file.name, last_file.name]).fetchall()
        assert spanning, "the new day must continue applications of earlier days"
        assert _dbt_built(con)["full_refresh"] is False

    # 2. an earlier day delivered again without the `accepted` event of a valid application with other events
    with duckdb.connect(str(warehouse), read_only=True) as con:
        event_id, file_name, application_id = con.execute(
            "SELECT e.event_id, e.file_name, e.application_id FROM marts.fct_application_events e "
            "WHERE e.event_type = 'accepted' AND e.file_name <> ? AND (SELECT count(*) FROM raw.applications r "
            "WHERE r.event_id = e.event_id) = 1 AND (SELECT count(DISTINCT file_name) FROM "
            "marts.fct_application_events o WHERE o.application_id = e.application_id) > 1 "
            "ORDER BY e.event_id LIMIT 1", [last_file.name]).fetchone()
    _remove_event(landing / "applications" / file_name, event_id)
    _build_and_compare(landing, warehouse, tmp_path / "fresh2.duckdb", redelivered=(file_name,))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.fct_application_events WHERE event_id = ?",
                           [event_id]).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM intermediate.int_applications_touched WHERE application_id = ?",
                           [application_id]).fetchone()[0] == 1
        assert _dbt_built(con)["full_refresh"] is False

    # 3. nothing new: no application is touched, the published numbers stay the full build's
    assert run_build(landing, warehouse).returncode == 0
    _assert_same_numbers(warehouse, tmp_path / "fresh2.duckdb", redelivered=(file_name,))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert _dbt_built(con) == {"full_refresh": False, "touched_applications": 0}

    # 4. the register describes a product in use otherwise: every application is recomputed
    with duckdb.connect(str(warehouse), read_only=True) as con:
        product_id, category = con.execute(
            "SELECT product_id, any_value(product_category) FROM marts.fct_applications "
            "WHERE product_id IS NOT NULL GROUP BY ALL ORDER BY count(*) DESC, product_id LIMIT 1").fetchone()
    latest = sorted((landing / "register").glob("register_*.xlsx"))[-1]
    _recategorise(latest, product_id, category)
    _build_and_compare(landing, warehouse, tmp_path / "fresh3.duckdb", redelivered=(file_name, latest.name))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT DISTINCT product_category FROM marts.fct_applications WHERE product_id = ?",
                           [product_id]).fetchall() != [(category,)]
        assert _dbt_built(con)["touched_applications"] == _applications(con)


def test_the_project_digest_follows_every_model_macro_and_seed(tmp_path):
    """A change of the dbt project (what the incremental models' rows depend on besides the raw layer) makes
    the next build a full refresh: the digest the build compares with the previous build's changes."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", ".*"))
    before = project_digest(project)
    assert project_digest(DBT_PROJECT_DIR) == before  # dbt's target and logs are not the project
    (project / "target").mkdir()
    (project / "target" / "run_results.json").write_text("{}")
    assert project_digest(project) == before
    for changed in ("models/intermediate/int_applications_checked.sql", "macros/city_of.sql",
                    "seeds/official_calendar.csv", "dbt_project.yml"):
        path = project / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert project_digest(project) != before, changed
        path.write_bytes(original)
    assert project_digest(project) == before


def _build_and_compare(landing: Path, warehouse: Path, fresh: Path, redelivered: tuple[str, ...] = ()) -> None:
    result = run_build(landing, warehouse)
    assert result.returncode == 0, result.stderr[-2000:]
    assert run_build(landing, fresh, "--fresh").returncode == 0
    _assert_same_numbers(warehouse, fresh, redelivered)


def _assert_same_numbers(warehouse: Path, fresh: Path, redelivered: tuple[str, ...] = ()) -> None:
    """Every published relation equal; after re-deliveries, audit.ingest_files holds one more row than a
    fresh build's per re-delivered file, its first delivery (a history a fresh build cannot have)."""
    published, expected = digests(warehouse), digests(fresh)
    assert published.keys() == expected.keys()
    differ = [r for r in expected if published[r] != expected[r]]
    if not redelivered:
        assert differ == []
        return
    assert differ in ([], ["audit.ingest_files"])
    query = "SELECT * EXCLUDE (loaded_at) FROM audit.ingest_files"
    with duckdb.connect(str(warehouse), read_only=True) as inc, duckdb.connect(str(fresh), read_only=True) as new:
        kept, built = inc.execute(query).fetchall(), new.execute(query).fetchall()
    extra = list(kept)
    for row in built:
        extra.remove(row)
    assert sorted(row[1] for row in extra) == sorted(redelivered)


def _dbt_built(con) -> dict:
    row = con.execute("SELECT full_refresh, touched_applications FROM raw.dbt_built").fetchone()
    return {"full_refresh": row[0], "touched_applications": row[1]}


def _applications(con) -> int:
    return con.execute("SELECT count(DISTINCT application_id) FROM raw.applications").fetchone()[0]


def _remove_event(path: Path, event_id: str) -> None:
    """The file delivered again without the line of `event_id`, in its own encoding."""
    encoding = landing_zone.detect_encoding(path, ("utf-8-sig", "utf-8", "gb18030"))
    lines = path.read_bytes().decode(encoding).splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(f"{event_id},")]
    assert len(kept) == len(lines) - 1
    path.write_bytes("".join(kept).encode(encoding))


def _recategorise(path: Path, product_id: str, category: str) -> None:
    """The register snapshot delivered again with another 产品类别 (one the sheet uses) for `product_id`."""
    book = openpyxl.load_workbook(path)
    sheet = book["产品"]
    header = [cell.value for cell in sheet[1]]
    id_col, category_col = header.index("产品编码"), header.index("产品类别")
    rows = list(sheet.iter_rows(min_row=2))
    other = sorted({r[category_col].value for r in rows} - {category, None, "个人消费贷款", "理财产品"})[0]
    changed = [r for r in rows if r[id_col].value == product_id]
    assert changed
    for row in changed:
        row[category_col].value = other
    book.save(path)
