"""Power swings and their mitigations against the published figures (issue 16).

The paper: E. Choukse et al. (Microsoft, OpenAI, NVIDIA), "Power Stabilization for AI Training
Datacenters", arXiv 2508.14318v2 (21 Aug 2025), https://arxiv.org/abs/2508.14318. The vendor:
NVIDIA technical blog, "How New GB300 NVL72 Features Provide Steady Power for AI" (28 Jul 2025),
https://developer.nvidia.com/blog/how-new-gb300-nvl72-features-provide-steady-power-for-ai/.
Each test cites the section, figure or table it checks; docs/models/swings.md tabulates them
against the model and lists what is not reproduced.

`data/choukse2025_figures.csv` holds two curves read off the paper's vector drawings (the PDF's
plotted paths, axes calibrated on their tick marks, so no pixel reading): `fig1-power`, every
vertex of Fig. 1 (an at-scale training job on DGX-H100 racks, power normalised to 0-1 over
213 s), and `fig6-final`, Fig. 6's "Final GPU + MPF Power Draw" (that waveform under the
simulated power floor). Figures read off the drawings the same way are constants below.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gigawatt import app
from gigawatt.energy.params import energy_param
from gigawatt.energy.swings import (
    Schedule,
    analyse_swings,
    band_power,
    it_power_trace_w,
    job_schedule,
    rack_time_constant_s,
    swing_inputs,
)
from gigawatt.scenario import load_scenario
from gigawatt.simulate import simulate

DATA = Path(__file__).parent / "data" / "choukse2025_figures.csv"
SITE = "tx-abilene"  # the default scenario's first site
DT_S = 0.02  # the trace's resolution (swing-trace-resolution-s)

# Read off the paper's drawings (see the module docstring).
FIG6_FLOOR = 0.8  # the "MPF Floor" line on Fig. 6's normalised scale; the ceiling (TDP) is 1.0
FIG6_STEADY_S = (14.3, 191.8)  # the floor holds there; it ramps in before and out after
FIG3_SHARE_0_2_TO_3_HZ = 0.40  # of Fig. 3's squared FFT magnitude in 0.1-20 Hz
FIG7_CHARGE_PER_PEAK_S = 1.635  # % of the store per normalised rack-peak second absorbed
FIG7_CHARGE_START_END = (50.0, 52.7)  # % of the store, at 0 s and at 213 s
FIG7_EXTRA_DRAWN_PEAK_S = 1.67  # energy of the updated draw beyond the original's [peak x s]

# Stated in the paper's text.
FLOOR_SHARE_FIG6 = 0.9  # Sec. IV-B: "The floor was set to 90% of the TDP for this simulation"
FLOOR_OVERHEAD_FIG6 = 0.105  # Sec. IV-B: "a total energy overhead of 10.5%"
BAND_CAP_SHARE = 0.20  # Sec. III-A.2: "capped at 20% of total harmonic energy" in 0.1-20 Hz
SWING_BAND_HZ = (0.2, 3.0)  # Sec. III-A.2: "FFT energy concentrated between 0.2-3 Hz"
GB200_MAX_FLOOR = 0.9  # Sec. IV-B: "a maximum MPF of 90% of TDP"
GB200_MIN_EDP = 1.1  # Sec. IV-B: "a minimum EDP of 1.1x of TDP"
# NVIDIA, GB300 NVL72 power smoothing (Jul 2025): "reduce peak grid demand by up to 30%".
GB300_PEAK_CUT = 0.30


def _curve(name: str) -> tuple[np.ndarray, np.ndarray]:
    with DATA.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["curve"] == name]
    return (
        np.array([float(r["time_s"]) for r in rows]),
        np.array([float(r["power_normalized"]) for r in rows]),
    )


@pytest.fixture(scope="module")
def fig1() -> tuple[np.ndarray, np.ndarray]:
    """Fig. 1's waveform on the trace's 20 ms grid: (t [s], power on the 0-1 scale)."""
    t, p = _curve("fig1-power")
    grid = np.arange(0.0, t[-1], DT_S)
    return grid, np.interp(grid, t, p)


@pytest.fixture(scope="module")
def default(catalog) -> dict:
    return app.energy(swings=SITE, catalog=catalog).to_json()["swings"]


@pytest.fixture(scope="module")
def job(catalog, default):
    """The default analysis's job (the capability operating point) as the energy layer gets it."""
    results = simulate(load_scenario(app.DEFAULT_SCENARIO, catalog), catalog, until="capability")
    return results.capability.swing_job(default["month"], SITE)


