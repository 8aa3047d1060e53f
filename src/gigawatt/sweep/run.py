"""`run_sweep`: Monte Carlo over a scenario's uncertain inputs, resumable, in a DuckDB store.

The sweep id is the sha256 of the validated scenario's canonical JSON, the seed, the sampling
method and the catalog's contents (DESIGN.md section 9; the catalog is in it because `--catalog`
overrides change the results). The same id in the same store resumes: only samples that are not
stored as done are computed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.defaults import DEFAULT_STORE
from gigawatt.errors import GigawattError, InputError
from gigawatt.scenario import Scenario, load_scenario, scenario_path
from gigawatt.sweep.executors import Batches, chunks, iter_dask, iter_local, iter_pool
from gigawatt.sweep.result import SweepResult
from gigawatt.sweep.samples import METHOD, Design, SampleRecord
from gigawatt.sweep.store import SweepInfo, SweepStore
from gigawatt.validation import MAX_WORKERS

#: Limits that catch a typo, not a big sweep (the store's sample column is a 32-bit integer).
MAX_SAMPLES = 10_000_000
MAX_SEED = 2**63 - 1

#: Finished samples are committed together at most this often [s]: a commit costs a few
#: milliseconds, as much as a small sample. A hard kill loses at most this much work.
FLUSH_S = 0.5

#: Samples per task in a local process pool: amortises the round trip, keeps the bar moving.
POOL_CHUNK = 16

Progress = Callable[[int, int], None]


def _dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def canonical_json(scenario: Scenario) -> str:
    """The validated scenario as JSON with sorted keys and no spacing: equal scenarios, equal
    text, however their files were written (key order, comments, YAML or TOML, `use:`)."""
    return _dumps(scenario.model_dump(mode="json"))


def catalog_sha256(catalog: Catalog) -> str:
    records = sorted((type(rec).__name__, rec.id, rec.model_dump(mode="json")) for rec in catalog)
    return hashlib.sha256(_dumps(records).encode()).hexdigest()


def sweep_id(scenario: Scenario, seed: int, catalog: Catalog, method: str = METHOD) -> str:
    """sha256 of (canonical scenario JSON, seed, method, catalog digest), hex."""
    return _sweep_id(canonical_json(scenario), seed, method, catalog_sha256(catalog))


def _sweep_id(scenario_json: str, seed: int, method: str, catalog_digest: str) -> str:
    payload = {"scenario": scenario_json, "seed": seed, "method": method, "catalog": catalog_digest}
    return hashlib.sha256(_dumps(payload).encode()).hexdigest()


def _gigawatt_version() -> str:
    try:
        return version("gigawatt")
    except PackageNotFoundError:
        return "unknown"


def _check_int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(
            f"{value!r} is not allowed: expected a whole number from {low:,} to {high:,}",
            field=field,
        )
    return value


def check_workers(workers: Any, scheduler: str | None) -> int:
    """Local worker processes: 1 to MAX_WORKERS, and 1 with a Dask `scheduler`."""
    workers = _check_int(workers, "workers", 1, MAX_WORKERS)
    if scheduler is not None and workers != 1:
        raise InputError(
            "{workers} is for local sweeps; with {scheduler} the cluster's workers run them",
            field="workers",
            refs=("workers", "scheduler"),
        )
    return workers


def _scenario(ref: str | Scenario, catalog: Catalog) -> tuple[Scenario, Path | None]:
    if isinstance(ref, Scenario):
        return ref, None
    return load_scenario(ref, catalog), scenario_path(ref)


def run_sweep(
    scenario: str | Scenario,
    samples: int,
    seed: int | None = None,
    store_path: str | Path = DEFAULT_STORE,
    scheduler: str | None = None,
    catalog: Catalog | None = None,
    *,
    workers: int = 1,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    design: Design | None = None,
) -> SweepResult:
    """Run (or resume) samples 0..samples-1 of a scenario and summarise them.

    `scenario` is a file, a built-in name or a `Scenario`; `seed` defaults to the scenario's.
    Samples run in this process (`workers` 1), in a local pool of `workers` processes, or on the
    Dask cluster at `scheduler` (`tcp://HOST:PORT`), in tasks of `chunk_size` samples. Finished
    samples are committed together at least every FLUSH_S seconds and when the run stops (an
    interrupt included). `progress(done, samples)` is called as samples finish.

    With a `design`, sample i takes the design's row i as its inputs instead of drawing them
    (`samples` is then the design's size) and the sweep id names the design's method.
    """
    catalog = catalog or Catalog.load()
    sc, source = _scenario(scenario, catalog)
    samples = _check_int(samples, "samples", 1, MAX_SAMPLES)
    seed = _check_int(sc.seed if seed is None else seed, "seed", 0, MAX_SEED)
    workers = check_workers(workers, scheduler)
    if chunk_size is not None:
        chunk_size = _check_int(chunk_size, "chunk_size", 1, MAX_SAMPLES)
    store_path = Path(store_path)
    if source is not None and store_path.resolve() == source.resolve():
        raise InputError(f"{str(store_path)!r} is the scenario file", field="store")

    method = METHOD
    if design is not None:
        if samples != len(design) or list(design.paths) != sc.uncertain_inputs():
            raise ValueError("a design must give every uncertain input of every sample")
        method = design.method
    scenario_json, digest = canonical_json(sc), catalog_sha256(catalog)
    sid = _sweep_id(scenario_json, seed, method, digest)
    info = SweepInfo(
        sweep_id=sid,
        scenario=sc.name,
        scenario_json=scenario_json,
        seed=seed,
        method=method,
        catalog_sha256=digest,
        uncertain_inputs=tuple(sc.uncertain_inputs()),
        samples_requested=samples,
        gigawatt_version=_gigawatt_version(),
        created=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    with SweepStore(store_path) as store:
        store.register(info)
        status = store.status(sid)
        todo = [i for i in range(samples) if status.get(i) != "done"]
        done = samples - len(todo)
        if progress:
            progress(done, samples)
        if not todo:
            return _summary(store, info, samples, computed=0)
        if scheduler is not None:
            batches = iter_dask(scheduler, sc, catalog, seed, todo, chunk_size, design)
        elif workers > 1:
            work = chunks(todo, chunk_size or POOL_CHUNK)
            batches = iter_pool(sc, catalog, seed, work, workers, design)
        else:
            batches = iter_local(sc, catalog, seed, chunks(todo, chunk_size or 1), design)
        computed = _store_as_they_finish(store, sid, batches, progress, done, samples)
        return _summary(store, info, samples, computed)


def _store_as_they_finish(
    store: SweepStore,
    sid: str,
    batches: Batches,
    progress: Progress | None,
    done: int,
    samples: int,
) -> int:
    """Write finished samples at least every FLUSH_S seconds, and whatever has finished when
    the run stops (an interrupt included); returns how many succeeded."""
    pending: list[SampleRecord] = []
    computed = 0
    last = time.monotonic()
    try:
        for records in batches:
            pending += records
            computed += sum(r.ok for r in records)
            done += len(records)
            if time.monotonic() - last >= FLUSH_S:
                store.write(sid, pending)
                pending, last = [], time.monotonic()
            if progress:
                progress(done, samples)
    finally:
        batches.close()  # an interrupted run stops its workers too
        if pending:
            store.write(sid, pending)
    return computed


def _summary(store: SweepStore, info: SweepInfo, samples: int, computed: int) -> SweepResult:
    completed, failed, first_error = store.counts(info.sweep_id, samples)
    if completed == 0 and failed:
        which = "the sample" if failed == 1 else f"all {failed} samples"
        raise GigawattError(f"{which} failed; the first error: {first_error}")
    return SweepResult(
        sweep_id=info.sweep_id,
        scenario=info.scenario,
        seed=info.seed,
        method=info.method,
        samples=samples,
        computed=computed,
        completed=completed,
        failed=failed,
        first_error=first_error,
        store=store.path,
        end=json.loads(info.scenario_json)["end"],
        uncertain_inputs=info.uncertain_inputs,
        bands=store.output_bands(info.sweep_id, samples),
        input_bands=store.input_bands(info.sweep_id, samples),
        shared_groups=shared_groups_of(info.scenario_json, info.uncertain_inputs),
    )


def shared_groups_of(scenario_json: str, paths: Sequence[str]) -> dict[str, list[str]]:
    """Each `shared` group of a stored scenario (its canonical JSON) and its members, in the
    order of the uncertain inputs `paths` (as `distributions.groups` of the scenario)."""
    found: dict[str, str] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("shared"), str):
                found[path] = value["shared"]
                return
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")

    walk(json.loads(scenario_json), "")
    out: dict[str, list[str]] = {}
    for p in paths:
        if p in found:
            out.setdefault(found[p], []).append(p)
    return out


def load_sweep(store_path: str | Path, sweep_id: str) -> SweepResult:
    """A stored sweep's summary over the samples its latest run requested (a unique prefix of
    the id will do); read-only, nothing is computed."""
    with SweepStore(store_path, read_only=True) as store:
        info = store.sweep(sweep_id)
        return _summary(store, info, info.samples_requested, computed=0)


def list_sweeps(store_path: str | Path) -> list[SweepInfo]:
    """The sweeps in a store, oldest first (the report picks one)."""
    with SweepStore(store_path, read_only=True) as store:
        return store.sweeps()
