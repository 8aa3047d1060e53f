"""Reliability against published failure figures.

`data/reliability.csv` is a verbatim copy of the project's validation table
(shared/validation/reliability.csv): job MTTF versus job size from Kokolis et al. 2025 (its
`kind` column says which figures were measured and which were projected from the node failure
rate), OPT-175B's restart count and BLOOM's GPU failures per week. Llama 3's interruption counts
come from Dubey et al. 2024 (arXiv 2407.21783), section 3.3.4 and Table 5.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from gigawatt.catalog import Catalog
from gigawatt.reliability import JobFootprint, burn_in_factor, job_rates, job_reliability

DATA = Path(__file__).parent / "data" / "reliability.csv"
with DATA.open(newline="", encoding="utf-8") as f:
    ROWS = {r["id"]: r for r in csv.DictReader(f)}
CAT = Catalog.load()
A100_NODE = CAT.system("dgx-a100")  # 8 A100 per node, as on RSC, OPT's Azure and Jean Zay
HOUR = 3600.0
DAY = 86400.0


def _mttf_h(model_id: str, gpus: int) -> float:
    rates = job_rates(CAT.failure_model(model_id), JobFootprint.of(gpus, A100_NODE))
    return 1.0 / rates.failure_per_s / HOUR


def _half_unit(value: str) -> float:
    """Half a unit of the last printed digit of a published figure ("0.23" -> 0.005)."""
    decimals = len(value.split(".")[1]) if "." in value else 0
    return 0.5 * 10.0**-decimals


@pytest.mark.parametrize("row_id", ["KOK-16384", "KOK-131072"])
def test_kokolis_projections_follow_from_the_node_rate(row_id):
    """Projected rows: MTTF = 1 / (N_nodes r_f) with r_f = 6.50 per 1000 node-days. Our
    node-scope a100-rsc1 model reproduces them to the published rounding (1.8 h: +-0.05;
    0.23 h: +-0.005; ours 1.803 h and 0.2254 h)."""
    row = ROWS[row_id]
    assert row["kind"].startswith("projected")
    predicted = _mttf_h("a100-rsc1", int(row["gpus"]))
    assert abs(predicted - float(row["value"])) <= _half_unit(row["value"])


@pytest.mark.parametrize("row_id", ["KOK-8", "KOK-1024"])
def test_kokolis_measured_points_need_a_job_scope_process(row_id):
    """Measured rows are far below what the hardware rate predicts (3,692 h vs 1,144.8 h at
    8 GPUs; 28.8 h vs 7.9 h at 1,024): research-cluster jobs also fail for software and user
    reasons. Adding one job-scope process, linear in size (a100-rsc1-jobs, fitted to both
    points), explains them. Tolerance 10 %: a one-parameter fit to two points leaves -6.0 % and
    +6.4 %; 10 % allows that misfit and would catch a wrong scope or a mis-fitted rate."""
    row = ROWS[row_id]
    assert row["kind"] == "measured"
    gpus, measured = int(row["gpus"]), float(row["value"])
    hardware_only = _mttf_h("a100-rsc1", gpus)
    assert hardware_only > 3.0 * measured  # the discrepancy the paper's own r_f shows
    with_jobs = _mttf_h("a100-rsc1-jobs", gpus)
    assert with_jobs == pytest.approx(measured, rel=0.10)


def test_job_scope_rate_is_the_fit_of_the_measured_points():
    """The catalog's job-scope rate is the least-squares fit (in log MTTF) of the two measured
    rows: total per GPU-hour = 1 / sqrt(MTTF_8 x 8 x MTTF_1024 x 1024) (geometric mean)."""
    m8, m1024 = float(ROWS["KOK-8"]["value"]), float(ROWS["KOK-1024"]["value"])
    total = 1.0 / math.sqrt(m8 * 8 * m1024 * 1024)
    fm = CAT.failure_model("a100-rsc1-jobs")
    hardware = CAT.failure_model("a100-rsc1").rate_per_accelerator_hour
    job = sum(c.rate_per_accelerator_hour for c in fm.causes if c.scope == "job")
    assert job == pytest.approx(total - hardware, rel=1e-3)


def test_opt_175b_restarts():
    """OPT-175B: "at least 35 manual restarts ... 70+ automatic restarts due to hardware
    failures" over about 60 days on 992 A100 (>= 105). Expected hardware interruptions over
    that window at the opt-2021 rate: 992 GPUs = 124 nodes x 8 x 8.0e-5 / GPU-h x 1,440 h =
    114.3. Lower bound: the published 105. Upper bound: the logbook's "~2 machines go down
    every day" caps hardware restarts at about 120 in 60 days (each machine failure at most one
    restart); we allow 126 (+5 %) for the rate's own rounding."""
    row = ROWS["OPT"]
    rates = job_rates(CAT.failure_model("opt-2021"), JobFootprint.of(int(row["gpus"]), A100_NODE))
    expected = rates.failure_per_s * float(row["days"]) * DAY
    assert float(row["value"]) <= expected <= 126


