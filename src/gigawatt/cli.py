"""The `gigawatt` command line (DESIGN.md section 7): thin, one library call per command.

Every command takes `--json` and then prints exactly one JSON object on stdout. Bad input is a
message on stderr and exit code 2; any other failure exits 1; never a traceback (set
GIGAWATT_DEBUG=1 to see one).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import KINDS
from gigawatt.errors import GigawattError, InputError
from gigawatt.perf import estimate as perf_estimate
from gigawatt.perf import search as perf_search
from gigawatt.perf.plan import parse_plan, with_precision
from gigawatt.reliability import DEFAULT_SYSTEM, reliability_report
from gigawatt.scenario import builtin_scenarios, scenario_path
from gigawatt.simulate import run_scenario
from gigawatt.sweep import DEFAULT_STORE, run_sweep
from gigawatt.training import parse_count, plan_training

DEFAULT_SCENARIO = "nvidia-openai-10gw"

app = typer.Typer(
    name="gigawatt",
    help="Plan, simulate and audit gigawatt-scale AI training infrastructure.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
console = Console(highlight=False, soft_wrap=False)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


# --- shared helpers ---------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """JSON-safe: non-finite floats become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(_clean(obj), default=str) + "\n")


def _catalog(ctx: typer.Context) -> Catalog:
    dirs = (ctx.obj or {}).get("catalog_dirs", ())
    return Catalog.load(dirs)


