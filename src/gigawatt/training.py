"""One training run end to end: plan, failures, energy, cost, thresholds (`gigawatt train`).

Given a model, a token count and a cluster, this chains the job-level models:

1. `perf.search`: the best parallelism plan that fits, its tokens/s and step time;
2. failure-free compute time T_s = tokens / (tokens/s);
3. `reliability.job_reliability`: Daly's expected wall time with the system's failure model,
   its default checkpoint and restart costs and Daly's interval; goodput = T_s / wall time;
4. accelerator-hours = N x wall time (failures included, DESIGN.md section 7);
5. `energy.footprint` for those accelerator-hours in the region;
6. cost: a rental price per accelerator-hour when given, else ownership: the system's price
   per accelerator over `depreciation-years-systems` (defaults.md: capex / (life x 8,760)) plus
   the energy at the region's industrial price;
7. `policy.check_training_run`: the thresholds the run's compute (PaLM model-FLOP convention:
   6 x active parameters + the attention term, per token) and cost cross, and when.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import System
from gigawatt.distributions import point
from gigawatt.energy.footprint import DEFAULT_REGION, FootprintResult, job_footprint
from gigawatt.errors import InputError
from gigawatt.perf import SearchResult, search
from gigawatt.perf.estimate import load_system
from gigawatt.policy import ThresholdCheck, check_training_run, thresholds_crossed
from gigawatt.reliability import ReliabilityResult, job_reliability

S_PER_H = 3600.0
H_PER_YEAR = 8760.0
#: Failure model of a system whose record names none.
DEFAULT_FAILURE_MODEL = "h100-class"
_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}


def parse_count(text: str, *, field: str) -> float:
    """`15.6e12`, `15.6T`, `400B` or `2M` as a number (K, M, B/G, T, P suffixes)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKmMbBgGtTpP]?)\s*", text)
    if not m:
        raise InputError(
            f"{text!r} is not allowed: expected a number like 15.6e12 or 15.6T", field=field
        )
    value = float(m.group(1)) * _SUFFIX[m.group(2).lower()]
    if value <= 0:
        raise InputError(f"{text!r} is not allowed: must be > 0", field=field)
    return value


def ownership_usd_per_accelerator_hour(catalog: Catalog, system: System) -> float:
    """Capex per accelerator-hour: system price / (life x 8,760 h) [USD/h] (defaults.md)."""
    life_years = float(point(catalog.parameter("depreciation-years-systems").value))
    return system.price_usd_per_accelerator / (life_years * H_PER_YEAR)


def run_cost_usd(
    catalog: Catalog,
    system: System,
    gpu_hours: float,
    energy_mwh: float,
    region_id: str,
    rental_usd_per_gpu_hour: float | None = None,
) -> tuple[float, str]:
    """A run's cost [USD] and its basis in words.

    A rental price per accelerator-hour when given; else ownership: the system's price per
    accelerator over `depreciation-years-systems` (defaults.md: capex / (life x 8,760)) plus the
    run's energy at the region's industrial price.
    """
    if rental_usd_per_gpu_hour is not None:
        return (
            gpu_hours * rental_usd_per_gpu_hour,
            f"rental at USD {rental_usd_per_gpu_hour:g} per accelerator-hour",
        )
    hourly = ownership_usd_per_accelerator_hour(catalog, system)
    price_mwh = catalog.region(region_id).power_price_usd_per_mwh
    life_years = float(point(catalog.parameter("depreciation-years-systems").value))
    basis = (
        f"ownership: system price USD {system.price_usd_per_accelerator:,.0f} per "
        f"accelerator over {life_years:g} years (USD {hourly:.2f}/h) plus energy at "
        f"USD {price_mwh:g}/MWh ({region_id})"
    )
    return gpu_hours * hourly + energy_mwh * price_mwh, basis


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

    def to_json(self) -> dict[str, Any]:
        """The `gigawatt train --json` object: perf's keys plus the run's."""
        fp = self.footprint
        rel = self.reliability
        return {
            **self.perf.to_json(),
            "tokens": self.tokens,
            "training_flop": self.training_flop,
            "compute_time_s": self.compute_time_s,
            "goodput": rel.goodput if rel else None,
            "wall_time_s": self.wall_time_s,
            "interruptions_expected": rel.failures_expected + rel.planned_expected if rel else None,
            "checkpoint_interval_s": rel.interval_s if rel else None,
            "failure_model": rel.failure_model if rel else None,
            "gpu_hours": self.gpu_hours,
            "energy_mwh": fp.energy_mwh if fp else None,
            "co2e_t": fp.co2e_t if fp else None,
            "co2e_market_t": fp.co2e_market_t if fp else None,
            "water_m3": fp.water_m3 if fp else None,
            "grid_gco2_per_kwh_used": fp.grid_gco2_per_kwh_used if fp else None,
            "grid_source": fp.grid_source if fp else None,
            "cost_usd": self.cost_usd,
            "cost_basis": self.cost_basis,
            "thresholds_crossed": thresholds_crossed(self.checks),
            "thresholds": [c.as_dict() for c in self.checks],
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
    start: dt.date | None = None,
    fixed: dict[str, Any] | None = None,
    framework: str | None = None,
    catalog: Catalog | None = None,
) -> TrainingResult:
    """Plan and cost a run of `tokens` tokens of `model` on `gpus` accelerators of `system`."""
    cat = catalog or Catalog.load()
    if not tokens > 0:
        raise InputError(f"{tokens!r} is not allowed: must be > 0", field="--tokens")
    if cost_usd_per_gpu_hour is not None and not cost_usd_per_gpu_hour >= 0:
        raise InputError(
            f"{cost_usd_per_gpu_hour!r} is not allowed: must be >= 0",
            field="--cost-usd-per-gpu-hour",
        )
    region_id = cat.region(region, field="--region").id if region else DEFAULT_REGION
    sys_rec = load_system(system, cat)
    found = search(
        model, sys_rec, gpus, fixed=fixed, precision=precision, framework=framework, catalog=cat
    )
    best = found.best
    training_flop = found.model_flops_per_token * tokens
    if not found.fits or best is None:
        checks = check_training_run(cat, training_flop, start=start)
        return TrainingResult(
            tokens, found, None, None, training_flop, None, None, None, None, "no plan fits", checks
        )

    compute_s = tokens / best.tokens_per_s
    fm = cat.failure_model(sys_rec.failure_model or DEFAULT_FAILURE_MODEL)
    rel = job_reliability(found.gpus_used, compute_s, fm, sys_rec)
    # Accelerators a job leaves idle (no split uses them) are still paid for.
    gpu_hours = gpus * rel.wall_time_s / S_PER_H
    fp = job_footprint(cat, system=sys_rec.id, gpu_hours=gpu_hours, region=region_id)

    cost, basis = run_cost_usd(
        cat, sys_rec, gpu_hours, fp.energy_mwh, region_id, cost_usd_per_gpu_hour
    )
    checks = check_training_run(
        cat, training_flop, start=start, duration_s=rel.wall_time_s, cost_usd=cost
    )
    return TrainingResult(
        tokens=tokens,
        perf=found,
        reliability=rel,
        footprint=fp,
        training_flop=training_flop,
        compute_time_s=compute_s,
        wall_time_s=rel.wall_time_s,
        gpu_hours=gpu_hours,
        cost_usd=cost,
        cost_basis=basis,
        checks=checks,
    )
