"""A sweep on a Dask cluster started as a user would: `dask scheduler` and `dask worker` as
separate processes on loopback (issue 12), against a local run of the same sweep."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sweep_cases import uncertain_scenario

from gigawatt.sweep import SweepStore, run_sweep

pytest.importorskip("distributed")
DASK = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
#: Long enough for a loaded two-core machine to start the scheduler and a worker.
START_TIMEOUT_S = 120.0


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [DASK or "dask", *args], stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy()
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def cli_cluster(tmp_path_factory):
    if DASK is None:
        pytest.skip("the `dask` command is not installed (pip install 'gigawatt[sweep]')")
    folder = tmp_path_factory.mktemp("dask-cli")
    info = folder / "scheduler.json"
    scheduler = _start(
        ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(info)],
        folder / "scheduler.log",
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert info.exists(), (folder / "scheduler.log").read_text()
        address = json.loads(info.read_text())["address"]
        worker = _start(
            ["worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "2",
             "--no-dashboard", "--no-nanny"],
            folder / "worker.log",
        )  # fmt: skip
        import distributed

        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=START_TIMEOUT_S)
        yield address
    finally:
        if worker is not None:
            _stop(worker)
        _stop(scheduler)


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
