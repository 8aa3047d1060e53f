"""Sustained FLOP/s against job size (`RunCurve`): the best job of at most N accelerators (the
ceiling), the operating point a planner would launch (the rule of docs/models/capability.md),
the groups of accelerators a run can use (a site's phases of one system, or all sites), and
the burn-in tiers of a group (its accelerators by age, `burn_in_tiers`)."""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, fields, replace
from functools import cached_property
from typing import Any

import numpy as np

from gigawatt.buildout import Fleet
from gigawatt.capability.scaling import (
    Settings,
    cross_site_efficiency,
    optimal_batch_tokens,
    ring_allreduce_s,
    sustained_flops_per_s,
)
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import FailureModel, Model, System
from gigawatt.errors import InputError
from gigawatt.perf import search
from gigawatt.perf.accuracy import Validation, validation_of
from gigawatt.perf.estimate import default_framework
from gigawatt.perf.workload import Workload
from gigawatt.reliability import (
    JobCurve,
    RecoveryPlan,
    burn_in_factor,
    compound_poisson_quantile,
    job_curve,
    spare_domains,
    spare_means,
)
from gigawatt.reliability.limit import efficient_limit, job_sizes
from gigawatt.training import DEFAULT_FAILURE_MODEL

#: Plan sizes searched per doubling [2^d, 2^(d+1)): 2^d x (1, 5/4, 3/2, 7/4). With the global
#: batch a power of two of sequences, data parallelism is a power of two and a plan's size is
#: 2^j x the odd part of tp x pp x cp, so these are the sizes k 2^j (k odd, at most 7) of the
#: doubling. A job between two of them runs the best plan at or below it, the rest idle. A
#: resolution of the search, not a model input: 8 per doubling (k up to 15) changed the
#: default scenario's largest-run compute by 0.1 % and cost 0.75 s more CPU on a cold run.
PLAN_SIZES_PER_DOUBLING = 4
#: Bytes per gradient element all-reduced across sites (16-bit, as Megatron reduces them).
GRADIENT_BYTES_PER_PARAM = 2.0
ALL_SITES = "all"
#: Curve key of the reference workload (which may have a fixed MFU).
REFERENCE = "reference"
PICK_FIELDS = ("accelerators", "flops_per_s", "mfu", "goodput", "efficiency", "marginal_efficiency")
_RATE = PICK_FIELDS.index("flops_per_s")
#: Sensitivity knobs a curve may carry (1: the catalog's values): restart cost, every
#: checkpoint bandwidth, the rack failure rate (`reliability.job_curve`).
SCALES = ("restart_scale", "bandwidth_scale", "rack_rate_scale")
#: Burn-in factors a run may be charged, above 1: evenly up to that of a run on accelerators
#: new that month (`burn_in_tiers`): the first at or above its accelerators' mean. A
#: resolution, not a model input (docs/models/capability.md, section 3b).
BURN_IN_STEPS = 4
#: Size grids whose reliability a curve keeps (a memory bound for long sweeps, not a model input).
RELIABILITY_GRIDS = 256
#: Groups' runs (`pick_group`) remembered per catalog, by the group's accelerators and the
#: run's workload: a sweep's samples share many groups (a site whose inputs no draw moves). A
#: memory bound for long sweeps, not a model input.
PICK_MEMO = 1024
#: Best jobs a curve remembers (by size grid and the largest of its sizes at or below N) before
#: it forgets them all: a memory bound for long sweeps, not a model input.
BEST_MEMO = 65_536


@dataclass(frozen=True)
class Bucket:
    """The perf search at one job size (MFU 0 when no plan fits or is valid), with the
    validation class and band of its best plan's step time (None without a plan).

    `mfu` is over all `gpus` of the job: a plan on fewer (`plan_gpus`, when no split uses them
    all) leaves the rest idle, and its MFU is scaled by plan_gpus / gpus."""

    gpus: int
    gbs_seqs: int
    mfu: float
    plan: dict[str, Any] | None
    validation: Validation | None = None
    plan_gpus: int | None = None


@dataclass(frozen=True)
class Pick:
    """The best job of at most N accelerators, for each N asked (arrays of N's shape)."""

    accelerators: np.ndarray
    flops_per_s: np.ndarray
    mfu: np.ndarray
    goodput: np.ndarray
    efficiency: np.ndarray
    marginal_efficiency: np.ndarray

    @classmethod
    def zeros(cls, shape: tuple[int, ...]) -> Pick:
        """All fields 0: the rows of one (fields, *shape) block (one allocation)."""
        return cls.of_block(np.zeros((len(PICK_FIELDS), *shape)))

    @classmethod
    def of_block(cls, block: np.ndarray) -> Pick:
        """The fields as views of the rows of a (fields, *shape) array (arrays, even 0-d)."""
        if block.ndim > 1:
            return cls(*block)
        return cls(*(block[i, ...] for i in range(len(PICK_FIELDS))))


def held_knobs(plan: dict[str, Any], system: System, catalog: Catalog) -> dict[str, Any]:
    """The reference workload's held plan knobs that the system's default framework offers
    (`perf.default_framework`): a software knob at a value the framework lacks is released to
    the search (on a TPU pod, JAX/XLA shards the weights, ZeRO-3 only, so ZeRO-1 is not held)
    rather than leaving no valid plan."""
    knobs = catalog.framework(default_framework(system, catalog)).knobs
    held = {}
    for key, value in plan.items():
        offered = getattr(knobs, key, None)
        if offered is not None and value not in offered:
            continue
        held[key] = value
    return held


