"""Only the CLI knows flags: the library names a request's fields, each command shows them as
the flags that set them (read from its own Typer options, so the two cannot drift)."""

from __future__ import annotations

import pytest
import typer.main

from gigawatt import app as api
from gigawatt.cli import app
from gigawatt.cli.common import flag_names
from gigawatt.energy.footprint import FootprintRequest
from gigawatt.errors import InputError, Problem
from gigawatt.reliability.job import ReliabilityRequest

COMMAND_REQUESTS = {
    "run": api.RunRequest,
    "finance": api.ScenarioRequest,
    "capability": api.ScenarioRequest,
    "energy": api.EnergyRequest,
    "report": api.ReportRequest,
    "sweep": api.SweepRequest,
    "perf": api.PerfRequest,
    "train": api.TrainRequest,
    "reliability": ReliabilityRequest,
    "footprint": FootprintRequest,
}
COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(COMMAND_REQUESTS))
def test_every_request_field_a_command_sets_has_its_flag(name):
    names = flag_names(COMMANDS[name])
    fields = set(COMMAND_REQUESTS[name].model_fields)
    # the library-only knobs of footprint's request (no flag on purpose)
    fields -= {"embodied_life_years", "embodied_use_share"}
    missing = sorted(f for f in fields if f not in names)
    assert missing == []
    assert all(names[f].startswith("--") or names[f].isupper() for f in fields)


def test_library_errors_name_fields_and_the_cli_flags():
    with pytest.raises(InputError) as err:
        api.perf(model="llama3-8b", system="dgx-h100", gpus=0)
    assert str(err.value) == "gpus: 0 is not allowed: must be >= 1"
    assert err.value.field == "gpus"
    shown = err.value.render(flag_names(COMMANDS["perf"]))
    assert shown == "--gpus: 0 is not allowed: must be >= 1"


def test_a_message_naming_other_fields_names_their_flags():
    e = InputError(problems=[Problem(None, "{a_b} and {c} conflict", ("a_b", "c"))])
    assert str(e) == "a_b and c conflict"
    assert e.render({"a_b": "--a-b", "c": "--c"}) == "--a-b and --c conflict"
    # braces in a value are left alone: only the listed fields are replaced
    e = InputError("{x} is not {allowed}", field="plan", refs=("x",))
    assert e.render({"plan": "--plan", "x": "--x"}) == "--plan: --x is not {allowed}"


def test_footprint_alternatives_at_the_cli(capsys):
    from gigawatt.cli import main

    args = ["footprint", "--system", "h100", "--gpu-hours", "10", "--region", "fr"]
    with pytest.raises(SystemExit) as code:
        main([*args, "--grid-gco2-per-kwh", "50"])
    assert code.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --region and --grid-gco2-per-kwh are alternatives")
