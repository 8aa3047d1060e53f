"""Calculon side by side with the published training runs (issue 9, "Done when").

Calculon (Isaev et al., SC23, "Calculon: A Methodology and Tool for High-Level Co-Design of
Systems and Large Language Models"; github.com/calculon-ai/calculon) is the closest open
analytical model. For every row of tests/validation/data/perf_runs*.csv that Calculon can
represent, this module builds Calculon's three inputs (application, execution, system) from the
row at run time, runs Calculon and compares its step time with the published one. Nothing of
Calculon is copied here: the system descriptions are read from the Calculon checkout's own
`systems/` directory, the application and execution are generated from our rows.

Calculon is not a dependency of gigawatt. Install it outside the repository, e.g.
`python -m venv ~/calculon-venv && ~/calculon-venv/bin/pip install -e <calculon checkout>`
(it imports numpy, pandas and psutil), then either run this file with that interpreter or put
the checkout on PYTHONPATH. CALCULON_HOME names the checkout when its `systems/` directory is
not next to the imported package.

- `python benchmarks/bench_calculon.py` regenerates docs/validation/calculon.md.
- `make bench` checks that the committed page is what Calculon produces now and reports
  Calculon's evaluation rate; both are skipped, with the reason, when Calculon is missing.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "validation" / "data"
DOC = ROOT / "docs" / "validation" / "calculon.md"
CSV_FILES = ("perf_runs.csv", "perf_runs_extra.csv", "perf_runs_v2.csv")

#: Calculon's system files per accelerator. a100_80g is the file Calculon's own end-to-end
#: validation (`llm-validation`, seqsel_tab5, against Korthikanti et al. 2022 Table 5) uses;
#: h100_80g_nvl8 is its only H100 file (not validated by its authors).
SYSTEM_FILES = {"A100-SXM-80GB": "a100_80g.json", "H100-SXM": "h100_80g_nvl8.json"}
#: Calculon's system files have float16 and float8 entries only; BF16 has float16's peak and size.
DATATYPE = {"fp16": "float16", "bf16": "float16", "fp8": "float8"}
RECOMPUTE = {"none": "none", "selective": "attn_only", "full": "full"}
#: Gated MLPs (three matrices of width f) as Calculon's two-matrix MLP of the same FLOPs.
GATED_MLP_WIDTH = {"swiglu": 1.5, "geglu": 1.5, "gelu": 1.0, "squared-relu": 1.0}
#: Published rows that derive their step time from TFLOP/s counted with Megatron's formula.
MEGATRON_2021 = "M"


@dataclass(frozen=True)
class Profile:
    """Software of a framework era, as Calculon's execution knobs (its field names)."""

    name: str
    recompute: str
    tensor_par_comm_type: str
    seq_par_ag_redo: bool
    optimizer_sharding: bool
    data_par_overlap: bool
    tensor_par_overlap: str
    fused_activation: bool


# Megatron-LM 2021 (Narayanan et al. 2021 section 5): full recompute, TP all-reduce, no SP, no
# distributed optimizer, no overlap. Korthikanti et al. 2022: SP (reduce-scatter/all-gather,
# all-gather redone in backward), Calculon's own settings for those runs. MT-NLG (Smith et al.
# 2022 section 2.4): Megatron TP/PP under DeepSpeed ZeRO-1. NeMo / Megatron-Core 2024-26: SP,
# distributed optimizer with overlapped reduce-scatter/all-gather, TE userbuffer TP overlap
# (ring exchange), fused bias-activation. MegaScale (Jiang et al. 2024 section 3): overlaps TP,
# PP and DP communication; its recompute mode is not published (selective assumed).
PROFILES = {
    "megatron-2021": Profile("megatron-2021", "full", "ar", False, False, False, "none", False),
    "korthikanti-2022": Profile("korthikanti-2022", "", "rs_ag", True, False, False, "none", False),
    "mt-nlg": Profile("mt-nlg", "full", "ar", False, True, False, "none", False),
    "nemo": Profile("nemo", "none", "rs_ag", True, True, True, "ring", True),
    "megascale": Profile("megascale", "selective", "rs_ag", True, True, True, "ring", True),
}


