"""Programme energy: the `energy` stage of `simulate` (monthly and yearly, per site).

Each phase's average facility draw is its accelerators in service on average over the month
(`Fleet.average_accelerators`: a ramp deploys evenly within each month) x P_IT x PUE, with the
job-level training draw of `footprint.py`: the generation's calibrated draw where a power
calibration covers the accelerator, else P_acc(u) + P_host at the cited training load u.
Monthly energy is that draw x the month's hours; carbon and water follow from the site's region
and contracts. Embodied carbon is amortised straight-line: accelerators deployed in a month
carry kg / L per month for the L months of their life (`embodied-life-years`) and nothing
after, from their real deployment month (hardware online before the scenario starts carries
only what is left of its life). All quantities are (phases x months) NumPy arrays; sites and
years are sums.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.buildout import Fleet, long_table, straight_line
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Country
from gigawatt.distributions import point
from gigawatt.energy.footprint import (
    closest_country,
    co2e_location_t,
    co2e_market_t,
    energy_mwh,
    per_accelerator_embodied_kg,
    training_draw,
    water_m3,
)
from gigawatt.energy.params import energy_param
from gigawatt.scenario import Scenario
from gigawatt.units import KG_PER_T, MONTHS_PER_YEAR, MWH_PER_TWH, month_hours


@dataclass(frozen=True)
class PhaseEnergyInputs:
    """Per-phase constants of the energy model, in `fleet.phases` order (arrays of phases)."""

    it_power_w_per_accelerator: np.ndarray  # average training draw, footprint.training_draw [W]
    grid_gco2_per_kwh: np.ndarray
    clean_supply_share: np.ndarray
    wue_l_per_kwh: np.ndarray
    water_intensity_l_per_kwh: np.ndarray  # NaN where the region has none
    embodied_kg_per_accelerator: np.ndarray  # chip + host share [kg]
    pue: np.ndarray


def phase_inputs(
    scenario: Scenario, catalog: Catalog, utilisation: float | None = None
) -> PhaseEnergyInputs:
    """Gather each phase's power model and site factors, in the order `build_fleet` uses.

    `utilisation` None: each generation's calibrated draw (bottom-up at the catalog's load where
    no calibration applies); a number: the bottom-up model at that load for every phase.
    """
    rows: list[dict[str, float]] = []
    for site in scenario.sites:
        region = catalog.region(site.region)
        for ph in site.phases:
            system = ph.system
            acc = catalog.accelerator(system.accelerator)
            draw = training_draw(catalog, system, acc, utilisation)
            acc_kg, host_kg = per_accelerator_embodied_kg(acc, system)
            ewif = region.water_intensity_l_per_kwh
            rows.append(
                {
                    "it_power_w_per_accelerator": draw.total_w,
                    "grid_gco2_per_kwh": region.grid_gco2_per_kwh,
                    "clean_supply_share": float(site.clean_supply_share),
                    "wue_l_per_kwh": float(
                        site.wue_l_per_kwh
                        if site.wue_l_per_kwh is not None
                        else region.wue_l_per_kwh
                    ),
                    "water_intensity_l_per_kwh": np.nan if ewif is None else ewif,
                    "embodied_kg_per_accelerator": acc_kg + host_kg / system.accelerators_per_node,
                    "pue": float(site.pue),
                }
            )
    names = list(rows[0]) if rows else [f.name for f in fields(PhaseEnergyInputs)]
    return PhaseEnergyInputs(
        **{
            k: np.array([np.nan if r[k] is None else r[k] for r in rows], dtype=float)
            for k in names
        }
    )


@dataclass(frozen=True)
class EnergyResult:
    """Monthly energy, carbon and water of the fleet; arrays are (phases x months).

    `energy_mwh_by_phase` (facility energy, rows in `fleet.phases` order) is the contract the
    finance model reads for the energy bill.
    """

    fleet: Fleet
    utilisation: float
    facility_power_w_by_phase: np.ndarray
    energy_mwh_by_phase: np.ndarray
    it_energy_mwh_by_phase: np.ndarray
    co2e_t_by_phase: np.ndarray
    co2e_market_t_by_phase: np.ndarray
    embodied_co2e_t_by_phase: np.ndarray
    water_m3_by_phase: np.ndarray
    water_generation_m3_by_phase: np.ndarray
    countries: tuple[Country, ...]

    def _quantities(self) -> list[tuple[str, str, np.ndarray]]:
        return [
            ("average_facility_power_w", "W", self.facility_power_w_by_phase),
            ("energy_mwh", "MWh", self.energy_mwh_by_phase),
            ("it_energy_mwh", "MWh", self.it_energy_mwh_by_phase),
            ("co2e_t", "t", self.co2e_t_by_phase),
            ("co2e_market_t", "t", self.co2e_market_t_by_phase),
            ("embodied_co2e_t", "t", self.embodied_co2e_t_by_phase),
            ("water_m3", "m3", self.water_m3_by_phase),
            ("water_generation_m3", "m3", self.water_generation_m3_by_phase),
        ]

    def table(self) -> pd.DataFrame:
        """Long table (month, site, quantity, unit, value); site `total` holds the sums."""
        return long_table(self.fleet.month_labels, self.fleet.phases["site"], self._quantities())

    def year_mask(self, year: int) -> np.ndarray:
        return self._calendar_years == year

    @cached_property
    def _calendar_years(self) -> np.ndarray:
        """Each month's calendar year (read once; every year's summary asks)."""
        return self.fleet.months.astype("datetime64[Y]").astype(int) + 1970

    def site_rows(self, site: str) -> np.ndarray:
        """Boolean mask of a site's phases."""
        return self.fleet.columns["site"] == site

    def site_draw_w(self, site: str) -> np.ndarray:
        """A site's average facility draw by month [W]."""
        return self.facility_power_w_by_phase[self.site_rows(site)].sum(axis=0)

    def year_totals(self, year: int) -> dict[str, float]:
        """Calendar-year sums over the simulated months of that year."""
        mask = self.year_mask(year)
        return {name: float(arr[:, mask].sum()) for name, _, arr in self._quantities()[1:]}

    def year_summary(self, year: int, position: int) -> dict[str, Any]:
        """Keys added to each year of `gigawatt run --json` (sums over the calendar year)."""
        t = self.year_totals(year)
        twh = t["energy_mwh"] / MWH_PER_TWH
        country = closest_country(twh, list(self.countries))
        return {
            "energy_twh": twh,
            "co2e_t": t["co2e_t"],
            "co2e_market_t": t["co2e_market_t"],
            "embodied_co2e_t": t["embodied_co2e_t"],
            "water_m3": t["water_m3"],
            "water_generation_m3": t["water_generation_m3"],
            "country_equivalent": None if country is None else country["name"],
            "country_equivalent_twh": None if country is None else country["electricity_twh"],
            "country_equivalent_year": None if country is None else country["year"],
        }

    def site_totals(self) -> list[dict[str, Any]]:
        """Whole-horizon sums per site."""
        out = []
        for site in self.fleet.sites:
            rows = self.site_rows(site)
            row: dict[str, Any] = {"site": site}
            for name, _, arr in self._quantities()[1:]:
                row[name] = float(arr[rows].sum())
            out.append(row)
        return out


