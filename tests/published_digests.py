"""A fingerprint of every relation the warehouse publishes (schemas marts and audit), to prove that a
refactoring leaves every published number as it was.

For each relation: its columns, its row count, and an order-independent digest of its rows (the sum
of the rows' hashes; doubles rounded to 9 decimals so that a last-bit difference in a parallel sum is
not a change). Columns that say *when* a build ran, not what it computed, are left out.

    python -m tests.published_digests --update   # after a deliberate change of the numbers (e.g. the generator)

writes tests/expected/published_digests.json from the shared small province of tests/built_province.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

EXPECTED = Path(__file__).resolve().parent / "expected" / "published_digests.json"
PUBLISHED_SCHEMAS = ("marts", "audit")
RUN_TIME_COLUMNS = {"loaded_at", "scored_at", "run_at", "published_at", "built_at", "generated_at"}


def _expression(column: str, data_type: str) -> str:
    quoted = '"' + column.replace('"', '""') + '"'
    return f"round({quoted}, 9)" if data_type in ("DOUBLE", "FLOAT") else quoted


def digests(warehouse: Path) -> dict[str, dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns: dict[str, list[tuple[str, str]]] = {}
        for schema, table, column, data_type in con.execute(
                "select table_schema, table_name, column_name, data_type from information_schema.columns "
                f"where table_schema in {PUBLISHED_SCHEMAS} order by table_schema, table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(f"{schema}.{table}", []).append((column, data_type))
        out = {}
        for relation, cols in sorted(columns.items()):
            kept = [(c, t) for c, t in cols if c not in RUN_TIME_COLUMNS]
            row_hash = f"hash({', '.join(_expression(c, t) for c, t in kept)})"
            rows, digest = con.execute(
                f"select count(*), coalesce(sum({row_hash}::hugeint), 0)::varchar from {relation}").fetchone()
            out[relation] = {"columns": [c for c, _ in cols], "rows": rows, "digest": digest}
        return out
    finally:
        con.close()


def main() -> int:
    if "--update" not in sys.argv[1:]:
        print(__doc__)
        return 2
    import tempfile

    from tests.built_province import PROVINCE
    from tests.pipeline_runner import run_build

    from sample_province.build import Params, generate

    with tempfile.TemporaryDirectory() as tmp:
        landing, published = Path(tmp) / "landing", Path(tmp) / "warehouse.duckdb"
        generate(Params(out=landing, **PROVINCE))
        result = run_build(landing, published)
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
            return 1
        EXPECTED.write_text(json.dumps(digests(published), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