def _cases(result: dict) -> dict[str, dict]:
    return {c["case"]: c for c in result["cases"]}


def _model_on_fig1(catalog, fig1, offset: float, floor_share: float, running: np.ndarray):
    """The model's trace function (it_power_trace_w) driven by Fig. 1's waveform as s(t), for
    one accelerator of TDP 1 whose zero on the figure's scale is `offset` x TDP (the paper
    does not publish it): P = offset + (1 - offset) s, floored at `floor_share` while
    `running`. Returns (unfloored, floored) power as shares of TDP."""
    t, s = fig1
    base = swing_inputs(catalog, catalog.system("gb200-nvl72"), 1, 1.0, duration_s=t[-1])
    inputs = replace(base, tdp_w=1.0, busy_w=None, idle_w=offset, host_w=0.0, resolution_s=DT_S)
    schedule = Schedule(t, s, running, np.array([]))
    return it_power_trace_w(inputs, schedule), it_power_trace_w(inputs, schedule, floor_share)


# --- the swing ----------------------------------------------------------------------------------


def test_swing_is_tens_of_megawatts_at_a_hundred_thousand_gpus(catalog) -> None:
    """Sec. II-C: "aggregate power consumption can oscillate by tens of megawatts within a
    single datacenter" (its ref. [20]: the 100k-GPU xAI Colossus cluster, H100). One step of
    100,000 H100 swings N (TDP - idle) = 100,000 x (700 - 90) W = 61 MW."""
    system = catalog.system("dgx-h100")
    inputs = swing_inputs(catalog, system, 100_000, 1.0, duration_s=10.0)
    quiet = replace(inputs, failures_per_accelerator_hour=0.0, checkpoint_interval_s=1e9)
    none = analyse_swings(quiet).cases[0]
    assert (inputs.tdp_w, inputs.idle_w) == (700, 90)  # the catalog's H100 SXM
    assert none.peak_to_peak_mw == pytest.approx(100_000 * (inputs.tdp_w - inputs.idle_w) / 1e6)
    assert 10 <= none.peak_to_peak_mw < 100


def test_default_job_swings_by_tens_to_hundreds_of_megawatts(default) -> None:
    """Sec. I: "At scale, these swings can amount to tens or hundreds of megawatts". The
    default job (57,528 Vera Rubin) swings 104 MW."""
    assert 10 <= _cases(default)["none"]["peak_to_peak_mw"] < 1000


def test_step_frequency_in_the_published_band(default) -> None:
    """Sec. III-A.2 and Fig. 3: the swing's FFT energy is concentrated between 0.2 and 3 Hz;
    Sec. II-C: swings "from once per second or less, to once every tens of seconds". The
    default job's step (2.2 s, one swing each) lies in that band."""
    low, high = SWING_BAND_HZ
    assert low <= 1 / default["step_period_s"] <= high


def test_band_metric_on_figure_1_matches_figure_3(fig1) -> None:
    """Fig. 3 is the FFT of Fig. 1's waveform: 0.40 of its squared magnitude in 0.1-20 Hz lies
    in 0.2-3 Hz. The model's band metric (band_power, Parseval on the one-sided spectrum) on
    the digitised Fig. 1 finds 0.43, within 0.05."""
    _, p = fig1
    in_band = band_power(p, DT_S, 0.1, 20.0)[0]
    swing_band = band_power(p, DT_S, *SWING_BAND_HZ)[0]
    assert swing_band / in_band == pytest.approx(FIG3_SHARE_0_2_TO_3_HZ, abs=0.05)


def test_twenty_percent_band_cap_example(default) -> None:
    """Sec. III-A.2's example spec: the spectral magnitude in 0.1-20 Hz capped at 20 % of the
    total. The unmitigated default job breaks it (87 %); the power floor (6 %) and the site
    battery (0 %) meet it; rack storage alone does not (86 %): Sec. IV-C, "Higher frequencies
    are easier to filter out, compared to the lower frequencies", and the capacitors' tens of
    milliseconds do not reach a 2.2 s step."""
    cases = _cases(default)
    assert cases["none"]["band_energy_share"] > BAND_CAP_SHARE
    assert cases["power-floor"]["band_energy_share"] < BAND_CAP_SHARE
    assert cases["site-battery"]["band_energy_share"] < BAND_CAP_SHARE
    assert cases["all"]["band_energy_share"] < BAND_CAP_SHARE
    assert cases["rack-storage"]["band_energy_share"] > BAND_CAP_SHARE


