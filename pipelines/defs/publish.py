"""Publishing: the finished working file replaces the published warehouse by an atomic rename."""


from pathlib import Path

import dagster as dg

from pipelines.defs.matching import KEYS as MATCHING_KEYS
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.defs.transform.dbt import loancode_dbt
from pipelines.lib import warehouse as wh


@dg.asset(
    key=dg.AssetKey(["published_warehouse"]),
    deps=[loancode_dbt, *MATCHING_KEYS],
    group_name="publish",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    description="已发布的只读仓库文件（原子替换）/ The published, read-only warehouse file (atomic rename).",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    work, published = Path(warehouse.working), Path(warehouse.published)
    wh.publish(work, published)
    context.log.info(f"已发布 / published {published}")
    return dg.MaterializeResult(metadata={"path": str(published), "bytes": published.stat().st_size})
