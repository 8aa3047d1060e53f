"""`gigawatt compare A B [C ...]`: scenarios side by side, one small table per headline output
(a scenario per column), after the inputs that differ."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from gigawatt.cli import programme  # noqa: F401  (registered first: `compare` follows `report`)
from gigawatt.cli.common import JsonOpt, _catalog, api, app, bold_name, console, emit_json
from gigawatt.display import Column, plain_text
from gigawatt.units import BILLION, FLOPS_PER_EFLOP, MILLION, T_PER_MT

#: The headline outputs, one table each (rows: years; columns: scenarios).
COMPARE_COLUMNS: list[Column] = [
    Column("facility_power_gw", "Facility power", "GW", digits=2),
    Column("it_power_gw", "IT power", "GW", digits=2),
    Column("accelerators", "Accelerators", "million", MILLION, 2),
    Column("peak_flops_per_s.fp8", "Peak dense FP8", "EFLOP/s", FLOPS_PER_EFLOP),
    Column("capex_usd", "Capex in the year", "USD B", BILLION, 1),
    Column("tranches_released_usd", "Money released in the year", "USD B", BILLION, 1),
    Column("cumulative_invested_usd", "Invested, cumulative", "USD B", BILLION, 1),
    Column("energy_twh", "Energy", "TWh", digits=1),
    Column("co2e_t", "CO2e, location-based", "Mt", T_PER_MT, 2),
    Column("largest_run_flop", "Largest run started in December", "FLOP", style="sci"),
]
#: Inputs shown in the text table (all of them are in --json).
INPUT_ROWS_SHOWN = 25
#: Widest line the tables aim at (a scenario per column while the names fit).
WIDTH = 80
#: Narrowest column a value needs.
VALUE_WIDTH = 10


def _headers(labels: list[str]) -> list[str]:
    """The scenario names as column headers, or A, B, C... when the names would not fit."""
    width = 8 + sum(max(len(label), VALUE_WIDTH) + 3 for label in labels)
    if width <= WIDTH:
        return labels
    return [chr(ord("A") + i) if i < 26 else str(i + 1) for i in range(len(labels))]


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


@app.command()
def compare(
    ctx: typer.Context,
    scenarios: Annotated[
        list[str],
        typer.Argument(help="Two or more scenario files or built-in names (`gigawatt scenarios`)."),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Also write one HTML report with overlaid charts to this file."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Scenarios side by side: the inputs that differ, then the headline yearly outputs."""
    result = api.compare(api.CompareRequest(scenarios=scenarios, out=out), catalog=_catalog(ctx))
    data = result.to_json()
    if as_json:
        emit_json(data)
        return
    labels = result.labels
    headers = _headers(labels)
    for header, row in zip(headers, data["scenarios"], strict=True):
        name = row["name"] if header == row["name"] else f"{header} = {row['name']}"
        console.print(bold_name(name, f"{row['title']} ({row['start']} to {row['end']})"))
    differ = data["inputs_differ"]
    table = Table(
        title=f"Inputs that differ ({len(differ)}; resolved point values)", title_justify="left"
    )
    table.add_column("Input", overflow="fold")
    for header in headers:
        table.add_column(header, overflow="fold")
    group = ""
    for row in differ[:INPUT_ROWS_SHOWN]:
        # a path's parent (`sites[0].phases[1]`) once, then its leaves indented: narrower
        parent, _, leaf = row["input"].removesuffix(".id").rpartition(".")
        if parent != group and parent:
            table.add_row(Text(plain_text(parent), style="bold"), *("" for _ in labels))
        group = parent
        name = f"  {leaf}" if parent else leaf
        table.add_row(name, *(_value(row["values"][label]) for label in labels))
    console.print(table)
    if len(differ) > INPUT_ROWS_SHOWN:
        console.print(f"... and {len(differ) - INPUT_ROWS_SHOWN} more: --json lists them all.")
    years = data["years"]
    for col in COMPARE_COLUMNS:
        table = Table(title=col.heading(), title_justify="left")
        table.add_column("Year", justify="right")
        for header in headers:
            table.add_column(header, justify="right")
        for y in years:
            cells = [col.cell(y["scenarios"][label] or {}) for label in labels]
            table.add_row(str(y["year"]), *cells)
        console.print(table)
    crossed = data["thresholds_first_crossed"]
    if crossed:
        table = Table(
            title="First year the December run crosses each threshold", title_justify="left"
        )
        table.add_column("Threshold", overflow="fold")
        for header in headers:
            table.add_column(header, justify="right")
        for tid, first in crossed.items():
            years_crossed = ("" if first[label] is None else str(first[label]) for label in labels)
            table.add_row(tid, *years_crossed)
        console.print(table)
    console.print(
        "As of each December (capex, money released and energy: in the year). "
        + (f"Report written to {out}." if out is not None else "--out FILE.html writes a report.")
    )
