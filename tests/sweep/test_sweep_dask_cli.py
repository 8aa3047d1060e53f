"""A sweep on a Dask cluster started as a user would: `dask scheduler` and `dask worker` as
separate processes on loopback (issue 12), against a local run of the same sweep."""

from __future__ import annotations

import pandas as pd
import pytest
from dask_loopback import dask_command, loopback_cluster
from sweep_cases import uncertain_scenario

from gigawatt.sweep import SweepStore, run_sweep

pytest.importorskip("distributed")
#: Long enough for a loaded two-core machine to start the scheduler and a worker.
START_TIMEOUT_S = 120.0


@pytest.fixture(scope="module")
def cli_cluster(tmp_path_factory):
    if dask_command() is None:
        pytest.skip("the `dask` command is not installed (pip install 'gigawatt[sweep]')")
    folder = tmp_path_factory.mktemp("dask-cli")
    args = ["--nworkers", "1", "--nthreads", "2", "--no-nanny"]
    with loopback_cluster(folder, args, 1, START_TIMEOUT_S) as (address, _worker):
        yield address


def test_cli_cluster_equals_local(toy_catalog, tmp_path, cli_cluster):
    sc = uncertain_scenario(toy_catalog)
    local = run_sweep(sc, 8, 3, tmp_path / "local.duckdb", catalog=toy_catalog)
    remote = run_sweep(sc, 8, 3, tmp_path / "dask.duckdb", cli_cluster, toy_catalog)
    assert remote.sweep_id == local.sweep_id and remote.computed == 8
    with (
        SweepStore(tmp_path / "local.duckdb", read_only=True) as a,
        SweepStore(tmp_path / "dask.duckdb", read_only=True) as b,
    ):
        assert set(b.status(local.sweep_id).values()) == {"done"}
        pd.testing.assert_frame_equal(a.inputs(local.sweep_id), b.inputs(local.sweep_id))
        pd.testing.assert_frame_equal(a.outputs(local.sweep_id), b.outputs(local.sweep_id))
    pd.testing.assert_frame_equal(remote.bands, local.bands)
