"""The feed registry: the four feeds of feeds.md, built from `data_contracts/`, and the raw layer's shape.

Everything that needs to know which feeds exist, what their files are called, what a raw table or the
ingest ledger looks like, asks here: the loaders, the Dagster assets and sensor, dbt's generated sources,
the sample-province generator and the tests. `python -m loancode.feeds` writes the registry as the dbt
seed `reference.feeds`, so SQL reads the same facts (tests/test_feed_registry.py proves the committed
seed is what the contracts give today).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from datetime import date
from functools import cache

from loancode.config import SEEDS_DIR
from loancode.contracts import Contract, load_all

DATE_PLACEHOLDER = "YYYYMMDD"
SEED_FILE = SEEDS_DIR / "feeds.csv"


@dataclass(frozen=True)
class Feed:
    name: str
    extension: str
    contracts: tuple[Contract, ...]  # the tables one delivery fills (the register fills two sheets)

    @property
    def file_pattern(self) -> str:
        """`<feed>_YYYYMMDD.<ext>`, as feeds.md writes it."""
        return f"{self.name}_{DATE_PLACEHOLDER}.{self.extension}"

    @property
    def file_format(self) -> str:
        return self.contracts[0].file_format

    def file_name(self, business_date: date) -> str:
        return f"{self.name}_{business_date:%Y%m%d}.{self.extension}"

    def business_date(self, file_name: str) -> date | None:
        """The business date of a file of this feed; None when the name does not follow the pattern or
        names no real day."""
        match = re.fullmatch(rf"{re.escape(self.name)}_(\d{{8}})\.{re.escape(self.extension)}", file_name)
        return _date(match[1]) if match else None


def _date(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


@cache
def registry() -> dict[str, Feed]:
    """Every feed, by name, in the order of its contracts' file names."""
    grouped: dict[str, list[Contract]] = {}
    for contract in load_all().values():
        grouped.setdefault(contract.feed, []).append(contract)
    feeds = {}
    for name, contracts in grouped.items():
        (extension,) = {c.file_pattern.rsplit(".", 1)[1] for c in contracts}
        feeds[name] = Feed(name, extension, tuple(contracts))
    return feeds


def names() -> tuple[str, ...]:
    return tuple(registry())


def feed(name: str) -> Feed:
    return registry()[name]


def delivery_date(file_name: str) -> date | None:
    """The business date of any feed's file, None when the name follows no feed's pattern."""
    for candidate in registry().values():
        if file_name.startswith(candidate.name + "_"):
            found = candidate.business_date(file_name)
            if found is not None:
                return found
    return None


# --- the raw layer's shape: the columns the loaders create and dbt's sources declare -------------------

@dataclass(frozen=True)
class RawColumn:
    name: str
    data_type: str
    description: str = ""


PROVENANCE = (
    RawColumn("_file_name", "VARCHAR", "交付文件名 / the delivery the row came in"),
    RawColumn("_business_date", "DATE", "业务日期（分区）/ business date, from the file name (the partition)"),
    RawColumn("_row_number", "INTEGER", "文件内数据行号（不含表头）/ data row number in its file, header not counted"),
)
SNAPSHOT_DATE = RawColumn("snapshot_date", "DATE", "快照日期（= 业务日期）/ snapshot date (= business date)")


@dataclass(frozen=True)
class LedgerTable:
    name: str
    description: str
    columns: tuple[RawColumn, ...]


# The loaders' ledger in schema raw (published by dbt as audit.ingest_files and audit.quarantine).
LEDGER = (
    LedgerTable("ingest_log", "One row per delivery taken in; rows_* count the row rules only.", tuple(
        RawColumn(n, t) for n, t in (
            ("feed", "VARCHAR"), ("file_name", "VARCHAR"), ("business_date", "DATE"), ("sha256", "VARCHAR"),
            ("encoding", "VARCHAR"), ("rows_in", "BIGINT"), ("rows_loaded", "BIGINT"),
            ("rows_quarantined", "BIGINT"), ("status", "VARCHAR"), ("message", "VARCHAR"),
            ("loaded_at", "TIMESTAMP"), ("is_current", "BOOLEAN")))),
    LedgerTable("row_quarantine", "One row per row that broke a row rule (raw_record PII masked).", tuple(
        RawColumn(n, t) for n, t in (
            ("feed", "VARCHAR"), ("file_name", "VARCHAR"), ("business_date", "DATE"), ("row_number", "INTEGER"),
            ("record_key", "VARCHAR"), ("rule", "VARCHAR"), ("detail", "VARCHAR"), ("raw_record", "VARCHAR")))),
    LedgerTable("contract_suite_results", "The Great Expectations outcome of each ingest run per table (one row per "
                "table and run that loaded at least one partition).", tuple(
        RawColumn(n, t) for n, t in (
            ("feed", "VARCHAR"), ("table_name", "VARCHAR"), ("run_at", "TIMESTAMP"), ("first_partition", "DATE"),
            ("last_partition", "DATE"), ("partitions", "INTEGER"), ("rows", "BIGINT"), ("evaluated", "INTEGER"),
            ("failed", "VARCHAR"), ("success", "BOOLEAN")))),
    LedgerTable("applications_touched", "The (event_id, application_id) of every application row of the partitions "
                "replaced since dbt last built the warehouse, as they were before and after: the applications an "
                "incremental dbt build recomputes (docs/performance.md, daily increment). Emptied once dbt has built.",
                tuple(RawColumn(n, "VARCHAR") for n in ("event_id", "application_id"))),
)


def ledger_ddl(table: LedgerTable) -> str:
    """CREATE TABLE IF NOT EXISTS for a ledger table in schema raw."""
    cols = ", ".join(f"{c.name} {c.data_type}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS raw.{table.name} ({cols})"


def ledger(name: str) -> LedgerTable:
    return next(t for t in LEDGER if t.name == name)


def raw_columns(contract: Contract) -> list[tuple[str, str]]:
    """(name, type) of the raw table: typed contract columns, PII only in masked/hashed form."""
    cols = []
    for c in contract.columns:
        if c.pii:
            cols.append((f"{c.name}_masked", "VARCHAR"))
            if c.pii == "phone":
                cols.append((f"{c.name}_hash", "VARCHAR"))
        else:
            cols.append((c.name, c.physical_type))
    return cols


def pii_columns(contract: Contract) -> list[str]:
    """The contract's personal-information columns, kept in clear only in `restricted.<table>_pii`."""
    return [c.name for c in contract.columns if c.pii]


def seed_rows() -> list[dict[str, str]]:
    return [{"feed": f.name, "extension": f.extension, "file_pattern": f.file_pattern}
            for f in registry().values()]


def render_seed() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["feed", "extension", "file_pattern"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(seed_rows())
    return out.getvalue()


if __name__ == "__main__":
    SEED_FILE.write_text(render_seed(), encoding="utf-8")
    print(f"wrote {SEED_FILE}", file=sys.stderr)
