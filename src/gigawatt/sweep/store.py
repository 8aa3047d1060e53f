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

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from gigawatt.errors import GigawattError, InputError, UnknownIdError
from gigawatt.sweep.samples import SampleRecord

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

#: P10, P50 and P90 by linear interpolation between order statistics (numpy's default
#: `percentile` method, Hyndman & Fan 1996 definition 7); nulls are skipped.
_BANDS = """
SELECT {group}, count(t.value) AS n,
       quantile_cont(t.value, 0.1) AS p10,
       quantile_cont(t.value, 0.5) AS p50,
       quantile_cont(t.value, 0.9) AS p90
FROM {table} AS t JOIN samples AS s USING (sweep_id, sample)
WHERE t.sweep_id = ? AND t.sample < ? AND s.status = 'done'
GROUP BY {group}
ORDER BY {order}
"""


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


class SweepStore:
    """An open store; use as a context manager so the file is closed (and unlocked)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.is_file():
            raise InputError(f"{str(self.path)!r} does not exist", field="--store")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(self.path, read_only)
        if not read_only:
            self.con.execute(_SCHEMA)
        self._check_version(read_only)

    def _check_version(self, read_only: bool) -> None:
        try:
            rows = self.con.execute("SELECT schema_version FROM store_info").fetchall()
        except duckdb.CatalogException:
            self.close()
            raise InputError(f"{str(self.path)!r} is not a sweep store", field="--store") from None
        if not rows and not read_only:
            self.con.execute("INSERT INTO store_info VALUES (?)", [SCHEMA_VERSION])
        elif rows and rows[0][0] != SCHEMA_VERSION:
            self.close()
            raise GigawattError(
                f"store {str(self.path)!r} has schema version {rows[0][0]}; this gigawatt reads "
                f"version {SCHEMA_VERSION}: use another --store"
            )

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

    def status(self, sweep_id: str) -> dict[int, str]:
        rows = self.con.execute(
            "SELECT sample, status FROM samples WHERE sweep_id = ?", [sweep_id]
        ).fetchall()
        return {int(sample): str(status) for sample, status in rows}

    def write(self, sweep_id: str, records: Sequence[SampleRecord]) -> None:
        """Store finished samples, all or none (one transaction)."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        samples = pd.DataFrame(
            {
                "sample": [r.sample for r in records],
                "status": ["done" if r.ok else "failed" for r in records],
                "error": [r.error for r in records],
                "duration_s": [r.duration_s for r in records],
            }
        )
        inputs = pd.DataFrame(
            [(r.sample, path, value) for r in records for path, value in r.inputs.items()],
            columns=["sample", "path", "value"],
        ).astype({"sample": "int32", "value": "float64"})
        outputs = pd.concat(
            [r.outputs.assign(sample=r.sample) for r in records if r.ok] or [_no_outputs()],
            ignore_index=True,
        )
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            # A failed sample may be retried: its old row goes (a done sample is never rerun).
            con.register("new_samples", samples)
            con.execute(
                "DELETE FROM samples WHERE sweep_id = ? AND sample IN "
                "(SELECT sample FROM new_samples)",
                [sweep_id],
            )
            con.execute(
                "INSERT INTO samples SELECT ?, sample, status, error, duration_s, ? "
                "FROM new_samples",
                [sweep_id, now],
            )
            con.register("new_inputs", inputs)
            con.execute(
                "INSERT INTO inputs SELECT ?, sample, path, value FROM new_inputs", [sweep_id]
            )
            con.register("new_outputs", outputs)
            con.execute(
                "INSERT INTO outputs SELECT ?, sample, year, key, value FROM new_outputs",
                [sweep_id],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            for view in ("new_samples", "new_inputs", "new_outputs"):
                con.unregister(view)

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
        """P10/P50/P90 per year and key over the done samples below `samples`.

        Keys come in the order the first stored sample listed them (as in `run --json`).
        """
        sql = _BANDS.format(table="outputs", group="t.year, t.key", order="t.year, min(t.rowid)")
        return self.con.execute(sql, [sweep_id, samples]).fetchdf()

    def input_bands(self, sweep_id: str, samples: int) -> pd.DataFrame:
        sql = _BANDS.format(table="inputs", group="t.path", order="min(t.rowid)")
        return self.con.execute(sql, [sweep_id, samples]).fetchdf()

    def outputs(self, sweep_id: str, samples: int | None = None) -> pd.DataFrame:
        """Every stored output of the done samples: `sample, year, key, value`, sorted."""
        return self._long("outputs", ["year", "key"], sweep_id, samples)

    def inputs(self, sweep_id: str, samples: int | None = None) -> pd.DataFrame:
        """Every drawn input of the done samples: `sample, path, value`, sorted."""
        return self._long("inputs", ["path"], sweep_id, samples)

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


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only, config=_CONFIG)
    except duckdb.IOException as e:
        if "lock" not in str(e).lower():
            raise InputError(f"{str(path)!r} cannot be opened: {e}", field="--store") from None
        raise GigawattError(
            f"store {str(path)!r} is open in another process (a sweep running?); "
            "wait for it or use another --store"
        ) from None
    except duckdb.Error as e:
        raise InputError(f"{str(path)!r} is not a DuckDB store: {e}", field="--store") from None


def _no_outputs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": pd.Series(dtype="int32"),
            "key": pd.Series(dtype=object),
            "value": pd.Series(dtype="float64"),
            "sample": pd.Series(dtype="int64"),
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
