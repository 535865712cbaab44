"""The rules a generated province never trips, each shown to fire on a hand-made landing zone that breaks it
(tests/test_quality_alerts.py proves the clean part of a province raises none of them)."""

from __future__ import annotations

import duckdb
import pytest

from tests import landing_factory as lf
from tests.pipeline_runner import run_build


@pytest.fixture(scope="module")
def alerts(tmp_path_factory):
    root = tmp_path_factory.mktemp("rules")
    landing, published = root / "landing", root / "warehouse.duckdb"
    lf.write_register(landing, "20250301", [lf.institution("B001")],
                      [lf.product("P001", "B001"), lf.product("P009", "X999")])  # X999 is not in the register
    unanswered = [lf.submitted(f"U{i}-S", f"U{i}", event_time="2025-03-03 09:00:00") for i in range(6)]
    huge = lf.submitted("BIG-S", "BIG", amount_yuan="1000000000.00")  # 10亿 on a product of at most 300万
    lf.write_applications(landing, "20250303", [*unanswered, huge])
    # 大同 and 阳泉 both ask daily; from 2025-03-16 大同 falls silent while 阳泉 goes on
    for day in range(6, 32):
        rows = [lf.submitted(f"Q{day}-{i}-S", f"Q{day}-{i}", county_code="140302", product_id="",
                             event_time=f"2025-03-{day:02d} 10:00:00") for i in range(10)]
        if day < 16:
            rows += [lf.submitted(f"D{day}-{i}-S", f"D{day}-{i}", county_code="140212", product_id="",
                                  event_time=f"2025-03-{day:02d} 10:00:00") for i in range(10)]
        lf.write_applications(landing, f"202503{day:02d}", rows)
    # no applications file for 2025-03-04
    lf.write_applications(landing, "20250305", [lf.submitted("A5-S", "A5", event_time="2025-03-05 09:00:00")])
    lf.write_applications(landing, "20270105", [lf.submitted("Y-S", "Y", event_time="2027-01-05 09:00:00")])
    lf.write_authorizations(landing, "20250303", [{
        "authorization_id": "AU1", "uscc": lf.USCC, "institution_id": "B001", "scope": "all",
        "granted_at": "2025-03-01 09:00:00", "expires_at": "2026-03-01 09:00:00", "revoked_at": ""}])
    result = run_build(landing, published)
    assert result.returncode == 0, result.stderr[-3000:]
    with duckdb.connect(str(published), read_only=True) as con:
        return {(rule, key) for rule, key in con.execute("SELECT rule_code, entity_key FROM marts.dq_alerts").fetchall()}


@pytest.mark.parametrize(("rule", "entity_key"), [
    ("feed_stale", "authorizations"),  # last delivered 2025-03-03, the data's today is 2027-01-05
    ("daily_file_missing", "applications_20250304.csv"),
    ("calendar_unknown", "2027-01"),  # chinese_calendar knows the years up to 2026 only
    ("amount_out_of_product_range", "BIG"),
    ("product_institution_missing", "P009"),
    ("demands_unanswered_overdue", "B001"),  # the product's institution, 7 of 7 due demands unanswered
    ("city_demands_silent", "140200@2025-03-16"),
])
def test_rule_fires_on_its_problem(alerts, rule, entity_key):
    assert (rule, entity_key) in alerts, sorted(a for a in alerts if a[0] == rule)[:5]


def test_a_failed_contract_suite_is_raised_by_the_next_build(tmp_path):
    """The suite is the second look at what the loaders let through. A failure blocks dbt in its own run
    (a blocking asset check) and is raised in marts.dq_alerts by the next build."""
    from pipelines.lib import ge_suites, suite_results
    from loancode.contracts import for_feed

    landing, published = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    lf.write_applications(landing, "20250303", [lf.submitted("S1-S", "S1", event_time="2025-03-03 09:00:00")])
    assert run_build(landing, published).returncode == 0
    with duckdb.connect(str(published)) as con:
        frame = con.sql("SELECT * FROM raw.applications").df()
        frame.loc[0, "event_type"] = "bogus"  # what a defective loader would have let through
        outcome = ge_suites.validate(for_feed("applications")[0], frame)
        assert not outcome.success
        suite_results.record(con, "applications", {"applications": outcome}, ["2025-03-03"])
    assert run_build(landing, published).returncode == 0
    with duckdb.connect(str(published), read_only=True) as con:
        raised = con.execute("SELECT entity_key, detail FROM marts.dq_alerts "
                             "WHERE rule_code = 'contract_suite_failed'").fetchall()
    assert [key for key, _ in raised] == ["applications#expect_column_values_to_be_in_set(event_type): 1"]
    assert "raw.applications 的已加载分区未通过 Great Expectations 校验" in raised[0][1]
