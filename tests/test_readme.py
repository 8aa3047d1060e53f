"""The README is checked against the code: its examples run and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gigawatt.cli import main
from gigawatt.scenario import parse_scenario
from gigawatt.simulate import simulate
from gigawatt.yamlio import loads_yaml

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README, flags=re.S)


def _command_rows() -> list[str]:
    return re.findall(r"^\| `gigawatt ([^`]*)` \|", README, flags=re.M)


def test_readme_scenario_example_runs(catalog):
    blocks = [b for b in _yaml_blocks() if "sites:" in b]
    assert blocks, "the README shows a scenario"
    for block in blocks:
        sc = parse_scenario(loads_yaml(block, origin="README"), catalog)
        results = simulate(sc, catalog)
        assert results.years()[-1]["facility_power_gw"] > 0


@pytest.mark.parametrize("row", _command_rows())
def test_readme_commands_and_flags_exist(row, capsys):
    command = row.split()[0]
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    help_text = capsys.readouterr().out
    for flag in re.findall(r"--[a-z][a-z0-9-]*", row):
        assert flag in help_text, f"README says `gigawatt {row}` but --help has no {flag}"


def test_readme_quick_start_is_the_two_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick and "make test" in quick
