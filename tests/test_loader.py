"""Every row and file rule of feeds.md, each with the bad input that breaks it (the loaders, no dbt)."""

from __future__ import annotations

import json

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
    return {r.file_name: r for r in loader.load_feed(con, landing, feed, work, tmp_path / "rejected")}


def quarantine(con, feed):
    return {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT record_key, rule, detail FROM raw.row_quarantine WHERE feed = ? ORDER BY row_number", [feed]).fetchall()}


def loaded_ids(con, table="applications", key="event_id"):
    return {r[0] for r in con.execute(f"SELECT {key} FROM raw.{table}").fetchall()}


def assert_balanced(con):
    assert con.execute("SELECT count(*) FROM raw.ingest_log WHERE rows_in <> rows_loaded + rows_quarantined"
                       ).fetchone()[0] == 0


# ---------------------------------------------------------------- applications: one test per row rule

ROW_CASES = [
    ("uscc_checksum", {"uscc": "911400007011347303"}),
    ("uscc_checksum", {"uscc": "91140000701134730"}),  # 17 characters
    ("uscc_checksum", {"uscc": "9114000070113473O2"}),  # the letter O is not in the alphabet
    ("county_unknown", {"county_code": "140199"}),
    ("county_unknown", {"county_code": "130105"}),  # Hebei
    ("county_unknown", {"county_code": "140100"}),  # a city, not a county
    ("amount_negative", {"amount_yuan": "-100.00"}),
    ("amount_format", {"amount_yuan": "1,000.00"}),
    ("amount_format", {"amount_yuan": "１０００"}),  # full-width digits
    ("amount_format", {"amount_yuan": "1e5"}),
    ("amount_format", {"amount_yuan": "100.123"}),
    ("enum_event_type", {"event_type": "approve"}),
    ("timestamp_unparseable", {"event_time": "2025/3/3 09:00:00"}),
    ("timestamp_unparseable", {"event_time": "2025年3月3日"}),
    ("timestamp_unparseable", {"event_time": "2025-03-03T09:00:00Z"}),
    ("timestamp_unparseable", {"event_time": "2025-03-03T09:00:00+09:00"}),
    ("timestamp_unparseable", {"event_time": "2025-02-30 09:00:00"}),
    ("required_missing", {"county_code": ""}),
    ("required_missing", {"enterprise_name": ""}),
    ("required_missing", {"qr_code_id": ""}),
    ("required_missing", {"amount_yuan": ""}),
    ("qr_code_format", {"qr_code_id": "QR-140105-BANKX-001"}),
    ("qr_code_format", {"qr_code_id": "QR-14010-BANK-001"}),
    ("industry_code_format", {"industry_code": "Z123"}),
    ("phone_format", {"contact_phone": "1381234123"}),
    ("term_months_format", {"term_months": "12.5"}),
    ("field_too_long", {"enterprise_name": "晋" * 201}),
]


@pytest.mark.parametrize(("rule", "override"), ROW_CASES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(ROW_CASES)])
def test_a_row_breaking_a_rule_is_quarantined_alone(con, landing, tmp_path, rule, override):
    good = lf.submitted("E1", "A1")
    bad = lf.submitted("E2", "A2", **override)
    accepted = lf.event("accepted", "E3", "A1")
    lf.write_applications(landing, "20250303", [good, bad, accepted])
    result = load(con, landing, "applications", tmp_path)["applications_20250303.csv"]
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert result.status == "loaded_with_quarantine"
    assert quarantine(con, "applications")["E2"][0] == rule
    assert loaded_ids(con) == {"E1", "E3"}
    assert_balanced(con)


@pytest.mark.parametrize(("event_type", "blank", "extra"), [
    ("accepted", "institution_id", {}),
    ("approved", "amount_yuan", {}),
    ("approved", "annual_rate_pct", {}),
    ("approved", "guarantee_type", {}),
    ("approved", "guarantor_id", {"guarantee_type": "政府性融资担保"}),
    ("disbursed", "first_loan", {}),
    ("rejected", "reason", {}),
    ("withdrawn", "reason", {}),
])
def test_fields_required_for_an_event_type(con, landing, tmp_path, event_type, blank, extra):
    row = lf.event(event_type, "E9", **{**extra, blank: ""})
    lf.write_applications(landing, "20250303", [lf.submitted(), row])
    load(con, landing, "applications", tmp_path)
    rule, detail = quarantine(con, "applications")["E9"]
    assert rule == "required_missing" and blank in detail


