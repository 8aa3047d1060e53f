"""The checkpoint interval in whole training steps (a framework saves between steps: Megatron-LM's
`--save-interval` counts iterations), when the step time is known."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.reliability import RecoveryPlan, job_curve, job_reliability
from gigawatt.reliability.checkpoint import expected_wall_time
from gigawatt.reliability.job import whole_step_interval
from gigawatt.reliability.recovery import LOSES_WORK
from gigawatt.units import S_PER_DAY

CAT = Catalog.load()
SYSTEM = CAT.system("meta-h100-roce")
FM = CAT.failure_model(SYSTEM.failure_model)
DAYS = 30 * S_PER_DAY


def _plan(policy: str) -> RecoveryPlan:
    return RecoveryPlan.of(CAT, SYSTEM, "llama3-405b", 405e9, policy)


def test_nearest_whole_step_at_least_one():
    # 100 s of Daly over 30 s steps: 3.33 steps -> 3; 110 s: 3.67 -> 4; 5 s: 0.17 -> 1 step
    got = whole_step_interval(np.array([100.0, 110.0, 5.0]), 30.0, 0.0, DAYS)
    assert got.tolist() == [90.0, 120.0, 30.0]


def test_never_below_the_lag_to_durable_and_never_past_the_job():
    # a lag of 95 s needs 4 whole 30 s steps even where Daly's 60 s rounds to 2
    assert whole_step_interval(60.0, 30.0, 95.0, DAYS) == pytest.approx(120.0)
    # a lag of exactly 3 steps is 3 steps, not 4
    assert whole_step_interval(60.0, 30.0, 90.0, DAYS) == pytest.approx(90.0)
    # no failures (infinite optimum): one save at the end of the job
    assert whole_step_interval(np.inf, 30.0, 0.0, 3000.0) == pytest.approx(3000.0)


def test_rejects_a_step_time_that_is_not_positive():
    with pytest.raises(ValueError, match="step time"):
        whole_step_interval(100.0, 0.0, 0.0, DAYS)
    with pytest.raises(InputError, match=r"^step_s: "):
        job_reliability(1024, DAYS, FM, SYSTEM, _plan("meta-llama3-2024"), step_s=-1.0)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=8, max_value=200_000),
    st.floats(min_value=0.05, max_value=600.0),
    st.sampled_from([p.id for p in CAT.all("fault-tolerance")]),
)
def test_job_curve_interval_is_whole_steps_and_goodput_uses_it(n, step, policy):
    """With a step time the interval is k >= 1 whole steps (or the whole job), the nearest to
    Daly's optimum unless the lag to durable needs more, and the wall time is the closed form
    at that interval."""
    plan = _plan(policy)
    cont = job_curve(np.array([n]), DAYS, FM, SYSTEM, plan)
    stepped = job_curve(np.array([n]), DAYS, FM, SYSTEM, plan, step_s=step)
    tau = float(stepped.interval_s[0])
    k = tau / step
    assert tau == pytest.approx(DAYS) or (k >= 1 - 1e-9 and k == pytest.approx(round(k)))
    daly = float(stepped.daly_interval_s[0])
    persist = float(stepped.recovery.persist_s[0])
    if tau < DAYS and persist <= step * max(round(daly / step), 1):
        assert abs(tau - daly) <= step / 2 + 1e-6 * step or k == pytest.approx(1)
    assert tau >= persist - 1e-6
    want = expected_wall_time(
        DAYS,
        tau,
        stepped.checkpoint_s,
        (stepped.failure_per_s, stepped.planned_per_s),
        (stepped.restart_s, stepped.restart_s),
        LOSES_WORK,
        stepped.recovery.persist_s,
    )
    assert stepped.wall_time_s[0] == pytest.approx(want[0], rel=1e-12)
    # the rates and costs do not depend on the step time
    assert stepped.failure_per_s[0] == cont.failure_per_s[0]
    assert stepped.checkpoint_s[0] == cont.checkpoint_s[0]


def test_a_long_step_lowers_goodput_below_the_continuous_optimum():
    """A 16,384-GPU job under the default policy checkpoints every ~100 s at Daly's optimum; a
    10-minute step forces a 10-minute interval, so more work is redone per failure."""
    plan = _plan("in-memory-hot-spare")
    cont = job_reliability(16_384, DAYS, FM, SYSTEM, plan)
    assert cont.interval_s < 300.0
    slow = job_reliability(16_384, DAYS, FM, SYSTEM, plan, step_s=600.0)
    assert slow.interval_s == pytest.approx(600.0)
    assert slow.goodput < cont.goodput
