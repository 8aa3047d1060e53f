"""Power swings of a synchronous training job at the grid connection, and their mitigation
(docs/models/swings.md).

The parameterisation after Choukse et al. 2025 (arXiv 2508.14318, Sec. II-C and Fig. 3):

    P_IT(t) = N [P_idle + (P_busy - P_idle) s(t) + P_host]                               [W]

P_busy, P_idle and P_host come from `footprint.training_waveform`, so both stages count one
per-accelerator power model: P_host and the mean over a training step are the energy stage's
calibrated training draw, and P_busy (at most P_TDP) is the compute-phase level that gives that
mean at the step's busy share u. Checkpoints and restarts idle the accelerators, so the trace's
mean is below the draw by N (P_busy - P_idle)(u - s_bar), s_bar its share of time computing.
s(t) is 1 in each step's busy phase (the first u x T of a step of period T) and 0 in its
exposed communication and pipeline bubbles, 0 during a blocking checkpoint (`checkpoint_s`
every `checkpoint_interval_s`) and 0 while the job restarts after an interruption (Poisson
arrivals at the job's rate, lasting `restart_s`). The job (`SwingJob`: size, step period and
busy share from the perf breakdown, the fault-tolerance policy's costs at that size) comes as
plain data from a layer above, the capability model's operating point; without one the
catalog's swing defaults and the default policy apply. The trace spans `trace_window_s`, long
enough for several interruptions. One step swings by N (P_busy - P_idle) in one sample, so its
ramp is that over the resolution. Cooling follows slowly, so the facility adds a constant
(PUE - 1) x the expected mean IT power. A job whose restart outlasts its mean time between
interruptions restarts more than it trains and is not traced (`no_progress_reason`).
Mitigations, each checked against a ramp-rate limit [MW/s]:

- power floor (GPU firmware, or burn kernels in software): P_acc >= f P_busy while the job
  runs; it burns (f P_busy - P_idle) in each low phase;
- rack storage (GB300 NVL72 power smoothing, NVIDIA Jul 2025): E joules per accelerator as a
  first-order low-pass, tau = E / (P_busy - P_idle);
- site battery: the grid draws a moving average of the load over W = swing / limit seconds (its
  slope is then at most swing / W = limit); the battery supplies the difference;
- all three together.

Metrics per case: peak, minimum and peak-to-peak power [MW], the largest ramp between samples
[MW/s], the share of the fluctuation's spectral energy in the grid's critical band (0.1-20 Hz)
and its RMS there [MW], the extra energy against no mitigation [MWh] and its share, the cut of
the grid's peak, and the battery's power [MW] and energy [MWh].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import System
from gigawatt.energy.footprint import (
    TrainingWaveform,
    accelerator_power_w,
    training_waveform,
)
from gigawatt.energy.params import energy_param
from gigawatt.reliability import default_plan
from gigawatt.reliability.recovery import interruptions
from gigawatt.units import S_PER_H, W_PER_MW


@dataclass(frozen=True)
class SwingJob:
    """The job whose power is traced, as a layer above decides it (plain data): the capability
    model's operating point at the site and month, or the user's overrides of it.

    `step_compute_share` is the busy share of one training step (compute, recompute and the
    optimizer over the step time of the perf model's breakdown; the rest is exposed
    communication and pipeline bubbles), `interruptions_per_s` the job's failures and planned
    stops, and the checkpoint and restart costs those of its fault-tolerance policy at its size.
    """

    accelerators: int
    source: str
    policy: str
    step_period_s: float
    step_compute_share: float
    checkpoint_s: float
    checkpoint_interval_s: float
    restart_s: float
    interruptions_per_s: float
    goodput: float | None = None
    mfu: float | None = None
    plan: dict[str, Any] | None = None
    group_accelerators: int | None = None
    operating_accelerators: int | None = None
    step_source: str = "catalog-defaults"  # or "perf-breakdown"


@dataclass(frozen=True)
class SwingInputs:
    """A synchronous job at a site: hardware, schedule and grid limit (SI units)."""

    accelerators: int
    tdp_w: float
    idle_w: float
    host_w: float
    pue: float
    utilisation: float
    step_period_s: float
    checkpoint_interval_s: float
    checkpoint_s: float
    restart_s: float
    failures_per_accelerator_hour: float
    duration_s: float
    resolution_s: float
    power_floor_share: float
    rack_storage_j_per_accelerator: float
    ramp_limit_w_per_s: float
    band_low_hz: float
    band_high_hz: float
    seed: int = 0
    # The compute-phase draw [W]; None: the chip's TDP (inputs built by hand).
    busy_w: float | None = None
    # The energy stage's training draw per accelerator and its source, when from the catalog.
    training_draw_w: float | None = None
    power_source: str = "given"

    @property
    def busy_level_w(self) -> float:
        """P_busy, the accelerator's draw in a step's compute phase [W]."""
        return self.tdp_w if self.busy_w is None else self.busy_w

    @property
    def expected_compute_share(self) -> float:
        """The trace's expected share of time computing (`expected_compute_share`)."""
        return expected_compute_share(
            self.utilisation,
            self.checkpoint_s,
            self.checkpoint_interval_s,
            self.interruptions_per_s,
            self.restart_s,
        )

    @property
    def mean_it_w_per_accelerator(self) -> float:
        """The trace's expected mean IT draw per accelerator [W]: P_idle + s (P_busy - P_idle)
        + P_host at the expected compute share s; the energy stage's training draw when the
        inputs come from the catalog and P_busy is not capped at TDP."""
        return float(
            accelerator_power_w(self.busy_level_w, self.idle_w, self.expected_compute_share)
            + self.host_w
        )

    @property
    def interruptions_per_s(self) -> float:
        """The job's interruption rate [1/s]: every accelerator's failures, since any one
        stops a synchronous job."""
        return self.failures_per_accelerator_hour * self.accelerators / S_PER_H

    @property
    def mtbf_s(self) -> float:
        """The job's mean time between interruptions [s] (inf without any)."""
        rate = self.interruptions_per_s
        return float("inf") if rate <= 0 else 1.0 / rate