def programme_energy(
    fleet: Fleet, inputs: PhaseEnergyInputs, life_years: float
) -> dict[str, np.ndarray]:
    """The (phases x months) energy, carbon and water arrays of a fleet (vectorised)."""
    col = {k: v[:, None] for k, v in vars(inputs).items()}
    hours = month_hours(fleet.months)[None, :]
    # A month's draw counts the accelerators in service on average over it (a ramp deploys
    # evenly within each month), not the month's closing count for the whole month.
    it_w = fleet.average_accelerators * col["it_power_w_per_accelerator"]
    facility_w = it_w * col["pue"]
    e_it = energy_mwh(it_w, hours)
    e = energy_mwh(facility_w, hours)
    # Each month's newly deployed accelerators carry their embodied carbon evenly over the
    # L months of their life and nothing after (the fleet is never refreshed, as in finance's
    # depreciation), so a phase's total is its accelerators x kg, however long the horizon.
    # Hardware online before the scenario starts is amortised from its real deployment month:
    # only the part of its life inside the horizon is counted.
    life_months = max(1, round(life_years * MONTHS_PER_YEAR))
    deployed, before = fleet.accelerators_with_history()
    embodied = (
        straight_line(deployed, life_months)[:, before:]
        * col["embodied_kg_per_accelerator"]
        / KG_PER_T
    )
    ewif = np.nan_to_num(col["water_intensity_l_per_kwh"], nan=0.0)
    return {
        "facility_power_w_by_phase": facility_w,
        "energy_mwh_by_phase": e,
        "it_energy_mwh_by_phase": e_it,
        "co2e_t_by_phase": co2e_location_t(e, col["grid_gco2_per_kwh"]),
        "co2e_market_t_by_phase": co2e_market_t(
            e, col["grid_gco2_per_kwh"], col["clean_supply_share"]
        ),
        "embodied_co2e_t_by_phase": embodied,
        "water_m3_by_phase": water_m3(e_it, col["wue_l_per_kwh"]),
        "water_generation_m3_by_phase": water_m3(e, ewif),
    }


def run_energy(scenario: Scenario, catalog: Catalog, fleet: Fleet) -> EnergyResult:
    """The `energy` stage: a resolved scenario's fleet -> monthly energy, carbon and water."""
    u = energy_param(catalog, "training-utilisation")
    inputs = phase_inputs(scenario, catalog)
    if len(inputs.pue) != fleet.n_phases:
        raise ValueError("energy stage: phases do not match the fleet's")
    countries = tuple(catalog.all("countries"))  # type: ignore[arg-type]
    arrays = programme_energy(fleet, inputs, energy_param(catalog, "embodied-life-years"))
    return EnergyResult(
        fleet=fleet,
        utilisation=u,
        countries=countries,
        **arrays,
    )


