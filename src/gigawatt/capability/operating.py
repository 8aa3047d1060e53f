"""The operating point (the run a planner launches), the curve behind it for every
fault-tolerance policy, and how it moves with the reliability inputs.

The rule (docs/models/capability.md, "Operating point"): with U(N) = N x goodput(N) the useful
accelerator-time of a job of N accelerators, the marginal efficiency is e(N) = d ln U / d ln N
(what the last accelerator adds, relative to the average one). The largest run of a group of
N_avail accelerators is the job of highest sustained rate among sizes up to
min(N_avail, N*, N_room), N* the largest size up to which e stays at or above the catalog
threshold (`operating-point-marginal-efficiency`), N_room the largest that leaves room in the
group for the spare pool its policy holds (`RunCurve.room`: none under a requeue policy). The
ceiling is the job of highest rate among sizes up to min(N_avail, N_room), whatever its e.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from gigawatt.capability.curve import Curves, Group, GroupPick, Pick, RunCurve, job_sizes
from gigawatt.capability.scaling import S_PER_DAY
from gigawatt.energy.params import energy_param
from gigawatt.energy.swings import SwingJob
from gigawatt.perf import estimate

#: Perf breakdown parts during which the accelerators are busy (near TDP); the rest of the step
#: (exposed TP/CP/EP/PP/DP communication, pipeline bubble, offload) runs near idle.
BUSY_PARTS = ("compute", "recompute", "optimizer")

#: The curve reported spans this many doublings below the group's size (4 points per doubling).
CURVE_DOUBLINGS = 10
CURVE_POINTS_PER_DOUBLING = 4
#: Multipliers of each reliability input in the sensitivity table (1 is the baseline).
SENSITIVITY_FACTORS = (0.25, 0.5, 2.0, 4.0)
#: The inputs the table varies: (key, label, the RunCurve scale it sets).
SENSITIVITY_INPUTS = (
    ("restart", "Restart cost (fixed part and initialisation)", "restart_scale"),
    ("checkpoint_bandwidth", "Checkpoint bandwidth (storage, snapshot, peer)", "bandwidth_scale"),
    ("rack_failure_rate", "Rack failure rate (NVL72-class whole-rack events)", "rack_rate_scale"),
)


@dataclass(frozen=True)
class OperatingPoint:
    """A run as launched: where, how large, with which plan and fault-tolerance policy, and
    its reliability costs (SI units). What `energy --swings` needs to trace a job that trains."""

    month: str
    site: str
    system: str
    sites: int
    accelerators: int
    group_accelerators: int
    policy: str
    precision: str
    plan: dict[str, Any] | None
    plan_gpus: int | None
    gbs_seqs: int | None
    mfu: float
    goodput: float
    marginal_efficiency: float
    flops_per_s: float
    checkpoint_s: float
    persist_s: float
    restart_s: float
    checkpoint_interval_s: float
    failure_per_s: float
    planned_per_s: float
    #: added later: the spare pool it leaves room for in its group (0: a requeue policy)
    spare_accelerators: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def operating_point(
    curve: RunCurve, group: Group, pos: int, month: str, pick: Pick, i: int
) -> OperatingPoint | None:
    """The operating point `pick` holds at index i (None where nothing runs)."""
    n = int(pick.accelerators[i])
    if n < 1 or pick.flops_per_s[i] <= 0:
        return None
    return _point_of(curve, group, pos, month, pick, i)


def _point_of(
    curve: RunCurve, group: Group, pos: int, month: str, pick: Pick, i: int
) -> OperatingPoint:
    n = int(pick.accelerators[i])
    rel = curve.reliability(np.array([n]))
    bucket = curve.plan_at(n)
    return OperatingPoint(
        month=month,
        site=group.site,
        system=group.system,
        sites=curve.sites,
        accelerators=n,
        group_accelerators=int(group.accelerators[pos]),
        policy=curve.plan.policy.id,
        precision=curve.precision,
        plan=bucket.plan if bucket else None,
        plan_gpus=bucket.plan_gpus if bucket and bucket.plan else None,
        gbs_seqs=bucket.gbs_seqs if bucket and bucket.plan else None,
        mfu=float(pick.mfu[i]),
        goodput=float(pick.goodput[i]),
        marginal_efficiency=float(pick.marginal_efficiency[i]),
        flops_per_s=float(pick.flops_per_s[i]),
        checkpoint_s=float(rel.checkpoint_s[0]),
        persist_s=float(rel.recovery.persist_s[0]),
        restart_s=float(rel.restart_s[0]),
        checkpoint_interval_s=float(rel.interval_s[0]),
        failure_per_s=float(rel.failure_per_s[0]),
        planned_per_s=float(rel.planned_per_s[0]),
        spare_accelerators=curve.spare_accelerators(n),
    )


def job_of_size(
    curve: RunCurve, group: Group, pos: int, month: str, accelerators: int
) -> OperatingPoint:
    """A job of exactly `accelerators` on the curve (its plan, MFU, goodput and the policy's
    costs at that size), whether or not it is the operating point; it may compute nothing."""
    sizes = np.unique(
        np.concatenate([job_sizes(accelerators, curve.system.failure_domain), [accelerators]])
    )
    at = np.array([int(np.searchsorted(sizes, accelerators))])
    return _point_of(curve, group, pos, month, curve.rate(sizes, at), 0)


def swing_job(
    curve: RunCurve, op: OperatingPoint, source: str, operating_accelerators: int | None
) -> SwingJob:
    """The job `energy --swings` traces, as plain data for the energy layer.

    The step's pattern is the perf model's breakdown of the plan behind this size
    (`RunCurve.job_bucket`: a plan on the job or on fewer of its accelerators, the rest idle):
    busy share (BUSY_PARTS over the step time), the step time scaled to this size at equal
    work per step, t = t_plan (N_plan MFU_plan) / (N MFU) (t_plan itself, since the MFU is the
    plan's over all N). Without a fitting plan (a fixed MFU, or too few accelerators for the
    model) the catalog's swing defaults hold, and `step_source` says so.

    With the plan's step time the checkpoint interval is a whole number of steps (a framework
    saves between steps: `reliability.job.whole_step_interval`), the nearest to the operating
    point's, and the goodput is the closed form's at that interval."""
    bucket = curve.plan_at(op.accelerators)
    step_source = "perf-breakdown"
    interval_s, goodput = op.checkpoint_interval_s, op.goodput
    if bucket is None or bucket.plan is None or op.mfu <= 0:  # no plan fits: no breakdown
        step_source = "catalog-defaults"
        step_s = energy_param(curve.catalog, "swing-step-period-s")
        busy_share = energy_param(curve.catalog, "training-utilisation")
    else:
        used = bucket.plan_gpus or bucket.gpus
        perf = estimate(curve.model, curve.system, used, bucket.plan, catalog=curve.catalog)
        busy_share = sum(perf.breakdown_s[k] for k in BUSY_PARTS) / perf.step_time_s
        step_s = perf.step_time_s * (used * perf.mfu) / (op.accelerators * op.mfu)
        stepped = curve.reliability_at_steps(op.accelerators, step_s)
        interval_s, goodput = float(stepped.interval_s[0]), float(stepped.goodput[0])
    return SwingJob(
        accelerators=op.accelerators,
        source=source,
        policy=op.policy,
        step_period_s=float(step_s),
        step_compute_share=float(busy_share),
        checkpoint_s=op.checkpoint_s,
        checkpoint_interval_s=interval_s,
        restart_s=op.restart_s,
        interruptions_per_s=op.failure_per_s + op.planned_per_s,
        goodput=goodput,
        mfu=op.mfu,
        plan=op.plan,
        group_accelerators=op.group_accelerators,
        operating_accelerators=operating_accelerators,
        step_source=step_source,
    )


def _point(pick: Pick, duration_s: float, curve: RunCurve) -> dict[str, float | int]:
    return {
        "accelerators": int(pick.accelerators[0]),
        "flops_per_s": float(pick.flops_per_s[0]),
        "flop": float(pick.flops_per_s[0]) * duration_s,
        "mfu": float(pick.mfu[0]),
        "goodput": float(pick.goodput[0]),
        "marginal_efficiency": float(pick.marginal_efficiency[0]),
        # added later: the spare pool it leaves room for (0 under a requeue policy)
        "spare_accelerators": curve.spare_accelerators(int(pick.accelerators[0])),
    }


def curve_sizes(available: int, quantum: int) -> np.ndarray:
    """The sizes the reported curve shows: CURVE_POINTS_PER_DOUBLING per doubling over the
    CURVE_DOUBLINGS doublings below `available`, each the capability grid's size at or below
    (whole failure domains, so the smallest may repeat and are shown once)."""
    grid = job_sizes(available, quantum)
    steps = np.arange(CURVE_DOUBLINGS * CURVE_POINTS_PER_DOUBLING + 1)
    wanted = available * np.exp2(-steps / CURVE_POINTS_PER_DOUBLING)
    at = np.searchsorted(grid, wanted, side="right") - 1  # the grid size at or below each
    return np.unique(grid[at[at >= 0]])


def policy_curves(
    curves: Curves, gp: GroupPick, pos: int, month: str, policies: list[str]
) -> dict[str, Any]:
    """Sustained FLOP/s, goodput, marginal efficiency, MFU and costs against job size for each
    policy, on the accelerators of the group's operating point at month index `pos` (those of
    its burn-in tier, at its burn-in factor: `curve.burn_in_tiers`), with each policy's
    operating point and ceiling there (each leaving room in the group for the spare pool its
    policy holds: `RunCurve.room`)."""
    s = curves.settings
    group = gp.group
    available = int(gp.available[pos])
    sites = int(gp.sites[pos])
    system = curves.catalog.system(group.system)
    duration_s = s.duration_s
    n, total = np.array([available]), group.accelerators[pos : pos + 1]
    found = []
    for policy in policies:
        curve = gp.curve(curves, pos, None, s.reference.precision, duration_s, policy)
        found.append((curve, curve.operating(n, total), curve.best(n, total)))
    # the shown sizes, with every policy's operating point and ceiling among them
    marks = [int(p.accelerators[0]) for _, op, top in found for p in (op, top)]
    sizes = np.unique(np.concatenate([curve_sizes(available, system.failure_domain), marks]))
    sizes = sizes[sizes >= 1]
    rows = []
    for curve, op, top in found:
        rate = curve.rate(sizes)
        rel = curve.reliability(sizes)
        rows.append(
            {
                "policy": curve.plan.policy.id,
                "name": curve.plan.policy.label,
                "checkpoint": curve.plan.policy.checkpoint,
                "status": curve.plan.policy.status,
                "default": curve.plan.policy.id == s.policy,
                "goodput": rate.goodput.tolist(),
                "marginal_efficiency": rate.marginal_efficiency.tolist(),
                "mfu": rate.mfu.tolist(),
                "flops_per_s": rate.flops_per_s.tolist(),
                "checkpoint_s": rel.checkpoint_s.tolist(),
                "restart_s": rel.restart_s.tolist(),
                "interruptions_per_day": (
                    (rel.failure_per_s + rel.planned_per_s) * S_PER_DAY
                ).tolist(),
                "efficient_limit_accelerators": curve.efficient_limit(available),
                "operating_point": _point(op, duration_s, curve),
                "ceiling": _point(top, duration_s, curve),
            }
        )
    return {
        "month": month,
        "site": group.site,
        "system": group.system,
        "sites": sites,
        "group_accelerators": int(group.accelerators[pos]),
        "duration_days": duration_s / S_PER_DAY,
        "marginal_threshold": s.marginal_threshold,
        "accelerators": sizes.tolist(),
        "policies": rows,
        # added later: the accelerators the curve spans (its burn-in tier's: those old
        # enough) and the hardware-rate multiplier of its goodput
        "available_accelerators": available,
        "burn_in_factor": float(gp.burn_in[pos]),
    }


def sensitivity(curves: Curves, gp: GroupPick, pos: int, month: str) -> dict[str, Any]:
    """The operating point and ceiling of the default policy on the group's operating point's
    accelerators at month index `pos` (its burn-in tier's, at its factor) as each reliability
    input is scaled by SENSITIVITY_FACTORS, the others held."""
    s = curves.settings
    group = gp.group
    available = np.array([int(gp.available[pos])])
    total = group.accelerators[pos : pos + 1]

    def row(key: str, label: str, factor: float, scales: dict[str, float]) -> dict[str, Any]:
        curve = gp.curve(curves, pos, None, s.reference.precision, s.duration_s, None, **scales)
        op, top = curve.operating(available, total), curve.best(available, total)
        return {
            "input": key,
            "label": label,
            "factor": factor,
            "accelerators": int(op.accelerators[0]),
            "goodput": float(op.goodput[0]),
            "flop": float(op.flops_per_s[0]) * s.duration_s,
            "ceiling_accelerators": int(top.accelerators[0]),
            "ceiling_goodput": float(top.goodput[0]),
            "ceiling_flop": float(top.flops_per_s[0]) * s.duration_s,
        }

    rows = [row("baseline", "Catalog values", 1.0, {})]
    for key, label, knob in SENSITIVITY_INPUTS:
        rows += [row(key, label, f, {knob: f}) for f in SENSITIVITY_FACTORS]
    return {
        "month": month,
        "site": group.site,
        "system": group.system,
        "group_accelerators": int(group.accelerators[pos]),
        "policy": s.policy,
        "rows": rows,
        "available_accelerators": int(available[0]),  # added later, as in `policy_curves`
        "burn_in_factor": float(gp.burn_in[pos]),
    }
