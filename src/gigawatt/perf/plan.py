"""Parallelism plans: the user's `Plan`, its validity rules, and plans as NumPy arrays.

A plan splits N accelerators as tp x cp x dp x pp (DESIGN.md section 7). Ranks are laid out
as Megatron-Core does by default, tensor-parallel innermost, then context-parallel, then data-
parallel (expert parallelism is carved out of the cp x dp ranks), pipeline outermost: a group's
members sit `stride` ranks apart (tp: 1; cp, ep, dp: tp; pp: tp x cp x dp). That decides which
network tier each collective crosses (see `comm.py`).

The rules are written once, over arrays (`rule_masks`): the search filters its candidates with
them, and a single user plan is checked with the same code, naming the first rule it breaks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gigawatt.catalog.schema import Precision
from gigawatt.errors import InputError
from gigawatt.perf.workload import Workload
from gigawatt.validation import format_validation_error

Recompute = Literal["none", "selective", "full"]
RECOMPUTE_MODES: tuple[Recompute, ...] = ("none", "selective", "full")
PosInt = Annotated[int, Field(gt=0)]


class Plan(BaseModel):
    """A parallelism plan as a user writes it (`--plan tp=8,pp=4,...`); omitted keys default.

    Switches beyond DESIGN.md's keys: `sp` (sequence parallelism with TP, Korthikanti et al.
    2022), `flash_attention` (fused attention kernel: no s^2 activations, causal blocks
    skipped), `tp_overlap` (TP collectives hidden behind GEMMs), `dp_overlap` (gradient
    reduction and parameter gathers overlapped with backward/forward).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tp: PosInt = Field(1, description="tensor-parallel size")
    pp: PosInt = Field(1, description="pipeline-parallel stages")
    vp: PosInt = Field(1, description="model chunks per pipeline rank (1 = no interleaving)")
    dp: PosInt | None = Field(None, description="data-parallel size (omitted: N / (tp pp cp))")
    cp: PosInt = Field(1, description="context-parallel size")
    ep: PosInt = Field(1, description="expert-parallel size")
    mb: PosInt = Field(1, description="micro-batch [sequences]")
    gbs: PosInt | None = Field(None, description="global batch [sequences] (omitted: model's)")
    zero: Annotated[int, Field(ge=0, le=3)] = Field(
        1, description="ZeRO stage over dp x cp: 1 optimizer, 2 + gradients, 3 (FSDP) + weights"
    )
    recompute: Recompute = Field("selective", description="activation recomputation")
    precision: Precision = Field("bf16", description="GEMM precision")
    sp: bool = Field(True, description="sequence parallelism with tp > 1")
    flash_attention: bool = Field(True, description="fused attention kernel")
    tp_overlap: bool = Field(False, description="TP communication overlapped with GEMMs")
    dp_overlap: bool = Field(True, description="DP communication overlapped with compute")


PLAN_KEYS: tuple[str, ...] = tuple(Plan.model_fields)


def parse_plan(text: str | None) -> dict[str, str]:
    """`"tp=8,pp=4,recompute=full"` -> {"tp": "8", ...}; pydantic converts the values."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not value.strip():
            raise InputError(f"{part!r} is not KEY=VALUE", field="plan")
        if key not in PLAN_KEYS:
            raise InputError(f"unknown key {key!r}; allowed: {', '.join(PLAN_KEYS)}", field="plan")
        if key in out:
            raise InputError(f"{key!r} given twice", field="plan")
        out[key] = value.strip()
    return out


def with_precision(values: Mapping[str, Any], precision: str | None) -> dict[str, Any]:
    """`values` with `precision` added; a contradicting plan value is an error."""
    out = dict(values)
    if precision is None:
        return out
    if str(out.get("precision", precision)).lower() != precision.lower():
        raise InputError(
            f"{{precision}} {precision} contradicts precision={out['precision']}",
            field="plan",
            refs=("precision",),
        )
    out["precision"] = precision.lower()
    return out


def make_plan(values: Plan | Mapping[str, Any] | None) -> Plan:
    """A validated `Plan` from a mapping (strings allowed), or the plan itself."""
    if isinstance(values, Plan):
        return values
    try:
        return Plan.model_validate(dict(values or {}))
    except ValidationError as e:
        raise InputError(format_validation_error(e, prefix="plan")) from None


# --- plans as arrays ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanArrays:
    """Many plans as one array per knob (int64; switches as bool; recompute as 0/1/2)."""

    tp: np.ndarray
    pp: np.ndarray
    vp: np.ndarray
    dp: np.ndarray
    cp: np.ndarray
    ep: np.ndarray
    mb: np.ndarray
    gbs: np.ndarray
    zero: np.ndarray
    recompute: np.ndarray
    sp: np.ndarray
    flash_attention: np.ndarray
    tp_overlap: np.ndarray
    dp_overlap: np.ndarray

    def __len__(self) -> int:
        return len(self.tp)

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any]) -> PlanArrays:
        out = {}
        for f in fields(cls):
            dtype = bool if f.name in _SWITCHES else np.int64
            out[f.name] = np.atleast_1d(np.asarray(columns[f.name], dtype=dtype))
        return cls(**out)

    @classmethod
    def concat(cls, parts: list[PlanArrays]) -> PlanArrays:
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )

    def take(self, index: Any) -> PlanArrays:
        return PlanArrays(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def row(self, i: int, precision: str) -> dict[str, Any]:
        """Plan `i` as the JSON `plan` object: every knob."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)[i]
            if f.name == "recompute":
                out[f.name] = RECOMPUTE_MODES[int(v)]
            elif f.name in _SWITCHES:
                out[f.name] = bool(v)
            else:
                out[f.name] = int(v)
        out["precision"] = precision
        return {k: out[k] for k in PLAN_KEYS}


