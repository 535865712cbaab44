"""The clear personal information of a built warehouse (schema `restricted`), and finding it in text.

Text is cut into runs of digits and runs of Chinese characters. A phone is found when a digit run equals
it; a name of three or more characters when it appears anywhere inside a run; a two-character name only
when it is a whole run (a two-character name can be part of an ordinary word). The same rule runs in
Python (pages, downloads) and in DuckDB (every column of the warehouse)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

HAN = re.compile(r"[\u4e00-\u9fff]+")
DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ClearValues:
    names: frozenset[str]
    phones: frozenset[str]

    @property
    def long_lengths(self) -> list[int]:
        return sorted({len(n) for n in self.names if len(n) >= 3})

    def found_in(self, text: str) -> list[str]:
        hits = [d for d in DIGITS.findall(text) if d in self.phones]
        for run in HAN.findall(text):
            if run in self.names:
                hits.append(run)
                continue
            hits += [run[i:i + n] for n in self.long_lengths for i in range(len(run) - n + 1)
                     if run[i:i + n] in self.names]
        return hits


def clear_values(warehouse: Path) -> ClearValues:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT DISTINCT legal_rep_name, contact_phone FROM restricted.applications_pii").fetchall()
    names = frozenset(r[0] for r in rows if r[0])
    phones = frozenset(r[1] for r in rows if r[1])
    assert names and phones, "the built warehouse should hold clear personal information in restricted"
    return ClearValues(names, phones)


def leaks_in_warehouse(warehouse: Path, clear: ClearValues) -> list[str]:
    """`schema.table.column` of every non-restricted column holding a clear value (one pass in DuckDB)."""
    skip_types = ("DATE", "TIMESTAMP", "BOOLEAN", "DOUBLE", "FLOAT", "DECIMAL", "TIME", "INTERVAL")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [c for c in con.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema <> 'restricted' AND table_catalog = current_database() ORDER BY 1, 2, 3").fetchall()
            if not c[3].upper().startswith(skip_types)]
        con.register("clear_names", pd.DataFrame({"v": sorted(clear.names)}))
        con.register("clear_phones", pd.DataFrame({"v": sorted(clear.phones)}))
        values = " UNION ALL ".join(
            f"SELECT DISTINCT '{s}.{t}.{c}' AS src, CAST(\"{c}\" AS VARCHAR) AS v FROM \"{s}\".\"{t}\" "
            f"WHERE \"{c}\" IS NOT NULL" for s, t, c, _ in columns)
        lengths = ", ".join(str(n) for n in clear.long_lengths) or "0"
        found = con.execute(f"""
            WITH vals AS ({values}),
            runs AS (SELECT src, unnest(regexp_extract_all(v, '[\\x{{4e00}}-\\x{{9fff}}]+')) AS r FROM vals),
            digits AS (SELECT src, unnest(regexp_extract_all(v, '[0-9]+')) AS d FROM vals),
            pieces AS (SELECT src, substr(r, i, n) AS p FROM runs, (SELECT unnest([{lengths}]) AS n) AS l,
                       range(1, length(r) - n + 2) AS t(i) WHERE length(r) >= n)
            SELECT DISTINCT src FROM runs JOIN clear_names ON r = clear_names.v
            UNION SELECT DISTINCT src FROM pieces JOIN clear_names ON p = clear_names.v
            UNION SELECT DISTINCT src FROM digits JOIN clear_phones ON d = clear_phones.v
            ORDER BY 1""").fetchall()
    return [r[0] for r in found]
