"""A fault-tolerance policy's costs for a job of N accelerators, and the job's interruptions
sorted by how the policy handles them.

Costs (catalog `fault-tolerance`, `storage-tiers`; docs/models/reliability.md section 3). A
checkpoint holds C = P x b bytes (P parameters, b bytes per parameter: 16-bit weights plus fp32
master weights and Adam moments, b = 14; Rajbhandari et al., ZeRO, SC '20, section 3.1). With
N accelerators, a storage tier of w (write) and r (read) bytes/s per accelerator, a snapshot
bandwidth s per accelerator and a scale-out bandwidth x per accelerator:

    blocking cost   delta = c0 + C / (N w)                      storage-sync
                    delta = c0 + (C / N) / s                    storage-async, memory
    lag to durable  P = C / (N w)  (storage-async),  (C / N) / x  (memory),  0  (sync)
    restart         R = R0 + I (N / N_I)^k + L,   L = C / (N r)  (from storage),
                                                  L = (C / N) / x  (from a peer's memory)

c0 is the policy's fixed checkpoint overhead, R0 its restart cost that does not grow with the
job (detection, replacement, launch), I (N / N_I)^k the process-group initialisation (Si et
al., NCCLX, arXiv:2510.20171; Jiang et al., MegaScale, NSDI '24). Every function broadcasts
over arrays of N.

Interruptions come in two classes: failures (lose the work since the last durable checkpoint,
then a restart R) and planned stops (the job saves on notice: no work lost, then a restart R).
Every catalog policy restarts the whole job on every failure: none published with numbers at
frontier scale absorbs a failure without a restart (docs/models/reliability.md section 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import FailureModel, FaultTolerancePolicy, StorageTier, System
from gigawatt.reliability.failures import HARDWARE_SCOPES, RACK_CATEGORY, RACK_CAUSE
from gigawatt.units import S_PER_DAY, S_PER_H, S_PER_MONTH

#: The catalog alias of the policy and of the storage tier used when none is named.
DEFAULT = "default"
FAILURE, PLANNED = "failure", "planned"
CLASSES = (FAILURE, PLANNED)
#: Whether each class loses the work since the last durable checkpoint.
LOSES_WORK = (True, False)


def resolve_policy(catalog: Catalog, ref: str | None, *, field: str) -> FaultTolerancePolicy:
    """A policy by id or alias; None means the catalog's `default`."""
    return catalog.fault_tolerance(DEFAULT if ref is None else ref, field=field)


def storage_tier_of(catalog: Catalog, system: System) -> StorageTier:
    """The storage tier the system names, else the catalog's `default`."""
    ref = system.storage_tier or DEFAULT
    return catalog.storage_tier(ref, field=f"systems[{system.id}].storage_tier")


def checkpoint_bytes(policy: FaultTolerancePolicy, params: float) -> float:
    """C = P x bytes per parameter [bytes]."""
    return float(params) * policy.checkpoint_bytes_per_param


@dataclass(frozen=True)
class Recovery:
    """A policy's costs for jobs of `accelerators` (arrays of the same shape) [s]."""

    policy: str
    storage_tier: str
    checkpoint_bytes: float
    accelerators: np.ndarray
    checkpoint_s: np.ndarray
    persist_s: np.ndarray
    restart_fixed_s: np.ndarray
    init_s: np.ndarray
    load_s: np.ndarray

    @property
    def restart_s(self) -> np.ndarray:
        return self.restart_fixed_s + self.init_s + self.load_s

    def at(self, i: int) -> dict[str, float]:
        """The costs of the i-th size as plain floats (JSON)."""
        return {
            "checkpoint_s": float(self.checkpoint_s.flat[i]),
            "persist_s": float(self.persist_s.flat[i]),
            "restart_s": float(self.restart_s.flat[i]),
            "restart_fixed_s": float(self.restart_fixed_s.flat[i]),
            "init_s": float(self.init_s.flat[i]),
            "load_s": float(self.load_s.flat[i]),
        }


