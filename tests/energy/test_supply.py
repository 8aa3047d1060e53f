"""Least-cost supply (PyPSA + HiGHS) against hand-solvable cases, and the synthetic profiles."""

from __future__ import annotations

import math
import os
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from energy_cases import CO2_CAP_T, ercot_campus
from gigawatt.energy import supply as sp
from gigawatt.energy.profiles import (
    ar1,
    hourly_index,
    power_curve,
    solar_capacity_factor,
    wind_capacity_factor,
)
from gigawatt.errors import GigawattError

pypsa = pytest.importorskip("pypsa")

HOURS_PER_YEAR = 8760


@pytest.fixture(scope="module")
def inputs(catalog) -> sp.SupplyInputs:
    ercot = catalog.region("us-ercot")
    return sp.supply_inputs(
        catalog,
        site="abilene",
        load_mw=100.0,
        lat=ercot.lat,
        lon=ercot.lon,
        year=2027,
        grid_price_usd_per_mwh=20.0,
        grid_gco2_per_kwh=500.0,
        hours=1,
    )


def _one_hour(
    inputs: sp.SupplyInputs,
    *,
    grid_mw: float = 0.0,
    cap_t: float | None = None,
    coupled: bool = False,
):
    """One snapshot standing for a year: load 100 MW, extendable gas, optional capped grid."""
    with pypsa.option_context("api.legacy_string_dtype", False):
        n = sp.new_network(pypsa, hourly_index(2027, 1), HOURS_PER_YEAR)
        sp.add_carriers(n, inputs)
        sp.add_campus(n, 100.0)
        sp.add_gas(n, inputs.technologies["gas"], inputs.discount_rate)
        if grid_mw:
            sp.add_grid_import(n, grid_mw, inputs.grid_price_usd_per_mwh)
        if cap_t is not None:
            sp.add_co2_cap(n, cap_t)
        state, condition, _ = sp.solve(n, threads=1, coupled=coupled)
    assert (state, condition) == ("ok", "optimal")
    return n


def _gas_costs(inputs):
    gas = inputs.technologies["gas"]
    return (
        sp.capital_cost_usd_per_mw_year(gas, inputs.discount_rate),
        sp.marginal_cost_usd_per_mwh(gas),
    )


def test_annuity_closed_form() -> None:
    a = sp.annuity(0.075, 30)
    assert a == pytest.approx(0.08467, abs=1e-5)
    assert sum(a / 1.075**t for t in range(1, 31)) == pytest.approx(1.0)  # repays the capex
    assert sp.annuity(0.0, 20) == pytest.approx(0.05)


def test_one_hour_one_generator(inputs) -> None:
    """Gas alone must cover the 100 MW load: P = 100 MW, cost = 100 c + 100 m x 8760."""
    c, m = _gas_costs(inputs)
    n = _one_hour(inputs)
    assert n.generators.at["gas", "p_nom_opt"] == pytest.approx(100.0)
    assert n.objective == pytest.approx(100 * c + 100 * m * HOURS_PER_YEAR, rel=1e-9)


def test_two_generators_merit_order(inputs) -> None:
    """Grid at 20 USD/MWh is cheaper than gas's full cost (about 44 USD/MWh at full use at the
    2025 capex), so it runs to its 60 MW cap and gas builds the remaining 40 MW; at 50 USD/MWh
    gas takes it all."""
    c, m = _gas_costs(inputs)
    assert 20 < c / HOURS_PER_YEAR + m < 50
    n = _one_hour(inputs, grid_mw=60)
    assert n.generators_t.p["grid"].iloc[0] == pytest.approx(60.0)
    assert n.generators.at["gas", "p_nom_opt"] == pytest.approx(40.0)
    expected = 60 * 20 * HOURS_PER_YEAR + 40 * (c + m * HOURS_PER_YEAR)
    assert n.objective == pytest.approx(expected, rel=1e-9)
    dear = _one_hour(replace(inputs, grid_price_usd_per_mwh=50.0), grid_mw=60)
    assert dear.generators.at["gas", "p_nom_opt"] == pytest.approx(100.0)
    assert dear.generators_t.p["grid"].iloc[0] == pytest.approx(0.0, abs=1e-6)


