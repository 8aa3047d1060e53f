"""The search: its candidates against a brute-force loop, its evaluator against the scalar
path (exact match), ranking, pruning, caching."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model
from gigawatt.errors import InputError
from gigawatt.perf import BREAKDOWN_KEYS, estimate, evaluate, search
from gigawatt.perf.estimate import hardware_for, load_system
from gigawatt.perf.search import enumerate_plans
from gigawatt.perf.workload import Workload

CAT = Catalog.load()


def _toy(**update) -> Model:
    base = {
        "id": "toy",
        "source": "test",
        "as_of": dt.date(2026, 1, 1),
        "status": "estimate",
        "layers": 6,
        "hidden": 256,
        "ffn_hidden": 1024,
        "heads": 4,
        "kv_heads": 2,
        "mlp": "swiglu",
        "vocab": 1000,
        "seq_len": 64,
        "global_batch_seqs": 16,
    }
    return Model.model_validate({**base, **update})


def _plain_valid(w: Workload, n, tp, pp, vp, dp, cp, ep, mb, gbs) -> bool:
    """DESIGN.md section 7's rules, written out plainly (flash attention on)."""
    if tp * pp * cp * dp != n or w.q_heads % tp or pp * vp > w.layers:
        return False
    if w.kv_heads % tp and tp % w.kv_heads:
        return False
    if gbs % (dp * mb) or w.seq_len % cp:
        return False
    if vp > 1 and (pp == 1 or (gbs // (dp * mb)) % pp):
        return False
    return max(w.experts, 1) % ep == 0 and (dp * cp) % ep == 0


@pytest.mark.parametrize(
    "model", [_toy(), _toy(experts=4, top_k=2, moe_ffn_hidden=512, dense_layers=1)]
)
@pytest.mark.parametrize("gpus", [8, 12])
def test_candidates_match_a_brute_force_loop(model, gpus):
    w = Workload.from_model(model)
    fixed = {"zero": 1, "recompute": "selective"}
    expected = set()
    for tp, pp, cp, dp in itertools.product(range(1, gpus + 1), repeat=4):
        if tp * pp * cp * dp != gpus:
            continue
        for vp, mb, ep in itertools.product(
            range(1, w.layers + 1), range(1, w.global_batch_seqs + 1), range(1, gpus + 1)
        ):
            if _plain_valid(w, gpus, tp, pp, vp, dp, cp, ep, mb, w.global_batch_seqs):
                expected.add((tp, pp, vp, dp, cp, ep, mb))
    plans = enumerate_plans(w, gpus, fixed)
    found = set(
        zip(
            *(getattr(plans, k).tolist() for k in ("tp", "pp", "vp", "dp", "cp", "ep", "mb")),
            strict=True,
        )
    )
    assert len(found) == len(plans)  # no duplicates
    assert found == expected
    assert expected


def test_vectorised_evaluation_matches_scalar_estimates_exactly():
    """A sample of 60 plans from a full enumeration, evaluated in one batch and one by one
    through `estimate` (pydantic plan, rule check, one-row arrays): identical numbers."""
    model = CAT.model("llama3-70b")
    w = Workload.from_model(model)
    hw = hardware_for(load_system("dgx-h100", CAT), "bf16", CAT)
    plans = enumerate_plans(w, 256, {})
    batch = evaluate(w, hw, plans)
    rng = np.random.default_rng(20261129)
    for i in rng.choice(len(plans), size=60, replace=False):
        row = plans.row(int(i), "bf16")
        one = estimate(model, "dgx-h100", 256, row, catalog=CAT)
        assert one.plan == row
        assert one.step_time_s == batch.step_time_s[i]
        assert one.memory_gib_per_gpu * 2**30 == batch.memory.total[i]
        assert (one.mfu, one.hfu, one.fits) == (batch.mfu[i], batch.hfu[i], batch.fits[i])
        for key in BREAKDOWN_KEYS:
            assert one.breakdown_s[key] == batch.breakdown_s[key][i]


def test_search_ranks_fitting_plans_by_throughput():
    result = search("gpt3-175b", "dgx-a100", 256, catalog=CAT)
    assert result.fits and result.best.fits
    assert result.plans_fitting <= result.plans_evaluated
    rates = [t["tokens_per_s"] for t in result.top]
    assert rates == sorted(rates, reverse=True) and len(rates) == 10
    assert result.best.tokens_per_s == rates[0]
    again = estimate("gpt3-175b", "dgx-a100", 256, result.best.plan, catalog=CAT)
    assert again.step_time_s == result.best.step_time_s
    # Brute force over the same candidates: nothing that fits is faster.
    w = Workload.from_model(CAT.model("gpt3-175b"))
    hw = hardware_for(load_system("dgx-a100", CAT), "bf16", CAT)
    ev = evaluate(w, hw, enumerate_plans(w, 256, {}))
    assert ev.tokens_per_s[ev.fits].max() == result.best.tokens_per_s


def test_fixed_knobs_are_held():
    result = search("gpt3-175b", "dgx-a100", 512, fixed={"tp": 8, "recompute": "full"}, catalog=CAT)
    assert all(t["tp"] == 8 and t["recompute"] == "full" for t in result.top)
    assert result.best.plan["tp"] == 8


def test_precision_flag_and_moe_search():
    result = search("deepseek-v3", "hgx-h800", 2048, precision="fp8", catalog=CAT)
    assert result.best.plan["precision"] == "fp8"
    assert result.fits
    assert result.best.params_active < result.best.params_total / 10


def test_nothing_fits_is_a_result_not_an_error():
    result = search("megatron-1t", "dgx-a100", 8, catalog=CAT)
    assert not result.fits and not result.best.fits
    assert result.plans_fitting == 0 and result.top == ()
    assert result.plans_evaluated > 0
    assert result.to_json()["fits"] is False


def test_no_valid_plan_is_an_input_error():
    with pytest.raises(InputError, match="no valid plan"):
        search("gpt3-175b", "dgx-a100", 1024, fixed={"tp": 3}, catalog=CAT)


def test_repeated_searches_come_from_the_cache():
    a = search("llama3-8b", "gb200-nvl72", 576, catalog=CAT)
    b = search("llama3-8b", "gb200-nvl72", 576, catalog=CAT)
    assert a is b
    c = search("llama3-8b", "gb200-nvl72", 576, precision="fp8", catalog=CAT)
    assert c is not a
