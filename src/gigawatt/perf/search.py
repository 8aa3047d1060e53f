"""Parallelism search: enumerate the plan space as arrays, evaluate it at once, keep the best.

The candidate generator and the evaluator are separate (STYLE.md habit 6). Candidates are
built axis by axis as NumPy columns (a Cartesian product filtered after each axis, so the
arrays stay small): tp over the divisors of gcd(N, heads), cp over the divisors of
gcd(N, seq_len), pp over the divisors of N up to the layer count, dp = N / (tp cp pp), vp up to
layers / pp, micro-batches over the divisors of the global batch, ep over the divisors of the
expert count, ZeRO 0-3 and the recompute modes (with flash attention, which already
recomputes the attention core, "none" is the same plan as "selective" and is left out);
`plan.RULES` then removes the invalid ones. Knobs the caller fixes (`--plan` with `--search`)
become single values. The (tp, cp, pp, dp) splits are few; each is expanded in turn and the
valid plans are evaluated by `estimate.evaluate` in batches of about 65,536 per NumPy call,
keeping only each batch's best, so memory stays bounded for any space. Plans that do not fit
in memory are pruned; the rest are ranked by tokens/s (ties: less memory, then enumeration
order).

Results are cached in-process by (workload, hardware, N, fixed knobs, top), so repeated calls
(the capability model searching month after month) cost a dictionary lookup.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model, System
from gigawatt.errors import InputError
from gigawatt.perf.estimate import (
    BYTES_PER_GIB,
    Evaluation,
    PerfResult,
    evaluate,
    hardware_for,
    load_model,
    load_system,
    result_row,
)
from gigawatt.perf.hardware import Hardware
from gigawatt.perf.plan import RECOMPUTE_MODES, PlanArrays, make_plan, valid_mask, with_precision
from gigawatt.perf.workload import Workload

_CACHE: OrderedDict[tuple[Any, ...], SearchResult] = OrderedDict()
_CACHE_SIZE = 128
#: Plans evaluated per batch: large enough to amortise NumPy's per-call cost, small enough
#: for the temporaries to stay in cache (a million-plan batch runs several times slower).
_CHUNK = 1 << 16
_RANKING = ("step_time_s", "tokens_per_s", "mfu", "memory", "fits")


@dataclass(frozen=True)
class SearchResult:
    """The best fitting plan (or, if none fits, the one needing least memory) and the top."""

    best: PerfResult
    plans_evaluated: int
    plans_fitting: int
    top: tuple[dict[str, Any], ...]

    @property
    def fits(self) -> bool:
        return self.plans_fitting > 0

    def to_json(self) -> dict[str, Any]:
        return {
            **self.best.to_json(),
            "plans_evaluated": self.plans_evaluated,
            "plans_fitting": self.plans_fitting,
            "top": [dict(t) for t in self.top],
        }


def clear_cache() -> None:
    """Forget cached searches (benchmarks time cold searches)."""
    _CACHE.clear()


def _divisors(n: int) -> np.ndarray:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return np.array(sorted({*small, *(n // d for d in small)}), dtype=np.int64)


def _product(cols: dict[str, np.ndarray], name: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """Every row of `cols` combined with every value of a new axis."""
    rows = len(next(iter(cols.values())))
    out = {k: np.repeat(v, len(values)) for k, v in cols.items()}
    out[name] = np.tile(np.asarray(values, dtype=np.int64), rows)
    return out


def _keep(cols: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in cols.items()}


def _base_columns(w: Workload, gpus: int, fixed: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The (tp, cp, pp, dp) splits of `gpus` whose dp divides the global batch (few rows)."""
    defaults = make_plan({k: v for k, v in fixed.items() if k != "precision"})

    def axis(name: str, values: np.ndarray) -> np.ndarray:
        if name in fixed:
            return np.array([int(getattr(defaults, name))], dtype=np.int64)
        return values

    cols: dict[str, np.ndarray] = {"tp": axis("tp", _divisors(math.gcd(gpus, w.q_heads)))}
    cp_values = _divisors(math.gcd(gpus, w.seq_len)) if defaults.flash_attention else np.ones(1)
    cols = _product(cols, "cp", axis("cp", cp_values.astype(np.int64)))
    pp_values = _divisors(gpus)
    cols = _product(cols, "pp", axis("pp", pp_values[pp_values <= w.layers]))
    cols = _keep(cols, gpus % (cols["tp"] * cols["cp"] * cols["pp"]) == 0)
    cols["dp"] = gpus // (cols["tp"] * cols["cp"] * cols["pp"])
    gbs = int(defaults.gbs or w.global_batch_seqs)
    cols = _keep(cols, (gbs % cols["dp"] == 0) & (cols["dp"] == (defaults.dp or cols["dp"])))
    cols["gbs"] = np.full(len(cols["tp"]), gbs, dtype=np.int64)
    return cols


