"""What the city monthly report says, gathered through the query layer (so the viewer's scope applies).

Every section is a plain table of (header, unit, kind) columns and rows of raw mart values: the XLSX
writes them unrounded (number formats only change the display) and the PDF formats them with
``cell_text`` — the tests read both back and compare with the marts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from dashboards import queries as q
from dashboards.scope import CITY_NAMES, ScopeError, Viewer

# The month's KPIs: every indicator defined at the city grain, in the catalog's order.
KPI_CODES = [
    "D01", "D02", "D03", "R01", "R02", "R03", "R04", "O01", "O02", "O03", "O04", "O05", "O06",
    "O07", "O08", "O09", "O10", "O11", "S01", "S02", "S03", "C01", "K01", "K02",
]  # fmt: skip
COUNTY_CODES = ["D01", "D02", "R01", "R03", "R04", "O01", "O02", "O03", "O04", "O10"]
INSTITUTION_CODES = ["R01", "R02", "R03", "O01", "O02", "O03", "O04", "O10"]
TREND_CODES = ["D02", "O04"]
TREND_MONTHS = 12

# kind → how a value is shown: count (integer), amount (万元, 2 decimals), pct (%, 2 decimals),
# hours (1 decimal), text, date.
UNIT_KIND = {"万元": "amount", "%": "pct", "小时": "hours"}


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"
    unit: str = ""

    @property
    def label(self) -> str:
        return f"{self.header}（{self.unit}）" if self.unit else self.header


@dataclass(frozen=True)
class Figure:
    """One published number and where it comes from: the row (indicator_code, period, grain, grain_key)
    of ``marts.indicator_values`` — or, for counts that are no indicator (alerts), ``source`` names the
    table and ``code`` what was counted. Renderers show ``value``; the bulletin's appendix lists them."""

    value: float | None
    code: str
    grain: str
    key: str
    period: str
    source: str = "marts.indicator_values"


def plain(value):
    """A cell's value without its provenance."""
    return value.value if isinstance(value, Figure) else value


@dataclass
class Section:
    key: str
    title: str
    columns: list[Column]
    rows: list[list]
    note: str = ""


@dataclass
class CityReport:
    city_code: str
    city_name: str
    month: str
    generated_at: str
    sections: list[Section] = field(default_factory=list)
    trend: pd.DataFrame | None = None  # period, indicator_code, name, value (万元)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def title(self) -> str:
        year, month = self.month.split("-")
        return f"{self.city_name}“三晋贷款码”融资对接月报（{int(year)}年{int(month)}月）"


UNITS_NOTE = "金额单位：万元；比率单位：%；时长单位：小时；“—”表示无数据（分母为 0 或基期缺失）"


def kind_of(unit: str) -> str:
    return UNIT_KIND.get(unit, "count")


def row_kind(column: Column, row: list) -> str:
    """A column's kind; ``by_unit`` columns (the KPI sheet) take it from the row's unit (3rd cell)."""
    return kind_of(str(row[2])) if column.kind == "by_unit" else column.kind


def cell_text(value, kind: str) -> str:
    """A value as the PDF prints it (and as the tests expect to read it back)."""
    value = plain(value)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if kind == "count":
        return f"{float(value):,.0f}"
    if kind == "amount":
        return f"{float(value):,.2f}"
    if kind == "pct":
        return f"{float(value):,.2f}"
    if kind == "hours":
        return f"{float(value):,.1f}"
    if kind == "date":
        return str(value)[:10]
    if kind == "datetime":
        return str(value)[:16]
    return str(value)


def _clean(value):
    value = plain(value)
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        value = value.item()
    return value


def report_filename(city: str, month: str, fmt_: str) -> str:
    return f"城市月报_{city}_{CITY_NAMES.get(city, city)}_{month}.{fmt_}"


def _catalog(viewer: Viewer) -> dict[str, tuple[str, str]]:
    cat = q.catalog(viewer)
    return {str(r.code): (str(r.name_zh), str(r.unit)) for r in cat.itertuples(index=False)}


def _kpis(viewer: Viewer, city: str, month: str, cat: dict) -> Section:
    rows_df = q.values(viewer, None, "city", keys=[city], start=month, end=month)
    snap = {r.indicator_code: _clean(r.value) for r in rows_df.itertuples(index=False)}
    rows = []
    for code in KPI_CODES:
        if code not in cat:
            continue
        name, unit = cat[code]
        rows.append([code, name, unit, snap.get(code), snap.get(f"{code}_MOM"), snap.get(f"{code}_YOY"),
                     snap.get(f"{code}_YTD")])
    cols = [Column("指标代码"), Column("指标名称"), Column("单位"), Column("本月", "by_unit"),
            Column("环比", "pct", "%"), Column("同比", "pct", "%"), Column("本年累计", "by_unit")]
    return Section("kpi", "主要指标", cols, rows, "环比、同比为增长率（%）；本年累计为 1 月至本月之和。")


def _wide(df: pd.DataFrame, key: str, name: str, codes: list[str]) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame(columns=[key, name, *codes])
    wide = df.pivot_table(index=[key, name], columns="indicator_code", values="value", aggfunc="first").reset_index()
    for c in codes:
        if c not in wide.columns:
            wide[c] = float("nan")
    return wide[[key, name, *codes]]


def _coded_columns(first: list[Column], codes: list[str], cat: dict) -> list[Column]:
    out = list(first)
    for c in codes:
        name, unit = cat.get(c, (c, ""))
        out.append(Column(name, kind_of(unit), unit))
    return out


