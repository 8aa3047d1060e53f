"""Fit a perf calibration once, on the validation rows it names (run by hand).

    .venv/bin/python tools/fit_perf_calibration.py hopper
    .venv/bin/python tools/fit_perf_calibration.py expert:hopper --rows DX17,DX19

Reads the calibration record (src/gigawatt/catalog/calibrations.yaml), fits the factors listed
in FACTORS for it by least squares on log(predicted / published step time) over the rows named
in its `fitted_on` (tests/validation/data/*.csv, mapped by tests/validation/perf_rows.py), and
prints the fitted factors and every row's error for that calibration's accelerators (fitted
rows marked *, the others are checks). The result is copied into calibrations.yaml by hand,
with `fitted_on` and a note; `--rows ID,ID` tries another fit set without editing the catalog.
`expert:CAL --rows BF16,FP8` gives the expert_low_precision_factor that reproduces the
published step-time ratio of a BF16 and an FP8 row of the same MoE plan.
`framework:ID` fits a framework's kernel_efficiency on its `fitted_on` rows;
`framework:ID --calibration CAL` its kernel_efficiency_by_calibration[CAL] on those of its
rows that CAL predicts (e.g. `framework:megatron-bridge-2025 --calibration hopper`).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "validation"))

from perf_rows import calibration_of, load_rows, predict  # noqa: E402

from gigawatt.catalog import Catalog  # noqa: E402

#: Factors fitted per calibration, with bounds; the others keep their catalog values (their
#: sources are in calibrations.yaml).
FACTORS = {
    "ampere": {"gemm_efficiency": (0.5, 0.95), "memory_bound_efficiency": (0.3, 0.95)},
    "hopper": {
        "gemm_efficiency": (0.4, 0.9),
        "flash_attention_efficiency": (0.3, 0.8),
        "fp8_gemm_factor": (0.5, 1.0),
    },
    "blackwell": {
        "gemm_efficiency": (0.4, 0.9),
        "flash_attention_efficiency": (0.3, 0.8),
        "fp8_gemm_factor": (0.5, 1.0),
        "fp4_gemm_factor": (0.3, 1.0),
    },
}
#: Blackwell Ultra has Blackwell's tensor cores and dense BF16/FP8 peaks: its GEMM and flash
#: efficiencies are Blackwell's times one rate ratio (`ratio:blackwell-ultra`, fitted on
#: same-plan GB300/GB200 pairs); only the FP4 factor (a new, 1.5x peak) is fitted on its rows.
FACTORS["blackwell-ultra"] = {"fp4_gemm_factor": (0.3, 1.0)}
#: Same-plan, same-release GB300 / GB200 row pairs of Megatron-Bridge's performance summary
#: (`ratio:blackwell-ultra`): they isolate the hardware from the software release.
RATIO_PAIRS = {"blackwell-ultra": ("blackwell", "MB1/MB9,MB3/MB10,MB21/MB24")}
#: Frameworks whose kernel efficiency (relative to the calibrations' frameworks) is fitted.
FRAMEWORK_FACTORS = {"kernel_efficiency": (0.3, 1.5)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("calibration", help="calibration id, or framework:ID")
    parser.add_argument("--rows", help="comma-separated row ids to fit on instead")
    parser.add_argument(
        "--calibration", dest="on", help="framework:ID only: fit the factor relative to this one"
    )
    args = parser.parse_args()
    cat = Catalog.load()
    if args.calibration.startswith("framework:"):
        fit_framework(cat, args.calibration.split(":", 1)[1], args.rows, args.on)
        return
    if args.calibration.startswith("ratio:"):
        fit_rate_ratio(cat, args.calibration.split(":", 1)[1], args.rows)
        return
    if args.calibration.startswith("expert:"):
        fit_expert_factor(cat, args.calibration.split(":", 1)[1], args.rows or "")
        return
    base = next(c for c in cat.all("calibrations") if c.id == args.calibration)
    fit_ids = args.rows.split(",") if args.rows else list(base.fitted_on)
    rows = [r for r in load_rows(cat) if calibration_of(r, cat) == base.id]
    fitted = [r for r in rows if r.id in fit_ids]
    names = list(FACTORS[base.id])
    lo = np.array([FACTORS[base.id][n][0] for n in names])
    hi = np.array([FACTORS[base.id][n][1] for n in names])

    def cal(x):
        return base.model_copy(update=dict(zip(names, map(float, x), strict=True)))

    def residuals(x):
        c = cal(x)
        return [math.log(predict(r, cat, c).step_time_s / r.published_step_s) for r in fitted]

    x0 = np.clip([getattr(base, n) for n in names], lo, hi)
    res = least_squares(residuals, x0, bounds=(lo, hi), diff_step=1e-3)
    c = cal(res.x)
    print(f"{base.id}: " + ", ".join(f"{n}={v:.3f}" for n, v in zip(names, res.x, strict=True)))
    checks = []
    for r in rows:
        err = predict(r, cat, c).step_time_s / r.published_step_s - 1
        mark = "*" if r.id in fit_ids else " "
        if r.id not in fit_ids:
            checks.append(abs(err))
        print(f"  {r.id:5s}{mark} {r.framework:16s} {r.model.id:16s} {err * 100:+6.1f} %")
    if checks:
        print(
            f"checks: {len(checks)}, median {statistics.median(checks) * 100:.1f} %, "
            f"max {max(checks) * 100:.1f} %"
        )


def fit_framework(
    cat: Catalog, framework_id: str, rows_arg: str | None, calibration_id: str | None = None
) -> None:
    """Fit a framework's kernel_efficiency on its named rows (catalog copy with the factor), or
    with `calibration_id` its factor relative to that calibration, on the rows it predicts."""
    from gigawatt.catalog import Catalog as _Catalog

    base = cat.framework(framework_id)
    fit_ids = rows_arg.split(",") if rows_arg else list(base.fitted_on)
    rows = [r for r in load_rows(cat) if r.framework == framework_id]
    if calibration_id:
        rows = [r for r in rows if calibration_of(r, cat) == calibration_id]
    fitted = [r for r in rows if r.id in fit_ids]

    def catalog_with(x: float) -> _Catalog:
        if calibration_id:
            per_cal = {**base.kernel_efficiency_by_calibration, calibration_id: float(x)}
            update: dict = {"kernel_efficiency_by_calibration": per_cal}
        else:
            update = {"kernel_efficiency": float(x)}
        fw = base.model_copy(update=update)
        records = {k: dict(v) for k, v in cat.records.items()}
        records["frameworks"][fw.id] = fw
        return _Catalog(records=records, aliases=cat.aliases, origins=cat.origins)

    def residuals(x):
        c = catalog_with(x[0])
        return [math.log(predict(r, c).step_time_s / r.published_step_s) for r in fitted]

    lo, hi = FRAMEWORK_FACTORS["kernel_efficiency"]
    res = least_squares(residuals, [1.0], bounds=([lo], [hi]), diff_step=1e-3)
    c = catalog_with(res.x[0])
    on = f" relative to {calibration_id}" if calibration_id else ""
    print(f"{framework_id}: kernel_efficiency={res.x[0]:.3f}{on}")
    for r in rows:
        err = predict(r, c).step_time_s / r.published_step_s - 1
        print(f"  {r.id:5s}{'*' if r.id in fit_ids else ' '} {r.model.id:16s} {err * 100:+6.1f} %")


def fit_rate_ratio(cat: Catalog, calibration_id: str, pairs_arg: str | None) -> None:
    """The ratio k of a calibration's GEMM and flash efficiencies to its base calibration's
    (fp8 factor as the base's) that reproduces the published step-time ratios of same-plan row
    pairs `NEW/BASE,...` (least squares on log ratio); bounded by 1 and the largest ratio."""
    base_id, default_pairs = RATIO_PAIRS[calibration_id]
    rows = {r.id: r for r in load_rows(cat)}
    cals = {c.id: c for c in cat.all("calibrations")}
    base, new = cals[base_id], cals[calibration_id]
    pairs = [p.split("/") for p in (pairs_arg or default_pairs).split(",")]

    def cal(k: float):
        return new.model_copy(
            update={
                "gemm_efficiency": base.gemm_efficiency * k,
                "flash_attention_efficiency": base.flash_attention_efficiency * k,
                "fp8_gemm_factor": base.fp8_gemm_factor,
            }
        )

    base_step = {b: predict(rows[b], cat, base).step_time_s for _, b in pairs}
    published = {a: rows[b].published_step_s / rows[a].published_step_s for a, b in pairs}

    def residuals(x):
        c = cal(x[0])
        return [
            math.log(base_step[b] / predict(rows[a], cat, c).step_time_s / published[a])
            for a, b in pairs
        ]

    hi = max(published.values())
    res = least_squares(residuals, [1.0], bounds=([1.0], [hi]), diff_step=1e-3)
    k = float(res.x[0])
    c = cal(k)
    print(
        f"{calibration_id}: k={k:.3f} (bounds 1 to {hi:.3f}), gemm_efficiency="
        f"{c.gemm_efficiency:.3f}, flash_attention_efficiency={c.flash_attention_efficiency:.3f}"
    )
    for a, b in pairs:
        model = base_step[b] / predict(rows[a], cat, c).step_time_s
        print(f"  {a}/{b}: published {published[a]:.3f}, model {model:.3f}")


def fit_expert_factor(cat: Catalog, calibration_id: str, pair: str) -> None:
    """The expert_low_precision_factor that reproduces the published step-time ratio of a
    BF16 row and an FP8 row of the same MoE plan (`--rows BF16_ID,FP8_ID`), by bisection."""
    rows = {r.id: r for r in load_rows(cat)}
    bf16, fp8 = (rows[rid] for rid in pair.split(","))
    base = next(c for c in cat.all("calibrations") if c.id == calibration_id)
    target = fp8.published_step_s / bf16.published_step_s

    def ratio(f: float) -> float:
        c = base.model_copy(update={"expert_low_precision_factor": f})
        return predict(fp8, cat, c).step_time_s / predict(bf16, cat, c).step_time_s

    lo, hi = 0.3, 1.5  # the ratio falls as the factor rises
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ratio(mid) > target else (lo, mid)
    print(
        f"{calibration_id}: expert_low_precision_factor={mid:.3f} "
        f"(published FP8/BF16 {target:.4f}, model {ratio(mid):.4f})"
    )
    for r in rows.values():
        if r.model.experts and calibration_of(r, cat) == calibration_id:
            c = base.model_copy(update={"expert_low_precision_factor": mid})
            err = predict(r, cat, c).step_time_s / r.published_step_s - 1
            print(f"  {r.id:5s} {r.model.id:16s} {err * 100:+6.1f} %")


if __name__ == "__main__":
    main()
