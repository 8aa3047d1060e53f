"""Parallelism search: enumerate the plan space as arrays, evaluate it at once, keep the best.

The candidate generator and the evaluator are separate (STYLE.md habit 6). Candidates are
built axis by axis as NumPy columns (a Cartesian product filtered after each axis, so the
arrays stay small): tp over the divisors of gcd(N, heads), cp over the divisors of
gcd(N, seq_len), pp over the divisors of N up to the layer count, dp = N / (tp cp pp); the
global batch is the model's unless pinned, else (adaptive batch) the multiple of dp nearest to
it within +-5 %; then vp (when the framework interleaves: the values Megatron-Core splits the
layers into without a hand-written layout, `plan.interleaved_split_ok`), micro-batches
over the divisors of gbs / dp, ep over the divisors of the expert count, and every software
knob the framework offers (`framework.Software`) unless the caller pins it. A knob that
cannot matter for a split takes one value (sequence parallelism and vocabulary-parallel loss
with tp = 1, pipeline balancing with pp = 1, ZeRO with one replica; with flash attention
"none" recompute is the same plan as "selective"). `plan.RULES` then removes invalid plans.

Evaluation is staged so that the space is searched exactly but cheaply:
1. memory of every plan (knobs that change memory are rows: flash attention, sp, ZeRO,
   recompute, pipeline balancing, vocabulary parallelism);
2. selective plans that do not fit try the framework's larger recompute module sets (a
   superset of the first set replays more and saves more memory, so it can only win where the
   plan does not fit with the first), then plans that still do not fit try the framework's
   CPU offload (offload only adds time, so it can only win where the plan does not fit
   without it; only where the framework runs it: activations with pp = 1 and no
   recomputation, the optimizer with zero >= 1, the offload rule of `plan.RULES`);
3. for plans that fit, the step time for every combination of the knobs that change time but
   not memory (TP, DP and EP overlap, fp8 recipe) that applies to the plan; each plan keeps
   its fastest combination.
`plans_evaluated` counts what was computed: one per plan screened out by memory (its memory
does not depend on the time-only knobs), one per (plan, time-only knob combination) whose step
time was assembled; `plans_fitting` the latter; both summed over every job size searched.
All base splits are expanded at once (each axis's values depend only on the split: `_ragged`),
in batches of about 65,536 plans per NumPy call, keeping only each batch's best, so memory
stays bounded for any space. Fitting plans
are ranked by tokens/s (ties: less memory, then enumeration order).

When no split uses all N accelerators (N = 5,128 = 8 x 641 for a 96-layer model), the search
uses the best of the sizes N' >= 0.99 N with the most splits and says so (`gpus_used`). When
one does, the size in [0.99 N, N) with a larger power-of-two factor is searched too and used
when faster (57,528 = 2^3 x 7,191 Rubin packages for Llama 3.1 405B at its 2,048-sequence
batch: only a 17-stage pipeline of 5 micro-batches splits N, MFU 10 %; 57,344 = 2^13 x 7 shards
the batch, MFU 23 %). When nothing fits,
there is no best plan (unless `allow_overflow`, which returns the plan needing least memory)
and `nearest_feasible` lists the nearest changes that make a plan fit, each found by a search.

Results are cached in-process by (workload, hardware, the framework profile's digest, N, fixed
knobs, top), so repeated calls (the capability model searching month after month) cost a
dictionary lookup, and on disk (`gigawatt.cache`, shared by every command and sweep worker)
under a sha256 of the same inputs written out in full (every field of the model, system,
accelerator, calibration and framework records the search reads), the package version and a
digest of the perf code: a change to any of them is a new key, so a stale result is never read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from gigawatt import cache as disk_cache
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model, System
from gigawatt.display import counted
from gigawatt.errors import InputError, Problem
from gigawatt.perf.estimate import (
    BYTES_PER_GIB,
    PerfResult,
    assemble,
    evaluate,
    hardware_for,
    load_model,
    load_system,
    result_row,
    time_parts,
)
from gigawatt.perf.framework import Software
from gigawatt.perf.hardware import Hardware
from gigawatt.perf.memory import memory_per_gpu
from gigawatt.perf.plan import (
    CODED,
    MODULE_BIT,
    RECIPES,
    STAGES,
    SWITCHES,
    PlanArrays,
    StageLayers,
    interleaved_split_ok,
    make_plan,
    module_mask,
    no_recompute_twin,
    offload_allowed,
    stage_layers,
    valid_mask,
    with_precision,
)
from gigawatt.perf.workload import Workload

_SELECTIVE = CODED["recompute"].index("selective")
_CACHE: OrderedDict[tuple[Any, ...], SearchResult] = OrderedDict()
_CACHE_SIZE = 128
#: Plans evaluated per batch: large enough to amortise NumPy's per-call cost, small enough
#: for the temporaries to stay in cache.
_CHUNK = 1 << 16
#: Adaptive batch: global batches within this share of the model's are allowed.
GBS_TOLERANCE = 0.05
#: Accelerators a search may leave idle (share of N): when no split uses all of them, or when
#: a split of fewer is faster (`_best_size`).
IDLE_TOLERANCE = 0.01
#: `gpus_idle_reason` values.
IDLE_NO_SPLIT = "no split uses all"
IDLE_FASTER = "a split of fewer is faster"
#: Knobs that change the step time but not the memory: searched per plan (stage 3).
TIME_KNOBS = ("tp_overlap", "dp_overlap", "ep_overlap", "fp8_recipe", "moe_dispatcher")
#: Multiples of N tried for the "more accelerators" nearest feasible change.
_MORE_GPUS = (1.25, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)


@dataclass(frozen=True)
class SearchResult:
    """The best fitting plan (None if none fits, unless overflow was allowed) and the top."""

    best: PerfResult | None
    plans_evaluated: int
    plans_fitting: int
    top: tuple[dict[str, Any], ...]
    gpus: int
    gpus_used: int
    framework: str
    gbs_default: int
    model_flops_per_token: float
    nearest_feasible: tuple[dict[str, Any], ...] = ()
    #: Why the plan leaves accelerators idle (None when it uses all N): IDLE_NO_SPLIT or
    #: IDLE_FASTER.
    gpus_idle_reason: str | None = None
    #: What the job is, known without a plan (model, system, accelerator, calibration,
    #: seq_len, params_total, params_active): the JSON's values when no plan fits.
    job: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fits(self) -> bool:
        return self.plans_fitting > 0

    def to_json(self) -> dict[str, Any]:
        if self.best is not None:
            out = self.best.to_json()
        else:
            out = {k: None for k in _RESULT_KEYS}
            out["model_flops_per_token"] = self.model_flops_per_token
            out.update(self.job)
        out.update(
            {
                "gpus": self.gpus,
                "gpus_used": self.gpus_used,
                "gpus_idle_reason": self.gpus_idle_reason,
                "framework": self.framework,
                "fits": self.fits,
                "gbs_default": self.gbs_default,
                "plans_evaluated": self.plans_evaluated,
                "plans_fitting": self.plans_fitting,
                "top": [dict(t) for t in self.top],
                "nearest_feasible": [dict(n) for n in self.nearest_feasible] or None,
            }
        )
        return out


_RESULT_KEYS = (
    "model",
    "system",
    "accelerator",
    "calibration",
    "framework",
    "gpus",
    "seq_len",
    "step_time_s",
    "mfu",
    "mfu_causal",
    "hfu",
    "tokens_per_s",
    "tflops_per_gpu",
    "memory_gib_per_gpu",
    "memory_bytes_per_gpu",
    "fits",
    "plan",
    "gbs_used",
    "breakdown_s",
    "params_total",
    "params_active",
    "model_flops_per_token",
)


def clear_cache() -> None:
    """Forget cached searches in this process (benchmarks time cold searches; the disk cache
    is `gigawatt.cache`, cleared with `gigawatt cache clear`)."""
    _CACHE.clear()


#: The disk cache's namespace for search results.
CACHE_NAMESPACE = "perf-search"


@cache
def code_digest() -> str:
    """sha256 of the package version and the source a search's result depends on (the perf
    package, units and the catalog's schema, whose defaults fill records): a search cached by
    another version of the code is never read back."""
    try:
        ver = version("gigawatt")
    except PackageNotFoundError:
        ver = "unknown"
    h = hashlib.sha256(ver.encode())
    package = Path(__file__).parent.parent
    sources = sorted(Path(__file__).parent.glob("*.py"))
    sources += [package / "units.py", package / "catalog" / "schema.py"]
    for path in sources:
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _disk_key(key: tuple[Any, ...], sw: Software) -> str:
    """The search's inputs in full (dataclass and record reprs: every field, floats exactly)."""
    text = repr((key, sw, code_digest()))
    return hashlib.sha256(text.encode()).hexdigest()


