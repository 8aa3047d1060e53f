"""Section builders: one function per part of the report, each taking the run's context and
returning a `Section` (None when the stage it shows did not run).

Values arrive in SI (W, FLOP/s, USD, MWh, t, m3) and are scaled here, at the edge, to the unit
each axis title and column header names.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.catalog.schema import Country
from gigawatt.deals import TrancheOutcome
from gigawatt.display import Column, fmt_number, fmt_value
from gigawatt.distributions import point
from gigawatt.energy.programme import EnergyResult
from gigawatt.energy.sites import site_summaries
from gigawatt.finance import Finance, warrant_vested_text
from gigawatt.report.base import (
    Chart,
    ReportContext,
    Section,
    Series,
    Table,
    as_list,
    column_table,
)
from gigawatt.units import BILLION, FLOPS_PER_EFLOP, MILLION, MWH_PER_TWH, T_PER_MT, W_PER_GW

PRECISIONS_SHOWN = ("bf16", "fp8", "fp4")
_YEAR = Column("year", "Year", style="text")

#: The report's tables of yearly (or per-site) rows: the JSON keys, scaled to display units.
BUILDOUT_COLUMNS = [
    _YEAR,
    Column("month", "Month", style="text"),
    Column("facility_power_gw", "Facility", "GW", digits=2),
    Column("it_power_gw", "IT", "GW", digits=2),
    Column("accelerators", "Accelerators", "million", MILLION, 2),
    *(
        Column(f"peak_flops_per_s.{p}", p.upper(), "EFLOP/s", FLOPS_PER_EFLOP)
        for p in PRECISIONS_SHOWN
    ),
]
MONEY_COLUMNS = [
    _YEAR,
    Column("capex_usd", "Capex", "USD B", BILLION, 1),
    Column("opex_usd", "Opex", "USD B", BILLION, 1),
    Column("depreciation_usd", "Depreciation", "USD B", BILLION, 1),
    Column("tranches_released_usd", "Released (deal money, all kinds)", "USD B", BILLION, 1),
    Column("tranches_released_purchases_usd", "of which deal purchases", "USD B", BILLION, 1),
    Column("cumulative_invested_usd", "Invested, cumulative", "USD B", BILLION, 1),
    Column("circular_share", "Circular share", style="share"),
    Column("vendor_funded_share", "Vendor-funded share", style="share"),
]
ENERGY_COLUMNS = [
    _YEAR,
    Column("energy_twh", "Facility energy", "TWh", digits=1),
    Column("co2e_t", "CO2e location", "Mt", T_PER_MT, 2),
    Column("co2e_market_t", "CO2e market", "Mt", T_PER_MT, 2),
    Column("embodied_co2e_t", "Embodied", "Mt", T_PER_MT, 2),
    Column("water_m3", "Site water", "million m³", MILLION, 1),
    Column("water_generation_m3", "Generation water", "million m³", MILLION, 1),
    Column("country_equivalent", "Nearest country by generation", style="text"),
]
SITE_COLUMNS = [
    Column("site", "Site", style="text"),
    Column("region", "Region", style="text"),
    Column("grid_gco2_per_kwh", "Grid", "gCO2e/kWh"),
    Column("grid_source", "Grid source", style="text"),
    Column("clean_supply_share", "Clean supply share", style="share"),
    Column("pue", "PUE", digits=2),
    Column("wue_l_per_kwh", "WUE", "L/kWh", digits=2),
    Column("energy_twh", "Facility energy", "TWh", digits=1),
    Column("co2e_t", "CO2e location", "Mt", T_PER_MT, 2),
    Column("water_m3", "Site water", "million m³", MILLION, 1),
    Column("water_generation_m3", "Generation water", "million m³", MILLION, 1),
]
#: Countries shown either side of the programme in the comparison chart.
COUNTRIES_EACH_SIDE = 3


def _distribution_text(value: Any) -> str:
    """`triangular(low 1.08, mode 1.15, high 1.3)` for a distribution model."""
    ((kind, params),) = value.model_dump().items()
    inner = ", ".join(
        f"{k} {fmt_value(v)}" if isinstance(v, float | int) else f"{k} {v}"
        for k, v in params.items()
        if v is not None
    )
    return f"{kind}({inner})"


# --- the scenario: title, sources, assumptions ------------------------------------------------


def scenario_section(ctx: ReportContext) -> Section:
    sc = ctx.results.scenario
    fleet = ctx.results.fleet
    basis = (
        "the facility (IT x the site's annual-average PUE; the grid connection's peak on the "
        "hottest hours is higher)"
        if sc.power_basis == "facility"
        else "the racks (IT)"
    )
    paragraphs = [p for p in (sc.description.strip(),) if p]
    paragraphs.append(
        f"Simulated month by month from {sc.start} to {sc.end}. A phase's power is what it adds, "
        f"counted at {basis}. Each uncertain input takes its point value (the mode, median, "
        f"mean or midpoint); a sweep gives the spread. Seed {sc.seed}."
    )
    # What the figures cannot show (the caveats `run` prints and `run --json` lists): here at
    # the top, not only in the sources' notes.
    paragraphs.extend(f"Caveat: {c}" for c in ctx.results.caveats())
    phases = fleet.phases
    phase_rows = tuple(
        (
            str(r.site),
            str(r.region),
            f"{r.pue:.2f}",
            str(r.phase),
            str(r.system),
            fmt_number(r.power_w / W_PER_GW, 2),
            str(r.online_planned),
            str(r.delay_months),
            str(r.online),
            f"{r.ramp_months} ({'s-curve' if r.s_curve else 'linear'})",
            str(r.construction_months),
        )
        for r in phases.itertuples()
    )
    tables = [
        Table(
            "Sites and phases",
            (
                "Site",
                "Region",
                "PUE",
                "Phase",
                "System",
                f"Power added [GW, {sc.power_basis}]",
                "Online (planned)",
                "Delay [months]",
                "Online",
                "Ramp [months]",
                "Construction [months]",
            ),
            phase_rows,
            (False, False, True, False, False, True, False, True, False, True, True),
        )
    ]
    uncertain = _uncertain_table(ctx)
    if uncertain is not None:
        tables.append(uncertain)
    if sc.costs:
        tables.append(
            Table(
                "Cost parameters the scenario sets (instead of the catalog's)",
                ("Parameter", "Value used", "Catalog value", "Unit"),
                tuple(
                    (
                        pid,
                        fmt_value(point(v)),
                        fmt_value(point(ctx.catalog.parameter(pid).value)),
                        ctx.catalog.parameter(pid).unit,
                    )
                    for pid, v in sc.costs.items()
                ),
                (False, True, True, False),
            )
        )
    if sc.deals:
        tables.append(
            Table(
                "Deals",
                ("Deal", "Stage", "Investor", "Investee", "Vendor", "Cap [USD B]", "Tranches"),
                tuple(
                    (
                        d.id,
                        d.stage,
                        d.investor,
                        d.investee,
                        d.vendor or "",
                        fmt_number(d.cap_usd, 0, BILLION),
                        str(len(d.tranches)),
                    )
                    for d in sc.deals
                ),
                (False, False, False, False, False, True, True),
            )
        )
    return Section(
        id="scenario",
        title="Scenario, sources and assumptions",
        paragraphs=tuple(paragraphs),
        bullets=tuple(sc.sources),
        bullets_title="Sources of the scenario",
        tables=tuple(tables),
    )


def _uncertain_table(ctx: ReportContext) -> Table | None:
    if ctx.inputs is None:
        return None
    rows = tuple(
        (path, _distribution_text(dist), fmt_value(point(dist)))
        for path, dist in ctx.inputs.distributions()
    )
    if not rows:
        return None
    return Table(
        "Uncertain inputs (this report uses each point value; whole-number fields are rounded)",
        ("Input", "Distribution", "Point value"),
        rows,
        (False, False, True),
    )


# --- build-out --------------------------------------------------------------------------------


def _by_site_series(frame: pd.DataFrame, scale: float) -> tuple[Series, ...]:
    """A (months x sites) frame as one stacked area per site."""
    months = list(frame.index)
    return tuple(
        Series(str(site), months, as_list(frame[site].to_numpy(), scale), "area")
        for site in frame.columns
    )


def buildout_section(ctx: ReportContext) -> Section:
    fleet = ctx.results.fleet
    months = list(fleet.month_labels)
    charts = [
        Chart(
            "buildout-facility-power",
            "Facility power online by site (IT x the site's annual-average PUE)",
            "Month",
            "Facility power [GW]",
            _by_site_series(fleet.by_site(fleet.facility_power_w), W_PER_GW),
            stacked=True,
        ),
        Chart(
            "buildout-it-power",
            "IT power online by site (at the racks)",
            "Month",
            "IT power [GW]",
            _by_site_series(fleet.by_site(fleet.it_power_w), W_PER_GW),
            stacked=True,
        ),
    ]
    by_type = []
    for acc, rows in fleet.phases.groupby("accelerator", sort=False).groups.items():
        counts = fleet.accelerators[np.asarray(rows)].sum(axis=0)
        label = ctx.catalog.accelerator(str(acc)).label
        by_type.append(Series(label, months, as_list(counts, MILLION), "area"))
    charts.append(
        Chart(
            "buildout-accelerators",
            "Accelerators online by type (packages)",
            "Month",
            "Accelerators [million]",
            tuple(by_type),
            stacked=True,
        )
    )
    charts.append(
        Chart(
            "buildout-peak-flops",
            "Peak dense compute by precision",
            "Month",
            "Peak compute [EFLOP/s]",
            tuple(
                Series(
                    p.upper(),
                    months,
                    as_list(fleet.total(fleet.peak_flops_per_s[p]), FLOPS_PER_EFLOP),
                )
                for p in PRECISIONS_SHOWN
            ),
        )
    )
    years = ctx.results.years()
    table = column_table(
        "Build-out by year (as of December, or the last month)", BUILDOUT_COLUMNS, years
    )
    last = years[-1]
    dies = last.get("compute_dies")
    packages = (
        f" Accelerators are packages: they hold {dies / MILLION:,.2f} million reticle-sized "
        f"compute dies, the unit NVIDIA's 2025 Rubin rack names counted (Vera Rubin NVL144; its "
        f"CES 2026 Vera Rubin NVL72 counts packages)."
        if dies and dies != last["accelerators"]
        else " Accelerators are packages."
    )
    return Section(
        id="buildout",
        title="Build-out",
        paragraphs=(
            f"By {last['month']}: {last['facility_power_gw']:,.2f} GW at the facility (IT x "
            f"the sites' annual-average PUE; the grid connection's peak on the hottest hours is "
            f"higher), {last['it_power_gw']:,.2f} GW at the racks, "
            f"{last['accelerators'] / MILLION:,.2f} million accelerators. Accelerators = IT "
            f"power / the system's all-in IT power per accelerator; peak FLOP/s are dense (no "
            f"sparsity).{packages}",
        ),
        charts=tuple(charts),
        tables=(table,),
    )


# --- money ------------------------------------------------------------------------------------


def _bought(t: TrancheOutcome) -> str:
    if t.stake_share is not None and t.valuation_usd:
        return f"{t.stake_share:.2%} at a USD {t.valuation_usd / BILLION:,.0f}B valuation"
    if t.shares is not None:
        value = "" if t.value_usd is None else f", worth USD {t.value_usd / BILLION:,.2f}B"
        return f"{t.shares / MILLION:,.2f}M shares{value}"
    return ""


def _tranche_value_usd(t: TrancheOutcome) -> float:
    """What a released tranche is worth: its cash, or a warrant's intrinsic value at vesting."""
    if t.instrument == "warrant":
        return t.value_usd or 0.0
    return t.released_usd


