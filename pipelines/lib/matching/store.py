"""The published matching tables (docs/warehouse.md), written by the matching assets into the working
warehouse: their columns once, here, and each written whole in one transaction, rows in a fixed order.

- marts.match_model            the model that scores this warehouse: file, training window, metrics
- marts.match_recommendations  top 10 eligible products per enterprise (the bureau reads it)
- marts.product_prospects      top 100 enterprises per listed product
- marts.match_evaluation       the held-out evaluation of this run (its scoring date, cut-off and model)
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

TABLES = {
    "match_model": {
        "scored_at": "date", "model_file": "varchar", "cutoff_date": "date", "training_start": "date",
        "training_end": "date", "training_demands": "bigint", "training_pairs": "bigint", "features": "varchar[]",
        "params": "varchar", "train_ndcg_at_10": "double", "holdout_ndcg_at_10": "double",
    },
    "match_recommendations": {
        "uscc": "varchar", "product_id": "varchar", "rank": "integer", "score": "double", "reasons": "varchar",
        "scored_at": "date",
    },
    "product_prospects": {
        "product_id": "varchar", "uscc": "varchar", "rank": "integer", "score": "double", "reasons": "varchar",
        "scored_at": "date",
    },
    "match_evaluation": {
        "scored_at": "date", "cutoff_date": "date", "holdout_start": "date", "holdout_end": "date",
        "model_file": "varchar", "section": "varchar", "method": "varchar", "metric": "varchar",
        "value": "double", "bin_lower": "double", "bin_upper": "double", "pairs": "bigint",
    },
}
ORDER = {
    "match_model": "scored_at",
    "match_recommendations": "uscc, rank nulls first, product_id",
    "product_prospects": "product_id, rank",
    "match_evaluation": "scored_at, section, method, metric, bin_lower nulls first",
}


def _create(con: duckdb.DuckDBPyConnection, table: str) -> None:
    columns = ", ".join(f'"{c}" {t}' for c, t in TABLES[table].items())
    con.execute("create schema if not exists marts")
    con.execute(f"create table if not exists marts.{table} ({columns})")


def replace(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table, presorted: bool = False) -> None:
    """Replace the table's rows with `rows` (cast to the table's columns), stored in ORDER; `presorted`:
    the rows already are in that order (millions of rows need no second sort)."""
    columns = list(TABLES[table])
    missing = set(columns) - set(rows.column_names)
    if missing:
        raise ValueError(f"marts.{table}: rows lack {sorted(missing)}")
    casts = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in TABLES[table].items())
    con.execute("begin")
    try:
        _create(con, table)
        con.register("incoming_rows", rows.select(columns))
        con.execute(f"delete from marts.{table}")
        order = "" if presorted else f" order by {ORDER[table]}"
        con.execute(f"insert into marts.{table} select {casts} from incoming_rows{order}")
        con.unregister("incoming_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
