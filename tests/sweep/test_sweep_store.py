"""The DuckDB store: whole samples or none, bands equal numpy's percentiles, bad files refused."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.errors import GigawattError, InputError
from gigawatt.sweep import SweepInfo, SweepStore
from gigawatt.sweep.samples import SampleRecord

SID = "a" * 64


def _info(samples: int = 10) -> SweepInfo:
    return SweepInfo(
        sweep_id=SID,
        scenario="toy",
        scenario_json='{"end": "2027-12"}',
        seed=0,
        method="monte-carlo",
        catalog_sha256="c" * 64,
        uncertain_inputs=("x",),
        samples_requested=samples,
        gigawatt_version="test",
        created=dt.datetime(2026, 1, 1),
    )


def _record(sample: int, values: dict[tuple[int, str], float], error: str | None = None):
    outputs = pd.DataFrame(
        {
            "year": np.array([y for y, _ in values], dtype=np.int32),
            "key": pd.Series([k for _, k in values], dtype=object),
            "value": np.array(list(values.values()), dtype=np.float64),
        }
    )
    inputs = {} if error else {"x": float(sample)}
    return SampleRecord(sample, inputs, outputs if not error else outputs.iloc[:0], error, 0.01)


def test_write_and_read_back(tmp_path):
    with SweepStore(tmp_path / "s.duckdb") as store:
        store.register(_info())
        store.write(SID, [_record(0, {(2026, "a"): 1.0, (2026, "b"): np.nan})])
        store.write(SID, [_record(1, {}, error="ValueError: no")])
        assert store.status(SID) == {0: "done", 1: "failed"}
        assert store.counts(SID, 10) == (1, 1, "ValueError: no")
        out = store.outputs(SID)
        assert out[["sample", "year", "key"]].to_dict("list") == {
            "sample": [0, 0],
            "year": [2026, 2026],
            "key": ["a", "b"],
        }
        assert out.value[0] == 1.0 and np.isnan(out.value[1])
        nulls = store.con.execute("SELECT count(*) FROM outputs WHERE value IS NULL").fetchone()
        assert nulls == (1,)  # null (not computed) is NULL in SQL, not NaN
        assert store.inputs(SID).value.tolist() == [0.0]  # failed samples have no inputs
        # a retried failure replaces its row
        store.write(SID, [_record(1, {(2026, "a"): 3.0})])
        assert store.status(SID) == {0: "done", 1: "done"}
        # a rerun with another sample count updates the request, not the rest
        store.register(_info(samples=20))
        assert store.sweep(SID[:8]).samples_requested == 20
    with SweepStore(tmp_path / "s.duckdb", read_only=True) as store:
        assert [s.sweep_id for s in store.sweeps()] == [SID]


def test_interrupted_write_leaves_no_half_sample(tmp_path, monkeypatch):
    store = SweepStore(tmp_path / "s.duckdb")
    store.register(_info())
    store.write(SID, [_record(0, {(2026, "a"): 1.0})])
    real_register = store.con.register

    class Crash(Exception):
        pass

    def crash_on_outputs(name, frame):
        if name == "new_outputs":  # after the sample and input rows went in
            raise Crash
        return real_register(name, frame)

    monkeypatch.setattr(store, "con", _Proxy(store.con, register=crash_on_outputs))
    with pytest.raises(Crash):
        store.write(SID, [_record(1, {(2026, "a"): 2.0}), _record(2, {(2026, "a"): 3.0})])
    monkeypatch.undo()
    assert store.status(SID) == {0: "done"}
    assert store.inputs(SID)["sample"].tolist() == [0]
    assert store.outputs(SID)["sample"].tolist() == [0]
    store.write(SID, [_record(1, {(2026, "a"): 2.0})])  # still usable
    assert store.status(SID) == {0: "done", 1: "done"}
    store.close()


def test_ctrl_c_inside_duckdb_is_a_keyboard_interrupt(tmp_path, monkeypatch):
    """DuckDB reports Ctrl-C during a query as RuntimeError("Query interrupted"); the store turns
    it back into KeyboardInterrupt (so the CLI says "interrupted", exit 130) and rolls back."""
    store = SweepStore(tmp_path / "s.duckdb")
    store.register(_info())
    real_execute = store.con.execute

    def interrupted(query, *args):
        if query.startswith("INSERT INTO outputs"):
            raise RuntimeError("Query interrupted")
        return real_execute(query, *args)

    monkeypatch.setattr(store, "con", _Proxy(store.con, execute=interrupted))
    with pytest.raises(KeyboardInterrupt):
        store.write(SID, [_record(0, {(2026, "a"): 1.0})])
    monkeypatch.undo()
    assert store.status(SID) == {}
    store.close()


class _Proxy:
    """A connection with one method replaced (DuckDB's own attributes are read-only)."""

    def __init__(self, con, **overrides):
        self._con, self._overrides = con, overrides

    def __getattr__(self, name):
        return self._overrides.get(name) or getattr(self._con, name)


values = st.lists(
    st.one_of(st.floats(-1e12, 1e12, allow_nan=False), st.none()), min_size=1, max_size=25
)


@settings(max_examples=40, deadline=None)
@given(values=values, limit=st.integers(1, 30))
def test_bands_are_numpys_percentiles(values, limit):
    """SQL quantile_cont against numpy's default (linear) percentiles; nulls skipped; only done
    samples below the limit count; P10 <= P50 <= P90."""
    with SweepStore(":memory:") as store:
        store.register(_info())
        recs = [_record(i, {(2026, "k"): np.nan if v is None else v}) for i, v in enumerate(values)]
        store.write(SID, recs)
        store.write(SID, [_record(len(values), {}, error="boom")])
        bands = store.output_bands(SID, limit)
    kept = np.array([v for v in values[:limit] if v is not None])
    if not len(kept):
        assert bands.empty or bands.p50.isna().all()
        return
    row = bands.iloc[0]
    assert row.n == len(kept)
    expected = np.percentile(kept, [10, 50, 90])
    scale = max(1.0, float(np.abs(kept).max()))
    np.testing.assert_allclose([row.p10, row.p50, row.p90], expected, rtol=0, atol=1e-9 * scale)
    assert row.p10 <= row.p50 <= row.p90
    assert kept.min() <= row.p10 and row.p90 <= kept.max()


def test_band_key_order_follows_the_first_sample(tmp_path):
    with SweepStore(tmp_path / "s.duckdb") as store:
        store.register(_info())
        order = {(2026, "zeta"): 1.0, (2026, "alpha"): 2.0, (2027, "zeta"): 3.0}
        store.write(SID, [_record(0, order), _record(1, order)])
        bands = store.output_bands(SID, 10)
    assert list(zip(bands.year, bands.key, strict=True)) == list(order)


def test_not_a_store(tmp_path):
    text = tmp_path / "notes.duckdb"
    text.write_text("hello\n")
    with pytest.raises(InputError, match=r"^store: "):
        SweepStore(text)
    with pytest.raises(InputError, match="does not exist"):
        SweepStore(tmp_path / "missing.duckdb", read_only=True)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))  # a DuckDB database, but not ours
    con.execute("CREATE TABLE mine (x INTEGER)")
    con.close()
    for read_only in (True, False):
        with pytest.raises(InputError, match="not a sweep store"):
            SweepStore(other, read_only=read_only)
    con = duckdb.connect(str(other), read_only=True)
    assert con.execute("SELECT table_name FROM information_schema.tables").fetchall() == [
        ("mine",)
    ]  # nothing added to it
    con.close()


