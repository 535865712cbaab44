"""Takes one feed's deliveries from the landing zone into the raw layer, exactly as feeds.md agrees.

For each file: unchanged since its partition was loaded → nothing happens; otherwise it is read
(`readers`), every row is judged by the contract's row rules (`row_rules`), good rows replace the
partition in `raw.<table>` (personal information only in `restricted`), bad rows go to
`raw.row_quarantine` with the rule they broke, and `raw.ingest_log` records the delivery. A refused
file changes no partition. Life-cycle rules, which need every file's rows at once, are judged in dbt.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from loancode import feeds
from loancode.config import duckdb_memory_limit
from pipelines.lib import landing, readers
from loancode.contracts import Contract, for_feed
from loancode.feeds import pii_columns, raw_columns
from pipelines.lib.row_rules import checked_select, register_rules, sql_identifier, sql_literal


PROVENANCE = ", ".join(f"{c.name} {c.data_type}" for c in feeds.PROVENANCE)
BAD_NAME = "文件名不符合约定 {pattern} / file name does not follow {pattern}"


@dataclass
class DeliveryResult:
    feed: str
    file_name: str
    business_date: str | None
    sha256: str
    encoding: str | None
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    status: str
    message: str | None


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every raw table exists, even for a feed with no files yet, so dbt always builds."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS restricted")
    for table in feeds.LEDGER:
        con.execute(feeds.ledger_ddl(table))
    for feed in feeds.registry().values():
        for contract in feed.contracts:
            cols = ", ".join(f"{sql_identifier(n)} {t}" for n, t in raw_columns(contract))
            snapshot = "snapshot_date DATE, " if contract.file_format == "xlsx" else ""
            con.execute(f"CREATE TABLE IF NOT EXISTS raw.{contract.name} ({snapshot}{cols}, {PROVENANCE})")
            if pii_columns(contract):
                pii_cols = ", ".join(f"{sql_identifier(n)} VARCHAR" for n in pii_columns(contract))
                con.execute(
                    f"CREATE TABLE IF NOT EXISTS restricted.{contract.name}_pii "
                    f"({sql_identifier(contract.record_key)} VARCHAR, {pii_cols}, {PROVENANCE})"
                )


def _check(con, contract: Contract) -> str:
    """Judge the landed rows once, into a table; with the rows the CSV fast path judged as it scanned them,
    they make the view the writes below read."""
    checked = f"_checked_{contract.name}"
    register_rules(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {checked}_landed AS "
                f"{checked_select(contract, readers.landed_table(contract))}")
    parts = [f"SELECT * FROM {checked}_landed"]
    parts += [readers.scanned_select(table) for table in readers.scanned_tables(con, contract)]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {checked} AS {' UNION ALL BY NAME '.join(parts)}")
    return checked


def _read_all(con, contracts: list[Contract], deliveries: list[landing.Delivery], workdir: Path
              ) -> dict[str, readers.FileOutcome]:
    """Land every delivery; a misnamed or 0-byte file is refused before any reader opens it."""
    fmt = contracts[0].file_format
    outcomes: dict[str, readers.FileOutcome] = {}
    named = []
    for delivery in deliveries:
        if delivery.business_date is None:
            pattern = feeds.feed(delivery.feed).file_pattern
            outcomes[delivery.file_name] = readers.FileOutcome(rejected=BAD_NAME.format(pattern=pattern))
        elif delivery.path.stat().st_size == 0:
            outcomes[delivery.file_name] = readers.FileOutcome(
                encoding="xlsx" if fmt == "xlsx" else None, rejected=readers.EMPTY_FILE)
        else:
            named.append(delivery)
    if fmt == "xlsx":
        outcomes.update({d.file_name: readers.read_xlsx(con, contracts, d) for d in named})
    elif fmt == "jsonl":
        outcomes.update(readers.read_jsonl_batch(con, contracts[0], named, workdir))
    else:
        outcomes.update(readers.read_csv_batch(con, contracts[0], named, workdir))
    return outcomes


def load_feed(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    feed: str,
    workdir: Path,
    rejected_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    window: tuple[date, date] | None = None,
) -> list[DeliveryResult]:
    """Take in every new or re-delivered file of one feed whose business date falls in `window`
    (all files, misnamed ones included, when None). Returns what happened to each file read."""
    ensure_tables(con)
    con.execute(f"SET memory_limit = {sql_literal(duckdb_memory_limit())}")
    contracts = for_feed(feed)
    known = {
        (name, sha): status
        for name, sha, status in con.execute(
            "SELECT file_name, sha256, status FROM raw.ingest_log WHERE feed = ? "
            "AND (is_current OR status = 'rejected')", [feed]).fetchall()
    }
    for contract in contracts:
        readers.create_landed(con, contract)
    deliveries = [d for d in landing.discover(landing_dir, feed)
                  if window is None or (d.business_date is not None and window[0] <= d.business_date <= window[1])]
    fresh: list[tuple[landing.Delivery, str]] = []
    # hashlib releases the GIL: two threads hash two files at once
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = list(pool.map(landing.sha256, [d.path for d in deliveries]))
    for i, (delivery, digest) in enumerate(zip(deliveries, digests, strict=True)):
        if (delivery.file_name, digest) not in known:  # the same file again changes nothing (re-delivery)
            fresh.append((delivery, digest))
        if progress:
            progress(i + 1, len(deliveries))
    if not fresh:
        return []
    read = _read_all(con, contracts, [d for d, _ in fresh], workdir)
    outcomes = [(d, digest, read[d.file_name]) for d, digest in fresh]

    checked = {c.name: _check(con, c) for c in contracts}
    counts: dict[str, tuple[int, int]] = {}
    for table in checked.values():
        for file_name, loaded, quarantined in con.execute(
            f"SELECT _file_name, count(*) FILTER (WHERE _rule IS NULL), count(*) FILTER (WHERE _rule IS NOT NULL) "
            f"FROM {table} GROUP BY ALL").fetchall():
            before = counts.get(file_name, (0, 0))
            counts[file_name] = (before[0] + loaded, before[1] + quarantined)

    results = []
    replaced = []
    for delivery, digest, outcome in outcomes:
        loaded, quarantined = counts.get(delivery.file_name, (0, 0))
        if outcome.rejected:
            status, loaded, quarantined = "rejected", 0, outcome.rows_in
            if rejected_dir is not None:
                keep = rejected_dir / feed / f"{digest[:12]}_{delivery.file_name}"
                keep.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(delivery.path, keep)
        else:
            status = "loaded_with_quarantine" if quarantined else "loaded"
            replaced.append(delivery.business_date)
        message = "；".join(([outcome.rejected] if outcome.rejected else []) + outcome.warnings) or None
        results.append(DeliveryResult(
            feed, delivery.file_name, str(delivery.business_date) if delivery.business_date else None,
            digest, outcome.encoding, outcome.rows_in, loaded, quarantined, status, message))
    _write(con, feed, contracts, checked, results, replaced)
    for contract in contracts:  # landed rows hold personal information in clear: drop them now
        con.execute(f"DROP VIEW IF EXISTS {checked[contract.name]}; DROP TABLE IF EXISTS {checked[contract.name]}_landed")
        readers.drop_landed(con, contract)
    con.execute("DROP TABLE IF EXISTS _replaced")
    return results


# Raw tables whose replaced partitions are recorded in raw.<table>_touched for dbt's incremental models.
TOUCHED_RECORDED = ("applications",)


def _record_touched(con, table: str, dates: str) -> None:
    """(event_id, application_id) of the rows now in the replaced partitions, into raw.applications_touched:
    dbt recomputes these applications and those of every other copy of these event_ids (the copy that
    counts may change), and keeps every other application's rows (docs/performance.md, daily increment)."""
    con.execute(f"INSERT INTO raw.{table}_touched SELECT DISTINCT event_id, application_id FROM raw.{table} "
                f"WHERE _business_date IN ({dates})")