# --- power floor --------------------------------------------------------------------------------


def test_floor_default_is_the_gb200_maximum(catalog) -> None:
    """Sec. IV-B: GB200 power smoothing "only allows a maximum MPF of 90% of TDP", the value
    of the Fig. 6 simulation; the catalog's floor is that, as reported by the paper (the
    record is an estimate only for its project-chosen range)."""
    record = catalog.get("energy", "swing-power-floor-share")
    assert record.value == pytest.approx(FLOOR_SHARE_FIG6) and record.value <= GB200_MAX_FLOOR
    assert record.field_status["value"] == "reported" and "2508.14318" in record.source


def test_floor_leaves_a_dynamic_range_the_model_understates(catalog, default, job) -> None:
    """Sec. IV-B: a 90 % floor under an EDP of at least 1.1 x TDP leaves "at least 20% of the
    TDP as the dynamic range", so a utility's 10 % range on a 100 MW job "cannot be met with
    GPU power smoothing today". The model has no EDP peaks above the compute-phase draw P_busy
    and floors at 0.9 P_busy: its floored step swings by (1 - 0.9) P_busy per accelerator, 8.5 %
    of the default job's mean power, which would meet the 10 % example; adding the paper's
    0.1 x overshoot gives 15 %, which does not."""
    f = energy_param(catalog, "swing-power-floor-share")
    quiet = replace(job, interruptions_per_s=0.0, checkpoint_interval_s=1e9)
    system = catalog.system("vera-rubin-nvl72")
    inputs = swing_inputs(catalog, system, job.accelerators, 1.0, job=quiet, duration_s=30.0)
    floored = it_power_trace_w(inputs, job_schedule(inputs, np.random.default_rng(0)), f)
    model_range_w = float(np.ptp(floored))
    assert model_range_w == pytest.approx(job.accelerators * (1 - f) * inputs.busy_level_w)
    mean_w = _cases(default)["power-floor"]["mean_mw"] * 1e6
    assert model_range_w / mean_w < 0.10
    assert job.accelerators * (GB200_MIN_EDP - f) * inputs.busy_level_w / mean_w > 0.10


def test_floor_mechanism_against_figure_6(catalog, fig1) -> None:
    """Fig. 6 (StratoSim on Fig. 1's waveform): where the floor holds (14.3-191.8 s) the drawn
    final draw is the original lifted to the floor line. The model's floor, max(P, f P_TDP)
    with no engage latency (Sec. IV-B: the latencies "can be very small"), adds 15.75 % of
    the original's energy there; the drawing adds 15.78 %."""
    t, s = fig1
    steady = (t >= FIG6_STEADY_S[0]) & (t <= FIG6_STEADY_S[1])
    raw, floored = _model_on_fig1(catalog, fig1, 0.0, FIG6_FLOOR, steady)
    t6, p6 = _curve("fig6-final")
    drawn = np.interp(t, t6, p6)
    model_extra = (floored - raw)[steady].sum() / raw[steady].sum()
    drawn_extra = (drawn - s)[steady].sum() / s[steady].sum()
    assert model_extra == pytest.approx(drawn_extra, abs=0.005)
    assert model_extra == pytest.approx(0.1575, abs=0.002)


