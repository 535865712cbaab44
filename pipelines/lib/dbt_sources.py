"""dbt's sources, derived from the data contracts: `python -m pipelines.lib.dbt_sources` writes
`dbt_project/models/staging/_sources.yml`; tests/test_contracts_agree.py proves the committed file is what
the contracts give today, and that the loaders create exactly those columns."""

from __future__ import annotations

import sys

import yaml

from pipelines.config import DBT_PROJECT_DIR
from pipelines.lib import loader
from pipelines.lib.contracts import for_feed

SOURCES_FILE = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"
PROVENANCE = [
    ("_file_name", "VARCHAR", "交付文件名 / the delivery the row came in"),
    ("_business_date", "DATE", "业务日期（分区）/ business date, from the file name (the partition)"),
    ("_row_number", "INTEGER", "文件内数据行号（不含表头）/ data row number in its file, header not counted"),
]
LEDGER = {
    "ingest_log": ("One row per delivery taken in; rows_* count the row rules only.", [
        "feed", "file_name", "business_date", "sha256", "encoding", "rows_in", "rows_loaded",
        "rows_quarantined", "status", "message", "loaded_at", "is_current"]),
    "row_quarantine": ("One row per row that broke a row rule (raw_record PII masked).", [
        "feed", "file_name", "business_date", "row_number", "record_key", "rule", "detail", "raw_record"]),
    "contract_suite_results": ("The Great Expectations outcome of each ingest run per table, written by the ingest "
                               "assets (pipelines/lib/suite_results.py: feed, table_name, run_at, first_partition, "
                               "last_partition, partitions, rows, evaluated, failed, success); absent from a raw "
                               "layer made without them.", []),
}


def source_tables() -> list[dict]:
    tables = []
    for feed in ("applications", "register", "credit_reports", "authorizations"):
        for contract in for_feed(feed):
            described = {c.name: c.description for c in contract.columns}
            columns = []
            if contract.file_format == "xlsx":
                columns.append({"name": "snapshot_date", "data_type": "DATE",
                                "description": "快照日期（= 业务日期）/ snapshot date (= business date)"})
            for name, data_type in loader.raw_columns(contract):
                base = name.removesuffix("_masked").removesuffix("_hash")
                column = {"name": name, "data_type": data_type}
                source = contract.column(base)
                if source.pii:
                    column["description"] = ("脱敏形式 / masked form" if name.endswith("_masked")
                                             else "加密哈希 / keyed hash")
                elif described.get(base):
                    column["description"] = described[base]
                if source.header != source.name:
                    column["meta"] = {"header": source.header}
                columns.append(column)
            columns += [{"name": n, "data_type": t, "description": d} for n, t, d in PROVENANCE]
            tables.append({"name": contract.name, "description": f"data_contracts/{contract.name}.odcs.yaml",
                           "columns": columns})
    for name, (description, columns) in LEDGER.items():
        tables.append({"name": name, "description": description, "columns": [{"name": c} for c in columns]})
    return tables


def render() -> str:
    doc = {"version": 2, "sources": [{
        "name": "raw",
        "description": ("The loaders' output (docs/warehouse.md): every row that passed the feed's row rules, "
                        "typed, PII masked, with provenance. Generated from data_contracts/ by "
                        "`python -m pipelines.lib.dbt_sources`; do not edit by hand."),
        "schema": "raw",
        "tables": source_tables(),
    }]}
    header = "# Generated from data_contracts/ by `python -m pipelines.lib.dbt_sources`. Do not edit by hand.\n"
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)


if __name__ == "__main__":
    SOURCES_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {SOURCES_FILE}", file=sys.stderr)
