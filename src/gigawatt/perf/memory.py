"""Memory per accelerator: weights, gradients, optimizer state, activations, fragmentation.

Model state (Rajbhandari et al. 2020, "ZeRO", arXiv 1910.02054, section 3.1 and Figure 1;
Megatron-Core's distributed-optimizer table, docs/user-guide/features/dist_optimizer.md): per
local parameter the framework's weight, gradient and optimizer bytes (`frameworks.yaml`:
bf16 weights with fp32 main gradients 2 + 4 + 12; bf16 or fp16 gradients 2 + 2 + 16, the
optimizer keeping an fp32 gradient copy), plus with fp8/fp4 the quantised weight copies
(`hardware.LOW_PRECISION_COPIES`). Routed expert weights are split by etp x ep (MoE parallel
folding, `plan.py`). ZeRO shards over the dp x cp ranks that hold the same weights (routed
experts: over the edp = tp cp dp / (etp ep) expert data-parallel ranks): stage 1 the
optimizer state (Megatron-Core's distributed optimizer: 6 + 12/d for bf16/fp32), 2 also
the gradients, 3 (FSDP) also the weights. Stages 2 and 3 hold two layers' unsharded
gradients while they are reduced, stage 3 two layers' gathered weights (the current one and
the prefetched one). Optimizer offload keeps the optimizer state in host memory.

Activations (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
Models", arXiv 2205.05198, section 4 and Table 2), per token of a layer [bytes], with t the
tensor-parallel size, t_sp = t with sequence parallelism, else 1, and b_in the bytes of a
stored GEMM input (2; 1 with fp8, whose recipes keep the quantised input for the backward):

    (4 + 2 b_in) h / t_sp                  two norm inputs; QKV and MLP inputs (norm outputs)
  + 2 h / t_sp                             two dropout masks (models trained with dropout only)
  + 2 (a d_qk + k d_qk + k d_v + a d_v) / t   Q, K, V, attention output (+ its fp8 copy)
  + (2 + 3 [dropout]) a s / t              softmax output, its dropout mask and output
                                           (dropped by selective recompute or flash attention,
                                           which keeps 4 bytes of statistics per query/head)
  + (2 or 4) f / t + b_in f / t            FFN activation input (gated: gate and up), second
                                           GEMM input

which is Korthikanti's s b h (34 + 5 a s / h) / t for a GPT layer (dropout, 16-bit) with
sequence parallelism and s b h (10 + 24 / t + 5 a s / (h t)) without it. An MoE layer stores
the FFN part for each of its top-k + shared expert copies and the permuted token copies. Full
recompute keeps only each layer's input (2 h / t_sp) plus one layer's working set.

Pipeline schedule: stage j holds min(pp - j, m) micro-batches in flight in 1F1B; with
interleaving ((pp - j - 1) 2 + (vp - 1) pp + 1) / vp micro-batches' worth of its layers (the
warm-up of Megatron's interleaved schedule; for stage 0 this is Korthikanti's
pp (1 + (pp - 1) / (pp vp)), section 4.2.3). The last stage holds the fp32 logits of one
micro-batch (vocabulary-parallel: sharded over t). The reported memory is the most loaded
of the first, a middle and the last stage.

Multi-token prediction (DeepSeek-V3 report section 2.2) on the last stage: each module's block
(its MoE or dense layer's weights), projection (2h x h) and, with pp > 1, a copy of the input
embedding (Megatron-Core builds the embedding on every stage that runs an MTP layer:
megatron/core/models/gpt/gpt_model.py, `if self.pre_process or self.mtp_process`); its
block's activations for the micro-batches in flight and one more set of logits.

Activations are charged the framework's allocator fragmentation (GMLake, Guo et al. 2024);
the runtime's reserve (CUDA context, NCCL buffers) is subtracted from HBM (`Hardware`).
Activation offload moves as few whole layers' activations to host memory as make the stage fit
(at least two layers stay).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gigawatt.perf.hardware import ACTIVATION_BYTES, Hardware
from gigawatt.perf.plan import (
    MODULE_BIT,
    OFFLOADS,
    STAGES,
    PlanArrays,
    StageLayers,
    micro_batches,
    stages_needed,
)
from gigawatt.perf.workload import Workload

#: Softmax output (2 bytes); with dropout its mask (1) and output (2), per attention score.
_SOFTMAX_BYTES, _SCORE_DROPOUT_BYTES = 2.0, 3.0
#: Log-sum-exp statistics a flash-attention kernel keeps per query and head (fp32).
_FLASH_STATS_BYTES = 4.0
#: fp32 logits for the loss (softmax kept for its backward).
_LOGIT_BYTES = 4.0
#: Final norm input and output-layer input on the last stage [bytes per h element].
_HEAD_BYTES = 2 * ACTIVATION_BYTES
#: Layers whose unsharded gradients (ZeRO >= 2) or gathered weights (ZeRO-3) coexist.
_TRANSIENT_LAYERS = 2
#: Layers' activations an activation-offloading schedule keeps on the accelerator.
_RESIDENT_LAYERS = 2
_OPTIMIZER_OFFLOAD = OFFLOADS.index("optimizer")
_ACTIVATION_OFFLOAD = OFFLOADS.index("activations")


@dataclass(frozen=True)
class StageParams:
    """Parameters one accelerator holds per stage: tp-split (dense) and tp x ep-split
    (routed experts), and the largest layer's (transient buffers, FSDP units) [parameters]."""

    dense: dict[str, np.ndarray]
    expert: dict[str, np.ndarray]
    layer: np.ndarray


