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


def test_swings_page_training_draw_and_the_h100_rule(catalog, swings) -> None:
    """Section 2's calibrated draw per Vera Rubin package and the same rule on an H100 job at
    the catalog's utilisation (its busy phase capped at TDP)."""
    page = _page("swings.md")
    system = catalog.system("vera-rubin-nvl72")
    fraction = catalog.get("power-calibrations", "gpu").draw_fraction
    assert (
        f"P = f x P_all-in ({fraction:.3g} x {system.it_power_w_per_accelerator:,.0f} W = "
        f"{swings['training_draw_w_per_accelerator']:,.0f} W per Vera Rubin package" in page
    )
    h100 = catalog.system("dgx-h100")
    acc = catalog.accelerator(h100.accelerator)
    u = energy_param(catalog, "training-utilisation")
    busy = training_waveform(catalog, h100, acc, u).busy_w
    assert busy == pytest.approx(acc.tdp_w)
    assert f"For an H100 job at the catalog's u = {u:g} the same rule gives" in page
    assert f"P_busy = P_TDP = {busy:,.0f} W" in page


def test_swings_page_refusal_threshold_goodputs(catalog, swings) -> None:
    """Section 1, "Refusal": at R = M (about 480,000 packages at tx-abilene) the capability
    model's goodput is still about a third; the whole site's job restarts more than it trains."""
    from gigawatt.scenario import load_scenario
    from gigawatt.simulate import simulate

    cap = simulate(load_scenario(app.DEFAULT_SCENARIO, catalog), catalog).capability
    near = cap.swing_job(swings["month"], SITE, accelerators=480_000)
    whole = cap.swing_job(swings["month"], SITE, accelerators=swings["group_accelerators"])
    mtbi = 1 / near.interruptions_per_s
    assert near.restart_s == pytest.approx(mtbi, rel=0.03)  # R = M, to the figure's precision
    assert whole.restart_s >= 1 / whole.interruptions_per_s
    page = _page("swings.md")
    assert (
        f"({_pct(near.goodput)} for 480,000 Vera Rubin at {SITE}; {_pct(whole.goodput)} for "
        f"the whole site's {swings['group_accelerators']:,})" in page
    )


def test_swings_page_rack_storage_against_nvidias_figure(catalog) -> None:
    """Section 4: the catalog's 65 J per GB300 GPU over its swing, and the cut of a 1 ms spike
    from 70 % to 100 % of TDP (0.3 e^{-d/tau}, as tests/energy/test_swings.py checks on the
    trace) against NVIDIA's "up to 30%"."""
    import math

    from gigawatt.energy.footprint import idle_power_of

    page = _page("swings.md")
    acc = catalog.accelerator(catalog.system("gb300-nvl72").accelerator)
    joules = energy_param(catalog, "swing-rack-storage-j-per-accelerator")
    published = energy_param(catalog, "gb300-power-smoothing-peak-reduction")
    swing = acc.tdp_w - idle_power_of(catalog, acc)
    tau = joules / swing
    cut = published * math.exp(-0.001 / tau)
    assert (
        f"With the catalog's {joules:g} J per GB300 GPU (swing {swing:,.0f} W, τ = "
        f"{1000 * tau:.0f} ms) the model cuts a 1 ms spike from {_pct(1 - published)} to 100 % "
        f"of TDP by {100 * cut:.1f} % of the peak, within {_pct(1 - cut / published)} of the "
        f"published {_pct(published)}" in page
    )


def test_swings_page_floor_figures_of_the_default_job(catalog, swings) -> None:
    """Sections 5 and 6: the floored dynamic range (share of P_busy and of the floored job's
    mean power) and the floor case's peak-to-peak and band RMS."""
    page = _page("swings.md")
    f = swings["power_floor_share"]
    cases = {c["case"]: c for c in swings["cases"]}
    none, floor = cases["none"], cases["power-floor"]
    range_mw = swings["accelerators"] * (1 - f) * swings["busy_power_w_per_accelerator"] / 1e6
    assert (
        f"(10 % of P_busy; {100 * range_mw / floor['mean_mw']:.1f} % of the default job's mean "
        "power)" in page
    )
    assert _pct(1 - f) == "10 %"
    assert f"The peak-to-peak stays {floor['peak_to_peak_mw']:.0f} MW under the floor" in page
    assert floor["peak_to_peak_mw"] == pytest.approx(none["peak_to_peak_mw"], abs=0.5)
    assert (
        f"(the floor's gain is in the band ({none['band_rms_mw']:.0f} to "
        f"{floor['band_rms_mw']:.0f} MW RMS)".replace("(the floor's", "the floor's")
        in page
    )


def test_energy_page_counts_the_modern_power_checks() -> None:
    """ "checked on the other MLPerf Training power results: six within 10 %, two multi-node
    fine-tuning results not" (tests/validation/data/modern_power_checks.csv's roles)."""
    import csv

    path = Path(__file__).parents[1] / "validation" / "data" / "modern_power_checks.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        roles = [row["role"] for row in csv.DictReader(fh)]
    words = {2: "two", 6: "six"}
    checked, reported = roles.count("check"), roles.count("reported")
    assert (
        f"checked on the other MLPerf Training power results: {words[checked]} within 10 %, "
        f"{words[reported]} multi-node fine-tuning results not" in _page("energy.md")
    )


