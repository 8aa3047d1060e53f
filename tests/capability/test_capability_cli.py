"""`gigawatt capability` and the capability keys of `gigawatt run`: JSON contract, exit codes."""

from __future__ import annotations

import json

import pytest
from capability_cases import TOY_CAPABILITY, scenario_data, write

from cli_cases import cli
from conftest import TOY_CATALOG
from gigawatt.cli import main
from gigawatt.reliability import burn_in_factor
from gigawatt.units import S_PER_DAY

YEAR_KEYS = {
    "year",
    "month",
    "largest_run_accelerators",
    "largest_run_group_accelerators",
    "largest_run_site",
    "largest_run_system",
    "largest_run_precision",
    "largest_run_duration_days",
    "largest_run_flops_per_s",
    "largest_run_flop",
    "largest_run_mfu",
    "largest_run_goodput",
    "largest_run_cross_site_efficiency",
    "chinchilla_params",
    "chinchilla_tokens",
    "chinchilla_loss",
    "largest_run_vs_reference",
    "largest_run_thresholds_crossed",
}
RUN_KEYS = {
    "name",
    "model",
    "start",
    "duration_days",
    "precision",
    "cross_site",
    "site",
    "sites",
    "system",
    "accelerators",
    "accelerators_available",
    "mfu",
    "goodput",
    "cross_site_efficiency",
    "flops_per_s",
    "training_flop",
    "params",
    "tokens",
    "chinchilla_params",
    "chinchilla_tokens",
    "plan",
    "gpu_hours",
    "energy_mwh",
    "co2e_t",
    "cost_usd",
    "cost_basis",
    "vs_reference",
    "thresholds_crossed",
    "thresholds",
}


def toy_args(tmp_path, **overrides) -> list[str]:
    path = write(tmp_path / "toy.yaml", scenario_data(**overrides))
    catalogs = ["--catalog", str(TOY_CATALOG), "--catalog", str(TOY_CAPABILITY)]
    return [*catalogs, "capability", str(path)]


def test_capability_json_contract(capsys, tmp_path):
    runs = [{"name": "r1", "start": "2026-06", "duration_days": 30, "precision": "fp8"}]
    code, out, err = cli(capsys, *toy_args(tmp_path, frontier_runs=runs), "--json")
    assert code == 0, err
    data = json.loads(out)
    keys = {"scenario", "title", "reference", "years", "frontier_runs", "site_thresholds"}
    assert keys | {"crossings"} <= set(data)
    assert data["reference"]["mfu_source"] == "fixed" and data["reference"]["mfu_fixed"] == 0.5
    (year,) = data["years"]
    assert set(year) >= YEAR_KEYS
    assert year["largest_run_accelerators"] == 2**19
    (run,) = data["frontier_runs"]
    assert set(run) >= RUN_KEYS
    assert run["precision"] == "fp8"
    assert run["flops_per_s"] == pytest.approx(2**19 * 2e15 * 0.5, rel=1e-9)
    assert "ca-sb53-frontier" in run["thresholds_crossed"]
    sites = {(s["site"], s["id"]) for s in data["site_thresholds"]}
    assert ("site-a", "tx-sb6-large-load") in sites
    dates = [c["date"] for c in data["crossings"]]
    assert dates == sorted(dates)
    assert {"who": "r1", "id": "ca-sb53-frontier"}.items() <= next(
        c for c in data["crossings"] if c["id"] == "ca-sb53-frontier"
    ).items()


def test_capability_tables(capsys, tmp_path):
    runs = [{"name": "r1", "start": "2026-06", "duration_days": 30}]
    code, out, err = cli(capsys, *toy_args(tmp_path, frontier_runs=runs))
    assert code == 0, err
    assert "Capability" in out and "Frontier runs" in out and "Thresholds crossed" in out
    # The title's "(see below)": the operating-point rule and the run's basis follow the table.
    assert "Accel.: the size past which an added accelerator" in out
    assert "Capability FLOP: a 90-day run" in out
    # the checkpoint interval the largest run uses is stated beside its goodput
    assert "a checkpoint every" in " ".join(out.split())


