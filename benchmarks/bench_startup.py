"""Issue 12's command-line targets, timed as a user meets them (a new process each time):
`gigawatt --help` (target <= 0.3 s), `gigawatt run` of the default scenario with an empty
persistent search cache (cold, <= 4 s) and with a filled one (warm, <= 1.5 s). Each prints
whether its target was met on this machine; the page records the load it ran under."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

SCENARIO = "nvidia-openai-10gw"
GIGAWATT = str(Path(sys.executable).parent / "gigawatt")
HELP_TARGET_S = 0.3
RUN_COLD_TARGET_S = 4.0
RUN_WARM_TARGET_S = 1.5


def _timed(args: list[str], cache_dir: str) -> tuple[float, float]:
    """(wall, CPU of the child) seconds of `gigawatt ARGS`."""
    env = {**os.environ, "GIGAWATT_CACHE_DIR": cache_dir}
    before = os.times()
    start = time.perf_counter()
    subprocess.run([GIGAWATT, *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def _verdict(seconds: float, target: float) -> str:
    return f"target <= {target:g} s: {'met' if seconds <= target else 'NOT met'}"


@pytest.fixture
def folder():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def test_help(benchmark, folder):
    cpu: list[float] = []

    def once():
        cpu.append(_timed(["--help"], str(folder / "cache"))[1])

    benchmark.pedantic(once, rounds=5, iterations=1, warmup_rounds=1)
    best = benchmark.stats.stats.min
    print(
        f"\ngigawatt --help: {best:.2f} s wall (fastest of 5), {min(cpu):.2f} s CPU; "
        + _verdict(best, HELP_TARGET_S)
    )


def test_run_cold_and_warm(benchmark, folder):
    """Cold: a new cache folder each round. Warm: the cache the cold round filled."""
    cold: list[tuple[float, float]] = []
    warm: list[tuple[float, float]] = []
    rounds = iter(range(1_000))

    def once():
        cache = str(folder / f"cache-{next(rounds)}")
        cold.append(_timed(["run", SCENARIO, "--out", str(folder / "out")], cache))
        warm.append(_timed(["run", SCENARIO, "--out", str(folder / "out")], cache))

    benchmark.pedantic(once, rounds=2, iterations=1)
    c = min(cold)
    w = min(warm)
    print(
        f"\ngigawatt run {SCENARIO} (report included), cold cache: {c[0]:.2f} s wall, "
        f"{c[1]:.2f} s CPU; " + _verdict(c[0], RUN_COLD_TARGET_S)
    )
    print(
        f"gigawatt run {SCENARIO}, warm cache: {w[0]:.2f} s wall, {w[1]:.2f} s CPU; "
        + _verdict(w[0], RUN_WARM_TARGET_S)
    )
