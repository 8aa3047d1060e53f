"""A job's footprint, burn-in, spares and user failure models.

A failure model (catalog kind `failures`) gives job-interrupting events per accelerator-hour by
cause, each with a scope: `accelerator` and `job` events scale with the job's accelerators,
`node` and `rack` events with the whole nodes and racks the job occupies (a 4-accelerator job
on 8-accelerator nodes still owns one node). A rack-scale process (`rack_failures_per_rack_month`,
e.g. an NVL72 scale-up fabric) adds whole-rack events. Every cause is a Poisson process; their
sum is the job's failure process (superposition); `recovery.interruptions` computes the rates.
Planned maintenance is a separate process per job-day that loses no work. A new fleet runs at
`burn_in_multiplier` x the hardware rates for its first `burn_in_months`.

Spares follow from the same rates: a hardware event takes a failure domain (the system's
`failure_domain`: a node, or an NVL72 rack) out for a lognormal repair time; the number of units
down at once is Poisson (an M/G/infinity queue), and the spares for an availability target are
its quantile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from gigawatt.catalog.schema import FailureModel, System
from gigawatt.errors import InputError
from gigawatt.units import S_PER_MONTH
from gigawatt.validation import format_validation_error
from gigawatt.yamlio import read_data_file

RACK_CAUSE = "rack-scale-up-fabric"
RACK_CATEGORY = "rack"
HARDWARE_SCOPES = ("accelerator", "node", "rack")


@dataclass(frozen=True)
class JobFootprint:
    """What a job of `accelerators` occupies on a system: nodes, racks, failure domains."""

    accelerators: int
    nodes: int
    racks: int
    domains: int
    accelerators_per_node: int
    accelerators_per_rack: int
    failure_domain: int

    @classmethod
    def of(cls, accelerators: int, system: System) -> JobFootprint:
        n = int(accelerators)
        return cls(
            accelerators=n,
            nodes=math.ceil(n / system.accelerators_per_node),
            racks=math.ceil(n / system.accelerators_per_rack),
            domains=math.ceil(n / system.failure_domain),
            accelerators_per_node=system.accelerators_per_node,
            accelerators_per_rack=system.accelerators_per_rack,
            failure_domain=system.failure_domain,
        )

    def units(self, scope: str) -> int:
        """Accelerators whose per-accelerator rate a cause of this scope is multiplied by."""
        if scope == "node":
            return self.nodes * self.accelerators_per_node
        if scope == "rack":
            return self.racks * self.accelerators_per_rack
        return self.accelerators  # accelerator and job scope


def burn_in_factor(model: FailureModel, fleet_age_months: float | None, duration_s: float) -> float:
    """Mean hardware-rate multiplier over a job that starts at `fleet_age_months` [ratio].

    The fleet runs at `burn_in_multiplier` x its rates until it is `burn_in_months` old (a step,
    the catalog's failure-model record gives the multiplier, duration and their status),
    averaged over the job's failure-free duration. None means a mature fleet (factor 1).
    """
    if fleet_age_months is None or model.burn_in_multiplier == 1.0 or duration_s <= 0:
        return 1.0
    start_s = fleet_age_months * S_PER_MONTH
    end_s = model.burn_in_months * S_PER_MONTH
    overlap_s = min(max(end_s - start_s, 0.0), duration_s)
    return 1.0 + (model.burn_in_multiplier - 1.0) * overlap_s / duration_s


def lognormal_mean(median: float, sigma: float) -> float:
    """Mean of a lognormal with this median and sigma of ln x: median e^{sigma^2 / 2}."""
    return median * math.exp(sigma * sigma / 2.0)


def units_down_mean(
    model: FailureModel, footprint: JobFootprint, rates: dict[str, Any]
) -> dict[int, Any]:
    """Mean failure-domain units under repair at once, by units lost per event [units]
    (floats, or arrays of the rates' shape).

    Little's law per cause: events/s (`rates`, by cause) x hardware share x mean repair time.
    Accelerator- and node-scope events take out one failure domain; rack-scope events a whole
    rack, i.e. accelerators_per_rack / failure_domain domains (at least one). Transient events
    (reset, reboot) are back within the restart and need no spare. Keys: domains lost per event.
    """
    per_rack = max(1, round(footprint.accelerators_per_rack / footprint.failure_domain))
    out: dict[int, Any] = {}
    for c in model.causes:
        if c.scope not in HARDWARE_SCOPES:
            continue
        k = per_rack if c.scope == "rack" else 1
        mean_s = lognormal_mean(c.repair_median_s, c.repair_sigma)
        out[k] = out.get(k, 0.0) + rates[c.cause] * c.hardware_share * mean_s
    if RACK_CAUSE in rates:
        mean_s = lognormal_mean(model.rack_repair_median_s or 0.0, model.rack_repair_sigma or 0.0)
        out[per_rack] = out.get(per_rack, 0.0) + rates[RACK_CAUSE] * mean_s
    return out


def poisson_pmf(mean: float, size: int) -> np.ndarray:
    """P(X = k) for k = 0..size-1 of a Poisson(mean), via a cumulative sum of logs (no scipy)."""
    k = np.arange(size, dtype=float)
    if mean <= 0:
        return (k == 0).astype(float)
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(k[1:]))))
    return np.exp(k * math.log(mean) - mean - log_fact)


def poisson_quantile(mean: float, probability: float) -> int:
    """Smallest k with P(Poisson(mean) <= k) >= probability."""
    return compound_poisson_quantile({1: mean}, probability)


def compound_poisson_quantile(means: dict[int, float], probability: float) -> int:
    """Smallest k with P(sum_j j X_j <= k) >= probability, X_j ~ Poisson(means[j]) independent.

    The pmf of each term lives on a grid of multiples of j; the sum's pmf is their convolution.
    The grid reaches 12 standard deviations above the mean, so the tail beyond is negligible.
    """
    total_mean = sum(j * m for j, m in means.items())
    total_sd = math.sqrt(sum(j * j * m for j, m in means.items()))
    size = int(total_mean + 12.0 * total_sd + 2 * max(means, default=1) + 20)
    pmf: np.ndarray | None = None
    for j, m in means.items():
        term = np.zeros(size)
        term[::j] = poisson_pmf(m, len(term[::j]))
        pmf = term if pmf is None else _convolve(pmf, term)
    if pmf is None:
        return 0
    cdf = np.cumsum(pmf)
    return int(np.searchsorted(cdf, probability - 1e-12))


def _convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The first len(a) terms of the convolution of two pmfs (FFT: grids reach 1e4-1e5)."""
    n = 2 * a.size
    out = np.fft.irfft(np.fft.rfft(a, n) * np.fft.rfft(b, n), n)[: a.size]
    return np.clip(out, 0.0, None)


def load_failure_model(path: Path) -> FailureModel:
    """A user's failure model from a YAML/TOML file: one record, or a one-record list."""
    raw: Any = read_data_file(path)
    if isinstance(raw, dict) and "records" in raw:
        raw = raw["records"]
    if isinstance(raw, list):
        if len(raw) != 1:
            raise InputError(
                f"expected one failure model record, found {len(raw)}", field=str(path)
            )
        raw = raw[0]
    if not isinstance(raw, dict):
        raise InputError("expected a failure model record (a mapping)", field=str(path))
    try:
        return FailureModel.model_validate(raw)
    except ValidationError as e:
        raise InputError(format_validation_error(e, prefix=str(path))) from None
