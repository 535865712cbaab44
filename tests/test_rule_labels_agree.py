"""The labels of the listing rules live in one seed, dbt_project/seeds/dq_rules.csv (listing_flag,
listing_label_zh), published as marts.dq_rule_catalog. Until the product pages read them from there, the
copy in dashboards/queries/reporting.py (RULE_COLUMNS) must say the same: same flags, same labels."""

from __future__ import annotations

import csv

from dashboards.queries.reporting import RULE_COLUMNS
from pipelines.config import SEEDS_DIR


def test_page_labels_of_the_listing_rules_are_the_seeds():
    with (SEEDS_DIR / "dq_rules.csv").open(encoding="utf-8", newline="") as f:
        seed = {r["listing_flag"]: r["listing_label_zh"] for r in csv.DictReader(f) if r["listing_flag"]}
    assert seed == RULE_COLUMNS
