"""`gigawatt sensitivity`: the JSON object, the tables at 80 columns, bad input, the progress
bar (only on a terminal, never under --json)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import TOY_CATALOG, toy_scenario_data
from gigawatt.cli import progress as progress_module
from test_cli import cli


def _uniform(low: float, high: float) -> dict:
    return {"uniform": {"low": low, "high": high}}


@pytest.fixture
def toy_file(tmp_path):
    """Two phases of uncertain size: the end-of-run facility power is their sum."""
    data = toy_scenario_data()
    data["sites"][0]["phases"] = [
        {"online": "2026-03", "power_gw": _uniform(0.5, 1.5), "system": "toy-node"},
        {"online": "2026-04", "power_gw": _uniform(1.0, 4.0), "system": "toy-node"},
    ]
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _args(toy_file, tmp_path, *more: str) -> list[str]:
    store = str(tmp_path / "s.duckdb")
    return ["--catalog", str(TOY_CATALOG), "sensitivity", str(toy_file), "--store", store, *more]


def test_sensitivity_json(capsys, tmp_path, toy_file):
    code, out, err = cli(capsys, *_args(toy_file, tmp_path, "--samples", "16", "--json"))
    assert code == 0, err
    assert err == ""  # no progress bar under --json
    data = json.loads(out)
    assert data["method"] == "both" and data["sobol_base_samples"] == 16
    p1, p2 = (i["path"] for i in data["inputs"])
    assert data["samples"] == {"tornado": 2 * 2 + 1, "sobol": 16 * (2 + 2)}
    power = next(o for o in data["outputs"] if o["key"] == "facility_power_gw_end")
    assert power["base"] == pytest.approx(3.5)
    assert power["ranking"] == [p2, p1]
    assert [b["input"] for b in power["tornado"]] == [p2, p1]
    assert set(power["sobol"]) == {p1, p2}
    assert set(power["sobol"][p2]) == {"first", "first_conf", "total", "total_conf"}
    date = next(o for o in data["outputs"] if o["key"] == "gw_deployed_date[1]")
    assert date["is_date"] and date["base_month"] == "2026-03"
    assert any(h.startswith("every catalog value") for h in data["held_fixed"])
    assert any("share-price paths" in h for h in data["held_fixed"])
    assert any("as Sobol indices require" in h for h in data["held_fixed"])  # independence


def test_sensitivity_tables_fit_80_columns(capsys, tmp_path, toy_file, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = cli(capsys, *_args(toy_file, tmp_path, "--samples", "16", "--top", "1"))
    assert code == 0, err
    assert "Facility power at the end [GW]: 3.50 at point values" in out
    assert "S1" in out and "ST" in out and "1 more inputs" in out
    assert "Month GW 1 is deployed" in out
    assert "Accelerators at the end [million]" in out  # a unit in brackets is not markup
    # what is not varied, and where the ranges come from
    flat = " ".join(out.split())
    assert "Not varied: every catalog value the run reads" in flat
    assert "The ranges are quantiles of the scenario's own distributions" in flat
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_outputs_that_barely_vary_are_said_so(capsys, tmp_path):
    """A power drawn within a billionth of 2 GW: no indices, no table, one line that says so
    (and null indices with the key listed in `constant_outputs` under --json)."""
    data = toy_scenario_data()
    data["sites"][0]["phases"][0]["power_gw"] = _uniform(2.0, 2.0 + 2e-9)
    path = tmp_path / "flat.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out, err = cli(capsys, *_args(path, tmp_path, "--samples", "16"))
    assert code == 0, err
    flat = " ".join(out.split())
    line = next(x for x in out.splitlines() if x.startswith("Does not vary"))
    assert line.startswith("Does not vary across the samples (no Sobol indices):")
    assert "Facility power at the end" in flat.split("Does not vary across the samples")[1]
    assert "Facility power at the end [GW]" not in out  # no table of noise
    code, out, err = cli(capsys, *_args(path, tmp_path, "--samples", "16", "--json"))
    data = json.loads(out)
    power = next(o for o in data["outputs"] if o["key"] == "facility_power_gw_end")
    assert power["sobol"] is None and power["sobol_note"] == "does not vary across the samples"
    assert "facility_power_gw_end" in data["constant_outputs"]


@pytest.mark.parametrize(
    ("more", "flag"),
    [
        (["--method", "morris"], "--method"),
        (["--samples", "100"], "--samples"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_sensitivity_bad_input_exit_2(capsys, tmp_path, toy_file, more, flag):
    code, out, err = cli(capsys, *_args(toy_file, tmp_path, *more))
    assert code == 2 and out == ""
    assert flag in err and "Traceback" not in err


def test_progress_bar_only_on_a_terminal(capsys, tmp_path, toy_file, monkeypatch):
    args = _args(toy_file, tmp_path, "--method", "tornado")
    # not a terminal (pytest captures stderr): nothing on stderr
    code, _, err = cli(capsys, *args)
    assert code == 0 and err == ""
    monkeypatch.setattr(progress_module, "stderr_is_terminal", lambda: True)
    # a terminal, but --json: still nothing
    code, _, err = cli(capsys, *args, "--json")
    assert code == 0 and err == ""
    # a terminal: the bar, with the samples done of the total
    code, _, err = cli(capsys, *_args(toy_file, tmp_path / "new", "--method", "tornado"))
    assert code == 0 and "sensitivity" in err and "5/5" in err


def test_progress_bar_on_a_pseudo_terminal(tmp_path, toy_file):
    """The real check: stderr on a pseudo-terminal shows the bar; piped, it does not."""
    command = [
        str(Path(sys.executable).parent / "gigawatt"),
        *_args(toy_file, tmp_path, "--method", "tornado"),
    ]
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    leader, follower = pty.openpty()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:  # read as it writes: a full terminal buffer would block the command
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command closed its end: everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=300)
    os.close(leader)
    assert proc.returncode == 0
    assert b"sensitivity" in b"".join(chunks)
    piped = subprocess.run(command, capture_output=True, env=env, timeout=300, check=False)
    assert piped.returncode == 0 and piped.stderr == b""


def test_sweep_progress_bar_only_on_a_terminal(capsys, tmp_path, toy_file, monkeypatch):
    def sweep(store: str, *more: str) -> tuple[int, str, str]:
        args = ["--catalog", str(TOY_CATALOG), "sweep", str(toy_file), "--samples", "3"]
        return cli(capsys, *args, "--store", str(tmp_path / store), *more)

    code, _, err = sweep("a.duckdb")
    assert code == 0 and err == ""
    monkeypatch.setattr(progress_module, "stderr_is_terminal", lambda: True)
    code, _, err = sweep("b.duckdb", "--json")
    assert code == 0 and err == ""
    code, _, err = sweep("c.duckdb")
    assert code == 0 and "sweep" in err and "3/3" in err


def test_plan_search_spinner_only_on_a_terminal(capsys, monkeypatch):
    args = ["perf", "--model", "llama3-8b", "--system", "dgx-h100", "--gpus", "64", "--search"]
    code, _, err = cli(capsys, *args)
    assert code == 0 and err == ""
    monkeypatch.setattr(progress_module, "stderr_is_terminal", lambda: True)
    code, _, err = cli(capsys, *args, "--json")
    assert code == 0 and err == ""
    code, _, err = cli(capsys, *args)
    assert code == 0 and "searching plans" in err


def test_sensitivity_with_a_shared_group(capsys, tmp_path, toy_file):
    """Both phases in one `shared` group: one input of the tornado and of Sobol, named by the
    group; --json lists it with its members, the text says which inputs move together."""
    data = yaml.safe_load(toy_file.read_text(encoding="utf-8"))
    for phase in data["sites"][0]["phases"]:
        phase["power_gw"]["shared"] = "supply"
    toy_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out, err = cli(capsys, *_args(toy_file, tmp_path, "--samples", "8", "--json"))
    assert code == 0, err
    data = json.loads(out)
    p1, p2 = (i["path"] for i in data["inputs"])
    assert data["shared_groups"] == [{"name": "supply", "members": [p1, p2]}]
    assert [i["shared"] for i in data["inputs"]] == ["supply", "supply"]
    assert data["samples"] == {"tornado": 2 * 1 + 1, "sobol": 8 * (1 + 2)}
    power = next(o for o in data["outputs"] if o["key"] == "facility_power_gw_end")
    assert power["ranking"] == ["supply"] and set(power["sobol"]) == {"supply"}
    (bar,) = power["tornado"]
    assert bar["input"] == "supply" and bar["input_low"] is None
    # U(0.5, 1.5) and U(1, 4) at their P10 (0.6, 1.3), then at their P90 (1.4, 3.7)
    assert (bar["output_low"], bar["output_high"]) == pytest.approx((1.9, 5.1))
    assert [m["path"] for m in bar["members"]] == [p1, p2]
    code, out, err = cli(capsys, *_args(toy_file, tmp_path, "--samples", "8"))
    assert code == 0, err
    assert f"Shared group supply ({p1}, {p2}): these move together" in " ".join(out.split())
