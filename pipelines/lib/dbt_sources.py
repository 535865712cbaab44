"""dbt's sources, derived from the data contracts: `python -m pipelines.lib.dbt_sources` writes
`dbt_project/models/staging/_sources.yml`; tests/test_contracts_agree.py proves the committed file is what
the contracts give today, and that the loaders create exactly those columns."""

from __future__ import annotations

import sys

import yaml

from loancode import feeds
from loancode.config import DBT_PROJECT_DIR

SOURCES_FILE = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"


def source_tables() -> list[dict]:
    tables = []
    for feed in feeds.registry().values():
        for contract in feed.contracts:
            described = {c.name: c.description for c in contract.columns}
            columns = []
            if contract.file_format == "xlsx":
                columns.append(_column(feeds.SNAPSHOT_DATE))
            for name, data_type in feeds.raw_columns(contract):
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
            columns += [_column(c) for c in feeds.PROVENANCE]
            tables.append({"name": contract.name, "description": f"data_contracts/{contract.name}.odcs.yaml",
                           "columns": columns})
    for table in feeds.LEDGER:
        tables.append({"name": table.name, "description": table.description,
                       "columns": [{"name": c.name} for c in table.columns]})
    return tables


def _column(column: feeds.RawColumn) -> dict:
    return {"name": column.name, "data_type": column.data_type, "description": column.description}


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
