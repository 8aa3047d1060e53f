"""Printed text a newcomer reads: counts agree with their nouns (`1 accelerator`, not
`1 accelerators`), and a hint names a flag of the command it is printed by."""

from __future__ import annotations

import pytest

from cli_cases import cli, cli_json, refused
from gigawatt.display import counted

#: A perf command line complete but for its options under test, and a train one but its tokens.
PERF_8 = ("perf", "--model", "llama3-8b", "--system", "h100", "--gpus", "8")
TRAIN_8 = ("train", "--model", "llama3-8b", "--system", "h100", "--gpus", "8")


@pytest.mark.parametrize(
    ("n", "noun", "fmt", "shown"),
    [
        (1, "accelerator", ",", "1 accelerator"),
        (0, "accelerator", ",", "0 accelerators"),
        (2048, "accelerator", ",", "2,048 accelerators"),
        (1.0, "day", "g", "1 day"),
        (1.5, "day", "g", "1.5 days"),
    ],
)
def test_counted(n, noun, fmt, shown):
    assert counted(n, noun, fmt=fmt) == shown


def test_one_accelerator_one_day_one_trial(capsys):
    code, out, _ = cli(capsys, "reliability", "--gpus", "1", "--days", "1", "--trials", "1")
    text = " ".join(out.split())
    assert code == 0
    assert text.startswith("1 accelerator on dgx-h100, 1 day of failure-free compute")
    assert "percentiles over 1 simulated timeline of this job (Monte Carlo, seed 0)" in text
    assert "1 accelerators" not in text and "1 days" not in text


def test_a_kind_of_one_record(capsys):
    code, out, _ = cli(capsys, "catalog", "event-study")
    assert code == 0 and out.splitlines()[0] == "event-study: 1 record"


def test_train_that_fits_nowhere_points_to_perf_for_allow_overflow(capsys):
    """`train` has no --allow-overflow: its hint names the perf command that has it."""
    args = ["--model", "llama3-8b", "--system", "h100", "--gpus", "1", "--tokens", "1e9"]
    code, out, _ = cli(capsys, "train", *args)
    text = " ".join(out.split())
    assert code == 0
    assert text.startswith("No plan fits in memory on 1 accelerator (")
    assert "`gigawatt perf --search --allow-overflow` with the same --model, --system" in text
    assert "Use --allow-overflow" not in text


JOB_COMMANDS = ("perf", "train", "reliability", "footprint")


@pytest.mark.parametrize(
    "flag", ["--gpus", "--precision", "--framework", "--region", "--policy", "--seq-len"]
)
def test_a_flag_of_the_job_commands_is_described_alike(flag):
    """The job commands share their flags' meaning, so a flag reads the same in each --help
    (and in the generated CLI reference), not `(as in perf)` in one of them."""
    import typer.main

    from gigawatt.cli import app

    group = typer.main.get_command(app)
    helps = {
        name: param.help
        for name in JOB_COMMANDS
        for param in group.commands[name].params
        if flag in getattr(param, "opts", ())
    }
    assert len(helps) >= 2 and len(set(helps.values())) == 1, helps
    assert "as in perf" not in next(iter(helps.values()))


def test_train_plan_help_names_the_perf_keys():
    import typer.main

    from gigawatt.cli import app

    (plan,) = [p for p in typer.main.get_command(app).commands["train"].params if p.name == "plan"]
    assert "`gigawatt perf --plan`" in plan.help and "searched" in plan.help


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["perf"], "--model, --system and --gpus: required, not given"),
        (["perf", "--model=llama3-8b"], "--system and --gpus: required, not given"),
        (["train", "--model", "llama3-8b", "--gpus", "8"], "--tokens and --system: required,"),
        (["reliability", "--days", "3"], "--gpus: required, not given"),
        (["sweep"], "SCENARIO: required, not given"),
    ],
)
def test_every_missing_option_is_named_at_once(capsys, args, expected):
    """Not one `Missing option` per try: every required option left out, in one line."""
    err = refused(capsys, *args)
    assert err.startswith(f"error: {expected}") and len(err.splitlines()) == 1
    assert f"(see `gigawatt {args[0]} --help`)" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [*PERF_8[:-1], "1,024"],
            "--gpus: '1,024' is not allowed: expected a whole number like 1024 (digits only",
        ),
        (
            ["footprint", "--system", "h100", "--gpu-hours", "1M"],
            "--gpu-hours: '1M' is not allowed: expected a number like 1000000 or 1e6 (no sep",
        ),
    ],
)
def test_a_number_written_another_way_says_how_to_write_it(capsys, args, expected):
    err = refused(capsys, *args)
    assert err.startswith(f"error: {expected}") and "unable to parse" not in err


