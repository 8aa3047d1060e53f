"""The `calibrations` and `frameworks` catalog kinds: one default, known accelerators and
frameworks, real fitted rows named in the sources."""

from __future__ import annotations

import csv
from pathlib import Path

from gigawatt.perf.plan import SOFTWARE_KNOBS

VALIDATION = Path(__file__).parents[1] / "validation" / "data"


def _row_ids() -> set[str]:
    ids = set()
    for name in ("perf_runs.csv", "perf_runs_extra.csv", "perf_runs_v2.csv"):
        with (VALIDATION / name).open(newline="", encoding="utf-8") as f:
            ids |= {r["id"] for r in csv.DictReader(f)}
    return ids


def test_one_default_and_no_accelerator_twice(catalog):
    cals = catalog.all("calibrations")
    assert sum(1 for c in cals if not c.accelerators) == 1
    listed = [a for c in cals for a in c.accelerators]
    assert len(listed) == len(set(listed))
    for acc in listed:
        catalog.accelerator(acc)


def test_fitted_rows_exist_and_are_named_in_the_source(catalog):
    rows = _row_ids()
    records = [*catalog.all("calibrations"), *catalog.all("frameworks")]
    for rec in records:
        assert set(rec.fitted_on) <= rows, rec.id
        for rid in rec.fitted_on:
            assert rid in rec.source or rid in (rec.note or ""), f"{rec.id}: {rid} not cited"


def test_calibrations_name_their_framework(catalog):
    for cal in catalog.all("calibrations"):
        fw = catalog.framework(cal.framework)
        assert fw.id == cal.framework
    assert catalog.calibration("a100-sxm-80gb").framework == "megatron-lm-2022"


def test_every_accelerator_resolves_to_a_calibration(catalog):
    assert catalog.calibration("a100-sxm-80gb").id == "ampere"
    assert catalog.calibration("H100-SXM").id == "hopper"
    assert catalog.calibration("gb200").id == "blackwell"
    assert catalog.calibration("gb300").id == "blackwell-ultra"
    assert catalog.calibration("vera-rubin").id == "rubin"
    assert catalog.calibration("mi300x").id == "cdna"
    assert catalog.calibration("mi455x").id == "cdna"
    assert catalog.calibration("MI450").id == "cdna"  # an alias of mi455x
    assert catalog.calibration("tpu-v4").id == "default"


def test_rubin_reuses_blackwell_as_an_estimate(catalog):
    """No Rubin run is published: its record repeats Blackwell's fitted factors, fits on no
    row, and says it is an estimate."""
    rubin, blackwell = catalog.calibration("vera-rubin"), catalog.calibration("b200")
    assert rubin.status == "estimate" and not rubin.fitted_on
    assert "blackwell" in rubin.note.lower()
    for field in (
        "gemm_efficiency",
        "flash_attention_efficiency",
        "fp8_gemm_factor",
        "fp4_gemm_factor",
        "memory_bound_efficiency",
        "kernel_overhead_s",
    ):
        assert getattr(rubin, field) == getattr(blackwell, field), field


def test_framework_profiles_offer_a_default_for_every_knob(catalog):
    for fw in catalog.all("frameworks"):
        knobs = fw.knobs.model_dump()
        for knob in SOFTWARE_KNOBS:
            if knob == "fp8_recipe":
                continue
            assert knobs[knob], (fw.id, knob)
        assert fw.weight_bytes_per_param >= 2 and fw.optimizer_bytes_per_param >= 8