def _si(value: float, unit: str = "", digits: int = 3) -> str:
    """Human-readable engineering notation for display only."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}".strip()
    prefixes = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
    for scale, p in prefixes:
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {p}{unit}".strip()
    return f"{value:.{digits}g} {unit}".strip()


@app.callback()
def _global(
    ctx: typer.Context,
    catalog: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalog",
            help="Folder of extra catalog YAML files (override shipped records by id). Repeatable.",
        ),
    ] = None,
) -> None:
    ctx.obj = {"catalog_dirs": tuple(str(p) for p in (catalog or []))}


# --- run --------------------------------------------------------------------------------------


def _dig(row: dict[str, Any], key: str) -> Any:
    """`a.b` looks up row["a"]["b"]; missing keys give None."""
    value: Any = row
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _fixed(digits: int, scale: float = 1.0) -> Any:
    return lambda v: "" if v is None else f"{v / scale:,.{digits}f}"


def _sci(v: float | None) -> str:
    return "" if v is None else f"{v:.2g}".replace("e+", "e")


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
    scenario: Annotated[
        str, typer.Argument(help="Scenario file, or a built-in name (see `gigawatt scenarios`).")
    ] = DEFAULT_SCENARIO,
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
        table.add_row(rec.id, rec.name or "", rec.status, str(rec.as_of), rec.source)
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
    scenario: Annotated[
        str, typer.Argument(help="Scenario file, or a built-in name (see `gigawatt scenarios`).")
    ] = DEFAULT_SCENARIO,
    as_json: JsonOpt = False,
) -> None:
    """Capex, opex, tranches released, stakes, warrants and the circular share, by year."""
    results = run_scenario(scenario, _catalog(ctx))
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


# --- reliability ------------------------------------------------------------------------------


def _num(value: Any, fmt: str = ",.3g") -> str:
    return "n/a" if value is None else f"{value:{fmt}}"


def _days_of(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 86400


@app.command()
def reliability(
    ctx: typer.Context,
    gpus: Annotated[int, typer.Option("--gpus", help="Accelerators in the job.")],
    days: Annotated[float, typer.Option("--days", help="Failure-free compute time [days].")],
    system: Annotated[
        str, typer.Option("--system", help="System (failure domains, nodes, racks).")
    ] = DEFAULT_SYSTEM,
    failure_model: Annotated[
        str | None,
        typer.Option(
            "--failure-model",
            help="Failure model id (`gigawatt catalog failures`) or a YAML file; "
            "default: the system's.",
        ),
    ] = None,
    checkpoint_s: Annotated[
        float | None,
        typer.Option(
            "--checkpoint-s", help="Blocking cost of one checkpoint [s] (not an interval)."
        ),
    ] = None,
    restart_s: Annotated[
        float | None, typer.Option("--restart-s", help="Cost of one restart [s].")
    ] = None,
    interval_s: Annotated[
        float | None,
        typer.Option(
            "--interval-s", help="Compute between checkpoints [s]; default Daly's optimum."
        ),
    ] = None,
    trials: Annotated[
        int, typer.Option("--trials", help="Monte Carlo trials (0: closed forms only).")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo.")] = 0,
    fleet_age_months: Annotated[
        float | None,
        typer.Option(
            "--fleet-age-months", help="Fleet age at the job's start (burn-in); default mature."
        ),
    ] = None,
    availability: Annotated[
        float | None,
        typer.Option("--availability", help="Probability of full size that sizes the spares."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Interruptions, checkpoint interval, goodput and spares of one training job."""
    report = reliability_report(
        _catalog(ctx),
        gpus=gpus,
        days=days,
        system=system,
        failure_model=failure_model,
        checkpoint_s=checkpoint_s,
        restart_s=restart_s,
        interval_s=interval_s,
        trials=trials,
        seed=seed,
        fleet_age_months=fleet_age_months,
        availability=availability,
    )
    data = report.to_json()
    if as_json:
        emit_json(data)
        return
    table = Table(
        title=f"{data['gpus']:,} accelerators on {data['system']}, {data['days']:g} days of "
        f"compute, failure model {data['failure_model']}",
        title_justify="left",
    )
    for col in ("quantity", "closed form", "P10", "P50", "P90"):
        table.add_column(col, justify="left" if col == "quantity" else "right")
    rows: list[tuple[str, Any, str, Any]] = [
        ("failures per hour", data["failure_rate_per_h"], ".3g", None),
        ("job MTBF (h)", data["job_mtbf_h"], ".3g", None),
        ("Young interval (s)", data["young_interval_s"], ",.0f", None),
        ("Daly interval (s)", data["checkpoint_interval_s"], ",.0f", None),
        ("interruptions", data["interruptions_expected"], ",.1f", "interruptions"),
        ("wall time (days)", _days_of(data["wall_time_s"]), ",.2f", "wall_time_s"),
        ("goodput", data["goodput"], ".3f", "goodput"),
        ("ETTR (Kokolis)", data["ettr"], ".3f", None),
        ("lost GPU-hours", data["lost_gpu_hours"], ",.0f", "lost_gpu_hours"),
    ]
    for label, value, fmt, series in rows:
        qs = [data.get(f"{series}_p{p}") if series else None for p in (10, 50, 90)]
        if series == "wall_time_s":
            qs = [_days_of(q) for q in qs]
        table.add_row(label, _num(value, fmt), *(("" if q is None else _num(q, fmt)) for q in qs))
    console.print(table)
    console.print(
        f"Spares: {_num(data['spares'], ',d')} failure domains of {data['failure_domain']} "
        f"({_num(data['spare_accelerators'], ',d')} accelerators) for "
        f"{data['spares_availability']:.4g} availability; restart {data['restart_s']:g} s, "
        f"checkpoint {data['checkpoint_s']:g} s; planned stops "
        f"{data['planned_rate_per_h'] * 24:.2f}/day."
    )
    if data["monte_carlo_note"]:
        console.print(data["monte_carlo_note"])
    elif data["trials"]:
        console.print(f"Monte Carlo: {data['trials']:,} trials, seed {data['seed']}.")


# --- footprint, energy ------------------------------------------------------------------------


