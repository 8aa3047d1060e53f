"""The `energy` stage of `simulate`: hand-checked months, sums, and the finance contract."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import TOY_CATALOG, toy_scenario
from gigawatt.buildout import build_fleet
from gigawatt.catalog import Catalog
from gigawatt.energy.programme import month_hours, run_energy
from gigawatt.simulate import simulate


def _energy(catalog, scenario):
    resolved = scenario.resolve()
    fleet = build_fleet(resolved, catalog)
    return fleet, run_energy(resolved, catalog, fleet)


def _energy_parameter(folder, pid: str, value: float, unit: str) -> None:
    """A user catalog folder's energy.yaml: one parameter."""
    (folder / "energy.yaml").write_text(
        f"- id: {pid}\n  source: test\n  as_of: 2025-01-01\n"
        f"  status: estimate\n  value: {value}\n  unit: {unit}\n"
    )


def _site(*phases: dict, name: str = "a") -> dict:
    """A toy site at ERCOT, PUE 1.25, with these phases."""
    return {"name": name, "region": "us-ercot", "pue": 1.25, "phases": list(phases)}


@pytest.fixture(scope="module")
def full_load_catalog(tmp_path_factory) -> Catalog:
    """The toy catalog with the load at 1 (every accelerator at TDP all the time)."""
    folder = tmp_path_factory.mktemp("full-load")
    _energy_parameter(folder, "training-utilisation", 1.0, "fraction")
    return Catalog.load([TOY_CATALOG, folder])


@pytest.fixture(scope="module")
def embodied_catalog(tmp_path_factory) -> Catalog:
    """The toy catalog with 1,000 kg of embodied CO2e per toy chip and a 2-year life."""
    folder = tmp_path_factory.mktemp("embodied")
    (folder / "accelerators.yaml").write_text(
        (TOY_CATALOG / "accelerators.yaml").read_text() + "  embodied_co2e_kg: 1000\n"
    )
    _energy_parameter(folder, "embodied-life-years", 2, "years")
    return Catalog.load([TOY_CATALOG, folder])


def test_month_hours() -> None:
    months = np.arange(np.datetime64("2028-01"), np.datetime64("2028-04"))
    assert month_hours(months).tolist() == [744.0, 696.0, 744.0]  # 2028 is a leap year


def test_toy_month_by_hand(toy_catalog) -> None:
    """1 GW facility at PUE 1.25 = 800,000 toy chips (1 kW all-in: 800 W TDP + 200 W host).

    Load 0.7, idle 12.5 % of TDP (the cited fallback, the toy chip has none): P_acc = 100 +
    0.7 x 700 = 590 W, P_IT = 790 W, facility 800,000 x 790 x 1.25 = 790 MW; March: 744 h.
    """
    fleet, e = _energy(toy_catalog, toy_scenario(toy_catalog))
    march = fleet.month_position("2026-03")
    assert fleet.accelerators[0, march] == 800_000
    assert e.facility_power_w_by_phase[0, march] == pytest.approx(790e6)
    assert e.energy_mwh_by_phase[0, march] == pytest.approx(790 * 744)
    assert e.energy_mwh_by_phase[0, :march].sum() == 0  # not online before March
    ercot = toy_catalog.region("us-ercot")
    assert e.co2e_t_by_phase[0, march] == pytest.approx(790 * 744 * ercot.grid_gco2_per_kwh / 1e3)
    assert e.water_m3_by_phase[0, march] == pytest.approx(632 * 744 * ercot.wue_l_per_kwh)


def test_ten_gigawatts_all_year_is_87_6_twh(full_load_catalog) -> None:
    """Arithmetic: 10 GW x 8,760 h = 87.6 TWh (at full load, 2026 has 365 days)."""
    site = _site({"online": "2026-01", "power_gw": 10.0, "system": "toy-node"}, name="big")
    scenario = toy_scenario(full_load_catalog, sites=[site])
    _, e = _energy(full_load_catalog, scenario)
    summary = e.year_summary(2026, 11)
    assert summary["energy_twh"] == pytest.approx(87.6, rel=1e-6)
    # The nearest country by annual generation (Belgium 82.4, Colombia 86.7, ... TWh).
    assert summary["country_equivalent_twh"] == pytest.approx(87.6, rel=0.07)


