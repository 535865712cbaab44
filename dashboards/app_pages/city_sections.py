"""The city page's lower sections: breakdowns by entity type / industry, institutions working in the
city, product mix, the promotion of the 贷款码, overdue unanswered demands, compliance alerts and the monthly
report download.
Kept apart from city.py so each file stays small; every read goes through the query layer."""

from __future__ import annotations

import streamlit as st

from dashboards import access, actions, charts, ui
from dashboards import format as fmt
from dashboards import queries as q
from dashboards.app_pages import promotion_sections
from dashboards.scope import Viewer

MEMBER_CODES = ["D01", "D02", "O01", "O02", "O03", "O04", "O10"]
INSTITUTION_CODES = ["R01", "R02", "R03", "O01", "O02", "O03", "O04", "O10"]
MIX_CODES = ["D01", "D02", "O03", "O04"]


def member_section(viewer: Viewer, city: str, start: str, end: str, cat: dict) -> None:
    st.subheader(f"按主体类型与行业（{fmt.period_label(end)}）")
    c1, c2 = st.columns(2)
    with c1:
        entity = ui.url_member_filter("主体类型", q.members(viewer, "entity_type", city=city), key="entity")
    with c2:
        industry = ui.url_member_filter("行业", q.members(viewer, "industry", city=city), key="industry")
    left, right = st.columns(2)
    for col, dimension, member in ((left, "entity_type", entity), (right, "industry", industry)):
        with col:
            _member_block(viewer, city, dimension, member, start, end, cat)


def _member_block(viewer, city, dimension, member, start, end, cat) -> None:
    label = q.DIMENSIONS[dimension]
    if member is None:
        df = q.breakdown(viewer, dimension, MEMBER_CODES, city=city, start=end, end=end)
        part = df[df["indicator_code"] == "O04"]
        st.plotly_chart(
            charts.ranked_bar(part["member_name"], part["value"], name="放款金额", unit="万元",
                              title=f"按{label}的放款金额"),
            key=f"{dimension}_bar",
        )
        table = ui.wide_table(df, "member_key", "member_name", MEMBER_CODES, cat)
        if not table.empty and (table["member_key"] == table["member_name"]).all():
            table = table.drop(columns=["member_key"])  # entity types are their own labels
        table = table.rename(columns={"member_key": "代码", "member_name": label})
        st.dataframe(table, hide_index=True, column_config=ui.number_columns(table, skip=1 if "代码" not in table
                     else 2), key=f"{dimension}_table")
        return
    df = q.breakdown(viewer, dimension, MEMBER_CODES, city=city, members=[member], start=start, end=end)
    name = df["member_name"].iloc[0] if not df.empty else member
    snap = {r.indicator_code: r.value for r in df[df["period"] == end].itertuples(index=False)}
    cards = st.columns(2)
    for i, code in enumerate(["D01", "O04"]):
        ui.metric(cards[i], ui.indicator(cat, code), snap)
    st.plotly_chart(
        charts.trend(df[df["indicator_code"].isin(["D02", "O04"])],
                     {c: ui.indicator(cat, c).name for c in ("D02", "O04")}, unit="万元",
                     title=f"{name}：融资需求金额 vs 放款金额"),
        key=f"{dimension}_trend",
    )


def county_charts(viewer: Viewer, city: str, part, ind, period: str, *, bar_key: str) -> None:
    """The city's counties on ``ind``: a ranked bar beside a tile-grid map (every county, grey without a value).
    ``part``: county rows of one indicator (grain_key, county_name, value)."""
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(
            charts.ranked_bar(part["county_name"], part["value"], name=ind.name, unit=ind.unit,
                              title=f"各区县{ind.name}（{fmt.period_label(period)}）"),
            key=bar_key,
        )
    with right:
        st.plotly_chart(
            charts.county_tile_map(part, q.counties(viewer, city), name=ind.name, unit=ind.unit,
                                   title=f"各区县{ind.name}分布"),
            key="county_map",
        )


def institution_section(viewer: Viewer, city: str, end: str, cat: dict) -> None:
    st.subheader(f"在本市开展业务的机构（{fmt.period_label(end)}）")
    df = q.breakdown(viewer, "institution", INSTITUTION_CODES, city=city, start=end, end=end)
    if df.empty:
        st.info("本月没有机构在本市受理、授信或放款。")
        return
    table = ui.wide_table(df, "member_key", "member_name", INSTITUTION_CODES, cat)
    amount = next((c for c in table.columns if c.startswith(ui.indicator(cat, "O04").name)), None)
    if amount:
        table = table.sort_values(amount, ascending=False, na_position="last")
    table = table.rename(columns={"member_key": "机构编码", "member_name": "机构名称"})
    st.dataframe(table, hide_index=True, column_config=ui.number_columns(table), key="city_institutions")
    st.caption("机构按首次受理机构归属；数据来自 marts.rpt_city_breakdowns（与指标体系同一口径）。")


