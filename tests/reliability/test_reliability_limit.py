"""The job-size limit (`reliability.limit`): one rule, used by the capability model's largest
run and by `gigawatt train`, checked by hand and against both users."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.capability.curve import Curves
from gigawatt.capability.scaling import Settings
from gigawatt.catalog import Catalog
from gigawatt.reliability import (
    RecoveryPlan,
    efficient_limit,
    job_curve,
    job_size_limit,
    job_sizes,
    marginal_threshold,
)
from gigawatt.training import plan_training
from gigawatt.units import S_PER_DAY

CAT = Catalog.load()


def test_efficient_limit_by_hand():
    sizes = np.array([8, 16, 32, 64, 128])
    # the last size at or above the threshold before the first one below it
    assert efficient_limit(sizes, np.array([1.0, 0.95, 0.91, 0.89, 0.95]), 0.9) == 32
    assert efficient_limit(sizes, np.full(5, 0.99), 0.9) == 128  # never below: all of it
    assert efficient_limit(sizes, np.full(5, 0.5), 0.9) == 8  # below at once: the smallest
    assert efficient_limit(sizes, np.array([1.0, 0.9, 0.9, 0.9, 0.8]), 0.9) == 64  # at: kept


def test_threshold_is_the_catalog_parameter():
    assert marginal_threshold(CAT) == Settings.of(CAT).marginal_threshold
    value = CAT.get("capability", "operating-point-marginal-efficiency").value
    assert marginal_threshold(CAT) == pytest.approx(float(value))


@pytest.mark.parametrize("available", [10_000, 100_008, 714_284])
def test_capability_uses_the_same_limit(available):
    """The capability curve's limit (the largest run's cap) is `job_size_limit` of the curve's
    own inputs: one helper, not a copy."""
    settings = Settings.of(CAT)
    curve = Curves(CAT, settings).get(None, "vera-rubin-nvl72", "bf16", settings.duration_s, 1)
    expected = job_size_limit(
        available,
        settings.duration_s,
        curve.failure_model,
        curve.system,
        curve.plan,
        settings.marginal_threshold,
    )
    assert curve.efficient_limit(available) == expected
    sizes = job_sizes(available, curve.system.failure_domain)
    assert expected in sizes.tolist() and expected <= available
    # by its definition: every size up to it keeps the marginal efficiency at the threshold
    marginal = job_curve(
        sizes, settings.duration_s, curve.failure_model, curve.system, curve.plan
    ).marginal_efficiency
    assert (marginal[sizes <= expected] >= settings.marginal_threshold).all() or expected == sizes[
        0
    ]


def test_train_reports_the_same_limit():
    """`gigawatt train` states the limit for its own job (its compute time, policy and
    failure model): past it on 400,000 Vera Rubin packages, not on 2,048 H100."""
    big = plan_training("llama3-405b", 15.6e12, "vera-rubin-nvl72", 400_000, catalog=CAT)
    rel = big.reliability
    assert rel is not None and big.compute_time_s is not None
    system = CAT.system("vera-rubin-nvl72")
    plan = RecoveryPlan.of(CAT, system, rel.plan.model, big.perf.best.params_total)
    expected = job_size_limit(
        big.perf.gpus_used,
        big.compute_time_s,
        CAT.failure_model(system.failure_model),
        system,
        plan,
        marginal_threshold(CAT),
        include_max=True,
    )
    data = big.to_json()
    assert data["job_size_limit_accelerators"] == expected < big.perf.gpus_used
    assert data["marginal_threshold"] == marginal_threshold(CAT)
    # an efficient job off the size grid (1,000 is no grid size) is its own limit
    for gpus in (2048, 1000):
        small = plan_training("llama3-70b", 2e12, "dgx-h100", gpus, catalog=CAT).to_json()
        assert small["job_size_limit_accelerators"] == small["gpus_used"]
    assert small["goodput"] > 0.9 > data["goodput"]
    assert big.compute_time_s < 90 * S_PER_DAY
