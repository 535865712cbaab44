"""The dbt project as Dagster assets (dagster-dbt), keyed [schema, relation] so lineage reads as the warehouse does.

dbt's sources `raw.*` get the keys `raw/<table>`, the same keys the ingest assets produce, so
ingest → staging → intermediate → marts is one graph.
"""


import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from loancode.config import DBT_PROJECT_DIR
from pipelines.defs.resources import WAREHOUSE_POOL

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
def loancode_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """dbt build: seeds, models and their data tests, on the working warehouse file. dbt's unit tests
    check our SQL, not the data: `make test` runs them (tests/test_dbt_build.py), builds need not."""
    yield from dbt.cli(["build", "--exclude", "resource_type:unit_test"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    # The venv's own dbt, whether or not the venv's bin is on PATH.
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                          dbt_executable=str(Path(sys.executable).with_name("dbt")))
