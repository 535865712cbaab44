"""Opening the published warehouse: read-only, one connection per query, cached by file mtime.

Nothing outside ``dashboards/queries`` opens the warehouse. The cache key contains the file's path,
mtime and size, so a newly published build (atomic rename → new mtime) is read on the next rerun.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # `streamlit run dashboards/app.py` puts only dashboards/ on the path
    sys.path.insert(0, str(_ROOT))

from pipelines.config import warehouse_path

CACHE_TTL_SECONDS = 600

MISSING_MESSAGE = "仓库尚未构建，请先运行 make build"


class WarehouseMissing(FileNotFoundError):
    """The published warehouse file does not exist (yet)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{MISSING_MESSAGE}（未找到 {path}）")
        self.path = path


class WarehouseUnavailable(RuntimeError):
    """The warehouse exists but cannot answer (being replaced, or a published table is missing)."""


Stamp = tuple[str, int, int]


def stamp() -> Stamp:
    """(path, mtime_ns, size) of the published warehouse; raises WarehouseMissing."""
    path = warehouse_path()
    try:
        st_ = path.stat()
    except FileNotFoundError:
        raise WarehouseMissing(path) from None
    if not path.is_file():
        raise WarehouseMissing(path)
    return (str(path), st_.st_mtime_ns, st_.st_size)


def warehouse_exists() -> bool:
    try:
        stamp()
    except WarehouseMissing:
        return False
    return True


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(path, read_only=True)
    except duckdb.IOException as exc:
        raise WarehouseUnavailable(
            f"仓库暂时无法打开（可能正在发布新版本），请稍后刷新。详情：{exc}"
        ) from exc


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _cached_query(path: str, mtime_ns: int, size: int, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    con = _connect(path)
    try:
        return con.execute(sql, list(params)).df()
    except duckdb.CatalogException as exc:
        raise WarehouseUnavailable(f"仓库中缺少已发布的表或列，请重新构建仓库。详情：{exc}") from exc
    finally:
        con.close()


def query(sql: str, params: tuple[Any, ...] | list[Any] = ()) -> pd.DataFrame:
    """Run one read-only query against the published warehouse (cached per file version)."""
    path, mtime_ns, size = stamp()
    return _cached_query(path, mtime_ns, size, sql, tuple(params)).copy()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _cached_columns(path: str, mtime_ns: int, size: int) -> dict[str, list[str]]:
    con = _connect(path)
    try:
        rows = con.execute(
            "select table_schema || '.' || table_name, column_name from information_schema.columns "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def columns(table: str) -> list[str]:
    """Column names of ``schema.table`` in the published warehouse; [] if the table is absent."""
    path, mtime_ns, size = stamp()
    return list(_cached_columns(path, mtime_ns, size).get(table, []))


def has_table(table: str, *required: str) -> bool:
    cols = columns(table)
    return bool(cols) and all(c in cols for c in required)
