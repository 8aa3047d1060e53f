"""Charts as Plotly figures, embedded in the report with plotly.js inline (no CDN, offline)."""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import plotly
import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline

from gigawatt import cache as disk_cache
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


def _trace(s: Series, i: int, chart: Chart) -> dict[str, Any]:
    """A trace as Plotly's JSON: `type` and its attributes."""
    color = PALETTE[i % len(PALETTE)]
    common: dict[str, Any] = {"name": s.name, "x": list(s.x), "y": list(s.y)}
    if s.hover is not None:
        common["hovertext"] = list(s.hover)
        common["hoverinfo"] = "text"
    if s.kind == "bar" and chart.horizontal:
        return {
            "type": "bar",
            "name": s.name,
            "x": list(s.y),
            "y": list(s.x),
            "orientation": "h",
            "marker": {"color": color},
            "opacity": 0.8,
        }
    if s.kind == "bar":
        return {"type": "bar", **common, "marker": {"color": color}}
    line = {"color": color, "dash": "dash" if s.dash else "solid"}
    if s.kind == "markers":
        markers: dict[str, Any] = {
            "type": "scatter",
            **common,
            "mode": "markers+text" if s.text is not None else "markers",
            "textposition": "top left",
            "marker": {"color": color, "size": 11, "symbol": "diamond"},
        }
        if s.text is not None:
            markers["text"] = list(s.text)
        return markers
    if s.kind == "area":
        stack = {"stackgroup": "one"} if chart.stacked else {"fill": "tozeroy"}
        return {"type": "scatter", **common, "mode": "lines", "line": line, **stack}
    shape = "hv" if s.kind == "step" else "linear"
    return {"type": "scatter", **common, "mode": "lines", "line": {**line, "shape": shape}}


TEMPLATE = "plotly_white"
#: The persistent cache's namespace for what Plotly makes the same each time: its validated
#: template, its HTML around a chart (`gigawatt cache info`).
TEMPLATE_NAMESPACE = "plotly-template"
#: Stand-ins for a chart's id, data and layout in the HTML Plotly writes around a chart.
_SLOT_ID = "gigawattslotid"
_SLOT_DATA = [{"type": "gigawattslotdata"}]
_SLOT_LAYOUT = {"height": HEIGHT_PX, "gigawattslotlayout": 0}


@cache
def _template() -> dict[str, Any]:
    """The `plotly_white` template as JSON, read once from the file Plotly builds it from
    (building Plotly's validated template object imports a few hundred modules); the same
    JSON as `pio.templates[TEMPLATE].to_plotly_json()`, which tests/report check."""
    path = Path(plotly.__file__).parent / "package_data" / "templates" / f"{TEMPLATE}.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {"data": raw["data"], "layout": raw["layout"]}


@cache
def _layout_template() -> dict[str, Any]:
    """The template as Plotly writes it into a validated figure's layout (the same values as
    `_template`, its keys in Plotly's property order), which is what a `sankey` figure holds.
    Built once per Plotly version and kept in the persistent cache (`gigawatt.cache`):
    building it imports and validates a few hundred Plotly classes."""
    key = f"{plotly.__version__}:{TEMPLATE}"
    found = disk_cache.get(TEMPLATE_NAMESPACE, key)
    if isinstance(found, dict):
        return found
    built = go.Layout(template=TEMPLATE).to_plotly_json()["template"]
    disk_cache.put(TEMPLATE_NAMESPACE, key, built)
    return built


def _scalar(value: Any) -> Any:
    """A NumPy scalar as the Python number Plotly's validators make of it."""
    return value.item() if isinstance(value, np.generic) else value


def _sankey_json(chart: Chart) -> dict[str, Any]:
    """`sankey(chart).to_plotly_json()` built directly, in the same key order (Plotly's
    validation of a template-laden layout is most of a report's chart time)."""
    flows = chart.flows
    nodes = list(dict.fromkeys(n for f in flows for n in (f.source, f.target)))
    trace = {
        "arrangement": "snap",
        "link": {
            "color": [CASH_LINK if f.kind == "cash" else OTHER_LINK for f in flows],
            "label": [f.kind for f in flows],
            "source": [nodes.index(f.source) for f in flows],
            "target": [nodes.index(f.target) for f in flows],
            "value": [_scalar(f.value) for f in flows],
        },
        "node": {
            "color": [PALETTE[i % len(PALETTE)] for i in range(len(nodes))],
            "label": nodes,
            "pad": 18,
            "thickness": 16,
        },
        "valuesuffix": _value_suffix(chart),
        "type": "sankey",
    }
    layout = {
        "template": _layout_template(),
        "title": {"text": chart.title, "x": 0.01},
        "margin": {"l": 20, "r": 20, "t": 50, "b": 20},
        "height": HEIGHT_PX,
    }
    return {"data": [trace], "layout": layout}


def _value_suffix(chart: Chart) -> str:
    """The unit of the chart's y title (`Money [USD B]` -> ` USD B`), for hover labels."""
    return f" {chart.y_title[chart.y_title.rfind('[') + 1 : -1]}"


