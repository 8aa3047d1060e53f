"""Least-cost on-site supply of a campus with PyPSA and HiGHS (`gigawatt energy --supply SITE`).

One bus, a load, and candidate technologies sized by a linear programme over hourly snapshots
(PyPSA: Brown et al. 2018, J. Open Res. Softw. 6(1):4): extendable solar and wind (hourly
capacity factors from `profiles.py`), gas combined cycle, a 4-hour battery, capped grid
import at the region's price and carbon intensity, and an optional annual CO2 cap. It
minimises the annual system cost

    sum_g c_g P_g + sum_h w sum_g m_g p_(g,h)     [USD/yr]

where c_g is capex x annuity(r, life) + fixed O&M [USD/MW/yr], m_g the marginal cost [USD/MWh]
and w = 8760 / hours the weight that makes a shorter horizon stand for a year. Where the region
bills a capacity charge (PJM's: `costs.CapacityCharge`) the grid import's P is its peak import
over the modelled hours, with c = the charge x 365 [USD/MW/yr]: PJM allocates capacity on a
load's peak-load contribution, its load in the five summer coincident peak hours (5CP: PJM
Manual 19, "Load Forecasting and Analysis"; Constellation, "PJM's Five Coincident Peaks: What
You Should Know"), and the model has no PJM system load to find those hours, so every modelled
hour stands for one (an upper bound on the import in the 5CP hours). The network is
built by small named functions (the PyPSA way: one function per component family). PyPSA,
linopy, HiGHS and pvlib are the optional `supply` extra: `pip install 'gigawatt[supply]'`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import SupplyTechnology
from gigawatt.costs import MONTHS_PER_YEAR, capacity_charge
from gigawatt.distributions import point
from gigawatt.energy.params import energy_param
from gigawatt.energy.profiles import (
    SolarModel,
    WindModel,
    hourly_index,
    solar_capacity_factor,
    wind_capacity_factor,
)
from gigawatt.errors import GigawattError
from gigawatt.units import DAYS_PER_YEAR, H_PER_YEAR, KW_PER_MW, W_PER_MW

if TYPE_CHECKING:
    from gigawatt.scenario import Scenario

G_PER_T_PER_KWH = 1e3  # g/kWh -> t/MWh
EXTRA = "pip install 'gigawatt[supply]'"
TECHNOLOGIES = {
    "solar": "solar-pv",
    "wind": "onshore-wind",
    "battery": "battery-4h",
    "gas": "gas-ccgt",
}


def require_pypsa() -> Any:
    """The pypsa module, or a clear failure naming the optional extra (exit 1 at the CLI)."""
    try:
        import pypsa
    except ImportError:
        raise GigawattError(
            f"the least-cost supply model needs PyPSA and HiGHS, which are not installed: {EXTRA}"
        ) from None
    return pypsa


# --- costs ----------------------------------------------------------------------------------------


def annuity(rate: float, life_years: float) -> float:
    """Capital recovery factor r / (1 - (1 + r)^-n) [1/yr]; 1/n at r = 0."""
    if rate == 0:
        return 1.0 / life_years
    return rate / (1.0 - (1.0 + rate) ** -life_years)


def capital_cost_usd_per_mw_year(tech: SupplyTechnology, rate: float) -> float:
    """Annualised capex plus fixed O&M per MW of power [USD/MW/yr].

    Storage capex per Wh is per MW of power times its hours (battery-4h prices the whole system
    per Wh of storage).
    """
    capex_usd_per_mw = 0.0
    if tech.capex_usd_per_w is not None:
        capex_usd_per_mw += point(tech.capex_usd_per_w) * W_PER_MW
    if tech.capex_usd_per_wh is not None:
        capex_usd_per_mw += point(tech.capex_usd_per_wh) * W_PER_MW * (tech.max_hours or 1.0)
    fom = point(tech.fixed_om_usd_per_kw_year) * KW_PER_MW if tech.fixed_om_usd_per_kw_year else 0.0
    return capex_usd_per_mw * annuity(rate, tech.life_years) + fom


def marginal_cost_usd_per_mwh(tech: SupplyTechnology) -> float:
    """Fuel per MWh of electricity (fuel / efficiency) plus variable O&M [USD/MWh]."""
    fuel = (tech.fuel_usd_per_mwh_th or 0.0) / (tech.efficiency or 1.0)
    return fuel + (tech.variable_om_usd_per_mwh or 0.0)


# --- inputs and result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplyInputs:
    """Everything one campus solve needs (SI/MW units as named)."""

    site: str
    load_mw: float
    lat: float
    lon: float
    year: int
    hours: int
    grid_import_mw: float
    grid_price_usd_per_mwh: float
    grid_gco2_per_kwh: float
    co2_cap_t_per_year: float | None
    discount_rate: float
    technologies: dict[str, SupplyTechnology]
    solar: SolarModel
    wind: WindModel
    seed: int = 0
    threads: int = 2
    #: The capacity charge billed per MW of peak grid import and day (PJM's; 0 elsewhere)
    capacity_usd_per_mw_day: float = 0.0
    #: Why that charge is a held-flat price (months outside the dated delivery years), or None
    capacity_caveat: str | None = None


def supply_inputs(
    catalog: Catalog,
    *,
    site: str,
    load_mw: float,
    lat: float,
    lon: float,
    year: int,
    grid_price_usd_per_mwh: float,
    grid_gco2_per_kwh: float,
    hours: int = 8760,
    grid_import_mw: float | None = None,
    co2_cap_t_per_year: float | None = None,
    discount_rate: float | None = None,
    seed: int = 0,
    capacity_usd_per_mw_day: float = 0.0,
    capacity_caveat: str | None = None,
) -> SupplyInputs:
    """Inputs from the catalog's supply technologies and energy parameters."""
    if grid_import_mw is None:
        grid_import_mw = energy_param(catalog, "supply-grid-import-cap-share") * load_mw
    if discount_rate is None:
        discount_rate = point(catalog.parameter("discount-rate").value)
    techs = {k: catalog.get("supply-technologies", v) for k, v in TECHNOLOGIES.items()}
    return SupplyInputs(
        site=site,
        load_mw=load_mw,
        lat=lat,
        lon=lon,
        year=year,
        hours=hours,
        grid_import_mw=grid_import_mw,
        grid_price_usd_per_mwh=grid_price_usd_per_mwh,
        grid_gco2_per_kwh=grid_gco2_per_kwh,
        co2_cap_t_per_year=co2_cap_t_per_year,
        discount_rate=discount_rate,
        technologies=techs,  # type: ignore[arg-type]
        solar=SolarModel.from_catalog(catalog),
        wind=WindModel.from_catalog(catalog),
        seed=seed,
        capacity_usd_per_mw_day=capacity_usd_per_mw_day,
        capacity_caveat=capacity_caveat,
    )


