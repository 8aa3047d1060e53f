"""The average training draw per accelerator, fitted on runs whose power was measured.

Patterson et al. 2021 ("Carbon Emissions and Large Neural Network Training", arXiv 2104.10350)
publish, per training run, the "measured system average power per accelerator, including
memory, network interface, fans, host CPU" with the chip count, training days, datacenter PUE
and energy (Table 1: Transformer (Big) and Evolved Transformer (Medium) on P100 and TPU v2;
Table 4: Evolved Transformer NAS on TPU v2, T5, Meena, GShard-600B and Switch Transformer on
TPU v3), so that E = chips x days x 24 h x P x PUE. For modern GPUs, MLCommons MLPerf Training
publishes node power logs: one v5.0 BERT run on an 8x B200 node is fitted, other MLPerf power
results are checks (`PowerCheck`). Patterson's GPT-3 row and PaLM's energy are held out for
independent checking and are not used. Footprints that multiply hours by TDP (BLOOM,
OPT as re-estimated by LLaMA, LLaMA, Llama 2) measure nothing about draw; they stay arithmetic
checks of the footprint bookkeeping (tests/validation/test_footprints.py).

The fitted quantity is f = P / reference, the reference being the chip's TDP or the system's
all-in IT power at design load. One f per generation is fitted on the generation's highest and
lowest measured f as the value minimising the largest |log error| over them, their geometric
mean (the criterion the perf calibration uses, tools/fit_perf_calibration.py); the runs in
between are predictions, and leave-one-out errors show what one f per generation leaves out.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar, get_type_hints

HOURS_PER_DAY = 24.0
WH_PER_MWH = 1e6

_Row = TypeVar("_Row")


@dataclass(frozen=True)
class MeasuredRun:
    """One published training run with a measured average draw per accelerator."""

    id: str
    calibration: str  # power-calibration id of its generation
    model: str
    source: str
    chips: int
    days: float
    measured_w: float  # measured system average power per accelerator [W]
    reference_w: float  # the calibration basis for this hardware: TDP or all-in design [W]
    pue: float
    energy_mwh: float  # as published

    @property
    def accelerator_hours(self) -> float:
        """Accelerators x days x 24 of the published run [accelerator-hours]."""
        return self.chips * self.days * HOURS_PER_DAY

    @property
    def fraction(self) -> float:
        """The run's measured draw per accelerator over its reference (TDP or all-in design):
        the f of `predicted_energy_mwh`."""
        return self.measured_w / self.reference_w

    def predicted_energy_mwh(self, draw_fraction: float) -> float:
        """E = accelerator-hours x f x reference x PUE [MWh] (Patterson et al. 2021, sec. 2.5)."""
        return self.accelerator_hours * draw_fraction * self.reference_w * self.pue / WH_PER_MWH


def read_measured_runs(path: Path) -> list[MeasuredRun]:
    """The measured runs of a CSV with the columns of MeasuredRun (tests/validation/data)."""
    return _read_csv(path, MeasuredRun)


@dataclass(frozen=True)
class Fit:
    """A generation's fitted fraction, the runs it rests on and its spread."""

    calibration: str
    draw_fraction: float
    fitted_on: tuple[str, ...]
    checked_on: tuple[str, ...]
    low: float
    high: float


def minimax_log_fraction(fractions: Sequence[float]) -> float:
    """The f minimising max |ln(f / f_i)|: the geometric mean of the extremes."""
    if not fractions:
        raise ValueError("no fractions to fit")
    return math.sqrt(min(fractions) * max(fractions))


def fit_generation(runs: Sequence[MeasuredRun]) -> Fit:
    """Fit one generation on its highest and lowest measured fraction; the rest are checks."""
    if not runs or len({r.calibration for r in runs}) != 1:
        raise ValueError("fit_generation takes the runs of one generation")
    lo = min(runs, key=lambda r: r.fraction)
    hi = max(runs, key=lambda r: r.fraction)
    fitted = tuple(dict.fromkeys((hi.id, lo.id)))
    return Fit(
        calibration=runs[0].calibration,
        draw_fraction=minimax_log_fraction([lo.fraction, hi.fraction]),
        fitted_on=fitted,
        checked_on=tuple(r.id for r in runs if r.id not in fitted),
        low=lo.fraction,
        high=hi.fraction,
    )


def fit_all(runs: Iterable[MeasuredRun]) -> dict[str, Fit]:
    """One fit per generation (calibration id), in the order generations first appear."""
    groups: dict[str, list[MeasuredRun]] = {}
    for r in runs:
        groups.setdefault(r.calibration, []).append(r)
    return {cal: fit_generation(rs) for cal, rs in groups.items()}


