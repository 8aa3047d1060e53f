"""A scenario's sites seen from the energy model: grid, contracts and totals per site, one site's
power swings and its least-cost on-site supply (the site views of `gigawatt energy`).

Each function reads the resolved scenario and the `energy` stage's result; the application layer
(`gigawatt.app.energy`) picks the sites and assembles the command's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gigawatt.buildout import Fleet
from gigawatt.catalog import Catalog
from gigawatt.energy.programme import EnergyResult
from gigawatt.energy.swings import (
    SwingJob,
    analyse_swings,
    default_swing_job,
    no_progress_reason,
    swing_inputs,
)
from gigawatt.errors import InputError, UnknownIdError
from gigawatt.scenario import Scenario, Site
from gigawatt.units import MWH_PER_TWH, W_PER_GW, W_PER_MW

#: The region whose grid limit on a single loss of load the catalog records
#: (`ercot-load-loss-limit-mw`); other regions get NERC's observed event only.
ERCOT_REGION = "us-ercot"


def step_change_note(catalog: Catalog, region_id: str, rated_mw: float, draw_mw: float) -> str:
    """What the swing table cannot show: a trip of the whole site (or its failover to backup
    power) drops its whole draw at once, a step none of the swing mitigations covers, set
    beside NERC's reviewed 1,500 MW event (`grid-load-loss-observed-mw`) and, for an ERCOT
    site, ERCOT's largest single loss of load within its frequency limit
    (`ercot-load-loss-limit-mw`)."""
    observed = catalog.get("energy", "grid-load-loss-observed-mw")
    text = (
        f"Step change: a trip of the whole site, or its failover to backup power, drops its "
        f"draw at once ({draw_mw:,.0f} MW on average in this month, up to its {rated_mw:,.0f} MW "
        "rated facility power), a step none of these mitigations covers; NERC reviewed "
        f"{observed.value:,.0f} MW of data-centre load lost at once in Northern Virginia on "
        f"10 Jul 2024 ({observed.id}, {observed.status})"
    )
    if catalog.region(region_id).id == ERCOT_REGION:
        limit = catalog.get("energy", "ercot-load-loss-limit-mw")
        text += (
            f"; ERCOT's studies put the most load its grid can lose at once within its "
            f"post-contingency frequency limit at {limit.value:,.0f} MW ({limit.id}, "
            f"{limit.status}): this site's rated power is {rated_mw / limit.value:.0%} of it"
        )
    return text + "."


@dataclass(frozen=True)
class SupplyOptions:
    hours: int = 8760
    co2_cap_t_per_year: float | None = None
    grid_import_mw: float | None = None


def find_site(scenario: Scenario, name: str, field: str) -> Site:
    """The scenario's site called `name`; an unknown name is an error on `field`."""
    for site in scenario.sites:
        if site.name == name.lower():
            return site
    raise UnknownIdError(
        "sites",
        name,
        [s.name for s in scenario.sites],
        field=field,
        owner=f"scenario {scenario.name}",
    )


def site_summaries(
    scenario: Scenario, catalog: Catalog, fleet: Fleet, energy: EnergyResult
) -> list[dict[str, Any]]:
    """Per site: grid, contracts, peak draw and whole-horizon totals (energy, carbon, site and
    generation water: `EnergyResult.site_totals`, the same phase arrays the years sum)."""
    totals = {row["site"]: row for row in energy.site_totals()}
    out = []
    for site in scenario.sites:
        region = catalog.region(site.region)
        rows = energy.site_rows(site.name)
        draw_w = energy.site_draw_w(site.name)
        t = totals[site.name]
        out.append(
            {
                "site": site.name,
                "region": region.id,
                "grid_gco2_per_kwh": region.grid_gco2_per_kwh,
                "grid_source": f"{region.grid_source}, {region.grid_year} annual average",
                "grid_carbon_free_share": region.carbon_free_share,
                "clean_supply_share": float(site.clean_supply_share),
                "pue": float(site.pue),
                "wue_l_per_kwh": float(
                    site.wue_l_per_kwh if site.wue_l_per_kwh is not None else region.wue_l_per_kwh
                ),
                "peak_facility_power_gw": float(fleet.facility_power_w[rows].sum(axis=0).max())
                / W_PER_GW,
                "peak_average_draw_gw": float(draw_w.max()) / W_PER_GW,
                "energy_twh": t["energy_mwh"] / MWH_PER_TWH,
                "co2e_t": t["co2e_t"],
                "co2e_market_t": t["co2e_market_t"],
                "embodied_co2e_t": t["embodied_co2e_t"],
                "water_m3": t["water_m3"],
                # added after the keys above (DESIGN.md section 7): water consumed generating
                # the site's facility energy, as each year's `water_generation_m3` counts it
                # (`energy.programme.programme_energy`), summed over the horizon
                "water_generation_m3": t["water_generation_m3"],
            }
        )
    return out