def region_supply_inputs(
    catalog: Catalog,
    region: str,
    *,
    site: str,
    load_mw: float,
    year: int,
    hours: int = 8760,
    lat: float | None = None,
    lon: float | None = None,
    grid_import_mw: float | None = None,
    co2_cap_t_per_year: float | None = None,
    seed: int = 0,
    scenario: Scenario | None = None,
) -> SupplyInputs:
    """`supply_inputs` for a flat `load_mw` campus in the catalog's `region`: its grid price
    and carbon intensity, and its coordinates unless the site gives its own (`lat`, `lon`).

    The grid price is the region's industrial power price. Where the region names a capacity
    charge its price does not carry (`us-pjm`), that charge is billed per MW of the campus's
    peak grid import (`capacity_usd_per_mw_day`): the mean over the 12 months of `year` of
    each month's delivery-year price less the carried level (`costs.CapacityCharge`, with the
    `scenario`'s `costs` overrides of its records, as finance and `train` bill them), with
    its caveat when a month is past the last cleared auction."""
    record = catalog.region(region)
    charge = capacity_charge(catalog, region, scenario)
    months = year * MONTHS_PER_YEAR + np.arange(MONTHS_PER_YEAR)
    capacity = 0.0 if charge is None else float(charge.by_month(months).mean())
    caveat = None if charge is None else charge.caveat(months, f" ({site}, {year})")
    return supply_inputs(
        catalog,
        site=site,
        load_mw=load_mw,
        lat=record.lat if lat is None else lat,
        lon=record.lon if lon is None else lon,
        year=year,
        grid_price_usd_per_mwh=record.power_price_usd_per_mwh,
        grid_gco2_per_kwh=record.grid_gco2_per_kwh,
        hours=hours,
        grid_import_mw=grid_import_mw,
        co2_cap_t_per_year=co2_cap_t_per_year,
        seed=seed,
        capacity_usd_per_mw_day=capacity,
        capacity_caveat=caveat,
    )


