"""The feed registry is the one description of the feeds: built from the contracts, emitted as a dbt seed."""

from __future__ import annotations

from datetime import date

from loancode import feeds


def test_the_four_feeds_of_the_agreement():
    # feeds.md, common rules and one section per feed
    assert {name: f.file_pattern for name, f in feeds.registry().items()} == {
        "applications": "applications_YYYYMMDD.csv",
        "register": "register_YYYYMMDD.xlsx",
        "credit_reports": "credit_reports_YYYYMMDD.jsonl",
        "authorizations": "authorizations_YYYYMMDD.csv",
    }
    assert [c.name for c in feeds.feed("register").contracts] == ["register_institutions", "register_products"]


def test_committed_seed_is_what_the_contracts_give():
    assert feeds.SEED_FILE.read_text(encoding="utf-8") == feeds.render_seed(), (
        "run `python -m loancode.feeds` to regenerate dbt_project/seeds/feeds.csv")


def test_file_names_parse_to_their_business_date():
    applications = feeds.feed("applications")
    assert applications.file_name(date(2025, 3, 1)) == "applications_20250301.csv"
    assert applications.business_date("applications_20250301.csv") == date(2025, 3, 1)
    assert feeds.delivery_date("credit_reports_20240229.jsonl") == date(2024, 2, 29)
    assert feeds.delivery_date("register_20250301.xlsx") == date(2025, 3, 1)


def test_misnamed_files_have_no_business_date():
    applications = feeds.feed("applications")
    for name in ("applications_20250230.csv", "applications_2025031.csv", "applications_20250301.xlsx",
                 "Applications_20250301.csv", "applications_20250301.csv.bak", "register_20250301.csv"):
        assert applications.business_date(name) is None, name
    assert feeds.delivery_date("register_20250301.csv") is None
    assert feeds.delivery_date("notes.txt") is None


def test_ledger_and_raw_layer_shape():
    assert [t.name for t in feeds.LEDGER] == ["ingest_log", "row_quarantine", "contract_suite_results",
                                           "applications_touched"]
    raw = dict(feeds.raw_columns(feeds.feed("applications").contracts[0]))
    # personal information only in masked / keyed-hash form outside `restricted`
    assert "legal_rep_name" not in raw and "contact_phone" not in raw
    assert {"legal_rep_name_masked", "contact_phone_masked", "contact_phone_hash"} <= set(raw)
    assert feeds.pii_columns(feeds.feed("applications").contracts[0]) == ["legal_rep_name", "contact_phone"]
