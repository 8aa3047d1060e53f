"""The best job of at most N accelerators: hand-calculable cases, a brute-force cross-check,
and Hypothesis properties (more accelerators or a longer run never compute less)."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from capability_cases import DAY_S, fixed_catalog, search_catalog
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.capability import RunCurve, Settings, job_sizes, optimal_batch_tokens
from gigawatt.capability.curve import Curves
from gigawatt.reliability import job_reliability
from gigawatt.reliability.limit import SIZES_PER_DOUBLING


@cache
def curve(
    search: bool = False,
    system: str = "toy-node-ft",
    days: float = 90,
    sites: int = 1,
    precision: str = "bf16",
) -> RunCurve:
    catalog = search_catalog() if search else fixed_catalog()
    s = Settings.of(catalog)
    return Curves(catalog, s).get(None, system, precision, days * DAY_S, sites)


def test_job_sizes_are_a_geometric_grid_in_whole_failure_domains():
    sizes = job_sizes(1_000_000, 72)
    assert sizes[0] == 1 and sizes[-1] <= 1_000_000
    assert np.all(np.diff(sizes) > 0)
    small, large = sizes[sizes < 72], sizes[sizes >= 72]
    assert {1, 2, 4, 8, 16, 32, 64} <= set(small.tolist())
    assert np.all(large % 72 == 0)
    # consecutive sizes at most 2^(1/32) apart, plus one domain of rounding
    big = large[large > 72 * SIZES_PER_DOUBLING]
    assert np.all(big[1:] <= big[:-1] * 2 ** (1 / SIZES_PER_DOUBLING) + 72)
    assert 2**19 in job_sizes(2**19, 8)  # powers of two are exact


def test_fixed_mfu_without_failures_by_hand():
    """2^19 toy accelerators x 1e15 FLOP/s x MFU 0.5 x goodput 1 (a 1 us checkpoint)."""
    p = curve().best(np.array([0, 1, 1024, 2**19]))
    assert p.accelerators.tolist() == [0, 1, 1024, 2**19]
    assert p.flops_per_s[0] == 0
    assert p.flops_per_s[3] == pytest.approx(2**19 * 1e15 * 0.5, rel=1e-9)
    assert p.mfu.tolist()[1:] == [0.5, 0.5, 0.5]
    assert p.goodput[3] == pytest.approx(1.0, abs=1e-9)
    assert p.efficiency[3] == 1.0


def test_between_grid_sizes_the_job_uses_the_size_below():
    n = 2**19 + 1000  # never-failing: the largest grid size <= N wins
    p = curve().best(np.array([n]))
    assert 2**19 <= p.accelerators[0] <= n
    assert p.accelerators[0] >= n / 2 ** (1 / SIZES_PER_DOUBLING) - 8


@pytest.mark.parametrize("n", [3_000, 150_000, 700_000, 3_000_000])
def test_best_equals_brute_force_over_every_size(n):
    """The branch and bound finds the same job as evaluating every size <= N."""
    c = curve(system="toy-node")  # no failure model of its own: h100-class rates
    sizes = job_sizes(n, c.system.failure_domain)
    every = c.rate(sizes[sizes <= n])
    p = c.best(np.array([n]))
    assert p.flops_per_s[0] == every.flops_per_s.max()
    assert p.accelerators[0] == sizes[np.argmax(every.flops_per_s)]


def test_goodput_is_the_reliability_closed_form():
    c = curve(system="toy-node")
    p = c.best(np.array([50_000]))
    n = int(p.accelerators[0])
    direct = job_reliability(n, 90 * DAY_S, c.failure_model, c.system, c.plan)
    assert p.goodput[0] == direct.goodput
    assert p.flops_per_s[0] == pytest.approx(n * 1e15 * 0.5 * direct.goodput, rel=1e-12)


def test_failures_cap_a_synchronous_job():
    """At 3 million accelerators of H100-class rates a job restarts more than it computes:
    the best job is far smaller than what is available, and computes more."""
    c = curve(system="toy-node")
    p = c.best(np.array([3_000_000]))
    assert p.accelerators[0] < 0.6 * 3_000_000
    whole = c.rate(np.array([job_sizes(3_000_000, 8)[-1]]))
    assert p.flops_per_s[0] > 1.25 * whole.flops_per_s[0]


def test_cross_site_efficiency_by_hand():
    c = curve(sites=2)
    s = c.settings
    n = 2**18
    p = c.best(np.array([n]))
    batch = optimal_batch_tokens(n * 1e15 * s.planning_mfu * 90 * DAY_S, 0.292, 0.3271)
    step = batch * c.workload.model_flops_per_token / (n * 1e15 * 0.5)
    sync = (1 / 2) * c.workload.params_total * 2 / s.cross_site_bandwidth_bytes_per_s + 2 * (
        s.cross_site_latency_s
    )
    assert p.efficiency[0] == pytest.approx(step / (step + sync), rel=1e-12)
    assert p.flops_per_s[0] == pytest.approx(n * 1e15 * 0.5 * step / (step + sync), rel=1e-9)


def test_search_mfu_is_the_best_plan_at_or_below_the_job_the_rest_idle():
    """A job of 1,448 may run a plan on 1,024 or 1,280 accelerators (of the doubling's 1,024,
    1,280, 1,536 and 1,792); its MFU is the better one's rate over all 1,448 accelerators."""
    c = curve(search=True)
    assert c.plan_sizes(1448).tolist() == [1024, 1280]
    assert c.plan_sizes(1024, whole=True).tolist() == [1024, 1280, 1536, 1792]
    work = {m: m * c.bucket(m).mfu for m in (1024, 1280)}
    assert min(work.values()) > 0
    at = c.mfu(np.array([1024, 1448, 2048]))
    assert at[0] == c.bucket(1024).mfu and at[2] == c.bucket(2048).mfu
    assert at[1] == pytest.approx(max(work.values()) / 1448, rel=1e-12)


