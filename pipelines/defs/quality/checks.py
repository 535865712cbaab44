"""Every rule of the catalog (seed dq_rules) as an asset check on the asset it concerns.

dbt computes the alerts (`marts.dq_alerts`); these checks only count them per rule, so the Dagster UI
shows e.g. `unlawful_credit_queries` on `marts/fct_credit_queries`. A rule with alerts fails its check:
severity ERROR for critical rules (the run's check status turns red), WARN for the others. Never
blocking: a compliance problem is data to act on, not a reason to stop publishing.
"""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.

import csv
from pathlib import Path

import dagster as dg
import duckdb

from loancode.config import SEEDS_DIR
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource

RULES_SEED = SEEDS_DIR / "dq_rules.csv"
ALERTS_KEY = dg.AssetKey(["marts", "dq_alerts"])
SAMPLE = 10


def load_rules(path: Path = RULES_SEED) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def asset_key_of(feed_or_model: str) -> dg.AssetKey:
    """`marts.fct_credit_queries` -> marts/fct_credit_queries (dbt assets are keyed [schema, relation])."""
    return dg.AssetKey(feed_or_model.split("."))


def check_severity(severity: str) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if severity == "critical" else dg.AssetCheckSeverity.WARN


RULES = load_rules()

SPECS = [
    dg.AssetCheckSpec(
        r["rule_code"], asset=asset_key_of(r["feed_or_model"]), additional_deps=[ALERTS_KEY], blocking=False,
        description=f"{r['name_zh']}（{r['severity']}，{r['owner_role']}）: {r['enforces']}",
        metadata={"severity": r["severity"], "owner_role": r["owner_role"], "family": r["family"]},
    )
    for r in RULES
]


def _open(warehouse: WarehouseResource) -> duckdb.DuckDBPyConnection:
    """The working file right after dbt; the published one if publishing already renamed it."""
    for path in (Path(warehouse.working), Path(warehouse.published)):
        if path.exists():
            try:
                return duckdb.connect(str(path), read_only=True)
            except duckdb.IOException:
                continue
    raise FileNotFoundError(f"no warehouse at {warehouse.working} or {warehouse.published}")


@dg.multi_asset_check(specs=SPECS, name="dq_rule_checks", pool=WAREHOUSE_POOL)
def dq_rule_checks(warehouse: WarehouseResource):
    with _open(warehouse) as con:
        rows = con.execute(
            "SELECT rule_code, count(*), sum(occurrences), list(entity_key ORDER BY last_seen DESC, entity_key)"
            f"[1:{SAMPLE}] FROM marts.dq_alerts GROUP BY rule_code").fetchall()
    found = {r[0]: r[1:] for r in rows}
    for rule in RULES:
        alerts, occurrences, sample = found.get(rule["rule_code"], (0, 0, []))
        yield dg.AssetCheckResult(
            check_name=rule["rule_code"], asset_key=asset_key_of(rule["feed_or_model"]), passed=alerts == 0,
            severity=check_severity(rule["severity"]),
            description=f"{rule['name_zh']}：{alerts} 条告警" if alerts else f"{rule['name_zh']}：无告警",
            metadata={"alerts": int(alerts), "occurrences": int(occurrences or 0), "sample_entities": list(sample or []),
                      "severity": rule["severity"], "owner_role": rule["owner_role"]},
        )
