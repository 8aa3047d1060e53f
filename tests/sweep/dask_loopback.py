"""A Dask cluster started as a user starts one: `dask scheduler` and `dask worker` on
127.0.0.1, for the CLI-cluster test and the sweep benchmark (one copy of the start/stop code)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def dask_command() -> str | None:
    """The `dask` command beside this interpreter (the project's venv), else on PATH."""
    return shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def loopback_cluster(
    folder: Path, worker_args: list[str], workers: int, timeout_s: float
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start the scheduler, then one `dask worker` command with `worker_args`, wait until
    `workers` worker processes have joined, and yield (address, the worker command's process).
    Both are stopped on exit; their output goes to folder/dask.log."""
    dask = dask_command()
    if dask is None:
        raise FileNotFoundError(
            "the `dask` command is not installed (pip install 'gigawatt[sweep]')"
        )
    info, log_path = folder / "scheduler.json", folder / "dask.log"
    with log_path.open("wb") as log:
        common = {"stdout": log, "stderr": subprocess.STDOUT, "env": os.environ.copy()}
        scheduler = subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(info)],
            **common,
        )  # fmt: skip
        worker = None
        try:
            deadline = time.monotonic() + timeout_s
            while not info.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            if not info.exists():
                raise TimeoutError(f"no scheduler after {timeout_s:.0f} s: {log_path.read_text()}")
            address = json.loads(info.read_text())["address"]
            worker = subprocess.Popen(
                [dask, "worker", address, "--host", "127.0.0.1", "--no-dashboard", *worker_args],
                **common,
            )  # fmt: skip
            import distributed

            with distributed.Client(address, timeout="60s") as client:
                client.wait_for_workers(workers, timeout=timeout_s)
            yield address, worker
        finally:
            if worker is not None:
                _stop(worker)
            _stop(scheduler)
