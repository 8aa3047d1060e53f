"""Power swings of the job that trains (issue 16): the default job is the capability model's
operating point at the site and month; the step pattern comes from the perf breakdown; a job
that cannot make progress is refused; `--policy` and `--job-accelerators` override."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from cli_cases import cli
from gigawatt import app
from gigawatt.capability.operating import BUSY_PARTS
from gigawatt.energy.params import energy_param
from gigawatt.energy.programme import phase_inputs
from gigawatt.energy.swings import (
    SwingJob,
    analyse_swings,
    it_power_trace_w,
    job_schedule,
    no_progress_reason,
    swing_inputs,
)
from gigawatt.perf import estimate
from gigawatt.scenario import load_scenario
from gigawatt.simulate import simulate

SITE = "tx-abilene"  # the default scenario's first site


@pytest.fixture(scope="module")
def default(catalog) -> dict:
    return app.energy(swings=SITE, catalog=catalog).to_json()["swings"]


@pytest.fixture(scope="module")
def capability(catalog):
    results = simulate(load_scenario(app.DEFAULT_SCENARIO, catalog), catalog, until="capability")
    return results.capability


def test_default_job_is_the_operating_point_and_trains(default, capability, catalog) -> None:
    """The default analysis traces the site's operating point under the modern policy (the
    reference workload's: in-memory checkpoints, hot spares) and computes most of the time."""
    sw = default
    op = capability.operating_point(sw["month"], SITE)
    assert sw["job_source"] == "operating-point" and sw["step_source"] == "perf-breakdown"
    assert sw["accelerators"] == op.accelerators == sw["operating_point_accelerators"]
    assert sw["policy"] == op.policy == capability.settings.policy == "in-memory-hot-spare"
    assert sw["plan"] == op.plan
    # a framework saves between steps: the trace's interval is the operating point's rounded
    # to whole steps (>= 1), and its goodput the closed form's at that interval, within a
    # hair of the operating point's (Daly's optimum is flat)
    steps = sw["checkpoint_interval_s"] / sw["step_period_s"]
    assert steps >= 1 and steps == pytest.approx(round(steps), abs=1e-9)
    assert abs(sw["checkpoint_interval_s"] - op.checkpoint_interval_s) <= sw["step_period_s"] / 2
    assert sw["goodput"] == pytest.approx(op.goodput, abs=1e-3) and sw["goodput"] <= op.goodput
    assert sw["accelerators"] < sw["group_accelerators"]  # not the whole site
    assert sw["compute_time_share"] > 0.5
    # The window holds several interruptions (or is the longest allowed).
    target = energy_param(catalog, "swing-window-interruptions")
    longest = energy_param(catalog, "swing-window-max-s")
    assert sw["interruptions_expected"] >= target * (1 - 1e-9) or sw["duration_s"] == longest
    assert sw["interruptions_expected"] == pytest.approx(sw["duration_s"] / sw["job_mtbf_s"])
    assert sw["restart_s"] < sw["job_mtbf_s"]
    # Computing share: the step's busy share less the pauses (checkpoints, restarts).
    paused = (
        sw["checkpoint_s"] / sw["checkpoint_interval_s"]
        + sw["failures"] * sw["restart_s"] / sw["duration_s"]
    )
    assert sw["compute_time_share"] == pytest.approx(sw["utilisation"] * (1 - paused), abs=0.03)


def test_step_pattern_is_the_perf_breakdown(capability, default) -> None:
    """Busy share = (compute + recompute + optimizer) / step time of the plan's perf estimate;
    the step time scales to the job's size at equal work per step."""
    job = capability.swing_job(default["month"], SITE)
    curve_bucket_gpus = math.prod(default["plan"][k] for k in ("tp", "pp", "cp", "dp"))
    assert curve_bucket_gpus <= job.accelerators  # the rest of the job idle
    perf = estimate(
        capability.settings.model,
        "vera-rubin-nvl72",
        curve_bucket_gpus,
        default["plan"],
        catalog=capability.catalog,
    )
    busy = sum(perf.breakdown_s[k] for k in BUSY_PARTS) / perf.step_time_s
    assert job.step_compute_share == pytest.approx(busy)
    assert 0.5 < busy < 1
    expected_step = perf.step_time_s * curve_bucket_gpus * perf.mfu / (job.accelerators * job.mfu)
    assert job.step_period_s == pytest.approx(expected_step)
    # Choukse et al. 2025 (arXiv 2508.14318): swing energy at 0.2-3 Hz, one cycle per step.
    assert 0.2 <= 1 / job.step_period_s <= 3