def _tranche_label(t: TrancheOutcome) -> str:
    if t.instrument == "warrant" and t.shares is not None:
        return f"{t.shares / MILLION:,.0f}M sh"
    return f"+{t.released_usd / BILLION:,.0f}B"


def _tranche_hover(t: TrancheOutcome) -> str:
    bought = _bought(t)
    return (
        f"{t.name} ({t.month})<br>{t.instrument}, {t.payer} to {t.payee}: "
        f"USD {_tranche_value_usd(t) / BILLION:,.2f}B<br>trigger: {t.trigger}"
        + (f"<br>bought: {bought}" if bought else "")
    )


def _warrants_clause(warrants: list[dict[str, Any]], end: str) -> str:
    """`; warrants (shares, not cash): ...` for the Money paragraph's invested sentence, which
    counts cash only: without it a warrant deal (AMD-OpenAI's) reads as nothing given."""
    if not warrants:
        return ""
    each = "; ".join(warrant_vested_text(w, end) for w in warrants)
    return (
        f" (cash); warrants, which vest shares, not cash: {each}; share prices follow their "
        "median path, whose drift is an assumption, not a forecast"
    )


def _tranche_chart(fin: Finance) -> Chart:
    """Invested money climbs in steps; each invested tranche is a marker on that line, the
    others (warrants, purchase commitments, leases) markers at their own value."""
    months = list(fin.month_labels)
    index = {m: i for i, m in enumerate(months)}
    cumulative = fin.cumulative_invested_usd
    series = [Series("Invested (cumulative)", months, as_list(cumulative, BILLION), "step")]
    cap = fin.invested_cap_usd
    if cap is not None:
        series.append(Series("Cap", months, [cap / BILLION] * len(months), "line", dash=True))
    released = fin.released()
    for deal in dict.fromkeys(t.deal for t in released):
        for invested in (True, False):
            mine = [t for t in released if t.deal == deal and t.invested == invested]
            if not mine:
                continue
            y = [
                float(cumulative[index[str(t.month)]]) if invested else _tranche_value_usd(t)
                for t in mine
            ]
            series.append(
                Series(
                    f"{deal}: {'invested' if invested else 'other'} tranches",
                    [t.month for t in mine],
                    [v / BILLION for v in y],
                    "markers",
                    text=[_tranche_label(t) for t in mine],
                    hover=[_tranche_hover(t) for t in mine],
                )
            )
    return Chart(
        "money-tranches",
        "Money invested and tranches released",
        "Month",
        "Money [USD billion]",
        tuple(series),
        note="Invested tranches sit on the invested line; other tranches (warrants at their "
        "value when they vest, purchase commitments, leases) at their own value.",
    )


