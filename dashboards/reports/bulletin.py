"""The monthly 通报 (bulletin) of the leading group: what the province did in a month, who leads and who
lags, which institutions must answer for overdue demands, what the compliance alerts say.

    data = bulletin_data(Viewer("province"), "2025-05")
    pdf_bytes, docx_bytes = to_pdf(data), to_docx(data)

The bulletin is a list of parts rendered in order (``PARTS``). Each part is one registered builder that
returns its tables and the sentences it adds to the narrative; adding a part is one registration:

    @part("promotion", "贷款码推广", order=40)
    def _promotion(ctx: Context) -> Part: ...

Orders in use: 10 headline, 20 变动归因 (what moved the headline figures), 30 city ranking, 40 贷款码推广
(promotion by the QR code's issuer type), 50 institutions, 60 alerts.

Every number that comes from the warehouse is a ``Figure`` (indicator code, grain, member, period —
or the alerts table and rule): the appendix lists each one, so a reader can find its row in
``marts.indicator_values``; derived numbers (ranks, percentage-point changes) say how they were derived.
Reads go through the query layer; the bulletin is for the province scope only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from dashboards import format as fmt
from dashboards import queries as q
from dashboards.reports.data import Column, Figure, Section, cell_text, kind_of, plain
from dashboards.scope import ScopeError, Viewer
from loancode.divisions import PROVINCE_CODE

HEADLINE_CODES = ["D01", "D02", "R01", "R03", "O01", "O02", "O03", "O04", "O07", "O10", "O11", "R04", "S03", "K02"]
# The bureau's key indicators for the city ranking: volume, first loans, service (larger is better).
RANKING_CODES = ["O04", "D02", "O07", "R03", "O10"]
# Institutions the bulletin names: any overdue unanswered demand at the month's end (R04 ≥ 1, by the
# product's institution), or an on-time response rate (R03) under 80 % on at least 5 accepted demands
# (R01 ≥ 5: fewer make the rate a matter of one or two demands). 80 % is the line: the platform's rule
# is a reply within 3 working days, and four in five on time is the least the bureau accepts.
R03_LINE = 80.0
R01_MIN = 5
SEVERITY_LABELS = {"critical": "严重", "warning": "警告", "info": "提示"}


@dataclass
class Part:
    sections: list[Section] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What every part may read: the viewer, the month and the one before, the catalog."""

    viewer: Viewer
    month: str
    previous: str | None
    catalog: dict[str, tuple[str, str]]  # code -> (name, unit)

    def name(self, code: str) -> str:
        return self.catalog.get(code, (code, ""))[0]

    def unit(self, code: str) -> str:
        return self.catalog.get(code, (code, ""))[1]

    def kind(self, code: str) -> str:
        return kind_of(self.unit(code))

    def shown(self, figure: Figure | None, code: str | None = None) -> str:
        """A figure as the tables print it, with its unit: "5,838.00 万元", "94.64%"."""
        code = code or (figure.code if figure else "")
        text = cell_text(figure, "pct" if code.endswith("_MOM") else self.kind(code))
        if text == "—":
            return text
        unit = "%" if code.endswith("_MOM") else self.unit(code)
        return f"{text}%" if unit == "%" else f"{text} {unit}"


@dataclass(frozen=True)
class PartSpec:
    key: str
    title: str
    order: int
    build: Callable[[Context], Part]


PARTS: list[PartSpec] = []


def part(key: str, title: str, *, order: int):
    """Register a bulletin part (see the module docstring)."""

    def register(build: Callable[[Context], Part]) -> Callable[[Context], Part]:
        PARTS.append(PartSpec(key, title, order, build))
        PARTS.sort(key=lambda p: p.order)
        return build

    return register


@dataclass
class Bulletin:
    month: str
    generated_at: str
    intro: list[str]
    sections: list[Section]
    portrait: bool = True

    @property
    def title(self) -> str:
        year, month = self.month.split("-")
        return f"“三晋贷款码”融资服务工作通报（{int(year)}年{int(month)}月）"

    @property
    def subject(self) -> str:
        return f"通报 {self.month}"

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def figures(self) -> list[Figure]:
        """Every figure of the body, once each, in order of appearance."""
        seen: dict[tuple, Figure] = {}
        for section in self.sections:
            for row in section.rows:
                for value in row:
                    if isinstance(value, Figure):
                        seen.setdefault((value.source, value.code, value.grain, value.key, value.period), value)
        return list(seen.values())


