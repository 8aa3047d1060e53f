"""Damaged or foreign sweep stores through the command line (issue 13): one line naming
`--store` (or `--sweep`), exit 2, and the files left byte for byte as they were."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from gigawatt.cli import main
from gigawatt.sweep import SweepInfo, SweepStore


def _good_store(path: Path) -> None:
    with SweepStore(path) as store:
        store.register(
            SweepInfo(
                sweep_id="a" * 64,
                scenario="toy",
                scenario_json="{}",
                seed=0,
                method="monte-carlo",
                catalog_sha256="c" * 64,
                uncertain_inputs=("x",),
                samples_requested=1,
                gigawatt_version="test",
                created=dt.datetime(2026, 1, 1),
            )
        )


def _truncated(path: Path) -> None:
    _good_store(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _flipped(path: Path) -> None:
    _good_store(path)
    data = path.read_bytes()
    blocks = 3 * 4096  # past DuckDB's three headers: every block of data is damaged
    path.write_bytes(data[:blocks] + b"garbage!" * ((len(data) - blocks) // 8))


def _missing_table(path: Path) -> None:
    _good_store(path)
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE samples")
    con.close()


def _empty_duckdb(path: Path) -> None:
    duckdb.connect(str(path)).close()


def _empty_file(path: Path) -> None:
    path.write_bytes(b"")


def _foreign_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (1)")
    con.close()


def _garbage_wal(path: Path) -> None:
    _good_store(path)
    path.with_name(path.name + ".wal").write_text("my notes\n", encoding="utf-8")


DAMAGE = [_truncated, _flipped, _missing_table, _empty_duckdb, _empty_file, _foreign_duckdb]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("damage", [*DAMAGE, _garbage_wal], ids=lambda f: f.__name__[1:])
def test_sweep_refuses_a_bad_store_in_one_line(capsys, tmp_path, damage):
    store = tmp_path / "s.duckdb"
    damage(store)
    before = _snapshot(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "nvidia-openai-10gw", "--samples", "1", "--store", str(store)])
    out, err = capsys.readouterr()
    assert exc.value.code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("error: --store")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("damage", DAMAGE[:3], ids=lambda f: f.__name__[1:])
def test_report_refuses_a_bad_store_in_one_line(capsys, tmp_path, damage):
    store = tmp_path / "s.duckdb"
    damage(store)
    before = _snapshot(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["report", "--sweep", str(store), "--out", str(tmp_path / "r.html")])
    out, err = capsys.readouterr()
    assert exc.value.code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("error: --sweep")
    assert _snapshot(tmp_path) == before
