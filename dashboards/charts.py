"""Pure Plotly figure builders: data in, ``go.Figure`` out. No Streamlit, no warehouse, no internet.

Amount axes are scaled to 万元 or 亿元 by the largest value (format.amount_scale). Every builder
accepts an empty frame and returns a figure with a "暂无数据" annotation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboards import format as fmt

FONT = "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"
PALETTE = ["#1f5fbf", "#e8812c", "#2a9d8f", "#c0392b", "#8e44ad", "#7f8c8d", "#f1c40f"]


def _base_layout(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=title,
        height=height,
        font={"family": FONT},
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        hoverlabel={"font_family": FONT},
    )
    return fig


def _empty(title: str | None, message: str = "暂无数据") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base_layout(fig, title)


def _value_axis(unit: str, values: pd.Series) -> tuple[float, str]:
    """(divisor, axis unit) for an indicator unit; amounts switch to 亿元 when large."""
    if unit == "万元":
        vmax = values.abs().max() if len(values) else float("nan")
        return fmt.amount_scale(vmax)
    return 1.0, unit


def trend(
    df: pd.DataFrame,
    names: dict[str, str],
    unit: str = "万元",
    title: str | None = None,
) -> go.Figure:
    """Monthly lines, one per indicator. ``df``: indicator_code, period, value."""
    if df.empty:
        return _empty(title)
    divisor, axis_unit = _value_axis(unit, df["value"])
    fig = go.Figure()
    for i, (code, part) in enumerate(df.sort_values("period").groupby("indicator_code", sort=False)):
        label = names.get(code, code)
        fig.add_trace(
            go.Scatter(
                x=part["period"],
                y=part["value"] / divisor,
                mode="lines+markers",
                name=label,
                line={"color": PALETTE[i % len(PALETTE)], "width": 2.5},
                customdata=[fmt.indicator_value(v, unit) for v in part["value"]],
                hovertemplate=f"{label}<br>%{{x}}：%{{customdata}}<extra></extra>",
            )
        )
    fig.update_xaxes(title=None, type="category")
    fig.update_yaxes(title=axis_unit, rangemode="tozero")
    return _base_layout(fig, title)


def ranked_bar(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    name: str,
    unit: str,
    title: str | None = None,
    horizontal: bool = True,
    highlight: str | None = None,
) -> go.Figure:
    """Bars sorted by value (largest on top), one per label; missing values plotted as 0 and shown "—"."""
    frame = pd.DataFrame(
        {"label": list(labels), "value": pd.to_numeric(pd.Series(list(values)), errors="coerce")}
    )
    if frame.empty:
        return _empty(title)
    frame = frame.sort_values("value", ascending=horizontal, na_position="first")
    divisor, axis_unit = _value_axis(unit, frame["value"].dropna())
    colors = [PALETTE[1] if lab == highlight else PALETTE[0] for lab in frame["label"]]
    text = [fmt.indicator_value(v, unit) for v in frame["value"]]
    scaled = (frame["value"] / divisor).fillna(0)
    bar = go.Bar(
        x=scaled if horizontal else frame["label"],
        y=frame["label"] if horizontal else scaled,
        orientation="h" if horizontal else "v",
        marker_color=colors,
        text=text,
        textposition="auto",
        name=name,
        hovertemplate="%{y}：%{text}<extra></extra>" if horizontal else "%{x}：%{text}<extra></extra>",
    )
    fig = go.Figure(bar)
    value_axis = {"title": f"{name}（{axis_unit}）" if axis_unit else name}
    if horizontal:
        fig.update_xaxes(**value_axis)
        fig.update_yaxes(title=None, type="category")
    else:
        fig.update_yaxes(**value_axis)
        fig.update_xaxes(title=None, type="category")
    return _base_layout(fig, title, height=max(320, 32 * len(frame) + 80) if horizontal else 380)


def city_bar(df: pd.DataFrame, *, name: str, unit: str, title: str | None = None) -> go.Figure:
    """City comparison. ``df``: city_name, value (one row per city)."""
    return ranked_bar(df["city_name"], df["value"], name=name, unit=unit, title=title)


def funnel(stages: Sequence[tuple[str, float | None]], title: str | None = None) -> go.Figure:
    """Conversion funnel; stages with a missing value are left out."""
    present = [(label, float(v)) for label, v in stages if not fmt.is_missing(v)]
    if not present:
        return _empty(title)
    labels = [s[0] for s in present]
    vals = [s[1] for s in present]
    fig = go.Figure(
        go.Funnel(
            y=labels,
            x=vals,
            text=[fmt.count(v, "笔") for v in vals],
            textinfo="text+percent initial" if vals[0] > 0 else "text",
            marker={"color": PALETTE[: len(vals)]},
            hovertemplate="%{y}：%{text}<extra></extra>",
        )
    )
    return _base_layout(fig, title)


# A tile-grid map: one square per city, placed where the city lies (north at the top), not its boundary.
# No openly licensed boundary file of Shanxi's cities and counties could be had from the package
# registries (docs/map.md), so the map is a schematic, and says so.
CITY_TILES = {  # city_code: (row from the north, column from the west)
    "140200": (0, 2), "140600": (1, 1), "140900": (2, 1), "141100": (3, 0), "140100": (3, 1),
    "140300": (3, 2), "140700": (4, 1), "141000": (5, 0), "140400": (5, 2), "140800": (6, 0),
    "140500": (6, 2),
}
TILE_NOTE = "示意图：每格一个地市，按大致方位排列，非实际行政边界"
COUNTY_TILE_NOTE = "示意图：每格一个区县，按区划代码排列，非实际位置与边界"
MISSING_TILE = "#d9dde3"


def county_tiles(codes: Sequence[str]) -> dict[str, tuple[int, int]]:
    """A city's counties on a near-square grid, in code order (districts first): no position implied."""
    ordered = sorted(codes)
    width = max(1, math.ceil(math.sqrt(len(ordered))))
    return {code: divmod(i, width) for i, code in enumerate(ordered)}


