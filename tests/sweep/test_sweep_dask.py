"""The Dask executor against real `dask.distributed.LocalCluster`s started here."""

from __future__ import annotations

import pandas as pd
import pytest
from sweep_cases import uncertain_scenario

from gigawatt.errors import GigawattError
from gigawatt.sweep import SweepStore, executors, run_sweep

distributed = pytest.importorskip("distributed")

#: A free port for each scheduler's HTTP server: two clusters on the default (8787) make Dask
#: warn, and warnings are errors here. (Without bokeh there is no dashboard on it.)
HTTP = ":0"


@pytest.fixture(scope="module")
def threads_cluster():
    """Scheduler and one worker in this process (the inproc transport): quick to start."""
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=HTTP
    ) as cluster:
        yield cluster.scheduler_address


def _stored(path, sid):
    with SweepStore(path, read_only=True) as store:
        return store.inputs(sid), store.outputs(sid)


def _assert_same(a, b, sid):
    for x, y in zip(_stored(a, sid), _stored(b, sid), strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_dask_equals_local(toy_catalog, tmp_path, threads_cluster):
    sc = uncertain_scenario(toy_catalog)
    local = run_sweep(sc, 10, 4, tmp_path / "local.duckdb", catalog=toy_catalog)
    dask = run_sweep(
        sc, 10, 4, tmp_path / "dask.duckdb", threads_cluster, toy_catalog, chunk_size=3
    )
    assert dask.sweep_id == local.sweep_id and dask.computed == 10
    _assert_same(tmp_path / "local.duckdb", tmp_path / "dask.duckdb", local.sweep_id)
    pd.testing.assert_frame_equal(dask.bands, local.bands)


def test_dask_interrupted_then_resumed(toy_catalog, tmp_path, threads_cluster):
    """Stopped after 3 chunks: the rest is cancelled, the client closed; a rerun (on the
    cluster) computes only what is missing and equals a local run."""
    sc = uncertain_scenario(toy_catalog)
    path = tmp_path / "s.duckdb"

    def stop(done: int, total: int) -> None:
        if done >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(sc, 12, 0, path, threads_cluster, toy_catalog, chunk_size=1, progress=stop)
    with SweepStore(path, read_only=True) as store:
        kept = sum(1 for s in store.status(store.sweeps()[0].sweep_id).values() if s == "done")
    assert kept >= 3
    resumed = run_sweep(sc, 12, 0, path, threads_cluster, toy_catalog)
    assert resumed.computed == 12 - kept
    local = run_sweep(sc, 12, 0, tmp_path / "local.duckdb", catalog=toy_catalog)
    _assert_same(path, tmp_path / "local.duckdb", local.sweep_id)


def test_dask_worker_processes(toy_catalog, tmp_path):
    """Two worker processes over TCP, as with `dask scheduler` / `dask worker`: the scenario and
    catalog travel pickled, and the samples are the same."""
    sc = uncertain_scenario(toy_catalog)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=HTTP,
    ) as cluster:
        dask = run_sweep(sc, 8, 9, tmp_path / "dask.duckdb", cluster.scheduler_address, toy_catalog)
    local = run_sweep(sc, 8, 9, tmp_path / "local.duckdb", catalog=toy_catalog)
    assert dask.computed == 8
    _assert_same(tmp_path / "local.duckdb", tmp_path / "dask.duckdb", local.sweep_id)


def test_dask_task_failure_keeps_finished_samples(
    toy_catalog, tmp_path, threads_cluster, monkeypatch
):
    """A task that dies (not a sample that raises: those are caught and stored) stops the run
    with exit 1's error; what finished before is stored, and a rerun completes the sweep."""
    real = executors.run_samples

    def dies_on_5(scenario, catalog, seed, chunk, design=None):
        if 5 in chunk:
            raise MemoryError("worker out of memory")
        return real(scenario, catalog, seed, chunk, design)

    monkeypatch.setattr(executors, "run_samples", dies_on_5)
    sc = uncertain_scenario(toy_catalog)
    path = tmp_path / "s.duckdb"
    with pytest.raises(GigawattError, match=r"a Dask task failed \(MemoryError"):
        run_sweep(sc, 6, 0, path, threads_cluster, toy_catalog, chunk_size=1)
    monkeypatch.undo()
    with SweepStore(path, read_only=True) as store:
        stored = set(store.status(store.sweeps()[0].sweep_id))
    assert 5 not in stored
    resumed = run_sweep(sc, 6, 0, path, threads_cluster, toy_catalog)
    assert resumed.completed == 6 and resumed.computed == 6 - len(stored)
