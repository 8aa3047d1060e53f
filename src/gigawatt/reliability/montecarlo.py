"""Monte Carlo of job timelines: failures, planned maintenance, checkpoints, restarts.

The model (Daly 2006's, plus planned stops). A job needs T_s seconds of compute, cut into equal
segments of tau (the checkpoint interval, rounded down so that it divides T_s); each segment
ends with a blocking checkpoint of delta. Interruptions arrive as a Poisson process: failures at
lambda_f, which lose the work since the last completed checkpoint, and planned stops at
lambda_p, which keep it (the job saves on notice). Every interruption, also one during a
restart, is followed by a restart of R; the first start has none. An interval of 0 means
continuous checkpointing at no cost: nothing is ever lost.

Vectorised over trials and events (no Python loop per event). A trial is a row of "stretches":
the times between consecutive events, X ~ Exp(lambda_f + lambda_p). Of a stretch, L = X - R is
useful time after the restart; it completes floor(L / (tau + delta)) segments, and a planned
stop adds the compute of the unfinished one. The job ends in the first stretch whose useful time
covers what remains (its compute plus one checkpoint per remaining segment). That is found
with block sums: the running total of progress first comes within one segment of the end in a
known block, and only a window there is examined exactly. `simulate_trial_events` is the same
model as a plain event-by-event loop, for cross-checks and the speed baseline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from gigawatt.errors import InputError
from gigawatt.units import S_PER_H

#: Columns per block of the block sums; the exact window spans two blocks.
BLOCK = 64
#: Stretches per chunk of trials held in memory at once (two float64 arrays of this size);
#: also the widest block, so a very long trial runs as several blocks.
CHUNK_ELEMENTS = 1 << 19
#: Stretches (interruptions) one call may simulate in total: about 10-20 s on one core.
MAX_STRETCHES = 1_000_000_000
_EPS = 1e-9

#: (trial ids, columns) -> stretch lengths [s] (ids x columns), and the (row, column) positions
#: of planned stops among them.
Draws = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Timeline:
    """The schedule of one job: compute, checkpoint interval and costs [s]."""

    duration_s: float
    interval_s: float
    checkpoint_s: float
    restart_s: float

    @classmethod
    def make(
        cls, duration_s: float, interval_s: float, checkpoint_s: float, restart_s: float
    ) -> Timeline:
        """Equal segments: the interval is shortened so that it divides the duration."""
        if interval_s > 0:
            interval_s = duration_s / max(1, math.ceil(duration_s / interval_s))
        return cls(float(duration_s), float(interval_s), float(checkpoint_s), float(restart_s))

    @property
    def segmented(self) -> bool:
        return self.interval_s > 0

    @property
    def work(self) -> float:
        """The job's work in progress units: segments, or seconds when continuous."""
        return round(self.duration_s / self.interval_s) if self.segmented else self.duration_s

    def need_s(self, remaining: np.ndarray) -> np.ndarray:
        """Time to finish `remaining` work units without interruption [s]."""
        if not self.segmented:
            return remaining
        return remaining * self.interval_s + np.ceil(remaining - _EPS) * self.checkpoint_s

    def progress(self, useful_s: np.ndarray) -> np.ndarray:
        """Work units a stretch of `useful_s` keeps when it ends in a failure (in place)."""
        if not self.segmented:
            return np.maximum(useful_s, 0.0, out=useful_s)
        out = np.multiply(useful_s, 1.0 / (self.interval_s + self.checkpoint_s), out=useful_s)
        np.floor(out, out=out)
        return np.maximum(out, 0.0, out=out)

    def planned_extra(self, useful_s: np.ndarray, done_units: np.ndarray) -> np.ndarray:
        """Extra units a planned stop keeps: the compute of the unfinished segment."""
        if not self.segmented:
            return np.zeros_like(useful_s)
        into = useful_s - done_units * (self.interval_s + self.checkpoint_s)
        extra = np.minimum(into, self.interval_s) / self.interval_s
        return np.where(useful_s > 0, extra, 0.0)


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-trial outcomes of `simulate_job` (arrays of length `trials`)."""

    accelerators: int
    duration_s: float
    interval_s: float
    wall_time_s: np.ndarray
    interruptions: np.ndarray
    planned: np.ndarray

    @property
    def trials(self) -> int:
        return int(self.wall_time_s.size)

    @property
    def failures(self) -> np.ndarray:
        return self.interruptions - self.planned

    @property
    def goodput(self) -> np.ndarray:
        """Failure-free compute time / wall time [fraction]."""
        return self.duration_s / self.wall_time_s

    @property
    def lost_gpu_hours(self) -> np.ndarray:
        """Accelerator-hours beyond the failure-free compute: checkpoints, restarts, rework [h]."""
        return self.accelerators * (self.wall_time_s - self.duration_s) / S_PER_H


def rng_draws(rng: np.random.Generator, failure_per_s: float, planned_per_s: float) -> Draws:
    """Stretches from `rng`: Exp(lambda_f + lambda_p) lengths; each is planned with
    probability lambda_p / (lambda_f + lambda_p), placed by geometric gaps (planned stops are
    rare, so their positions are cheaper to draw than one uniform per stretch)."""
    rate = failure_per_s + planned_per_s
    share = planned_per_s / rate

    def draw(ids: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = rng.standard_exponential((ids.size, columns))
        x *= 1.0 / rate
        if share == 0.0:
            empty = np.empty(0, dtype=np.intp)
            return x, empty, empty
        rows, cols = _bernoulli_positions(rng, share, ids.size, columns)
        return x, rows, cols

    return draw


def _bernoulli_positions(
    rng: np.random.Generator, p: float, rows: int, columns: int
) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of the successes of rows x columns independent Bernoulli(p) trials."""
    per_row = columns * p
    width = max(1, math.ceil(per_row + 6.0 * math.sqrt(per_row) + 4.0))
    pos = np.cumsum(rng.geometric(p, (rows, width)), axis=1) - 1
    while (pos[:, -1] < columns).any():  # rarely: extend rows that have not passed the end
        more = pos[:, -1:] + np.cumsum(rng.geometric(p, (rows, width)), axis=1)
        pos = np.concatenate([pos, more], axis=1)
    inside = pos < columns
    return np.nonzero(inside)[0], pos[inside]


