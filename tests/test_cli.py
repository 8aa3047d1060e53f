"""The command line: JSON contracts (DESIGN.md section 7), exit codes, outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cli_cases import cli
from conftest import TOY_CATALOG, toy_scenario_data
from gigawatt.catalog.schema import KINDS


def test_run_json_contract(capsys, tmp_path):
    code, out, err = cli(capsys, "run", "--out", str(tmp_path / "o"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"] == "nvidia-openai-10gw"
    years = data["years"]
    assert [y["year"] for y in years] == list(range(2026, 2033))
    for y in years:
        for key in ("year", "facility_power_gw", "it_power_gw", "accelerators", "peak_flops_per_s"):
            assert key in y
        assert set(y["peak_flops_per_s"]) >= {"bf16", "fp8", "fp4"}
    assert years[-1]["it_power_gw"] == pytest.approx(10.0)
    assert 10.0 < years[-1]["facility_power_gw"] <= 12.0
    assert 3.5e6 <= years[-1]["accelerators"] <= 5e6


def test_run_writes_results(capsys, tmp_path):
    out_dir = tmp_path / "o"
    code, out, err = cli(capsys, "run", "--out", str(out_dir))
    assert code == 0, err
    assert "nvidia-openai-10gw" in out and "2032" in out
    flat = " ".join(out.split())
    # `x ref` names the run it divides by, with its FLOP and provenance (GPT-4's 2.1e25 is
    # Epoch AI's estimate, not an OpenAI figure)
    assert "x ref: times GPT-4 (gpt-4, 2.1e25 FLOP, status analyst;" in flat
    # the money has no inflation escalation: the caption must not let it read as nominal
    assert "costs at the catalog's quoted prices, not escalated for inflation" in flat
    # facility GW = IT x an annual-average PUE: not the grid connection's peak
    assert "facility = IT x the site's annual-average PUE" in flat
    table = pd.read_parquet(out_dir / "results.parquet")
    assert list(table.columns) == ["month", "site", "quantity", "unit", "value"]
    total = table[(table.site == "total") & (table.quantity == "it_power_w")]
    assert total.value.max() == pytest.approx(10e9)
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["scenario"] == "nvidia-openai-10gw"
    assert not [p for p in out_dir.iterdir() if p.name.endswith(".tmp")]


def test_run_summary_states_what_its_tables_leave_out():
    """The Money table starts in the first scenario year, so capex spent earlier (from the
    deal's announcement) must be stated for its columns to add up to the cumulative capex; the
    Capability FLOP needs its run length and precision to be read at all."""
    from gigawatt.cli.programme import _summary_bases

    years = [
        {"year": 2026, "month": "2026-12", "capex_usd": 36.7e9, "cumulative_capex_usd": 41.2e9},
        {
            "year": 2027,
            "month": "2027-12",
            "capex_usd": 10e9,
            "cumulative_capex_usd": 51.2e9,
            "largest_run_duration_days": 90.0,
            "largest_run_precision": "bf16",
            "chinchilla_params": 3.65e12,
            "chinchilla_tokens": 73.0e12,
            "largest_run_flop": 1.6e27,
            "largest_run_marginal_efficiency": 0.903,
            "largest_run_ceiling_accelerators": 332640.0,
            "largest_run_ceiling_goodput": 0.52,
            "largest_run_ceiling_flop": 4.52e27,
        },
    ]
    lines = _summary_bases(years)
    assert lines[0] == (
        "Capex before 2026 (not in the Money table): USD 4.5B; cumulative capex to 2027-12: "
        "USD 51.2B."
    )
    # The largest run is not where more accelerators add "little": the ceiling trains 2.8x more.
    assert "(at this size: 0.90)" in lines[1]
    assert "332,640 accelerators at goodput 0.52, would train 2.8 x the FLOP" in lines[1]
    assert "a 90-day run in bf16" in lines[2] and "(20 tokens per parameter)" in lines[2]
    years[0]["cumulative_capex_usd"] = years[0]["capex_usd"]  # nothing spent before: no line
    assert len(_summary_bases(years)) == 2


def test_bad_scenario_exit_2_nothing_written(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    data = toy_scenario_data()
    data["sites"][0]["phases"][0]["system"] = "vera-rubn-nvl72"
    bad.write_text(json.dumps(data))  # JSON is YAML
    out_dir = tmp_path / "o"
    code, out, err = cli(capsys, "run", str(bad), "--out", str(out_dir), "--json")
    assert code == 2
    assert out == ""
    assert "did you mean 'vera-rubin-nvl72'" in err
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_refuses_to_overwrite_input(capsys, tmp_path):
    out_dir = tmp_path / "o"
    out_dir.mkdir()
    scenario = out_dir / "summary.json"  # a scenario file that sits where an output would go
    scenario.write_text(json.dumps(toy_scenario_data()))
    before = scenario.read_text()
    code, _, err = cli(
        capsys, "--catalog", str(TOY_CATALOG), "run", str(scenario), "--out", str(out_dir)
    )
    assert code == 2 and "is an input file" in err
    assert scenario.read_text() == before


def test_user_catalog_adds_records(capsys, tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text(json.dumps(toy_scenario_data()))
    code, out, err = cli(
        capsys,
        "--catalog",
        str(TOY_CATALOG),
        "run",
        str(path),
        "--json",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0, err
    assert json.loads(out)["years"][0]["accelerators"] == 800_000


@pytest.mark.parametrize("kind", list(KINDS))
def test_catalog_json_lists_ids(capsys, kind):
    code, out, err = cli(capsys, "catalog", kind, "--json")
    assert code == 0, err
    records = json.loads(out)["records"]
    assert records, f"no {kind} records"
    for r in records:
        assert {"id", "kind", "source", "as_of", "status"} <= set(r)
        assert r["kind"] == kind


def test_catalog_unknown_kind(capsys):
    code, out, err = cli(capsys, "catalog", "acelerators")
    assert code == 2 and out == "" and "did you mean 'accelerators'" in err


def test_catalog_scenario_kind_points_to_scenarios(capsys):
    """`gigawatt catalog scenario` is a natural guess; scenarios are listed elsewhere."""
    code, out, err = cli(capsys, "catalog", "scenarios", "--json")
    assert code == 2 and out == "" and "`gigawatt scenarios` lists them" in err


def test_scenarios_and_show(capsys):
    code, out, _ = cli(capsys, "scenarios", "--json")
    names = [s["name"] for s in json.loads(out)["scenarios"]]
    assert "nvidia-openai-10gw" in names
    code, out, _ = cli(capsys, "show", "nvidia-openai-10gw")
    assert code == 0 and out.startswith("#") and "name: nvidia-openai-10gw" in out


def test_usage_error_exit_2(capsys):
    code, out, _ = cli(capsys, "run", "--no-such-flag")
    assert code == 2 and out == ""


def test_console_script_end_to_end(tmp_path):
    """The installed entry point, as a user runs it."""
    exe = Path(sys.executable).with_name("gigawatt")
    proc = subprocess.run(
        [str(exe), "run", "--json", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scenario"] == "nvidia-openai-10gw"


def test_outputs_get_the_usual_file_mode(capsys, tmp_path):
    import os

    mask = os.umask(0)
    os.umask(mask)
    code, _, err = cli(capsys, "run", "--out", str(tmp_path / "o"), "--json")
    assert code == 0, err
    for name in ("results.parquet", "summary.json", "report.html"):
        assert (tmp_path / "o" / name).stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("energy", "--hours", "0"), "--hours: 0 is not allowed: must be >= 1 "),
        (("energy", "--hours", "9999"), "--hours: 9999 is not allowed: must be <= 8760 "),
        (("cache", "bogus"), "ACTION: 'bogus' is not allowed: expected 'info' or 'clear'"),
        (("compare", "nvidia-openai-10gw"), "SCENARIOS: expected at least 2, got 1"),
    ],
)
def test_usage_errors_say_it_plainly_not_in_pydantic_words(capsys, args, message):
    """Option checks done by pydantic read like every other error (`must be >= 1`), not
    `Input should be greater than or equal to 1` or `Value error, ...`."""
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == "" and message in err, err
    assert "Input should" not in err and "Value error" not in err and "validation" not in err


def test_missing_scenario_file_is_named_as_a_file(capsys, tmp_path):
    """A path that is not there reads as a missing file, not as an unknown built-in name."""
    missing = str(tmp_path / "my-scenario.yaml")
    code, out, err = cli(capsys, "run", missing, "--out", str(tmp_path / "o"))
    assert code == 2 and out == ""
    assert f"no such file {missing!r}" in err and "unknown scenario" not in err
    code, _, err = cli(capsys, "capability", "nvidia-openai-10gx.yaml")  # a misspelt built-in
    assert code == 2 and "did you mean 'nvidia-openai-10gw'" in err


def test_help_shows_plain_metavars_not_python_types(capsys):
    """A repeatable option reads `--catalog <path>`, not the annotation `<list[Path]>`."""
    code, out, _ = cli(capsys, "--help")
    assert code == 0 and "--catalog <path>" in out
    commands = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert "market" in commands and "report" in commands
    for command in commands:
        code, out, _ = cli(capsys, command, "--help")
        assert code == 0
        for line in out.splitlines():
            if line.lstrip().startswith("--"):
                assert "<list[" not in line, (command, line)


def test_catalog_systems_lists_each_price(capsys):
    """The README says `gigawatt catalog systems` lists the prices: each system's quote, its
    unit and provenance, matching the record (--json)."""
    code, out, err = cli(capsys, "catalog", "systems", "--json")
    assert code == 0, err
    records = json.loads(out)["records"]
    code, out, err = cli(capsys, "catalog", "systems")
    assert code == 0, err
    flat = " ".join(out.split())
    for r in records:
        price = r["price"]
        usd = price["usd"] if isinstance(price["usd"], int | float) else None
        shown = f"price: USD {usd:,.0f} per {price['per']}" if usd else f"per {price['per']}"
        assert shown in flat, (r["id"], shown)
    assert out.count("  price: USD") == len(records)