def trace_window_s(catalog: Catalog, interruptions_per_s: float) -> float:
    """The trace's length: long enough for `swing-window-interruptions` expected failures,
    within [`swing-window-min-s`, `swing-window-max-s`] (the cap bounds the samples)."""
    low = energy_param(catalog, "swing-window-min-s")
    high = energy_param(catalog, "swing-window-max-s")
    if interruptions_per_s <= 0:
        return low
    wanted = energy_param(catalog, "swing-window-interruptions") / interruptions_per_s
    return float(np.clip(wanted, low, high))


def no_progress_reason(inputs: SwingInputs) -> str | None:
    """Why the job is not traced (None if it is): a restart that lasts at least the mean time
    between interruptions M. A restart completes only when no interruption falls within it
    (probability e^{-R/M} for Poisson arrivals), so the job runs e^{-R/M} <= 1/e of the time
    and restarts the rest (Daly 2006: the expected wall time grows as e^{R/M}); its trace
    describes restarts, not training."""
    if inputs.restart_s >= inputs.mtbf_s:
        restarting = 1.0 - float(np.exp(-inputs.restart_s / inputs.mtbf_s))
        return (
            f"each restart ({inputs.restart_s:,.0f} s) lasts at least the mean time between "
            f"interruptions of {inputs.accelerators:,} accelerators ({inputs.mtbf_s:,.0f} s), "
            f"so the next interruption cuts most restarts short and the job spends "
            f"{restarting:.0%} of its time restarting"
        )
    return None


def default_swing_job(catalog: Catalog, system: System, accelerators: int) -> SwingJob:
    """The job traced when no operating point is given: `accelerators` of `system` with the
    catalog's swing defaults for the step (`swing-step-period-s`, busy share
    `training-utilisation`) and the checkpoint interval (`swing-checkpoint-interval-s`), and the
    reliability model's seams for the rest, as the operating point counts them: the default
    fault-tolerance policy's checkpoint and restart costs at that size
    (`reliability.default_plan`) and the job's interruptions, failures by cause at their
    node or rack scope plus planned stops (`reliability.recovery.interruptions`)."""
    n = np.array([float(accelerators)])
    plan = default_plan(catalog, system)
    costs = plan.costs(system, n)
    failure = catalog.failure_model(system.failure_model or "h100-class")
    ints = interruptions(failure, system, n)
    return SwingJob(
        accelerators=int(accelerators),
        source="catalog-defaults",
        policy=plan.policy.id,
        step_period_s=energy_param(catalog, "swing-step-period-s"),
        step_compute_share=energy_param(catalog, "training-utilisation"),
        checkpoint_s=float(costs.checkpoint_s[0]),
        checkpoint_interval_s=energy_param(catalog, "swing-checkpoint-interval-s"),
        restart_s=float(costs.restart_s[0]),
        interruptions_per_s=float(ints.failure_per_s[0] + ints.planned_per_s[0]),
    )