class RunCurve:
    """Sustained FLOP/s of jobs of one system against their size, for one workload, precision,
    duration, number of sites (a cross-site job spans them all), fault-tolerance policy and
    burn-in factor (the failure model's hardware rates x `burn_in`, 1 for a mature fleet:
    `burn_in_tiers`)."""

    def __init__(
        self,
        catalog: Catalog,
        settings: Settings,
        model: Model,
        system: System,
        precision: str,
        duration_s: float,
        sites: int,
        bucket_cache: dict[int, Bucket],
        fixed_mfu: float | None = None,
        policy: str | None = None,
        scales: dict[str, float] | None = None,
        burn_in: float = 1.0,
    ) -> None:
        acc = catalog.accelerator(system.accelerator)
        self.catalog, self.settings, self.model, self.system = catalog, settings, model, system
        self.precision = acc.supported_precision(precision)
        self.peak = acc.peak(self.precision)
        self.duration_s, self.sites, self.fixed_mfu = duration_s, sites, fixed_mfu
        self.workload = Workload.from_model(model)
        self.held = held_knobs(settings.reference.plan, system, catalog)
        self.failure_model = catalog.failure_model(system.failure_model or DEFAULT_FAILURE_MODEL)
        self.plan = RecoveryPlan.of(
            catalog,
            system,
            model.id,
            self.workload.params_total,
            policy or settings.policy,
            field=f"reference-workloads[{settings.reference.id}].fault_tolerance",
        )
        self.scales = dict(scales or {})
        self.burn_in = float(burn_in)
        self.buckets = bucket_cache  # shared by curves that differ in sites, policy, burn-in
        self._reliability: dict[bytes, JobCurve] = {}  # by the sizes evaluated
        # `best` of N asked with largest N M, by the length of M's size grid: (known, answers)
        # by index in it of the largest size at or below N, the last column 0 (for N < 1)
        self._best: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._limit: dict[int, int] = {}  # efficient_limit by its argument
        self._work: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # `_doubling` by its base
        self._pool: dict[int, int] = {}  # `spare_accelerators` by job size
        # the spare pool's Poisson means on the largest size grid asked (`_pool_means`)
        self._means: tuple[np.ndarray, dict[int, np.ndarray]] | None = None
        self._room: dict[int, int] = {}  # `room` by the group's accelerators

    # -- the parts of R ---------------------------------------------------------------------

    def batch_tokens(self, accelerators: np.ndarray) -> np.ndarray:
        """The batch law at the compute of a run of this size at the planning MFU [tokens]."""
        s = self.settings
        compute = accelerators * self.peak * s.planning_mfu * self.duration_s
        return optimal_batch_tokens(compute, s.batch_coefficient, s.batch_exponent)

    def bucket(self, gpus: int) -> Bucket:
        """The perf search at `gpus` with the batch law's batch, rounded down to a power of two
        of sequences (a batch past the compute-optimal one buys speed with tokens), unless the
        reference workload's plan holds `gbs`. When no split uses all `gpus`, the search takes
        the best of a few sizes within 1 % below (`perf.search`) and the rest stay idle: the
        MFU is over all `gpus`. Cached here and in `perf.search`."""
        if gpus in self.buckets:
            return self.buckets[gpus]
        seqs = float(self.batch_tokens(np.array([gpus]))[0]) / self.workload.seq_len
        gbs = 2 ** math.floor(math.log2(max(seqs, 1.0)) + 1e-9)
        fixed = {"gbs": gbs, **self.held}
        try:
            found = search(
                self.model,
                self.system,
                gpus,
                fixed=fixed,
                precision=self.precision,
                catalog=self.catalog,
            )
        except InputError:  # no valid plan at this size (the knobs were checked up front)
            out = Bucket(gpus, int(fixed["gbs"]), 0.0, None)
        else:
            best = found.best if found.fits else None
            used = int(found.gpus_used)
            out = Bucket(
                gpus,
                int(best.plan["gbs"]) if best else int(fixed["gbs"]),
                best.mfu * used / gpus if best else 0.0,
                best.plan if best else None,
                validation_of(best, self.catalog) if best else None,
                used if best else None,
            )
        self.buckets[gpus] = out
        return out

    @staticmethod
    def plan_sizes(accelerators: int, whole: bool = False) -> np.ndarray:
        """The plan sizes a job of this many accelerators may use: those of its doubling
        [2^d, 2^(d+1)) at or below it (`whole`: all of them), PLAN_SIZES_PER_DOUBLING evenly
        spaced from 2^d."""
        base = 2 ** math.floor(math.log2(accelerators) + 1e-12)
        top = 2 * base if whole else accelerators + 1
        return np.arange(base, top, max(base // PLAN_SIZES_PER_DOUBLING, 1), dtype=np.int64)

    def mfu(self, sizes: np.ndarray) -> np.ndarray:
        """MFU of a job of each size over all its accelerators: the best, in rate, of the
        searches at the plan sizes at or below it in its doubling (`plan_sizes`), the rest
        of the job idle: max over m of m x MFU(m) / size."""
        if self.fixed_mfu is not None:
            return np.full(len(sizes), self.fixed_mfu)
        n = np.asarray(sizes, dtype=np.int64)
        out = np.zeros(len(n))
        base = np.exp2(np.floor(np.log2(np.maximum(n, 1)) + 1e-12)).astype(np.int64)
        for b in np.unique(base).tolist():
            here = base == b
            plans, work = self._doubling(b)
            out[here] = work[np.searchsorted(plans, n[here], side="right") - 1] / n[here]
        return out

    def _doubling(self, base: int) -> tuple[np.ndarray, np.ndarray]:
        """The plan sizes of the doubling from `base` and the best m x MFU(m) at or below each
        (searched once per curve)."""
        if base not in self._work:
            plans = self.plan_sizes(base, whole=True)
            work = [m * self.bucket(int(m)).mfu for m in plans.tolist()]
            self._work[base] = (plans, np.maximum.accumulate(work))
        return self._work[base]

    def job_bucket(self, accelerators: int) -> Bucket | None:
        """The search behind a job of this size (the plan size `mfu` takes), with its MFU over
        all the job's accelerators. None with a fixed MFU or no accelerators."""
        if self.fixed_mfu is not None or accelerators < 1:
            return None
        plans = self.plan_sizes(accelerators)
        work = [m * self.bucket(int(m)).mfu for m in plans.tolist()]
        best = self.bucket(int(plans[int(np.argmax(work))]))
        if best.gpus == accelerators:
            return best
        return Bucket(
            accelerators,
            best.gbs_seqs,
            best.mfu * best.gpus / accelerators,
            best.plan,
            best.validation,
            best.plan_gpus,
        )

    def reliability(self, sizes: np.ndarray) -> JobCurve:
        """The reliability closed forms of a job of each size running `duration_s`, under the
        curve's policy: one vectorised evaluation for all sizes."""
        key = np.asarray(sizes, dtype=np.int64).tobytes()
        if key not in self._reliability:  # a grid is evaluated once, however often used
            if len(self._reliability) >= RELIABILITY_GRIDS:  # a sweep meets many: keep recent
                del self._reliability[next(iter(self._reliability))]
            self._reliability[key] = job_curve(
                sizes,
                self.duration_s,
                self.failure_model,
                self.system,
                self.plan,
                burn_in=self.burn_in,
                **self.scales,
            )
        return self._reliability[key]

    def reliability_at_steps(self, accelerators: int, step_s: float) -> JobCurve:
        """The closed forms of one job of `accelerators` whose step time is known: its
        checkpoint interval a whole number of steps of `step_s` [s] (`job_curve`'s step_s)."""
        return job_curve(
            np.array([accelerators]),
            self.duration_s,
            self.failure_model,
            self.system,
            self.plan,
            step_s=step_s,
            burn_in=self.burn_in,
            **self.scales,
        )

    def goodput(self, sizes: np.ndarray) -> np.ndarray:
        """Goodput of a job of each size running `duration_s` [fraction]."""
        return self.reliability(sizes).goodput

    def efficiency(self, sizes: np.ndarray, mfu: np.ndarray) -> np.ndarray:
        """Cross-site efficiency: a step's compute time over it plus the gradient ring."""
        if self.sites <= 1:
            return np.ones(len(sizes))
        s = self.settings
        work = self.batch_tokens(sizes) * self.workload.model_flops_per_token
        speed = sizes * self.peak * mfu
        step_s = np.divide(work, speed, out=np.full(len(sizes), np.inf), where=speed > 0)
        payload = self.workload.params_total * GRADIENT_BYTES_PER_PARAM
        sync = ring_allreduce_s(
            payload, self.sites, s.cross_site_bandwidth_bytes_per_s, s.cross_site_latency_s
        )
        return cross_site_efficiency(step_s, sync)

    def rate(self, sizes: np.ndarray, index: np.ndarray | None = None) -> Pick:
        """Sustained FLOP/s and its factors for jobs of `sizes[index]` (default: all). The
        reliability is evaluated on all `sizes` (sorted, distinct), so that the marginal
        efficiency has neighbours; the MFU (searches) only where asked."""
        rel = self.reliability(sizes)
        at = np.arange(len(sizes)) if index is None else np.asarray(index)
        picked = sizes[at]
        mfu = self.mfu(picked)
        eff = self.efficiency(picked, mfu)
        good = rel.goodput[at]
        flops = sustained_flops_per_s(picked, self.peak, mfu, good, eff)
        marginal = rel.marginal_efficiency[at]
        return Pick(picked.astype(float), flops, mfu, good, eff, marginal)

    # -- room for the spare pool --------------------------------------------------------------

    @property
    def standby(self) -> bool:
        """Whether the curve's policy restarts onto standbys held beside the job (catalog
        `fault-tolerance` `replacement`), so that its goodput assumes their spare pool."""
        return self.plan.policy.replacement == "standby"

    def spare_accelerators(self, accelerators: int) -> int:
        """The spare pool a job of this size holds beside it under the curve's policy
        [accelerators]: `reliability.spare_domains` (what `gigawatt reliability` reports as
        `spares`) at the catalog's `spares-availability-target`, at the curve's burn-in and
        rack-rate scale, in whole failure domains; 0 under a requeue policy (no standbys)."""
        n = int(accelerators)
        if not self.standby or n < 1:
            return 0
        if n not in self._pool:
            if len(self._pool) >= BEST_MEMO:
                self._pool.clear()
            sizes, means = self._pool_means(n)
            at = int(np.searchsorted(sizes, n))
            if at < len(sizes) and sizes[at] == n:  # a grid size: its means are known
                one = {k: float(v[at]) for k, v in means.items()}
                domains = compound_poisson_quantile(one, self.settings.spares_availability)
            else:
                domains = spare_domains(
                    n,
                    self.failure_model,
                    self.system,
                    self.settings.spares_availability,
                    burn_in=self.burn_in,
                    rack_rate_scale=self.scales.get("rack_rate_scale", 1.0),
                )
            self._pool[n] = domains * self.system.failure_domain
        return self._pool[n]

    def _pool_means(self, accelerators: int) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """The size grid up to at least `accelerators` and the spare pool's Poisson means at
        each of its sizes (`reliability.spare_means`: one evaluation for the grid). Grids are
        prefixes of one sequence, so the largest asked serves every smaller one."""
        if self._means is None or self._means[0][-1] < accelerators:
            sizes = job_sizes(max(int(accelerators), 1), self.system.failure_domain)
            means = spare_means(
                sizes,
                self.failure_model,
                self.system,
                burn_in=self.burn_in,
                rack_rate_scale=self.scales.get("rack_rate_scale", 1.0),
            )
            self._means = (sizes, means)
        return self._means

    def room(self, group_accelerators: np.ndarray) -> np.ndarray:
        """For each group of T accelerators, the largest job size of the grid that leaves room
        for its spare pool among them, s + `spare_accelerators`(s) <= T (0 when even the
        smallest job does not; T itself under a requeue policy, which holds no pool). The pool
        grows with s, so s + pool(s) does too: a bisection over the grid, remembered by T."""
        t = np.asarray(group_accelerators, dtype=np.int64)
        if not self.standby:
            return t.copy()
        held = self._room  # a sweep's months take few distinct values: mostly lookups
        rooms = [held[v] if v in held else self._room_of(v) for v in t.ravel().tolist()]
        return np.asarray(rooms, dtype=np.int64).reshape(t.shape)

    def _room_of(self, total: int) -> int:
        if total not in self._room:
            sizes = job_sizes(max(total, 1), self.system.failure_domain)
            self._pool_means(total)  # the means of every size the bisection may try, at once
            lo, hi = -1, len(sizes) - 1  # sizes[lo] fits (lo = -1: none yet); the answer <= hi
            while lo < hi:
                mid = (lo + hi + 1) // 2
                size = int(sizes[mid])
                if size + self.spare_accelerators(size) <= total:
                    lo = mid
                else:
                    hi = mid - 1
            if len(self._room) >= BEST_MEMO:
                self._room.clear()
            self._room[total] = int(sizes[lo]) if lo >= 0 else 0
        return self._room[total]

    # -- the operating point ----------------------------------------------------------------

    def efficient_limit(self, max_accelerators: int) -> int:
        """The largest size (on the grid up to `max_accelerators`) up to which every job's
        marginal efficiency d ln(N x goodput) / d ln N stays at or above the catalog threshold
        (`operating-point-marginal-efficiency`): beyond it the added accelerators add less
        useful time than that share of the average one's."""
        if max_accelerators in self._limit:
            return self._limit[max_accelerators]
        sizes = job_sizes(max_accelerators, self.system.failure_domain)
        marginal = self.reliability(sizes).marginal_efficiency  # memoised grid
        limit = efficient_limit(sizes, marginal, self.settings.marginal_threshold)
        if len(self._limit) >= BEST_MEMO:
            self._limit.clear()
        self._limit[max_accelerators] = limit
        return limit

    def operating(self, available: np.ndarray, group: np.ndarray | None = None) -> Pick:
        """The run a planner launches with N available: the best job of at most
        min(N, `efficient_limit`) accelerators and, given the `group`'s accelerators (those
        the N are drawn from), at most its `room` (the run leaves room for its spare pool)."""
        return Pick.of_block(self.operating_block(available, group))

    def operating_block(self, available: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
        """`operating` as one (fields, *shape) array, rows in PICK_FIELDS order."""
        n = np.asarray(available, dtype=np.int64)
        if not (n >= 1).any():
            return np.zeros((len(PICK_FIELDS), *n.shape))
        limit = self.efficient_limit(int(n.max()))
        return self.best_block(np.minimum(n, limit), group)

    def reach(self, available: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
        """The largest size the operating point may take with N available in a group of
        `group`: min(N, `efficient_limit`, `room`)."""
        n = np.asarray(available, dtype=np.int64)
        out = np.minimum(n, self.efficient_limit(int(n.max())) if n.size else 0)
        return out if group is None else np.minimum(out, self.room(group))

    # -- the best job of at most N --------------------------------------------------------------

    def best(self, available: np.ndarray, group: np.ndarray | None = None) -> Pick:
        """For each N in `available`, the job of at most N accelerators (on the size grid) with
        the highest sustained rate; given the `group`'s accelerators, at most its `room` too.

        Branch and bound over the doublings, since the searches are the cost: a size s can
        still win for some N >= s only if its upper bound s x peak x goodput(s) (MFU and
        efficiency at most 1; the goodput of every size in one vectorised call) beats the best
        rate found so far at or below that N. The doubling holding the open size of highest
        bound is evaluated next (its PLAN_SIZES_PER_DOUBLING searches serve all its sizes),
        until no size is open; the rest is vectorised over the months.

        The answer for each N is a function of the largest grid size at or below N and of the
        size grid, which the largest N asked with it sets (hence the marginal efficiency at its
        end), remembered by both (the grid by its length): the months of a sweep's samples
        take few distinct values of them, so most calls only look answers up.
        """
        return Pick.of_block(self.best_block(available, group))

    def best_block(self, available: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
        """`best` as one new (fields, *shape) array, rows in PICK_FIELDS order."""
        n = np.asarray(available, dtype=np.int64)
        if group is not None:
            n = np.minimum(n, self.room(group))
        top = int(n.max()) if n.size else 0
        if top < 1:
            return np.zeros((len(PICK_FIELDS), *n.shape))
        sizes = job_sizes(top, self.system.failure_domain)  # cached
        grid = len(sizes)  # the grid is a function of its length (a prefix of one sequence)
        at = np.searchsorted(sizes, n, side="right") - 1  # -1 (the zero column) where N < 1
        held = self._best.get(grid)
        if held is None:
            if len(self._best) >= BEST_MEMO:
                self._best.clear()
            known = np.zeros(grid + 1, dtype=bool)
            known[-1] = True
            held = self._best[grid] = (known, np.zeros((len(PICK_FIELDS), grid + 1)))
        known, table = held
        if not known[at].all():  # the months' answers, all sizes asked together
            targets = np.unique(n[n >= 1])
            found = self._best_of(targets)
            index = np.searchsorted(sizes, targets, side="right") - 1
            for i, name in enumerate(PICK_FIELDS):
                table[i, index] = getattr(found, name)
            known[index] = True
        return table[:, at]  # a copy

    def _best_of(self, targets: np.ndarray) -> Pick:
        """`best` of distinct, sorted, positive sizes (the branch and bound)."""
        n = targets
        out = Pick.zeros(n.shape)
        sizes = job_sizes(int(targets.max()), self.system.failure_domain)
        doubling = np.floor(np.log2(sizes) + 1e-12)
        first = np.searchsorted(targets, sizes, side="left")  # the smallest N >= each size
        at = np.searchsorted(sizes, targets, side="right") - 1  # the largest size <= each N
        rate = np.full(len(sizes), np.nan)
        if self._searched(int(sizes[-1])):  # nothing left to save: every size in one call
            rate = self.rate(sizes).flops_per_s
        good = self.goodput(sizes)  # every size in one vectorised call
        bound = sizes * self.peak * good  # MFU and efficiency at most 1
        while True:
            found = np.maximum.accumulate(np.nan_to_num(rate, nan=0.0))[at]
            floor = np.minimum.accumulate(found[::-1])[::-1][first]  # min over N >= size
            open_ = np.isnan(rate) & (bound > floor)
            if not open_.any():
                break
            pick = np.flatnonzero(open_)[np.argmax(bound[open_])]
            self._fill(rate, sizes, np.flatnonzero((doubling == doubling[pick]) & np.isnan(rate)))
        rate = np.where(np.isnan(rate), -np.inf, rate)
        running = np.maximum.accumulate(rate)
        record = np.maximum.accumulate(np.where(rate >= running, np.arange(len(rate)), 0))
        has = n >= 1
        chosen = self.rate(sizes, record[np.searchsorted(sizes, n[has], side="right") - 1])
        for name in PICK_FIELDS:
            getattr(out, name)[has] = getattr(chosen, name)
        return out

    def _searched(self, largest: int) -> bool:
        """Whether the MFU of every size up to `largest` is known without a new search."""
        if self.fixed_mfu is not None:
            return True
        top = math.floor(math.log2(max(largest, 1)) + 1e-12)
        return all(
            2**k in self._work or all(int(m) in self.buckets for m in self.plan_sizes(2**k, True))
            for k in range(top + 1)
        )

    def _fill(self, rate: np.ndarray, sizes: np.ndarray, index: np.ndarray) -> None:
        if len(index):
            rate[index] = self.rate(sizes, index).flops_per_s

    def plan_at(self, accelerators: int) -> Bucket | None:
        """The search behind a job of this size (`job_bucket`: at its own size)."""
        return self.job_bucket(accelerators)


# --- groups of accelerators that can train together -------------------------------------------


@dataclass(frozen=True)
class Group:
    """Accelerators of one system that one run can use: a site's, or all sites' (cross-site)."""

    site: str  # a site name, or ALL_SITES
    system: str
    accelerators: np.ndarray  # (months,)
    sites: np.ndarray  # (months,) sites contributing
    by_site: dict[str, np.ndarray]  # (months,) accelerators of each site


def groups(fleet: Fleet, cross_site_from: int | None) -> list[Group]:
    """Single-site groups (a site's phases of one system) and, from month index
    `cross_site_from` on, one cross-site group per system (its accelerators at every site)."""
    out: list[Group] = []
    per_system: dict[str, dict[str, np.ndarray]] = {}
    keyed: dict[tuple[str, str], list[int]] = {}  # in order of first appearance
    pairs = zip(fleet.columns["site"].tolist(), fleet.columns["system"].tolist(), strict=True)
    for i, pair in enumerate(pairs):
        keyed.setdefault(pair, []).append(i)
    for (site, system), rows in keyed.items():
        acc = fleet.accelerators[np.asarray(rows)].sum(axis=0)
        per_system.setdefault(str(system), {})[str(site)] = acc
        out.append(Group(str(site), str(system), acc, (acc > 0).astype(np.int64), {str(site): acc}))
    if cross_site_from is None:
        return out
    allowed = np.arange(fleet.accelerators.shape[1]) >= cross_site_from
    for system, sites in per_system.items():
        stack = np.array(list(sites.values()))
        acc = np.where(allowed, stack.sum(axis=0), 0)
        count = np.where(allowed, (stack > 0).sum(axis=0), 0)
        out.append(Group(ALL_SITES, system, acc, count, dict(sites)))
    return out


@dataclass(frozen=True)
class Tier:
    """The accelerators of a group a run charged `burn_in` may use at each month: the most of
    its oldest whose mean burn-in factor is at most that (`burn_in_tiers`)."""

    burn_in: float  # hardware-rate multiplier over the run [ratio]
    accelerators: np.ndarray  # (months,) the oldest accelerators it may use
    sites: np.ndarray  # (months,) sites holding them
    adds: np.ndarray  # (months,) bool: more accelerators than the tier of the factor below


def accelerators_by_age(
    group: Group, oldest: int, at: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(oldest + 1, months) arrays: the group's accelerators at least `age` months old at each
    month, age = 0..oldest (whole months from the month a phase came online), and the sites
    holding them. A site's count `age` months earlier, at most its count now (a site that
    shrank keeps no more than it has); none where the group has no accelerators (a cross-site
    group before cross-site runs are allowed). With `at`, month index `at` alone (one column)."""
    stack = np.array(list(group.by_site.values()))  # (sites, months), before any cross-site mask
    live = group.accelerators > 0
    if at is not None:  # the months `age` back from `at`, as the columns of a window
        window = np.zeros((stack.shape[0], oldest + 1), dtype=stack.dtype)
        first = max(at - oldest, 0)
        window[:, oldest + 1 - (at + 1 - first) :] = stack[:, first : at + 1]
        stack, live = window, np.full(oldest + 1, bool(live[at]))
    back = np.arange(stack.shape[1])[None, :] - np.arange(oldest + 1)[:, None]  # (ages, months)
    then = np.where(back >= 0, stack[:, np.maximum(back, 0)], 0)  # online `age` months earlier
    held = np.minimum(then, stack[:, None, :])  # (sites, ages, months)
    acc = np.where(live, held.sum(axis=0), 0).astype(group.accelerators.dtype)
    sites = np.where(live, (held > 0).sum(axis=0), 0).astype(group.sites.dtype)
    if at is not None:
        return acc[:, -1:], sites[:, -1:]
    return acc, sites


class Cohorts:
    """A group's accelerators by age at each month, with each age's burn-in factor over a
    run of `duration_s` (`reliability.burn_in_factor`), oldest first; with `at`, one month.

    Burn-in: the failure model's hardware rates are x `burn_in_multiplier` until the fleet is
    `burn_in_months` old, averaged over the run; it is that of one fleet of one age, and a
    group's phases come online in different months. Rates are per accelerator-hour and the
    causes superpose, so a run on accelerators of several ages fails at the
    accelerator-weighted mean of their factors (`mean`). A run is placed on the group's oldest
    accelerators first (those past burn-in fail least), so that mean grows with its size."""

    def __init__(
        self, group: Group, failure_model: FailureModel, duration_s: float, at: int | None = None
    ) -> None:
        self.group = group
        self.burns = failure_model.burn_in_multiplier > 1.0 and failure_model.burn_in_months > 0
        oldest = oldest_age(failure_model)
        held, self.held_sites = accelerators_by_age(group, oldest, at)
        self.ages = np.arange(oldest, -1, -1)  # cohorts, oldest first (past burn-in: factor 1)
        self.factor = np.array(
            [burn_in_factor(failure_model, float(a), duration_s) for a in self.ages]
        )
        self.held = held  # (ages, months), by age
        self.cols = np.arange(held.shape[1])

    @cached_property
    def total(self) -> np.ndarray:
        """(cohorts, months): the accelerators of each cohort's age or older."""
        return self.held[self.ages].astype(float)

    @cached_property
    def weighted(self) -> np.ndarray:
        """(cohorts, months): the sum of the factors of the accelerators in `total`."""
        return np.cumsum(np.diff(self.total, axis=0, prepend=0.0) * self.factor[:, None], axis=0)

    def tiers(self) -> list[Tier]:
        """For each of BURN_IN_STEPS + 1 factors evenly from 1 to that of a run on accelerators
        new that month, lowest first: the most of the oldest accelerators whose mean factor is
        at most it (`within`). One tier, the group at factor 1, without burn-in or when every
        accelerator of every month is past it."""
        if not self.burns or (self.held[0] == self.held[-1]).all():
            return [Tier(1.0, self.held[0], self.held_sites[0], self.held[0] > 0)]
        top = float(self.factor[-1])
        f = 1.0 + (top - 1.0) * np.arange(BURN_IN_STEPS + 1) / BURN_IN_STEPS
        f[-1] = top  # exactly that of a run on new accelerators
        acc, sites = self.within(np.repeat(f[:, None], len(self.cols), axis=1))
        below = np.vstack([np.zeros_like(acc[:1]), np.maximum.accumulate(acc, axis=0)[:-1]])
        adds = acc > below
        return [Tier(float(f[i]), acc[i], sites[i], adds[i]) for i in range(len(f))]

    def mean(self, n: np.ndarray) -> np.ndarray:
        """The mean burn-in factor of the `n` oldest accelerators at each month (1 where n is
        0) [ratio]."""
        n = np.minimum(np.asarray(n, dtype=float), self.total[-1])
        k = np.minimum((self.total < n[None, :]).sum(axis=0), len(self.ages) - 1)
        lo = np.where(k > 0, self.total[np.maximum(k - 1, 0), self.cols], 0.0)
        w_lo = np.where(k > 0, self.weighted[np.maximum(k - 1, 0), self.cols], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = (w_lo + (n - lo) * self.factor[k]) / n
        return np.where(n > 0, mean, 1.0)

    def within(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(accelerators, sites holding them) at each month: the most of the oldest whose mean
        factor is at most `f`, a factor per month, or a (factors, months) array of them."""
        f = np.asarray(f, dtype=float)
        one = f.ndim == 1
        f = np.atleast_2d(f)[:, None, :]  # (factors, 1, months)
        over = self.weighted[None] > f * self.total[None] * (1.0 + 1e-12)  # mean passes f
        some = over.any(axis=1)  # (factors, months)
        k = np.where(some, np.argmax(over, axis=1), 0)  # the cohort in which it does
        cols = self.cols[None, :]
        lo = np.where(k > 0, self.total[np.maximum(k - 1, 0), cols], 0.0)
        w_lo = np.where(k > 0, self.weighted[np.maximum(k - 1, 0), cols], 0.0)
        fk, f = self.factor[k], f[:, 0, :]
        # n of that cohort's oldest with (w_lo + n fk) / (lo + n) = f
        ratio = (fk * lo - w_lo) / np.where(fk > f, fk - f, 1.0)
        cut = np.clip(np.floor(ratio + 1e-6), lo, self.total[k, cols])
        acc = np.where(some, cut, self.total[-1][None, :]).astype(self.group.accelerators.dtype)
        youngest = np.where(some, np.where(acc > lo, k, np.maximum(k - 1, 0)), len(self.ages) - 1)
        sites = np.where(acc > 0, self.held_sites[self.ages[youngest], cols], 0)
        return (acc[0], sites[0]) if one else (acc, sites)


def oldest_age(failure_model: FailureModel) -> int:
    """The age from which accelerators are past the failure model's burn-in, in whole months
    (`Cohorts`'s oldest cohort; 0 without burn-in)."""
    if failure_model.burn_in_multiplier > 1.0 and failure_model.burn_in_months > 0:
        return math.ceil(failure_model.burn_in_months)
    return 0


def burn_in_tiers(
    group: Group, failure_model: FailureModel, duration_s: float, at: int | None = None
) -> list[Tier]:
    """The accelerators a run of the group may use at each month for each burn-in factor it may
    be charged (`Cohorts.tiers`), lowest factor first: the most of its oldest accelerators
    whose mean factor is at most it. The largest run is the best over the tiers
    (`pick_group`), so it is charged the first factor at or above its accelerators' mean, at
    most (f0 - 1) / BURN_IN_STEPS above it, f0 the factor of a run on accelerators new that
    month; a run on accelerators past burn-in is charged 1, and one on a site's first month's
    accelerators f0, exactly. A failure model without burn-in (multiplier 1 or 0 months) gives
    one tier, the group, at factor 1. `adds` marks the months where a tier holds more
    accelerators than the one below; where it does not, it is the same accelerators at a
    higher factor, which never wins. With `at`, month index `at` alone (arrays of one month)."""
    return Cohorts(group, failure_model, duration_s, at).tiers()


@dataclass
class _Shared:
    """A catalog's curves and the searches behind them (each a function of the catalog and
    its key alone), kept for every run on that catalog in this process."""

    curves: dict[tuple[Any, ...], RunCurve]
    buckets: dict[tuple[Any, ...], dict[int, Bucket]]
    # `pick_group` and `runs.group_start` by their group's content and run (keys apart)
    picks: dict[tuple[Any, ...], Any]
    # `Curves.get`'s curves by its arguments (without sensitivity scales), before resolving
    # them into the curve's key
    asked: dict[tuple[Any, ...], RunCurve]


#: By catalog: the samples of a sweep, which share one, build each curve and look each size up
#: once per process. (id, weak reference): a catalog is not hashable, and a dropped one must
#: neither keep its entry alive nor be mistaken for a new one at the same address.
_SHARED: dict[int, tuple[weakref.ref[Catalog], _Shared]] = {}


def clear_cache() -> None:
    """Forget the curves and searches kept per catalog (benchmarks time cold runs)."""
    _SHARED.clear()


def _shared_of(catalog: Catalog) -> _Shared:
    held = _SHARED.get(id(catalog))
    if held is not None and held[0]() is catalog:
        return held[1]
    for key in [k for k, (ref, _) in _SHARED.items() if ref() is None]:
        del _SHARED[key]
    shared = _Shared({}, {}, {}, {})
    _SHARED[id(catalog)] = (weakref.ref(catalog), shared)
    return shared


class Curves:
    """RunCurves by (workload, system, precision, duration, sites, policy, sensitivity scales,
    burn-in factor), sharing the searches of curves that differ only in sites, policy, scales
    and burn-in (and, through `_SHARED`, with every other run on the same catalog in this
    process)."""

    def __init__(self, catalog: Catalog, settings: Settings) -> None:
        self.catalog, self.settings = catalog, settings
        shared = _shared_of(catalog)
        self.curves = shared.curves
        self._buckets = shared.buckets
        self.picks = shared.picks
        self._asked = shared.asked

    def get(
        self,
        model: Model | None,
        system: str,
        precision: str,
        duration_s: float,
        sites: int,
        policy: str | None = None,
        burn_in: float = 1.0,
        **scales: float,
    ) -> RunCurve:
        """The curve of `model`, or of the reference workload (with its fixed MFU if it has
        one) when `model` is None; `policy` None is the reference workload's; `burn_in` the
        hardware-rate multiplier of the failure model (1: a mature fleet, the same curve as
        without it)."""
        asked = None
        if not scales:  # the curves of the capability stage: looked up as asked
            asked = (None if model is None else model.id, system, precision, duration_s)
            asked = (*asked, sites, policy, self.settings.policy, burn_in)
            if asked in self._asked:
                return self._asked[asked]
        ref = self.settings
        sites = max(int(sites), 1)
        name = REFERENCE if model is None else model.id
        policy_id = self.catalog.fault_tolerance(policy or ref.policy).id
        knobs = tuple(sorted((k, float(v)) for k, v in scales.items() if v != 1.0))
        key = (name, system, precision, duration_s, sites, policy_id, knobs)
        if burn_in != 1.0:
            key = (*key, ("burn_in", float(burn_in)))
        if key not in self.curves:
            self.curves[key] = RunCurve(
                self.catalog,
                ref,
                ref.model if model is None else model,
                self.catalog.system(system),
                precision,
                duration_s,
                sites,
                self._buckets.setdefault(key[:4], {}),
                fixed_mfu=ref.reference.mfu if model is None else None,
                policy=policy_id,
                scales=dict(knobs),
                burn_in=burn_in,
            )
        if asked is not None:
            self._asked[asked] = self.curves[key]
        return self.curves[key]

    def failure_model(self, system: str) -> FailureModel:
        """The failure model of `system`'s curves (the catalog default when it names none)."""
        return self.catalog.failure_model(
            self.catalog.system(system).failure_model or DEFAULT_FAILURE_MODEL
        )


@dataclass(frozen=True)
class GroupPick:
    """The run of one group, month by month: the operating point (`pick`, what a planner
    launches) and the ceiling (the job of highest sustained rate), each the best over the
    group's burn-in tiers (`burn_in_tiers`). For the operating point, per month: `burn_in`
    its factor, `age_months` the age of the youngest accelerators it uses (its oldest first),
    `available` the accelerators of its tier, `sites` the sites holding them;
    `ceiling_burn_in` the ceiling's factor."""

    group: Group
    pick: Pick
    ceiling: Pick
    burn_in: np.ndarray
    age_months: np.ndarray
    available: np.ndarray
    sites: np.ndarray
    ceiling_burn_in: np.ndarray

    def curve(
        self,
        curves: Curves,
        pos: int,
        model: Model | None,
        precision: str,
        duration_s: float,
        policy: str | None = None,
        **scales: float,
    ) -> RunCurve:
        """The curve of the operating point at month index `pos`: its sites and burn-in."""
        return curves.get(
            model,
            self.group.system,
            precision,
            duration_s,
            int(self.sites[pos]),
            policy,
            burn_in=float(self.burn_in[pos]),
            **scales,
        )


def pick_group(
    curves: Curves, group: Group, model: Model | None, precision: str, duration_s: float
) -> GroupPick:
    """The operating point and the ceiling of each month in `group`, over its burn-in tiers
    (`burn_in_tiers`: a run on the most of the oldest accelerators whose mean burn-in factor
    is at most the tier's, charged that factor; one curve per factor and number of sites
    holding them). `model` None is the reference workload.

    The operating point is the best, by sustained rate, over the tiers taken lowest factor
    first (the lower wins ties), until the accelerators no longer hold it back (`held_back`:
    its efficient limit, or the room its spare pool leaves, stops short of them): a higher
    factor lowers every size's goodput and with it the efficient limit, and enlarges the
    spare pool and so shrinks the room, so a tier of more accelerators at a higher factor
    cannot then do better. Both the operating point and the ceiling leave room in the group
    for the spare pool of a standby policy (`RunCurve.room`, at the tier's factor). The
    ceiling is the better of the runs on the accelerators past burn-in (factor 1) and on all
    of them (at the lowest tier that holds them all): a ceiling bounds one run's compute, and
    these are its two ends; a tier between them is not tried (for speed: each tier is a
    curve, and a sweep meets many)."""
    key = (
        group.site,
        group.system,
        group.accelerators.dtype.str,
        group.accelerators.tobytes(),
        group.sites.tobytes(),
        tuple((name, acc.tobytes()) for name, acc in group.by_site.items()),
        REFERENCE if model is None else model.id,
        precision,
        duration_s,
    )
    held = curves.picks.get(key)
    if held is None:  # a function of the key alone: kept, read-only, for later samples
        if len(curves.picks) >= PICK_MEMO:
            del curves.picks[next(iter(curves.picks))]
        held = curves.picks[key] = _read_only(
            _pick_group(curves, group, model, precision, duration_s)
        )
    return held if held.group is group else replace(held, group=group)


def _read_only(gp: GroupPick) -> GroupPick:
    """`gp` with its arrays read-only (it is shared by every sample that meets its group)."""
    for name in ("burn_in", "age_months", "available", "sites", "ceiling_burn_in"):
        getattr(gp, name).flags.writeable = False
    for pick in (gp.pick, gp.ceiling):
        for f in fields(pick):
            getattr(pick, f.name).flags.writeable = False
    return gp


def _pick_group(
    curves: Curves, group: Group, model: Model | None, precision: str, duration_s: float
) -> GroupPick:
    """`pick_group`, computed."""
    shape = group.accelerators.shape
    out_rows, top_rows = np.zeros((len(PICK_FIELDS), *shape)), np.zeros((len(PICK_FIELDS), *shape))
    out, top = Pick.of_block(out_rows), Pick.of_block(top_rows)
    burn, top_burn = np.ones(shape), np.ones(shape)
    available = np.zeros(shape, dtype=group.accelerators.dtype)
    sites = np.zeros(shape, dtype=group.sites.dtype)
    open_op, filled_top = group.accelerators > 0, np.zeros(shape, dtype=bool)
    if not open_op.any():  # nothing online in any month
        return GroupPick(group, out, top, burn, available.copy(), available, sites, top_burn)
    cohorts = Cohorts(group, curves.failure_model(group.system), duration_s)
    tiers = cohorts.tiers()
    for i, tier in enumerate(tiers):
        ask_op = tier.adds & open_op
        ask_top = tier.adds & ((tier.accelerators == group.accelerators) | (i == 0))
        asked = ask_op | ask_top
        if not asked.any():
            continue
        for s in np.unique(tier.sites[asked]).tolist():
            curve = curves.get(model, group.system, precision, duration_s, s, burn_in=tier.burn_in)
            here = tier.sites == s
            months = np.flatnonzero(ask_op & here)
            if len(months):
                n, total = tier.accelerators[months], group.accelerators[months]
                op = curve.operating_block(n, total)
                win = (available[months] == 0) | (op[_RATE] > out.flops_per_s[months])
                at = months[win]
                out_rows[:, at] = op[:, win]
                burn[at], available[at], sites[at] = tier.burn_in, n[win], s
                open_op[months[~held_back(curve, n, curve.reach(n, total))]] = False
            months = np.flatnonzero(ask_top & here)
            if len(months):
                best = curve.best_block(tier.accelerators[months], group.accelerators[months])
                win = ~filled_top[months] | (best[_RATE] > top.flops_per_s[months])
                filled_top[months] = True
                top_rows[:, months[win]] = best[:, win]
                top_burn[months[win]] = tier.burn_in
    # the youngest accelerators the run uses, its oldest first: the oldest age with enough
    age = (cohorts.held >= out.accelerators[None, :]).sum(axis=0) - 1
    age = np.where(out.accelerators > 0, np.minimum(age, int(cohorts.ages[0])), 0)
    return GroupPick(group, out, top, burn, age, available, sites, top_burn)


def held_back(curve: RunCurve, available: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Where a run of at most `available` accelerators that may go up to `reach` (its
    efficient limit and its room: `RunCurve.reach`) reaches the largest size of the curve's
    grid within `available`, so that more accelerators might give a larger run [bool]."""
    n = np.asarray(available, dtype=np.int64)
    grid = job_sizes(int(n.max()), curve.system.failure_domain)
    largest = grid[np.searchsorted(grid, n, side="right") - 1]
    return np.asarray(reach) >= largest


def best_of(picks: list[Pick]) -> tuple[np.ndarray, np.ndarray]:
    """(index of the pick with the highest rate, that rate) per month; -1 where none runs."""
    rates = np.array([p.flops_per_s for p in picks])
    winner = np.argmax(rates, axis=0)
    top = rates[winner, np.arange(rates.shape[1])]
    return np.where(top > 0, winner, -1), top