def _write(con, feed, contracts, checked, results: list[DeliveryResult], replaced) -> None:
    """Replace the re-delivered partitions and record every delivery, in one transaction."""
    rejected = [r.file_name for r in results if r.status == "rejected"]
    con.execute("CREATE OR REPLACE TEMP TABLE _replaced AS SELECT unnest(?::DATE[]) AS d", [[str(d) for d in replaced]])
    dates = "SELECT d FROM _replaced"
    # `x NOT IN (NULL)` is never true, so an empty list must be a list that matches nothing.
    refused = ", ".join(sql_literal(n) for n in rejected) or "''"
    now = datetime.now().replace(microsecond=0)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM raw.row_quarantine WHERE feed = {sql_literal(feed)} AND business_date IN ({dates})")
        con.execute(f"UPDATE raw.ingest_log SET is_current = false WHERE feed = {sql_literal(feed)} "
                    f"AND business_date IN ({dates})")
        for contract in contracts:
            table = checked[contract.name]
            touched = contract.name in TOUCHED_RECORDED
            if touched:  # the rows the replacement removes: their applications may lose an event
                _record_touched(con, contract.name, dates)
            con.execute(f"DELETE FROM raw.{contract.name} WHERE _business_date IN ({dates})")
            cols = ", ".join(sql_identifier(n) for n, _ in raw_columns(contract))
            good = f"FROM {table} WHERE _rule IS NULL AND _file_name NOT IN ({refused})"
            if contract.file_format == "xlsx":  # a register file is a full snapshot as of its business date
                cols = f"{cols}, snapshot_date"
                select = cols.replace("snapshot_date", "_business_date")
            else:
                select = cols
            con.execute(f"INSERT INTO raw.{contract.name} ({cols}, _file_name, _business_date, _row_number) "
                        f"SELECT {select}, _file_name, _business_date, _row_number {good}")
            if touched:  # and the rows it brings
                _record_touched(con, contract.name, dates)
            if pii_columns(contract):
                con.execute(f"DELETE FROM restricted.{contract.name}_pii WHERE _business_date IN ({dates})")
                pii_cols = ", ".join(sql_identifier(n) for n in [contract.record_key, *pii_columns(contract)])
                # only rows that carry personal information (about one event in four: the submissions)
                carried = " OR ".join(f"{sql_identifier(n)} IS NOT NULL" for n in pii_columns(contract))
                con.execute(f"INSERT INTO restricted.{contract.name}_pii SELECT {pii_cols}, _file_name, "
                            f"_business_date, _row_number {good} AND ({carried})")
            con.execute(
                f"INSERT INTO raw.row_quarantine SELECT {sql_literal(feed)}, _file_name, _business_date, _row_number, "
                f"_record_key, _rule, _detail, _raw_record FROM {table} WHERE _rule IS NOT NULL "
                f"OR _file_name IN ({refused})")
        log = pa.Table.from_pylist([{**asdict(r), "loaded_at": now, "is_current": r.status != "rejected"}
                                    for r in results])
        con.register("_new_log", log)
        con.execute("INSERT INTO raw.ingest_log SELECT feed, file_name, business_date::DATE, sha256, encoding, "
                    "rows_in, rows_loaded, rows_quarantined, status, message, loaded_at, is_current FROM _new_log")
        con.unregister("_new_log")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