def _divisors(n: int) -> np.ndarray:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return np.array(sorted({*small, *(n // d for d in small)}), dtype=np.int64)


def _product(cols: dict[str, np.ndarray], name: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """Every row of `cols` combined with every value of a new axis."""
    rows = len(next(iter(cols.values())))
    out = {k: np.repeat(v, len(values)) for k, v in cols.items()}
    out[name] = np.tile(np.asarray(values), rows)
    return out


def _keep(cols: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    if mask.all():
        return cols
    return {k: v[mask] for k, v in cols.items()}


def _ragged(
    cols: dict[str, np.ndarray], name: str, cls: np.ndarray, options: list[np.ndarray]
) -> dict[str, np.ndarray]:
    """Every row of `cols` combined with each value of its class's list (row i takes
    `options[cls[i]]`), rows in order and each row's values in their order: `_product` with
    values that depend on the row."""
    lengths = np.array([len(o) for o in options], dtype=np.int64)
    counts = lengths[cls]
    out = {k: np.repeat(v, counts) for k, v in cols.items()}
    table = np.zeros((len(options), max(int(lengths.max()), 1)), dtype=options[0].dtype)
    for i, o in enumerate(options):
        table[i, : len(o)] = o
    starts = np.cumsum(counts) - counts
    position = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(starts, counts)
    out[name] = table[np.repeat(cls, counts), position]
    return out


def _by_class(
    cols: dict[str, np.ndarray],
    name: str,
    second: np.ndarray,
    first_values: np.ndarray,
    second_values: np.ndarray,
) -> dict[str, np.ndarray]:
    """`_ragged` with two classes: rows where `second` holds take `second_values`."""
    if not np.any(second):
        return _product(cols, name, first_values)
    if np.all(second):
        return _product(cols, name, second_values)
    return _ragged(cols, name, second.astype(np.int64), [first_values, second_values])


def _code(knob: str, value: Any) -> Any:
    return CODED[knob].index(value) if knob in CODED else value


class _Space:
    """The candidate plans of one search: the framework's choices with the pinned knobs."""

    def __init__(self, w: Workload, sw: Software, gpus: int, fixed: Mapping[str, Any]) -> None:
        self.w, self.sw, self.gpus, self.fixed = w, sw, gpus, dict(fixed)
        if self.fixed.get("recompute_modules") is not None:
            self.fixed.setdefault("recompute", "selective")
        for knob, value in fixed.items():
            if knob in sw.choices:
                sw.check(knob, value)
        if fixed.get("vp", 1) > 1 and not sw.interleaving:
            raise InputError(
                f"vp={fixed['vp']}: framework {sw.framework.id} has no interleaved pipeline "
                "schedule; allowed: 1",
                field="plan.vp",
            )

    def values(self, knob: str) -> np.ndarray:
        """Codes of the values the search tries for a software knob."""
        if knob in self.fixed:
            vals: tuple[Any, ...] = (self.fixed[knob],)
        else:
            vals = self.sw.choices[knob]
        dtype = bool if knob in SWITCHES else np.int64
        return np.array([_code(knob, v) for v in vals], dtype=dtype)

    def module_sets(self) -> np.ndarray:
        """Masks of the module sets selective plans try: the pinned one or the framework's."""
        if self.fixed.get("recompute_modules") is not None:
            return np.array([module_mask(self.fixed["recompute_modules"])], dtype=np.int64)
        return np.array(self.sw.module_sets, dtype=np.int64)

    def deferred_module_sets(self) -> np.ndarray:
        """The module sets that strictly contain the first one: more is replayed, so a plan
        with one never needs more memory nor less time than with the first set (the added
        replay adds compute and hides at most as much communication). The search tries them,
        as it tries offload, only for the plans that do not fit with the first set."""
        sets = self.module_sets()
        first = sets[0]
        return sets[1:][(sets[1:] & first) == first]

    def upfront_module_sets(self) -> np.ndarray:
        """The module sets every selective plan is enumerated with (the others are deferred)."""
        sets = self.module_sets()
        deferred = self.deferred_module_sets()
        return sets[~np.isin(sets, deferred)]

    def canonical(self, knob: str, off: Any) -> np.ndarray:
        """The single value a knob takes where it cannot matter."""
        if knob in self.fixed:
            return self.values(knob)
        choices = self.sw.choices[knob]
        value = off if off in choices else choices[0]
        return np.array([_code(knob, value)], dtype=bool if knob in SWITCHES else np.int64)

    def base(self) -> dict[str, np.ndarray]:
        """The (tp, cp, pp, dp, gbs) splits of `gpus` (few rows)."""
        w, gpus, fixed = self.w, self.gpus, self.fixed

        def axis(name: str, values: np.ndarray) -> np.ndarray:
            return np.array([int(fixed[name])], dtype=np.int64) if name in fixed else values

        cols: dict[str, np.ndarray] = {"tp": axis("tp", _divisors(math.gcd(gpus, w.q_heads)))}
        flash_possible = bool(np.any(self.values("flash_attention")))
        cp_values = _divisors(math.gcd(gpus, w.seq_len)) if flash_possible else np.ones(1, np.int64)
        cols = _product(cols, "cp", axis("cp", cp_values))
        pp_values = _divisors(gpus)
        cols = _product(cols, "pp", axis("pp", pp_values[pp_values <= w.layers]))
        cols = _keep(cols, gpus % (cols["tp"] * cols["cp"] * cols["pp"]) == 0)
        cols["dp"] = gpus // (cols["tp"] * cols["cp"] * cols["pp"])
        if "dp" in fixed:
            cols = _keep(cols, cols["dp"] == int(fixed["dp"]))
        if "gbs" in fixed:
            gbs = np.full(len(cols["dp"]), int(fixed["gbs"]), dtype=np.int64)
        else:
            target = w.global_batch_seqs
            gbs = np.maximum(np.round(target / cols["dp"]), 1).astype(np.int64) * cols["dp"]
            gbs = np.where(target % cols["dp"] == 0, target, gbs)
            near = np.abs(gbs / target - 1) <= GBS_TOLERANCE + 1e-12
            cols = _keep(cols, near)
            gbs = gbs[near]
        cols["gbs"] = gbs
        return _keep(cols, cols["gbs"] % cols["dp"] == 0)

    def expand(self, cols: dict[str, np.ndarray]) -> PlanArrays:
        """Every valid plan extending the given base splits (rows of `base()`), in the order
        of a nested loop: split, vp, mb, ep, zero, flash attention, recompute, sp, pipeline
        balancing, vocabulary parallelism. Each axis's values depend on the split only (its
        tp, pp, cp, dp x cp and gbs / dp), so every split is expanded at once: a row takes
        its class's list of values (`_ragged`)."""
        w, fixed = self.w, self.fixed

        def axis(name: str, values: np.ndarray) -> np.ndarray:
            return np.array([int(fixed[name])], dtype=np.int64) if name in fixed else values

        pp = cols["pp"]
        if "vp" in fixed:
            cols = _product(cols, "vp", axis("vp", pp[:0]))
        else:
            # Only vp values Megatron-Core splits the layers into without a hand-written
            # layout (plan.interleaved_split_ok): vp divides the layers per stage, counting
            # the embedding and the loss where pipeline balancing may take them; the final
            # filter below checks each plan against its own pp_balance and pp_first/pp_last.
            interleaves = (pp > 1) & self.sw.interleaving
            key = np.where(interleaves, pp, 1)
            top, cls = np.unique(key, return_inverse=True)
            cols = _ragged(cols, "vp", cls, [self.vp_values(int(s)) for s in top])
        if "mb" in fixed:
            cols = _product(cols, "mb", axis("mb", pp[:0]))
        else:
            per = np.maximum(cols["gbs"] // cols["dp"], 1)
            values, cls = np.unique(per, return_inverse=True)
            cols = _ragged(cols, "mb", cls, [_divisors(int(v)) for v in values])
        # Two of `plan.RULES` decided by the split, vp and mb alone, applied before the
        # knob axes multiply the rows (valid_mask applies every rule at the end).
        vp, pp, mb, dp, gbs = (cols[k] for k in ("vp", "pp", "mb", "dp", "gbs"))
        per_mb = dp * mb
        keep = (gbs % per_mb == 0) & (
            (vp == 1) | ((pp > 1) & ((gbs // np.maximum(per_mb, 1)) % pp == 0))
        )
        cols = _keep(cols, keep)
        cols = _product(cols, "ep", axis("ep", _divisors(max(w.experts, 1))))
        # Expert tensor parallelism follows tp unless pinned (MoE parallel folding, plan.py).
        cols["etp"] = np.full_like(cols["tp"], int(fixed["etp"])) if "etp" in fixed else cols["tp"]
        cols = _keep(cols, cols["tp"] * cols["dp"] * cols["cp"] % (cols["etp"] * cols["ep"]) == 0)
        zero = self.values("zero")
        if "zero" not in fixed and 1 in zero:
            # ZeRO-1 needs no more memory or time than ZeRO-0 (the same gradient bytes
            # reduce-scattered instead of all-reduced, gathers no larger, a sharded optimizer
            # step), so ZeRO-0 cannot win (tests/perf/test_search.py checks it).
            zero = zero[zero != 0]
        cols = _by_class(cols, "zero", cols["dp"] * cols["cp"] > 1, self.canonical("zero", 0), zero)
        flash = self.values("flash_attention")
        cols = _by_class(cols, "flash_attention", cols["cp"] > 1, flash, flash[flash])
        recompute = self.values("recompute")
        cols = _product(cols, "recompute", recompute)
        # Selective plans take each module set the framework offers (or the pinned one); the
        # supersets of the first set are tried later, for plans that do not fit without them.
        sets = self.upfront_module_sets()
        cols = _by_class(
            cols, "recompute_modules", cols["recompute"] == 1, np.zeros(1, np.int64), sets
        )
        if "recompute" not in fixed and _SELECTIVE in recompute and MODULE_BIT["core_attn"] in sets:
            # With flash attention recompute=none is selective recompute of the attention core
            # alone, which the selective plans hold: one of the twins is enough.
            cols = _keep(cols, ~no_recompute_twin(cols["flash_attention"], cols["recompute"]))
        cols = _by_class(cols, "sp", cols["tp"] > 1, self.canonical("sp", False), self.values("sp"))
        cols = _by_class(
            cols,
            "pp_balance",
            cols["pp"] > 1,
            self.canonical("pp_balance", False),
            self.values("pp_balance"),
        )
        cols = _by_class(
            cols,
            "vocab_parallel",
            cols["tp"] > 1,
            self.canonical("vocab_parallel", True),
            self.values("vocab_parallel"),
        )
        rows = len(cols["tp"])
        # Uneven first/last stages only where pinned (the split rules then filter the plans).
        for knob in ("pp_first", "pp_last"):
            cols[knob] = np.full(rows, int(fixed.get(knob, 0)), dtype=np.int64)
        cols["offload"] = np.full(rows, self.canonical("offload", "none")[0], dtype=np.int64)
        for knob in TIME_KNOBS:
            cols[knob] = np.full(
                rows, self.canonical(knob, False if knob in SWITCHES else "none")[0]
            )
        plans = PlanArrays.from_columns(cols)
        plans = self.time_knob_defaults(plans)
        ok = valid_mask(w, self.gpus, plans)
        if "vp" not in fixed:  # a pinned vp is the caller's (it may have its own layout)
            ok &= interleaved_split_ok(w, plans)
        return plans.take(ok)

    def vp_values(self, pp: int) -> np.ndarray:
        """Interleaving depths worth enumerating at `pp` stages: 1, and each vp > 1 that
        divides the layers per stage, L / pp, or (L + 2) / pp where pipeline balancing may
        count the embedding and the loss (Megatron-Core get_num_layers_to_build); with
        pinned uneven first / last stages, every vp up to L / pp (interleaved_split_ok
        decides). `plan.RULES` bounds pp x vp by the layers (plus 2 with balancing)."""
        w, fixed = self.w, self.fixed
        if pp <= 1:
            return np.ones(1, dtype=np.int64)
        top = w.layers // pp
        if int(fixed.get("pp_first", 0)) > 0:
            return np.arange(1, top + 1, dtype=np.int64)
        totals = [w.layers]
        if True in self.values("pp_balance"):
            totals.append(w.layers + 2)
        ok = {1}
        for total in totals:
            if total % pp == 0:
                ok.update(_divisors(total // pp).tolist())
        return np.array(sorted(ok), dtype=np.int64)

    def time_knob_defaults(self, p: PlanArrays) -> PlanArrays:
        """Each time-only knob at its first value where it applies, its off value elsewhere."""
        out = {}
        for knob in TIME_KNOBS:
            vals = self.variants(knob)
            applies = self.applies(knob, p)
            off = self.canonical(knob, False if knob in SWITCHES else "none")[0]
            out[knob] = np.where(applies, vals[0], off)
        return p.replace(**out)

    def variants(self, knob: str) -> np.ndarray:
        """Values of a time-only knob worth trying: a value the model proves never faster
        than another offered one is left out (unless pinned): DP and EP overlap off
        (an overlapped collective's exposed time, max(c - w, 0) + s min(c, w), never exceeds
        c), current fp8 scaling beside delayed (the same GEMMs, more cast traffic), and
        the second of deepep / hybridep (the same bytes in the model).
        tests/perf/test_search.py checks these on random plans."""
        vals = self.values(knob)
        if knob in self.fixed or len(vals) == 1:
            return vals
        if knob in ("dp_overlap", "ep_overlap") and True in vals:
            return vals[vals]
        if knob == "moe_dispatcher":
            # deepep and hybridep move the same bytes in the model: the first offered one
            dedup = vals[vals != 0]
            return vals[(vals == 0) | (vals == dedup[0])] if len(dedup) else vals
        if knob == "fp8_recipe":
            delayed, current = RECIPES.index("delayed"), RECIPES.index("current")
            if delayed in vals:
                return vals[vals != current]
        return vals

    def applies(self, knob: str, p: PlanArrays) -> np.ndarray:
        """Plans for which a time-only knob can change anything."""
        if knob == "tp_overlap":
            return (p.tp > 1) & p.sp
        if knob == "dp_overlap":
            return p.dp * p.cp > 1
        if knob == "ep_overlap":
            return (p.ep > 1) & (p.recompute != 2) & ((p.pp == 1) | (p.vp > 1))
        if knob == "moe_dispatcher":
            return (p.ep > 1) & (self.w.experts > 1)
        return np.ones(len(p), dtype=bool)

    def combinations(self, p: PlanArrays) -> tuple[list[dict[str, Any]], np.ndarray]:
        """The combinations of time-only knob values to try, and how many of them apply to
        each plan (a combination that sets a knob where it cannot matter is skipped there)."""
        axes = [(knob, self.variants(knob)) for knob in TIME_KNOBS]
        combos = [
            dict(zip((k for k, _ in axes), vals, strict=True))
            for vals in itertools.product(*(v for _, v in axes))
        ]
        count = np.ones(len(p), dtype=np.int64)
        for knob, vals in axes:
            count *= np.where(self.applies(knob, p), len(vals), 1)
        return combos, count

    def row_bounds(self, base: dict[str, np.ndarray]) -> np.ndarray:
        """An upper bound of the plans each base split expands to (before the validity
        rules), counted without enumerating them."""
        knobs = 1
        for knob in ("zero", "flash_attention", "recompute", "sp", "pp_balance", "vocab_parallel"):
            knobs *= len(self.values(knob))
        knobs *= len(self.module_sets())  # (an upper bound: only selective plans take them)
        experts = 1 if "ep" in self.fixed else len(_divisors(max(self.w.experts, 1)))
        pp = base["pp"]
        if "vp" in self.fixed or not self.sw.interleaving:
            vp = np.ones(len(pp), dtype=np.int64)
        else:
            vp = np.where(pp == 1, 1, self.w.layers // np.maximum(pp, 1))
        if "mb" in self.fixed:
            mb = np.ones(len(pp), dtype=np.int64)
        else:
            per = np.maximum(base["gbs"] // np.maximum(base["dp"], 1), 1)
            values, cls = np.unique(per, return_inverse=True)
            mb = np.array([len(_divisors(int(v))) for v in values], dtype=np.int64)[cls]
        return vp * mb * (experts * knobs)

    def size_bound(self) -> int:
        """An upper bound of the plans `batches` yields (before the validity rules)."""
        return int(self.row_bounds(self.base()).sum())

    def check_size(self) -> None:
        """An `InputError` naming the limit when the space is larger than MAX_PLANS."""
        bound = self.size_bound()
        if bound > MAX_PLANS:
            raise InputError(
                f"{self.gpus:,} accelerators with this model give up to {bound:,} plans to "
                f"search; the limit is {MAX_PLANS:,}: pin knobs with {{plan}} (e.g. tp, pp, "
                "vp, mb) to narrow the search",
                field="gpus",
                refs=("plan",),
            )

    def batches(self, size: int = _CHUNK) -> Iterator[PlanArrays]:
        """All valid plans in batches of about `size`: consecutive base splits are expanded
        together until their bound (`row_bounds`) reaches `size`, and batches are cut once
        they hold `size` plans, so memory stays bounded however large the space."""
        base = self.base()
        bounds = self.row_bounds(base)
        pending: list[PlanArrays] = []
        start = held = bound = 0
        for i, b in enumerate(bounds.tolist()):
            bound += b
            if bound < size and i < len(bounds) - 1:
                continue
            plans = self.expand({k: v[start : i + 1] for k, v in base.items()})
            start, bound = i + 1, 0
            if len(plans):
                pending.append(plans)
                held += len(plans)
            if held >= size:
                yield PlanArrays.concat(pending)
                pending, held = [], 0
        if held:
            yield PlanArrays.concat(pending)


def enumerate_plans(w: Workload, gpus: int, fixed: Mapping[str, Any], sw: Software) -> PlanArrays:
    """All valid plans for `gpus` accelerators, with the `fixed` knobs held (time-only knobs at
    their first value; see module)."""
    space = _Space(w, sw, gpus, fixed)
    batches = list(space.batches())
    if batches:
        return PlanArrays.concat(batches)
    return PlanArrays.from_columns({f: np.zeros(0) for f in PlanArrays.__dataclass_fields__})


@dataclass
class _Best:
    """The running top plans of a streamed search."""

    plans: list[PlanArrays] = field(default_factory=list)
    tokens_per_s: list[np.ndarray] = field(default_factory=list)
    memory: list[np.ndarray] = field(default_factory=list)

    def add(self, plans: PlanArrays, tokens_per_s: np.ndarray, memory: np.ndarray) -> None:
        self.plans.append(plans)
        self.tokens_per_s.append(tokens_per_s)
        self.memory.append(memory)

    def merged(self) -> tuple[PlanArrays, np.ndarray, np.ndarray]:
        return (
            PlanArrays.concat(self.plans),
            np.concatenate(self.tokens_per_s),
            np.concatenate(self.memory),
        )


def _ranked(tokens_per_s: np.ndarray, memory: np.ndarray, top: int) -> np.ndarray:
    """Indices by tokens/s (descending), then memory (ascending), then position."""
    if len(tokens_per_s) > 4 * top:
        # Only plans at least as fast as the top-th can rank (ties kept).
        cut = np.partition(tokens_per_s, len(tokens_per_s) - top)[len(tokens_per_s) - top]
        keep = np.flatnonzero(tokens_per_s >= cut)
        return keep[np.lexsort((memory[keep], -tokens_per_s[keep]))][:top]
    return np.lexsort((memory, -tokens_per_s))[:top]


def _fastest_variant(
    space: _Space,
    w: Workload,
    hw: Hardware,
    p: PlanArrays,
    layers: StageLayers,
    offloaded: dict[str, np.ndarray],
) -> tuple[PlanArrays, np.ndarray]:
    """Each plan with its fastest combination of time-only knobs, and that step time: the
    knob-independent parts are computed once (`time_parts`), each combination assembled."""
    combos, _ = space.combinations(p)
    parts = time_parts(
        w,
        hw,
        p,
        layers,
        recipes=tuple(int(r) for r in space.variants("fp8_recipe")),
        offloaded=offloaded,
    )
    applies = {knob: space.applies(knob, p) for knob in TIME_KNOBS}
    off = {
        knob: space.canonical(knob, False if knob in SWITCHES else "none")[0] for knob in TIME_KNOBS
    }
    best_step = np.full(len(p), np.inf)
    best = {k: getattr(p, k).copy() for k in TIME_KNOBS}
    seen: set[tuple[Any, ...]] = set()
    first: dict[str, np.ndarray] | None = None
    for combo in combos:
        settings = {k: np.where(applies[k], v, off[k]) for k, v in combo.items()}
        # A combination that only differs where its knobs cannot matter is a repeat.
        key = tuple((k, v if np.any(applies[k]) else None) for k, v in combo.items())
        if key in seen:
            continue
        seen.add(key)
        if first is None:
            first = settings
            rows, sub, sub_settings = None, parts, settings
        else:
            # Where this combination sets every knob as the first one did, its step time is
            # the first one's and cannot be strictly better: only the other plans are
            # assembled (the same element-wise arithmetic on fewer rows).
            differs = np.zeros(len(p), dtype=bool)
            for k in TIME_KNOBS:
                differs |= settings[k] != first[k]
            rows = np.flatnonzero(differs)
            if not len(rows):
                continue
            sub = _take_rows(parts, rows, len(p))
            sub_settings = {k: v[rows] for k, v in settings.items()}
        step = assemble(w, hw, sub, **sub_settings).step_time_s
        if rows is None:
            better = step < best_step
            best_step = np.where(better, step, best_step)
            for knob in TIME_KNOBS:
                best[knob] = np.where(better, settings[knob], best[knob])
        else:
            better = step < best_step[rows]
            won = rows[better]
            best_step[won] = step[better]
            for knob in TIME_KNOBS:
                best[knob][won] = sub_settings[knob][better]
    return p.replace(**best), best_step


def _take_rows(x: Any, rows: np.ndarray, n: int) -> Any:
    """`x` (time parts: dataclasses, dicts and tuples of per-plan arrays and scalars) for the
    plans `rows` of the `n` it holds."""
    if isinstance(x, np.ndarray):
        return x[rows] if x.shape == (n,) else x
    if isinstance(x, dict):
        return {k: _take_rows(v, rows, n) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(_take_rows(v, rows, n) for v in x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return type(x)(**{f.name: _take_rows(getattr(x, f.name), rows, n) for f in fields(x)})
    return x


@dataclass(frozen=True)
class _Found:
    evaluated: int
    fitting: int
    plans: PlanArrays | None
    least: PlanArrays | None
    best_tokens_per_s: float = 0.0


def _take_layers(layers: StageLayers, index: Any) -> StageLayers:
    return StageLayers(
        dense={k: v[index] for k, v in layers.dense.items()},
        moe={k: v[index] for k, v in layers.moe.items()},
    )


def _concat_layers(parts: list[StageLayers]) -> StageLayers:
    return StageLayers(
        dense={s: np.concatenate([p.dense[s] for p in parts]) for s in STAGES},
        moe={s: np.concatenate([p.moe[s] for p in parts]) for s in STAGES},
    )


def _search_split(space: _Space, w: Workload, hw: Hardware, top: int) -> _Found:
    """Stages 1 to 3 of the module docstring over every batch. A plan's memory does not
    depend on the time-only knobs, so each plan's memory is computed once (screening, or
    screening with an offload mode) and carried to the ranking; its step time is computed
    for each applicable combination of time-only knobs where it fits.

    `evaluated` counts what was computed: one per plan screened out by memory, one per
    (plan, time-only knob combination) whose step time was assembled."""
    evaluated = fitting = 0
    best = _Best()
    least: tuple[float, PlanArrays] | None = None
    offloads = [v for v in space.values("offload") if v != 0]
    deferred = space.deferred_module_sets()
    for plans in space.batches():
        layers = stage_layers(w, plans)
        mem = memory_per_gpu(w, hw, plans, layers, details=False)
        ok = mem.fits
        total = mem.total
        evaluated += int((~ok).sum())
        i = int(np.argmin(total))
        if least is None or total[i] < least[0]:
            least = (float(total[i]), plans.take([i]))
        zeros = np.zeros(int(ok.sum()))
        fit_plans, fit_layers, fit_memory = (
            [plans.take(ok)],
            [_take_layers(layers, ok)],
            [total[ok]],
        )
        fit_offloaded = [dict.fromkeys(STAGES, zeros)]
        if (offloads or len(deferred)) and not ok.all():
            rest, rest_layers = plans.take(~ok), _take_layers(layers, ~ok)
            selective = rest.recompute == _SELECTIVE
            if len(deferred) and selective.any():
                sel, sel_layers = rest.take(selective), _take_layers(rest_layers, selective)
                more, more_layers = [rest], [rest_layers]
                for mask in deferred:
                    heavier = sel.replace(recompute_modules=mask)
                    m1 = memory_per_gpu(w, hw, heavier, sel_layers, details=False)
                    evaluated += int((~m1.fits).sum())
                    i = int(np.argmin(m1.total))
                    if m1.total[i] < least[0]:  # type: ignore[index]
                        least = (float(m1.total[i]), heavier.take([i]))
                    fit_plans.append(heavier.take(m1.fits))
                    fit_layers.append(_take_layers(sel_layers, m1.fits))
                    fit_memory.append(m1.total[m1.fits])
                    fit_offloaded.append(dict.fromkeys(STAGES, np.zeros(int(m1.fits.sum()))))
                    more.append(heavier.take(~m1.fits))
                    more_layers.append(_take_layers(sel_layers, ~m1.fits))
                # what still does not fit tries offload
                rest, rest_layers = PlanArrays.concat(more), _concat_layers(more_layers)
            for code in offloads:
                moved = rest.replace(offload=code)
                # only the plans the framework can offload (the offload rule of plan.RULES)
                allowed = offload_allowed(moved)
                moved_layers = rest_layers
                if not allowed.all():
                    moved, moved_layers = moved.take(allowed), _take_layers(rest_layers, allowed)
                if not len(moved):
                    continue
                m2 = memory_per_gpu(w, hw, moved, moved_layers, details=False)
                evaluated += int((~m2.fits).sum())
                i = int(np.argmin(m2.total))
                if m2.total[i] < least[0]:  # type: ignore[index]
                    least = (float(m2.total[i]), moved.take([i]))
                fit_plans.append(moved.take(m2.fits))
                fit_layers.append(_take_layers(moved_layers, m2.fits))
                fit_memory.append(m2.total[m2.fits])
                off = m2.offloaded_layers
                fit_offloaded.append({s: off.get(s, off["first"])[m2.fits] for s in STAGES})
        fit = PlanArrays.concat(fit_plans)
        if not len(fit):
            continue
        count = int(space.combinations(fit)[1].sum())
        evaluated += count
        fitting += count
        offloaded = {s: np.concatenate([o[s] for o in fit_offloaded]) for s in STAGES}
        chosen, step = _fastest_variant(space, w, hw, fit, _concat_layers(fit_layers), offloaded)
        tokens_per_s = chosen.gbs * w.seq_len / step
        memory = np.concatenate(fit_memory)
        order = _ranked(tokens_per_s, memory, top)
        best.add(chosen.take(order), tokens_per_s[order], memory[order])
    if not best.plans:
        return _Found(evaluated, fitting, None, least[1] if least else None)
    plans, tps, memory = best.merged()
    order = _ranked(tps, memory, top)
    return _Found(
        evaluated, fitting, plans.take(order), least[1] if least else None, float(tps[order[0]])
    )


#: Candidate job sizes tried when no split uses all N accelerators.
_SIZE_CANDIDATES = 4
#: Job sizes below N looked at for splits (the nearest ones, within IDLE_TOLERANCE).
_MAX_SIZES_SCANNED = 1024
#: The most plans one search may enumerate, as `_Space.size_bound` counts them (about 3 times
#: the plans the validity rules leave): the guard that refuses, before any work, a space that
#: would take hours. DeepSeek-V3 on 16,384 GB200 bounds at 96 million (28 million evaluated,
#: minutes); pin knobs with `plan` to narrow a larger one.
MAX_PLANS = 200_000_000


def _smoothness(n: int) -> tuple[int, int]:
    """Sort key: sizes with many small factors (more splits) first, then the larger."""
    return (-len(_divisors(n)), -n)


def _power_of_two_neighbour(gpus: int) -> int | None:
    """The size in [0.99 N, N) with the largest power-of-two factor, when that factor is larger
    than N's (None otherwise). Tensor and context parallelism divide the head count and the
    sequence, and data parallelism the global batch, all powers of two or a small multiple of
    one for the catalog's models: N's power-of-two factor bounds tp x cp x dp, and a size with a
    larger one can shard a batch that N can only pipeline (57,528 = 2^3 x 7,191 against 57,344
    = 2^13 x 7)."""
    low = max(math.ceil(gpus * (1 - IDLE_TOLERANCE)), 1)
    own = (gpus & -gpus).bit_length()
    for bits in range(gpus.bit_length() - 1, own - 1, -1):
        n = (gpus - 1) >> bits << bits
        if n >= low and n > 0:
            return n
    return None


def _best_size(
    w: Workload, hw: Hardware, sw: Software, gpus: int, fixed: Mapping[str, Any], top: int
) -> tuple[_Found | None, int, str | None]:
    """The search at `gpus`, or, when no split uses them all, at the best of the few sizes in
    [0.99 N, N) with the most splits (the job leaves the rest idle). When N has a split, the
    size in [0.99 N, N) with a larger power-of-two factor (`_power_of_two_neighbour`) is
    searched too and kept when its best plan is faster: a planner leaves up to 1 % idle rather
    than run a plan that the factors of N force into a deep, bubble-bound pipeline."""
    space = _Space(w, sw, gpus, fixed)
    space.check_size()
    if len(space.base()["tp"]):
        found = _search_split(space, w, hw, top)
        if found.evaluated:
            found, used = _faster_neighbour(w, hw, sw, gpus, fixed, top, found)
            return found, used, (IDLE_FASTER if used != gpus else None)
    # the nearest sizes only: at 100 million accelerators 1 % is a million sizes to try
    low = max(math.ceil(gpus * (1 - IDLE_TOLERANCE)), 1, gpus - _MAX_SIZES_SCANNED)
    sizes = sorted(
        (n for n in range(gpus - 1, low - 1, -1) if len(_Space(w, sw, n, fixed).base()["tp"])),
        key=_smoothness,
    )[:_SIZE_CANDIDATES]
    best: tuple[_Found | None, int] = (None, gpus)
    best_rate = -1.0
    evaluated = fitting = 0
    for n in sizes:
        candidate = _Space(w, sw, n, fixed)
        candidate.check_size()
        found = _search_split(candidate, w, hw, top)
        evaluated, fitting = evaluated + found.evaluated, fitting + found.fitting
        if not found.evaluated:
            continue
        rate = found.best_tokens_per_s
        if best[0] is None or rate > best_rate:
            best, best_rate = (found, n), rate
    if best[0] is None:
        return None, gpus, IDLE_NO_SPLIT
    # every size searched counts in plans_evaluated / plans_fitting, not only the one kept
    counted = dataclasses.replace(best[0], evaluated=evaluated, fitting=fitting)
    return counted, best[1], IDLE_NO_SPLIT


def _faster_neighbour(
    w: Workload,
    hw: Hardware,
    sw: Software,
    gpus: int,
    fixed: Mapping[str, Any],
    top: int,
    found: _Found,
) -> tuple[_Found, int]:
    """`found` at `gpus`, or the search at its power-of-two neighbour when that one fits and
    is faster in tokens/s (the rest of the job idle)."""
    n = _power_of_two_neighbour(gpus)
    if n is None or not found.fitting:
        return found, gpus
    space = _Space(w, sw, n, fixed)
    if not len(space.base()["tp"]):
        return found, gpus
    try:
        space.check_size()
    except InputError:  # a space too large to search: keep the one at N
        return found, gpus
    other = _search_split(space, w, hw, top)
    both = {
        "evaluated": found.evaluated + other.evaluated,
        "fitting": found.fitting + other.fitting,
    }
    if other.fitting and other.best_tokens_per_s > found.best_tokens_per_s:
        return dataclasses.replace(other, **both), n
    return dataclasses.replace(found, **both), gpus


def search_plans(
    w: Workload,
    hw: Hardware,
    sw: Software,
    gpus: int,
    fixed: Mapping[str, Any] | None = None,
    top: int = 10,
    allow_overflow: bool = False,
) -> SearchResult:
    """Search with a resolved workload, hardware and framework (cached; see module)."""
    fixed = dict(fixed or {})
    key = (
        w,
        hw,
        sw.digest,
        gpus,
        tuple(sorted((k, str(v)) for k, v in fixed.items())),
        top,
        allow_overflow,
    )
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    disk_key = _disk_key(key, sw)
    stored = disk_cache.get(CACHE_NAMESPACE, disk_key)
    if isinstance(stored, _NoValidPlan):  # found before: no split is valid (as fast to say)
        raise InputError(problems=stored.problems)
    if isinstance(stored, SearchResult):
        _remember(key, stored)
        return stored
    try:
        result = _search_plans(w, hw, sw, gpus, fixed, top, allow_overflow)
    except InputError as e:
        disk_cache.put(CACHE_NAMESPACE, disk_key, _NoValidPlan(e.problems))
        raise
    disk_cache.put(CACHE_NAMESPACE, disk_key, result)
    _remember(key, result)
    return result


@dataclass(frozen=True)
class _NoValidPlan:
    """A cached search that found no valid split (the capability curve asks for such sizes)."""

    problems: tuple[Problem, ...]


def _remember(key: tuple[Any, ...], result: SearchResult) -> None:
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def _search_plans(
    w: Workload,
    hw: Hardware,
    sw: Software,
    gpus: int,
    fixed: dict[str, Any],
    top: int,
    allow_overflow: bool,
) -> SearchResult:
    found, used, idle_reason = _best_size(w, hw, sw, gpus, fixed, top)
    if found is None or not found.evaluated:
        given = ", ".join(f"{k}={v}" for k, v in fixed.items()) or "none"
        raise InputError(
            f"no valid plan for {counted(gpus, 'accelerator')} or down to "
            f"{max(math.ceil(gpus * (1 - IDLE_TOLERANCE)), 1)} (fixed knobs: {given}; heads "
            f"{w.q_heads}, layers {w.layers}, global batch "
            f"{fixed.get('gbs', w.global_batch_seqs)} +-{GBS_TOLERANCE:.0%}): every split "
            "breaks a rule of the plan",
            field="gpus",
        )
    top_rows: tuple[dict[str, Any], ...] = ()
    best = None
    if found.plans is not None:
        ev = evaluate(w, hw, found.plans)
        top_rows = tuple(
            {
                **found.plans.row(i, hw.precision, hw.optimizer_dtype),
                "step_time_s": float(ev.step_time_s[i]),
                "tokens_per_s": float(ev.tokens_per_s[i]),
                "mfu": float(ev.mfu[i]),
                "memory_gib_per_gpu": float(ev.memory.total[i] / BYTES_PER_GIB),
            }
            for i in range(len(found.plans))
        )
        best = result_row(w, hw, found.plans, ev, 0, used)
    elif allow_overflow and found.least is not None:
        best = result_row(w, hw, found.least, evaluate(w, hw, found.least), 0, used)
    return SearchResult(
        best=best,
        plans_evaluated=found.evaluated,
        plans_fitting=found.fitting,
        top=top_rows,
        gpus=gpus,
        gpus_used=used,
        gpus_idle_reason=idle_reason if used != gpus else None,
        framework=sw.framework.id,
        gbs_default=w.global_batch_seqs,
        model_flops_per_token=float(w.model_flops_per_token),
        job={
            "model": w.name,
            "system": hw.system_id,
            "accelerator": hw.accelerator_id,
            "calibration": hw.calibration_id,
            "seq_len": w.seq_len,
            "params_total": float(w.params_total),
            "params_active": float(w.params_active),
        },
    )


def _typed_fixed(fixed: Mapping[str, Any]) -> dict[str, Any]:
    plan = make_plan({k: v for k, v in fixed.items()})
    return plan.model_dump(include=set(fixed))


def _nearest_row(change: str, gpus_used: int, best: PerfResult) -> dict[str, Any]:
    """One of `nearest_feasible`'s changes: what it changes and the best plan it lets fit."""
    return {
        "change": change,
        "gpus": gpus_used,
        "plan": best.plan,
        "step_time_s": best.step_time_s,
        "memory_gib_per_gpu": best.memory_gib_per_gpu,
    }


def nearest_feasible(
    w: Workload,
    hw: Hardware,
    sw: Software,
    gpus: int,
    fixed: Mapping[str, Any],
) -> tuple[dict[str, Any], ...]:
    """The nearest changes that make a plan fit, each found by a search: releasing one pinned
    knob at a time (e.g. recompute, micro-batch, ZeRO stage), and the fewest more accelerators
    (the first of N x 1.25, 1.5, 2, ... 64 with a fitting plan)."""
    out: list[dict[str, Any]] = []
    for knob in [k for k in fixed if k != "precision"]:
        rest = {k: v for k, v in fixed.items() if k != knob}
        try:
            res = search_plans(w, hw, sw, gpus, rest, top=1)
        except InputError:
            continue
        if res.best is not None:
            out.append(_nearest_row(f"{knob}={res.best.plan[knob]}", res.gpus_used, res.best))
    for factor in _MORE_GPUS:
        n = math.ceil(gpus * factor)
        try:
            res = search_plans(w, hw, sw, n, fixed, top=1)
        except InputError:
            continue
        if res.best is not None:
            out.append(_nearest_row(f"gpus={res.gpus_used}", res.gpus_used, res.best))
            break
    return tuple(out)


def search(
    model: Model | str,
    system: System | str,
    gpus: int,
    *,
    fixed: Mapping[str, Any] | None = None,
    seq_len: int | None = None,
    precision: str | None = None,
    framework: str | None = None,
    catalog: Catalog | None = None,
    top: int = 10,
    allow_overflow: bool = False,
) -> SearchResult:
    """The best plan for `model` on `gpus` accelerators of `system`, by tokens/s.

    `fixed` holds plan knobs to keep (any `Plan` key, values as in `--plan`); everything else
    is searched, software knobs over the values `framework` offers (default: the system's
    framework, else the one the accelerator's calibration was fitted with). When no plan
    fits, `best` is None (the plan needing least memory with `allow_overflow`), `top` is
    empty and `nearest_feasible` lists the changes that make one fit.
    """
    if gpus <= 0:
        raise InputError(f"must be a positive accelerator count, got {gpus}", field="gpus")
    cat = catalog or Catalog.load()
    fixed = with_precision(fixed or {}, precision)
    plan = make_plan(fixed)  # validates the fixed values
    typed = plan.model_dump(include=set(fixed))
    w = Workload.from_model(load_model(model, cat), seq_len)
    hw, sw = hardware_for(
        load_system(system, cat), plan.precision, cat, framework, plan.optimizer_dtype
    )
    result = search_plans(w, hw, sw, gpus, typed, top, allow_overflow)
    if not result.fits:
        near = nearest_feasible(w, hw, sw, gpus, typed)
        result = SearchResult(**{**result.__dict__, "nearest_feasible": near})
    return result
