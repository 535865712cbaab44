"""Small Streamlit helpers shared by the pages (no warehouse access here: that is ``queries``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards import auth
from dashboards import format as fmt
from dashboards import queries as q
from dashboards.scope import Viewer

# Indicators whose rise is bad news: their deltas are coloured inversely.
INVERSE = {"R02", "R04", "S03", "K02", "P08"}


def viewer() -> Viewer:
    """The signed-in viewer (role and scope) of this session, set by the app's sign-in."""
    return auth.current()


def require_warehouse() -> None:
    """Stop the page with a friendly message if the warehouse has not been built."""
    if not q.warehouse_exists():
        st.info(q.MISSING_MESSAGE, icon=":material/construction:")
        st.stop()


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    definition: str
    grains: str

    def fmt(self, value: object) -> str:
        return fmt.indicator_value(value, self.unit)


def indicators(v: Viewer) -> dict[str, Indicator]:
    """Catalog entries by code (name_zh, unit, definition, grains)."""
    cat = q.catalog(v)
    out: dict[str, Indicator] = {}
    for r in cat.itertuples(index=False):
        out[str(r.code)] = Indicator(
            code=str(r.code),
            name=str(r.name_zh) if not pd.isna(r.name_zh) else str(r.code),
            unit=str(r.unit) if not pd.isna(r.unit) else "",
            definition=str(r.definition) if not pd.isna(r.definition) else "",
            grains=str(r.grains) if not pd.isna(r.grains) else "",
        )
    return out


def indicator(cat: dict[str, Indicator], code: str, name: str | None = None, unit: str = "") -> Indicator:
    """The catalog entry, or a placeholder when the catalog lacks it."""
    return cat.get(code) or Indicator(code, name or code, unit, "", "")


@dataclass(frozen=True)
class Move:
    """What moved one indicator of an area from the previous month (marts.rpt_indicator_attribution)."""

    change: float
    unit: str
    words: dict[str, str]  # dimension -> "主要来自…", in the order asked for; dimensions without words left out


# how each dimension's words are introduced when a card shows more than one
DIMENSION_LABELS = {"city": "按地市", "county": "按区县", "institution": "按机构", "issuer_type": "按发码主体"}


def area_dimension(grain: str) -> str:
    """The geography one level below an area: the province's cities, a city's counties."""
    return "city" if grain == "province" else "county"


def moves(v: Viewer, period: str, grain: str, key: str, dimensions: list[str] | None = None) -> dict[str, Move]:
    """{indicator_code: Move} of the area ``grain``/``key`` in ``period``: the change and the top three
    contributors in words for each of ``dimensions`` (default: the geography below, then institutions)."""
    dimensions = dimensions or [area_dimension(grain), "institution"]
    rows = q.attribution(v, period, grain, key, dimensions=dimensions, top=3)
    out: dict[str, Move] = {}
    for code, part in rows.groupby("indicator_code", sort=False):
        first = part.iloc[0]
        words = {}
        for dimension in dimensions:
            members = part[part["dimension"] == dimension].sort_values("contribution_rank")
            text = fmt.attribution_words(list(zip(members["member_name"], members["contribution"], strict=True)),
                                         first["change"], first["unit"])
            if text:
                words[dimension] = text
        out[str(code)] = Move(change=float(first["change"]), unit=str(first["unit"]), words=words)
    return out


