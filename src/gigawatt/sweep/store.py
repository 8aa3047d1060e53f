"""The sweep store: an embedded DuckDB file (DESIGN.md section 9).

Tables (long and normalised, so the report and ad-hoc SQL can slice them):
- `sweeps`: one row per sweep id: scenario name and canonical JSON, seed, method, catalog digest,
  uncertain input paths, samples requested (by the latest run), created.
- `samples`: one row per finished sample: `status` (`done` or `failed`), `error`, `duration_s`.
- `inputs`: the drawn value of each uncertain input (`sweep_id, sample, path, value`).
- `outputs`: every numeric yearly output (`sweep_id, sample, year, key, value`; null: not
  computed), nested keys joined by ".".
A sample's rows are written in one transaction: an interrupted run leaves whole samples or none,
and a rerun computes only the samples that are not `done`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from gigawatt.errors import GigawattError, InputError, UnknownIdError
from gigawatt.io import check_writable, clean_stale_temporaries, creating
from gigawatt.sweep.headline import is_date_key
from gigawatt.sweep.samples import HEADLINE_YEAR, SampleRecord

if TYPE_CHECKING:  # DuckDB is imported when a store is opened (a run's report needs none)
    import duckdb

#: Bumped when the tables change; a store of another version is refused, not misread.
SCHEMA_VERSION = 1

#: Nothing downloads at run time: DuckDB must not fetch extensions on its own.
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS store_info (schema_version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id VARCHAR PRIMARY KEY,
    scenario VARCHAR NOT NULL,
    scenario_json VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    method VARCHAR NOT NULL,
    catalog_sha256 VARCHAR NOT NULL,
    uncertain_inputs VARCHAR NOT NULL,
    samples_requested INTEGER NOT NULL,
    gigawatt_version VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS samples (
    sweep_id VARCHAR NOT NULL,
    sample INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    error VARCHAR,
    duration_s DOUBLE NOT NULL,
    finished TIMESTAMP NOT NULL,
    PRIMARY KEY (sweep_id, sample)
);
CREATE TABLE IF NOT EXISTS inputs (
    sweep_id VARCHAR NOT NULL,
    sample INTEGER NOT NULL,
    path VARCHAR NOT NULL,
    value DOUBLE
);
CREATE TABLE IF NOT EXISTS outputs (
    sweep_id VARCHAR NOT NULL,
    sample INTEGER NOT NULL,
    year INTEGER NOT NULL,
    key VARCHAR NOT NULL,
    value DOUBLE
);
"""

T = TypeVar("T")
_MEMORY = ":memory:"

#: The bands: P10, P50 and P90.
PERCENTILES = (10.0, 50.0, 90.0)


def percentiles(
    values: np.ndarray, *, null_is_late: bool = False
) -> tuple[int, float, float, float, int]:
    """(count, P10, P50, P90, never) of the values: linear interpolation between order
    statistics (numpy's default, Hyndman & Fan 1996 definition 7), which is exact when the values
    are equal and never leaves [min, max]; NaN bands when there is no value.

    Nulls are left out (a figure a model did not compute), unless `null_is_late`: then a null
    is an event that does not happen inside the scenario (a headline date: a GW never reached, a
    tranche never released), a draw later than every date. It counts in `count` and in `never`,
    and a quantile that falls on or between such draws is +inf ("not by the end"): leaving them
    out would band the date over the samples where the event happens, earlier than it is."""
    finite = values[~np.isnan(values)]
    n = values.size if null_is_late else finite.size
    if not n:
        return 0, math.nan, math.nan, math.nan, 0
    never = n - finite.size
    if not never:
        p10, p50, p90 = np.percentile(finite, PERCENTILES)
        return n, float(p10), float(p50), float(p90), 0
    ordered = np.sort(finite)
    out = []
    for q in PERCENTILES:
        h = (n - 1) * q / 100  # definition 7's rank, over every draw, the late ones last
        lo, hi = math.floor(h), math.ceil(h)
        if hi >= ordered.size:  # on or beside a draw where the event never happens
            out.append(math.inf)
        else:
            out.append(float(ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo])))
    return n, out[0], out[1], out[2], never


