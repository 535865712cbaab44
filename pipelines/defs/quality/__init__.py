"""Quality and compliance alerts in Dagster: one asset check per rule of the catalog, and the
stewards' workflow reconciled after every publish."""

from pipelines.defs.quality.checks import dq_rule_checks
from pipelines.defs.quality.reconcile import dq_workflow

__all__ = ["dq_rule_checks", "dq_workflow"]
