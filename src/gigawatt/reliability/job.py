"""One job's reliability: closed forms over job sizes (`job_curve`) and for one job
(`job_reliability`), and the `gigawatt reliability` report.

`job_curve` is the vectorised entry the capability model uses: given job sizes, failure-free
compute time, a failure model, a system and a recovery plan (fault-tolerance policy, storage
tier, checkpoint size), it returns each size's interruption rates by class, checkpoint and
restart costs, Young's and Daly's intervals, expected wall time and goodput in one NumPy
evaluation. `job_reliability` is the same at one size plus spares and ETTR (train, the CLI).
`reliability_report` adds catalog lookup, input validation and the Monte Carlo, and renders the
JSON of `gigawatt reliability` (DESIGN.md section 7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import FailureModel, FaultTolerancePolicy, StorageTier, System
from gigawatt.defaults import DEFAULT_SYSTEM
from gigawatt.display import counted
from gigawatt.distributions import point
from gigawatt.errors import InputError
from gigawatt.perf.workload import Workload
from gigawatt.reliability.checkpoint import (
    daly_interval,
    expected_wall_time,
    kokolis_ettr,
    recovery_pressure,
    time_shares,
    young_interval,
)
from gigawatt.reliability.failures import (
    JobFootprint,
    burn_in_factor,
    compound_poisson_quantile,
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
from gigawatt.reliability.recovery import (
    LOSES_WORK,
    Interruptions,
    Recovery,
    checkpoint_bytes,
    interruptions,
    recovery_costs,
    resolve_policy,
    storage_tier_of,
)
from gigawatt.units import S_PER_DAY, S_PER_H
from gigawatt.validation import Request

SPARES_AVAILABILITY_PARAMETER = "spares-availability-target"
ETTR_PRESSURE_LIMIT_PARAMETER = "ettr-recovery-pressure-limit"
RACK_SLA_PARAMETER = "rack-uptime-sla"
MAX_ACCELERATORS = 100_000_000
MAX_DAYS = 3650.0
MAX_CHECKPOINT_S = S_PER_DAY
MAX_RESTART_S = 30 * S_PER_DAY
MAX_TRIALS = 1_000_000
PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class RecoveryPlan:
    """A fault-tolerance policy, the storage tier it writes to, and the checkpoint it writes."""

    policy: FaultTolerancePolicy
    tier: StorageTier
    checkpoint_bytes: float
    model: str  # whose state is checkpointed (an id, for reports)

    @classmethod
    def of(
        cls,
        catalog: Catalog,
        system: System,
        model: str,
        params: float,
        policy: str | None = None,
        *,
        field: str = "policy",
    ) -> RecoveryPlan:
        """`policy` (None: the catalog's default) on the system's storage tier, checkpointing a
        model of `params` parameters."""
        pol = resolve_policy(catalog, policy, field=field)
        return cls(pol, storage_tier_of(catalog, system), checkpoint_bytes(pol, params), model)

    def costs(self, system: System, accelerators: Any, **scales: float) -> Recovery:
        return recovery_costs(
            self.policy, self.tier, system, self.checkpoint_bytes, accelerators, **scales
        )


@dataclass(frozen=True)
class JobCurve:
    """Closed-form reliability of jobs of sizes `accelerators` under one plan (arrays) [s, 1/s].

    Interruption classes (`recovery.CLASSES`): failures lose the work since the last durable
    checkpoint and restart in `restart_s`; planned stops restart without loss.
    """

    accelerators: np.ndarray
    duration_s: float
    recovery: Recovery
    interruptions: Interruptions
    failure_per_s: np.ndarray
    planned_per_s: np.ndarray
    checkpoint_s: np.ndarray
    restart_s: np.ndarray
    young_interval_s: np.ndarray
    daly_interval_s: np.ndarray
    interval_s: np.ndarray
    wall_time_s: np.ndarray

    @cached_property
    def goodput(self) -> np.ndarray:
        """Failure-free compute time / expected wall time [fraction]."""
        return self.duration_s / self.wall_time_s

    @cached_property
    def marginal_efficiency(self) -> np.ndarray:
        """d ln(N x goodput) / d ln N along the sizes (sorted, distinct) [ratio]: what the
        marginal accelerator adds to useful time relative to the average one. Centred
        differences in ln N (one-sided at the ends); 1 for a single size."""
        n = self.accelerators
        if n.size < 2:
            return np.ones_like(n)
        return np.gradient(np.log(n * self.goodput), np.log(n))


def job_curve(
    accelerators: Any,
    duration_s: float,
    failure_model: FailureModel,
    system: System,
    plan: RecoveryPlan,
    *,
    checkpoint_s: float | None = None,
    restart_s: float | None = None,
    interval_s: float | None = None,
    burn_in: float = 1.0,
    restart_scale: float = 1.0,
    bandwidth_scale: float = 1.0,
    rack_rate_scale: float = 1.0,
    step_s: Any = None,
) -> JobCurve:
    """Closed-form reliability of jobs of every size in `accelerators` needing `duration_s` of
    compute, in one vectorised evaluation (docs/models/reliability.md sections 2-4).

    checkpoint_s / restart_s [s] replace the plan's blocking and restart costs when given;
    interval_s [s] the checkpoint interval (default Daly's optimum for the failure MTBF, at
    least the lag to durable, rounded down to divide the duration). step_s [s], the training
    step time (a scalar or one per size), when known: the interval is then a whole number of
    steps (`whole_step_interval`) and the last segment may be shorter. The *_scale arguments
    are the capability model's sensitivity knobs (1: the catalog's values).
    """
    n = np.asarray(accelerators, dtype=float)
    rec = plan.costs(system, n, restart_scale=restart_scale, bandwidth_scale=bandwidth_scale)
    ints = interruptions(failure_model, system, n, burn_in, rack_rate_scale=rack_rate_scale)
    lam_f, lam_p = ints.failure_per_s, ints.planned_per_s
    delta = rec.checkpoint_s if checkpoint_s is None else np.full_like(n, checkpoint_s)
    restart = rec.restart_s if restart_s is None else np.full_like(n, restart_s)
    with np.errstate(divide="ignore"):
        mtbf = np.where(lam_f > 0, 1.0 / np.where(lam_f > 0, lam_f, 1.0), np.inf)
    daly = np.where(lam_f > 0, daly_interval(delta, np.minimum(mtbf, 1e300)), np.inf)
    young = np.where(lam_f > 0, young_interval(delta, np.minimum(mtbf, 1e300)), np.inf)
    chosen = np.maximum(daly, rec.persist_s) if interval_s is None else np.full_like(n, interval_s)
    if step_s is not None:
        tau = whole_step_interval(chosen, step_s, rec.persist_s, duration_s)
    else:
        tau = _dividing_interval(chosen, rec.persist_s, duration_s)
    wall = expected_wall_time(
        duration_s,
        tau,
        delta,
        (lam_f, lam_p),
        (restart, restart),
        LOSES_WORK,
        rec.persist_s,
    )
    return JobCurve(
        accelerators=n,
        duration_s=float(duration_s),
        recovery=rec,
        interruptions=ints,
        failure_per_s=lam_f,
        planned_per_s=lam_p,
        checkpoint_s=delta,
        restart_s=restart,
        young_interval_s=young,
        daly_interval_s=daly,
        interval_s=tau,
        wall_time_s=wall,
    )


def whole_step_interval(
    interval_s: Any, step_s: Any, persist_s: Any, duration_s: float
) -> np.ndarray:
    """The checkpoint interval [s] as a whole number of training steps of `step_s` [s]: the
    nearest whole number of steps to `interval_s`, at least one step and at least the lag to
    durable `persist_s` (rounded up to whole steps there), at most the job's compute
    `duration_s` (one save at its end).

    A framework saves between steps, not inside one: Megatron-LM's `--save-interval` is the
    "Number of iterations between persistent checkpoint saves", checked after each iteration
    (NVIDIA Megatron-LM, megatron/training/arguments.py and training.py, `iteration %
    args.save_interval == 0`). The segments then need not divide the duration; the closed form
    prorates the last one (an end effect below one segment). Broadcasts.
    """
    chosen, step, persist = np.broadcast_arrays(
        np.asarray(interval_s, float), np.asarray(step_s, float), np.asarray(persist_s, float)
    )
    if not (np.isfinite(step) & (step > 0)).all():
        raise ValueError(f"step time must be finite and > 0 s, not {step_s!r}")
    with np.errstate(invalid="ignore", over="ignore"):
        steps = np.maximum(np.rint(np.minimum(chosen, duration_s) / step), 1.0)
        steps = np.maximum(steps, np.ceil(persist / step - 1e-9))
    return np.minimum(steps * step, duration_s)


def _dividing_interval(chosen: np.ndarray, persist_s: np.ndarray, duration_s: float) -> np.ndarray:
    """The interval [s] shortened to divide the duration into equal segments, unless that
    would put it below the lag to durable (then lengthened instead)."""
    tau = np.minimum(chosen, duration_s)
    rec_persist = np.asarray(persist_s, float)
    # equal segments: shorten the interval to divide the duration, unless that would put it
    # below the lag to durable (then lengthen it instead)
    with np.errstate(divide="ignore"):
        k = np.maximum(1.0, np.ceil(duration_s / np.where(tau > 0, tau, 1.0)))
        k = np.where(
            duration_s / k < rec_persist,
            np.maximum(1.0, np.floor(duration_s / np.where(rec_persist > 0, rec_persist, 1.0))),
            k,
        )
    return np.where(tau > 0, duration_s / k, 0.0)


@dataclass(frozen=True)
class ReliabilityResult:
    """Closed-form reliability of one job (SI units; rates per second)."""

    accelerators: int
    duration_s: float
    system: str
    failure_model: str
    plan: RecoveryPlan
    footprint: JobFootprint
    curve: JobCurve  # of this one size
    burn_in_factor: float
    spares: int | None
    spares_availability: float | None
    units_down_mean: float
    #: the failure model record's provenance (catalog `status`: official, reported, analyst,
    #: estimate; a user file's own status)
    failure_model_status: str = "estimate"

    def _one(self, values: np.ndarray) -> float:
        return float(values[0])

    @property
    def checkpoint_s(self) -> float:
        return self._one(self.curve.checkpoint_s)

    @property
    def restart_s(self) -> float:
        return self._one(self.curve.restart_s)

    @property
    def persist_s(self) -> float:
        return self._one(self.curve.recovery.persist_s)

    @property
    def failure_per_s_by_cause(self) -> dict[str, float]:
        return {k: float(v[0]) for k, v in self.curve.interruptions.by_cause.items()}

    @property
    def failure_per_s(self) -> float:
        return self._one(self.curve.failure_per_s)

    @property
    def planned_per_s(self) -> float:
        return self._one(self.curve.planned_per_s)

    @property
    def interruption_per_s(self) -> float:
        return self.failure_per_s + self.planned_per_s

    @property
    def job_mtbf_s(self) -> float:
        return 1.0 / self.failure_per_s if self.failure_per_s > 0 else math.inf

    @property
    def job_mtti_s(self) -> float:
        rate = self.interruption_per_s
        return 1.0 / rate if rate > 0 else math.inf

    @property
    def young_interval_s(self) -> float:
        return self._one(self.curve.young_interval_s)

    @property
    def daly_interval_s(self) -> float:
        return self._one(self.curve.daly_interval_s)

    @property
    def interval_s(self) -> float:
        return self._one(self.curve.interval_s)

    @property
    def wall_time_s(self) -> float:
        return self._one(self.curve.wall_time_s)

    @property
    def goodput(self) -> float:
        return self.duration_s / self.wall_time_s

    @property
    def ettr(self) -> float:
        """Kokolis et al. 2025's E[ETTR] (a small-loss approximation; checkpoint.kokolis_ettr)."""
        return float(
            kokolis_ettr(
                self.interval_s,
                self.checkpoint_s,
                self.restart_s,
                self.failure_per_s,
                self.planned_per_s,
            )
        )

    @property
    def recovery_pressure(self) -> float:
        return float(recovery_pressure(self.interval_s, self.restart_s, self.failure_per_s))

    @property
    def failures_expected(self) -> float:
        """Failures during the expected wall time, lambda_f E[T_w] (exact: Wald's identity)."""
        return self.failure_per_s * self.wall_time_s

    @property
    def planned_expected(self) -> float:
        return self.planned_per_s * self.wall_time_s

    @property
    def interruptions_expected(self) -> float:
        """Failures and planned stops."""
        return self.failures_expected + self.planned_expected

    @property
    def lost_gpu_hours(self) -> float:
        """Accelerator-hours beyond the failure-free compute (checkpoints, restarts, rework)."""
        return self.accelerators * (self.wall_time_s - self.duration_s) / S_PER_H

    @property
    def lost_time_s(self) -> dict[str, float]:
        """Where the wall time beyond the failure-free compute goes [s]: restarting, blocked in
        checkpoints, and redoing work lost to failures (`checkpoint.time_shares`; the three
        sum to wall time - duration)."""
        c = self.curve
        restart, blocked = time_shares(
            c.interval_s, c.checkpoint_s, (c.failure_per_s, c.planned_per_s),
            (c.restart_s, c.restart_s),
        )  # fmt: skip
        wall = self.wall_time_s
        r, b = self._one(restart) * wall, self._one(blocked) * wall
        return {"restart": r, "checkpoint": b, "rework": max(wall - self.duration_s - r - b, 0.0)}

    def timeline(self) -> Timeline:
        """The schedule the closed forms assume (the interval already divides the duration,
        as it does without a step time; `gigawatt reliability`, the Monte Carlo's only caller,
        has none)."""
        return Timeline(
            self.duration_s,
            self.interval_s,
            self.checkpoint_s,
            (self.restart_s, self.restart_s),
            self.persist_s,
        )

    def by_cause(self) -> list[dict[str, Any]]:
        """Interruptions by cause: category, scope, rate, expected count over the expected wall
        time and share of all failures. Each restarts the whole job under every catalog
        policy."""
        ints = self.curve.interruptions
        total = sum(float(v[0]) for v in ints.by_cause.values())
        return [
            {
                "cause": cause,
                "category": ints.category[cause],
                "scope": ints.scope[cause],
                "rate_per_h": float(rate[0]) * S_PER_H,
                "expected": float(rate[0]) * self.wall_time_s,
                "share": float(rate[0]) / total if total > 0 else 0.0,
            }
            for cause, rate in ints.by_cause.items()
        ]


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
    plan: RecoveryPlan,
    checkpoint_s: float | None = None,
    restart_s: float | None = None,
    *,
    interval_s: float | None = None,
    fleet_age_months: float | None = None,
    spares_availability: float | None = None,
    step_s: float | None = None,
    burn_in: float | None = None,
) -> ReliabilityResult:
    """Closed-form reliability of a job of `accelerators` needing `duration_s` of compute under
    `plan` (`job_curve` at one size).

    checkpoint_s [s]: blocking cost of one checkpoint; restart_s [s]: cost of a restart (both
    default to the plan's costs at this size). interval_s [s]: compute between checkpoints
    (default Daly's optimum, rounded down to divide the duration). fleet_age_months: age of the
    fleet at the job's start (None = mature, no burn-in). spares_availability: if given, the
    spare failure domains for that probability of running at full size. step_s [s]: the
    training step time, when known (`gigawatt train`): the interval is then a whole number of
    steps, at least one (`whole_step_interval`). burn_in: the hardware-rate multiplier itself,
    when the caller has it (the capability model's run on its youngest accelerators); it
    replaces the one fleet_age_months gives.
    """
    _check("accelerators", accelerators, 1, MAX_ACCELERATORS)
    _check("duration_s", duration_s, 0, MAX_DAYS * S_PER_DAY, low_open=True)
    if checkpoint_s is not None:
        _check("checkpoint_s", checkpoint_s, 0, MAX_CHECKPOINT_S)
    if restart_s is not None:
        _check("restart_s", restart_s, 0, MAX_RESTART_S)
    if interval_s is not None:
        _check("interval_s", interval_s, 0, MAX_DAYS * S_PER_DAY)
    if step_s is not None:
        _check("step_s", step_s, 0, MAX_DAYS * S_PER_DAY, low_open=True)
    if burn_in is None:
        burn_in = burn_in_factor(failure_model, fleet_age_months, duration_s)
    curve = job_curve(
        np.array([int(accelerators)]),
        duration_s,
        failure_model,
        system,
        plan,
        checkpoint_s=checkpoint_s,
        restart_s=restart_s,
        interval_s=interval_s,
        burn_in=burn_in,
        step_s=step_s,
    )
    footprint = JobFootprint.of(accelerators, system)
    down = _domains_down(int(accelerators), failure_model, system, burn_in=burn_in)
    spares = None
    if spares_availability is not None:
        _check("spares_availability", spares_availability, 0, 1, low_open=True)
        spares = compound_poisson_quantile(down, spares_availability)
    return ReliabilityResult(
        accelerators=int(accelerators),
        duration_s=float(duration_s),
        system=system.id,
        failure_model=failure_model.id,
        plan=plan,
        footprint=footprint,
        curve=curve,
        burn_in_factor=burn_in,
        spares=spares,
        spares_availability=spares_availability,
        units_down_mean=sum(k * v for k, v in down.items()),
        failure_model_status=failure_model.status,
    )


