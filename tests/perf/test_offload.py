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

import pytest

from gigawatt.errors import InputError
from gigawatt.perf import estimate, search

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
    assert result.best.mfu < 0.515


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
