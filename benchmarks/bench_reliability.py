"""Speed of the reliability Monte Carlo (DESIGN.md section 9).

10,000 trials of a 100,000-accelerator, 90-day job (dgx-h100, h100-class failures, Daly's
interval, 10 s checkpoints, 10 min restarts): about 6,800 interruptions and 40,000 checkpoints
per trial. Goal: about one second on one core. Side by side, in the same run, the same model as
a plain event-by-event loop (`simulate_trial_events`) on a subset of trials, scaled to 10,000.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.reliability import RecoveryPlan, job_reliability, monte_carlo, simulate_trial_events

TRIALS = 10_000
LOOP_TRIALS = 20
ACCELERATORS = 100_000
DAYS = 90


def _job():
    cat = Catalog.load()
    system = cat.system("dgx-h100")
    plan = RecoveryPlan.of(cat, system, "llama3-405b", 405e9, "sync")
    fm = cat.failure_model("h100-class")
    return job_reliability(ACCELERATORS, DAYS * 86400.0, fm, system, plan, 10.0, 600.0)


def _events(rng: np.random.Generator, rate: float, planned_share: float) -> Iterator[tuple]:
    """Interruptions one at a time (drawn in batches, so the loop, not the RNG, is timed)."""
    while True:
        gaps = rng.exponential(1.0 / rate, 4096).tolist()
        planned = (rng.random(4096) < planned_share).astype(int).tolist()
        yield from zip(gaps, planned, strict=True)


def _event_loop(result, trials: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    tl = result.timeline()
    share = result.planned_per_s / result.interruption_per_s
    return np.array(
        [
            simulate_trial_events(_events(rng, result.interruption_per_s, share), tl)[0]
            for _ in range(trials)
        ]
    )


def test_monte_carlo_speed(benchmark):
    result = _job()
    mc = benchmark.pedantic(
        lambda: monte_carlo(result, TRIALS, np.random.default_rng(0)), rounds=3, iterations=1
    )
    vector_s = benchmark.stats.stats.min

    start = time.perf_counter()
    loop_wall = _event_loop(result, LOOP_TRIALS, 1)
    loop_s = (time.perf_counter() - start) * TRIALS / LOOP_TRIALS

    stretches = float(mc.interruptions.sum() + TRIALS)
    print(
        f"\nreliability Monte Carlo: {TRIALS:,} trials x {ACCELERATORS:,} accelerators x "
        f"{DAYS} days ({mc.interruptions.mean():,.0f} interruptions and "
        f"{DAYS * 86400 / result.interval_s:,.0f} checkpoints per trial)\n"
        f"  vectorised (NumPy):  {vector_s:.3f} s  ({TRIALS / vector_s:,.0f} trials/s, "
        f"{stretches / vector_s / 1e6:.0f} M interruptions/s)\n"
        f"  event-by-event loop: {loop_s:.1f} s  (timed on {LOOP_TRIALS} trials, scaled)\n"
        f"  speed-up: {loop_s / vector_s:.0f}x\n"
        f"  mean wall time: vectorised {mc.wall_time_s.mean() / 86400:.2f} d, loop "
        f"{loop_wall.mean() / 86400:.2f} d, closed form {result.wall_time_s / 86400:.2f} d; "
        f"goodput {mc.goodput.mean():.4f} (closed form {result.goodput:.4f})"
    )
    assert abs(mc.wall_time_s.mean() / result.wall_time_s - 1) < 0.02
    assert abs(loop_wall.mean() / result.wall_time_s - 1) < 0.02
