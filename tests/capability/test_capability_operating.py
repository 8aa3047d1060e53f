"""The operating point: the marginal-efficiency rule by hand, its relation to the ceiling
(Hypothesis), the curve for every policy, the sensitivity table, and the operating point a
power-swing analysis reads (`CapabilityResult.operating_point`)."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from capability_cases import DAY_S, POWER_GW_2_19, fixed_catalog, scenario, site
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.capability import RunCurve, Settings, job_sizes
from gigawatt.capability.curve import Curves
from gigawatt.capability.operating import SENSITIVITY_FACTORS, curve_sizes
from gigawatt.errors import InputError
from gigawatt.simulate import simulate

H100_RATE_PER_S = 1.984e-5 / 3600  # the h100-class causes summed, per accelerator-second


@cache
def curve(policy: str | None = None, **scales: float) -> RunCurve:
    """Toy accelerators at MFU 0.5 with H100-class failures (system toy-node); the toy policy:
    1 us checkpoints and a 120 s restart at every size."""
    catalog = fixed_catalog()
    return Curves(catalog, Settings.of(catalog)).get(
        None, "toy-node", "bf16", 90 * DAY_S, 1, policy, **scales
    )


def test_efficient_limit_by_hand():
    """With checkpoints that cost nothing and a restart R that does not grow, goodput is
    e^{-lambda N R} times a constant (planned stops), so the marginal efficiency is
    1 - lambda N R and it falls below 0.9 at N* = 0.1 / (lambda R) = 151,200. The grid is
    2.2 % coarse and the limit is the last size before the crossing."""
    c = curve()
    assert c.settings.marginal_threshold == 0.9
    n_star = 0.1 / (H100_RATE_PER_S * 120.0)
    limit = c.efficient_limit(3_000_000)
    assert 0.97 * n_star <= limit <= n_star
    p = c.operating(np.array([3_000_000]))
    assert p.accelerators[0] == limit  # MFU is fixed: the largest allowed size is best
    assert p.marginal_efficiency[0] >= 0.9
    planned = math.exp(-0.87 / 86400 * 120)
    assert p.goodput[0] == pytest.approx(
        math.exp(-H100_RATE_PER_S * limit * 120) * planned, rel=2e-3
    )


def test_below_the_limit_the_whole_group_runs():
    p = curve().operating(np.array([50_000]))
    assert 50_000 / 2 ** (1 / 32) - 8 <= p.accelerators[0] <= 50_000


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 4_000_000))
def test_the_operating_point_never_exceeds_the_ceiling(n):
    c = curve()
    op, top = c.operating(np.array([n])), c.best(np.array([n]))
    assert op.accelerators[0] <= top.accelerators[0] <= max(n, 0)
    assert op.flops_per_s[0] <= top.flops_per_s[0]
    if op.accelerators[0] > 0 and op.accelerators[0] < top.accelerators[0]:
        assert op.marginal_efficiency[0] >= c.settings.marginal_threshold


def test_a_dearer_restart_lowers_the_limit_in_proportion():
    """N* = 0.1 / (lambda R): doubling R halves it (to the grid's resolution)."""
    base, dear = (
        curve().efficient_limit(2_000_000),
        curve(restart_scale=2.0).efficient_limit(2_000_000),
    )
    assert dear == pytest.approx(base / 2, rel=0.03)


def test_curve_sizes_span_ten_doublings_four_per_doubling():
    sizes = curve_sizes(714_284, 72)
    assert sizes[-1] == job_sizes(714_284, 72)[-1]  # the largest job the grid allows
    assert sizes[0] >= 714_284 / 2**10 - 72
    big = sizes[sizes > 100 * 72]  # where one rack of rounding is under 1 %
    steps = np.log2(big[1:] / big[:-1])
    assert np.all(np.abs(steps - 0.25) < 0.02)


# --- the stage's operating point, curve and sensitivity ------------------------------------------


@cache
def two_sites():
    catalog = fixed_catalog()
    sites = [
        site("small", POWER_GW_2_19 / 2, system="toy-node"),
        site("large", POWER_GW_2_19, system="toy-node"),
    ]
    return simulate(scenario(catalog, sites=sites), catalog).stages["capability"]


def test_operating_point_for_a_month_and_a_site():
    cap = two_sites()
    op = cap.operating_point()
    assert op is not None and op.month == str(cap.months[-1])
    assert op.accelerators == int(cap.largest["largest_run_accelerators"][-1])
    # both sites hold more than the efficient limit: the same run, on the first site found
    assert op.site == cap.largest_site[-1] and op.policy == "toy-policy"
    assert op.restart_s == pytest.approx(120.0) and op.checkpoint_s < 1e-5
    assert op.failure_per_s == pytest.approx(H100_RATE_PER_S * op.accelerators, rel=1e-3)
    small = cap.operating_point(site="small")
    assert small is not None and small.site == "small"
    assert small.group_accelerators == 2**18
    assert cap.operating_point(month="2026-01") is None  # nothing online yet
    with pytest.raises(InputError, match="not a site"):
        cap.operating_point(site="nowhere")
    with pytest.raises(InputError, match="not a month"):
        cap.operating_point(month="2040-01")


def test_curve_reports_every_policy_with_its_operating_point_and_ceiling():
    cap = two_sites()
    curve_json = cap.curve()
    assert curve_json is not None and curve_json["site"] == cap.largest_site[-1]
    policies = {p["policy"]: p for p in curve_json["policies"]}
    assert set(policies) == {p.id for p in fixed_catalog().all("fault-tolerance")}
    assert policies["toy-policy"]["default"]
    sizes = curve_json["accelerators"]
    assert sizes == sorted(sizes)
    for p in policies.values():
        assert p["operating_point"]["accelerators"] in sizes
        assert p["ceiling"]["accelerators"] in sizes
        assert all(0 < g <= 1 for g in p["goodput"])
    # the toy policy's largest run is the stage's
    assert policies["toy-policy"]["operating_point"]["accelerators"] == int(
        cap.largest["largest_run_accelerators"][-1]
    )


def test_sensitivity_rows_move_the_largest_run_the_right_way():
    sens = two_sites().sensitivity()
    assert sens is not None
    rows = sens["rows"]
    assert len(rows) == 1 + 3 * len(SENSITIVITY_FACTORS)
    base = rows[0]["accelerators"]
    restart = {r["factor"]: r["accelerators"] for r in rows if r["input"] == "restart"}
    # halving the restart doubles the limit past the small site's 2^18: capped by the group
    assert restart[0.25] == restart[0.5] == 2**18 > base > restart[2.0] > restart[4.0]
    # the toy policy's checkpoints cost 1 us at any bandwidth; the toy system has no racks
    # that fail as a whole: neither input moves the run
    for key in ("checkpoint_bandwidth", "rack_failure_rate"):
        assert {r["accelerators"] for r in rows if r["input"] == key} == {base}
