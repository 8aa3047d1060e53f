"""Ablation: wave quantisation of the GEMMs (issue 9; run by hand).

    .venv/bin/python tools/gemm_waves.py [--tiles 256x128[,128x256,...]] [--passes forward|all]
                                         [--experts per-expert|grouped]

A GEMM kernel splits its m x n output into tiles, one thread block per tile, and with the large
tiles of the tensor-core kernels one block fills a streaming multiprocessor; the tiles run in
waves of one per SM, and a last wave that is only partly full leaves SMs idle (NVIDIA Deep
Learning Performance Documentation, "Matrix Multiplication Background User's Guide", section
"Dimension Quantization Effects": tile and wave quantization, with the A100's 108 SMs and a
256 x 128 tile as its example,
https://docs.nvidia.com/deeplearning/performance/dl-performance-matrix-multiplication/). The
model's GEMM rate is a calibrated mean, so a shape whose tiles fill the SMs evenly and one that
leaves the last wave nearly empty run at one rate; this tool multiplies each GEMM's compute time
by 1 / (tiles / (waves x SMs)) and measures what that does to the validation table.

Options: the tile shapes the library may choose (with several, each GEMM takes the one that
fills its waves best; no source fixes the tile cuBLAS picks per shape, so the choice is the
ablation's free parameter and the tool reports each); the passes (`forward`: the forward GEMM's
m x n output sets the efficiency of the forward and the backward; `all`: the harmonic mean over
the forward (m x n), data-gradient (m x k) and weight-gradient (k x n) outputs, since the model
times the backward as twice the forward); the experts (`per-expert`: each local expert's GEMM
fills the SMs alone, as one cuBLAS call per expert does; `grouped`: the local experts' tiles
share the waves, as a grouped kernel or Transformer Engine's multi-stream GroupedLinear may).

A real refit would move each calibration's GEMM, attention and low-precision factors together;
here each calibration's predictions are rescaled by the geometric mean of predicted / published
over its fitted rows (the calibration record's `fitted_on`), before and after alike, so the two
are compared on the same footing. Not adopted: docs/models/perf-evidence.md, "Wave quantisation
of the GEMMs, tried and not adopted".
"""

from __future__ import annotations

import argparse
import importlib
import math
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "validation"))
sys.path.insert(0, str(ROOT / "tools"))

from perf_validation_table import Result, _stats, model_class, results  # noqa: E402

from gigawatt.catalog import Catalog  # noqa: E402

# `gigawatt.perf` re-exports a function named `estimate`, so import the module by name.
estimate = importlib.import_module("gigawatt.perf.estimate")

#: Streaming multiprocessors per accelerator, from the vendor's architecture papers or, for
#: Blackwell, the first public measurement: A100 108 (NVIDIA A100 Tensor Core GPU Architecture
#: whitepaper, 2020); H100 SXM5 132 (NVIDIA H100 Tensor Core GPU Architecture whitepaper,
#: 2022; the H800 and H200 are the same GH100 configuration); B200 148, 74 per die (Chips and
#: Cheese, "Nvidia's B200: Keeping the CUDA Juggernaut Rolling", 2025; GB200's GPUs are
#: B200s); Blackwell Ultra 160 (NVIDIA Technical Blog, "Inside NVIDIA Blackwell Ultra", Aug
#: 2025). Accelerators not listed keep the model's GEMM time.
SMS = {
    "a100-sxm-80gb": 108,
    "h100-sxm": 132,
    "h800-sxm": 132,
    "h200-sxm": 132,
    "b200": 148,
    "gb200": 148,
    "gb300": 160,
}


def wave_efficiency(
    m: Any, n: Any, sms: int, tiles: list[tuple[int, int]], group: Any = 1.0
) -> np.ndarray:
    """Share of the SMs busy over the waves of an m x n output (`group` GEMMs sharing them),
    for the best of the tile shapes."""
    best = np.zeros(np.broadcast(np.asarray(m), np.asarray(n), np.asarray(group)).shape)
    for tm, tn in tiles:
        count = np.ceil(np.asarray(m, float) / tm) * np.ceil(np.asarray(n, float) / tn) * group
        best = np.maximum(best, count / (np.ceil(count / sms) * sms))
    return best


