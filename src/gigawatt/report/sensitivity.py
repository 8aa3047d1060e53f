"""The report's sensitivity section: a tornado of the scenario's headline outputs.

Each uncertain input alone at its P10 and at its P90, the others at their point values
(`gigawatt.sweep.sensitivity.tornado`, 2 simulations per input, computed by the app before the
report is built); the bars show how far each moves the output from the point-value run, the
largest swing on top. Sobol indices need thousands of runs: `gigawatt sensitivity` has them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from gigawatt.display import fmt_value
from gigawatt.report.base import Chart, ReportContext, Section, Series, Table
from gigawatt.scenario import Scenario
from gigawatt.sweep.headline import headline_column, is_date_key
from gigawatt.sweep.samples import HELD_FIXED_SENSITIVITY, template_of
from gigawatt.sweep.sensitivity import TORNADO_LEVELS, OutputSensitivity, moves

MONTHS_PER_YEAR = 12
#: Outputs drawn as tornado charts (the table lists them all); a date output is drawn as the
#: month the last planned GW is deployed.
CHARTED = (
    "facility_power_gw_end",
    "capex_usd_total",
    "tranches_released_usd_total",
    "energy_twh_total",
    "largest_run_flop_end",
)
#: Inputs shown per chart and per table row.
CHART_INPUTS = 8
TABLE_INPUTS = 3


def _last_gw_key(outputs: Sequence[OutputSensitivity]) -> str | None:
    gw = [o.key for o in outputs if o.key.startswith("gw_deployed_date[")]
    return gw[-1] if gw else None


def _chart(out: OutputSensitivity) -> Chart | None:
    bars = [b for b in out.tornado if moves(out.key, b)][:CHART_INPUTS]
    if not bars or out.base is None or not math.isfinite(out.base):
        return None
    col = headline_column(out.key)
    if is_date_key(out.key):
        scale, unit = 1 / MONTHS_PER_YEAR, "months"  # decimal years -> months
    elif col.style == "sci":
        scale, unit = 10 ** math.floor(math.log10(abs(out.base) or 1.0)), ""
        unit = f"{scale:.0e} {col.unit}".replace("e+", "e")
    else:
        scale, unit = col.scale, col.unit
    low, high = (round(q * 100) for q in TORNADO_LEVELS)
    names = [b.input for b in reversed(bars)]  # plotly draws the first category at the bottom
    series = tuple(
        Series(
            f"input at its P{q}",
            names,
            [(getattr(b, attr) - out.base) / scale for b in reversed(bars)],
            kind="bar",
        )
        for q, attr in ((low, "output_low"), (high, "output_high"))
    )
    base = col.cell({out.key: out.base})
    return Chart(
        f"tornado-{out.key.replace('_', '-').replace('[', '-').replace(']', '')}",
        f"{col.header}: change from the point-value run ({base})",
        "Uncertain input",
        f"Change [{unit}]",
        series,
        x_type="category",
        horizontal=True,
    )


def _table(outputs: Sequence[OutputSensitivity]) -> Table:
    low, high = (round(q * 100) for q in TORNADO_LEVELS)
    rows = []
    for out in outputs:
        col = headline_column(out.key)
        movers = [b for b in out.tornado if moves(out.key, b)]
        cells = [
            f"{b.input}: {col.cell({out.key: b.output_low})} to "
            f"{col.cell({out.key: b.output_high})}"
            for b in movers[:TABLE_INPUTS]
        ]
        cells = cells or ["no input moves it"]
        cells += [""] * (TABLE_INPUTS - len(cells))
        unit = f" [{col.unit}]" if col.unit else ""
        base = col.cell({out.key: out.base}) if out.base is not None else ""
        rows.append((f"{col.header}{unit}", base or "never", *cells))
    return Table(
        "Every headline output: its three largest movers",
        ("Output", "Point value", "1st", "2nd", "3rd"),
        tuple(rows),
        numeric=(False, True, False, False, False),
        note=f"Each mover: the input, then the output with that input at its P{low} and at its "
        f"P{high}, the others at their point values.",
    )


def _as_used(value: float, whole_number: bool) -> str:
    """A quantile as the runs use it: a whole-number input (months) rounded, its quantile
    after it."""
    if not whole_number or round(value) == value:
        return fmt_value(value)
    return f"{round(value)} ({fmt_value(value)})"


def _inputs_table(outputs: Sequence[OutputSensitivity], inputs: Scenario | None) -> Table:
    """Each input's range: the values the tornado sets it to."""
    low, high = (round(q * 100) for q in TORNADO_LEVELS)
    bars = sorted(outputs[0].tornado, key=lambda b: b.input)
    whole: dict[str, bool] = {}
    if inputs is not None:
        template = template_of(inputs)
        whole = dict(zip(template.paths, template.integer, strict=True))
    return Table(
        "The inputs and the values the tornado sets them to",
        ("Input", f"At its P{low}", f"At its P{high}"),
        tuple(
            (
                path if path == b.input else f"{path} (shared: {b.input})",
                _as_used(lo, whole.get(path, False)),
                _as_used(hi, whole.get(path, False)),
            )
            for b in bars
            for path, lo, hi in b.members
        ),
        numeric=(False, True, True),
        note="Each range is a quantile of the input's distribution in the scenario file (listed "
        "with its point value under the scenario's uncertain inputs; the scenario's sources "
        "are its citations). A whole-number input (months) takes the rounded quantile, shown "
        "first, the quantile after it. Inputs of one shared group move together: the tornado "
        "sets them all to their own P10, then P90, as one bar named by the group.",
    )


def sensitivity_section(ctx: ReportContext) -> Section | None:
    outputs: Sequence[OutputSensitivity] | None = ctx.tornado
    if not outputs:
        return None
    by_key = {o.key: o for o in outputs}
    keys = [*CHARTED, _last_gw_key(outputs)]
    charts = [c for k in keys if k in by_key and (c := _chart(by_key[k])) is not None]
    low, high = (round(q * 100) for q in TORNADO_LEVELS)
    inputs = len(outputs[0].tornado)
    return Section(
        "sensitivity",
        "Sensitivity: which assumption moves the answer",
        paragraphs=(
            f"A tornado over the scenario's {inputs} uncertain inputs: each input alone at its "
            f"P{low} and at its P{high}, the others at their point values ({2 * inputs} runs "
            "besides the point-value run). Bars show the change from the point-value run, the "
            "largest swing on top. One at a time, it misses interactions; `gigawatt sensitivity "
            "SCENARIO` adds variance-based Sobol indices, which include them.",
            f"Not varied, so no bar can show them: {'; '.join(HELD_FIXED_SENSITIVITY)}. An "
            "output no input moves (the largest run's compute at the end, for one) depends on "
            "these alone. GW deployed are counted on the scenario's power basis "
            f"({ctx.results.scenario.power_basis}), as the deals' triggers count them.",
        ),
        charts=tuple(charts),
        tables=(_table(outputs), _inputs_table(outputs, ctx.inputs)),
    )
