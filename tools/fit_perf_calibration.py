"""Fit a perf calibration once, on stated validation rows, by grid search (run by hand).

    .venv/bin/python tools/fit_perf_calibration.py ampere M1 M10 K1 K4

Evaluates every combination of the grid below on the named rows of
tests/validation/data/perf_runs.csv (and perf_runs_extra.csv), minimises the largest
|log(predicted / published step time)| over them, and prints the best factors and every
row's error (fitted rows marked *). The result is copied into
src/gigawatt/catalog/calibrations.yaml by hand, with `fitted_on` and a note.
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "validation"))

from perf_rows import load_rows  # noqa: E402

from gigawatt.catalog import Catalog  # noqa: E402
from gigawatt.perf.estimate import evaluate, load_system  # noqa: E402
from gigawatt.perf.hardware import Hardware  # noqa: E402
from gigawatt.perf.plan import make_plan, resolve  # noqa: E402
from gigawatt.perf.workload import Workload  # noqa: E402

#: The factors fitted per calibration and their candidate values; the others keep their
#: catalog values (stated in calibrations.yaml).
GRIDS = {
    "ampere": {
        "gemm_efficiency": [0.70, 0.72, 0.74, 0.76, 0.78, 0.80, 0.82, 0.84, 0.86, 0.88, 0.90],
        "attention_efficiency": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
        "memory_bound_efficiency": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    },
    "hopper": {
        "gemm_efficiency": [0.50, 0.52, 0.54, 0.56, 0.58, 0.60, 0.62, 0.64, 0.66, 0.68, 0.70],
        "low_precision_gemm_factor": [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0],
    },
}


def main(calibration_id: str, fit_ids: list[str]) -> None:
    cat = Catalog.load()
    base = next(c for c in cat.all("calibrations") if c.id == calibration_id)
    rows = load_rows(cat)
    prepared = []
    for r in rows:
        plan = make_plan(r.plan)
        w = Workload.from_model(r.model)
        system = load_system(r.system, cat)
        acc = cat.accelerator(system.accelerator)
        prepared.append((r, plan, w, system, acc, resolve(plan, w, r.gpus)))

    def errors(cal):
        out = {}
        for r, plan, w, system, acc, arrays in prepared:
            if cat.calibration(acc.id).id != calibration_id:
                continue
            hw = Hardware.build(system, acc, cal, plan.precision)
            step = float(evaluate(w, hw, arrays).step_time_s[0])
            out[r.id] = step / r.published_step_s - 1
        return out

    grid = GRIDS[calibration_id]
    best = None
    for values in itertools.product(*grid.values()):
        cal = base.model_copy(update=dict(zip(grid, values, strict=True)))
        errs = errors(cal)
        score = max(abs(math.log1p(errs[i])) for i in fit_ids)
        if best is None or score < best[0]:
            best = (score, values, errs)
    score, values, errs = best
    print(f"{calibration_id}: " + ", ".join(f"{k}={v}" for k, v in zip(grid, values, strict=True)))
    for rid, e in errs.items():
        print(f"  {rid:4s}{'*' if rid in fit_ids else ' '} {e * 100:+6.1f} %")
    held = sorted(abs(e) for rid, e in errs.items() if rid not in fit_ids)
    if held:
        print(f"held out: median {held[len(held) // 2] * 100:.1f} %, max {held[-1] * 100:.1f} %")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