@dataclass(frozen=True)
class SweepInfo:
    """A row of the `sweeps` table."""

    sweep_id: str
    scenario: str
    scenario_json: str
    seed: int
    method: str
    catalog_sha256: str
    uncertain_inputs: tuple[str, ...]
    samples_requested: int
    gigawatt_version: str
    created: dt.datetime


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """A store method whose DuckDB errors about a damaged file become one clear line."""

    @functools.wraps(method)
    def wrapper(self: SweepStore, *args: Any, **kwargs: Any) -> T:
        with _damage_is_an_error(self.path):
            return method(self, *args, **kwargs)

    return wrapper


class SweepStore:
    """An open store; use as a context manager so the file is closed (and unlocked)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if str(path) == _MEMORY:  # a throw-away store (tests)
            self.con = _connect(self.path, read_only=False)
            self.con.execute(_SCHEMA)
            self.con.execute("INSERT INTO store_info VALUES (?)", [SCHEMA_VERSION])
            return
        if read_only and not self.path.is_file():
            raise InputError(f"{str(self.path)!r} does not exist", field="store")
        if not read_only and not self.path.exists():
            check_writable(self.path, field="store")
            with creating(self.path, field="store"):
                _create(self.path)
        _check_wal(self.path)
        if not self.path.is_file() or self.path.stat().st_size == 0:
            what = "a folder" if self.path.is_dir() else "empty" if self.path.is_file() else ""
            raise InputError(
                f"{str(self.path)!r} is not a sweep store"
                + (f" ({what}); allowed: a sweep store file, or a new file name" if what else ""),
                field="store",
            )
        # Checked read-only first, so nothing is written to a file that is not a whole store.
        self.con = _connect(self.path, read_only=True)
        try:
            with _damage_is_an_error(self.path):
                self._check()
        finally:
            self.close()
        self.con = _connect(self.path, read_only)

    def _check(self) -> None:
        """Refuse any database that is not a whole sweep store of this version, before writing.

        The tables and columns must be ours, and every column must read back: DuckDB checks
        a block's checksum when it reads it, so a file damaged anywhere fails here, untouched.
        """
        found: dict[str, list[str]] = {}
        for table, column in self.con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "ORDER BY table_name, ordinal_position"
        ).fetchall():
            found.setdefault(table, []).append(column)
        if "store_info" not in found:  # another DuckDB database: the user's, left untouched
            raise InputError(
                f"{str(self.path)!r} is not a sweep store (a DuckDB database without gigawatt's "
                "tables); it was left untouched: use another store",
                field="store",
            )
        row = self.con.execute("SELECT max(schema_version) FROM store_info").fetchone()
        version = row[0] if row else None
        if version != SCHEMA_VERSION:
            raise GigawattError(
                f"store {str(self.path)!r} has schema version {version}; this gigawatt reads "
                f"version {SCHEMA_VERSION}: use another store"
            )
        for table, columns in _TABLES.items():
            if found.get(table) != columns:
                state = "missing" if table not in found else "not as this gigawatt writes it"
                raise _damaged(self.path, f"table {table!r} is {state}")
            reads = ", ".join(f"min({c})" for c in columns)
            self.con.execute(f"SELECT count(*), {reads} FROM {table}").fetchall()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- sweeps ---

    @_guarded
    def register(self, info: SweepInfo) -> None:
        """Record a sweep (first run) or its latest number of samples requested (a rerun)."""
        self.con.execute(
            """
            INSERT INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (sweep_id) DO UPDATE SET samples_requested = excluded.samples_requested
            """,
            [
                info.sweep_id,
                info.scenario,
                info.scenario_json,
                info.seed,
                info.method,
                info.catalog_sha256,
                json.dumps(list(info.uncertain_inputs)),
                info.samples_requested,
                info.gigawatt_version,
                info.created,
            ],
        )

    @_guarded
    def sweeps(self) -> list[SweepInfo]:
        """Every sweep in the store, oldest first."""
        rows = self.con.execute(
            "SELECT sweep_id, scenario, scenario_json, seed, method, catalog_sha256, "
            "uncertain_inputs, samples_requested, gigawatt_version, created "
            "FROM sweeps ORDER BY created, sweep_id"
        ).fetchall()
        return [_info(row) for row in rows]

    def sweep(self, sweep_id: str) -> SweepInfo:
        """A sweep by id, or by a unique prefix of its id (at least 6 characters)."""
        known = self.sweeps()
        key = sweep_id.strip().lower()
        matches = [s for s in known if s.sweep_id == key]
        if not matches and len(key) >= 6:
            matches = [s for s in known if s.sweep_id.startswith(key)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InputError(
                f"{sweep_id!r} matches several sweeps; give more of the id", field="sweep_id"
            )
        raise UnknownIdError(
            "sweeps",
            sweep_id,
            [s.sweep_id for s in known],
            field="sweep_id",
            listing=f"the sweeps table of {self.path}",
        )

    # --- samples ---

    @_guarded
    def status(self, sweep_id: str) -> dict[int, str]:
        rows = self.con.execute(
            "SELECT sample, status FROM samples WHERE sweep_id = ?", [sweep_id]
        ).fetchall()
        return {int(sample): str(status) for sample, status in rows}

    @_guarded
    def write(self, sweep_id: str, records: Sequence[SampleRecord]) -> None:
        """Store finished samples, all or none (one transaction)."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        tables = {
            "new_samples": _samples_table(records),
            "new_inputs": _inputs_table(records),
            "new_outputs": _outputs_table([r for r in records if r.ok]),
        }
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            with _ctrl_c_is_keyboard_interrupt():
                for name, table in tables.items():
                    con.register(name, table)
                # REPLACE: a retried failure replaces its row (done samples are never rerun).
                con.execute(
                    "INSERT OR REPLACE INTO samples "
                    "SELECT ?, sample, status, error, duration_s, ? FROM new_samples",
                    [sweep_id, now],
                )
                con.execute(
                    "INSERT INTO inputs SELECT ?, sample, path, value FROM new_inputs", [sweep_id]
                )
                con.execute(
                    "INSERT INTO outputs SELECT ?, sample, year, key, value FROM new_outputs",
                    [sweep_id],
                )
                con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            for name in tables:
                con.unregister(name)

    @_guarded
    def counts(self, sweep_id: str, samples: int) -> tuple[int, int, str | None]:
        """(done, failed, first error) among samples 0..samples-1."""
        row = self.con.execute(
            "SELECT count(*) FILTER (status = 'done'), count(*) FILTER (status = 'failed'), "
            "min(error) FILTER (status = 'failed') "  # deterministic pick among messages
            "FROM samples WHERE sweep_id = ? AND sample < ?",
            [sweep_id, samples],
        ).fetchone() or (0, 0, None)
        return int(row[0]), int(row[1]), row[2]

    # --- reading back ---

    def output_bands(self, sweep_id: str, samples: int) -> pd.DataFrame:
        """`year, key, n, p10, p50, p90, never` over the done samples below `samples` (`never`:
        a headline date's draws where its event does not happen, see `percentiles`).

        Keys come in the order the first stored sample listed them (as in `run --json`).
        """
        return self._bands("outputs", ["year", "key"], sweep_id, samples)

    def input_bands(self, sweep_id: str, samples: int) -> pd.DataFrame:
        """`path, n, p10, p50, p90, never` of the drawn inputs (`never` is 0)."""
        return self._bands("inputs", ["path"], sweep_id, samples)

    @_guarded
    def _bands(self, table: str, group: list[str], sweep_id: str, samples: int) -> pd.DataFrame:
        cols = ", ".join(f"t.{c}" for c in group)
        # Quantiles in numpy, not DuckDB's quantile_cont: its interpolation can land an ulp
        # outside [min, max], so equal samples would not give exactly zero-width bands.
        with _ctrl_c_is_keyboard_interrupt():
            data = self._grouped_values(table, cols, sweep_id, samples)
            done = self.counts(sweep_id, samples)[0] if table == "outputs" else 0
        return _band_frame(data, group, done)

    def _grouped_values(
        self, table: str, cols: str, sweep_id: str, samples: int
    ) -> dict[str, np.ndarray]:
        # A group's place is where it first appears in the lowest-numbered sample that lists it
        # (sample, then position within the sample), never the storage order: workers finish
        # samples in any order, and a local and a distributed sweep must give the same frame.
        return self.con.execute(
            f"SELECT {cols}, t.value, min(t.sample * 4294967296 + t.pos) "
            f"OVER (PARTITION BY {cols}) AS first FROM ("
            "SELECT *, row_number() OVER (PARTITION BY sample ORDER BY rowid) AS pos "
            f"FROM {table} WHERE sweep_id = ? AND sample < ?) AS t "
            "JOIN samples AS s ON s.sweep_id = t.sweep_id AND s.sample = t.sample "
            "WHERE s.status = 'done' ORDER BY first, t.sample",
            [sweep_id, samples],
        ).fetchnumpy()

    def outputs(self, sweep_id: str, samples: int | None = None) -> pd.DataFrame:
        """Every stored output of the done samples: `sample, year, key, value`, sorted."""
        return self._long("outputs", ["year", "key"], sweep_id, samples)

    def inputs(self, sweep_id: str, samples: int | None = None) -> pd.DataFrame:
        """Every drawn input of the done samples: `sample, path, value`, sorted."""
        return self._long("inputs", ["path"], sweep_id, samples)

    @_guarded
    def _long(
        self, table: str, columns: list[str], sweep_id: str, samples: int | None
    ) -> pd.DataFrame:
        cols = ", ".join(f"t.{c}" for c in columns)
        return self.con.execute(
            f"SELECT t.sample, {cols}, t.value "
            f"FROM {table} AS t JOIN samples AS s USING (sweep_id, sample) "
            "WHERE t.sweep_id = ? AND t.sample < ? AND s.status = 'done' "
            f"ORDER BY t.sample, {cols}",
            [sweep_id, 2**31 - 1 if samples is None else samples],
        ).fetchdf()