def swing_inputs(
    catalog: Catalog,
    system: System,
    accelerators: int,
    pue: float,
    *,
    job: SwingJob | None = None,
    duration_s: float | None = None,
    ramp_limit_mw_per_s: float | None = None,
    seed: int = 0,
    site_power_w: float | None = None,
) -> SwingInputs:
    """Inputs from the catalog: the system's power, and the job's schedule from `job` (the
    operating point a layer above computed) or, without it, `default_swing_job`.
    `duration_s` None: `trace_window_s`. Without `ramp_limit_mw_per_s` the limit is the
    catalog's `grid-ramp-limit-share-per-s` of the site's rated facility power `site_power_w`
    [W] (the interconnection the limit is written for, "10 MW/min for a 150 MW site"), or of
    the job's own facility power when no site is given (the job is the whole site)."""
    acc = catalog.accelerator(system.accelerator)
    if job is None:
        job = default_swing_job(catalog, system, accelerators)
    accelerators, rate_per_s = job.accelerators, job.interruptions_per_s
    u, step_s, interval_s = job.step_compute_share, job.step_period_s, job.checkpoint_interval_s
    checkpoint_s, restart_s = job.checkpoint_s, job.restart_s
    levels = training_waveform(catalog, system, acc, u)
    mean_it_w = accelerators * levels.mean_w
    if ramp_limit_mw_per_s is None:
        # The cited limit is a share of the site's power per second: the site's connection,
        # not the one job on it (which may be a small part of the site).
        base_w = float(mean_it_w) * pue if site_power_w is None else site_power_w
        limit_w = energy_param(catalog, "grid-ramp-limit-share-per-s") * base_w
    else:
        limit_w = ramp_limit_mw_per_s * W_PER_MW
    return SwingInputs(
        accelerators=accelerators,
        tdp_w=acc.tdp_w,
        idle_w=levels.idle_w,
        host_w=levels.host_w,
        pue=pue,
        utilisation=u,
        step_period_s=step_s,
        checkpoint_interval_s=interval_s,
        checkpoint_s=checkpoint_s,
        restart_s=restart_s,
        failures_per_accelerator_hour=rate_per_s * S_PER_H / accelerators,
        duration_s=trace_window_s(catalog, rate_per_s) if duration_s is None else duration_s,
        resolution_s=energy_param(catalog, "swing-trace-resolution-s"),
        power_floor_share=energy_param(catalog, "swing-power-floor-share"),
        rack_storage_j_per_accelerator=energy_param(
            catalog, "swing-rack-storage-j-per-accelerator"
        ),
        ramp_limit_w_per_s=limit_w,
        band_low_hz=energy_param(catalog, "grid-band-low-hz"),
        band_high_hz=energy_param(catalog, "grid-band-high-hz"),
        seed=seed,
        busy_w=levels.busy_w,
        training_draw_w=levels.draw.total_w,
        power_source=_power_source(levels),
    )


def expected_compute_share(
    busy_share: float,
    checkpoint_s: float,
    checkpoint_interval_s: float,
    interruptions_per_s: float,
    restart_s: float,
) -> float:
    """The trace's expected share of time computing: u (1 - c / tau) e^{-lambda R}.

    u is the step's busy share; a blocking checkpoint of c every tau pauses c / tau of the
    time; a sample is restarting when an interruption fell within the last R seconds, which
    for Poisson arrivals at rate lambda has probability 1 - e^{-lambda R}.
    """
    pause = min(checkpoint_s / checkpoint_interval_s, 1.0) if checkpoint_interval_s > 0 else 0.0
    running = float(np.exp(-max(interruptions_per_s, 0.0) * restart_s))
    return busy_share * (1.0 - pause) * running


def _power_source(levels: TrainingWaveform) -> str:
    capped = levels.mean_w < levels.draw.total_w * (1.0 - 1e-9)
    note = " (capped at TDP: the mean falls short of the draw)" if capped else ""
    return (
        f"training draw {levels.draw.total_w:,.0f} W per accelerator ({levels.draw.source}); "
        f"compute phase {levels.busy_w:,.0f} W, low phase {levels.idle_w:,.0f} W, "
        f"host {levels.host_w:,.0f} W at {levels.compute_share:.1%} expected compute share" + note
    )