def tile_map(
    keys: Sequence[str],
    labels: Sequence[str],
    values: Sequence[float | None],
    tiles: dict[str, tuple[int, int]],
    *,
    name: str,
    unit: str,
    title: str | None = None,
    note: str = TILE_NOTE,
) -> go.Figure:
    """A choropleth on a tile grid: one square per member at ``tiles[key]``, coloured by its value
    (members without a value grey), its name and value written on it."""
    frame = pd.DataFrame({"key": list(keys), "label": list(labels),
                          "value": pd.to_numeric(pd.Series(list(values)), errors="coerce")})
    frame = frame[frame["key"].isin(tiles)]
    if frame.empty:
        return _empty(title)
    frame["row"] = [tiles[k][0] for k in frame["key"]]
    frame["col"] = [tiles[k][1] for k in frame["key"]]
    shown = [fmt.indicator_value(v, unit) for v in frame["value"]]
    rows, cols = int(frame["row"].max()) + 1, int(frame["col"].max()) + 1
    present = frame["value"].notna()
    fig = go.Figure()
    if present.any():  # carries the colour bar; the tiles themselves are shapes
        fig.add_trace(go.Scatter(
            x=frame.loc[present, "col"], y=frame.loc[present, "row"], mode="markers",
            marker={"size": 1, "color": frame.loc[present, "value"], "colorscale": [[0, _blues(0)], [1, _blues(1)]],
                    "showscale": True, "colorbar": {"title": {"text": unit}, "thickness": 12}},
            hoverinfo="skip", showlegend=False, name=name,
        ))
    vmin, vmax = frame["value"].min(), frame["value"].max()
    for (_, r), text in zip(frame.iterrows(), shown, strict=True):
        level = 0.0 if pd.isna(r["value"]) or vmax == vmin else (r["value"] - vmin) / (vmax - vmin)
        fill = MISSING_TILE if pd.isna(r["value"]) else _blues(level)
        fig.add_shape(type="rect", x0=r["col"] - 0.46, x1=r["col"] + 0.46, y0=r["row"] - 0.44, y1=r["row"] + 0.44,
                      fillcolor=fill, line={"color": "#ffffff", "width": 2}, layer="below")
        fig.add_annotation(x=r["col"], y=r["row"], text=f"<b>{r['label']}</b><br>{text}", showarrow=False,
                           font={"size": 12, "color": "#ffffff" if level > 0.55 else "#1b2a3a"})
    fig.add_trace(go.Scatter(x=frame["col"], y=frame["row"], mode="markers", marker={"size": 40, "opacity": 0},
                             customdata=shown, text=frame["label"], showlegend=False,
                             hovertemplate="%{text}<br>" + name + "：%{customdata}<extra></extra>"))
    fig.update_xaxes(visible=False, range=[-0.6, cols - 0.4])
    fig.update_yaxes(visible=False, range=[rows - 0.4, -0.6], scaleanchor="x", scaleratio=1)
    fig.add_annotation(text=note, showarrow=False, x=0, y=-0.02, xref="paper", yref="paper",
                       xanchor="left", yanchor="top", font={"size": 10, "color": "#6b7785"})
    fig.update_layout(plot_bgcolor="#ffffff")
    fig = _base_layout(fig, title, height=max(420, 92 * rows + 110))
    fig.update_layout(margin={"b": 36})
    return fig