def stage_params(w: Workload, p: PlanArrays, layers: StageLayers) -> StageParams:
    """Local parameters: dense weights split by tp, routed expert weights by etp x ep (MoE
    parallel folding: Liu et al. 2025, arXiv 2504.14960; shared experts are split like the
    dense layers, by tp). Expert counts are scaled by tp / etp, exactly 1 when etp = tp."""
    tp = p.tp.astype(np.float64)
    fold = tp / p.etp
    moe_dense_part = w.attn_params + w.router_params + w.shared_experts * w.expert_params
    output = w.vocab * w.hidden
    single = p.pp == 1
    # A single stage holds the input embedding and the output layer (one matrix if tied).
    emb = {
        "first": np.where(single, w.embedding_params, output),
        "middle": np.where(single, w.embedding_params, 0.0),
        "last": np.where(single, w.embedding_params, output),
    }
    experts_local = w.experts / p.ep * w.expert_params if w.is_moe else 0.0
    dense = {
        s: (layers.dense[s] * w.dense_layer_params + layers.moe[s] * moe_dense_part + emb[s]) / tp
        for s in STAGES
    }
    expert = {s: layers.moe[s] * (experts_local * fold) / tp for s in STAGES}
    if w.mtp_layers:
        # The MTP modules sit on the last stage (the only one when pp = 1), with a copy of
        # the input embedding unless that stage holds it already or it is the output layer.
        block_dense = moe_dense_part if w.is_moe else w.dense_layer_params
        own = w.mtp_layers * (block_dense + 2 * w.hidden * w.hidden)
        emb_copy = np.where(single | w.tied_embeddings, 0.0, float(w.vocab * w.hidden))
        own_expert = w.mtp_layers * experts_local * fold
        for s in ("first", "last"):
            on = np.ones(len(p), dtype=bool) if s == "last" else single
            dense[s] = dense[s] + np.where(on, own + emb_copy, 0.0) / tp
            expert[s] = expert[s] + np.where(on, own_expert, 0.0) / tp
    # One layer's local parameters, the largest layer type (transient buffers, FSDP units).
    layer = np.full(len(p), float(w.dense_layer_params if w.dense_layers else 0.0))
    if w.is_moe:
        layer = np.maximum(layer, moe_dense_part + experts_local * fold)
    return StageParams(dense, expert, layer / tp)