def test_other_schema_version_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    SweepStore(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE store_info SET schema_version = 99")
    con.close()
    with pytest.raises(GigawattError, match="schema version 99"):
        SweepStore(path)


def _store_with_samples(path):
    with SweepStore(path) as store:
        store.register(_info())
        store.write(SID, [_record(i, {(2026, "k"): float(i)}) for i in range(200)])


def _bytes(path):
    return path.read_bytes()


def test_an_empty_duckdb_database_or_file_is_not_adopted(tmp_path):
    """A database that holds no tables is someone's, not a store to fill (issue 13)."""
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    zero = tmp_path / "zero.duckdb"
    zero.write_bytes(b"")
    for path in (empty, zero):
        before = _bytes(path)
        with pytest.raises(InputError, match="not a sweep store"):
            SweepStore(path)
        assert _bytes(path) == before


def test_a_store_is_created_whole(tmp_path):
    """A new store appears at its path complete (made beside it, then linked in): no partial
    file, no temporary left behind."""
    path = tmp_path / "new.duckdb"
    SweepStore(path).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.duckdb"]
    with SweepStore(path, read_only=True) as store:
        assert store.sweeps() == []


@pytest.mark.parametrize("where", [i / 10 for i in range(1, 10)])
def test_a_damaged_store_is_refused_and_left_untouched(tmp_path, where):
    """Garbage written into the file: refused with the file left as it was, unless the garbage
    fell on free space (DuckDB checksums every block it uses), when the store must still read
    back every sample exactly."""
    path = tmp_path / "s.duckdb"
    _store_with_samples(path)
    data = bytearray(_bytes(path))
    at = int(len(data) * where)
    data[at : at + 4096] = b"garbage!" * 512
    path.write_bytes(bytes(data))
    try:
        with SweepStore(path) as store:
            store.register(_info())
            outputs = store.outputs(SID)
    except InputError as e:
        assert "damaged sweep store" in str(e) and "left untouched" in str(e)
        assert _bytes(path) == bytes(data)
        return
    assert outputs["value"].tolist() == [float(i) for i in range(200)]


def test_damage_anywhere_in_the_data_is_found(tmp_path):
    """Most positions in a store full of samples hold data: most damage must be caught."""
    path = tmp_path / "s.duckdb"
    _store_with_samples(path)
    good = _bytes(path)
    caught = 0
    for where in [i / 20 for i in range(1, 20)]:
        data = bytearray(good)
        at = int(len(data) * where)
        data[at : at + 4096] = b"garbage!" * 512
        path.write_bytes(bytes(data))
        try:
            SweepStore(path, read_only=True).close()
        except InputError:
            caught += 1
    assert caught >= 8


def test_a_truncated_store_is_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    _store_with_samples(path)
    data = _bytes(path)[: len(_bytes(path)) // 3]
    path.write_bytes(data)
    with pytest.raises(InputError, match="damaged sweep store"):
        SweepStore(path)
    assert _bytes(path) == data


def test_a_store_missing_a_table_is_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    _store_with_samples(path)
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE outputs")
    con.close()
    before = _bytes(path)
    for read_only in (False, True):
        with pytest.raises(InputError, match="table 'outputs' is missing"):
            SweepStore(path, read_only=read_only)
    assert _bytes(path) == before


def test_a_foreign_wal_beside_a_store_is_refused_and_kept(tmp_path):
    """DuckDB would ignore an unreadable .wal and delete it at its next checkpoint."""
    path = tmp_path / "s.duckdb"
    _store_with_samples(path)
    wal = tmp_path / "s.duckdb.wal"
    wal.write_text("my notes\n")
    with pytest.raises(InputError, match="not a DuckDB write-ahead log"):
        SweepStore(path)
    assert wal.read_text() == "my notes\n"


@settings(max_examples=40, deadline=None)
@given(values=values)
def test_a_headline_date_that_never_happens_counts_as_late(values):
    """A headline date's null is an event that does not happen inside the scenario: a draw later
    than every date, not a draw left out. Its bands are definition 7 over every draw with the
    nulls last (numpy's percentiles with the nulls at a date beyond all, read as "never"), n
    counts every done sample and `never` the nulls; a yearly output's nulls are still left out."""
    key = "gw_deployed_date[1]"
    with SweepStore(":memory:") as store:
        store.register(_info())
        store.write(
            SID,
            [
                _record(i, {(0, key): np.nan if v is None else v, (2026, "k"): np.nan})
                for i, v in enumerate(values)
            ],
        )
        row = store.output_bands(SID, 100).set_index("key").loc[key]
    late = 1e13  # beyond every drawn value
    expected = np.percentile([late if v is None else v for v in values], [10, 50, 90])
    expected = np.where(
        expected > max((v for v in values if v is not None), default=-1e13), np.inf, expected
    )
    np.testing.assert_allclose([row.p10, row.p50, row.p90], expected, rtol=0, atol=1e-3)
    assert row.n == len(values) and row.never == sum(v is None for v in values)
    assert row.p10 <= row.p50 <= row.p90


def test_a_headline_date_missing_from_a_sample_is_never(tmp_path):
    """A sample that plans fewer GW lists no date for the last GW: it counts as never too."""
    with SweepStore(":memory:") as store:
        store.register(_info())
        key = "gw_deployed_date[2]"
        store.write(SID, [_record(i, {(0, key): 2027.0 + i / 12}) for i in range(6)])
        store.write(SID, [_record(i, {(0, "capex_usd_total"): 1.0}) for i in range(6, 10)])
        bands = store.output_bands(SID, 100).set_index("key")
    assert bands.loc[key, "n"] == 10 and bands.loc[key, "never"] == 4
    assert bands.loc[key, "p50"] == pytest.approx(2027.0 + 4.5 / 12)  # ranks 4 and 5 of 0..9
    assert bands.loc[key, "p90"] == np.inf
    assert bands.loc["capex_usd_total", "n"] == 4  # not a date: only the samples that have it