def metric(col, ind: Indicator, snap: dict[str, float | None], spark: list[float] | None = None,
           moved: Move | None = None, lines: int = 1) -> None:
    """One KPI card: value, MoM delta (YoY in the description), definition as help, optional sparkline;
    the year-to-date total below it when the warehouse carries ``<code>_YTD``. ``moved``: the change's top
    contributors in words under the delta (``lines`` dimensions; all of them in the help), and for an
    indicator without a ``_MOM`` row (rates, stocks) the change itself as the delta."""
    value = snap.get(ind.code)
    delta, description = fmt.metric_delta(snap.get(f"{ind.code}_MOM"), snap.get(f"{ind.code}_YOY"))
    if delta is None and moved is not None:
        delta = 0 if moved.change == 0 else fmt.change_text(moved.change, moved.unit)
        description = "较上月持平" if moved.change == 0 else "较上月"
    help_text = f"{ind.code} · {ind.definition}" if ind.definition else ind.code
    if moved is not None and moved.words:
        help_text += "\n\n变动归因（较上月）：" + "；".join(
            f"{DIMENSION_LABELS.get(d, d)}{w}" for d, w in moved.words.items())
    col.metric(
        label=ind.name,
        value=ind.fmt(value),
        delta=delta,
        delta_description=description,
        delta_color="inverse" if ind.code in INVERSE else "normal",
        help=help_text,
        border=True,
        chart_data=spark or None,
        chart_type="line",
    )
    if moved is not None:
        shown = list(moved.words.items())[:lines]
        for dimension, words in shown:
            # one line of the geography below speaks for itself; anything else says what it is by
            labelled = len(shown) > 1 or dimension not in ("city", "county")
            col.caption(f"{DIMENSION_LABELS[dimension]}：{words}" if labelled else words)
    ytd = snap.get(f"{ind.code}_YTD")
    if not fmt.is_missing(ytd):
        col.caption(f"本年累计：{ind.fmt(ytd)}")


def _param(key: str) -> str | None:
    value = st.query_params.get(key)
    return None if value in (None, "") else str(value)


def url_selectbox(label: str, options: list, *, key: str, default_index: int = 0, format_func=str, **kwargs):
    """A selectbox whose value lives in the URL as ``?key=<option>`` (raw option, not its label),
    so a link reopens the same view. Unknown values in the URL fall back to the default."""
    if not options:
        return None
    wanted = _param(key)
    index = options.index(wanted) if wanted in options else default_index
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]  # options changed (e.g. a new build): forget the stale value
    value = st.selectbox(label, options, index=index, format_func=format_func, key=key, **kwargs)
    st.query_params[key] = str(value)
    return value


def url_month_range(label: str, months: list[str], *, key: str = "months", default_span: int = 12):
    """A month-range slider kept in the URL as ``?from=YYYY-MM&to=YYYY-MM``."""
    if len(months) == 1:
        return months[0], months[0]
    start, end = _param("from"), _param("to")
    default = (months[max(0, len(months) - default_span)], months[-1])
    value = (start if start in months else default[0], end if end in months else default[1])
    if value[0] > value[1]:
        value = default
    if key in st.session_state and not set(st.session_state[key]) <= set(months):
        del st.session_state[key]
    chosen = st.select_slider(label, options=months, value=value, format_func=fmt.period_label, key=key)
    st.query_params["from"], st.query_params["to"] = chosen[0], chosen[1]
    return chosen


ALL = "全部"


def url_member_filter(label: str, members: list[tuple[str, str]], *, key: str):
    """A "全部 / one member" selectbox kept in the URL (``?<key>=<member key>``); returns None for 全部."""
    labels = dict(members)
    value = url_selectbox(label, [ALL, *labels], key=key, format_func=lambda k: labels.get(k, k))
    return None if value in (None, ALL) else value


def wide_table(df: pd.DataFrame, key: str, name: str, codes: list[str], cat: dict[str, Indicator]) -> pd.DataFrame:
    """indicator rows (indicator_code, <key>, <name>, value) → one row per member, one column per code,
    headed by the indicator's name and unit."""
    if df.empty:
        return pd.DataFrame()
    wide = df.pivot_table(index=[key, name], columns="indicator_code", values="value", aggfunc="first").reset_index()
    present = [c for c in codes if c in wide.columns]
    labels = {c: f"{indicator(cat, c).name}（{indicator(cat, c).unit}）" for c in present}
    return wide[[key, name, *present]].rename(columns=labels)


def number_columns(table: pd.DataFrame, skip: int = 2) -> dict:
    return {c: st.column_config.NumberColumn(format="localized") for c in list(table.columns)[skip:]}