def test_co2_cap_by_hand(inputs) -> None:
    """Cap C t per hour-of-year, midway between all-gas and all-grid emissions: 0.5 g + e (100 -
    g) <= C with e the gas CO2 per MWh_el (life-cycle, about 0.46), so the cheap, dirtier grid
    runs g = (C - 100 e) / (0.5 - e) and gas the rest."""
    gas = inputs.technologies["gas"]
    e = gas.co2_t_per_mwh_th / gas.efficiency
    assert e < 0.5
    cap = 100 * (e + 0.5) / 2
    g = (cap - 100 * e) / (0.5 - e)
    assert g == pytest.approx(50.0)
    for coupled in (False, True):  # simplex, and interior point without crossover
        n = _one_hour(inputs, grid_mw=100, cap_t=cap * HOURS_PER_YEAR, coupled=coupled)
        assert n.generators_t.p["grid"].iloc[0] == pytest.approx(g, rel=1e-6)
        assert n.generators.at["gas", "p_nom_opt"] == pytest.approx(100 - g, rel=1e-6)


def test_region_supply_inputs_take_the_regions_grid_and_the_sites_coordinates(catalog) -> None:
    """A campus in a region buys from that region's grid (price, intensity) and sits at the
    region's coordinates unless the site gives its own."""
    ercot = catalog.region("us-ercot")
    campus = ercot_campus(catalog, hours=168)
    assert (campus.lat, campus.lon) == (ercot.lat, ercot.lon)
    assert campus.grid_price_usd_per_mwh == ercot.power_price_usd_per_mwh
    assert campus.grid_gco2_per_kwh == ercot.grid_gco2_per_kwh
    assert (campus.load_mw, campus.hours, campus.co2_cap_t_per_year) == (1000.0, 168, None)
    moved = sp.region_supply_inputs(
        catalog, "us-ercot", site="x", load_mw=1.0, year=2027, lat=40.0, lon=-100.0
    )
    assert (moved.lat, moved.lon, moved.hours) == (40.0, -100.0, 8760)


def test_a_pjm_campus_pays_the_capacity_charge_on_its_peak_import(catalog) -> None:
    """In a region with a capacity charge its power price does not carry (us-pjm) the grid
    is priced at the power price alone and the charge is billed per MW of peak import: the
    mean over the modelled year's months of each month's delivery-year charge; elsewhere no
    charge. A year past the last cleared auction carries the held-flat caveat."""
    from gigawatt.costs import capacity_charge

    charge = capacity_charge(catalog, "us-pjm")
    assert charge is not None
    price = catalog.region("us-pjm").power_price_usd_per_mwh
    pjm = sp.region_supply_inputs(catalog, "us-pjm", site="x", load_mw=1.0, year=2027)
    assert pjm.grid_price_usd_per_mwh == price
    months = 2027 * 12 + np.arange(12)  # 5 months of 2026/27, 7 of 2027/28
    expected = np.mean([charge.usd_per_mw_day(int(m)) for m in months])
    assert pjm.capacity_usd_per_mw_day == pytest.approx(expected)
    assert charge.usd_per_mw_day(int(months[0])) < expected < charge.usd_per_mw_day(int(months[-1]))
    assert pjm.capacity_caveat is None  # 2027 is inside the cleared delivery years
    late = sp.region_supply_inputs(catalog, "us-pjm", site="x", load_mw=1.0, year=2030)
    assert late.capacity_usd_per_mw_day == pytest.approx(charge.usd_per_mw_day(2030 * 12))
    assert "held flat" in late.capacity_caveat and charge.periods[-1].record in late.capacity_caveat
    ercot = sp.region_supply_inputs(catalog, "us-ercot", site="x", load_mw=1.0, year=2027)
    assert ercot.grid_price_usd_per_mwh == catalog.region("us-ercot").power_price_usd_per_mwh
    assert (ercot.capacity_usd_per_mw_day, ercot.capacity_caveat) == (0.0, None)


