"""Nearest feasible changes to a fixed plan that does not fit in memory (issue 9).

A search that finds nothing fitting releases one pinned knob at a time (`search.nearest_feasible`).
A fixed plan (`gigawatt perf --plan ...` without `--search`) gets the same kind of hint, built
from the plan itself: every single-knob change that can lower memory per accelerator, each
estimated by the model exactly as the plan was (`framework.resolve`, `estimate.evaluate`), and
for each knob the nearest value that fits kept:

- recompute: none -> selective (each module set the framework offers) -> full;
- a smaller micro-batch (the largest divisor of mb that fits);
- a higher ZeRO stage, sequence parallelism on, CPU offload (each only where the framework
  offers it; the offload rules of `plan.RULES` apply);
- more pipeline stages, interleaved chunks (vp), tensor, context or expert parallelism at the
  same accelerator count (dp = N / (tp pp cp) follows);
- more accelerators with the same knobs (N x 1.25, 1.5, 2, ... as the search tries; dp grows,
  which shards ZeRO state further).

The changes are ranked by the changed plan's predicted step time. Each keeps the rest of the
user's plan as written (knobs the user left out take the framework's defaults for the changed
plan, as `estimate` gives them), so a suggestion is the plan `estimate` would evaluate.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model, System
from gigawatt.errors import InputError
from gigawatt.perf.estimate import (
    evaluate,
    hardware_for,
    load_model,
    load_system,
    result_row,
)
from gigawatt.perf.framework import RECOMPUTE_MODES, Software, resolve
from gigawatt.perf.hardware import Hardware
from gigawatt.perf.plan import Plan, interleaved_split_ok, make_plan, mask_names
from gigawatt.perf.search import _MORE_GPUS
from gigawatt.perf.workload import Workload


def _divisors(n: int) -> list[int]:
    """The divisors of n, ascending (trial division to sqrt(n): fast for any job size)."""
    low = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted({*low, *(n // d for d in low)})


def _candidates(
    w: Workload, sw: Software, gpus: int, given: Mapping[str, Any], now: Mapping[str, Any]
) -> Iterator[list[tuple[str, dict[str, Any], int]]]:
    """Per knob, the changed plans in order of distance from the plan: (change, plan, N).

    `given` is the user's plan (the knobs as written), `now` its resolved form."""
    base = dict(given)
    # recompute: stronger modes, selective with each module set the framework offers
    order = list(RECOMPUTE_MODES)
    rank = order.index(now["recompute"])
    steps: list[tuple[str, dict[str, Any], int]] = []
    have = set(now.get("recompute_modules") or ())
    if "selective" in sw.choices["recompute"]:
        for mask in sw.module_sets:
            names = mask_names(mask)
            if rank > order.index("selective") or (
                now["recompute"] == "selective" and have >= set(names)
            ):
                continue
            plan = {**base, "recompute": "selective", "recompute_modules": ",".join(names)}
            steps.append((f"recompute_modules={'+'.join(names)}", plan, gpus))
    if "full" in sw.choices["recompute"] and now["recompute"] != "full":
        plan = {k: v for k, v in base.items() if k != "recompute_modules"}
        steps.append(("recompute=full", {**plan, "recompute": "full"}, gpus))
    yield steps
    yield [(f"mb={m}", {**base, "mb": m}, gpus) for m in range(now["mb"] - 1, 0, -1)]
    yield [
        (f"zero={z}", {**base, "zero": z}, gpus)
        for z in sorted(sw.choices["zero"])
        if z > now["zero"]
    ]
    if now["tp"] > 1 and not now["sp"] and True in sw.choices["sp"]:
        yield [("sp=true", {**base, "sp": True}, gpus)]
    yield [
        (f"offload={o}", {**base, "offload": o}, gpus)
        for o in sw.choices["offload"]
        if o not in ("none", now["offload"])
    ]
    # structural knobs at the same N: dp follows (a pinned dp is released)
    free = {k: v for k, v in base.items() if k != "dp"}
    for knob, limit in (("pp", w.layers), ("tp", gpus), ("cp", gpus), ("ep", gpus)):
        rest = gpus // math.prod(now[k] for k in ("tp", "pp", "cp") if k != knob)
        values = [v for v in _divisors(rest) if now[knob] < v <= limit]
        if knob == "ep":
            values = [v for v in _divisors(gpus) if now["ep"] < v <= max(w.experts, 1)]
        extra: dict[str, Any] = {"pp_first": 0, "pp_last": 0} if knob == "pp" else {}
        yield [(f"{knob}={v}", {**free, **extra, knob: v}, gpus) for v in values]
    if sw.interleaving and now["pp"] > 1:
        # Deeper interleaving only where Megatron-Core splits the layers without a
        # hand-written layout (plan.interleaved_split_ok: vp divides the layers per stage).
        slots = w.layers + (2 if now.get("pp_balance") else 0)
        vps = np.arange(now["vp"] + 1, slots // now["pp"] + 1, dtype=np.int64)
        ones = np.ones_like(vps)
        split = SimpleNamespace(
            pp=ones * now["pp"],
            vp=vps,
            pp_balance=ones.astype(bool) & bool(now.get("pp_balance")),
            pp_first=ones * int(now.get("pp_first") or 0),
            pp_last=ones * int(now.get("pp_last") or 0),
        )
        ok = interleaved_split_ok(w, split)  # type: ignore[arg-type]
        yield [(f"vp={v}", {**base, "vp": v}, gpus) for v in vps[ok].tolist()]
    yield [(f"gpus={math.ceil(gpus * f)}", free, math.ceil(gpus * f)) for f in _MORE_GPUS]


def nearest_fitting_changes(
    w: Workload,
    hw: Hardware,
    sw: Software,
    gpus: int,
    given: Mapping[str, Any],
    now: Mapping[str, Any],
) -> tuple[dict[str, Any], ...]:
    """The single-knob changes to the plan `given` (resolved: `now`, a `PerfResult.plan`)
    that make it fit, the nearest value per knob, fastest first; each entry as
    `search.nearest_feasible`'s: change, gpus, plan, step_time_s, memory_gib_per_gpu."""
    out: list[dict[str, Any]] = []
    for steps in _candidates(w, sw, gpus, given, now):
        for change, values, n in steps:
            try:
                arrays = resolve(make_plan(values), w, n, sw)
            except InputError:
                continue  # the change breaks a rule of the plan or is not offered
            res = result_row(w, hw, arrays, evaluate(w, hw, arrays), 0, n)
            if res.fits:
                out.append(
                    {
                        "change": change,
                        "gpus": n,
                        "plan": res.plan,
                        "step_time_s": res.step_time_s,
                        "memory_gib_per_gpu": res.memory_gib_per_gpu,
                    }
                )
                break  # the nearest value of this knob that fits
    return tuple(sorted(out, key=lambda r: r["step_time_s"]))


def fixed_plan_changes(
    model: Model | str,
    system: System | str,
    gpus: int,
    plan: Plan | Mapping[str, Any] | None = None,
    *,
    seq_len: int | None = None,
    framework: str | None = None,
    catalog: Catalog | None = None,
) -> tuple[dict[str, Any], ...]:
    """`nearest_fitting_changes` for the plan `estimate(model, system, gpus, plan, ...)`
    evaluates (the same arguments); empty when it fits or no single change makes it fit."""
    cat = catalog or Catalog.load()
    the_plan = make_plan(plan)
    given = the_plan.model_dump(exclude_unset=True)
    w = Workload.from_model(load_model(model, cat), seq_len)
    hw, sw = hardware_for(
        load_system(system, cat), the_plan.precision, cat, framework, the_plan.optimizer_dtype
    )
    arrays = resolve(the_plan, w, gpus, sw)
    now = result_row(w, hw, arrays, evaluate(w, hw, arrays), 0, gpus)
    if now.fits:
        return ()
    return nearest_fitting_changes(w, hw, sw, gpus, given, now.plan)


__all__ = ["fixed_plan_changes", "nearest_fitting_changes"]