def _band_frame(data: dict[str, np.ndarray], group: list[str], done: int = 0) -> pd.DataFrame:
    """Rows come grouped (ordered by each group's first row id): bands per group, with `never`,
    the draws of a headline date whose event does not happen (`percentiles`) among the `done`
    samples: a null, or no row at all (a sample that plans fewer GW has no date for the last)."""
    first = data["first"]
    values = np.ma.filled(np.ma.asarray(data["value"], dtype=np.float64), np.nan)
    starts = np.flatnonzero(np.diff(first, prepend=-1))
    ends = np.append(starts[1:], first.size)[: starts.size]
    frame = pd.DataFrame({c: data[c][starts] for c in group})
    late = _headline_dates(frame)
    stats = [
        percentiles(_padded(values[a:b], done), null_is_late=True)
        if d
        else percentiles(values[a:b])
        for a, b, d in zip(starts, ends, late, strict=True)
    ]
    columns = np.array(stats, dtype=np.float64).reshape(-1, 5)
    frame["n"] = columns[:, 0].astype(np.int64)
    for i, q in enumerate(("p10", "p50", "p90"), start=1):
        frame[q] = columns[:, i]
    frame["never"] = columns[:, 4].astype(np.int64)
    return frame


def _padded(values: np.ndarray, size: int) -> np.ndarray:
    """`values` and as many nulls after them as make `size`."""
    missing = size - values.size
    return np.concatenate([values, np.full(missing, np.nan)]) if missing > 0 else values