def bulletin_filename(month: str, fmt_: str) -> str:
    return f"通报_{month}.{fmt_}"


def _figure(df: pd.DataFrame, code: str, grain: str, key: str, period: str | None) -> Figure | None:
    """The figure of one row of ``df`` (indicator_code, period, grain_key, value); a missing row is a
    figure with no value (printed "—"), a missing month (none before the first) is None."""
    if period is None:
        return None
    hit = df[(df["indicator_code"] == code) & (df["period"] == period) & (df["grain_key"] == key)]
    value = None if hit.empty or pd.isna(hit["value"].iloc[0]) else float(hit["value"].iloc[0])
    return Figure(value, code, grain, key, period)


def _change(ctx: Context, code: str, now: Figure | None, before: Figure | None, mom: Figure | None):
    """The month's change: the published MoM growth for counts and amounts, the difference in
    percentage points for rates (derived from the two figures beside it)."""
    if ctx.unit(code) != "%":
        return mom
    if now is None or before is None or now.value is None or before.value is None:
        return None
    return round(now.value - before.value, 2)


def _change_text(change) -> str:
    """"环比增长 3.51%" for a published growth figure, "较上月提高 1.02 个百分点" for a rate's difference."""
    value = plain(change)
    if value is None:
        return ""
    if isinstance(change, Figure):
        return "环比持平" if value == 0 else f"环比{'增长' if value > 0 else '下降'} {abs(value):,.2f}%"
    return "与上月持平" if value == 0 else f"较上月{'提高' if value > 0 else '降低'} {abs(value):,.2f} 个百分点"


@part("headline", "全省主要指标", order=10)
def _headline(ctx: Context) -> Part:
    codes = [c for c in HEADLINE_CODES if c in ctx.catalog]
    wanted = codes + [f"{c}_MOM" for c in codes]
    df = q.values(ctx.viewer, wanted, "province", start=ctx.previous or ctx.month, end=ctx.month)
    rows, figures = [], {}
    for code in codes:
        now = _figure(df, code, "province", PROVINCE_CODE, ctx.month)
        before = _figure(df, code, "province", PROVINCE_CODE, ctx.previous)
        mom = _figure(df, f"{code}_MOM", "province", PROVINCE_CODE, ctx.month) if ctx.unit(code) != "%" else None
        change = _change(ctx, code, now, before, mom)
        figures[code] = (now, change)
        points = change if ctx.unit(code) == "%" else None
        rows.append([code, ctx.name(code), ctx.unit(code), now, before, mom, points])
    columns = [Column("指标代码"), Column("指标"), Column("单位"), Column("本月", "by_unit"),
               Column("上月", "by_unit"), Column("环比增长", "pct", "%"), Column("较上月", "pct", "个百分点")]
    note = ("环比增长：笔数、金额等的环比增长率（marts.indicator_values 中的 <代码>_MOM）；"
            "较上月：比率类指标本月与上月之差（个百分点，由两月数值相减得出）。")

    def say(code: str) -> str:
        now, change = figures.get(code, (None, None))
        text = _change_text(change)
        return ctx.shown(now, code) + (f"，{text}" if text else "")

    month = _month_label(ctx.month)
    sentences = [
        f"{month}，全省经“三晋贷款码”发布融资需求 {ctx.shown(figures['D01'][0], 'D01')}，金额 {say('D02')}；"
        f"金融机构受理 {ctx.shown(figures['R01'][0], 'R01')}，按时响应率 {say('R03')}；"
        f"授信 {ctx.shown(figures['O01'][0], 'O01')}、{ctx.shown(figures['O02'][0], 'O02')}；"
        f"放款 {ctx.shown(figures['O03'][0], 'O03')}、{say('O04')}，其中首贷户 {ctx.shown(figures['O07'][0], 'O07')}。"
        f"月末超时未响应的融资需求 {ctx.shown(figures['R04'][0], 'R04')}。"
    ] if {"D01", "D02", "R01", "R03", "O01", "O02", "O03", "O04", "O07", "R04"} <= set(figures) else []
    return Part([Section("headline", "一、全省主要指标", columns, rows, note)], sentences)


def _ranks(values: dict[str, float | None]) -> dict[str, int | None]:
    """Competition ranking (1, 2, 2, 4), larger first; a city without a value has no rank."""
    present = sorted((v for v in values.values() if v is not None), reverse=True)
    return {k: (None if v is None else present.index(v) + 1) for k, v in values.items()}


