"""Speed of sweeps (`make bench`): samples/s of the default scenario, here, in a local pool and
on a local Dask cluster, and the store's share of the time."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest

from gigawatt.catalog import Catalog
from gigawatt.scenario import load_scenario
from gigawatt.sweep import run_samples, run_sweep

SCENARIO = "nvidia-openai-10gw"
SAMPLES = 100
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