def _headline_dates(frame: pd.DataFrame) -> np.ndarray:
    """Which rows of a band frame are headline dates (a null: the event never happens)."""
    if "year" not in frame or "key" not in frame:
        return np.zeros(len(frame), dtype=bool)
    keys = frame["key"].map(lambda k: is_date_key(str(k)))
    return ((frame["year"] == HEADLINE_YEAR) & keys).to_numpy(dtype=bool)


@contextlib.contextmanager
def _ctrl_c_is_keyboard_interrupt() -> Iterator[None]:
    """DuckDB turns Ctrl-C during a query into RuntimeError("Query interrupted") and swallows the
    signal; give it back as the KeyboardInterrupt it was, so an interrupted run stops as one."""
    try:
        yield
    except RuntimeError as e:
        if str(e).startswith("Query interrupted"):
            raise KeyboardInterrupt from None
        raise


#: Every table and its columns, in order, as _SCHEMA creates them.
_TABLES: dict[str, list[str]] = {
    "store_info": ["schema_version"],
    "sweeps": [
        "sweep_id",
        "scenario",
        "scenario_json",
        "seed",
        "method",
        "catalog_sha256",
        "uncertain_inputs",
        "samples_requested",
        "gigawatt_version",
        "created",
    ],
    "samples": ["sweep_id", "sample", "status", "error", "duration_s", "finished"],
    "inputs": ["sweep_id", "sample", "path", "value"],
    "outputs": ["sweep_id", "sample", "year", "key", "value"],
}


