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
from gigawatt.display import Column, fmt_value, key_unit, plain_text, shown_container
from gigawatt.units import BILLION, FLOPS_PER_EFLOP, MILLION, T_PER_MT

#: The headline outputs, one table each (rows: years; columns: scenarios).
COMPARE_COLUMNS: list[Column] = [
    Column("facility_power_gw", "Facility power", "GW", digits=2),
    Column("it_power_gw", "IT power", "GW", digits=2),
    Column("accelerators", "Accelerators", "million", MILLION, 2),
    Column("peak_flops_per_s.fp8", "Peak dense FP8", "EFLOP/s", FLOPS_PER_EFLOP),
    Column("capex_usd", "Capex in the year", "USD B", BILLION, 1),
    Column(
        "tranches_released_usd",
        "Deal money released in the year (investment, purchase commitments, leases)",
        "USD B",
        BILLION,
        1,
    ),
    Column("cumulative_invested_usd", "Invested, cumulative", "USD B", BILLION, 1),
    Column(
        "warrant_value_usd",
        "Warrants vested (shares, not cash: not in Invested), at December's modelled share price",
        "USD B",
        BILLION,
        1,
    ),
    Column("energy_twh", "Facility energy", "TWh", digits=1),
    Column("co2e_t", "CO2e, location-based", "Mt", T_PER_MT, 2),
    Column("largest_run_flop", "Largest run started in December", "FLOP", style="sci"),
]
#: Tables shown only when some scenario has a value there (most deals have no warrants).
WHEN_ANY = frozenset({"warrant_value_usd"})
#: Inputs shown in the text table (all of them are in --json).
INPUT_ROWS_SHOWN = 25
#: Widest line the tables aim at (a scenario per column while the names fit).
WIDTH = 80
#: Narrowest column a value needs.
VALUE_WIDTH = 10


def _table_width(columns: list[list[str]]) -> int:
    """Characters a Rich table with these cells (header first) takes: cells, padding, borders."""
    return sum(max(map(len, cells)) for cells in columns) + 3 * len(columns) + 1


def _headers(labels: list[str], row_labels: tuple[str, ...] = ()) -> list[str]:
    """The scenario names as column headers, or A, B, C... when the names would not fit beside
    the widest row label (a threshold id, say) and a value."""
    first = ["Threshold", *row_labels] if row_labels else ["x" * 8]
    if _table_width([first, *([label, "x" * VALUE_WIDTH] for label in labels)]) <= WIDTH:
        return labels
    return [chr(ord("A") + i) if i < 26 else str(i + 1) for i in range(len(labels))]


def _inputs_table(differ: list[dict[str, Any]], labels: list[str], headers: list[str]) -> Table:
    """The inputs that differ: a scenario per column while every value fits whole in 80
    columns, else one line per scenario under each input (an id is never cut)."""
    rows: list[tuple[str, list[str]]] = []  # (input, values); values empty for a group line
    group = ""
    for row in differ[:INPUT_ROWS_SHOWN]:
        # a path's parent (`sites[0].phases[1]`) once, then its leaves indented: narrower
        parent, _, leaf = row["input"].removesuffix(".id").rpartition(".")
        if parent != group and parent:
            rows.append((parent, []))
        group = parent
        values = [row["values"][x] for x in labels]
        unit = key_unit(leaf, values)  # an amount in USD B, a power in GW: unit in the label
        if unit is not None:
            leaf, scale = f"{leaf} ({unit[0]})", unit[1]
            values = [v / scale if _is_number(v) else v for v in values]
        rows.append((f"  {leaf}" if parent else leaf, [_value(v) for v in values]))
    title = f"Inputs that differ ({len(differ)}; resolved point values)"
    names = ["Input", *(name for name, _ in rows)]
    wide = [names] + [
        [header, *(values[i] for _, values in rows if values)] for i, header in enumerate(headers)
    ]
    if _table_width(wide) <= WIDTH:
        table = Table(title=title, title_justify="left")
        table.add_column("Input", overflow="fold")
        for header in headers:
            table.add_column(header, overflow="fold")
        for name, values in rows:
            if values:
                table.add_row(name, *values)
            else:
                table.add_row(Text(plain_text(name), style="bold"), *("" for _ in labels))
        return table
    table = Table(title=title, title_justify="left")
    table.add_column("Input", overflow="fold")
    table.add_column("Scenario", overflow="fold")
    table.add_column("Value", overflow="fold")
    for name, values in rows:
        if not values:
            table.add_row(Text(plain_text(name), style="bold"), "", "")
            continue
        for i, (header, value) in enumerate(zip(headers, values, strict=True)):
            table.add_row(name if i == 0 else "", header, value, end_section=i == len(values) - 1)
    return table


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value(value: Any) -> str:
    """An input value as written: `(none)` when the scenario has none, numbers by `fmt_value`
    (separators, 4 digits; never `8e+10`: amounts arrive scaled to their row's unit)."""
    if value is None:
        return "(none)"
    if _is_number(value):
        return fmt_value(value)
    return shown_container(value) or str(value)


@app.command()
def compare(
    ctx: typer.Context,
    scenarios: Annotated[
        list[str],
        typer.Argument(
            metavar="SCENARIOS",
            help="Two or more scenario files or built-in names (`gigawatt scenarios`).",
        ),
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
    crossed = data["thresholds_first_crossed"]
    headers = _headers(labels, tuple(crossed))
    for header, row in zip(headers, data["scenarios"], strict=True):
        name = row["name"] if header == row["name"] else f"{header} = {row['name']}"
        console.print(bold_name(name, f"{row['title']} ({row['start']} to {row['end']})"))
    differ = data["inputs_differ"]
    console.print(_inputs_table(differ, labels, headers))
    if len(differ) > INPUT_ROWS_SHOWN:
        console.print(f"... and {len(differ) - INPUT_ROWS_SHOWN} more: --json lists them all.")
    years = data["years"]
    for col in COMPARE_COLUMNS:
        if col.key in WHEN_ANY and not any(
            (y["scenarios"][label] or {}).get(col.key) for y in years for label in labels
        ):
            continue  # no scenario has warrants: a table of zeros would say nothing
        table = Table(title=col.heading(), title_justify="left")
        table.add_column("Year", justify="right")
        for header in headers:
            table.add_column(header, justify="right")
        for y in years:
            cells = [col.cell(y["scenarios"][label] or {}) for label in labels]
            table.add_row(str(y["year"]), *cells)
        console.print(table)
    if crossed:
        table = Table(
            title="First year the December run crosses each threshold (in force then)",
            title_justify="left",
        )
        table.add_column("Threshold", overflow="fold")
        for header in headers:
            table.add_column(header, justify="right")
        for tid, first in crossed.items():
            years_crossed = ("" if first[label] is None else str(first[label]) for label in labels)
            table.add_row(tid, *years_crossed)
        console.print(table)
    for c in data["caveats"]:
        console.print(f"Caveat ({', '.join(c['scenarios'])}): {c['caveat']}")
    console.print(
        data["attribution"]
        + " As of each December (capex, money released and energy: in the year). USD: costs "
        "at the catalog's quoted prices, not escalated for inflation and not discounted; deal "
        "amounts as announced. "
        + (f"Report written to {out}." if out is not None else "--out FILE.html writes a report.")
    )
