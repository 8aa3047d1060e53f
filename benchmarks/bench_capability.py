"""Speed of the capability stage and of `gigawatt run` with it (DESIGN.md section 9: `gigawatt
run` of the default scenario in a few seconds). Cold runs forget every search (in the process and
in the persistent cache), as a first run on a new machine pays; warm runs are what a sweep's
later samples pay."""

from __future__ import annotations

import time

from conftest import forget_searches
from gigawatt.app import run as run_scenario
from gigawatt.buildout import build_fleet
from gigawatt.capability import run_capability
from gigawatt.catalog import Catalog
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
        forget_searches()
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
        forget_searches()
        start = time.perf_counter()
        results = run_scenario(SCENARIO, catalog=catalog)
        return results, time.perf_counter() - start

    results, _ = benchmark.pedantic(cold, rounds=3, iterations=1)
    seconds = benchmark.stats.stats.min if benchmark.stats else float("nan")
    print(f"\ngigawatt run {SCENARIO}, all stages, cold search cache: {seconds:.2f} s")
    assert "capability" in results.stages


def test_goodput_curve_one_vectorised_call(benchmark):
    """Issue 12: the goodput of every job size of the capability grid in one NumPy call, against
    one scalar closed-form call per size (what the stage did before: 1,173 calls a sample)."""
    from gigawatt.capability import job_sizes
    from gigawatt.reliability import RecoveryPlan, job_curve, job_reliability

    catalog = Catalog.load()
    system = catalog.system("vera-rubin-nvl72")
    fm = catalog.failure_model(system.failure_model)
    plan = RecoveryPlan.of(catalog, system, "llama3-405b", 405e9)
    sizes = job_sizes(714_284, system.failure_domain)
    duration_s = 90 * 86400.0
    curve = benchmark(job_curve, sizes, duration_s, fm, system, plan)
    vector_s = benchmark.stats["mean"]
    start = time.perf_counter()
    scalar = [job_reliability(int(n), duration_s, fm, system, plan).goodput for n in sizes]
    loop_s = time.perf_counter() - start
    print(
        f"\ngoodput of {len(sizes)} job sizes (1 to 714,284 Rubin packages): one vectorised "
        f"call {vector_s * 1e3:.2f} ms; one call per size {loop_s * 1e3:.0f} ms "
        f"({loop_s / vector_s:.0f}x)"
    )
    assert max(abs(a / b - 1) for a, b in zip(curve.goodput, scalar, strict=True)) < 1e-12


def test_capability_sample_warm(benchmark):
    """One sweep sample's capability stage with warm searches: what a sweep pays per sample
    (issue 12's target: a whole sample in milliseconds)."""
    scenario, catalog, fleet = _inputs()
    run_capability(scenario, catalog, fleet)
    benchmark.pedantic(run_capability, (scenario, catalog, fleet), rounds=20, iterations=1)
    print(
        f"\ncapability stage of one sample, warm searches: "
        f"{benchmark.stats['median'] * 1e3:.1f} ms (median of 20)"
    )
