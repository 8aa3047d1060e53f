"""Multi-token prediction and uneven first/last pipeline stages (DeepSeek-V3).

Hand counts from DeepSeek-V3's released config (arXiv 2412.19437 section 4.2): h 7,168,
128 heads of 128 (+64 RoPE) for queries/keys and 128 for values, q rank 1,536, kv rank 512,
256 routed experts + 1 shared of width 2,048, top 8, vocabulary 129,280; one MTP module
(section 2.2): a transformer block, a 2h x h projection, the shared embedding and head.
"""

from __future__ import annotations

import numpy as np
import pytest
from perf_helpers import CAT, resolve_plan

from gigawatt.errors import InputError
from gigawatt.perf.estimate import estimate, evaluate, hardware_for, load_system
from gigawatt.perf.memory import stage_params
from gigawatt.perf.plan import PlanArrays, stage_layers
from gigawatt.perf.workload import Workload

H, V = 7168, 129280
#: MLA: q down + q up, kv down (+ RoPE key), kv up (keys and values), output projection.
ATTN = H * 1536 + 1536 * 128 * 192 + H * (512 + 64) + 512 * 128 * (128 + 128) + 128 * 128 * H
EXPERT = 3 * H * 2048  # gate, up, down
ROUTER = H * 256
MOE_LAYER = ATTN + 257 * EXPERT + ROUTER
PROJ = 2 * H * H


@pytest.fixture(scope="module")
def model():
    return CAT.model("deepseek-v3")


@pytest.fixture(scope="module")
def w(model):
    return Workload.from_model(model)


def test_catalog_trains_one_mtp_module(model, w):
    assert model.mtp_layers == 1 and w.mtp_layers == 1
    assert ATTN == 187_105_280  # the hand count above, spelled out
    assert w.mtp_block_params == MOE_LAYER + PROJ == 11_610_030_080
    # The published 671B excludes MTP; the released checkpoint (685B) includes it with its
    # own copies of the embedding and output head: 14B, which the count meets to 4 %.
    assert (w.mtp_block_params + 2 * V * H) / 14e9 == pytest.approx(1.0, abs=0.04)
    # N of 6N (MFU) excludes MTP as the published 37B active does.
    assert (
        w.params_active
        == Workload.from_model(model.model_copy(update={"mtp_layers": 0})).params_active
    )


def test_mtp_work_per_token_by_hand(w):
    active = ATTN + 9 * EXPERT + ROUTER + PROJ + V * H  # top 8 + shared, projection, head
    causal = 0.5 + 128 / (2 * 4096)
    attention = 2 * 4096 * 128 * (192 + 128) * causal * 3.5  # flash: forward + 2.5 backward
    assert w.mtp_flops_per_token(True) == pytest.approx(6 * active + attention, rel=1e-12)
    no_mtp = Workload.from_model(CAT.model("deepseek-v3").model_copy(update={"mtp_layers": 0}))
    assert w.executed_flops_per_token(True) - no_mtp.executed_flops_per_token(
        True
    ) == pytest.approx(6 * active + attention, rel=1e-12)


def test_mtp_weights_sit_on_the_last_stage(w):
    """MB15's layout (Megatron-Bridge v0.2.1 recipe, (16, 1)): the last stage holds 1 layer,
    the MTP block and projection, its own input-embedding copy and 256 / ep experts."""
    no_mtp = Workload.from_model(CAT.model("deepseek-v3").model_copy(update={"mtp_layers": 0}))
    knobs = {"pp": 16, "ep": 8, "pp_first": 4, "pp_last": 1, "gbs": 2048}
    p = resolve_plan(knobs, w, 256)
    with_mtp = stage_params(w, p, stage_layers(w, p))
    without = stage_params(no_mtp, p, stage_layers(no_mtp, p))
    shared_part = ATTN + ROUTER + EXPERT  # tp-split part of an MoE layer (tp = 1)
    added = shared_part + PROJ + V * H + 256 // 8 * EXPERT
    last = with_mtp.dense["last"] + with_mtp.expert["last"]
    assert last - (without.dense["last"] + without.expert["last"]) == pytest.approx(added)
    for s in ("first", "middle"):
        assert with_mtp.dense[s] == without.dense[s] and with_mtp.expert[s] == without.expert[s]


