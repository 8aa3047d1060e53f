"""Step time, memory and utilisation of training plans: one evaluator over NumPy arrays.

`evaluate(workload, hardware, plans)` computes every plan of a `PlanArrays` at once; a single
plan (`estimate`) is the same code on one-row arrays, so the search and the scalar path cannot
drift apart. `step_times` is the time model alone (the search evaluates it only for plans that
fit in memory, once per value of the knobs that change time but not memory).

Time of one step on the slowest pipeline stage (Narayanan et al. 2021, arXiv 2104.04473,
sections 2.2 and 3), with m = gbs / (dp mb) micro-batches:

    step = m (compute + recompute + tp + cp + ep + offload) + bubble + pp + dp + optimizer
    bubble = (pp - 1) / vp x (time of one micro-batch on the slowest stage)

Per layer and micro-batch of T = mb s / cp tokens on one accelerator:

- compute: every GEMM as a roofline, max(2 T K N / rate, bytes / HBM rate) + kernel overhead
  (`hardware.py`), fp8/fp4 for the transformer layers' GEMMs under a low-precision recipe
  (the output layer stays 16-bit); backward = dgrad + wgrad, twice the forward. Each of an
  MoE layer's E / ep local experts is its own GEMM, split by etp, over the
  T top_k ep etp / (E tp) tokens routed to it (balanced routing; T top_k ep / E when etp = tp),
  so it runs at the small-GEMM efficiency (Megatron-Core's grouped GEMM
  and Transformer Engine's GroupedLinear issue one GEMM per local expert). The attention
  core: with flash attention the FLOPs the kernel executes (causal share, the band of a
  sliding window, backward 2.5 forwards, `workload.executed_flops_per_token`) at the flash
  rate; without it, the QK^T and AV batched GEMMs over the whole score matrix plus softmax (and
  dropout) traffic (a sliding window is a mask there: the whole matrix is still computed).
  Element-wise kernels (norms, residual adds, activation, fp8 casts of the recipe) at the HBM
  rate.
- recompute: full repeats the forward's compute, and its TP/CP/EP collectives run again (counted
  once, in the tp/cp/ep parts: Korthikanti et al. 2022 Table 4, the backward grows by about one
  forward); selective repeats the attention core (nothing with flash attention, whose
  backward already recomputes it).
- tp: per pass four collectives of T h 2 bytes over the tp ranks (all-gather before and
  reduce-scatter after each block with sequence parallelism; an all-reduce, the same bytes,
  without; two with a parallel block). With `tp_overlap` each hides behind the GEMM it feeds
  (backward: its dgrad and wgrad), bounded: exposed = max(c - g, 0) + s min(c, g), s the
  calibration's `overlap_sm_share` (the SMs the communication kernels take); the overlapped
  GEMMs are split into tp chunks, each paying the kernel overhead.
- cp: ring attention passes K and V (cp - 1) times beside the attention core, bounded the
  same way; the backward moves them and their gradients.
- ep: dispatch and combine all-to-alls of T top_k h 2 / tp bytes over ep ranks etp apart per
  pass (MoE parallel folding, `plan.py`); the routed experts' TP collectives run over the etp
  ranks, the shared experts' over tp; with
  `ep_overlap` they hide behind the layer's forward and backward of another micro-batch
  (Megatron-Core's 1F1B all-to-all overlap), bounded in its three phases (the backward combine
  beside the forward attention, both dispatches beside the MLP, the forward combine beside the
  backward attention), in the steady state only: the warm-up
  forwards and cool-down backwards run alone (Megatron-LM megatron/core/pipeline_parallel/
  schedules.py get_pp_rank_microbatches, commit d98e8a6: rank r of the interleaved schedule
  runs 2 (pp - r - 1) + (vp - 1) pp + 1 chunk forwards before its first combined step, vp pp
  on average over the ranks; without pipelining the first forward and last backward,
  combined_1f1b.py), so min(pp, m) micro-batches' all-to-alls stay exposed.
  With the flex dispatcher
  (`moe_dispatcher` deepep / hybridep) a token crosses the scale-out network once per
  distinct destination domain and is forwarded over the scale-up links to its experts' ranks
  (DeepSeek-V3 report, arXiv 2412.19437 section 3.2.2; `comm.dedup_dispatch_s`): T h 2 / tp
  bytes times the expected distinct other domains, at most the node limit of group-limited
  routing (section 2.1.2), instead of T top_k h 2 / tp times the share on other domains, and
  the tokens are permuted once each way, without the all-to-all dispatcher's chunk sorts.
- pp: each micro-batch crosses each of a stage's vp chunk boundaries forward and backward,
  T h 2 / tp bytes; overlapped with a chunk's compute when the framework overlaps sends in the
  interleaved schedule.
- dp: gradients reduced over the dp x cp replicas (routed experts' over the
  edp = tp cp dp / (etp ep) expert replicas): an all-reduce per step (ZeRO 0); a
  reduce-scatter and an all-gather of the updated weights (ZeRO 1), the reduce-scatter after
  every micro-batch (ZeRO 2); weights gathered for each micro-batch's forward and backward
  and gradients reduce-scattered after it (ZeRO 3). With `dp_overlap` each hides behind one
  micro-batch's backward (gathers: its forward), bounded, and never below one bucket
  (the last bucket of the backward, the first of the forward).
- offload: activations of K of the stage's N layers copied to host memory during the forward
  and back during the backward on one stream, at the smaller of the host link and the
  accelerator's share of host DRAM bandwidth, as Transformer Engine schedules them
  (cpu_offload.py DefaultOffloadSynchronizer, commit d0067d0d): K c - (N - 2) t exposed per
  pass when positive (c a layer's copy, t its forward or backward; tests/perf/test_offload.py
  checks it event by event); the copies' HBM traffic is charged. Megatron-Core runs it only
  with pp = 1 and no recomputation (`plan.RULES`). Optimizer offload runs Adam in host
  memory.
- optimizer: one Adam pass over the local (ZeRO-sharded) parameters at the HBM rate; where
  the framework zeroes its contiguous main-gradient buffer every step (Megatron's
  `zero_grad_buffer`, `Framework.zeroes_grad_buffer`), one write of that buffer (every local
  parameter's gradient bytes; the shard under ZeRO-2/3) at the same rate.
- multi-token prediction (DeepSeek-V3 report section 2.2; Megatron-Core places the MTP
  layers on the last pipeline stage, megatron/core/models/gpt/gpt_model.py `mtp_process`):
  per module one more transformer block of the MoE (or dense) kind, timed as a layer with
  all its parts, the projection M_k (a 2h -> h GEMM), two norms, the shared output head and
  loss once more, and the embedding's TP reduction; on the last stage, whose time can then
  set the step (the slowest stage rule).

The breakdown's parts sum exactly to the step time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel, ValidationError

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model, System
from gigawatt.errors import GigawattError, InputError, UnknownIdError
from gigawatt.perf import comm
from gigawatt.perf.framework import Software, resolve
from gigawatt.perf.hardware import ACTIVATION_BYTES, Hardware
from gigawatt.perf.memory import (
    Memory,
    expert_data_parallel,
    in_flight,
    layer_activation_bytes_per_token,
    memory_per_gpu,
    stage_params,
)
from gigawatt.perf.plan import (
    MODULE_BIT,
    OFFLOADS,
    RECIPES,
    RECOMPUTE_MODULES,
    STAGES,
    Plan,
    PlanArrays,
    StageLayers,
    make_plan,
    micro_batches,
    stages_needed,
)
from gigawatt.perf.plan import stage_layers as _stage_layers
from gigawatt.perf.workload import FLASH_BACKWARD_PASSES, FLOPS_PER_MAC, Workload
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
    "offload",
)

#: Element-wise HBM traffic of a layer's forward pass [bytes per element]: each norm reads 2
#: and writes the GEMM input (b_in); each residual add (fused with bias and dropout) reads two
#: inputs and writes the sum (+ a 1-byte mask with dropout).
_NORM_READ_BYTES = 2.0
_RESIDUAL_BYTES = 6.0
#: Activation function per FFN element: read input(s) (gated: two), write the GEMM input.
_ACT_READ_PLAIN, _ACT_READ_GATED = 2.0, 4.0
#: Unfused attention per score: scale-mask-softmax forward (read 2, write 2), backward (read
#: 4, write 2); dropout forward (read 2, write 2 and a 1-byte mask), backward (read 3, write 2).
_SOFTMAX_FWD, _SOFTMAX_BWD, _DROPOUT_FWD, _DROPOUT_BWD = 4.0, 6.0, 5.0, 5.0
#: MoE token movement per routed element, forward: every dispatcher permutes the tokens into
#: expert order before the experts and undoes it after them, weighted by the router
#: probabilities (megatron/core/transformer/moe/moe_utils.py permute / unpermute): two passes
#: reading and writing 2 bytes.
_PERMUTE_BYTES = 8.0
#: The all-to-all dispatcher also sorts the received chunks by local expert and undoes that
#: after the experts (MoEAlltoAllTokenDispatcher: sort_chunks_by_idxs and its inverse): two
#: more passes. The flex dispatcher (DeepEP, HybridEP) does not: DeepEP's dispatch returns the
#: received tokens with their routing map and one permute puts them in local-expert order
#: (_DeepepManager.get_permuted_hidden_states_by_experts), HybridEP permutes inside its
#: dispatch and unpermutes inside its combine (_HybridEPManager: dispatch_with_permute,
#: combine_with_unpermute; megatron/core/transformer/moe/token_dispatcher.py and fused_a2a.py,
#: Megatron-LM commit 2edffadb, the 26.04.01 container's).
_SORT_BYTES = 8.0
#: Loss over fp32 logits: write them, read them back (forward); the backward likewise.
_LOGIT_BYTES = 8.0
#: Extra HBM traffic of a recipe's cast kernels [bytes per element]: forward per GEMM input
#: not cast inside a norm or activation kernel (delayed: the attention output only; current
#: scaling: an amax pass and a cast for every input; MXFP8/NVFP4: quantise to row- and
#: column-wise copies), backward per output gradient (cast + transpose) and per stored input
#: transposed for the weight gradient (Transformer Engine's per-tensor recipes on Hopper).
_CAST_FWD = {"delayed": 3.0, "current": 5.0, "mxfp8": 4.0, "nvfp4": 3.0}
_CAST_FWD_ALL = {"delayed": False, "current": True, "mxfp8": True, "nvfp4": True}
_CAST_BWD = {"delayed": 4.0, "current": 6.0, "mxfp8": 4.0, "nvfp4": 3.0}
_CAST_TRANSPOSE = {"delayed": 2.0, "current": 2.0, "mxfp8": 0.0, "nvfp4": 0.0}
_BACKWARD_FACTOR = 2.0
#: Context-parallel output merge per ring step: fp32 partial output read twice, written once.
_CP_MERGE_BYTES = 12.0
#: Cast (and amax) kernels per layer of a low-precision recipe, forward.
_CAST_KERNELS = 4.0
_ACTIVATION_OFFLOAD = OFFLOADS.index("activations")
_OPTIMIZER_OFFLOAD = OFFLOADS.index("optimizer")
#: Recompute modules whose replay repeats TP collectives (the GEMMs they replay have them).
_TP_MODULES = frozenset({"mlp", "moe", "shared_experts", "mlpwi", "qkv_proj", "out_proj"})


def _bounded(comm_s: np.ndarray, window_s: np.ndarray, share: float) -> np.ndarray:
    """Exposed time of a collective overlapped with `window_s` of compute: what the window
    cannot hide, plus the compute slowed by the collective's share of the SMs."""
    return np.maximum(comm_s - window_s, 0.0) + share * np.minimum(comm_s, window_s)


