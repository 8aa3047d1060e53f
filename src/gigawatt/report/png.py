"""The report's charts as PNG files, drawn by matplotlib from the same chart specs.

Not kaleido: kaleido 1.x downloads a browser to render Plotly figures, and nothing here
downloads at run time. matplotlib's object API (Figure + Agg canvas) keeps no global state.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gigawatt.errors import GigawattError
from gigawatt.io import check_output_set, output_set, write_bytes
from gigawatt.report.base import Chart, Series
from gigawatt.report.charts import PALETTE

SIZE_IN = (9.0, 4.6)
DPI = 110
BAR_DAYS = 25  # bar width on a month axis
LABEL_CHARS = 60  # category labels longer than this in all are slanted
CAPTION_CHARS = 170  # a caption line at 7 pt across the figure's width


def _positions(chart: Chart, s: Series) -> Any:
    """x positions: dates on a month axis, category indices otherwise."""
    if chart.x_type == "month":
        return np.array(list(s.x), dtype="datetime64[M]").astype("datetime64[D]")
    if chart.x_type == "log":
        return np.asarray(list(s.x), dtype=float)
    labels = _categories(chart)
    return np.array([labels.index(str(v)) for v in s.x], dtype=float)


def _categories(chart: Chart) -> list[str]:
    seen: dict[str, None] = {}
    for s in chart.series:
        for v in s.x:
            seen.setdefault(str(v), None)
    return list(seen)


def _stack(bottoms: dict[Any, float], x: Any, y: np.ndarray) -> np.ndarray:
    """The base of each point of a stacked series (NaN: nothing drawn there), then raise it."""
    base = np.array([bottoms.get(xi, 0.0) for xi in x.tolist()])
    for xi, yi in zip(x.tolist(), np.nan_to_num(y), strict=True):
        bottoms[xi] = bottoms.get(xi, 0.0) + yi
    return base


def _draw(ax: Any, chart: Chart) -> None:
    bars = [s for s in chart.series if s.kind == "bar"]
    # The width of a whole group of bars.
    width = np.timedelta64(BAR_DAYS, "D") if chart.x_type == "month" else 0.8
    bottoms: dict[str, dict[Any, float]] = {"bar": {}, "area": {}}
    for i, s in enumerate(chart.series):
        color = PALETTE[i % len(PALETTE)]
        x = _positions(chart, s)
        y = np.asarray(s.y, dtype=float)
        if s.kind == "bar" and chart.horizontal:
            ax.barh(x, y, height=0.6, color=color, alpha=0.8, label=s.name)
        elif s.kind == "bar" and chart.stacked:
            base = _stack(bottoms["bar"], x, y)
            ax.bar(x, y, width=width, bottom=base, color=color, label=s.name)
        elif s.kind == "bar":
            k, n = bars.index(s), len(bars)
            offset = (k - (n - 1) / 2) * width / n
            ax.bar(x + offset, y, width=width / n, color=color, label=s.name)
        elif s.kind == "area":
            base = _stack(bottoms["area"], x, y) if chart.stacked else np.zeros_like(y)
            ax.fill_between(x, base, base + y, color=color, alpha=0.6, linewidth=0, label=s.name)
        elif s.kind == "markers":
            ax.scatter(x, y, color=color, marker="D", zorder=3, label=s.name)
            for xi, yi, label in zip(x, y, s.text or (), strict=False):
                ax.annotate(
                    label,
                    (xi, yi),
                    textcoords="offset points",
                    xytext=(-4, 6),
                    ha="right",
                    fontsize=7,
                )
        else:
            drawstyle = "steps-post" if s.kind == "step" else "default"
            ax.plot(x, y, "--" if s.dash else "-", color=color, drawstyle=drawstyle, label=s.name)
    if chart.horizontal:
        labels = _categories(chart)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.axvline(0.0, color="black", linewidth=0.8)
    elif chart.x_type == "log":
        ax.set_xscale("log")
    elif chart.x_type != "month":
        labels = _categories(chart)
        crowded = sum(len(label) for label in labels) > LABEL_CHARS
        ax.set_xticks(
            range(len(labels)),
            labels,
            rotation=25 if crowded else 0,
            ha="right" if crowded else "center",
        )


def render_png(chart: Chart) -> bytes:
    """One chart as PNG bytes."""
    fig = chart_figure(chart)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(chart: Chart) -> Any:
    """One chart as a matplotlib Figure: title, axes with units, legend and, under them, the
    chart's caption (a PNG lifted out of the page keeps its caveats)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _draw(ax, chart)
    ax.set_title(chart.title, loc="left", fontsize=11)
    value_axis = "x" if chart.horizontal else "y"
    ax.set_xlabel(chart.y_title if chart.horizontal else chart.x_title)
    ax.set_ylabel(chart.x_title if chart.horizontal else chart.y_title)
    ax.grid(True, axis=value_axis, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    if chart.note:
        fig.supxlabel(
            textwrap.fill(chart.note, CAPTION_CHARS), x=0.01, ha="left", fontsize=7, color="#555"
        )
    return fig


def check_png_export(folder: Path) -> None:
    """Everything PNG export needs, checked before anything is written (`gigawatt report`
    calls this before the HTML): matplotlib importable, and `folder` one gigawatt may replace
    (not a file, no files of the user's, no other process writing it)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as e:
        raise GigawattError(
            f"PNG export needs matplotlib, which cannot be imported here ({e}); nothing was "
            "written. Install it (it is a dependency of gigawatt) or ask for no PNGs"
        ) from None
    check_output_set(folder, [], field="png")


def render_pngs(charts: list[Chart]) -> dict[str, bytes]:
    """Each chart drawn as PNG bytes, by file name `<chart id>.png` (nothing written)."""
    return {f"{chart.id}.png": render_png(chart) for chart in charts}


def write_pngs(
    images: Mapping[str, bytes], folder: Path, about: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write the rendered `images` into `folder`, with `manifest.json` (`about` and each file's
    sha256), replacing the previous set of charts whole (`gigawatt.io.output_set`); the paths
    written."""
    with output_set(folder, list(images), dict(about or {}), field="png") as tmp:
        for name, data in images.items():
            write_bytes(tmp / name, data)
    return [folder / name for name in images]


def export_pngs(
    charts: list[Chart], folder: Path, about: Mapping[str, Any] | None = None
) -> list[Path]:
    """Draw each chart and write `<chart id>.png` into `folder` (`render_pngs`, `write_pngs`)."""
    return write_pngs(render_pngs(charts), folder, about)
