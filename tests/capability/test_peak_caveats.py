"""Peaks that are not the published figure at the run's precision (catalog `peak_estimates`,
and precisions an accelerator has no tensor path for) are flagged wherever a run uses them;
MFU and HFU say what they count."""

from __future__ import annotations

import json

import pytest

from gigawatt.capability.caveats import peak_caveats
from gigawatt.catalog import Catalog
from gigawatt.cli import main


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return Catalog.load()


def test_an_estimated_peak_is_flagged_at_its_precision_only(cat):
    system = cat.system("vera-rubin-nvl72")
    acc = cat.accelerator(system.accelerator)
    assert acc.peak_estimates  # Rubin's BF16 is derived, not announced
    for precision in ("fp16", "bf16", "fp8", "fp4"):
        notes = peak_caveats(cat, [(system.id, precision)])
        how = acc.peak_estimates.get(precision)
        if how is None:
            assert notes == (), precision
        else:
            (note,) = notes
            assert f"{acc.id}'s {precision} peak" in note and how in note
    # a repeated run is one caveat; a run without a system none
    assert len(peak_caveats(cat, [(system.id, "bf16")] * 3 + [(None, "bf16")])) == 1


def test_a_precision_without_a_tensor_path_is_flagged(cat):
    """A100 has no FP8: a run asked for in FP8 is counted at its BF16 peak, and says so."""
    system = cat.system("dgx-a100")
    acc = cat.accelerator(system.accelerator)
    assert acc.peak_flops_per_s.fp8 is None
    used = acc.supported_precision("fp8")
    (note,) = peak_caveats(cat, [(system.id, "fp8")])
    assert f"{acc.id} has no fp8 tensor path" in note and f"counted at its {used} peak" in note


def test_published_peaks_need_no_caveat(cat):
    for system in ("dgx-h100", "gb200-nvl72"):
        assert peak_caveats(cat, [(system, "bf16"), (system, "fp8")]) == ()