def expert_data_parallel(p: PlanArrays) -> np.ndarray:
    """Ranks holding the same expert weights: edp = tp cp dp / (etp ep) (Megatron-Core
    parallel_state: expert_data_parallel_size = world / (etp ep pp)); written as
    dp cp (tp / etp) / ep, which is dp cp / ep exactly when etp = tp."""
    return (p.dp * p.cp).astype(np.float64) * (p.tp / p.etp) / p.ep


def layer_activation_bytes_per_token(
    w: Workload, hw: Hardware, p: PlanArrays, moe: bool
) -> np.ndarray:
    """Bytes one layer keeps per token for backward without full recompute (see module);
    selective recomputation drops what its modules replay (`plan.RECOMPUTE_MODULES`)."""
    tp = p.tp.astype(np.float64)
    tsp = np.where(p.sp, tp, 1.0)
    heads = w.q_heads / tp
    kv = np.maximum(w.kv_heads / tp, 1.0)
    b = ACTIVATION_BYTES
    b_in = hw.gemm_input_bytes
    drop = 1.0 if w.dropout else 0.0
    selective = p.recompute == 1
    present = int(np.bitwise_or.reduce(p.recompute_modules[selective], initial=0))

    def kept(names: tuple[str, ...], term: Any) -> Any:
        """`term` where no selective module among `names` drops it (see plan.py)."""
        bits = sum(MODULE_BIT[n] for n in names)
        if not present & bits:
            return term
        return np.where(selective & ((p.recompute_modules & bits) != 0), 0.0, term)

    # the two norm inputs (the layer's input and the residual after attention) and masks;
    # MaxText keeps the output projection's output in place of the residual and rebuilds
    # the sum (`out_proj` recomputed: the projection is replayed instead)
    out = (b + 2 * drop) * w.hidden / tsp + kept(("out_proj",), b * w.hidden / tsp)
    # the two norm outputs (QKV and MLP inputs)
    out = out + kept(("layernorm",), 2 * b_in * w.hidden / tsp)
    # query, key and value (MLA: rebuilt from the latents by mla_up_proj)
    qkv = b * (heads * w.head_dim_qk + kv * w.head_dim_qk + kv * w.head_dim_v)
    out = out + kept(("qkv_proj", "mla_up_proj"), qkv)
    if w.mla:
        out = out + b * (w.q_lora_rank + w.kv_lora_rank) / tsp
    # softmax (and dropout) per score without flash, unless the attention core is replayed
    per_score = _SOFTMAX_BYTES + _SCORE_DROPOUT_BYTES * drop
    scores = np.where(~p.flash_attention & (p.recompute != 2), per_score * heads * w.seq_len, 0.0)
    out = out + kept(("core_attn", "context"), scores)
    # the attention output (and a flash kernel's statistics) unless the attention is replayed
    context = (b + (b_in if b_in < b else 0.0)) * heads * w.head_dim_v
    attention_out = context + np.where(p.flash_attention, _FLASH_STATS_BYTES * heads, 0.0)
    out = out + kept(("context",), attention_out)
    # FFN: activation input (gated: gate and up outputs) and the second GEMM's input.
    fc1_out = 2 * b if w.gated else b
    if moe:
        routed = w.top_k * w.moe_ffn_hidden / tp
        shared = w.shared_experts * w.moe_ffn_hidden / tp
        # Routed tokens are permuted copies of the MLP input, one per expert they visit.
        permuted = b * w.hidden * w.top_k / tp if w.routed else 0.0
        experts = permuted + routed * (fc1_out + kept(("moe_act",), b_in))
        shared_part = kept(("shared_experts",), shared * (fc1_out + b_in))
        return out + kept(("moe",), experts + shared_part)
    ffn = w.ffn_hidden / tp
    fc1_part = kept(("mlp", "mlpwi"), fc1_out * ffn)
    act_part = kept(("mlp", "mlpwi", "mlp_act"), b_in * ffn)
    return out + fc1_part + act_part


