"""The SQL console (`make sql` and the page SQL 查询) refuses everything but one read-only SELECT on the
published marts and audit tables, each refusal with its reason in Chinese; a runaway query stops at the
timeout; nothing it is asked to do writes a file or changes the warehouse."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from dashboards.sql_console import Console, Limits, Refused, check_plan
from loancode import audit_log
from tests import warehouse_fixture

ROOT = Path(__file__).resolve().parent.parent
CLEAR_NAME, CLEAR_PHONE = "王建国", "13912345678"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The fixture warehouse plus a `restricted` table with clear values and a marts view that leaks it
    (a slip a parse-tree check alone would let through)."""
    path = tmp_path_factory.mktemp("console") / "warehouse.duckdb"
    warehouse_fixture.build_warehouse(path)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema restricted; create schema raw")
        con.execute("create table restricted.applications_pii as select 'E1' as event_id, "
                    f"'{CLEAR_NAME}' as legal_rep_name, '{CLEAR_PHONE}' as contact_phone")
        con.execute("create table raw.applications as select 'E1' as event_id, '王**' as legal_rep_name_masked")
        con.execute("create view marts.leaky as select * from restricted.applications_pii")
    return path


LIMITS = Limits(timeout=2, max_rows=5, download_rows=50, memory_limit="256MB", threads=1)


@pytest.fixture(scope="module")
def console(warehouse):
    with Console(warehouse, LIMITS) as c:
        yield c


