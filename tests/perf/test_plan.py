"""Plans: parsing, defaults and the validity rules (InputError naming the rule)."""

from __future__ import annotations

import dataclasses

import pytest
from perf_helpers import resolve_plan

from gigawatt.errors import InputError
from gigawatt.perf.plan import make_plan, parse_plan, stage_layers, with_precision
from gigawatt.perf.workload import Workload


@pytest.fixture(scope="module")
def gpt3(catalog):
    return Workload.from_model(catalog.model("gpt3-175b"))


@pytest.fixture(scope="module")
def dsv3(catalog):
    return Workload.from_model(catalog.model("deepseek-v3"))


def test_parse_and_defaults(gpt3):
    knobs = parse_plan("tp=8, pp=8,recompute=full,sp=false")
    plan = make_plan(knobs)
    assert (plan.tp, plan.pp, plan.recompute, plan.sp) == (8, 8, "full", False)
    assert (plan.vp, plan.cp, plan.ep, plan.mb) == (1, 1, 1, 1)
    assert plan.zero is None and plan.flash_attention is None  # the framework's defaults
    arrays = resolve_plan(knobs, gpt3, 1024)
    assert int(arrays.dp[0]) == 16  # dp omitted: N / (tp pp cp)
    assert int(arrays.gbs[0]) == gpt3.global_batch_seqs
    row = arrays.row(0, "bf16")
    assert row["zero"] == 1 and row["flash_attention"] and not row["tp_overlap"]  # sp off


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("tp", "is not KEY=VALUE"),
        ("tq=2", "unknown key 'tq'"),
        ("tp=2,tp=4", "given twice"),
    ],
)
def test_parse_errors(text, needle):
    with pytest.raises(InputError, match=needle):
        parse_plan(text)


def test_bad_values_name_the_field():
    with pytest.raises(InputError, match=r"plan\.recompute"):
        make_plan({"recompute": "partial"})
    with pytest.raises(InputError, match=r"plan\.tp"):
        make_plan({"tp": 0})
    with pytest.raises(InputError, match=r"plan\.zero"):
        make_plan({"zero": 4})


@pytest.mark.parametrize(
    ("knobs", "gpus", "rule"),
    [
        ({"tp": 8, "pp": 8, "dp": 8}, 1024, "must equal the accelerator count"),
        ({"tp": 3}, 1024, "tp x pp x cp = 3 must divide"),
        ({"tp": 5}, 1000, "tp must divide the attention heads"),
        ({"pp": 128}, 1024, "pp x vp must not exceed the layers"),
        ({"tp": 8, "pp": 1, "mb": 5}, 1024, "dp x mb must divide the global batch"),
        ({"tp": 8, "vp": 2}, 1024, "vp > 1 needs pp > 1"),
        ({"tp": 8, "pp": 8, "vp": 2, "mb": 16}, 1024, "a multiple of pp"),
        ({"cp": 2, "flash_attention": False}, 1024, "cp > 1 needs flash_attention"),
        ({"ep": 2}, 1024, "ep must divide the expert count"),
    ],
)
def test_invalid_plans_name_the_rule(gpt3, knobs, gpus, rule):
    with pytest.raises(InputError, match=rule) as exc:
        resolve_plan(knobs, gpt3, gpus)
    assert "plan" in str(exc.value)


def test_expert_parallel_rules(dsv3):
    ok = resolve_plan({"pp": 16, "ep": 64}, dsv3, 2048)
    assert int(ok.dp[0]) == 128
    with pytest.raises(InputError, match="etp x ep must divide tp x cp x dp"):
        resolve_plan({"pp": 16, "ep": 256}, dsv3, 2048)
    with pytest.raises(InputError, match="ep must divide the expert count"):
        resolve_plan({"pp": 16, "ep": 3}, dsv3, 96 * 16)