def recovery_costs(
    policy: FaultTolerancePolicy,
    tier: StorageTier,
    system: System,
    checkpoint_bytes_: float,
    accelerators: Any,
    *,
    restart_scale: float = 1.0,
    bandwidth_scale: float = 1.0,
) -> Recovery:
    """The policy's checkpoint, lag and restart costs for jobs of `accelerators` (module doc).

    `restart_scale` multiplies R0 and the initialisation, `bandwidth_scale` every bandwidth
    (storage, snapshot, peer): the sensitivity knobs of the capability model, 1 otherwise.
    """
    n = np.maximum(np.asarray(accelerators, dtype=float), 1.0)
    per_acc = checkpoint_bytes_ / n
    write = tier.write_bytes_per_s_per_accelerator * bandwidth_scale
    read = tier.read_bytes_per_s_per_accelerator * bandwidth_scale
    peer = system.scale_out_bandwidth_bytes_per_s * bandwidth_scale
    to_storage = per_acc / write
    if policy.checkpoint == "storage-sync":
        blocking, persist = to_storage, np.zeros_like(n)
    else:
        snapshot = per_acc / (policy.snapshot_bandwidth_bytes_per_s or np.inf) / bandwidth_scale
        blocking = snapshot
        persist = to_storage if policy.checkpoint == "storage-async" else per_acc / peer
    load = per_acc / peer if policy.checkpoint == "memory" else per_acc / read
    init = policy.init_s * (n / policy.init_accelerators) ** policy.init_exponent
    return Recovery(
        policy=policy.id,
        storage_tier=tier.id,
        checkpoint_bytes=float(checkpoint_bytes_),
        accelerators=n,
        checkpoint_s=policy.checkpoint_fixed_s + blocking,
        persist_s=persist,
        restart_fixed_s=np.full_like(n, policy.restart_fixed_s * restart_scale),
        init_s=init * restart_scale,
        load_s=load,
    )


# --- interruptions by cause and class ------------------------------------------------------------


@dataclass(frozen=True)
class Interruptions:
    """A job's interrupting processes for sizes N [1/s]: failures by cause (with each cause's
    category and scope) and planned stops. Arrays have the shape of N."""

    by_cause: dict[str, np.ndarray]
    category: dict[str, str]
    scope: dict[str, str]
    planned_per_s: np.ndarray

    @property
    def failure_per_s(self) -> np.ndarray:
        return sum(self.by_cause.values(), np.zeros_like(self.planned_per_s))


def _units(scope: str, n: np.ndarray, system: System) -> np.ndarray:
    """Accelerators whose per-accelerator rate a cause of this scope is multiplied by: whole
    nodes or racks for those scopes (a job owns the node or rack it touches)."""
    if scope == "node":
        return np.ceil(n / system.accelerators_per_node) * system.accelerators_per_node
    if scope == "rack":
        return np.ceil(n / system.accelerators_per_rack) * system.accelerators_per_rack
    return n  # accelerator and job scope


def interruptions(
    model: FailureModel,
    system: System,
    accelerators: Any,
    burn_in: float = 1.0,
    *,
    rack_rate_scale: float = 1.0,
) -> Interruptions:
    """Interrupting processes of jobs of `accelerators` on `system` (vectorised over N).

    rate_c [1/s] = lambda_c [1/(acc h)] x units(scope_c) / 3600, hardware scopes x burn-in; the
    rack process adds rack_failures_per_rack_month x racks / (s per month) x burn-in (x
    `rack_rate_scale`, a sensitivity knob); planned stops planned_per_job_day / 86,400 whatever
    the size. Every cause is a Poisson process; the job's failure process is their sum.
    """
    n = np.maximum(np.asarray(accelerators, dtype=float), 1.0)
    units = {scope: _units(scope, n, system) for scope in {c.scope for c in model.causes}}
    by_cause: dict[str, np.ndarray] = {}
    category: dict[str, str] = {}
    scope: dict[str, str] = {}
    for c in model.causes:
        factor = burn_in if c.scope in HARDWARE_SCOPES else 1.0
        rate = units[c.scope] * (c.rate_per_accelerator_hour / S_PER_H * factor)
        by_cause[c.cause] = by_cause.get(c.cause, 0.0) + rate
        category[c.cause] = c.category or "other"
        scope[c.cause] = c.scope
    if model.rack_failures_per_rack_month > 0:
        racks = np.ceil(n / system.accelerators_per_rack)
        by_cause[RACK_CAUSE] = (
            model.rack_failures_per_rack_month * racks / S_PER_MONTH * burn_in * rack_rate_scale
        )
        category[RACK_CAUSE] = RACK_CATEGORY
        scope[RACK_CAUSE] = "rack"
    return Interruptions(
        by_cause=by_cause,
        category=category,
        scope=scope,
        planned_per_s=np.full_like(n, model.planned_per_job_day / S_PER_DAY),
    )
