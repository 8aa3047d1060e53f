"""Memory per accelerator: weights, gradients, optimizer state and activations.

Model state (Rajbhandari et al. 2020, "ZeRO", arXiv 1910.02054, section 3.1 and Figure 1):
per local parameter, weight, gradient and optimizer bytes from the calibration (16-bit
weights, fp32 gradient accumulation, fp32 master weights + two Adam moments = 12 bytes).
ZeRO shards over the dp x cp ranks that hold the same weights (experts: over dp x cp / ep):
stage 1 the optimizer state, 2 also gradients, 3 (FSDP) also weights.

Activations (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
Models", arXiv 2205.05198, section 4 and Table 2), per token of a layer [bytes], with t the
tensor-parallel size and t_sp = t with sequence parallelism, else 1:

    10 h / t_sp                            two norm inputs, QKV and MLP inputs, dropout masks
  + 2 (a d_qk + k d_qk + k d_v + a d_v) / t   Q, K, V, attention output
  + 5 a s / t                              softmax output, its dropout mask and output
                                           (dropped by selective recompute or flash attention)
  + (4 or 6) f / t                         FFN activation input and second GEMM input (gated: 6)

which is Korthikanti's s b h (34 + 5 a s / h) / t for a GPT layer with sequence parallelism.
An MoE layer stores the FFN part for each of its top-k + shared expert copies. Full
recompute keeps only each layer's input (2 h / t_sp) plus one layer's working set.

Pipeline schedule: the first stage holds min(pp, micro-batches) micro-batches in flight in
1F1B, times (1 + (pp - 1) / (pp vp)) with interleaving (Narayanan et al. 2021, arXiv
2104.04473, section 2.2; Korthikanti et al. 2022 section 4.2.3); the last stage holds one, plus
the fp32 logits. The reported memory is the most loaded stage's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigawatt.perf.hardware import ACTIVATION_BYTES, Hardware
from gigawatt.perf.plan import PlanArrays, StageLayers, micro_batches
from gigawatt.perf.workload import Workload

#: Bytes per token per element of a layer's h-sized tensors kept for backward: two norm
#: inputs, the QKV and MLP inputs (2 bytes each) and two 1-byte dropout masks.
_H_TENSORS_BYTES = 4 * ACTIVATION_BYTES + 2
#: Softmax output (2 bytes), dropout mask (1) and dropout output (2) per attention score.
_SCORE_BYTES = 5
#: Log-sum-exp statistics a flash-attention kernel keeps per query and head (fp32).
_FLASH_STATS_BYTES = 4
#: fp32 logits for the loss.
_LOGIT_BYTES = 4
#: Embedding output and its dropout mask on the first stage; final norm and output-layer
#: inputs on the last [bytes per h element].
_EMBEDDING_BYTES = ACTIVATION_BYTES + 1
_HEAD_BYTES = 2 * ACTIVATION_BYTES


@dataclass(frozen=True)
class StageParams:
    """Parameters one accelerator holds on the first and the last stage [parameters]."""

    first_dense: np.ndarray
    first_expert: np.ndarray
    last_dense: np.ndarray
    last_expert: np.ndarray


def stage_params(w: Workload, p: PlanArrays, layers: StageLayers) -> StageParams:
    """Local parameters: dense weights split by tp, expert weights by tp x ep."""
    tp = p.tp.astype(np.float64)
    moe_dense_part = w.attn_params + w.router_params + w.shared_experts * w.expert_params
    output = w.vocab * w.hidden
    # A single stage holds the input embedding and the output layer (one matrix if tied).
    emb = np.where(p.pp == 1, w.embedding_params, output)
    experts_local = w.experts / p.ep * w.expert_params if w.is_moe else 0.0

    def dense(n_dense: np.ndarray, n_moe: np.ndarray) -> np.ndarray:
        return (n_dense * w.dense_layer_params + n_moe * moe_dense_part + emb) / tp

    return StageParams(
        first_dense=dense(layers.first_dense, layers.first_moe),
        first_expert=layers.first_moe * experts_local / tp,
        last_dense=dense(layers.last_dense, layers.last_moe),
        last_expert=layers.last_moe * experts_local / tp,
    )


def layer_activation_bytes_per_token(w: Workload, p: PlanArrays, moe: bool) -> np.ndarray:
    """Bytes one layer keeps per token for backward without full recompute (see module)."""
    tp = p.tp.astype(np.float64)
    tsp = np.where(p.sp, tp, 1.0)
    heads = w.q_heads / tp
    kv = np.maximum(w.kv_heads / tp, 1.0)
    b = ACTIVATION_BYTES
    out = _H_TENSORS_BYTES * w.hidden / tsp
    out = out + b * (heads * w.head_dim_qk + kv * w.head_dim_qk + kv * w.head_dim_v)
    out = out + b * heads * w.head_dim_v
    if w.mla:
        out = out + b * (w.q_lora_rank + w.kv_lora_rank) / tsp
    keep_scores = ~p.flash_attention & (p.recompute == 0)
    out = out + np.where(keep_scores, _SCORE_BYTES * heads * w.seq_len, 0.0)
    out = out + np.where(p.flash_attention, _FLASH_STATS_BYTES * heads, 0.0)
    # FFN: activation input (gated: gate and up outputs) and the second GEMM's input.
    ffn = (3 if w.gated else 2) * b
    if moe:
        copies = w.top_k + w.shared_experts
        # Routed tokens are permuted copies of the MLP input, one per expert they visit.
        permuted = b * w.hidden * copies / tp if w.routed else 0.0
        return out + permuted + copies * ffn * w.moe_ffn_hidden / tp
    return out + ffn * w.ffn_hidden / tp


@dataclass(frozen=True)
class Memory:
    """Bytes per accelerator on the most loaded stage."""

    weights: np.ndarray
    grads: np.ndarray
    optimizer: np.ndarray
    activations: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.weights + self.grads + self.optimizer + self.activations


def memory_per_gpu(w: Workload, hw: Hardware, p: PlanArrays, layers: StageLayers) -> Memory:
    params = stage_params(w, p, layers)
    replicas = (p.dp * p.cp).astype(np.float64)
    expert_replicas = replicas / p.ep

    def state(dense: np.ndarray, expert: np.ndarray, per_param: float, from_stage: int):
        shard = p.zero >= from_stage
        return per_param * (
            dense / np.where(shard, replicas, 1.0) + expert / np.where(shard, expert_replicas, 1.0)
        )

    def model_state(dense: np.ndarray, expert: np.ndarray) -> tuple[np.ndarray, ...]:
        return (
            state(dense, expert, hw.weight_bytes_per_param, 3),
            state(dense, expert, hw.grad_bytes_per_param, 2),
            state(dense, expert, hw.optimizer_bytes_per_param, 1),
        )

    tokens = (p.mb * w.seq_len / p.cp).astype(np.float64)
    tp = p.tp.astype(np.float64)
    tsp = np.where(p.sp, tp, 1.0)
    dense_act = layer_activation_bytes_per_token(w, p, moe=False)
    moe_act = layer_activation_bytes_per_token(w, p, moe=True) if w.is_moe else dense_act
    full = p.recompute == 2
    checkpoint = ACTIVATION_BYTES * w.hidden / tsp  # a layer's input, kept by full recompute
    working_set = np.maximum(dense_act, moe_act) if w.is_moe else dense_act

    def stage_activations(n_dense: np.ndarray, n_moe: np.ndarray, in_flight: np.ndarray):
        stored = np.where(
            full,
            (n_dense + n_moe) * checkpoint * in_flight + working_set,
            (n_dense * dense_act + n_moe * moe_act) * in_flight,
        )
        return stored * tokens

    m = micro_batches(p).astype(np.float64)
    pp = p.pp.astype(np.float64)
    interleave = np.where(p.vp > 1, 1 + (pp - 1) / (pp * p.vp), 1.0)
    in_flight_first = np.minimum(pp, m) * interleave
    embedding = _EMBEDDING_BYTES * w.hidden / tsp * tokens * in_flight_first
    head = (_HEAD_BYTES * w.hidden / tsp + _LOGIT_BYTES * w.vocab / tp) * tokens
    single = p.pp == 1
    first_act = stage_activations(layers.first_dense, layers.first_moe, in_flight_first)
    first_act = first_act + embedding + np.where(single, head, 0.0)
    last_act = stage_activations(layers.last_dense, layers.last_moe, np.ones_like(m))
    last_act = last_act + head + np.where(single, embedding, 0.0)

    w1, g1, o1 = model_state(params.first_dense, params.first_expert)
    w2, g2, o2 = model_state(params.last_dense, params.last_expert)
    first_total = w1 + g1 + o1 + first_act
    last_total = w2 + g2 + o2 + last_act
    first_heavier = first_total >= last_total
    return Memory(
        weights=np.where(first_heavier, w1, w2),
        grads=np.where(first_heavier, g1, g2),
        optimizer=np.where(first_heavier, o1, o2),
        activations=np.where(first_heavier, first_act, last_act),
    )