def money_section(ctx: ReportContext) -> Section | None:
    fin = ctx.results.finance
    if fin is None:
        return None
    years = fin.years()
    labels = [str(y["year"]) for y in years]
    parts = (
        ("Capex: systems", "capex_systems_usd"),
        ("Capex: facility", "capex_facility_usd"),
        ("Capex: power", "capex_power_usd"),
        ("Opex: energy", "opex_energy_usd"),
        ("Opex: operations", "opex_operations_usd"),
        ("Opex: capacity charge", "opex_capacity_usd"),
    )
    spend = Chart(
        "money-spend",
        "Capex and opex by year",
        "Year",
        "Spend [USD billion]",
        tuple(
            Series(name, labels, [y[key] / BILLION for y in years], "bar") for name, key in parts
        ),
        x_type="year",
        stacked=True,
    )
    summary = fin.summary()
    tables = [
        Table(
            "Tranches released",
            (
                "Date",
                "Deal",
                "Tranche",
                "Instrument",
                "Amount [USD B]",
                "Trigger",
                "Bought",
            ),
            tuple(
                (
                    str(t.month),
                    t.deal,
                    t.name,
                    f"{t.instrument}, {t.payer} to {t.payee}",
                    fmt_number(t.released_usd, 2, BILLION),
                    t.trigger,
                    _bought(t),
                )
                for t in fin.released()
            ),
            (False, False, False, False, True, False, False),
        )
    ]
    if fin.pending():
        tables.append(
            Table(
                "Tranches not released",
                ("Deal", "Tranche", "Amount [USD B]", "Trigger", "Why not"),
                tuple(
                    (
                        t.deal,
                        t.name,
                        fmt_number(t.amount_usd, 2, BILLION),
                        t.trigger,
                        t.reason or "",
                    )
                    for t in fin.pending()
                ),
                (False, False, True, False, False),
            )
        )
    tables.append(
        column_table(
            "Money by year (flows in the year; cumulative figures as of December)",
            MONEY_COLUMNS,
            years,
        )
    )
    cap = summary["invested_cap_usd"]
    of_cap = "" if cap is None else f" of a USD {cap / BILLION:,.0f}B cap"
    energy_mwh = (
        "the energy section's MWh"
        if summary["energy_source"] == "energy stage"
        else summary["energy_source"]
    )
    paragraphs = (
        f"Money moves from {summary['start']} (construction starts before the first phase is "
        f"online) to {summary['end']}. Capex USD {summary['capex_usd'] / BILLION:,.1f}B "
        f"({summary['capex_before_start_usd'] / BILLION:,.1f}B before the scenario starts), opex "
        f"USD {summary['opex_usd'] / BILLION:,.1f}B (energy: {energy_mwh} at each region's "
        "catalog power price, USD "
        f"{(fin.opex_energy_usd.sum() + fin.opex_capacity_usd.sum()) / BILLION:,.1f}B with "
        "capacity charges; the rest operations, an estimated share of capex a year). "
        # to the tenth of a billion, as run's money table and the one below write it
        f"Invested: USD {fmt_number(summary['cumulative_invested_usd'], 1, BILLION)}B{of_cap}"
        f"{_warrants_clause(fin.warrant_totals(), summary['end'])}.",
        "Per investor, cumulative to date: I is the cash invested (equity and cash tranches), C "
        "is I plus vested warrants' intrinsic value at vesting, P the systems capex paid for the "
        "hardware it makes. Circular share = sum of min(I, P) / sum of I: whether the purchases "
        "have caught up with the cash (money is fungible: not that the cash paid for them). "
        "Vendor-funded share = sum of C / sum of P over the investors whose hardware is bought "
        "(above 100 % while the investment runs ahead of the purchases). Neither counts the "
        "facility, power, energy or other vendors' hardware.",
        "Dollars: costs at each catalog record's quoted price, held flat for every later year "
        "(not escalated for inflation, no price trend), and undiscounted; deal amounts as "
        "announced.",
    )
    return Section(
        id="money",
        title="Money",
        paragraphs=paragraphs,
        charts=(spend, _tranche_chart(fin)),
        tables=tuple(tables),
    )


