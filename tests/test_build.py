"""`make build` end to end on a hand-made province: Dagster run, dbt build, publish; and a killed build."""

from __future__ import annotations

import hashlib
import signal
import time

import duckdb
import pytest

from tests import landing_factory as lf
from tests.pipeline_runner import run_build, start_build

TAIYUAN, DATONG, YANGQUAN = "140105", "140212", "140302"


def write_province(landing):
    a = lf.event
    files = {
        "20250303": [lf.submitted("A1-S", "A1"), a("accepted", event_id="A1-A", application_id="A1")],
        "20250304": [lf.submitted("A2-S", "A2", county_code=DATONG, amount_yuan="100000",
                                  event_time="2025-03-04 09:00:00")],
        "20250305": [a("approved", event_id="A1-P", application_id="A1", time="2025-03-05 10:00:00"),
                     a("approved", event_id="A2-P", application_id="A2", time="2025-03-05 10:00:00")],
        "20250310": [a("disbursed", event_id="A1-D1", application_id="A1", time="2025-03-10 10:00:00",
                       amount_yuan="200000")],
        "20250311": [a("disbursed", event_id="A1-D1", application_id="A1", time="2025-03-10 10:00:00",
                       amount_yuan="200000")],  # the same event delivered twice counts once
        "20250320": [lf.submitted("A4-S", "A4", county_code="140106", amount_yuan="80000",
                                  event_time="2025-03-20 09:00:00"),
                     lf.submitted("A5-S", "A5", uscc="911400007011347303", event_time="2025-03-20 09:00:00")],
        "20250401": [lf.submitted("A3-S", "A3", county_code=YANGQUAN, amount_yuan="300000",
                                  event_time="2025-04-01 09:00:00"),
                     a("accepted", event_id="A3-A", application_id="A3", time="2025-04-01 10:00:00"),
                     a("approved", event_id="A3-P", application_id="A3", time="2025-04-01 11:00:00",
                       amount_yuan="200000")],
        "20250402": [a("disbursed", event_id="A3-D", application_id="A3", time="2025-04-02 10:00:00",
                       amount_yuan="250000")],
        "20250410": [a("disbursed", event_id="A1-D2", application_id="A1", time="2025-04-02 10:00:00",
                       amount_yuan="150000")],  # late: counts in April, the month of its event_time
    }
    for day, rows in files.items():
        lf.write_applications(landing, day, rows)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("province")
    landing, published = root / "landing", root / "out" / "warehouse.duckdb"
    write_province(landing)
    result = run_build(landing, published)
    assert result.returncode == 0, result.stdout + result.stderr
    return landing, published


def value(con, code, period, grain="province", key="140000"):
    row = con.execute("SELECT value FROM marts.indicator_values WHERE indicator_code = ? AND period = ? "
                      "AND grain = ? AND grain_key = ?", [code, period, grain, key]).fetchone()
    return None if row is None else row[0]


def test_indicators_count_each_event_once_in_its_own_month(built):
    _, published = built
    with duckdb.connect(str(published), read_only=True) as con:
        assert value(con, "D01", "2025-03") == 2  # A1, A4 (A2 breaks the life cycle, A5 its USCC)
        assert value(con, "D02", "2025-03") == pytest.approx(58.0)
        assert value(con, "D01", "2025-04") == 0  # A3 draws more than approved
        assert value(con, "D01", "2025-03", "city", "140100") == 2
        assert value(con, "D01", "2025-03", "city", "140200") == 0
        assert value(con, "O03", "2025-03") == 1 and value(con, "O04", "2025-03") == pytest.approx(20.0)
        assert value(con, "O03", "2025-04") == 1 and value(con, "O04", "2025-04") == pytest.approx(15.0)
        cities = con.execute("SELECT count(DISTINCT grain_key) FROM marts.indicator_values WHERE grain = 'city' "
                             "AND indicator_code = 'D01' AND period = '2025-04'").fetchone()[0]
        assert cities == 11