def _rank_change(now: int | None, before: int | None) -> str:
    if now is None or before is None:
        return "—"
    if now == before:
        return "持平"
    return f"上升 {before - now} 位" if now < before else f"下降 {now - before} 位"


ATTRIBUTION_SOURCE = "marts.rpt_indicator_attribution"
ATTRIBUTION_CODES = ["D01", "D02", "O01", "O02", "O03", "O04", "O07", "R03", "O10"]


@part("attribution", "变动归因", order=20)
def _attribution(ctx: Context) -> Part:
    """What moved the headline figures: each one's change, and the cities and institutions it came from."""
    codes = [c for c in ATTRIBUTION_CODES if c in ctx.catalog]
    found = q.attribution(ctx.viewer, ctx.month, "province", PROVINCE_CODE, codes=codes,
                          dimensions=["city", "institution"])
    if found.empty or ctx.previous is None:
        return Part()
    rows, sentences = [], []
    for code in codes:
        part_ = found[found["indicator_code"] == code]
        if part_.empty:
            continue
        first = part_.iloc[0]
        now = Figure(plain(_clean_number(first["value"])), code, "province", PROVINCE_CODE, ctx.month)
        before = Figure(_clean_number(first["previous_value"]), code, "province", PROVINCE_CODE, ctx.previous)
        change = Figure(_clean_number(first["change"]), code, "province", PROVINCE_CODE, ctx.month,
                        source=ATTRIBUTION_SOURCE)
        words = {}
        for dimension in ("city", "institution"):
            members = part_[part_["dimension"] == dimension].sort_values("contribution_rank")
            words[dimension] = fmt.attribution_words(
                list(zip(members["member_name"], members["contribution"], strict=True)), first["change"],
                ctx.unit(code))
        rows.append([code, ctx.name(code), ctx.unit(code), now, before, change, words["city"], words["institution"]])
        if code in {"D02", "O04"} and change.value:
            cities = part_[(part_["dimension"] == "city") & ~part_["is_residual"].astype(bool)
                           & (part_["contribution"] * change.value > 0)].sort_values("contribution_rank")
            leaders = "、".join(cities["member_name"].head(3))
            sentences.append(f"{ctx.name(code)}较上月{'增加' if change.value > 0 else '减少'} "
                             f"{ctx.shown(Figure(abs(change.value), code, 'province', PROVINCE_CODE, ctx.month))}"
                             + (f"，主要来自{leaders}" if leaders else "") + "（按地市的分解见变动归因表）。")
    columns = [Column("指标代码"), Column("指标"), Column("单位"), Column("本月", "by_unit"), Column("上月", "by_unit"),
               Column("较上月变化", "by_unit"), Column("主要来自（按地市）"), Column("主要来自（按机构）")]
    note = ("较上月变化取自 marts.rpt_indicator_attribution（总量类为两月之差，比率类以百分点计），并分解到各地市与各机构："
            "总量类为各自的变化，比率类按对称两因素法分为比率效应与结构效应（docs/attribution.md）；列出与变化同向的前三位。")
    return Part([Section("attribution", "变动归因：主要指标较上月的变化来自哪里", columns, rows, note)], sentences)


def _clean_number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@part("promotion", "贷款码推广", order=40)
def _promotion(ctx: Context) -> Part:
    """P01–P08 by the issuer type of the scanned 贷款码, and the province's total (docs/promotion.md)."""
    codes = [c for c in q.P_CODES if c in ctx.catalog]
    if not codes:
        return Part()
    by_issuer = q.values(ctx.viewer, codes, "issuer_type", start=ctx.month, end=ctx.month)
    province = q.values(ctx.viewer, codes, "province", start=ctx.month, end=ctx.month)
    labels = q.issuer_labels()
    keys = [k for k in labels if k in set(by_issuer["grain_key"])]
    keys += sorted(set(by_issuer["grain_key"]) - set(keys))
    rows = [[labels.get(k, k), *(_figure(by_issuer, c, "issuer_type", k, ctx.month) for c in codes)] for k in keys]
    total = [_figure(province, c, "province", PROVINCE_CODE, ctx.month) for c in codes]
    rows.append(["全省合计", *total])
    columns = [Column("发码主体类型"), *(Column(f"{ctx.name(c)}（{c}）", ctx.kind(c), ctx.unit(c)) for c in codes)]
    note = ("按融资需求扫描的贷款码的发码主体类型（金融办、银行、担保、园区、平台）统计；全省合计含省级贷款码。"
            "口径见 docs/promotion.md。")
    sentences = []
    if "P01" in codes and "P06" in codes and total[0] is not None:
        sentences.append(f"经贷款码发布的融资需求 {ctx.shown(total[0], 'P01')}，"
                         f"当月转化率 {ctx.shown(total[codes.index('P06')], 'P06')}。")
    return Part([Section("promotion", "贷款码推广：按发码主体类型", columns, rows, note)], sentences)


