"""The contract is the single source of truth: the dbt sources, the loaders' tables, the Great
Expectations suites and the sample generator all agree with it."""

import duckdb
import yaml

from sample_province.feeds import APPLICATION_COLUMNS, AUTHORIZATION_COLUMNS
from sample_province.register import INSTITUTION_HEADERS, PRODUCT_HEADERS
from pipelines.lib import dbt_sources, ge_suites, loader
from loancode.contracts import load_all


def test_committed_dbt_sources_are_generated_from_the_contracts():
    assert dbt_sources.SOURCES_FILE.read_text(encoding="utf-8") == dbt_sources.render(), (
        "run: python -m pipelines.lib.dbt_sources")


def test_loaders_create_exactly_the_source_columns(tmp_path):
    sources = yaml.safe_load(dbt_sources.SOURCES_FILE.read_text(encoding="utf-8"))["sources"][0]["tables"]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        loader.ensure_tables(con)
        for table in sources:
            created = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE "
                                  "table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
                                  [table["name"]]).fetchall()
            declared = [(c["name"], c.get("data_type")) for c in table["columns"]]
            assert [n for n, _ in created] == [n for n, _ in declared], table["name"]
            for (name, actual), (_, expected) in zip(created, declared, strict=True):
                if expected:
                    assert actual.replace(" ", "") == expected.replace(" ", ""), f"{table['name']}.{name}"


def test_every_contract_column_is_in_its_feed_files_and_suites():
    contracts = load_all()
    assert [c.header for c in contracts["applications"].columns] == APPLICATION_COLUMNS
    assert [c.header for c in contracts["authorizations"].columns] == AUTHORIZATION_COLUMNS
    assert [c.header for c in contracts["register_institutions"].columns] == INSTITUTION_HEADERS
    assert [c.header for c in contracts["register_products"].columns] == PRODUCT_HEADERS
    for contract in contracts.values():
        names = {c.name for c in contract.columns}
        for expectation in ge_suites.expectations(contract):
            assert expectation.column in names, (contract.name, expectation.column)


def test_personal_information_is_classified_and_only_masked_in_raw():
    pii = {(name, c.name) for name, contract in load_all().items() for c in contract.columns if c.pii}
    assert pii == {("applications", "legal_rep_name"), ("applications", "contact_phone")}
    raw_columns = [n for n, _ in loader.raw_columns(load_all()["applications"])]
    assert "legal_rep_name" not in raw_columns and "contact_phone" not in raw_columns


def test_loan_code_issuer_seed_lists_the_contracts_issuer_types():
    import csv
    import re
    from pathlib import Path

    pattern = load_all()["applications"].column("qr_code_id").pattern
    in_contract = re.search(r"\(([A-Z|]+)\)", pattern).group(1).split("|")
    seed = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "loan_code_issuers.csv"
    with seed.open(encoding="utf-8") as f:
        assert [r["issuer_type"] for r in csv.DictReader(f)] == in_contract