def test_audit_tables_say_what_happened_to_every_file(built):
    _, published = built
    with duckdb.connect(str(published), read_only=True) as con:
        files = con.execute("SELECT file_name, rows_in, rows_loaded, rows_quarantined, status "
                            "FROM audit.ingest_files ORDER BY file_name").fetchall()
        assert len(files) == 9
        assert all(rows_in == loaded + quarantined for _, rows_in, loaded, quarantined, _ in files)
        rules = dict(con.execute("SELECT record_key, rule FROM audit.quarantine").fetchall())
        assert rules == {"A2-S": "lifecycle_order", "A2-P": "lifecycle_order", "A3-S": "disbursed_exceeds_approved",
                         "A3-A": "disbursed_exceeds_approved", "A3-P": "disbursed_exceeds_approved",
                         "A3-D": "disbursed_exceeds_approved", "A5-S": "uscc_checksum"}
        statuses = {f: s for f, *_, s in files}
        assert statuses["applications_20250305.csv"] == "loaded_with_quarantine"
        assert statuses["applications_20250303.csv"] == "loaded"


def test_no_personal_information_outside_restricted(built):
    _, published = built
    with duckdb.connect(str(published), read_only=True) as con:
        clear = {"张三", "13812341234"}
        columns = con.execute("SELECT table_schema, table_name, column_name FROM information_schema.columns "
                              "WHERE table_schema <> 'restricted' AND data_type = 'VARCHAR'").fetchall()
        for schema, table, column in columns:
            hits = con.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE "{column}" IN (?, ?) '
                               f'OR "{column}" LIKE ? OR "{column}" LIKE ?',
                               [*clear, "%张三%", "%13812341234%"]).fetchone()[0]
            assert hits == 0, f"{schema}.{table}.{column}"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def builds_of(published):
    """The runs of `make build` for `published` in the test session's Dagster instance, newest first."""
    import dagster as dg

    from pipelines.lib.instance import WAREHOUSE_TAG, persistent

    instance = persistent()
    return instance, instance.get_runs(filters=dg.RunsFilter(job_name="build_warehouse",
                                                             tags={WAREHOUSE_TAG: str(published)}))


def test_the_dagster_instance_shows_the_last_build(built):
    """What an operator sees in `make dagster` after `make build`: the run, every asset's materialization
    with its row count, the checks' results, the steps' timings."""
    import dagster as dg

    _, published = built
    instance, runs = builds_of(published)
    assert runs and runs[0].status == dg.DagsterRunStatus.SUCCESS
    run_id = runs[0].run_id
    with duckdb.connect(str(published), read_only=True) as con:
        for key, table in ((["raw", "applications"], "raw.applications"),
                           (["marts", "indicator_values"], "marts.indicator_values"),
                           (["audit", "quarantine"], "audit.quarantine")):
            event = instance.get_latest_materialization_event(dg.AssetKey(key))
            assert event.run_id == run_id
            rows = event.asset_materialization.metadata["dagster/row_count"].value
            assert rows == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in (
        r.event_log_entry.dagster_event.event_specific_data for r in instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=1000).records)}
    assert checks[("raw/applications", "contract_suite")] is True
    assert checks[("raw/ingest_log", "rows_balance")] is True
    assert checks[("audit/quarantine", "contract_rows_quarantined")] is False  # A2, A3, A5 were quarantined
    steps = {s.step_key: s for s in instance.get_run_step_stats(run_id)}
    assert {"ingest_applications", "loancode_dbt", "published_warehouse"} <= steps.keys()
    assert all(s.end_time >= s.start_time for s in steps.values())