def test_a_job_runs_the_plan_behind_its_mfu():
    """The plan behind a job of 1,448 multiplies to its `plan_gpus` (at most 1,448), and its
    MFU, over all 1,448 accelerators, is the curve's."""
    c = curve(search=True)
    plan = c.plan_at(1448)
    assert plan is not None and plan.gpus == 1448 and plan.plan is not None
    used = math.prod(int(plan.plan[k]) for k in ("tp", "pp", "cp", "dp"))
    assert used == plan.plan_gpus and used <= 1448
    assert plan.plan["gbs"] == plan.gbs_seqs
    assert c.mfu(np.array([1448]))[0] == pytest.approx(plan.mfu, rel=1e-12)
    picked = c.best(np.array([1448]))
    assert picked.mfu[0] == c.mfu(picked.accelerators.astype(np.int64))[0]


def test_search_batch_is_the_law_rounded_down_to_a_power_of_two():
    c = curve(search=True)
    b = c.bucket(4096)
    law = c.batch_tokens(np.array([4096]))[0] / c.workload.seq_len
    assert b.gbs_seqs <= law < 2 * b.gbs_seqs
    assert b.gbs_seqs & (b.gbs_seqs - 1) == 0


def test_longer_runs_with_the_search_never_compute_less():
    flop = [
        curve(search=True, system="toy-node", days=d).best(np.array([50_000])).flops_per_s[0] * d
        for d in (30, 60, 90, 180)
    ]
    assert flop == sorted(flop) and flop[0] > 0


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3_000_000), st.integers(0, 3_000_000))
def test_more_accelerators_never_less_compute(a, b):
    lo, hi = sorted((a, b))
    p = curve(system="toy-node").best(np.array([lo, hi]))
    assert p.flops_per_s[1] >= p.flops_per_s[0]
    assert p.accelerators[1] >= 0 and p.accelerators[0] <= lo


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 20_000), st.integers(0, 20_000))
def test_more_accelerators_never_less_compute_with_the_search(a, b):
    lo, hi = sorted((a, b))
    p = curve(search=True, system="toy-node").best(np.array([lo, hi]))
    assert p.flops_per_s[1] >= p.flops_per_s[0]


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 365), st.integers(1, 365), st.integers(1_000, 2_000_000))
def test_longer_runs_never_compute_less(d1, d2, n):
    short, long = sorted((d1, d2))
    flop = [
        curve(system="toy-node", days=d).best(np.array([n])).flops_per_s[0] * d * DAY_S
        for d in (short, long)
    ]
    assert flop[1] >= flop[0]
