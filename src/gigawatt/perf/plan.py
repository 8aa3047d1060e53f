"""Parallelism plans: the user's `Plan`, its validity rules, and plans as NumPy arrays.

A plan splits N accelerators as tp x cp x dp x pp (DESIGN.md section 7). Ranks are laid out
as Megatron-Core does by default, tensor-parallel innermost, then context-parallel, then data-
parallel, pipeline outermost: a group's members sit `stride` ranks apart (tp: 1; cp, dp: tp;
pp: tp x cp x dp). That decides which network tier each collective crosses (see `comm.py`).

Expert layers are split on their own grid ("MoE parallel folding": Liu et al. 2025, arXiv
2504.14960; Megatron-Core megatron/core/transformer/moe/README.md, "MoE Parallel Folding"):
the tp x cp x dp ranks of a pipeline stage are regrouped as etp x ep x edp, expert tensor
parallelism innermost (stride 1), expert parallelism next (stride etp), expert data
parallelism outermost (stride etp x ep), with edp = tp cp dp / (etp ep)
(megatron/core/parallel_state.py, initialize_model_parallel: the expert RankGenerator with
tp = expert_tensor_parallel_size, ep, dp = expert_data_parallel_size, cp = 1, order
tp-ep-dp-pp). etp defaults to tp (Megatron-Core's default for --expert-tensor-parallel-size),
where the expert-parallel group is carved out of the cp x dp ranks at stride tp.

Software knobs (sequence parallelism, flash attention, communication overlap, ZeRO stage,
recomputation, fp8/fp4 recipe, CPU offload, pipeline balancing, vocabulary-parallel loss)
default to the framework profile's first value (`gigawatt.perf.framework`); a knob the user
sets must be one the framework offers.

The structural rules are written once, over arrays (`rule_masks`): the search filters its
candidates with them, and a single user plan is checked with the same code, naming the first
rule it breaks.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Annotated, Any, Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gigawatt.catalog.schema import MAX_LAYERS, MAX_SEQ_LEN, Precision
from gigawatt.errors import InputError
from gigawatt.perf.workload import Workload
from gigawatt.validation import MAX_ACCELERATORS, input_error

Recompute = Literal["none", "selective", "full"]
RECOMPUTE_MODES: tuple[str, ...] = ("none", "selective", "full")
#: Modules selective recomputation can replay (`Plan.recompute_modules`), as bits of the
#: `PlanArrays.recompute_modules` mask. The first seven are Megatron-Core's
#: (megatron/core/transformer/transformer_config.py `recompute_modules`, commit d98e8a64):
#: core_attn (attention core), layernorm (the two norms' outputs), mlp (a dense layer's whole
#: MLP), moe_act (the routed experts' activation), mla_up_proj (MLA up-projections and RoPE),
#: moe (the whole MoE block), shared_experts. The rest are MaxText tensors a remat policy
#: leaves out of `save_only_these_names` (AI-Hypercomputer/maxtext MaxText/layers/models.py,
#: commit 8e55ab1a): context (attention output: the attention forward is replayed), mlpwi
#: (the MLP's gate/up projection outputs: those GEMMs and the activation are replayed, not the
#: down projection), mlp_act (the activation output, which no MaxText policy saves),
#: qkv_proj (query/key/value projection outputs), out_proj (the attention output projection).
#: `memory.py` and `estimate.py` give each one's memory and replayed work.
RECOMPUTE_MODULES: tuple[str, ...] = (
    "core_attn",
    "layernorm",
    "mlp",
    "moe_act",
    "mla_up_proj",
    "moe",
    "shared_experts",
    "context",
    "mlpwi",
    "mlp_act",
    "qkv_proj",
    "out_proj",
)
MODULE_BIT: dict[str, int] = {name: 1 << i for i, name in enumerate(RECOMPUTE_MODULES)}
#: Megatron-Core's default module list for selective recomputation.
DEFAULT_RECOMPUTE_MODULES: tuple[str, ...] = ("core_attn",)
#: MaxText remat policies (MaxText/layers/models.py at commit 8e55ab1a; configs/base.yml
#: lists them) as the modules they recompute: every policy saves the layer input; a
#: names policy saves only the named dot outputs, so the norms' outputs and the activation
#: output (never named) are recomputed, and so is each unnamed tensor the backward needs.
#: `minimal` saves every dot without batch dimensions (the weight GEMMs' outputs), not the
#: attention core's. The offloading policies and `full` (plan recompute=full) are not here.
REMAT_POLICIES: dict[str, tuple[str, ...]] = {
    "minimal": ("layernorm", "context", "mlp_act"),
    "minimal_flash": ("layernorm", "mlp_act"),
    "save_dot_with_context_except_mlp": ("layernorm", "mlpwi"),
    "save_dot_except_mlpwi": ("layernorm", "context", "mlpwi"),
    "save_dot_except_mlp": ("layernorm", "context", "mlpwi"),
    "save_qkv_proj": ("layernorm", "context", "mlpwi", "out_proj"),
    "save_out_proj": ("layernorm", "context", "mlpwi", "qkv_proj"),
}


def module_names(value: Any) -> tuple[str, ...]:
    """Module names of a `recompute_modules` value (a list, or names joined by commas or
    "+"), MaxText policy names expanded, in `RECOMPUTE_MODULES` order; a ValueError naming
    the unknown ones and what is allowed."""
    if isinstance(value, str):
        parts = [x for x in re.split(r"[,+\s]+", value) if x]
    else:
        parts = [str(x) for x in value]
    wanted: set[str] = set()
    unknown = []
    for part in parts:
        name = part.strip().lower()
        if name in MODULE_BIT:
            wanted.add(name)
        elif name in REMAT_POLICIES:
            wanted.update(REMAT_POLICIES[name])
        elif name != "none":
            unknown.append(part)
    if unknown:
        raise ValueError(
            f"unknown recompute module(s) {', '.join(unknown)}; allowed: "
            f"{', '.join(RECOMPUTE_MODULES)} or a MaxText remat policy "
            f"({', '.join(REMAT_POLICIES)})"
        )
    return tuple(n for n in RECOMPUTE_MODULES if n in wanted)


def module_mask(names: tuple[str, ...] | None) -> int:
    """The `PlanArrays.recompute_modules` bits of module names (None: the default list)."""
    return sum(MODULE_BIT[n] for n in (DEFAULT_RECOMPUTE_MODULES if names is None else names))


def mask_names(mask: int) -> list[str]:
    return [n for n in RECOMPUTE_MODULES if mask & MODULE_BIT[n]]


def no_recompute_twin(flash_attention: np.ndarray, recompute: np.ndarray) -> np.ndarray:
    """Plans with flash attention and recompute=none: each the same plan as its twin with
    selective recompute of the attention core alone, which recomputes nothing (a flash
    backward recomputes the core anyway: `estimate.py` prices that recompute at 0, and the
    kernel keeps no s^2 scores to drop). The selective twin, the frameworks' default
    (`DEFAULT_RECOMPUTE_MODULES`), is the canonical one: the search keeps it."""
    return flash_attention & (recompute == RECOMPUTE_MODES.index("none"))


def canonical_recompute(p: PlanArrays) -> PlanArrays:
    """`p` with each `no_recompute_twin` written as its canonical twin (selective recompute of
    the attention core alone), so that two ways of writing one plan compare equal."""
    twin = no_recompute_twin(p.flash_attention, p.recompute)
    return p.replace(
        recompute=np.where(twin, RECOMPUTE_MODES.index("selective"), p.recompute),
        recompute_modules=np.where(twin, MODULE_BIT["core_attn"], p.recompute_modules),
    )


#: fp8/fp4 scaling recipes: "none" for 16-bit GEMMs; delayed (per-tensor, amax history) and
#: current (per-tensor, this step's amax) scaling, MXFP8 (32-element blocks, Blackwell) and
#: NVFP4 (Transformer Engine recipe names).
RECIPES: tuple[str, ...] = ("none", "delayed", "current", "mxfp8", "nvfp4")
FP8_RECIPES = frozenset({"delayed", "current", "mxfp8"})
BLOCK_SCALED = frozenset({"mxfp8", "nvfp4"})
OFFLOADS: tuple[str, ...] = ("none", "optimizer", "activations")
#: MoE token dispatchers: Megatron-Core's all-to-all dispatcher (moe_token_dispatcher_type
#: alltoall: every routed copy of a token sent to its expert's rank), and the flex dispatcher
#: (moe_token_dispatcher_type flex) with its DeepEP or HybridEP backend
#: (moe_flex_dispatcher_backend), which send a token once per destination node and rank
#: (megatron/core/transformer/moe/token_dispatcher.py MoEFlexTokenDispatcher, commit
#: d98e8a64; `comm.dedup_dispatch_s`).
DISPATCHERS: tuple[str, ...] = ("alltoall", "deepep", "hybridep")
#: A parallel size: a group of accelerators, so at most the accelerators of any job.
PosInt = Annotated[int, Field(gt=0, le=MAX_ACCELERATORS)]
#: A batch in sequences: at most a model record's `global_batch_seqs` limit (a batch of 2^50
#: sequences overflowed the int64 token count into a negative HFU).
Sequences = Annotated[int, Field(gt=0, le=MAX_SEQ_LEN)]
#: Layers (model chunks, a pipeline stage's layers): at most a model record's.
Layers = Annotated[int, Field(ge=0, le=MAX_LAYERS)]
SWITCHES: tuple[str, ...] = (
    "sp",
    "flash_attention",
    "tp_overlap",
    "dp_overlap",
    "ep_overlap",
    "pp_balance",
    "vocab_parallel",
)
#: Categorical knobs stored as indices into these tuples in `PlanArrays`.
CODED: dict[str, tuple[str, ...]] = {
    "recompute": RECOMPUTE_MODES,
    "fp8_recipe": RECIPES,
    "offload": OFFLOADS,
    "moe_dispatcher": DISPATCHERS,
}
#: Knobs a framework profile sets (its first value is the default).
SOFTWARE_KNOBS: tuple[str, ...] = (
    *SWITCHES,
    "zero",
    "recompute",
    "fp8_recipe",
    "offload",
    "moe_dispatcher",
)


class Plan(BaseModel):
    """A parallelism plan as a user writes it (`--plan tp=8,pp=4,...`); omitted knobs default
    (structural ones to DESIGN.md section 7's defaults, software ones to the framework's).

    Switches beyond DESIGN.md's keys: `sp` (sequence parallelism with TP, Korthikanti et al.
    2022), `flash_attention` (fused attention kernel: no s^2 activations, causal blocks
    skipped), `tp_overlap`, `dp_overlap`, `ep_overlap` (collectives overlapped with compute,
    bounded by it), `pp_balance` (embedding and loss each count as a layer in the pipeline
    split), `pp_first` / `pp_last` (layers on the first and the last pipeline stage, the rest
    spread evenly over the middle stages: Megatron-Core num_layers_in_first_pipeline_stage /
    num_layers_in_last_pipeline_stage, or the stage totals of a pipeline_model_parallel_layout),
    `vocab_parallel` (output layer and loss sharded over TP), `fp8_recipe`
    (scaling recipe of fp8/fp4 GEMMs), `offload` (optimizer state or activations in host
    memory), `moe_dispatcher` (MoE token dispatch: alltoall, or node-deduplicated deepep /
    hybridep).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tp: PosInt = Field(1, description="tensor-parallel size")
    pp: PosInt = Field(1, description="pipeline-parallel stages")
    vp: Annotated[Layers, Field(gt=0)] = Field(
        1, description="model chunks per pipeline rank (1 = no interleaving)"
    )
    dp: PosInt | None = Field(None, description="data-parallel size (omitted: N / (tp pp cp))")
    cp: PosInt = Field(1, description="context-parallel size")
    ep: PosInt = Field(1, description="expert-parallel size")
    etp: PosInt | None = Field(
        None, description="expert tensor-parallel size (omitted: tp; MoE parallel folding)"
    )
    mb: Sequences = Field(1, description="micro-batch [sequences]")
    gbs: Sequences | None = Field(None, description="global batch [sequences] (omitted: model's)")
    zero: Annotated[int, Field(ge=0, le=3)] | None = Field(
        None, description="ZeRO stage over dp x cp: 1 optimizer, 2 + gradients, 3 (FSDP) + weights"
    )
    recompute: Recompute | None = Field(None, description="activation recomputation")
    recompute_modules: tuple[str, ...] | None = Field(
        None,
        description="modules selective recomputation replays (Megatron-Core recompute_modules "
        "or a MaxText remat policy; omitted: core_attn); implies recompute=selective",
    )
    precision: Precision = Field("bf16", description="GEMM precision")
    optimizer_dtype: Literal["fp32", "bf16"] = Field(
        "fp32", description="optimizer state precision (bf16 where the framework offers it)"
    )
    sp: bool | None = Field(None, description="sequence parallelism with tp > 1")
    flash_attention: bool | None = Field(None, description="fused attention kernel")
    tp_overlap: bool | None = Field(None, description="TP communication overlapped with GEMMs")
    dp_overlap: bool | None = Field(None, description="DP communication overlapped")
    ep_overlap: bool | None = Field(None, description="expert all-to-alls overlapped")
    pp_balance: bool | None = Field(
        None, description="embedding and loss counted as layers in the pipeline split"
    )
    pp_first: Layers = Field(
        0, description="transformer layers on the first pipeline stage (0 = even split)"
    )
    pp_last: Layers = Field(
        0, description="transformer layers on the last pipeline stage (0 = even split)"
    )
    vocab_parallel: bool | None = Field(None, description="output layer and loss sharded by tp")
    fp8_recipe: Literal["none", "delayed", "current", "mxfp8", "nvfp4"] | None = Field(
        None, description="fp8/fp4 scaling recipe (none for 16-bit)"
    )
    offload: Literal["none", "optimizer", "activations"] | None = Field(
        None, description="CPU offload of optimizer state or activations"
    )
    moe_dispatcher: Literal["alltoall", "deepep", "hybridep"] | None = Field(
        None,
        description="MoE token dispatcher: alltoall (every routed copy sent), or the flex "
        "dispatcher's deepep / hybridep (a token sent once per destination node and rank)",
    )

    @field_validator("recompute_modules", mode="before")
    @classmethod
    def _modules(cls, value: Any) -> Any:
        return None if value is None else module_names(value)

    @model_validator(mode="before")
    @classmethod
    def _selective(cls, data: Any) -> Any:
        """recompute_modules implies selective recomputation (Megatron-Core reads the list
        only with recompute_granularity=selective)."""
        if not isinstance(data, Mapping) or data.get("recompute_modules") is None:
            return data
        mode = data.get("recompute")
        try:
            names = module_names(data["recompute_modules"])
        except ValueError:
            return data  # the field's own validator names the unknown modules
        if not names and mode in ("none", "full"):
            return {**data, "recompute_modules": None}  # (a JSON plan's empty list)
        if mode is None:
            return {**data, "recompute": "selective"}
        if str(mode).lower() != "selective":
            raise ValueError(
                f"recompute_modules needs recompute=selective, got recompute={mode}; "
                "allowed: selective (or leave recompute out)"
            )
        return data


