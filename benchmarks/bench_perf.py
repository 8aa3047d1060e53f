"""Speed of the parallelism search (DESIGN.md section 9): plans evaluated per second.

Cold, full searches (cache cleared) of GPT-3 175B on 1,024 A100 (dgx-a100), and of a
1T-parameter dense model (megatron-1t) and DeepSeek-V3 on 1,048,576 Vera Rubin packages
(vera-rubin-nvl72, the newest system in the catalog). Goal: at least 100,000 plans/s on one
core, each search in seconds. For scale: Calculon evaluates about 73.5 plans/s per core
(training_performance.md section 1.1, measured on the same kind of machine).
"""

from __future__ import annotations

import pytest

from gigawatt.catalog import Catalog
from gigawatt.perf import search as perf_search
from gigawatt.perf.estimate import hardware_for, load_model, load_system
from gigawatt.perf.search import clear_cache, search_plans
from gigawatt.perf.workload import Workload

CALCULON_PLANS_PER_S = 73.5
CASES = [
    ("gpt3-175b", "dgx-a100", 1024),
    ("megatron-1t", "vera-rubin-nvl72", 1_048_576),
    ("deepseek-v3", "vera-rubin-nvl72", 1_048_576),
]


@pytest.mark.parametrize(("model", "system", "gpus"), CASES)
def test_full_search_speed(benchmark, model, system, gpus):
    cat = Catalog.load()
    w = Workload.from_model(load_model(model, cat))
    hw = hardware_for(load_system(system, cat), "bf16", cat)

    def cold_search():
        clear_cache()
        return search_plans(w, hw, gpus)

    result = benchmark.pedantic(cold_search, rounds=3, iterations=1, warmup_rounds=1)
    seconds = benchmark.stats.stats.min if benchmark.stats else 0.0
    rate = result.plans_evaluated / seconds if seconds else float("nan")
    best = result.best
    print(
        f"\n{model} on {gpus:,} x {system}: {result.plans_evaluated:,} plans "
        f"({result.plans_fitting:,} fit) in {seconds:.2f} s = {rate:,.0f} plans/s "
        f"({rate / CALCULON_PLANS_PER_S:,.0f}x Calculon); best tp={best.plan['tp']} "
        f"pp={best.plan['pp']} vp={best.plan['vp']} cp={best.plan['cp']} "
        f"ep={best.plan['ep']} dp={best.plan['dp']} mb={best.plan['mb']}: "
        f"{best.step_time_s:.3g} s/step, MFU {best.mfu:.1%}"
    )
    assert result.plans_evaluated > 0


def test_cached_search_speed(benchmark):
    """`gigawatt run` asks for the same search month after month: a dictionary lookup."""
    cat = Catalog.load()
    perf_search("gpt3-175b", "dgx-a100", 1024, catalog=cat)
    benchmark(perf_search, "gpt3-175b", "dgx-a100", 1024, catalog=cat)
    if benchmark.stats:
        print(f"\ncached search: {benchmark.stats.stats.mean * 1e6:,.0f} us per call")
