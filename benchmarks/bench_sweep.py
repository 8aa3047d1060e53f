"""Speed of sweeps (`make bench`): samples/s of the default scenario, here, in a local pool and
on a local Dask cluster, and the store's share of the time."""

from __future__ import annotations

import itertools
import tempfile
import time
from pathlib import Path

import pytest

from gigawatt.catalog import Catalog
from gigawatt.scenario import load_scenario
from gigawatt.sweep import run_samples, run_sweep
from gigawatt.sweep.samples import run_sample

SCENARIO = "nvidia-openai-10gw"
SAMPLES = 100
#: Issue 12's targets: a warm sample on one core; 10,000 samples with --workers 2.
SAMPLE_TARGET_S = 0.010
BIG_SWEEP = 10_000
BIG_SWEEP_TARGET_S = 90.0
#: Samples actually run for the 10,000-sample figure (extrapolated linearly, and said so).
MEASURED_SWEEP = 1_000
_STORES = itertools.count()


@pytest.fixture(scope="module")
def inputs():
    catalog = Catalog.load()
    return load_scenario(SCENARIO, catalog), catalog


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def _fresh_sweep(folder: Path, inputs, **kwargs):
    """A sweep into a new store each round (a rerun into the same store computes nothing)."""
    scenario, catalog = inputs

    def setup():
        store = folder / f"s{next(_STORES)}.duckdb"
        return (scenario, SAMPLES, 0, store), {"catalog": catalog, **kwargs}

    return setup


def _report(benchmark, what: str) -> None:
    mean = benchmark.stats["mean"]
    print(f"\n{what}: {SAMPLES} samples in {mean:.2f} s, {SAMPLES / mean:.0f} samples/s")


def test_simulate_only(benchmark, inputs):
    scenario, catalog = inputs
    benchmark.pedantic(run_samples, (scenario, catalog, 0, range(SAMPLES)), rounds=3)
    _report(benchmark, f"{SCENARIO}, simulate only (no store), one core")


def test_sweep_in_process(benchmark, inputs, folder):
    result = benchmark.pedantic(run_sweep, setup=_fresh_sweep(folder, inputs), rounds=3)
    assert result.computed == SAMPLES
    _report(benchmark, f"{SCENARIO}, gigawatt sweep in process (with the DuckDB store)")


def test_sweep_process_pool(benchmark, inputs, folder):
    result = benchmark.pedantic(run_sweep, setup=_fresh_sweep(folder, inputs, workers=2), rounds=2)
    assert result.computed == SAMPLES
    _report(benchmark, f"{SCENARIO}, --workers 2 (process start-up included)")


def test_sweep_dask_local_cluster(benchmark, inputs, folder):
    distributed = pytest.importorskip("distributed")
    setup = _fresh_sweep(folder, inputs)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0"
    ) as cluster:

        def on_cluster():
            (scenario, samples, seed, store), kw = setup()
            return run_sweep(scenario, samples, seed, store, cluster.scheduler_address, **kw)

        # the warm-up round has the workers import gigawatt, as a long-lived cluster has
        result = benchmark.pedantic(on_cluster, rounds=2, warmup_rounds=1)
    assert result.computed == SAMPLES
    _report(benchmark, f"{SCENARIO}, Dask LocalCluster of 2 worker processes")


def test_warm_sample(benchmark, inputs):
    """One sample of the default scenario (simulate, headline, flattening) once its searches
    are known: what every sample of a long sweep pays, on one core."""
    scenario, catalog = inputs
    for i in range(20):  # the searches of the sizes these samples meet
        run_sample(scenario, catalog, 0, i)
    samples = iter(range(20, 10_000))
    cpu_start = time.process_time()
    benchmark.pedantic(lambda: run_sample(scenario, catalog, 0, next(samples)), rounds=50)
    cpu_ms = (time.process_time() - cpu_start) / 50 * 1e3  # this process's CPU: load-proof
    median = benchmark.stats["median"]
    verdict = "met" if median <= SAMPLE_TARGET_S else "NOT met"
    print(
        f"\n{SCENARIO}, one warm sample: {median * 1e3:.1f} ms wall (median of 50), "
        f"{cpu_ms:.1f} ms CPU (mean); target <= {SAMPLE_TARGET_S * 1e3:.0f} ms: {verdict}"
    )


def test_big_sweep_two_workers(benchmark, inputs, folder):
    """`gigawatt sweep --workers 2` of MEASURED_SWEEP samples (process start-up and the store
    included), with the persistent search cache filled by an earlier sweep, as a user's
    second sweep finds it; the 10,000-sample time is this one's scaled linearly."""
    scenario, catalog = inputs
    run_sweep(scenario, 20, 0, folder / "warm-up.duckdb", catalog=catalog, workers=2)

    def setup():
        return (scenario, MEASURED_SWEEP, 1, folder / f"big{next(_STORES)}.duckdb"), {
            "catalog": catalog,
            "workers": 2,
        }

    result = benchmark.pedantic(run_sweep, setup=setup, rounds=1)
    assert result.computed == MEASURED_SWEEP
    mean = benchmark.stats["mean"]
    scaled = mean * BIG_SWEEP / MEASURED_SWEEP
    verdict = "met" if scaled <= BIG_SWEEP_TARGET_S else "NOT met"
    print(
        f"\n{SCENARIO}, --workers 2: {MEASURED_SWEEP:,} samples in {mean:.1f} s "
        f"({MEASURED_SWEEP / mean:.0f} samples/s); {BIG_SWEEP:,} samples extrapolated: "
        f"{scaled:.0f} s; target <= {BIG_SWEEP_TARGET_S:.0f} s: {verdict}"
    )
