"""The Dagster code location: one Definitions object for ingest, dbt, matching, publishing, reports and
automation."""

from __future__ import annotations

import os

import dagster as dg

from loancode import config
from pipelines.defs.automation import build_job, daily_build, landing_zone_sensor
from pipelines.defs.ingest.applications import applications
from pipelines.defs.ingest.authorizations import authorizations
from pipelines.defs.ingest.credit_reports import credit_reports
from pipelines.defs.ingest.ledger import ingest_ledger
from pipelines.defs.ingest.register import register
from pipelines.defs.matching import assets as matching_assets
from pipelines.defs.publish import published_warehouse
from pipelines.defs.quality import dq_rule_checks, dq_workflow
from pipelines.defs.reports import monthly_reports, reports_after_publish, reports_job
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.transform.dbt import dbt_resource, loancode_dbt
from pipelines.lib.instance import sqlite_without_sync_per_event

# A run started from the UI records its events as `make build` does (pipelines/lib/instance.py).
sqlite_without_sync_per_event()
# dbt's profile writes the working file; the subprocess dagster-dbt starts inherits this.
os.environ.setdefault("LOANCODE_DBT_DB", str(config.working_path()))

defs = dg.Definitions(
    assets=[applications, register, credit_reports, authorizations, ingest_ledger, loancode_dbt,
            *matching_assets, published_warehouse, dq_workflow, monthly_reports],
    asset_checks=[dq_rule_checks],
    jobs=[build_job, reports_job],
    schedules=[daily_build],
    sensors=[landing_zone_sensor, reports_after_publish],
    resources={"warehouse": WarehouseResource.from_config(), "dbt": dbt_resource()},
)