def test_floor_energy_overhead_brackets_the_published_ten_and_a_half_percent(catalog, fig1) -> None:
    """Sec. IV-B: the 90 %-of-TDP floor on Fig. 1's waveform costs "a total energy overhead of
    10.5%". The figure's scale is normalised and its zero unpublished: between 0 (the scale's
    zero is no power) and 0.5 x TDP (which puts the 0.9 x TDP floor at 0.8 on the scale, where
    Fig. 6 draws it) the model's floor, held where Fig. 6 holds it, costs 5.7-14.4 % over the
    213 s, and the drawn Fig. 6 6.0-15.1 %: both bracket 10.5 %, neither pins it. Held over
    the whole 213 s with the zero at 0.5 x TDP, the model gives 10.49 %: one reading that
    reproduces the figure, not shown to be the paper's."""
    t, _ = fig1
    steady = (t >= FIG6_STEADY_S[0]) & (t <= FIG6_STEADY_S[1])
    t6, p6 = _curve("fig6-final")
    drawn = np.interp(t, t6, p6)
    zero_at_half = 1 - (1 - FLOOR_SHARE_FIG6) / (1 - FIG6_FLOOR)  # 0.9 TDP drawn at 0.8
    assert zero_at_half == pytest.approx(0.5)
    model, figure = [], []
    for offset, floor in ((0.0, FIG6_FLOOR), (zero_at_half, FLOOR_SHARE_FIG6)):
        raw, floored = _model_on_fig1(catalog, fig1, offset, floor, steady)
        model.append((floored - raw).sum() / raw.sum())
        figure.append(((offset + (1 - offset) * drawn) - raw).sum() / raw.sum())
        # The gap is Fig. 6's ramp of the floor in and out, which the model does not draw.
        assert model[-1] == pytest.approx(figure[-1], abs=0.01)
    assert min(model) < FLOOR_OVERHEAD_FIG6 < max(model)
    assert min(figure) < FLOOR_OVERHEAD_FIG6 < max(figure)
    raw, floored = _model_on_fig1(
        catalog, fig1, zero_at_half, FLOOR_SHARE_FIG6, np.ones(len(t), dtype=bool)
    )
    whole = (floored - raw).sum() / raw.sum()
    assert whole == pytest.approx(FLOOR_OVERHEAD_FIG6, abs=0.003)
    # docs/models/swings.md ("Not reproduced") quotes both readings at the zero of 0.5 TDP
    page = " ".join((Path(__file__).parents[2] / "docs/models/swings.md").read_text().split())
    assert (
        f"held for the whole 213 s, the model gives {100 * whole:.2f} %; Fig. 6 ramps the floor "
        f"in and out, and held only where the figure holds it the model gives "
        f"{100 * model[1]:.1f} %." in page
    )


def test_floor_costs_energy_storage_does_not(default) -> None:
    """Table I: energy cost "High" for the software and GPU smoothing, "Low" for rack-level
    storage; Sec. IV-C: "An energy-storage solution does not waste energy". The default job's
    floor costs more energy (docs/models/swings.md quotes how much); rack storage and the site
    battery nothing (the model's stores are lossless: only what the store holds at the window's
    end)."""
    cases = _cases(default)
    assert cases["power-floor"]["extra_energy_share"] > 0.01
    assert abs(cases["rack-storage"]["extra_energy_share"]) < 1e-4
    assert cases["site-battery"]["extra_energy_share"] == 0.0


# --- energy storage ---------------------------------------------------------------------------


def test_figure_7_storage_is_lossless_and_about_a_minute_of_peak(catalog) -> None:
    """Fig. 7 (rack storage on Fig. 1's waveform): the drawn charge is linear in the energy
    the store absorbed, 1.635 % per normalised rack-peak second, a store of about 61 s of the
    rack's peak; it ends 2.7 points above where it began, which is the 1.67 peak-seconds the
    updated draw takes beyond the original: nothing is lost (Sec. IV-C), as in the model's
    lossless stores. A GB300 rack's capacitors (the catalog's 65 J per GPU, NVIDIA Jul 2025)
    carry the GPU's swing for tau = E / (TDP - idle) = 53 ms: over 500 times less than Fig.
    7's store even if the figure's zero is half of peak, so the model's rack storage smooths
    edges, not steps (the 20 % band test above)."""
    capacity_peak_s = 100.0 / FIG7_CHARGE_PER_PEAK_S
    assert capacity_peak_s == pytest.approx(61, abs=1)
    gained_peak_s = (FIG7_CHARGE_START_END[1] - FIG7_CHARGE_START_END[0]) / 100 * capacity_peak_s
    assert gained_peak_s == pytest.approx(FIG7_EXTRA_DRAWN_PEAK_S, rel=0.03)
    system = catalog.system("gb300-nvl72")
    tau_s = rack_time_constant_s(swing_inputs(catalog, system, 72, 1.0, duration_s=10.0))
    assert tau_s == pytest.approx(65 / (1400 - 175))
    assert tau_s * 500 < 0.5 * capacity_peak_s


def test_rack_storage_within_the_vendors_bound(catalog, default) -> None:
    """NVIDIA (GB300 NVL72 power smoothing, Jul 2025): rack storage cuts peak grid demand "by
    up to 30%". The default job's rack-storage case cuts the grid peak by no more than that
    (its storage smooths edges: the ramp falls, by the figures docs/models/swings.md quotes),
    and the catalog's bound is the vendor's figure."""
    assert energy_param(catalog, "gb300-power-smoothing-peak-reduction") == GB300_PEAK_CUT
    cases = _cases(default)
    assert 0 <= cases["rack-storage"]["peak_reduction_share"] <= GB300_PEAK_CUT
    assert cases["rack-storage"]["max_ramp_mw_per_s"] < cases["none"]["max_ramp_mw_per_s"]