@dataclass(frozen=True)
class SupplyResult:
    """The optimum (or why there is none); `to_dict()` for JSON. Energies are per year."""

    site: str
    status: str
    termination_condition: str
    hours: int
    load_mw: float
    grid_import_mw: float
    co2_cap_t_per_year: float | None
    solar_capacity_factor: float
    wind_capacity_factor: float
    #: The synthetic wind's mean speed: the catalog's one generic site, not this site's.
    wind_mean_speed_m_per_s: float
    capacity_mw: dict[str, float | None] = field(default_factory=dict)
    battery_mwh: float | None = None
    energy_mwh_per_year: dict[str, float | None] = field(default_factory=dict)
    curtailed_mwh_per_year: float | None = None
    cost_usd_per_year: float | None = None
    cost_usd_per_mwh: float | None = None
    co2_t_per_year: float | None = None
    co2_gco2_per_kwh: float | None = None
    solve_time_s: float = 0.0
    #: added after the keys above: the capacity charge per MW of peak grid import and day
    #: (0 where the region bills none), the peak import it is billed on, the charge a year
    #: (part of cost_usd_per_year) and why its price is held flat, if it is
    capacity_charge_usd_per_mw_day: float = 0.0
    grid_peak_import_mw: float | None = None
    capacity_charge_usd_per_year: float | None = None
    capacity_charge_caveat: str | None = None
    #: added: the gas turbines' quoted order-to-delivery time (catalog `gas-ccgt`), which the
    #: steady-state optimum does not model; None when the record gives none
    gas_delivery_lead_years: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- the network, one component family per function -----------------------------------------------


def new_network(pypsa: Any, times: pd.DatetimeIndex, weight_h: float) -> Any:
    """An empty network over the hourly snapshots; each hour counts `weight_h` hours a year."""
    n = pypsa.Network()
    n.set_snapshots(times.tz_localize(None))
    n.snapshot_weightings = pd.DataFrame(
        # Storage balances hour by hour; costs and CO2 scale to a year.
        {"objective": weight_h, "stores": 1.0, "generators": weight_h},
        index=n.snapshots,
        dtype=float,
    )
    return n


def add_carriers(n: Any, inputs: SupplyInputs) -> None:
    """Carriers with their CO2 per MWh of primary energy [t/MWh]."""
    gas = inputs.technologies["gas"]
    n.add(
        "Carrier",
        ["AC", "solar", "wind", "gas", "grid", "battery"],
        co2_emissions=[
            0.0,
            0.0,
            0.0,
            gas.co2_t_per_mwh_th or 0.0,
            inputs.grid_gco2_per_kwh / G_PER_T_PER_KWH,
            0.0,
        ],
    )


def add_campus(n: Any, load_mw: float) -> None:
    """The campus bus and its flat load (facility power, MW)."""
    n.add("Bus", "campus", carrier="AC")
    n.add("Load", "datacenter", bus="campus", carrier="AC", p_set=load_mw)


