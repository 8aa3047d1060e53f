"""Programme commands: run, catalog, scenarios, show, finance, capability, report, sweep."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from gigawatt.catalog.schema import KINDS
from gigawatt.cli.common import (
    DEFAULT_SCENARIO,
    JsonOpt,
    ScenarioArg,
    _catalog,
    _dig,
    _fixed,
    _print_table,
    _sci,
    app,
    console,
    emit_json,
)
from gigawatt.scenario import builtin_scenarios, scenario_path
from gigawatt.simulate import run_scenario
from gigawatt.sweep import DEFAULT_STORE, run_sweep

# --- run --------------------------------------------------------------------------------------


#: The yearly tables `gigawatt run` prints: (title, [(header, key in a year, format)]).
#: A model that adds keys to the years adds its table here.
SUMMARY_TABLES: list[tuple[str, list[tuple[str, str, Any]]]] = [
    (
        "Build-out (as of December)",
        [
            ("Year", "year", str),
            ("Facility GW", "facility_power_gw", _fixed(2)),
            ("IT GW", "it_power_gw", _fixed(2)),
            ("Accelerators", "accelerators", _fixed(0)),
            ("BF16 EFLOP/s", "peak_flops_per_s.bf16", _fixed(0, 1e18)),
            ("FP8 EFLOP/s", "peak_flops_per_s.fp8", _fixed(0, 1e18)),
            ("FP4 EFLOP/s", "peak_flops_per_s.fp4", _fixed(0, 1e18)),
        ],
    ),
    (
        "Money (USD B; flows in the year, cumulative figures as of December)",
        [
            ("Year", "year", str),
            ("Capex", "capex_usd", _fixed(1, 1e9)),
            ("Opex", "opex_usd", _fixed(1, 1e9)),
            ("Depreciation", "depreciation_usd", _fixed(1, 1e9)),
            ("Released", "tranches_released_usd", _fixed(1, 1e9)),
            ("Invested (cum.)", "cumulative_invested_usd", _fixed(1, 1e9)),
            ("Circular share", "circular_share", _fixed(2)),
        ],
    ),
    (
        "Energy (calendar year; location-based and market-based CO2e)",
        [
            ("Year", "year", str),
            ("TWh", "energy_twh", _fixed(1)),
            ("Mt CO2e", "co2e_t", _fixed(2, 1e6)),
            ("Mt CO2e market", "co2e_market_t", _fixed(2, 1e6)),
            ("Mt embodied", "embodied_co2e_t", _fixed(2, 1e6)),
            ("Site water Mm3", "water_m3", _fixed(1, 1e6)),
            ("Country-sized", "country_equivalent", lambda v: v or ""),
        ],
    ),
    (
        "Capability (the largest run started in December; more: `gigawatt capability`)",
        [
            ("Year", "year", str),
            ("Site", "largest_run_site", lambda v: v or ""),
            ("Accel.", "largest_run_accelerators", _fixed(0)),
            ("MFU", "largest_run_mfu", _fixed(2)),
            ("Goodput", "largest_run_goodput", _fixed(2)),
            ("FLOP", "largest_run_flop", _sci),
            ("x ref", "largest_run_vs_reference", _fixed(0)),
            ("Params T", "chinchilla_params", _fixed(1, 1e12)),
        ],
    ),
]


@app.command()
def run(
    ctx: typer.Context,
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for results.parquet, summary.json, report.html.")
    ] = Path("gigawatt-out"),
    as_json: JsonOpt = False,
) -> None:
    """Simulate the whole programme; print a yearly summary and write the results."""
    results = run_scenario(scenario, _catalog(ctx), out_dir=out)
    years = results.years()
    if as_json:
        emit_json({"scenario": results.scenario.name, "years": years})
        return
    sc = results.scenario
    console.print(f"[bold]{sc.name}[/bold]: {sc.title}" if sc.title else f"[bold]{sc.name}[/bold]")
    for title, columns in SUMMARY_TABLES:
        if not any(_dig(years[0], key) is not None for _, key, _ in columns[1:]):
            continue  # that model did not run
        table = Table(title=title, title_justify="left")
        for header, _, _ in columns:
            table.add_column(header, justify="right")
        for y in years:
            table.add_row(*(fmt(_dig(y, key)) for _, key, fmt in columns))
        console.print(table)
    console.print(
        f"As of each December (or the last month). Phases add power at the "
        f"{'grid connection' if sc.power_basis == 'facility' else 'racks (IT)'}; peak FLOP/s are "
        f"dense. Results written to {out}/"
    )


# --- catalog, scenarios, show -----------------------------------------------------------------


@app.command("catalog")
def catalog_cmd(
    ctx: typer.Context,
    kind: Annotated[
        str | None, typer.Argument(help=f"One of: {', '.join(KINDS)}. Omit for all kinds.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List catalog records with their sources."""
    cat = _catalog(ctx)
    kinds = [kind] if kind else list(KINDS)
    if kind and kind not in KINDS:
        cat.all(kind)  # raises the did-you-mean error
    if as_json:
        records = []
        for k in kinds:
            for rec in cat.all(k):
                records.append({"id": rec.id, "kind": k, **rec.model_dump(mode="json")})
        emit_json({"records": records})
        return
    if not kind:
        table = Table(title="Catalog kinds", title_justify="left")
        table.add_column("Kind")
        table.add_column("Records", justify="right")
        for k in kinds:
            table.add_row(k, str(len(cat.all(k))))
        console.print(table)
        console.print("`gigawatt catalog KIND` lists a kind's records with their sources.")
        return
    table = Table(title=kind, title_justify="left", show_lines=False)
    for col in ("id", "name", "status", "as of", "source"):
        table.add_column(col, overflow="fold")
    for rec in cat.all(kind):
        table.add_row(rec.id, rec.name or "", rec.status_detail(), str(rec.as_of), rec.source)
    console.print(table)


