"""What a report section is made of: charts as data, tables as text, and the run they describe.

A chart is a neutral spec (series of x and y values with axis titles that carry units), so the
same data draws as a Plotly chart in the HTML and as a matplotlib PNG (`--png`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.display import Column
from gigawatt.scenario import Scenario
from gigawatt.simulate import Results

SeriesKind = Literal["line", "step", "area", "bar", "markers"]
XType = Literal["month", "year", "category", "log"]  # log: numeric x on a log axis
#: An axis title names its unit in brackets at the end: "Power [GW]".
UNIT_IN_TITLE = re.compile(r"\[[^\]]+\]$")


@dataclass(frozen=True)
class Series:
    """One line, area, set of bars or markers. `text` labels each point (shown beside markers);
    `hover` is the longer text a reader sees on hover (a tranche's trigger)."""

    name: str
    x: Sequence[Any]
    y: Sequence[float]
    kind: SeriesKind = "line"
    text: Sequence[str] | None = None
    hover: Sequence[str] | None = None
    dash: bool = False

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise ValueError(f"series {self.name!r}: {len(self.x)} x values, {len(self.y)} y")


@dataclass(frozen=True)
class Flow:
    """One link of a Sankey diagram: `value` from node `source` to node `target`, in the unit of
    the chart's y title; `kind` says what moves (cash, or shares at their value)."""

    source: str
    target: str
    value: float
    kind: str = "cash"


@dataclass(frozen=True)
class Chart:
    """A chart: `id` names its HTML element and PNG file; `stacked` stacks its bars and areas;
    `horizontal` draws bars along the x axis (a tornado): the series' x are then the
    categories on the vertical axis and `y_title` still names the value axis. A chart with
    `flows` draws as a Sankey diagram in the HTML; its `series` (the same flows as bars) are
    what the PNG draws."""

    id: str
    title: str
    x_title: str
    y_title: str
    series: tuple[Series, ...]
    x_type: XType = "month"
    stacked: bool = False
    note: str = ""
    horizontal: bool = False
    flows: tuple[Flow, ...] = ()

    def __post_init__(self) -> None:
        if not UNIT_IN_TITLE.search(self.y_title):
            raise ValueError(f"chart {self.id!r}: the y axis title {self.y_title!r} needs a unit")


@dataclass(frozen=True)
class Table:
    """Rows of display strings; `numeric[i]` right-aligns column i."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    note: str = ""

    def align(self, i: int) -> str:
        return "num" if i < len(self.numeric) and self.numeric[i] else "text"


@dataclass(frozen=True)
class Section:
    """One part of the report: `id` is its anchor and its name in `report --json`."""

    id: str
    title: str
    paragraphs: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    bullets: tuple[str, ...] = ()
    bullets_title: str = ""


@dataclass(frozen=True)
class ReportContext:
    """What a section builder reads. `inputs` is the scenario before its distributions were
    resolved (None when unknown); `catalog` records the ids the run looked up when it is a
    `Catalog.recording()` view; `sweep` carries a sweep's samples once sweeps exist."""

    results: Results
    catalog: Catalog
    inputs: Scenario | None = None
    sweep: Any = None
    #: The tornado of the headline outputs (`OutputSensitivity` each), when the app ran one.
    tornado: Any = None


#: A section builder: one function per section, None when its stage did not run.
SectionFn = Callable[[ReportContext], Section | None]


# --- display (the edge: SI values in, display units out; formatters in gigawatt.display) -------


def as_list(values: np.ndarray, scale: float = 1.0) -> list[float]:
    """A NumPy array in display units as plain floats (JSON-safe for the chart payload)."""
    return [float(v) for v in np.asarray(values, dtype=float) / scale]


def column_table(
    title: str, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], note: str = ""
) -> Table:
    """A table of rows (JSON-keyed dicts) under `columns`, units in brackets in the headers."""
    return Table(
        title,
        tuple(c.heading(brackets=True) for c in columns),
        tuple(tuple(c.cell(row) for c in columns) for row in rows),
        tuple(c.numeric for c in columns),
        note,
    )
