"""Step time, memory and utilisation of training plans: one evaluator over NumPy arrays.

`evaluate(workload, hardware, plans)` computes every plan of a `PlanArrays` at once; a single
plan (`estimate`) is the same code on one-row arrays, so the search and the scalar path cannot
drift apart.

Time of one step on the slowest pipeline stage (Narayanan et al. 2021, arXiv 2104.04473,
sections 2.2 and 3), with m = gbs / (dp mb) micro-batches:

    step = m (compute + recompute + tp + cp + ep) + bubble + pp + dp + optimizer
    bubble = (pp - 1) / vp x (time of one micro-batch on the stage)

Per layer and micro-batch of T = mb s / cp tokens on one accelerator:

- compute: GEMMs T x 2 x (active weights) / tp at the GEMM rate, plus the attention core
  T x 2 s a (d_qk + d_v) / tp at the attention rate (halved with flash attention: the causal
  mask skips blocks), plus element-wise traffic at the HBM rate, plus a fixed overhead per
  kernel; the backward pass costs twice the forward (input and weight gradients).
- recompute: full repeats the forward; selective repeats the attention core and its softmax
  (nothing with flash attention, whose backward already recomputes it).
- tp: (1 with a parallel block, else 2) all-reduces (equivalently all-gather + reduce-scatter
  with sequence parallelism) of T h 2 bytes per pass over tp ranks, hidden behind the layer's
  GEMMs with `tp_overlap`.
- cp: ring attention passes K and V (cp - 1) times, hidden behind the attention core when
  shorter; the backward moves them and their gradients.
- ep: dispatch and combine all-to-alls of T top_k h 2 / tp bytes over ep ranks per pass.
- pp: each micro-batch crosses each of a stage's vp chunk boundaries forward and backward,
  T h 2 / tp bytes (scatter/gather over the TP ranks).
- dp: gradients reduced over the dp x cp replicas: an all-reduce per step (ZeRO 0); a
  reduce-scatter and an all-gather of the updated weights per step (ZeRO 1), the
  reduce-scatter after every micro-batch (ZeRO 2: only a gradient shard is kept); weights
  gathered for each micro-batch's forward and backward and gradients reduce-scattered after
  it (ZeRO 3). With `dp_overlap` each is hidden behind one micro-batch's backward (gathers:
  its forward).
- optimizer: one Adam pass over the local (ZeRO-sharded) parameters at the HBM rate.

The breakdown's parts sum exactly to the step time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model, System
from gigawatt.errors import InputError
from gigawatt.perf import comm
from gigawatt.perf.hardware import ACTIVATION_BYTES, Hardware
from gigawatt.perf.memory import Memory, memory_per_gpu, stage_params
from gigawatt.perf.plan import Plan, PlanArrays, StageLayers, make_plan, micro_batches, resolve
from gigawatt.perf.plan import stage_layers as _stage_layers
from gigawatt.perf.workload import FLOPS_PER_MAC, Workload
from gigawatt.units import BYTES_PER_GIB, FLOPS_PER_TFLOP
from gigawatt.validation import format_validation_error
from gigawatt.yamlio import read_data_file

BREAKDOWN_KEYS = (
    "compute",
    "recompute",
    "tp_comm",
    "cp_comm",
    "ep_comm",
    "pp_comm",
    "dp_comm",
    "bubble",
    "optimizer",
)

#: Element-wise HBM traffic of a layer's forward pass, per token [bytes per element]:
#: two norms (read 2, write 2 each) and two fused bias-dropout-residual adds (read two
#: inputs, write the sum and a 1-byte mask) per h element.
_NORM_RESIDUAL_BYTES = 2 * 4 + 2 * 7
#: Activation function per FFN element: read input(s), write output (gated reads two).
_ACT_PLAIN_BYTES, _ACT_GATED_BYTES = 4, 6
#: Unfused attention per score: scale-mask-softmax (read 2, write 2), dropout (read 2,
#: write 2 and a 1-byte mask).
_SCORE_BYTES = 9
#: MoE token permutation: dispatch and combine each read and write a 2-byte copy per h element.
_PERMUTE_BYTES = 8
#: Loss over fp32 logits: write them, read them back.
_LOGIT_BYTES = 8
#: Backward costs twice the forward: gradients for inputs and for weights.
_BACKWARD_FACTOR = 2.0


@dataclass(frozen=True)
class _LayerCost:
    """Seconds per layer and micro-batch on one accelerator, by breakdown category."""

    fwd: np.ndarray
    bwd: np.ndarray
    recompute: np.ndarray
    tp: np.ndarray
    cp: np.ndarray
    ep: np.ndarray


def _layer_cost(w: Workload, hw: Hardware, p: PlanArrays, moe: bool) -> _LayerCost:
    net = hw.network
    t0 = hw.kernel_overhead_s
    tokens = (p.mb * w.seq_len / p.cp).astype(np.float64)
    tp = p.tp.astype(np.float64)
    tsp = np.where(p.sp, tp, 1.0)
    flash = p.flash_attention
    full = (p.recompute == 2).astype(np.float64)
    selective = p.recompute == 1

    if moe:
        copies = w.top_k + w.shared_experts
        weights = w.attn_params + w.router_params + copies * w.expert_params
        ffn_width = copies * w.moe_ffn_hidden
        # router, grouped expert GEMMs, shared experts
        gemms = int(w.routed) + 2 + 2 * (w.shared_experts > 0)
    else:
        weights = w.attn_params + w.mlp_params
        ffn_width = w.ffn_hidden
        gemms = 2
    gemms += 5 if w.mla else 2  # attention projections (QKV fused, output; MLA: down/up)
    linear = tokens * FLOPS_PER_MAC * weights / tp / hw.gemm_flops_per_s + gemms * t0

    causal_skip = np.where(flash, 0.5, 1.0)
    attention = (
        tokens * w.attention_flops_per_token_layer * causal_skip / tp / hw.attention_flops_per_s
        + np.where(flash, 1.0, 2.0) * t0
    )
    score_bytes = np.where(flash, 0.0, _SCORE_BYTES * w.q_heads * w.seq_len / tp)
    act_bytes = _ACT_GATED_BYTES if w.gated else _ACT_PLAIN_BYTES
    per_token = _NORM_RESIDUAL_BYTES * w.hidden / tsp + act_bytes * ffn_width / tp + score_bytes
    kernels = 5 + np.where(flash, 0.0, 2.0)  # norms, adds, activation (+ softmax, dropout)
    if moe and w.routed:
        per_token = per_token + _PERMUTE_BYTES * w.top_k * w.hidden / tp
        kernels = kernels + 2
    elementwise = tokens * per_token / hw.memory_bytes_per_s + kernels * t0

    fwd = linear + attention + elementwise
    bwd = _BACKWARD_FACTOR * fwd
    attention_redo = attention + tokens * score_bytes / hw.memory_bytes_per_s + 2 * t0
    recompute = full * fwd + np.where(selective & ~flash, attention_redo, 0.0)

    collectives = 1 if w.parallel_block else 2
    tp_pass = collectives * comm.all_reduce_s(net, tokens * w.hidden * ACTIVATION_BYTES, p.tp, 1)
    tp_fwd = np.where(p.tp_overlap, np.maximum(tp_pass - linear, 0.0), tp_pass)
    tp_bwd = np.where(p.tp_overlap, np.maximum(tp_pass - _BACKWARD_FACTOR * linear, 0.0), tp_pass)

    kv_heads = np.maximum(w.kv_heads / tp, 1.0)
    kv_bytes = tokens * kv_heads * (w.head_dim_qk + w.head_dim_v) * ACTIVATION_BYTES
    ring = (p.cp - 1) * comm.p2p_s(net, kv_bytes, p.tp)
    cp_fwd = np.maximum(ring - attention, 0.0)
    cp_bwd = np.maximum(2 * ring - _BACKWARD_FACTOR * attention, 0.0)

    if moe:
        routed = tokens * w.top_k * w.hidden * ACTIVATION_BYTES / tp
        ep_pass = 2 * comm.all_to_all_s(net, routed, p.ep, p.tp)  # dispatch + combine
    else:
        ep_pass = np.zeros_like(tokens)
    return _LayerCost(
        fwd=fwd,
        bwd=bwd,
        recompute=recompute,
        tp=tp_fwd * (1 + full) + tp_bwd,
        cp=cp_fwd * (1 + full) + cp_bwd,
        ep=ep_pass * (2 + full),
    )


def _logits_cost(w: Workload, hw: Hardware, p: PlanArrays) -> tuple[np.ndarray, np.ndarray]:
    """(forward, backward) seconds of the output layer and loss per micro-batch."""
    tokens = (p.mb * w.seq_len / p.cp).astype(np.float64)
    tp = p.tp.astype(np.float64)
    gemm = tokens * FLOPS_PER_MAC * w.hidden * w.vocab / tp / hw.gemm_flops_per_s
    loss = tokens * _LOGIT_BYTES * w.vocab / tp / hw.memory_bytes_per_s
    fwd = gemm + loss + 2 * hw.kernel_overhead_s
    return fwd, _BACKWARD_FACTOR * fwd


def _dp_exposed(
    hw: Hardware,
    p: PlanArrays,
    dense: np.ndarray,
    expert: np.ndarray,
    fwd_mb: np.ndarray,
    bwd_mb: np.ndarray,
) -> np.ndarray:
    """Exposed data-parallel communication per step for a stage's local parameters [s]."""
    net = hw.network
    replicas = p.dp * p.cp
    expert_replicas = np.maximum(replicas // p.ep, 1)
    expert_stride = p.tp * p.ep

    def reduce_scatter(per_param: float) -> np.ndarray:
        # Without expert parallelism expert gradients share the dense buckets.
        together = comm.reduce_scatter_s(net, (dense + expert) * per_param, replicas, p.tp)
        apart = comm.reduce_scatter_s(
            net, dense * per_param, replicas, p.tp
        ) + comm.reduce_scatter_s(net, expert * per_param, expert_replicas, expert_stride)
        return np.where(p.ep == 1, together, apart)

    grads = reduce_scatter(hw.grad_bytes_per_param)
    gather = reduce_scatter(hw.gather_bytes_per_param)  # an all-gather costs a reduce-scatter
    all_reduce = 2 * grads
    m = micro_batches(p).astype(np.float64)
    hidden = p.dp_overlap
    z0 = np.where(hidden, np.maximum(all_reduce - bwd_mb, 0.0), all_reduce)
    z1 = np.where(
        hidden, np.maximum(grads - bwd_mb, 0.0) + np.maximum(gather - fwd_mb, 0.0), grads + gather
    )
    # ZeRO-2 keeps only a gradient shard, so it reduce-scatters after every micro-batch.
    z2 = np.where(
        hidden,
        m * np.maximum(grads - bwd_mb, 0.0) + np.maximum(gather - fwd_mb, 0.0),
        m * grads + gather,
    )
    z3 = m * np.where(
        hidden,
        np.maximum(gather - fwd_mb, 0.0) + np.maximum(gather + grads - bwd_mb, 0.0),
        2 * gather + grads,
    )
    return np.select([p.zero == 0, p.zero == 1, p.zero == 2], [z0, z1, z2], z3)


@dataclass(frozen=True)
class Evaluation:
    """Every plan's results as arrays (one entry per plan)."""

    breakdown_s: dict[str, np.ndarray]
    step_time_s: np.ndarray
    tokens_per_s: np.ndarray
    mfu: np.ndarray
    mfu_causal: np.ndarray
    hfu: np.ndarray
    tflops_per_gpu: np.ndarray
    memory: Memory
    fits: np.ndarray


def evaluate(w: Workload, hw: Hardware, p: PlanArrays) -> Evaluation:
    """Step time, breakdown, memory and utilisation of every plan in `p` (see module doc)."""
    layers: StageLayers = _stage_layers(w, p)
    dense = _layer_cost(w, hw, p, moe=False)
    moe = _layer_cost(w, hw, p, moe=True) if w.is_moe else dense
    logits_fwd, logits_bwd = _logits_cost(w, hw, p)

    def per_stage(name: str, n_dense: np.ndarray, n_moe: np.ndarray) -> np.ndarray:
        return n_dense * getattr(dense, name) + n_moe * getattr(moe, name)

    cats = ("fwd", "bwd", "recompute", "tp", "cp", "ep")
    first = {c: per_stage(c, layers.first_dense, layers.first_moe) for c in cats}
    last = {c: per_stage(c, layers.last_dense, layers.last_moe) for c in cats}
    last["fwd"] = last["fwd"] + logits_fwd
    last["bwd"] = last["bwd"] + logits_bwd
    last_is_slowest = sum(last.values()) >= sum(first.values())
    stage = {c: np.where(last_is_slowest, last[c], first[c]) for c in cats}
    per_mb = sum(stage.values())

    m = micro_batches(p).astype(np.float64)
    pp = p.pp.astype(np.float64)
    tokens = (p.mb * w.seq_len / p.cp).astype(np.float64)
    boundary = tokens * w.hidden * ACTIVATION_BYTES / p.tp
    pp_comm = np.where(
        p.pp > 1, 2 * p.vp * m * comm.p2p_s(hw.network, boundary, p.tp * p.cp * p.dp), 0.0
    )

    params = stage_params(w, p, layers)
    fwd_mb, bwd_mb = stage["fwd"], stage["bwd"] + stage["recompute"]
    dp_comm = np.maximum(
        _dp_exposed(hw, p, params.first_dense, params.first_expert, fwd_mb, bwd_mb),
        _dp_exposed(hw, p, params.last_dense, params.last_expert, fwd_mb, bwd_mb),
    )
    replicas = (p.dp * p.cp).astype(np.float64)
    shard = p.zero >= 1
    local = np.maximum(
        params.first_dense / np.where(shard, replicas, 1.0)
        + params.first_expert / np.where(shard, replicas / p.ep, 1.0),
        params.last_dense / np.where(shard, replicas, 1.0)
        + params.last_expert / np.where(shard, replicas / p.ep, 1.0),
    )
    optimizer = local * hw.optimizer_step_bytes_per_param / hw.memory_bytes_per_s

    breakdown = {
        "compute": m * (stage["fwd"] + stage["bwd"]),
        "recompute": m * stage["recompute"],
        "tp_comm": m * stage["tp"],
        "cp_comm": m * stage["cp"],
        "ep_comm": m * stage["ep"],
        "pp_comm": pp_comm,
        "dp_comm": dp_comm,
        "bubble": (pp - 1) / p.vp * per_mb,
        "optimizer": optimizer,
    }
    step = sum(breakdown[k] for k in BREAKDOWN_KEYS)
    gpus = (p.tp * p.pp * p.cp * p.dp).astype(np.float64)
    tokens_per_s = p.gbs * w.seq_len / step
    recompute_flops = np.select(
        [p.recompute == 2, (p.recompute == 1) & ~p.flash_attention],
        [
            w.recompute_flops_per_token("full", False),
            w.recompute_flops_per_token("selective", False),
        ],
        0.0,
    )
    per_gpu = tokens_per_s / gpus
    memory = memory_per_gpu(w, hw, p, layers)
    return Evaluation(
        breakdown_s=breakdown,
        step_time_s=step,
        tokens_per_s=tokens_per_s,
        mfu=per_gpu * w.model_flops_per_token / hw.peak_flops_per_s,
        mfu_causal=per_gpu * w.model_flops_per_token_causal / hw.peak_flops_per_s,
        hfu=per_gpu * (w.model_flops_per_token + recompute_flops) / hw.peak_flops_per_s,
        tflops_per_gpu=per_gpu * w.model_flops_per_token / FLOPS_PER_TFLOP,
        memory=memory,
        fits=memory.total <= hw.usable_hbm_bytes,
    )


# --- one plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerfResult:
    """One plan's prediction. `to_json()` gives the `gigawatt perf --json` object."""

    model: str
    system: str
    accelerator: str
    calibration: str
    gpus: int
    seq_len: int
    step_time_s: float
    tokens_per_s: float
    mfu: float
    mfu_causal: float
    hfu: float
    tflops_per_gpu: float
    memory_gib_per_gpu: float
    memory_bytes: dict[str, float]
    fits: bool
    plan: dict[str, Any]
    breakdown_s: dict[str, float]
    params_total: float
    params_active: float
    model_flops_per_token: float

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "system": self.system,
            "accelerator": self.accelerator,
            "calibration": self.calibration,
            "gpus": self.gpus,
            "seq_len": self.seq_len,
            "step_time_s": self.step_time_s,
            "mfu": self.mfu,
            "mfu_causal": self.mfu_causal,
            "hfu": self.hfu,
            "tokens_per_s": self.tokens_per_s,
            "tflops_per_gpu": self.tflops_per_gpu,
            "memory_gib_per_gpu": self.memory_gib_per_gpu,
            "memory_bytes_per_gpu": dict(self.memory_bytes),
            "fits": self.fits,
            "plan": dict(self.plan),
            "breakdown_s": dict(self.breakdown_s),
            "params_total": self.params_total,
            "params_active": self.params_active,
            "model_flops_per_token": self.model_flops_per_token,
        }