def test_kv_heads_rule(catalog):
    llama = Workload.from_model(catalog.model("llama3-70b"))  # 64 heads, 8 KV heads
    assert (llama.q_heads, llama.kv_heads) == (64, 8)
    # tp a multiple of the KV heads (each replicated) or a divisor (each split evenly): valid
    assert int(resolve_plan({"tp": 16}, llama, 64).dp[0]) == 4
    assert int(resolve_plan({"tp": 4}, llama, 64).dp[0]) == 16
    # 48 query heads over 8 KV heads: tp = 12 divides the query heads, splits the KV heads
    gqa48 = dataclasses.replace(llama, q_heads=48)
    with pytest.raises(InputError, match="tp must divide the key/value heads") as err:
        resolve_plan({"tp": 12}, gqa48, 96)
    assert "tp must divide the attention heads" not in str(err.value)
    mqa = Workload.from_model(catalog.model("palm-540b"))  # multi-query: one KV head
    assert mqa.kv_heads == 1
    assert int(resolve_plan({"tp": 12}, mqa, 6144).dp[0]) == 512


def test_uneven_layers_allowed(catalog):
    dsv3 = Workload.from_model(catalog.model("deepseek-v3"))  # 61 layers, the first 3 dense
    plan = resolve_plan({"pp": 16, "ep": 8}, dsv3, 2048)
    assert int(plan.dp[0]) == 128
    # 61 = 16 x 3 + 13: 13 stages hold 4 layers, 3 hold 3; the dense layers lead
    layers = stage_layers(dsv3, plan)
    assert not plan.pp_balance[0]
    assert (layers.dense["first"][0], layers.moe["first"][0]) == (3, 1)
    assert (layers.dense["last"][0], layers.moe["last"][0]) == (0, 3)


def test_precision_flag_and_plan_must_agree():
    assert with_precision({"tp": "8"}, "fp8")["precision"] == "fp8"
    assert with_precision({"precision": "fp8"}, None)["precision"] == "fp8"
    with pytest.raises(InputError, match="contradicts"):
        with_precision({"precision": "fp8"}, "bf16")


# --- framework profiles ---------------------------------------------------------------------


def test_knobs_default_to_the_framework_and_must_be_offered(gpt3):
    legacy = resolve_plan({"tp": 8, "pp": 8}, gpt3, 1024, framework="megatron-lm-2021").row(
        0, "bf16"
    )
    assert legacy["sp"] is False and legacy["flash_attention"] is False
    assert legacy["zero"] == 0 and legacy["recompute"] == "full"
    modern = resolve_plan({"tp": 8, "pp": 8}, gpt3, 1024, framework="nemo-2025").row(0, "bf16")
    assert modern["sp"] and modern["flash_attention"] and modern["tp_overlap"]
    assert modern["dp_overlap"] and modern["zero"] == 1
    with pytest.raises(InputError, match=r"plan\.flash_attention: true is not offered"):
        resolve_plan({"flash_attention": True}, gpt3, 1024, framework="megatron-lm-2022")
    with pytest.raises(InputError, match=r"plan\.vp"):
        resolve_plan({"pp": 8, "vp": 2}, gpt3, 1024, framework="deepspeed-2022")


def test_defaults_apply_only_where_they_can_matter(gpt3):
    row = resolve_plan({"tp": 1, "pp": 1}, gpt3, 512).row(0, "bf16")
    assert not row["tp_overlap"] and not row["pp_balance"]
    row = resolve_plan({"tp": 1, "pp": 1, "dp": 1, "gbs": 16}, gpt3, 1).row(0, "bf16")
    assert not row["dp_overlap"]


@pytest.mark.parametrize(
    ("knobs", "rule"),
    [
        ({"tp": 8, "sp": False, "tp_overlap": True}, "tp_overlap needs tp > 1 and sequence"),
        ({"tp": 1, "tp_overlap": True}, "tp_overlap needs"),
        ({"pp": 1, "pp_balance": True}, "pp_balance needs pp > 1"),
    ],
)
def test_knob_rules(gpt3, knobs, rule):
    with pytest.raises(InputError, match=rule):
        resolve_plan(knobs, gpt3, 1024)


def test_pipeline_balance_counts_embedding_and_loss_as_layers(catalog):
    """Megatron-Core account_for_embedding/loss_in_pipeline_split: Llama 3 405B (126 layers)
    at pp 16 has 128 slots, 8 per stage; the first and last stages hold 7 layers (Dubey et
    al. 2024 section 3.3.2: one layer fewer on the first and the last stage)."""
    from gigawatt.perf.plan import stage_layers

    w = Workload.from_model(catalog.model("llama3-405b"))
    p = resolve_plan({"tp": 8, "pp": 16, "pp_balance": True}, w, 16384)
    layers = stage_layers(w, p)
    assert (layers.total("first")[0], layers.total("middle")[0], layers.total("last")[0]) == (
        7,
        8,
        7,
    )
    plain = stage_layers(w, resolve_plan({"tp": 8, "pp": 16, "pp_balance": False}, w, 16384))
    assert plain.total("first")[0] == 8 and plain.total("last")[0] == 7


