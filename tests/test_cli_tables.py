"""Every command's tables fit 80 columns without cutting a value (issue 12): no "…", no line
wider than the terminal (a URL longer than a line stays whole on a line of its own), and the
values a table used to cut (threshold ids, country names, sweep bands) printed whole."""

from __future__ import annotations

import json

import pytest

from gigawatt.catalog.schema import KINDS
from gigawatt.cli.common import console
from gigawatt.cli.tables import Spec, fitted_tables
from test_cli import cli

WIDTH = 80


@pytest.fixture(autouse=True)
def terminal_80(monkeypatch):
    # Rich's `width` property reads the terminal (or $COLUMNS) unless `_width` is set, and its
    # setter sets `_width`; patching `width` would "restore" the width read during the test as a
    # fixed `_width`, so every later test would print at 80 columns whatever $COLUMNS says.
    # Patching `_width` itself restores it to what it was (None: read the terminal).
    monkeypatch.setattr(console, "_width", WIDTH)


def _check(out: str) -> None:
    assert "…" not in out
    for line in out.splitlines():
        if len(line.rstrip()) > WIDTH:
            word = line.strip()
            assert " " not in word and "http" in word, f"too wide: {line!r}"


COMMANDS = [
    ["run", "--out", "{tmp}/o"],
    ["finance"],
    ["capability"],
    ["energy"],
    ["energy", "nvidia-openai-10gw", "--swings", "tx-abilene"],
    ["footprint", "--system", "gb200-nvl72", "--gpu-hours", "1e6", "--region", "us-ercot"],
    ["reliability", "--gpus", "16384", "--days", "30", "--trials", "200"],
    ["perf", "--model", "llama3-70b", "--system", "dgx-h100", "--gpus", "1024", "--search"],
    ["train", "--model", "llama3-70b", "--tokens", "15T", "--system", "dgx-h100", "--gpus", "8192"],
    ["scenarios"],
    ["catalog"],
    *(["catalog", kind] for kind in KINDS),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_tables_fit_80_columns(capsys, tmp_path, args):
    code, out, err = cli(capsys, *(a.format(tmp=tmp_path) for a in args))
    assert code == 0, err
    _check(out)


def test_capability_prints_every_threshold_id_whole(capsys):
    code, out, _ = cli(capsys, "capability")
    assert code == 0
    _check(out)
    code, data, _ = cli(capsys, "capability", "--json")
    ids = {c["id"] for c in json.loads(data)["crossings"]}
    assert ids
    for threshold in ids:
        assert threshold in out, threshold
    # a frontier run's FLOP is over its own precision and days, not the yearly table's
    flat = " ".join(out.split())
    for run in json.loads(data)["frontier_runs"]:
        assert f"{run['name']}: {run['precision']}, {run['duration_days']:g} days" in flat


def test_energy_prints_country_names_between_words(capsys):
    code, out, _ = cli(capsys, "energy")
    assert code == 0
    _check(out)
    code, data, _ = cli(capsys, "energy", "--json")
    words = {w for y in json.loads(data)["years"] for w in y["country_equivalent"].split()}
    printed = set(out.split())
    assert words <= printed, words - printed


def test_sweep_prints_every_band_whole(capsys, tmp_path):
    store = str(tmp_path / "s.duckdb")
    code, out, _ = cli(capsys, "sweep", "nvidia-openai-10gw", "--samples", "4", "--store", store)
    assert code == 0
    _check(out)
    code, data, _ = cli(
        capsys, "sweep", "nvidia-openai-10gw", "--samples", "4", "--store", store, "--json"
    )
    for year in json.loads(data)["years"]:
        p10, p90 = year["facility_power_gw_p10"], year["facility_power_gw_p90"]
        assert f"{p10:,.2f}–{p90:,.2f}" in out


def test_a_table_too_wide_is_split_repeating_its_labels():
    specs = [
        Spec("Label", ("a-long-row-label", "b"), justify="left"),
        *(Spec(f"Column {i}", (f"{i * 1e6:,.2f}", "1")) for i in range(8)),
    ]
    tables = fitted_tables("Wide", specs, width=WIDTH)
    assert len(tables) == 2
    assert [t.columns[0].header for t in tables] == ["Label", "Label"]
    assert sum(len(t.columns) - 1 for t in tables) == 8
    assert tables[0].title == "Wide (1 of 2)"