@part("ranking", "地市排名", order=30)
def _ranking(ctx: Context) -> Part:
    df = q.values(ctx.viewer, RANKING_CODES, "city", start=ctx.previous or ctx.month, end=ctx.month)
    names = q.cities(ctx.viewer).set_index("city_code")["city_name"].to_dict()
    sections, sentences = [], []
    for i, code in enumerate(c for c in RANKING_CODES if c in ctx.catalog):
        now = {c: _figure(df, code, "city", c, ctx.month) for c in names}
        before = {c: _figure(df, code, "city", c, ctx.previous) for c in names}
        rank_now = _ranks({c: f.value for c, f in now.items()})
        rank_before = _ranks({c: (f.value if f else None) for c, f in before.items()})
        order = sorted(names, key=lambda c: (rank_now[c] is None, rank_now[c] or 0, c))
        rows = [[rank_now[c], names[c], now[c], rank_before[c], _rank_change(rank_now[c], rank_before[c])]
                for c in order]
        columns = [Column("名次", "count"), Column("城市"), Column(ctx.name(code), ctx.kind(code), ctx.unit(code)),
                   Column("上月名次", "count"), Column("名次变化")]
        sections.append(Section(f"ranking_{code}", f"二、地市排名（{i + 1}）：{ctx.name(code)}（{code}）", columns,
                                rows, "名次按本月数值从高到低（并列同名次）；名次变化与上月名次比较。"))
        if code in {"O04", "R03"}:
            top = [f"{names[c]}（{ctx.shown(now[c], code)}）" for c in order[:3] if rank_now[c] is not None]
            ranked = [c for c in order if rank_now[c] is not None]
            if top:
                sentence = f"{ctx.name(code)}居前三位的是" + "、".join(top)
                if len(ranked) > 3:
                    sentence += f"，末位是{names[ranked[-1]]}（{ctx.shown(now[ranked[-1]], code)}）"
                sentences.append(sentence + "。")
    return Part(sections, sentences)


@part("institutions", "需督促的机构", order=50)
def _institutions(ctx: Context) -> Part:
    codes = ["R01", "R03", "R04"]
    df = q.values(ctx.viewer, codes, "institution", start=ctx.month, end=ctx.month)
    register = q.institution_register(ctx.viewer).set_index("institution_id")
    members = sorted(set(df["grain_key"]))
    rows = []
    for key in members:
        r01, r03, r04 = (_figure(df, c, "institution", key, ctx.month) for c in codes)
        overdue = (r04.value or 0) >= 1
        slow = r03.value is not None and (r01.value or 0) >= R01_MIN and r03.value < R03_LINE
        if not (overdue or slow):
            continue
        reasons = ([f"超时未响应 {cell_text(r04, 'count')} 笔"] if overdue else []) + (
            [f"按时响应率低于 {R03_LINE:.0f}%"] if slow else [])
        name = register["institution_name"].get(key, key) if not register.empty else key
        kind = register["institution_type"].get(key, "—") if not register.empty else "—"
        rows.append([key, name, kind, r01, r03, r04, "；".join(reasons)])
    rows.sort(key=lambda r: (-(r[5].value or 0), r[4].value if r[4].value is not None else 999, r[0]))
    columns = [Column("机构编码"), Column("机构名称"), Column("机构类型"), Column(ctx.name("R01"), "count", "笔"),
               Column(ctx.name("R03"), "pct", "%"), Column(ctx.name("R04"), "count", "笔"), Column("原因")]
    note = (f"列入条件：月末存在超时未响应需求（R04 ≥ 1，按产品所属机构），或受理不少于 {R01_MIN} 笔且按时响应率"
            f"（R03）低于 {R03_LINE:.0f}%。")
    overdue_n = sum(1 for r in rows if (r[5].value or 0) >= 1)
    sentence = (f"{len(rows)} 家机构列入督促名单，其中 {overdue_n} 家月末存在超时未响应需求，请所在地市金融管理部门"
                "督促其限期响应。") if rows else "本月没有机构存在超时未响应需求或按时响应率低于督促线。"
    return Part([Section("institutions", "三、需督促的机构", columns, rows, note)], [sentence])


