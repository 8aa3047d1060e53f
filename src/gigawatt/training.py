"""One training run end to end: plan, failures, energy, cost, thresholds (`gigawatt train`).

Given a model, a token count and a cluster, this chains the job-level models:

1. `perf.search`: the best parallelism plan that fits, its tokens/s and step time;
2. failure-free compute time T_s = tokens / (tokens/s);
3. `reliability.job_reliability`: Daly's expected wall time with the system's failure model
   and the catalog's default fault-tolerance policy (its checkpoint and restart costs for this
   model's checkpoint at this size) and Daly's interval rounded to a whole number of the
   plan's steps, at least one (a framework saves between steps); goodput = T_s / wall time;
4. accelerator-hours = N x wall time (failures included, DESIGN.md section 7);
5. `energy.footprint` for those accelerator-hours in the region;
6. cost (`gigawatt.costs`, docs/models/money.md) on a basis: `ownership` (default), the
   system's capex per accelerator (its catalog price, the facility and power per W) over each
   class's life, operations, and the run's energy at the region's price, the same figures the
   finance model uses; `market`, the market rate per accelerator-hour at the run's start (it
   includes energy); or a rental price the user gives;
7. `policy.check_training_run`: the thresholds the run's compute (PaLM model-FLOP convention:
   6 x active parameters + the attention term, per token) and cost cross, and when; a cost test
   prices compute on its own basis (market for the laws that set one), whatever basis the run's
   reported cost uses.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import FailureModel, Region, System
from gigawatt.costs import (
    CostParameters,
    HourlyCost,
    MarketRate,
    capacity_charge_at,
    market_rate,
    ownership_usd_per_accelerator_hour,
)
from gigawatt.distributions import point
from gigawatt.energy.footprint import DEFAULT_REGION, FootprintResult, job_footprint
from gigawatt.errors import InputError, did_you_mean
from gigawatt.perf import SearchResult, search
from gigawatt.perf.accuracy import Validation, validation_of
from gigawatt.perf.estimate import load_system
from gigawatt.perf.workload import FLOPS_PER_MAC, TRAINING_PASSES
from gigawatt.policy import ThresholdCheck, check_training_run, thresholds_crossed
from gigawatt.reliability import (
    RecoveryPlan,
    ReliabilityResult,
    job_reliability,
    job_size_limit,
    marginal_threshold,
)
from gigawatt.reliability.job import RACK_SLA_PARAMETER, SPARES_AVAILABILITY_PARAMETER, rack_bound
from gigawatt.units import H_PER_DAY, S_PER_H
from gigawatt.validation import decimal_comma_hint

if TYPE_CHECKING:
    from gigawatt.scenario import Scenario

#: Failure model of a system whose record names none.
DEFAULT_FAILURE_MODEL = "h100-class"
_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}


def parse_count(text: str, *, field: str) -> float:
    """`15.6e12`, `15.6T`, `400B` or `2M` as a number (K, M, B/G, T, P suffixes); a signed one
    is read, so that `-15T` is told it must be > 0 rather than that it is no number."""
    m = re.fullmatch(r"\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKmMbBgGtTpP]?)\s*", text)
    if not m:
        number = re.sub(r"[kKmMbBgGtTpP]\s*$", "", text)
        hint = decimal_comma_hint(number)  # `1,5T`: the number meant, with its suffix
        hint = f"{hint[:-1]}{text.strip()[len(number.strip()) :]})" if hint else ""
        raise InputError(
            f"{text!r} is not allowed: expected a number like 15.6e12 or 15.6T{hint}",
            field=field,
        )
    value = float(m.group(1)) * _SUFFIX[m.group(2).lower()]
    if not math.isfinite(value):  # `1e999` overflows to inf: say what the user wrote
        raise InputError(f"{text!r} is not allowed: must be a finite number", field=field)
    if value <= 0:
        raise InputError(f"{text!r} is not allowed: must be > 0", field=field)
    return value


COST_BASES = ("ownership", "market")


@dataclass(frozen=True)
class RunCosts:
    """A run's cost on each basis [USD] and the rates behind them [USD per accelerator-hour]."""

    gpu_hours: float
    ownership: HourlyCost
    market: MarketRate
    rental_usd_per_gpu_hour: float | None = None
    #: why the energy's capacity charge (PJM's) is a price held flat: the start month is after
    #: the last cleared delivery year (`costs.CapacityCharge.caveat`); None otherwise
    capacity_caveat: str | None = None

    @property
    def ownership_usd(self) -> float:
        return self.gpu_hours * self.ownership.total

    @property
    def market_usd(self) -> float:
        """At the user's rental price when given (their market), else the catalog's rate."""
        rate = self.rental_usd_per_gpu_hour
        return self.gpu_hours * (self.market.usd_per_hour if rate is None else rate)

    def by_basis(self) -> dict[str, float]:
        return {"ownership": self.ownership_usd, "market": self.market_usd}

    def basis(self, requested: str) -> str:
        return "rental" if self.rental_usd_per_gpu_hour is not None else requested

    def usd(self, requested: str) -> float:
        return self.ownership_usd if self.basis(requested) == "ownership" else self.market_usd

    def usd_per_gpu_hour(self, requested: str) -> float:
        return self.usd(requested) / self.gpu_hours if self.gpu_hours > 0 else 0.0

    def detail(self, requested: str, system: System, region: Region) -> str:
        """How the cost was reckoned, in words; the energy's region names its power price when
        that price is an estimate (`costs.power_price_caveats`), as the systems' status is named."""
        basis = self.basis(requested)
        if basis == "rental":
            return f"rental at USD {self.rental_usd_per_gpu_hour:g} per accelerator-hour"
        if basis == "market":
            return self.market.detail
        h = self.ownership
        return (
            f"ownership: USD {h.total:.2f} per accelerator-hour = systems {h.systems:.2f} "
            f"(USD {system.price_usd_per_accelerator:,.0f} per accelerator, "
            f"{system.price.status}, {system.price.as_of:%Y-%m}) + facility {h.facility:.2f} "
            f"+ power {h.power:.2f} straight-line over their lives (no cost of capital) + "
            f"operations {h.operations:.2f} + energy "
            f"{h.energy:.2f} ({region.id}{_estimated_price(region)})"
        )


