"""After publishing: bring the stewards' workflow store up to date with the new alerts."""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.

import sqlite3
from pathlib import Path

import dagster as dg
import duckdb

from loancode.config import workflow_db_path
from pipelines.defs.publish import published_warehouse
from pipelines.defs.resources import WarehouseResource
from loancode import workflow


@dg.asset(
    key=dg.AssetKey(["dq_workflow"]),
    deps=[published_warehouse],
    group_name="publish",
    kinds={"sqlite"},
    description="数据质量告警处理状态（仓库之外的 SQLite）：已解决又再次出现的告警自动重新打开 / "
                "The stewards' alert workflow store, reconciled with the published dq_alerts.",
)
def dq_workflow(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    # The warehouse is already published: a problem with the workflow store must not fail the build.
    try:
        alerts = workflow.read_published_alerts(Path(warehouse.published))
        reopened = workflow.reconcile(alerts)
    except (duckdb.Error, sqlite3.Error, OSError) as exc:
        context.log.warning(f"告警处理状态未能更新 / workflow store not reconciled: {exc}")
        return dg.MaterializeResult(metadata={"error": str(exc)})
    if reopened:
        context.log.info(f"自动重新打开 {len(reopened)} 条告警 / reopened: {reopened}")
    return dg.MaterializeResult(metadata={"alerts": len(alerts), "reopened": len(reopened),
                                          "store": str(workflow_db_path())})