def figure_json(chart: Chart) -> dict[str, Any]:
    """The chart as Plotly's figure JSON ({"data", "layout"}), built without Plotly's per-
    attribute validation (the slow part of a report); `figure` validates the same JSON.
    A chart with flows is its Sankey diagram's JSON (`sankey` validates the same)."""
    if chart.flows:
        return _sankey_json(chart)
    xaxis: dict[str, Any] = {"title": {"text": chart.x_title}}
    if chart.x_type == "year":
        xaxis["type"] = "category"
    elif chart.x_type == "log":
        xaxis["type"] = "log"
    layout = {
        "title": {"text": chart.title, "x": 0.01},
        "template": _template(),
        "height": HEIGHT_PX,
        "margin": {"l": 70, "r": 20, "t": 50, "b": 60},
        "barmode": "stack" if chart.stacked else "group",
        "hovermode": "x unified",
        "hoverlabel": {"namelength": -1},  # whole series names
        "legend": {"orientation": "h", "y": -0.2, "traceorder": "normal"},
        "showlegend": True,
        "xaxis": xaxis,
        "yaxis": {"title": {"text": chart.y_title}},
    }
    if chart.horizontal:  # the value axis runs along x, the categories up y
        layout |= {
            "xaxis": {"title": {"text": chart.y_title}},
            "yaxis": {"title": {"text": chart.x_title}, "type": "category", "automargin": True},
            "barmode": "overlay",
            "hovermode": "y unified",
            "margin": {"l": 220, "r": 20, "t": 50, "b": 60},
        }
    return {"data": [_trace(s, i, chart) for i, s in enumerate(chart.series)], "layout": layout}


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
            valuesuffix=_value_suffix(chart),
        )
    )
    fig.update_layout(
        title={"text": chart.title, "x": 0.01},
        template=TEMPLATE,
        height=HEIGHT_PX,
        margin={"l": 20, "r": 20, "t": 50, "b": 20},
    )
    return fig


def figure(chart: Chart) -> go.Figure:
    """The chart as a (validated) Plotly figure, for notebooks and checks; a chart with flows
    is a Sankey diagram."""
    return sankey(chart) if chart.flows else go.Figure(figure_json(chart))


def _plotly_html(fig: dict[str, Any], div_id: str) -> str:
    """Plotly's own HTML of a figure's JSON: its <div> and the script that draws it."""
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        config=CONFIG,
        default_height=f"{HEIGHT_PX}px",
        validate=False,
    )


def _json_slots() -> tuple[str, str]:
    """The stand-ins for the data and the layout as they appear in Plotly's HTML."""
    return (_plain_json(_SLOT_DATA) or "", _plain_json(_SLOT_LAYOUT) or "")


@cache
def _html_pieces() -> list[str]:
    """Plotly's HTML around a chart, cut at the chart's id (odd pieces `_SLOT_ID`), data and
    layout: written by Plotly once per Plotly version, then kept in the persistent cache
    (its JSON encoder imports validators and dataframe libraries, a tenth of a second)."""
    data, layout = _json_slots()
    # the height and the stand-ins are in the HTML too: a change to either is another entry
    key = f"{plotly.__version__}:html:{json.dumps(CONFIG)}:{HEIGHT_PX}:{_SLOT_ID}:{data}:{layout}"
    found = disk_cache.get(TEMPLATE_NAMESPACE, key)
    if isinstance(found, list) and all(isinstance(p, str) for p in found):
        return found
    html = _plotly_html({"data": _SLOT_DATA, "layout": _SLOT_LAYOUT}, _SLOT_ID)
    pattern = "|".join(re.escape(slot) for slot in (_SLOT_ID, data, layout))
    pieces = re.split(f"({pattern})", html)
    if pieces[1::2].count(data) != 1 or pieces[1::2].count(layout) != 1:
        return []  # not the HTML expected: each chart goes through Plotly
    disk_cache.put(TEMPLATE_NAMESPACE, key, pieces)
    return pieces


def _plain_json(value: Any) -> str | None:
    """`plotly.io.json.to_json_plotly(value)` for plain JSON data (dicts, lists, strings,
    numbers) under Plotly's built-in `json` engine: compact, NaN and infinities as null (the
    text read back and written again, as Plotly's encoder does), and `<`, `>`, `/` escaped so
    no string closes the <script>. None for anything else (NumPy integers, dates), which
    Plotly's own encoder then writes."""
    try:
        text = json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    if "NaN" in text or "Infinity" in text:
        text = json.dumps(json.loads(text, parse_constant=lambda _: None), separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("/", "\\u002f")


def chart_html(chart: Chart) -> str:
    """The chart's <div> and the script that draws it (plotly.js itself is inlined once): the
    HTML Plotly writes, put together from its pieces (`_html_pieces`) when the figure is plain
    JSON at the usual height and Plotly would use its built-in encoder; else Plotly's own."""
    fig = figure_json(chart)
    layout = fig["layout"]
    data_json, layout_json = _plain_json(fig["data"]), _plain_json(layout)
    plain = (
        data_json is not None
        and layout_json is not None
        and layout.get("height") == HEIGHT_PX
        and importlib.util.find_spec("orjson") is None  # else Plotly's "auto" engine is orjson
    )
    if not plain:
        return _plotly_html(fig, chart.id)
    pieces = _html_pieces()
    if not pieces:
        return _plotly_html(fig, chart.id)
    slots = {_SLOT_ID: chart.id, **dict(zip(_json_slots(), (data_json, layout_json), strict=True))}
    return "".join(slots[p] if i % 2 else p for i, p in enumerate(pieces))