@app.command("footprint")
def footprint_cmd(
    ctx: typer.Context,
    system: Annotated[
        str, typer.Option("--system", help="System id, or an accelerator id (its default system).")
    ],
    gpu_hours: Annotated[float, typer.Option("--gpu-hours", help="Accelerator-hours of the job.")],
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="Grid region (`gigawatt catalog regions`); default us-average."
        ),
    ] = None,
    grid_gco2_per_kwh: Annotated[
        float | None,
        typer.Option("--grid-gco2-per-kwh", help="Grid intensity [gCO2e/kWh] instead of a region."),
    ] = None,
    pue: Annotated[float | None, typer.Option("--pue", help="Power usage effectiveness.")] = None,
    power_w_per_gpu: Annotated[
        float | None,
        typer.Option(
            "--power-w-per-gpu",
            help="Average power per accelerator [W] as a published footprint counts it; replaces "
            "the power model (no host share unless --host-power-w-per-gpu).",
        ),
    ] = None,
    host_power_w_per_gpu: Annotated[
        float | None,
        typer.Option(
            "--host-power-w-per-gpu",
            help="IT power besides the accelerator (host, network), per accelerator [W].",
        ),
    ] = None,
    utilisation: Annotated[
        float | None,
        typer.Option(
            "--utilisation", help="Accelerator load 0-1: share of time at TDP (rest near idle)."
        ),
    ] = None,
    clean_supply_share: Annotated[
        float,
        typer.Option(
            "--clean-supply-share", help="Contracted carbon-free share 0-1 (market-based)."
        ),
    ] = 0.0,
    wue_l_per_kwh: Annotated[
        float | None, typer.Option("--wue-l-per-kwh", help="Site water per IT kWh [L/kWh].")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Energy, carbon (location, market, embodied) and water of one training job."""
    from gigawatt.energy.footprint import job_footprint

    result = job_footprint(
        _catalog(ctx),
        system=system,
        gpu_hours=gpu_hours,
        region=region,
        grid_gco2_per_kwh=grid_gco2_per_kwh,
        pue=pue,
        power_w_per_gpu=power_w_per_gpu,
        host_power_w_per_gpu=host_power_w_per_gpu,
        utilisation=utilisation,
        clean_supply_share=clean_supply_share,
        wue_l_per_kwh=wue_l_per_kwh,
    )
    data = result.to_dict()
    if as_json:
        emit_json(data)
        return
    table = Table(
        title=f"Footprint: {data['gpu_hours']:,.0f} accelerator-hours on {data['system']}",
        title_justify="left",
    )
    table.add_column("Quantity")
    table.add_column("Value", justify="right")
    table.add_column("Note", overflow="fold")
    u = data["utilisation"]
    rows = [
        (
            "Accelerator power",
            f"{data['power_w_per_gpu']:,.0f} W",
            data["power_source"] + ("" if u is None else f" (u = {u:g})"),
        ),
        ("Host + network share", f"{data['host_power_w_per_gpu']:,.0f} W", ""),
        ("Energy, dynamic (accelerators)", f"{data['energy_dynamic_mwh']:,.1f} MWh", "no PUE"),
        ("Energy, with idle (all IT)", f"{data['energy_it_mwh']:,.1f} MWh", "no PUE"),
        ("Energy at the facility", f"{data['energy_mwh']:,.1f} MWh", f"PUE {data['pue']:g}"),
        ("CO2e dynamic only", f"{data['co2e_dynamic_t']:,.1f} t", ""),
        ("CO2e with idle", f"{data['co2e_with_idle_t']:,.1f} t", ""),
        ("CO2e operational (location)", f"{data['co2e_t']:,.1f} t", "facility energy x grid"),
        (
            "CO2e operational (market)",
            f"{data['co2e_market_t']:,.1f} t",
            f"clean supply share {data['clean_supply_share']:g}",
        ),
        (
            "CO2e embodied (amortised)",
            f"{data['embodied_co2e_t']:,.1f} t",
            f"{data['embodied_life_years']:g}-year life, {data['embodied_use_share']:g} in use",
        ),
        ("CO2e with embodied", f"{data['co2e_with_embodied_t']:,.1f} t", "location + embodied"),
        (
            "Water on site",
            f"{data['water_m3']:,.0f} m3",
            f"WUE {data['wue_l_per_kwh_used']:g} L/kWh",
        ),
        (
            "Water in generation",
            "" if data["water_generation_m3"] is None else f"{data['water_generation_m3']:,.0f} m3",
            "off-site, grid mix",
        ),
        ("Grid intensity used", f"{data['grid_gco2_per_kwh_used']:g} g/kWh", data["grid_source"]),
    ]
    c = data["country_equivalent"]
    if c:
        rows.append(
            (
                "Like the generation of",
                c["name"],
                f"{c['share']:.2g} x its {c['electricity_twh']:g} TWh ({c['year']})",
            )
        )
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command("energy")
def energy_cmd(
    ctx: typer.Context,
    scenario: Annotated[
        str, typer.Argument(help="Scenario file, or a built-in name (see `gigawatt scenarios`).")
    ] = DEFAULT_SCENARIO,
    supply: Annotated[
        str | None,
        typer.Option("--supply", help="Site whose least-cost on-site supply to optimise (PyPSA)."),
    ] = None,
    swings: Annotated[
        str | None,
        typer.Option("--swings", help="Site whose training power swings and mitigations to show."),
    ] = None,
    hours: Annotated[
        int, typer.Option("--hours", min=1, max=8760, help="Supply horizon [h] from 1 January.")
    ] = 8760,
    co2_cap_t: Annotated[
        float | None, typer.Option("--co2-cap-t", min=0, help="Supply: annual CO2 cap [t].")
    ] = None,
    grid_import_mw: Annotated[
        float | None,
        typer.Option("--grid-import-mw", min=0, help="Supply: grid import limit [MW]."),
    ] = None,
    ramp_limit_mw_per_s: Annotated[
        float | None,
        typer.Option("--ramp-limit-mw-per-s", min=0, help="Swings: grid ramp-rate limit [MW/s]."),
    ] = None,
    job_accelerators: Annotated[
        int | None,
        typer.Option(
            "--job-accelerators",
            min=1,
            max=100_000_000,
            help="Swings: accelerators in the synchronous job (default: the site's largest group).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Yearly energy, carbon and water; a site's power swings and least-cost supply."""
    from gigawatt.energy.report import SupplyOptions, energy_report

    status = Console(stderr=True).status("Optimising supply (PyPSA + HiGHS) ...")
    with status if supply and not as_json else contextlib.nullcontext():
        report = energy_report(
            scenario,
            _catalog(ctx),
            swings_site=swings,
            supply_site=supply,
            supply=SupplyOptions(hours, co2_cap_t, grid_import_mw),
            ramp_limit_mw_per_s=ramp_limit_mw_per_s,
            job_accelerators=job_accelerators,
        )
    data = report.to_dict()
    if as_json:
        emit_json(data)
        return
    console.print(f"[bold]{data['scenario']}[/bold]: {data['title']}")
    title, columns = next(t for t in SUMMARY_TABLES if t[0].startswith("Energy"))
    _print_table(title, columns, data["years"])
    _print_table(
        "Sites (whole horizon)",
        [
            ("Site", "site", str),
            ("g/kWh", "grid_gco2_per_kwh", _fixed(0)),
            ("Clean", "clean_supply_share", _fixed(2)),
            ("Peak GW", "peak_average_draw_gw", _fixed(2)),
            ("TWh", "energy_twh", _fixed(1)),
            ("Mt CO2e", "co2e_t", _fixed(2, 1e6)),
            ("Mt market", "co2e_market_t", _fixed(2, 1e6)),
        ],
        data["sites"],
    )
    if data["swings"]:
        sw = data["swings"]
        _print_table(
            f"Power swings at {sw['site']}: one job of {sw['accelerators']:,} {sw['system']} "
            f"accelerators ({sw['month']}), {sw['duration_s']:g} s, {sw['failures']} failures, "
            f"computing {sw['compute_time_share']:.0%} of the time; grid ramp limit "
            f"{sw['ramp_limit_mw_per_s']:.3g} MW/s. Band MW: RMS of the swing in 0.1-20 Hz; "
            "+MWh: extra energy",
            [
                ("Case", "case", str),
                ("Mean MW", "mean_mw", _fixed(0)),
                ("p-p MW", "peak_to_peak_mw", _fixed(0)),
                ("MW/s", "max_ramp_mw_per_s", lambda v: f"{v:,.0f}" if v >= 100 else f"{v:.3g}"),
                ("Band MW", "band_rms_mw", lambda v: f"{v:,.0f}" if v >= 100 else f"{v:.2g}"),
                ("+MWh", "extra_energy_mwh", _fixed(0)),
                ("Batt MW", "battery_power_mw", _fixed(0)),
                ("Batt MWh", "battery_energy_mwh", _fixed(1)),
                ("OK", "meets_ramp_limit", lambda v: "yes" if v else "no"),
            ],
            sw["cases"],
        )
    if data["supply"]:
        _print_supply(data["supply"])


def _print_table(title: str, columns: list[tuple[str, str, Any]], rows: list[dict]) -> None:
    table = Table(title=title, title_justify="left")
    for i, (header, _, _) in enumerate(columns):
        table.add_column(header, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for row in rows:
        table.add_row(*(fmt(_dig(row, key)) for _, key, fmt in columns))
    console.print(table)


def _print_supply(s: dict[str, Any]) -> None:
    head = (
        f"Least-cost supply for {s['site']}: {s['load_mw']:,.0f} MW flat load, {s['hours']} h, "
        f"grid import up to {s['grid_import_mw']:,.0f} MW"
        + (
            ""
            if s["co2_cap_t_per_year"] is None
            else f", CO2 cap {s['co2_cap_t_per_year']:,.0f} t/yr"
        )
    )
    if s["termination_condition"] != "optimal":
        console.print(f"{head}: no optimum ({s['status']}, {s['termination_condition']}).")
        return
    table = Table(title=head, title_justify="left")
    for col in ("Source", "Capacity MW", "Energy GWh/yr"):
        table.add_column(col, justify="right")
    energy = s["energy_mwh_per_year"]
    for name in ("solar", "wind", "gas", "grid", "battery"):
        e = energy.get("battery_discharge" if name == "battery" else name)
        table.add_row(
            name, f"{s['capacity_mw'][name]:,.0f}", "" if e is None else f"{e / 1e3:,.0f}"
        )
    console.print(table)
    console.print(
        f"Battery {s['battery_mwh']:,.0f} MWh; cost {s['cost_usd_per_year'] / 1e6:,.0f} M USD/yr "
        f"({s['cost_usd_per_mwh']:.1f} USD/MWh); CO2 {s['co2_t_per_year']:,.0f} t/yr "
        f"({s['co2_gco2_per_kwh']:.0f} g/kWh); solar CF {s['solar_capacity_factor']:.2f}, wind CF "
        f"{s['wind_capacity_factor']:.2f}; solved in {s['solve_time_s']:.1f} s."
    )


# --- perf -------------------------------------------------------------------------------------


def _perf_tables(data: dict[str, Any]) -> None:
    plan = data["plan"]
    step = data["step_time_s"]
    console.print(
        f"[bold]{data['model']}[/bold] on {data['gpus']:,} x {data['accelerator']} "
        f"({data['system']}), sequence {data['seq_len']:,}, calibration {data['calibration']}"
    )
    console.print(
        "plan: "
        + ", ".join(f"{k}={v}" for k, v in plan.items() if k not in ("gbs",))
        + f", gbs={plan['gbs']}"
    )
    summary = Table(title_justify="left", show_header=False)
    summary.add_column("")
    summary.add_column("", justify="right")
    mem = data["memory_bytes_per_gpu"]
    rows = [
        ("Step time", f"{step:,.3f} s"),
        ("Tokens/s", f"{data['tokens_per_s']:,.0f}"),
        ("MFU (causal)", f"{data['mfu']:.1%} ({data['mfu_causal']:.1%})"),
        ("HFU", f"{data['hfu']:.1%}"),
        ("Model TFLOP/s per GPU", f"{data['tflops_per_gpu']:,.1f}"),
        (
            "Memory per GPU",
            f"{data['memory_gib_per_gpu']:,.1f} GiB of {mem['usable'] / 2**30:,.1f} usable",
        ),
        ("Fits", "yes" if data["fits"] else "NO"),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    parts = Table(title="Step time breakdown (exposed)", title_justify="left")
    parts.add_column("Part")
    parts.add_column("Seconds", justify="right")
    parts.add_column("Share", justify="right")
    for key, value in data["breakdown_s"].items():
        parts.add_row(key, f"{value:,.3f}", f"{value / step:.1%}")
    console.print(parts)


@app.command()
def perf(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", help="Model id, or a YAML file of one record.")],
    system: Annotated[
        str,
        typer.Option("--system", help="System or accelerator id, or a YAML file of one record."),
    ],
    gpus: Annotated[int, typer.Option("--gpus", min=1, help="Accelerators in the job.")],
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="KEY=V,... of tp pp vp dp cp ep mb gbs zero recompute precision sp "
            "flash_attention tp_overlap dp_overlap (with --search: the knobs to hold).",
        ),
    ] = None,
    search: Annotated[
        bool, typer.Option("--search", help="Search every valid plan; report the best.")
    ] = False,
    seq_len: Annotated[
        int | None, typer.Option("--seq-len", min=1, help="Sequence length [tokens].")
    ] = None,
    precision: Annotated[
        str | None, typer.Option("--precision", help="fp16, bf16 (default), fp8 or fp4.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Predict a training plan's step time, memory and MFU, or search for the best plan."""
    knobs = with_precision(parse_plan(plan), precision)
    if search:
        found = perf_search(
            model, system, gpus, fixed=knobs, seq_len=seq_len, catalog=_catalog(ctx)
        )
        data = found.to_json()
    else:
        data = {
            **perf_estimate(
                model, system, gpus, knobs, seq_len=seq_len, catalog=_catalog(ctx)
            ).to_json(),
            "plans_evaluated": None,
            "plans_fitting": None,
            "top": None,
        }
    if as_json:
        emit_json(data)
        return
    _perf_tables(data)
    if search:
        console.print(
            f"Searched {data['plans_evaluated']:,} valid plans; {data['plans_fitting']:,} fit "
            "in memory." + ("" if data["fits"] else " None fits: the plan above needs least.")
        )
        top = Table(title="Best plans by tokens/s", title_justify="left")
        for col in ("tp", "pp", "vp", "dp", "cp", "ep", "mb", "zero", "recompute"):
            top.add_column(col, justify="right")
        top.add_column("step s", justify="right")
        top.add_column("MFU", justify="right")
        top.add_column("GiB", justify="right")
        for row in data["top"]:
            top.add_row(
                *(str(row[c]) for c in ("tp", "pp", "vp", "dp", "cp", "ep", "mb", "zero")),
                row["recompute"],
                f"{row['step_time_s']:,.3f}",
                f"{row['mfu']:.1%}",
                f"{row['memory_gib_per_gpu']:,.1f}",
            )
        if data["top"]:
            console.print(top)


# --- train --------------------------------------------------------------------------------------


def _month_start(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text + "-01" if len(text) == 7 else text)
    except ValueError:
        raise InputError(
            f"{text!r} is not allowed: expected YYYY-MM or YYYY-MM-DD", field="--start"
        ) from None


@app.command()
def train(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", help="Model id, or a YAML file of one record.")],
    tokens: Annotated[str, typer.Option("--tokens", help="Training tokens: 15.6e12 or 15.6T.")],
    system: Annotated[
        str,
        typer.Option("--system", help="System or accelerator id, or a YAML file of one record."),
    ],
    gpus: Annotated[int, typer.Option("--gpus", min=1, help="Accelerators in the job.")],
    precision: Annotated[
        str | None, typer.Option("--precision", help="fp16, bf16 (default), fp8 or fp4.")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Grid region (default us-average).")
    ] = None,
    cost_usd_per_gpu_hour: Annotated[
        float | None,
        typer.Option(
            "--cost-usd-per-gpu-hour",
            help="Rental price per accelerator-hour; default: ownership cost plus energy.",
        ),
    ] = None,
    plan: Annotated[
        str | None, typer.Option("--plan", help="KEY=V,... plan knobs to hold (as in perf).")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Start month YYYY-MM: dates threshold crossings."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Time, accelerator-hours, energy, cost and regulatory thresholds of one training run."""
    result = plan_training(
        model,
        parse_count(tokens, field="--tokens"),
        system,
        gpus,
        precision=precision,
        region=region,
        cost_usd_per_gpu_hour=cost_usd_per_gpu_hour,
        start=_month_start(start),
        fixed=parse_plan(plan),
        catalog=_catalog(ctx),
    )
    data = result.to_json()
    if as_json:
        emit_json(data)
        return
    _perf_tables(data)
    if data["wall_time_s"] is None:
        console.print("No plan fits in memory: the run cannot be timed or costed.")
        return
    table = Table(title="The run", title_justify="left", show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    rows = [
        ("Tokens", f"{data['tokens']:.3g}"),
        ("Training compute (model FLOP)", f"{data['training_flop']:.3g}"),
        ("Failure-free compute", f"{data['compute_time_s'] / 86400:,.1f} days"),
        ("Expected wall time", f"{data['wall_time_s'] / 86400:,.1f} days"),
        ("Goodput", f"{data['goodput']:.1%}"),
        ("Interruptions expected", f"{data['interruptions_expected']:,.0f}"),
        ("Accelerator-hours", f"{data['gpu_hours']:,.0f}"),
        ("Energy", f"{data['energy_mwh']:,.0f} MWh"),
        ("CO2e (location-based)", f"{data['co2e_t']:,.0f} t"),
        ("Cost", f"USD {data['cost_usd'] / 1e6:,.1f} M"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print(f"Cost basis: {data['cost_basis']}. Grid: {data['grid_source']}.")
    crossed = data["thresholds_crossed"]
    console.print("Thresholds crossed (in force): " + (", ".join(crossed) if crossed else "none"))


# --- capability -------------------------------------------------------------------------------


@app.command()
def capability(
    ctx: typer.Context,
    scenario: Annotated[
        str, typer.Argument(help="Scenario file, or a built-in name (see `gigawatt scenarios`).")
    ] = DEFAULT_SCENARIO,
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
    scenario: Annotated[
        str, typer.Argument(help="Scenario file, or a built-in name (see `gigawatt scenarios`).")
    ] = DEFAULT_SCENARIO,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML file to write [default: gigawatt-out/report-NAME.html]."),
    ] = None,
    sweep: Annotated[
        Path | None, typer.Option("--sweep", help="Sweep store for P10/P50/P90 bands (not yet).")
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
    scenario: Annotated[
        str, typer.Argument(help="Scenario file, or a built-in name (see `gigawatt scenarios`).")
    ],
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


# --- entry point ------------------------------------------------------------------------------


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: maps errors to exit codes without tracebacks.

    Typer handles usage errors itself (exit 2); the library's exceptions arrive here.
    """
    debug = bool(os.environ.get("GIGAWATT_DEBUG"))
    try:
        app(args=argv, prog_name="gigawatt")
    except InputError as e:
        if debug:
            raise
        _fail(str(e), 2)
    except (GigawattError, OSError) as e:
        if debug:
            raise
        _fail(str(e), 1)
    except Exception as e:  # a bug: still no traceback unless asked for
        if debug:
            raise
        _fail(f"internal error ({type(e).__name__}): {e}; rerun with GIGAWATT_DEBUG=1", 1)
