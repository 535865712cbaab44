"""Opening the published warehouse: one read-only connection per published file version, a cursor per
query, results cached by file version.

Nothing outside ``dashboards/queries`` opens the warehouse. A build publishes by atomic rename, so the
file's (path, mtime, size) names one version: the cache key contains it, and the open connection is
replaced when it changes. Keeping the connection open (instead of one per query) keeps DuckDB's catalog
and buffer pool warm, which is most of an uncached query's time; the old file version stays readable
through it until the swap, because a renamed-over file lives on while it is open.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from loancode.config import warehouse_path

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


class _Connection:
    """The one open read-only connection, for one file version. Streamlit runs each session in its own
    thread: each query takes its own cursor, and the swap to a new version waits for queries in flight,
    because DuckDB hands a connect() of the same path the instance still open."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._stamp: Stamp | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._in_flight = 0

    def cursor(self, version: Stamp) -> duckdb.DuckDBPyConnection:
        with self._changed:
            if self._stamp != version:
                self._changed.wait_for(lambda: self._in_flight == 0)
                self._close()
                try:
                    self._con = duckdb.connect(version[0], read_only=True)
                except duckdb.IOException as exc:
                    raise WarehouseUnavailable(
                        f"仓库暂时无法打开（可能正在发布新版本），请稍后刷新。详情：{exc}"
                    ) from exc
                self._stamp = version
            self._in_flight += 1
            return self._con.cursor()

    def done(self, cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.close()
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def release(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._in_flight == 0)
            self._close()

    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
        self._con, self._stamp = None, None


_connection = _Connection()


def release() -> None:
    """Close the open connection (a writer in this same process needs the file to itself)."""
    _connection.release()


def _fetch(version: Stamp, sql: str, params: list[Any], fetch):
    cursor = _connection.cursor(version)
    try:
        return fetch(cursor.execute(sql, params))
    except duckdb.CatalogException as exc:
        raise WarehouseUnavailable(f"仓库中缺少已发布的表或列，请重新构建仓库。详情：{exc}") from exc
    finally:
        _connection.done(cursor)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _cached_query(path: str, mtime_ns: int, size: int, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    return _fetch((path, mtime_ns, size), sql, list(params), lambda r: r.df())


def query(sql: str, params: tuple[Any, ...] | list[Any] = ()) -> pd.DataFrame:
    """Run one read-only query against the published warehouse (cached per file version)."""
    path, mtime_ns, size = stamp()
    return _cached_query(path, mtime_ns, size, sql, tuple(params)).copy()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _cached_columns(path: str, mtime_ns: int, size: int) -> dict[str, list[str]]:
    rows = _fetch(
        (path, mtime_ns, size),
        "select table_schema || '.' || table_name, column_name from information_schema.columns "
        "order by table_schema, table_name, ordinal_position",
        [],
        lambda r: r.fetchall(),
    )
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