def test_run_json_has_the_capability_keys(capsys, tmp_path):
    args = toy_args(tmp_path)
    args[args.index("capability")] = "run"
    code, out, err = cli(capsys, *args, "--json", "--out", str(tmp_path / "o"))
    assert code == 0, err
    (year,) = json.loads(out)["years"]
    assert set(year) >= YEAR_KEYS


def test_bad_reference_model_is_exit_2(capsys, tmp_path):
    extra = tmp_path / "cat"
    extra.mkdir()
    (extra / "reference-workloads.yaml").write_text(
        "- {id: default, source: test, as_of: 2025-01-01, status: estimate, "
        "model: llama3-450b, comparison_run: gpt-4}\n"
    )
    path = write(tmp_path / "toy.yaml", scenario_data())
    code, out, err = cli(
        capsys, "--catalog", str(TOY_CATALOG), "--catalog", str(TOY_CAPABILITY),
        "--catalog", str(extra), "capability", str(path), "--json",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert "reference-workloads[default].model" in err and "llama3-405b" in err
    assert "Traceback" not in err


def test_unknown_scenario_is_exit_2(capsys):
    code, out, err = cli(capsys, "capability", "nvidia-opneai-10gw", "--json")
    assert code == 2 and out == "" and "did you mean" in err


def test_default_scenario(capsys, catalog):
    code, out, err = cli(capsys, "capability", "--json")
    assert code == 0, err
    data = json.loads(out)
    years = {y["year"]: y for y in data["years"]}
    assert set(years) == set(range(2026, 2033))
    y = years[2030]
    assert y["largest_run_system"] == "vera-rubin-nvl72"
    assert 0 < y["largest_run_mfu"] < 1 and 0 < y["largest_run_goodput"] < 1
    # a 90-day run on hundreds of thousands of Rubin packages: 1e27-1e28 FLOP
    assert 1e27 < y["largest_run_flop"] < 1e28
    # C = N x peak x MFU x goodput x T: the reported run from its reported parts, with the
    # catalog's Vera Rubin dense BF16 peak and the 90-day duration
    peak = catalog.accelerator("vera-rubin").peak_flops_per_s.bf16
    by_parts = y["largest_run_accelerators"] * peak * y["largest_run_mfu"]
    by_parts *= y["largest_run_goodput"] * 90 * 86_400
    assert y["largest_run_flop"] == pytest.approx(by_parts, rel=1e-9)
    # x ref: times GPT-4 (2.1e25 FLOP, Epoch AI's estimate); the fleet only grows, so the
    # largest run never shrinks from one December to the next
    assert data["reference"]["comparison_run"] == "gpt-4"
    assert data["reference"]["comparison_flop"] == 2.1e25
    assert 1e27 / 2.1e25 < y["largest_run_vs_reference"] < 1e28 / 2.1e25
    refs = [years[k]["largest_run_vs_reference"] for k in sorted(years)]
    assert refs == sorted(refs)
    names = [r["name"] for r in data["frontier_runs"]]
    assert names == ["largest-single-site-run", "first-multi-site-run"]
    assert data["reference"]["cross_site_from"] == "2029-06"
    # audit: the cross_site run trains at one site, and says why (its operating point, set by
    # goodput, fits in one site; spreading it only adds the wide-area synchronisation)
    multi = data["frontier_runs"][1]
    assert multi["cross_site"] and multi["sites"] == [multi["site"]]
    assert multi["accelerators"] < multi["accelerators_available"]
    assert multi["note"].startswith("cross_site allows several sites, but the run trains at")
    assert f"{multi['accelerators']:,} accelerators" in multi["note"]
    # issue 10: the largest run sits where a planner would launch it, under the modern policy
    assert data["reference"]["fault_tolerance"] == "in-memory-hot-spare"
    assert 0.9 <= y["largest_run_goodput"] < 0.95
    assert y["largest_run_marginal_efficiency"] >= data["reference"]["marginal_threshold"]
    assert y["largest_run_ceiling_flop"] > y["largest_run_flop"]
    assert y["largest_run_ceiling_accelerators"] > y["largest_run_accelerators"]
    # accelerator counts are integers in every year (the ceiling's was once 267840.0)
    for year in data["years"]:
        for key in [k for k in year if k.endswith("_accelerators")]:
            assert type(year[key]) is int, (year["year"], key, year[key])
    assert y["largest_run_ceiling_goodput"] < y["largest_run_goodput"]
    op = data["operating_point"]
    assert op["accelerators"] == years[2032]["largest_run_accelerators"]
    assert op["policy"] == "in-memory-hot-spare" and op["plan"]["gbs"] == op["gbs_seqs"]
    assert 0 < op["checkpoint_s"] < 5 and 60 < op["restart_s"] < 600
    # the curve: every catalog policy, each with its largest run among the sizes shown
    curve = data["curve"]
    assert [p["policy"] for p in curve["policies"]] == [
        "sync-checkpoint-requeue",
        "async-checkpoint-requeue",
        "meta-llama3-2024",
        "megascale-2024",
        "in-memory-hot-spare",
    ]
    for p in curve["policies"]:
        assert len(p["goodput"]) == len(curve["accelerators"])
        assert p["operating_point"]["accelerators"] in curve["accelerators"]
        assert p["operating_point"]["flop"] <= p["ceiling"]["flop"]
    # the sensitivity table: a dearer restart or more rack failures never give a larger run
    rows = data["operating_point_sensitivity"]["rows"]
    for key in ("restart", "rack_failure_rate"):
        sizes = [r["accelerators"] for r in sorted(rows, key=lambda r: r["factor"])
                 if r["input"] in (key, "baseline")]  # fmt: skip
        assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]