def site_peak_month(energy: EnergyResult, site: Site) -> str:
    """The month the site has most accelerators (the month its swings are traced)."""
    fleet = energy.fleet
    rows = energy.site_rows(site.name)
    return str(fleet.month_labels[int(fleet.accelerators[rows].sum(axis=0).argmax())])


def site_swings(
    scenario: Scenario,
    catalog: Catalog,
    energy: EnergyResult,
    site: Site,
    ramp_limit_mw_per_s: float | None,
    job: SwingJob | None = None,
    job_accelerators: int | None = None,
) -> dict[str, Any]:
    """Swings of one synchronous job on the site's largest system group at its peak month:
    `job` as a layer above decided it (the capability model's operating point), else all of
    that group (or `job_accelerators` of it) with the catalog's swing defaults.

    A job that restarts more than it trains (each restart outlasts the time between
    interruptions) is refused: an `InputError` naming the reason, the job's goodput and the
    size that trains."""
    fleet = energy.fleet
    rows = energy.site_rows(site.name)
    month_label = site_peak_month(energy, site)
    month = int(np.flatnonzero(fleet.month_labels == month_label)[0])
    first = int(np.flatnonzero(rows)[0])  # a site's phases are consecutive rows
    # the site's rated facility power that month: what its grid connection and ramp limit serve
    site_power_w = float(fleet.facility_power_w[rows, month].sum())
    counts: dict[str, int] = {}
    systems = {}
    for k, ph in enumerate(site.phases):
        counts[ph.system.id] = counts.get(ph.system.id, 0) + int(
            fleet.accelerators[first + k, month]
        )
        systems[ph.system.id] = ph.system
    system_id = max(counts, key=lambda k: counts[k])
    traced = job or default_swing_job(
        catalog, systems[system_id], job_accelerators or max(counts[system_id], 1)
    )
    inputs = swing_inputs(
        catalog,
        systems[system_id],
        traced.accelerators,
        float(site.pue),
        job=traced,
        ramp_limit_mw_per_s=ramp_limit_mw_per_s,
        seed=scenario.seed,
        site_power_w=site_power_w,
    )
    reason = no_progress_reason(inputs)
    if reason:
        hint = (
            f"; the operating point trains with {job.operating_accelerators:,} (omit the flag)"
            if job is not None and job.operating_accelerators
            else ""
        )
        field = "job_accelerators" if job is None or job.source == "override" else "policy"
        goodput = (
            f" (goodput {job.goodput:.0%})" if job is not None and job.goodput is not None else ""
        )
        raise InputError(
            f"will not trace a job that restarts more than it trains: {reason}{goodput}{hint}",
            field=field,
        )
    described = (
        {"policy": traced.policy}  # the default policy, whose costs the trace uses
        if job is None
        else {
            "job_source": job.source,
            "step_source": job.step_source,
            "policy": job.policy,
            "plan": job.plan,
            "goodput": job.goodput,
            "mfu": job.mfu,
            "group_accelerators": job.group_accelerators,
            "operating_point_accelerators": (
                job.accelerators if job.source == "operating-point" else job.operating_accelerators
            ),
        }
    )
    return {
        "site": site.name,
        "system": system_id,
        "month": month_label,
        "job_source": "catalog-defaults",
        "step_source": "catalog-defaults",
        "policy": None,
        "plan": None,
        "goodput": None,
        "mfu": None,
        "group_accelerators": counts[system_id],
        "operating_point_accelerators": None,
        "site_facility_power_mw": site_power_w / W_PER_MW,
        "step_change_note": step_change_note(
            catalog,
            site.region,
            site_power_w / W_PER_MW,
            float(energy.site_draw_w(site.name)[month]) / W_PER_MW,
        ),
        **described,
        **analyse_swings(inputs).to_dict(),
    }


def site_supply(
    scenario: Scenario,
    catalog: Catalog,
    energy: EnergyResult,
    site: Site,
    options: SupplyOptions,
) -> dict[str, Any]:
    """Least-cost supply for the site's peak average facility draw (flat load)."""
    from gigawatt.energy.supply import least_cost_supply, region_supply_inputs

    draw_w = energy.site_draw_w(site.name)
    peak = int(draw_w.argmax())
    inputs = region_supply_inputs(
        catalog,
        site.region,
        site=site.name,
        load_mw=float(draw_w[peak]) / W_PER_MW,
        year=int(str(energy.fleet.month_labels[peak])[:4]),
        hours=options.hours,
        lat=site.lat,
        lon=site.lon,
        grid_import_mw=options.grid_import_mw,
        co2_cap_t_per_year=options.co2_cap_t_per_year,
        seed=scenario.seed,
        scenario=scenario,
    )
    return least_cost_supply(inputs).to_dict()