def add_renewable(
    n: Any, name: str, tech: SupplyTechnology, capacity_factor: np.ndarray, rate: float
) -> None:
    """An extendable variable generator limited hour by hour by its capacity factor."""
    n.add(
        "Generator",
        name,
        bus="campus",
        carrier=tech.carrier,
        p_nom_extendable=True,
        p_max_pu=pd.Series(capacity_factor, index=n.snapshots),
        capital_cost=capital_cost_usd_per_mw_year(tech, rate),
        marginal_cost=marginal_cost_usd_per_mwh(tech),
    )


def add_gas(n: Any, tech: SupplyTechnology, rate: float) -> None:
    """Extendable combined-cycle gas; its CO2 counts per MWh of fuel (efficiency)."""
    n.add(
        "Generator",
        "gas",
        bus="campus",
        carrier="gas",
        p_nom_extendable=True,
        efficiency=tech.efficiency or 1.0,
        capital_cost=capital_cost_usd_per_mw_year(tech, rate),
        marginal_cost=marginal_cost_usd_per_mwh(tech),
    )


def add_battery(n: Any, tech: SupplyTechnology, rate: float) -> None:
    """An extendable battery of fixed hours; round-trip efficiency split evenly per direction."""
    one_way = float(np.sqrt(tech.efficiency or 1.0))
    n.add(
        "StorageUnit",
        "battery",
        bus="campus",
        carrier="battery",
        p_nom_extendable=True,
        max_hours=tech.max_hours or 1.0,
        efficiency_store=one_way,
        efficiency_dispatch=one_way,
        cyclic_state_of_charge=True,
        capital_cost=capital_cost_usd_per_mw_year(tech, rate),
    )


def add_grid_import(
    n: Any, cap_mw: float, price_usd_per_mwh: float, capacity_usd_per_mw_day: float = 0.0
) -> None:
    """Grid import up to the interconnection size at the region's price and intensity. With a
    capacity charge the import's size is the optimum's peak import (at most `cap_mw`), billed
    the charge x 365 a year per MW: the optimiser may shave the peak with on-site supply."""
    if capacity_usd_per_mw_day > 0:
        n.add(
            "Generator",
            "grid",
            bus="campus",
            carrier="grid",
            p_nom_extendable=True,
            p_nom_max=cap_mw,
            capital_cost=capacity_usd_per_mw_day * DAYS_PER_YEAR,
            marginal_cost=price_usd_per_mwh,
        )
        return
    n.add(
        "Generator",
        "grid",
        bus="campus",
        carrier="grid",
        p_nom=cap_mw,
        marginal_cost=price_usd_per_mwh,
    )


def add_co2_cap(n: Any, cap_t_per_year: float) -> None:
    """An annual cap on CO2 from gas and grid import (primary energy x carrier factors)."""
    n.add(
        "GlobalConstraint",
        "co2_cap",
        type="primary_energy",
        carrier_attribute="co2_emissions",
        sense="<=",
        constant=cap_t_per_year,
    )


def build_network(pypsa: Any, inputs: SupplyInputs) -> tuple[Any, dict[str, float]]:
    """The campus network and the mean capacity factors of its renewable profiles."""
    times = hourly_index(inputs.year, inputs.hours)
    rng = np.random.default_rng(inputs.seed)
    solar_cf = solar_capacity_factor(inputs.lat, inputs.lon, times, inputs.solar, rng)
    wind_cf = wind_capacity_factor(inputs.hours, inputs.wind, rng)
    rate = inputs.discount_rate
    techs = inputs.technologies
    n = new_network(pypsa, times, H_PER_YEAR / inputs.hours)
    add_carriers(n, inputs)
    add_campus(n, inputs.load_mw)
    add_renewable(n, "solar", techs["solar"], solar_cf, rate)
    add_renewable(n, "wind", techs["wind"], wind_cf, rate)
    add_gas(n, techs["gas"], rate)
    add_battery(n, techs["battery"], rate)
    if inputs.grid_import_mw > 0:
        add_grid_import(
            n,
            inputs.grid_import_mw,
            inputs.grid_price_usd_per_mwh,
            inputs.capacity_usd_per_mw_day,
        )
    if inputs.co2_cap_t_per_year is not None:
        add_co2_cap(n, inputs.co2_cap_t_per_year)
    return n, {"solar": float(solar_cf.mean()), "wind": float(wind_cf.mean())}


