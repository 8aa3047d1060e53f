"""Failure processes of a job, burn-in, spares, user failure models, and property tests."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.reliability import (
    JobFootprint,
    RecoveryPlan,
    burn_in_factor,
    compound_poisson_quantile,
    interruptions,
    job_reliability,
    load_failure_model,
    poisson_quantile,
)
from gigawatt.reliability.failures import RACK_CAUSE, poisson_pmf
from gigawatt.units import S_PER_MONTH

CAT = Catalog.load()
SYSTEMS = [s.id for s in CAT.all("systems")]
MODELS = [m.id for m in CAT.all("failures")]
POLICIES = [p.id for p in CAT.all("fault-tolerance")]


def plan(system: str, policy: str | None = None, params: float = 405e9) -> RecoveryPlan:
    return RecoveryPlan.of(CAT, CAT.system(system), "llama3-405b", params, policy)


def rates(model: str, n: int, system: str, burn_in: float = 1.0) -> dict[str, float]:
    ints = interruptions(CAT.failure_model(model), CAT.system(system), n, burn_in)
    return {k: float(v) for k, v in ints.by_cause.items()}


def test_scopes_count_whole_nodes_and_racks():
    fm = CAT.failure_model("h100-class")
    fp = JobFootprint.of(4, CAT.system("dgx-h100"))  # half a node
    assert (fp.nodes, fp.racks, fp.domains) == (1, 1, 1)
    by_cause = rates("h100-class", 4, "dgx-h100")
    host = next(c for c in fm.causes if c.cause == "host-hardware")
    gpu = next(c for c in fm.causes if c.cause == "gpu-die-nvlink")
    # a node-scope cause hits the whole 8-GPU node; an accelerator-scope one only 4 GPUs
    assert by_cause["host-hardware"] * 3600 == pytest.approx(8 * host.rate_per_accelerator_hour)
    assert by_cause["gpu-die-nvlink"] * 3600 == pytest.approx(4 * gpu.rate_per_accelerator_hour)
    ints = interruptions(fm, CAT.system("dgx-h100"), 4)
    assert float(ints.planned_per_s) * 86400 == pytest.approx(fm.planned_per_job_day)


def test_full_nodes_sum_to_the_per_accelerator_rate():
    fm = CAT.failure_model("h100-class")
    total = sum(rates("h100-class", 16_384, "dgx-h100").values())
    assert total * 3600 == pytest.approx(16_384 * fm.rate_per_accelerator_hour)


def test_rates_vectorised_over_sizes_equal_one_at_a_time():
    sizes = np.array([1, 7, 8, 9, 71, 72, 73, 10_000, 1_000_001])
    fm, sys_ = CAT.failure_model("gb200-class"), CAT.system("gb200-nvl72")
    together = interruptions(fm, sys_, sizes).by_cause
    for i, n in enumerate(sizes):
        alone = interruptions(fm, sys_, int(n)).by_cause
        for cause, v in alone.items():
            assert together[cause][i] == pytest.approx(float(v), rel=1e-15)


def test_rack_process_on_nvl72():
    fm = CAT.failure_model("gb200-class")
    fp = JobFootprint.of(72 * 100 + 1, CAT.system("gb200-nvl72"))
    assert fp.racks == 101 and fp.domains == 101
    by_cause = rates("gb200-class", 72 * 100 + 1, "gb200-nvl72")
    assert by_cause[RACK_CAUSE] == pytest.approx(
        101 * fm.rack_failures_per_rack_month / S_PER_MONTH
    )


def test_every_cause_has_a_category():
    """Interruptions are reported by what failed (GPU, HBM, NIC, host, switch, rack,
    maintenance, software); only the node-failure totals of Kokolis and OPT stay "other"."""
    for fm in CAT.all("failures"):
        for c in fm.causes:  # type: ignore[attr-defined]
            assert c.category is not None or c.cause == "node-failure", (fm.id, c.cause)


def test_nic_split_keeps_llama3_host_hardware_total():
    """Llama 3 Table 5: NIC 7 and other host hardware 14 of 419 over 2.123e7 GPU-h."""
    fm = CAT.failure_model("h100-class")
    by = {c.cause: c.rate_per_accelerator_hour for c in fm.causes}
    gpu_h = 16_384 * 54 * 24
    assert by["nic"] == pytest.approx(7 / gpu_h, rel=0.02)
    assert by["host-hardware"] == pytest.approx(14 / gpu_h, rel=0.02)


def test_burn_in_factor():
    fm = CAT.failure_model("h100-class")  # x2 for 2 months
    day = 86400.0
    assert burn_in_factor(fm, None, 30 * day) == 1.0
    assert burn_in_factor(fm, 0.0, 30 * day) == pytest.approx(2.0)
    assert burn_in_factor(fm, 3.0, 30 * day) == 1.0
    # a 4-month job from day 0: 2 of its 4 months at x2
    assert burn_in_factor(fm, 0.0, 4 * S_PER_MONTH) == pytest.approx(1.5)
    new = rates("h100-class", 1024, "dgx-h100", 2.0)
    old = rates("h100-class", 1024, "dgx-h100", 1.0)
    assert new["hbm"] == pytest.approx(2 * old["hbm"])
    assert new["software-unknown"] == pytest.approx(old["software-unknown"])  # not hardware


def test_poisson_quantile_hand_computed():
    # Poisson(2): P(<=3) = e^-2 (1 + 2 + 2 + 4/3) = 0.8571, P(<=4) = 0.9473, P(<=5) = 0.9834
    assert poisson_quantile(2.0, 0.85) == 3
    assert poisson_quantile(2.0, 0.95) == 5
    assert poisson_quantile(2.0, 0.9473) == 4
    assert poisson_quantile(0.0, 0.999) == 0
    assert poisson_pmf(2.0, 50).sum() == pytest.approx(1.0, abs=1e-12)


def test_compound_quantile_against_sampling():
    rng = np.random.default_rng(7)
    means = {1: 30.0, 4: 2.5}
    draws = rng.poisson(30.0, 400_000) + 4 * rng.poisson(2.5, 400_000)
    for q in (0.5, 0.9, 0.99):  # sampling error of the quantile is well below one unit
        assert abs(compound_poisson_quantile(means, q) - np.quantile(draws, q)) <= 1
    # large means stay finite and near the normal approximation
    big = compound_poisson_quantile({1: 10_000.0}, 0.999)
    assert 10_000 + 3.0 * 100 <= big <= 10_000 + 3.2 * 100


def test_spares_grow_with_availability_and_repair():
    fm = CAT.failure_model("h100-class")
    sys_ = CAT.system("dgx-h100")
    pl = plan("dgx-h100")
    base = job_reliability(100_000, 90 * 86400, fm, sys_, pl, spares_availability=0.99)
    more = job_reliability(100_000, 90 * 86400, fm, sys_, pl, spares_availability=0.9999)
    assert 0 < base.spares < more.spares
    slow = fm.model_copy(
        update={
            "causes": [
                c.model_copy(update={"repair_median_s": 4 * c.repair_median_s}) for c in fm.causes
            ]
        }
    )
    slower = job_reliability(100_000, 90 * 86400, slow, sys_, pl, spares_availability=0.99)
    assert slower.units_down_mean == pytest.approx(4 * base.units_down_mean)
    assert slower.spares > base.spares


def test_user_failure_model_file(tmp_path):
    good = {
        "id": "my-fleet",
        "source": "our incident log",
        "as_of": "2026-01-01",
        "status": "estimate",
        "causes": [{"cause": "all", "rate_per_accelerator_hour": 2e-5, "scope": "accelerator"}],
    }
    path = tmp_path / "fm.yaml"
    path.write_text(json.dumps([good]))
    assert load_failure_model(path).rate_per_accelerator_hour == pytest.approx(2e-5)
    bad = dict(good, causes=[{"cause": "all", "rate_per_accelerator_hour": -1, "scope": "gpu"}])
    path.write_text(json.dumps(bad))
    with pytest.raises(InputError) as exc:
        load_failure_model(path)
    msg = str(exc.value)
    assert "causes[0].rate_per_accelerator_hour: -1" in msg and "scope" in msg
    path.write_text(json.dumps([good, good]))
    with pytest.raises(InputError, match="one failure model record"):
        load_failure_model(path)


def test_rack_process_needs_repair_times():
    from pydantic import ValidationError

    from gigawatt.catalog.schema import FailureModel

    data = CAT.failure_model("gb200-class").model_dump()
    data["rack_repair_median_s"] = None
    with pytest.raises(ValidationError, match="rack_repair_median_s"):
        FailureModel.model_validate(data)


@pytest.mark.parametrize("field", ["accelerators", "duration_s", "checkpoint_s", "restart_s"])
def test_library_rejects_bad_numbers(field):
    args = {"accelerators": 8, "duration_s": 86400.0, "checkpoint_s": 10.0, "restart_s": 60.0}
    args[field] = -1
    with pytest.raises(InputError, match=field):
        job_reliability(
            args["accelerators"],
            args["duration_s"],
            CAT.failure_model("h100-class"),
            CAT.system("dgx-h100"),
            plan("dgx-h100"),
            args["checkpoint_s"],
            args["restart_s"],
        )


# --- properties --------------------------------------------------------------------------------

gpus = st.integers(min_value=1, max_value=1_000_000)
seconds = st.floats(min_value=0.0, max_value=3600.0)
days = st.floats(min_value=0.01, max_value=365.0)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(MODELS), st.sampled_from(SYSTEMS), gpus, st.integers(1, 100_000))
def test_more_accelerators_never_raise_mtbf(model, system, n, extra):
    fm, sys_, pl = CAT.failure_model(model), CAT.system(system), plan(system)
    small = job_reliability(n, 86400.0, fm, sys_, pl)
    large = job_reliability(n + extra, 86400.0, fm, sys_, pl)
    assert large.job_mtbf_s <= small.job_mtbf_s


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(MODELS),
    st.sampled_from(SYSTEMS),
    st.sampled_from(POLICIES),
    gpus,
    days,
    seconds,
    seconds,
)
def test_goodput_is_a_fraction(model, system, policy, n, d, checkpoint, restart):
    fm, sys_, pl = CAT.failure_model(model), CAT.system(system), plan(system, policy)
    for r in (
        job_reliability(n, d * 86400, fm, sys_, pl, checkpoint, restart),
        job_reliability(n, d * 86400, fm, sys_, pl),
    ):
        assert 0.0 < r.goodput <= 1.0
        assert 0.0 <= r.ettr <= 1.0
        assert r.interval_s >= min(r.persist_s, d * 86400) * (1 - 1e-12)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(MODELS), st.sampled_from(SYSTEMS), gpus, days, seconds, seconds)
def test_zero_cost_checkpoint_never_lowers_goodput(model, system, n, d, checkpoint, restart):
    fm, sys_, pl = CAT.failure_model(model), CAT.system(system), plan(system, "sync")
    free = job_reliability(n, d * 86400, fm, sys_, pl, 0.0, restart)
    paid = job_reliability(n, d * 86400, fm, sys_, pl, checkpoint, restart)
    assert free.goodput >= paid.goodput * (1 - 1e-12)
    # also at the same checkpoint interval
    same = job_reliability(n, d * 86400, fm, sys_, pl, 0.0, restart, interval_s=paid.interval_s)
    assert same.goodput >= paid.goodput * (1 - 1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(MODELS),
    st.sampled_from(SYSTEMS),
    st.sampled_from(POLICIES),
    st.lists(gpus, min_size=1, max_size=20),
    days,
)
def test_one_vectorised_call_equals_one_call_per_size(model, system, policy, sizes, d):
    """The capability curve evaluates every size at once; each size alone gives the same."""
    from gigawatt.reliability import job_curve

    fm, sys_, pl = CAT.failure_model(model), CAT.system(system), plan(system, policy)
    together = job_curve(np.array(sizes), d * 86400, fm, sys_, pl)
    for i, n in enumerate(sizes):
        alone = job_reliability(n, d * 86400, fm, sys_, pl)
        assert together.goodput[i] == pytest.approx(alone.goodput, rel=1e-12)
        assert together.interval_s[i] == pytest.approx(alone.interval_s, rel=1e-12)