def test_uneven_stages_hold_the_stated_layers(w):
    for pp, vp, first, last, middle in ((16, 1, 4, 1, 4), (8, 2, 8, 5, 8), (4, 4, 16, 13, 16)):
        p = resolve_plan({"pp": pp, "vp": vp, "ep": 8, "pp_first": first, "pp_last": last}, w, 256)
        layers = stage_layers(w, p)
        assert [float(layers.total(s)[0]) for s in ("first", "middle", "last")] == [
            first,
            middle,
            last,
        ]
        assert layers.dense["first"][0] == 3  # DeepSeek-V3's 3 dense layers lead the first stage
        assert layers.dense["middle"][0] == layers.dense["last"][0] == 0


@pytest.mark.parametrize(
    ("knobs", "needle"),
    [
        ({"pp": 16, "pp_first": 4}, "set together"),
        ({"pp": 1, "pp_first": 30, "pp_last": 31}, "set together"),
        ({"pp": 16, "pp_first": 4, "pp_last": 1, "pp_balance": True}, "without pp_balance"),
        ({"pp": 2, "pp_first": 30, "pp_last": 30}, "must equal the layers with pp = 2"),
        ({"pp": 16, "pp_first": 30, "pp_last": 20}, "one layer per middle model chunk"),
    ],
)
def test_uneven_stage_rules(w, knobs, needle):
    with pytest.raises(InputError, match=needle):
        resolve_plan({"ep": 8, **knobs}, w, 256)


def test_step_is_set_by_the_slowest_stage(model):
    """The step's compute and bubble are the slowest stage's. With 40 of 61 layers on the
    first stage and one on the last, the last stage's MTP block, projection and second head
    leave it lighter than the first, so MTP changes neither; on MB15's layout (one layer on
    the last of 16 stages, 4 on the others) the last stage holds 2 MoE blocks and 2 output
    heads (16-bit: 2 x 2 V h = 3.7 GFLOP per token each way) against 4 MoE layers
    (2 x 0.59 GFLOP of active weights each, fp8), so it becomes the slowest with MTP and the
    step grows by that stage's excess."""
    plain = model.model_copy(update={"mtp_layers": 0})
    base = {"pp": 4, "ep": 8, "gbs": 2048, "precision": "fp8", "fp8_recipe": "mxfp8"}
    heavy_first = {**base, "pp_first": 40, "pp_last": 1}
    a = estimate(model, "dgx-b200", 256, heavy_first, catalog=CAT)
    b = estimate(plain, "dgx-b200", 256, heavy_first, catalog=CAT)
    assert a.breakdown_s["compute"] == b.breakdown_s["compute"]
    assert a.breakdown_s["bubble"] == b.breakdown_s["bubble"]
    mb15 = {**base, "pp": 16, "pp_first": 4, "pp_last": 1}
    with_mtp = estimate(model, "dgx-b200", 256, mb15, catalog=CAT)
    without = estimate(plain, "dgx-b200", 256, mb15, catalog=CAT)
    assert with_mtp.breakdown_s["compute"] > without.breakdown_s["compute"] * 1.2
    # without MTP the middle stages (4 MoE layers) set it: one layer more on the last stage
    # changes nothing
    one_more = estimate(plain, "dgx-b200", 256, {**mb15, "pp_first": 3, "pp_last": 2}, catalog=CAT)
    assert one_more.breakdown_s["compute"] == without.breakdown_s["compute"]


def test_vectorised_matches_scalar_with_mtp_and_uneven_stages(model, w):
    hw, _ = hardware_for(load_system("dgx-b200", CAT), "bf16", CAT, "nemo-2025")
    rows = []
    for pp, vp, first, last in ((16, 1, 4, 1), (8, 2, 8, 5), (4, 4, 16, 13), (4, 1, 0, 0)):
        rows.append(
            resolve_plan(
                {"pp": pp, "vp": vp, "ep": 8, "gbs": 2048, "pp_first": first, "pp_last": last},
                w,
                256,
            )
        )

    plans = PlanArrays.concat(rows)
    batch = evaluate(w, hw, plans)
    for i in range(len(plans)):
        row = plans.row(i, "bf16")
        one = estimate(model, "dgx-b200", 256, row, framework="nemo-2025", catalog=CAT)
        assert one.step_time_s == batch.step_time_s[i]
        assert one.memory_gib_per_gpu * 2**30 == batch.memory.total[i]
    assert np.all(np.isfinite(batch.step_time_s))
