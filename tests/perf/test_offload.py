"""CPU offload: which plans the framework can offload, and what activation offload costs.

Every profile that offers offload runs Megatron-Core, whose layer-level CPU activation
offloading (cpu_offloading, cpu_offloading_num_layers) refuses pipeline parallelism and
activation recomputation, and whose optimizer offload (optimizer_cpu_offload) needs the
distributed optimizer (NVIDIA Megatron-LM, megatron/core/transformer/transformer_config.py
__post_init__ and megatron/core/optimizer/__init__.py, commit d98e8a64; NVIDIA
Megatron-Bridge docs/training/cpu-offloading.md, commit 067f987d, "Feature Interactions").
The exposed time follows Transformer Engine's default offload schedule
(transformer_engine/pytorch/cpu_offload.py DefaultOffloadSynchronizer, commit d0067d0d;
docs/features/other_optimizations/cpu_offloading: with few enough layers offloaded the copies
overlap the forward and backward completely).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from perf_helpers import CAT, resolve_plan

from gigawatt.errors import InputError
from gigawatt.perf import estimate, search
from gigawatt.perf.estimate import hardware_for, load_system, time_parts
from gigawatt.perf.memory import layer_activation_bytes_per_token, memory_per_gpu
from gigawatt.perf.plan import stage_layers
from gigawatt.perf.workload import Workload

#: A Llama 3 70B plan of the kind Megatron-Bridge's GB200 FSDP recipes offload (pp = 1,
#: Megatron-FSDP, no recompute: perf_recipes/llama/gb200/llama3.py, 20-40 of 80 layers).
FSDP_70B = {"tp": 1, "pp": 1, "mb": 1, "gbs": 256, "zero": 3, "recompute": "none"}


@pytest.mark.parametrize(
    "knobs",
    [
        {"tp": 8, "pp": 8, "recompute": "none"},  # pipeline parallelism
        {"tp": 8, "pp": 1, "recompute": "selective"},  # recomputation
        {"tp": 8, "pp": 1, "recompute": "full"},
    ],
)
def test_activation_offload_needs_pp_1_and_no_recompute(knobs):
    with pytest.raises(InputError, match="offload=activations needs pp = 1 and recompute=none"):
        estimate("llama3-70b", "dgx-h100", 64, {**knobs, "offload": "activations"})


def test_optimizer_offload_needs_the_distributed_optimizer():
    with pytest.raises(InputError, match="offload=optimizer needs zero >= 1"):
        estimate("llama3-70b", "dgx-h100", 64, {"tp": 8, "zero": 0, "offload": "optimizer"})
    ok = estimate("llama3-70b", "dgx-h100", 64, {"tp": 8, "zero": 1, "offload": "optimizer"})
    assert ok.plan["offload"] == "optimizer"


def test_search_offloads_only_what_the_framework_runs():
    """The audit case: 405B on 16,384 H100 searched to MFU 0.52 with activations offloaded at
    pp = 8, vp = 15 and selective recompute, a plan Megatron-Core refuses to build."""
    result = search("llama3-405b", "h100-sxm", 16384, precision="bf16")
    for plan in result.top:
        if plan["offload"] == "activations":
            assert plan["pp"] == 1 and plan["recompute"] == "none", plan
        if plan["offload"] == "optimizer":
            assert plan["zero"] >= 1, plan
    assert result.best.plan["offload"] == "none"
    # The best plan builds in Megatron-Core: tp 4, pp 16, vp 8 with the embedding and the loss
    # counted, 128 slots, one per model chunk (MFU 0.5155 at commit of the vp fix; before it the
    # search chose vp 7, 128 slots over 112 chunks, which Megatron-Core rejects).
    plan = result.best.plan
    slots = 126 + 2 * plan["pp_balance"]
    assert slots % (plan["pp"] * plan["vp"]) == 0
    assert result.best.mfu < 0.517


def test_activation_offload_over_nvlink_c2c_is_hidden():
    """Over GB200's NVLink-C2C (225e9 B/s each way) the copies of the layers offloaded hide
    behind the other layers' compute: only their HBM traffic is charged (< 0.5 % of step)."""
    r = estimate(
        "llama3-70b",
        "gb200-nvl72",
        64,
        {**FSDP_70B, "offload": "activations"},
        framework="megatron-bridge-2025",
    )
    assert r.fits and r.memory_bytes["host"] > 10e9
    assert 0 < r.breakdown_s["offload"] < 0.005 * r.step_time_s