def test_a_flat_import_pays_what_the_old_per_mwh_charge_did(inputs) -> None:
    """One hour standing for a year, grid (cap 60 MW, cheaper than gas) runs flat at its cap:
    billed per MW of peak import, C x 365 x 60 MW, the charge equals the old per-MWh adder
    C / 24 on 60 MW x 8760 h, so the optimum and its cost are unchanged."""
    c, m = _gas_costs(inputs)
    charge = 50.0  # USD per MW-day: grid's full cost 20 + 50/24 per MWh is still below gas's
    peak = replace(inputs, capacity_usd_per_mw_day=charge)
    with pypsa.option_context("api.legacy_string_dtype", False):
        n = sp.new_network(pypsa, hourly_index(2027, 1), HOURS_PER_YEAR)
        sp.add_carriers(n, peak)
        sp.add_campus(n, 100.0)
        sp.add_gas(n, peak.technologies["gas"], peak.discount_rate)
        sp.add_grid_import(n, 60.0, peak.grid_price_usd_per_mwh, charge)
        assert sp.solve(n, threads=1)[:2] == ("ok", "optimal")
    assert n.generators_t.p["grid"].iloc[0] == pytest.approx(60.0)
    per_mwh = 60 * (20 + charge / 24) * HOURS_PER_YEAR + 40 * (c + m * HOURS_PER_YEAR)
    assert n.objective == pytest.approx(per_mwh, rel=1e-9)


def test_on_site_supply_shaves_the_billed_peak(inputs) -> None:
    """Two hours, 100 MW flat, free solar in the first only (capacity factor 1, then 0): the
    grid imports only in the second. Billed on the peak import, the charge falls on that
    hour's import; when a MW of it costs more a year than a MW of gas run through that hour,
    gas covers the second hour instead and the billed peak, and so the charge, fall to
    nothing, below the charge on the campus's average draw (100 MW) that finance bills."""
    gas_c, gas_m = _gas_costs(inputs)
    solar = inputs.technologies["solar"].model_copy(
        update={"capex_usd_per_w": 0.0, "fixed_om_usd_per_kw_year": 0.0}
    )
    gas_year = gas_c + gas_m * HOURS_PER_YEAR / 2  # 1 MW of gas over the second hour's half-year
    results = {}
    for charge in (0.0, 2 * gas_year / 365):  # none; twice gas's cost per MW-day
        case = replace(inputs, hours=2, capacity_usd_per_mw_day=charge)
        with pypsa.option_context("api.legacy_string_dtype", False):
            n = sp.new_network(pypsa, hourly_index(2027, 2), HOURS_PER_YEAR / 2)
            sp.add_carriers(n, case)
            sp.add_campus(n, 100.0)
            sp.add_renewable(n, "solar", solar, np.array([1.0, 0.0]), case.discount_rate)
            sp.add_gas(n, case.technologies["gas"], case.discount_rate)
            sp.add_grid_import(n, 100.0, case.grid_price_usd_per_mwh, charge)
            assert sp.solve(n, threads=1)[:2] == ("ok", "optimal")
        results[charge] = (n.generators_t.p["grid"].max(), n.generators.at["gas", "p_nom_opt"])
    (free_peak, free_gas), (dear_peak, dear_gas) = results.values()
    assert free_peak == pytest.approx(100.0) and free_gas == pytest.approx(0.0, abs=1e-6)
    assert dear_peak == pytest.approx(0.0, abs=1e-6) and dear_gas == pytest.approx(100.0)


@pytest.fixture(scope="module")
def week(catalog):
    """The campus of docs/models/energy.md (1 GW flat at ERCOT) over a week, without and with
    its CO2 cap."""
    base = ercot_campus(catalog, hours=168)
    free = sp.least_cost_supply(base)
    capped = sp.least_cost_supply(replace(base, co2_cap_t_per_year=CO2_CAP_T))
    return base, free, capped


def test_week_long_campus_balances_and_obeys_the_cap(week) -> None:
    base, free, capped = week
    for r in (free, capped):
        assert (r.status, r.termination_condition) == ("ok", "optimal")
        e = r.energy_mwh_per_year
        supplied = (
            e["solar"]
            + e["wind"]
            + e["gas"]
            + e["grid"]
            + e["battery_discharge"]
            - e["battery_charge"]
        )
        assert supplied == pytest.approx(base.load_mw * HOURS_PER_YEAR, rel=1e-6)
        assert r.cost_usd_per_mwh == pytest.approx(r.cost_usd_per_year / (1000 * HOURS_PER_YEAR))
    assert capped.co2_t_per_year <= 500_000 * (1 + 1e-6)
    assert capped.co2_t_per_year < free.co2_t_per_year
    assert capped.cost_usd_per_year > free.cost_usd_per_year
    assert capped.capacity_mw["solar"] + capped.capacity_mw["wind"] > 0


