"""The job-size limit: the largest job worth launching under a fault-tolerance policy, one rule
for the capability model (the largest run of a group of accelerators) and `gigawatt train`
(whether the job asked for is past it). docs/models/capability.md, "Operating point".

With U(N) = N x goodput(N) the useful accelerator-time of a job of N accelerators, the marginal
efficiency e(N) = d ln U / d ln N (`JobCurve.marginal_efficiency`) is what the last
accelerator adds relative to the average one. The limit of jobs of at most N_max accelerators
is the largest size on the grid `job_sizes(N_max, failure domain)` up to which e stays at or
above the catalog's threshold (`operating-point-marginal-efficiency`, set against the 90-97 %
effective training time of published frontier runs: Dubey et al. 2024, section 3.3.4; Jiang et
al., MegaScale, NSDI '24; Wan et al., ByteRobust, SOSP '25).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import FailureModel, System
from gigawatt.distributions import point
from gigawatt.reliability.job import RecoveryPlan, job_curve

#: Job sizes tried per doubling of the accelerator count (2.2 % apart): a resolution of the
#: search over job sizes, not a model input.
SIZES_PER_DOUBLING = 32
#: The catalog parameter (kind `capability`) holding the marginal-efficiency threshold.
THRESHOLD_PARAMETER = "operating-point-marginal-efficiency"


@lru_cache(maxsize=4096)
def job_sizes(max_accelerators: int, quantum: int) -> np.ndarray:
    """Job sizes tried up to `max_accelerators`: SIZES_PER_DOUBLING per doubling (powers of two
    exactly), rounded down to whole failure domains of `quantum` accelerators once that large.
    Cached (every month of every sample asks again): the array is read-only."""
    # one grid whatever the maximum (the rounding down may bring a size just above it in)
    top = math.floor(math.log2(max(max_accelerators, 1) + quantum) * SIZES_PER_DOUBLING + 1e-9)
    raw = np.floor(np.exp2(np.arange(top + 1) / SIZES_PER_DOUBLING) + 1e-9)
    sizes = np.where(raw >= quantum, np.floor(raw / quantum) * quantum, raw)
    out = np.unique(sizes[sizes <= max(max_accelerators, 1)]).astype(np.int64)
    out.flags.writeable = False
    return out


def marginal_threshold(catalog: Catalog) -> float:
    """The catalog's marginal-efficiency threshold (a plain run's point value) [fraction]."""
    return float(point(catalog.get("capability", THRESHOLD_PARAMETER).value))  # type: ignore[attr-defined]


def efficient_limit(sizes: np.ndarray, marginal_efficiency: np.ndarray, threshold: float) -> int:
    """The largest of `sizes` (sorted, distinct) up to which every size's marginal efficiency
    is at or above `threshold`; the smallest size when the first is already below it."""
    below = np.flatnonzero(np.asarray(marginal_efficiency) < threshold)
    return int(sizes[-1] if not len(below) else sizes[max(int(below[0]) - 1, 0)])


def job_size_limit(
    max_accelerators: int,
    duration_s: float,
    failure_model: FailureModel,
    system: System,
    plan: RecoveryPlan,
    threshold: float,
    *,
    include_max: bool = False,
    **scales: float,
) -> int:
    """The job-size limit among jobs of at most `max_accelerators` of `system` needing
    `duration_s` of compute under `plan` (`efficient_limit` on the `job_sizes` grid, with the
    goodput of `job_curve`; `scales` are its sensitivity knobs) [accelerators].

    The capability model's jobs are grid sizes; `include_max` adds `max_accelerators` itself
    to the grid, for a job of any size (`gigawatt train`), so that a job that is efficient
    throughout has itself as its limit."""
    sizes = job_sizes(int(max_accelerators), system.failure_domain)
    if include_max:
        sizes = np.unique(np.append(sizes, int(max_accelerators)))
    curve = job_curve(sizes, duration_s, failure_model, system, plan, **scales)
    return efficient_limit(sizes, curve.marginal_efficiency, threshold)
