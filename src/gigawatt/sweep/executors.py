"""Where samples run: in this process, in a local process pool, or on a Dask cluster.

Each executor maps the same function (`run_samples`) over chunks of sample numbers and yields
each chunk's records as soon as it finishes, in whatever order chunks finish; the caller stores
them at once. Which executor ran a sample never changes its numbers (see `samples.py`).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.errors import GigawattError, InputError
from gigawatt.scenario import Scenario
from gigawatt.sweep.samples import Design, SampleRecord, run_samples

#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 10

#: Chunks per worker thread on a cluster: enough to balance load, few enough to keep the
#: scheduler's per-task overhead (about a millisecond) small next to a sample (tens of ms).
CHUNKS_PER_THREAD = 4
MAX_CHUNK = 32


#: What every executor returns: lists of finished samples, as they finish.
Batches = Generator[list[SampleRecord], None, None]


def chunks(samples: Sequence[int], size: int) -> list[list[int]]:
    """Consecutive runs of `size` sample numbers (the last may be shorter)."""
    return [list(samples[i : i + size]) for i in range(0, len(samples), size)]


def cluster_chunk_size(samples: int, threads: int) -> int:
    return max(1, min(MAX_CHUNK, math.ceil(samples / (CHUNKS_PER_THREAD * max(threads, 1)))))


# --- in this process, or a local process pool -------------------------------------------------


def iter_local(
    scenario: Scenario,
    catalog: Catalog,
    seed: int,
    work: list[list[int]],
    design: Design | None = None,
) -> Batches:
    for chunk in work:
        yield run_samples(scenario, catalog, seed, chunk, design)


_WORKER_STATE: dict[str, Any] = {}


#: Seconds between a pool worker's checks that the sweep that started it is still alive.
PARENT_CHECK_S = 0.5


def _exit_with_parent(parent_pid: int) -> None:
    """End this worker when its parent is gone (a kill -9 of the sweep would otherwise leave the
    worker blocked on its task queue forever): a reparented process has another parent id."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def _init_worker(
    scenario: Scenario, catalog: Catalog, seed: int, design: Design | None, parent_pid: int
) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the pool; workers stay quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # started with SIGINT held: a held one is dropped
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    _WORKER_STATE.update(scenario=scenario, catalog=catalog, seed=seed, design=design)


def _run_in_worker(chunk: list[int]) -> list[SampleRecord]:
    s = _WORKER_STATE
    return run_samples(s["scenario"], s["catalog"], s["seed"], chunk, s["design"])


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Processes started in this block hold Ctrl-C from their first instruction: SIGINT is
    blocked here, a mask survives fork and exec, and each worker ignores SIGINT before it
    unblocks it (`_init_worker`). Without it a Ctrl-C while a worker imports gigawatt (a second
    or more) prints the worker's traceback. The parent's own Ctrl-C is only held, not lost: it
    arrives when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def iter_pool(
    scenario: Scenario,
    catalog: Catalog,
    seed: int,
    work: list[list[int]],
    workers: int,
    design: Design | None = None,
) -> Batches:
    """A pool of `workers` processes, each given the scenario, catalog and design once."""
    # spawn, not fork: forking a process that holds threads (DuckDB's, Rich's) is unsafe.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(scenario, catalog, seed, design, os.getpid()),
    )
    try:
        with _workers_ignore_ctrl_c():  # submitting starts the processes
            pending: set[Future[list[SampleRecord]]] = {
                pool.submit(_run_in_worker, chunk) for chunk in work
            }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --- a Dask cluster ---------------------------------------------------------------------------


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise GigawattError(
            "sweeping on a Dask scheduler needs Dask: pip install 'gigawatt[sweep]' (here and on "
            "every worker)"
        ) from None
    return distributed


#: The most a scheduler's first message (its handshake: versions, compression) can take
#: [bytes]; it is a few hundred.
MAX_HANDSHAKE_BYTES = 1 << 24


def _check_speaks_dask(scheduler: str, distributed: Any) -> None:
    """Refuse an address that takes connections but is no Dask scheduler, before the client
    connects: a scheduler sends its handshake as soon as a connection opens, and distributed's
    `connect` (distributed 2026.8, comm/core.py) then waits for it with no time limit, so a port
    that says nothing (the scheduler's dashboard, port 8787 by default; a web server) hung the
    sweep, and one that says something else had distributed allocate exabytes for its length
    (an internal MemoryError). Addresses this cannot read (tls://, inproc://) are left to the
    client, and so are connections that fail: the client reports them as before."""
    try:
        scheme, loc = distributed.comm.parse_address(scheduler)
        host, port = distributed.comm.addressing.parse_host_port(loc)
    except (ValueError, TypeError):
        return
    if scheme != "tcp":
        return
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
    except OSError:
        return
    try:
        head = b""
        with sock:
            while len(head) < 8:
                chunk = sock.recv(8 - len(head))
                if not chunk:
                    break
                head += chunk
    except TimeoutError:
        raise GigawattError(
            f"no Dask scheduler answered at {scheduler} within {CONNECT_TIMEOUT_S} s: the port "
            "takes connections but says nothing (a scheduler's dashboard, port 8787 by default, "
            "is not its address; a scheduler listens on port 8786 by default)"
        ) from None
    except OSError as e:  # reset or closed without a word
        head = f"nothing, then {e.strerror or type(e).__name__}".encode()
    if len(head) < 8 or int.from_bytes(head[:8], sys.byteorder) > MAX_HANDSHAKE_BYTES:
        said = head.decode("ascii", "replace") if head else "nothing"
        raise _not_dask(scheduler, said)


def _not_dask(scheduler: str, said: str) -> InputError:
    return InputError(
        f"{scheduler!r} is not a Dask scheduler (it answered {said!r}, not a handshake); "
        "allowed: the tcp://HOST:PORT of a scheduler (port 8786 by default)",
        field="scheduler",
    )


def iter_dask(
    scheduler: str,
    scenario: Scenario,
    catalog: Catalog,
    seed: int,
    samples: Sequence[int],
    chunk_size: int | None,
    design: Design | None = None,
) -> Batches:
    """Chunks of samples as tasks on an existing Dask cluster, gathered as they complete."""
    distributed = _distributed()
    _check_speaks_dask(scheduler, distributed)
    try:
        client = distributed.Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (ValueError, TypeError) as e:
        raise InputError(
            f"{scheduler!r} is not a scheduler address ({e}); expected tcp://HOST:PORT",
            field="scheduler",
        ) from None
    except OSError as e:
        raise GigawattError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    except MemoryError:  # a frame length read from bytes that are not Dask's
        raise _not_dask(scheduler, "bytes of another protocol") from None
    pending: set[Any] = set()
    try:
        threads = sum(client.nthreads().values())
        size = chunk_size or cluster_chunk_size(len(samples), threads)
        # Sent once to every worker, not once per task.
        scenario_f, catalog_f, design_f = client.scatter(
            [scenario, catalog, design], broadcast=True, hash=False
        )
        pending = {
            client.submit(run_samples, scenario_f, catalog_f, seed, chunk, design_f, pure=False)
            for chunk in chunks(samples, size)
        }
        for future in distributed.as_completed(list(pending)):
            pending.discard(future)  # dropping the last reference frees the result on the worker
            try:
                records = future.result()
            except Exception as e:
                raise GigawattError(
                    f"a Dask task failed ({type(e).__name__}: {e}); finished samples are stored, "
                    "rerun to resume (is the same gigawatt installed on every worker?)"
                ) from None
            yield records
    finally:
        if pending:
            client.cancel(list(pending))
        client.close()
