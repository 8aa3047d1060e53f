"""`gigawatt reliability`: the JSON contract (DESIGN.md section 7), errors, rendering."""

from __future__ import annotations

import numpy as np
import pytest

from cli_cases import cli, cli_json, refused

CONTRACT = (
    "interruptions_expected",
    "job_mtbf_h",
    "checkpoint_interval_s",
    "ettr",
    "goodput",
    "wall_time_s",
)
MC_KEYS = tuple(
    f"{name}_p{p}"
    for name in ("interruptions", "wall_time_s", "goodput", "lost_gpu_hours")
    for p in (10, 50, 90)
)


def reliability(capsys, *args: str) -> dict:
    """`gigawatt reliability ARGS --json`."""
    return cli_json(capsys, "reliability", *args, "--json")


def reliability_text(capsys, *args: str) -> str:
    """What `gigawatt reliability ARGS` prints; the command must succeed."""
    code, out, err = cli(capsys, "reliability", *args)
    assert code == 0, err
    return out


def failure_model_file(tmp_path, status: str) -> str:
    """A user's failure model: one cause, 1e-5 per accelerator-hour (MTBF 100 h at 1,000)."""
    path = tmp_path / "ours.yaml"
    path.write_text(
        f"id: ours\nsource: our logs\nas_of: 2026-01-01\nstatus: {status}\n"
        "causes:\n  - {cause: all, rate_per_accelerator_hour: 1.0e-5, scope: accelerator}\n"
    )
    return str(path)


def test_json_contract_closed_form(capsys):
    data = reliability(capsys, "--gpus", "16384", "--days", "54")
    for key in (*CONTRACT, *MC_KEYS):
        assert key in data
    assert all(data[k] is None for k in MC_KEYS)  # no --trials: listed but null
    assert data["system"] == "dgx-h100" and data["failure_model"] == "h100-class"
    assert data["job_mtbf_h"] == pytest.approx(54 * 24 / 419, rel=0.02)
    assert 0 < data["ettr"] <= 1 and 0 < data["goodput"] <= 1
    assert data["wall_time_s"] > 54 * 86400
    assert data["checkpoint_interval_s"] < data["young_interval_s"]
    assert data["spares"] >= 1 and data["spare_accelerators"] == 8 * data["spares"]


def test_json_with_trials_is_reproducible(capsys):
    args = ("--gpus", "100000", "--days", "30", "--trials", "200", "--seed", "7")
    data = reliability(capsys, *args)
    for name in ("interruptions", "wall_time_s", "goodput", "lost_gpu_hours"):
        assert data[f"{name}_p10"] <= data[f"{name}_p50"] <= data[f"{name}_p90"]
    assert data["wall_time_s_p10"] <= data["wall_time_s"] <= data["wall_time_s_p90"]
    assert data["goodput_mean"] == pytest.approx(data["goodput"], rel=0.02)
    assert reliability(capsys, *args) == data


def test_system_sets_failure_domain_and_model(capsys):
    data = reliability(capsys, "--gpus", "7200", "--days", "10", "--system", "gb200-nvl72")
    assert data["failure_model"] == "gb200-class" and data["failure_domain"] == 72
    assert data["racks"] == 100 and "rack-scale-up-fabric" in data["rates_per_h_by_cause"]


def test_costs_override_defaults(capsys):
    data = reliability(
        capsys, "--gpus", "1024", "--days", "1",
        "--checkpoint-s", "0", "--restart-s", "60", "--interval-s", "900",
    )  # fmt: skip
    assert data["checkpoint_s"] == 0 and data["restart_s"] == 60
    assert data["checkpoint_interval_s"] == 0  # Daly's optimum for free checkpoints
    assert data["interval_used_s"] == pytest.approx(900)


def test_days_are_compute_days_and_wall_clock_days_are_reported(capsys):
    data = reliability(capsys, "--gpus", "16384", "--days", "54")
    assert data["days"] == data["compute_days"] == 54
    assert data["wall_time_days"] == pytest.approx(data["wall_time_s"] / 86400)
    assert data["wall_time_days"] == pytest.approx(54 / data["goodput"])
    out = reliability_text(capsys, "--help")
    assert "Failure-free compute time" in out and "wall_time_days" in out


