"""A published fine-grained MoE training trace beside the model's layer (issue 9; by hand).

    .venv/bin/python tools/moe_trace_compare.py [path/to/train.json]

DeepSeek's profile-data repository (github.com/deepseek-ai/profile-data, train.json, commit
4496024) publishes a PyTorch-profiler trace of DeepSeek-V3 training on H800: one forward and
one backward DualPipe chunk of 4 MoE layers each, EP 64, TP 1, one 4,096-token sequence per
micro-batch (the flash-attention grid: 32 query blocks of 128 x 128 heads), routing forced
balanced, pipeline communication left out (its README). Given the trace (not part of this
project: fetch it from that repository), the tool sums its kernels per class on the compute
stream and per layer (forward + backward), and prints the model's figures for the same layer:
DeepSeek-V3 on the `hgx-h800` system at FP8 (per-tensor current scaling, the model's nearest
recipe to DeepSeek's 1 x 128 / 128 x 128 block scales), one 4,096-token micro-batch, EP 64, the
flex dispatcher (no chunk sort, as DeepEP). Without a path it prints the model's side only. A
second table puts the model beside published Megatron-Core runs of the same models outside
NVIDIA's tables (`INDEPENDENT`), a third published kernel and collective timings beside the
model's figure for the same work (`kernel_table`), and last the validation summary with the
head-dim-64 attention slowed to FlashAttention-3's published ratio (`head_dim_sensitivity`, a
sensitivity, not the model). The comparisons they support are in
docs/models/perf-evidence.md ("Published breakdowns", "More published figures").
"""

from __future__ import annotations

import importlib
import json
import sys
from collections import defaultdict
from pathlib import Path

#: Layers in the trace: one forward and one backward chunk of 4 MoE layers (profile-data README).
TRACE_LAYERS = 4


def trace_classes(path: Path) -> dict[str, float]:
    """Milliseconds per layer (forward + backward) by kernel class on the compute stream."""
    events = json.loads(path.read_text())["traceEvents"]
    kernels = [e for e in events if e.get("cat") == "kernel"]
    streams: dict[int, float] = defaultdict(float)
    for e in kernels:
        streams[e["tid"]] += e["dur"]
    compute = max(streams, key=lambda t: sum(1 for e in kernels if e["tid"] == t))

    def kind(name: str) -> str:
        if "dpsk::ep" in name:
            return "expert-parallel dispatch/combine (own SMs)"
        if "gemm" in name.lower():
            return "GEMMs"
        if "flash" in name.lower():
            return "attention core"
        return "element-wise (casts, norms, activation, routing, permutation)"

    out: dict[str, float] = defaultdict(float)
    for e in kernels:
        if e["tid"] == compute:
            out[kind(e["name"])] += e["dur"] / 1e3 / TRACE_LAYERS
        elif "gemm" in e["name"].lower():
            out["GEMMs on a second stream (beside the compute stream)"] += (
                e["dur"] / 1e3 / TRACE_LAYERS
            )
        else:
            out["dispatch/combine stream (beside the compute stream)"] += (
                e["dur"] / 1e3 / TRACE_LAYERS
            )
    start = min(e["ts"] for e in kernels)
    end = max(e["ts"] + e["dur"] for e in kernels)
    out["span of the trace"] = (end - start) / 1e3 / TRACE_LAYERS
    out["compute stream busy"] = streams[compute] / 1e3 / TRACE_LAYERS
    return dict(out)


def model_classes() -> dict[str, float]:
    """The model's milliseconds per layer (forward + backward) for the trace's layer."""
    import numpy as np

    from gigawatt.catalog import Catalog
    from gigawatt.perf.estimate import hardware_for, load_model, load_system
    from gigawatt.perf.framework import resolve
    from gigawatt.perf.plan import RECIPES, make_plan
    from gigawatt.perf.workload import FLASH_BACKWARD_PASSES, Workload

    est = importlib.import_module("gigawatt.perf.estimate")  # the module's private helpers
    cat = Catalog.load()
    plan = make_plan(
        {
            "tp": 1,
            "pp": 16,
            "ep": 64,
            "mb": 1,
            "gbs": 4096,
            "precision": "fp8",
            "fp8_recipe": "current",
            "recompute": "none",
        }
    )
    w = Workload.from_model(load_model("deepseek-v3", cat))
    hw, sw = hardware_for(load_system("hgx-h800", cat), "fp8", cat, None, plan.optimizer_dtype)
    p = resolve(plan, w, 2048, sw)
    code = RECIPES.index("current")
    layer = est._layer_cost(w, hw, p, True, np.zeros(len(p)), (code,))
    g = est._Gemms(hw, (p.mb * w.seq_len / p.cp).astype(float), True)
    gemms = 3.0 * float(sum(est._gemm_times(w, g, p, True))[0])
    tokens = float(p.mb[0] * w.seq_len)
    attn = (
        (1.0 + FLASH_BACKWARD_PASSES)
        * tokens
        * w.attention_flops_per_token_layer
        * w.flash_fraction()
        / hw.flash_flops_per_s
    )
    cast_f, cast_b = layer.cast[code]
    total = float((layer.fwd + layer.bwd + cast_f + cast_b)[0])
    return {
        "GEMMs": 1e3 * gemms,
        "attention core": 1e3 * attn,
        "element-wise (casts, norms, activation, routing, permutation)": 1e3
        * (total - gemms - attn),
        "compute stream busy": 1e3 * total,
        "all-to-all dispatcher's chunk sort (not run by DeepEP; not in the total)": 1e3
        * float((layer.sort[0] + layer.sort[1])[0]),
    }


