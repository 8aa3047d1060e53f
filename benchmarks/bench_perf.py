"""Speed of the parallelism search (DESIGN.md section 9; issue 9: >= 500,000 plans/s on one
core): (plan, time-only knob combination) pairs assessed per second.

Cold, full searches (cache cleared) with every software knob the framework offers searched:
GPT-3 175B on 1,024 A100 (dgx-a100, megatron-lm-2022: few knobs) and on 1,024 H100 (dgx-h100,
nemo-2025: flash attention, SP, TP/DP overlap, ZeRO 0-3, recompute, pipeline balancing,
offload), a 1T-parameter dense model and DeepSeek-V3 on 1,048,576 Vera Rubin packages
(vera-rubin-nvl72). For scale: Calculon evaluates about 73.5 plans/s per core (Isaev et al.
2023's tool, measured on the same kind of machine). Only meaningful when nothing else runs on
the machine: report figures measured under load as such.
"""

from __future__ import annotations

import pytest

from conftest import forget_searches
from gigawatt.catalog import Catalog
from gigawatt.perf import search as perf_search
from gigawatt.perf.estimate import hardware_for, load_model, load_system
from gigawatt.perf.search import search_plans
from gigawatt.perf.workload import Workload

CALCULON_PLANS_PER_S = 73.5
GOAL_PLANS_PER_S = 500_000
CASES = [
    ("gpt3-175b", "dgx-a100", 1024),
    ("gpt3-175b", "dgx-h100", 1024),
    ("megatron-1t", "vera-rubin-nvl72", 1_048_576),
    ("deepseek-v3", "vera-rubin-nvl72", 1_048_576),
]


@pytest.mark.parametrize(("model", "system", "gpus"), CASES)
def test_full_search_speed(benchmark, model, system, gpus):
    cat = Catalog.load()
    w = Workload.from_model(load_model(model, cat))
    hw, sw = hardware_for(load_system(system, cat), "bf16", cat)

    def cold_search():
        forget_searches()
        return search_plans(w, hw, sw, gpus)

    result = benchmark.pedantic(cold_search, rounds=1, iterations=1, warmup_rounds=0)
    seconds = benchmark.stats.stats.min if benchmark.stats else 0.0
    rate = result.plans_evaluated / seconds if seconds else float("nan")
    best = result.best
    print(
        f"\n{model} on {gpus:,} x {system} ({sw.framework.id}): {result.plans_evaluated:,} "
        f"plans ({result.plans_fitting:,} fit) in {seconds:.2f} s = {rate:,.0f} plans/s "
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