@dataclass(frozen=True)
class _Block:
    done: np.ndarray  # bool per row
    wall_s: np.ndarray  # wall time spent in this block
    interruptions: np.ndarray
    planned: np.ndarray
    remaining: np.ndarray  # work left for rows not done


def _useful_and_progress(
    x: np.ndarray, pr: np.ndarray, pc: np.ndarray, first: bool, tl: Timeline
) -> tuple[np.ndarray, np.ndarray]:
    """Useful time after each stretch's restart [s], and the work units each stretch keeps."""
    useful = x - tl.restart_s
    if first:
        useful[:, 0] = x[:, 0]  # the job's first start has no restart
    prog = tl.progress(useful.copy())
    if pr.size:
        prog[pr, pc] += tl.planned_extra(useful[pr, pc], prog[pr, pc])
    return useful, prog


def _first_done(
    useful: np.ndarray, before: np.ndarray, remaining: np.ndarray, tl: Timeline
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: whether a stretch ends the job, the first that does, and the time it needs.

    `before` is the work kept before each stretch; a stretch ends the job when its useful time
    covers the rest: the remaining compute plus one checkpoint per remaining segment."""
    left = np.maximum(remaining[:, None] - before, 0.0)
    need = tl.need_s(left)
    done = useful >= need
    found = done.any(axis=1)
    j = np.argmax(done, axis=1)
    return found, j, need[np.arange(j.size), j]


def _block_dense(
    x: np.ndarray, pr: np.ndarray, pc: np.ndarray, remaining: np.ndarray, first: bool, tl: Timeline
) -> _Block:
    """One block of stretches per row, evaluated on every stretch (the simple reference)."""
    useful, prog = _useful_and_progress(x, pr, pc, first, tl)
    total = np.cumsum(prog, axis=1)
    found, j, need = _first_done(useful, total - prog, remaining, tl)
    return _finish(x, useful, pr, pc, remaining, found, j, need, np.cumsum(x, axis=1), total[:, -1])


def _block_fast(
    x: np.ndarray, pr: np.ndarray, pc: np.ndarray, remaining: np.ndarray, first: bool, tl: Timeline
) -> _Block:
    """The same as `_block_dense`, examining only a window where the job can end.

    A stretch that ends the job leaves at most one unit undone before it, so the running total
    of progress there exceeds (remaining - 1): the first block whose cumulative sum does so holds
    the earliest possible end, and a window of two blocks from its start is examined exactly.
    Rows whose window holds no end (rare) fall back to the dense evaluation.
    """
    n, m = x.shape
    useful, prog = _useful_and_progress(x, pr, pc, first, tl)
    nb = m // BLOCK
    prog_blocks = np.cumsum(prog.reshape(n, nb, BLOCK).sum(axis=2), axis=1)
    x_blocks = np.cumsum(x.reshape(n, nb, BLOCK).sum(axis=2), axis=1)
    b0 = np.count_nonzero(prog_blocks <= (remaining - 1.0 - _EPS)[:, None], axis=1)
    found = np.zeros(n, dtype=bool)
    j = np.zeros(n, dtype=np.intp)
    need = np.zeros(n)
    x_before = np.zeros(n)

    rows = np.flatnonzero(b0 < nb)
    if rows.size:
        b = b0[rows]
        cols = (b * BLOCK)[:, None] + np.arange(2 * BLOCK)
        valid = cols < m
        cols = np.minimum(cols, m - 1)
        r2 = rows[:, None]
        w_prog = np.where(valid, prog[r2, cols], 0.0)
        w_useful = np.where(valid, useful[r2, cols], -np.inf)
        w_x = np.where(valid, x[r2, cols], 0.0)
        start = np.where(b > 0, prog_blocks[rows, b - 1], 0.0)
        before = start[:, None] + np.cumsum(w_prog, axis=1) - w_prog
        f, jl, nd = _first_done(w_useful, before, remaining[rows], tl)
        found[rows] = f
        j[rows] = b * BLOCK + jl
        need[rows] = nd
        x_start = np.where(b > 0, x_blocks[rows, b - 1], 0.0)
        x_before[rows] = x_start + np.where(np.arange(2 * BLOCK) < jl[:, None], w_x, 0.0).sum(1)

    out = _finish_parts(
        x, useful, pr, pc, remaining, found, j, need, x_before, x_blocks[:, -1], prog_blocks[:, -1]
    )
    missed = np.flatnonzero((b0 < nb) & ~found)
    if missed.size:  # a window without an end: evaluate those rows in full
        sel = np.isin(pr, missed)
        remap = np.full(n, -1)
        remap[missed] = np.arange(missed.size)
        dense = _block_dense(x[missed], remap[pr[sel]], pc[sel], remaining[missed], first, tl)
        for name in ("done", "wall_s", "interruptions", "planned", "remaining"):
            getattr(out, name)[missed] = getattr(dense, name)
    return out


def _finish(
    x: np.ndarray,
    useful: np.ndarray,
    pr: np.ndarray,
    pc: np.ndarray,
    remaining: np.ndarray,
    found: np.ndarray,
    j: np.ndarray,
    need: np.ndarray,
    x_cum: np.ndarray,
    prog_total: np.ndarray,
) -> _Block:
    n = x.shape[0]
    x_before = np.where(j > 0, x_cum[np.arange(n), j - 1], 0.0)
    return _finish_parts(
        x, useful, pr, pc, remaining, found, j, need, x_before, x_cum[:, -1], prog_total
    )


def _finish_parts(
    x: np.ndarray,
    useful: np.ndarray,
    pr: np.ndarray,
    pc: np.ndarray,
    remaining: np.ndarray,
    found: np.ndarray,
    j: np.ndarray,
    need: np.ndarray,
    x_before: np.ndarray,
    x_total: np.ndarray,
    prog_total: np.ndarray,
) -> _Block:
    """Per-row outcome of a block: the ending stretch j (where found) or the whole block."""
    n, m = x.shape
    rows = np.arange(n)
    restart = x[rows, j] - useful[rows, j]  # 0 for the job's first start
    wall = np.where(found, x_before + restart + need, x_total)
    interruptions = np.where(found, j, m)
    planned_here = pc < np.where(found, j, m)[pr] if pr.size else np.zeros(0, bool)
    planned = np.bincount(pr[planned_here], minlength=n) if pr.size else np.zeros(n, np.intp)
    left = np.maximum(remaining - prog_total, 0.0)
    return _Block(found, wall, interruptions.astype(np.int64), planned.astype(np.int64), left)


def simulate_timelines(
    draw: Draws,
    tl: Timeline,
    trials: int,
    columns: int,
    *,
    chunk_rows: int | None = None,
    dense: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wall time [s], interruptions and planned stops of `trials` timelines.

    Trials are processed in chunks of rows, each drawing blocks of `columns` stretches until
    every row has ended (a row that has not continues in a new block, restarting first).
    """
    columns = max(BLOCK, math.ceil(min(columns, CHUNK_ELEMENTS) / BLOCK) * BLOCK)
    chunk_rows = chunk_rows or max(1, CHUNK_ELEMENTS // columns)
    block = _block_dense if dense else _block_fast
    wall = np.zeros(trials)
    interruptions = np.zeros(trials, dtype=np.int64)
    planned = np.zeros(trials, dtype=np.int64)
    for start in range(0, trials, chunk_rows):
        active = np.arange(start, min(start + chunk_rows, trials))
        remaining = np.full(active.size, float(tl.work))
        first = True
        while active.size:
            x, pr, pc = draw(active, columns)
            out = block(x, pr, pc, remaining, first, tl)
            wall[active] += out.wall_s
            interruptions[active] += out.interruptions
            planned[active] += out.planned
            active, remaining, first = active[~out.done], out.remaining[~out.done], False
    return wall, interruptions, planned


def expected_stretches(wall_time_s: float, interruption_per_s: float) -> float:
    """Expected stretches per trial: interruptions during the expected wall time, plus one."""
    return interruption_per_s * wall_time_s + 1.0


def simulate_job(
    accelerators: int,
    tl: Timeline,
    failure_per_s: float,
    planned_per_s: float,
    expected_wall_s: float,
    trials: int,
    rng: np.random.Generator,
) -> MonteCarloResult:
    """`trials` Monte Carlo timelines of one job with explicit `rng` (reproducible by seed).

    `expected_wall_s` (the closed form) only sizes the blocks: results do not depend on it
    beyond the order in which random numbers are used.
    """
    rate = failure_per_s + planned_per_s
    if rate <= 0:
        wall = np.full(trials, tl.need_s(np.asarray(float(tl.work))).item())
        zeros = np.zeros(trials, dtype=np.int64)
        return MonteCarloResult(accelerators, tl.duration_s, tl.interval_s, wall, zeros, zeros)
    mean = expected_stretches(expected_wall_s, rate)
    if not trials * mean <= MAX_STRETCHES:
        raise InputError(
            f"{trials} trials would simulate about {trials * mean:.3g} interruptions; at most "
            f"{MAX_STRETCHES:.0e} are allowed",
            field="trials",
        )
    columns = math.ceil(mean + 5.0 * math.sqrt(mean) + 2 * BLOCK)
    wall, interruptions, planned = simulate_timelines(
        rng_draws(rng, failure_per_s, planned_per_s), tl, trials, columns
    )
    return MonteCarloResult(
        accelerators, tl.duration_s, tl.interval_s, wall, interruptions, planned
    )


def simulate_trial_events(
    events: Iterator[tuple[float, bool]], tl: Timeline
) -> tuple[float, int, int]:
    """One timeline, event by event: (wall time [s], interruptions, planned stops).

    A plain loop over checkpoints completed, failures, planned stops and restarts; `events`
    yields (time from now to the next interruption [s], whether it is planned). The same model
    as `simulate_timelines`, written the obvious way.
    """
    tau, delta, restart = tl.interval_s, tl.checkpoint_s, tl.restart_s
    left = float(tl.work)
    t = 0.0
    interruptions = planned = 0
    x, is_planned = next(events)
    restarting = False
    while True:
        if restarting:
            if x < restart:  # interrupted during the restart: restart again
                t += x
                interruptions += 1
                planned += is_planned
                x, is_planned = next(events)
                continue
            t += restart
            x -= restart
        restarting = True
        if not tl.segmented:
            if x >= left:
                return t + left, interruptions, planned
            left -= x
        else:
            seg = min(left, 1.0)
            while left > 0:
                seg = min(left, 1.0)
                step = seg * tau + delta
                if x < step:
                    break
                t += step
                x -= step
                left -= seg
            if left <= 0:
                return t, interruptions, planned
            if is_planned:  # the compute of the unfinished segment is saved
                left -= min(x, seg * tau) / tau
                left = 0.0 if left < _EPS else left
        t += x
        interruptions += 1
        planned += is_planned
        x, is_planned = next(events)
