"""A generated province, built end to end: its numbers equal a direct count over the landing files, and
every planted contract breach is in the quarantine under its rule."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from sample_province.build import Params, generate
from tests.pipeline_runner import run_build

PROVINCE = {"seed": 11, "applications": 1500, "start": "2025-01", "end": "2025-06", "bad_rows": 40}


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    landing, published = root / "landing", root / "warehouse.duckdb"
    manifest = generate(Params(out=landing, **PROVINCE))
    result = run_build(landing, published)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return landing, published, manifest


def read_events(landing: Path) -> list[dict]:
    rows = []
    for path in sorted((landing / "applications").glob("applications_*.csv")):
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        rows += list(csv.DictReader(text.splitlines()))
    return rows


def direct_counts(landing: Path, manifest: dict) -> tuple[dict, dict]:
    """D01 and O04 by (month, city) straight from the CSVs, without the planted bad rows."""
    planted = {p["record_key"] for p in manifest["planted"] if p["feed"] == "applications"}
    planted_apps = {p.get("application_id") for p in manifest["planted"]
                    if p["feed"] == "applications" and p["rule"] in ("lifecycle_order", "disbursed_exceeds_approved")}
    events = {}
    for row in read_events(landing):
        if row["event_id"] in planted or row["application_id"] in planted_apps:
            continue
        events.setdefault(row["event_id"], row)  # the first copy counts
    city_of = {e["application_id"]: e["county_code"][:4] + "00" for e in events.values()
               if e["event_type"] == "submitted"}
    d01, o04 = defaultdict(int), defaultdict(Decimal)
    for e in events.values():
        month = e["event_time"][:7]
        city = city_of[e["application_id"]]
        if e["event_type"] == "submitted":
            for key in (("province", "140000"), ("city", city)):
                d01[(month, *key)] += 1
        if e["event_type"] == "disbursed":
            for key in (("province", "140000"), ("city", city)):
                o04[(month, *key)] += Decimal(e["amount_yuan"])
    return d01, o04


def published_values(published: Path, code: str) -> dict:
    with duckdb.connect(str(published), read_only=True) as con:
        return {(p, g, k): v for p, g, k, v in con.execute(
            "SELECT period, grain, grain_key, value FROM marts.indicator_values WHERE indicator_code = ? "
            "AND grain IN ('province', 'city')", [code]).fetchall()}


def test_d01_and_o04_equal_a_direct_count_over_the_landing_files(province):
    landing, published, manifest = province
    d01, o04 = direct_counts(landing, manifest)
    got_d01, got_o04 = published_values(published, "D01"), published_values(published, "O04")
    assert sum(d01.values()) > 1000
    for key, count in d01.items():
        assert got_d01[key] == count, key
    for key, total in o04.items():
        assert got_o04[key] == pytest.approx(float(total / 10000), abs=1e-9), key
    # every other cell of the complete grid is zero
    assert sum(got_d01.values()) == sum(d01.values())


def test_every_planted_bad_row_is_quarantined_under_its_rule(province):
    _, published, manifest = province
    with duckdb.connect(str(published), read_only=True) as con:
        quarantined = {(f, n): r for f, n, r in con.execute(
            "SELECT file_name, row_number, rule FROM audit.quarantine").fetchall()}
        unbalanced = con.execute("SELECT count(*) FROM audit.ingest_files "
                                 "WHERE rows_in <> rows_loaded + rows_quarantined").fetchone()[0]
        refused = con.execute("SELECT count(*) FROM audit.ingest_files WHERE status = 'rejected'").fetchone()[0]
    bad_rows = [p for p in manifest["planted"] if p["kind"] == "bad_row"]
    assert len(bad_rows) >= PROVINCE["bad_rows"]
    for p in bad_rows:
        assert quarantined.get((p["file_name"], p["row_number"])) == p["rule"], p
    assert unbalanced == 0 and refused == 0
    assert len(quarantined) == len(bad_rows)  # and nothing else: the clean part raises nothing


def test_manifest_is_json(province):
    landing, *_ = province
    assert json.loads((landing / "_manifest.json").read_text(encoding="utf-8"))["planted"]
