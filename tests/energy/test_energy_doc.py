"""docs/models/energy.md and docs/models/swings.md: every figure their prose quotes is what the
code and the catalog compute now (the tables under `$ gigawatt ...` are checked by
tests/docs/test_examples.py). A figure that moves fails here with the phrase to write."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt import app
from gigawatt.energy.footprint import training_draw, training_waveform
from gigawatt.energy.params import energy_param

DOCS = Path(__file__).parents[2] / "docs" / "models"
SITE = "tx-abilene"  # the default scenario's first site, whose job both pages describe


def _page(name: str) -> str:
    return " ".join((DOCS / name).read_text(encoding="utf-8").split())


def _pct(share: float) -> str:
    """A share as the pages write it: "4 %"."""
    return f"{round(100 * share)} %"


@pytest.fixture(scope="module")
def swings() -> dict:
    return app.energy(swings=SITE).to_json()["swings"]


def _trace_mean_w(sw: dict) -> float:
    """The trace's mean IT power per accelerator: P - (P_busy - P_idle)(u - s)."""
    lost = sw["busy_power_w_per_accelerator"] - sw["idle_power_w_per_accelerator"]
    return sw["training_draw_w_per_accelerator"] - lost * (
        sw["utilisation"] - sw["compute_time_share"]
    )


def test_energy_page_power_per_accelerator(catalog, swings) -> None:
    page = _page("energy.md")
    system = catalog.system("vera-rubin-nvl72")
    draw = training_draw(catalog, system, catalog.accelerator(system.accelerator), None)
    fraction = catalog.get("power-calibrations", "gpu").draw_fraction
    assert (
        f"({draw.total_w:,.0f} W per Vera Rubin package: {fraction:.3g} x "
        f"{system.it_power_w_per_accelerator:,.0f} W all-in" in page
    )
    mean = _trace_mean_w(swings)
    p = swings["training_draw_w_per_accelerator"]
    assert p == pytest.approx(draw.total_w)
    assert f"{mean:,.0f} W against {p:,.0f} W ({_pct(1 - mean / p)} less)" in page


def test_energy_page_carbon_water_and_embodied_defaults(catalog) -> None:
    page = _page("energy.md")
    assert f"default {energy_param(catalog, 'default-pue'):g} (`default-pue`)" in page
    us = catalog.region("us-average")
    eia = 366  # EIA's direct figure, as the page and the regions catalog cite it
    assert (
        f"{us.grid_gco2_per_kwh:.0f} g/kWh for the US in {us.grid_year} against EIA's "
        f"{eia} g/kWh" in page
    )
    assert f"about {_pct(us.grid_gco2_per_kwh / eia - 1)} more" in page
    wue = energy_param(catalog, "default-wue-l-per-kwh")
    assert f"(LBNL US average {wue:g} L/kWh unless the site says otherwise)" in page
    # "unless the site says otherwise" (and the run/energy caption: "the US fleet average for
    # every region"): every region carries that figure, none its own.
    assert {r.wue_l_per_kwh for r in catalog.all("regions")} == {wue}
    life = energy_param(catalog, "embodied-life-years")
    use = energy_param(catalog, "embodied-use-share")
    assert f"{life:g} years and {_pct(use)} by default" in page


def test_energy_page_gas_intensities(catalog) -> None:
    page = _page("energy.md")
    gas = catalog.get("supply-technologies", "gas-ccgt")
    life_cycle = gas.co2_t_per_mwh_th / gas.efficiency * 1000  # g per kWh of electricity
    direct = life_cycle * 370 / 490  # IPCC AR5 medians, as the record's note cites them
    ercot = catalog.region("us-ercot").grid_gco2_per_kwh
    assert f"({life_cycle:.0f} g/kWh: EPA's combustion factor" in page
    assert f"counted direct ({direct:.0f} g/kWh)" in page
    assert f"than the ERCOT grid ({ercot:.0f} g/kWh)" in page


