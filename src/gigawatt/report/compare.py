"""One HTML report of several scenarios side by side (`gigawatt report A --compare B`,
`gigawatt compare A B --out FILE`): the inputs that differ first, then one chart per headline
output with a line per scenario, then the catalog records the runs used.

Built from a `Comparison` of runs already simulated, never by simulating again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.compare import Comparison
from gigawatt.display import dig, fmt_value, key_unit, shown_container
from gigawatt.io import write_text
from gigawatt.report.base import Chart, ReportContext, Section, Series, Table
from gigawatt.report.document import Report, render_report
from gigawatt.report.sources import sources_section
from gigawatt.units import BILLION, FLOPS_PER_EFLOP, MILLION, T_PER_MT

#: One chart per headline output: (chart id, title, JSON key of a year, axis title, scale).
COMPARE_CHARTS: list[tuple[str, str, str, str, float]] = [
    ("compare-facility-power", "Facility power online", "facility_power_gw", "Power [GW]", 1.0),
    (
        "compare-accelerators",
        "Accelerators online",
        "accelerators",
        "Accelerators [million]",
        MILLION,
    ),
    (
        "compare-peak-fp8",
        "Peak dense FP8 compute",
        "peak_flops_per_s.fp8",
        "Compute [EFLOP/s]",
        FLOPS_PER_EFLOP,
    ),
    ("compare-capex", "Capex in the year", "capex_usd", "Capex [USD B]", BILLION),
    (
        "compare-released",
        "Money released by deals in the year",
        "tranches_released_usd",
        "Released [USD B]",
        BILLION,
    ),
    (
        "compare-invested",
        "Invested by deals, cumulative",
        "cumulative_invested_usd",
        "Invested [USD B]",
        BILLION,
    ),
    (
        "compare-energy",
        "Facility energy in the year",
        "energy_twh",
        "Facility energy [TWh]",
        1.0,
    ),
    ("compare-co2e", "CO2e in the year (location-based)", "co2e_t", "CO2e [Mt]", T_PER_MT),
    (
        "compare-largest-run",
        "Largest run started in December",
        "largest_run_flop",
        "Training compute [1e27 FLOP]",
        1e27,
    ),
]


@dataclass(frozen=True)
class _Heading:
    """What the page header shows for several scenarios."""

    name: str
    start: str
    end: str


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_value(value)
    return shown_container(value) or str(value)


def _input_row(row: dict[str, Any], labels: list[str]) -> tuple[str, ...]:
    """An input's path and values; an amount scaled to its row's unit, named after the path
    (`amount_usd [USD B]`: 80, not 80,000,000,000)."""
    values = [row["values"][label] for label in labels]
    unit = key_unit(row["input"], values)
    if unit is None:
        return (row["input"], *map(_shown, values))
    name, scale = unit
    scaled = [
        v / scale if isinstance(v, int | float) and not isinstance(v, bool) else v for v in values
    ]
    return (f"{row['input']} [{name}]", *(_shown(v) for v in scaled))


def inputs_section(comparison: Comparison) -> Section:
    labels = comparison.labels
    scenarios = Table(
        "Scenarios",
        ("Name", "Title", "From", "To", "Power basis"),
        tuple(
            (r["name"], r["title"], r["start"], r["end"], r["power_basis"])
            for r in comparison.scenario_rows()
        ),
    )
    differ = Table(
        f"Inputs that differ ({len(comparison.inputs_differ)})",
        ("Input", *labels),
        tuple(_input_row(row, labels) for row in comparison.inputs_differ),
        note="Resolved point values of each scenario (the mode, median, mean or midpoint of an "
        "uncertain input); a catalog record the scenarios use differently is one row, its id.",
    )
    return Section(
        id="inputs",
        title="Inputs that differ",
        paragraphs=(
            "Each scenario is simulated on its own, as `gigawatt run` would; the charts below put "
            "their yearly outputs, as of each December, on one axis.",
            comparison.attribution(),
            *(f"Caveat ({', '.join(c['scenarios'])}): {c['caveat']}" for c in comparison.caveats()),
        ),
        tables=(scenarios, differ),
    )


def outputs_section(comparison: Comparison) -> Section:
    years = comparison.years()
    charts = []
    for chart_id, title, key, y_title, scale in COMPARE_CHARTS:
        series = []
        for label in comparison.labels:
            # every year on every series (NaN where a scenario does not cover it), so the
            # category axis runs in year order whichever scenario starts first
            values = [dig(y["scenarios"][label] or {}, key) for y in years]
            series.append(
                Series(
                    label,
                    [str(y["year"]) for y in years],
                    [float("nan") if v is None else v / scale for v in values],
                )
            )
        charts.append(Chart(chart_id, title, "Year", y_title, tuple(series), x_type="year"))
    crossed = comparison.first_crossings()
    tables = []
    if crossed:
        tables.append(
            Table(
                "First year the December run crosses each threshold (in force then)",
                ("Threshold", *comparison.labels),
                tuple(
                    (
                        tid,
                        *("" if first[lb] is None else str(first[lb]) for lb in comparison.labels),
                    )
                    for tid, first in crossed.items()
                ),
                (False, *(True for _ in comparison.labels)),
            )
        )
    return Section(
        id="outputs",
        title="Headline outputs side by side",
        paragraphs=(
            "Power, accelerators and compute are as of December; capex, money released, energy "
            "and CO2e are flows in the year; the largest run is the one that can start in "
            "December (`gigawatt capability`).",
        ),
        charts=tuple(charts),
        tables=tuple(tables),
    )


def build_comparison_report(comparison: Comparison, catalog: Catalog) -> Report:
    """The side-by-side report. `catalog` is the `Catalog.recording()` view the scenarios were
    loaded and simulated with: its lookups become the table of sources."""
    sources = sources_section(ReportContext(results=comparison.results[0], catalog=catalog))
    sections = (inputs_section(comparison), outputs_section(comparison), sources)
    runs = comparison.results
    heading = _Heading(
        name=" vs ".join(comparison.labels),
        start=min(r.scenario.start for r in runs),
        end=max(r.scenario.end for r in runs),
    )
    return render_report("Side by side: " + ", ".join(comparison.labels), heading, sections)


def write_comparison_report(comparison: Comparison, catalog: Catalog, path: Path) -> Report:
    """Build the side-by-side report and write it to `path` atomically."""
    report = build_comparison_report(comparison, catalog)
    write_text(path, report.html)
    return report
