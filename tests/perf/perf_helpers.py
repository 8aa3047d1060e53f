"""Shared helpers of the perf tests: resolve a plan under a framework profile."""

from __future__ import annotations

from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.perf.framework import Software, resolve
from gigawatt.perf.plan import PlanArrays, make_plan
from gigawatt.perf.workload import Workload

CAT = Catalog.load()


def software(framework: str = "nemo-2025", system: str = "dgx-h100", precision: str = "bf16"):
    sys_rec = CAT.system(system)
    acc = CAT.accelerator(sys_rec.accelerator)
    return Software.build(CAT.framework(framework), acc, sys_rec, precision)


def resolve_plan(
    knobs: dict[str, Any], w: Workload, gpus: int, framework: str = "nemo-2025"
) -> PlanArrays:
    plan = make_plan(knobs)
    return resolve(plan, w, gpus, software(framework, precision=plan.precision))
