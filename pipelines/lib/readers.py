"""Readers: one delivery file → rows appended to a landed table in DuckDB, every value VARCHAR as delivered.

A landed table (`_landed_<contract>`) has provenance (`_file_name`, `_business_date`,
`_row_number`), one VARCHAR column per contract column (matched by name; absent ones NULL), and
`_malformed`: NULL for a readable row, else the rule of a row that could not even be split into fields
(`csv_malformed`, `json_invalid`) or `file_rejected` for the rows of a refused file. A reader returns
what happened to the file; it never raises for bad content. Misnamed and 0-byte files never reach a
reader: `loader._read_all` refuses them for every format.

The CSV fast path and the JSON Lines reader skip the landed table: they judge the rows as DuckDB scans them,
into scanned tables (`scanned_tables`, read through `scanned_select`), so a million rows are materialised
once, not three times.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.lib import landing
from loancode.contracts import Contract
from pipelines.lib.row_rules import checked_select, register_rules, sql_identifier, sql_literal

MAX_LINE = 64 << 20  # a single 5 MB field must still be readable, to be judged by the row rules


@dataclass
class FileOutcome:
    encoding: str | None = None
    rows_in: int = 0
    rejected: str | None = None  # "中文原因 / English reason"
    warnings: list[str] = field(default_factory=list)


EMPTY_FILE = "文件为空（0 字节） / empty file (0 bytes)"


def landed_table(contract: Contract) -> str:
    return f"_landed_{contract.name}"


def create_landed(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    drop_landed(con, contract)  # what a load that failed half-way left must not join this one's rows
    cols = ", ".join(f"{sql_identifier(c.name)} VARCHAR" for c in contract.columns)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {landed_table(contract)} (_file_name VARCHAR, _business_date DATE, "
        f"_row_number INTEGER, _malformed VARCHAR, _raw VARCHAR, {cols})"
    )


def _insert_rows(con, contract: Contract, relation: str, present: set[str]) -> None:
    """Append rows of a relation that carries its own provenance (`_file_name`, `_business_date`,
    `_row_number`, `_malformed`) and file headers as columns."""
    select = [f"{sql_identifier(c.header)}::VARCHAR AS {sql_identifier(c.name)}" if c.header in present else f"NULL AS {sql_identifier(c.name)}"
              for c in contract.columns]
    raw = "_raw" if "_raw" in present else "NULL"
    con.execute(f"INSERT INTO {landed_table(contract)} SELECT _file_name, _business_date, _row_number, _malformed, "
                f"{raw}, {', '.join(select)} FROM {relation}")


def _insert(con, contract: Contract, delivery: landing.Delivery, table: pa.Table, malformed: str | None):
    """Append an Arrow table of one delivery whose columns are file headers (plus `_row_number`, and
    `_malformed`/`_raw` where a reader set them)."""
    n = table.num_rows
    if "_malformed" not in table.column_names:
        table = table.append_column("_malformed", pa.array([malformed] * n, pa.string()))
    table = table.append_column("_file_name", pa.array([delivery.file_name] * n, pa.string()))
    table = table.append_column("_business_date", pa.array([delivery.business_date] * n, pa.date32()))
    con.register("_arrow_in", table)
    _insert_rows(con, contract, "_arrow_in", set(table.column_names))
    con.unregister("_arrow_in")


def _missing(required: list[str], headers: list[str]) -> list[str]:
    return [h for h in required if h not in headers]


def _missing_message(missing: list[str]) -> str:
    names = "、".join(missing)
    return f"缺少必需列：{names} / missing required columns: {', '.join(missing)}"


# ---------------------------------------------------------------- CSV


def _csv_header(path: Path, encoding: str) -> list[str]:
    with open(path, encoding=encoding, newline="") as f:
        first = next(csv.reader(f), [])
    return [h.strip().lstrip("\ufeff") for h in first]


def _csv_tolerant(path: Path, headers: list[str]) -> pa.Table:
    """The slow path, only for a structurally broken file: a row with the wrong number of fields is
    kept as `csv_malformed` (its text in `_raw`) instead of failing the whole file."""
    rows: dict[str, list] = {h: [] for h in headers}
    numbers, malformed, raws = [], [], []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for i, row in enumerate(reader, start=1):
            # A short row (a truncated line) reads its missing cells as blank, for the row rules to judge;
            # a row with extra fields cannot be trusted cell by cell and is kept whole as malformed.
            too_long = len(row) > len(headers)
            numbers.append(i)
            malformed.append("csv_malformed" if too_long else None)
            raws.append(",".join(row)[:2000] if too_long else None)
            for j, h in enumerate(headers):
                rows[h].append(row[j] if j < len(row) else None)
    table = {"_row_number": pa.array(numbers, pa.int32()), "_malformed": pa.array(malformed, pa.string()),
             "_raw": pa.array(raws, pa.string())}
    table.update({h: pa.array(v, pa.string()) for h, v in rows.items()})
    return pa.table(table)


@dataclass
class _PreparedCsv:
    delivery: landing.Delivery
    path: Path  # plain UTF-8: the delivery itself, or its transcoded copy
    headers: tuple[str, ...]
    outcome: FileOutcome


def _prepare_csv(contract: Contract, delivery: landing.Delivery, workdir: Path) -> _PreparedCsv | FileOutcome:
    """File-level checks of one CSV delivery: size, encoding, headers. A refused file stops here, unless
    its rows can still be read (a missing column), to be counted and kept in the quarantine."""
    out = FileOutcome()
    path = delivery.path
    out.encoding = landing.detect_encoding(path, contract.encodings)
    if out.encoding is None:
        out.rejected = ("无法识别的文件编码或非文本文件（仅接受 UTF-8、带 BOM 的 UTF-8、GB18030/GBK） / "
                        "unrecognised encoding or not a text file (accepted: UTF-8, UTF-8 with BOM, GB18030/GBK)")
        return out
    if out.encoding != "utf-8":
        path = landing.transcode_to_utf8(path, out.encoding, workdir / f"{delivery.file_name}.utf8")
    headers = _csv_header(path, "utf-8")
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):  # a repeated header keeps its first column; later ones are extras
        seen[h] = seen.get(h, 0) + 1
        headers[i] = h if seen[h] == 1 else f"{h}#{seen[h]}"
    known = {c.header for c in contract.columns}
    extra = [h for h in headers if h not in known]
    if extra:
        out.warnings.append(f"忽略未约定的列：{'、'.join(extra)} / ignored unknown columns: {', '.join(extra)}")
    missing = _missing(contract.required_headers, headers)
    if missing:
        out.rejected = _missing_message(missing)
    return _PreparedCsv(delivery, path, tuple(headers), out)


def _csv_options(headers: tuple[str, ...], header: bool = True) -> str:
    columns = "{" + ", ".join(f"{sql_literal(f'c{i}')}: 'VARCHAR'" for i in range(len(headers))) + "}"
    return (f"columns={columns}, header={str(header).lower()}, auto_detect=false, delim=',', quote='\"', escape='\"', "
            f"strict_mode=true, max_line_size={MAX_LINE}, all_varchar=true")


def scanned_tables(con, contract: Contract) -> list[str]:
    """The tables of rows a reader judged as it scanned them, in the order they were scanned."""
    return [name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE ? ESCAPE '!' "
        "AND NOT suffix(table_name, '_files') ORDER BY table_name",
        [f"!_scanned!_{contract.name}!_%"]).fetchall()]


def scanned_select(table: str) -> str:
    """The judged rows of a scanned table with their provenance. A CSV scan cannot number its rows (DuckDB's
    read_csv gives no line number), so those rows have none: a freshly created table keeps the scan's order
    (files in list order, rows in file order), so a row's number in its file is its rowid less the first
    rowid of its file, found by a join with one row per file, where a window over every row would sort them."""
    return (f"SELECT f._file_name, f._business_date, "
            f"coalesce(s._row_number, (s.rowid - f._first_rowid + 1)::INTEGER) AS _row_number, "
            f"s.* EXCLUDE (_file_index, _row_number) FROM {table} s JOIN {table}_files f USING (_file_index)")


def drop_landed(con, contract: Contract) -> None:
    """Landed and scanned rows hold personal information in clear: they live only while a feed loads."""
    for table in scanned_tables(con, contract):
        con.execute(f"DROP TABLE IF EXISTS {table}; DROP TABLE IF EXISTS {table}_files")
    con.execute(f"DROP TABLE IF EXISTS {landed_table(contract)}")


def _scan_judged(con, contract: Contract, table: str, rows: str, deliveries: list[landing.Delivery]) -> list[int]:
    """Judge a relation as it is scanned into `table`; `rows` has landed columns, with `_file_index` (a position
    in `deliveries`) in place of the file's name and date. Returns the number of rows of each delivery."""
    register_rules(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                f"{checked_select(contract, rows, '_file_index, _row_number')}")
    con.register("_scan_files", pa.table({
        "_file_index": list(range(len(deliveries))),
        "_file_name": [d.file_name for d in deliveries],
        "_business_date": pa.array([d.business_date for d in deliveries], pa.date32()),
    }))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_files AS SELECT f.*, s._first_rowid, s._rows "
                f"FROM _scan_files f JOIN (SELECT _file_index, min(rowid) AS _first_rowid, count(*) AS _rows "
                f"FROM {table} GROUP BY ALL) s USING (_file_index)")
    con.unregister("_scan_files")
    counts = [0] * len(deliveries)
    for i, rows_in in con.execute(f"SELECT _file_index, _rows FROM {table}_files").fetchall():
        counts[i] = rows_in
    return counts