PLAN_KEYS: tuple[str, ...] = tuple(Plan.model_fields)
#: Keys a plan also takes, each another name of a `Plan` knob (`with_recipe_alias`).
PLAN_ALIASES: tuple[str, ...] = ("fp4_recipe",)


def with_recipe_alias(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with `fp4_recipe` (the name `perf --json` and a printed fp4 plan give the
    recipe) moved to the plan's `fp8_recipe` knob, which holds the scaling recipe of fp8 and
    fp4 GEMMs alike; `fp4_recipe` on a plan whose precision is not fp4, or beside an
    `fp8_recipe` that differs, is an error."""
    out = dict(values)
    if "fp4_recipe" not in out:
        return out
    recipe = out.pop("fp4_recipe")
    precision = str(out.get("precision") or Plan.model_fields["precision"].default).lower()
    if precision != "fp4":
        raise InputError(
            f"fp4_recipe={recipe} applies to fp4 plans, and this plan's precision is "
            f"{precision}; allowed: fp4_recipe with precision=fp4 (an fp8 plan's recipe is "
            "fp8_recipe)",
            field="plan",
        )
    given = out.get("fp8_recipe")
    if given is not None and str(given).lower() != str(recipe).lower():
        raise InputError(
            f"fp4_recipe={recipe} contradicts fp8_recipe={given} (one knob, the recipe of "
            "fp8 and fp4 GEMMs alike); give one of them",
            field="plan",
        )
    out["fp8_recipe"] = recipe
    return out


def parse_plan(text: str | None) -> dict[str, str]:
    """`"tp=8,pp=4,recompute=full"` -> {"tp": "8", ...}; pydantic converts the values."""
    out: dict[str, str] = {}
    last = None
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part and last == "recompute_modules":
            # recompute_modules=core_attn,mlp: the list goes on until the next KEY=VALUE
            out[last] += f",{part}"
            continue
        key, sep, value = part.partition("=")
        # "fp4 recipe", as perf once printed it, is fp4_recipe
        key = "_".join(key.lower().replace("-", "_").split())
        if not sep or not value.strip():
            raise InputError(f"{part!r} is not KEY=VALUE", field="plan")
        if key not in PLAN_KEYS + PLAN_ALIASES:
            close = difflib.get_close_matches(key, PLAN_KEYS + PLAN_ALIASES, n=3, cutoff=0.6)
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            raise InputError(
                f"unknown key {key!r}{hint}; allowed: {', '.join(PLAN_KEYS)}", field="plan"
            )
        if key in out:
            raise InputError(f"{key!r} given twice", field="plan")
        out[key] = value.strip()
        last = key
    return out


def with_precision(values: Mapping[str, Any], precision: str | None) -> dict[str, Any]:
    """`values` with `precision` added (a contradicting plan value is an error) and an
    `fp4_recipe` moved to `fp8_recipe` (`with_recipe_alias`)."""
    out = dict(values)
    if precision is None:
        return with_recipe_alias(out)
    allowed = get_args(Precision)
    if precision.lower() not in allowed:  # the caller's own field, not the plan's
        raise InputError(
            f"{precision!r} is not allowed: expected "
            f"{', '.join(map(repr, allowed[:-1]))} or {allowed[-1]!r}",
            field="precision",
        )
    if str(out.get("precision", precision)).lower() != precision.lower():
        raise InputError(
            f"{{precision}} {precision} contradicts plan precision={out['precision']}",
            field="plan",
            refs=("precision",),
        )
    out["precision"] = precision.lower()
    return with_recipe_alias(out)


def make_plan(values: Plan | Mapping[str, Any] | None) -> Plan:
    """A validated `Plan` from a mapping (strings allowed), or the plan itself."""
    if isinstance(values, Plan):
        return values
    try:
        return Plan.model_validate(with_recipe_alias(values or {}))
    except ValidationError as e:
        raise input_error(e, prefix="plan", model=Plan) from None


# --- plans as arrays ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanArrays:
    """Many plans as one array per knob (int64; switches as bool; categorical knobs as indices
    into `CODED`)."""

    tp: np.ndarray
    pp: np.ndarray
    vp: np.ndarray
    dp: np.ndarray
    cp: np.ndarray
    ep: np.ndarray
    etp: np.ndarray
    mb: np.ndarray
    gbs: np.ndarray
    zero: np.ndarray
    recompute: np.ndarray
    recompute_modules: np.ndarray
    fp8_recipe: np.ndarray
    offload: np.ndarray
    moe_dispatcher: np.ndarray
    sp: np.ndarray
    flash_attention: np.ndarray
    tp_overlap: np.ndarray
    dp_overlap: np.ndarray
    ep_overlap: np.ndarray
    pp_balance: np.ndarray
    vocab_parallel: np.ndarray
    pp_first: np.ndarray
    pp_last: np.ndarray

    def __len__(self) -> int:
        return len(self.tp)

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any]) -> PlanArrays:
        out = {}
        for f in fields(cls):
            dtype = bool if f.name in SWITCHES else np.int64
            out[f.name] = np.atleast_1d(np.asarray(columns[f.name], dtype=dtype))
        return cls(**out)

    @classmethod
    def concat(cls, parts: list[PlanArrays]) -> PlanArrays:
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )

    def take(self, index: Any) -> PlanArrays:
        return PlanArrays(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def replace(self, **columns: Any) -> PlanArrays:
        """The same plans with some knobs set (scalars broadcast)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        n = len(self)
        for k, v in columns.items():
            dtype = bool if k in SWITCHES else np.int64
            out[k] = np.broadcast_to(np.asarray(v, dtype=dtype), (n,))
        return PlanArrays(**out)

    def row(self, i: int, precision: str, optimizer_dtype: str = "fp32") -> dict[str, Any]:
        """Plan `i` as the JSON `plan` object: every knob (`precision` and `optimizer_dtype`
        are the same for every plan of a search)."""
        out: dict[str, Any] = {"precision": precision, "optimizer_dtype": optimizer_dtype}
        for f in fields(self):
            v = getattr(self, f.name)[i]
            if f.name in CODED:
                out[f.name] = CODED[f.name][int(v)]
            elif f.name == "recompute_modules":
                selective = out.get("recompute") == "selective"
                out[f.name] = tuple(mask_names(int(v))) if selective else ()
            elif f.name in SWITCHES:
                out[f.name] = bool(v)
            else:
                out[f.name] = int(v)
        return {k: out[k] for k in PLAN_KEYS}


def micro_batches(p: PlanArrays) -> np.ndarray:
    """Micro-batches per step on each pipeline: gbs / (dp x mb) (an integer for valid plans)."""
    return p.gbs // np.maximum(p.dp * p.mb, 1)


def interleaved_split_ok(w: Workload, p: PlanArrays) -> np.ndarray:
    """Plans whose interleaved pipeline split Megatron-Core builds without an explicit
    `pipeline_model_parallel_layout` (vp = 1 plans all pass).

    Megatron-Core (NVIDIA/Megatron-LM commit d98e8a64,
    megatron/core/transformer/transformer_block.py `get_num_layers_to_build`, lines 103-178)
    gives every pipeline rank (L + embedding + loss) / pp layers, asserting that pp divides
    them, then every model chunk of a rank that number / vp, asserting that vp divides it: so
    L + 2 pp_balance must be a multiple of pp x vp (`pp_balance` is
    account_for_embedding_in_pipeline_split and account_for_loss_in_pipeline_split together).
    With uneven first and last stages (num_layers_in_first_pipeline_stage /
    num_layers_in_last_pipeline_stage, here pp_first / pp_last) TransformerConfig.__post_init__
    (megatron/core/transformer/transformer_config.py lines 2294-2368) requires vp to divide
    the first and the last stage's layers, the pp - 2 middle stages to share the rest evenly,
    and vp to divide each middle stage's share. Any other (pp, vp) needs a hand-written layout
    (as Megatron-Bridge's DeepSeek-V3 recipes have), which the search does not propose."""
    chunks = np.maximum(p.pp * p.vp, 1)
    even = (w.layers + 2 * p.pp_balance.astype(np.int64)) % chunks == 0
    vp = np.maximum(p.vp, 1)
    middle = np.maximum(p.pp - 2, 1) * vp
    inner = w.layers - p.pp_first - p.pp_last
    uneven = (
        (p.pp_first % vp == 0)
        & (p.pp_last % vp == 0)
        & ((p.pp <= 2) | ((inner >= 0) & (inner % middle == 0)))
    )
    return (p.vp <= 1) | np.where(p.pp_first > 0, uneven, even)


# --- validity rules -------------------------------------------------------------------------


def offload_allowed(p: PlanArrays) -> np.ndarray:
    """Plans whose CPU offload the framework runs (the two offload rules of `RULES`):
    activations only with pp = 1 and no recomputation, the optimizer only with a sharded
    (distributed) optimizer, zero >= 1."""
    activations = (p.offload != OFFLOADS.index("activations")) | (
        (p.pp == 1) & (p.recompute == RECOMPUTE_MODES.index("none"))
    )
    return activations & ((p.offload != OFFLOADS.index("optimizer")) | (p.zero >= 1))


Rule = tuple[str, Callable[[Workload, int, PlanArrays], np.ndarray]]

#: (message, predicate that holds for valid plans). Messages name the rule; `resolve`
#: adds the values.
RULES: list[Rule] = [
    (
        "tp x pp x cp x dp must equal the accelerator count",
        lambda w, n, p: p.tp * p.pp * p.cp * p.dp == n,
    ),
    ("tp must divide the attention heads", lambda w, n, p: w.q_heads % p.tp == 0),
    (
        "tp must divide the key/value heads or be a multiple of them",
        lambda w, n, p: (w.kv_heads % p.tp == 0) | (p.tp % w.kv_heads == 0),
    ),
    (
        "pp x vp must not exceed the layers, plus 2 with pp_balance (each model chunk needs a "
        "layer's slot; with pp_balance the embedding and the loss take one each, as in "
        "Megatron-Core's pipeline_model_parallel_layout, where a chunk may hold the embedding "
        "or the loss alone)",
        lambda w, n, p: p.pp * p.vp <= w.layers + 2 * p.pp_balance,
    ),
    ("dp x mb must divide the global batch gbs", lambda w, n, p: p.gbs % (p.dp * p.mb) == 0),
    (
        "vp > 1 needs pp > 1 and a number of micro-batches that is a multiple of pp",
        lambda w, n, p: (p.vp == 1) | ((p.pp > 1) & (micro_batches(p) % p.pp == 0)),
    ),
    ("cp must divide the sequence length", lambda w, n, p: w.seq_len % p.cp == 0),
    (
        "cp > 1 needs flash_attention (ring attention)",
        lambda w, n, p: (p.cp == 1) | p.flash_attention,
    ),
    (
        "ep must divide the expert count (a dense model needs ep = 1)",
        lambda w, n, p: np.maximum(w.experts, 1) % p.ep == 0,
    ),
    # Megatron-Core parallel_state.initialize_model_parallel: the world size must be divisible
    # by expert_tensor_parallel_size x expert_model_parallel_size x pipeline size (here: per
    # stage, etp x ep must divide tp x cp x dp); with etp = tp this is "ep divides cp x dp".
    (
        "etp x ep must divide tp x cp x dp (the expert grid etp x ep x edp regroups a "
        "pipeline stage's ranks)",
        lambda w, n, p: (p.tp * p.cp * p.dp) % (p.etp * p.ep) == 0,
    ),
    (
        "a dense model needs etp = tp (etp splits expert layers only)",
        lambda w, n, p: (w.experts > 0) | (p.etp == p.tp),
    ),
    # Megatron-Core ModelParallelConfig.__post_init__: expert parallelism with tp > 1 needs
    # sequence parallelism; the all-to-all dispatcher regroups the sequence shards of the
    # attention's TP ranks, so an expert TP size other than tp needs them too.
    (
        "etp != tp needs sequence parallelism (sp) when tp > 1",
        lambda w, n, p: (p.etp == p.tp) | (p.tp == 1) | p.sp,
    ),
    (
        "tp_overlap needs tp > 1 and sequence parallelism (sp)",
        lambda w, n, p: ~p.tp_overlap | ((p.tp > 1) & p.sp),
    ),
    (
        "ep_overlap needs ep > 1, no full recompute, and vp > 1 when pp > 1",
        lambda w, n, p: (
            ~p.ep_overlap | ((p.ep > 1) & (p.recompute != 2) & ((p.pp == 1) | (p.vp > 1)))
        ),
    ),
    # Megatron-Core's layer-level CPU activation offloading (cpu_offloading with
    # cpu_offloading_num_layers: every profile that offers offload=activations runs it)
    # refuses pipeline parallelism and activation recomputation
    # (megatron/core/transformer/transformer_config.py __post_init__, from its first commit
    # c59ac8b4 of 2023-12-14 to d98e8a64: "Currently there is no support for Pipeline
    # parallelism with CPU offloading", "CPU offloading does not work when activation
    # recomputation is enabled"; Megatron-Bridge docs/training/cpu-offloading.md, commit
    # 067f987d). Its module-level successor (fine_grained_activation_offloading, 2026) is not
    # modelled. Optimizer offload (optimizer_cpu_offload, HybridDeviceOptimizer) needs the
    # precision-aware optimizer (megatron/training/arguments.py), which needs the distributed
    # optimizer (megatron/core/optimizer/__init__.py: "only supported with distributed
    # optimizer"), commit d98e8a64.
    (
        "offload=activations needs pp = 1 and recompute=none, offload=optimizer needs "
        "zero >= 1 (Megatron-Core CPU offloading)",
        lambda w, n, p: offload_allowed(p),
    ),
    ("pp_balance needs pp > 1", lambda w, n, p: ~p.pp_balance | (p.pp > 1)),
    (
        "pp_first and pp_last are set together, with pp > 1 and without pp_balance",
        lambda w, n, p: (
            ((p.pp_first > 0) == (p.pp_last > 0))
            & ((p.pp_first == 0) | ((p.pp > 1) & ~p.pp_balance))
        ),
    ),
    # Megatron-Core TransformerConfig: with two stages first + last must be the layer count;
    # the middle stages' model chunks each need a layer.
    (
        "pp_first + pp_last must equal the layers with pp = 2 and leave at least one layer "
        "per middle model chunk (pp - 2) x vp with pp > 2",
        lambda w, n, p: (
            (p.pp_first == 0)
            | np.where(
                p.pp == 2,
                p.pp_first + p.pp_last == w.layers,
                w.layers - p.pp_first - p.pp_last >= (p.pp - 2) * p.vp,
            )
        ),
    ),
]


def rule_masks(w: Workload, gpus: int, p: PlanArrays) -> list[tuple[str, np.ndarray]]:
    """Each of `RULES` (its message, and which plans keep it), each citing where it holds."""
    return [(msg, np.asarray(pred(w, gpus, p), dtype=bool)) for msg, pred in RULES]


def valid_mask(w: Workload, gpus: int, p: PlanArrays) -> np.ndarray:
    """Which plans keep every rule of `RULES`."""
    ok = np.ones(len(p), dtype=bool)
    for _, mask in rule_masks(w, gpus, p):
        ok &= mask
    return ok


def structural_dp(plan: Plan, gpus: int) -> int:
    """dp of a plan: as given, or N / (tp pp cp)."""
    if gpus <= 0:
        raise InputError(f"must be a positive accelerator count, got {gpus}", field="gpus")
    if plan.dp is not None:
        return plan.dp
    model_parallel = plan.tp * plan.pp * plan.cp
    if gpus % model_parallel:
        raise InputError(
            f"tp x pp x cp = {model_parallel} must divide the accelerator count {gpus} "
            "(dp = N / (tp pp cp))",
            field="plan",
        )
    return gpus // model_parallel


def check_rules(w: Workload, gpus: int, arrays: PlanArrays, precision: str) -> None:
    """An InputError naming every rule plan 0 of `arrays` breaks, with its values."""
    broken = [msg for msg, mask in rule_masks(w, gpus, arrays) if not mask[0]]
    if broken:
        values = arrays.row(0, precision)
        shown = ", ".join(
            f"{k}={values[k]}"
            for k in ("tp", "pp", "vp", "cp", "dp", "ep", "etp", "mb", "gbs", "pp_first", "pp_last")
        )
        context = (
            f"N={gpus}, heads={w.q_heads}, kv_heads={w.kv_heads}, layers={w.layers}, "
            f"seq_len={w.seq_len}, experts={w.experts}"
        )
        raise InputError(f"{'; '.join(broken)} (got {shown}; {context})", field="plan")


# --- layers per pipeline stage ----------------------------------------------------------------

#: Pipeline stages the evaluator looks at: the first (embedding, most layers, most
#: micro-batches in flight), one middle stage (with pp_balance it can hold the most layers)
#: and the last (output layer and loss).
STAGES = ("first", "middle", "last")


def stages_needed(w: Workload, p: PlanArrays) -> tuple[str, ...]:
    """The stages that can be the slowest or the fullest. Without pipeline balancing a middle
    stage holds no more layers than the first, no embedding and fewer micro-batches in flight,
    so it never exceeds the first; with an MoE model whose first layers are dense it can (its
    layers are all MoE), and so can it when pp_first / pp_last set the first stage's layers."""
    uneven = np.any((p.pp_balance | (p.pp_first > 0)) & (p.pp >= 3))
    if uneven or 0 < w.dense_layers < w.layers:
        return STAGES
    return ("first", "last")


@dataclass(frozen=True)
class StageLayers:
    """Transformer layers on the first, a middle and the last pipeline stage, by type."""

    dense: dict[str, np.ndarray]
    moe: dict[str, np.ndarray]

    def total(self, stage: str) -> np.ndarray:
        return self.dense[stage] + self.moe[stage]


def _chunks_below(r: np.ndarray, stage: np.ndarray | int, pp: np.ndarray) -> np.ndarray:
    """How many of stage `stage`'s model chunks (indices stage, stage + pp, ...) are < r."""
    return np.maximum(-(-(r - stage) // pp), 0)


def _dense_on_stage(
    w: Workload,
    p: PlanArrays,
    stage: np.ndarray | int,
    q: np.ndarray,
    r: np.ndarray,
    bal: np.ndarray,
) -> np.ndarray:
    """The leading dense layers of an MoE model that sit on stage `stage`: its chunks are
    stage, stage + pp, ...; chunk c holds slots [c q + min(c, r), + q + (c < r)) and the layers
    fill slots bal .. bal + L - 1 (slot 0 is the embedding's with pp_balance)."""
    out = np.zeros(len(p), dtype=np.int64)
    end = bal + w.dense_layers
    # Every chunk holds at least one slot, so the dense slots lie in chunks 0 .. end - 1.
    for k in range(w.dense_layers + 2):
        c = stage + k * p.pp
        start = c * q + np.minimum(c, r)
        stop = start + q + (c < r)
        held = np.clip(np.minimum(stop, end) - np.maximum(start, bal), 0, None)
        out = out + np.where(k < p.vp, held, 0)
    return out


def stage_layers(w: Workload, p: PlanArrays) -> StageLayers:
    """Layers per stage. The L layers fill pp x vp model chunks as evenly as possible (the
    r = L mod (pp vp) first chunks get one more); stage j holds chunks j, j + pp, ....

    With `pp_balance` the embedding and the loss each take a layer's slot (Megatron-Core
    account_for_embedding_in_pipeline_split / account_for_loss_in_pipeline_split): L + 2 slots
    are split, and the first and the last stage hold one layer fewer than their slots. The
    middle stage is stage 1 (the one with the most chunks below r after stage 0); with fewer
    than three stages it repeats the first. The leading dense layers of an MoE model sit in
    the first chunks, which interleaving spreads over the first stages.

    With `pp_first` / `pp_last` the first and the last stage hold that many layers and the
    pp - 2 middle stages share the rest, the fullest ceil((L - first - last) / (pp - 2)); the
    leading dense layers fill the first stage, then the middle ones (the DeepSeek-V3 layouts
    of Megatron-Bridge put them in the first model chunk).
    """
    chunks = p.pp * p.vp
    extra = np.where(p.pp_balance, 2, 0)
    q, r = np.divmod(w.layers + extra, chunks)
    bal = p.pp_balance.astype(np.int64)
    first = p.vp * q + _chunks_below(r, 0, p.pp) - bal
    last = p.vp * q + _chunks_below(r, p.pp - 1, p.pp) - bal
    middle = np.where(p.pp >= 3, p.vp * q + _chunks_below(r, 1, p.pp), first)
    first = np.maximum(first, 0)
    last = np.maximum(last, 0)
    if 0 < w.dense_layers < w.layers:
        first_dense = _dense_on_stage(w, p, 0, q, r, bal)
        middle_dense = np.where(p.pp >= 3, _dense_on_stage(w, p, 1, q, r, bal), first_dense)
        last_dense = _dense_on_stage(w, p, p.pp - 1, q, r, bal)
    else:  # all layers of one kind
        every = w.dense_layers == w.layers
        first_dense, middle_dense, last_dense = (
            x if every else np.zeros_like(x) for x in (first, middle, last)
        )
    custom = p.pp_first > 0
    if np.any(custom):
        inner = np.maximum(w.layers - p.pp_first - p.pp_last, 0)
        c_mid = np.where(p.pp >= 3, -(-inner // np.maximum(p.pp - 2, 1)), p.pp_first)
        d = w.dense_layers if 0 < w.dense_layers < w.layers else 0
        c_first_dense = np.minimum(d, p.pp_first)
        c_mid_dense = np.where(p.pp >= 3, np.clip(d - p.pp_first, 0, c_mid), c_first_dense)
        c_last_dense = np.clip(d - (w.layers - p.pp_last), 0, p.pp_last)
        if w.dense_layers == w.layers:
            c_first_dense, c_mid_dense, c_last_dense = p.pp_first, c_mid, p.pp_last
        first = np.where(custom, p.pp_first, first)
        middle = np.where(custom, c_mid, middle)
        last = np.where(custom, p.pp_last, last)
        first_dense = np.where(custom, c_first_dense, first_dense)
        middle_dense = np.where(custom, c_mid_dense, middle_dense)
        last_dense = np.where(custom, c_last_dense, last_dense)
    dense = {"first": first_dense, "middle": middle_dense, "last": last_dense}
    total = {"first": first, "middle": middle, "last": last}
    return StageLayers(
        dense={k: v.astype(np.float64) for k, v in dense.items()},
        moe={k: (total[k] - dense[k]).astype(np.float64) for k in STAGES},
    )