@dataclass(frozen=True)
class _Layer:
    """Seconds per layer and micro-batch on one accelerator. The parts that depend on the
    time-only knobs (TP/EP overlap, fp8 recipe) are kept per value: `cast` per recipe code,
    TP exposure off/on, EP all-to-all per pass."""

    fwd: np.ndarray
    bwd: np.ndarray
    cast: dict[int, tuple[np.ndarray, np.ndarray]]
    unfused_fwd: np.ndarray
    tp_fwd: tuple[np.ndarray, np.ndarray]
    tp_bwd: tuple[np.ndarray, np.ndarray]
    cp_fwd: np.ndarray
    cp_bwd: np.ndarray
    a2a: np.ndarray
    #: The same with the node-deduplicated flex dispatcher (`moe_dispatcher` deepep/hybridep).
    a2a_dedup: np.ndarray
    #: (forward, backward) of the all-to-all dispatcher's chunk sort and its inverse, which the
    #: flex dispatcher does not run (`_SORT_BYTES`); not in `fwd` / `bwd`.
    sort: tuple[np.ndarray, np.ndarray]
    #: (forward, backward) of the MLP block's share of `fwd` / `bwd` (its GEMMs, activation and
    #: token permutation), for the phases of the expert-parallel overlap (`assemble`).
    mlp: tuple[np.ndarray, np.ndarray]
    #: Forward compute a selective recompute module replays, and its TP collectives
    #: (plain, overlapped), by module name (`plan.RECOMPUTE_MODULES`).
    replay: dict[str, Any]
    replay_tp: dict[str, tuple[Any, Any]]


class _Gemms:
    """GEMM time model at fixed tokens per micro-batch (see `hardware.py`)."""

    def __init__(
        self, hw: Hardware, tokens: np.ndarray, low: bool, rate_factor: float = 1.0
    ) -> None:
        self.hw, self.m, self.low = hw, tokens, low
        self.rate = (hw.gemm_flops_per_s if low else hw.gemm16_flops_per_s) * rate_factor
        self.in_bytes = hw.gemm_input_bytes if low else ACTIVATION_BYTES

    def time(self, k: Any, n: Any, m: Any = None, factor: float = 1.0) -> np.ndarray:
        """Forward time of a (m x k) @ (k x n) GEMM (`factor` multiplies the rate)."""
        m = self.m if m is None else m
        flops = FLOPS_PER_MAC * m * k * n
        moved = (m * k + k * n) * self.in_bytes + m * n * ACTIVATION_BYTES
        return (
            np.maximum(flops / (self.rate * factor), moved / self.hw.memory_bytes_per_s)
            + self.hw.kernel_overhead_s
        )


