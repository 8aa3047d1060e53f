"""Values at the edge of what each input takes: a date no calendar has, a plan knob past any
machine, a ramp limit of zero. Each was an internal error (exit 1, `internal error (...)`)
before; each is now refused naming the field and what is allowed, exit 2, or computed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cli_cases import cli, cli_json
from conftest import USER_SCENARIO_YAML
from gigawatt.energy.swings import battery_grid_w

PERF = ["perf", "--model", "llama3-70b", "--system", "dgx-h100", "--gpus", "8"]


def refused(capsys, *args: str) -> str:
    code, out, err = cli(capsys, *args)
    assert (code, out) == (2, ""), (code, out, err)
    assert err.startswith("error: ") and "Traceback" not in err and "internal error" not in err
    return err


# --- dates no calendar has ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("start: 2026-01", "start: 2026-02-30", "start: '2026-02-30' is not allowed: expected a"),
        ("online: 2026-06", "online: 2026-13-01", "online: '2026-13-01' is not allowed: expected"),
    ],
    ids=["february 30", "month 13"],
)
def test_a_scenario_date_no_calendar_has(capsys, tmp_path, old, new, says):
    """YAML reads `2026-02-30` as a date; PyYAML's constructor raised a bare ValueError ("day
    is out of range for month"), an internal error with exit 1."""
    path = tmp_path / "s.yaml"
    path.write_text(USER_SCENARIO_YAML.replace(old, new), encoding="utf-8")
    assert says in refused(capsys, "finance", str(path))


def test_a_catalog_record_date_no_calendar_has(capsys, tmp_path):
    record = (
        "- id: my-chip\n  vendor: t\n  source: https://example.org a test chip\n"
        "  as_of: 2025-13-01\n  status: estimate\n  peak_flops_per_s: {bf16: 1e15}\n"
        "  hbm_bytes: 1e11\n  hbm_bandwidth_bytes_per_s: 4e12\n  tdp_w: 800\n"
    )
    (tmp_path / "accelerators.yaml").write_text(record, encoding="utf-8")
    err = refused(capsys, "--catalog", str(tmp_path), "catalog", "accelerators")
    assert "accelerators.yaml[my-chip].as_of: '2025-13-01' is not allowed: expected a date" in err


# --- plan knobs past any machine ----------------------------------------------------------


@pytest.mark.parametrize(
    ("knob", "limit"),
    [("tp", 100_000_000), ("dp", 100_000_000), ("ep", 100_000_000), ("etp", 100_000_000),
     ("mb", 100_000_000), ("gbs", 100_000_000), ("vp", 2000), ("pp_first", 2000),
     ("pp_last", 2000)],
)  # fmt: skip
def test_a_plan_knob_past_any_machine(capsys, knob, limit):
    """Before: a knob of 2^63 or more was an OverflowError into int64 (internal error), and a
    global batch of 2^50 sequences overflowed the token count into a negative HFU (an
    internal 'perf invariant violated')."""
    big = "9" * 26
    err = refused(capsys, *PERF, "--plan", f"{knob}={big}")
    assert f"--plan {knob}: '{big}' is not allowed: must be <= {limit}" in err
    err = refused(capsys, *PERF, "--plan", f"{knob}={limit + 1}")
    assert f"must be <= {limit}" in err


def test_the_largest_global_batch_is_computed(capsys):
    got = cli_json(capsys, *PERF, "--plan", "gbs=100000000", "--json")
    assert got["plan"]["gbs"] == 100_000_000 and 0 < got["mfu_causal"] <= got["hfu"] <= 1


# --- a grid ramp limit of zero --------------------------------------------------------------


def test_a_zero_ramp_limit_holds_the_grid_draw_at_its_mean():
    """The moving average's window W = swing / limit grows without bound as the limit goes to
    zero, and the average tends to the trace's mean; a window longer than the trace is summed
    in closed form, equal to the padded sum where both are computed."""
    load = np.random.default_rng(1).uniform(0.0, 1e6, 500)
    assert np.array_equal(battery_grid_w(load, 1.0, 0.0), np.full(500, load.mean()))
    assert np.allclose(battery_grid_w(load, 1.0, 1e-12), load.mean(), rtol=1e-12)
    flat = np.full(5, 3.0)
    assert np.array_equal(battery_grid_w(flat, 1.0, 0.0), flat)
    for limit_w_per_s in (2e3, 1.9e3, 1e3, 10.0):  # windows just under, at and past the trace
        window = int(np.ceil((load.max() - load.min()) / limit_w_per_s))
        padded = np.concatenate([np.full(window, load.mean()), load])
        csum = np.concatenate([[0.0], np.cumsum(padded)])
        direct = ((csum[window:] - csum[:-window]) / window)[1:]
        got = battery_grid_w(load, 1.0, limit_w_per_s)
        assert np.allclose(got, direct, rtol=1e-9)  # the padded sum rounds at ~1e-12
        assert np.abs(np.diff(got)).max() <= limit_w_per_s * (1 + 1e-9)


def test_energy_swings_with_a_zero_ramp_limit(capsys, tmp_path: Path):
    """Before: exit 1, `internal error (ValueError): array is too big` (a padding array of
    swing / 1e-9 W/s samples)."""
    path = tmp_path / "s.yaml"
    path.write_text(USER_SCENARIO_YAML, encoding="utf-8")
    got = cli_json(capsys, "energy", str(path), "--swings", "s1", "--ramp-limit-mw-per-s", "0",
                   "--json")  # fmt: skip
    cases = {c["case"]: c for c in got["swings"]["cases"]}
    assert cases["site-battery"]["max_ramp_mw_per_s"] == pytest.approx(0.0, abs=1e-9)
    assert cases["site-battery"]["meets_ramp_limit"] and not cases["none"]["meets_ramp_limit"]