# --- the trace ----------------------------------------------------------------------------------


def _interval_mask(t_s: np.ndarray, starts_s: np.ndarray, length_s: float) -> np.ndarray:
    """True where t falls in any [start, start + length) (intervals may overlap)."""
    if len(starts_s) == 0:
        return np.zeros(len(t_s), dtype=bool)
    begun = np.searchsorted(np.sort(starts_s), t_s, side="right")
    ended = np.searchsorted(np.sort(starts_s + length_s), t_s, side="right")
    return begun > ended


@dataclass(frozen=True)
class Schedule:
    """A job's timeline on the trace's samples."""

    t_s: np.ndarray
    compute: np.ndarray  # s(t): 1 in a compute phase, else 0
    running: np.ndarray  # False while restarting after a failure
    failure_times_s: np.ndarray


def job_schedule(inputs: SwingInputs, rng: np.random.Generator) -> Schedule:
    """Each step's compute phase, blocking checkpoints between steps, and restarts after
    failures.

    A checkpoint follows every `checkpoint_interval_s` of stepping (a framework saves between
    steps: `reliability.job.whole_step_interval`) and the steps resume after it, so the step
    phase runs on the time spent outside checkpoints: with an interval of whole steps each
    save falls at a step boundary. Restarts idle the accelerators over the phase (their
    position within a step is random)."""
    t = np.arange(0.0, inputs.duration_s, inputs.resolution_s)
    # Each sample stands for [t, t + dt): test its midpoint, away from the phase boundaries.
    mid = t + inputs.resolution_s / 2
    tau, c = inputs.checkpoint_interval_s, inputs.checkpoint_s
    checkpoints = np.arange(tau, inputs.duration_s, tau + c)
    saved = np.searchsorted(checkpoints + c, mid, side="right")  # checkpoints over by mid
    stepping = mid - saved * c
    in_compute = (stepping % inputs.step_period_s) < inputs.utilisation * inputs.step_period_s
    rate_per_s = inputs.failures_per_accelerator_hour * inputs.accelerators / S_PER_H
    count = rng.poisson(rate_per_s * inputs.duration_s)
    failures = np.sort(rng.uniform(0, inputs.duration_s, count))
    running = ~_interval_mask(t, failures, inputs.restart_s)
    paused = _interval_mask(t, checkpoints, inputs.checkpoint_s) | ~running
    return Schedule(t, np.where(paused, 0.0, in_compute.astype(float)), running, failures)


def it_power_trace_w(
    inputs: SwingInputs, schedule: Schedule, floor_share: float = 0.0
) -> np.ndarray:
    """P_IT(t) = N [max(P_idle + (P_busy - P_idle) s, f P_busy) + P_host] [W].

    The floor holds only while the job runs: after a failure the GPUs fall to idle. It is a
    share of the job's compute-phase draw (a floor above it would raise the compute phase too);
    the GB200 firmware's ceiling of 90 % of TDP (Choukse et al. 2025, IV-B) bounds f.
    """
    busy_w = inputs.busy_level_w
    per_acc = accelerator_power_w(busy_w, inputs.idle_w, schedule.compute)
    floor_w = np.where(schedule.running, floor_share * busy_w, 0.0)
    return inputs.accelerators * (np.maximum(per_acc, floor_w) + inputs.host_w)


def facility_trace_w(inputs: SwingInputs, it_w: np.ndarray) -> np.ndarray:
    """Grid-side power: IT power plus cooling at (PUE - 1) x the job's expected mean IT power
    (the energy stage's training draw when the inputs come from the catalog) [W]."""
    mean_it = inputs.accelerators * inputs.mean_it_w_per_accelerator
    return it_w + (inputs.pue - 1.0) * mean_it


# --- mitigations ----------------------------------------------------------------------------------


def rack_time_constant_s(inputs: SwingInputs) -> float:
    """tau = E / (P_busy - P_idle) [s]: how long the rack store can carry one accelerator's
    whole swing (65 J over a GB300's swing is a few tens of ms)."""
    return inputs.rack_storage_j_per_accelerator / max(inputs.busy_level_w - inputs.idle_w, 1e-9)


def rack_storage_w(inputs: SwingInputs, it_w: np.ndarray) -> np.ndarray:
    """First-order low-pass of the IT draw by rack energy storage, tau = E / (P_busy - P_idle)."""
    tau_s = rack_time_constant_s(inputs)
    if tau_s <= 0:
        return it_w
    alpha = 1.0 - np.exp(-inputs.resolution_s / tau_s)
    return pd.Series(it_w).ewm(alpha=alpha, adjust=False).mean().to_numpy()