def result_row(
    w: Workload, hw: Hardware, p: PlanArrays, ev: Evaluation, i: int, gpus: int
) -> PerfResult:
    """Plan `i` of an evaluation as a `PerfResult`."""
    mem = ev.memory
    return PerfResult(
        model=w.name,
        system=hw.system_id,
        accelerator=hw.accelerator_id,
        calibration=hw.calibration_id,
        gpus=gpus,
        seq_len=w.seq_len,
        step_time_s=float(ev.step_time_s[i]),
        tokens_per_s=float(ev.tokens_per_s[i]),
        mfu=float(ev.mfu[i]),
        mfu_causal=float(ev.mfu_causal[i]),
        hfu=float(ev.hfu[i]),
        tflops_per_gpu=float(ev.tflops_per_gpu[i]),
        memory_gib_per_gpu=float(mem.total[i] / BYTES_PER_GIB),
        memory_bytes={
            "weights": float(mem.weights[i]),
            "grads": float(mem.grads[i]),
            "optimizer": float(mem.optimizer[i]),
            "activations": float(mem.activations[i]),
            "usable": hw.usable_hbm_bytes,
        },
        fits=bool(ev.fits[i]),
        plan=p.row(i, hw.precision),
        breakdown_s={k: float(ev.breakdown_s[k][i]) for k in BREAKDOWN_KEYS},
        params_total=float(w.params_total),
        params_active=float(w.params_active),
        model_flops_per_token=float(w.model_flops_per_token),
    )