def test_single_step_closed_form(catalog, capability, default) -> None:
    """One synchronous step of the operating point, no pauses: the swing is
    N (P_busy - P_idle) and the ramp N (P_busy - P_idle) / ramp time (one sample)."""
    job = capability.swing_job(default["month"], SITE)
    quiet = replace(job, interruptions_per_s=0.0, checkpoint_interval_s=1e9)
    system = catalog.system("vera-rubin-nvl72")
    inputs = swing_inputs(
        catalog, system, job.accelerators, 1.0, job=quiet, duration_s=job.step_period_s
    )
    it = it_power_trace_w(inputs, job_schedule(inputs, np.random.default_rng(0)))
    swing_w = job.accelerators * (inputs.busy_level_w - inputs.idle_w)
    assert np.ptp(it) == pytest.approx(swing_w)
    none = analyse_swings(inputs).cases[0]
    assert none.case == "none"
    assert none.peak_to_peak_mw == pytest.approx(swing_w / 1e6)
    assert none.max_ramp_mw_per_s == pytest.approx(swing_w / inputs.resolution_s / 1e6)
    # The busy samples of the step are its busy share (to one sample).
    busy = (it > it.min() + swing_w / 2).mean()
    assert busy == pytest.approx(
        job.step_compute_share, abs=inputs.resolution_s / job.step_period_s
    )


def test_no_progress_reason_is_restart_against_mtbf(catalog) -> None:
    job = SwingJob(
        accelerators=1000,
        source="override",
        policy="p",
        step_period_s=1.0,
        step_compute_share=0.9,
        checkpoint_s=1.0,
        checkpoint_interval_s=60.0,
        restart_s=100.0,
        interruptions_per_s=0.01,  # MTBF 100 s
    )
    system = catalog.system("vera-rubin-nvl72")
    at_limit = swing_inputs(catalog, system, 1000, 1.2, job=job, duration_s=60)
    # R = M: a restart completes with probability 1/e, so 1 - 1/e = 63 % of the time restarts.
    assert "spends 63% of its time restarting" in no_progress_reason(at_limit)
    below = swing_inputs(catalog, system, 1000, 1.2, job=replace(job, restart_s=99.0))
    assert no_progress_reason(below) is None


def test_refusal_states_the_restarting_share_the_trace_shows(catalog) -> None:
    """The share of time the refusal says a job restarts, 1 - e^{-R/M}, is what its trace
    would show: a sample runs only when no interruption fell in the R seconds before it."""
    job = SwingJob(
        accelerators=1000,
        source="override",
        policy="p",
        step_period_s=1.0,
        step_compute_share=0.9,
        checkpoint_s=0.0,
        checkpoint_interval_s=1e9,
        restart_s=150.0,
        interruptions_per_s=0.01,  # MTBF 100 s, R / M = 1.5: 78 % restarting
    )
    system = catalog.system("vera-rubin-nvl72")
    inputs = replace(
        swing_inputs(catalog, system, 1000, 1.2, job=job, duration_s=400_000), resolution_s=1.0
    )
    assert "spends 78% of its time restarting" in no_progress_reason(inputs)
    running = job_schedule(inputs, np.random.default_rng(1)).running.mean()
    assert 1 - running == pytest.approx(1 - np.exp(-1.5), abs=0.02)


def test_whole_site_job_is_refused(capsys, default) -> None:
    """The issue's case: all 714,284 accelerators of the site in one job restart longer than
    they run between failures; the refusal names the reason and the size that trains."""
    for extra in ((), ("--json",)):
        code, out, err = cli(
            capsys, "energy", "--swings", SITE, "--job-accelerators", "714284", *extra
        )
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1
        assert "--job-accelerators" in err and "restarts more than it trains" in err
        # R = 299 s against M = 159 s: e^{-R/M} = 15 % running; the capability model's goodput.
        assert "85% of its time restarting" in err and "(goodput 14%)" in err
        assert f"{default['accelerators']:,}" in err


def test_overrides(capsys, default) -> None:
    code, out, err = cli(
        capsys, "energy", "--swings", SITE, "--job-accelerators", "50000", "--json"
    )
    assert code == 0, err
    sw = json.loads(out)["swings"]
    assert sw["accelerators"] == 50_000 and sw["job_source"] == "override"
    assert sw["step_source"] == "perf-breakdown"
    assert sw["operating_point_accelerators"] == default["accelerators"]
    code, out, err = cli(
        capsys, "energy", "--swings", SITE, "--policy", "sync-checkpoint-requeue", "--json"
    )
    assert code == 0, err
    sw = json.loads(out)["swings"]
    assert sw["policy"] == "sync-checkpoint-requeue" and sw["job_source"] == "operating-point"
    # Storage checkpoints cost more than in-memory ones: the operating point is smaller.
    assert sw["accelerators"] < default["accelerators"]
    assert sw["checkpoint_s"] > default["checkpoint_s"]


