"""The largest run leaves room in its group for the spare pool its policy restarts onto
(`RunCurve.room`): the pool is `gigawatt reliability`'s, the bisection agrees with a scan of
the size grid, and more accelerators in a group never shrink the largest run (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from capability_cases import DAY_S
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.capability import Settings, job_sizes
from gigawatt.capability.curve import Curves, Group, pick_group
from gigawatt.catalog import Catalog
from gigawatt.reliability import job_reliability, spare_domains

SYSTEM = "vera-rubin-nvl72"
CATALOG = Catalog.load()
CURVES = Curves(CATALOG, Settings.of(CATALOG))


def _curve(burn_in: float = 1.0, policy: str | None = None):
    return CURVES.get(None, SYSTEM, "bf16", 90 * DAY_S, 1, policy, burn_in=burn_in)


@pytest.mark.parametrize(("size", "burn_in"), [(1, 1.0), (72, 2.0), (24_696, 2.0), (57_528, 1.0)])
def test_the_pool_is_the_reliability_models(size, burn_in):
    """`spare_accelerators` is `gigawatt reliability`'s `spares` (whole failure domains at
    the catalog's availability target, with the run's burn-in) times the failure domain."""
    curve = _curve(burn_in)
    system = CATALOG.system(SYSTEM)
    rel = job_reliability(
        size, 90 * DAY_S, curve.failure_model, system, curve.plan,
        spares_availability=curve.settings.spares_availability, burn_in=burn_in,
    )  # fmt: skip
    assert rel.spares is not None and rel.spares > 0
    assert curve.spare_accelerators(size) == rel.spares * system.failure_domain
    assert spare_domains(size, curve.failure_model, system, 0.999, burn_in=burn_in) == rel.spares


@pytest.mark.parametrize("total", [1, 72, 144, 215, 216, 5_000, 26_455, 714_284])
def test_room_is_the_largest_grid_size_that_fits_with_its_pool(total):
    """The bisection against a scan of every size of the grid (2.0: burn-in, a larger pool)."""
    curve = _curve(2.0)
    sizes = job_sizes(total, curve.system.failure_domain)
    fits = [int(s) for s in sizes if s + curve.spare_accelerators(int(s)) <= total]
    assert curve.room(np.array([total]))[0] == (max(fits) if fits else 0)


def test_a_requeue_policy_has_the_whole_group_as_room():
    curve = _curve(2.0, "sync-checkpoint-requeue")
    assert not curve.standby
    assert curve.spare_accelerators(26_455) == 0
    assert curve.room(np.array([0, 72, 26_455])).tolist() == [0, 72, 26_455]


def _largest(accelerators: int) -> tuple[float, float]:
    """(size, rate) of the largest run of a one-month group of new Vera Rubin racks."""
    acc = np.array([accelerators])
    group = Group("site", SYSTEM, acc, (acc > 0).astype(np.int64), {"site": acc})
    pick = pick_group(CURVES, group, None, "bf16", 90 * DAY_S).pick
    return float(pick.accelerators[0]), float(pick.flops_per_s[0])


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 120_000), st.integers(1, 60_000))
def test_more_accelerators_never_shrink_the_largest_run(accelerators, more):
    """Property: the room grows with the group (the pool grows with the job, so s + pool(s)
    does too), so the largest run's size and rate never fall as the group grows; each fits
    beside its pool."""
    small, large = _largest(accelerators), _largest(accelerators + more)
    assert large[0] >= small[0]
    assert large[1] >= small[1]
    curve = _curve(2.0)  # a group online this month: every run is charged the full burn-in
    for total, (size, _) in ((accelerators, small), (accelerators + more, large)):
        assert size + curve.spare_accelerators(int(size)) <= total


def test_the_operating_point_footnote_names_the_pool_only_when_one_is_held():
    """The Capability table's "Accel.:" footnote adds the room for the spare pool when the
    last year's largest run holds one (a standby policy), and says nothing of it under a
    requeue policy (pool 0)."""
    from gigawatt.cli.programme import _summary_bases

    year = {
        "year": 2032,
        "month": "2032-12",
        "largest_run_marginal_efficiency": 0.91,
        "largest_run_ceiling_accelerators": 267_840,
        "largest_run_ceiling_goodput": 0.61,
        "largest_run_ceiling_flop": 4.3e27,
        "largest_run_flop": 1.15e27,
    }
    (standby,) = _summary_bases([{**year, "largest_run_spare_accelerators": 2_880}])
    (requeue,) = _summary_bases([{**year, "largest_run_spare_accelerators": 0}])
    assert "less the spare pool its fault-tolerance policy restarts onto (2032-12: 2,880)" in (
        standby
    )
    assert "spare" not in requeue and requeue.startswith("Accel.: the size past which")


def test_the_json_operating_point_carries_its_pool():
    """`capability --json`'s `operating_point` (the last month's) and each policy's operating
    point and ceiling in `curve` carry the spare pool they leave room for: the default
    policy's is the curve's pool at that size and fits beside the run in its group; a requeue
    policy's is 0."""
    from gigawatt.scenario import load_scenario
    from gigawatt.simulate import simulate

    cap = simulate(load_scenario("nvidia-openai-10gw", CATALOG), CATALOG, until="capability")
    summary = cap.capability.summary(cap.year_positions())
    op = summary["operating_point"]
    assert op["spare_accelerators"] > 0
    assert op["accelerators"] + op["spare_accelerators"] <= op["group_accelerators"]
    for row in summary["curve"]["policies"]:
        standby = CATALOG.fault_tolerance(row["policy"]).replacement == "standby"
        for point in (row["operating_point"], row["ceiling"]):
            assert (point["spare_accelerators"] > 0) == standby, row["policy"]
            fits = point["accelerators"] + point["spare_accelerators"]
            assert fits <= summary["curve"]["group_accelerators"]
        if row["default"]:
            assert row["operating_point"]["spare_accelerators"] == op["spare_accelerators"]
