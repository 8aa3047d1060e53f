"""Whole-run accelerator-hours against published runs (../shared/validation/training_totals.csv).

Only BLOOM-176B has a published plan we can pin (TP4 PP12 DP8, ZeRO-1; Le Scao et al. 2022) on
a catalogued system. Its era settings: no FlashAttention, no sequence parallelism, full
activation recompute, micro-batch 1 (Megatron-DeepSpeed). Published: 1,082,990 A100-hours for
366 B tokens on 384 GPUs. The perf model is calibrated on Megatron-LM's own benchmarks and
predicts about 25 % fewer hours: the same gap as MT-NLG's production run (also Megatron-
DeepSpeed) against Megatron's benchmark of the same shape (see test_perf_runs.py), plus the
downtime and restarts beyond the failure model that the published hours include. We assert
the prediction is below the published figure and within 30 % of it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gigawatt.training import plan_training

_TEXT = (Path(__file__).parent / "data" / "training_totals.csv").read_text(encoding="utf-8")
ROWS = {r["id"]: r for r in csv.DictReader(_TEXT.splitlines())}


def test_bloom_accelerator_hours(catalog):
    row = ROWS["B1"]
    published = float(row["gpu_hours"])
    r = plan_training(
        "bloom-176b",
        float(row["tokens_t"]) * 1e12,
        "dgx-a100",
        int(row["gpus"]),
        fixed={"tp": 4, "pp": 12, "dp": 8, "zero": 1, "mb": 1, "recompute": "full",
               "flash_attention": False, "sp": False},
        catalog=catalog,
    )  # fmt: skip
    assert r.gpu_hours < published
    assert r.gpu_hours == pytest.approx(published, rel=0.30)