@app.command()
def scenarios(as_json: JsonOpt = False) -> None:
    """List the built-in scenarios."""
    rows = []
    for name, path in builtin_scenarios().items():
        first = path.read_text(encoding="utf-8")
        title = next(
            (ln.split(":", 1)[1].strip() for ln in first.splitlines() if ln.startswith("title:")),
            "",
        )
        rows.append(
            {"name": name, "title": title.strip("\"'"), "default": name == DEFAULT_SCENARIO}
        )
    if as_json:
        emit_json({"scenarios": rows})
        return
    table = Table(title="Built-in scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("title", overflow="fold")
    for r in rows:
        table.add_row(r["name"] + (" (default)" if r["default"] else ""), r["title"])
    console.print(table)
    console.print("`gigawatt show NAME` prints one to copy and edit.")


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="Built-in scenario name or a scenario file.")],
    as_json: JsonOpt = False,
) -> None:
    """Print a scenario file (to copy and edit)."""
    path = scenario_path(name)
    text = path.read_text(encoding="utf-8")
    if as_json:
        emit_json({"name": path.stem, "path": str(path), "yaml": text})
        return
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- finance ----------------------------------------------------------------------------------


def _bought(t: dict[str, Any]) -> str:
    """What a released tranche bought, for display."""
    if t["stake_share"] is not None:
        return f"{t['stake_share']:.2%} at USD {t['valuation_usd'] / 1e9:,.0f}B"
    if t["shares"] is not None:
        value = "" if t["value_usd"] is None else f", worth USD {t['value_usd'] / 1e9:,.2f}B"
        return f"{t['shares'] / 1e6:,.2f}M shares{value}"
    return ""