def test_energy_page_least_cost_supply(catalog) -> None:
    """The year-long 1 GW campus at ERCOT (as benchmarks/bench_energy.py solves it): gas alone
    without a carbon limit, and the mix a 0.5 Mt cap buys. About 30 s of HiGHS."""
    pytest.importorskip("pypsa")
    from energy_cases import CO2_CAP_T, ercot_campus
    from gigawatt.energy.supply import least_cost_supply

    page = _page("energy.md")

    def solve(cap: float | None):
        return least_cost_supply(ercot_campus(catalog, co2_cap_t_per_year=cap))

    free = solve(None)
    assert free.capacity_mw["solar"] == free.capacity_mw["wind"] == 0
    assert free.battery_mwh == 0
    assert f"gas alone is cheapest (about USD {free.cost_usd_per_mwh:.0f}/MWh" in page
    capped = solve(CO2_CAP_T)
    assert (
        f"a {CO2_CAP_T / 1e6:g} Mt cap on a 1 GW campus buys about "
        f"{capped.capacity_mw['solar'] / 1e3:.1f} GW of solar, "
        f"{capped.capacity_mw['wind'] / 1e3:.1f} GW of wind and "
        f"{capped.battery_mwh / 1e3:.1f} GWh of batteries at about USD "
        f"{capped.cost_usd_per_mwh:.0f}/MWh" in page
    )


def test_swings_page_default_job(catalog, swings) -> None:
    """Section 2's figures for the default scenario's job at tx-abilene."""
    page = _page("swings.md")
    system = catalog.system("vera-rubin-nvl72")
    acc = catalog.accelerator(system.accelerator)
    u = swings["utilisation"]
    levels = training_waveform(catalog, system, acc, u)
    p = swings["training_draw_w_per_accelerator"]
    p_acc = p - swings["host_power_w_per_accelerator"]
    assert f"({p_acc:,.0f} W and {swings['host_power_w_per_accelerator']:,.0f} W)" in page
    assert f"P_idle ({swings['idle_power_w_per_accelerator']:,.0f} W)" in page
    busy = swings["busy_power_w_per_accelerator"]
    assert busy == pytest.approx(levels.busy_w)
    assert f"{busy:,.0f} W at the default job's u = {_pct(u)}" in page
    assert f"not at its {acc.tdp_w:,.0f} W Max-P TDP" in page
    mean = _trace_mean_w(swings)
    assert (
        f"(u = {_pct(u)}, computing {_pct(swings['compute_time_share'])} of its window) that is "
        f"{mean:,.0f} W, {_pct(1 - mean / p)} below the energy stage's {p:,.0f} W" in page
    )
    assert f"about {swings['step_period_s']:.1f} s with {_pct(u)} busy" in page
    assert (
        f"{swings['checkpoint_s']:.1f} s every {swings['checkpoint_interval_s']:.0f} s for the "
        "default job" in page
    )
    none = next(c for c in swings["cases"] if c["case"] == "none")
    assert (
        f"For {swings['accelerators']:,} Vera Rubin packages this is "
        f"{none['peak_to_peak_mw']:.0f} MW and {none['max_ramp_mw_per_s']:,.0f} MW/s" in page
    )


def test_swings_page_mitigations_of_the_default_job(swings) -> None:
    """Section 4's and section 5's figures for the default job's mitigations."""
    page = _page("swings.md")
    cases = {c["case"]: c for c in swings["cases"]}
    none, floor, rack = cases["none"], cases["power-floor"], cases["rack-storage"]
    assert (
        f"(the ramp falls from {none['max_ramp_mw_per_s']:,.0f} to "
        f"{rack['max_ramp_mw_per_s']:,.0f} MW/s for the default job)" in page
    )
    assert (
        f"the floor reduces the band RMS most ({none['band_rms_mw']:.0f} to "
        f"{floor['band_rms_mw']:.0f} MW) for {_pct(floor['extra_energy_share'])} more energy"
        in page
    )
    assert (
        f"default job: none {_pct(none['band_energy_share'])}, floor "
        f"{_pct(floor['band_energy_share'])}, battery "
        f"{_pct(cases['site-battery']['band_energy_share'])}, rack storage "
        f"{_pct(rack['band_energy_share'])}" in page
    )
    assert f"floor +{_pct(floor['extra_energy_share'])}" in page
