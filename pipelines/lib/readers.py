"""Readers: one delivery file → rows appended to a landed table in DuckDB, every value VARCHAR as delivered.

A landed table (`_landed_<contract>`) has provenance (`_file_name`, `_business_date`,
`_row_number`), one VARCHAR column per contract column (matched by name; absent ones NULL), and
`_malformed`: NULL for a readable row, else the rule of a row that could not even be split into fields
(`csv_malformed`, `json_invalid`) or `file_rejected` for the rows of a refused file. A reader returns
what happened to the file; it never raises for bad content. Misnamed and 0-byte files never reach a
reader: `loader._read_all` refuses them for every format.
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
from pipelines.lib.contracts import Contract
from pipelines.lib.row_rules import lit, q

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
    cols = ", ".join(f"{q(c.name)} VARCHAR" for c in contract.columns)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {landed_table(contract)} (_file_name VARCHAR, _business_date DATE, "
        f"_row_number INTEGER, _malformed VARCHAR, _raw VARCHAR, {cols})"
    )


def _insert_rows(con, contract: Contract, relation: str, present: set[str]) -> None:
    """Append rows of a relation that carries its own provenance (`_file_name`, `_business_date`,
    `_row_number`, `_malformed`) and file headers as columns."""
    select = [f"{q(c.header)}::VARCHAR AS {q(c.name)}" if c.header in present else f"NULL AS {q(c.name)}"
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


def _csv_options(headers: tuple[str, ...]) -> str:
    columns = "{" + ", ".join(f"{lit(f'c{i}')}: 'VARCHAR'" for i in range(len(headers))) + "}"
    return (f"columns={columns}, header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
            f"strict_mode=true, max_line_size={MAX_LINE}, all_varchar=true")


def _land_csv_group(con, contract: Contract, group: list[_PreparedCsv]) -> None:
    """The fast path: one DuckDB scan over every file with the same header, strict structure, no sniffing.
    A freshly created table keeps the scan's order (files in list order, rows in file order), so a row's
    number in its file is its rowid less the first rowid of its file."""
    headers = group[0].headers
    paths = "[" + ", ".join(lit(str(p.path)) for p in group) + "]"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _csv_batch AS SELECT * FROM read_csv({paths}, "
                f"{_csv_options(headers)}, filename=true)")
    files = pa.table({
        "filename": [str(p.path) for p in group],
        "_file_name": [p.delivery.file_name for p in group],
        "_business_date": [p.delivery.business_date for p in group],
        "_malformed": ["file_rejected" if p.outcome.rejected else None for p in group],
    })
    con.register("_batch_files", files)
    renamed = ", ".join(f"b.c{i} AS {q(h)}" for i, h in enumerate(headers))
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _csv_rows AS SELECT f._file_name, f._business_date, f._malformed, "
        "(b.rowid - min(b.rowid) OVER (PARTITION BY b.filename) + 1)::INTEGER AS _row_number, "
        f"{renamed} FROM _csv_batch b JOIN _batch_files f USING (filename)"
    )
    _insert_rows(con, contract, "_csv_rows", set(headers))
    by_name = {p.delivery.file_name: p for p in group}
    for file_name, rows in con.execute("SELECT _file_name, count(*) FROM _csv_rows GROUP BY ALL").fetchall():
        by_name[file_name].outcome.rows_in = rows
    con.unregister("_batch_files")
    con.execute("DROP VIEW IF EXISTS _csv_rows; DROP TABLE IF EXISTS _csv_batch")


def _land_csv_file(con, contract: Contract, prepared: _PreparedCsv) -> None:
    """One file alone: the fast path if it can, else the tolerant reader that keeps broken rows."""
    try:
        _land_csv_group(con, contract, [prepared])
    except duckdb.Error:
        rows = _csv_tolerant(prepared.path, list(prepared.headers))
        prepared.outcome.rows_in = rows.num_rows
        bad = sum(1 for m in rows.column("_malformed").to_pylist() if m)
        if bad:
            prepared.outcome.warnings.append(f"{bad} 行字段数与表头不符 / {bad} rows with a wrong number of fields")
        _insert(con, contract, prepared.delivery, rows, "file_rejected" if prepared.outcome.rejected else None)


def read_csv_batch(con, contract: Contract, deliveries: list[landing.Delivery], workdir: Path
                   ) -> dict[str, FileOutcome]:
    """Every CSV delivery of a feed, read in as few scans as possible (per-file cost dominates small files)."""
    outcomes: dict[str, FileOutcome] = {}
    groups: dict[tuple[str, ...], list[_PreparedCsv]] = {}
    for delivery in deliveries:
        prepared = _prepare_csv(contract, delivery, workdir)
        if isinstance(prepared, FileOutcome):
            outcomes[delivery.file_name] = prepared
        else:
            outcomes[delivery.file_name] = prepared.outcome
            groups.setdefault(prepared.headers, []).append(prepared)
    for group in groups.values():
        try:
            con.execute("BEGIN TRANSACTION")
            _land_csv_group(con, contract, group)
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")  # some file of the group is structurally broken: take them one by one
            for prepared in group:
                _land_csv_file(con, contract, prepared)
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
    """Every JSON Lines delivery of a feed in one scan; a line that is not a JSON object is `json_invalid`."""
    outcomes: dict[str, FileOutcome] = {}
    readable: dict[str, landing.Delivery] = {}
    for delivery in deliveries:
        out = outcomes[delivery.file_name] = FileOutcome()
        path = delivery.path
        out.encoding = landing.detect_encoding(path, contract.encodings)
        if out.encoding is None:
            out.rejected = "征信报告文件必须为 UTF-8 编码 / credit report files must be UTF-8"
            continue
        if out.encoding != "utf-8":
            path = landing.transcode_to_utf8(path, out.encoding, workdir / f"{delivery.file_name}.utf8")
        readable[str(path)] = delivery
    if not readable:
        return outcomes
    files = pa.table({"filename": list(readable), "_file_name": [d.file_name for d in readable.values()],
                      "_business_date": [d.business_date for d in readable.values()]})
    con.register("_batch_files", files)
    paths = "[" + ", ".join(lit(p) for p in readable) + "]"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _json_lines AS "
        "SELECT f._file_name, f._business_date, n::INTEGER AS _row_number, rtrim(line, chr(13)) AS _raw FROM ("
        "  SELECT filename, unnest(lines) AS line, unnest(generate_series(1, len(lines))) AS n"
        f"  FROM (SELECT filename, string_split(content, chr(10)) AS lines FROM read_text({paths}))) "
        "JOIN _batch_files f USING (filename) WHERE trim(rtrim(line, chr(13))) <> ''"
    )
    con.unregister("_batch_files")
    fields = ", ".join(f"_json->>{lit(c.json_path)} AS {q(c.header)}" for c in contract.columns
                       if c.name != contract.record_key)
    # A broken line still names its report when the key is legible, so the quarantine can say which.
    key_pattern = lit(f'"{contract.record_key}"\\s*:\\s*"([^"]*)"')
    fields += (f", coalesce(_json->>{lit('$.' + contract.record_key)}, "
               f"nullif(regexp_extract(_raw, {key_pattern}, 1), '')) AS {q(contract.record_key)}")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _json_rows AS SELECT _file_name, _business_date, _row_number, _raw, "
        f"CASE WHEN json_type(_json) = 'OBJECT' THEN NULL ELSE 'json_invalid' END AS _malformed, {fields} "
        f"FROM (SELECT *, CASE WHEN json_type(try_cast(_raw AS JSON)) = 'OBJECT' THEN try_cast(_raw AS JSON) END "
        f"AS _json FROM _json_lines)"
    )
    _insert_rows(con, contract, "_json_rows", {c.header for c in contract.columns} | {"_raw"})
    for file_name, rows in con.execute("SELECT _file_name, count(*) FROM _json_lines GROUP BY ALL").fetchall():
        outcomes[file_name].rows_in = rows
    con.execute("DROP VIEW IF EXISTS _json_rows; DROP TABLE IF EXISTS _json_lines")
    return outcomes
