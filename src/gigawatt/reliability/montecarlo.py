"""Monte Carlo of job timelines: failures, planned stops, checkpoints, restarts.

The model (Daly 2006's, with interruption classes). A job needs T_s seconds of compute, cut into
equal segments of tau (the checkpoint interval, rounded down so that it divides T_s); each
segment ends with a blocking checkpoint of delta, durable P seconds later (an asynchronous
write; P = 0 when checkpoints block until written). Interruptions arrive as Poisson processes in
two classes (`recovery.CLASSES`): failures, which lose the work since the last durable
checkpoint, and planned stops, which keep it (the job saves on notice). Each is followed by its
class's restart, also when it strikes during a restart; the first start has none. An interval
of 0 means continuous checkpointing.

Vectorised over trials and events (no Python loop per event). A trial is a row of "stretches":
the times between consecutive events, X ~ Exp(sum of rates), each ended by an event of a class
drawn with probability rate / sum. Of a stretch, L = X - R (R of the class that began it) is
useful time; it keeps floor((L - P) / (tau + delta)) segments when a failure ends it, and
floor(L / (tau + delta)) plus the compute of the unfinished segment otherwise. The job ends in
the first stretch whose useful time covers what remains (its compute plus one checkpoint per
remaining segment). That is found with block sums: the running total of progress first comes
within a few segments of the end in a known block, and only a window there is examined exactly.
`simulate_trial_events` is the same model as a plain event-by-event loop, for cross-checks and
the speed baseline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from gigawatt.display import counted
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

#: (trial ids, columns) -> stretch lengths [s] and the class of the event ending each (both
#: ids x columns).
Draws = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Timeline:
    """The schedule of one job: compute, checkpoint interval, costs [s], by interruption class.

    `restarts_s[k]` follows an event of class k (failure, planned: `CLASSES`); only class 0
    loses work; `persist_s` is the lag of a checkpoint to durable.
    """

    duration_s: float
    interval_s: float
    checkpoint_s: float
    restarts_s: tuple[float, float]
    persist_s: float = 0.0

    @classmethod
    def make(
        cls,
        duration_s: float,
        interval_s: float,
        checkpoint_s: float,
        restart_s: float,
        *,
        persist_s: float = 0.0,
    ) -> Timeline:
        """Equal segments: the interval is shortened so that it divides the duration.
        Failures and planned stops restart in `restart_s`."""
        if interval_s > 0:
            interval_s = duration_s / max(1, math.ceil(duration_s / interval_s))
        restarts = (float(restart_s), float(restart_s))
        return cls(
            float(duration_s), float(interval_s), float(checkpoint_s), restarts, float(persist_s)
        )

    @property
    def restart_s(self) -> float:
        """The restart after a failure [s]."""
        return self.restarts_s[0]

    @property
    def segmented(self) -> bool:
        return self.interval_s > 0

    @property
    def work(self) -> float:
        """The job's work in progress units: segments, or seconds when continuous."""
        return round(self.duration_s / self.interval_s) if self.segmented else self.duration_s

    @property
    def slack(self) -> float:
        """Progress units a stretch that ends the job may fall short of it by, were it a
        failure: one unit, plus the lag to durable in units."""
        if not self.segmented:
            return 1.0 + self.persist_s
        return 1.0 + math.ceil(self.persist_s / (self.interval_s + self.checkpoint_s))

    def need_s(self, remaining: np.ndarray) -> np.ndarray:
        """Time to finish `remaining` work units without interruption [s]."""
        if not self.segmented:
            return remaining
        return remaining * self.interval_s + np.ceil(remaining - _EPS) * self.checkpoint_s

    def progress(self, useful_s: np.ndarray, kept: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Work units each stretch of `useful_s` keeps: after a failure, the segments durable by
        then; after a stretch at `kept` (row, column indices of events that keep work), every
        completed segment plus the unfinished one's compute. Events that keep work are rare, so
        they are handled at their positions only."""
        if not self.segmented:
            out = np.maximum(useful_s - self.persist_s, 0.0)
            out[kept] = np.maximum(useful_s[kept], 0.0)
            return out
        w = self.interval_s + self.checkpoint_s
        out = useful_s - self.persist_s if self.persist_s else useful_s.copy()
        out *= 1.0 / w
        np.floor(out, out=out)
        np.maximum(out, 0.0, out=out)
        if kept[0].size:
            u = useful_s[kept]
            whole = np.maximum(np.floor(u / w), 0.0)
            extra = np.where(u > 0, np.minimum(u - whole * w, self.interval_s), 0.0)
            out[kept] = whole + extra / self.interval_s
        return out


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-trial outcomes of `simulate_job` (arrays of length `trials`)."""

    accelerators: int
    duration_s: float
    interval_s: float
    wall_time_s: np.ndarray
    by_class: np.ndarray  # (trials, classes): events of each class

    @property
    def trials(self) -> int:
        return int(self.wall_time_s.size)

    @property
    def interruptions(self) -> np.ndarray:
        """Every event: failures and planned stops."""
        return self.by_class.sum(axis=1)

    @property
    def failures(self) -> np.ndarray:
        return self.by_class[:, 0]

    @property
    def planned(self) -> np.ndarray:
        return self.by_class[:, 1]

    @property
    def goodput(self) -> np.ndarray:
        """Failure-free compute time / wall time [fraction]."""
        return self.duration_s / self.wall_time_s

    @property
    def lost_gpu_hours(self) -> np.ndarray:
        """Accelerator-hours beyond the failure-free compute: checkpoints, restarts, rework [h]."""
        return self.accelerators * (self.wall_time_s - self.duration_s) / S_PER_H


def rng_draws(rng: np.random.Generator, rates_per_s: Sequence[float]) -> Draws:
    """Stretches from `rng`: Exp(sum of rates) lengths, each ended by a planned stop (class 1)
    with probability lambda_p / (lambda_f + lambda_p), else a failure (class 0). The planned
    stops are placed by geometric gaps (they are rare, so their positions are cheaper to draw
    than one uniform per stretch)."""
    rates = np.asarray(rates_per_s, float)
    if rates.size != 2:
        raise ValueError(f"two interruption classes (failure, planned), not {rates.size}")
    total = rates.sum()
    share = rates[1] / total

    def draw(ids: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_exponential((ids.size, columns))
        x *= 1.0 / total
        cls = np.zeros(x.shape, dtype=np.int8)
        if share == 1.0:
            cls[:] = 1
        elif share > 0.0:
            cls[_bernoulli_positions(rng, share, ids.size, columns)] = 1
        return x, cls

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
    by_class: np.ndarray  # (rows, classes): events in this block
    remaining: np.ndarray  # work left for rows not done
    restart_s: np.ndarray  # the restart that opens the row's next block


def _useful_and_progress(
    x: np.ndarray, cls: np.ndarray, opening_s: np.ndarray, tl: Timeline
) -> tuple[np.ndarray, np.ndarray]:
    """Useful time after each stretch's restart [s], and the work units each stretch keeps.

    A stretch restarts after the event that ended the previous one; the block's first stretch
    after `opening_s` (0 at the job's first start)."""
    useful = np.empty_like(x)
    useful[:, 0] = x[:, 0] - opening_s
    if len(set(tl.restarts_s)) == 1:  # every class restarts alike: no lookup per stretch
        np.subtract(x[:, 1:], tl.restarts_s[0], out=useful[:, 1:])
    else:
        np.subtract(x[:, 1:], np.asarray(tl.restarts_s)[cls[:, :-1]], out=useful[:, 1:])
    return useful, tl.progress(useful, np.nonzero(cls))


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
    x: np.ndarray, cls: np.ndarray, remaining: np.ndarray, opening_s: np.ndarray, tl: Timeline
) -> _Block:
    """One block of stretches per row, evaluated on every stretch (the simple reference)."""
    useful, prog = _useful_and_progress(x, cls, opening_s, tl)
    total = np.cumsum(prog, axis=1)
    found, j, need = _first_done(useful, total - prog, remaining, tl)
    n = x.shape[0]
    x_cum = np.cumsum(x, axis=1)
    x_before = np.where(j > 0, x_cum[np.arange(n), j - 1], 0.0)
    return _finish(
        x, cls, useful, remaining, found, j, need, x_before, x_cum[:, -1], total[:, -1], tl
    )


def _block_fast(
    x: np.ndarray, cls: np.ndarray, remaining: np.ndarray, opening_s: np.ndarray, tl: Timeline
) -> _Block:
    """The same as `_block_dense`, examining only a window where the job can end.

    A stretch that ends the job would, had it been a failure, have kept all but `tl.slack`
    units of what remained, so the running total of progress there exceeds (remaining -
    slack): the first block whose cumulative sum does so holds the earliest possible end, and a
    window of two blocks from its start is examined exactly. Rows whose window holds no end
    (rare) fall back to the dense evaluation.
    """
    n, m = x.shape
    useful, prog = _useful_and_progress(x, cls, opening_s, tl)
    nb = m // BLOCK
    prog_blocks = np.cumsum(prog.reshape(n, nb, BLOCK).sum(axis=2), axis=1)
    x_blocks = np.cumsum(x.reshape(n, nb, BLOCK).sum(axis=2), axis=1)
    b0 = np.count_nonzero(prog_blocks <= (remaining - tl.slack - _EPS)[:, None], axis=1)
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

    out = _finish(
        x, cls, useful, remaining, found, j, need, x_before, x_blocks[:, -1], prog_blocks[:, -1], tl
    )
    missed = np.flatnonzero((b0 < nb) & ~found)
    if missed.size:  # a window without an end: evaluate those rows in full
        dense = _block_dense(x[missed], cls[missed], remaining[missed], opening_s[missed], tl)
        for name in ("done", "wall_s", "by_class", "remaining", "restart_s"):
            getattr(out, name)[missed] = getattr(dense, name)
    return out


def _finish(
    x: np.ndarray,
    cls: np.ndarray,
    useful: np.ndarray,
    remaining: np.ndarray,
    found: np.ndarray,
    j: np.ndarray,
    need: np.ndarray,
    x_before: np.ndarray,
    x_total: np.ndarray,
    prog_total: np.ndarray,
    tl: Timeline,
) -> _Block:
    """Per-row outcome of a block: the ending stretch j (where found) or the whole block."""
    n, m = x.shape
    rows = np.arange(n)
    restart = x[rows, j] - useful[rows, j]  # 0 for the job's first start
    wall = np.where(found, x_before + restart + need, x_total)
    end = np.where(found, j, m)  # events before the ending stretch
    rows_k, cols_k = np.nonzero(cls)
    planned = np.bincount(rows_k[cols_k < end[rows_k]], minlength=n)
    by_class = np.stack([end - planned, planned], axis=1)
    left = np.maximum(remaining - prog_total, 0.0)
    opening = np.asarray(tl.restarts_s)[cls[:, -1]]
    return _Block(found, wall, by_class.astype(np.int64), left, opening)


def simulate_timelines(
    draw: Draws,
    tl: Timeline,
    trials: int,
    columns: int,
    *,
    chunk_rows: int | None = None,
    dense: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Wall time [s] and events by class (trials x classes) of `trials` timelines.

    Trials are processed in chunks of rows, each drawing blocks of `columns` stretches until
    every row has ended (a row that has not continues in a new block, restarting first).
    """
    columns = max(BLOCK, math.ceil(min(columns, CHUNK_ELEMENTS) / BLOCK) * BLOCK)
    chunk_rows = chunk_rows or max(1, CHUNK_ELEMENTS // columns)
    block = _block_dense if dense else _block_fast
    wall = np.zeros(trials)
    by_class = np.zeros((trials, len(tl.restarts_s)), dtype=np.int64)
    for start in range(0, trials, chunk_rows):
        active = np.arange(start, min(start + chunk_rows, trials))
        remaining = np.full(active.size, float(tl.work))
        opening = np.zeros(active.size)
        while active.size:
            x, cls = draw(active, columns)
            out = block(x, cls, remaining, opening, tl)
            wall[active] += out.wall_s
            by_class[active] += out.by_class
            keep = ~out.done
            active, remaining, opening = active[keep], out.remaining[keep], out.restart_s[keep]
    return wall, by_class


def expected_stretches(wall_time_s: float, interruption_per_s: float) -> float:
    """Expected stretches per trial: interruptions during the expected wall time, plus one."""
    return interruption_per_s * wall_time_s + 1.0


def simulate_job(
    accelerators: int,
    tl: Timeline,
    rates_per_s: Sequence[float],
    expected_wall_s: float,
    trials: int,
    rng: np.random.Generator,
) -> MonteCarloResult:
    """`trials` Monte Carlo timelines of one job with explicit `rng` (reproducible by seed).

    `rates_per_s` are the rates of the interruption classes (failure, planned; fewer means the
    rest are 0). `expected_wall_s` (the closed form) only sizes the blocks: results do
    not depend on it beyond the order in which random numbers are used.
    """
    rates = np.zeros(len(tl.restarts_s))
    rates[: len(rates_per_s)] = rates_per_s
    rate = float(rates.sum())
    if rate <= 0:
        wall = np.full(trials, tl.need_s(np.asarray(float(tl.work))).item())
        zeros = np.zeros((trials, rates.size), dtype=np.int64)
        return MonteCarloResult(accelerators, tl.duration_s, tl.interval_s, wall, zeros)
    mean = expected_stretches(expected_wall_s, rate)
    if not trials * mean <= MAX_STRETCHES:
        raise InputError(
            f"{counted(trials, 'trial')} would simulate about {trials * mean:.3g} interruptions; "
            "at most "
            f"{MAX_STRETCHES:.0e} are allowed",
            field="trials",
        )
    columns = math.ceil(mean + 5.0 * math.sqrt(mean) + 2 * BLOCK)
    wall, by_class = simulate_timelines(rng_draws(rng, rates), tl, trials, columns)
    return MonteCarloResult(accelerators, tl.duration_s, tl.interval_s, wall, by_class)


def simulate_trial_events(
    events: Iterator[tuple[float, int]], tl: Timeline
) -> tuple[float, int, int]:
    """One timeline, event by event: (wall time [s], interruptions, planned stops).

    A plain loop over checkpoints completed, interruptions and restarts; `events` yields (time
    from now to the next interruption [s], its class: 0 failure, 1 planned). The
    same model as `simulate_timelines`, written the obvious way: a failure falls back to the
    last checkpoint durable at that moment (taken at least `persist_s` earlier).
    """
    tau, delta, lag = tl.interval_s, tl.checkpoint_s, tl.persist_s
    left = float(tl.work)
    t = 0.0
    interruptions = planned = 0
    x, kind = next(events)
    restart = 0.0  # the job's first start has none
    while True:
        if x < restart:  # interrupted during the restart: restart again, after this event
            t += x
            interruptions += 1
            planned += kind == 1
            restart = tl.restarts_s[kind]
            x, kind = next(events)
            continue
        t += restart
        x -= restart
        if not tl.segmented:
            if x >= left:
                return t + left, interruptions, planned
            left -= x if kind else max(x - lag, 0.0)
        else:
            elapsed = 0.0  # time since the restart
            durable_at: list[tuple[float, float]] = []  # (time durable, work left then)
            start_left = left
            while left > 0:
                seg = min(left, 1.0)
                step = seg * tau + delta
                if x < step:
                    break
                t += step
                x -= step
                elapsed += step
                left -= seg
                durable_at.append((elapsed + lag, left))
            if left <= 0:
                return t, interruptions, planned
            if kind:  # the compute of the unfinished segment is kept
                left -= min(x, min(left, 1.0) * tau) / tau
                left = 0.0 if left < _EPS else left
            else:  # back to the last checkpoint durable when the failure strikes
                now = elapsed + x
                left = min((w for d, w in durable_at if d <= now), default=start_left)
        t += x
        interruptions += 1
        planned += kind == 1
        restart = tl.restarts_s[kind]
        x, kind = next(events)
