"""Plans: parsing, defaults and the validity rules (InputError naming the rule)."""

from __future__ import annotations

import dataclasses

import pytest

from gigawatt.errors import InputError
from gigawatt.perf.plan import make_plan, parse_plan, resolve, stage_layers, with_precision
from gigawatt.perf.workload import Workload


@pytest.fixture(scope="module")
def gpt3(catalog):
    return Workload.from_model(catalog.model("gpt3-175b"))


@pytest.fixture(scope="module")
def dsv3(catalog):
    return Workload.from_model(catalog.model("deepseek-v3"))


def test_parse_and_defaults(gpt3):
    plan = make_plan(parse_plan("tp=8, pp=8,recompute=full,sp=false"))
    assert (plan.tp, plan.pp, plan.recompute, plan.sp) == (8, 8, "full", False)
    assert (plan.vp, plan.cp, plan.ep, plan.mb, plan.zero) == (1, 1, 1, 1, 1)
    assert plan.precision == "bf16" and plan.flash_attention
    arrays = resolve(plan, gpt3, 1024)
    assert int(arrays.dp[0]) == 16  # dp omitted: N / (tp pp cp)
    assert int(arrays.gbs[0]) == gpt3.global_batch_seqs


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
        resolve(make_plan(knobs), gpt3, gpus)
    assert "plan" in str(exc.value)


def test_expert_parallel_rules(dsv3):
    ok = resolve(make_plan({"pp": 16, "ep": 64}), dsv3, 2048)
    assert int(ok.dp[0]) == 128
    with pytest.raises(InputError, match="ep must divide dp x cp"):
        resolve(make_plan({"pp": 16, "ep": 256}), dsv3, 2048)
    with pytest.raises(InputError, match="ep must divide the expert count"):
        resolve(make_plan({"pp": 16, "ep": 3}), dsv3, 96 * 16)


def test_kv_heads_rule(catalog):
    llama = Workload.from_model(catalog.model("llama3-70b"))  # 64 heads, 8 KV heads
    assert (llama.q_heads, llama.kv_heads) == (64, 8)
    # tp a multiple of the KV heads (each replicated) or a divisor (each split evenly): valid
    assert int(resolve(make_plan({"tp": 16}), llama, 64).dp[0]) == 4
    assert int(resolve(make_plan({"tp": 4}), llama, 64).dp[0]) == 16
    # 48 query heads over 8 KV heads: tp = 12 divides the query heads, splits the KV heads
    gqa48 = dataclasses.replace(llama, q_heads=48)
    with pytest.raises(InputError, match="tp must divide the key/value heads") as err:
        resolve(make_plan({"tp": 12}), gqa48, 96)
    assert "tp must divide the attention heads" not in str(err.value)
    mqa = Workload.from_model(catalog.model("palm-540b"))  # multi-query: one KV head
    assert mqa.kv_heads == 1
    assert int(resolve(make_plan({"tp": 12}), mqa, 6144).dp[0]) == 512


def test_uneven_layers_allowed(catalog):
    dsv3 = Workload.from_model(catalog.model("deepseek-v3"))  # 61 layers, the first 3 dense
    plan = resolve(make_plan({"pp": 16, "ep": 8}), dsv3, 2048)
    assert int(plan.dp[0]) == 128
    # 61 = 16 x 3 + 13: 13 stages hold 4 layers, 3 hold 3; the dense layers lead
    layers = stage_layers(dsv3, plan)
    assert (layers.first_dense[0], layers.first_moe[0]) == (3, 1)
    assert (layers.last_dense[0], layers.last_moe[0]) == (0, 3)


def test_precision_flag_and_plan_must_agree():
    assert with_precision({"tp": "8"}, "fp8")["precision"] == "fp8"
    assert with_precision({"precision": "fp8"}, None)["precision"] == "fp8"
    with pytest.raises(InputError, match="contradicts"):
        with_precision({"precision": "fp8"}, "bf16")
