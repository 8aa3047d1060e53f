"""Charts as Plotly figures, embedded in the report with plotly.js inline (no CDN, offline)."""

from __future__ import annotations

from functools import cache
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline

from gigawatt.report.base import Chart, Series

#: One palette for the HTML and the PNGs (matplotlib's tab10), so a series keeps its colour.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
HEIGHT_PX = 420
#: Sankey links: cash in translucent blue, anything else (shares at their value) in red.
CASH_LINK, OTHER_LINK = "rgba(31,119,180,0.35)", "rgba(214,39,40,0.45)"
#: Plotly's own options: no logo link, and the camera button saves a PNG in the browser.
CONFIG = {"displaylogo": False, "responsive": True}


@cache
def plotly_js() -> str:
    """plotly.min.js as shipped inside the plotly package (about 4.8 MB), for inlining."""
    return plotly.offline.get_plotlyjs()


def _trace(s: Series, i: int, chart: Chart) -> Any:
    color = PALETTE[i % len(PALETTE)]
    common: dict[str, Any] = {"name": s.name, "x": list(s.x), "y": list(s.y)}
    if s.hover is not None:
        common["hovertext"] = list(s.hover)
        common["hoverinfo"] = "text"
    if s.kind == "bar":
        return go.Bar(**common, marker_color=color)
    line = {"color": color, "dash": "dash" if s.dash else "solid"}
    if s.kind == "markers":
        return go.Scatter(
            **common,
            mode="markers+text" if s.text is not None else "markers",
            text=None if s.text is None else list(s.text),
            textposition="top left",
            marker={"color": color, "size": 11, "symbol": "diamond"},
        )
    if s.kind == "area":
        stack = {"stackgroup": "one"} if chart.stacked else {"fill": "tozeroy"}
        return go.Scatter(**common, mode="lines", line=line, **stack)
    shape = "hv" if s.kind == "step" else "linear"
    return go.Scatter(**common, mode="lines", line={**line, "shape": shape})


def sankey(chart: Chart) -> go.Figure:
    """A Sankey diagram of the chart's flows: a node per name, link colour by kind."""
    nodes = list(dict.fromkeys(n for f in chart.flows for n in (f.source, f.target)))
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": nodes,
                "pad": 18,
                "thickness": 16,
                "color": [PALETTE[i % len(PALETTE)] for i in range(len(nodes))],
            },
            link={
                "source": [nodes.index(f.source) for f in chart.flows],
                "target": [nodes.index(f.target) for f in chart.flows],
                "value": [f.value for f in chart.flows],
                "label": [f.kind for f in chart.flows],
                "color": [CASH_LINK if f.kind == "cash" else OTHER_LINK for f in chart.flows],
            },
            valuesuffix=f" {chart.y_title[chart.y_title.rfind('[') + 1 : -1]}",
        )
    )
    fig.update_layout(
        title={"text": chart.title, "x": 0.01},
        template="plotly_white",
        height=HEIGHT_PX,
        margin={"l": 20, "r": 20, "t": 50, "b": 20},
    )
    return fig


def figure(chart: Chart) -> go.Figure:
    if chart.flows:
        return sankey(chart)
    fig = go.Figure([_trace(s, i, chart) for i, s in enumerate(chart.series)])
    fig.update_layout(
        title={"text": chart.title, "x": 0.01},
        template="plotly_white",
        height=HEIGHT_PX,
        margin={"l": 70, "r": 20, "t": 50, "b": 60},
        barmode="stack" if chart.stacked else "group",
        hovermode="x unified",
        hoverlabel={"namelength": -1},  # whole series names
        legend={"orientation": "h", "y": -0.2, "traceorder": "normal"},
        showlegend=True,
        xaxis_title=chart.x_title,
        yaxis_title=chart.y_title,
    )
    if chart.x_type == "year":
        fig.update_xaxes(type="category")
    elif chart.x_type == "log":
        fig.update_xaxes(type="log")
    return fig


def chart_html(chart: Chart) -> str:
    """The chart's <div> and the script that draws it (plotly.js itself is inlined once)."""
    return pio.to_html(
        figure(chart),
        include_plotlyjs=False,
        full_html=False,
        div_id=chart.id,
        config=CONFIG,
        default_height=f"{HEIGHT_PX}px",
    )