# --- inputs: ids, records or files ----------------------------------------------------------


def _record_from_file(path: Path, cls: type[BaseModel], field: str) -> Any:
    raw = read_data_file(path)
    if isinstance(raw, dict) and "records" in raw:
        raw = raw["records"]
    if isinstance(raw, list):
        if len(raw) != 1:
            raise InputError(f"expected a single record, found {len(raw)}", field=str(path))
        raw = raw[0]
    try:
        return cls.model_validate(raw)
    except ValidationError as e:
        raise InputError(format_validation_error(e, prefix=f"{field} {path}")) from None


def _is_file(value: str) -> bool:
    return value.lower().endswith((".yaml", ".yml", ".toml", ".json")) or Path(value).is_file()


def load_model(model: Model | str, catalog: Catalog) -> Model:
    """A model record: a `Model`, a catalog id, or a YAML file holding one record."""
    if isinstance(model, Model):
        return model
    if _is_file(model):
        if not Path(model).is_file():
            raise InputError(f"no such file: {model!r}", field="model")
        return _record_from_file(Path(model), Model, "model")
    return catalog.model(model, field="model")


def load_system(system: System | str, catalog: Catalog) -> System:
    """A system record: a `System`, a system or accelerator id, or a YAML file of one record."""
    if isinstance(system, System):
        return system
    if _is_file(system):
        if not Path(system).is_file():
            raise InputError(f"no such file: {system!r}", field="system")
        return _record_from_file(Path(system), System, "system")
    return catalog.system(system, field="system")