def in_flight(p: PlanArrays, stage: int | np.ndarray) -> np.ndarray:
    """Micro-batches' worth of a stage's activations held at its peak (see module)."""
    pp = p.pp.astype(np.float64)
    m = micro_batches(p).astype(np.float64)
    j = np.minimum(np.asarray(stage, dtype=np.float64), pp - 1)
    interleaved = ((pp - j - 1) * 2 + (p.vp - 1) * pp + 1) / p.vp
    return np.minimum(np.where(p.vp > 1, interleaved, pp - j), m)


@dataclass(frozen=True)
class Memory:
    """Bytes per accelerator on the most loaded stage; `optimizer_step` is how far the
    optimizer step's transient copy rises above the forward/backward peak (0 when it does
    not); `host` is what offload keeps in host memory per accelerator; `fits` whether every
    stage fits the usable HBM (and the host memory)."""

    weights: np.ndarray
    grads: np.ndarray
    optimizer: np.ndarray
    activations: np.ndarray
    fragmentation: np.ndarray
    optimizer_step: np.ndarray
    host: np.ndarray
    fits: np.ndarray
    #: Bytes allocated per stage (everything but fragmentation), by stage name.
    allocated_by_stage: dict[str, np.ndarray]
    #: Layers whose activations are offloaded to host memory, by stage name.
    offloaded_layers: dict[str, np.ndarray]

    @property
    def total(self) -> np.ndarray:
        """Peak bytes per accelerator on the most loaded stage: every part, with fragmentation
        and the optimizer step's rise."""
        return (
            self.weights
            + self.grads
            + self.optimizer
            + self.activations
            + self.fragmentation
            + self.optimizer_step
        )


