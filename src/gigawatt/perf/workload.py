"""The workload: a dense or mixture-of-experts decoder transformer at one sequence length.

`Workload.from_model(model, seq_len)` turns a catalog `Model` into the plain numbers the
performance model needs: parameter counts per layer type, matrix-multiply FLOPs per token and
the per-token sizes of the attention core.

FLOP conventions (DESIGN.md section 7; Chowdhery et al. 2022, "PaLM", arXiv 2204.02311,
Appendix B): model FLOPs per token = 6 x N + 6 x L x a x s x (d_qk + d_v), where N counts the
weights a token multiplies (every layer's active matrices plus the output projection; not the
input-embedding lookup), L layers, a query heads, s the sequence length, d_qk and d_v the head
dimensions. With d_qk = d_v = Q this is PaLM's 6N + 12 L H Q T, attention counted in full. The
causal variant halves the attention term. For a GPT shape it equals the 72 B s l h^2
(1 + s/6h + V/12lh) / (B s) of Korthikanti et al. 2022 (arXiv 2205.05198) section 5.

Multi-token prediction (DeepSeek-AI 2024, "DeepSeek-V3 Technical Report", arXiv 2412.19437,
section 2.2 and Figure 3): each of `mtp_layers` modules normalises the previous depth's hidden
state and the next token's embedding, projects their concatenation (2h -> h, the matrix M_k),
runs one transformer block and the shared output head and loss. The model's FLOPs and
parameter counts (N, 6N, MFU) exclude it, as the published 671B / 37B do; the work it adds
is executed (`mtp_flops_per_token`, HFU) and timed on the last pipeline stage.

Sliding-window attention (Beltagy et al. 2020, "Longformer", arXiv 2004.05150, section 3.1;
gpt-oss: OpenAI 2025, "gpt-oss-120b & gpt-oss-20b Model Card", arXiv 2508.10925, section 2.1,
every other layer a 128-token band): a windowed layer's query attends to at most w keys, so s
becomes min(s, w) in the full-attention term and the causal term counts the band under the
diagonal, s u - u^2 / 2 score entries for u = min(s, w) (u = s gives the s^2 / 2 of full causal
attention). The attention terms are averaged over the layers (`attention_keys_full`,
`attention_keys_causal`); a window of at least the sequence is full attention exactly. The
attention sinks of gpt-oss (one learned logit per head added to the softmax denominator) add one
element per query and head against the w x (d_qk + d_v) multiply-adds: not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from gigawatt.catalog.schema import Model
from gigawatt.errors import InputError

#: Weight matrices of one FFN: gated units (SwiGLU, GeGLU) have gate, up and down.
_GATED_MATRICES = 3
_PLAIN_MATRICES = 2
#: FLOPs per multiply-accumulate.
FLOPS_PER_MAC = 2
#: Passes over every weight per token in training: forward, backward for inputs, for weights.
TRAINING_PASSES = 3
#: Query and key tile of flash-attention kernels for 128-wide heads (FlashAttention-2, Dao
#: 2023, section 3.3: 128 x 128 blocks on A100/H100).
FLASH_BLOCK = 128
#: Flash-attention backward FLOPs per forward FLOP (FlashAttention-2 section 4.1: the
#: backward counts 2.5 times the forward's FLOPs).
FLASH_BACKWARD_PASSES = 2.5


@dataclass(frozen=True)
class Workload:
    """Shape of one training workload. Counts are per layer unless named otherwise.

    `attn_params`, `mlp_params` (a dense layer's FFN), `expert_params` (one routed or shared
    expert), `router_params` are weight counts [parameters]. Attention sizes: `q_heads`,
    `kv_heads`, `head_dim_qk`, `head_dim_v` [elements]. `moe_layers` = layers - dense_layers for
    an MoE model, else 0.
    """

    name: str
    layers: int
    hidden: int
    ffn_hidden: int
    moe_ffn_hidden: int
    q_heads: int
    kv_heads: int
    head_dim_qk: int
    head_dim_v: int
    vocab: int
    seq_len: int
    global_batch_seqs: int
    gated: bool
    parallel_block: bool
    tied_embeddings: bool
    dropout: bool
    experts: int
    top_k: int
    shared_experts: int
    dense_layers: int
    mla: bool
    q_lora_rank: int
    kv_lora_rank: int
    qk_rope_dim: int
    attn_params: int
    mlp_params: int
    expert_params: int
    router_params: int
    mtp_layers: int = 0
    #: Group-limited routing (Megatron-Core moe_router_num_groups / moe_router_group_topk;
    #: DeepSeek-V3 n_group / topk_group): experts in `router_groups` equal groups, a token's
    #: experts from at most `router_group_topk` of them (0: no limit).
    router_groups: int = 0
    router_group_topk: int = 0
    window: int = 0
    windowed_layers: int = 0

    @classmethod
    def from_model(cls, model: Model, seq_len: int | None = None) -> Workload:
        """The workload of `model` at `seq_len` tokens (default: the model's own). Weights of
        one layer's attention: the query, key and value projections, `kv_heads` key and value
        heads each shared by a group of query heads (grouped-query attention: Ainslie et al.
        2023, "GQA", arXiv 2305.13245, section 2.2), and the output projection; with
        multi-head latent attention (DeepSeek-AI 2024, "DeepSeek-V2", arXiv 2405.04434,
        sections 2.1.2 and 2.1.3), the down-projections to the query and key-value latents
        (ranks `q_lora_rank`, `kv_lora_rank`; no query latent at rank 0), their
        up-projections to every head, the decoupled RoPE key all heads share and the output
        projection. An FFN has three matrices when gated (SwiGLU, GeGLU: Shazeer 2020, "GLU
        Variants Improve Transformer", arXiv 2002.05202, section 2), else two; a router one
        hidden x experts matrix."""
        s = int(seq_len or model.seq_len)
        if s <= 0:
            raise InputError(f"must be a positive number of tokens, got {s}", field="seq_len")
        h, a = model.hidden, model.heads
        d = model.head_dim or h // a
        kv = model.kv_heads or a
        mla = model.attention == "mla"
        if mla:
            rope = model.qk_rope_head_dim or 0
            d_qk, d_v = d + rope, model.v_head_dim or d
            q_rank = model.q_lora_rank or 0
            kv_rank = model.kv_lora_rank or 0
            q_proj = h * q_rank + q_rank * a * d_qk if q_rank else h * a * d_qk
            attn = q_proj + h * (kv_rank + rope) + kv_rank * a * (d + d_v) + a * d_v * h
            kv = a  # keys and values are expanded to every head before attention
        else:
            d_qk = d_v = d
            q_rank = kv_rank = 0
            attn = h * (a * d + 2 * kv * d) + a * d * h
        mats = _GATED_MATRICES if model.mlp in ("swiglu", "geglu") else _PLAIN_MATRICES
        moe_f = model.moe_ffn_hidden or model.ffn_hidden
        return cls(
            name=model.id,
            layers=model.layers,
            hidden=h,
            ffn_hidden=model.ffn_hidden,
            moe_ffn_hidden=moe_f,
            q_heads=a,
            kv_heads=kv,
            head_dim_qk=d_qk,
            head_dim_v=d_v,
            vocab=model.vocab,
            seq_len=s,
            global_batch_seqs=model.global_batch_seqs,
            gated=mats == _GATED_MATRICES,
            parallel_block=model.parallel_block,
            tied_embeddings=model.tied_embeddings,
            dropout=model.dropout,
            experts=model.experts,
            top_k=model.top_k,
            shared_experts=model.shared_experts,
            dense_layers=model.dense_layers if model.experts else model.layers,
            mla=mla,
            q_lora_rank=q_rank,
            kv_lora_rank=kv_rank,
            qk_rope_dim=(model.qk_rope_head_dim or 0) if mla else 0,
            attn_params=attn,
            mlp_params=mats * h * model.ffn_hidden,
            expert_params=mats * h * moe_f,
            # One expert needs no router: every token goes to it.
            router_params=h * model.experts if model.experts > 1 else 0,
            mtp_layers=model.mtp_layers,
            router_groups=model.router_groups or 0,
            router_group_topk=model.router_group_topk or 0,
            # A window of at least the sequence is full attention: not a windowed layer.
            **_window(model, s),
        )

    # --- shape ------------------------------------------------------------------------------

    @property
    def is_moe(self) -> bool:
        """A mixture-of-experts model: it has experts (one expert included)."""
        return self.experts > 0

    @property
    def routed(self) -> bool:
        """Tokens are routed (and permuted) between experts: more than one expert."""
        return self.experts > 1

    @property
    def moe_layers(self) -> int:
        """Layers with experts: all but the leading dense ones."""
        return self.layers - self.dense_layers

    # --- parameters -------------------------------------------------------------------------

    @property
    def dense_layer_params(self) -> int:
        """All weights of one dense layer: attention and FFN."""
        return self.attn_params + self.mlp_params

    @property
    def moe_layer_params(self) -> int:
        """All weights of one MoE layer (every routed expert, shared experts, router)."""
        return (
            self.attn_params
            + (self.experts + self.shared_experts) * self.expert_params
            + self.router_params
        )

    @property
    def moe_layer_active_params(self) -> int:
        """Weights one token multiplies in an MoE layer: top-k routed + shared experts."""
        return (
            self.attn_params
            + (self.top_k + self.shared_experts) * self.expert_params
            + self.router_params
        )

    @property
    def mtp_block_params(self) -> int:
        """One MTP module's own weights: its transformer block (an MoE layer for an MoE model,
        as DeepSeek-V3's) and the projection M_k (2h x h) [parameters]; the embedding and
        output head are shared with the main model."""
        block = self.moe_layer_params if self.is_moe else self.dense_layer_params
        return block + 2 * self.hidden * self.hidden

    @property
    def mtp_active_params(self) -> int:
        """Weights one token multiplies in one MTP module: the block's active weights, the
        projection and the shared output head [parameters]."""
        block = self.moe_layer_active_params if self.is_moe else self.dense_layer_params
        return block + 2 * self.hidden * self.hidden + self.vocab * self.hidden

    @property
    def embedding_params(self) -> int:
        """Input embedding plus, when untied, the output projection [parameters]."""
        return self.vocab * self.hidden * (1 if self.tied_embeddings else 2)

    @property
    def params_total(self) -> int:
        """Every weight matrix and embedding (norms and biases are negligible) [parameters]."""
        return (
            self.dense_layers * self.dense_layer_params
            + self.moe_layers * self.moe_layer_params
            + self.embedding_params
        )

    @property
    def params_active(self) -> int:
        """Weights one token multiplies: layers' active matrices + output projection.

        This is the N of 6N (the input-embedding lookup is not a multiplication).
        """
        return (
            self.dense_layers * self.dense_layer_params
            + self.moe_layers * self.moe_layer_active_params
            + self.vocab * self.hidden
        )

    # --- FLOPs per token --------------------------------------------------------------------

    @property
    def attention_flops_per_token_layer(self) -> float:
        """Forward QK^T and AV of one full-attention layer, in full (no causal skip) [FLOP]."""
        return FLOPS_PER_MAC * self.seq_len * self.q_heads * (self.head_dim_qk + self.head_dim_v)

    @property
    def attention_keys_full(self) -> float:
        """Keys per query, averaged over the layers, attention in full: s, or min(s, w) in a
        windowed layer [tokens]."""
        if not self.windowed_layers:
            return float(self.seq_len)
        full = self.layers - self.windowed_layers
        return (full * self.seq_len + self.windowed_layers * self.window) / self.layers

    @property
    def attention_keys_causal(self) -> float:
        """Keys per query under the causal mask, averaged over the layers: s / 2, or the band
        w - w^2 / (2 s) in a windowed layer (w < s) [tokens]."""
        if not self.windowed_layers:
            return self.seq_len / 2
        full = self.layers - self.windowed_layers
        band = self.window - self.window**2 / (2.0 * self.seq_len)
        return (full * self.seq_len / 2 + self.windowed_layers * band) / self.layers

    @property
    def model_flops_per_token(self) -> float:
        """Training FLOPs per token, PaLM convention: 6 N + attention in full [FLOP]."""
        if not self.windowed_layers:
            return TRAINING_PASSES * (
                FLOPS_PER_MAC * self.params_active
                + self.layers * self.attention_flops_per_token_layer
            )
        return TRAINING_PASSES * (
            FLOPS_PER_MAC * self.params_active
            + self.layers * self._attention_flops_per_key * self.attention_keys_full
        )

    @property
    def model_flops_per_token_causal(self) -> float:
        """As `model_flops_per_token` with the attention term halved (causal mask) [FLOP]."""
        if not self.windowed_layers:
            return TRAINING_PASSES * (
                FLOPS_PER_MAC * self.params_active
                + self.layers * self.attention_flops_per_token_layer / 2
            )
        return TRAINING_PASSES * (
            FLOPS_PER_MAC * self.params_active
            + self.layers * self._attention_flops_per_key * self.attention_keys_causal
        )

    @property
    def _attention_flops_per_key(self) -> float:
        """Forward QK^T and AV FLOPs of one query against one key, all heads [FLOP]."""
        return FLOPS_PER_MAC * self.q_heads * (self.head_dim_qk + self.head_dim_v)

    @property
    def layer_linear_flops_per_token(self) -> float:
        """Forward GEMM FLOPs of all transformer layers per token (no output layer) [FLOP]."""
        return FLOPS_PER_MAC * (
            self.dense_layers * self.dense_layer_params
            + self.moe_layers * self.moe_layer_active_params
        )

    def causal_fraction(self, block: int = FLASH_BLOCK) -> float:
        """Share of the score blocks a causal flash kernel computes: the lower triangle plus
        the diagonal blocks, 1/2 + B / (2 s) with B x B tiles (Dao 2023, "FlashAttention-2",
        arXiv 2307.08691, section 3.1.1: skipping the blocks above the diagonal gives the
        1.7-1.8x causal speed-up the paper measures)."""
        return min(1.0, 0.5 + block / (2.0 * self.seq_len))

    def flash_fraction(self, block: int = FLASH_BLOCK) -> float:
        """Share of the s x s score blocks a flash kernel computes, averaged over the layers:
        `causal_fraction` in a full-attention layer; in a windowed layer (window w < s) each
        block row of B queries computes the blocks that meet its band, k = min(n, w / B + 1)
        of the n = s / B, fewer in the first rows: (k (k + 1) / 2 + (n - k) k) / n^2, which is
        the causal share at k = n (FlashAttention-2 and cuDNN skip the blocks outside the
        window as they skip those above the diagonal: Dao 2023, section 3.1.1)."""
        causal = self.causal_fraction(block)
        if not self.windowed_layers:
            return causal
        n = self.seq_len / block
        k = min(n, self.window / block + 1.0)
        band = min(1.0, (k * (k + 1.0) / 2.0 + (n - k) * k) / n**2)
        full = self.layers - self.windowed_layers
        return (full * causal + self.windowed_layers * band) / self.layers

    def recompute_flops_per_token(self, recompute: str, flash_attention: bool) -> float:
        """Extra forward FLOPs per token that activation recomputation executes [FLOP].

        Full recompute repeats every layer's forward pass (not the output layer); selective
        recompute repeats the attention core (Korthikanti et al. 2022 section 4.2), which a
        flash-attention kernel already recomputes inside its backward pass, so it adds none.
        Attention is counted as executed: causal blocks skipped with flash attention, the
        whole score matrix without it.
        """
        attention = self.layers * self.attention_flops_per_token_layer
        if flash_attention:
            attention *= self.flash_fraction()
        if recompute == "full":
            return self.layer_linear_flops_per_token + attention
        if recompute == "selective" and not flash_attention:
            return attention
        return 0.0

    def module_flops_per_token(self, module: str, flash_attention: bool) -> float:
        """Extra forward FLOPs per token that selective recomputation of one module executes
        over all layers (`plan.RECOMPUTE_MODULES`) [FLOP]: core_attn the attention core as
        `recompute_flops_per_token("selective")` does; context the attention forward (flash:
        the blocks the kernel computes, `flash_fraction`); the projections and MLP parts their
        GEMMs (mlp: a dense layer's whole MLP; mlpwi its gate/up projections; moe an MoE
        layer's active experts and router; shared_experts the shared experts; mla_up_proj the
        query and key/value up-projections). Norms and activations are element-wise (no FLOPs
        counted)."""
        mac = FLOPS_PER_MAC
        attention = self.layers * self.attention_flops_per_token_layer
        h, f = self.hidden, self.ffn_hidden
        gate_up = (2 if self.gated else 1) * h * f
        a, kv = self.q_heads, self.kv_heads
        d_qk, d_v = self.head_dim_qk, self.head_dim_v
        if module == "core_attn":
            return self.recompute_flops_per_token("selective", flash_attention)
        if module == "context":
            return attention * (self.flash_fraction() if flash_attention else 1.0)
        if module == "mlp":
            return mac * self.dense_layers * self.mlp_params
        if module == "mlpwi":
            return mac * self.dense_layers * gate_up
        if module == "qkv_proj":
            if self.mla:
                return mac * self.layers * (self.attn_params - a * d_v * h)
            return mac * self.layers * h * (a * d_qk + kv * (d_qk + d_v))
        if module == "out_proj":
            return mac * self.layers * a * d_v * h
        if module == "moe":
            return (
                mac
                * self.moe_layers
                * ((self.top_k + self.shared_experts) * self.expert_params + self.router_params)
            )
        if module == "shared_experts":
            return mac * self.moe_layers * self.shared_experts * self.expert_params
        if module == "mla_up_proj" and self.mla:
            nope = d_qk - self.qk_rope_dim
            q_up = self.q_lora_rank * a * d_qk if self.q_lora_rank else 0
            return mac * self.layers * (q_up + self.kv_lora_rank * a * (nope + d_v))
        return 0.0

    def executed_flops_per_token(self, flash_attention: bool) -> float:
        """Training FLOPs per token the kernels execute, before recomputation [FLOP]: 6 N for
        the GEMMs; the attention core in full without flash (3 passes), and with flash the
        causal share of the forward plus a backward of 2.5 forwards (FlashAttention-2 section
        3.2: five matrix multiplies against the forward's two, S = QK^T recomputed)."""
        attention = self.layers * self.attention_flops_per_token_layer
        if flash_attention:
            attention *= self.flash_fraction() * (1 + FLASH_BACKWARD_PASSES)
        else:
            attention *= TRAINING_PASSES
        return (
            TRAINING_PASSES * FLOPS_PER_MAC * self.params_active
            + attention
            + self.mtp_flops_per_token(flash_attention)
        )

    def mtp_flops_per_token(self, flash_attention: bool) -> float:
        """Training FLOPs per token the MTP modules execute [FLOP]: 6 x their active weights
        (block, projection, output head) and one layer's attention core each, counted as
        `executed_flops_per_token` counts the main layers'."""
        if not self.mtp_layers:
            return 0.0
        attention = self.attention_flops_per_token_layer
        if flash_attention:
            attention *= self.causal_fraction() * (1 + FLASH_BACKWARD_PASSES)
        else:
            attention *= TRAINING_PASSES
        return self.mtp_layers * (
            TRAINING_PASSES * FLOPS_PER_MAC * self.mtp_active_params + attention
        )


def _window(model: Model, seq_len: int) -> dict[str, int]:
    """The model's sliding window at `seq_len`: none when no layer has one or when the window
    covers the whole sequence (then it is full attention)."""
    w = model.sliding_window_tokens
    layers = model.windowed_layers
    if not layers or w is None or w >= seq_len:
        return {"window": 0, "windowed_layers": 0}
    return {"window": int(w), "windowed_layers": layers}