#: Published Megatron-Core runs of the validation rows' models outside NVIDIA's tables (not rows:
#: precision and several knobs unstated): (label, model of row, system, GPUs, plan, seq,
#: published s, MoE layers on the slowest stage). BF16 unless the plan says otherwise.
#: Pai-Megatron-Patch issue 643 (github.com/alibaba/Pai-Megatron-Patch/issues/643, 2025-08-08):
#: Qwen3-30B-A3B on 16 H800, capacity factor 1.0, no CUDA graphs, no recompute. XTuner's
#: Megatron guide (github.com/InternLM/xtuner docs/en/benchmark/megatron_moe_benchmark.md,
#: commit 4b10fa3e): Qwen3-235B-A22B on 256 H800, forced balance, selective recompute of
#: moe_act and layernorm. Megatron-MoE-ModelZoo (github.com/yanring/Megatron-MoE-ModelZoo,
#: best_practice/qwen3/readme.md, "Performance Results, H100", commit e865051, file of
#: 2026-05-13; Megatron-Core main 1e057005 or moe_dev f3e6c5): Qwen3-235B-A22B on 256 H100
#: (InfiniBand 8 x 50 GB/s), BF16, seq 4,096, ETP 1, recompute "norm, act" (layernorm and
#: moe_act), routing not stated (its H100 script, run_h100_235b.sh, forces balance).
#: Megatron-Bridge commit a6e92de5 (pull request 1760, 2026-01-09, "Improving Qwen3-235B-A22B
#: B200 performance", scripts/performance/configs/qwen/qwen3_workload_base_configs.py): the
#: maintainers' step times for the plan of the 25.11 row MB16 (64 B200, TP 1, PP 8, EP 8, GBS
#: 1,024, MBS 1, dropless with forced balance) after turning moe_a2a_overlap off "due to CPU
#: overhead" ("performance regression from 25.09"): MXFP8 without VP 20.1 -> 16.9 s, BF16 with
#: VP 4 17.2 -> 16.0 s.
_XTUNER = {"tp": 2, "etp": 1, "mb": 1, "gbs": 2048, "sp": True}
_ZOO = {**_XTUNER, "recompute_modules": "moe_act,layernorm"}
INDEPENDENT = (
    (
        "Qwen3-30B-A3B tp1 pp2 ep8 gbs128 (Pai 643)",
        "MB53",
        "hgx-h800",
        16,
        {"tp": 1, "pp": 2, "ep": 8, "mb": 1, "gbs": 128, "recompute": "none"},
        8192,
        10.361,
        24,
    ),
    (
        "Qwen3-30B-A3B tp1 pp4 ep4 gbs256 (Pai 643)",
        "MB53",
        "hgx-h800",
        16,
        {"tp": 1, "pp": 4, "ep": 4, "mb": 1, "gbs": 256, "recompute": "none"},
        8192,
        20.992,
        12,
    ),
    (
        "Qwen3-235B tp2 ep8 pp8 (XTuner)",
        "MB16",
        "hgx-h800",
        256,
        {**_ZOO, "ep": 8, "pp": 8},
        4096,
        27.555,
        12,
    ),
    (
        "Qwen3-235B tp2 ep32 pp8 vp4 all-to-all (XTuner)",
        "MB16",
        "hgx-h800",
        256,
        {**_ZOO, "ep": 32, "pp": 8, "vp": 4},
        4096,
        35.392,
        12,
    ),
    (
        "Qwen3-235B tp2 ep32 pp8 vp4 DeepEP (XTuner)",
        "MB16",
        "hgx-h800",
        256,
        {**_ZOO, "ep": 32, "pp": 8, "vp": 4, "moe_dispatcher": "deepep"},
        4096,
        25.73,
        12,
    ),
    (
        "Qwen3-235B tp2 ep8 pp32 vp3 all-to-all (ModelZoo H100; modelled at vp 1)",
        "MB16",
        "dgx-h100",
        256,
        {**_ZOO, "ep": 8, "pp": 32},
        4096,
        24.2,
        3,
    ),
    (
        "Qwen3-235B tp2 ep32 pp8 vp4 DeepEP (ModelZoo H100)",
        "MB16",
        "dgx-h100",
        256,
        {**_ZOO, "ep": 32, "pp": 8, "vp": 4, "moe_dispatcher": "deepep"},
        4096,
        19.7,
        12,
    ),
    (
        "Qwen3-235B tp4 ep8 pp8 vp4 DeepEP, no recompute (ModelZoo H100)",
        "MB16",
        "dgx-h100",
        256,
        {**_XTUNER, "tp": 4, "ep": 8, "pp": 8, "vp": 4, "moe_dispatcher": "deepep"},
        4096,
        29.0,
        12,
    ),
    (
        "Qwen3-235B MXFP8 pp8 ep8, MB16's plan without VP (Megatron-Bridge a6e92de5)",
        "MB16",
        "dgx-b200",
        64,
        {
            "tp": 1,
            "pp": 8,
            "ep": 8,
            "mb": 1,
            "gbs": 1024,
            "recompute": "none",
            "precision": "fp8",
            "fp8_recipe": "mxfp8",
        },
        4096,
        16.9,
        12,
    ),
    (
        "Qwen3-235B BF16 pp8 vp4 ep8 (Megatron-Bridge a6e92de5)",
        "MB16",
        "dgx-b200",
        64,
        {"tp": 1, "pp": 8, "vp": 4, "ep": 8, "mb": 1, "gbs": 1024, "recompute": "none"},
        4096,
        16.0,
        12,
    ),
)