# --- solving --------------------------------------------------------------------------------------


#: Guards the process-wide state below: file descriptors 1 and 2 and the pypsa/linopy logger
#: levels are shared by every thread, so they are changed only under it.
_SOLVER_OUTPUT_LOCK = threading.Lock()
_banner_swallowed = False
#: Solves running inside `quiet_solver`, and what descriptor 1 and the loggers were before the
#: first of them began (restored when the last ends).
_quiet_depth = 0
_quiet_saved: tuple[int, list[int]] | None = None
_QUIET_LOGGERS = ("pypsa", "linopy")


def swallow_highs_banner() -> None:
    """HiGHS prints its banner ("Running HiGHS ... Copyright ...") on file descriptor 1 when a
    process builds its first `Highs` object, before any option (`output_flag`,
    `log_to_console`) can silence it; later objects print nothing. Build that first one with
    descriptors 1 and 2 on the null device, once per process, under a lock (two threads
    building it at once would each save and restore the other's redirection)."""
    global _banner_swallowed
    with _SOLVER_OUTPUT_LOCK:
        if _banner_swallowed:
            return
        try:
            import highspy
        except ImportError:  # linopy reports the missing solver itself
            _banner_swallowed = True
            return
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            os.dup2(null, 2)
            highspy.Highs()
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (*saved, null):
                os.close(fd)
        _banner_swallowed = True


@contextlib.contextmanager
def quiet_solver() -> Iterator[None]:
    """Nothing from the solver on the terminal: HiGHS's banner swallowed, its log off
    (`solver_options`), anything else it prints on file descriptor 1 sent to stderr so stdout
    holds only gigawatt's output (and `--json` stays one object); PyPSA's and linopy's info
    logs kept out. Descriptor 1 and the logger levels belong to the whole process: they are
    changed when the first of overlapping solves (threads) begins and put back when the last
    one ends, under a lock, so overlapping solves never leave stdout on stderr."""
    global _quiet_depth, _quiet_saved
    swallow_highs_banner()
    with _SOLVER_OUTPUT_LOCK:
        if _quiet_depth == 0:
            loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
            levels = [lg.level for lg in loggers]
            for lg in loggers:
                lg.setLevel(logging.ERROR)
            sys.stdout.flush()
            _quiet_saved = (os.dup(1), levels)
            os.dup2(2, 1)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _SOLVER_OUTPUT_LOCK:
            _quiet_depth -= 1
            if _quiet_depth == 0 and _quiet_saved is not None:
                saved, levels = _quiet_saved
                _quiet_saved = None
                sys.stdout.flush()
                os.dup2(saved, 1)
                os.close(saved)
                for name, level in zip(_QUIET_LOGGERS, levels, strict=True):
                    logging.getLogger(name).setLevel(level)


def solver_options(threads: int, coupled: bool) -> dict[str, Any]:
    """HiGHS options. A CO2 cap couples every hour; there interior point without crossover is
    about twice as fast as simplex for the same optimum (measured by benchmarks/bench_energy.py)."""
    options: dict[str, Any] = {"threads": threads, "output_flag": False, "log_to_console": False}
    if coupled:
        options |= {"solver": "ipm", "run_crossover": "off"}
    return options


def solve(n: Any, threads: int, coupled: bool = False) -> tuple[str, str, float]:
    """Optimise with HiGHS; (status, termination condition, solve wall time [s])."""
    start = time.perf_counter()
    with quiet_solver():
        status, condition = n.optimize(
            solver_name="highs",
            io_api="direct",
            include_objective_constant=False,
            solver_options=solver_options(threads, coupled),
        )
    return str(status), str(condition), time.perf_counter() - start


