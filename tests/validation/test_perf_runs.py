"""The performance model against published training runs (data/perf_runs.csv and
data/perf_runs_extra.csv; how each row maps to a plan is in perf_rows.py).

Tolerances, and why:
- 15 % on the step time of every row but T1-T3: the spread analytical models reach on such
  runs (Calculon: 3.65 % mean, 8.87 % max on four Selene runs with a hand-tuned system file;
  vTrain 8-15 %, Bang et al., MICRO '24), plus the uncertainty of the data (M-row
  micro-batches come from a transcription; N1's interleaving is assumed).
- 30 % on T1-T3 (MT-NLG production): Megatron-LM's own benchmark of the identical shape on
  the same machine (M9: 530B, TP8 PP35, Selene) reached 163 TFLOP/s per GPU, the production
  run 126 / 121 / 113 (23-31 % less per micro-batch) on DeepSpeed's pipeline engine. The
  model describes Megatron-LM's software, not that engine's overheads; instead of a factor
  fitted to absorb them, the T rows keep their honest error and a separate test checks what
  the model does claim for them: how the step time scales from 2,240 to 3,360 GPUs.
- median 5 % over all rows, fitted and held out alike.
"""

from __future__ import annotations

import statistics

import pytest
from perf_rows import FIT_ROWS, load_rows

from gigawatt.catalog import Catalog
from gigawatt.perf import estimate
from gigawatt.perf.workload import Workload

TOLERANCE = 0.15
DEEPSPEED_ENGINE_ROWS = {"T1", "T2", "T3"}
DEEPSPEED_TOLERANCE = 0.30
MEDIAN_TOLERANCE = 0.05


@pytest.fixture(scope="module")
def rows():
    return {r.id: r for r in load_rows(Catalog.load())}


@pytest.fixture(scope="module")
def predicted(rows):
    cat = Catalog.load()
    return {
        rid: estimate(r.model, r.system, r.gpus, r.plan, catalog=cat) for rid, r in rows.items()
    }


def _error(rows, predicted, rid: str) -> float:
    return predicted[rid].step_time_s / rows[rid].published_step_s - 1


def test_every_row_is_checked(rows):
    assert len(rows) == 24
    assert set(FIT_ROWS["ampere"]) | set(FIT_ROWS["hopper"]) < set(rows)


def test_fitted_rows_are_the_catalogs():
    """The rows held out here are the ones the catalog says it was not fitted on."""
    fitted = {c.id: c.fitted_on for c in Catalog.load().all("calibrations") if c.fitted_on}
    assert fitted == FIT_ROWS


@pytest.mark.parametrize(
    "rid",
    [f"M{i}" for i in range(1, 11)]
    + [f"K{i}" for i in range(1, 6)]
    + ["T1", "T2", "T3", "N1", "P1", "D1", "D2", "D3", "D4"],
)
def test_step_time_within_tolerance(rows, predicted, rid):
    tolerance = DEEPSPEED_TOLERANCE if rid in DEEPSPEED_ENGINE_ROWS else TOLERANCE
    error = _error(rows, predicted, rid)
    assert abs(error) <= tolerance, f"{rid}: {error:+.1%} (tolerance {tolerance:.0%})"


def test_median_error(rows, predicted):
    errors = [abs(_error(rows, predicted, rid)) for rid in rows]
    assert statistics.median(errors) <= MEDIAN_TOLERANCE


def test_held_out_rows_as_good_as_fitted(rows, predicted):
    """The calibration generalises: rows it was not fitted on are within the same band."""
    fitted = set(FIT_ROWS["ampere"]) | set(FIT_ROWS["hopper"])
    held = [
        abs(_error(rows, predicted, rid))
        for rid in rows
        if rid not in fitted and rid not in DEEPSPEED_ENGINE_ROWS
    ]
    assert len(held) == 15
    assert statistics.median(held) <= MEDIAN_TOLERANCE
    assert max(held) <= TOLERANCE


def test_mt_nlg_scaling_with_data_parallelism(rows, predicted):
    """From DP 8 to 10 to 12 at a fixed batch the step shrinks as published (within 5 %):
    fewer micro-batches per pipeline, the same bubble, a little more DP communication."""
    for a, b in (("T1", "T2"), ("T2", "T3"), ("T1", "T3")):
        published = rows[a].published_step_s / rows[b].published_step_s
        model = predicted[a].step_time_s / predicted[b].step_time_s
        assert model == pytest.approx(published, rel=0.05), (a, b)


def test_published_runs_fit_in_memory(rows, predicted):
    """Runs that were trained fit the model's memory estimate (NeMo 2024 benchmarks at
    DP 2 (D1, D3) excepted: the Korthikanti activation counts and fp32 gradients are
    conservative for that software, see README)."""
    for rid, result in predicted.items():
        if rid[0] != "D":
            assert result.fits, f"{rid}: {result.memory_gib_per_gpu:.1f} GiB"


# --- FLOP conventions ---------------------------------------------------------------------


def _megatron_hfu_flops_per_token(r) -> float:
    """Narayanan et al. 2021 eq. 3 per token: 96 l h^2 (1 + s/6h + V/16lh)."""
    s, n_layers, h, v = (float(r.raw[k]) for k in ("seq_len", "layers", "hidden", "vocab"))
    return 96 * n_layers * h**2 * (1 + s / (6 * h) + v / (16 * n_layers * h))


def test_megatron_formula_is_model_plus_full_recompute(rows):
    """Our PaLM-convention FLOPs plus full-recompute FLOPs are Megatron's 96-coefficient
    count exactly for GPT shapes (no biases or norms counted by either)."""
    for rid in ("M1", "M10", "T1"):
        w = Workload.from_model(rows[rid].model)
        ours = w.model_flops_per_token + w.recompute_flops_per_token("full", False)
        assert ours == pytest.approx(_megatron_hfu_flops_per_token(rows[rid]), rel=1e-12)


def test_korthikanti_mfu_convention(rows):
    """Korthikanti et al. 2022 MFU (72 B s l h^2 (1 + s/6h + V/12lh)) is our `mfu`: from the
    published step times our FLOP count reproduces their published MFU to 1 %."""
    for rid in ("K1", "K2", "K3", "K4", "K5"):
        r = rows[rid]
        w = Workload.from_model(r.model)
        tokens = float(r.raw["global_batch_seqs"]) * w.seq_len
        mfu = w.model_flops_per_token * tokens / (r.published_step_s * r.gpus * 312e12)
        assert mfu == pytest.approx(float(r.raw["mfu"]), rel=0.01), rid


def test_palm_and_nemotron_mfu_convention(rows):
    """PaLM's 46.2 % (6N + 12LHQT, Chowdhery et al. 2022 App. B) and Nemotron-4's 41 % are
    reproduced from their published throughput with our convention (to 2 %)."""
    for rid, peak in (("P1", 275e12), ("N1", 989.4e12)):
        r = rows[rid]
        w = Workload.from_model(r.model)
        tokens_per_s = float(r.raw["global_batch_seqs"]) * w.seq_len / r.published_step_s
        mfu = w.model_flops_per_token * tokens_per_s / (r.gpus * peak)
        assert mfu == pytest.approx(float(r.raw["mfu"]), rel=0.02), rid


def test_reported_hfu_of_megatron_rows(rows, predicted):
    """Megatron Table 1's "% of peak" is HFU with full recompute: our predicted HFU is within
    the step-time tolerance of it."""
    for rid in (f"M{i}" for i in range(1, 11)):
        assert predicted[rid].hfu == pytest.approx(float(rows[rid].raw["hfu"]), rel=TOLERANCE)