def load_caveats(scenario: Scenario, catalog: Catalog) -> tuple[str, ...]:
    """What the facility energy assumes of the load, which the tables' "IT x PUE" does not say:
    every accelerator in service trains all year (no idle, maintenance, inference or unsold
    time) at its system's average training draw (`footprint.training_draw`), a share of its
    rated all-in IT power, so a built-out site's TWh is its rated facility GW x 8,760 h x that
    share, not x 1. One line naming each system's draw, rated power, share and basis (the
    power calibration and its status, or the bottom-up load)."""
    from gigawatt.energy.params import power_calibration_for

    parts: dict[str, str] = {}
    for site in scenario.sites:
        for ph in site.phases:
            system = ph.system
            if system.id in parts:
                continue
            acc = catalog.accelerator(system.accelerator)
            draw = training_draw(catalog, system, acc)
            rated_w = system.it_power_w_per_accelerator
            cal = power_calibration_for(catalog, acc.id) if draw.calibration else None
            if cal is None:
                basis = f"the bottom-up model at load {draw.utilisation:g}"
            elif cal.transferred_from:
                basis = (
                    f"power calibration {cal.id}, status {cal.status}: the share measured on "
                    f"{cal.transferred_from}'s runs, carried to this system, not measured on it"
                )
            else:
                basis = f"power calibration {cal.id}, status {cal.status}"
            parts[system.id] = (
                f"{system.id} {draw.total_w:,.0f} W of its {rated_w:,.0f} W rated all-in IT "
                f"power per accelerator ({draw.total_w / rated_w:.2f}; {basis})"
            )
    if not parts:
        return ()
    return (
        "Facility energy counts every accelerator in service training all year at its "
        "system's average training draw: "
        + "; ".join(parts.values())
        + ". So a built-out site's TWh is its rated facility GW x 8,760 h x that share, not at "
        "full rated power; idle, maintenance, inference or unsold time would lower it "
        "(`gigawatt catalog power-calibrations` gives the sources).",
    )


def generation_water_caveats(scenario: Scenario, catalog: Catalog) -> tuple[str, ...]:
    """The sites whose region carries no water use per kWh generated
    (`water_intensity_l_per_kwh`, a user catalog's region may leave it out): their generation
    water counts zero in every total, so the column and --json undercount it by their share.
    Every shipped region carries the factor (Meldrum et al. 2013 via the generation mix)."""
    missing = [
        f"{site.name} ({site.region})"
        for site in scenario.sites
        if catalog.region(site.region).water_intensity_l_per_kwh is None
    ]
    if not missing:
        return ()
    return (
        "Generation water leaves out "
        + ", ".join(missing)
        + ": the region has no water use per kWh generated (water_intensity_l_per_kwh), so "
        "that site's generation water counts zero, not its true value.",
    )


def scope_caveats(scenario: Scenario) -> tuple[str, ...]:
    """What the programme's carbon figures are and leave out, as an energy analyst reads them.

    - Attributional, not consequential: both carbon columns multiply energy by each region's
      annual *average* grid intensity, the GHG Protocol's location-based method ("Scope 2
      Guidance", WRI/WBCSD, 2015, ch. 4 and 6: grid-average emission factors), not the
      marginal emissions of the generation that runs, or is built, for an added load. The
      intensities are life-cycle (regions catalog), so they include upstream emissions that
      Scope 2's direct factors leave out (Scope 3 category 3 in the GHG Protocol).
    - Market-based without a residual mix: the same guidance (ch. 6-7, Scope 2 Quality
      Criteria) puts the load no contract covers at the residual mix, which is dirtier than the
      grid average wherever others claim clean energy; at the grid average the figure is a
      lower bound (docs/models/energy.md).
    - Embodied: the accelerators and their servers or racks (systems catalog,
      `host_embodied_co2e_kg_per_node`); not the scale-out network, storage, buildings,
      cooling and electrical plant, or the generation built for the campus.
    """
    clean = [site.name for site in scenario.sites if point(site.clean_supply_share) > 0]
    market = (
        "the market-based figure puts the load no contract covers at the grid average, not at "
        "the GHG Protocol's residual mix, so it is a lower bound"
        + (
            ""
            if clean
            else " (no site contracts clean supply here, so it equals the location-based one)"
        )
    )
    return (
        "Carbon is attributional: each region's annual average grid intensity (location-based "
        "in the GHG Protocol Scope 2 Guidance's sense, though life-cycle: it adds the upstream "
        "emissions a Scope 2 inventory's direct factors leave out), not the marginal emissions "
        "of the generation that runs, or is built, for this added load, which a consequential "
        f"estimate of a new campus needs; {market}. Embodied CO2e counts the accelerators and "
        "their servers or racks only, not the scale-out network, storage, buildings, cooling "
        "and electrical plant, or generation built for the campus.",
    )