def spare_domains(
    accelerators: int,
    failure_model: FailureModel,
    system: System,
    availability: float,
    *,
    burn_in: float = 1.0,
    rack_rate_scale: float = 1.0,
) -> int:
    """The spare failure domains that keep a job of `accelerators` at full size with
    probability `availability` while failed ones are repaired (docs/models/reliability.md
    section 6): the quantile of the domains down at once, from the job's hardware rates
    (x `burn_in`; `rack_rate_scale` the capability model's sensitivity knob). The same figure
    as `job_reliability(..., spares_availability=availability).spares`."""
    down = _domains_down(
        accelerators, failure_model, system, burn_in=burn_in, rack_rate_scale=rack_rate_scale
    )
    return compound_poisson_quantile(down, availability)


def _domains_down(
    accelerators: int,
    failure_model: FailureModel,
    system: System,
    *,
    burn_in: float = 1.0,
    rack_rate_scale: float = 1.0,
) -> dict[int, float]:
    """`spare_means` of one job size, as floats [domains]: the one computation behind
    `job_reliability`'s spares and `units_down_mean` and behind `spare_domains`."""
    means = spare_means(
        np.array([accelerators]), failure_model, system,
        burn_in=burn_in, rack_rate_scale=rack_rate_scale,
    )  # fmt: skip
    return {k: float(v[0]) for k, v in means.items()}


