"""The shape every feed's ingest asset shares: take in the feed's new and re-delivered files."""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.


import tempfile
from pathlib import Path

import dagster as dg

from pipelines.defs.partitions import BUSINESS_MONTHS, SINGLE_RUN, run_window
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.lib import ge_suites, loader, suite_results
from loancode.contracts import for_feed


def raw_keys(feed: str) -> list[dg.AssetKey]:
    """Asset keys of the feed's raw tables; they equal dbt's source keys so lineage is one graph."""
    return [dg.AssetKey(["raw", c.name]) for c in for_feed(feed)]


def build_feed_asset(feed: str, description: str) -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(key, group_name="ingest", kinds={"duckdb"}, description=description,
                     metadata={"contract": f"data_contracts/{key.path[-1]}.odcs.yaml"})
        for key in raw_keys(feed)
    ]

    checks = [dg.AssetCheckSpec("contract_suite", asset=key, blocking=True,
                                description="Great Expectations suite built from the data contract, on the "
                                            "partitions this run loaded")
              for key in raw_keys(feed)]

    @dg.multi_asset(name=f"ingest_{feed}", specs=specs, check_specs=checks, pool=WAREHOUSE_POOL,
                    partitions_def=BUSINESS_MONTHS, backfill_policy=SINGLE_RUN)
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        landing = Path(warehouse.landing)
        rejected_dir = Path(warehouse.published).parent / "rejected"

        def progress(done: int, total: int) -> None:
            if done == total or done % max(total // 10, 1) == 0:
                context.log.info(f"{feed}: {done}/{total} 个文件 / files")

        with warehouse.connect() as con, tempfile.TemporaryDirectory() as workdir:
            results = loader.load_feed(con, landing, feed, Path(workdir), rejected_dir, progress,
                                       window=run_window(context))
            loaded = sorted({r.business_date for r in results if r.status != "rejected"})
            outcomes = {c.name: _run_suite(con, c, loaded) for c in for_feed(feed)}
            suite_results.record(con, feed, outcomes, loaded)  # dbt raises failures in marts.dq_alerts
            table_rows = {c.name: con.execute(f"SELECT count(*) FROM raw.{c.name}").fetchone()[0]
                          for c in for_feed(feed)}
        for r in results:
            if r.status == "rejected":
                context.log.warning(f"拒收 / refused {r.file_name}: {r.message}")
        summary = {
            "files_taken_in": len(results),
            "files_rejected": sum(r.status == "rejected" for r in results),
            "rows_in": sum(r.rows_in for r in results),
            "rows_loaded": sum(r.rows_loaded for r in results),
            "rows_quarantined": sum(r.rows_quarantined for r in results),
        }
        for key in raw_keys(feed):  # dagster/row_count: the raw table's rows after this run (every partition)
            yield dg.MaterializeResult(asset_key=key,
                                       metadata={**summary, "dagster/row_count": table_rows[key.path[-1]]})
        for key in raw_keys(feed):
            outcome = outcomes[key.path[-1]]
            yield dg.AssetCheckResult(
                check_name="contract_suite", asset_key=key, passed=outcome.success,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"partitions": len(loaded), "rows": outcome.rows, "expectations": outcome.evaluated,
                          "failed": outcome.failed})

    return _ingest


# Rows GE takes into pandas at once: a build's partitions are judged in batches of at most this many rows,
# so memory stays flat however much a build takes in (a 10M-event province in one batch peaked at 11.5 GB).
SUITE_BATCH_ROWS = 500_000


def _run_suite(con, contract, dates: list[str]) -> ge_suites.SuiteOutcome:
    """The contract's GE suite over the partitions this run loaded (none loaded: nothing to judge), in batches
    of whole partitions of at most SUITE_BATCH_ROWS rows (a larger partition is a batch of its own)."""
    listed = ", ".join(f"DATE '{d}'" for d in dates)
    sizes = con.execute(f"SELECT _business_date::VARCHAR, count(*) FROM raw.{contract.name} "
                        f"WHERE _business_date IN ({listed}) GROUP BY ALL ORDER BY 1").fetchall() if dates else []
    batches: list[list[str]] = [[]]
    rows = 0
    for day, count in sizes:
        if batches[-1] and rows + count > SUITE_BATCH_ROWS:
            batches.append([])
            rows = 0
        batches[-1].append(day)
        rows += count
    outcomes = []
    for days in (b for b in batches if b):
        frame = con.sql(f"SELECT {', '.join(ge_suites.columns(contract))} FROM raw.{contract.name} WHERE _business_date IN "
                        f"({', '.join(f'DATE {chr(39)}{d}{chr(39)}' for d in days)})").df()
        outcomes.append(ge_suites.validate(contract, frame))
    return ge_suites.SuiteOutcome(success=all(o.success for o in outcomes),
                                  evaluated=max((o.evaluated for o in outcomes), default=0),
                                  failed=[f for o in outcomes for f in o.failed], rows=sum(o.rows for o in outcomes))