def test_year_sums_site_sums_and_market_carbon(toy_catalog) -> None:
    sites = [
        {
            "name": "a",
            "region": "us-ercot",
            "pue": 1.2,
            "clean_supply_share": 0.5,
            "phases": [{"online": "2026-02", "power_gw": 1.0, "system": "toy-node"}],
        },
        {
            "name": "b",
            "region": "fr",
            "pue": 1.1,
            "wue_l_per_kwh": 0.1,
            "phases": [
                {"online": "2026-05", "power_gw": 0.5, "system": "toy-node", "ramp_months": 3},
                {"online": "2026-09", "power_gw": 0.5, "system": "toy-node"},
            ],
        },
    ]
    scenario = toy_scenario(toy_catalog, sites=sites, end="2027-06")
    fleet, e = _energy(toy_catalog, scenario)
    assert e.energy_mwh_by_phase.shape == fleet.accelerators.shape == (3, 18)
    table = e.table()
    total = table[(table.site == "total") & (table.quantity == "energy_mwh")].value.sum()
    per_site = table[(table.site != "total") & (table.quantity == "energy_mwh")].value.sum()
    assert total == pytest.approx(per_site) == pytest.approx(e.energy_mwh_by_phase.sum())
    years = e.year_totals(2026)["energy_mwh"] + e.year_totals(2027)["energy_mwh"]
    assert years == pytest.approx(e.energy_mwh_by_phase.sum())
    # Market-based: site a contracts half its supply clean; site b none.
    assert e.co2e_market_t_by_phase[0].sum() == pytest.approx(0.5 * e.co2e_t_by_phase[0].sum())
    assert (e.co2e_market_t_by_phase[1:] == e.co2e_t_by_phase[1:]).all()
    # Site b's own WUE replaces the region's.
    assert e.water_m3_by_phase[1].sum() == pytest.approx(0.1 * e.it_energy_mwh_by_phase[1].sum())


def test_run_years_carry_energy_keys(catalog) -> None:
    from gigawatt.scenario import load_scenario

    results = simulate(load_scenario("nvidia-openai-10gw", catalog), catalog)
    energy = results.stages["energy"]
    assert energy.energy_mwh_by_phase.shape == (
        len(results.fleet.phases),
        len(results.fleet.months),
    )
    last = results.years()[-1]
    for key in ("energy_twh", "co2e_t", "co2e_market_t", "embodied_co2e_t", "water_m3"):
        assert last[key] > 0
    # 10 GW of IT at PUE 1.15 and the default load: inside the 61-79 TWh of a 0.7-0.9 load
    # factor... or just above it, as that range counts 10 GW at the grid (87.6 TWh at full load).
    assert 61 <= last["energy_twh"] <= 87.6 * 1.15
    assert last["co2e_market_t"] <= last["co2e_t"]


def test_embodied_carbon_stops_after_the_hardware_life(embodied_catalog) -> None:
    """Each month's deployments carry kg / L per month for L months, then nothing.

    A 2-year life (24 months), 1,000 kg per toy chip: a phase online 2026-03 ramping over 4
    months is amortised by 2028-05 (its last slice, deployed 2026-06, ends then); over a
    2026-2031 horizon its total is exactly accelerators x 1 t, not a charge that keeps growing
    with the horizon as it did while the whole fleet accrued kg / L every month for ever.
    """
    catalog = embodied_catalog
    phase = {"online": "2026-03", "power_gw": 1.0, "system": "toy-node", "ramp_months": 4}
    scenario = toy_scenario(catalog, sites=[_site(phase)], end="2031-12")
    fleet, e = _energy(catalog, scenario)
    emb = e.embodied_co2e_t_by_phase[0]
    n = fleet.accelerators[0]
    assert n[-1] == 800_000
    assert emb.sum() == pytest.approx(n[-1] * 1.0)  # 1 t each, once
    first_slice = fleet.month_position("2026-03")
    assert emb[first_slice] == pytest.approx(n[first_slice] / 24)
    full = fleet.month_position("2026-06")
    assert emb[full] == pytest.approx(n[-1] / 24)  # the whole fleet within its life
    assert emb[fleet.month_position("2028-03")] < emb[full]  # the first slice has ended
    assert (emb[fleet.month_position("2028-06") :] == 0).all()  # every slice has ended
    assert (e.energy_mwh_by_phase[0, fleet.month_position("2028-06") :] > 0).all()
    assert e.year_totals(2031)["embodied_co2e_t"] == 0


def test_embodied_carbon_of_hardware_online_before_the_start(embodied_catalog) -> None:
    """Hardware already online when the scenario starts is amortised from its real deployment
    month: a phase online 2025-07 (no ramp) with a 2-year life has 18 of its 24 months inside a
    horizon from 2026-01, so the horizon carries 18/24 of its embodied carbon, kg / 24 a month
    to 2027-06 and nothing after (not the whole of it from 2026-01 to 2027-12). A phase online
    2023-01 is written off before the start: nothing. One ramping across the start (2025-11,
    4 months) carries its later slices whole and what is left of its first two slices' lives."""
    catalog = embodied_catalog
    phases = [
        {"online": "2025-07", "power_gw": 1.0, "system": "toy-node", "ramp_months": 0},
        {"online": "2023-01", "power_gw": 1.0, "system": "toy-node", "ramp_months": 0},
        {"online": "2025-11", "power_gw": 1.0, "system": "toy-node", "ramp_months": 4},
    ]
    scenario = toy_scenario(catalog, sites=[_site(*phases)], start="2026-01", end="2028-12")
    fleet, e = _energy(catalog, scenario)
    emb = e.embodied_co2e_t_by_phase
    n = float(fleet.accelerators[0, 0])
    assert n == 800_000 and fleet.accelerators[1, 0] == n
    assert emb[0].sum() == pytest.approx(n * 18 / 24)
    assert emb[0, 0] == pytest.approx(n / 24)
    assert (emb[0, fleet.month_position("2027-07") :] == 0).all()
    assert emb[0, fleet.month_position("2027-06")] == pytest.approx(n / 24)
    assert (emb[1] == 0).all()
    # linear ramp over 4 months from 2025-11, a quarter a month: the 2025-11 quarter has 22
    # months of its life left at the start, the 2025-12 quarter 23, the others all 24
    assert emb[2].sum() == pytest.approx(n * (0.25 * 22 / 24 + 0.25 * 23 / 24 + 0.5))


