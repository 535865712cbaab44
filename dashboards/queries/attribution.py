"""What moved each number (变动归因): rows of ``marts.rpt_indicator_attribution`` for one area and month,
inside the viewer's scope (a city office: its own city only; the province is the province scope's).

Columns: indicator_code, period, previous_period, grain, grain_key, dimension, member_key, member_name,
is_residual, method, unit, value, previous_value, change, member_value, member_previous_value,
member_weight, member_previous_weight, rate_effect, mix_effect, contribution, contribution_rank
(docs/attribution.md).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboards.queries._db import has_table, query
from dashboards.queries.indicators import add_code_and_period_filters
from dashboards.scope import Viewer

ATTRIBUTION = "marts.rpt_indicator_attribution"
COLUMNS = [
    "indicator_code", "period", "previous_period", "grain", "grain_key", "dimension", "member_key", "member_name",
    "is_residual", "method", "unit", "value", "previous_value", "change", "member_value", "member_previous_value",
    "member_weight", "member_previous_weight", "rate_effect", "mix_effect", "contribution", "contribution_rank",
]  # fmt: skip


def _check_area(viewer: Viewer, grain: str, key: str) -> None:
    if grain == "city":
        viewer.check_city(key)
    else:
        viewer.check_grain(grain)


def attribution(
    viewer: Viewer,
    period: str,
    grain: str,
    key: str,
    *,
    codes: Iterable[str] | None = None,
    dimensions: Iterable[str] | None = None,
    top: int | None = None,
) -> pd.DataFrame:
    """The contributions to the change of ``grain``/``key`` (``province``/140000 or ``city``/<code>) from the
    previous month to ``period``, by member, in rank order; ``top`` keeps the first ``top`` of each
    (indicator, dimension). Empty when the warehouse has no attribution mart."""
    _check_area(viewer, grain, key)
    if not has_table(ATTRIBUTION, "indicator_code", "contribution_rank"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    clauses, params = ["grain = ?", "grain_key = ?"], [grain, key]
    add_code_and_period_filters(clauses, params, codes, period, period)
    if dimensions is not None:
        clauses.append("list_contains(?, dimension)")
        params.append([str(d) for d in dimensions])
    if top is not None:
        clauses.append("contribution_rank <= ?")
        params.append(int(top))
    return query(
        f"select {', '.join(COLUMNS)} from {ATTRIBUTION} where " + " and ".join(f"({c})" for c in clauses)
        + " order by indicator_code, dimension, contribution_rank",
        params,
    )