def test_fp8_recipes_follow_precision_and_hardware():
    from perf_helpers import software

    assert software("nemo-2025", "dgx-h100", "fp8").choices["fp8_recipe"] == ("delayed", "current")
    assert "mxfp8" in software("nemo-2025", "gb200-nvl72", "fp8").choices["fp8_recipe"]
    assert software("nemo-2025", "gb200-nvl72", "fp4").choices["fp8_recipe"] == ("nvfp4",)
    assert software("nemo-2025", "dgx-h100", "bf16").choices["fp8_recipe"] == ("none",)
    with pytest.raises(InputError, match="no fp4 recipe"):
        software("nemo-2025", "dgx-h100", "fp4")
    with pytest.raises(InputError, match="no fp8 recipe"):
        software("megatron-lm-2022", "dgx-h100", "fp8")


def _stage_layers_by_hand(layers: int, dense: int, pp: int, vp: int, balance: bool):
    """(dense, MoE) layers on stages 0, 1 and pp - 1, placing slot by slot: L (+ embedding
    and loss) slots over pp x vp chunks, the first L mod (pp vp) one larger, chunk c on
    stage c mod pp."""
    seq = ["emb"] * balance + list(range(layers)) + ["loss"] * balance
    q, r = divmod(len(seq), pp * vp)
    held = {s: [0, 0] for s in range(pp)}
    start = 0
    for c in range(pp * vp):
        n = q + (c < r)
        for item in seq[start : start + n]:
            if isinstance(item, int):
                held[c % pp][item >= dense] += 1
        start += n
    return [tuple(held[s]) for s in (0, 1 if pp >= 3 else 0, pp - 1)]


@pytest.mark.parametrize("balance", [False, True])
@pytest.mark.parametrize(("pp", "vp"), [(2, 1), (4, 1), (4, 3), (8, 2), (8, 3), (16, 1)])
def test_interleaving_spreads_the_leading_dense_layers(catalog, pp, vp, balance):
    """With interleaving the dense layers of an MoE model fill the first chunks, which sit on
    the first stages one chunk each (DeepSeek-V3: 3 dense layers; at pp 8, vp 3 each chunk
    holds 2-3 layers, so stage 1 holds a dense layer too)."""
    from gigawatt.perf.plan import stage_layers

    dsv3 = Workload.from_model(catalog.model("deepseek-v3"))
    plan = resolve_plan({"pp": pp, "vp": vp, "pp_balance": balance, "ep": 8}, dsv3, 64 * pp)
    layers = stage_layers(dsv3, plan)
    got = [(int(layers.dense[s][0]), int(layers.moe[s][0])) for s in ("first", "middle", "last")]
    assert got == _stage_layers_by_hand(61, 3, pp, vp, balance)


def test_pp_x_vp_may_reach_the_layers_plus_two_with_pp_balance(catalog):
    """With pp_balance the embedding and the loss each take a chunk's slot, so L + 2 chunks
    are valid (Megatron-Core's pipeline_model_parallel_layout); without it, L; one more: no."""
    w = Workload.from_model(catalog.model("llama3-8b"))
    assert w.layers == 32
    ok = resolve_plan({"pp": 2, "vp": 17, "pp_balance": True}, w, 64)  # 34 = 32 + 2 chunks
    layers = stage_layers(w, ok)
    # 34 slots over 34 chunks: 17 per stage, each end stage giving one to the embedding or loss
    assert (int(layers.total("first")[0]), int(layers.total("last")[0])) == (16, 16)
    with pytest.raises(InputError, match="pp x vp must not exceed the layers"):
        resolve_plan({"pp": 2, "vp": 17, "pp_balance": False}, w, 64)
    with pytest.raises(InputError, match="pp x vp must not exceed the layers"):
        resolve_plan({"pp": 2, "vp": 18, "pp_balance": True}, w, 64)
