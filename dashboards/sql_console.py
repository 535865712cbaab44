"""The SQL console: one read-only SELECT at a time on the de-identified published data, behind both
`make sql` (``python -m dashboards.sql_console``) and the page SQL 查询.

Each submission goes through independent layers, so that one slip does not leak:

1. **Statement type** — DuckDB's own parser (``duckdb.extract_statements``): exactly one statement, and it
   must be a SELECT. COPY, EXPORT, ATTACH/DETACH, INSTALL/LOAD, SET/RESET/USE, PRAGMA, CALL, DDL, DML,
   transactions… are refused, each with its reason in Chinese.
2. **Parse tree** — ``json_serialize_sql`` gives the SELECT's tree: every table it names must be a
   published table of ``marts`` or ``audit`` (or a CTE of the statement); every table function must be
   one of ``range``/``generate_series``/``unnest`` (no ``read_csv``, ``read_text``, ``glob``, ``query``…);
   no function that reads the host (``getenv``, ``current_setting``).
3. **Plan** — ``EXPLAIN`` lists the tables DuckDB would really scan (through views too): none may be in
   ``restricted``.
4. **Hardened DuckDB** — a private in-memory database that attaches the warehouse READ_ONLY, then
   ``enable_external_access = false`` (no file, no ATTACH, no COPY TO, no extension download),
   extension autoload/autoinstall off, no spilling to disk (``temp_directory = ''``), its own memory
   limit and threads, and ``lock_configuration = true`` so nothing can be SET back.
5. **Limits** — a timer interrupts DuckDB after ``LOANCODE_SQL_TIMEOUT`` seconds; at most
   ``LOANCODE_SQL_MAX_ROWS`` rows are shown (``LOANCODE_SQL_DOWNLOAD_ROWS`` kept for the CSV).

Nothing here writes a file: the warehouse is opened read-only and DuckDB is told never to spill.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from loancode import config

ALLOWED_SCHEMAS = ("marts", "audit")
CATALOG = "warehouse"
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
HOST_FUNCTIONS = {"getenv": "读取环境变量", "current_setting": "读取系统设置"}
FILE_FUNCTION_PREFIXES = ("read_", "glob", "parquet_", "sniff_csv", "iceberg_", "delta_")
KNOWN_REFS = {"BASE_TABLE", "JOIN", "SUBQUERY", "TABLE_FUNCTION", "EXPRESSION_LIST", "EMPTY", "EMPTY_FROM",
              "PIVOT", "SHOW_REF"}

READ_ONLY = "控制台只允许一条只读查询（SELECT）。"
STATEMENT_REASONS = {
    "COPY": "不允许 COPY：控制台不能把数据写入文件或从文件读入。",
    "EXPORT": "不允许 EXPORT DATABASE：控制台不能导出仓库。",
    "ATTACH": "不允许 ATTACH：控制台只能查询已发布的仓库，不能挂载其他数据库或文件。",
    "DETACH": "不允许 DETACH。",
    "LOAD": "不允许安装或加载扩展（INSTALL/LOAD）。",
    "SET": "不允许修改设置（SET/RESET/USE）：控制台的设置已锁定。",
    "VARIABLE_SET": "不允许修改设置（SET VARIABLE）。",
    "PRAGMA": "不允许 PRAGMA。",
    "CALL": "不允许 CALL（含 CHECKPOINT 等系统过程）。",
    "CREATE": "不允许 CREATE：" + READ_ONLY,
    "ALTER": "不允许 ALTER：" + READ_ONLY,
    "DROP": "不允许 DROP：" + READ_ONLY,
    "INSERT": "不允许 INSERT：" + READ_ONLY,
    "UPDATE": "不允许 UPDATE：" + READ_ONLY,
    "DELETE": "不允许 DELETE：" + READ_ONLY,
    "MERGE_INTO": "不允许 MERGE：" + READ_ONLY,
    "TRANSACTION": "不允许事务语句（BEGIN/COMMIT）：" + READ_ONLY,
    "VACUUM": "不允许 VACUUM：" + READ_ONLY,
    "ANALYZE": "不允许 ANALYZE：" + READ_ONLY,
    "EXPLAIN": "不允许 EXPLAIN：" + READ_ONLY,
    "MULTI": "不允许 PIVOT 语句等多步语句：请改写为 SELECT … FROM (PIVOT …)。",
}


class Refused(Exception):
    """A submission the console will not run. The message says why, in Chinese."""


@dataclass
class Outcome:
    """What became of one submission: ``ok``, ``refused``, ``failed`` or ``timeout``."""

    sql: str
    status: str
    message: str = ""
    frame: pd.DataFrame | None = None  # at most ``download_rows`` rows
    shown_rows: int = 0
    truncated: bool = False  # the result had more rows than ``frame`` holds
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def shown(self) -> pd.DataFrame | None:
        return None if self.frame is None else self.frame.head(self.shown_rows)

    def csv(self) -> bytes:
        """The result as CSV (UTF-8 with BOM, so Excel reads the Chinese)."""
        return (self.frame if self.frame is not None else pd.DataFrame()).to_csv(index=False).encode("utf-8-sig")


@dataclass
class Limits:
    timeout: float = field(default_factory=config.sql_timeout_seconds)
    max_rows: int = field(default_factory=config.sql_max_rows)
    download_rows: int = field(default_factory=config.sql_download_rows)
    memory_limit: str = field(default_factory=config.sql_memory_limit)
    threads: int = field(default_factory=config.sql_threads)


def _walk(node) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def check_statement_type(sql: str) -> None:
    """Layer 1: exactly one statement, a SELECT (DuckDB's own parser)."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise Refused(f"语法错误：{_first_line(exc)}") from None
    if not statements:
        raise Refused("没有可执行的语句。")
    if len(statements) > 1:
        raise Refused(f"一次只能提交一条语句（本次提交含 {len(statements)} 条）。")
    kind = statements[0].type.name
    if kind != "SELECT":
        raise Refused(STATEMENT_REASONS.get(kind, f"不允许 {kind} 语句：" + READ_ONLY))


def check_tree(tree: dict, tables: set[tuple[str, str]]) -> None:
    """Layer 2: every table named is a published marts/audit table or a CTE, every table function is
    allowed, no function reads the host. ``tables`` holds the allowed (schema, table) pairs."""
    if tree.get("error"):
        raise Refused(f"无法解析该查询：{tree.get('error_message', '')}")
    ctes = {entry["key"].lower() for node in _walk(tree) if isinstance(node.get("cte_map"), dict)
            for entry in node["cte_map"].get("map", []) if isinstance(entry, dict) and "key" in entry}
    names = {t for _, t in tables}
    for node in _walk(tree):
        kind = node.get("type")
        if "sample" in node and "alias" in node and kind not in KNOWN_REFS:  # a table reference
            raise Refused(f"不支持的查询结构（{kind}）。")
        if kind == "BASE_TABLE":
            _check_table(node, tables, names, ctes)
        elif kind == "TABLE_FUNCTION":
            name = str((node.get("function") or {}).get("function_name", "")).lower()
            if name.startswith(FILE_FUNCTION_PREFIXES) or name in {"glob", "read_text", "read_blob"}:
                raise Refused(f"不允许读取文件（{name}）：控制台只能查询仓库中已发布的表。")
            if name not in TABLE_FUNCTIONS:
                raise Refused(f"不允许使用表函数 {name}()：只允许 {'、'.join(sorted(TABLE_FUNCTIONS))}。")
        elif kind == "SHOW_REF" and node.get("query") is None:
            raise Refused("不允许 SHOW：可查询的表见 .tables 或页面上的表清单。")
        elif node.get("class") == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if name in HOST_FUNCTIONS:
                raise Refused(f"不允许{HOST_FUNCTIONS[name]}（{name}）。")
            if name.startswith(FILE_FUNCTION_PREFIXES) or name.startswith(("json_execute", "query")):
                raise Refused(f"不允许使用函数 {name}()。")


def _check_table(node: dict, tables: set[tuple[str, str]], names: set[str], ctes: set[str]) -> None:
    catalog = str(node.get("catalog_name") or "").lower()
    schema = str(node.get("schema_name") or "").lower()
    table = str(node.get("table_name") or "").lower()
    shown = ".".join(p for p in (catalog, schema, table) if p)
    if any(ch in table for ch in "/\\'") or table.endswith((".csv", ".parquet", ".json", ".jsonl", ".txt",
                                                               ".tsv", ".xlsx", ".db", ".duckdb", ".gz")):
        raise Refused(f"不允许读取文件（{table}）：控制台只能查询仓库中已发布的表。")
    if catalog not in ("", CATALOG):
        raise Refused(f"只能查询已发布仓库中 marts 与 audit 的表，不允许查询 {shown}。")
    if schema == "restricted":
        raise Refused("不允许查询 restricted：个人信息明文只在该 schema，控制台不可见。")
    if not schema:
        if table in ctes or table in names:
            return
        raise Refused(f"表 {table} 不存在或不可查询（可查询的表见 .tables）。")
    if schema not in ALLOWED_SCHEMAS:
        raise Refused(f"只能查询 marts 与 audit 中已发布的表，不允许查询 {shown}。")
    if (schema, table) not in tables:
        raise Refused(f"表 {schema}.{table} 不存在（可查询的表见 .tables）。")


def check_plan(plan: list) -> None:
    """Layer 3: nothing the plan scans lies in ``restricted`` (a view could reach it)."""
    for node in _walk(plan):
        info = node.get("extra_info")
        scanned = info.get("Table") if isinstance(info, dict) else None
        if isinstance(scanned, str) and ".restricted." in f".{scanned.lower()}":
            raise Refused("不允许查询 restricted：个人信息明文只在该 schema，控制台不可见。")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class Console:
    """A hardened read-only DuckDB on the published warehouse. Use as a context manager."""

    def __init__(self, warehouse: Path | str | None = None, limits: Limits | None = None) -> None:
        self.path = Path(warehouse) if warehouse is not None else config.warehouse_path()
        self.limits = limits or Limits()
        if not self.path.is_file():
            raise FileNotFoundError(f"仓库尚未构建：{self.path}（请先运行 make build）")
        self.con = duckdb.connect(":memory:", config={
            "autoload_known_extensions": False,
            "autoinstall_known_extensions": False,
            "allow_community_extensions": False,
            "memory_limit": self.limits.memory_limit,
            "threads": int(self.limits.threads),
            "temp_directory": "",
        })
        try:
            quoted = str(self.path).replace("'", "''")
            self.con.execute(f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")
            self.con.execute(f"USE {CATALOG}")
            rows = self.con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
                "AND schema_name IN ('marts', 'audit') UNION SELECT schema_name, view_name FROM duckdb_views() "
                "WHERE database_name = ? AND schema_name IN ('marts', 'audit') ORDER BY 1, 2",
                [CATALOG, CATALOG]).fetchall()
            self.tables = {(s.lower(), t.lower()) for s, t in rows}
            self.table_list = [f"{s}.{t}" for s, t in rows]
            schemas = [s for s in ALLOWED_SCHEMAS if any(schema == s for schema, _ in self.tables)]
            if schemas:  # unqualified names resolve to the published schemas only
                self.con.execute("SET search_path = '" + ",".join(f"{CATALOG}.{s}" for s in schemas) + "'")
            self.con.execute("SET enable_external_access = false")
            self.con.execute("SET lock_configuration = true")
        except BaseException:
            self.con.close()
            raise

    def __enter__(self) -> Console:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def check(self, sql: str) -> None:
        """Layers 1–3; raises Refused."""
        check_statement_type(sql)
        tree = json.loads(self.con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
        check_tree(tree, self.tables)
        try:
            plan = self.con.execute("EXPLAIN (FORMAT JSON) " + sql.strip().rstrip(";")).fetchall()
        except duckdb.Error:
            return  # the statement itself will fail with DuckDB's message when run
        check_plan(json.loads(plan[0][1]) if plan else [])

    def run(self, sql: str) -> Outcome:
        started = time.monotonic()
        try:
            self.check(sql)
        except Refused as exc:
            return Outcome(sql, "refused", str(exc), seconds=time.monotonic() - started)
        timer = threading.Timer(self.limits.timeout, self.con.interrupt)
        timer.daemon = True
        timer.start()
        try:
            cursor = self.con.execute(sql)
            rows = cursor.fetchmany(self.limits.download_rows + 1)
            columns = _unique([d[0] for d in cursor.description or []])
        except duckdb.InterruptException:
            return Outcome(sql, "timeout", f"查询超过 {self.limits.timeout:g} 秒的时间限制，已中止。请缩小查询范围。",
                           seconds=time.monotonic() - started)
        except duckdb.OutOfMemoryException:
            return Outcome(sql, "failed", f"查询超出控制台的内存上限（{self.limits.memory_limit}），已中止。",
                           seconds=time.monotonic() - started)
        except duckdb.Error as exc:
            return Outcome(sql, "failed", f"查询失败：{_first_line(exc)}", seconds=time.monotonic() - started)
        finally:
            timer.cancel()
        truncated = len(rows) > self.limits.download_rows
        frame = pd.DataFrame.from_records(rows[: self.limits.download_rows], columns=columns)
        shown = min(len(frame), self.limits.max_rows)
        note = f"共 {len(frame):,} 行" + ("以上" if truncated else "")
        if shown < len(frame) or truncated:
            note += f"，显示前 {shown:,} 行"
        return Outcome(sql, "ok", note, frame, shown, truncated or shown < len(frame),
                       time.monotonic() - started)


def _unique(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


# --- make sql --------------------------------------------------------------------------------------------

HELP = "以 ; 结束语句，.tables 列出可查询的表，.quit 退出 / end statements with ;"


def _print_frame(outcome: Outcome, out) -> None:
    frame = outcome.shown
    with pd.option_context("display.max_columns", None, "display.width", 200, "display.max_colwidth", 60):
        print(frame.to_string(index=False) if frame is not None and len(frame.columns) else "(无列)", file=out)
    print(f"-- {outcome.message}", file=out)


def shell(lines, out=sys.stdout, *, warehouse: Path | str | None = None, limits: Limits | None = None,
          interactive: bool = False, on_outcome=None) -> int:
    """Run statements from ``lines`` (each ends with ``;``). Returns 0 when every statement ran, 1 when
    any was refused or failed (the shell goes on after either)."""
    try:
        console = Console(warehouse, limits)
    except FileNotFoundError as exc:
        print(str(exc), file=out)
        return 1
    bad = 0
    with console:
        if interactive:
            print(f"只读 SQL 控制台 / read-only console: {console.path}\n{HELP}", file=out)
        buffer: list[str] = []
        for line in lines:
            stripped = line.strip()
            if not buffer and stripped in (".quit", ".exit"):
                break
            if not buffer and stripped == ".tables":
                print("\n".join(console.table_list), file=out)
                continue
            if not buffer and not stripped:
                continue
            buffer.append(line.rstrip("\n"))
            if not stripped.endswith(";"):
                continue
            outcome = console.run("\n".join(buffer))
            buffer.clear()
            if on_outcome is not None:
                on_outcome(outcome)
            if outcome.ok:
                _print_frame(outcome, out)
            else:
                bad += 1
                label = "已拒绝" if outcome.status == "refused" else "错误"
                print(f"{label}：{outcome.message}", file=out)
        if buffer and "".join(buffer).strip():
            bad += 1
            print("已拒绝：最后一条语句没有以 ; 结束，未执行。", file=out)
    return 1 if bad else 0


def _input_lines(interactive: bool) -> Iterator[str]:
    if not interactive:
        yield from sys.stdin
        return
    while True:
        try:
            yield input("loancode> ")
        except EOFError:
            return


def main() -> int:
    import getpass

    from loancode import audit_log

    interactive = sys.stdin.isatty()
    who = f"shell:{getpass.getuser()}"

    def audit(outcome: Outcome) -> None:
        audit_log.record(who, "shell", "sql", "success" if outcome.ok else outcome.status, target=outcome.sql,
                         detail=outcome.message)

    return shell(_input_lines(interactive), interactive=interactive, on_outcome=audit)


if __name__ == "__main__":
    sys.exit(main())