def _create(path: Path) -> None:
    """A new, empty store at `path`, made beside it and linked into place whole: a file at
    `path` is then always either a complete store or not ours (never a half-made one), and two
    sweeps creating the same store at once cannot both win."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path)
    import duckdb

    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.{os.getpid()}.", dir=path.parent))
    try:
        made = tmp / path.name
        con = duckdb.connect(str(made), config=_CONFIG)
        try:
            con.execute(_SCHEMA)
            con.execute("INSERT INTO store_info VALUES (?)", [SCHEMA_VERSION])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        with contextlib.suppress(FileExistsError):  # another sweep made it first: use that one
            os.link(made, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _wal_signature() -> bytes:
    """The first bytes of a write-ahead log this DuckDB writes (before the database's id)."""
    import duckdb

    if not _WAL_SIGNATURE:
        tmp = Path(tempfile.mkdtemp(prefix=".gigawatt-wal-"))
        try:
            con = duckdb.connect(str(tmp / "probe.duckdb"), config=_CONFIG)
            try:
                con.execute("PRAGMA disable_checkpoint_on_shutdown")
                con.execute("CREATE TABLE probe (x INTEGER)")
            finally:
                con.close()
            wal = tmp / "probe.duckdb.wal"
            _WAL_SIGNATURE.append(wal.read_bytes()[:_WAL_SIGNATURE_BYTES] if wal.is_file() else b"")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return _WAL_SIGNATURE[0]


_WAL_SIGNATURE: list[bytes] = []
_WAL_SIGNATURE_BYTES = 8


def _check_wal(path: Path) -> None:
    """DuckDB replays a `.wal` beside the database and deletes it at the next checkpoint, even
    one it cannot read: refuse a log that this DuckDB did not write (a kill -9 mid-write leaves
    a real one, which is replayed as usual)."""
    wal = path.with_name(path.name + ".wal")
    if not wal.is_file():
        return
    signature = _wal_signature()
    with wal.open("rb") as f:
        head = f.read(len(signature))
    if signature and head != signature:
        raise InputError(
            f"{str(wal)!r} beside the store is not a DuckDB write-ahead log; it was left "
            "untouched: move it away or use another store",
            field="store",
        )


@contextlib.contextmanager
def _damage_is_an_error(path: Path) -> Iterator[None]:
    """DuckDB's errors about the file itself (a bad checksum, a short read) as one clear line."""
    import duckdb

    try:
        yield
    except (duckdb.IOException, duckdb.InternalException, duckdb.SerializationException) as e:
        raise _damaged(path, e) from None
    except duckdb.Error as e:
        if "corrupt" not in str(e).lower():
            raise
        raise _damaged(path, e) from None


#: DuckDB's file format: an 8-byte checksum, then these magic bytes (duckdb/storage
#: /storage_info.hpp, MainHeader::MAGIC_BYTES).
_DUCKDB_MAGIC = (8, b"DUCK")


def _is_duckdb_file(path: Path) -> bool:
    at, magic = _DUCKDB_MAGIC
    try:
        with path.open("rb") as f:
            f.seek(at)
            return f.read(len(magic)) == magic
    except OSError:
        return True  # unreadable: say what DuckDB said


def _damaged(path: Path, e: Exception | str) -> InputError:
    if not _is_duckdb_file(path):  # a file of the user's, not a store that went bad
        return InputError(
            f"{str(path)!r} is not a sweep store (not a DuckDB database file); it was left "
            "untouched: use another store",
            field="store",
        )
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return InputError(
        f"{str(path)!r} is a damaged sweep store ({first}); it was left untouched: "
        "use another store",
        field="store",
    )


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only, config=_CONFIG)
    except duckdb.IOException as e:
        if "lock" not in str(e).lower():
            raise _damaged(path, e) from None
        raise GigawattError(
            f"store {str(path)!r} is open in another process (a sweep running?); "
            "wait for it or use another store"
        ) from None
    except duckdb.Error as e:
        if "corrupt" in str(e).lower():
            raise _damaged(path, e) from None
        raise InputError(f"{str(path)!r} is not a DuckDB store: {e}", field="store") from None