REFUSED = {
    "read_csv": ("SELECT * FROM read_csv('/etc/passwd')", "不允许读取文件"),
    "read_text": ("SELECT content FROM read_text('/etc/passwd')", "不允许读取文件"),
    "glob": ("SELECT * FROM glob('/etc/*')", "不允许读取文件"),
    "file_as_table": ("SELECT * FROM '/etc/passwd'", "不允许读取文件"),
    "attach": ("ATTACH '/tmp/other.duckdb' AS other", "不允许 ATTACH"),
    "copy_to": ("COPY (SELECT * FROM marts.indicator_values) TO 'stolen.csv'", "不允许 COPY"),
    "export": ("EXPORT DATABASE 'stolen_dir'", "不允许 EXPORT DATABASE"),
    "install": ("INSTALL httpfs", "不允许安装或加载扩展"),
    "load": ("LOAD httpfs", "不允许安装或加载扩展"),
    "set": ("SET enable_external_access = true", "不允许修改设置"),
    "reset": ("RESET memory_limit", "不允许修改设置"),
    "pragma": ("PRAGMA database_list", "不允许 PRAGMA"),
    "call": ("CALL pragma_database_list()", "不允许 CALL"),
    "getenv": ("SELECT getenv('HOME')", "不允许读取环境变量"),
    "two_statements": ("SELECT 1; SELECT 2", "一次只能提交一条语句"),
    "create": ("CREATE TABLE marts.t AS SELECT 1", "不允许 CREATE"),
    "insert": ("INSERT INTO marts.indicator_catalog SELECT * FROM marts.indicator_catalog", "不允许 INSERT"),
    "update": ("UPDATE marts.indicator_values SET value = 0", "不允许 UPDATE"),
    "delete": ("DELETE FROM audit.quarantine", "不允许 DELETE"),
    "drop": ("DROP TABLE marts.indicator_values", "不允许 DROP"),
    "alter": ("ALTER TABLE marts.dim_city RENAME TO x", "不允许 ALTER"),
    "restricted": ("SELECT * FROM restricted.applications_pii", "不允许查询 restricted"),
    "restricted_qualified": ("SELECT * FROM warehouse.restricted.applications_pii", "不允许查询 restricted"),
    "restricted_in_subquery": ("SELECT * FROM marts.dim_city WHERE city_code IN "
                               "(SELECT event_id FROM restricted.applications_pii)", "不允许查询 restricted"),
    "raw": ("SELECT * FROM raw.applications", "只能查询 marts 与 audit"),
    "catalog": ("SELECT * FROM information_schema.tables", "只能查询 marts 与 audit"),
    "table_function": ("SELECT * FROM duckdb_settings()", "不允许使用表函数"),
    "query_function": ("SELECT * FROM query('SELECT * FROM restricted.applications_pii')", "不允许使用表函数"),
    "view_onto_restricted": ("SELECT * FROM marts.leaky", "不允许查询 restricted"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_the_console_refuses_with_a_reason(console, name):
    sql, reason = REFUSED[name]
    outcome = console.run(sql)
    assert outcome.status == "refused", (sql, outcome.status, outcome.message)
    assert reason in outcome.message
    assert outcome.frame is None


def test_the_plan_layer_stands_on_its_own():
    """Even if the parse-tree check missed a table, the plan's scan of `restricted` is refused."""
    plan = [{"name": "SEQ_SCAN", "children": [], "extra_info": {"Table": "warehouse.restricted.applications_pii"}}]
    with pytest.raises(Refused, match="restricted"):
        check_plan(plan)


def test_the_hardened_connection_refuses_even_without_the_checks(console, tmp_path):
    """Defense in depth: straight on the console's DuckDB (no parse checks), files stay out of reach
    and the configuration cannot be loosened."""
    target = tmp_path / "stolen.csv"
    for sql in (f"COPY (SELECT 1) TO '{target}'", "SELECT * FROM read_csv('/etc/passwd')",
                f"ATTACH '{tmp_path / 'x.duckdb'}' AS x", "SET enable_external_access = true",
                "SET memory_limit = '20GB'", "INSTALL httpfs", "SELECT getenv('HOME')"):
        with pytest.raises(duckdb.Error):
            console.con.execute(sql)
    assert not target.exists() and not (tmp_path / "x.duckdb").exists()


def test_ordinary_queries_answer_with_a_row_cap(console):
    outcome = console.run("SELECT grain_key, value FROM marts.indicator_values WHERE indicator_code = 'O04' "
                          "AND grain = 'city' ORDER BY value DESC;")
    assert outcome.ok and len(outcome.frame) == 50 and len(outcome.shown) == 5
    assert outcome.truncated and "显示前 5 行" in outcome.message
    assert outcome.csv().decode("utf-8-sig").splitlines()[0] == "grain_key,value"
    cte = console.run("WITH c AS (SELECT city_code FROM dim_city) SELECT count(*) AS n FROM c")
    assert cte.ok and cte.frame.iloc[0, 0] == 11
    assert console.run("DESCRIBE audit.quarantine").ok
    assert "marts.indicator_values" in console.table_list and not any("restricted" in t for t in console.table_list)


@pytest.mark.parametrize("sql", [
    "SELECT sum(range) FROM range(10000000000)",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
])
def test_a_runaway_query_stops_at_the_timeout(console, sql):
    outcome = console.run(sql)
    assert outcome.status == "timeout"
    assert "时间限制" in outcome.message
    assert console.run("SELECT 42 AS answer").frame.iloc[0, 0] == 42  # the console goes on


def _files(*roots: Path) -> set[Path]:
    skip = {".venv", ".git", "dbt_project", ".ruff_cache", ".pytest_cache", "__pycache__", "artifacts"}
    out: set[Path] = set()
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in skip]
            out.update(Path(dirpath) / f for f in filenames)
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_sql(statements: str, warehouse: Path, audit: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOANCODE_WAREHOUSE": str(warehouse), "LOANCODE_AUDIT_LOG": str(audit),
           "LOANCODE_SQL_TIMEOUT": "2"}
    return subprocess.run(["make", "--no-print-directory", "-s", "-C", str(ROOT), "sql"], input=statements,
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_make_sql_answers_refuses_goes_on_and_leaves_no_file(warehouse, tmp_path):
    audit = tmp_path / "audit" / "audit_log.sqlite"
    audit_log.connect(audit).close()
    before_hash, before_files = _digest(warehouse), _files(warehouse.parent, ROOT, tmp_path)
    stolen = tmp_path / "stolen.csv"
    attacks = [sql for sql, _ in REFUSED.values() if ";" not in sql]
    statements = "\n".join([
        "SELECT count(*) AS cities FROM marts.dim_city;",
        f"COPY (SELECT * FROM marts.indicator_values) TO '{stolen}';",
        f"EXPORT DATABASE '{tmp_path / 'export'}';",
        "SELECT 1; SELECT 2;",
        *[f"{sql};" for sql in attacks],
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)\nSELECT count(*) FROM r;",
        "SELECT city_name FROM marts.dim_city WHERE city_code = '140100';",
    ]) + "\n"
    result = _make_sql(statements, warehouse, audit, cwd=tmp_path)
    assert result.returncode != 0
    out = result.stdout
    assert "11" in out and "太原市" in out  # the first and the last statement answered: the shell went on
    assert out.count("已拒绝：") == len(attacks) + 3
    assert "不允许 COPY" in out and "不允许 EXPORT DATABASE" in out and "一次只能提交一条语句" in out
    assert "时间限制" in out
    assert CLEAR_NAME not in out and CLEAR_PHONE not in out and "root:" not in out
    assert _digest(warehouse) == before_hash
    assert _files(warehouse.parent, ROOT, tmp_path) == before_files
    events = audit_log.events(action="sql", path=audit)
    assert len(events) == len(attacks) + 6
    assert {e["outcome"] for e in events} == {"success", "refused", "timeout"}


def test_make_sql_exits_zero_when_every_statement_ran(warehouse, tmp_path):
    result = _make_sql("SELECT indicator_code, count(*) AS n FROM marts.indicator_values\nGROUP BY 1 ORDER BY 1;\n"
                       ".tables\n", warehouse, tmp_path / "audit.sqlite")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "D01" in result.stdout and "audit.ingest_files" in result.stdout
    assert "restricted" not in result.stdout