def product_mix_section(viewer: Viewer, city: str, end: str, cat: dict) -> None:
    st.subheader(f"产品结构（{fmt.period_label(end)}）")
    df = q.breakdown(viewer, "product_category", MIX_CODES, city=city, start=end, end=end)
    if df.empty:
        st.info("本月暂无产品类别数据。")
        return
    left, right = st.columns([3, 2])
    with left:
        part = df[df["indicator_code"] == "D02"]
        st.plotly_chart(
            charts.share_pie(part["member_name"], part["value"], unit="万元", title="按产品类别的融资需求金额"),
            key="product_mix_pie",
        )
    with right:
        table = ui.wide_table(df, "member_key", "member_name", MIX_CODES, cat).drop(columns=["member_key"])
        table = table.rename(columns={"member_name": "产品类别"})
        st.dataframe(table, hide_index=True, column_config=ui.number_columns(table, skip=1), key="product_mix")


def promotion_section(viewer: Viewer, city: str, end: str, cat: dict) -> None:
    st.subheader(f"贷款码推广（{fmt.period_label(end)}）")
    promotion_sections.issuer_block(viewer, city, end, cat, key="city_issuer")
    promotion_sections.code_rankings(viewer, city, end, key="city_codes")
    st.caption("按贷款码的发码地区归属本市的贷款码；全部推广指标见“推广”页。")


OVERDUE_LABELS = {
    "application_id": "需求编号",
    "county_name": "区县",
    "submitted_at": "提交时间",
    "response_deadline_date": "响应期限",
    "days_past_deadline": "超期天数",
    "amount_wan": "需求金额（万元）",
    "entity_type": "主体类型",
    "uscc_masked": "统一社会信用代码（脱敏）",
    "product_name": "产品",
    "product_institution_name": "产品所属机构",
}


def overdue_section(viewer: Viewer, city: str, end: str) -> None:
    df = q.overdue_demands(viewer, city, end)
    st.subheader(f"超时未响应需求（{fmt.period_label(end)}末，{fmt.count(len(df), '笔')}）")
    if df.empty:
        st.success("本月末没有超时未响应的融资需求。")
        return
    table = df[list(OVERDUE_LABELS)].rename(columns=OVERDUE_LABELS)
    st.dataframe(
        table,
        hide_index=True,
        column_config={"需求金额（万元）": st.column_config.NumberColumn(format="%.2f")},
        key="overdue_table",
    )
    st.caption("提交后超过 3 个工作日仍未受理、拒绝或撤回的需求（即 R04 的明细）；仅显示脱敏信息。")


ALERT_LABELS = {
    "alert_id": "预警编号",
    "rule_code": "规则",
    "severity": "级别",
    "feed_or_model": "数据源/模型",
    "entity_type": "对象类型",
    "entity_key": "对象",
    "city_code": "地市代码",
    "first_seen": "首次发现",
    "last_seen": "最近发现",
    "occurrences": "次数",
    "detail": "说明",
}


def alerts_section(viewer: Viewer, city: str) -> None:
    st.subheader("合规预警")
    alerts = q.city_alerts(viewer, city)
    if alerts is None:
        st.info("仓库中尚无合规预警表（marts.dq_alerts），待数据质量模块发布后显示。")
    elif alerts.empty:
        st.success("本市暂无未处理的合规预警。")
    else:
        st.dataframe(alerts.rename(columns=ALERT_LABELS), hide_index=True, key="alerts_table")
        st.caption(f"本市未处理的合规预警 {len(alerts)} 条（已解决的不再列出）。")


def report_downloads(viewer: Viewer, city: str, end: str) -> None:
    from dashboards import reports

    st.subheader(f"{fmt.period_label(end)} 城市月报")
    if not access.may(viewer.role, "report_download"):
        return
    c1, c2, _ = st.columns([1, 1, 3])
    for col, kind, mime in (
        (c1, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (c2, "pdf", "application/pdf"),
    ):
        # generated when clicked (deferred), not on every rerun of the page; the download is audited
        col.download_button(
            f"下载月报（{kind.upper()}）",
            data=lambda k=kind: actions.city_report(viewer, city, end, k),
            file_name=reports.report_filename(city, end, kind),
            mime=mime,
            on_click="ignore",
            key=f"report_{kind}",
        )
    st.caption(f"也可定时生成：python -m dashboards.reports --city {city} --month {end} --format xlsx|pdf")