def memory_per_gpu(
    w: Workload, hw: Hardware, p: PlanArrays, layers: StageLayers, details: bool = True
) -> Memory:
    """Memory of every plan (see module); with `details` False only `total` (via
    `weights`), `fits` and `offloaded_layers` are filled (the search's screening pass)."""
    params = stage_params(w, p, layers)
    replicas = (p.dp * p.cp).astype(np.float64)
    expert_replicas = expert_data_parallel(p)

    def sharded(dense: np.ndarray, expert: np.ndarray, from_stage: int) -> np.ndarray:
        shard = p.zero >= from_stage
        return dense / np.where(shard, replicas, 1.0) + expert / np.where(
            shard, expert_replicas, 1.0
        )

    layer_params = params.layer
    transient_grads = np.where(p.zero >= 2, _TRANSIENT_LAYERS * layer_params, 0.0)
    transient_weights = np.where(p.zero >= 3, _TRANSIENT_LAYERS * layer_params, 0.0)
    opt_offload = p.offload == _OPTIMIZER_OFFLOAD
    act_offload = p.offload == _ACTIVATION_OFFLOAD

    tokens = (p.mb * w.seq_len / p.cp).astype(np.float64)
    tp = p.tp.astype(np.float64)
    tsp = np.where(p.sp, tp, 1.0)
    dense_act = layer_activation_bytes_per_token(w, hw, p, moe=False)
    moe_act = layer_activation_bytes_per_token(w, hw, p, moe=True) if w.is_moe else dense_act
    working_set = np.maximum(dense_act, moe_act) if w.is_moe else dense_act
    full = p.recompute == 2
    checkpoint = ACTIVATION_BYTES * w.hidden / tsp  # a layer's input, kept by full recompute
    drop = 1.0 if w.dropout else 0.0
    embedding = drop * w.hidden / tsp  # the embedding's dropout mask
    logits = _LOGIT_BYTES * w.vocab / np.where(p.vocab_parallel, tp, 1.0)
    head = _HEAD_BYTES * w.hidden / tsp + logits
    single = p.pp == 1
    index = {"first": 0, "middle": 1, "last": p.pp - 1}
    # MTP modules: their block's activations per micro-batch in flight (its input alone
    # under full recompute), their projection's input (2h) and another head's logits.
    mtp = float(w.mtp_layers)
    block_act = moe_act if w.is_moe else dense_act
    mtp_act = mtp * np.where(full, checkpoint, block_act + 2 * ACTIVATION_BYTES * w.hidden / tsp)
    mtp_head = mtp * head

    best = None
    fits = np.ones(len(p), dtype=bool)
    by_stage: dict[str, np.ndarray] = {}
    offloaded: dict[str, np.ndarray] = {}
    for s in stages_needed(w, p):
        n_dense, n_moe = layers.dense[s], layers.moe[s]
        flight = in_flight(p, index[s])
        per_mb = np.where(
            full, (n_dense + n_moe) * checkpoint, n_dense * dense_act + n_moe * moe_act
        )
        stored = per_mb * flight + np.where(full, working_set, 0.0)
        extra = np.zeros(len(p))
        if s == "first":
            extra = embedding * flight + np.where(single, head + mtp_act * flight + mtp_head, 0.0)
        elif s == "last":
            extra = head + mtp_act * flight + mtp_head + np.where(single, embedding * flight, 0.0)
        act = (stored + extra) * tokens
        weights = hw.weight_bytes_per_param * sharded(params.dense[s], params.expert[s], 3)
        weights = weights + hw.gather_bytes_per_param * transient_weights
        grads = hw.grad_bytes_per_param * (
            sharded(params.dense[s], params.expert[s], 2) + transient_grads
        )
        opt = hw.optimizer_bytes_per_param * sharded(params.dense[s], params.expert[s], 1)
        host = np.where(opt_offload, opt, 0.0)
        opt = np.where(opt_offload, 0.0, opt)
        state = weights + grads + opt
        # Activation offload moves whole layers (all their in-flight micro-batches) to host
        # memory, as few as make the stage fit (Megatron-Core cpu_offloading_num_layers),
        # keeping at least two on the accelerator.
        unit = np.where(full, checkpoint, working_set) * flight * tokens
        n_layers = n_dense + n_moe
        excess = (state + act * (1 + hw.fragmentation) - hw.usable_hbm_bytes) / (
            1 + hw.fragmentation
        )
        n_off = np.clip(np.ceil(np.maximum(excess, 0.0) / unit), 0, n_layers - _RESIDENT_LAYERS)
        n_off = np.where(act_offload, np.maximum(n_off, 0.0), 0.0)
        act = act - n_off * unit
        host = host + n_off * unit
        offloaded[s] = n_off
        frag = act * hw.fragmentation
        # The optimizer step's transient copy (activations are freed by then).
        step_extra = np.where(
            opt_offload,
            0.0,
            hw.optimizer_step_extra_bytes_per_param * sharded(params.dense[s], params.expert[s], 1),
        )
        transient = np.maximum(step_extra - act - frag, 0.0)
        total = state + act + frag + transient
        by_stage[s] = total - frag
        fits &= (total <= hw.usable_hbm_bytes) & (host <= hw.host_memory_bytes)
        if not details:
            best = (total,) if best is None else (np.maximum(best[0], total),)
            continue
        cand = (weights, grads, opt, act, frag, transient, host, total)
        if best is None:
            best = cand
        else:
            heavier = total > best[-1]
            best = tuple(np.where(heavier, a, b) for a, b in zip(cand, best, strict=True))
    if not details:
        zero = np.zeros(len(p))
        return Memory(best[0], zero, zero, zero, zero, zero, zero, fits, by_stage, offloaded)
    weights, grads, opt, act, frag, transient, host, total = best
    return Memory(weights, grads, opt, act, frag, transient, host, fits, by_stage, offloaded)
