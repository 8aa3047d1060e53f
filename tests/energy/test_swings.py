"""Power swings: the trace against the footprint model, mitigations against closed forms."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.energy.footprint import accelerator_power_w
from gigawatt.energy.params import energy_param
from gigawatt.energy.swings import (
    SwingJob,
    analyse_swings,
    battery_grid_w,
    facility_trace_w,
    it_power_trace_w,
    job_schedule,
    rack_storage_w,
    rack_time_constant_s,
    swing_inputs,
)

# About Llama 3's cluster (Dubey et al. 2024, arXiv 2407.21783, 3.3.4: "tens of megawatts").
N = 24_000


@pytest.fixture(scope="module")
def steady(catalog):
    """An H100 job with no failures or checkpoints inside a 60 s window."""
    base = swing_inputs(catalog, catalog.system("dgx-h100"), N, 1.1, duration_s=60.0)
    return replace(base, failures_per_accelerator_hour=0.0, checkpoint_interval_s=1e9)


def _cases(result):
    return {c.case: c for c in result.cases}


def test_trace_mean_is_the_footprint_power_model(steady) -> None:
    """Square wave between idle and TDP with duty u: its mean is P_idle + u (P_TDP - P_idle)."""
    schedule = job_schedule(steady, np.random.default_rng(0))
    it = it_power_trace_w(steady, schedule)
    per_acc = accelerator_power_w(steady.tdp_w, steady.idle_w, steady.utilisation)
    assert it.mean() == pytest.approx(N * (per_acc + steady.host_w), rel=1e-3)
    assert schedule.compute.mean() == pytest.approx(steady.utilisation, rel=1e-3)


def test_unmitigated_swing_is_n_times_tdp_minus_idle(steady) -> None:
    none = _cases(analyse_swings(steady))["none"]
    swing_mw = N * (steady.tdp_w - steady.idle_w) / 1e6
    assert none.peak_to_peak_mw == pytest.approx(swing_mw)
    assert 10 <= none.peak_to_peak_mw <= 100  # "tens of megawatts" at 24k H100s
    assert none.max_ramp_mw_per_s == pytest.approx(swing_mw / steady.resolution_s)
    assert none.band_energy_share > 0.9  # a 1 Hz square wave sits in the 0.1-20 Hz band
    # Its RMS: a square wave of duty u between two levels a apart has sd a sqrt(u (1 - u)).
    sd_mw = swing_mw * np.sqrt(steady.utilisation * (1 - steady.utilisation))
    assert none.band_rms_mw == pytest.approx(sd_mw, rel=0.05)
    assert not none.meets_ramp_limit


def test_power_floor_closed_form(steady) -> None:
    """The floor lifts each low phase to f x TDP: swing N (1 - f) TDP; extra energy
    N (1 - u) (f TDP - P_idle) x duration."""
    f, u = steady.power_floor_share, steady.utilisation
    floor = _cases(analyse_swings(steady))["power-floor"]
    assert floor.peak_to_peak_mw == pytest.approx(N * (1 - f) * steady.tdp_w / 1e6)
    extra_mwh = N * (1 - u) * (f * steady.tdp_w - steady.idle_w) * steady.duration_s / 3.6e9
    assert floor.extra_energy_mwh == pytest.approx(extra_mwh, rel=1e-3)


def test_rack_storage_slows_ramps_but_keeps_energy(steady) -> None:
    cases = _cases(analyse_swings(steady))
    assert cases["rack-storage"].max_ramp_mw_per_s < cases["none"].max_ramp_mw_per_s
    assert cases["rack-storage"].mean_mw == pytest.approx(cases["none"].mean_mw, rel=1e-3)


def test_site_battery_meets_the_ramp_limit(steady) -> None:
    cases = _cases(analyse_swings(steady))
    for name in ("site-battery", "all"):
        c = cases[name]
        assert c.meets_ramp_limit
        assert c.max_ramp_mw_per_s <= steady.ramp_limit_w_per_s / 1e6 * (1 + 1e-9)
        assert c.battery_power_mw > 0 and c.battery_energy_mwh > 0
        assert c.band_rms_mw < 0.01 * cases["none"].band_rms_mw
    # The floor shrinks what the battery must carry.
    assert cases["all"].battery_power_mw < cases["site-battery"].battery_power_mw


def test_moving_average_slope_bound() -> None:
    rng = np.random.default_rng(3)
    load = rng.uniform(0, 100e6, 5000)
    grid = battery_grid_w(load, 0.02, 5e6)
    assert np.abs(np.diff(grid)).max() / 0.02 <= 5e6 * (1 + 1e-9)


def test_failures_drop_the_job_to_idle_and_follow_a_poisson_rate(catalog) -> None:
    inputs = swing_inputs(catalog, catalog.system("gb200-nvl72"), 200_000, 1.2, duration_s=600)
    expected = inputs.failures_per_accelerator_hour * inputs.accelerators * 600 / 3600
    counts = [
        len(job_schedule(replace(inputs, seed=s), np.random.default_rng(s)).failure_times_s)
        for s in range(200)
    ]
    # Poisson: the mean of 200 draws is within 4 standard errors of the rate.
    assert abs(np.mean(counts) - expected) < 4 * np.sqrt(expected / 200)
    schedule = job_schedule(inputs, np.random.default_rng(1))
    it = it_power_trace_w(inputs, schedule, inputs.power_floor_share)
    if len(schedule.failure_times_s):
        down = ~schedule.running
        idle_w = inputs.accelerators * (inputs.idle_w + inputs.host_w)
        assert np.allclose(it[down], idle_w)  # the floor does not hold while restarting


def test_seed_reproducibility(catalog) -> None:
    """The seed fixes the failure schedule: the same seed gives the same analysis, built from
    fresh inputs; other seeds give other failure times."""
    system = catalog.system("gb200-nvl72")
    inputs = swing_inputs(catalog, system, 100_000, 1.2, seed=7)
    assert analyse_swings(inputs) == analyse_swings(
        swing_inputs(catalog, system, 100_000, 1.2, seed=7)
    )
    times = [
        tuple(job_schedule(inputs, np.random.default_rng(seed)).failure_times_s)
        for seed in range(5)
    ]
    assert all(times)  # 100,000 accelerators fail several times an hour
    assert len(set(times)) == len(times)


@pytest.mark.parametrize("pue", [1.0, 1.2, 1.5])
def test_cooling_does_not_follow_the_swings(catalog, pue) -> None:
    """Facility minus IT power (cooling) is the same at every instant, whatever the IT trace
    does, and zero at PUE 1."""
    inputs = swing_inputs(catalog, catalog.system("gb200-nvl72"), 100_000, pue, seed=7)
    it_w = it_power_trace_w(inputs, job_schedule(inputs, np.random.default_rng(7)))
    assert np.ptp(it_w) > 0
    cooling_w = facility_trace_w(inputs, it_w) - it_w
    assert np.ptp(cooling_w) <= 1e-9 * cooling_w.max(initial=1.0)
    assert (cooling_w[0] == 0) == (pue == 1.0)
    assert facility_trace_w(inputs, np.zeros(3)).min() >= 0


# --- mitigations against their published figures ----------------------------------------------


@pytest.fixture(scope="module")
def gb300(catalog):
    """A GB300 NVL72 job with no failures or checkpoints inside a 60 s window."""
    base = swing_inputs(catalog, catalog.system("gb300-nvl72"), N, 1.2, duration_s=60.0)
    return replace(base, failures_per_accelerator_hour=0.0, checkpoint_interval_s=1e9)


@pytest.mark.parametrize("spike_s", [0.001, 0.005, 0.02, 0.1])
def test_rack_storage_reaches_nvidias_30_percent_only_on_short_spikes(
    catalog, gb300, spike_s
) -> None:
    """NVIDIA (GB300 NVL72 power smoothing, Jul 2025): rack storage (about 65 J per GPU) cuts
    peak grid demand "by up to 30%". The low-pass of tau = E / (TDP - idle) lifts a steady
    70 %-of-TDP draw spiking to TDP for d seconds only to 0.7 + 0.3 (1 - exp(-d / tau)) of
    TDP: a cut of 0.3 exp(-d / tau) of the peak, within 2 % of the published 30 % for 1 ms
    spikes, and below it for longer ones (so the vendor's figure is a bound on spikes, not on
    the one-second step swing)."""
    published = energy_param(catalog, "gb300-power-smoothing-peak-reduction")
    dt = 0.001
    inputs = replace(gb300, resolution_s=dt)
    tau = rack_time_constant_s(inputs)
    assert tau == pytest.approx(65 / (1400 - 175))  # the catalog's 65 J over a GB300's swing
    steady = 1 - published
    load = np.full(2000, steady * inputs.tdp_w)
    spike = round(spike_s / dt)
    load[1000 : 1000 + spike] = inputs.tdp_w
    cut = 1 - rack_storage_w(inputs, load).max() / load.max()
    assert cut == pytest.approx(published * np.exp(-spike_s / tau), rel=1e-6)
    assert cut <= published
    if spike_s <= 0.001:
        assert cut == pytest.approx(published, rel=0.02)


def test_rack_storage_within_the_published_bound_on_a_training_job(catalog, gb300) -> None:
    """On a whole training job the storage cuts the grid peak by no more than the published
    "up to 30%", and spends no energy (lossless here): the window's energy differs only by
    what the store holds at its end, at most N x E."""
    published = energy_param(catalog, "gb300-power-smoothing-peak-reduction")
    rack = _cases(analyse_swings(gb300))["rack-storage"]
    assert 0 <= rack.peak_reduction_share <= published
    capacity_mwh = N * gb300.rack_storage_j_per_accelerator / 3.6e9
    assert abs(rack.extra_energy_mwh) <= capacity_mwh * gb300.pue


def test_site_battery_for_one_load_step_closed_form() -> None:
    """A load step of A held to a ramp limit r by the moving average: the grid takes W = A / r
    seconds to follow, the battery supplies A (1 - t / W): power A, energy A W / 2 = A^2 / 2r
    (the sizing a ramp limit sets, Choukse et al. 2025, arXiv 2508.14318, section on
    datacenter-level energy storage)."""
    dt, a_w, r_w_per_s = 0.02, 100e6, 2e6  # 100 MW step under a 2 MW/s limit: W = 50 s
    load = np.concatenate([np.full(10_000, 500e6), np.full(10_000, 500e6 + a_w)])
    grid = battery_grid_w(load, dt, r_w_per_s)
    battery = load - grid
    assert np.abs(np.diff(grid)).max() / dt <= r_w_per_s * (1 + 1e-9)
    assert battery.max() == pytest.approx(a_w, rel=1e-3)
    stored = np.cumsum(battery) * dt
    energy_j = stored.max() - min(stored.min(), 0.0)
    assert energy_j == pytest.approx(a_w**2 / (2 * r_w_per_s), rel=0.01)


def test_power_floor_energy_share_closed_form(steady) -> None:
    """The floor's extra energy over the job's: (1 - u)(f TDP - idle) / (mean IT + cooling)
    per accelerator (the energy cost Choukse et al. weigh against a smooth draw)."""
    f, u = steady.power_floor_share, steady.utilisation
    floor = _cases(analyse_swings(steady))["power-floor"]
    mean_it = accelerator_power_w(steady.tdp_w, steady.idle_w, u) + steady.host_w
    extra = (1 - u) * (f * steady.tdp_w - steady.idle_w)
    assert floor.extra_energy_share == pytest.approx(extra / (mean_it * steady.pue), rel=1e-3)
    assert floor.peak_reduction_share == pytest.approx(0.0, abs=1e-12)  # it lifts the troughs


@settings(max_examples=25, deadline=None)
@given(
    restart_s=st.floats(1.0, 300.0),
    extra_s=st.floats(0.0, 300.0),
    seed=st.integers(0, 1000),
)
def test_longer_restarts_never_compute_more(catalog, restart_s, extra_s, seed) -> None:
    """Same failures (same seed), longer restarts: never more time computing, and never more
    than the step's busy share."""
    base = swing_inputs(
        catalog, catalog.system("gb200-nvl72"), 50_000, 1.2, duration_s=600.0, seed=seed
    )
    short = replace(base, restart_s=restart_s)
    long = replace(base, restart_s=restart_s + extra_s)
    a = analyse_swings(short).compute_time_share
    b = analyse_swings(long).compute_time_share
    assert b <= a + 1e-12
    assert a <= base.utilisation + base.resolution_s / base.step_period_s