def _expand(
    w: Workload, gpus: int, fixed: Mapping[str, Any], cols: dict[str, np.ndarray]
) -> PlanArrays:
    """Every valid plan that extends the base rows `cols` with vp, mb, ep, ZeRO, recompute."""
    defaults = make_plan({k: v for k, v in fixed.items() if k != "precision"})
    gbs = int(defaults.gbs or w.global_batch_seqs)

    def axis(name: str, values: np.ndarray) -> np.ndarray:
        if name in fixed:
            return np.array([int(getattr(defaults, name))], dtype=np.int64)
        return values

    cols = _product(cols, "vp", axis("vp", np.arange(1, w.layers + 1, dtype=np.int64)))
    cols = _keep(
        cols, (cols["pp"] * cols["vp"] <= w.layers) & ((cols["vp"] == 1) | (cols["pp"] > 1))
    )
    cols = _product(cols, "mb", axis("mb", _divisors(gbs)))
    cols = _keep(cols, gbs % (cols["dp"] * cols["mb"]) == 0)
    cols = _product(cols, "ep", axis("ep", _divisors(max(w.experts, 1))))
    cols = _keep(cols, (cols["dp"] * cols["cp"]) % cols["ep"] == 0)
    cols = _product(cols, "zero", axis("zero", np.arange(4, dtype=np.int64)))
    recompute = np.arange(len(RECOMPUTE_MODES), dtype=np.int64)
    if defaults.flash_attention:  # flash attention: selective recompute is no recompute
        recompute = recompute[recompute != RECOMPUTE_MODES.index("none")]
    if "recompute" in fixed:
        recompute = np.array([RECOMPUTE_MODES.index(defaults.recompute)], dtype=np.int64)
    cols = _product(cols, "recompute", recompute)
    rows = len(cols["tp"])
    for switch in ("sp", "flash_attention", "tp_overlap", "dp_overlap"):
        cols[switch] = np.full(rows, bool(getattr(defaults, switch)))
    plans = PlanArrays.from_columns(cols)
    return plans.take(valid_mask(w, gpus, plans))


def plan_batches(
    w: Workload, gpus: int, fixed: Mapping[str, Any], size: int | None = None
) -> Iterator[PlanArrays]:
    """All valid plans, in batches of about `size`: one base split at a time is expanded, so
    memory stays bounded however large the space (a loop per split, never per plan)."""
    size = size or _CHUNK
    base = _base_columns(w, gpus, fixed)
    pending: list[PlanArrays] = []
    held = 0
    for i in range(len(base["tp"])):
        plans = _expand(w, gpus, fixed, {k: v[i : i + 1] for k, v in base.items()})
        pending.append(plans)
        held += len(plans)
        if held >= size:
            yield PlanArrays.concat(pending)
            pending, held = [], 0
    if held:
        yield PlanArrays.concat(pending)


def enumerate_plans(w: Workload, gpus: int, fixed: Mapping[str, Any]) -> PlanArrays:
    """All valid plans for `gpus` accelerators, with the `fixed` knobs held (see module)."""
    batches = list(plan_batches(w, gpus, fixed))
    if batches:
        return PlanArrays.concat(batches)
    return _expand(w, gpus, fixed, _base_columns(w, gpus, fixed))  # empty


