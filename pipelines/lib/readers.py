"""Readers: one delivery file → rows appended to a landed table in DuckDB, every value VARCHAR as delivered.

A landed table (`_landed_<contract>`) has provenance (`_file_name`, `_business_date`,
`_row_number`), one VARCHAR column per contract column (matched by name; absent ones NULL), and
`_malformed`: NULL for a readable row, else the rule of a row that could not even be split into fields
(`csv_malformed`, `json_invalid`) or `file_rejected` for the rows of a refused file. A reader returns
what happened to the file; it never raises for bad content.
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


def landed_table(contract: Contract) -> str:
    return f"_landed_{contract.name}"


def create_landed(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    cols = ", ".join(f"{q(c.name)} VARCHAR" for c in contract.columns)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {landed_table(contract)} (_file_name VARCHAR, _business_date DATE, "
        f"_row_number INTEGER, _malformed VARCHAR, _raw VARCHAR, {cols})"
    )


def _insert(con, contract: Contract, delivery: landing.Delivery, source, malformed: str | None):
    """Append rows whose columns are file headers (a DuckDB relation name, or an Arrow table);
    contract columns are matched by header name, absent ones are NULL."""
    if isinstance(source, pa.Table):
        con.register("_arrow_in", source)
        name, present = "_arrow_in", set(source.column_names)
    else:
        name = source
        present = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
    select = []
    for c in contract.columns:
        select.append(f"{q(c.header)}::VARCHAR AS {q(c.name)}" if c.header in present else f"NULL AS {q(c.name)}")
    raw = "_raw" if "_raw" in present else "NULL"
    malformed_sql = "_malformed" if "_malformed" in present else ("NULL" if malformed is None else lit(malformed))
    con.execute(
        f"INSERT INTO {landed_table(contract)} SELECT {lit(delivery.file_name)}, "
        f"{lit(str(delivery.business_date)) if delivery.business_date else 'NULL'}::DATE, "
        f"_row_number, {malformed_sql}, {raw}, {', '.join(select)} FROM {name}"
    )
    if name == "_arrow_in":
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


def _csv_strict(con, path: Path, headers: list[str]) -> str:
    """The fast path: DuckDB's parallel reader, every column VARCHAR, no sniffing, strict structure."""
    columns = "{" + ", ".join(f"{lit(f'c{i}')}: 'VARCHAR'" for i in range(len(headers))) + "}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _csv_file AS SELECT * FROM read_csv({lit(str(path))}, "
        f"columns={columns}, header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
        f"strict_mode=true, max_line_size={MAX_LINE}, all_varchar=true)"
    )
    renamed = ", ".join(f"c{i} AS {q(h)}" for i, h in enumerate(headers))
    # A freshly created table keeps the file's row order (insertion order), so rowid is the row number.
    con.execute(f"CREATE OR REPLACE TEMP VIEW _csv_rows AS SELECT (rowid + 1)::INTEGER AS _row_number, {renamed} "
                "FROM _csv_file")
    return "_csv_rows"


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