@pytest.mark.parametrize("n", [1, 2, 10, 11, 12, 100])
def test_few_samples_is_where_p10_comes_from_the_two_lowest_draws(n):
    """The note's claim, checked against numpy's percentile (the bands' definition)."""
    import numpy as np

    from gigawatt.sweep.result import few_samples

    draws = np.sort(np.random.default_rng(n).normal(size=n))
    p10, p90 = np.percentile(draws, [10, 90])
    inside = n == 1 or (p10 < draws[1] and p90 > draws[-2])
    assert few_samples(n) == inside


def test_a_sweep_of_few_samples_says_so(capsys, tmp_path):
    store = str(tmp_path / "s.duckdb")
    code, out, err = cli(capsys, "sweep", "nvidia-openai-10gw", "--samples", "2", "--store", store)
    assert code == 0, err
    assert "With 2 samples each P10 and P90 lies between the two lowest or the two highest" in (
        " ".join(out.split())
    )


@pytest.mark.parametrize(
    "args",
    [
        [*TRAIN_8, "--tokens", "1e11"],
        ["footprint", "--system", "h100", "--gpu-hours", "1e6"],
    ],
)
def test_a_source_url_is_never_cut(capsys, args):
    """The grid's source URL is longer than the terminal: it stays whole on its own line, so it
    can be copied, instead of being folded at the 80th column (in a paragraph or a table)."""
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    source = cli_json(capsys, *args, "--json")["grid_source"]
    urls = [w.rstrip(".,;)") for w in source.split() if "://" in w]
    assert urls and max(map(len, urls)) > 80
    lines = [line.rstrip().rstrip(",.;") for line in out.splitlines()]
    for url in urls:
        assert url in lines, url


@pytest.mark.parametrize(
    ("kind", "noun"),
    [
        ("systems", "system"),
        ("countries", "country"),
        ("supply-technologies", "supply technology"),
        ("fault-tolerance", "fault-tolerance policy"),
        ("energy", "energy parameter"),
    ],
)
def test_an_unknown_id_names_its_kind_in_words(kind, noun):
    """`unknown country 'xx'`, not `unknown countrie 'xx'`."""
    from gigawatt.catalog import Catalog
    from gigawatt.errors import UnknownIdError

    with pytest.raises(UnknownIdError) as exc:
        Catalog.load().get(kind, "zzz-nope")
    assert str(exc.value).startswith(f"unknown {noun} 'zzz-nope'")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [*PERF_8, "--plan", "recompute=selectiv"],
            "--plan recompute: 'selectiv' is not allowed: expected 'none', 'selective' or "
            "'full' (did you mean 'selective'?)",
        ),
        (
            [*TRAIN_8, "--tokens", "1e10", "--cost-basis", "markt"],
            "--cost-basis: 'markt' is not allowed; allowed: ownership, market (did you mean "
            "'market'?)",
        ),
        (
            ["sensitivity", "nvidia-openai-10gw", "--method", "tornad"],
            "--method: 'tornad' is not allowed: expected one of tornado, sobol, both (did you "
            "mean 'tornado'?)",
        ),
    ],
)
def test_a_near_miss_of_a_choice_gets_the_choice_meant(capsys, args, expected):
    assert refused(capsys, *args) == f"error: {expected}\n"