@part("alerts", "合规预警", order=60)
def _alerts(ctx: Context) -> Part:
    df = q.alert_activity(ctx.viewer, ctx.month)
    rows = []
    for r in df.itertuples(index=False):
        def count(what: str, value, r=r) -> Figure:
            return Figure(float(value), f"{r.rule_code}:{what}", "rule", r.severity, ctx.month, "marts.dq_alerts")

        rows.append([r.rule_name, SEVERITY_LABELS.get(r.severity, r.severity), count("opened", r.opened),
                     count("resolved", r.resolved), count("unresolved", r.unresolved)])
    columns = [Column("规则"), Column("级别"), Column("本月新发现", "count", "条"), Column("本月解决", "count", "条"),
               Column("月末未解决", "count", "条")]
    note = ("新发现：问题首次出现在本月的预警（marts.dq_alerts.first_seen）；本月解决：数据管理员本月在处理流程中"
            "标记解决的预警；月末未解决：本月末前已出现、目前仍未解决的预警。")
    opened = int(sum(plain(r[2]) for r in rows))
    critical = int(sum(plain(r[2]) for r in rows if r[1] == "严重"))
    resolved = int(sum(plain(r[3]) for r in rows))
    sentence = f"本月新发现合规预警 {opened} 条（其中严重 {critical} 条），数据管理员解决 {resolved} 条。"
    return Part([Section("alerts", "四、合规预警", columns, rows, note)], [sentence])


APPENDIX_COLUMNS = [Column("编号"), Column("章节"), Column("项目"), Column("数值"), Column("来源"), Column("代码"),
                    Column("粒度"), Column("对象"), Column("期间")]


def appendix(sections: list[Section]) -> Section:
    """Every figure of the body with where it comes from: the section, the row (its first text cell) and
    column it stands in, its value as printed, and its row in the source table."""
    rows = []
    for section in sections:
        for row in section.rows:
            label = next((str(v) for v in row if isinstance(v, str)), "")
            for column, value in zip(section.columns, row, strict=True):
                if not isinstance(value, Figure):
                    continue
                kind = kind_of(str(row[2])) if column.kind == "by_unit" else column.kind
                rows.append([f"F{len(rows) + 1}", section.title, f"{label} · {column.label}",
                             cell_text(value, kind), value.source, value.code, value.grain, value.key, value.period])
    note = ("正文每个数字的出处：来源为 marts.indicator_values 的，按（代码、期间、粒度、对象）即可查到对应行"
            "（indicator_code、period、grain、grain_key）；来源为 marts.rpt_indicator_attribution 的为该行的 change"
            "（较上月变化）；来源为 marts.dq_alerts 的为该规则预警的条数。"
            "名次、名次变化与比率类指标的环比变化（个百分点）由表中数字计算得出。")
    return Section("appendix", "附表：数据来源", APPENDIX_COLUMNS, rows, note)


def _month_label(month: str) -> str:
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def bulletin_data(viewer: Viewer, month: str) -> Bulletin:
    """The bulletin of ``month`` (province scope only)."""
    if not viewer.is_province:
        raise ScopeError(f"当前查看范围为{viewer.label}，全省通报仅对全省用户开放。")
    months = q.periods(viewer)
    if month not in months:
        span = f"{months[0]} 至 {months[-1]}" if months else "无"
        raise ValueError(f"{month} 没有指标数据（可选月份：{span}）")
    cat = q.catalog(viewer)
    ctx = Context(viewer, month, months[months.index(month) - 1] if months.index(month) else None,
                  {str(r.code): (str(r.name_zh), str(r.unit)) for r in cat.itertuples(index=False)})
    sections, sentences = [], []
    for spec in PARTS:
        built = spec.build(ctx)
        sections += built.sections
        sentences += built.sentences
    return Bulletin(month=month, generated_at=datetime.now().strftime("%Y-%m-%d %H:%M"), intro=sentences,
                    sections=[*sections, appendix(sections)])