def test_bloom_gpu_failures_per_week_on_a_new_cluster():
    """BLOOM-176B on 384 A100 of a new cluster: "on average we were getting 1-2 GPU failures a
    week" over 118 days. The h100-class GPU causes (die/NVLink, HBM, SRAM, GSP, SDC, thermal:
    1.27e-5 per GPU-h) give 0.82 per week on a mature fleet: below the range, as a new cluster
    should be. With the catalog's burn-in (x2 for the first 2 months, averaged over the 118
    days: x1.52) they give 1.24 per week, inside the published 1-2."""
    row = ROWS["BLOOM"]
    gpus, days = int(row["gpus"]), float(row["days"])
    fm = CAT.failure_model("h100-class")
    gpu_causes = {
        "gpu-die-nvlink", "hbm", "gpu-sram", "gsp-firmware",
        "silent-data-corruption", "thermal-interface-sensor",
    }  # fmt: skip
    footprint = JobFootprint.of(gpus, A100_NODE)

    def per_week(burn_in: float) -> float:
        rates = job_rates(fm, footprint, burn_in).failure_per_s_by_cause
        return sum(v for k, v in rates.items() if k in gpu_causes) * 7 * DAY

    assert per_week(1.0) < 1.0
    new = per_week(burn_in_factor(fm, 0.0, days * DAY))
    assert 1.0 <= new <= 2.0
    assert new == pytest.approx(float(row["value"]), rel=0.25)  # 1.5 = the range's middle


def test_llama3_interruptions_and_effective_training_time():
    """Llama 3 405B, 54-day snapshot on 16,384 H100: 419 unexpected and 47 planned
    interruptions; "higher than 90% effective training time". The h100-class rates are Table 5's
    counts rounded to 2-3 digits (their sum is 0.6 % above 419): tolerance 2 %; planned 0.87 per
    day x 54 = 47.0. Llama 3 publishes no checkpoint or restart costs; with the catalog's
    estimates (10 s blocking checkpoints, 10 min restarts) goodput lands at 0.90, and we require
    0.88-0.95 (the reported figure is a lower bound and the costs are estimates)."""
    fm = CAT.failure_model("h100-class")
    system = CAT.system("meta-h100-roce")
    rates = job_rates(fm, JobFootprint.of(16_384, system))
    window = 54 * DAY
    assert rates.failure_per_s * window == pytest.approx(419, rel=0.02)
    assert rates.planned_per_s * window == pytest.approx(47, abs=1)
    result = job_reliability(16_384, window, fm, system)
    assert 0.88 <= result.goodput <= 0.95
    assert result.job_mtbf_s / HOUR == pytest.approx(54 * 24 / 419, rel=0.02)  # 3.09 h