@app.command()
def finance(
    ctx: typer.Context,
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    as_json: JsonOpt = False,
) -> None:
    """Capex, opex, tranches released, stakes, warrants and the circular share, by year."""
    results = run_scenario(scenario, _catalog(ctx), until="finance")
    report = {"scenario": results.scenario.name, **results.stages["finance"].summary()}
    if as_json:
        emit_json(report)
        return
    console.print(f"[bold]{report['scenario']}[/bold]: money from {report['start']}")
    for deal in report["deals"]:
        table = Table(
            title=f"{deal['deal']} ({deal['stage']}): tranches released", title_justify="left"
        )
        for col in ("Date", "Tranche", "Instrument", "USD B", "Bought"):
            table.add_column(col, justify="right" if col == "USD B" else "left", overflow="fold")
        for t in report["tranches"]:
            if t["deal"] == deal["deal"]:
                instrument = f"{t['instrument']}, {t['payer']} to {t['payee']}"
                amount = f"{t['amount_usd'] / 1e9:,.2f}"
                table.add_row(t["date"], t["name"], instrument, amount, _bought(t))
        console.print(table)
    if report["tranches_pending"]:
        table = Table(title="Not released", title_justify="left")
        for col in ("Tranche", "USD B", "Why"):
            table.add_column(col, overflow="fold")
        for t in report["tranches_pending"]:
            table.add_row(t["name"], f"{t['amount_usd'] / 1e9:,.2f}", t["reason"])
        console.print(table)
    b = 1e9
    for title, columns in (
        (
            "Costs by year (USD B)",
            [
                ("Year", "year", str),
                ("Capex", "capex_usd", _fixed(1, b)),
                ("Systems", "capex_systems_usd", _fixed(1, b)),
                ("Opex", "opex_usd", _fixed(1, b)),
                ("Energy", "opex_energy_usd", _fixed(1, b)),
                ("Depreciation", "depreciation_usd", _fixed(1, b)),
                ("Capex (cum.)", "cumulative_capex_usd", _fixed(0, b)),
            ],
        ),
        (
            "Deals by year (USD B; released in the year, the rest as of December)",
            [
                ("Year", "year", str),
                ("Released", "tranches_released_usd", _fixed(1, b)),
                ("Invested", "cumulative_invested_usd", _fixed(1, b)),
                ("Cap", "invested_cap_usd", _fixed(0, b)),
                ("Circular", "circular_share", _fixed(2)),
                ("Vendor-funded", "vendor_funded_share", _fixed(2)),
                ("Warrants (M)", "warrant_shares_vested", _fixed(1, 1e6)),
                ("Their value", "warrant_value_usd", _fixed(1, b)),
            ],
        ),
    ):
        table = Table(title=title, title_justify="left")
        for header, _, _ in columns:
            table.add_column(header, justify="right")
        for y in report["years"]:
            table.add_row(*(fmt(y[key]) for _, key, fmt in columns))
        console.print(table)
    before = report["capex_before_start_usd"] / b
    console.print(
        f"Capex USD {report['capex_usd'] / b:,.0f}B ({before:,.0f}B before the scenario starts); "
        f"energy from {report['energy_source']}; share prices on their {report['price_path']} "
        f"path. Circular: of the investors' cash, the share that returns as purchases of their "
        f"hardware; vendor-funded: their cash and warrants over those purchases."
    )


# --- capability -------------------------------------------------------------------------------


@app.command()
def capability(
    ctx: typer.Context,
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    as_json: JsonOpt = False,
) -> None:
    """The largest training run by year, the scenario's frontier runs and the thresholds crossed."""
    results = run_scenario(scenario, _catalog(ctx))
    sc = results.scenario
    report = {
        "scenario": sc.name,
        "title": sc.title,
        **results.stages["capability"].summary(results.year_positions()),
    }
    if as_json:
        emit_json(report)
        return
    ref = report["reference"]
    console.print(f"[bold]{sc.name}[/bold]: {sc.title}")
    title, columns = next(t for t in SUMMARY_TABLES if t[0].startswith("Capability"))
    _print_table(title, columns, report["years"])
    runs = report["frontier_runs"]
    _print_table(
        "Frontier runs (the scenario's, from their start month)",
        [
            ("Run", "name", str),
            ("Start", "start", str),
            ("Site", "site", lambda v: v or ""),
            ("Accel.", "accelerators", _fixed(0)),
            ("FLOP", "training_flop", _sci),
            ("USD B", "cost_usd", _fixed(2, 1e9)),
        ],
        runs,
    )
    _print_table(
        "Thresholds crossed, in date order (* not in force then)",
        [
            ("Run or site", "who", str),
            ("Threshold", "id", str),
            ("Crossed", "date", str),
            ("", "in_force", lambda v: "" if v else "*"),
            ("Notify by", "notification_deadline", lambda v: v or ""),
        ],
        report["crossings"],
    )
    mfu = "perf search" if ref["mfu_fixed"] is None else f"fixed {ref['mfu_fixed']:g}"
    console.print(
        f"Largest run: {ref['model']} in {ref['precision']}, MFU from {mfu}, "
        f"{ref['duration_days']:g} days, restart {ref['restart_s']:g} s; x ref: times "
        f"{ref['comparison_run']} ({ref['comparison_flop']:.2g} FLOP); cross-site from "
        f"{ref['cross_site_from'] or 'never'}. Params/tokens: Chinchilla-optimal unless a run "
        "names its model."
    )


# --- report -------------------------------------------------------------------------------------