def test_energy_page_supply_model_settings(catalog) -> None:
    """ "Least-cost supply": the settings the prose names are the catalog's (battery hours,
    discount rate, grid import cap, the synthetic weather's cloudiness mean and wind model)."""
    from gigawatt.energy.profiles import WindModel

    page = _page("energy.md")
    battery = catalog.get("supply-technologies", "battery-4h")
    assert f"a {battery.max_hours:g}-hour battery" in page
    rate = catalog.parameter("discount-rate").value
    assert f"annuitised at the {100 * float(rate):g} % discount rate" in page
    cap = energy_param(catalog, "supply-grid-import-cap-share")
    assert f"grid import capped at {_pct(cap)} of the load" in page
    cloudiness = energy_param(catalog, "solar-clear-sky-index-mean")
    assert f"(an AR(1) series around {cloudiness:g})" in page
    wind = WindModel.from_catalog(catalog)
    assert (
        f"a Weibull (shape {wind.weibull_shape:g}) speed series with hour-to-hour persistence "
        f"through a generic turbine curve (cut-in {wind.cut_in_m_per_s:g}, rated "
        f"{wind.rated_m_per_s:g}, cut-out {wind.cut_out_m_per_s:g} m/s)" in page
    )


def test_swings_page_trace_settings(catalog) -> None:
    """The trace's resolution and the default grid ramp limit (10 MW/min per 150 MW, as a share
    of site power per second) are the catalog's; the band edges the page names are its."""
    page = _page("swings.md")
    dt = energy_param(catalog, "swing-trace-resolution-s")
    low, high = (
        energy_param(catalog, "grid-band-low-hz"),
        energy_param(catalog, "grid-band-high-hz"),
    )
    assert (
        f"Every `swing-trace-resolution-s` ({1000 * dt:.0f} ms, enough for the "
        f"{low:g}-{high:g} Hz band)" in page
    )
    assert 1 / (2 * dt) > high  # Nyquist
    share = energy_param(catalog, "grid-ramp-limit-share-per-s")
    assert share == pytest.approx(10 / 60 / 150, rel=1e-3)
    assert "ramp limit (default 10 MW/min per 150 MW of site" in page
    assert f"a {1000 * dt:.0f} ms trace" in _page("energy.md")


def test_swings_page_checkpoint_steps_and_window(catalog, swings) -> None:
    """Section 2: the default job's checkpoint interval in whole steps, and the window's
    settings (interruptions, bounds in hours)."""
    page = _page("swings.md")
    steps = swings["checkpoint_interval_s"] / swings["step_period_s"]
    assert steps == pytest.approx(round(steps), abs=1e-6)  # a whole number of steps
    assert f"default job, {round(steps)} steps)" in page
    k = energy_param(catalog, "swing-window-interruptions")
    lo_h = energy_param(catalog, "swing-window-min-s") / 3600
    hi_h = energy_param(catalog, "swing-window-max-s") / 3600
    words = {1: "one", 6: "six"}
    assert (
        f"`swing-window-interruptions` ({k:g}) mean times between interruptions, between "
        f"{words[round(lo_h)]} and {words[round(hi_h)]} hours" in page
    )
    assert lo_h == round(lo_h) and hi_h == round(hi_h)


def test_swings_page_draw_fractions_are_about_seven_tenths(catalog) -> None:
    """ "about 0.7 of the servers' all-in design power": the all-in-basis calibrations (the
    P100 runs' fit and the MLPerf B200 fit the `gpu` record carries) round to 0.7."""
    fractions = [
        c.draw_fraction
        for c in catalog.all("power-calibrations")
        if c.basis != "tdp" and not c.transferred_from
    ]
    assert fractions and all(round(f, 1) == 0.7 for f in fractions)
    assert "power results on H100 and B200 are about 0.7 of the servers' all-in design" in (
        _page("swings.md")
    )


def test_energy_page_bloom_figures_are_the_validated_ones() -> None:
    """energy.md quotes Luccioni et al.'s BLOOM table and embodied settings as
    tests/validation/test_footprints.py reproduces them (published figures, cited there)."""
    import importlib.util

    path = Path(__file__).parents[1] / "validation" / "test_footprints.py"
    spec = importlib.util.spec_from_file_location("footprints_for_docs", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    p = module.PUBLISHED
    page = _page("energy.md")
    assert (
        f"which the tests reproduce ({p['dynamic']:g} t, {p['idle']:g} t, {p['embodied']:g} t, "
        f"{p['total']:g} t)" in page
    )
    assert (
        f"(Luccioni et al. used {module.BLOOM_LIFE_YEARS} years and "
        f"{_pct(module.BLOOM_USE_SHARE)})" in page
    )


def test_swings_default_ramp_limit_is_a_share_of_the_site_not_the_job(catalog, swings) -> None:
    """The catalog's limit is a share of the SITE's power per second (10 MW/min per 150 MW of
    site); it was applied to the traced job's own power (0.14 MW/s for a 121 MW job on a
    2,300 MW site), 18 times stricter than cited. The limit is that share of the site's rated
    facility power, the battery meets it, and the page quotes both."""
    share = energy_param(catalog, "grid-ramp-limit-share-per-s")
    site_mw = swings["site_facility_power_mw"]
    cases = {c["case"]: c for c in swings["cases"]}
    assert site_mw > 10 * cases["none"]["mean_mw"]  # the job is a small part of the site
    assert swings["ramp_limit_mw_per_s"] == pytest.approx(share * site_mw, rel=1e-12)
    battery = cases["site-battery"]
    assert battery["meets_ramp_limit"] and not cases["none"]["meets_ramp_limit"]
    page = _page("swings.md")
    assert (
        f"meets the grid ramp limit ({swings['ramp_limit_mw_per_s']:.1f} MW/s at the default "
        f"job's {site_mw:,.0f} MW site, against a swing of "
        f"{cases['none']['peak_to_peak_mw']:.0f} MW in one 20 ms sample): "
        f"{battery['battery_power_mw']:.0f} MW and {battery['battery_energy_mwh']:.2f} MWh" in page
    )