def test_frontier_run_costs_state_their_basis(capsys):
    """The frontier runs' USD is the owner's cost, not a price: the table says `Own`, the
    caption gives the first run's ownership rate (`cost_detail`) and each run's line its cost at
    market rental (`cost_usd_market`), the basis compute-cost tests use."""

    with pytest.raises(SystemExit):
        main(["capability", "--json"])
    runs = json.loads(capsys.readouterr().out)["frontier_runs"]
    assert runs and all(r["cost_basis"] == "ownership" for r in runs)
    with pytest.raises(SystemExit):
        main(["capability"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Own USD B" in out
    assert f"(first run: {' '.join(runs[0]['cost_detail'].split())})" in out
    for r in runs:
        assert r["cost_usd_market"] > 0 and r["cost_usd"] > 0
        assert f"{r['name']}: {r['precision']}, {r['duration_days']:g} days, USD " in out
        assert f"{r['cost_usd_market'] / 1e9:,.2f}B at market rental" in out


def test_a_frontier_runs_note_says_when_its_market_rate_is_held_flat(capsys, tmp_path):
    """--json gives a run's `market_rate_caveat` when its start month is outside the months
    the rental records cover (the rate held flat); the text's run line says so beside the cost
    at market rental, in short, and is silent for a run inside them."""
    path = tmp_path / "h100-runs.yaml"
    path.write_text(
        "name: h100-runs\n"
        "title: an H100 campus with one run inside the rental index's months, one after\n"
        "start: 2025-06\nend: 2027-12\npower_basis: it\n"
        "sites:\n  - name: tx-site\n    region: us-ercot\n    phases:\n"
        "      - {online: 2025-09, power_gw: 0.05, system: dgx-h100, ramp_months: 1}\n"
        "frontier_runs:\n  - {name: inside-run, start: 2026-03, duration_days: 30}\n"
        "  - {name: late-run, start: 2027-06, duration_days: 30}\n",
        encoding="utf-8",
    )
    outs = []
    for extra in (["--json"], []):
        with pytest.raises(SystemExit) as exc:
            main(["capability", str(path), *extra])
        out, err = capsys.readouterr()
        assert exc.value.code == 0, err
        outs.append(out)
    runs = {r["name"]: r for r in json.loads(outs[0])["frontier_runs"]}
    assert runs["inside-run"]["market_rate_caveat"] is None
    assert "held flat" in runs["late-run"]["market_rate_caveat"]
    lines = {}
    for line in " ".join(outs[1].split()).split(". "):
        for name in runs:
            if f"{name}: " in line:
                lines[name] = line
    late = runs["late-run"]
    assert (
        f"USD {late['cost_usd_market'] / 1e9:,.2f}B at market rental (rate held flat: "
        f"{late['market_rate_month']} is outside the months of rental records it rests on; "
        "`market_rate_caveat` in --json)"
    ) in lines["late-run"]
    assert "held flat" not in lines["inside-run"]
    assert "at market rental" in lines["inside-run"]


def test_default_largest_run_is_one_an_operator_would_launch(capsys, catalog):
    """The known problem "the largest run sits at a goodput no operator would launch at": the
    default scenario's largest run (the operating point) keeps at least the effective training
    time Meta reports for Llama 3 405B on 16K H100, "higher than 90%" (Dubey et al. 2024,
    arXiv:2407.21783, section 3.3.4), and checkpoints at the interval `gigawatt reliability`
    gives the same job (Daly's optimum, divided evenly into the 90 days). The ceiling (the job
    of highest rate) may sit far lower; it is reported, not launched."""
    from gigawatt.reliability.job import reliability_report

    code, out, err = cli(capsys, "capability", "--json")
    assert code == 0, err
    data = json.loads(out)
    last = data["years"][-1]
    assert last["largest_run_goodput"] > 0.90
    assert last["largest_run_ceiling_goodput"] <= last["largest_run_goodput"]
    same = reliability_report(
        catalog,
        gpus=last["largest_run_accelerators"],
        days=last["largest_run_duration_days"],
        system=last["largest_run_system"],
        policy=data["reference"]["fault_tolerance"],
    ).to_json()
    assert last["largest_run_checkpoint_interval_s"] == pytest.approx(same["interval_used_s"])
    assert last["largest_run_goodput"] == pytest.approx(same["goodput"], rel=1e-9)


def test_caveat_when_the_failure_rates_are_estimates(capsys, catalog, tmp_path):
    """The largest run's goodput (and so its size) rests on the failure model of its system
    and on the fault-tolerance policy: when either is an estimate in the catalog, capability
    and run say so; a failure model given as measured (status reported) drops its caveat."""
    import yaml

    from gigawatt.capability.caveats import reliability_caveats
    from gigawatt.catalog import Catalog

    code, out, err = cli(capsys, "capability", "--json")
    assert code == 0, err
    data = json.loads(out)
    system = data["years"][-1]["largest_run_system"]
    fm = catalog.failure_model(catalog.system(system).failure_model)
    assert fm.status == "estimate"
    assert any(f"failure model '{fm.id}'" in c and system in c for c in data["caveats"])
    policy = data["reference"]["fault_tolerance"]
    assert any(f"policy '{policy}'" in c for c in data["caveats"])
    # the same record, said to be measured, in a user catalog folder
    record = fm.model_dump(mode="json", exclude_none=True)
    record.update(status="reported", field_status={})
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "failures.yaml").write_text(yaml.safe_dump([record]))
    measured = Catalog.load([folder])
    assert not any("failure rates" in c for c in reliability_caveats(measured, [system], policy))


def test_caveat_when_the_largest_run_starts_in_burn_in(capsys, catalog):
    """A year whose largest run needs accelerators inside the failure model's burn-in says
    its figures include it, with the factor (the default's 2026-12 run starts the month
    Abilene's first Vera Rubin racks come online: x2 over the whole 90-day run, which
    `largest_run_burn_in_factor` gives); a year whose run fits on older accelerators does not
    (factor 1)."""
    code, out, err = cli(capsys, "capability", "--json")
    assert code == 0, err
    data = json.loads(out)
    system = data["years"][0]["largest_run_system"]
    fm = catalog.failure_model(catalog.system(system).failure_model)
    assert fm.burn_in_multiplier > 1 and fm.burn_in_months > 0
    burn = [c for c in data["caveats"] if "burn-in" in c]
    assert [c.split(":")[0] for c in burn] == ["2026-12"]
    assert f"failure model '{fm.id}'" in burn[0] and "--fleet-age-months 0" in burn[0]
    factors = [y["largest_run_burn_in_factor"] for y in data["years"]]
    duration_s = data["years"][0]["largest_run_duration_days"] * S_PER_DAY
    assert factors[0] == burn_in_factor(fm, 0.0, duration_s)
    assert factors[0] > 1 and f"x{factors[0]:.2f}" in burn[0] and "include it" in burn[0]
    assert factors[1:] == [1.0] * (len(factors) - 1)


def test_site_crossings_say_what_they_bring(capsys):
    """A site crossing a site-level threshold is not by itself a duty (EO 14318's is a
    permitting benefit): `capability` prints each crossed threshold in force once, with what it
    brings (its catalog notification_trigger), and none that is not in force."""
    with pytest.raises(SystemExit):
        main(["capability", "--json"])
    sites = json.loads(capsys.readouterr().out)["site_thresholds"]
    with pytest.raises(SystemExit):
        main(["capability"])
    out = " ".join(capsys.readouterr().out.split())
    crossed = {t["id"]: t for t in sites if t["month"] and t["in_force"]}
    assert crossed
    for tid, t in crossed.items():
        assert out.count(f"{tid} (site, in force): {' '.join(t['note'].split())}") == 1
    for t in sites:
        if t["month"] and not t["in_force"]:
            assert f"{t['id']} (site, in force)" not in out


def test_notification_deadlines_say_what_triggers_them(capsys):
    """`Notify by` comes with the threshold's notification trigger (the catalog's), once per
    threshold that gives a deadline."""
    from gigawatt.catalog import Catalog

    with pytest.raises(SystemExit):
        main(["capability", "--json"])
    crossings = json.loads(capsys.readouterr().out)["crossings"]
    with pytest.raises(SystemExit):
        main(["capability"])
    out = " ".join(capsys.readouterr().out.split())
    ids = {c["id"] for c in crossings if c["notification_deadline"]}
    assert ids
    for tid in ids:
        t = Catalog.load().get("thresholds", tid)
        head = f"Notify by ({tid}, {t.notification_days} days from the run's start): "
        assert out.count(head + " ".join(t.notification_trigger.split())) == 1


def test_text_columns_are_left_aligned_numbers_right(capsys):
    """Threshold ids, run and site names read from the left edge of their column; counts and
    FLOP line up on the right (print_table: text left, numbers right)."""
    with pytest.raises(SystemExit):
        main(["capability", "--json"])
    report = json.loads(capsys.readouterr().out)
    with pytest.raises(SystemExit):
        main(["capability"])
    out = capsys.readouterr().out
    rows = [line.split("│")[1:-1] for line in out.splitlines() if "│" in line]
    ids = {c["id"] for c in report["crossings"]}
    threshold_cells = [c for row in rows for c in row if c.strip() in ids]
    assert threshold_cells
    for cell in threshold_cells:  # one space of padding on the left, the rest on the right
        assert cell.startswith(" ") and not cell.startswith("  "), repr(cell)
    site = report["years"][-1]["largest_run_site"]
    site_cells = [row[1] for row in rows if len(row) > 1 and row[1].strip() == site]
    assert site_cells and all(not c.startswith("  ") for c in site_cells)
    flop = [row for row in rows if row[0].strip() == str(report["years"][-1]["year"])]
    assert flop and all(c.endswith(" ") and not c.endswith("  ") for c in flop[0][2:])
    assert "e+" not in out


def test_capability_says_what_its_goodput_leaves_out(capsys):
    """The capability FLOP multiplies by goodput, which counts checkpoints, restarts and
    redone work only (docs/models/reliability.md, "What goodput leaves out"): the footnote
    says so beside the formula."""
    code, out, err = cli(capsys, "capability")
    assert code == 0, err
    text = " ".join(out.split())
    assert (
        "x goodput x duration; goodput counts checkpoints, restarts and redone work only, not "
        "stragglers, data stalls or loss-spike rollbacks)" in text
    )


def test_capability_gives_the_reference_runs_provenance(capsys, catalog):
    """`x ref` divides by GPT-4's 2.1e25 FLOP, an analyst's estimate (Epoch AI), not a published
    figure: `capability` says so as `run` does (it gave the FLOP alone)."""
    code, out, err = cli(capsys, "capability")
    assert code == 0, err
    gpt4 = catalog.get("frontier-runs", "gpt-4")
    status = gpt4.field_statuses().get("training_flop", gpt4.status)
    assert status in ("analyst", "estimate")
    assert (
        f"x ref: times gpt-4 (2.1e25 FLOP, status {status}: `gigawatt catalog frontier-runs` "
        "gives its source)" in " ".join(out.split())
    )
