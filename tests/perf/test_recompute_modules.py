"""Selective recomputation by module (`plan recompute_modules`): Megatron-Core's
recompute_modules and MaxText's remat policies, against hand counts of Korthikanti et al.
2022 section 4.1 / Table 2, the FLOPs of the replayed GEMMs, and the error messages."""

from __future__ import annotations

import numpy as np
import pytest
from perf_helpers import resolve_plan

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.perf import comm
from gigawatt.perf.estimate import estimate, evaluate, hardware_for, load_system, result_row
from gigawatt.perf.hardware import ACTIVATION_BYTES
from gigawatt.perf.memory import layer_activation_bytes_per_token
from gigawatt.perf.plan import PlanArrays, make_plan, module_names, parse_plan
from gigawatt.perf.search import search
from gigawatt.perf.workload import Workload

CAT = Catalog.load()
GPT3 = Workload.from_model(CAT.model("gpt3-175b"))
LLAMA = Workload.from_model(CAT.model("llama3-70b"))


def _hw(framework: str, system: str = "dgx-a100", precision: str = "bf16"):
    return hardware_for(load_system(system, CAT), precision, CAT, framework)[0]


def test_korthikanti_blocks_by_module():
    """GPT-3 175B, t = 8 with sequence parallelism, 16-bit, dropout, no flash: per layer and
    token Korthikanti et al. 2022 section 4.1 counts the attention block 11 h + 5 a s (the
    QKV input 2 h among it), the MLP block 19 h (input 2 h, GeLU input 8 h, GeLU output 8 h,
    dropout mask h) and the two layer norms' inputs 4 h, all / t with sequence parallelism.
    core_attn drops the 5 a s terms (Table 2: 34 h / t); layernorm the two norm outputs (the
    QKV and MLP inputs, 4 h); mlp the GeLU input and output (16 h), keeping the MLP input."""
    hw = _hw("megatron-lm-2022")
    h, a, s, t = 12288, 96, 2048, 8
    cases = {
        "core_attn": 34 * h / t,
        "core_attn,layernorm": 30 * h / t,
        "core_attn,mlp": 18 * h / t,
        "core_attn,layernorm,mlp": 14 * h / t,
        "mlp": 18 * h / t + 5 * a * s / t,
    }
    for modules, expected in cases.items():
        p = resolve_plan(
            {"tp": t, "pp": 8, "sp": True, "recompute_modules": modules},
            GPT3,
            1024,
            framework="megatron-lm-2022",
        )
        got = layer_activation_bytes_per_token(GPT3, hw, p, moe=False)[0]
        assert got == pytest.approx(expected, rel=1e-12), modules


def test_selective_is_core_attn():
    """`recompute=selective` is Megatron-Core's default module list, core_attn: the same
    memory, time and HFU, with and without flash attention."""
    for framework, system, model, flash in (
        ("megatron-lm-2022", "dgx-a100", "gpt3-175b", False),
        ("nemo-2025", "dgx-h100", "llama3-70b", True),
    ):
        base = {"tp": 8, "pp": 8, "sp": True, "flash_attention": flash}
        one = estimate(model, system, 512, {**base, "recompute": "selective"}, framework=framework)
        two = estimate(
            model, system, 512, {**base, "recompute_modules": "core_attn"}, framework=framework
        )
        assert one.to_json() == two.to_json()
        assert two.plan["recompute_modules"] == ("core_attn",)


def test_maxtext_policy_keeps_the_named_dots():
    """MaxText's save_dot_except_mlp on Llama 2 70B (tp 1, bf16, flash, no dropout) keeps per
    layer and token the layer input, the output projection's output and the q/k/v projection
    outputs: 2 (h + h + a d + 2 kv d) bytes (AI-Hypercomputer/maxtext MaxText/layers/models.py
    save_only_these_names; NVIDIA dgxc-benchmarking v25.01 maxtext/configure.sh)."""
    w = Workload.from_model(
        CAT.model("llama3-70b").model_copy(update={"vocab": 32000, "seq_len": 4096})
    )
    hw = _hw("jax-xla-fsdp", "dgx-h100")
    p = resolve_plan(
        {"dp": 64, "mb": 2, "gbs": 128, "recompute_modules": "save_dot_except_mlp"},
        w,
        64,
        framework="jax-xla-fsdp",
    )
    h, a, kv, d = 8192, 64, 8, 128
    got = layer_activation_bytes_per_token(w, hw, p, moe=False)[0]
    assert got == pytest.approx(ACTIVATION_BYTES * (2 * h + a * d + 2 * kv * d), rel=1e-12)
    assert module_names("save_dot_except_mlpwi") == ("layernorm", "context", "mlpwi")