def test_a_field_given_where_not_required_is_still_checked(con, landing, tmp_path):
    lf.write_applications(landing, "20250303", [lf.submitted(), lf.event("accepted", "E2", county_code="999999"),
                                                lf.event("disbursed", "E3", first_loan="y")])
    load(con, landing, "applications", tmp_path)
    q = quarantine(con, "applications")
    assert q["E2"][0] == "county_unknown" and q["E3"][0] == "enum_first_loan"


def test_whitespace_is_stripped_and_iso_time_is_beijing_time(con, landing, tmp_path):
    row = lf.submitted(county_code=" 140105 ", amount_yuan=" 500000.5 ", event_time="2025-03-03T23:30:00+08:00")
    lf.write_applications(landing, "20250303", [row])
    load(con, landing, "applications", tmp_path)
    county, amount, time = con.execute("SELECT county_code, amount_yuan, event_time FROM raw.applications").fetchone()
    assert county == "140105" and float(amount) == 500000.5 and str(time) == "2025-03-03 23:30:00"


def test_text_that_looks_like_sql_is_plain_text(con, landing, tmp_path):
    name = "x'); DROP TABLE raw.applications; --"
    lf.write_applications(landing, "20250303", [lf.submitted(enterprise_name=name)])
    load(con, landing, "applications", tmp_path)
    assert con.execute("SELECT enterprise_name FROM raw.applications").fetchone()[0] == name


# ---------------------------------------------------------------- personal information


def test_personal_information_only_in_restricted(con, landing, tmp_path):
    lf.write_applications(landing, "20250303", [lf.submitted(), lf.submitted("E2", "A2", county_code="999999")])
    load(con, landing, "applications", tmp_path)
    masked = con.execute("SELECT legal_rep_name_masked, contact_phone_masked FROM raw.applications").fetchone()
    assert masked == ("张*", "138****1234")
    assert con.execute("SELECT legal_rep_name, contact_phone FROM restricted.applications_pii").fetchone() == (
        "张三", "13812341234")
    raw_record = json.loads(con.execute("SELECT raw_record FROM raw.row_quarantine").fetchone()[0])
    assert raw_record["legal_rep_name"] == "张*" and raw_record["contact_phone"] == "138****1234"
    outside = con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_schema <> 'restricted' AND column_name IN ('legal_rep_name', 'contact_phone')").fetchall()
    assert outside == []


# ---------------------------------------------------------------- files: encodings and refusals


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_each_agreed_encoding_is_detected(con, landing, tmp_path, encoding):
    lf.write_applications(landing, "20250303", [lf.submitted()], encoding=encoding)
    result = load(con, landing, "applications", tmp_path)["applications_20250303.csv"]
    assert result.status == "loaded"
    assert result.encoding == {"gbk": "gb18030"}.get(encoding, encoding)
    assert con.execute("SELECT enterprise_name FROM raw.applications").fetchone()[0] == "太原市晋阳商贸有限公司"


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "0 字节"),
    (bytes(range(256)) * 40, "编码"),
    ("event_id,application_id\n".encode("utf-16"), "编码"),
    ("三晋贷款码 融资需求导出\n" + lf.csv_text([lf.submitted()], lf.APPLICATION_COLUMNS), "缺少必需列"),
])
def test_a_file_that_cannot_be_read_is_refused_and_the_rest_loads(con, landing, tmp_path, data, reason):
    lf.write_applications(landing, "20250303", [lf.submitted()])
    lf.write_bytes(landing, "applications", "applications_20250304.csv",
                   data if isinstance(data, bytes) else data.encode("utf-8"))
    results = load(con, landing, "applications", tmp_path)
    refused = results["applications_20250304.csv"]
    assert refused.status == "rejected" and reason in refused.message and " / " in refused.message
    assert refused.rows_loaded == 0 and refused.rows_in == refused.rows_quarantined
    assert results["applications_20250303.csv"].status == "loaded"
    assert (tmp_path / "rejected" / "applications").is_dir()  # kept for inspection
    assert_balanced(con)