@dataclass
class _Best:
    """The running top plans of a streamed search."""

    top: int
    plans: list[PlanArrays] = field(default_factory=list)
    columns: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in _RANKING})

    def add(self, plans: PlanArrays, ev: Evaluation, index: np.ndarray) -> None:
        self.plans.append(plans.take(index))
        self.columns["step_time_s"].append(ev.step_time_s[index])
        self.columns["tokens_per_s"].append(ev.tokens_per_s[index])
        self.columns["mfu"].append(ev.mfu[index])
        self.columns["memory"].append(ev.memory.total[index])
        self.columns["fits"].append(ev.fits[index])

    def merged(self) -> tuple[PlanArrays, dict[str, np.ndarray]]:
        return PlanArrays.concat(self.plans), {
            k: np.concatenate(v) for k, v in self.columns.items()
        }


def _ranked(tokens_per_s: np.ndarray, memory: np.ndarray, index: np.ndarray) -> np.ndarray:
    """`index` ordered by tokens/s (descending), then memory (ascending), then position."""
    return index[np.lexsort((memory[index], -tokens_per_s[index]))]


def search_plans(
    w: Workload, hw: Hardware, gpus: int, fixed: Mapping[str, Any] | None = None, top: int = 10
) -> SearchResult:
    """Search with a resolved workload and hardware (cached; see module)."""
    fixed = dict(fixed or {})
    key = (w, hw, gpus, tuple(sorted((k, str(v)) for k, v in fixed.items())), top)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    evaluated = fitting = 0
    best = _Best(top)
    for plans in plan_batches(w, gpus, fixed):
        ev = evaluate(w, hw, plans)
        evaluated += len(plans)
        fits = np.flatnonzero(ev.fits)
        fitting += len(fits)
        if len(fits):
            best.add(plans, ev, _ranked(ev.tokens_per_s, ev.memory.total, fits)[:top])
        elif not fitting:  # nothing fits so far: remember the plan needing least memory
            best.add(plans, ev, np.argsort(ev.memory.total, kind="stable")[:1])
    if not evaluated:
        given = ", ".join(f"{k}={v}" for k, v in fixed.items()) or "none"
        raise InputError(
            f"no valid plan for {gpus} accelerators (fixed knobs: {given}; heads "
            f"{w.q_heads}, layers {w.layers}, global batch {fixed.get('gbs', w.global_batch_seqs)}"
            "): every split breaks a rule of `gigawatt perf --plan`",
            field="gpus",
        )
    plans, ev = best.merged()
    if fitting:
        order = _ranked(ev["tokens_per_s"], ev["memory"], np.flatnonzero(ev["fits"]))[:top]
    else:
        order = np.argsort(ev["memory"], kind="stable")[:1]
    top_rows = tuple(
        {
            **plans.row(int(i), hw.precision),
            "step_time_s": float(ev["step_time_s"][i]),
            "tokens_per_s": float(ev["tokens_per_s"][i]),
            "mfu": float(ev["mfu"][i]),
            "memory_gib_per_gpu": float(ev["memory"][i] / BYTES_PER_GIB),
        }
        for i in (order if fitting else [])
    )
    chosen = plans.take(order[:1])
    result = SearchResult(
        best=result_row(w, hw, chosen, evaluate(w, hw, chosen), 0, gpus),
        plans_evaluated=evaluated,
        plans_fitting=fitting,
        top=top_rows,
    )
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def search(
    model: Model | str,
    system: System | str,
    gpus: int,
    *,
    fixed: Mapping[str, Any] | None = None,
    seq_len: int | None = None,
    precision: str | None = None,
    catalog: Catalog | None = None,
    top: int = 10,
) -> SearchResult:
    """The best plan for `model` on `gpus` accelerators of `system`, by tokens/s.

    `fixed` holds plan knobs to keep (any `Plan` key, values as in `--plan`); everything else
    is searched. `best.fits` is False when no plan fits in memory (`best` is then the plan
    needing the least memory and `top` is empty).
    """
    if gpus <= 0:
        raise InputError(f"must be a positive accelerator count, got {gpus}", field="gpus")
    cat = catalog or Catalog.load()
    fixed = with_precision(fixed or {}, precision)
    plan = make_plan(fixed)  # validates the fixed values
    typed = plan.model_dump(include=set(fixed))
    w = Workload.from_model(load_model(model, cat), seq_len)
    hw = hardware_for(load_system(system, cat), plan.precision, cat)
    return search_plans(w, hw, gpus, typed, top)