def _blues(level: float) -> str:
    """The colour of ``level`` (0…1) on a light-to-dark blue scale (the colour bar's Blues)."""
    light, dark = (222, 235, 247), (8, 69, 148)
    return "rgb({},{},{})".format(*(round(a + (b - a) * level) for a, b in zip(light, dark, strict=True)))


def city_tile_map(df: pd.DataFrame, *, name: str, unit: str, title: str | None = None) -> go.Figure:
    """The 11 cities. ``df``: city_code (or grain_key), city_name, value."""
    keys = df["city_code"] if "city_code" in df else df["grain_key"]
    return tile_map(keys, df["city_name"], df["value"], CITY_TILES, name=name, unit=unit, title=title)


def county_tile_map(df: pd.DataFrame, all_counties: pd.DataFrame, *, name: str, unit: str,
                    title: str | None = None) -> go.Figure:
    """A city's counties (every one of ``all_counties``: county_code, county_name), coloured by ``df``
    (grain_key, value); a county without a row shows grey."""
    frame = all_counties.merge(df[["grain_key", "value"]], left_on="county_code", right_on="grain_key", how="left")
    return tile_map(frame["county_code"], frame["county_name"], frame["value"], county_tiles(frame["county_code"]),
                    name=name, unit=unit, title=title, note=COUNTY_TILE_NOTE)


def quarantine_bar(df: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Quarantined rows by feed, stacked by rule. ``df``: feed, rule, rows."""
    if df.empty:
        return _empty(title, "暂无隔离记录")
    fig = go.Figure()
    for i, (rule, part) in enumerate(df.groupby("rule", sort=True)):
        fig.add_trace(
            go.Bar(
                x=part["feed"],
                y=part["rows"],
                name=str(rule),
                marker_color=PALETTE[i % len(PALETTE)],
                hovertemplate=f"{rule}<br>%{{x}}：%{{y:,}} 行<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="数据源", type="category")
    fig.update_yaxes(title="隔离行数")
    return _base_layout(fig, title)


def share_pie(labels: Sequence[str], values: Sequence[float | None], *, unit: str, title: str | None = None) -> go.Figure:
    """Shares of a whole (a donut), e.g. demand amount by product category; missing values left out."""
    frame = pd.DataFrame({"label": list(labels), "value": pd.to_numeric(pd.Series(list(values)), errors="coerce")})
    frame = frame.dropna()
    frame = frame[frame["value"] > 0]
    if frame.empty:
        return _empty(title)
    fig = go.Figure(
        go.Pie(
            labels=frame["label"],
            values=frame["value"],
            hole=0.45,
            sort=True,
            marker={"colors": PALETTE},
            customdata=[fmt.indicator_value(v, unit) for v in frame["value"]],
            hovertemplate="%{label}：%{customdata}（%{percent}）<extra></extra>",
            textinfo="label+percent",
        )
    )
    return _base_layout(fig, title)


def stacked_history(df: pd.DataFrame, *, x: str, stack: str, y: str, unit: str, title: str | None = None) -> go.Figure:
    """Stacked bars over months, one colour per ``stack`` member (e.g. listed products by category)."""
    if df.empty:
        return _empty(title)
    fig = go.Figure()
    for i, (member, part) in enumerate(df.sort_values(x).groupby(stack, sort=True)):
        fig.add_trace(
            go.Bar(
                x=part[x],
                y=part[y],
                name=str(member),
                marker_color=PALETTE[i % len(PALETTE)],
                hovertemplate=f"{member}<br>%{{x}}：%{{y:,}} {unit}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=None, type="category")
    fig.update_yaxes(title=unit)
    return _base_layout(fig, title)