def test_a_missing_column_required_on_every_row_refuses_the_file(con, landing, tmp_path):
    columns = [c for c in lf.APPLICATION_COLUMNS if c != "uscc"]
    lf.write_applications(landing, "20250303", [lf.submitted()], columns=columns)
    result = load(con, landing, "applications", tmp_path)["applications_20250303.csv"]
    assert result.status == "rejected" and "uscc" in result.message
    assert (result.rows_in, result.rows_quarantined) == (1, 1)


def test_a_missing_optional_column_reads_as_blank(con, landing, tmp_path):
    columns = [c for c in lf.APPLICATION_COLUMNS if c != "county_code"]
    lf.write_applications(landing, "20250303", [lf.submitted(), lf.event("accepted", "E2")], columns=columns)
    result = load(con, landing, "applications", tmp_path)["applications_20250303.csv"]
    assert result.status == "loaded_with_quarantine"
    assert quarantine(con, "applications")["E1"][0] == "required_missing"
    assert loaded_ids(con) == {"E2"}


def test_columns_are_matched_by_name_and_unknown_ones_ignored(con, landing, tmp_path):
    columns = list(reversed(lf.APPLICATION_COLUMNS)) + ["remark"]
    rows = [{**lf.submitted(), "remark": "备注"}]
    lf.write_applications(landing, "20250303", rows, columns=columns)
    result = load(con, landing, "applications", tmp_path)["applications_20250303.csv"]
    assert result.status == "loaded" and "remark" in result.message
    assert con.execute("SELECT uscc FROM raw.applications").fetchone()[0] == lf.USCC


def test_a_header_only_file_is_a_day_with_nothing_to_report(con, landing, tmp_path):
    lf.write_applications(landing, "20250303", [])
    result = load(con, landing, "applications", tmp_path)["applications_20250303.csv"]
    assert (result.status, result.rows_in) == ("loaded", 0)


def test_a_truncated_last_line_is_quarantined_not_the_file(con, landing, tmp_path):
    text = lf.csv_text([lf.submitted(), lf.submitted("E2", "A2")], lf.APPLICATION_COLUMNS)
    lf.write_bytes(landing, "applications", "applications_20250303.csv", text[:-60].encode())
    result = load(con, landing, "applications", tmp_path)["applications_20250303.csv"]
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert "E2" in quarantine(con, "applications")


def test_a_row_with_too_many_fields_is_quarantined(con, landing, tmp_path):
    text = lf.csv_text([lf.submitted()], lf.APPLICATION_COLUMNS) + "E2,A2,submitted,x,y,z," + ",".join(["a"] * 30) + "\n"
    lf.write_bytes(landing, "applications", "applications_20250303.csv", text.encode())
    result = load(con, landing, "applications", tmp_path)["applications_20250303.csv"]
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    rule = con.execute("SELECT rule FROM raw.row_quarantine").fetchone()[0]
    assert rule == "csv_malformed"


def test_a_5mb_field_is_judged_not_fatal(con, landing, tmp_path):
    lf.write_applications(landing, "20250303", [lf.submitted(), lf.submitted("E2", "A2", reason="x" * 5_000_000)])
    result = load(con, landing, "applications", tmp_path)["applications_20250303.csv"]
    assert result.rows_in == 2
    assert quarantine(con, "applications")["E2"][0] == "field_too_long"
    assert len(con.execute("SELECT raw_record FROM raw.row_quarantine").fetchone()[0]) < 50_000


def test_a_misnamed_file_is_refused(con, landing, tmp_path):
    lf.write_bytes(landing, "applications", "applications_2025-03-03.csv",
                   lf.csv_text([lf.submitted()], lf.APPLICATION_COLUMNS).encode())
    result = load(con, landing, "applications", tmp_path)["applications_2025-03-03.csv"]
    assert result.status == "rejected" and "文件名" in result.message


# ---------------------------------------------------------------- re-delivery


def test_loading_the_same_file_twice_changes_nothing(con, landing, tmp_path):
    lf.write_applications(landing, "20250303", [lf.submitted()])
    load(con, landing, "applications", tmp_path)
    before = con.execute("SELECT count(*) FROM raw.ingest_log").fetchone()[0]
    assert load(con, landing, "applications", tmp_path) == {}
    assert con.execute("SELECT count(*) FROM raw.ingest_log").fetchone()[0] == before
    assert con.execute("SELECT count(*) FROM raw.applications").fetchone()[0] == 1