def test_a_misspelt_distribution_field_is_one_line(capsys, tmp_path):
    """`hihg` for `high`: the unknown field with the name meant, and not also `high: required
    field is missing` (before, the whole value was refused as "a mapping of uniform")."""
    path = tmp_path / "s.yaml"
    path.write_text(
        USER_SCENARIO_YAML.replace("power_gw: 1.0", "power_gw: {uniform: {low: 0.5, hihg: 1.5}}"),
        encoding="utf-8",
    )
    err = refused(capsys, "finance", str(path))
    assert err == (
        "error: sites[0].phases[0].power_gw.uniform.hihg: unknown field; did you mean 'high'?\n"
    )


# --- a user's record that names a record nobody has ----------------------------------------


def test_a_user_record_naming_an_unknown_record_is_refused_at_its_line(capsys, tmp_path):
    """Before: the catalog loaded, `catalog systems` listed the record, and the first command
    to look the accelerator up said `error: unknown accelerator 'nosuch-chip'` (no file, no
    record, no field; with --system, blamed on the flag); a scenario not using it ran."""
    code, record, err = cli(capsys, "catalog", "systems", "dgx-h100")
    assert code == 0, err
    record = record.replace("accelerator: h100-sxm", "accelerator: nosuch-chip")
    record = record.replace("framework: null", "framework: nemo-2052")
    assert "nosuch-chip" in record and "nemo-2052" in record
    (tmp_path / "systems.yaml").write_text(record, encoding="utf-8")
    err = refused(capsys, "--catalog", str(tmp_path), "catalog", "systems", "--brief")
    where = f"{tmp_path / 'systems.yaml'}[dgx-h100]"
    assert err.splitlines() == [
        f"error: {where}.accelerator: unknown accelerator 'nosuch-chip' (see `gigawatt "
        "catalog accelerators`)",
        f"error: {where}.framework: unknown framework 'nemo-2052'; did you mean 'nemo-2025' "
        "or 'nemo-2024' or 'nemo-2024-03'? (see `gigawatt catalog frameworks`)",
    ]


# --- a job too large to finish, at 80 columns -----------------------------------------------


def test_reliability_figures_are_whole_at_80_columns(capsys, monkeypatch):
    """A million accelerators (a gigawatt-scale job): the lost accelerator-hours were cut to
    `15,879,539,7…` in every column; every figure now prints whole."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = cli(capsys, "reliability", "--gpus", "1000000", "--days", "90",
                         "--trials", "20")  # fmt: skip
    assert code == 0, err
    lost = next(line for line in out.splitlines() if line.startswith("│ lost"))
    figures = [cell.strip() for cell in lost.split("│")[2:-1]]
    assert len(figures) == 4 and all(f and "…" not in f for f in figures), lost
    assert all(int(f.replace(",", "")) > 1e10 for f in figures), lost
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_job_that_never_finishes_prints_no_inf_or_nan(capsys, monkeypatch):
    """Before: `interruptions inf`, `days in checkpoints nan` in the table."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = cli(capsys, "reliability", "--gpus", "100000000", "--days", "3650")
    assert code == 0, err
    rows = {
        cells[1].strip(): cells[2].strip()
        for line in out.splitlines()
        if len(cells := line.split("│")) == 4
    }
    assert rows["interruptions"] == rows["wall-clock days"] == "unbounded"
    assert rows["days in checkpoints"] == "n/a" and rows["goodput"] == "0.000"
    assert not {"inf", "nan"} & {word.strip(",.();") for word in out.split()}


@pytest.mark.parametrize("flag", ["--model", "--system"])
def test_a_folder_given_as_a_record_is_called_a_folder(capsys, tmp_path, monkeypatch, flag):
    """Before: `--model /tmp` said `unknown model '/tmp'`. A folder named like an id (in the
    current folder) does not hide the catalog's record."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "llama3-8b").mkdir()
    args = {"--model": "llama3-8b", "--system": "dgx-h100", flag: "mine"}
    err = refused(capsys, "perf", "--gpus", "8", *[x for kv in args.items() for x in kv])
    kind = flag.removeprefix("--")
    assert err == (
        f"error: {flag}: 'mine' is a folder; allowed: a {kind} id, or a file of one record "
        f"(`gigawatt catalog {kind}s ID` prints one to copy)\n"
    )
    got = cli_json(capsys, "perf", "--model", "llama3-8b", "--system", "dgx-h100", "--gpus", "8",
                   "--json")  # fmt: skip
    assert got["model"] == "llama3-8b"


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: p.mkdir(), "is not a sweep store (a folder); allowed: a sweep store file, or"),
        (lambda p: p.write_bytes(b""), "is not a sweep store (empty); allowed: a sweep store file"),
    ],
    ids=["a folder", "an empty file"],
)
def test_a_store_that_is_a_folder_or_empty_says_which(capsys, tmp_path, make, says):
    """Before: `'x.duckdb' is not a sweep store`, with nothing on what it is or what goes."""
    store = tmp_path / "x.duckdb"
    make(store)
    path = tmp_path / "s.yaml"
    uncertain = "power_gw: {uniform: {low: 0.5, high: 1.5}}"
    path.write_text(USER_SCENARIO_YAML.replace("power_gw: 1.0", uncertain), encoding="utf-8")
    err = refused(capsys, "sweep", str(path), "--samples", "2", "--store", str(store))
    assert err.startswith(f"error: --store: {str(store)!r} {says}") and err.count("\n") == 1
