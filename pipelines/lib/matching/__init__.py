"""Matching (docs/matching.md): which listed products fit which small businesses, and why.

dbt builds the profiles, eligibility and the first stage's shortlist (models/intermediate/matching);
this package learns the ranking model, scores the shortlist, writes the reasons and measures the result.
The Dagster assets are in pipelines/defs/matching.
"""

import os

# XGBoost's OpenMP threads spin while they wait for work by default: on a 2-core machine shared with
# DuckDB and other processes that makes training several times slower. Set before xgboost is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