def test_a_redelivered_file_replaces_its_partition(con, landing, tmp_path):
    lf.write_applications(landing, "20250303", [lf.submitted(), lf.submitted("E2", "A2")])
    lf.write_applications(landing, "20250304", [lf.event("accepted", "E3")])
    load(con, landing, "applications", tmp_path)
    lf.write_applications(landing, "20250303", [lf.submitted()])  # the correction drops E2
    results = load(con, landing, "applications", tmp_path)
    assert list(results) == ["applications_20250303.csv"]
    assert loaded_ids(con) == {"E1", "E3"}
    current = con.execute("SELECT count(*) FROM raw.ingest_log WHERE is_current AND "
                          "file_name = 'applications_20250303.csv'").fetchone()[0]
    assert current == 1


def test_a_refused_redelivery_leaves_the_partition_as_it_was(con, landing, tmp_path):
    lf.write_applications(landing, "20250303", [lf.submitted()])
    load(con, landing, "applications", tmp_path)
    lf.write_bytes(landing, "applications", "applications_20250303.csv", b"")
    assert load(con, landing, "applications", tmp_path)["applications_20250303.csv"].status == "rejected"
    assert loaded_ids(con) == {"E1"}


# ---------------------------------------------------------------- the register (XLSX)


def test_both_register_sheets_load_with_amounts_in_wan(con, landing, tmp_path):
    lf.write_register(landing, "20250301", [lf.institution()], [lf.product(), lf.product("P002", 产品类别="理财产品")])
    result = load(con, landing, "register", tmp_path)["register_20250301.xlsx"]
    assert (result.status, result.rows_in) == ("loaded", 3)
    row = con.execute("SELECT snapshot_date, max_amount_wan, rate_floor_pct, listed_date FROM raw.register_products "
                      "WHERE product_id = 'P001'").fetchone()
    assert str(row[0]) == "2025-03-01" and float(row[1]) == 300 and float(row[2]) == 3.45 and str(row[3]) == "2024-02-01"
    inst = con.execute("SELECT institution_id, onboarding_status, agreement_expiry_date FROM raw.register_institutions"
                       ).fetchone()
    assert inst[0] == "B001" and inst[1] == "已入驻" and str(inst[2]) == "2027-01-09"


@pytest.mark.parametrize(("case", "reason"), [("no_products", "产品"), ("title_row", "第一行"), ("not_xlsx", "工作簿"),
                                              ("empty", "0 字节")])
def test_a_broken_register_is_refused_whole(con, landing, tmp_path, case, reason):
    if case == "no_products":
        lf.write_register(landing, "20250301", [lf.institution()], None)
    elif case == "title_row":
        lf.write_register(landing, "20250301", [lf.institution()], [lf.product()], title_row=True)
    else:
        lf.write_bytes(landing, "register", "register_20250301.xlsx", b"" if case == "empty" else b"PK\x03\x04junk")
    result = load(con, landing, "register", tmp_path)["register_20250301.xlsx"]
    assert result.status == "rejected" and reason in result.message
    assert con.execute("SELECT count(*) FROM raw.register_institutions").fetchone()[0] == 0


@pytest.mark.parametrize(("override", "rule"), [
    ({"产品类别": "贷款"}, "enum_product_category"),
    ({"服务对象": "小微企业、大型企业"}, "enum_service_targets"),
    ({"最高额度(万元)": "1,000"}, "amount_format"),
    ({"上架日期": "2025/3/3"}, "date_unparseable"),
    ({"上架日期": "2025年3月3日"}, "date_unparseable"),
    ({"适用地区": "140100;999999"}, "region_unknown"),
])
def test_register_row_rules(con, landing, tmp_path, override, rule):
    lf.write_register(landing, "20250301", [lf.institution()], [lf.product(), lf.product("P002", **override)])
    result = load(con, landing, "register", tmp_path)["register_20250301.xlsx"]
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert quarantine(con, "register")["P002"][0] == rule


# ---------------------------------------------------------------- credit reports (JSON Lines)