def read_csv(con, contract: Contract, delivery: landing.Delivery, workdir: Path) -> FileOutcome:
    out = FileOutcome()
    path = delivery.path
    if path.stat().st_size == 0:
        out.rejected = "文件为空（0 字节） / empty file (0 bytes)"
        return out
    out.encoding = landing.detect_encoding(path, contract.encodings)
    if out.encoding is None:
        out.rejected = ("无法识别的文件编码或非文本文件（仅接受 UTF-8、带 BOM 的 UTF-8、GB18030/GBK） / "
                        "unrecognised encoding or not a text file (accepted: UTF-8, UTF-8 with BOM, GB18030/GBK)")
        return out
    if out.encoding != "utf-8":
        path = landing.transcode_to_utf8(path, out.encoding, workdir / f"{delivery.file_name}.utf8")
    headers = _csv_header(path, "utf-8")
    if len(set(headers)) != len(headers):
        seen: dict[str, int] = {}
        for i, h in enumerate(headers):  # a repeated header keeps its first column; later ones are extras
            seen[h] = seen.get(h, 0) + 1
            headers[i] = h if seen[h] == 1 else f"{h}#{seen[h]}"
    known = {c.header for c in contract.columns}
    extra = [h for h in headers if h not in known]
    if extra:
        out.warnings.append(f"忽略未约定的列：{'、'.join(extra)} / ignored unknown columns: {', '.join(extra)}")
    missing = _missing(contract.required_headers, headers)
    try:
        rows = _csv_strict(con, path, headers)
        out.rows_in = con.execute(f"SELECT count(*) FROM {rows}").fetchone()[0]
    except duckdb.Error:
        rows = _csv_tolerant(path, headers)
        out.rows_in = rows.num_rows
        bad = sum(1 for m in rows.column("_malformed").to_pylist() if m)
        if bad:
            out.warnings.append(f"{bad} 行字段数与表头不符 / {bad} rows with a wrong number of fields")
    if missing:
        out.rejected = _missing_message(missing)
    _insert(con, contract, delivery, rows, "file_rejected" if missing else None)
    con.execute("DROP VIEW IF EXISTS _csv_rows; DROP TABLE IF EXISTS _csv_file")
    return out


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
    if delivery.path.stat().st_size == 0:
        out.rejected = "文件为空（0 字节） / empty file (0 bytes)"
        return out
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


def read_jsonl(con, contract: Contract, delivery: landing.Delivery, workdir: Path) -> FileOutcome:
    """One report per line; a line that is not a JSON object is kept as `json_invalid`."""
    out = FileOutcome()
    path = delivery.path
    if path.stat().st_size == 0:
        out.rejected = "文件为空（0 字节） / empty file (0 bytes)"
        return out
    out.encoding = landing.detect_encoding(path, contract.encodings)
    if out.encoding is None:
        out.rejected = "征信报告文件必须为 UTF-8 编码 / credit report files must be UTF-8"
        return out
    if out.encoding != "utf-8":
        path = landing.transcode_to_utf8(path, out.encoding, workdir / f"{delivery.file_name}.utf8")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _json_lines AS "
        "SELECT n::INTEGER AS _row_number, rtrim(line, chr(13)) AS _raw FROM ("
        "  SELECT unnest(lines) AS line, unnest(generate_series(1, len(lines))) AS n"
        f"  FROM (SELECT string_split(content, chr(10)) AS lines FROM read_text({lit(str(path))})))"
        " WHERE trim(rtrim(line, chr(13))) <> ''"
    )
    fields = ", ".join(f"_json->>{lit(c.json_path)} AS {q(c.header)}" for c in contract.columns
                       if c.name != contract.record_key)
    # A broken line still names its report when the key is legible, so the quarantine can say which.
    key_pattern = lit(f'"{contract.record_key}"\\s*:\\s*"([^"]*)"')
    fields += (f", coalesce(_json->>{lit('$.' + contract.record_key)}, "
               f"nullif(regexp_extract(_raw, {key_pattern}, 1), '')) AS {q(contract.record_key)}")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _json_rows AS SELECT _row_number, _raw, "
        f"CASE WHEN json_type(_json) = 'OBJECT' THEN NULL ELSE 'json_invalid' END AS _malformed, {fields} "
        f"FROM (SELECT *, CASE WHEN json_type(try_cast(_raw AS JSON)) = 'OBJECT' THEN try_cast(_raw AS JSON) END "
        f"AS _json FROM _json_lines)"
    )
    out.rows_in = con.execute("SELECT count(*) FROM _json_lines").fetchone()[0]
    _insert(con, contract, delivery, "_json_rows", None)
    con.execute("DROP VIEW IF EXISTS _json_rows; DROP TABLE IF EXISTS _json_lines")
    return out