def battery_grid_w(load_w: np.ndarray, resolution_s: float, limit_w_per_s: float) -> np.ndarray:
    """Grid draw when a site battery holds the ramp rate to `limit`: a trailing moving average.

    Over a window of W = (max - min) / limit seconds the average's slope is at most
    (max - min) / W = limit. Before the trace the site is taken at its mean draw. A window
    longer than the trace is summed in closed form (a limit near zero made it a padding array
    of exabytes); a limit of zero holds the draw at its mean, the average's limit as W grows.
    """
    swing = float(load_w.max() - load_w.min())
    mean = float(load_w.mean())
    if swing == 0.0:
        return load_w.copy()
    if limit_w_per_s <= 0.0:
        return np.full(len(load_w), mean)
    samples = np.ceil(swing / limit_w_per_s / resolution_s)
    if not np.isfinite(samples):
        return np.full(len(load_w), mean)
    if samples > len(load_w):  # every average reaches back before the trace: W - 1 - j means
        head = np.arange(len(load_w), dtype=float)
        return ((samples - 1.0 - head) * mean + np.cumsum(load_w)) / samples
    window = max(int(samples), 1)
    padded = np.concatenate([np.full(window, mean), load_w])
    csum = np.concatenate([[0.0], np.cumsum(padded)])
    return ((csum[window:] - csum[:-window]) / window)[1:]


# --- metrics ----------------------------------------------------------------------------------


def band_power(
    power_w: np.ndarray, resolution_s: float, low_hz: float, high_hz: float
) -> tuple[float, float]:
    """(share of the fluctuation's spectral energy in [low, high] Hz, its RMS there [W]).

    Parseval on the one-sided spectrum of the mean-removed signal: the variance is
    (2 / n^2) sum_k |X_k|^2 over positive frequencies (the Nyquist bin counts once).
    """
    n = len(power_w)
    spectrum = np.abs(np.fft.rfft(power_w - power_w.mean())) ** 2
    weight = np.full(len(spectrum), 2.0)
    weight[0] = 0.0  # the mean
    if n % 2 == 0:
        weight[-1] = 1.0
    variance = weight * spectrum / (n * n)
    freq = np.fft.rfftfreq(n, d=resolution_s)
    in_band = variance[(freq >= low_hz) & (freq <= high_hz)].sum()
    total = variance.sum()
    return (float(in_band / total) if total > 0 else 0.0), float(np.sqrt(in_band))


@dataclass(frozen=True)
class CaseMetrics:
    case: str
    mean_mw: float
    peak_mw: float
    min_mw: float
    peak_to_peak_mw: float
    max_ramp_mw_per_s: float
    band_energy_share: float
    band_rms_mw: float
    extra_energy_mwh: float
    extra_energy_share: float
    peak_reduction_share: float
    battery_power_mw: float
    battery_energy_mwh: float
    meets_ramp_limit: bool


def _metrics(
    case: str,
    inputs: SwingInputs,
    load_w: np.ndarray,
    baseline_w: np.ndarray,
    grid_w: np.ndarray | None = None,
) -> CaseMetrics:
    """Metrics of the grid draw; `grid_w` differs from the site's load only with a battery."""
    dt = inputs.resolution_s
    battery_w = None if grid_w is None else load_w - grid_w
    grid_w = load_w if grid_w is None else grid_w
    ramp = float(np.abs(np.diff(grid_w)).max() / dt) if len(grid_w) > 1 else 0.0
    if battery_w is None:
        b_power = b_energy = 0.0
    else:
        stored_j = np.cumsum(battery_w) * dt
        b_power = float(np.abs(battery_w).max()) / W_PER_MW
        b_energy = float(stored_j.max() - min(stored_j.min(), 0.0)) / (W_PER_MW * S_PER_H)
    share, rms_w = band_power(grid_w, dt, inputs.band_low_hz, inputs.band_high_hz)
    # Float rounding in the moving average must not fail a limit met by construction.
    tolerance = 1e-9 * max(float(grid_w.max()), 1.0) / dt
    # Extra energy: a lossless store returns what it takes, to float rounding (not "-0").
    extra_j = float((load_w - baseline_w).sum())
    base_j = float(baseline_w.sum())
    extra_j = 0.0 if abs(extra_j) <= 1e-12 * abs(base_j) else extra_j
    return CaseMetrics(
        case=case,
        mean_mw=float(grid_w.mean()) / W_PER_MW,
        peak_mw=float(grid_w.max()) / W_PER_MW,
        min_mw=float(grid_w.min()) / W_PER_MW,
        peak_to_peak_mw=float(grid_w.max() - grid_w.min()) / W_PER_MW,
        max_ramp_mw_per_s=ramp / W_PER_MW,
        band_energy_share=share,
        band_rms_mw=rms_w / W_PER_MW,
        extra_energy_mwh=extra_j * dt / (W_PER_MW * S_PER_H),
        extra_energy_share=extra_j / base_j,
        peak_reduction_share=1.0 - float(grid_w.max() / baseline_w.max()),
        battery_power_mw=b_power,
        battery_energy_mwh=b_energy,
        meets_ramp_limit=ramp <= inputs.ramp_limit_w_per_s + tolerance,
    )