def test_a_second_build_is_refused_and_a_killed_build_leaves_the_warehouse_unchanged(built, tmp_path):
    import dagster as dg

    landing, published = built
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(published.read_bytes())
    before = digest(copy)
    lf.write_applications(landing, "20250415", [lf.submitted("A9-S", "A9", event_time="2025-04-15 09:00:00")])
    process = start_build(landing, copy)
    work = copy.with_name(copy.name + ".building")
    deadline = time.monotonic() + 120
    while not work.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    second = run_build(landing, copy)  # while the first one runs: refused, not raced
    assert second.returncode == 3 and "另一个构建正在写入仓库" in second.stderr, second.stderr[-2000:]
    while time.monotonic() < deadline and process.poll() is None and not any(
            r.status == dg.DagsterRunStatus.STARTED for r in builds_of(copy)[1]):
        time.sleep(0.1)  # until its Dagster run has started
    time.sleep(1.0)  # well into ingest or dbt
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert digest(copy) == before
    with duckdb.connect(str(copy), read_only=True) as con:
        assert value(con, "D01", "2025-04") == 0
    result = run_build(landing, copy)  # the next build recovers and publishes the new file
    assert result.returncode == 0, result.stdout + result.stderr
    with duckdb.connect(str(copy), read_only=True) as con:
        assert value(con, "D01", "2025-04") == 1
    _, runs = builds_of(copy)  # the killed run is shown as failed, not as running for ever
    assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]


def test_a_missing_landing_zone_is_an_error(tmp_path):
    result = run_build(tmp_path / "nowhere", tmp_path / "w.duckdb")
    assert result.returncode != 0 and "落地区不存在" in result.stderr


def test_a_later_delivery_releases_an_application_and_a_correction_removes_a_disbursement(tmp_path):
    landing, published = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    early_accept = lf.event("accepted", "A7-A", "A7", time="2025-03-03 10:00:00")
    lf.write_applications(landing, "20250303", [early_accept])  # its submitted has not arrived yet
    a8 = [lf.submitted("A8-S", "A8"), lf.event("accepted", "A8-A", "A8"),
          lf.event("approved", "A8-P", "A8", time="2025-03-04 10:00:00"),
          lf.event("disbursed", "A8-D", "A8", time="2025-03-04 11:00:00", amount_yuan="100000")]
    lf.write_applications(landing, "20250304", a8)
    assert run_build(landing, published).returncode == 0
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT rule FROM audit.quarantine WHERE record_key = 'A7-A'").fetchone() == (
            "lifecycle_order",)
        assert value(con, "D01", "2025-03") == 1 and value(con, "O03", "2025-03") == 1

    lf.write_applications(landing, "20250305", [lf.submitted("A7-S", "A7", event_time="2025-03-03 08:00:00")])
    lf.write_applications(landing, "20250304", a8[:3])  # the correction drops the disbursement
    result = run_build(landing, published)
    assert result.returncode == 0, result.stderr[-2000:]
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM audit.quarantine").fetchone()[0] == 0  # A7 is whole again
        assert value(con, "D01", "2025-03") == 2
        assert value(con, "O03", "2025-03") == 0 and value(con, "O04", "2025-03") == 0
        statuses = dict(con.execute("SELECT file_name, status FROM audit.ingest_files WHERE file_name = "
                                    "'applications_20250303.csv'").fetchall())
        assert statuses == {"applications_20250303.csv": "loaded"}


def test_dbt_docs_generate_on_the_published_warehouse(built, tmp_path):
    """`make docs`: the catalog and lineage of the published warehouse (read from a copy)."""
    import json
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    _, published = built
    copy = tmp_path / "docs.duckdb"
    shutil.copyfile(published, copy)
    dbt = str(Path(sys.executable).with_name("dbt"))
    subprocess.run([dbt, "docs", "generate", "--quiet", "--target-path", str(tmp_path / "target")],
                   cwd=Path(__file__).resolve().parent.parent / "dbt_project", check=True,
                   env={**os.environ, "LOANCODE_DBT_DB": str(copy)})
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text(encoding="utf-8"))
    assert "model.loancode.fct_indicator_values" in catalog["nodes"]  # published as marts.indicator_values