def test_a_ramp_month_draws_its_average_fleet(toy_catalog) -> None:
    """A phase ramping over 4 months deploys evenly through each: its first month draws for
    1/8 of the phase on average (100,000 toy chips), not the 1/4 in service at the month's end
    (200,000). March, 744 h, at the 790 W per chip x PUE 1.25 of the hand-checked month."""
    phase = {"online": "2026-03", "power_gw": 1.0, "system": "toy-node", "ramp_months": 4}
    fleet, e = _energy(toy_catalog, toy_scenario(toy_catalog, sites=[_site(phase)]))
    march = fleet.month_position("2026-03")
    assert fleet.accelerators[0, march] == 200_000
    assert e.facility_power_w_by_phase[0, march] == pytest.approx(100_000 * 790 * 1.25)
    assert e.energy_mwh_by_phase[0, march] == pytest.approx(100_000 * 790 * 1.25 * 744 / 1e6)
    # Over the ramp (Mar-Jun) the phase draws 2 months' worth of full power, not 2.5.
    full_month_mwh = 800_000 * 790 * 1.25 / 1e6
    months = slice(march, march + 4)
    ramp = e.energy_mwh_by_phase[0, months] / month_hours(fleet.months)[months]
    assert ramp.sum() == pytest.approx(2 * full_month_mwh)


def test_stargate_oracle_closed_loop_sites_count_no_cooling_water():
    """Oracle cools its AI data centers in New Mexico, Michigan, Texas and Wisconsin with
    closed-loop, non-evaporative systems (Oracle, 9 Feb 2026): its Stargate sites in those
    states consumed 0.525 L per IT kWh of evaporative fleet-average water (about 20 Mm3 at
    Abilene over the horizon) that they do not use. They now count none; the sites with no
    published design keep their region's WUE, and every site's water is WUE x its IT energy."""
    from gigawatt.app import energy

    cat = Catalog.load()
    report = energy("stargate-10gw", catalog=cat)
    sites = {s["site"]: s for s in report.sites}
    closed = {"tx-abilene", "tx-shackelford", "mi-saline", "wi-site", "nm-dona-ana"}
    for name, s in sites.items():
        assert s["energy_twh"] > 0
        if name in closed:
            assert s["wue_l_per_kwh"] == 0 and s["water_m3"] == 0
        else:
            region_wue = cat.region(s["region"]).wue_l_per_kwh
            assert s["wue_l_per_kwh"] == region_wue > 0
            it_kwh = s["energy_twh"] * 1e9 / s["pue"]
            assert s["water_m3"] == pytest.approx(it_kwh * region_wue / 1e3, rel=1e-9)


def test_a_built_out_year_is_rated_facility_power_x_hours_x_the_stated_draw_share(catalog):
    """An energy analyst's check of the default scenario: a year with the whole 10 GW (IT) in
    service all year draws rated facility GW x 8,760 h x the system's average training draw
    over its rated all-in IT power (the power calibration's 0.682), and the caveat
    `energy.programme.load_caveats`, in `run`'s and `energy`'s caveats, states that share with
    the draw and rated power it comes from."""
    from gigawatt.energy.footprint import training_draw
    from gigawatt.energy.programme import load_caveats
    from gigawatt.scenario import load_scenario

    scenario = load_scenario("nvidia-openai-10gw", catalog)
    results = simulate(scenario, catalog, until="energy")
    system = scenario.sites[0].phases[0].system
    draw_w = training_draw(catalog, system, catalog.accelerator(system.accelerator)).total_w
    share = draw_w / system.it_power_w_per_accelerator
    assert share == pytest.approx(0.68216, abs=1e-4)  # power calibration `gpu`
    year = next(y for y in results.years() if y["year"] == 2031)
    # rel 1e-5: facility_power_gw is rated on whole accelerators (3,571,420 x 2,800 W)
    assert year["energy_twh"] == pytest.approx(year["facility_power_gw"] * 8.76 * share, rel=1e-5)
    (text,) = load_caveats(scenario, catalog)
    assert f"{draw_w:,.0f} W of its {system.it_power_w_per_accelerator:,.0f} W" in text
    assert f"({share:.2f}; power calibration gpu, status estimate" in text
    assert text in results.caveats()
