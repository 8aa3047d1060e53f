"""Energy benchmarks (`make bench`): year-long campus supply solves, the energy stage, swings.

The issue's target: a year-long (8,760 h) campus solves in under a minute on 2 cores.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gigawatt.buildout import build_fleet
from gigawatt.catalog import Catalog
from gigawatt.energy.programme import run_energy
from gigawatt.energy.swings import analyse_swings, swing_inputs
from gigawatt.scenario import load_scenario

# the campus whose supply docs/models/energy.md quotes (and tests/energy/test_energy_doc.py checks)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from energy_cases import CO2_CAP_T, ercot_campus

CATALOG = Catalog.load()


@pytest.mark.parametrize("co2_cap_t", [None, CO2_CAP_T], ids=["no-cap", "co2-cap"])
def test_year_long_campus_supply(benchmark, co2_cap_t) -> None:
    pytest.importorskip("pypsa")
    from gigawatt.energy.supply import least_cost_supply

    inputs = ercot_campus(CATALOG, co2_cap_t_per_year=co2_cap_t)
    start = time.perf_counter()
    result = benchmark.pedantic(least_cost_supply, args=(inputs,), rounds=1, iterations=1)
    wall = time.perf_counter() - start
    cap = "none" if co2_cap_t is None else f"{co2_cap_t:,.0f} t/yr"
    print(
        f"\n1 GW campus, 8,760 h, CO2 cap {cap}: wall {wall:.1f} s (HiGHS {result.solve_time_s:.1f}"
        f" s); solar {result.capacity_mw['solar']:,.0f} MW, wind {result.capacity_mw['wind']:,.0f}"
        f" MW, gas {result.capacity_mw['gas']:,.0f} MW, battery {result.battery_mwh:,.0f} MWh; "
        f"{result.cost_usd_per_mwh:.1f} USD/MWh, {result.co2_gco2_per_kwh:.0f} g/kWh"
    )
    assert result.termination_condition == "optimal"
    assert wall < 60.0, "a year-long campus must solve in under a minute"


def test_energy_stage_default_scenario(benchmark) -> None:
    scenario = load_scenario("nvidia-openai-10gw", CATALOG).resolve()
    fleet = build_fleet(scenario, CATALOG)
    result = benchmark(run_energy, scenario, CATALOG, fleet)
    cells = result.energy_mwh_by_phase.size
    if benchmark.stats:  # None under --benchmark-disable (the test suite's default)
        mean = benchmark.stats.stats.mean
        rate = cells / mean
        print(f"\nenergy stage: {cells} phase-months in {mean * 1e3:.2f} ms ({rate:,.0f}/s)")


def test_swing_trace_one_hour(benchmark) -> None:
    inputs = swing_inputs(
        CATALOG, CATALOG.system("gb300-nvl72"), 100_000, 1.15, duration_s=3600.0, seed=1
    )
    result = benchmark(analyse_swings, inputs)
    samples = int(np.ceil(inputs.duration_s / inputs.resolution_s))
    mean = benchmark.stats.stats.mean
    print(
        f"\nswings: {samples:,} samples x 5 cases in {mean * 1e3:.0f} ms "
        f"({samples * 5 / mean:,.0f} samples/s); {result.failures} failures"
    )