@dataclass(frozen=True)
class Row:
    """One published run, read from any of the CSV files."""

    id: str
    file: str
    raw: dict[str, str]

    def get(self, key: str, default: str = "") -> str:
        return (self.raw.get(key) or default).strip()

    def num(self, key: str, default: float = 0.0) -> float:
        value = self.get(key)
        return float(value) if value else default

    @property
    def profile(self) -> Profile:
        framework = self.get("framework").lower()
        if "megascale" in framework:
            return PROFILES["megascale"]
        if framework.startswith(("nemo", "megatron-bridge")):
            return PROFILES["nemo"]
        return PROFILES[
            {"M": "megatron-2021", "K": "korthikanti-2022", "T": "mt-nlg"}.get(self.id[0], "nemo")
        ]


@dataclass(frozen=True)
class Result:
    row: Row
    published_s: float
    calculon_s: float | None
    memory_gib: float | None
    error: str
    notes: str

    @property
    def rel_error(self) -> float | None:
        if self.calculon_s is None:
            return None
        return self.calculon_s / self.published_s - 1


def read_rows(data: Path = DATA) -> list[Row]:
    rows = []
    for name in CSV_FILES:
        with (data / name).open(newline="", encoding="utf-8") as f:
            rows += [Row(r["id"], name, r) for r in csv.DictReader(f)]
    return rows


def published_step_s(row: Row) -> float | None:
    """The published step time; Megatron-LM 2021 rows from their TFLOP/s.

    Narayanan et al. 2021 eq. 3 counts F = 96 B s l h^2 (1 + s/6h + V/16lh) per step
    (recompute included), so step = F / (TFLOP/s x GPUs).
    """
    if row.get("step_time_s"):
        return row.num("step_time_s")
    if row.id.startswith(MEGATRON_2021) and row.file == "perf_runs.csv":
        b, s, n_l, h, v = (
            row.num(k) for k in ("global_batch_seqs", "seq_len", "layers", "hidden", "vocab")
        )
        flops = 96 * b * s * n_l * h**2 * (1 + s / (6 * h) + v / (16 * n_l * h))
        return flops / (row.num("tflops_per_gpu") * 1e12 * row.num("gpus"))
    return None


def unrepresentable(row: Row) -> list[str]:
    """Why Calculon cannot represent the row (empty if it can)."""
    why = []
    accelerator = row.get("accelerator")
    if accelerator not in SYSTEM_FILES:
        why.append(f"no Calculon system file for {accelerator} (it ships A100 and H100 only)")
    if row.get("experts"):
        why.append("mixture of experts (Calculon has no MoE or expert parallelism)")
    if row.get("attention") == "mla":
        why.append("multi-head latent attention")
    elif row.get("kv_heads") and row.get("kv_heads") not in (row.get("heads"), "1"):
        why.append("grouped-query attention (Calculon: multi-head or multi-query only)")
    if row.num("cp", 1) > 1:
        why.append("context parallelism")
    if row.get("zero_stage") == "3":
        why.append("fully sharded data parallelism (ZeRO-3 / FSDP)")
    if row.get("precision") == "fp4":
        why.append("FP4")
    if row.get("precision") not in DATATYPE:
        why.append(f"precision {row.get('precision')}")
    if published_step_s(row) is None:
        why.append("no published step time (MFU or utilisation only)")
    return why


def _network(tp: int, pp: int, dp: int, domain: int) -> tuple[int, int, int]:
    """Tier of each parallel dimension: TP in the NVLink domain, then PP and DP while they fit."""
    pp_net = 0 if tp * pp <= domain and domain % (tp * pp) == 0 else 1
    inner = tp * pp if pp_net == 0 else tp
    dp_net = 0 if pp_net == 0 and inner * dp <= domain and domain % (inner * dp) == 0 else 1
    return 0, pp_net, dp_net