# --- energy -----------------------------------------------------------------------------------


def _yearly_by_site(energy: EnergyResult, values: np.ndarray) -> pd.DataFrame:
    """Calendar-year sums per site (years x sites) of a (phases x months) array."""
    by_month = energy.fleet.by_site(values)
    return by_month.groupby(by_month.index.str[:4]).sum()


def _country_chart(energy: EnergyResult, years: list[dict[str, Any]]) -> Chart | None:
    """The programme's largest year next to the countries nearest in annual generation."""
    peak = max(years, key=lambda y: y["energy_twh"])
    twh = peak["energy_twh"]
    countries = [c for c in energy.countries if isinstance(c, Country) and c.electricity_twh > 0]
    if twh <= 0 or not countries:
        return None
    nearest = sorted(countries, key=lambda c: abs(math.log(twh / c.electricity_twh)))
    below = [c for c in nearest if c.electricity_twh <= twh][:COUNTRIES_EACH_SIDE]
    above = [c for c in nearest if c.electricity_twh > twh][:COUNTRIES_EACH_SIDE]
    bars: list[tuple[str, float, bool]] = [(c.label, c.electricity_twh, False) for c in below]
    bars += [(c.label, c.electricity_twh, False) for c in above]
    bars.append((f"This programme, {peak['year']}", twh, True))
    bars.sort(key=lambda b: b[1])
    labels = [b[0] for b in bars]
    shown = below + above
    data_years = sorted({c.year for c in shown})
    in_years = (
        str(data_years[0])
        if len(data_years) == 1
        else f"{data_years[0]}-{data_years[-1]} (each country's latest)"
    )
    nan = float("nan")
    return Chart(
        "energy-countries",
        "The programme's largest year against countries",
        "",
        "Electricity [TWh per year]",
        (
            Series("Country generation", labels, [nan if b[2] else b[1] for b in bars], "bar"),
            Series("Programme consumption", labels, [b[1] if b[2] else nan for b in bars], "bar"),
        ),
        x_type="category",
        stacked=True,  # one bar per category: stacking only keeps bars centred
        note=f"Countries: annual electricity generation in {in_years}, Our World in Data (via "
        f"CodeCarbon), a proxy for consumption (net imports not counted). The programme: its "
        f"facility energy in {peak['year']}.",
    )


