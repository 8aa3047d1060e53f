"""`gigawatt sweep`: the JSON contract (DESIGN.md section 7), the table, resume, exit codes."""

from __future__ import annotations

import json

import pytest

from gigawatt.sweep.samples import flatten_years
from test_cli import cli


def test_sweep_json_contract_and_resume(capsys, tmp_path):
    store = tmp_path / "sweeps.duckdb"
    args = ["sweep", "nvidia-openai-10gw", "--samples", "5", "--store", str(store), "--json"]
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    data = json.loads(out)
    assert len(data["sweep_id"]) == 64
    assert (data["samples"], data["computed"], data["completed"], data["failed"]) == (5, 5, 5, 0)
    assert data["scenario"] == "nvidia-openai-10gw" and data["seed"] == 0
    assert data["year"] == 2032 and data["month"] == "2032-12"
    # every numeric key of `run --json`'s years has its bands, at the top level (end year) and
    # in each year; nested mappings keep their shape
    code, run_out, _ = cli(capsys, "run", "--out", str(tmp_path / "o"), "--json")
    run_years = json.loads(run_out)["years"]
    keys = {k.split(".")[0] for k in flatten_years(run_years).key}
    assert {"facility_power_gw", "energy_twh", "cumulative_invested_usd"} <= keys
    for key in keys:
        for q in ("p10", "p50", "p90"):
            assert f"{key}_{q}" in data, key
            assert all(f"{key}_{q}" in y for y in data["years"]), key
    assert set(data["peak_flops_per_s_p50"]) == {"bf16", "fp8", "fp4"}
    assert [y["year"] for y in data["years"]] == [y["year"] for y in run_years]
    assert data["facility_power_gw_p10"] <= data["facility_power_gw_p50"]
    assert data["facility_power_gw_p50"] <= data["facility_power_gw_p90"]
    assert {i["path"] for i in data["inputs"]} >= {"sites[0].pue", "costs.system-price-scale"}
    # what the sweep does not vary is said, and it is true: the end-year largest run depends on
    # catalog values alone, so its band has no width
    assert any(h.startswith("every catalog value") for h in data["held_fixed"])
    assert data["largest_run_mfu_p10"] == data["largest_run_mfu_p90"]
    # the same command again: nothing to compute, the same answer
    code, out2, _ = cli(capsys, *args)
    again = json.loads(out2)
    assert again["computed"] == 0 and again | {"computed": 5} == data
    # more samples: only the new ones
    code, out3, _ = cli(capsys, *args[:3], "8", *args[4:])
    more = json.loads(out3)
    assert (more["sweep_id"], more["computed"], more["completed"]) == (data["sweep_id"], 3, 8)
    # another seed: another sweep
    code, out4, _ = cli(capsys, *args, "--seed", "1")
    assert json.loads(out4)["sweep_id"] != data["sweep_id"]