def test_policy_and_model_set_the_costs(capsys):
    """The default policy (in-memory, hot spares) against Meta's Llama 3 practice, and a
    smaller model's checkpoint: costs follow the policy, the model and the job's size."""
    base = ("--gpus", "16384", "--days", "54", "--system", "meta-h100-roce")
    modern = reliability(capsys, *base)
    meta = reliability(capsys, *base, "--policy", "meta-llama3-2024")
    small = reliability(capsys, *base, "--policy", "meta-llama3-2024", "--model", "llama3-8b")
    assert modern["policy"] == "in-memory-hot-spare" and modern["checkpoint_method"] == "memory"
    assert meta["policy"] == "meta-llama3-2024" and meta["storage_tier"] == "meta-tectonic-2024"
    assert modern["restart_s"] < meta["restart_s"] and modern["goodput"] > meta["goodput"]
    assert meta["restart_s"] == pytest.approx(
        meta["restart_fixed_s"] + meta["restart_init_s"] + meta["restart_load_s"]
    )
    assert small["checkpoint_bytes"] < meta["checkpoint_bytes"] / 40
    assert small["checkpoint_s"] < meta["checkpoint_s"]
    causes = {c["cause"]: c for c in meta["interruptions_by_cause"]}
    assert causes["nic"]["category"] == "nic" and causes["hbm"]["scope"] == "accelerator"
    assert sum(c["share"] for c in causes.values()) == pytest.approx(1.0)
    assert sum(c["expected"] for c in causes.values()) == pytest.approx(meta["failures_expected"])


def test_user_failure_model_file(capsys, tmp_path):
    path = failure_model_file(tmp_path, "estimate")
    data = reliability(capsys, "--gpus", "1000", "--days", "1", "--failure-model", path)
    assert data["failure_model"] == "ours"
    assert data["job_mtbf_h"] == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--gpus", "0", "--days", "1"), "--gpus: 0 is not allowed"),
        (("--gpus", "8", "--days", "-1"), "--days: -1 is not allowed"),
        (("--gpus", "8", "--days", "1", "--restart-s", "-5"), "--restart-s: -5 is"),
        (("--gpus", "8", "--days", "1", "--checkpoint-s", "nan"), "--checkpoint-s"),
        (("--gpus", "8", "--days", "1", "--system", "gb200-nvl27"), "did you mean 'gb200-nvl72'"),
        (("--gpus", "8", "--days", "1", "--failure-model", "h100-clas"), "did you mean"),
        (("--gpus", "8", "--days", "1", "--failure-model", "missing.yaml"), "no such file"),
        (("--gpus", "8", "--days", "1", "--policy", "in-memory-hot-spar"), "did you mean"),
        (("--gpus", "8", "--days", "1", "--model", "llama3-406b"), "--model"),
        (("--gpus", "8", "--days", "1", "--availability", "1"), "--availability"),
        (("--gpus", "1000000", "--days", "90", "--trials", "1000000"), "--trials"),
        (
            (
                "--days",
                "1",
            ),
            "--gpus",
        ),
    ],
)
def test_bad_input_exit_2_nothing_on_stdout(capsys, args, needle):
    err = refused(capsys, "reliability", *args, "--json")
    assert needle in err
    assert "Traceback" not in err


def test_job_that_never_finishes_is_a_result(capsys):
    data = reliability(
        capsys, "--gpus", "50000000", "--days", "30", "--restart-s", "86400", "--trials", "10"
    )
    assert data["goodput"] == 0.0 and data["wall_time_s"] is None
    assert all(data[k] is None for k in MC_KEYS)
    assert "Monte Carlo skipped" in data["monte_carlo_note"]


def test_table(capsys):
    out = reliability_text(capsys, "--gpus", "100000", "--days", "90", "--trials", "100")
    for text in ("goodput", "Daly interval (s)", "P50", "Spares", "100,000 accelerators"):
        assert text in out


def test_table_shows_bands_only_with_trials(capsys):
    """Without Monte Carlo trials the P10/P50/P90 columns would be empty: they are left out;
    lost time is in accelerator-hours, the word every other command uses."""
    out = reliability_text(capsys, "--gpus", "16384", "--days", "54")
    assert "P50" not in out and "lost accelerator-hours" in out and "GPU-hours" not in out
    out = reliability_text(capsys, "--gpus", "16384", "--days", "54", "--trials", "50")
    assert "P10" in out and "P50" in out and "P90" in out