def test_activation_offload_over_pcie_is_exposed_beyond_the_window():
    """Over DGX H100's PCIe Gen5 x16 (64e9 B/s) the same 70B plan offloads more layers (80 GB
    HBM) than the stream can move within the other layers' compute: the excess is exposed,
    more than over C2C, and never more than copying each layer behind its own compute."""
    knobs = {**FSDP_70B, "offload": "activations"}
    h100 = estimate("llama3-70b", "dgx-h100", 64, knobs, framework="megatron-bridge-2025")
    gb200 = estimate("llama3-70b", "gb200-nvl72", 64, knobs, framework="megatron-bridge-2025")
    assert h100.fits
    assert h100.breakdown_s["offload"] > 10 * gb200.breakdown_s["offload"]
    # an upper bound: 2 copies of every offloaded layer's bytes over the link, per micro-batch
    micro_batches = knobs["gbs"] / 64
    host_link = 64e9
    assert h100.breakdown_s["offload"] < micro_batches * 2 * h100.memory_bytes["host"] / host_link


def _simulate_te_schedule(n: int, k: int, c: float, f: float, b: float) -> tuple[float, float]:
    """Forward and backward time lost to the copies under Transformer Engine's default offload
    schedule (cpu_offload.py DefaultOffloadSynchronizer, commit d0067d0d), event by event: the
    first k of n layers offloaded on one copy stream; layer i's copy out is queued when layer
    i + 1 starts and must end before layer n - k + i starts; its copy back is queued at the
    backward of layer n - 1 - k + i and must end before layer i's backward."""
    t = stream = 0.0
    fwd_end: dict[int, float] = {}
    out_end: dict[int, float] = {}
    for j in range(n):
        if 0 <= j - 1 < k:
            stream = max(stream, fwd_end[j - 1]) + c
            out_end[j - 1] = stream
        if j - (n - k) in out_end:
            t = max(t, out_end[j - (n - k)])
        t += f
        fwd_end[j] = t
    forward = t
    t = stream = 0.0
    back_end: dict[int, float] = {}
    for layer in range(n - 1, -1, -1):
        i = layer - (n - 1 - k)
        if 0 <= i < k:
            stream = max(stream, t) + c
            back_end[i] = stream
        if layer < k:
            t = max(t, back_end[layer])
        t += b
    return forward - n * f, t - n * b


@pytest.mark.parametrize("host_link", [64e9, 16e9])
def test_exposed_offload_matches_the_schedule_event_by_event(host_link):
    """The evaluator's offload time against an event-by-event run of Transformer Engine's
    schedule with the evaluator's own layer times, copy time and offloaded layers (DGX H100's
    PCIe Gen5 link: the forward stalls; a 16e9 B/s link: both passes stall)."""
    w = Workload.from_model(CAT.model("llama3-70b"))
    hw, _ = hardware_for(load_system("dgx-h100", CAT), "bf16", CAT, "megatron-bridge-2025")
    hw = replace(hw, host_link_bytes_per_s=host_link)
    p = resolve_plan({**FSDP_70B, "offload": "activations"}, w, 64, "megatron-bridge-2025")
    layers = stage_layers(w, p)
    k = float(memory_per_gpu(w, hw, p, layers).offloaded_layers["first"][0])
    parts = time_parts(w, hw, p, layers)
    stored = float(layer_activation_bytes_per_token(w, hw, p, False)[0]) * w.seq_len
    n = int(layers.dense["first"][0] + layers.moe["first"][0])
    f, b = float(parts.dense.fwd[0]), float(parts.dense.bwd[0])
    fwd_lost, bwd_lost = _simulate_te_schedule(n, int(k), stored / host_link, f, b)
    assert k >= 20 and fwd_lost > 0
    if host_link < 64e9:
        assert bwd_lost > 0
    hbm = k * 2 * stored / hw.memory_bytes_per_s
    assert float(parts.offload["first"][0]) == pytest.approx(fwd_lost + bwd_lost + hbm, rel=1e-9)