def _estimated_price(region: Region) -> str:
    """`, USD 80 per MWh, estimate` when the region's power price has status estimate."""
    if (region.field_status or {}).get("power_price_usd_per_mwh") != "estimate":
        return ""
    return f", USD {region.power_price_usd_per_mwh:g} per MWh, estimate"


def run_costs(
    catalog: Catalog,
    system: System,
    gpu_hours: float,
    energy_mwh: float,
    region_id: str,
    pue: float,
    *,
    start: dt.date | None = None,
    rental_usd_per_gpu_hour: float | None = None,
    params: CostParameters | None = None,
    scenario: Scenario | None = None,
) -> RunCosts:
    """A run's cost on every basis: ownership (capex over lives, operations, the run's energy
    at the region's price) and market (the rate at `start`; the user's rental price if given).
    A `scenario`'s `costs` overrides of the capacity charge's records apply, as in finance."""
    params = params or CostParameters.of(catalog)
    # the region's power price, plus its capacity charge per MWh drawn (PJM's, that of the
    # start month's delivery year; without a start the current one), as finance bills
    where = "" if start is None else f" (a run starting {start:%Y-%m})"
    capacity = capacity_charge_at(catalog, region_id, start, scenario, where)
    price_mwh = (
        catalog.region(region_id).power_price_usd_per_mwh + capacity.usd_per_mw_day / H_PER_DAY
    )
    energy_per_h = energy_mwh * price_mwh / gpu_hours if gpu_hours > 0 else 0.0
    return RunCosts(
        gpu_hours=gpu_hours,
        ownership=ownership_usd_per_accelerator_hour(system, pue, params, energy_per_h),
        market=market_rate(catalog, system, start),
        rental_usd_per_gpu_hour=rental_usd_per_gpu_hour,
        capacity_caveat=capacity.caveat,
    )