def _transferred_power_note(ctx: ReportContext) -> str:
    """A sentence naming the scenario's accelerators whose power calibration was measured on
    another generation (no run of their own was measured): their draw is an estimate."""
    from gigawatt.energy.params import power_calibration_for

    accelerators = {
        ph.system.accelerator for site in ctx.results.scenario.sites for ph in site.phases
    }
    carried: dict[str, str] = {}
    for acc in sorted(accelerators):
        cal = power_calibration_for(ctx.catalog, acc)
        if cal is not None and cal.transferred_from:
            ref = "TDP" if cal.basis == "tdp" else "all-in IT power"
            source = ctx.catalog.get("power-calibrations", cal.transferred_from)
            if acc in getattr(source, "measured_on", ()):
                carried[acc] = (
                    f"{acc}: its {cal.draw_fraction:.3f} share of {ref} was measured on it for "
                    f"{cal.transferred_from} (one single-node pretraining benchmark; {cal.status})."
                )
                continue
            carried[acc] = (
                f"{acc}: no training run of it has a measured draw; it carries the "
                f"{cal.draw_fraction:.3f} share of {ref} measured for {cal.transferred_from} "
                f"({cal.status})."
            )
    return "".join(" " + text for text in carried.values())


def energy_section(ctx: ReportContext) -> Section | None:
    energy = ctx.results.energy
    if energy is None:
        return None
    years = ctx.results.years()
    twh = _yearly_by_site(energy, energy.energy_mwh_by_phase) / MWH_PER_TWH
    labels = list(twh.index)
    charts = [
        Chart(
            "energy-twh",
            "Facility energy by site",
            "Year",
            "Facility energy [TWh]",
            tuple(
                Series(str(site), labels, as_list(twh[site].to_numpy()), "bar")
                for site in twh.columns
            ),
            x_type="year",
            stacked=True,
        ),
        Chart(
            "energy-co2e",
            "Carbon by calendar year",
            "Year",
            "CO2e [Mt]",
            tuple(
                Series(name, labels, [y[key] / T_PER_MT for y in years], "bar")
                for name, key in (
                    ("Location-based", "co2e_t"),
                    ("Market-based", "co2e_market_t"),
                    ("Embodied (hardware)", "embodied_co2e_t"),
                )
            ),
            x_type="year",
            note="Market-based: the site's contracted clean supply counts as zero. Embodied: "
            "the hardware's manufacturing emissions spread over its life.",
        ),
        Chart(
            "energy-water",
            "Water: on site and at the power plants",
            "Year",
            "Water [million m³]",
            tuple(
                Series(name, labels, [y[key] / MILLION for y in years], "bar")
                for name, key in (
                    ("Site water", "water_m3"),
                    ("Generation water", "water_generation_m3"),
                )
            ),
            x_type="year",
            note="Site water: IT energy x the site's WUE. Generation water: facility energy x "
            "the region's water use per kWh generated, life-cycle (fuel supply, plant "
            "manufacturing and operation: Meldrum et al. 2013); sources without a factor, such "
            "as hydro, count none, so it is a lower bound.",
        ),
    ]
    countries = _country_chart(energy, years)
    if countries is not None:
        charts.append(countries)
    sites = site_summaries(ctx.results.scenario, ctx.catalog, energy.fleet, energy)
    tables = (
        column_table("Energy by calendar year", ENERGY_COLUMNS, years),
        column_table(
            "Sites: grid and contracts (totals over the simulated months)", SITE_COLUMNS, sites
        ),
    )
    return Section(
        id="energy",
        title="Energy, carbon and water",
        paragraphs=(
            "Each accelerator draws its generation's average training power, calibrated on "
            "training runs whose power was measured (docs/models/energy-calibration.md), or where "
            f"no calibration applies its idle power plus {energy.utilisation:.0%} of the way to "
            "its TDP plus its share of host and network; times the site's PUE. Location-based "
            "carbon uses the region's latest annual life-cycle grid intensity, held flat for "
            "later years (no decarbonisation of the grid is assumed); both carbon figures are "
            "attributional, annual averages, not the marginal emissions of the generation that "
            "runs, or is built, for this added load; market-based "
            "counts the site's contracted clean supply as zero and the rest at the grid "
            "average (no residual mix: a lower bound); a ramping phase draws for the "
            "accelerators in service on average over each month; site water is IT energy x "
            "the region's WUE (the US fleet average unless a site sets one; a closed-loop "
            "liquid-cooled campus uses less); embodied carbon (the accelerators and their "
            "servers or racks only, not the scale-out network, storage, buildings, cooling and "
            "electrical plant, or generation) spreads the "
            "hardware's manufacturing emissions evenly over its life, each month's deployments "
            "from the month they arrive, and stops at the life's end (no refresh is "
            "modelled)." + _transferred_power_note(ctx),
        ),
        charts=tuple(charts),
        tables=tables,
    )