def _scan_csv_group(con, contract: Contract, group: list[_PreparedCsv], table: str, source: str | None = None
                    ) -> None:
    """The fast path: one DuckDB scan over every file with the same header, strict structure, no sniffing.
    `source` is a single file holding the group's data lines, each prefixed with its file's position in the
    group (`_joined`); without it DuckDB reads the files themselves, numbering them itself."""
    index = {h: i for i, h in enumerate(group[0].headers)}
    shift = 1 if source else 0
    columns = ", ".join(f"c{index[c.header] + shift} AS {sql_identifier(c.name)}" if c.header in index
                        else f"NULL::VARCHAR AS {sql_identifier(c.name)}" for c in contract.columns)
    refused = [str(i) for i, p in enumerate(group) if p.outcome.rejected]
    file_index = "c0::INTEGER" if source else "file_index"
    malformed = f"CASE WHEN {file_index} IN ({', '.join(refused)}) THEN 'file_rejected' END" if refused else "NULL"
    if source:
        scanned = f"read_csv({sql_literal(source)}, {_csv_options(('_file_index', *group[0].headers), header=False)})"
    else:
        paths = "[" + ", ".join(sql_literal(str(p.path)) for p in group) + "]"
        scanned = f"read_csv({paths}, {_csv_options(group[0].headers)})"
    rows = (f"(SELECT {file_index} AS _file_index, NULL::INTEGER AS _row_number, {malformed}::VARCHAR AS _malformed, "
            f"NULL::VARCHAR AS _raw, {columns} FROM {scanned})")
    counts = _scan_judged(con, contract, table, rows, [p.delivery for p in group])
    for prepared, rows_in in zip(group, counts, strict=True):
        prepared.outcome.rows_in = rows_in