def leave_one_out_error(run: MeasuredRun, generation: Sequence[MeasuredRun]) -> float | None:
    """Relative energy error of `run` when the generation is fitted without it (None if alone)."""
    others = [r for r in generation if r.id != run.id]
    if not others:
        return None
    f = minimax_log_fraction([r.fraction for r in others])
    return run.predicted_energy_mwh(f) / run.energy_mwh - 1.0


def calibration_table(
    runs: Sequence[MeasuredRun], fits: Mapping[str, Fit], bases: Mapping[str, str]
) -> str:
    """The Markdown tables of docs/models/energy-calibration.md (generated; a test compares).

    `bases` names each generation's reference power ("tdp" or "it-power").
    """
    lines = [
        "| Run | Generation | Acc.-hours | Measured W | f = W / ref. | Role | Predicted MWh "
        "| Published MWh | Error | Leave-one-out |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in runs:
        fit = fits[r.calibration]
        role = "fitted" if r.id in fit.fitted_on else "checked"
        pred = r.predicted_energy_mwh(fit.draw_fraction)
        loo = leave_one_out_error(r, [x for x in runs if x.calibration == r.calibration])
        lines.append(
            f"| {r.id} ({r.model}) | {r.calibration} | {r.accelerator_hours:,.0f} "
            f"| {r.measured_w:g} | {r.fraction:.3f} | {role} | {pred:,.3f} | {r.energy_mwh:g} "
            f"| {pred / r.energy_mwh - 1:+.1%} | {'-' if loo is None else f'{loo:+.1%}'} |"
        )
    lines += [
        "",
        "| Generation | Basis | f fitted | Fitted on | Checked on | Spread of f (low-high) |",
        "|---|---|---:|---|---|---|",
    ]
    for cal, fit in fits.items():
        basis = "TDP" if bases[cal] == "tdp" else "all-in IT power"
        lines.append(
            f"| {cal} | {basis} | {fit.draw_fraction:.4f} | {', '.join(fit.fitted_on)} "
            f"| {', '.join(fit.checked_on) or '-'} | {fit.low:.3f}-{fit.high:.3f} "
            f"({fit.low / fit.draw_fraction - 1:+.1%} to {fit.high / fit.draw_fraction - 1:+.1%}) |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class PowerCheck:
    """Measured node power of several repeats of one benchmark on one system (MLPerf Training).

    Not a fitting input: the draw per GPU of the lowest and highest of the repeats, compared with
    a calibrated fraction of the same reference power. `role` says how it is used: "repeat"
    (the other runs of the fitted submission), "check" (a test that can fail) or "reported"
    (outside what the fraction claims: shown with its error, not asserted against it).
    """

    id: str
    round: str
    submitter: str
    accelerator: str
    nodes: int
    benchmark: str
    cooling: str
    runs: int
    min_w_per_gpu: float
    max_w_per_gpu: float
    reference_w: float
    role: str

    def errors(self, draw_fraction: float) -> tuple[float, float]:
        """Relative error of f x reference against the highest and the lowest measured draw."""
        predicted = draw_fraction * self.reference_w
        return predicted / self.max_w_per_gpu - 1.0, predicted / self.min_w_per_gpu - 1.0


def read_power_checks(path: Path) -> list[PowerCheck]:
    """The check rows of tests/validation/data/modern_power_checks.csv."""
    return _read_csv(path, PowerCheck)


def _read_csv(path: Path, cls: type[_Row]) -> list[_Row]:
    """One `cls` per CSV row: each field from its column, as the field's type (str, int or
    float); other columns (notes, sources) are not read."""
    types = get_type_hints(cls)
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            cls(**{f.name: types[f.name](row[f.name]) for f in fields(cls)})  # type: ignore[call-arg]
            for row in csv.DictReader(fh)
        ]


def checks_table(checks: Sequence[PowerCheck], draw_fraction: float, calibration: str) -> str:
    """The Markdown table of the modern checks against one fraction (generated; a test compares)."""
    lines = [
        f"| Check (against `{calibration}`, f = {draw_fraction:.4f}) | Accelerator | Nodes "
        "| Benchmark | Cooling | Runs | Measured W per GPU | f = W / ref. | Predicted W | Error "
        "| Role |",
        "|---|---|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for c in checks:
        lo, hi = c.errors(draw_fraction)
        lines.append(
            f"| {c.id} ({c.submitter}, {c.round}) | {c.accelerator} | {c.nodes} | {c.benchmark} "
            f"| {c.cooling} | {c.runs} | {c.min_w_per_gpu:,.1f}-{c.max_w_per_gpu:,.1f} "
            f"| {c.min_w_per_gpu / c.reference_w:.3f}-{c.max_w_per_gpu / c.reference_w:.3f} "
            f"| {draw_fraction * c.reference_w:,.1f} | {lo:+.1%} to {hi:+.1%} | {c.role} |"
        )
    return "\n".join(lines)
