"""Speed of the capability stage and of `gigawatt run` with it (DESIGN.md section 9: `gigawatt
run` of the default scenario in a few seconds). Cold runs clear the perf-search cache, as a new
process starts with it empty; warm runs are what a sweep's later samples pay."""

from __future__ import annotations

import time

from gigawatt.app import run as run_scenario
from gigawatt.buildout import build_fleet
from gigawatt.capability import run_capability
from gigawatt.catalog import Catalog
from gigawatt.perf.search import clear_cache
from gigawatt.scenario import load_scenario

SCENARIO = "nvidia-openai-10gw"


def _inputs():
    catalog = Catalog.load()
    scenario = load_scenario(SCENARIO, catalog).resolve()
    return scenario, catalog, build_fleet(scenario, catalog)


def _searches(cap) -> int:
    return sum(len(t) for by_precision in cap.searches.values() for t in by_precision.values())


def test_capability_stage_cold(benchmark):
    scenario, catalog, fleet = _inputs()

    def cold():
        clear_cache()
        return run_capability(scenario, catalog, fleet)

    cap = benchmark.pedantic(cold, rounds=3, iterations=1)
    seconds = benchmark.stats.stats.min if benchmark.stats else float("nan")
    print(
        f"\ncapability stage, {SCENARIO} ({len(cap.months)} months, "
        f"{len(cap.runs)} frontier runs), cold: {seconds:.2f} s "
        f"({_searches(cap)} perf searches for the monthly largest runs, plus the runs')"
    )
    assert cap.largest["largest_run_flop"].max() > 0


def test_capability_stage_warm(benchmark):
    scenario, catalog, fleet = _inputs()
    run_capability(scenario, catalog, fleet)
    cap = benchmark(run_capability, scenario, catalog, fleet)
    print(f"\ncapability stage, warm search cache: {benchmark.stats['mean'] * 1e3:.0f} ms per run")
    assert cap.runs


def test_gigawatt_run_default_scenario(benchmark):
    """The whole `gigawatt run` (build-out, energy, finance, capability), cold."""
    catalog = Catalog.load()

    def cold():
        clear_cache()
        start = time.perf_counter()
        results = run_scenario(SCENARIO, catalog=catalog)
        return results, time.perf_counter() - start

    results, _ = benchmark.pedantic(cold, rounds=3, iterations=1)
    seconds = benchmark.stats.stats.min if benchmark.stats else float("nan")
    print(f"\ngigawatt run {SCENARIO}, all stages, cold search cache: {seconds:.2f} s")
    assert "capability" in results.stages