# A delivery up to this size is read into memory to be joined with the others (_joined); a larger one is
# scanned on its own, where DuckDB's cost per file does not matter, and memory stays flat however large.
JOIN_AT_MOST = 16 << 20


def _data_lines(path: Path) -> bytes | None:
    """The data lines of a delivery (its header line left out, no final newline) when they can be joined with
    other deliveries' and still be read row for row, in order: no quote character (a quoted field may span
    lines), no carriage return but as part of CRLF, no blank line (DuckDB skips those), as many fields on
    every line as in the header, as far as the commas tell. None otherwise."""
    if path.stat().st_size > JOIN_AT_MOST:
        return None
    header, _, body = path.read_bytes().partition(b"\n")
    body = body.removesuffix(b"\n")
    crlf_end = body.endswith(b"\r")
    # one search for a carriage return spares the searches that need one, in the usual LF-only delivery
    carriage_return = b"\r" in body
    if (b'"' in header or b"\r" in header.removesuffix(b"\r") or b'"' in body
            or (carriage_return and body.count(b"\r") != body.count(b"\r\n") + crlf_end)
            or b"\n\n" in body or (carriage_return and b"\n\r\n" in body) or body.startswith((b"\n", b"\r\n"))
            or body.endswith((b"\n", b"\n\r")) or body == b"\r"
            or (body and body.count(b",") != header.count(b",") * (body.count(b"\n") + 1))):
        return None  # the last test: a row with the wrong number of fields, to be found by the halving
    return body


def _joined(group: list[_PreparedCsv], target: Path) -> tuple[list[_PreparedCsv], list[_PreparedCsv]]:
    """Write the data lines of the group's joinable deliveries into `target`, each line prefixed with the
    delivery's position among them: DuckDB then reads one file, not a thousand small ones (its cost per file
    is most of a daily delivery's). Returns (the deliveries joined, the others)."""
    joined, others = [], []
    with open(target, "wb") as out:
        for prepared in group:
            body = _data_lines(prepared.path)
            if body is None:
                others.append(prepared)
                continue
            if body:
                if b"\r" in body:  # CRLF, as the previous check proved: DuckDB's reader takes one kind of newline
                    body = body.replace(b"\r\n", b"\n").removesuffix(b"\r")
                prefix = b"%d," % len(joined)
                out.write(prefix + body.replace(b"\n", b"\n" + prefix) + b"\n")
            joined.append(prepared)
    return joined, others


