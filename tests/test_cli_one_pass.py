"""A command line with a bad option and a bad scenario file says both in one run (exit 2): the
file does not depend on the option, so its mistakes do not wait for the option to be fixed
(`gigawatt.cli.common.with_file_problems`)."""

from __future__ import annotations

import pytest

from cli_cases import cli, refused
from conftest import USER_SCENARIO_YAML

PUE = "sites[0].pue: 0.5 is not allowed: must be >= 1 and <= 3"


@pytest.fixture
def bad_file(tmp_path, monkeypatch) -> str:
    """A scenario file with one mistake (a PUE below 1), in the current folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(
        USER_SCENARIO_YAML.replace("region: us-ercot", "region: us-ercot\n    pue: 0.5")
    )
    return "bad.yaml"


@pytest.mark.parametrize(
    ("args", "option_line"),
    [
        # refused by the request (the library's validation)
        (["sweep", "bad.yaml", "--samples", "-1"], "--samples: -1 is not allowed: must be >= 1"),
        (["energy", "bad.yaml", "--policy", "x"], "--policy: applies to a site's power swings"),
        (["report", "bad.yaml", "--out", "r.txt"], "--out: 'r.txt' does not end in .html"),
        (["sensitivity", "bad.yaml", "--method", "x"], "--method: 'x' is not allowed: expected"),
        # refused by Click before the command runs: a value, a required option, a repeat
        (["sweep", "--samples", "abc", "bad.yaml"], "--samples: 'abc' is not allowed"),
        (["energy", "bad.yaml", "--hours", "0"], "--hours: 0 is not allowed: must be >= 1"),
        (["sweep", "bad.yaml"], "--samples: required, not given"),
        (["run", "--out", "a", "bad.yaml", "--out", "b"], "--out: given twice ('a' and 'b')"),
    ],
)
def test_a_bad_option_and_a_bad_file_are_both_said(capsys, bad_file, args, option_line):
    lines = refused(capsys, *args).splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"error: {option_line}")
    assert lines[1] == f"error: bad.yaml: {PUE}"


def test_every_file_a_command_line_names_is_read(capsys, bad_file, tmp_path):
    (tmp_path / "also.yaml").write_text(USER_SCENARIO_YAML.replace("power_gw: 1.0", "power_gw: -1"))
    lines = refused(capsys, "compare", "bad.yaml", "also.yaml", "--out", "c.txt").splitlines()
    assert lines[0].startswith("error: --out: 'c.txt'")
    assert lines[1] == f"error: bad.yaml: {PUE}"
    assert lines[2].startswith("error: also.yaml: sites[0].phases[0].power_gw: -1")
    assert len(lines) == 3


def test_a_file_alone_is_said_once_and_a_good_file_adds_nothing(capsys, bad_file, tmp_path):
    """The file's own problems are not repeated; a file that reads adds no line; a bad option
    with a good file (or with no file, the default scenario) is the option's line alone."""
    assert refused(capsys, "finance", "bad.yaml") == f"error: {PUE}\n"
    (tmp_path / "good.yaml").write_text(USER_SCENARIO_YAML)
    err = refused(capsys, "sweep", "good.yaml", "--samples", "-1")
    assert err == "error: --samples: -1 is not allowed: must be >= 1\n"
    err = refused(capsys, "energy", "--policy", "x")
    assert err.count("\n") == 1 and err.startswith("error: --policy:")
    # an error of the option found once the file is read: the file read, nothing to add
    code, _, err = cli(capsys, "energy", "good.yaml", "--swings", "nowhere")
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: --swings: unknown site")


def test_every_refused_option_of_a_sensitivity_is_said(capsys, tmp_path):
    """Before, the method was checked, then the scenario, then the workers, then the Sobol
    base: four runs to find four mistakes."""
    (tmp_path / "fixed.yaml").write_text(USER_SCENARIO_YAML)  # no distributions
    err = refused(capsys, "sensitivity", str(tmp_path / "fixed.yaml"), "--method", "x",
                  "--workers", "0", "--samples", "3")  # fmt: skip
    assert [line.split(":")[1] for line in err.splitlines()] == [
        " --method",
        " --workers",
        " --samples",
        " SCENARIO",
    ]
    assert "SCENARIO: the scenario has no uncertain inputs" in err


@pytest.mark.parametrize(
    ("args", "flags"),
    [
        (["perf", "--model", "nope", "--system", "nope2", "--gpus", "8"], ["--model", "--system"]),
        (["train", "--model", "llama3-8b", "--tokens", "1T", "--system", "dgx-h100", "--gpus",
          "8", "--region", "mars", "--policy", "nope", "--framework", "nope"],
         ["--framework", "--region", "--policy"]),
        (["reliability", "--gpus", "8", "--days", "1", "--system", "nope", "--failure-model",
          "nope", "--policy", "nope", "--model", "nope"],
         ["--model", "--system", "--policy", "--failure-model"]),
        (["footprint", "--system", "nope", "--gpu-hours", "1", "--region", "mars"],
         ["--system", "--region"]),
    ],
    ids=["perf", "train", "reliability", "footprint"],
)  # fmt: skip
def test_every_unknown_id_of_a_command_line_is_said(capsys, args, flags):
    """Before, each unknown id was said alone: four runs to find four misspelt ids."""
    lines = refused(capsys, *args).splitlines()
    assert [line.split(":")[1].strip() for line in lines] == flags
    assert all(" unknown " in line and "(see `gigawatt catalog " in line for line in lines)
