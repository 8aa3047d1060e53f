"""The stage pipeline: stages run in data-flow order; `until` stops after a named stage."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.scenario import load_scenario
from gigawatt.simulate import STAGES, simulate


def test_until_runs_the_stages_up_to_the_named_one(catalog):
    sc = load_scenario("nvidia-openai-10gw", catalog)
    partial = simulate(sc, catalog, until="finance")
    assert list(partial.stages) == ["energy", "finance"]
    assert partial.capability is None
    full = simulate(sc, catalog)
    assert list(full.stages) == list(STAGES) == ["energy", "finance", "capability"]
    # A stage's results do not depend on the stages after it.
    assert partial.finance is not None and full.finance is not None
    assert partial.finance.summary() == full.finance.summary()
    pairs = zip(full.years(), partial.years(), strict=True)
    assert all(p == {k: v for k, v in f.items() if k in p} for f, p in pairs)


def test_until_an_unknown_stage_is_an_error(catalog):
    sc = load_scenario("nvidia-openai-10gw", catalog)
    with pytest.raises(ValueError, match="unknown stage 'money'"):
        simulate(sc, catalog, until="money")


def test_a_sample_is_a_function_of_its_generator(catalog):
    """Explicit randomness: equal seeds, equal samples (share-price paths included); the stages
    draw from child generators, so stopping early does not change what earlier stages drew."""
    sc = load_scenario("nvidia-openai-10gw", catalog)
    a = simulate(sc, catalog, np.random.default_rng([7, 3]), until="finance")
    b = simulate(sc, catalog, np.random.default_rng([7, 3]), until="finance")
    c = simulate(sc, catalog, np.random.default_rng([7, 4]), until="finance")
    assert a.years() == b.years()
    assert a.years() != c.years()
    energy_only = simulate(sc, catalog, np.random.default_rng([7, 3]), until="energy")
    assert energy_only.scenario == a.scenario


def test_run_json_caveats_name_a_phase_online_before_its_hardware_ships(catalog):
    """`run --json`'s `caveats`: a phase online before its accelerator's `launch` month is
    named there (the summary prints the same list); the default scenario has none of those, only
    the capability stage's perf, reliability, peak and burn-in caveats for its largest runs and
    its Ohio site's capacity price held flat after the last cleared PJM auction, its
    sites named as proxies, and the load its facility energy assumes."""
    from conftest import toy_scenario_data
    from gigawatt.buildout import peak_column_caveats
    from gigawatt.capability.caveats import peak_caveats, perf_caveats, reliability_caveats
    from gigawatt.deals import superseded_caveats
    from gigawatt.energy.programme import load_caveats
    from gigawatt.finance import capacity_charge_caveats, unbilled_charge_caveats
    from gigawatt.scenario import (
        month_from_index,
        month_index,
        parse_scenario,
        proxy_site_caveats,
    )

    system = catalog.system("vera-rubin-nvl72")
    launch = catalog.accelerator(system.accelerator).launch
    early = month_from_index(month_index(launch) - 2)
    data = toy_scenario_data(start="2026-01", end="2027-06")
    data["sites"][0]["phases"] = [{"online": early, "power_gw": 0.05, "system": system.id}]
    results = simulate(parse_scenario(data, catalog), catalog, until="finance")
    out = results.to_json()
    # the inputs' (the energy stage's load), the launch caveat, then the fleet's peaks; no
    # capability stage: no perf caveats
    load, caveat, *rest = out["caveats"]
    assert [load] == list(load_caveats(results.scenario, catalog))
    assert rest == list(peak_column_caveats(results.fleet, catalog))
    assert f"online {early}, before {system.accelerator}'s first volume shipments" in caveat
    default = simulate(load_scenario("nvidia-openai-10gw", catalog), catalog)
    years = default.years()
    systems = [y["largest_run_system"] for y in years]
    # the largest runs are in bf16, a build-out column: the fleet's peak caveat covers them
    assert {y["largest_run_precision"] for y in years} == {"bf16"}
    policy = default.capability.settings.policy
    expected = (
        superseded_caveats(default.scenario.deals, catalog)
        + unbilled_charge_caveats(default.fleet, catalog)
        + capacity_charge_caveats(default.finance, catalog)
        + proxy_site_caveats(default.scenario)  # the letter names no sites
        + load_caveats(default.scenario, catalog)  # every accelerator training all year
        + peak_column_caveats(default.fleet, catalog)
        + perf_caveats(catalog, systems)
        + reliability_caveats(catalog, systems, policy)
        + tuple(default.capability.burn_in_caveats(default.year_positions()))
        + tuple(default.capability.spares_caveats(default.year_positions()))
    )
    assert default.caveats(years) == list(expected)
    assert peak_caveats(catalog, [(s, "bf16") for s in systems])  # which would say the same
    assert default.to_json()["caveats"] == default.caveats(years)