def _counties(viewer: Viewer, city: str, month: str, cat: dict) -> Section:
    df = q.county_values(viewer, city, COUNTY_CODES, start=month, end=month)
    names = q.counties(viewer, city)
    wide = _wide(df, "grain_key", "county_name", COUNTY_CODES)
    # every county of the city is listed, a county without activity with dashes
    wide = names.rename(columns={"county_code": "grain_key"}).merge(
        wide.drop(columns=["county_name"]), on="grain_key", how="left"
    )[["grain_key", "county_name", *COUNTY_CODES]]
    rows = [[_clean(v) for v in r] for r in wide.itertuples(index=False)]
    cols = _coded_columns([Column("区县代码"), Column("区县")], COUNTY_CODES, cat)
    return Section("counties", "区县", cols, rows)


def _institutions(viewer: Viewer, city: str, month: str, cat: dict) -> Section:
    df = q.breakdown(viewer, "institution", INSTITUTION_CODES, city=city, start=month, end=month)
    wide = _wide(df, "member_key", "member_name", INSTITUTION_CODES)
    wide = wide.sort_values("O04", ascending=False, na_position="last", kind="stable")
    rows = [[_clean(v) for v in r] for r in wide.itertuples(index=False)]
    cols = _coded_columns([Column("机构编码"), Column("机构名称")], INSTITUTION_CODES, cat)
    return Section("institutions", "机构", cols, rows, "在本市受理、授信或放款的机构（按首次受理机构归属）。")


OVERDUE_COLUMNS = [
    ("application_id", Column("需求编号")),
    ("county_name", Column("区县")),
    ("submitted_at", Column("提交时间", "datetime")),
    ("response_deadline_date", Column("响应期限", "date")),
    ("days_past_deadline", Column("超期天数", "count", "天")),
    ("amount_wan", Column("需求金额", "amount", "万元")),
    ("entity_type", Column("主体类型")),
    ("uscc_masked", Column("统一社会信用代码（脱敏）")),
    ("product_name", Column("产品")),
    ("product_institution_name", Column("产品所属机构")),
]


def _overdue(viewer: Viewer, city: str, month: str) -> Section:
    df = q.overdue_demands(viewer, city, month)
    cols = [c for _, c in OVERDUE_COLUMNS]
    if df.empty:
        return Section("overdue", "超时未响应需求", cols, [], "本月末无超时未响应的融资需求。")
    rows = [[_clean(r[k]) for k, _ in OVERDUE_COLUMNS] for r in df.to_dict("records")]
    for row in rows:
        for i, (_, c) in enumerate(OVERDUE_COLUMNS):
            if c.kind in {"date", "datetime"} and row[i] is not None:
                row[i] = cell_text(row[i], c.kind)
    return Section("overdue", "超时未响应需求", cols, rows,
                   f"{month} 月末超过 3 个工作日响应期限仍未受理、拒绝或撤回的需求，共 {len(rows)} 笔（即 R04）。")


def _alerts(viewer: Viewer, city: str) -> Section:
    df = q.city_alerts(viewer, city)
    cols = [Column("预警编号"), Column("规则"), Column("级别"), Column("数据源/模型"), Column("对象类型"),
            Column("对象"), Column("首次发现", "datetime"), Column("最近发现", "datetime"),
            Column("次数", "count", "次"), Column("说明")]
    if df is None:
        return Section("alerts", "合规预警", cols, [], "仓库中尚无合规预警表（marts.dq_alerts），本节暂缺。")
    keys = ["alert_id", "rule_code", "severity", "feed_or_model", "entity_type", "entity_key", "first_seen",
            "last_seen", "occurrences", "detail"]
    rows = []
    for r in df.to_dict("records"):
        row = [_clean(r[k]) for k in keys]
        row[6], row[7] = cell_text(row[6], "datetime"), cell_text(row[7], "datetime")
        rows.append(row)
    note = f"本市未处理的合规预警 {len(rows)} 条。" if rows else "本市暂无未处理的合规预警。"
    return Section("alerts", "合规预警", cols, rows, note)


def _trend(viewer: Viewer, city: str, month: str, city_months: list[str], cat: dict) -> pd.DataFrame:
    months = [m for m in city_months if m <= month][-TREND_MONTHS:]
    if not months:
        return pd.DataFrame(columns=["period", "indicator_code", "name", "value"])
    df = q.values(viewer, TREND_CODES, "city", keys=[city], start=months[0], end=month)
    df["name"] = df["indicator_code"].map(lambda c: cat.get(c, (c, ""))[0])
    return df[["period", "indicator_code", "name", "value"]].reset_index(drop=True)


def city_report_data(viewer: Viewer, city: str, month: str) -> CityReport:
    """Everything the report shows for ``city`` in ``month``; a city office may only ask for its own."""
    if city not in CITY_NAMES:
        raise ScopeError(f"未知的地市代码：{city}")
    viewer.check_city(city)
    city_months = q.values(viewer, ["D01"], "city", keys=[city])["period"].tolist()
    if month not in city_months:
        span = f"{city_months[0]} 至 {city_months[-1]}" if city_months else "无"
        raise ValueError(f"{month} 没有指标数据（可选月份：{span}）")
    cat = _catalog(viewer)
    names = q.cities(viewer).set_index("city_code")["city_name"].to_dict()
    report = CityReport(
        city_code=city,
        city_name=names.get(city, CITY_NAMES[city]),
        month=month,
        generated_at=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    from dashboards.reports.attribution import attribution_section
    from dashboards.reports.promotion import promotion_codes_section, promotion_section

    report.sections = [
        _kpis(viewer, city, month, cat),
        _counties(viewer, city, month, cat),
        _institutions(viewer, city, month, cat),
        _overdue(viewer, city, month),
        _alerts(viewer, city),
        attribution_section(viewer, month, city=city),
        promotion_section(viewer, month, city=city),
        promotion_codes_section(viewer, month, city),
    ]
    report.trend = _trend(viewer, city, month, city_months, cat)
    return report