def test_no_capacity_or_import_is_negative_or_minus_zero(week) -> None:
    """A source the optimum does not build reads 0, not the solver's -0.0 or -1e-9 round-off
    (`energy --supply` printed "Battery -0 MWh" and "-0 MW" of peak grid import)."""
    assert math.copysign(1.0, sp._non_negative(-0.0)) == 1.0
    assert sp._non_negative(-1e-9) == 0.0 and sp._non_negative(3.5) == 3.5
    for r in week[1:]:
        values = [*r.capacity_mw.values(), r.battery_mwh, r.grid_peak_import_mw]
        assert all(math.copysign(1.0, v) == 1.0 for v in values), values


def test_solver_output_stays_off_stdout(inputs, capfd) -> None:
    sp.least_cost_supply(replace(inputs, hours=24))
    assert capfd.readouterr().out == ""


def test_missing_pypsa_names_the_extra(monkeypatch, inputs) -> None:
    monkeypatch.setitem(sys.modules, "pypsa", None)
    with pytest.raises(GigawattError, match=r"gigawatt\[supply\]"):
        sp.least_cost_supply(inputs)


# --- profiles -------------------------------------------------------------------------------------


def test_solar_profile(catalog) -> None:
    from gigawatt.energy.profiles import SolarModel

    model = SolarModel.from_catalog(catalog)
    times = hourly_index(2027, 8760)
    cf = solar_capacity_factor(32.45, -99.73, times, model, np.random.default_rng(0))
    again = solar_capacity_factor(32.45, -99.73, times, model, np.random.default_rng(0))
    assert np.array_equal(cf, again)
    assert cf.min() >= 0 and cf.max() <= 1
    assert 0.18 < cf.mean() < 0.30  # US sun-belt utility PV
    local_hour = (times + pd.Timedelta(hours=-6)).hour  # Texas, UTC-6
    assert cf[(local_hour >= 22) | (local_hour < 4)].max() == 0  # dark at night
    north = solar_capacity_factor(60.57, 27.2, times, model, np.random.default_rng(0))
    assert north.mean() < cf.mean()


def test_wind_profile_and_power_curve(catalog) -> None:
    from gigawatt.energy.profiles import WindModel

    model = WindModel.from_catalog(catalog)
    assert power_curve(np.array([0, 2.99, 3, 12, 24.9, 25, 30]), model).tolist() == [
        0,
        0,
        0,
        1,
        1,
        0,
        0,
    ]
    cf = wind_capacity_factor(8760, model, np.random.default_rng(1))
    assert 0.28 < cf.mean() < 0.42  # the notes' synthetic wind about 0.35
    assert np.array_equal(cf, wind_capacity_factor(8760, model, np.random.default_rng(1)))


def test_ar1_is_stationary_with_the_given_persistence() -> None:
    z = ar1(200_000, 0.9, np.random.default_rng(2))
    assert z.std() == pytest.approx(1.0, abs=0.03)
    assert np.corrcoef(z[:-1], z[1:])[0, 1] == pytest.approx(0.9, abs=0.01)


def _fd1() -> tuple[int, int]:
    st = os.fstat(1)
    return st.st_dev, st.st_ino


def test_overlapping_quiet_solves_put_stdout_back(monkeypatch) -> None:
    """Two solves that overlap (threads: A begins, B begins, A ends, B ends) leave descriptor 1
    where it was; each saving and restoring it on its own left it on stderr after B ended."""
    from gigawatt.energy import supply

    monkeypatch.setattr(supply, "swallow_highs_banner", lambda: None)
    before = _fd1()
    a, b = supply.quiet_solver(), supply.quiet_solver()
    a.__enter__()
    b.__enter__()
    assert _fd1() == (os.fstat(2).st_dev, os.fstat(2).st_ino)  # the solver's prints: stderr
    a.__exit__(None, None, None)
    b.__exit__(None, None, None)
    assert _fd1() == before


def test_the_banner_object_is_built_once_however_many_threads_ask(monkeypatch) -> None:
    """The banner-swallowing first `Highs` object is built once per process, under a lock:
    threads asking at once do not each redirect (and restore) descriptors 1 and 2."""
    import threading
    import time
    import types

    from gigawatt.energy import supply

    built: list[int] = []

    class SlowHighs:
        def __init__(self) -> None:
            built.append(1)
            time.sleep(0.05)

    monkeypatch.setitem(sys.modules, "highspy", types.SimpleNamespace(Highs=SlowHighs))
    monkeypatch.setattr(supply, "_banner_swallowed", False)
    before = _fd1()
    threads = [threading.Thread(target=supply.swallow_highs_banner) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert built == [1]
    assert _fd1() == before