def calculon_inputs(row: Row, system: dict[str, Any]) -> tuple[dict, dict, list[str]]:
    """Calculon's application and execution inputs for a row, and what was assumed."""
    notes = []
    profile = row.profile
    mlp = row.get("mlp", "gelu")
    ffn = int(row.num("ffn_hidden") * GATED_MLP_WIDTH.get(mlp, 1.0))
    if GATED_MLP_WIDTH.get(mlp, 1.0) != 1.0:
        notes.append(f"{mlp} as a 2-matrix MLP of width 1.5 f")
    application = {
        "hidden": int(row.num("hidden")),
        "feedforward": ffn,
        "seq_size": int(row.num("seq_len")),
        "attn_heads": int(row.num("heads")),
        "attn_size": int(row.num("head_dim")),
        "num_blocks": int(row.num("layers")),
    }
    tp, pp, dp = (int(row.num(k, 1)) for k in ("tp", "pp", "dp"))
    recompute = row.get("recompute") or profile.recompute
    if not row.get("recompute"):
        notes.append(f"recompute not published: {recompute} ({profile.name} default)")
    microbatch = int(row.num("microbatch", 0))
    if not microbatch:
        microbatch = 1
        notes.append("micro-batch not published: 1")
    tp_overlap = profile.tensor_par_overlap if tp > 1 else "none"
    if row.get("tp_overlap").startswith("no"):
        tp_overlap = "none"
    domain = int(system["networks"][0]["size"])
    tp_net, pp_net, dp_net = _network(tp, pp, dp, domain)
    execution = {
        "num_procs": int(row.num("gpus")),
        "tensor_par": tp,
        "pipeline_par": pp,
        "data_par": dp,
        "tensor_par_net": tp_net,
        "pipeline_par_net": pp_net,
        "data_par_net": dp_net,
        "batch_size": int(row.num("global_batch_seqs")),
        "microbatch_size": microbatch,
        "datatype": DATATYPE[row.get("precision")],
        "fused_activation": profile.fused_activation,
        "attention_type": "multiquery" if row.get("kv_heads") == "1" else "multihead",
        "activation_recompute": RECOMPUTE[recompute],
        "pipeline_interleaving": int(row.num("virtual_stages", 1)),
        "optimizer_sharding": profile.optimizer_sharding,
        "tensor_par_comm_type": profile.tensor_par_comm_type if tp > 1 else "ar",
        "tensor_par_overlap": tp_overlap,
        "seq_par_ag_redo": profile.seq_par_ag_redo and tp > 1,
        "data_par_overlap": profile.data_par_overlap,
        "weight_offload": False,
        "activations_offload": False,
        "optimizer_offload": False,
        "training": True,
    }
    return application, execution, notes


def calculon_home(calculon_module: Any) -> Path | None:
    """The Calculon checkout holding `systems/` (CALCULON_HOME, else next to the package)."""
    candidates = [os.environ.get("CALCULON_HOME", "")]
    candidates.append(str(Path(calculon_module.__file__).resolve().parents[1]))
    for c in candidates:
        if c and (Path(c) / "systems").is_dir():
            return Path(c)
    return None


def run_row(calculon_module: Any, home: Path, row: Row) -> Result:
    from calculon import System
    from calculon.llm import Llm

    published = published_step_s(row)
    assert published is not None
    system_json = json.loads((home / "systems" / SYSTEM_FILES[row.get("accelerator")]).read_text())
    application, execution, notes = calculon_inputs(row, system_json)
    logger = logging.getLogger("calculon")
    try:
        model = Llm(Llm.Application(application), logger)
        system = System(system_json)
        model.compile(system, Llm.Execution.from_json(execution))
        model.run(system)
    except Llm.Error as exc:
        return Result(row, published, None, None, f"Calculon: {exc}", "; ".join(notes))
    memory_gib = model.get_mem_tier1_cap_req() / 2**30
    return Result(row, published, model.get_total_time(), memory_gib, "", "; ".join(notes))


def compare(calculon_module: Any, home: Path, rows: Iterable[Row]) -> tuple[list, list]:
    results, skipped = [], []
    for row in rows:
        why = unrepresentable(row)
        if why:
            skipped.append((row, why))
        else:
            results.append(run_row(calculon_module, home, row))
    return results, skipped