def hardware_for(system: System, precision: str, catalog: Catalog) -> Hardware:
    accelerator = catalog.accelerator(system.accelerator, field="system.accelerator")
    if accelerator.peak_flops_per_s.get(precision) is None:
        supported = [k for k, v in accelerator.peak_flops_per_s.model_dump().items() if v]
        raise InputError(
            f"{accelerator.id} has no {precision} tensor path; allowed: {', '.join(supported)}",
            field="precision",
        )
    return Hardware.build(system, accelerator, catalog.calibration(accelerator.id), precision)


def estimate(
    model: Model | str,
    system: System | str,
    gpus: int,
    plan: Plan | dict[str, Any] | None = None,
    *,
    seq_len: int | None = None,
    catalog: Catalog | None = None,
) -> PerfResult:
    """Predict one plan: step time with its breakdown, memory per accelerator, MFU/HFU.

    `model` and `system` are records, catalog ids or YAML files of one record (`system` may
    be an accelerator id: its default system). `plan` holds the knobs of `Plan` (missing keys
    default; dp = N / (tp pp cp)). An invalid plan raises `InputError` naming the rule; a
    valid plan that does not fit in memory is a result with `fits = False`.
    """
    cat = catalog or Catalog.load()
    the_plan = make_plan(plan)
    w = Workload.from_model(load_model(model, cat), seq_len)
    hw = hardware_for(load_system(system, cat), the_plan.precision, cat)
    arrays = resolve(the_plan, w, gpus)
    return result_row(w, hw, arrays, evaluate(w, hw, arrays), 0, gpus)
