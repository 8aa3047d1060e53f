"""Plausibility bound: the MFU the perf search gives a dense model at scale never exceeds the best
published MFU of the accelerator's generation, plus a stated margin.

The capability model (docs/models/capability.md) runs the perf search for Llama 3 405B (dense,
BF16) at thousands of accelerators, so a calibration that is too fast there inflates every
capability figure. An expert audit found MFU 0.65 on 16,384 GB300 against 0.43 on GB200 (the
same dense BF16 peak): the blackwell-ultra record had fitted four factors on four rows, its BF16
GEMM rate set by one MoE row (calibrations.yaml, blackwell-ultra note).

Published MFU of a row is counted in the project's convention (PaLM's model FLOPs, attention in
full, over the dense peak; docs/models/perf.md) from its published step time. The reference
rows are the published dense BF16 runs of each generation at the largest scales the validation
data holds (tests/validation/data/*.csv):

- Hopper: DX2 (Llama 3 70B, 2,048 H100, NeMo 24.x), DX10, DX14, D2 (NVIDIA dgxc-benchmarking,
  2,048 H100) and N1 (Nemotron-4 340B on 6,144 H100: NVIDIA, "Nemotron-4 340B Technical
  Report", 2024, Table 2, MFU 41-42 %; 0.408 in our convention). Best: DX2, 0.532.
- Blackwell (B200, GB200; Rubin and AMD Instinct reuse its factors as estimates): DX25 and DX27
  (Nemotron-4 340B BF16 on 128 and 512 GB200, NVIDIA dgxc-benchmarking v25.05.01). Best: DX27,
  0.407. No dense BF16 GB200 run at >= 1,024 GPUs is published in the validation data; scale
  only lowers MFU, so a smaller run's MFU bounds a larger one's.
- Blackwell Ultra (GB300): no dense BF16 run is published. GB300 has GB200's dense BF16 peak, so
  its bound is Blackwell's times the largest published per-GPU throughput ratio of GB300 over
  GB200 on the same plan and release (MB21/MB24, Llama 3 70B FP8 on 64: 5,248 / 4,224 = 1.242,
  Megatron-Bridge performance summary, NeMo 26.04).

Hopper, dense >= 100B: the capability workload is itself a 405B model, and the published Hopper
runs of dense models of 100B and more sit lower than the 70B DX2: DX14 (GPT-3 175B, 2,048 H100)
0.494, D2 (Nemotron-4 340B, 2,048) 0.450, N1 (6,144) 0.408. The 405B search on 16,384 H100 is
also held to the best of these (DX14) plus the margin, 0.543. An audit found 0.520 there from
a plan that offloaded activations at pp = 8, vp = 15 with selective recompute, which
Megatron-Core refuses (tests/perf/test_offload.py); without it the search gives 0.512.

Margin 10 %: the search reports the best plan of its space, a published run is one recipe's plan
(the model reproduces DX27's plan within 2 %, and its best plan for 405B on 16,384 GB200 is 6 %
above DX27's published MFU). Before the fix GB300 gave 0.646 (bound 0.556) and GB300 / GB200
1.50 (bound 1.242); after it, 0.511 and 1.18.
"""

from __future__ import annotations

import pytest
from perf_rows import load_rows, predict

from gigawatt.catalog import Catalog
from gigawatt.perf import search

CAT = Catalog.load()
MODEL = "llama3-405b"  # the capability model's reference workload (dense)
MARGIN = 0.10
#: Generation: published dense BF16 reference rows.
REFERENCE_ROWS = {
    "hopper": ("DX2", "DX10", "DX14", "D2", "N1"),
    "blackwell": ("DX25", "DX27"),
    # dense models of 100B parameters and more (the reference workload's class)
    "hopper-100b": ("DX14", "D2", "N1"),
}
#: Largest published GB300 / GB200 per-GPU throughput ratio on the same plan and release (MB21
#: over MB24); the other same-plan pairs give 1.192 (MB1/MB9) and 1.048 (MB3/MB10).
GB300_OVER_GB200 = 5248 / 4224
#: Accelerator: (generation of its bound, extra factor on the bound, job sizes).
CASES = {
    "h100-sxm": ("hopper", 1.0, (16384,)),
    "b200": ("blackwell", 1.0, (16384,)),
    "gb200": ("blackwell", 1.0, (8192, 16384)),
    "gb300": ("blackwell", GB300_OVER_GB200, (8192, 16384)),
    "vera-rubin": ("blackwell", 1.0, (16384,)),
    "mi355x": ("blackwell", 1.0, (16384,)),
    "mi455x": ("blackwell", 1.0, (16384,)),
}


def _published_mfu(rows: dict, rid: str) -> float:
    """A row's MFU from its published step time (the model's FLOPs per step are exact)."""
    row = rows[rid]
    assert row.model.experts in (None, 0) and row.plan["precision"] == "bf16", rid
    p = predict(row, CAT)
    return p.mfu * p.step_time_s / row.published_step_s


@pytest.fixture(scope="module")
def best_published() -> dict[str, float]:
    rows = {r.id: r for r in load_rows(CAT)}
    return {
        gen: max(_published_mfu(rows, rid) for rid in ids) for gen, ids in REFERENCE_ROWS.items()
    }


def _mfu(accelerator: str, gpus: int) -> float:
    result = search(MODEL, accelerator, gpus, precision="bf16")
    assert result.best is not None and result.fits, (accelerator, gpus)
    return result.best.mfu


def test_reference_rows_match_the_published_figures(best_published):
    """The references as counted here: Hopper's best 0.532 (DX2), Blackwell's 0.407 (DX27),
    Hopper's best of dense models >= 100B 0.494 (DX14)."""
    assert best_published["hopper"] == pytest.approx(0.532, abs=0.005)
    assert best_published["blackwell"] == pytest.approx(0.407, abs=0.005)
    assert best_published["hopper-100b"] == pytest.approx(0.494, abs=0.005)


def test_405b_on_hopper_within_the_best_published_100b_class(best_published):
    """Llama 3 405B on 16,384 H100: at most the best published dense >= 100B Hopper MFU plus
    the margin (0.543)."""
    bound = best_published["hopper-100b"] * (1 + MARGIN)
    mfu = _mfu("h100-sxm", 16384)
    assert mfu <= bound, f"h100-sxm x 16384: MFU {mfu:.3f} above {bound:.3f}"


@pytest.mark.parametrize("accelerator", sorted(CASES))
def test_dense_mfu_at_scale_within_the_best_published(best_published, accelerator):
    generation, factor, sizes = CASES[accelerator]
    bound = best_published[generation] * factor * (1 + MARGIN)
    for gpus in sizes:
        mfu = _mfu(accelerator, gpus)
        assert mfu <= bound, f"{accelerator} x {gpus}: MFU {mfu:.3f} above {bound:.3f}"


def test_gb300_over_gb200_within_the_published_same_plan_ratio():
    """Same dense BF16 peak: GB300's MFU is at most the largest published same-plan per-GPU
    throughput ratio (1.242) times GB200's at the same size."""
    for gpus in (8192, 16384):
        ratio = _mfu("gb300", gpus) / _mfu("gb200", gpus)
        assert 1.0 <= ratio <= GB300_OVER_GB200, (gpus, ratio)