@dataclass(frozen=True)
class SwingResult:
    """The trace's summary and each mitigation's metrics (`to_dict()` for JSON)."""

    accelerators: int
    duration_s: float
    resolution_s: float
    step_period_s: float
    utilisation: float
    failures: int
    compute_time_share: float
    job_mtbf_s: float | None
    interruptions_expected: float
    checkpoint_interval_s: float
    checkpoint_s: float
    restart_s: float
    ramp_limit_mw_per_s: float
    power_floor_share: float
    rack_storage_j_per_accelerator: float
    rack_storage_time_constant_s: float
    cases: list[CaseMetrics]
    busy_power_w_per_accelerator: float = 0.0
    idle_power_w_per_accelerator: float = 0.0
    host_power_w_per_accelerator: float = 0.0
    training_draw_w_per_accelerator: float | None = None
    power_source: str = "given"
    #: The site's PUE: cooling is held at (PUE - 1) x the mean IT draw in every trace.
    pue: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def analyse_swings(inputs: SwingInputs) -> SwingResult:
    """Simulate the job's trace and evaluate each mitigation against the ramp-rate limit."""
    rng = np.random.default_rng(inputs.seed)
    schedule = job_schedule(inputs, rng)
    dt = inputs.resolution_s
    raw_it = it_power_trace_w(inputs, schedule)
    floored_it = it_power_trace_w(inputs, schedule, inputs.power_floor_share)
    none = facility_trace_w(inputs, raw_it)
    floor = facility_trace_w(inputs, floored_it)
    rack = facility_trace_w(inputs, rack_storage_w(inputs, raw_it))
    battery = battery_grid_w(none, dt, inputs.ramp_limit_w_per_s)
    stacked_load = facility_trace_w(inputs, rack_storage_w(inputs, floored_it))
    stacked = battery_grid_w(stacked_load, dt, inputs.ramp_limit_w_per_s)
    cases = [
        _metrics("none", inputs, none, none),
        _metrics("power-floor", inputs, floor, none),
        _metrics("rack-storage", inputs, rack, none),
        _metrics("site-battery", inputs, none, none, battery),
        _metrics("all", inputs, stacked_load, none, stacked),
    ]
    return SwingResult(
        accelerators=inputs.accelerators,
        duration_s=inputs.duration_s,
        resolution_s=dt,
        step_period_s=inputs.step_period_s,
        utilisation=inputs.utilisation,
        failures=len(schedule.failure_times_s),
        compute_time_share=float(schedule.compute.mean()),
        job_mtbf_s=None if np.isinf(inputs.mtbf_s) else inputs.mtbf_s,
        interruptions_expected=inputs.interruptions_per_s * inputs.duration_s,
        checkpoint_interval_s=inputs.checkpoint_interval_s,
        checkpoint_s=inputs.checkpoint_s,
        restart_s=inputs.restart_s,
        ramp_limit_mw_per_s=inputs.ramp_limit_w_per_s / W_PER_MW,
        power_floor_share=inputs.power_floor_share,
        rack_storage_j_per_accelerator=inputs.rack_storage_j_per_accelerator,
        rack_storage_time_constant_s=rack_time_constant_s(inputs),
        cases=cases,
        busy_power_w_per_accelerator=inputs.busy_level_w,
        idle_power_w_per_accelerator=inputs.idle_w,
        host_power_w_per_accelerator=inputs.host_w,
        training_draw_w_per_accelerator=inputs.training_draw_w,
        power_source=inputs.power_source,
        pue=inputs.pue,
    )
