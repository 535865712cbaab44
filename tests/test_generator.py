"""The sample-province generator writes exactly the landing zone of feeds.md, deterministically."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from sample_province.build import Params, generate
from sample_province.feeds import APPLICATION_COLUMNS, AUTHORIZATION_COLUMNS
from sample_province.register import INSTITUTION_HEADERS, PRODUCT_HEADERS
from loancode import uscc

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "divisions.csv"
SMALL = {"seed": 7, "applications": 800, "start": "2025-01", "end": "2025-04", "bad_rows": 40}
FILE_PATTERNS = {
    "applications": r"applications_\d{8}\.csv",
    "register": r"register_\d{8}\.xlsx",
    "credit_reports": r"credit_reports_\d{8}\.jsonl",
    "authorizations": r"authorizations_\d{8}\.csv",
}
QR = re.compile(r"QR-\d{6}-(GOV|BANK|GUAR|PARK|PLAT)-[A-Za-z0-9]+")


def _generate(root: Path, **overrides) -> tuple[Path, dict]:
    params = Params(out=root, **(SMALL | overrides))
    return root, generate(params)


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("province"))


@pytest.fixture(scope="module")
def clean_province(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("clean"), clean=True)


@pytest.fixture(scope="module")
def counties() -> set[str]:
    with SEEDS.open(encoding="utf-8") as handle:
        return {row["code"] for row in csv.DictReader(handle) if row["level"] == "county"}


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path.name}: neither UTF-8 nor GB18030")


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def planted_positions(manifest: dict, feed: str) -> set[tuple[str, int]]:
    return {(e["file_name"], e["row_number"]) for e in manifest["planted"] if e["feed"] == feed}


def clean_rows(root: Path, manifest: dict, feed: str):
    """(file name, row number, row) of every row that is not planted."""
    skip = planted_positions(manifest, feed)
    for path in sorted((root / feed).iterdir()):
        if feed == "credit_reports":
            rows = path.read_text(encoding="utf-8").splitlines()
        else:
            rows = read_csv(path)[1]
        for number, row in enumerate(rows, start=1):
            if (path.name, number) not in skip:
                yield path.name, number, row


def parse_time(text: str) -> datetime:
    if "T" in text:
        assert text.endswith("+08:00"), text
        return datetime.strptime(text[:-6], "%Y-%m-%dT%H:%M:%S")
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def test_uscc_check_character():
    assert uscc.is_valid("911400007011347302")
    assert uscc.check_char("91140000701134730") == "2"
    assert uscc.make("91140000", "701134730") == "911400007011347302"
    assert not uscc.is_valid("911400007011347303")
    assert not uscc.is_valid("91140000701134730")
    assert not uscc.is_valid("91140000701134730I")
    assert not uscc.is_valid(None)


def test_uscc_check_over_a_column_agrees_with_the_check_of_one_code():
    """The loaders' vectorised check (`valid_array`) says what `is_valid` says of every code, whatever its
    length, characters (non-ASCII, lower case, padded) or position in a sliced Arrow column."""
    import random

    import pyarrow as pa

    rng = random.Random(16)
    codes = [uscc.make(f"9114{i:04d}", "MA0K2X3Y4") for i in range(50)]
    codes += [None, "", "911400007011347303", "91140000701134730I", "911400007011347302 ", "ｘ" * 18,
              "统一社会信用代码统一社会信用代码统", "911400007011347302".lower()]
    for _ in range(3000):
        text = "".join(rng.choice(uscc.ALPHABET + "IOZSVa é") for _ in range(rng.choice([17, 18, 18, 19])))
        codes.append(text)
        if len(text) == 18 and all(char in uscc.VALUES for char in text[:17]):
            codes.append(text[:17] + uscc.check_char(text[:17]))
    expected = [None if code is None else uscc.is_valid(code) for code in codes]
    assert sum(1 for v in expected if v) > 60
    for column in (pa.array(codes, pa.string()), pa.array(codes, pa.large_string())):
        assert uscc.valid_array(column).to_pylist() == expected
        assert uscc.valid_array(column.slice(3, 500)).to_pylist() == expected[3:503]
    assert uscc.valid_array(pa.chunked_array([codes[:50], codes[50:60]], pa.string())).to_pylist() == expected[:60]
    assert uscc.valid_array(pa.array([], pa.string())).to_pylist() == []


def test_file_names_and_daily_coverage(province):
    root, _ = province
    assert sorted(p.name for p in root.iterdir()) == ["_manifest.json", *sorted(FILE_PATTERNS)]
    for feed, pattern in FILE_PATTERNS.items():
        names = sorted(p.name for p in (root / feed).iterdir())
        assert names and all(re.fullmatch(pattern, name) for name in names), feed
        days = 31 + 28 + 31 + 30  # 2025-01 .. 2025-04
        if feed == "register":
            assert names == [f"register_2025{m:02d}01.xlsx" for m in range(1, 5)]
        elif feed == "credit_reports":  # no header, so no file at all on a day without reports
            assert 0 < len(names) <= days
        else:
            assert len(names) == days
        assert all((root / feed / name).stat().st_size > 0 for name in names), feed


def test_csv_columns_exactly_as_feeds_md(province):
    root, _ = province
    for feed, columns in (("applications", APPLICATION_COLUMNS), ("authorizations", AUTHORIZATION_COLUMNS)):
        for path in (root / feed).iterdir():
            assert read_csv(path)[0] == columns, path.name


def test_encodings_are_mixed_but_credit_reports_utf8(province):
    root, manifest = province
    other = manifest["encodings_other_than_utf8"]
    assert set(other.values()) <= {"utf-8-sig", "gb18030"}
    assert not any(name.startswith("credit_reports") for name in other)
    for name, encoding in other.items():
        raw = (root / name.split("_2")[0] / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig"), name


def test_clean_rows_follow_the_row_rules(province, counties):
    root, manifest = province
    for name, _, row in clean_rows(root, manifest, "applications"):
        assert uscc.is_valid(row["uscc"]), (name, row["event_id"])
        parse_time(row["event_time"])
        if row["event_type"] == "submitted":
            assert row["county_code"] in counties
            assert QR.fullmatch(row["qr_code_id"]), row["qr_code_id"]
            assert re.fullmatch(r"[A-T]\d{0,4}", row["industry_code"])
            assert re.fullmatch(r"1[358]\d{9}", row["contact_phone"])
            assert row["enterprise_name"] and row["legal_rep_name"]
        for column in ("amount_yuan",):
            assert row[column] == "" or re.fullmatch(r"[0-9]+\.[0-9]{2}", row[column])
        assert row["event_type"] in {"submitted", "accepted", "approved", "rejected", "disbursed", "withdrawn"}
        if row["guarantee_type"] == "政府性融资担保":
            assert row["guarantor_id"].startswith("G")
    for _name, _, row in clean_rows(root, manifest, "authorizations"):
        assert uscc.is_valid(row["uscc"]) and row["scope"] in {"credit_report", "tax", "all"}
        assert parse_time(row["granted_at"]) < parse_time(row["expires_at"])


def test_credit_report_lines_parse(province, counties):
    root, manifest = province
    for _name, _, line in clean_rows(root, manifest, "credit_reports"):
        report = json.loads(line)
        assert uscc.is_valid(report["uscc"]) and report["report_id"].startswith("TYCR")
        parse_time(report["queried_at"])
        county = (report.get("subject") or {}).get("county_code")
        assert county is None or county in counties


def test_register_sheets_have_exact_headers(province):
    root, _ = province
    for path in (root / "register").iterdir():
        book = openpyxl.load_workbook(path, read_only=True)
        assert book.sheetnames == ["机构", "产品"]
        headers = {name: [c.value for c in next(book[name].iter_rows(max_row=1))] for name in book.sheetnames}
        assert headers == {"机构": INSTITUTION_HEADERS, "产品": PRODUCT_HEADERS}
        statuses = {row[5] for row in book["机构"].iter_rows(min_row=2, values_only=True)}
        assert statuses <= {"待审核", "已入驻", "已暂停", "已退出"}
        book.close()


def test_same_seed_gives_byte_identical_files(province, tmp_path):
    root, _ = province
    again, _ = _generate(tmp_path / "again")
    first = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_written_a_month_at_a_time_or_all_at_once_the_same_bytes(province, tmp_path):
    """The generator makes and writes the files a month at a time (so that a 10M-event province fits in
    4 GB); late and duplicated rows cross month ends, and the files must not depend on the batching."""
    root, _ = province
    whole = tmp_path / "whole"
    generate(Params(out=whole, **SMALL), batch_months=12)
    first = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    second = {p.relative_to(whole): p.read_bytes() for p in whole.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_clean_run_plants_nothing_and_equals_the_clean_part(province, clean_province):
    root, manifest = province
    clean_root, clean_manifest = clean_province
    assert clean_manifest["planted"] == [] and clean_manifest["planted_counts"] == {}
    for feed in ("applications", "authorizations", "credit_reports"):
        planted_free = [(n, r) for n, _, r in clean_rows(root, manifest, feed)]
        clean = [(n, r) for n, _, r in clean_rows(clean_root, clean_manifest, feed)]
        assert planted_free == clean, feed


def test_bad_rows_budget_and_rules(province):
    _, manifest = province
    bad = [e for e in manifest["planted"] if e["kind"] == "bad_row"]
    assert len(bad) == SMALL["bad_rows"]
    assert {e["rule"] for e in bad} == {
        "uscc_checksum", "county_unknown", "amount_negative", "amount_format", "enum_event_type",
        "timestamp_unparseable", "required_missing", "qr_code_format", "lifecycle_order",
        "disbursed_exceeds_approved", "json_invalid", "enum_scope"}
    compliance = {e["rule"] for e in manifest["planted"] if e["kind"] == "compliance"}
    assert {"authorization_unknown", "authorization_revoked", "authorization_institution_mismatch",
            "product_category_not_allowed", "service_target_individual_only", "agreement_expired",
            "institution_not_onboarded"} <= compliance


def test_planted_rows_are_where_the_manifest_says(province):
    root, manifest = province
    for entry in manifest["planted"]:
        path = root / entry["feed"] / entry["file_name"]
        n = entry["row_number"]
        if entry["feed"] == "register":
            book = openpyxl.load_workbook(path, read_only=True)
            row = next(book[entry["sheet"]].iter_rows(min_row=n + 1, max_row=n + 1, values_only=True))
            book.close()
            assert row[0] == entry["record_key"] and row[14] == "上架"
        elif entry["feed"] == "credit_reports":
            line = path.read_text(encoding="utf-8").splitlines()[n - 1]
            assert f'"report_id":"{entry["record_key"]}"' in line
            if entry["rule"] == "json_invalid":
                with pytest.raises(json.JSONDecodeError):
                    json.loads(line)
        else:
            key = "event_id" if entry["feed"] == "applications" else "authorization_id"
            assert read_csv(path)[1][n - 1][key] == entry["record_key"], entry


def test_clean_life_cycles_obey_clarification_2(province):
    root, manifest = province
    events: dict[str, dict[str, dict]] = defaultdict(dict)
    for _, _, row in clean_rows(root, manifest, "applications"):
        events[row["application_id"]].setdefault(row["event_id"], row)  # duplicates count once
    assert len(events) == SMALL["applications"]
    for app, rows in events.items():
        timeline = sorted((parse_time(r["event_time"]), r["event_type"], r) for r in rows.values())
        types = [t for _, t, _ in timeline]
        assert types.count("submitted") == 1 and types[0] == "submitted", app
        times = {t: [when for when, kind, _ in timeline if kind == t] for t in set(types)}
        if "approved" in times:
            assert times.get("accepted") and min(times["accepted"]) <= min(times["approved"]), app
        if "disbursed" in times:
            assert times.get("approved") and min(times["approved"]) <= min(times["disbursed"]), app
            first_approved = next(float(r["amount_yuan"]) for _, t, r in timeline if t == "approved")
            drawn = sum(float(r["amount_yuan"]) for _, t, r in timeline if t == "disbursed")
            assert drawn <= first_approved + 1e-9, app
            if "withdrawn" in times:
                assert max(times["withdrawn"]) <= min(times["disbursed"]), app
        for _, kind, row in timeline:
            if kind in {"accepted", "approved", "rejected", "disbursed"}:
                assert row["institution_id"], (app, kind)