def report(report_id="R1", **overrides):
    base = {"report_id": report_id, "uscc": lf.USCC, "queried_at": "2025-03-03 10:21:07", "institution_id": "B001",
            "authorization_id": "AU1", "subject": {"name": "晋商", "county_code": "140105", "employees": 18},
            "tax": {"credit_grade": "B"}, "score": {"value": 712, "grade": "A"}}
    base.update(overrides)
    return base


def test_credit_report_rules(con, landing, tmp_path):
    lines = [report("R1"), "{broken", report("R3", uscc="911400007011347303"), report("R4", queried_at="昨天"),
             {k: v for k, v in report("R5").items() if k != "institution_id"}, report("R6", authorization_id=None),
             {"report_id": "R7", "uscc": lf.USCC, "queried_at": "2025-03-03T10:00:00+08:00", "institution_id": "B001"},
             '{"report_id": "R8", "uscc": "9114']  # a truncated last line still names its report
    lf.write_credit_reports(landing, "20250303", lines, bom=True)
    result = load(con, landing, "credit_reports", tmp_path)["credit_reports_20250303.jsonl"]
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (8, 3, 5)
    rules = dict(con.execute("SELECT row_number, rule FROM raw.row_quarantine").fetchall())
    assert rules == {2: "json_invalid", 3: "uscc_checksum", 4: "timestamp_unparseable", 5: "required_missing",
                     8: "json_invalid"}
    assert con.execute("SELECT record_key FROM raw.row_quarantine WHERE row_number = 8").fetchone()[0] == "R8"
    assert loaded_ids(con, "credit_reports", "report_id") == {"R1", "R6", "R7"}
    assert con.execute("SELECT subject_employees, score_value FROM raw.credit_reports WHERE report_id = 'R1'"
                       ).fetchone() == (18, 712)


def test_a_credit_report_file_not_in_utf8_is_refused(con, landing, tmp_path):
    text = json.dumps(report(), ensure_ascii=False) + "\n"
    lf.write_bytes(landing, "credit_reports", "credit_reports_20250303.jsonl", text.encode("gb18030"))
    result = load(con, landing, "credit_reports", tmp_path)["credit_reports_20250303.jsonl"]
    assert result.status == "rejected" and "UTF-8" in result.message


# ---------------------------------------------------------------- authorizations


def test_authorization_rules(con, landing, tmp_path):
    good = {"authorization_id": "AU1", "uscc": lf.USCC, "institution_id": "B001", "scope": "credit_report",
            "granted_at": "2025-03-01 09:00:00", "expires_at": "2025-09-01 09:00:00", "revoked_at": ""}
    rows = [good, {**good, "authorization_id": "AU2", "scope": "loan"},
            {**good, "authorization_id": "AU3", "expires_at": ""},
            {**good, "authorization_id": "AU4", "revoked_at": "明天"}]
    lf.write_authorizations(landing, "20250303", rows, encoding="gb18030")
    load(con, landing, "authorizations", tmp_path)
    q = quarantine(con, "authorizations")
    assert q == {"AU2": ("enum_scope", q["AU2"][1]), "AU3": ("required_missing", q["AU3"][1]),
                 "AU4": ("timestamp_unparseable", q["AU4"][1])}
    assert loaded_ids(con, "authorizations", "authorization_id") == {"AU1"}


def test_a_partial_landing_zone_loads_what_is_there(con, landing, tmp_path):
    lf.write_applications(landing, "20250303", [lf.submitted()])
    for feed in ("register", "credit_reports", "authorizations"):
        assert load(con, landing, feed, tmp_path) == {}
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = 'raw'").fetchall()}
    assert {"applications", "register_institutions", "register_products", "credit_reports",
            "authorizations", "ingest_log", "row_quarantine"} <= tables


def test_a_partition_window_takes_in_only_its_business_dates(con, landing, tmp_path):
    from datetime import date

    lf.write_applications(landing, "20250303", [lf.submitted()])
    lf.write_applications(landing, "20250304", [lf.event("accepted", "E2")])
    work = tmp_path / "work"
    work.mkdir()
    results = loader.load_feed(con, landing, "applications", work, window=(date(2025, 3, 4), date(2025, 3, 4)))
    assert [r.file_name for r in results] == ["applications_20250304.csv"]
    assert loaded_ids(con) == {"E2"}