def _out(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    assert exc.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_perf_says_what_mfu_and_hfu_count_and_flags_the_peak(capsys, cat):
    acc = cat.accelerator("vera-rubin")
    out = _out(
        capsys, "perf", "--model", "llama3-8b", "--system", "vera-rubin-nvl72", "--gpus", "64",
        "--plan", "tp=2,recompute=full",
    )  # fmt: skip
    assert "MFU: model FLOPs (6 x active parameters + attention counted in full" in out
    assert "recomputed FLOPs never count" in out
    assert "and here full recomputation (a second forward pass)) over the same peak" in out
    assert "Caveat: vera-rubin-nvl72: vera-rubin's bf16 peak" in out
    assert acc.peak_estimates["bf16"] in out
    out = _out(capsys, "perf", "--model", "llama3-8b", "--system", "dgx-h100", "--gpus", "64")
    assert "here selective recomputation (" in out and "Caveat:" not in out


def test_largest_run_precision_is_the_one_it_is_counted_at(cat, tmp_path):
    """A V100 fleet has no BF16 tensor path: the reference workload's BF16 run is counted at
    its FP16 peak, and `largest_run_precision` says fp16, with the build-out's caveat naming
    the fallback in `run`; `capability`, which shows no peak columns, names it for the run."""
    from conftest import toy_scenario_data
    from gigawatt import app
    from gigawatt.scenario import parse_scenario
    from gigawatt.simulate import simulate

    acc = cat.accelerator("v100-sxm2-32gb")
    assert acc.peak_flops_per_s.bf16 is None
    data = toy_scenario_data(start="2019-01", end="2019-12", power_basis="it")
    data["sites"][0]["phases"] = [
        {"online": "2019-03", "power_gw": 0.05, "system": "dgx-v100", "ramp_months": 3}
    ]
    results = simulate(parse_scenario(data, cat), cat)
    years = results.years()
    reference = cat.get("reference-workloads", "default").precision
    used = acc.supported_precision(reference)
    assert used != reference
    assert all(y["largest_run_precision"] == used for y in years if y["largest_run_flop"] > 0)
    assert any(f"{reference} is counted at its {used} peak" in c for c in results.caveats(years))
    path = tmp_path / "v100.yaml"
    path.write_text(json.dumps(data))  # JSON is YAML
    report = app.capability(str(path), catalog=cat).to_json()
    assert report["reference"]["precision"] == reference
    (note,) = [c for c in report["caveats"] if "tensor path" in c]
    assert note.startswith(f"dgx-v100: {acc.id} has no {reference} tensor path, so a {reference}")
    assert f"run is counted at its {used} peak" in note


def test_capability_json_names_a_phase_online_before_its_hardware_ships(cat, tmp_path):
    """`capability --json`'s caveats start with the launch caveats `run` gives (the largest
    runs of those months are sized on capacity that cannot be installed yet)."""
    from conftest import toy_scenario_data
    from gigawatt import app
    from gigawatt.buildout import build_fleet, launch_caveats
    from gigawatt.scenario import month_from_index, month_index, parse_scenario

    system = cat.system("vera-rubin-nvl72")
    launch = cat.accelerator(system.accelerator).launch
    early = month_from_index(month_index(launch) - 2)
    data = toy_scenario_data(start="2026-01", end="2027-06", power_basis="it")
    data["sites"][0]["phases"] = [{"online": early, "power_gw": 0.05, "system": system.id}]
    path = tmp_path / "early.yaml"
    path.write_text(json.dumps(data))  # JSON is YAML
    expected = launch_caveats(build_fleet(parse_scenario(data, cat).resolve(), cat), cat)
    assert expected
    caveats = app.capability(str(path), catalog=cat).to_json()["caveats"]
    assert caveats[: len(expected)] == list(expected)


def test_run_and_capability_share_one_composer(cat):
    """`run` and `capability` list their caveats with one composer (`compose_caveats`): `run`
    adds the deals superseded and the money stage's own (it shows the money) and the fleet's
    peak columns, which then
    cover its runs at those precisions; `capability` shows no peak columns, so each of its runs
    (largest runs, then frontier runs) whose peak is an estimate has its own caveat. Both
    name the scenario's proxy sites (the largest runs name their site): `run` after the money
    stage's, `capability` first. The rest is the same list in the same order."""
    from gigawatt import app
    from gigawatt.buildout import peak_column_caveats
    from gigawatt.deals import superseded_caveats
    from gigawatt.energy.programme import load_caveats
    from gigawatt.scenario import load_scenario, proxy_site_caveats
    from gigawatt.simulate import simulate

    results = simulate(load_scenario("nvidia-openai-10gw", cat), cat)
    run = results.caveats()
    report = app.capability("nvidia-openai-10gw", catalog=cat).to_json()
    # the deals superseded, then the money stage's own (a region's unbilled charges; none here)
    money = list(superseded_caveats(results.scenario.deals, cat)) + results.money_caveats()
    columns = list(peak_column_caveats(results.fleet, cat))
    proxies = list(proxy_site_caveats(results.scenario))
    # `run`'s energy stage then states the load its TWh assume; `capability` shows no energy
    load = list(load_caveats(results.scenario, cat))
    assert money and proxies and load and columns  # the default scenario has all four
    head = money + proxies + load + columns
    assert run[: len(head)] == head  # no phase before its launch
    runs = [(y["largest_run_system"], y["largest_run_precision"]) for y in report["years"]]
    runs += [(r["system"], r["precision_requested"]) for r in report["frontier_runs"]]
    peaks = list(peak_caveats(cat, runs))
    assert peaks  # Rubin's bf16 peak is an estimate
    assert proxies + run[len(head) :] == [c for c in report["caveats"] if c not in peaks]


def test_a_tpu_fleet_has_a_largest_run(cat):
    """The reference workload holds ZeRO-1 and selective recompute; a TPU pod's software
    (JAX/XLA, weights sharded: ZeRO-3 only) offers no ZeRO-1, so the knob is released to the
    search instead of leaving no valid plan (a TPU fleet's largest run was 0 FLOP)."""
    from conftest import toy_scenario_data
    from gigawatt.capability.curve import held_knobs
    from gigawatt.scenario import parse_scenario
    from gigawatt.simulate import simulate

    plan = cat.get("reference-workloads", "default").plan
    tpu, h100 = cat.system("tpu-v4-pod"), cat.system("dgx-h100")
    assert "zero" in plan and "zero" not in held_knobs(plan, tpu, cat)
    assert held_knobs(plan, h100, cat) == dict(plan)
    data = toy_scenario_data(start="2022-01", end="2022-12", power_basis="it")
    data["sites"][0]["phases"] = [
        {"online": "2022-03", "power_gw": 0.05, "system": "tpu-v4-pod", "ramp_months": 3}
    ]
    last = simulate(parse_scenario(data, cat), cat).years()[-1]
    assert last["largest_run_flop"] > 0 and last["largest_run_accelerators"] > 0


def test_run_names_the_caveats_of_frontier_runs_no_largest_run_shares(cat):
    """`run`'s report shows the frontier runs as well as each December's largest run: a
    frontier run on a system that is never a largest run has its system's caveats, and one
    at a precision outside the peak columns (fp16) its peak's caveat."""
    from conftest import toy_scenario_data
    from gigawatt.capability.caveats import perf_caveats, reliability_caveats
    from gigawatt.scenario import parse_scenario
    from gigawatt.simulate import simulate

    gb200, rubin = "gb200-nvl72", "vera-rubin-nvl72"
    data = toy_scenario_data(start="2027-01", end="2027-12", power_basis="it")
    data["sites"][0]["phases"] = [{"online": "2027-01", "power_gw": 0.05, "system": gb200}]
    phase = {"online": "2027-04", "power_gw": 0.2, "system": rubin, "ramp_months": 3}
    data["sites"].append({"name": "site-b", "region": "us-ercot", "pue": 1.25, "phases": [phase]})
    data["frontier_runs"] = [
        {"name": "early", "start": "2027-02", "duration_days": 30, "precision": "bf16"},
        {"name": "late", "start": "2027-09", "duration_days": 30, "precision": "fp16"},
    ]
    results = simulate(parse_scenario(data, cat), cat)
    years = results.years()
    assert results.capability is not None
    largest = {(y["largest_run_system"], y["largest_run_precision"]) for y in years}
    frontier = [(r.where.group.system, r.spec.precision) for r in results.capability.runs]
    assert frontier == [(gb200, "bf16"), (rubin, "fp16")]
    assert largest == {(rubin, "bf16")}  # neither frontier run is a largest run
    policy = results.capability.settings.policy
    own = [
        *perf_caveats(cat, [gb200]),
        *reliability_caveats(cat, [gb200], policy),
        *peak_caveats(cat, [(rubin, "fp16")]),
    ]
    assert any(c.startswith(f"{gb200}: ") for c in own)  # its failure rates are estimates
    assert any("fp16 peak" in c for c in own)  # Rubin's fp16 peak is an estimate
    caveats = results.caveats(years)
    assert all(c in caveats for c in own)
    assert len(caveats) == len(set(caveats))  # each once


def test_run_says_a_phase_online_before_the_start_has_its_capex_in_the_pre_start_total(
    cat, tmp_path
):
    """A phase online before the scenario's start (and before its hardware ships) spends its
    capex before the Money table's first year: `run`'s launch caveat for it says that capex is
    in the pre-start total ("Capex before <year>", `capex_before_start_usd`); `capability`,
    which shows no money, keeps the plain launch caveat."""
    from conftest import toy_scenario_data
    from gigawatt import app
    from gigawatt.scenario import month_from_index, month_index

    system = cat.system("vera-rubin-nvl72")
    launch = cat.accelerator(system.accelerator).launch
    start = month_from_index(month_index(launch) - 1)
    early = month_from_index(month_index(launch) - 3)
    data = toy_scenario_data(start=start, end=month_from_index(month_index(start) + 17))
    data["sites"][0]["phases"] = [{"online": early, "power_gw": 0.05, "system": system.id}]
    path = tmp_path / "early.yaml"
    path.write_text(json.dumps(data))  # JSON is YAML
    run = app.run(str(path), catalog=cat).to_json()
    (note,) = [c for c in run["caveats"] if f"online {early}, before" in c]
    assert f"before the scenario's start ({start})" in note
    assert f'"Capex before {start[:4]}"' in note and "not in the Money table" in note
    first = run["years"][0]
    assert first["cumulative_capex_usd"] - first["capex_usd"] > 0  # the total it points to
    caveats = app.capability(str(path), catalog=cat).to_json()["caveats"]
    (plain,) = [c for c in caveats if f"online {early}, before" in c]
    assert "Money table" not in plain