def test_a_scenario_choice_in_the_wrong_case_gets_the_right_one(capsys, user_scenario_file):
    text = user_scenario_file.read_text(encoding="utf-8").replace(
        "end: 2027-12", "end: 2027-12\npower_basis: IT"
    )
    user_scenario_file.write_text(text, encoding="utf-8")
    err = refused(capsys, "finance", str(user_scenario_file))
    assert (
        "power_basis: 'IT' is not allowed: expected 'facility' or 'it' (did you mean 'it'?)" in err
    )


def test_gigawatt_help_lists_every_command_whole(capsys):
    """`gigawatt --help` at 80 columns: one whole line per command, none cut with '...'."""
    import typer.main

    from gigawatt.cli import app
    from gigawatt.cli.common import SHORT_HELP

    assert set(SHORT_HELP) == set(typer.main.get_command(app).commands)
    code, out, _ = cli(capsys, "--help")
    assert code == 0
    commands = out.split("Commands:\n", 1)[1].splitlines()
    assert len([line for line in commands if line.strip()]) == len(SHORT_HELP)
    assert not any(line.rstrip().endswith("...") for line in commands)


def test_an_option_given_twice_is_refused(capsys):
    """A pasted command line with `--gpus 8 ... --gpus 16`: Click would keep the last."""
    args = [*PERF_8, "--gpus=16"]
    assert refused(capsys, *args) == "error: --gpus: given twice ('8' and '16'); give it once\n"
    code, _, err = cli(capsys, *args[:-1], "--gpus", "8")  # the same value twice is harmless
    assert code == 0, err


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [(-1e-9, 0, "0"), (-0.04, 1, "0.0"), (-0.6, 0, "-1"), (-1234.4, 0, "-1,234"), (0.0, 1, "0.0")],
)
def test_a_number_that_rounds_to_zero_has_no_sign(value, digits, shown):
    """A solver's -1e-9 MWh of grid energy is shown as 0, not -0."""
    from gigawatt.display import fmt_number

    assert fmt_number(value, digits) == shown


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [*PERF_8, "--serach"],
            "--serach: no such option (did you mean --search?) (see `gigawatt perf --help`)",
        ),
        (["rn"], "rn: no such command (did you mean run?) (see `gigawatt --help`)"),
        (
            ["cache", "clean"],
            "ACTION: 'clean' is not allowed: expected 'info' or 'clear' (did you mean 'clear'?) "
            "(see `gigawatt cache --help`)",
        ),
        (
            ["perf", "--model", "llama3-8b", "--gpus"],
            "--gpus: needs a value (see `gigawatt perf --help`)",
        ),
        (["run", "a", "b"], "b: more arguments than the command takes (see `gigawatt run --help`)"),
        (["scenarios", "--json=yes"], "--json: takes no value (see `gigawatt scenarios --help`)"),
        (
            ["perf", "--catalog", "mine", "--model", "llama3-8b"],
            "--catalog: an option of gigawatt itself, given before the command (`gigawatt "
            "--catalog DIR perf ...`) (see `gigawatt perf --help`)",
        ),
    ],
)
def test_an_unknown_option_says_what_was_meant(capsys, args, expected):
    assert refused(capsys, *args) == f"error: {expected}\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["footprint", "--system", "h100", "--gpu-hours", "1e3", "--utilisation", "80"],
            "--utilisation: 80 is not allowed: must be <= 1 (a fraction: 0.8 for 80 %)",
        ),
        (
            ["reliability", "--gpus", "8", "--days", "1", "--availability", "99.9"],
            "--availability: 99.9 is not allowed: must be < 1 (a fraction: 0.999 for 99.9 %)",
        ),
        (
            ["footprint", "--system", "h100", "--gpu-hours", "1e3", "--utilisation", "180"],
            "--utilisation: 180 is not allowed: must be <= 1",
        ),
    ],
)
def test_a_percentage_given_for_a_fraction_says_so(capsys, args, expected):
    assert refused(capsys, *args) == f"error: {expected}\n"