def test_busy_level_from_the_training_draw(catalog, steady) -> None:
    """footprint.training_waveform: at the catalog's load u0 = 0.7 the calibrated accelerator
    part of an H100 (0.682 x 1,400 W = 955 W in all; min(955, 90 + 0.7 x 610) = 517 W for
    the chip) puts the compute phase at TDP, and one step averages the energy stage's draw."""
    assert steady.busy_level_w == pytest.approx(steady.tdp_w)
    assert steady.training_draw_w == pytest.approx(0.68216 * 1_400)
    per_acc = accelerator_power_w(steady.busy_level_w, steady.idle_w, steady.utilisation)
    assert per_acc + steady.host_w == pytest.approx(steady.training_draw_w)


def test_the_default_job_is_the_reliability_models_job(catalog) -> None:
    """Without an operating point the traced job still takes its interruptions, checkpoint and
    restart costs from the reliability seams the operating point uses (`job_curve`: failures by
    cause at node or rack scope, rack failures and planned stops), not a per-accelerator sum of
    its own: the trace equals that of a job built from `job_curve` by hand, sample for sample."""
    from gigawatt.reliability import default_plan
    from gigawatt.reliability.job import job_curve
    from gigawatt.units import S_PER_DAY, S_PER_H

    system = catalog.system("gb200-nvl72")
    n = 100_000
    failure = catalog.failure_model(system.failure_model)
    plan = default_plan(catalog, system)
    curve = job_curve([n], 30 * S_PER_DAY, failure, system, plan)
    by_hand = SwingJob(
        accelerators=n,
        source="catalog-defaults",
        policy=plan.policy.id,
        step_period_s=energy_param(catalog, "swing-step-period-s"),
        step_compute_share=energy_param(catalog, "training-utilisation"),
        checkpoint_s=float(curve.checkpoint_s[0]),
        checkpoint_interval_s=energy_param(catalog, "swing-checkpoint-interval-s"),
        restart_s=float(curve.restart_s[0]),
        interruptions_per_s=float(curve.failure_per_s[0] + curve.planned_per_s[0]),
    )
    default = swing_inputs(catalog, system, n, 1.2, seed=7)
    assert analyse_swings(default) == analyse_swings(
        swing_inputs(catalog, system, n, 1.2, job=by_hand, seed=7)
    )
    # The rack failures and planned stops the old per-accelerator sum left out.
    assert default.interruptions_per_s > failure.rate_per_accelerator_hour * n / S_PER_H * 1.2