@dataclass(frozen=True)
class RunBand:
    """A run's wall time and what scales with it, (low, high) at the two ends of the step
    time's validated band (`Validation.time_band`): the same run re-timed with its step time
    at the class's 10th and 90th percentile errors, the failure model, policy, energy per
    accelerator-hour and cost rates held. It carries the perf model's error only, not the
    uncertainty of the failure rates or the prices."""

    wall_time_s: tuple[float, float]
    gpu_hours: tuple[float, float]
    energy_mwh: tuple[float, float]
    cost_usd: tuple[float, float]

    def to_json(self) -> dict[str, list[float]]:
        return {
            "wall_time_band_s": list(self.wall_time_s),
            "gpu_hours_band": list(self.gpu_hours),
            "energy_mwh_band": list(self.energy_mwh),
            "cost_usd_band": list(self.cost_usd),
        }

    @staticmethod
    def null_json() -> dict[str, None]:
        return {k: None for k in ("wall_time_band_s", "gpu_hours_band", "energy_mwh_band",
                                  "cost_usd_band")}  # fmt: skip


@dataclass(frozen=True)
class TrainingResult:
    """A training run: the perf search's best plan plus time, energy, cost and thresholds."""

    tokens: float
    perf: SearchResult
    reliability: ReliabilityResult | None
    footprint: FootprintResult | None
    training_flop: float
    compute_time_s: float | None
    wall_time_s: float | None
    gpu_hours: float | None
    cost_usd: float | None
    cost_basis: str
    checks: list[ThresholdCheck]
    cost_detail: str | None = None
    costs: RunCosts | None = None
    #: The step time's validation class and band (docs/models/perf.md, "How far to trust a
    #: step time"); None when no plan fits.
    validation: Validation | None = None
    #: The job-size limit among jobs of at most the accelerators the plan uses, for this
    #: run's compute time and policy (`reliability.job_size_limit`, the rule capability uses
    #: for the largest run); None when no plan fits.
    job_size_limit: int | None = None
    marginal_threshold: float | None = None
    #: The run at the two ends of the step time's validated band (`RunBand`); None when the
    #: step time has no band or no plan fits.
    band: RunBand | None = None
    #: Rack-level uptime providers guarantee (catalog `rack-uptime-sla`): bounds the spare
    #: racks of an NVL72-class job from the other side (`reliability.rack_bound`).
    rack_sla: float | None = None
    #: The accelerators' age at the run's start [months] (burn-in); None: a mature fleet.
    fleet_age_months: float | None = None

    @property
    def compute_time_band_s(self) -> tuple[float, float] | None:
        """Failure-free compute time at the two ends of the step time's validated band: it is
        steps x step time, so it scales with the step time exactly."""
        if self.validation is None or self.compute_time_s is None:
            return None
        return self.validation.time_band(self.compute_time_s)

    def to_json(self) -> dict[str, Any]:
        """The `gigawatt train --json` object: perf's keys plus the run's."""
        fp = self.footprint
        rel = self.reliability
        perf = self.perf.to_json()
        return {
            **perf,
            "tokens": self.tokens,
            "training_flop": self.training_flop,
            "compute_time_s": self.compute_time_s,
            "goodput": rel.goodput if rel else None,
            "wall_time_s": self.wall_time_s,
            "interruptions_expected": rel.failures_expected + rel.planned_expected if rel else None,
            "checkpoint_interval_s": rel.interval_s if rel else None,
            "failure_model": rel.failure_model if rel else None,
            "fault_tolerance": rel.plan.policy.id if rel else None,
            "gpu_hours": self.gpu_hours,
            "energy_mwh": fp.energy_mwh if fp else None,
            "co2e_t": fp.co2e_t if fp else None,
            "co2e_market_t": fp.co2e_market_t if fp else None,
            "water_m3": fp.water_m3 if fp else None,
            "grid_gco2_per_kwh_used": fp.grid_gco2_per_kwh_used if fp else None,
            "grid_source": fp.grid_source if fp else None,
            "cost_usd": self.cost_usd,
            "cost_basis": self.cost_basis,
            "cost_detail": self.cost_detail,
            "cost_usd_per_gpu_hour": (
                self.cost_usd / self.gpu_hours
                if self.cost_usd is not None and self.gpu_hours
                else None
            ),
            "cost_usd_ownership": self.costs.ownership_usd if self.costs else None,
            "cost_usd_market": self.costs.market_usd if self.costs else None,
            "thresholds_crossed": thresholds_crossed(self.checks),
            "thresholds": [c.as_dict() for c in self.checks],
            "validation": self.validation.to_json() if self.validation else None,
            "compute_time_band_s": list(band) if (band := self.compute_time_band_s) else None,
            # added after the keys above: the provenance of the reliability inputs
            "failure_model_status": rel.failure_model_status if rel else None,
            "policy_status": rel.plan.policy.status if rel else None,
            "job_size_limit_accelerators": self.job_size_limit,
            "marginal_threshold": self.marginal_threshold,
            "checkpoint_interval_steps": (
                round(rel.interval_s / self.perf.best.step_time_s)
                if rel and self.perf.best
                else None
            ),
            # added after the keys above: the month the market rate is for and, when that
            # month is outside the months its records cover, the caveat that it is held flat
            "market_rate_month": self.costs.market.as_of_month if self.costs else None,
            "market_rate_caveat": self.costs.market.caveat if self.costs else None,
            # added after the keys above: why the energy's capacity charge (PJM's) is the last
            # cleared delivery year's price held flat, when the start is after it
            "capacity_charge_caveat": self.costs.capacity_caveat if self.costs else None,
            # added after the keys above: the wall time and what scales with it at the two
            # ends of the step time's validated band (failure rates and costs held)
            **(self.band.to_json() if self.band else RunBand.null_json()),
            # added after the keys above: interruptions' mean spacing and the spare pool
            **self._spares_json(),
            # added after the keys above: the compute as developers usually publish it, 6 x
            # active parameters x tokens (`training_flop` adds the attention term in full)
            "training_flop_6nd": (
                TRAINING_PASSES * FLOPS_PER_MAC * perf["params_active"] * self.tokens
                if perf["params_active"]
                else None
            ),
        }

    def _spares_json(self) -> dict[str, Any]:
        """The policy's checkpoint and restart costs at this size, the burn-in factor of the
        failure rates (1: a mature fleet) and the fleet age that gives it, how often the job is
        interrupted, and the spare failure domains that keep it at full size while failed ones
        are repaired (`gigawatt reliability`'s figures for this job). `gpu_hours` and
        `cost_usd` count the accelerators asked for: whole failure domains among those the
        plan leaves idle (`idle_spares`) can serve as spares; the rest of the pool is outside
        them (`spare_gpu_hours`: those held for the wall time)."""
        rel = self.reliability
        if rel is None or rel.spares is None or self.wall_time_s is None:
            return {
                "restart_time_s": rel.lost_time_s["restart"] if rel else None,
                "checkpoint_time_s": rel.lost_time_s["checkpoint"] if rel else None,
                "rework_time_s": rel.lost_time_s["rework"] if rel else None,
                "checkpoint_s": rel.checkpoint_s if rel else None,
                "restart_s": rel.restart_s if rel else None,
                "burn_in_factor": rel.burn_in_factor if rel else None,
                "fleet_age_months": self.fleet_age_months,
                "job_mtti_h": rel.job_mtti_s / S_PER_H if rel else None,
                "failure_domain": None,
                "spares": None,
                "spare_accelerators": None,
                "spares_availability": None,
                "spare_gpu_hours": None,
                "spares_sla_bound": None,
                "idle_spares": None,
            }
        domain = rel.footprint.failure_domain
        spare_accelerators = rel.spares * domain
        # whole domains of the allocation the job does not touch (it owns every one it does)
        idle = max(self.perf.gpus // domain - -(-rel.accelerators // domain), 0)
        held = min(idle, rel.spares)
        lost = rel.lost_time_s
        return {
            "restart_time_s": lost["restart"],
            "checkpoint_time_s": lost["checkpoint"],
            "rework_time_s": lost["rework"],
            "checkpoint_s": rel.checkpoint_s,
            "restart_s": rel.restart_s,
            "burn_in_factor": rel.burn_in_factor,
            "fleet_age_months": self.fleet_age_months,
            "job_mtti_h": rel.job_mtti_s / S_PER_H,
            "failure_domain": rel.footprint.failure_domain,
            "spares": rel.spares,
            "spare_accelerators": spare_accelerators,
            "spares_availability": rel.spares_availability,
            "spare_gpu_hours": (rel.spares - held) * domain * self.wall_time_s / S_PER_H,
            "spares_sla_bound": rack_bound(rel, self.rack_sla)[1],
            "idle_spares": held,
        }


def plan_training(
    model: str,
    tokens: float,
    system: str,
    gpus: int,
    *,
    precision: str | None = None,
    region: str | None = None,
    cost_usd_per_gpu_hour: float | None = None,
    cost_basis: str | None = None,
    start: dt.date | None = None,
    fixed: dict[str, Any] | None = None,
    seq_len: int | None = None,
    policy: str | None = None,
    framework: str | None = None,
    fleet_age_months: float | None = None,
    catalog: Catalog | None = None,
) -> TrainingResult:
    """Plan and cost a run of `tokens` tokens of `model` on `gpus` accelerators of `system`,
    under the fault-tolerance `policy` (default: the catalog's default).

    `cost_basis` is `ownership` (default) or `market`; a rental `cost_usd_per_gpu_hour` is a
    basis of its own and cannot be combined with one. `seq_len` [tokens] defaults to the
    model record's. `fleet_age_months`: the age of the accelerators at the run's start (their
    failure model's burn-in raises the hardware rates while they are young); None, a mature
    fleet.
    """
    cat = catalog or Catalog.load()
    if not tokens > 0:
        raise InputError(f"{tokens!r} is not allowed: must be > 0", field="tokens")
    if cost_usd_per_gpu_hour is not None and not cost_usd_per_gpu_hour >= 0:
        raise InputError(
            f"{cost_usd_per_gpu_hour!r} is not allowed: must be >= 0",
            field="cost_usd_per_gpu_hour",
        )
    if cost_basis is not None and cost_basis not in COST_BASES:
        raise InputError(
            f"{cost_basis!r} is not allowed; allowed: {', '.join(COST_BASES)}"
            + did_you_mean(cost_basis, COST_BASES),
            field="cost_basis",
        )
    if cost_basis is not None and cost_usd_per_gpu_hour is not None:
        raise InputError(
            "a rental price is its own cost basis; give {cost_basis} or "
            "{cost_usd_per_gpu_hour}, not both",
            field="cost_basis",
            refs=("cost_basis", "cost_usd_per_gpu_hour"),
        )
    requested = cost_basis or "ownership"
    region_id = cat.region(region, field="region").id if region else DEFAULT_REGION
    sys_rec = load_system(system, cat)
    found = search(
        model,
        sys_rec,
        gpus,
        fixed=fixed,
        seq_len=seq_len,
        precision=precision,
        framework=framework,
        catalog=cat,
    )
    best = found.best
    training_flop = found.model_flops_per_token * tokens
    if not found.fits or best is None:
        checks = check_training_run(cat, training_flop, start=start)
        return TrainingResult(
            tokens,
            found,
            None,
            None,
            training_flop,
            None,
            None,
            None,
            None,
            "rental" if cost_usd_per_gpu_hour is not None else requested,
            checks,
            cost_detail="no plan fits",
        )

    compute_s = tokens / best.tokens_per_s
    fm = cat.failure_model(sys_rec.failure_model or DEFAULT_FAILURE_MODEL)
    plan = RecoveryPlan.of(cat, sys_rec, best.model, best.params_total, policy, field="policy")
    availability = float(point(cat.parameter(SPARES_AVAILABILITY_PARAMETER).value))
    rel = job_reliability(
        found.gpus_used,
        compute_s,
        fm,
        sys_rec,
        plan,
        step_s=best.step_time_s,
        spares_availability=availability,
        fleet_age_months=fleet_age_months,
    )
    threshold = marginal_threshold(cat)
    limit = job_size_limit(
        found.gpus_used,
        compute_s,
        fm,
        sys_rec,
        plan,
        threshold,
        include_max=True,
        burn_in=rel.burn_in_factor,
    )
    # Accelerators a job leaves idle (no split uses them) are still paid for.
    gpu_hours = gpus * rel.wall_time_s / S_PER_H
    fp = job_footprint(cat, system=sys_rec.id, gpu_hours=gpu_hours, region=region_id)

    costs = run_costs(
        cat,
        sys_rec,
        gpu_hours,
        fp.energy_mwh,
        region_id,
        fp.pue,
        start=start,
        rental_usd_per_gpu_hour=cost_usd_per_gpu_hour,
    )
    checks = check_training_run(
        cat, training_flop, start=start, duration_s=rel.wall_time_s, cost_usd=costs.by_basis()
    )
    validation = validation_of(best, cat)
    band = None
    if validation is not None and (factors := validation.factors) is not None:
        band = _run_band(
            factors, compute_s, best.step_time_s, gpus, found.gpus_used, fm, sys_rec, plan,
            region_id, costs, requested, cat, fleet_age_months,
        )  # fmt: skip
    return TrainingResult(
        tokens=tokens,
        perf=found,
        reliability=rel,
        footprint=fp,
        training_flop=training_flop,
        compute_time_s=compute_s,
        wall_time_s=rel.wall_time_s,
        gpu_hours=gpu_hours,
        cost_usd=costs.usd(requested),
        cost_basis=costs.basis(requested),
        checks=checks,
        cost_detail=costs.detail(requested, sys_rec, cat.region(region_id)),
        costs=costs,
        validation=validation,
        job_size_limit=limit,
        marginal_threshold=threshold,
        band=band,
        rack_sla=float(point(cat.parameter(RACK_SLA_PARAMETER).value)),
        fleet_age_months=fleet_age_months,
    )


def _run_band(
    factors: tuple[float, float],
    compute_s: float,
    step_s: float,
    gpus: int,
    gpus_used: int,
    failure_model: FailureModel,
    system: System,
    plan: RecoveryPlan,
    region_id: str,
    costs: RunCosts,
    requested: str,
    catalog: Catalog,
    fleet_age_months: float | None = None,
) -> RunBand | None:
    """The run re-timed at the step time's band `factors` (low, high multipliers of the step
    time): Daly's wall time of the same job with the compute time and step time scaled (the
    checkpoint interval is re-rounded to whole steps), N x that wall time, its energy in the
    region and its cost at the same rates. None when an end is past the longest job the
    reliability model takes, or never finishes."""
    walls, hours, energy, cost = [], [], [], []
    for f in factors:
        try:
            rel = job_reliability(
                gpus_used,
                compute_s * f,
                failure_model,
                system,
                plan,
                step_s=step_s * f,
                fleet_age_months=fleet_age_months,
            )
        except InputError:
            return None
        if not math.isfinite(rel.wall_time_s):
            return None
        h = gpus * rel.wall_time_s / S_PER_H
        walls.append(rel.wall_time_s)
        hours.append(h)
        energy.append(
            job_footprint(catalog, system=system.id, gpu_hours=h, region=region_id).energy_mwh
        )
        cost.append(replace(costs, gpu_hours=h).usd(requested))
    return RunBand(
        (walls[0], walls[1]), (hours[0], hours[1]), (energy[0], energy[1]), (cost[0], cost[1])
    )
