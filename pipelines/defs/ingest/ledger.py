"""The loaders' ledger: `raw.ingest_log` and `raw.row_quarantine`, written by every feed's ingest.

Its check proves feeds.md's promise file by file: rows in = rows loaded + rows quarantined, and every
quarantined row of a file is in the quarantine.
"""


import dagster as dg

from pipelines.defs.ingest.feed_asset import raw_keys
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from loancode import feeds
from pipelines.lib import loader

LEDGER = [dg.AssetKey(["raw", table.name]) for table in feeds.LEDGER]


@dg.multi_asset(
    name="ingest_ledger",
    specs=[dg.AssetSpec(k, group_name="ingest", kinds={"duckdb"}, deps=[key for f in feeds.names() for key in raw_keys(f)])
           for k in LEDGER],
    check_specs=[dg.AssetCheckSpec("rows_balance", asset=LEDGER[0], blocking=True)],
    pool=WAREHOUSE_POOL,
)
def ingest_ledger(warehouse: WarehouseResource):
    with warehouse.connect() as con:
        loader.ensure_tables(con)
        unbalanced = con.execute(
            "SELECT file_name FROM raw.ingest_log WHERE rows_in <> rows_loaded + rows_quarantined").fetchall()
        files, refused = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'rejected') FROM raw.ingest_log").fetchone()
        missing = con.execute(
            "SELECT l.file_name FROM raw.ingest_log l LEFT JOIN (SELECT feed, file_name, business_date, count(*) n "
            "FROM raw.row_quarantine GROUP BY ALL) q USING (feed, file_name, business_date) "
            "WHERE l.is_current AND l.rows_quarantined <> coalesce(q.n, 0)").fetchall()
    for key in LEDGER:
        yield dg.MaterializeResult(asset_key=key, metadata={"deliveries": files, "refused": refused})
    yield dg.AssetCheckResult(
        check_name="rows_balance", asset_key=LEDGER[0], passed=not unbalanced and not missing,
        metadata={"unbalanced_files": [r[0] for r in unbalanced], "quarantine_mismatch": [r[0] for r in missing]},
    )