@app.command()
def report(
    ctx: typer.Context,
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML file to write [default: gigawatt-out/report-NAME.html]."),
    ] = None,
    sweep: Annotated[
        Path | None,
        typer.Option(
            "--sweep", help="Sweep store: adds P10/P50/P90 bands of this scenario's latest sweep."
        ),
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Folder to write each chart to as a PNG.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a self-contained HTML report of a scenario (works offline); PNGs with --png."""
    from gigawatt.report.command import report_scenario  # plotly: slow to import

    files = report_scenario(scenario, _catalog(ctx), out=out, png_dir=png, sweep=sweep)
    if as_json:
        emit_json(files.to_dict())
        return
    console.print(f"Report written to {files.report} (sections: {', '.join(files.sections)})")
    if files.png:
        console.print(f"{len(files.png)} charts written as PNG to {png}/")


# --- sweep ------------------------------------------------------------------------------------

#: Headline outputs `gigawatt sweep` prints (header, year key, display scale, digits); any key a
#: model adds is in `--json` without being listed here.
SWEEP_COLUMNS: list[tuple[str, str, float, int]] = [
    ("Facility GW", "facility_power_gw", 1, 2),
    ("Accelerators M", "accelerators", 1e6, 2),
    ("TWh", "energy_twh", 1, 1),
    ("Capex USD B (cum.)", "cumulative_capex_usd", 1e9, 0),
    ("Invested USD B", "cumulative_invested_usd", 1e9, 0),
    ("Run e27 FLOP", "largest_run_flop", 1e27, 1),
]


def _band_cell(row: dict[str, Any], key: str, scale: float, digits: int) -> str:
    p10, p50, p90 = (row.get(f"{key}_{q}") for q in ("p10", "p50", "p90"))
    if p50 is None:
        return ""
    fmt = _fixed(digits, scale)
    return f"{fmt(p50)}\n[dim]{fmt(p10)}–{fmt(p90)}[/dim]"


@app.command()
def sweep(
    ctx: typer.Context,
    scenario: ScenarioArg,
    samples: Annotated[int, typer.Option("--samples", help="Monte Carlo samples (0..N-1).")],
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed; default: the scenario's `seed`.")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler, tcp://HOST:PORT (default: run here)."),
    ] = None,
    store: Annotated[
        Path, typer.Option("--store", help="DuckDB file the samples are stored in.")
    ] = DEFAULT_STORE,
    workers: Annotated[
        int, typer.Option("--workers", help="Local processes (without --scheduler).")
    ] = 1,
    as_json: JsonOpt = False,
) -> None:
    """P10/P50/P90 of every yearly output over the scenario's uncertain inputs (resumable)."""
    err = Console(stderr=True, highlight=False)
    bar = Progress(
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task("sweep", total=None)
    try:
        with bar:
            result = run_sweep(
                scenario,
                samples,
                seed,
                store,
                scheduler,
                _catalog(ctx),
                workers=workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except KeyboardInterrupt:
        err.print(f"interrupted: finished samples are in {store}; rerun the same command to resume")
        raise SystemExit(130) from None
    data = result.to_json()
    if result.failed:
        err.print(
            f"warning: {result.failed} of {result.samples} samples failed (left out of the bands; "
            f"retried on a rerun); the first: {result.first_error}"
        )
    if as_json:
        emit_json(data)
        return
    years = data["years"]
    columns = [c for c in SWEEP_COLUMNS if any(y.get(f"{c[1]}_p50") is not None for y in years)]
    table = Table(
        title=f"{result.scenario}: P50 and P10-P90 over {result.completed:,} samples "
        "(as of December)",
        title_justify="left",
    )
    table.add_column("Year", justify="right")
    for header, *_ in columns:
        table.add_column(header, justify="right")
    for y in years:
        table.add_row(str(y["year"]), *(_band_cell(y, key, sc, d) for _, key, sc, d in columns))
    console.print(table)
    inputs = result.uncertain_inputs
    console.print(
        f"Sweep {result.sweep_id[:12]} (seed {result.seed}): {result.computed:,} samples computed "
        f"now, {result.completed:,} of {result.samples:,} stored in {result.store}. "
        f"{len(inputs)} uncertain inputs"
        + (f" ({', '.join(inputs[:3])}{', ...' if len(inputs) > 3 else ''})" if inputs else "")
        + "; --json gives every output and input."
    )