def _land_csv_tolerant(con, contract: Contract, prepared: _PreparedCsv) -> None:
    rows = _csv_tolerant(prepared.path, list(prepared.headers))
    prepared.outcome.rows_in = rows.num_rows
    bad = sum(1 for m in rows.column("_malformed").to_pylist() if m)
    if bad:
        prepared.outcome.warnings.append(f"{bad} 行字段数与表头不符 / {bad} rows with a wrong number of fields")
    _insert(con, contract, prepared.delivery, rows, "file_rejected" if prepared.outcome.rejected else None)


def _land_csv(con, contract: Contract, group: list[_PreparedCsv], scans: list[str], workdir: Path) -> None:
    """Scan a group: its small deliveries joined into one file (`_joined`), the others (and the joined ones
    again if their scan fails) read as they are (`_land_csv_files`)."""
    source = workdir / f"_joined_{contract.name}.csv"  # rows in clear: removed as soon as they are scanned
    try:
        joined, others = _joined(group, source)
        if joined:
            table = f"_scanned_{contract.name}_{len(scans):05d}"
            try:
                _scan_csv_group(con, contract, joined, table, str(source))
                scans.append(table)
            except duckdb.Error:
                con.execute(f"DROP TABLE IF EXISTS {table}; DROP TABLE IF EXISTS {table}_files")
                others = joined + others
    finally:
        source.unlink(missing_ok=True)
    if others:
        _land_csv_files(con, contract, others, scans)


