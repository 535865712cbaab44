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
# cos(mean latitude of Shanxi ≈ 37.5°): one degree of longitude is shorter than one of latitude.
LON_LAT_RATIO = 1 / math.cos(math.radians(37.5))


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


def city_bubble_map(df: pd.DataFrame, *, name: str, unit: str, title: str | None = None) -> go.Figure:
    """Bubbles on the city seats, on plain lon/lat axes (no map tiles, no topojson download).

    ``df``: city_name, lat, lon, value.
    """
    frame = df.dropna(subset=["lat", "lon"]).copy()
    if frame.empty:
        return _empty(title, "暂无坐标数据")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    vmax = frame["value"].abs().max()
    if fmt.is_missing(vmax) or vmax == 0:
        sizes = [14.0] * len(frame)
    else:
        sizes = [
            10 + 50 * math.sqrt(max(v, 0) / vmax) if not fmt.is_missing(v) else 6 for v in frame["value"]
        ]
    text = [fmt.indicator_value(v, unit) for v in frame["value"]]
    fig = go.Figure(
        go.Scatter(
            x=frame["lon"],
            y=frame["lat"],
            mode="markers+text",
            text=frame["city_name"],
            textposition="top center",
            customdata=text,
            marker={
                "size": sizes,
                "color": PALETTE[0],
                "opacity": 0.6,
                "line": {"width": 1, "color": "#ffffff"},
            },
            hovertemplate="%{text}<br>" + name + "：%{customdata}<extra></extra>",
            name=name,
        )
    )
    fig.update_xaxes(title="经度", range=[110.0, 114.8], showgrid=True, zeroline=False)
    fig.update_yaxes(
        title="纬度", range=[34.4, 40.9], scaleanchor="x", scaleratio=LON_LAT_RATIO, zeroline=False
    )
    fig.update_layout(plot_bgcolor="#f4f6f9", showlegend=False)
    return _base_layout(fig, title, height=560)


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


def method_comparison(df: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Grouped bars of ranking quality per method. ``df``: method_label, metric_label, value (0–1)."""
    if df.empty:
        return _empty(title)
    fig = go.Figure()
    for n, (metric, part) in enumerate(df.groupby("metric_label", sort=False)):
        fig.add_bar(x=part["method_label"], y=part["value"], name=metric, marker_color=PALETTE[n % len(PALETTE)],
                    text=[f"{v:.3f}" for v in part["value"]], textposition="auto",
                    hovertemplate="%{x}：%{y:.3f}<extra>" + metric + "</extra>")
    fig.update_layout(barmode="group")
    fig.update_xaxes(title=None, type="category")
    fig.update_yaxes(title="越高越好", rangemode="tozero")
    return _base_layout(fig, title)


def reliability(df: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Calibration: the mean predicted probability of each bin against how often it came true.
    ``df``: mean_predicted, observed_rate, pairs (one row per bin)."""
    if df.empty:
        return _empty(title)
    top = float(max(df["mean_predicted"].max(), df["observed_rate"].max())) * 1.1 or 1.0
    fig = go.Figure()
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name="完全校准", line={"dash": "dot", "color": PALETTE[5]})
    fig.add_scatter(x=df["mean_predicted"], y=df["observed_rate"], mode="lines+markers", name="模型",
                    marker={"color": PALETTE[0]}, customdata=df["pairs"],
                    hovertemplate="预测 %{x:.2%}，实际 %{y:.2%}（%{customdata:,} 对）<extra></extra>")
    fig.update_xaxes(title="预测概率", tickformat=".1%")
    fig.update_yaxes(title="实际发生率", tickformat=".1%")
    return _base_layout(fig, title)
