"""`--json` on every command (DESIGN.md section 7): exactly one JSON object on stdout and nothing
else there, read at the file-descriptor level (a solver or a library printing from C would
show). Runs in-process on a small scenario; the list of commands is the CLI's own, so a new
command without a case here fails. Every command runs offline (DESIGN.md section 9: nothing
downloads at run time): any attempt to resolve a host or open a connection fails the test."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml
from typer.main import get_command

from conftest import TOY_CATALOG, toy_scenario_data
from gigawatt.cli import app, main

PRICES = str(Path(__file__).parents[1] / "data" / "prices-synthetic.csv")

CASES = {
    "cache": ["cache", "info"],
    "capability": ["capability", "SCENARIO"],
    "catalog": ["catalog", "systems"],
    "compare": ["compare", "SCENARIO", "SCENARIO"],
    "energy": ["energy", "SCENARIO", "--supply", "site-a", "--hours", "24"],
    "finance": ["finance", "SCENARIO"],
    "footprint": ["footprint", "--system", "toy-node", "--gpu-hours", "1000"],
    "market": ["market", "--prices", PRICES, "--event", "nvidia-openai-2025-09-22"],
    "perf": ["perf", "--model", "llama3-8b", "--system", "dgx-h100", "--gpus", "8", "--search"],
    "reliability": ["reliability", "--gpus", "1024", "--days", "5", "--trials", "50"],
    "report": ["report", "SCENARIO", "--out", "TMP/r.html", "--no-sensitivity"],
    "run": ["run", "SCENARIO", "--out", "TMP/o", "--no-sensitivity"],
    "scenarios": ["scenarios"],
    "sensitivity": ["sensitivity", "SCENARIO", "--method", "tornado", "--store", "TMP/t.duckdb"],
    "show": ["show", "SCENARIO"],
    "sweep": ["sweep", "SCENARIO", "--samples", "2", "--store", "TMP/s.duckdb"],
    "train": ["train", "--model", "llama3-8b", "--tokens", "1T", "--system", "dgx-h100",
              "--gpus", "64"],
}  # fmt: skip


def test_every_command_has_a_case():
    assert sorted(CASES) == sorted(get_command(app).commands)  # type: ignore[attr-defined]


@pytest.fixture
def offline(monkeypatch) -> list[str]:
    """Every host lookup and outgoing connection refused and recorded (a library fetching a
    browser, a font, a DuckDB extension or a data file would show here)."""
    tried: list[str] = []

    def refuse(what: str):
        def call(*args, **kwargs):
            tried.append(f"{what}{args[:2]!r}")
            raise OSError(f"offline test: {what} refused")

        return call

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return tried


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_is_one_object_and_nothing_else(capfd, tmp_path, monkeypatch, offline, name):
    data = toy_scenario_data()
    data["sites"][0]["pue"] = {"uniform": {"low": 1.1, "high": 1.3}}  # one uncertain input
    scenario = tmp_path / "toy.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    args = [a.replace("SCENARIO", str(scenario)).replace("TMP", str(tmp_path)) for a in CASES[name]]
    with pytest.raises(SystemExit) as exc:
        main(["--catalog", str(TOY_CATALOG), *args, "--json"])
    out, err = capfd.readouterr()
    assert exc.value.code == 0, err
    decoder = json.JSONDecoder()
    obj, end = decoder.raw_decode(out)
    assert isinstance(obj, dict) and obj
    assert out[end:] == "\n", out[end : end + 200]
    assert offline == [], f"gigawatt {name} went on the network: {offline}"
