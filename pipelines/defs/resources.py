"""Resources shared by the assets: the working warehouse file and the dbt CLI."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from loancode import config
from pipelines.lib import build_lock, warehouse

# Every asset that writes the warehouse takes a slot in this pool; its limit is 1 (dagster.yaml).
WAREHOUSE_POOL = "warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """Where a run writes (the working file) and what it publishes to. A run holds the warehouse's build
    lock from its start to its end: a second build of the same warehouse is refused (build_lock)."""

    published: str
    working: str
    landing: str

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        try:
            build_lock.acquire(Path(self.published))
        except build_lock.BuildRunning as exc:
            raise dg.Failure(str(exc)) from None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        build_lock.release(Path(self.published))

    def connect(self) -> duckdb.DuckDBPyConnection:
        work = warehouse.ensure_working_copy(Path(self.published), Path(self.working), Path(self.landing))
        # the ceiling dbt has too: the matching assets read tens of millions of pairs through this connection
        return duckdb.connect(str(work), config={"memory_limit": config.build_memory_limit()})

    @classmethod
    def from_config(cls) -> WarehouseResource:
        return cls(
            published=str(config.warehouse_path()),
            working=str(config.working_path()),
            landing=str(config.landing_dir()),
        )