def independent_table() -> str:
    """The model (`megatron-bridge-2025`) on the INDEPENDENT runs."""
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "tests" / "validation"))
    from perf_rows import load_rows

    from gigawatt.catalog import Catalog
    from gigawatt.perf.estimate import estimate

    cat = Catalog.load()
    models = {r.id: r.model for r in load_rows(cat)}
    lines = [
        "| run | published s | model s | error | missing ms per MoE layer pass |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, row, system, gpus, plan, seq, published, layers in INDEPENDENT:
        full = {"precision": "bf16", "dp_overlap": True, **plan}
        res = estimate(
            models[row],
            system,
            gpus,
            full,
            seq_len=seq,
            framework="megatron-bridge-2025",
            catalog=cat,
        )
        dp = gpus // (plan["tp"] * plan["pp"])
        passes = layers * plan["gbs"] / (plan["mb"] * dp)
        lines.append(
            f"| {label} | {published:.3f} | {res.step_time_s:.2f} "
            f"| {100 * (res.step_time_s / published - 1):+.1f} % "
            f"| {1e3 * (published - res.step_time_s) / passes:.1f} |"
        )
    return "\n".join(lines)


#: torchao's published MXFP8 grouped-GEMM kernel breakdown on one B200 at DeepSeek-V3 shapes
#: (github.com/pytorch/ao torchao/prototype/moe_training/README.md, commit 0b1bb117, "MXFP8
#: Kernel Breakdown by Pass": torchao 0.15.0+gitd1305bc78, 131,072 tokens, K 7,168, N 2,048,
#: 8 groups): microseconds per kernel class.
TORCHAO_MXFP8_US = {
    "forward GEMM (2D-3D)": 1838.1,
    "dgrad GEMM (2D-3D)": 1838.1,
    "wgrad GEMM (2D-2D)": 2412.4,
    # forward: A dim0 580.6, B 76.8, scale swizzles 198.7 + 11.4; dgrad: grad_out dim0 166.0,
    # B 76.8, swizzles 192.5 + 11.0; wgrad: grad_out dim1 191.7, A dim1 670.7, swizzles 17.4 + 31.6
    "quantisation and scale layout kernels": 580.6
    + 76.8
    + 198.7
    + 11.4
    + 166.0
    + 76.8
    + 192.5
    + 11.0
    + 191.7
    + 670.7
    + 17.4
    + 31.6,
}
#: NCCL all-to-all on 4 H100 of one node, 524,288,000 bytes per rank, out-of-place: 1,174.14 us
#: (nccl-tests 2.17.8, NCCL 2.30.4; github.com/NVIDIA/nccl issue 2169, turn 2).
NCCL_A2A_H100 = (4, 524_288_000, 1174.14e-6)
#: Causal forward attention on H100 at 4k tokens, cuDNN and FlashAttention-3, head dim 64 and
#: 128 [TFLOP/s] (Shah et al. 2024, "FlashAttention-3", arXiv 2407.08608, Figure 5, values
#: printed on the bars).
FA3_CAUSAL_4K = {"cuDNN": (363.0, 518.0), "FlashAttention-3": (420.0, 579.0)}


def kernel_table() -> str:
    """Published kernel and collective timings beside the model's figure for the same work."""
    import numpy as np

    from gigawatt.catalog import Catalog
    from gigawatt.perf import comm
    from gigawatt.perf.estimate import hardware_for, load_system

    est = importlib.import_module("gigawatt.perf.estimate")  # the module's private helpers
    cat = Catalog.load()
    lines = ["| work | published | model | model / published |", "|---|---:|---:|---:|"]
    hw, _ = hardware_for(load_system("dgx-b200", cat), "fp8", cat, None, "fp32")
    tokens, k, n, groups = 131_072, 7168, 2048, 8
    g = est._Gemms(hw, np.array([tokens / groups]), True, hw.mxfp8_gemm_factor)
    gemm = groups * float(g.time(k, n, factor=hw.expert_low_precision_factor)[0])
    bw = hw.memory_bytes_per_s
    # the model's MXFP8 casts: 4 bytes per GEMM input element forward (row- and column-wise
    # copies), 4 per output-gradient element backward (estimate._CAST_FWD / _CAST_BWD)
    cast = (est._CAST_FWD["mxfp8"] * tokens * k + est._CAST_BWD["mxfp8"] * tokens * n) / bw
    model = {
        "forward GEMM (2D-3D)": gemm,
        "dgrad GEMM (2D-3D)": gemm,
        "wgrad GEMM (2D-2D)": gemm,
        "quantisation and scale layout kernels": cast,
    }
    for key, us in TORCHAO_MXFP8_US.items():
        m = 1e6 * model[key]
        lines.append(
            f"| B200 MXFP8 grouped GEMM, DSV3 shapes: {key} | {us:.0f} us | {m:.0f} us "
            f"| {m / us:.2f} |"
        )
    pub, mod = sum(TORCHAO_MXFP8_US.values()), 1e6 * sum(model.values())
    lines.append(f"| the same, all kernels | {pub:.0f} us | {mod:.0f} us | {mod / pub:.2f} |")
    hw_h, _ = hardware_for(load_system("dgx-h100", cat), "bf16", cat, None, "fp32")
    ranks, size, published = NCCL_A2A_H100
    a2a = float(comm.all_to_all_s(hw_h.network, np.array([size]), np.array([ranks]), 1)[0])
    lines.append(
        f"| NCCL all-to-all, {ranks} H100, {size / 1e6:.0f} MB per rank "
        f"| {published * 1e6:.0f} us | {a2a * 1e6:.0f} us | {a2a / published:.2f} |"
    )
    for name, (d64, d128) in FA3_CAUSAL_4K.items():
        lines.append(
            f"| {name} causal attention, 4k, H100: head dim 64 rate / head dim 128 "
            f"| {d64 / d128:.2f} | 1.00 | {d128 / d64:.2f} |"
        )
    return "\n".join(lines)


def head_dim_sensitivity(
    rate: float = FA3_CAUSAL_4K["cuDNN"][0] / FA3_CAUSAL_4K["cuDNN"][1],
) -> str:
    """The validation summary and the head-dim-64 rows with their flash rate times `rate`
    (a sensitivity, not the model: docs/models/perf-evidence.md, "More published figures")."""
    import dataclasses

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "tools"))
    sys.path.insert(0, str(root / "tests" / "validation"))
    import perf_validation_table as pvt

    from gigawatt.catalog import Catalog

    est = importlib.import_module("gigawatt.perf.estimate")
    original = est._layer_cost

    def slower(w, hw, p, *args, **kwargs):  # type: ignore[no-untyped-def]
        if w.head_dim_qk <= 64:
            hw = dataclasses.replace(hw, flash_flops_per_s=hw.flash_flops_per_s * rate)
        return original(w, hw, p, *args, **kwargs)

    cat = Catalog.load()
    est._layer_cost = slower
    try:
        summary = pvt.summary(cat)
        rows = [r for r in pvt.results(cat) if r.row.model.head_dim == 64]
    finally:
        est._layer_cost = original
    lines = [summary, "", f"head dim 64 at {rate:.2f} of the flash rate:"]
    lines += [f"- {r.row.id}: {100 * r.error:+.1f} %" for r in rows]
    return "\n".join(lines)


def table(path: Path | None) -> str:
    model = model_classes()
    trace = trace_classes(path) if path else {}
    lines = ["| per MoE layer, forward + backward | trace ms | model ms |", "|---|---:|---:|"]
    for key in dict.fromkeys([*trace, *model]):
        t = f"{trace[key]:.2f}" if key in trace else ""
        m = f"{model[key]:.2f}" if key in model else ""
        lines.append(f"| {key} | {t} | {m} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
    print()
    print(independent_table())
    print()
    print(kernel_table())
    print()
    print(head_dim_sensitivity())