def test_checkpoints_fall_between_steps_and_the_steps_resume_after_them(steady) -> None:
    """A save every k whole steps starts where a step would (a framework saves between steps)
    and delays the next step rather than cutting it: every step keeps its full compute
    phase, so the compute share is u x tau / (tau + c) of the time."""
    step, c, k = steady.step_period_s, 0.5, 3
    inputs = replace(
        steady, checkpoint_interval_s=k * step, checkpoint_s=c, duration_s=600.0, resolution_s=0.01
    )
    schedule = job_schedule(inputs, np.random.default_rng(0))
    dt = inputs.resolution_s
    # the first save starts after k steps: k compute phases, then c of nothing
    first = schedule.t_s < k * step
    on = schedule.compute[first].sum() * dt
    assert on == pytest.approx(k * inputs.utilisation * step, abs=2 * k * dt)
    in_save = (schedule.t_s >= k * step + dt) & (schedule.t_s < k * step + c - dt)
    assert not schedule.compute[in_save].any()
    share = inputs.utilisation * (k * step) / (k * step + c)
    assert schedule.compute.mean() == pytest.approx(share, abs=0.01)


def test_default_ramp_limit_is_the_share_of_the_site_power_given(catalog) -> None:
    """Without a site the job is the site (the limit is a share of its own facility power);
    with one, the limit is the same share of the site's power, whatever the job's size."""
    from gigawatt.energy.params import energy_param

    share = energy_param(catalog, "grid-ramp-limit-share-per-s")
    system = catalog.system("gb200-nvl72")
    alone = swing_inputs(catalog, system, 10_000, 1.2, duration_s=600)
    on_site = swing_inputs(catalog, system, 10_000, 1.2, duration_s=600, site_power_w=1e9)
    assert on_site.ramp_limit_w_per_s == pytest.approx(share * 1e9, rel=1e-12)
    assert alone.ramp_limit_w_per_s < on_site.ramp_limit_w_per_s
    given = swing_inputs(
        catalog, system, 10_000, 1.2, duration_s=600, site_power_w=1e9, ramp_limit_mw_per_s=0.5
    )
    assert given.ramp_limit_w_per_s == pytest.approx(0.5e6)