def _commit(home: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(home), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown commit"
    return out.stdout.strip()[:12]


def _fmt_pct(x: float) -> str:
    return f"{x:+.1%}"


def render(results: list[Result], skipped: list, home: Path) -> str:
    ok = [r for r in results if r.rel_error is not None]
    errs = [abs(r.rel_error) for r in ok if r.rel_error is not None]
    lines = [
        "# Calculon on the published runs",
        "",
        "<!-- Generated by benchmarks/bench_calculon.py; do not edit by hand. -->",
        "",
        "Calculon (Isaev et al., SC23; github.com/calculon-ai/calculon, commit "
        f"{_commit(home)}) run on every row of `tests/validation/data/perf_runs.csv`, "
        "`perf_runs_extra.csv` and `perf_runs_v2.csv` that it can represent. Its inputs are "
        "generated from the rows at run time; the system descriptions are Calculon's own "
        "(`a100_80g` for A100, the file its authors' end-to-end validation against "
        "Korthikanti et al. 2022 Table 5 uses; `h100_80g_nvl8` for H100, not validated by "
        "them). Published step time is the "
        "row's (see tests/validation/data/README_perf_v2.md for each source); error = "
        "Calculon / published - 1. Regenerate with `python benchmarks/bench_calculon.py` in an "
        "environment where `calculon` imports.",
        "",
    ]
    if errs:
        lines += [
            f"Rows compared: {len(ok)}; median |error| {statistics.median(errs):.1%}, "
            f"mean {statistics.fmean(errs):.1%}, max {max(errs):.1%}; within 5 %: "
            f"{sum(e <= 0.05 for e in errs)}, within 12 %: {sum(e <= 0.12 for e in errs)}.",
            "",
        ]
    groups: dict[str, list[float]] = {}
    for r in ok:
        key = f"{r.row.profile.name}, {r.row.get('accelerator')}, {r.row.get('precision')}"
        groups.setdefault(key, []).append(r.rel_error or 0.0)
    if groups:
        lines += [
            "| group (software era, accelerator, precision) | rows | median error | range |",
            "|---|---:|---:|---|",
        ]
        for key, e in sorted(groups.items()):
            lines.append(
                f"| {key} | {len(e)} | {_fmt_pct(statistics.median(e))} | "
                f"{_fmt_pct(min(e))} to {_fmt_pct(max(e))} |"
            )
        lines.append("")
    failed = [r for r in results if r.rel_error is None]
    if failed:
        memory = [r.row.id for r in failed if "Mem tier1" in r.error]
        lines += [
            f"Rows Calculon rejected: {len(failed)} (listed in the table)"
            + (
                f"; {', '.join(memory)} for memory: those runs were published as run on "
                "80 GB GPUs, so Calculon's memory estimate is too high for them."
                if memory
                else "."
            ),
            "",
        ]
    lines += [
        "| row | model | accelerator | GPUs | TP/PP/DP | precision | published (s) | "
        "Calculon (s) | error | Calculon memory (GiB) | assumptions |",
        "|---|---|---|---:|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        row = r.row
        model = row.get("model") or f"{row.get('layers')}L x {row.get('hidden')}h"
        layout = f"{row.get('tp')}/{row.get('pp')}/{row.get('dp')}"
        calc = f"{r.calculon_s:.3g}" if r.calculon_s is not None else r.error
        err = _fmt_pct(r.rel_error) if r.rel_error is not None else "-"
        mem = f"{r.memory_gib:.0f}" if r.memory_gib is not None else "-"
        lines.append(
            f"| {row.id} | {model} | {row.get('accelerator')} | {row.get('gpus')} | {layout} | "
            f"{row.get('precision')} | {r.published_s:.3g} | {calc} | {err} | {mem} | "
            f"{r.notes or '-'} |"
        )
    by_reason: dict[str, list[str]] = {}
    for row, why in skipped:
        by_reason.setdefault("; ".join(why), []).append(row.id)
    lines += [
        "",
        "## Rows Calculon cannot represent",
        "",
        f"{len(skipped)} rows, by reason:",
        "",
        "| reason | rows |",
        "|---|---|",
    ]
    for reason, ids in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"| {reason} | {', '.join(ids)} ({len(ids)}) |")
    lines += [
        "",
        "## How the rows map to Calculon",
        "",
        "- Application: hidden, FFN width, sequence, heads, head size and layers of the row. "
        "Calculon has no embedding or output layer and a two-matrix MLP: gated MLPs (SwiGLU, "
        "GeGLU) of width f are given as width 1.5 f (same FLOPs and weights).",
        "- Execution: the row's TP, PP, DP, global batch, micro-batch (1 when not published), "
        "interleaving and recompute (selective = Calculon `attn_only`). TP is placed on the "
        "NVLink tier, PP and DP on it only while the job fits in one node. BF16 runs use "
        "Calculon's float16 entry (same peak); FP8 runs use its float8 entry, which runs every "
        "matrix operation at the FP8 peak.",
        "- Software knobs Calculon exposes, per framework era: Megatron-LM 2021 (M rows): full "
        "recompute, TP all-reduce, no SP, no optimizer sharding, no overlap; Korthikanti 2022 "
        "(K): SP with the all-gather redone in backward, as Calculon's own validation sets it; "
        "MT-NLG (T): ZeRO-1 optimizer sharding; NeMo / Megatron-Core: SP, distributed "
        "optimizer, DP overlap, TP overlap (`ring`) when the row has TP overlap, fused "
        "activation; MegaScale: the same, with selective recompute assumed (not published) "
        "and its parallel block and sliding-window attention not representable (Calculon runs "
        "the standard block).",
        "- Both system files have 80 GiB of first-tier memory; a row whose Calculon memory "
        "estimate exceeds it is rejected by Calculon (shown in the table). The memory column "
        "is Calculon's first-tier requirement per GPU.",
    ]
    return "\n".join(lines) + "\n"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as f:
        f.write(text)
    os.replace(f.name, path)


def _calculon() -> tuple[Any, Path]:
    """Calculon and its checkout, or a pytest skip saying why not."""
    try:
        import calculon
    except ImportError as exc:
        pytest.skip(
            f"calculon is not importable ({exc}); install it outside the repo, see the "
            "module docstring"
        )
    home = calculon_home(calculon)
    if home is None:
        pytest.skip("Calculon's systems/ directory not found; set CALCULON_HOME to its checkout")
    return calculon, home


def test_calculon_page_is_current():
    """docs/validation/calculon.md is what Calculon produces on today's rows."""
    calculon, home = _calculon()
    results, skipped = compare(calculon, home, read_rows())
    assert results, "no row Calculon can represent"
    assert all(r.calculon_s is None or math.isfinite(r.calculon_s) for r in results)
    expected = render(results, skipped, home)
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert current == expected, (
        f"{DOC.relative_to(ROOT)} is stale: run `python benchmarks/bench_calculon.py`"
    )


def test_calculon_evaluation_rate(benchmark):
    """Calculon's evaluations per second on the representable rows (for the speed comparison)."""
    calculon, home = _calculon()
    rows = [r for r in read_rows() if not unrepresentable(r)]
    results = benchmark.pedantic(
        lambda: [run_row(calculon, home, r) for r in rows], rounds=1, iterations=1
    )
    seconds = benchmark.stats.stats.min if benchmark.stats else float("nan")
    print(
        f"\nCalculon: {len(results)} rows in {seconds:.2f} s = "
        f"{len(results) / seconds:,.1f} evaluations/s (under load if others run)"
    )


def main() -> int:
    try:
        import calculon
    except ImportError as exc:
        print(f"calculon is not importable ({exc}); see the module docstring", file=sys.stderr)
        return 2
    home = calculon_home(calculon)
    if home is None:
        print("Calculon's systems/ directory not found; set CALCULON_HOME", file=sys.stderr)
        return 2
    results, skipped = compare(calculon, home, read_rows())
    write_atomic(DOC, render(results, skipped, home))
    print(f"{len(results)} rows compared, {len(skipped)} not representable -> {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