def test_sweep_table(capsys, tmp_path):
    code, out, err = cli(
        capsys, "sweep", "nvidia-openai-10gw", "--samples", "3", "--store", str(tmp_path / "s")
    )
    assert code == 0, err
    assert "P10-P90" in out and "Facility" in out and "2032" in out
    assert "Energy in" in out and "year TWh" in out  # a flow in the year, not a level
    assert "3 samples computed now" in out
    flat = " ".join(out.split())
    assert "Held fixed in every sample: every catalog value the run reads" in flat
    assert "a P10 row is not one sample's path" in flat
    # the median is not the plain run, and the inputs are drawn independently (both tested in
    # tests/sweep/test_sweep_run.py)
    assert "P50 is the median over the samples, not the plain run (`gigawatt run`)" in flat
    assert "each is drawn independently of the others" in flat
    assert "Largest run: the largest training run started in December" in flat
    # how far the band ends can be trusted, from the 3 draws behind them (0.9^3 = 73 %)
    assert "with 3 draws, an output's true P10 lies below its lowest draw with probability " in flat
    assert f"{0.9**3:.0%} (0.9^3)" in flat and "section 7.1" in flat
    code, out, err = cli(
        capsys,
        "sweep",
        "nvidia-openai-10gw",
        "--samples",
        "3",
        "--store",
        str(tmp_path / "s"),
        "--json",
    )
    conf = json.loads(out)["band_confidence"]
    assert conf["n"] == 3 and conf["p10_ranks"] is None
    assert conf["p10_below_lowest_draw"] == pytest.approx(0.9**3)
    # the bands over fewer draws are listed with their own n (a year's output some samples lack)
    years = {y["year"]: y for y in json.loads(out)["years"]}
    for short in conf["fewer_draws"]:
        assert 0 < short["n"] < 3 and short["year"] in years


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--samples", "0"], "--samples"),
        (["--samples", "3", "--seed", "-1"], "--seed"),
        (["--samples", "3", "--scheduler", "nonsense"], "--scheduler"),
        (["--samples", "3", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "--workers"),
    ],
)
def test_sweep_bad_input_exit_2(capsys, tmp_path, args, message):
    store = tmp_path / "s.duckdb"
    code, out, err = cli(capsys, "sweep", "nvidia-openai-10gw", "--store", str(store), *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_sweep_store_not_a_database(capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    code, out, err = cli(
        capsys, "sweep", "nvidia-openai-10gw", "--samples", "2", "--store", str(notes), "--json"
    )
    assert code == 2 and out == "" and "--store" in err
    assert notes.read_text() == "not a database\n"


def test_sweep_bad_shared_group_exit_2(capsys, tmp_path):
    """A `shared` group name that is no id is refused like any field: exit 2, every bad one
    named with its value and what is allowed, in one pass."""
    from gigawatt.scenario import builtin_scenarios

    text = builtin_scenarios()["nvidia-openai-10gw"].read_text()
    pue = "pue: {triangular: {low: 1.08, mode: 1.15, high: 1.3}"
    text = text.replace(pue, pue + ', shared: "Site PUE"', 1).replace(
        pue + "}", pue + ', shared: ""}', 1
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("name: nvidia-openai-10gw", "name: bad-groups"))
    code, out, err = cli(
        capsys, "sweep", str(path), "--samples", "2", "--store", str(tmp_path / "s")
    )
    assert code == 2 and out == "" and "Traceback" not in err
    allowed = "expected lowercase letters and digits, words joined by single hyphens"
    assert f"sites[0].pue.shared: 'Site PUE' is not allowed: {allowed}" in err
    assert f"sites[1].pue.shared: '' is not allowed: {allowed}" in err


def test_sweep_names_its_shared_groups(capsys, tmp_path):
    """A grouped scenario's sweep says which inputs are drawn together, and --json lists them."""
    import yaml

    from conftest import TOY_CATALOG, toy_scenario_data

    data = toy_scenario_data()
    site = data["sites"][0]
    site["pue"] = {"uniform": {"low": 1.1, "high": 1.3}, "shared": "cooling"}
    site["phases"][0]["power_gw"] = {"uniform": {"low": 0.5, "high": 1.5}, "shared": "cooling"}
    path = tmp_path / "grouped.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    args = ["--catalog", str(TOY_CATALOG), "sweep", str(path), "--samples", "3"]
    code, out, err = cli(capsys, *args, "--store", str(tmp_path / "s"))
    assert code == 0, err
    members = "sites[0].pue, sites[0].phases[0].power_gw"
    assert (
        f"Shared group cooling: 2 inputs drawn together, each at the same quantile of its "
        f"own distribution ({members})." in " ".join(out.split())
    )
    code, out, err = cli(capsys, *args, "--store", str(tmp_path / "s"), "--json")
    groups = json.loads(out)["shared_groups"]
    assert groups == [{"name": "cooling", "members": members.split(", ")}]
