"""Energy commands: footprint (one job) and energy (a scenario's energy, swings, supply)."""

from __future__ import annotations

import contextlib
import math
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from gigawatt.cli.common import (
    JsonOpt,
    RegionOpt,
    ScenarioArg,
    _catalog,
    api,
    app,
    bold_name,
    console,
    emit_json,
    err_console,
    print_prose,
    print_table,
)
from gigawatt.cli.programme import summary_table
from gigawatt.defaults import DEFAULT_SCENARIO
from gigawatt.display import Column, fmt_number
from gigawatt.units import MILLION, MWH_PER_GWH, T_PER_MT

# --- footprint, energy ------------------------------------------------------------------------

#: The longest note a footprint row holds; a longer citation is printed under the table.
MAX_NOTE_CHARS = 60


@app.command("footprint")
def footprint_cmd(
    ctx: typer.Context,
    system: Annotated[
        str, typer.Option("--system", help="System id, or an accelerator id (its default system).")
    ],
    gpu_hours: Annotated[float, typer.Option("--gpu-hours", help="Accelerator-hours of the job.")],
    region: RegionOpt = None,
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
    from gigawatt.energy.footprint import FootprintRequest  # deferred: `--help` stays fast

    request = FootprintRequest(
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
    data = api.footprint(request, catalog=_catalog(ctx)).to_json()
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
    # a citation with a URL goes under the table, whole: a table cell would fold the URL
    long_source = len(data["grid_source"]) > MAX_NOTE_CHARS
    grid_note = "source under the table" if long_source else data["grid_source"]
    # a region's intensity is its annual average (not the marginal rate of an added load), and
    # market-based puts the uncontracted rest at it, not at the residual mix; a user's own
    # intensity may be either, so its rows say only what the tool did
    from_region = data["region"] is not None
    location_note = (
        "facility energy x the grid's annual average (not the marginal rate)"
        if from_region
        else "facility energy x grid"
    )
    market_rest = (
        ", the rest at the grid average, not the residual mix: a lower bound" if from_region else ""
    )
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
        ("CO2e operational (location)", f"{data['co2e_t']:,.1f} t", location_note),
        (
            "CO2e operational (market)",
            f"{data['co2e_market_t']:,.1f} t",
            f"clean supply share {data['clean_supply_share']:g}{market_rest}",
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
        ("Grid intensity used", f"{data['grid_gco2_per_kwh_used']:g} g/kWh", grid_note),
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
    if long_source:
        print_prose(f"Grid intensity source: {data['grid_source']}.")


SITE_COLUMNS = [
    Column("site", "Site", style="text"),
    Column("grid_gco2_per_kwh", "Grid g/kWh"),
    Column("clean_supply_share", "Clean share", digits=2),
    # the facility's rating (all accelerators at design load, x the annual-average PUE; the
    # grid connection's hottest-hour peak is higher, as the caption says) beside the highest
    # month's average draw, so neither is read as the other
    Column("peak_facility_power_gw", "Rated", "GW", digits=2),
    Column("peak_average_draw_gw", "Draw", "GW", digits=2),
    Column("energy_twh", "TWh", digits=1),
    Column("co2e_t", "Mt CO2e location", scale=T_PER_MT, digits=2),
    Column("co2e_market_t", "Mt market", scale=T_PER_MT, digits=2),
]
# the sites' water, as --json and the report give it, under the sites table: beside its eight
# columns the two would not fit 80 columns (labels and units as the yearly table's)
SITE_WATER_COLUMNS = [
    Column("site", "Site", style="text"),
    Column("water_m3", "Site water", "Mm3", MILLION, 1),
    Column("water_generation_m3", "Gen. water", "Mm3", MILLION, 1),
]
SITE_WATER_TITLE = "Water by site (whole horizon; site water and gen. water as in the yearly table)"
SITES_TITLE = (
    "Sites (whole horizon; Rated: facility power at design load = IT x the site's "
    "annual-average PUE, so the grid connection's peak on the hottest hours is higher; Draw: "
    "average facility draw "
    "in the highest month; TWh at the facility; grid intensity gCO2e/kWh, life-cycle, the "
    "region's latest annual average, held flat)"
)
SWING_COLUMNS = [
    Column("case", "Case", style="text"),
    Column("mean_mw", "Mean MW"),
    Column("peak_to_peak_mw", "p-p MW"),
    Column("max_ramp_mw_per_s", "MW/s", format=lambda v: f"{v:,.0f}" if v >= 100 else f"{v:.3g}"),
    Column("band_rms_mw", "Band MW", format=lambda v: f"{v:,.0f}" if v >= 1 else f"{v:.1g}"),
    Column("extra_energy_mwh", "+MWh"),
    Column("extra_energy_share", "+E%", scale=0.01, digits=1),
    Column("battery_power_mw", "Batt MW"),
    Column("battery_energy_mwh", "Batt MWh", digits=1),
    Column("meets_ramp_limit", "OK", format=lambda v: "yes" if v else "no"),
]


@app.command("energy")
def energy_cmd(
    ctx: typer.Context,
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    supply: Annotated[
        str | None,
        typer.Option("--supply", help="Site whose least-cost on-site supply to optimise (PyPSA)."),
    ] = None,
    swings: Annotated[
        str | None,
        typer.Option("--swings", help="Site whose training power swings and mitigations to show."),
    ] = None,
    hours: Annotated[
        int | None,
        typer.Option(
            "--hours",
            min=1,
            max=8760,
            help="Supply horizon [h] from 1 January (default 8760: the year).",
        ),
    ] = None,
    co2_cap_t: Annotated[
        float | None,
        typer.Option(
            "--co2-cap-t",
            min=0,
            help="Supply: annual CO2e cap [t], life-cycle like the grid intensities.",
        ),
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
            help="Swings: accelerators in the synchronous job (default: the capability model's "
            "operating point at the site and month).",
        ),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            help="Swings: fault-tolerance policy id (`gigawatt catalog fault-tolerance`; default: "
            "the capability model's).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Yearly energy, carbon and water; a site's power swings and least-cost supply."""
    request = api.EnergyRequest(
        scenario=scenario,
        swings=swings,
        supply=supply,
        **({} if hours is None else {"hours": hours}),
        co2_cap_t=co2_cap_t,
        grid_import_mw=grid_import_mw,
        ramp_limit_mw_per_s=ramp_limit_mw_per_s,
        job_accelerators=job_accelerators,
        policy=policy,
    )
    status = err_console.status("Optimising supply (PyPSA + HiGHS) ...")
    with status if supply and not as_json else contextlib.nullcontext():
        data = api.energy(request, catalog=_catalog(ctx)).to_json()
    if as_json:
        emit_json(data)
        return
    console.print(bold_name(data["scenario"], data["title"]))
    print_table(*summary_table("Energy"), data["years"])
    print_table(SITES_TITLE, SITE_COLUMNS, data["sites"])
    print_table(SITE_WATER_TITLE, SITE_WATER_COLUMNS, data["sites"])
    if data["swings"]:
        sw = data["swings"]
        print_table(
            f"Power swings at {sw['site']}: one job of {sw['accelerators']:,} {sw['system']} "
            f"accelerators ({sw['month']}; {_job_note(sw)}), window {sw['duration_s']:,.0f} s "
            f"({sw['interruptions_expected']:.1f} interruptions expected, "
            f"{sw['failures']} drawn), step {sw['step_period_s']:.2g} s "
            f"busy {sw['utilisation']:.0%}"
            f"{'' if sw['step_source'] == 'perf-breakdown' else ' (catalog defaults)'}, computing "
            f"{sw['compute_time_share']:.0%} of the time;{_power_note(sw)} grid ramp limit "
            f"{sw['ramp_limit_mw_per_s']:.3g} MW/s"
            + (
                " (the catalog's grid-ramp-limit-share-per-s, an estimate, of the site's "
                f"{sw['site_facility_power_mw']:,.0f} MW rated facility power, the rest of "
                "its load taken as steady; --ramp-limit-mw-per-s sets it)"
                if ramp_limit_mw_per_s is None
                else ""
            )
            + ". MW at the grid: the IT draw plus cooling "
            f"held at (PUE - 1) x the mean IT draw, PUE {sw['pue']:.2f} (cooling does not follow "
            "step-scale swings). Band MW: RMS of the swing in 0.1-20 Hz; +MWh, +E%: extra energy",
            SWING_COLUMNS,
            sw["cases"],
        )
        console.print(sw["step_change_note"])
    if data["supply"]:
        _print_supply(data["supply"], default_import=grid_import_mw is None)
    for caveat in data["caveats"]:
        console.print(Text("Caveat: ", style="bold yellow") + Text(caveat))


def _power_note(sw: dict[str, Any]) -> str:
    """Per accelerator: the two levels and the energy stage's draw a step averages to."""
    draw = sw.get("training_draw_w_per_accelerator")
    if draw is None:
        return ""
    busy, idle = sw["busy_power_w_per_accelerator"], sw["idle_power_w_per_accelerator"]
    host = sw["host_power_w_per_accelerator"]
    step_w = idle + sw["utilisation"] * (busy - idle) + host
    averages = (  # below the draw when the compute phase is capped at TDP
        f"a step averages the energy stage's {draw:,.0f} W"
        if step_w >= draw * (1 - 1e-9)
        else f"a step averages {step_w:,.0f} W, below the energy stage's {draw:,.0f} W "
        "(compute phase capped at TDP)"
    )
    return (
        f" per accelerator {busy:,.0f} W computing, {idle:,.0f} W idle, {host:,.0f} W host: "
        f"{averages};"
    )


def _job_note(sw: dict[str, Any]) -> str:
    """Where the traced job comes from: the operating point, an override, or the defaults."""
    if sw["job_source"] == "catalog-defaults":
        return "catalog swing defaults"
    what = (
        "the capability operating point"
        if sw["job_source"] == "operating-point"
        else (
            f"override; operating point {sw['operating_point_accelerators']:,}"
            if sw["operating_point_accelerators"]
            else "override"
        )
    )
    plan = _plan_note(sw["plan"], sw.get("accelerators"))
    return f"{what}, policy {sw['policy']}{plan}, goodput {sw['goodput']:.0%}"


def _plan_note(plan: dict[str, Any] | None, accelerators: int | None = None) -> str:
    """The job's parallel layout in `--plan` syntax (tp, pp, cp, ep when not 1, and dp), and
    the accelerators it uses when fewer than the job's (the perf search runs at the job's size;
    when no split uses all of it, the plan takes fewer and the rest stay idle, their time
    counted in the MFU; docs/models/capability.md)."""
    if not plan:
        return ""
    parts = [f"{k}={plan[k]}" for k in ("tp", "pp", "cp", "ep") if plan.get(k, 1) != 1]
    parts.append(f"dp={plan.get('dp', 1)}")
    size = math.prod(int(plan.get(k, 1)) for k in ("tp", "pp", "cp", "dp"))
    idle = (
        f" (on {size:,} of {accelerators:,}, the rest idle)"
        if accelerators and size != accelerators
        else ""
    )
    return ", plan " + ",".join(parts) + idle


def _print_supply(s: dict[str, Any], *, default_import: bool = False) -> None:
    """The supply optimum; `default_import`: the grid limit is the catalog's share of the load
    (`supply-grid-import-cap-share`, an assumption), not one the user gave."""
    share = s["grid_import_mw"] / s["load_mw"] if s["load_mw"] else None
    assumed = (
        f" Grid import limit: the catalog's supply-grid-import-cap-share, {share:.2g} of the "
        "load (an assumption, not a cited interconnection; --grid-import-mw sets it)."
        if default_import and share is not None
        else ""
    )
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
        console.print(f"{head}: no optimum ({s['status']}, {s['termination_condition']}).{assumed}")
        return
    table = Table(title=head, title_justify="left")
    for col in ("Source", "Capacity MW", "Energy GWh/yr"):
        table.add_column(col, justify="right")
    energy = s["energy_mwh_per_year"]
    for name in ("solar", "wind", "gas", "grid", "battery"):
        e = energy.get("battery_discharge" if name == "battery" else name)
        table.add_row(name, fmt_number(s["capacity_mw"][name], 0), fmt_number(e, 0, MWH_PER_GWH))
    console.print(table)
    console.print(
        f"Battery {s['battery_mwh']:,.0f} MWh; cost "
        f"{s['cost_usd_per_year'] / MILLION:,.0f} M USD/yr "
        f"({s['cost_usd_per_mwh']:.1f} USD/MWh at the supply-technologies catalog's costs, "
        "the same at every site: one gas fuel price, no gas O&M or delivery); "
        f"CO2e {s['co2_t_per_year']:,.0f} t/yr, life-cycle "
        f"({s['co2_gco2_per_kwh']:.0f} g/kWh); solar CF {s['solar_capacity_factor']:.2f}, wind CF "
        f"{s['wind_capacity_factor']:.2f} (a synthetic wind at a mean "
        f"{s['wind_mean_speed_m_per_s']:g} m/s, the catalog's generic onshore site, "
        "wind-mean-speed-m-per-s, not a measurement of this site); solved in "
        f"{s['solve_time_s']:.1f} s.{assumed}{_capacity_line(s)}{_gas_line(s)}"
    )


def _gas_line(s: dict[str, Any]) -> str:
    """What the optimum's gas plant is not: a reserve, or a plant on site by a given date. The
    linear programme sizes gas to the largest hourly load the other sources leave, with no
    reserve margin for outages or maintenance, and at a steady state, so it ignores the
    turbines' order-to-delivery time (catalog `gas-ccgt` `delivery_lead_years`)."""
    if not s["capacity_mw"].get("gas"):
        return ""
    lead = s.get("gas_delivery_lead_years")
    wait = (
        f"; turbines ordered now wait about {lead:g} years for delivery (catalog gas-ccgt, "
        "delivery_lead_years), and the plant is built after: the optimum "
        "is a steady-state cost, not a plant that can run sooner"
        if lead is not None
        else ""
    )
    return (
        " Gas is sized to the largest hourly load the other sources leave, with no reserve for "
        "outages or maintenance"
        f"{wait}."
    )


def _capacity_line(s: dict[str, Any]) -> str:
    """The capacity charge on the peak grid import, where the region bills one (PJM's)."""
    if not s.get("capacity_charge_usd_per_mw_day"):
        return ""
    caveat = s.get("capacity_charge_caveat")
    return (
        f" Capacity charge USD {s['capacity_charge_usd_per_mw_day']:,.2f} per MW-day on the "
        f"peak grid import, {s['grid_peak_import_mw']:,.0f} MW: "
        f"{s['capacity_charge_usd_per_year'] / MILLION:,.1f} M USD/yr, in the cost (the peak "
        "over the modelled hours stands for the import in PJM's five summer coincident peak "
        "hours, an upper bound)." + (f" {caveat}" if caveat else "")
    )