def test_replayed_forward_time_follows_the_replayed_flops():
    """Llama 3 70B at tp 1 (no TP collectives): recomputing the MLP replays its three GEMMs,
    mlpwi the gate and up projections (2 of the 3), full the whole forward. mlpwi's replay
    is 2/3 of mlp's (GEMM-bound at 8k tokens; the activation kernel is in both) within 2 %;
    the MLP's share of the full replay is at most its share of the replayed FLOPs (full also
    replays the attention at the lower flash rate and the norms) and within 10 % of it."""
    times = {}
    for name, knobs in (
        ("mlp", {"recompute_modules": "mlp"}),
        ("mlpwi", {"recompute_modules": "mlpwi"}),
        ("full", {"recompute": "full"}),
    ):
        r = estimate("llama3-70b", "dgx-h100", 64, {"dp": 64, "zero": 1, "mb": 1, **knobs})
        times[name] = r.breakdown_s["recompute"]
    flops = {
        "mlp": LLAMA.module_flops_per_token("mlp", True),
        "mlpwi": LLAMA.module_flops_per_token("mlpwi", True),
        "full": LLAMA.recompute_flops_per_token("full", True),
    }
    assert flops["mlpwi"] == pytest.approx(2 / 3 * flops["mlp"], rel=1e-12)
    assert times["mlpwi"] / times["mlp"] == pytest.approx(2 / 3, rel=0.02)
    share = flops["mlp"] / flops["full"]
    assert 0.9 * share <= times["mlp"] / times["full"] <= share


def test_replayed_mlp_repeats_its_tp_collectives():
    """With tp 8 and sequence parallelism (no TP overlap) the replayed MLP gathers its input
    and reduce-scatters its output again: two more TP units per layer and micro-batch."""
    base = {"tp": 8, "pp": 4, "sp": True, "tp_overlap": False, "mb": 1}
    one = estimate("llama3-70b", "dgx-h100", 64, {**base, "recompute_modules": "core_attn"})
    two = estimate("llama3-70b", "dgx-h100", 64, {**base, "recompute_modules": "core_attn,mlp"})
    hw = _hw("nemo-2025", "dgx-h100")
    unit = comm.all_gather_s(
        hw.network, np.array([LLAMA.seq_len * LLAMA.hidden * ACTIVATION_BYTES]), np.array([8]), 1
    )[0]
    m = one.plan["gbs"] // (one.plan["dp"] * one.plan["mb"])
    layers = LLAMA.layers / 4  # per stage
    extra = two.breakdown_s["tp_comm"] - one.breakdown_s["tp_comm"]
    assert extra == pytest.approx(m * layers * 2 * unit, rel=1e-9)


def test_vectorised_module_sets_match_scalar_estimates():
    """Plans differing only in their module sets, evaluated together, equal each scalar
    estimate exactly (one evaluator)."""
    sets = ["core_attn", "layernorm,mlp", "save_dot_except_mlp", "minimal", "qkv_proj,out_proj"]
    w, sw_hw = LLAMA, hardware_for(load_system("dgx-h100", CAT), "bf16", CAT)
    hw = sw_hw[0]
    plans = [
        resolve_plan({"tp": 4, "pp": 4, "sp": True, "recompute_modules": s}, w, 64) for s in sets
    ]
    plans.append(resolve_plan({"tp": 4, "pp": 4, "sp": True, "recompute": "full"}, w, 64))
    both = PlanArrays.concat(plans)
    ev = evaluate(w, hw, both)
    for i, p in enumerate(plans):
        alone = result_row(w, hw, p, evaluate(w, hw, p), 0, 64).to_json()
        assert result_row(w, hw, both, ev, i, 64).to_json() == alone


def test_errors_name_the_field_value_and_allowed():
    with pytest.raises(InputError) as e:
        make_plan({"recompute_modules": "core_attn,attention"})
    assert "plan.recompute_modules" in str(e.value)
    assert "attention" in str(e.value) and "allowed: core_attn, layernorm" in str(e.value)
    with pytest.raises(InputError, match="needs recompute=selective, got recompute=full"):
        make_plan({"recompute": "full", "recompute_modules": ["mlp"]})
    with pytest.raises(InputError, match="mla_up_proj needs multi-latent attention"):
        estimate("llama3-70b", "dgx-h100", 64, {"recompute_modules": "mla_up_proj"})
    # a JSON plan's empty list with no recomputation is accepted
    assert make_plan({"recompute": "none", "recompute_modules": []}).recompute_modules is None


def test_plan_string_lists_modules_until_the_next_key():
    assert parse_plan("tp=2,recompute_modules=core_attn,mlp,pp=4") == {
        "tp": "2",
        "recompute_modules": "core_attn,mlp",
        "pp": "4",
    }
    assert make_plan({"recompute_modules": "mlp+core_attn"}).recompute_modules == (
        "core_attn",
        "mlp",
    )


def test_search_holds_pinned_modules():
    result = search(
        "llama3-70b", "dgx-h100", 64, fixed={"recompute_modules": "core_attn,mlp"}, catalog=CAT
    )
    assert all(
        t["recompute"] == "selective" and tuple(t["recompute_modules"]) == ("core_attn", "mlp")
        for t in result.top
    )