_SWITCHES = frozenset({"sp", "flash_attention", "tp_overlap", "dp_overlap"})


def micro_batches(p: PlanArrays) -> np.ndarray:
    """Micro-batches per step on each pipeline: gbs / (dp x mb) (an integer for valid plans)."""
    return p.gbs // np.maximum(p.dp * p.mb, 1)


# --- validity rules -------------------------------------------------------------------------

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
        "pp x vp must not exceed the layers (each model chunk needs a layer)",
        lambda w, n, p: p.pp * p.vp <= w.layers,
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
    ("ep must divide dp x cp", lambda w, n, p: (p.dp * p.cp) % p.ep == 0),
]


def rule_masks(w: Workload, gpus: int, p: PlanArrays) -> list[tuple[str, np.ndarray]]:
    return [(msg, np.asarray(pred(w, gpus, p), dtype=bool)) for msg, pred in RULES]


def valid_mask(w: Workload, gpus: int, p: PlanArrays) -> np.ndarray:
    ok = np.ones(len(p), dtype=bool)
    for _, mask in rule_masks(w, gpus, p):
        ok &= mask
    return ok


def resolve(plan: Plan, w: Workload, gpus: int) -> PlanArrays:
    """A user plan as one-row arrays, with dp and gbs filled in; an InputError if invalid."""
    if gpus <= 0:
        raise InputError(f"must be a positive accelerator count, got {gpus}", field="gpus")
    dp = plan.dp
    if dp is None:
        model_parallel = plan.tp * plan.pp * plan.cp
        if gpus % model_parallel:
            raise InputError(
                f"tp x pp x cp = {model_parallel} must divide the accelerator count {gpus} "
                "(dp = N / (tp pp cp))",
                field="plan",
            )
        dp = gpus // model_parallel
    arrays = PlanArrays.from_columns(
        {
            **plan.model_dump(exclude={"precision", "recompute"}),
            "dp": dp,
            "gbs": plan.gbs or w.global_batch_seqs,
            "recompute": RECOMPUTE_MODES.index(plan.recompute),
        }
    )
    broken = [msg for msg, mask in rule_masks(w, gpus, arrays) if not mask[0]]
    if broken:
        values = arrays.row(0, plan.precision)
        shown = ", ".join(
            f"{k}={values[k]}" for k in ("tp", "pp", "vp", "cp", "dp", "ep", "mb", "gbs")
        )
        context = (
            f"N={gpus}, heads={w.q_heads}, kv_heads={w.kv_heads}, layers={w.layers}, "
            f"seq_len={w.seq_len}, experts={w.experts}"
        )
        raise InputError(f"{'; '.join(broken)} (got {shown}; {context})", field="plan")
    return arrays


# --- layers per pipeline stage ----------------------------------------------------------------


@dataclass(frozen=True)
class StageLayers:
    """Layers on the first and the last pipeline stage, by type (dense / MoE) [layers].

    The L layers fill pp x vp model chunks as evenly as possible (r = L mod (pp vp) chunks get
    one more); stage j holds chunks j, j + pp, ... so the first stage holds the most layers,
    vp floor(L / (pp vp)) + ceil(r / pp), and the last the fewest, ... + floor(r / pp). The
    leading dense layers of an MoE model sit on the first stages.
    """

    first_dense: np.ndarray
    first_moe: np.ndarray
    last_dense: np.ndarray
    last_moe: np.ndarray

    @property
    def first(self) -> np.ndarray:
        return self.first_dense + self.first_moe

    @property
    def last(self) -> np.ndarray:
        return self.last_dense + self.last_moe


def stage_layers(w: Workload, p: PlanArrays) -> StageLayers:
    chunks = p.pp * p.vp
    q, r = np.divmod(w.layers, chunks)
    first = p.vp * q + -(-r // p.pp)
    last = p.vp * q + r // p.pp
    first_dense = np.minimum(first, w.dense_layers)
    last_dense = np.clip(w.dense_layers - (w.layers - last), 0, last)
    return StageLayers(
        first_dense=first_dense.astype(np.float64),
        first_moe=(first - first_dense).astype(np.float64),
        last_dense=last_dense.astype(np.float64),
        last_moe=(last - last_dense).astype(np.float64),
    )
