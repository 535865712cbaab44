"""The raw layer as DDL, for tests that build dbt on a hand-made data set.

`create_raw_tables(con)` creates every raw table (empty) with exactly the documented columns;
`insert_rows(con, table, rows)` inserts dicts (missing columns are NULL, provenance included).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loancode import feeds

PROVENANCE = [(c.name, c.data_type) for c in feeds.PROVENANCE]

# Every raw table with the columns the loaders create (loancode.feeds, the one description of the raw layer).
RAW_TABLES: dict[str, list[tuple[str, str]]] = {
    **{contract.name: ([(feeds.SNAPSHOT_DATE.name, feeds.SNAPSHOT_DATE.data_type)] if contract.file_format == "xlsx"
                       else []) + feeds.raw_columns(contract) + PROVENANCE
       for feed in feeds.registry().values() for contract in feed.contracts},
    **{table.name: [(c.name, c.data_type) for c in table.columns] for table in feeds.LEDGER},
}


def create_raw_tables(con: Any) -> None:
    """Create schema `raw` and every raw table, empty (a DuckDB connection)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table, columns in RAW_TABLES.items():
        cols = ", ".join(f'"{name}" {dtype}' for name, dtype in columns)
        con.execute(f"CREATE OR REPLACE TABLE raw.{table} ({cols})")


def insert_rows(con: Any, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert dicts into raw.<table>; absent columns are NULL."""
    names = [name for name, _ in RAW_TABLES[table]]
    placeholders = ", ".join("?" for _ in names)
    data = [[row.get(name) for name in names] for row in rows]
    for row in rows:
        unknown = set(row) - set(names)
        if unknown:
            raise KeyError(f"{table}: unknown columns {sorted(unknown)}")
    if data:
        con.executemany(f"INSERT INTO raw.{table} VALUES ({placeholders})", data)
