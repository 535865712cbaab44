"""变动归因 as a report section: each indicator's month-on-month change in an area, the rate and mix effects
of the ratios, and the top three contributors in words (marts.rpt_indicator_attribution, docs/attribution.md).

    attribution_section(viewer, "2025-09", city="140100")   # a city: by county and by institution
    attribution_section(viewer, "2025-09")                  # the province (the 通报): by city and by institution

Self-contained over the query layer (the viewer's scope applies); returns a ``Section`` of reports.data.
"""

from __future__ import annotations

from collections.abc import Iterable

from dashboards import format as fmt
from dashboards import queries as q
from dashboards.reports.data import KPI_CODES, Column, Section, _catalog, _clean
from dashboards.scope import PROVINCE_CODE, Viewer


def attribution_section(
    viewer: Viewer, month: str, *, city: str | None = None, codes: Iterable[str] | None = None
) -> Section:
    """One row per indicator (``codes``, default the 24 KPIs and P01–P08; those with no grain below the area
    are left out) with the catalog's name and unit: this month, the previous month, the change, its rate and
    mix effects (ratios, summed over the geography's members), and its top three contributors by the
    geography below (a city's counties, the province's cities) and by institution."""
    grain, key = ("province", PROVINCE_CODE) if city is None else ("city", city)
    geography = "city" if city is None else "county"
    cat = _catalog(viewer)
    wanted = [c for c in (codes or [*KPI_CODES, *q.P_CODES]) if c in cat]
    rows_df = q.attribution(viewer, month, grain, key, codes=wanted, dimensions=[geography, "institution"])
    rows = []
    for code in wanted:
        part = rows_df[rows_df["indicator_code"] == code]
        if part.empty:
            continue
        name, unit = cat[code]
        first = part.iloc[0]
        words = {}
        for dimension in (geography, "institution"):
            members = part[part["dimension"] == dimension].sort_values("contribution_rank")
            words[dimension] = fmt.attribution_words(
                list(zip(members["member_name"], members["contribution"], strict=True)), first["change"], unit)
        geo = part[part["dimension"] == geography]
        is_ratio = first["method"] == "ratio" and not geo.empty
        rows.append([
            code, name, unit, _clean(first["value"]), _clean(first["previous_value"]), _clean(first["change"]),
            _clean(geo["rate_effect"].sum()) if is_ratio else None,
            _clean(geo["mix_effect"].sum()) if is_ratio else None,
            words[geography], words["institution"],
        ])
    where = "地市" if city is None else "区县"
    cols = [Column("指标代码"), Column("指标名称"), Column("单位"), Column("本月", "by_unit"),
            Column("上月", "by_unit"), Column("较上月变化", "by_unit"), Column("其中：比率效应", "by_unit"),
            Column("其中：结构效应", "by_unit"), Column(f"主要来自（按{where}）"), Column("主要来自（按机构）")]
    note = (f"较上月的变化分解到各{where}与各机构（marts.rpt_indicator_attribution）：总量类指标为各自的变化，"
            "比率类指标（%、小时）按对称两因素法分为比率效应与结构效应（两者之和等于变化，比率类的变化以百分点计）；"
            "列出与变化同向的前三位。")
    return Section("attribution", "变动归因", cols, rows, note)