def spare_means(
    accelerators: Any,
    failure_model: FailureModel,
    system: System,
    *,
    burn_in: float = 1.0,
    rack_rate_scale: float = 1.0,
) -> dict[int, np.ndarray]:
    """Mean failure domains under repair at once for jobs of each size in `accelerators`, by
    domains lost per event (`failures.units_down_mean`, vectorised over the sizes: one
    evaluation of the rates for a whole size grid) [domains]."""
    n = np.asarray(accelerators, dtype=float)
    ints = interruptions(failure_model, system, n, burn_in, rack_rate_scale=rack_rate_scale)
    return units_down_mean(failure_model, JobFootprint.of(1, system), ints.by_cause)


def monte_carlo(
    result: ReliabilityResult, trials: int, rng: np.random.Generator
) -> MonteCarloResult:
    """`trials` Monte Carlo timelines of the job `result` describes, drawn from `rng`."""
    return simulate_job(
        result.accelerators,
        result.timeline(),
        (result.failure_per_s, result.planned_per_s),
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
    policy: str | None = None
    model: str | None = None
    checkpoint_s: Annotated[float, Field(ge=0, le=MAX_CHECKPOINT_S)] | None = None
    restart_s: Annotated[float, Field(ge=0, le=MAX_RESTART_S)] | None = None
    interval_s: Annotated[float, Field(gt=0, le=MAX_DAYS * S_PER_DAY)] | None = None
    trials: Annotated[int, Field(ge=0, le=MAX_TRIALS)] = 0
    seed: Annotated[int, Field(ge=0)] = 0
    fleet_age_months: Annotated[float, Field(ge=0, le=1200)] | None = None
    availability: Annotated[float, Field(gt=0, lt=1)] | None = None

    @model_validator(mode="after")
    def _seed_needs_trials(self) -> ReliabilityRequest:
        if "seed" in self.model_fields_set and self.trials == 0:
            raise InputError(
                "applies to the Monte Carlo: give {trials} K too (without trials only the "
                "closed forms are computed)",
                field="seed",
                refs=("trials",),
            )
        return self


def rack_bound(r: ReliabilityResult, rack_sla: float | None) -> tuple[float | None, int | None]:
    """(the model's rack availability, the spare racks a rack-uptime SLA bounds) when the
    failure domain is the rack (NVL72-class), else (None, None). A rack up at least the SLA's
    share of the time leaves at most racks x (1 - SLA) down on average; the bound is the
    Poisson quantile of that mean at the spares' availability target."""
    fp = r.footprint
    if rack_sla is None or fp.failure_domain != fp.accelerators_per_rack or fp.racks < 1:
        return None, None
    availability = 1.0 - r.units_down_mean / fp.racks
    if r.spares_availability is None:
        return availability, None
    mean_down = fp.racks * (1.0 - rack_sla)
    return availability, compound_poisson_quantile({1: mean_down}, r.spares_availability)


@dataclass(frozen=True)
class ReliabilityReport:
    """What `gigawatt reliability` prints: the closed forms, the Monte Carlo, the inputs."""

    request: ReliabilityRequest
    result: ReliabilityResult
    monte_carlo: MonteCarloResult | None
    note: str | None
    #: recovery pressure above which Kokolis' ETTR departs from Daly's goodput by more than a
    #: few per cent (catalog `ettr-recovery-pressure-limit`)
    ettr_pressure_limit: float = math.inf
    #: rack-level uptime that providers guarantee (catalog `rack-uptime-sla`); None: not used
    rack_sla: float | None = None

    def rack_bound(self) -> tuple[float | None, int | None]:
        """`rack_bound` of this job at the catalog's rack-uptime SLA."""
        return rack_bound(self.result, self.rack_sla)

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of DESIGN.md section 7 plus extra keys (units in the names).

        `days` (and `compute_days`) is the failure-free compute time asked for; the job takes
        `wall_time_s` (`wall_time_days`) with its checkpoints, restarts and rework."""
        r = self.result
        rec = r.curve.recovery
        out: dict[str, Any] = {
            "gpus": r.accelerators,
            "days": r.duration_s / S_PER_DAY,
            "compute_days": r.duration_s / S_PER_DAY,
            "system": r.system,
            "failure_model": r.failure_model,
            "policy": r.plan.policy.id,
            "checkpoint_method": r.plan.policy.checkpoint,
            "storage_tier": r.plan.tier.id,
            "model": r.plan.model,
            "checkpoint_bytes": r.plan.checkpoint_bytes,
            "failure_domain": r.footprint.failure_domain,
            "accelerators_per_node": r.footprint.accelerators_per_node,
            "nodes": r.footprint.nodes,
            "racks": r.footprint.racks,
            "checkpoint_s": r.checkpoint_s,
            "persist_s": r.persist_s,
            "restart_s": r.restart_s,
            "restart_fixed_s": float(rec.restart_fixed_s[0]),
            "restart_init_s": float(rec.init_s[0]),
            "restart_load_s": float(rec.load_s[0]),
            "fleet_age_months": self.request.fleet_age_months,
            "burn_in_factor": r.burn_in_factor,
            "failure_rate_per_h": r.failure_per_s * S_PER_H,
            "planned_rate_per_h": r.planned_per_s * S_PER_H,
            "rates_per_h_by_cause": {k: v * S_PER_H for k, v in r.failure_per_s_by_cause.items()},
            "interruptions_by_cause": r.by_cause(),
            "job_mtbf_h": r.job_mtbf_s / S_PER_H,
            "job_mtti_h": r.job_mtti_s / S_PER_H,
            "young_interval_s": r.young_interval_s,
            "checkpoint_interval_s": r.daly_interval_s,
            "interval_used_s": r.interval_s,
            "wall_time_s": r.wall_time_s,
            "wall_time_days": r.wall_time_s / S_PER_DAY,
            "goodput": r.goodput,
            "ettr": r.ettr,
            "recovery_pressure": r.recovery_pressure,
            "ettr_valid": bool(r.recovery_pressure <= self.ettr_pressure_limit),
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
            "interruptions": None if mc is None else mc.failures + mc.planned,
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
        # added after the keys above (DESIGN.md section 7: add, never rename): how far the
        # inputs are measured (catalog `status` of the failure model and of the policy)
        out["failure_model_status"] = r.failure_model_status
        out["policy_status"] = r.plan.policy.status
        # NVL72-class racks: the model's rack availability and the SLA's bound on spare racks
        availability, bound = self.rack_bound()
        out["rack_availability"] = availability
        out["rack_uptime_sla"] = self.rack_sla if availability is not None else None
        out["spares_sla_bound"] = bound
        # added after the keys above: where the lost wall time goes (closed form)
        lost = r.lost_time_s
        out["restart_time_s"] = lost["restart"]
        out["checkpoint_time_s"] = lost["checkpoint"]
        out["rework_time_s"] = lost["rework"]
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


def default_model_id(catalog: Catalog) -> str:
    """The model whose checkpoint a job saves when none is named: the capability model's
    reference workload (catalog `reference-workloads`, record `default`)."""
    return catalog.get("reference-workloads", "default").model  # type: ignore[attr-defined]


def default_plan(catalog: Catalog, system: System, model: str | None = None) -> RecoveryPlan:
    """The catalog's default policy on the system's storage tier, checkpointing `model`
    (default: the capability model's reference workload)."""
    record = catalog.model(model or default_model_id(catalog), field="model")
    return RecoveryPlan.of(catalog, system, record.id, Workload.from_model(record).params_total)


def reliability_report(
    catalog: Catalog, request: ReliabilityRequest | None = None, **inputs: Any
) -> ReliabilityReport:
    """The closed forms of a job and, with `trials` > 0, the Monte Carlo (seeded by `seed`);
    the job is a `ReliabilityRequest` or its fields (None values take the defaults)."""
    req = request or ReliabilityRequest(**{k: v for k, v in inputs.items() if v is not None})
    system = catalog.system(req.system, field="system")
    failure_model = resolve_failure_model(catalog, req.failure_model, system)
    model = catalog.model(req.model or default_model_id(catalog), field="model")
    params = Workload.from_model(model).params_total
    plan = RecoveryPlan.of(catalog, system, model.id, params, req.policy, field="policy")
    availability = req.availability
    if availability is None:
        availability = float(point(catalog.parameter(SPARES_AVAILABILITY_PARAMETER).value))
    limit = float(point(catalog.parameter(ETTR_PRESSURE_LIMIT_PARAMETER).value))
    sla = float(point(catalog.parameter(RACK_SLA_PARAMETER).value))
    result = job_reliability(
        req.gpus,
        req.days * S_PER_DAY,
        failure_model,
        system,
        plan,
        req.checkpoint_s,
        req.restart_s,
        interval_s=req.interval_s,
        fleet_age_months=req.fleet_age_months,
        spares_availability=availability,
    )
    if req.trials == 0:
        return ReliabilityReport(req, result, None, None, limit, sla)
    per_trial = expected_stretches(result.wall_time_s, result.interruption_per_s)
    if not per_trial <= MAX_STRETCHES:
        note = (
            f"Monte Carlo skipped: a trial would simulate about {per_trial:.3g} interruptions "
            f"(more than {MAX_STRETCHES:.0e}); the job practically never finishes"
        )
        return ReliabilityReport(req, result, None, note, limit, sla)
    if req.trials * per_trial > MAX_STRETCHES:
        most = int(MAX_STRETCHES // per_trial)
        raise InputError(
            f"{counted(req.trials, 'trial')} of this job simulate about "
            f"{req.trials * per_trial:.3g} "
            f"interruptions; at most {MAX_STRETCHES:.0e} are allowed (up to {most} trials here)",
            field="trials",
        )
    mc = monte_carlo(result, req.trials, np.random.default_rng(req.seed))
    return ReliabilityReport(req, result, mc, None, limit, sla)