def test_provenance_and_node_keys(capsys, tmp_path):
    """Additive keys: the node size the footprint uses, and the catalog status of the failure
    model and of the policy (what is measured and what is estimated), from the records used."""
    from gigawatt.catalog import Catalog

    cat = Catalog.load()
    data = reliability(
        capsys, "--gpus", "7200", "--days", "10", "--system", "gb200-nvl72",
        "--policy", "megascale-2024",
    )  # fmt: skip
    system = cat.system("gb200-nvl72")
    assert data["accelerators_per_node"] == system.accelerators_per_node
    assert data["nodes"] == -(-7200 // system.accelerators_per_node)
    assert data["failure_model_status"] == cat.failure_model("gb200-class").status
    assert data["policy_status"] == cat.fault_tolerance("megascale-2024").status
    # a user's failure model carries its own status
    path = failure_model_file(tmp_path, "reported")
    data = reliability(capsys, "--gpus", "1000", "--days", "1", "--failure-model", path)
    assert data["failure_model_status"] == "reported"


def test_table_title_states_the_status_of_the_failure_model_and_policy(capsys, tmp_path):
    """The text says how far its inputs are measured, as --json's failure_model_status and
    policy_status and `gigawatt train`'s reliability line do: every shipped failure model and
    policy is an estimate, and a user's file carries its own status."""
    out = " ".join(reliability_text(capsys, "--gpus", "16384", "--days", "54").split())
    assert "failure model h100-class (estimate), policy in-memory-hot-spare (estimate)" in out
    path = failure_model_file(tmp_path, "reported")
    out = " ".join(
        reliability_text(capsys, "--gpus", "1000", "--days", "1", "--failure-model", path).split()
    )
    assert "failure model ours (reported), policy in-memory-hot-spare (estimate)" in out


def test_text_states_the_fleet_age_and_its_burn_in(capsys):
    """The text says whether the rates carry a burn-in and by how much (--json's
    burn_in_factor), as `gigawatt train` does: without it a young fleet's higher failure rate
    and lower goodput appear unexplained."""
    base = ("--gpus", "16384", "--days", "90")
    mature = " ".join(reliability_text(capsys, *base).split())
    assert "a mature fleet (no burn-in; `--fleet-age-months` for a new one)" in mature
    factor = reliability(capsys, *base, "--fleet-age-months", "0")["burn_in_factor"]
    assert factor > 1.0
    young = " ".join(reliability_text(capsys, *base, "--fleet-age-months", "0").split())
    assert f"inside its burn-in: hardware failure rates x{factor:.2f} over the run" in young
    old = " ".join(reliability_text(capsys, *base, "--fleet-age-months", "6").split())
    assert "a fleet 6 months old at the start, past its burn-in" in old


def test_table_shows_the_interval_used(capsys):
    """The interval the closed forms use (Daly's, shortened to divide the compute time, or the
    user's) is a row of the summary, beside Young's and Daly's."""
    out = reliability_text(capsys, "--gpus", "1024", "--days", "1", "--interval-s", "900")
    row = next(line for line in out.splitlines() if "interval used (s)" in line)
    assert "900" in row


def test_table_says_what_the_band_is_and_what_goodput_leaves_out(capsys):
    """The P10/P50/P90 columns are percentiles over this job's simulated timelines (trials and
    seed named), not the uncertainty of its inputs; goodput names the losses it leaves out.
    The JSON's bands are those percentiles of the same trials."""
    args = ("--gpus", "16384", "--days", "54", "--trials", "60", "--seed", "3")
    text = " ".join(reliability_text(capsys, *args).split())
    assert "percentiles over 60 simulated timelines of this job" in text and "seed 3" in text
    assert "not the uncertainty of the rates or costs" in text
    assert "data-loading stalls, stragglers" in text
    data = reliability(capsys, *args)
    from gigawatt.catalog import Catalog
    from gigawatt.reliability.job import reliability_report

    report = reliability_report(Catalog.load(), gpus=16384, days=54, trials=60, seed=3)
    assert report.monte_carlo is not None
    assert data["goodput_p10"] == pytest.approx(
        float(np.percentile(report.monte_carlo.goodput, 10))
    )
    out = reliability_text(capsys, "--gpus", "16384", "--days", "54")
    assert "data-loading stalls" in " ".join(out.split())  # closed forms alone too


def test_nvl72_rack_spares_against_the_sla_bound(capsys):
    """NVL72-class racks (failure domain = rack): the model's rack availability and the spare
    racks a rack-uptime SLA bounds, the Poisson quantile of racks x (1 - SLA) at the spares'
    availability target; the figures docs/models/reliability.md quotes (100,008 Vera Rubin
    packages, 90 days: 97.0 %, 63 spares against at most 27). Null where the domain is not a
    rack."""
    from gigawatt.catalog import Catalog
    from gigawatt.reliability import poisson_quantile

    cat = Catalog.load()
    d = reliability(capsys, "--gpus", "100008", "--days", "90", "--system", "vera-rubin-nvl72")
    sla = float(cat.parameter("rack-uptime-sla").value)
    assert d["rack_uptime_sla"] == sla and d["racks"] == 1389
    assert d["rack_availability"] == pytest.approx(1 - d["units_down_mean"] / d["racks"])
    bound = poisson_quantile(d["racks"] * (1 - sla), d["spares_availability"])
    assert d["spares_sla_bound"] == bound
    # the docs' figures
    assert round(100 * d["rack_availability"], 1) == 97.0
    assert (d["spares"], d["spares_sla_bound"]) == (63, 27)
    out = reliability_text(
        capsys, "--gpus", "100008", "--days", "90", "--system", "vera-rubin-nvl72"
    )
    assert "above that bound" in " ".join(out.split())
    d = reliability(capsys, "--gpus", "16384", "--days", "54")
    assert d["rack_availability"] is None and d["spares_sla_bound"] is None
    assert d["rack_uptime_sla"] is None