def _non_negative(x: float) -> float:
    """A capacity or import the solver returns as -0.0 or a round-off below zero (-1e-9): 0.0,
    so neither the JSON nor the printed table shows "-0"."""
    return max(float(x), 0.0) + 0.0  # + 0.0 turns -0.0 into 0.0


def summarise(
    n: Any, inputs: SupplyInputs, profile_cf: dict[str, float], status: tuple
) -> SupplyResult:
    """Capacities, annual energy by source, cost and CO2 of a solved network."""
    state, condition, seconds = status
    base = {
        "site": inputs.site,
        "status": state,
        "termination_condition": condition,
        "hours": inputs.hours,
        "load_mw": inputs.load_mw,
        "grid_import_mw": inputs.grid_import_mw,
        "co2_cap_t_per_year": inputs.co2_cap_t_per_year,
        "solar_capacity_factor": profile_cf["solar"],
        "wind_capacity_factor": profile_cf["wind"],
        "wind_mean_speed_m_per_s": inputs.wind.mean_speed_m_per_s,
        "solve_time_s": seconds,
        "capacity_charge_usd_per_mw_day": inputs.capacity_usd_per_mw_day,
        "capacity_charge_caveat": inputs.capacity_caveat,
        "gas_delivery_lead_years": inputs.technologies["gas"].delivery_lead_years,
    }
    if state != "ok" or condition != "optimal":
        return SupplyResult(**base)
    w = H_PER_YEAR / inputs.hours
    gens = n.generators
    dispatch = n.generators_t.p
    energy = {g: float(dispatch[g].sum() * w) for g in gens.index}
    battery_p = n.storage_units_t.p["battery"]
    energy["battery_discharge"] = float(battery_p.clip(lower=0).sum() * w)
    energy["battery_charge"] = float(-battery_p.clip(upper=0).sum() * w)
    available = sum(
        float(gens.at[g, "p_nom_opt"] * n.generators_t.p_max_pu[g].sum() * w)
        for g in ("solar", "wind")
    )
    co2 = sum(
        energy[g]
        / gens.at[g, "efficiency"]
        * float(n.carriers.at[gens.at[g, "carrier"], "co2_emissions"])
        for g in gens.index
    )
    load_mwh = inputs.load_mw * H_PER_YEAR
    cost = float(n.objective)
    battery_mw = _non_negative(n.storage_units.at["battery", "p_nom_opt"])
    # the highest hourly import: what the capacity charge is billed on
    peak = _non_negative(dispatch["grid"].max()) if "grid" in dispatch else 0.0
    return SupplyResult(
        **base,
        capacity_mw={
            "solar": _non_negative(gens.at["solar", "p_nom_opt"]),
            "wind": _non_negative(gens.at["wind", "p_nom_opt"]),
            "gas": _non_negative(gens.at["gas", "p_nom_opt"]),
            "battery": battery_mw,
            "grid": inputs.grid_import_mw,
        },
        battery_mwh=battery_mw * float(n.storage_units.at["battery", "max_hours"]),
        energy_mwh_per_year=energy,
        curtailed_mwh_per_year=available - energy["solar"] - energy["wind"],
        cost_usd_per_year=cost,
        cost_usd_per_mwh=cost / load_mwh,
        co2_t_per_year=co2,
        co2_gco2_per_kwh=co2 / load_mwh * G_PER_T_PER_KWH,
        grid_peak_import_mw=peak,
        capacity_charge_usd_per_year=peak * inputs.capacity_usd_per_mw_day * DAYS_PER_YEAR,
    )


def least_cost_supply(inputs: SupplyInputs) -> SupplyResult:
    """Build, solve and summarise the campus model. An infeasible case is a result, not an error."""
    pypsa = require_pypsa()
    # Keep pandas' string dtype (PyPSA 2.0 behaviour) instead of PyPSA's FutureWarning about it.
    with pypsa.option_context("api.legacy_string_dtype", False):
        n, profile_cf = build_network(pypsa, inputs)
        status = solve(n, inputs.threads, coupled=inputs.co2_cap_t_per_year is not None)
        return summarise(n, inputs, profile_cf, status)
