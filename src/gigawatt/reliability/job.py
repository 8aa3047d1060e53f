"""One job's reliability: closed forms (`job_reliability`) and the `gigawatt reliability` report.

`job_reliability` is the library entry other models use (capability, train): given accelerators,
failure-free compute time, a failure model and a system, it returns the job's failure rates,
MTBF, Young's and Daly's intervals, Daly's expected wall time, goodput, ETTR and (on request)
spares. `reliability_report` adds catalog lookup, input validation and the Monte Carlo, and
renders the JSON of `gigawatt reliability` (DESIGN.md section 7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import ConfigDict, Field

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import FailureModel, System
from gigawatt.distributions import point
from gigawatt.errors import InputError
from gigawatt.reliability.checkpoint import (
    daly_interval,
    kokolis_ettr,
    recovery_pressure,
    wall_time,
    young_interval,
)
from gigawatt.reliability.failures import (
    S_PER_DAY,
    S_PER_H,
    JobFootprint,
    burn_in_factor,
    compound_poisson_quantile,
    job_rates,
    load_failure_model,
    units_down_mean,
)
from gigawatt.reliability.montecarlo import (
    MAX_STRETCHES,
    MonteCarloResult,
    Timeline,
    expected_stretches,
    simulate_job,
)
from gigawatt.validation import Request

DEFAULT_SYSTEM = "dgx-h100"
SPARES_AVAILABILITY_PARAMETER = "spares-availability-target"
MAX_ACCELERATORS = 100_000_000
MAX_DAYS = 3650.0
MAX_CHECKPOINT_S = S_PER_DAY
MAX_RESTART_S = 30 * S_PER_DAY
MAX_TRIALS = 1_000_000
PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class ReliabilityResult:
    """Closed-form reliability of one job (SI units; rates per second)."""

    accelerators: int
    duration_s: float
    system: str
    failure_model: str
    footprint: JobFootprint
    checkpoint_s: float
    restart_s: float
    failure_per_s_by_cause: dict[str, float]
    failure_per_s: float
    planned_per_s: float
    burn_in_factor: float
    job_mtbf_s: float
    job_mtti_s: float
    young_interval_s: float
    daly_interval_s: float
    interval_s: float
    wall_time_s: float
    goodput: float
    ettr: float
    recovery_pressure: float
    spares: int | None
    spares_availability: float | None
    units_down_mean: float

    @property
    def interruption_per_s(self) -> float:
        return self.failure_per_s + self.planned_per_s

    @property
    def failures_expected(self) -> float:
        """Failures during the expected wall time, lambda_f E[T_w] (exact: Wald's identity)."""
        return self.failure_per_s * self.wall_time_s

    @property
    def planned_expected(self) -> float:
        return self.planned_per_s * self.wall_time_s

    @property
    def interruptions_expected(self) -> float:
        return self.failures_expected + self.planned_expected

    @property
    def lost_gpu_hours(self) -> float:
        """Accelerator-hours beyond the failure-free compute (checkpoints, restarts, rework)."""
        return self.accelerators * (self.wall_time_s - self.duration_s) / S_PER_H

    def timeline(self) -> Timeline:
        return Timeline.make(self.duration_s, self.interval_s, self.checkpoint_s, self.restart_s)


def _check(name: str, value: float, low: float, high: float, *, low_open: bool = False) -> None:
    bad = not math.isfinite(value) or value > high or (value <= low if low_open else value < low)
    if bad:
        rel = ">" if low_open else ">="
        raise InputError(
            f"{value!r} is not allowed: must be {rel} {low:g} and <= {high:g}", field=name
        )


def job_reliability(
    accelerators: int,
    duration_s: float,
    failure_model: FailureModel,
    system: System,
    checkpoint_s: float | None = None,
    restart_s: float | None = None,
    *,
    interval_s: float | None = None,
    fleet_age_months: float | None = None,
    spares_availability: float | None = None,
) -> ReliabilityResult:
    """Closed-form reliability of a job of `accelerators` needing `duration_s` of compute.

    checkpoint_s [s]: blocking cost of one checkpoint; restart_s [s]: cost of a restart (both
    default to the failure model's). interval_s [s]: compute between checkpoints (default
    Daly's optimum, rounded down to divide the duration). fleet_age_months: age of the fleet
    at the job's start (None = mature, no burn-in). spares_availability: if given, the spare
    failure domains for that probability of running at full size.
    """
    _check("accelerators", accelerators, 1, MAX_ACCELERATORS)
    _check("duration_s", duration_s, 0, MAX_DAYS * S_PER_DAY, low_open=True)
    delta = failure_model.checkpoint_s if checkpoint_s is None else float(checkpoint_s)
    restart = failure_model.restart_s if restart_s is None else float(restart_s)
    _check("checkpoint_s", delta, 0, MAX_CHECKPOINT_S)
    _check("restart_s", restart, 0, MAX_RESTART_S)

    footprint = JobFootprint.of(accelerators, system)
    burn_in = burn_in_factor(failure_model, fleet_age_months, duration_s)
    rates = job_rates(failure_model, footprint, burn_in)
    lam_f, lam_p = rates.failure_per_s, rates.planned_per_s
    mtbf_s = 1.0 / lam_f if lam_f > 0 else math.inf
    daly_s = float(daly_interval(delta, mtbf_s)) if lam_f > 0 else math.inf
    chosen = daly_s if interval_s is None else float(interval_s)
    tl = Timeline.make(duration_s, min(chosen, duration_s), delta, restart)
    wall_s = float(wall_time(duration_s, tl.interval_s, delta, restart, lam_f, lam_p))

    spares = None
    down = units_down_mean(failure_model, footprint, rates)
    if spares_availability is not None:
        _check("spares_availability", spares_availability, 0, 1, low_open=True)
        spares = compound_poisson_quantile(down, spares_availability)
    return ReliabilityResult(
        accelerators=int(accelerators),
        duration_s=float(duration_s),
        system=system.id,
        failure_model=failure_model.id,
        footprint=footprint,
        checkpoint_s=delta,
        restart_s=restart,
        failure_per_s_by_cause=rates.failure_per_s_by_cause,
        failure_per_s=lam_f,
        planned_per_s=lam_p,
        burn_in_factor=burn_in,
        job_mtbf_s=mtbf_s,
        job_mtti_s=1.0 / (lam_f + lam_p) if lam_f + lam_p > 0 else math.inf,
        young_interval_s=float(young_interval(delta, mtbf_s)) if lam_f > 0 else math.inf,
        daly_interval_s=daly_s,
        interval_s=tl.interval_s,
        wall_time_s=wall_s,
        goodput=duration_s / wall_s,
        ettr=float(kokolis_ettr(tl.interval_s, delta, restart, lam_f, lam_p)),
        recovery_pressure=float(recovery_pressure(tl.interval_s, restart, lam_f)),
        spares=spares,
        spares_availability=spares_availability,
        units_down_mean=sum(k * v for k, v in down.items()),
    )


def monte_carlo(
    result: ReliabilityResult, trials: int, rng: np.random.Generator
) -> MonteCarloResult:
    """`trials` Monte Carlo timelines of the job `result` describes, drawn from `rng`."""
    return simulate_job(
        result.accelerators,
        result.timeline(),
        result.failure_per_s,
        result.planned_per_s,
        result.wall_time_s,
        trials,
        rng,
    )


# --- the `gigawatt reliability` report -------------------------------------------------------


class ReliabilityRequest(Request):
    """The inputs of `gigawatt reliability`, validated (units in the names)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    gpus: Annotated[int, Field(ge=1, le=MAX_ACCELERATORS)]
    days: Annotated[float, Field(gt=0, le=MAX_DAYS)]
    system: str = DEFAULT_SYSTEM
    failure_model: str | None = None
    checkpoint_s: Annotated[float, Field(ge=0, le=MAX_CHECKPOINT_S)] | None = None
    restart_s: Annotated[float, Field(ge=0, le=MAX_RESTART_S)] | None = None
    interval_s: Annotated[float, Field(gt=0, le=MAX_DAYS * S_PER_DAY)] | None = None
    trials: Annotated[int, Field(ge=0, le=MAX_TRIALS)] = 0
    seed: Annotated[int, Field(ge=0)] = 0
    fleet_age_months: Annotated[float, Field(ge=0, le=1200)] | None = None
    availability: Annotated[float, Field(gt=0, lt=1)] | None = None


@dataclass(frozen=True)
class ReliabilityReport:
    """What `gigawatt reliability` prints: the closed forms, the Monte Carlo, the inputs."""

    request: ReliabilityRequest
    result: ReliabilityResult
    monte_carlo: MonteCarloResult | None
    note: str | None

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of DESIGN.md section 7 plus extra keys (units in the names)."""
        r = self.result
        out: dict[str, Any] = {
            "gpus": r.accelerators,
            "days": r.duration_s / S_PER_DAY,
            "system": r.system,
            "failure_model": r.failure_model,
            "failure_domain": r.footprint.failure_domain,
            "nodes": r.footprint.nodes,
            "racks": r.footprint.racks,
            "checkpoint_s": r.checkpoint_s,
            "restart_s": r.restart_s,
            "fleet_age_months": self.request.fleet_age_months,
            "burn_in_factor": r.burn_in_factor,
            "failure_rate_per_h": r.failure_per_s * S_PER_H,
            "planned_rate_per_h": r.planned_per_s * S_PER_H,
            "rates_per_h_by_cause": {k: v * S_PER_H for k, v in r.failure_per_s_by_cause.items()},
            "job_mtbf_h": r.job_mtbf_s / S_PER_H,
            "job_mtti_h": r.job_mtti_s / S_PER_H,
            "young_interval_s": r.young_interval_s,
            "checkpoint_interval_s": r.daly_interval_s,
            "interval_used_s": r.interval_s,
            "wall_time_s": r.wall_time_s,
            "goodput": r.goodput,
            "ettr": r.ettr,
            "recovery_pressure": r.recovery_pressure,
            "interruptions_expected": r.interruptions_expected,
            "failures_expected": r.failures_expected,
            "planned_expected": r.planned_expected,
            "lost_gpu_hours": r.lost_gpu_hours,
            "spares": r.spares,
            "spare_accelerators": None
            if r.spares is None
            else r.spares * r.footprint.failure_domain,
            "spares_availability": r.spares_availability,
            "units_down_mean": r.units_down_mean,
            "trials": self.request.trials,
            "seed": self.request.seed,
        }
        mc = self.monte_carlo
        series = {
            "interruptions": None if mc is None else mc.interruptions,
            "wall_time_s": None if mc is None else mc.wall_time_s,
            "goodput": None if mc is None else mc.goodput,
            "lost_gpu_hours": None if mc is None else mc.lost_gpu_hours,
        }
        for name, values in series.items():
            qs = [None] * 3 if values is None else np.percentile(values, PERCENTILES).tolist()
            for p, q in zip(PERCENTILES, qs, strict=True):
                out[f"{name}_p{p}"] = q
            out[f"{name}_mean"] = None if values is None else float(np.mean(values))
        out["monte_carlo_note"] = self.note
        return out


def resolve_failure_model(catalog: Catalog, ref: str | None, system: System) -> FailureModel:
    """A failure model: a YAML/TOML file if `ref` names one, else a catalog id, else the
    system's default."""
    if ref is None:
        if system.failure_model is None:
            raise InputError(
                f"system {system.id!r} has no default failure model; pass one "
                "(see `gigawatt catalog failures`)",
                field="failure_model",
            )
        return catalog.failure_model(system.failure_model, field="failure_model")
    path = Path(ref)
    if path.suffix.lower() in {".yaml", ".yml", ".toml"} or path.is_file():
        if not path.is_file():
            raise InputError(f"no such file: {ref!r}", field="failure_model")
        return load_failure_model(path)
    return catalog.failure_model(ref, field="failure_model")


def reliability_report(
    catalog: Catalog, request: ReliabilityRequest | None = None, **inputs: Any
) -> ReliabilityReport:
    """The closed forms of a job and, with `trials` > 0, the Monte Carlo (seeded by `seed`);
    the job is a `ReliabilityRequest` or its fields (None values take the defaults)."""
    req = request or ReliabilityRequest(**{k: v for k, v in inputs.items() if v is not None})
    system = catalog.system(req.system, field="system")
    model = resolve_failure_model(catalog, req.failure_model, system)
    availability = req.availability
    if availability is None:
        availability = float(point(catalog.parameter(SPARES_AVAILABILITY_PARAMETER).value))
    result = job_reliability(
        req.gpus,
        req.days * S_PER_DAY,
        model,
        system,
        req.checkpoint_s,
        req.restart_s,
        interval_s=req.interval_s,
        fleet_age_months=req.fleet_age_months,
        spares_availability=availability,
    )
    if req.trials == 0:
        return ReliabilityReport(req, result, None, None)
    per_trial = expected_stretches(result.wall_time_s, result.interruption_per_s)
    if not per_trial <= MAX_STRETCHES:
        note = (
            f"Monte Carlo skipped: a trial would simulate about {per_trial:.3g} interruptions "
            f"(more than {MAX_STRETCHES:.0e}); the job practically never finishes"
        )
        return ReliabilityReport(req, result, None, note)
    if req.trials * per_trial > MAX_STRETCHES:
        most = int(MAX_STRETCHES // per_trial)
        raise InputError(
            f"{req.trials} trials of this job simulate about {req.trials * per_trial:.3g} "
            f"interruptions; at most {MAX_STRETCHES:.0e} are allowed (up to {most} trials here)",
            field="trials",
        )
    mc = monte_carlo(result, req.trials, np.random.default_rng(req.seed))
    return ReliabilityReport(req, result, mc, None)
