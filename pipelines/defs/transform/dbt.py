"""The dbt project as Dagster assets (dagster-dbt), keyed [schema, relation] so lineage reads as the warehouse does.

dbt's sources `raw.*` get the keys `raw/<table>`, the same keys the ingest assets produce, so
ingest → staging → intermediate → marts is one graph.
"""


import hashlib
import sys
from collections.abc import Mapping
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from loancode.config import DBT_PROJECT_DIR
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.lib import loader
from pipelines.lib.row_rules import sql_identifier

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


class SchemaKeyedTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        # keyed as the relation is published: [schema, alias] (marts/indicator_values, not fct_indicator_values)
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema")
        return dg.AssetKey([schema, dbt_resource_props.get("alias") or dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = dbt_resource_props.get("config", {}).get("schema") or "transform"
        return f"dbt_{schema}"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=SchemaKeyedTranslator(),
    pool=WAREHOUSE_POOL,
)
def loancode_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """dbt build: seeds, models and their data tests, on the working warehouse file. dbt's unit tests
    check our SQL, not the data: `make test` runs them (tests/test_dbt_build.py), builds need not.

    Each table's materialization carries its row count (`dagster/row_count`), counted once dbt has
    finished: while it runs, dbt's process holds the DuckDB file, so dagster-dbt's own `fetch_row_counts`
    (a query per model during the run) cannot open it. Views get none: counting would run them."""
    digest = project_digest(DBT_PROJECT_DIR)
    whole = set(context.selected_asset_keys) == set(context.assets_def.keys)
    with warehouse.connect() as con:
        loader.ensure_tables(con)  # raw.applications_touched, dbt's source of the touched applications
        full = not whole or built_digest(con) != digest
    context.log.info("dbt: 全量重建 / full refresh" if full else "dbt: 增量 / incremental (touched applications)")
    args = ["build", "--exclude", "resource_type:unit_test", *(["--full-refresh"] if full else [])]
    invocation = dbt.cli(args, context=context)
    events = []
    try:
        events.extend(invocation.stream())
    except Exception:
        yield from events  # what dbt did build is still recorded; the step fails
        raise
    if whole:  # every model is built from the raw layer as it is now: the next increment starts from here
        with warehouse.connect() as con:
            record_built(con, digest, full)
    yield from with_row_counts(events, invocation.manifest, Path(warehouse.working))


# The daily increment (docs/performance.md): dbt's incremental models recompute only the touched applications
# (int_applications_touched) when the dbt project is the one that built them; else the build is a full refresh.
BUILT_STATE = "raw.dbt_built"
PROJECT_SKIPPED = {"target", "logs", "dbt_packages"}


def project_digest(project_dir: Path) -> str:
    """What the incremental models' rows depend on besides the raw layer: every file of the dbt project
    (models, macros, seeds such as divisions and the calendars, vars in dbt_project.yml, tests) and the
    versions of dbt and DuckDB."""
    digest = hashlib.sha256()
    for package in ("dbt-core", "dbt-duckdb", "duckdb"):
        digest.update(f"{package}=={installed_version(package)}\n".encode())
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if (path.is_file() and relative.parts[0] not in PROJECT_SKIPPED
                and not any(part.startswith(".") for part in relative.parts)):
            digest.update(f"{relative.as_posix()}\n{path.stat().st_size}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def built_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    """The project digest of the dbt build that made this warehouse's models; None if unknown (a first build,
    `--fresh`, a warehouse built before the increment was incremental): then dbt runs with --full-refresh."""
    known = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' "
                                       "AND table_name IN ('dbt_built', 'dbt_built_products')").fetchall()}
    if known != {"dbt_built", "dbt_built_products"}:
        return None
    row = con.execute(f"SELECT project_digest FROM {BUILT_STATE}").fetchone()
    return row[0] if row else None


def record_built(con: duckdb.DuckDBPyConnection, digest: str, full: bool) -> None:
    """After a successful build of every model: the project that built them, whether it was a full refresh and
    how many applications an increment recomputed; the register's products as they were described (what
    int_applications_touched compares the next build's with: every column but last_snapshot_date); and no
    application left touched."""
    con.execute("BEGIN TRANSACTION")
    con.execute(f"CREATE OR REPLACE TABLE {BUILT_STATE} AS SELECT ?::VARCHAR AS project_digest, ? AS full_refresh, "
                "(SELECT count(*) FROM intermediate.int_applications_touched) AS touched_applications",
                [digest, full])
    con.execute("CREATE OR REPLACE TABLE raw.dbt_built_products AS "
                "SELECT * EXCLUDE (last_snapshot_date) FROM intermediate.int_products_resolved")
    con.execute("DELETE FROM raw.applications_touched")
    con.execute("COMMIT")


COUNTED = {"table", "incremental", "seed"}


def with_row_counts(events: list, manifest: Mapping[str, Any], database: Path) -> list:
    """`events` with `dagster/row_count` added to the outputs of the tables, seeds and incremental models."""
    relations = {}
    for event in events:
        node = manifest["nodes"].get(_unique_id(event) or "")
        if node and (node["resource_type"] == "seed" or node["config"].get("materialized") in COUNTED):
            relations[node["unique_id"]] = f"{sql_identifier(node['schema'])}.{sql_identifier(node['alias'])}"
    if not relations:
        return events
    with duckdb.connect(str(database), read_only=True) as con:
        counts = dict(con.execute(" UNION ALL ".join(
            f"SELECT '{unique_id}', count(*) FROM {relation}" for unique_id, relation in relations.items())).fetchall())
    return [_with_row_count(event, counts.get(_unique_id(event))) for event in events]


def _unique_id(event) -> str | None:
    if isinstance(event, dg.Output) and "unique_id" in event.metadata:
        return event.metadata["unique_id"].value
    return None


def _with_row_count(event, rows: int | None):
    if rows is None:
        return event
    return dg.Output(event.value, event.output_name, metadata={**event.metadata, "dagster/row_count": rows},
                     data_version=event.data_version, tags=event.tags)


class VenvDbtCliResource(DbtCliResource):
    """The venv's own dbt, without two fixed costs dagster-dbt pays before every dbt step, a full build's
    and a day's alike: `dbt --version` in a child process (~3 s of dbt's imports; the version is the
    installed dbt-core's) and a dbt adapter opened in this process with the project's macros (~2 s), which
    dagster-dbt needs only to fetch column metadata or row counts during the run — we count rows after it
    (`with_row_counts`): while dbt runs, its process holds the DuckDB file."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 (dagster-dbt's signature)
        return None


def dbt_resource() -> DbtCliResource:
    # The venv's own dbt, whether or not the venv's bin is on PATH.
    return VenvDbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                          dbt_executable=str(Path(sys.executable).with_name("dbt")))