def _gemm_times(
    w: Workload, g: _Gemms, p: PlanArrays, moe: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Forward time of a layer's GEMM groups (QKV, output projection, FC1, FC2) [s]."""
    tp = p.tp.astype(np.float64)
    h = float(w.hidden)
    heads = w.q_heads / tp
    kv = np.maximum(w.kv_heads / tp, 1.0)
    d_qk, d_v = w.head_dim_qk, w.head_dim_v
    if w.mla:  # low-rank query and key/value projections (DeepSeek-V2/V3)
        nope = d_qk - w.qk_rope_dim
        q_rank = w.q_lora_rank
        query = (
            g.time(h, q_rank / tp) + g.time(q_rank, w.q_heads * d_qk / tp)
            if q_rank
            else g.time(h, w.q_heads * d_qk / tp)
        )
        qkv = (
            query
            + g.time(h, (w.kv_lora_rank + w.qk_rope_dim) / tp)
            + g.time(w.kv_lora_rank, w.q_heads * (nope + d_v) / tp)
        )
    else:
        qkv = g.time(h, heads * d_qk + kv * (d_qk + d_v))
    proj = g.time(heads * d_v, h)
    gate = 2.0 if w.gated else 1.0
    if not moe:
        return qkv, proj, g.time(h, gate * w.ffn_hidden / tp), g.time(w.ffn_hidden / tp, h)
    # Each local expert is its own GEMM over the tokens routed to it (balanced routing:
    # T top_k / local of them per tp rank; the etp ranks of an expert gather theirs, etp / tp
    # of a TP group's), so its efficiency is that of the small GEMM; its width is split by etp.
    etp = p.etp.astype(np.float64)
    local = max(w.experts, 1) / p.ep
    per_expert = g.m * w.top_k / local * (etp / tp)
    f = g.hw.expert_low_precision_factor if g.low else 1.0
    fc1 = local * g.time(h, gate * w.moe_ffn_hidden / etp, m=per_expert, factor=f)
    fc2 = local * g.time(w.moe_ffn_hidden / etp, h, m=per_expert, factor=f)
    if w.shared_experts:
        fc1 = fc1 + g.time(h, gate * w.shared_experts * w.moe_ffn_hidden / tp)
        fc2 = fc2 + g.time(w.shared_experts * w.moe_ffn_hidden / tp, h)
    return qkv, proj, fc1, fc2


def _layer_cost(
    w: Workload,
    hw: Hardware,
    p: PlanArrays,
    moe: bool,
    tp_unit: np.ndarray,
    recipes: tuple[int, ...],
    modules: tuple[str, ...] = RECOMPUTE_MODULES,
) -> _Layer:
    net = hw.network
    t0 = hw.kernel_overhead_s
    bw = hw.memory_bytes_per_s
    sigma = hw.overlap_sm_share
    tokens = (p.mb * w.seq_len / p.cp).astype(np.float64)
    tp = p.tp.astype(np.float64)
    tsp = np.where(p.sp, tp, 1.0)
    flash = p.flash_attention
    low = hw.precision in ("fp8", "fp4")
    g = _Gemms(hw, tokens, low)
    h = float(w.hidden)
    heads = w.q_heads / tp
    kv = np.maximum(w.kv_heads / tp, 1.0)
    d_qk, d_v = w.head_dim_qk, w.head_dim_v
    drop = 1.0 if w.dropout else 0.0

    # --- GEMMs: attention projections, then the MLP (dense) or the experts (MoE) ------------
    qkv, proj, fc1, fc2 = _gemm_times(w, g, p, moe)
    gate = 2.0 if w.gated else 1.0
    if moe:
        copies = w.top_k + w.shared_experts
        router = (
            (tokens * FLOPS_PER_MAC * h * w.experts / hw.gemm16_flops_per_s + t0)
            if w.routed
            else 0.0
        )
        ffn_width = copies * w.moe_ffn_hidden
    else:
        router = 0.0
        ffn_width = w.ffn_hidden
    # Elements per token entering (and leaving) the layer's four GEMM groups. Routed experts
    # take the dispatched copies of the token (top_k of them, quantised by the expert GEMMs
    # after dispatch), shared experts the token itself.
    mlp_copies = w.top_k + (1 if w.shared_experts else 0) if moe and w.routed else 1
    # An expert TP group of etp ranks gathers etp / tp of a TP group's routed tokens.
    gathered = w.top_k * (p.etp / tp) + (1 if w.shared_experts else 0) if moe and w.routed else 1
    gemm_inputs = h + heads * d_v + gathered * h + ffn_width / tp
    gemm_outputs = heads * d_qk + kv * (d_qk + d_v) + h + gate * ffn_width / tp + gathered * h
    gemms = qkv + proj + fc1 + fc2 + router

    # --- attention core -------------------------------------------------------------------
    attn_flops = tokens * w.attention_flops_per_token_layer / tp
    causal = w.flash_fraction()
    unfused = ~flash
    flash_fwd = attn_flops * causal / hw.flash_flops_per_s + t0
    flash_bwd = FLASH_BACKWARD_PASSES * attn_flops * causal / hw.flash_flops_per_s + t0
    if np.any(unfused):
        scores = tokens * heads * w.seq_len
        # QK^T reads Q and K and writes the scores; AV reads the probabilities and V, writes O.
        bmm_bytes = (
            heads
            * ACTIVATION_BYTES
            * (
                tokens * d_qk
                + w.seq_len * d_qk
                + 2 * tokens * w.seq_len
                + w.seq_len * d_v
                + tokens * d_v
            )
        )
        bmm = np.maximum(attn_flops / hw.gemm16_flops_per_s, bmm_bytes / bw) + 2 * t0
        unfused_fwd = bmm + scores * (_SOFTMAX_FWD + drop * _DROPOUT_FWD) / bw + (1 + drop) * t0
        unfused_bwd = (
            _BACKWARD_FACTOR * bmm
            + scores * (_SOFTMAX_BWD + drop * _DROPOUT_BWD) / bw
            + (1 + drop) * t0
        )
        attn_fwd = np.where(flash, flash_fwd, unfused_fwd)
        attn_bwd = np.where(flash, flash_bwd, unfused_bwd)
    else:
        unfused_fwd = np.zeros(len(p))
        attn_fwd, attn_bwd = flash_fwd, flash_bwd

    # --- element-wise kernels -------------------------------------------------------------
    b_in = g.in_bytes
    act_read = _ACT_READ_GATED if w.gated else _ACT_READ_PLAIN
    per_token = (
        2 * (_NORM_READ_BYTES + b_in) * h / tsp
        + 2 * (_RESIDUAL_BYTES + drop) * h / tsp
        + (act_read + b_in) * ffn_width / tp
    )
    kernels = 5.0
    if moe and w.routed:
        per_token = per_token + _PERMUTE_BYTES * w.top_k * h / tp
        kernels += 1
        sort_fwd = tokens * _SORT_BYTES * w.top_k * h / tp / bw + t0
        sort = (sort_fwd, _BACKWARD_FACTOR * sort_fwd)
    else:
        sort = (np.zeros(len(p)), np.zeros(len(p)))
    elem_fwd = tokens * per_token / bw + kernels * t0
    elem_bwd = tokens * _BACKWARD_FACTOR * per_token / bw + 2 * kernels * t0
    cast: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for code in recipes:
        name = RECIPES[code]
        if name == "none":
            cast[code] = (np.zeros(len(p)), np.zeros(len(p)))
            continue
        inputs = gemm_inputs if _CAST_FWD_ALL[name] else heads * d_v
        fwd_bytes = _CAST_FWD[name] * inputs
        bwd_bytes = _CAST_BWD[name] * gemm_outputs + _CAST_TRANSPOSE[name] * gemm_inputs
        fwd_s = tokens * fwd_bytes / bw + _CAST_KERNELS * t0
        bwd_s = tokens * bwd_bytes / bw + 2 * _CAST_KERNELS * t0
        if name == "mxfp8" and hw.mxfp8_gemm_factor != 1.0:
            # Block-scaled GEMMs run at mxfp8_gemm_factor of the per-tensor fp8 rate.
            slow = _Gemms(hw, tokens, low, hw.mxfp8_gemm_factor)
            extra = sum(_gemm_times(w, slow, p, moe)) - (qkv + proj + fc1 + fc2)
            fwd_s, bwd_s = fwd_s + extra, bwd_s + _BACKWARD_FACTOR * extra
        cast[code] = (fwd_s, bwd_s)

    fwd = gemms + attn_fwd + elem_fwd
    bwd = _BACKWARD_FACTOR * gemms + attn_bwd + elem_bwd
    mlp_elem = (act_read + b_in) * ffn_width / tp
    if moe and w.routed:
        mlp_elem = mlp_elem + _PERMUTE_BYTES * w.top_k * h / tp
    mlp_elem_s = tokens * mlp_elem / bw
    mlp = (fc1 + fc2 + mlp_elem_s, _BACKWARD_FACTOR * (fc1 + fc2 + mlp_elem_s))

    # --- tensor parallelism ---------------------------------------------------------------
    # Forward: a gather before and a reduce-scatter after each block with sequence
    # parallelism, an all-reduce (the same two units) after each without. Backward: the
    # row-parallel layers' output-gradient gathers (sequence parallelism only) precede their
    # dgrad GEMM; the column-parallel layers' input-gradient reduce-scatters (all-reduces)
    # and, with sequence parallelism, their input re-gathers for the wgrad GEMM sit beside
    # GEMMs (Korthikanti et al. 2022 section 4.2.2).
    # A routed MoE layer's experts (split like tp) take the top_k dispatched copies of each
    # token: Megatron-Core's all-to-all dispatcher all-gathers the tokens each TP rank
    # received over the TP group before the experts and reduce-scatters their output after
    # them (megatron/core/transformer/moe/token_dispatcher.py, MoEAlltoAllTokenDispatcher:
    # gather_from_sequence_parallel_region / reduce_scatter_to_sequence_parallel_region with
    # the TP group's split sizes), so the MLP's collective carries top_k (+1 with a shared
    # expert) tokens' worth where a dense MLP's carries one. That group is the expert TP group
    # (MoETokenDispatcher.tp_group = get_expert_tensor_parallel_group(), Megatron-Core
    # core_v0.12.0): with etp != tp the routed tokens' gather spans etp ranks and carries
    # etp / tp of a TP group's tokens; the shared expert's stays on the tp group
    # (moe/shared_experts.py: gather_from_sequence_parallel_region on the TP group).
    if moe and w.routed:
        mlp_unit = tp_unit * mlp_copies
        if np.any(p.etp != p.tp):
            token_bytes = tokens * h * ACTIVATION_BYTES
            expert_unit = np.where(
                p.etp > 1,
                comm.all_gather_s(net, token_bytes * (p.etp / tp), p.etp, 1),
                0.0,
            )
            shared = 1.0 if w.shared_experts else 0.0
            mlp_unit = np.where(p.etp == p.tp, mlp_unit, tp_unit * shared + expert_unit * w.top_k)
    else:
        mlp_unit = tp_unit
    sp_on = p.sp & (p.tp > 1)
    if w.parallel_block:
        fwd_pairs = ((qkv + fc1, tp_unit), (proj + fc2, tp_unit))
        row_gemms, col_gemms = ((proj + fc2, tp_unit),), ((qkv + fc1, tp_unit),)
    else:
        fwd_pairs = ((qkv, tp_unit), (proj, tp_unit), (fc1, mlp_unit), (fc2, mlp_unit))
        row_gemms, col_gemms = ((proj, tp_unit), (fc2, mlp_unit)), ((qkv, tp_unit), (fc1, mlp_unit))
    plain_fwd = sum(u for _, u in fwd_pairs)
    row_bwd = np.where(sp_on, sum(u for _, u in row_gemms), 0.0)
    # reduce-scatter + re-gather, or an all-reduce, beside each column-parallel GEMM
    col_async = sum(_bounded(2.0 * u, _BACKWARD_FACTOR * gi, sigma) for gi, u in col_gemms)
    col_sync = sum(2.0 * u for _, u in col_gemms)
    plain_bwd = row_bwd + (col_async if hw.tp_async_backward else col_sync)
    over_fwd = sum(_bounded(u, gi, sigma) for gi, u in fwd_pairs)
    over_bwd = sum(_bounded(u, _BACKWARD_FACTOR * gi, sigma) for gi, u in row_gemms)
    chunking = len(fwd_pairs) * (tp - 1) * t0  # each overlapped GEMM runs as tp chunks
    if moe and w.routed and not w.parallel_block and np.any(p.etp != p.tp):
        # the expert GEMMs' collectives run over etp ranks: etp chunks
        chunking = np.where(p.etp == p.tp, chunking, 2 * (tp - 1 + p.etp - 1) * t0)
    tp_fwd = (plain_fwd, over_fwd + chunking)
    tp_bwd = (plain_bwd, over_bwd + col_async + 2 * chunking)

    # --- context parallelism (ring attention) ---------------------------------------------
    if np.any(p.cp > 1):
        kv_bytes = tokens * kv * (d_qk + d_v) * ACTIVATION_BYTES
        ring = (p.cp - 1) * comm.p2p_s(net, kv_bytes, p.tp)
        # Each further ring step is its own attention kernel whose partial output is merged
        # into the running one (fp32 output and log-sum-exp read twice, written once:
        # Transformer Engine's context-parallel attention); the backward likewise for dQ.
        merge = (p.cp - 1) * (t0 + tokens * heads * d_v * _CP_MERGE_BYTES / bw)
        cp_fwd = np.where(p.cp > 1, _bounded(ring, attn_fwd, sigma) + merge, 0.0)
        cp_bwd = np.where(p.cp > 1, _bounded(2 * ring, attn_bwd, sigma) + merge, 0.0)
    else:
        cp_fwd = cp_bwd = np.zeros(len(p))

    # --- expert parallelism: dispatch + combine per pass ----------------------------------
    if moe and w.routed and np.any(p.ep > 1):
        moved = tokens * w.top_k * h * ACTIVATION_BYTES / tp
        a2a = np.where(p.ep > 1, 2 * comm.all_to_all_s(net, moved, p.ep, p.etp), 0.0)
        dedup = comm.dedup_dispatch_s(
            net, moved / w.top_k, w.experts, w.top_k, p.ep, p.etp, _domain_cap(w, net, p)
        )
        a2a_dedup = np.where(p.ep > 1, 2 * dedup, 0.0)
    else:
        a2a = a2a_dedup = np.zeros(len(p))
    # --- selective recomputation: what each module replays in the backward ---------------
    # (Megatron-Core recompute_modules, MaxText remat policies: plan.RECOMPUTE_MODULES)
    zero = np.zeros(len(p))
    norms = tokens * 2 * (_NORM_READ_BYTES + b_in) * h / tsp / bw + 2 * t0

    def act(width: Any) -> np.ndarray:
        return tokens * (act_read + b_in) * width / tp / bw + t0

    def tp_pair(*pairs: tuple[Any, Any]) -> tuple[Any, Any]:
        """(plain, overlapped) forward collectives beside the replayed GEMMs."""
        plain = sum(u for _, u in pairs)
        over = sum(_bounded(u, gi, sigma) for gi, u in pairs) + len(pairs) * (tp - 1) * t0
        return np.where(p.tp > 1, plain, 0.0), np.where(p.tp > 1, over, 0.0)

    none = (zero, zero)
    replay: dict[str, Any] = {
        "core_attn": np.where(flash, 0.0, unfused_fwd),  # a flash backward recomputes it
        "layernorm": norms,
        "context": attn_fwd,
        "qkv_proj": qkv,
        "out_proj": proj,
    }
    replay_tp: dict[str, tuple[Any, Any]] = {
        "core_attn": none,
        "layernorm": none,
        "context": none,
        "qkv_proj": tp_pair((qkv, tp_unit)),
        "out_proj": tp_pair((proj, tp_unit)),
    }
    if moe:
        # (the all-to-all dispatcher's sort passes are added with the dispatcher, `assemble`)
        permute = tokens * _PERMUTE_BYTES * w.top_k * h / tp / bw + 2 * t0 if w.routed else 0.0
        replay.update(
            mlp=zero,
            mlpwi=zero,
            mlp_act=zero,
            moe=fc1 + fc2 + router + act(ffn_width) + permute,
            moe_act=act(w.top_k * w.moe_ffn_hidden) if w.routed else zero,
        )
        replay_tp.update(
            mlp=none, mlpwi=none, mlp_act=none, moe=tp_pair((fc1, mlp_unit), (fc2, mlp_unit))
        )
        replay_tp["moe_act"] = none
        if w.shared_experts:
            width = w.shared_experts * w.moe_ffn_hidden
            shared_fc1 = g.time(h, gate * width / tp)
            shared_fc2 = g.time(width / tp, h)
            replay["shared_experts"] = shared_fc1 + shared_fc2 + act(width)
            replay_tp["shared_experts"] = tp_pair((shared_fc1, tp_unit), (shared_fc2, tp_unit))
        else:
            replay["shared_experts"], replay_tp["shared_experts"] = zero, none
    else:
        replay.update(
            mlp=fc1 + fc2 + act(ffn_width),
            mlpwi=fc1 + act(ffn_width),
            mlp_act=act(ffn_width),
            moe=zero,
            moe_act=zero,
            shared_experts=zero,
        )
        replay_tp.update(
            mlp=tp_pair((fc1, mlp_unit), (fc2, mlp_unit)),
            mlpwi=tp_pair((fc1, mlp_unit)),
            mlp_act=none,
            moe=none,
            moe_act=none,
            shared_experts=none,
        )
    if w.mla:
        nope = d_qk - w.qk_rope_dim
        q_up = g.time(w.q_lora_rank, w.q_heads * d_qk / tp) if w.q_lora_rank else zero
        replay["mla_up_proj"] = q_up + g.time(w.kv_lora_rank, w.q_heads * (nope + d_v) / tp)
    else:
        replay["mla_up_proj"] = zero
    replay_tp["mla_up_proj"] = none
    # only the modules asked for (every entry one value per plan); collectives where any
    replay = {k: zero + replay[k] for k in modules}
    replay_tp = {k: (zero + replay_tp[k][0], zero + replay_tp[k][1]) for k in modules}
    replay_tp = {k: v for k, v in replay_tp.items() if k in _TP_MODULES}
    return _Layer(
        fwd=fwd,
        bwd=bwd,
        cast=cast,
        unfused_fwd=unfused_fwd,
        tp_fwd=tp_fwd,
        tp_bwd=tp_bwd,
        cp_fwd=cp_fwd,
        cp_bwd=cp_bwd,
        a2a=a2a,
        a2a_dedup=a2a_dedup,
        sort=sort,
        mlp=mlp,
        replay=replay,
        replay_tp=replay_tp,
    )


def _domain_cap(w: Workload, net: comm.Network, p: PlanArrays) -> np.ndarray | float:
    """Most scale-up domains a token's experts can span under group-limited routing: the
    router_group_topk chosen groups of router_groups contiguous expert blocks
    (Megatron-Core moe_router_num_groups / moe_router_group_topk), each group within one
    of the expert-parallel group's domains when the groups split them evenly, else spanning
    domains / groups of them; no limit without groups."""
    if not w.router_groups:
        return np.inf
    outside = comm.domains_spanned(net, p.ep, p.etp)
    return w.router_group_topk * np.maximum(outside / w.router_groups, 1.0)


#: The plan columns `_layer_cost` reads: plans that agree on them have the same layer cost.
_LAYER_COLUMNS = ("tp", "cp", "mb", "sp", "flash_attention", "ep", "etp")


class _Reads:
    """Plans that record which columns are read (`_distinct_layer_cost`'s guard)."""

    def __init__(self, p: PlanArrays) -> None:
        self._p, self.read = p, set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._p, name)

    def __len__(self) -> int:
        return len(self._p)


