"""Where the modelled time of every published MoE row goes (run by hand; issue 9 analysis).

    .venv/bin/python tools/moe_breakdown.py

For each mixture-of-experts row of tests/validation/data/perf_runs*.csv (perf_rows.py, with
the not-representable AutoModel rows AM4/AM5 for comparison) it prints a Markdown table: the
row's features (tokens per local expert per micro-batch = the M of each expert GEMM, local
experts = experts / ep, the expert GEMM shapes K x N, mb, layers per virtual chunk, precision
and recipe), the model's step time against the published one, the modelled routed-expert GEMM
time per step (forward + backward, every MoE layer of the slowest stage's share), the
expert-parallel all-to-all share, the rate the model gives one expert GEMM (TFLOP/s and share of
the dense peak) and the published-minus-modelled time per MoE layer pass (one micro-batch
through one layer, forward and backward). The analysis it supports is in
docs/models/perf-evidence.md, "Fine-grained MoE rows". It reads the model's private GEMM
helper so the figures are those of `estimate`, not a re-derivation.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "validation"))

from perf_rows import NOT_REPRESENTABLE, Row, load_rows, predict  # noqa: E402

from gigawatt.catalog import Catalog  # noqa: E402

#: Not-representable rows shown beside the checks (their time is comparable: perf_rows.py).
SHOWN_ANYWAY = frozenset({"AM4", "AM5"})


def expert_gemms(row: Row, catalog: Catalog) -> dict[str, float]:
    """The model's routed-expert GEMM figures for a row (forward, one micro-batch, one layer)."""
    from gigawatt.perf.estimate import hardware_for, load_system
    from gigawatt.perf.framework import resolve
    from gigawatt.perf.plan import make_plan
    from gigawatt.perf.workload import Workload

    estimate = importlib.import_module("gigawatt.perf.estimate")  # the module, not the function
    plan = make_plan(row.plan)
    w = Workload.from_model(row.model)
    routed = dataclasses.replace(w, shared_experts=0)
    system = load_system(row.system, catalog)
    hw, sw = hardware_for(system, plan.precision, catalog, row.framework, plan.optimizer_dtype)
    p = resolve(plan, w, row.gpus, sw)
    tokens = (p.mb * w.seq_len / p.cp).astype(float)
    low = hw.precision in ("fp8", "fp4")
    g = estimate._Gemms(hw, tokens, low)
    _, _, fc1, fc2 = estimate._gemm_times(routed, g, p, True)
    tp, etp, ep = float(p.tp[0]), float(p.etp[0]), float(p.ep[0])
    local = w.experts / ep
    m = float(tokens[0]) * w.top_k / local * etp / tp
    gate = 2.0 if w.gated else 1.0
    width = w.moe_ffn_hidden / etp
    flops = 2.0 * m * local * (w.hidden * gate * width + width * w.hidden)
    seconds = float(fc1[0] + fc2[0])
    acc = catalog.accelerator(system.accelerator)
    peak = getattr(acc.peak_flops_per_s, hw.precision)
    return {
        "m": m,
        "local": local,
        "k1": w.hidden,
        "n1": gate * width,
        "k2": width,
        "n2": w.hidden,
        "fwd_s": seconds,
        "tflops": flops / seconds / 1e12,
        "peak_share": flops / seconds / peak,
        "tokens": float(tokens[0]) / tp,
        "mb": float(p.mb[0]),
        "pp": float(p.pp[0]),
        "vp": float(p.vp[0]),
        "dp": float(p.dp[0]),
        "moe_layers": float(w.moe_layers),
        "layers": float(w.layers),
    }


def table(catalog: Catalog | None = None) -> str:
    cat = catalog or Catalog.load()
    include = SHOWN_ANYWAY & frozenset(NOT_REPRESENTABLE)
    lines = [
        "| row | system | release | precision | E / top-k | mb | layers per chunk | ep | local "
        "| M per expert | fc1 K x N | fc2 K x N | expert GEMM TFLOP/s (% peak) | published s "
        "| model s | error | expert GEMMs s | all-to-all s | missing ms per layer pass |",
        "|" + "---|" * 19,
    ]
    for row in load_rows(cat, include=include):
        if row.model.experts <= 1:
            continue
        res = predict(row, cat)
        e = expert_gemms(row, cat)
        micro = row.plan["gbs"] / (e["mb"] * e["dp"])
        passes = e["moe_layers"] / e["pp"] * micro
        gemm_step = 3.0 * e["fwd_s"] * passes
        missing = row.published_step_s - res.step_time_s
        recipe = row.plan.get("fp8_recipe") or ""
        precision = f"{row.plan['precision']} {recipe}".strip()
        release = row.raw.get("framework_version", "").replace(" container", "")[:16]
        lines.append(
            f"| {row.id} | {row.system} | {release} | {precision} "
            f"| {row.model.experts} / {row.model.top_k} | {e['mb']:.0f} "
            f"| {e['layers'] / (e['pp'] * e['vp']):.1f} | {row.plan.get('ep', 1)} "
            f"| {e['local']:.0f} | {e['m']:.0f} | {e['k1']:.0f} x {e['n1']:.0f} "
            f"| {e['k2']:.0f} x {e['n2']:.0f} | {e['tflops']:.0f} ({100 * e['peak_share']:.0f} %) "
            f"| {row.published_step_s:.2f} | {res.step_time_s:.2f} "
            f"| {100 * (res.step_time_s / row.published_step_s - 1):+.1f} % "
            f"| {gemm_step:.2f} | {res.breakdown_s['ep_comm']:.2f} "
            f"| {1e3 * missing / passes:+.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