def _land_csv_files(con, contract: Contract, group: list[_PreparedCsv], scans: list[str]) -> None:
    """Scan files as they are, at once; if some file of them is structurally broken, halve the group until
    each broken file is alone (a few scans, not one per file) and read that one with the tolerant reader."""
    table = f"_scanned_{contract.name}_{len(scans):05d}"
    try:
        _scan_csv_group(con, contract, group, table)
        scans.append(table)
    except duckdb.Error:
        if len(group) == 1:
            _land_csv_tolerant(con, contract, group[0])
        else:
            _land_csv_files(con, contract, group[:len(group) // 2], scans)
            _land_csv_files(con, contract, group[len(group) // 2:], scans)


def read_csv_batch(con, contract: Contract, deliveries: list[landing.Delivery], workdir: Path
                   ) -> dict[str, FileOutcome]:
    """Every CSV delivery of a feed, read in as few scans as possible (per-file cost dominates small files).
    Rows of the fast path land already judged in `scanned_tables`, the rest in the landed table."""
    outcomes: dict[str, FileOutcome] = {}
    groups: dict[tuple[str, ...], list[_PreparedCsv]] = {}
    for delivery in deliveries:
        prepared = _prepare_csv(contract, delivery, workdir)
        if isinstance(prepared, FileOutcome):
            outcomes[delivery.file_name] = prepared
        else:
            outcomes[delivery.file_name] = prepared.outcome
            groups.setdefault(prepared.headers, []).append(prepared)
    scans: list[str] = []
    for group in groups.values():
        _land_csv(con, contract, group, scans, workdir)
    return outcomes


# ---------------------------------------------------------------- XLSX (the register)


def _cell_text(value) -> str | None:
    """An Excel cell as the text the operator sees: dates as YYYY-MM-DD, numbers without exponent."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time(0) else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


def read_xlsx(con, contracts: list[Contract], delivery: landing.Delivery) -> FileOutcome:
    """Both sheets of one register snapshot; a broken sheet refuses the whole file."""
    import openpyxl

    out = FileOutcome(encoding="xlsx")
    try:
        book = openpyxl.load_workbook(delivery.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        out.rejected = f"不是有效的 Excel 工作簿 / not a valid Excel workbook ({type(exc).__name__})"
        return out
    tables = {}
    try:
        for contract in contracts:
            if contract.sheet not in book.sheetnames:
                out.rejected = f"缺少工作表“{contract.sheet}” / sheet {contract.sheet} missing"
                return out
            rows = book[contract.sheet].iter_rows(values_only=True)
            headers = [(_cell_text(h) or "").strip() for h in next(rows, ())]
            missing = _missing(contract.required_headers, headers)
            if missing:
                out.rejected = (f"工作表“{contract.sheet}”第一行不是约定的表头，缺少：{'、'.join(missing)} / "
                                f"sheet {contract.sheet}: headers not in the first row, missing {', '.join(missing)}")
                return out
            extra = [h for h in headers if h and h not in {c.header for c in contract.columns}]
            if extra:
                out.warnings.append(f"工作表“{contract.sheet}”忽略未约定的列：{'、'.join(extra)} / "
                                    f"sheet {contract.sheet}: ignored unknown columns: {', '.join(extra)}")
            index = {h: i for i, h in reversed(list(enumerate(headers))) if h}
            columns: dict[str, list] = {h: [] for h in index}
            numbers = []
            for n, row in enumerate(rows, start=1):
                if row is None or all(v is None or str(v).strip() == "" for v in row):
                    continue  # Excel keeps formatted but empty rows; they are not records
                numbers.append(n)
                for h, i in index.items():
                    columns[h].append(_cell_text(row[i]) if i < len(row) else None)
            data = {"_row_number": pa.array(numbers, pa.int32())}
            data.update({h: pa.array(v, pa.string()) for h, v in columns.items()})
            tables[contract.name] = pa.table(data)
    finally:
        book.close()
    for contract in contracts:
        _insert(con, contract, delivery, tables[contract.name], None)
        out.rows_in += tables[contract.name].num_rows
    return out


# ---------------------------------------------------------------- JSON Lines (credit reports)


def read_jsonl_batch(con, contract: Contract, deliveries: list[landing.Delivery], workdir: Path
                     ) -> dict[str, FileOutcome]:
    """Every JSON Lines delivery of a feed in one scan, judged as it is read (`scanned_tables`); a line that
    is not a JSON object is `json_invalid`. A row's number is its line's, blank lines counted."""
    outcomes: dict[str, FileOutcome] = {}
    readable: list[tuple[str, landing.Delivery]] = []
    for delivery in deliveries:
        out = outcomes[delivery.file_name] = FileOutcome()
        path = delivery.path
        out.encoding = landing.detect_encoding(path, contract.encodings)
        if out.encoding is None:
            out.rejected = "征信报告文件必须为 UTF-8 编码 / credit report files must be UTF-8"
            continue
        if out.encoding != "utf-8":
            path = landing.transcode_to_utf8(path, out.encoding, workdir / f"{delivery.file_name}.utf8")
        readable.append((str(path), delivery))
    if not readable:
        return outcomes
    paths = "[" + ", ".join(sql_literal(p) for p, _ in readable) + "]"
    # DuckDB's trim and rtrim cost as much as the rest of the read together: only lines that need them pay.
    lines = (
        "SELECT * FROM (SELECT _file_index, n::INTEGER AS _row_number, "
        "CASE WHEN ends_with(line, chr(13)) THEN rtrim(line, chr(13)) ELSE line END AS _raw FROM ("
        "  SELECT file_index AS _file_index, unnest(lines) AS line, unnest(generate_series(1, len(lines))) AS n"
        f"  FROM (SELECT file_index, string_split(content, chr(10)) AS lines FROM read_text({paths})))) "
        "WHERE starts_with(_raw, '{') OR trim(_raw) <> ''"
    )
    # One parse of each line for every field: `->>` per field would parse it once per field.
    json_paths = "[" + ", ".join(sql_literal(c.json_path) for c in contract.columns) + "]"
    fields = [f"_fields[{i}] AS {sql_identifier(c.name)}" for i, c in enumerate(contract.columns, 1)
              if c.name != contract.record_key]
    # A broken line still names its report when the key is legible, so the quarantine can say which.
    key = next(i for i, c in enumerate(contract.columns, 1) if c.name == contract.record_key)
    key_pattern = sql_literal(f'"{contract.record_key}"\\s*:\\s*"([^"]*)"')
    fields.append(f"coalesce(_fields[{key}], nullif(regexp_extract(_raw, {key_pattern}, 1), '')) "
                  f"AS {sql_identifier(contract.record_key)}")
    rows = (
        f"(SELECT _file_index, _row_number, _raw, CASE WHEN _fields IS NULL THEN 'json_invalid' END AS _malformed, "
        f"{', '.join(fields)} FROM (SELECT *, CASE WHEN json_type(_json) = 'OBJECT' "
        f"THEN json_extract_string(_json, {json_paths}) END AS _fields "
        f"FROM (SELECT *, try_cast(_raw AS JSON) AS _json FROM ({lines}))))"
    )
    counts = _scan_judged(con, contract, f"_scanned_{contract.name}_jsonl", rows, [d for _, d in readable])
    for (_, delivery), rows_in in zip(readable, counts, strict=True):
        outcomes[delivery.file_name].rows_in = rows_in
    return outcomes