# Arrow tables, not pandas frames: DuckDB scans them without conversion (a write costs about
# a millisecond per statement, as much as a small sample's simulation otherwise).


def _samples_table(records: Sequence[SampleRecord]) -> pa.Table:
    return pa.table(
        {
            "sample": pa.array([r.sample for r in records], pa.int32()),
            "status": pa.array(["done" if r.ok else "failed" for r in records], pa.string()),
            "error": pa.array([r.error for r in records], pa.string()),
            "duration_s": pa.array([r.duration_s for r in records], pa.float64()),
        }
    )


def _inputs_table(records: Sequence[SampleRecord]) -> pa.Table:
    return pa.table(
        {
            "sample": pa.array([r.sample for r in records for _ in r.inputs], pa.int32()),
            "path": pa.array([p for r in records for p in r.inputs], pa.string()),
            "value": pa.array([v for r in records for v in r.inputs.values()], pa.float64()),
        }
    )


def _outputs_table(records: Sequence[SampleRecord]) -> pa.Table:
    frames = [r.outputs for r in records]
    sizes = [len(f) for f in frames]
    values = np.concatenate([f["value"].to_numpy(np.float64) for f in frames] or [np.empty(0)])
    return pa.table(
        {
            "sample": pa.array(np.repeat([r.sample for r in records], sizes), pa.int32()),
            "year": pa.array(
                np.concatenate([f["year"].to_numpy() for f in frames] or [[]]), pa.int32()
            ),
            "key": pa.array([k for f in frames for k in f["key"]], pa.string()),
            "value": pa.array(values, pa.float64(), from_pandas=True),  # NaN: NULL
        }
    )


def _info(row: tuple[Any, ...]) -> SweepInfo:
    return SweepInfo(
        sweep_id=row[0],
        scenario=row[1],
        scenario_json=row[2],
        seed=int(row[3]),
        method=row[4],
        catalog_sha256=row[5],
        uncertain_inputs=tuple(json.loads(row[6])),
        samples_requested=int(row[7]),
        gigawatt_version=row[8],
        created=row[9],
    )