def _distinct_layer_cost(
    w: Workload,
    hw: Hardware,
    p: PlanArrays,
    moe: bool,
    tp_unit: np.ndarray,
    recipes: tuple[int, ...],
    modules: tuple[str, ...] = RECOMPUTE_MODULES,
) -> _Layer:
    """`_layer_cost` computed once per distinct value of `_LAYER_COLUMNS` and spread to every
    plan: the same element-wise arithmetic (a search's plans share few layer shapes). Should
    `_layer_cost` read another column, or `tp_unit` differ between plans of one layer shape,
    every plan is computed instead."""
    n = len(p)
    codes = np.zeros(n, dtype=np.int64)
    radix = 1
    for name in _LAYER_COLUMNS:
        column = getattr(p, name).astype(np.int64)  # small non-negative integers or switches
        seen = np.zeros(int(column.max(initial=0)) + 1, dtype=np.int64)
        seen[column] = 1
        codes = codes * int(seen.sum()) + (np.cumsum(seen) - 1)[column]
        radix *= int(seen.sum())
    if n == 0 or radix >= 2**62:  # (the codes would overflow: met by no search)
        return _layer_cost(w, hw, p, moe, tp_unit, recipes, modules)
    if radix <= 4 * n:  # a table, no sort
        seen = np.zeros(radix, dtype=np.int64)
        seen[codes] = 1
        row = np.zeros(radix, dtype=np.int64)
        row[codes] = np.arange(n)  # one plan of each distinct value (any one will do)
        first = row[seen.astype(bool)]
        spread = (np.cumsum(seen) - 1)[codes]
    else:
        _, first, spread = np.unique(codes, return_index=True, return_inverse=True)
    if len(first) * 2 > n or not np.array_equal(tp_unit[first][spread], tp_unit):
        return _layer_cost(w, hw, p, moe, tp_unit, recipes, modules)
    reads = _Reads(p.take(first))
    layer = _layer_cost(w, hw, reads, moe, tp_unit[first], recipes, modules)  # type: ignore[arg-type]
    if not reads.read <= set(_LAYER_COLUMNS):
        return _layer_cost(w, hw, p, moe, tp_unit, recipes, modules)

    def full(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return x[spread] if x.shape == (len(first),) else x
        if isinstance(x, tuple):
            return tuple(full(v) for v in x)
        if isinstance(x, dict):
            return {k: full(v) for k, v in x.items()}
        return x

    return _Layer(**{f: full(getattr(layer, f)) for f in _Layer.__dataclass_fields__})


def _mtp_cost(
    w: Workload,
    hw: Hardware,
    p: PlanArrays,
    tp_unit: np.ndarray,
    head: tuple[np.ndarray, np.ndarray, np.ndarray],
    emb_tp: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(forward, backward, TP communication) seconds of one MTP module per micro-batch, its
    transformer block apart: the projection of the normalised [hidden; embedding] (2h -> h,
    column-parallel, 16-bit), the two norms and the concatenation (element-wise), the shared
    output head and loss (`_head_cost`), and the embedding lookup's TP reduction."""
    tokens = (p.mb * w.seq_len / p.cp).astype(np.float64)
    tp = p.tp.astype(np.float64)
    tsp = np.where(p.sp, tp, 1.0)
    h = float(w.hidden)
    g = _Gemms(hw, tokens, False)
    proj = g.time(2 * h, h / tp)
    # two norms (read 2, write 2 bytes per element each) and the concatenation (read and
    # write 2h elements)
    elem = tokens * (2 * 2 * ACTIVATION_BYTES + 2 * 2 * ACTIVATION_BYTES) * h / tsp
    elem_s = elem / hw.memory_bytes_per_s + 3 * hw.kernel_overhead_s
    head_fwd, head_bwd, head_tp = head
    fwd = proj + elem_s + head_fwd
    bwd = _BACKWARD_FACTOR * (proj + elem_s) + head_bwd
    # the projection's 2h-wide input gathered forward and its gradient reduced backward
    comm_s = np.where(p.tp > 1, 2 * 2 * tp_unit, 0.0) + head_tp + emb_tp
    return fwd, bwd, comm_s


def _head_cost(
    w: Workload, hw: Hardware, p: PlanArrays, tp_unit: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(forward, backward, TP communication) seconds of the output layer and loss per
    micro-batch. The output layer stays 16-bit; without vocabulary parallelism the logits are
    gathered to every TP rank and the loss runs over the whole vocabulary there."""
    tokens = (p.mb * w.seq_len / p.cp).astype(np.float64)
    tp = p.tp.astype(np.float64)
    g = _Gemms(hw, tokens, False)
    gemm = g.time(w.hidden, w.vocab / tp)
    vocab = w.vocab / np.where(p.vocab_parallel, tp, 1.0)
    loss = tokens * _LOGIT_BYTES * vocab / hw.memory_bytes_per_s + 2 * hw.kernel_overhead_s
    fwd = gemm + loss
    bwd = _BACKWARD_FACTOR * gemm + loss
    gathered = ~p.vocab_parallel & (p.tp > 1)
    if np.any(gathered):
        logits = tokens * w.vocab * ACTIVATION_BYTES
        gather = np.where(gathered, 2 * comm.all_gather_s(hw.network, logits, p.tp, 1), 0.0)
    else:
        gather = 0.0
    # Sequence parallelism gathers the final norm's output before the output layer.
    return fwd, bwd, np.where(p.sp & (p.tp > 1), 2 * tp_unit, 0.0) + gather


@dataclass(frozen=True)
class _DpStage:
    """A stage's data-parallel collective costs [s], before overlap."""

    grads: np.ndarray
    gather: np.ndarray
    last_grads: np.ndarray
    first_gather: np.ndarray


def _dp_costs(
    hw: Hardware,
    p: PlanArrays,
    groups: tuple[comm.Group, comm.Group | None],
    dense: np.ndarray,
    expert: np.ndarray,
    bucket: np.ndarray,
) -> _DpStage:
    dense_group, expert_group = groups

    def reduce_scatter(per_param: float) -> np.ndarray:
        # Without expert parallelism expert gradients share the dense buckets.
        together = dense_group.reduce_scatter((dense + expert) * per_param)
        if expert_group is None:
            return together
        apart = dense_group.reduce_scatter(dense * per_param) + expert_group.reduce_scatter(
            expert * per_param
        )
        return np.where((p.ep == 1) & (p.etp == p.tp), together, apart)

    return _DpStage(
        grads=reduce_scatter(hw.grad_reduce_bytes_per_param),
        gather=reduce_scatter(hw.gather_bytes_per_param),
        last_grads=dense_group.reduce_scatter(bucket * hw.grad_reduce_bytes_per_param),
        first_gather=dense_group.reduce_scatter(bucket * hw.gather_bytes_per_param),
    )


def _dp_exposed(
    hw: Hardware,
    p: PlanArrays,
    c: _DpStage,
    m: np.ndarray,
    overlap: np.ndarray,
    fwd_mb: np.ndarray,
    bwd_mb: np.ndarray,
) -> np.ndarray:
    """Exposed data-parallel communication per step for a stage's local parameters [s]:
    ZeRO 0 an all-reduce, 1 a reduce-scatter and an all-gather per step, 2 the reduce-scatter
    after every micro-batch, 3 gathers for every micro-batch's forward and backward and a
    reduce-scatter after it; overlapped (bounded, never below one bucket) or not."""
    sigma = hw.overlap_sm_share

    def hidden(x: np.ndarray, window: np.ndarray, floor: np.ndarray) -> np.ndarray:
        return np.maximum(_bounded(x, window, sigma), np.minimum(floor, x))

    zero = p.zero
    out = np.zeros(len(p))
    if np.any(zero == 0):
        ar = 2 * c.grads
        out = np.where(zero == 0, np.where(overlap, hidden(ar, bwd_mb, 2 * c.last_grads), ar), out)
    if np.any((zero == 1) | (zero == 2)):
        grads_once = np.where(overlap, hidden(c.grads, bwd_mb, c.last_grads), c.grads)
        gather_once = np.where(overlap, hidden(c.gather, fwd_mb, c.first_gather), c.gather)
        out = np.where(zero == 1, grads_once + gather_once, out)
        out = np.where(zero == 2, m * grads_once + gather_once, out)
    if np.any(zero == 3):
        z3 = m * np.where(
            overlap,
            hidden(c.gather, fwd_mb, c.first_gather)
            + hidden(c.gather + c.grads, bwd_mb, c.last_grads),
            2 * c.gather + c.grads,
        )
        out = np.where(zero == 3, z3, out)
    return np.where(p.dp * p.cp > 1, out, 0.0)


@dataclass(frozen=True)
class Times:
    """Every plan's step time and its breakdown (exposed parts that sum to the step)."""

    breakdown_s: dict[str, np.ndarray]
    step_time_s: np.ndarray


@dataclass(frozen=True)
class TimeParts:
    """What the time model computes once per plan, before the time-only knobs (TP, DP and EP
    overlap, fp8 recipe) are applied by `assemble`."""

    p: PlanArrays
    layers: StageLayers
    dense: _Layer
    moe: _Layer
    head_fwd: np.ndarray
    head_bwd: np.ndarray
    head_tp: np.ndarray
    emb_tp: np.ndarray
    mtp: tuple[np.ndarray, np.ndarray, np.ndarray]
    offload: dict[str, np.ndarray]
    hop: np.ndarray
    dp: dict[str, _DpStage]
    optimizer: np.ndarray
    m: np.ndarray


def time_parts(
    w: Workload,
    hw: Hardware,
    p: PlanArrays,
    layers=None,
    recipes: tuple[int, ...] | None = None,
    offloaded: dict[str, np.ndarray] | None = None,
) -> TimeParts:
    """The knob-independent parts of the time model for every plan (see `assemble`);
    `recipes` are the fp8 recipe codes `assemble` may be asked for (default: those in `p`);
    `offloaded` the layers whose activations each stage offloads, when the caller has them
    (`Memory.offloaded_layers` of these plans; default: computed)."""
    layers = _stage_layers(w, p) if layers is None else layers
    recipes = tuple(int(r) for r in np.unique(p.fp8_recipe)) if recipes is None else recipes
    tokens = (p.mb * w.seq_len / p.cp).astype(np.float64)
    tp_unit = np.where(
        p.tp > 1, comm.all_gather_s(hw.network, tokens * w.hidden * ACTIVATION_BYTES, p.tp, 1), 0.0
    )
    present = int(np.bitwise_or.reduce(p.recompute_modules[p.recompute == 1], initial=0))
    modules = tuple(name for name, bit in MODULE_BIT.items() if present & bit)
    dense = _distinct_layer_cost(w, hw, p, False, tp_unit, recipes, modules)
    moe = _distinct_layer_cost(w, hw, p, True, tp_unit, recipes, modules) if w.is_moe else dense
    head_fwd, head_bwd, head_tp = _head_cost(w, hw, p, tp_unit)
    emb_tp = np.where(p.tp > 1, 2 * tp_unit, 0.0)  # the vocabulary-parallel embedding's reduction
    if w.mtp_layers:
        mtp = _mtp_cost(w, hw, p, tp_unit, (head_fwd, head_bwd, head_tp), emb_tp)
    else:
        mtp = (np.zeros(len(p)),) * 3

    act_off = p.offload == _ACTIVATION_OFFLOAD
    offload: dict[str, np.ndarray] = {}
    if np.any(act_off):
        # the copies cross the accelerator's host link into its share of host DRAM
        link = max(min(hw.host_link_bytes_per_s, hw.host_memory_bytes_per_s), 1.0)
        if offloaded is None:
            offloaded = memory_per_gpu(w, hw, p, layers).offloaded_layers
        heavier = moe if w.is_moe else dense
        per_token = layer_activation_bytes_per_token(w, hw, p, w.is_moe)
        stored = per_token * tokens
        copy = stored / link
        for s in STAGES:
            n_off = offloaded.get(s, offloaded["first"])
            # Transformer Engine's default schedule (cpu_offload.py DefaultOffloadSynchronizer):
            # K = n_off of N layers offloaded, one copy stream; layer i's copy out must end
            # before layer N - K + i's forward, its copy back starts at the backward of layer
            # N - K - 1 + i. With copies of c each, the stream falls behind the compute by
            # at most K c - (N - 2) t (t a layer's forward, or backward), so that much is
            # exposed per pass; the copies' HBM traffic is charged.
            window = np.maximum(layers.dense[s] + layers.moe[s] - 2, 0.0)
            exposed = (
                np.maximum(n_off * copy - window * heavier.fwd, 0.0)
                + np.maximum(n_off * copy - window * heavier.bwd, 0.0)
                + n_off * 2 * stored / hw.memory_bytes_per_s
            )
            offload[s] = np.where(act_off, exposed, 0.0)
    else:
        for s in STAGES:
            offload[s] = np.zeros(len(p))

    boundary = tokens * w.hidden * ACTIVATION_BYTES / p.tp
    hop = np.where(p.pp > 1, comm.p2p_s(hw.network, boundary, p.tp * p.cp * p.dp), 0.0)

    params = stage_params(w, p, layers)
    # One FSDP unit per layer when the framework has no fixed bucket.
    bucket = params.layer if hw.dp_bucket_params is None else np.full(len(p), hw.dp_bucket_params)
    replicas = (p.dp * p.cp).astype(np.float64)
    expert_replicas = expert_data_parallel(p)
    groups = (
        comm.Group.ring(hw.network, p.dp * p.cp, p.tp),
        # the expert data-parallel group: edp ranks etp x ep apart (MoE parallel folding)
        comm.Group.ring(
            hw.network, np.maximum((p.tp * p.cp * p.dp) // (p.etp * p.ep), 1), p.etp * p.ep
        )
        if w.is_moe
        else None,
    )
    dp: dict[str, _DpStage] = {}
    local = np.zeros(len(p))
    buffered = np.zeros(len(p))
    shard = p.zero >= 1
    for s in stages_needed(w, p):
        dense_s, expert_s = params.dense[s], params.expert[s]
        b = np.minimum(bucket, dense_s + expert_s)
        dp[s] = _dp_costs(hw, p, groups, dense_s, expert_s, b)
        sharded = dense_s / np.where(shard, replicas, 1.0) + expert_s / np.where(
            shard, expert_replicas, 1.0
        )
        local = np.maximum(local, sharded)
        # The main-gradient buffer holds every local parameter unless ZeRO-2/3 shards it.
        buffered = np.maximum(buffered, np.where(p.zero >= 2, sharded, dense_s + expert_s))
    on_device = local * hw.optimizer_step_bytes_per_param / hw.memory_bytes_per_s
    if hw.zeroes_grad_buffer:
        # Megatron's train step zeroes the whole main-gradient buffer before each step
        # (DistributedDataParallel.zero_grad_buffer -> grad_data.zero_(), megatron/core/
        # distributed/param_and_grad_buffer.py at core_v0.14.0): one write of its bytes.
        on_device = on_device + buffered * hw.grad_bytes_per_param / hw.memory_bytes_per_s
    on_host = local * (hw.grad_bytes_per_param + ACTIVATION_BYTES) / max(
        hw.host_link_bytes_per_s, 1.0
    ) + local * hw.optimizer_step_bytes_per_param / max(hw.host_memory_bytes_per_s, 1.0)
    optimizer = np.where(p.offload == _OPTIMIZER_OFFLOAD, on_host, on_device)
    return TimeParts(
        p=p,
        layers=layers,
        dense=dense,
        moe=moe,
        head_fwd=head_fwd,
        head_bwd=head_bwd,
        head_tp=head_tp,
        emb_tp=emb_tp,
        mtp=mtp,
        offload=offload,
        hop=hop,
        dp=dp,
        optimizer=optimizer,
        m=micro_batches(p).astype(np.float64),
    )


def _cast(layer: _Layer, recipe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The layer's cast-kernel times for each plan's recipe."""
    codes = list(layer.cast)
    if len(codes) == 1:
        return layer.cast[codes[0]]
    fwd = np.select([recipe == c for c in codes], [layer.cast[c][0] for c in codes], 0.0)
    bwd = np.select([recipe == c for c in codes], [layer.cast[c][1] for c in codes], 0.0)
    return fwd, bwd


def assemble(
    w: Workload,
    hw: Hardware,
    parts: TimeParts,
    tp_overlap: np.ndarray,
    dp_overlap: np.ndarray,
    ep_overlap: np.ndarray,
    fp8_recipe: np.ndarray,
    moe_dispatcher: np.ndarray | None = None,
) -> Times:
    """Step time and breakdown for given values of the time-only knobs (see module)."""
    p, layers, m = parts.p, parts.layers, parts.m
    sigma = hw.overlap_sm_share
    full = p.recompute == 2
    selective = p.recompute == 1
    # the selective modules any plan replays (few; each is a where over the plans)
    present = int(np.bitwise_or.reduce(p.recompute_modules[selective], initial=0))
    modules = [
        (name, selective & ((p.recompute_modules & bit) != 0))
        for name, bit in MODULE_BIT.items()
        if present & bit
    ]
    single = p.pp == 1
    dedup = None if moe_dispatcher is None else moe_dispatcher != 0

    def per_layer(layer: _Layer) -> dict[str, np.ndarray]:
        cf, cb = _cast(layer, fp8_recipe)
        a2a = layer.a2a if dedup is None else np.where(dedup, layer.a2a_dedup, layer.a2a)
        if dedup is None:
            sort_f, sort_b = layer.sort
        else:  # the all-to-all dispatcher's chunk sorts: the flex dispatcher runs none
            sort_f = np.where(dedup, 0.0, layer.sort[0])
            sort_b = np.where(dedup, 0.0, layer.sort[1])
        fwd = layer.fwd + cf + sort_f
        bwd = layer.bwd + cb + sort_b
        tp_f = np.where(tp_overlap, layer.tp_fwd[1], layer.tp_fwd[0])
        tp_b = np.where(tp_overlap, layer.tp_bwd[1], layer.tp_bwd[0])
        plain = a2a * (2 + full)
        # Megatron-Core's 1F1B all-to-all overlap pairs one layer's forward with another
        # micro-batch's backward in three phases (megatron/core/models/common/
        # model_chunk_schedule_plan.py, TransformerLayerSchedulePlan.run, core_v0.14.0): the
        # backward combine beside the forward attention, the forward and backward dispatches
        # beside the MLP's backward and forward, the forward combine beside the backward
        # attention; each phase is bounded on its own (the cast kernels stay outside the
        # windows, as before the phases).
        mf = layer.mlp[0] + sort_f
        mb = layer.mlp[1] + sort_b
        one = a2a / 2  # one dispatch (or combine)
        phases = (
            _bounded(one, layer.fwd + sort_f - mf, sigma)
            + _bounded(2 * one, mf + mb, sigma)
            + _bounded(one, layer.bwd + sort_b - mb, sigma)
        )
        ep = np.where(ep_overlap, phases, plain)
        # Extra exposure of a micro-batch whose passes run alone (warm-up/cool-down).
        ep_alone = np.where(ep_overlap, plain - ep, 0.0)
        # The replayed forward's compute; its TP/CP/EP collectives are replayed too and
        # counted once, in their own columns ((1 + full) and (2 + full) passes).
        recompute = np.where(full, fwd, 0.0)
        tp = tp_f * (1 + full) + tp_b
        cp = layer.cp_fwd * (1 + full) + layer.cp_bwd
        for name, on in modules:
            recompute = recompute + np.where(on, layer.replay[name], 0.0)
            if name in layer.replay_tp:
                plain_tp, over = layer.replay_tp[name]
                tp = tp + np.where(on, np.where(tp_overlap, over, plain_tp), 0.0)
            if name == "context":  # the ring attention's passes are replayed with it
                cp = cp + np.where(on, layer.cp_fwd, 0.0)
            elif name == "moe":  # the dispatch and combine all-to-alls too, and the sorts
                ep = ep + np.where(on, a2a, 0.0)
                recompute = recompute + np.where(on, sort_f, 0.0)
        return {
            "fwd": fwd,
            "bwd": bwd,
            "recompute": recompute,
            "tp": tp,
            "cp": cp,
            "ep": ep,
            "ep_alone": ep_alone,
        }

    dense = per_layer(parts.dense)
    moe = per_layer(parts.moe) if w.is_moe else dense
    stages = stages_needed(w, p)
    stage_parts: dict[str, dict[str, np.ndarray]] = {}
    ep_alone: dict[str, np.ndarray] = {}
    for s in stages:
        if w.is_moe:
            nd, nm = layers.dense[s], layers.moe[s]
            out = {k: nd * dense[k] + nm * moe[k] for k in dense}
        else:
            n = layers.dense[s] + layers.moe[s]
            out = {k: n * dense[k] for k in dense}
        out["offload"] = parts.offload[s]
        if s != "middle":
            has_head = single if s == "first" else np.ones(len(p), dtype=bool)
            has_emb = np.ones(len(p), dtype=bool) if s == "first" else single
            out["fwd"] = out["fwd"] + np.where(has_head, parts.head_fwd, 0.0)
            out["bwd"] = out["bwd"] + np.where(has_head, parts.head_bwd, 0.0)
            out["tp"] = (
                out["tp"]
                + np.where(has_head, parts.head_tp, 0.0)
                + np.where(has_emb, parts.emb_tp, 0.0)
            )
            if w.mtp_layers:  # the MTP modules sit with the output head (last stage)
                block = moe if w.is_moe else dense
                n_mtp = np.where(has_head, float(w.mtp_layers), 0.0)
                for k in block:
                    out[k] = out[k] + n_mtp * block[k]
                mtp_fwd, mtp_bwd, mtp_tp = parts.mtp
                out["fwd"] = out["fwd"] + n_mtp * mtp_fwd
                out["bwd"] = out["bwd"] + n_mtp * mtp_bwd
                out["tp"] = out["tp"] + n_mtp * mtp_tp
        ep_alone[s] = out.pop("ep_alone")
        stage_parts[s] = out
    totals = {s: sum(stage_parts[s].values()) for s in stages}
    if len(stages) == 2:
        last = totals["last"] > totals["first"]
        stage = {
            k: np.where(last, stage_parts["last"][k], stage_parts["first"][k])
            for k in stage_parts["first"]
        }
        per_mb = np.maximum(totals["first"], totals["last"])
        alone = np.where(last, ep_alone["last"], ep_alone["first"])
    else:
        slowest = np.argmax(np.stack([totals[s] for s in stages]), axis=0)
        stage = {
            k: np.choose(slowest, [stage_parts[s][k] for s in stages]) for k in stage_parts["first"]
        }
        per_mb = np.choose(slowest, [totals[s] for s in stages])
        alone = np.choose(slowest, [ep_alone[s] for s in stages])

    chunk_fwd = stage["fwd"] / p.vp
    if hw.pp_comm_overlap:
        per_hop = np.where(p.vp > 1, _bounded(parts.hop, chunk_fwd, sigma), parts.hop)
    else:
        per_hop = parts.hop
    pp_comm = 2 * p.vp * m * per_hop

    fwd_mb, bwd_mb = stage["fwd"], stage["bwd"] + stage["recompute"]
    dp_comm = np.zeros(len(p))
    for s in stages:
        dp_comm = np.maximum(
            dp_comm, _dp_exposed(hw, p, parts.dp[s], m, dp_overlap, fwd_mb, bwd_mb)
        )
    breakdown = {
        "compute": m * (stage["fwd"] + stage["bwd"]),
        "recompute": m * stage["recompute"],
        "tp_comm": m * stage["tp"],
        "cp_comm": m * stage["cp"],
        "ep_comm": m * stage["ep"] + np.minimum(p.pp, m) * alone,
        "pp_comm": pp_comm,
        "dp_comm": dp_comm,
        "bubble": (p.pp - 1) / p.vp * per_mb,
        "optimizer": parts.optimizer,
        "offload": m * stage["offload"],
    }
    step = sum(breakdown[k] for k in BREAKDOWN_KEYS)
    return Times(breakdown, step)


def step_times(w: Workload, hw: Hardware, p: PlanArrays, layers=None) -> Times:
    """The time model for the plans' own knob values (see module)."""
    parts = time_parts(w, hw, p, layers)
    return assemble(
        w, hw, parts, p.tp_overlap, p.dp_overlap, p.ep_overlap, p.fp8_recipe, p.moe_dispatcher
    )


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


def memory_of(w: Workload, hw: Hardware, p: PlanArrays, layers=None) -> Memory:
    return memory_per_gpu(w, hw, p, _stage_layers(w, p) if layers is None else layers)


def utilisation(
    w: Workload, hw: Hardware, p: PlanArrays, step: np.ndarray
) -> dict[str, np.ndarray]:
    """tokens/s, MFU (PaLM convention: attention in full), MFU with the attention term halved,
    HFU (FLOPs the kernels execute, recomputation included) and model TFLOP/s per GPU."""
    gpus = (p.tp * p.pp * p.cp * p.dp).astype(np.float64)
    tokens_per_s = p.gbs * w.seq_len / step
    per_gpu = tokens_per_s / gpus
    flash = p.flash_attention
    executed = np.where(
        flash, w.executed_flops_per_token(True), w.executed_flops_per_token(False)
    ) + np.where(
        p.recompute == 2,
        np.where(
            flash,
            w.recompute_flops_per_token("full", True),
            w.recompute_flops_per_token("full", False),
        ),
        0.0,
    )
    selective = p.recompute == 1
    present = int(np.bitwise_or.reduce(p.recompute_modules[selective], initial=0))
    for name, bit in MODULE_BIT.items():
        if present & bit:
            on = selective & ((p.recompute_modules & bit) != 0)
            extra = np.where(
                flash, w.module_flops_per_token(name, True), w.module_flops_per_token(name, False)
            )
            executed = executed + np.where(on, extra, 0.0)
    return {
        "tokens_per_s": tokens_per_s,
        "mfu": per_gpu * w.model_flops_per_token / hw.peak_flops_per_s,
        "mfu_causal": per_gpu * w.model_flops_per_token_causal / hw.peak_flops_per_s,
        "hfu": per_gpu * executed / hw.peak_flops_per_s,
        "tflops_per_gpu": per_gpu * w.model_flops_per_token / FLOPS_PER_TFLOP,
    }


def evaluate(w: Workload, hw: Hardware, p: PlanArrays) -> Evaluation:
    """Step time, breakdown, memory and utilisation of every plan in `p` (see module)."""
    layers = _stage_layers(w, p)
    times = step_times(w, hw, p, layers)
    memory = memory_per_gpu(w, hw, p, layers)
    use = utilisation(w, hw, p, times.step_time_s)
    return Evaluation(
        breakdown_s=times.breakdown_s,
        step_time_s=times.step_time_s,
        memory=memory,
        fits=memory.fits,
        **use,
    )


# --- one plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerfResult:
    """One plan's prediction. `to_json()` gives the `gigawatt perf --json` object."""

    model: str
    system: str
    accelerator: str
    calibration: str
    framework: str
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
    #: Routed experts per MoE layer of the model (0: dense): with `calibration`, the
    #: estimate's validation class (`perf.accuracy`), so no caller reads the model again.
    experts: int

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "system": self.system,
            "accelerator": self.accelerator,
            "calibration": self.calibration,
            "framework": self.framework,
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
            "fp4_recipe": fp4_recipe(self.plan),
            "gbs_used": self.plan["gbs"],
            "breakdown_s": dict(self.breakdown_s),
            "params_total": self.params_total,
            "params_active": self.params_active,
            "model_flops_per_token": self.model_flops_per_token,
        }


def fp4_recipe(plan: dict[str, Any]) -> str | None:
    """The scaling recipe of an fp4 plan (the plan keeps it under `fp8_recipe`, a contract
    key named when only fp8 had recipes; NVFP4 is Transformer Engine's fp4 recipe); None when
    the plan's GEMMs are not fp4."""
    return plan.get("fp8_recipe") if plan.get("precision") == "fp4" else None


def _check_invariants(res: PerfResult) -> None:
    """Physical bounds every result must meet; a violation is a bug in the model."""
    numbers = [res.step_time_s, res.tokens_per_s, res.mfu, res.hfu, res.memory_gib_per_gpu]
    numbers += list(res.breakdown_s.values())
    if not all(np.isfinite(numbers)):
        raise GigawattError(f"perf invariant violated: non-finite result for plan {res.plan}")
    if res.hfu > 1 + 1e-9 or res.mfu_causal > res.hfu * (1 + 1e-9) + 1e-12:
        raise GigawattError(
            f"perf invariant violated: HFU {res.hfu:.3f} (must be <= 1 and >= causal MFU "
            f"{res.mfu_causal:.3f}) for plan {res.plan}"
        )
    if min(res.breakdown_s.values()) < 0:
        raise GigawattError(f"perf invariant violated: negative time part for plan {res.plan}")


def result_row(
    w: Workload, hw: Hardware, p: PlanArrays, ev: Evaluation, i: int, gpus: int
) -> PerfResult:
    """Plan `i` of an evaluation as a `PerfResult`."""
    mem = ev.memory
    res = PerfResult(
        model=w.name,
        system=hw.system_id,
        accelerator=hw.accelerator_id,
        calibration=hw.calibration_id,
        framework=hw.framework_id,
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
            "fragmentation": float(mem.fragmentation[i]),
            "optimizer_step": float(mem.optimizer_step[i]),
            "host": float(mem.host[i]),
            "reserve": hw.reserve_bytes,
            "usable": hw.usable_hbm_bytes,
        },
        fits=bool(ev.fits[i]),
        plan=p.row(i, hw.precision, hw.optimizer_dtype),
        breakdown_s={k: float(ev.breakdown_s[k][i]) for k in BREAKDOWN_KEYS},
        params_total=float(w.params_total),
        params_active=float(w.params_active),
        model_flops_per_token=float(w.model_flops_per_token),
        experts=w.experts,
    )
    _check_invariants(res)
    return res


# --- inputs: ids, records or files ----------------------------------------------------------


def _record_from_file(path: Path, cls: type[BaseModel], field: str) -> Any:
    raw = read_data_file(path)
    if isinstance(raw, dict) and "records" in raw:
        raw = raw["records"]
    if isinstance(raw, list):
        if len(raw) != 1:
            raise InputError(
                f"{str(path)!r} holds {len(raw)} records; allowed: a single record", field=field
            )
        raw = raw[0]
    if not isinstance(raw, dict):
        raise InputError(
            f"{str(path)!r} holds no record ({type(raw).__name__ if raw is not None else 'empty'});"
            f" allowed: a mapping of the record's fields, as `gigawatt catalog {field}s --json`"
            " prints them",
            field=field,
        )
    # `gigawatt catalog KIND --json` adds each record's kind: the right one is no field
    kind = raw.get("kind", f"{field}s")
    if kind != f"{field}s":
        raise InputError(
            f"{str(path)!r} holds a record of kind {kind!r}; allowed: a {field}s record",
            field=field,
        )
    raw = {k: v for k, v in raw.items() if k != "kind"}
    try:
        return cls.model_validate(raw)
    except ValidationError as e:
        raise InputError(format_validation_error(e, prefix=f"{field} {path}", model=cls)) from None


def _is_file(value: str) -> bool:
    return value.lower().endswith((".yaml", ".yml", ".toml", ".json")) or Path(value).is_file()


_Loaded = TypeVar("_Loaded", Model, System)


def _load_record(
    value: _Loaded | str, cls: type[_Loaded], field: str, from_catalog: Callable[..., _Loaded]
) -> _Loaded:
    """A record of `cls`: `value` itself, a YAML file holding one record, or an id
    `from_catalog` looks up (each error naming `field`)."""
    if isinstance(value, cls):
        return value
    if _is_file(value):
        if not Path(value).is_file():
            raise InputError(f"no such file: {value!r}", field=field)
        return _record_from_file(Path(value), cls, field)
    return _from_catalog(from_catalog, value, field)


def load_model(model: Model | str, catalog: Catalog) -> Model:
    """A model record: a `Model`, a catalog id, or a YAML file holding one record."""
    return _load_record(model, Model, "model", catalog.model)


def load_system(system: System | str, catalog: Catalog) -> System:
    """A system record: a `System`, a system or accelerator id, or a YAML file of one record."""
    return _load_record(system, System, "system", catalog.system)


def _from_catalog(get: Callable[..., Any], ref: str, field: str) -> Any:
    """The catalog's record `ref`; a folder's path that is no id is said to be a folder (it was
    `unknown model '/tmp'`), not an id misspelt."""
    try:
        return get(ref, field=field)
    except UnknownIdError:
        if not Path(ref).is_dir():
            raise
        raise InputError(
            f"{ref!r} is a folder; allowed: a {field} id, or a file of one record (`gigawatt "
            f"catalog {field}s ID` prints one to copy)",
            field=field,
        ) from None


def default_framework(system: System, catalog: Catalog) -> str:
    """The framework profile id jobs on `system` use unless told: the system's own (where the
    calibration's software does not run: a TPU pod, V100), else the one its accelerator's
    calibration was fitted with."""
    return system.framework or catalog.calibration(system.accelerator).framework


def hardware_for(
    system: System,
    precision: str,
    catalog: Catalog,
    framework: str | None = None,
    optimizer_dtype: str = "fp32",
) -> tuple[Hardware, Software]:
    """The hardware rates and the framework's knob choices for `system` at `precision`;
    `framework` defaults to the system's (`System.framework`, where the calibration's software
    does not run: a TPU pod), else the one the accelerator's calibration was fitted with."""
    accelerator = catalog.accelerator(system.accelerator, field="system.accelerator")
    if accelerator.peak_flops_per_s.get(precision) is None:
        supported = [k for k, v in accelerator.peak_flops_per_s.model_dump().items() if v]
        raise InputError(
            f"{accelerator.id} has no {precision} tensor path; allowed: {', '.join(supported)}",
            field="precision",
        )
    cal = catalog.calibration(accelerator.id)
    fw = catalog.framework(framework or default_framework(system, catalog), field="framework")
    hw = Hardware.build(system, accelerator, cal, fw, precision, optimizer_dtype)
    return hw, Software.build(fw, accelerator, system, precision)


def estimate(
    model: Model | str,
    system: System | str,
    gpus: int,
    plan: Plan | dict[str, Any] | None = None,
    *,
    seq_len: int | None = None,
    framework: str | None = None,
    catalog: Catalog | None = None,
) -> PerfResult:
    """Predict one plan: step time with its breakdown, memory per accelerator, MFU/HFU.

    `model` and `system` are records, catalog ids or YAML files of one record (`system` may
    be an accelerator id: its default system). `plan` holds the knobs of `Plan` (missing
    structural keys default as DESIGN.md section 7 says, software knobs to the framework's
    defaults; dp = N / (tp pp cp)). `framework` is a framework profile id (default: the
    system's, else the one the accelerator's calibration was fitted with). An invalid plan
    raises `InputError`
    naming the rule; a valid plan that does not fit in memory is a result with
    `fits = False`.
    """
    cat = catalog or Catalog.load()
    the_plan = make_plan(plan)
    w = Workload.from_model(load_model(model, cat), seq_len)
    hw, sw = hardware_for(
        load_system(system, cat), the_plan.precision, cat, framework, the_plan.optimizer_dtype
    )
    arrays = resolve(the_plan, w, gpus, sw)
    return result_row(w, hw, arrays, evaluate(w, hw, arrays), 0, gpus)


__all__ = [
    "BREAKDOWN_KEYS",
    "Evaluation",
    "PerfResult",
    "Times",
    "estimate",
    "evaluate",
    "hardware_for",
    "in_flight",
    "memory_of",
    "step_times",
    "utilisation",
]
