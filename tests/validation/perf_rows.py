"""The published runs of data/perf_runs.csv as inputs to `gigawatt.perf.estimate`.

Used by test_perf_runs.py and by tools/fit_perf_calibration.py (which fitted the `ampere`
calibration on FIT_ROWS). Every row is compared on step time [s]:

- K, T, N rows publish the step time.
- M rows publish TFLOP/s per GPU counted with Megatron's formula, which includes the full
  recompute (Narayanan et al. 2021 eq. 3): F = 96 B s l h^2 (1 + s / 6h + V / 16 l h) per step,
  so the published step time is F / (TFLOP/s x N).
- P1 publishes 238.3k tokens/s (Chowdhery et al. 2022 Table 3 and section 4; the CSV's
  notes): step time = 2,048 sequences x 2,048 tokens / 238.3k.

Software of each era, from the papers (not fitted): Megatron-LM 2021 (M rows) and MT-NLG
(T rows, Megatron TP/PP under DeepSpeed ZeRO-1) had no sequence parallelism, no flash
attention and a data-parallel all-reduce after the backward pass, not overlapped; Korthikanti
et al. 2022 (K rows) add sequence parallelism (their Table 5 runs have no data parallelism
but K5). NeMo/Megatron-Core 2024 (N1) runs flash attention, the distributed optimizer
(ZeRO-1) with overlapped gradient reduce-scatter and parameter all-gather, and TP
communication overlap; its interleaving is not published: NeMo's Nemotron-4 340B recipes
use one layer per model chunk (VP 12 at PP 8, NVIDIA dgxc-benchmarking
nemotron/README_340b.md), so vp = 96 / 12 / 12 = 8 here, an assumption.

P1 (PaLM, TPU v4): the 12-way model parallelism is 2-D weight sharding over the torus and the
weights are also sharded over the 256-way data axis (Chowdhery et al. 2022 section 4). Mapped
as tp = 12 over the ICI domain with ZeRO-3 over dp = 512 (the same bytes move: activations
over the model axis, weights gathered and gradients reduce-scattered over the data axis), one
micro-batch of 4 sequences per replica, full recompute, no flash attention, no pipeline;
the weight gathers and gradient reduce-scatters overlap compute (XLA issues them
asynchronously, as every FSDP-style implementation prefetches weights).
The parallel attention+MLP block halves the TP collectives. TPU v4 has no calibration of
its own: it uses the `default` record.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model

DATA = Path(__file__).parent / "data" / "perf_runs.csv"
#: NVIDIA's published NeMo benchmarks of Nemotron-4 340B on H100 (see that file's sources).
EXTRA = Path(__file__).parent / "data" / "perf_runs_extra.csv"

#: The rows each calibration was fitted on (tools/fit_perf_calibration.py); the others are
#: held out.
FIT_ROWS = {"ampere": ("M1", "M10", "K1", "K4"), "hopper": ("D1", "D3")}

MODEL_OF_ROW = {
    "M1": "megatron-1-7b",
    "M2": "megatron-3-6b",
    "M3": "megatron-7-5b",
    "M4": "megatron-18-4b",
    "M5": "megatron-39-1b",
    "M6": "megatron-76-1b",
    "M7": "megatron-145-6b",
    "M8": "megatron-310-1b",
    "M9": "megatron-529-6b",
    "M10": "megatron-1t",
    "K1": "megatron-22b",
    "K2": "gpt3-175b",
    "K3": "mt-nlg-530b",
    "K4": "megatron-1t",
    "K5": "mt-nlg-530b",
    "T1": "mt-nlg-530b",
    "T2": "mt-nlg-530b",
    "T3": "mt-nlg-530b",
    "N1": "nemotron-4-340b",
    "P1": "palm-540b",
    "D1": "nemotron-4-340b",
    "D2": "nemotron-4-340b",
    "D3": "nemotron-4-340b",
    "D4": "nemotron-4-340b",
}
SYSTEM_OF_ROW = {
    "A100-SXM-80GB": "dgx-a100",
    "TPU-v4": "tpu-v4-pod",
    "N": "eos-h100",
    "D": "dgx-h100",
}

_LEGACY = {"sp": False, "flash_attention": False, "tp_overlap": False, "dp_overlap": False}
SOFTWARE: dict[str, dict[str, Any]] = {
    "M": {**_LEGACY, "zero": 0},
    "K": {**_LEGACY, "sp": True, "zero": 0},
    "T": {**_LEGACY, "zero": 1},
    "N": {"sp": True, "flash_attention": True, "tp_overlap": True, "dp_overlap": True, "zero": 1},
    "P": {**_LEGACY, "sp": True, "zero": 3, "dp_overlap": True},
}
SOFTWARE["D"] = SOFTWARE["N"]
#: Knobs the CSV leaves blank, with the reason in the module docstring.
ASSUMED: dict[str, dict[str, Any]] = {"N1": {"vp": 8}, "P1": {"mb": 4}}
#: Published tokens/s where the CSV gives utilisation only (PaLM Table 3).
TOKENS_PER_S = {"P1": 238.3e3}


@dataclass(frozen=True)
class Row:
    id: str
    model: Model
    system: str
    gpus: int
    plan: dict[str, Any]
    published_step_s: float
    raw: dict[str, str]


def _megatron_step_s(r: dict[str, str]) -> float:
    b, s, n_layers, h, v = (
        float(r[k]) for k in ("global_batch_seqs", "seq_len", "layers", "hidden", "vocab")
    )
    flops = 96 * b * s * n_layers * h**2 * (1 + s / (6 * h) + v / (16 * n_layers * h))
    return flops / (float(r["tflops_per_gpu"]) * 1e12 * float(r["gpus"]))


def _published_step_s(r: dict[str, str]) -> float:
    if r["step_time_s"]:
        return float(r["step_time_s"])
    if r["id"] in TOKENS_PER_S:
        return float(r["global_batch_seqs"]) * float(r["seq_len"]) / TOKENS_PER_S[r["id"]]
    return _megatron_step_s(r)


def _model(r: dict[str, str], catalog: Catalog) -> Model:
    """The catalog model with the run's shape as the CSV gives it (e.g. padded vocabulary)."""
    base = catalog.model(MODEL_OF_ROW[r["id"]])
    shape = {
        "layers": int(r["layers"]),
        "hidden": int(r["hidden"]),
        "heads": int(r["heads"]),
        "kv_heads": int(r["kv_heads"]),
        "head_dim": int(r["head_dim"]),
        "ffn_hidden": int(r["ffn_hidden"]),
        "seq_len": int(r["seq_len"]),
        "vocab": int(r["vocab"]),
        "global_batch_seqs": int(r["global_batch_seqs"]),
    }
    return base.model_copy(update=shape)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_rows(catalog: Catalog) -> list[Row]:
    rows = []
    for r in [*_read(DATA), *_read(EXTRA)]:
        plan: dict[str, Any] = {
            "tp": int(r["tp"]),
            "pp": int(r["pp"]),
            "dp": int(r["dp"]),
            "vp": int(r["virtual_stages"] or 1),
            "gbs": int(r["global_batch_seqs"]),
            "recompute": r["recompute"],
            "precision": r["precision"],
            **SOFTWARE[r["id"][0]],
            **ASSUMED.get(r["id"], {}),
        }
        if r["microbatch"]:
            plan["mb"] = int(r["microbatch"])
        rows.append(
            Row(
                id=r["id"],
                model=_model(r, catalog),
                system=SYSTEM_OF_ROW.get(r["accelerator"]) or SYSTEM_OF_ROW[r["id"][0]],
                gpus=int(r["gpus"]),
                plan=plan,
                published_step_s=_published_step_s(r),
                raw=r,
            )
        )
    return rows
