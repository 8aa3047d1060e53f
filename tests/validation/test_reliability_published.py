"""Reliability against published failure and goodput figures.

`data/reliability.csv` holds the project's validation table (shared/validation/reliability.csv,
its first six rows, verbatim): job MTTF versus job size from Kokolis et al. 2025 (its `kind`
column says which figures were measured and which were projected from the node failure rate),
OPT-175B's restart count and BLOOM's GPU failures per week; then three independent checks added
here, each row naming its source: GPU failures on a 504-GPU B200 cluster (arXiv:2605.09370),
NCSA Delta's A100/H100 memory-error ratio (arXiv:2503.11901) and Meta's effective training time
of synchronous training on O(100K) GPUs (arXiv:2602.00277). The other published figures are
cited in each test: Llama 3 (Dubey et al. 2024, section 3.3.4 and Table 5), MegaScale (Jiang et
al., NSDI '24), ByteRobust (Wan et al., SOSP '25), Gemini (Gemini Team 2023) and BLOOM's
checkpointing (Bekman, stas00/ml-engineering). Each says which inputs are published and which
are the catalog's estimates; none of these figures was used to fit a rate or a cost except where
a test says so.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from gigawatt.catalog import Catalog
from gigawatt.reliability import (
    RecoveryPlan,
    burn_in_factor,
    interruptions,
    job_curve,
    job_reliability,
    monte_carlo,
)

DATA = Path(__file__).parent / "data" / "reliability.csv"
with DATA.open(newline="", encoding="utf-8") as f:
    ROWS = {r["id"]: r for r in csv.DictReader(f)}
CAT = Catalog.load()
A100_NODE = CAT.system("dgx-a100")  # 8 A100 per node, as on RSC, OPT's Azure and Jean Zay
HOUR = 3600.0
DAY = 86400.0


def _failure_per_s(model_id: str, gpus: int, system=A100_NODE, burn_in: float = 1.0) -> float:
    return float(interruptions(CAT.failure_model(model_id), system, gpus, burn_in).failure_per_s)


def _mttf_h(model_id: str, gpus: int) -> float:
    return 1.0 / _failure_per_s(model_id, gpus) / HOUR


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
    expected = _failure_per_s("opt-2021", int(row["gpus"])) * float(row["days"]) * DAY
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

    def per_week(burn_in: float) -> float:
        by_cause = interruptions(fm, A100_NODE, gpus, burn_in).by_cause
        return sum(float(v) for k, v in by_cause.items() if k in gpu_causes) * 7 * DAY

    assert per_week(1.0) < 1.0
    new = per_week(burn_in_factor(fm, 0.0, days * DAY))
    assert 1.0 <= new <= 2.0
    assert new == pytest.approx(float(row["value"]), rel=0.25)  # 1.5 = the range's middle


def plan(system: str, policy: str, model: str = "llama3-405b", params: float = 405e9):
    return RecoveryPlan.of(CAT, CAT.system(system), model, params, policy)


def test_llama3_interruptions_and_effective_training_time():
    """Llama 3 405B (Dubey et al. 2024, arXiv:2407.21783, section 3.3.4 and Table 5): in a
    54-day snapshot of pre-training on 16,384 H100, 419 unexpected and 47 planned
    interruptions, and "higher than 90% effective training time"; every failure restarted the
    whole job, automatically.

    The 54 days are wall-clock time, so the failure-free compute they held is 54 days x
    goodput (the model's D, `--days`, is compute time). Interruptions: the h100-class rates
    are Table 5's counts rounded to 2-3 digits (0.5 % above 419), planned 0.87 per day x 54:
    tolerance 10 % (the issue's), and we also require the rounding's 1 %. Goodput with the
    policy Meta describes (meta-llama3-2024: checkpoints to Tectonic at its sustained 2 TB/s,
    automated whole-job restarts; its restart time is an estimate, as the paper gives none):
    above 0.90 and below 0.97 (no published run reaches more with whole-job restarts)."""
    fm = CAT.failure_model("h100-class")
    system = CAT.system("meta-h100-roce")
    pl = plan("meta-h100-roce", "meta-llama3-2024")
    window = 54 * DAY
    first = job_reliability(16_384, window, fm, system, pl)
    result = job_reliability(16_384, window * first.goodput, fm, system, pl)
    assert result.wall_time_s == pytest.approx(window, rel=0.01)
    failures = result.failure_per_s * window
    assert failures == pytest.approx(419, rel=0.10)
    assert failures == pytest.approx(419, rel=0.01)
    assert result.planned_per_s * window == pytest.approx(47, abs=1)
    assert 0.90 < result.goodput < 0.97
    assert result.job_mtbf_s / HOUR == pytest.approx(54 * 24 / 419, rel=0.02)  # 3.09 h
    # the Monte Carlo of the same job agrees (2 %)
    mc = monte_carlo(result, 400, np.random.default_rng(3))
    assert mc.goodput.mean() == pytest.approx(result.goodput, rel=0.02)
    assert mc.failures.mean() == pytest.approx(419, rel=0.10)


def test_llama3_bounds_the_restart_cost():
    """What ">90%" allows: with Tectonic checkpoints and the rates of Table 5, goodput stays
    above 0.90 for a fixed restart part up to about 12.5 min, inside Meta RSC's u0 of 5-20 min
    (Kokolis et al. 2025), and the catalog's 300 s sits at its low end. Checked both ways so
    that a change of rates or checkpoint model that moves the bound is seen."""
    fm = CAT.failure_model("h100-class")
    system = CAT.system("meta-h100-roce")
    base = plan("meta-h100-roce", "meta-llama3-2024")

    def goodput(restart_fixed_s: float) -> float:
        pol = base.policy.model_copy(update={"restart_fixed_s": restart_fixed_s})
        p = RecoveryPlan(pol, base.tier, base.checkpoint_bytes, base.model)
        return job_reliability(16_384, 54 * DAY * 0.9, fm, system, p).goodput

    assert goodput(5 * 60) > 0.93
    assert goodput(12 * 60) > 0.90 > goodput(14 * 60)
    assert goodput(20 * 60) < 0.88


def megascale_job():
    """MegaScale's production job as the model sees it: 12,288 GPUs on DGX A100-class nodes
    (the paper's cluster is of NVIDIA Ampere GPUs, 8 per node), the 175B model, the
    megascale-2024 policy, 3 weeks of wall-clock time (the low end of "several weeks"; 0.93
    of it compute, about the goodput found). Shared with tools/model_docs.py's table."""
    system = CAT.system("dgx-a100")
    fm = CAT.failure_model(system.failure_model)
    pl = plan("dgx-a100", "megascale-2024", "gpt3-175b", 175e9)
    return job_reliability(12_288, 21 * DAY * 0.93, fm, system, pl)


def test_megascale_restarts_and_effective_training_time():
    """MegaScale (Jiang et al., NSDI '24, arXiv:2402.15627, sections 4 and 6; not its Table 2,
    whose Megatron-LM baseline rows are held out): a production run on more than 10,000
    Ampere GPUs over several weeks had more than 100 restarts and over 90 % effective
    training time; detection plus diagnosis under 10 minutes, initialisation under 30 s at
    more than 10,000 GPUs, checkpoints to host memory in seconds, and training "catches up"
    within 15 minutes of a failure. On dgx-a100 (whose failure model is h100-class: no
    published A100 rates at this scale; MegaScale's own rates are not published, so this
    checks the policy's effect with those rates, not a reproduction).

    The policy was built from the same section (R0 = the 10-minute bound, init = 30 s at
    12,288), so those two are fits; the restart count, the effective training time and the
    catch-up are checks. "Catches up" is read as the wall-clock time a failure costs: the
    restart plus the redone work since the last durable checkpoint, from the closed form as
    (T_w - failure-free wall time) / failures."""
    r = megascale_job()
    assert r.system == "dgx-a100" and CAT.system("dgx-a100").accelerator.startswith("a100")
    assert r.failure_per_s * 21 * DAY > 100
    assert r.goodput > 0.90
    assert float(r.curve.recovery.init_s[0]) <= 30.0  # fit: the policy's anchor
    failure_free = r.duration_s * (1 + r.checkpoint_s / r.interval_s)
    failure_free += r.planned_expected * r.restart_s  # planned stops restart but lose nothing
    per_failure_s = (r.wall_time_s - failure_free) / r.failures_expected
    assert r.restart_s < per_failure_s < 15 * 60
    # the Monte Carlo's timelines lose the same per failure (5 %: 300 trials of ~120 failures)
    mc = monte_carlo(r, 300, np.random.default_rng(11))
    lost = (mc.wall_time_s - r.duration_s * (1 + r.checkpoint_s / r.interval_s)) - (
        mc.planned * r.restart_s
    )
    assert float(lost.sum() / mc.failures.sum()) == pytest.approx(per_failure_s, rel=0.05)


def test_byterobust_ettr_on_9600_gpus():
    """ByteRobust (Wan et al., SOSP '25, arXiv:2509.16293, abstract and section 7): 97 % ETTR
    for a three-month job on 9,600 GPUs, with every-step in-memory checkpoints and warm
    standbys (the in-memory-hot-spare policy). Not published: the job's failure rates and
    model (we use Llama 3's H100 rates and the 405B reference). The model leaves out what
    ByteRobust also counts (manual restarts for code and data changes, 17.3 % of its incidents;
    hangs found by timeout; MFU declines), so 97 % is a lower bound for it: we require
    0.97-0.99."""
    fm = CAT.failure_model("h100-class")
    system = CAT.system("dgx-h100")
    r = job_reliability(9_600, 90 * DAY * 0.97, fm, system, plan("dgx-h100", "in-memory"))
    assert 0.97 <= r.goodput <= 0.99


def test_gemini_in_memory_copies_raise_goodput_from_85_to_97_percent():
    """Gemini (Gemini Team, arXiv:2312.11805, section 3): "redundant in-memory copies of the
    model state" instead of "periodic checkpointing of weights to persistent cluster storage"
    raised the largest job's goodput from 85 % to 97 %. Not published: chip count, failure
    rates, costs. So we check the size of the gain: on TPU v4 pods at H100-class rates, at the
    job size where synchronous checkpoints to storage with requeues give 85 % (found by
    interpolation in log size), the in-memory hot-spare policy gives 97 % +- 2 points."""
    system = CAT.system("tpu-v4-pod")
    fm = CAT.failure_model(system.failure_model)
    sizes = np.unique(np.round(2.0 ** np.linspace(12, 17, 81) / 64) * 64)
    params = 540e9  # PaLM-540B, Google's largest published dense model of that era

    def curve(policy: str) -> np.ndarray:
        return job_curve(sizes, 60 * DAY, fm, system, plan("tpu-v4-pod", policy, "x", params))

    sync, memory = curve("sync-checkpoint-requeue").goodput, curve("in-memory").goodput
    at = np.interp(0.85, sync[::-1], np.log(sizes)[::-1])  # sync goodput falls with size
    assert memory[np.argmin(np.abs(np.log(sizes) - at))] == pytest.approx(0.97, abs=0.02)


def test_bloom_checkpoint_cost_and_lost_work_per_crash():
    """BLOOM-176B on 384 A100 (Bekman, stas00/ml-engineering "training/fault-tolerance"; Hugging
    Face blog, Jul 2022): a checkpoint every 3 h (100 iterations); "on average we would lose
    1.5h of training on hardware crash"; 720 checkpoints of 40 s took about 8 h, 0.37 % of
    training. The 40 s is the jean-zay-gpfs-2022 tier's calibration (2.3 TB on 384 GPUs),
    checked here as an identity, not a validation. What the model adds: the work a failure
    loses at a 3-hour interval, from the Monte Carlo's accounting (wall time less compute,
    checkpoints and restarts, per failure), against the published 1.5 h (tolerance 3 %: for
    Poisson failures the exact mean is w/2 - lambda w^2/12, 0.3 % below w/2 here, and 3,000
    trials hold about 33,000 failures, a sampling error near 0.5 %)."""
    system = CAT.system("dgx-a100").model_copy(update={"storage_tier": "jean-zay-gpfs-2022"})
    # BLOOM reports no planned stops; Llama 3's (0.87 a day) would save work between
    # checkpoints and so shorten what a crash loses, which is not what BLOOM describes
    fm = CAT.failure_model("h100-class").model_copy(update={"planned_per_job_day": 0.0})
    # the published 2.3 TB checkpoint, as the parameters that make it at 14 bytes each
    pl = RecoveryPlan.of(CAT, system, "bloom-176b", 2.3e12 / 14, "sync")
    r = job_reliability(384, 60 * DAY, fm, system, pl, interval_s=3 * HOUR)
    assert r.checkpoint_s == pytest.approx(40.0, rel=0.005)  # the tier's 3-digit rounding
    assert r.checkpoint_s / r.interval_s == pytest.approx(0.0037, abs=0.0001)
    mc = monte_carlo(r, 3000, np.random.default_rng(5))
    checkpoints = r.duration_s / r.interval_s * r.checkpoint_s
    lost = mc.wall_time_s - r.duration_s - checkpoints - mc.interruptions * r.restart_s
    per_failure = lost.sum() / mc.failures.sum()
    assert per_failure / HOUR == pytest.approx(1.5, rel=0.03)


# Garwood's exact 95 % interval for a Poisson count of 10: chi2(0.025, 20) / 2 and
# chi2(0.975, 22) / 2 (scipy.stats.chi2.ppf gives 4.7954 and 18.3904)
POISSON_10_95 = (4.7954, 18.3904)
GPU_CATEGORIES = ("gpu", "hbm")


def b200_gpu_failures(failure_model: str | None = None, burn_in: float = 1.0) -> float:
    """Expected GPU failures (categories gpu and hbm) on 504 B200 over 55 days."""
    row = ROWS["B200-504"]
    system = CAT.system("dgx-b200")
    fm = CAT.failure_model(failure_model or system.failure_model)
    gpus, days = int(row["gpus"]), float(row["days"])
    category = {c.cause: c.category for c in fm.causes}
    by_cause = interruptions(fm, system, gpus, burn_in).by_cause
    per_s = sum(float(v) for k, v in by_cause.items() if category.get(k) in GPU_CATEGORIES)
    return per_s * days * DAY


def test_b200_gpu_failures_on_504_gpus():
    """Lablup Inc. et al., "From Detection to Recovery: Operational Analysis on LLM Pre-training
    with 504 GPUs", arXiv:2605.09370 (May 2026), abstract: 10 XID-identified GPU failures in 55
    days of monitoring data on a 63-node B200 HGX cluster (504 GPUs). No rate was fitted to it
    (the gb200-class note cites it only as a consistency point).

    Model, same inputs: the catalog's dgx-b200 system (failure model h100-class), its
    GPU-category and HBM causes (die/NVLink, HBM, SRAM, GSP, SDC, thermal) on 504 GPUs for 55
    days, a mature fleet (the report does not give the fleet's age): 8.45. Tolerance: the
    exact 95 % Poisson interval of the published count, 4.80-18.39. gb200-class (HBM scaled to
    192 GB) gives 11.6, also inside; burn-in x2 would give 16.9 and 23.2 (the latter outside)."""
    assert int(ROWS["B200-504"]["value"]) == 10
    low, high = POISSON_10_95
    assert low <= b200_gpu_failures() <= high
    assert low <= b200_gpu_failures("gb200-class") <= high


def delta_memory_ratio() -> float:
    """The model's per-GPU memory-failure (HBM) rate of H100 over A100: the failure models the
    catalog gives dgx-h100 and dgx-a100."""

    def hbm(system_id: str) -> float:
        fm = CAT.failure_model(CAT.system(system_id).failure_model)
        return sum(c.rate_per_accelerator_hour for c in fm.causes if c.category == "hbm")

    return hbm("dgx-h100") / hbm("dgx-a100")


@pytest.mark.xfail(
    strict=True,
    reason="model miss, kept as a check (not refitted): A100 systems use the h100-class HBM rate, "
    "so the model's H100/A100 memory-failure ratio is 1.0 against Delta's 3.2",
)
def test_delta_h100_memory_errors_against_a100():
    """Cui et al., "Characterizing GPU Resilience and Impact on AI/HPC Systems" (published at
    SC '25 as "Story of Two GPUs"), arXiv:2503.11901 v3 (Jun 2025), abstract: on NCSA Delta
    (1,056 A100 and H100, 2.5 years, 11.7M GPU-hours) H100 has "3.2x lower per-GPU MTBE for
    memory errors" than A100, and GPU errors frequently end user jobs. Model, same inputs: the
    ratio of the HBM rates of the failure models the catalog gives dgx-h100 and dgx-a100.
    Tolerance +-25 % (a ratio of two counted rates printed to two digits). The model gives 1.0
    (both use h100-class): a miss, reported in docs/models/reliability.md, not refitted. This
    test is marked xfail(strict): once the model gives A100 its own memory rate and passes, the
    mark must go."""
    assert delta_memory_ratio() == pytest.approx(float(ROWS["DELTA-MEM"]["value"]), rel=0.25)


def _meta_100k_goodput(rate_scale: float = 1.0, interval_s: float | None = None) -> float:
    """The model's goodput for Meta's synchronous job at O(100K) GPUs: 100,000 GPUs on
    dgx-h100, h100-class rates x `rate_scale`, the default policy's checkpoint costs, a 600 s
    restart (the published 10-minute stall), 30 days, Daly's interval unless given."""
    system = CAT.system("dgx-h100")
    fm = CAT.failure_model(system.failure_model)
    causes = [
        c.model_copy(update={"rate_per_accelerator_hour": c.rate_per_accelerator_hour * rate_scale})
        for c in fm.causes
    ]
    fm = fm.model_copy(update={"causes": causes})
    pl = plan("dgx-h100", "default")
    r = job_reliability(100_000, 30 * DAY, fm, system, pl, restart_s=600, interval_s=interval_s)
    return r.goodput


def test_meta_synchronous_training_on_100k_gpus():
    """Salpekar et al. (Meta), "Training LLMs with Fault Tolerant HSDP on 100,000 GPUs",
    arXiv:2602.00277 v1 (30 Jan 2026), abstract: in Meta's experience on O(100K) GPUs, fully
    synchronous training stalls 10 minutes per failure recovery and reaches 44 % effective
    training time (80 % with FT-HSDP, which restarts only the failed data-parallel replica: no
    catalog policy does that, so that figure is not modelled). The abstract gives neither the
    failure rate nor the checkpoint interval, and effective training time counts losses the
    model's goodput leaves out, so the model's goodput is an upper bound on it (no rate was
    fitted on it). Model: h100-class rates on 100,000 GPUs with a 600 s restart give 0.70 at
    Daly's interval, 0.26 above. Reaching 0.44 takes either every h100-class rate x2.35 (a job
    MTBF of 12.9 minutes instead of 30) or a checkpoint interval of 27 minutes (so that each
    failure also redoes about 14 minutes of work); docs/models/reliability.md section 5 says so.
    Tolerance: 0.005 on goodput (the published figure has two digits)."""
    published = float(ROWS["META-100K"]["value"])
    assert int(ROWS["META-100K"]["gpus"]) == 100_000 and published == 0.44
    modelled = _meta_100k_goodput()
    assert modelled >= published
    assert modelled == pytest.approx(0.70, abs=0.005)
    assert _meta_100k_goodput(rate_scale=2.35) == pytest.approx(published, abs=0.005)
    assert _meta_100k_goodput(interval_s=27.3 * 60) == pytest.approx(published, abs=0.005)
