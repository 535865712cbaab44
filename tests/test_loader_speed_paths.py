"""The loaders' fast paths keep every row's provenance and rules: many files in one scan, a broken file among
them, blank and CRLF lines in JSON Lines, and cells whose whitespace must (or must not) be stripped."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.lib import loader
from tests import landing_factory as lf


@pytest.fixture
def landing(tmp_path):
    return tmp_path / "landing"


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as c:
        yield c


def load(con, landing, feed, tmp_path):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return {r.file_name: r for r in loader.load_feed(con, landing, feed, work)}


def quarantined(con, feed):
    return set(con.execute("SELECT file_name, row_number, record_key, rule FROM raw.row_quarantine WHERE feed = ?",
                           [feed]).fetchall())


def day_rows(day: int, rows: int, bad: set[int]) -> list[dict]:
    """`rows` submitted events; those numbered in `bad` carry an unknown county."""
    return [lf.submitted(f"E{day}-{n}", f"A{day}-{n}", county_code="140199" if n in bad else "140105")
            for n in range(1, rows + 1)]


def test_rows_of_many_files_read_in_one_scan_keep_their_file_and_number(con, landing, tmp_path):
    sizes = {1: 3, 2: 2500, 3: 1, 4: 0, 5: 4000}
    bad = {1: {2}, 2: {1, 2500}, 3: {1}, 5: {1777, 4000}}
    for day, rows in sizes.items():
        lf.write_applications(landing, f"202503{day:02d}", day_rows(day, rows, bad.get(day, set())))
    results = load(con, landing, "applications", tmp_path)
    assert {r.file_name: r.rows_in for r in results.values()} == {
        f"applications_202503{day:02d}.csv": rows for day, rows in sizes.items()}
    assert quarantined(con, "applications") == {
        (f"applications_202503{day:02d}.csv", n, f"E{day}-{n}", "county_unknown") for day, ns in bad.items() for n in ns}
    loaded = set(con.execute("SELECT _file_name, _row_number, event_id FROM raw.applications").fetchall())
    assert loaded == {(f"applications_202503{day:02d}.csv", n, f"E{day}-{n}") for day, rows in sizes.items()
                      for n in range(1, rows + 1) if n not in bad.get(day, set())}


def test_a_broken_file_among_many_is_read_tolerantly_and_the_others_whole(con, landing, tmp_path):
    for day in range(1, 8):
        lf.write_applications(landing, f"202503{day:02d}", day_rows(day, 5, {3}))
    broken = landing / "applications" / "applications_20250305.csv"
    broken.write_text(broken.read_text() + "E5-6,A5-6,submitted,x,y,z," + ",".join(["a"] * 30) + "\n")
    results = load(con, landing, "applications", tmp_path)
    assert results["applications_20250305.csv"].rows_in == 6
    assert all(r.rows_in == 5 for name, r in results.items() if name != "applications_20250305.csv")
    expected = {(f"applications_202503{day:02d}.csv", 3, f"E{day}-3", "county_unknown") for day in range(1, 8)}
    assert quarantined(con, "applications") == expected | {("applications_20250305.csv", 6, "E5-6", "csv_malformed")}
    assert con.execute("SELECT count(*) FROM raw.applications").fetchone()[0] == 7 * 4


def test_json_lines_are_numbered_as_lines_blank_and_crlf_ones_too(con, landing, tmp_path):
    good = '{"report_id": "R%d", "uscc": "%s", "queried_at": "2025-03-03 10:00:00", "institution_id": "B001"}'
    text = "\r\n".join([good % (1, lf.USCC), "", "   ", good % (4, lf.USCC), "[1, 2]", "\r", good % (7, "bad")])
    lf.write_bytes(landing, "credit_reports", "credit_reports_20250303.jsonl", (text + "\r\n").encode())
    lf.write_credit_reports(landing, "20250304", [good % (1, lf.USCC), "{oops"])
    results = load(con, landing, "credit_reports", tmp_path)
    assert results["credit_reports_20250303.jsonl"].rows_in == 4
    assert results["credit_reports_20250304.jsonl"].rows_in == 2
    assert quarantined(con, "credit_reports") == {
        ("credit_reports_20250303.jsonl", 5, None, "json_invalid"),
        ("credit_reports_20250303.jsonl", 7, "R7", "uscc_checksum"),
        ("credit_reports_20250304.jsonl", 2, None, "json_invalid"),
    }
    assert con.execute("SELECT _file_name, _row_number, report_id FROM raw.credit_reports ORDER BY ALL").fetchall() == [
        ("credit_reports_20250303.jsonl", 1, "R1"), ("credit_reports_20250303.jsonl", 4, "R4"),
        ("credit_reports_20250304.jsonl", 1, "R1")]


def test_only_agreed_whitespace_is_stripped(con, landing, tmp_path):
    rows = [lf.submitted("E1", enterprise_name="\u3000 \t太原市晋阳商贸有限公司\t\f "),
            lf.submitted("E2", "A2", enterprise_name="\v太原\v"),  # a vertical tab is not whitespace here
            lf.submitted("E3", "A3", reason="\u3000\u3000")]  # blank once stripped: not given
    lf.write_applications(landing, "20250303", rows)
    load(con, landing, "applications", tmp_path)
    assert dict(con.execute("SELECT event_id, enterprise_name FROM raw.applications").fetchall()) == {
        "E1": "太原市晋阳商贸有限公司", "E2": "\v太原\v", "E3": "太原市晋阳商贸有限公司"}
    assert con.execute("SELECT reason FROM raw.applications WHERE event_id = 'E3'").fetchone()[0] is None