def patch(tiles: list[tuple[int, int]], passes: str, grouped: bool) -> Callable[[], None]:
    """Replace the model's GEMM time with the wave-quantised one; returns the undo."""
    gemms, gemm_times = estimate._Gemms, estimate._gemm_times
    time0 = gemms.time

    def gemm_times_with_group(w: Any, g: Any, p: Any, moe: bool) -> Any:
        g.group = max(w.experts, 1) / p.ep if (moe and grouped) else 1.0
        return gemm_times(w, g, p, moe)

    def time(self: Any, k: Any, n: Any, m: Any = None, factor: float = 1.0) -> Any:
        base = time0(self, k, n, m, factor)
        sms = SMS.get(self.hw.accelerator_id)
        if sms is None:
            return base
        expert = m is not None
        rows = self.m if m is None else m
        group = getattr(self, "group", 1.0) if expert else 1.0
        eff = wave_efficiency(rows, n, sms, tiles, group)
        if passes == "all":
            dgrad = wave_efficiency(rows, k, sms, tiles, group)
            wgrad = wave_efficiency(k, n, sms, tiles, group)
            eff = 3.0 / (1.0 / eff + 1.0 / dgrad + 1.0 / wgrad)
        flops = estimate.FLOPS_PER_MAC * rows * k * n
        compute = flops / (self.rate * factor)
        moved = base - self.hw.kernel_overhead_s
        # only the compute-bound part is quantised: the roofline takes the larger of the two
        return np.maximum(compute / eff, moved) + self.hw.kernel_overhead_s

    gemms.time = time
    estimate._gemm_times = gemm_times_with_group

    def undo() -> None:
        gemms.time = time0
        estimate._gemm_times = gemm_times

    return undo


def rescaled(rs: list[Result]) -> dict[str, float]:
    """Each check's error after rescaling its calibration on that calibration's fitted rows."""
    logs: dict[str, list[float]] = {}
    for r in rs:
        if r.fitted:
            logs.setdefault(r.calibration, []).append(math.log(r.error + 1))
    scale = {c: math.exp(-statistics.fmean(v)) for c, v in logs.items()}
    return {
        r.row.id: r.predicted_s * scale.get(r.calibration, 1.0) / r.row.published_step_s - 1
        for r in rs
        if not r.fitted
    }


def _line(label: str, errors: list[float]) -> str:
    n, med, mx, within = _stats(errors)
    return f"{label}: {within} of {n} within 12 %, median {med:.1%}, max {mx:.1%}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiles", default="256x128", help="tile shapes MxN, comma-separated")
    parser.add_argument("--passes", choices=("forward", "all"), default="all")
    parser.add_argument("--experts", choices=("per-expert", "grouped"), default="grouped")
    args = parser.parse_args()
    tiles = [tuple(int(x) for x in t.split("x")) for t in args.tiles.split(",")]
    cat = Catalog.load()
    before_rs = results(cat)
    undo = patch(tiles, args.passes, args.experts == "grouped")  # type: ignore[arg-type]
    try:
        after_rs = results(cat)
    finally:
        undo()
    before, after = rescaled(before_rs), rescaled(after_rs)
    cls = {r.row.id: model_class(r.row) for r in before_rs}
    print(f"tiles {args.tiles}, passes {args.passes}, experts {args.experts}")
    print("(each calibration rescaled on its fitted rows, before and after alike)")
    for label, errs in (("before", before), ("after", after)):
        print(_line(f"{label}, all checks", list(errs.values())))
        for c in ("dense", "coarse MoE", "fine-grained MoE"):
            print("  " + _line(c, [e for rid, e in errs.items() if cls[rid] == c]))
    moved = sorted(before, key=lambda rid: abs(after[rid]) - abs(before[rid]))
    shift = [f"{r} {before[r]:+.1%} -> {after[r]:+.1%}" for r in moved]
    print("most improved:", ", ".join(shift[:6]))
    print("most worsened:", ", ".join(shift[-6:]))


if __name__ == "__main__":
    main()