@pytest.mark.parametrize(
    "args, words",
    [
        (("--swings", SITE, "--policy", "bogus"), ("--policy", "in-memory-hot-spare", "valid")),
        (("--policy", "in-memory-hot-spare"), ("--policy", "--swings")),
        (("--job-accelerators", "1000"), ("--job-accelerators", "--swings")),
    ],
)
def test_bad_flags_exit_2(capsys, args, words) -> None:
    code, out, err = cli(capsys, "energy", *args, "--json")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert all(w in err for w in words), err


def test_caption_states_size_plan_and_policy(capsys, default) -> None:
    """The default analysis says which job it traces: size, month, source, policy, the plan's
    parallel layout (in `--plan` syntax) and goodput."""
    code, out, err = cli(capsys, "energy", "--swings", SITE)
    assert code in (0, None), err
    text = " ".join(out.split())
    plan = default["plan"]
    layout = ",".join(
        [f"{k}={plan[k]}" for k in ("tp", "pp", "cp", "ep") if plan[k] != 1] + [f"dp={plan['dp']}"]
    )
    for words in (
        f"one job of {default['accelerators']:,}",
        default["month"],
        "the capability operating point",
        f"policy {default['policy']}",
        f"plan {layout}",
        f"goodput {default['goodput']:.0%}",
    ):
        assert words in text, words


def test_trace_mean_is_the_energy_stages_draw_less_pauses(catalog, capability, default) -> None:
    """One per-accelerator power model for both stages (footprint.training_waveform): the
    energy stage counts the calibrated training draw P (0.682 x 2,800 W = 1,910 W per Vera Rubin
    package, catalog power-calibrations `gpu`); the swing trace's busy level is set so that a
    training step averages P, and checkpoints and restarts idle the accelerators. So the trace's
    mean IT power per accelerator is P - (P_busy - P_idle)(u - s), s the trace's share of time
    computing (to the trace's sampling), and within 10 % of P for the default job (its restarts
    take about 8 % of the time at the expected interruption rate, its checkpoints 1.3 %)."""
    scenario = load_scenario(app.DEFAULT_SCENARIO, catalog).resolve()  # at the medians
    energy = phase_inputs(scenario, catalog)
    systems = [ph.system.id for site in scenario.sites for ph in site.phases]
    rubin_draw_w = float(energy.it_power_w_per_accelerator[systems.index("vera-rubin-nvl72")])
    assert default["training_draw_w_per_accelerator"] == pytest.approx(rubin_draw_w, rel=1e-12)
    assert rubin_draw_w == pytest.approx(0.68216 * 2_800, rel=1e-9)

    job = capability.swing_job(default["month"], SITE)
    inputs = swing_inputs(
        catalog, catalog.system("vera-rubin-nvl72"), job.accelerators, 1.0, job=job
    )
    result = analyse_swings(inputs)  # PUE 1: the facility trace is the IT trace
    it_w = result.cases[0].mean_mw * 1e6 / job.accelerators
    busy, idle = result.busy_power_w_per_accelerator, result.idle_power_w_per_accelerator
    assert idle < busy <= catalog.accelerator("vera-rubin").tdp_w
    lost_w = (busy - idle) * (job.step_compute_share - result.compute_time_share)
    assert it_w == pytest.approx(rubin_draw_w - lost_w, rel=1e-3)
    assert 0.90 * rubin_draw_w <= it_w <= rubin_draw_w
    # Without pauses a step averages the energy stage's draw.
    quiet = replace(job, interruptions_per_s=0.0, checkpoint_interval_s=1e9)
    inputs = swing_inputs(
        catalog,
        catalog.system("vera-rubin-nvl72"),
        job.accelerators,
        1.0,
        job=quiet,
        duration_s=60 * job.step_period_s,
    )
    it = it_power_trace_w(inputs, job_schedule(inputs, np.random.default_rng(0)))
    assert it.mean() / job.accelerators == pytest.approx(rubin_draw_w, rel=0.005)


def test_without_an_operating_point_the_site_traces_the_default_job(catalog) -> None:
    """With no operating point (`job` None) the site's group is traced as `default_swing_job`
    builds it, and the output names the default policy whose checkpoint and restart costs the
    trace uses (not null); the sizes are the group's."""
    from gigawatt.energy.sites import find_site, site_swings
    from gigawatt.energy.swings import default_swing_job
    from gigawatt.reliability import default_plan

    results = simulate(load_scenario(app.DEFAULT_SCENARIO, catalog), catalog, until="energy")
    site = find_site(results.scenario, SITE, "swings")
    n = 20_000
    sw = site_swings(results.scenario, catalog, results.energy, site, None, None, n)
    system = catalog.system(sw["system"])
    assert sw["job_source"] == "catalog-defaults" and sw["accelerators"] == n
    assert sw["policy"] == default_plan(catalog, system).policy.id
    job = default_swing_job(catalog, system, n)
    assert sw["restart_s"] == job.restart_s and sw["checkpoint_s"] == job.checkpoint_s
    assert sw["interruptions_expected"] == pytest.approx(job.interruptions_per_s * sw["duration_s"])