# ---------------------------------------------------------------- the fast paths keep provenance and rules
# Many files in one scan, a broken file among them, blank and CRLF lines in JSON Lines, and cells whose
# whitespace must (or must not) be stripped.


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


def test_small_deliveries_read_joined_give_what_reading_them_one_by_one_gives(landing, tmp_path, monkeypatch):
    """The CSV fast path joins small deliveries into one file for DuckDB (readers._joined), except those a join
    could misnumber (quoted fields across lines, lone carriage returns, blank lines): every row, number and rule
    must be what DuckDB reading each file itself gives."""
    from pipelines.lib import readers

    def text(day, n, bad=()):
        rows = [lf.submitted(f"E{day}-{i}", f"A{day}-{i}", county_code="140199" if i in bad else "140105")
                for i in range(1, n + 1)]
        return lf.csv_text(rows, lf.APPLICATION_COLUMNS)

    lines = text(5, 3).split("\n")
    files = {
        "01": text(1, 4, {2}).encode(),
        "02": text(2, 3).replace("\n", "\r\n").encode("utf-8"),  # CRLF
        "03": text(3, 3).removesuffix("\n").encode(),  # no final newline
        "04": text(4, 0).encode(),  # the header alone
        "05": "\n".join([lines[0], lines[1], "", lines[2], "", lines[3], "", ""]).encode(),  # blank lines
        "06": text(6, 2).replace("太原", '"太原\n晋阳"').encode(),  # a quoted field across two lines
        "07": text(7, 2).replace("\n", "\r", 1).encode(),  # a lone carriage return ends the header
        "08": (text(8, 3) + "E8-9,A8-9,submitted\n").encode(),  # a short row: read tolerantly
        "09": (text(9, 2) + "E9-9,A9-9," + "," * 16 + "\n" + text(9, 1).split("\n")[1] + ",x\n").encode(),
    }  # 09: one row short of a field, one with a field too many: the commas add up, DuckDB's scan fails
    for day, data in files.items():
        lf.write_bytes(landing, "applications", f"applications_202503{day}.csv", data)

    def loaded(join_at_most):
        monkeypatch.setattr(readers, "JOIN_AT_MOST", join_at_most)
        with duckdb.connect(str(tmp_path / f"w{join_at_most}.duckdb")) as con:
            (tmp_path / f"work{join_at_most}").mkdir()
            results = loader.load_feed(con, landing, "applications", tmp_path / f"work{join_at_most}")
            return ({r.file_name: (r.rows_in, r.rows_loaded, r.status) for r in results},
                    con.execute("SELECT _file_name, _row_number, event_id, enterprise_name FROM raw.applications "
                                "ORDER BY ALL").fetchall(),
                    con.execute("SELECT file_name, row_number, record_key, rule FROM raw.row_quarantine "
                                "ORDER BY ALL").fetchall())

    joinable = {day for day in files if readers._data_lines(landing / "applications" / f"applications_202503{day}.csv")
                is not None}
    assert joinable == {"01", "02", "03", "04", "09"}  # 08: its commas tell of the short row
    # the joinable ones (LF, CRLF, no final newline, the header alone) are read by one scan of their join
    from loancode.contracts import for_feed
    from pipelines.lib import landing as landing_zone

    contract = for_feed("applications")[0]
    prepared = [readers._prepare_csv(contract, d, tmp_path) for d in landing_zone.discover(landing, "applications")
                if d.file_name[-6:-4] in {"01", "02", "03", "04"}]
    joined_files, _ = readers._joined(prepared, tmp_path / "joined.csv")
    with duckdb.connect() as con:
        readers._scan_csv_group(con, contract, joined_files, "_scanned_applications_00000", str(tmp_path / "joined.csv"))
    assert [p.outcome.rows_in for p in joined_files] == [4, 3, 3, 0]
    joined, one_by_one = loaded(readers.JOIN_AT_MOST), loaded(0)
    assert joined == one_by_one
    files_read, rows, quarantined = joined
    assert files_read["applications_20250301.csv"] == (4, 3, "loaded_with_quarantine")
    assert ("applications_20250301.csv", 2, "E1-2", "county_unknown") in quarantined
    assert files_read["applications_20250305.csv"][0] == 3 and files_read["applications_20250304.csv"][0] == 0
    assert ("applications_20250303.csv", 3, "E3-3") in {r[:3] for r in rows}
