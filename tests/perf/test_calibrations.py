"""The `calibrations` catalog kind: one default, known accelerators, real fitted rows."""

from __future__ import annotations

import csv
from pathlib import Path

VALIDATION = Path(__file__).parents[1] / "validation" / "data"


def _row_ids() -> set[str]:
    ids = set()
    for name in ("perf_runs.csv", "perf_runs_extra.csv"):
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


def test_fitted_rows_exist_and_are_named_in_the_note(catalog):
    rows = _row_ids()
    for cal in catalog.all("calibrations"):
        assert set(cal.fitted_on) <= rows, cal.id
        for rid in cal.fitted_on:
            assert rid in cal.source, f"{cal.id}: {rid} not cited in source"


def test_every_accelerator_resolves_to_a_calibration(catalog):
    assert catalog.calibration("a100-sxm-80gb").id == "ampere"
    assert catalog.calibration("H100-SXM").id == "hopper"
    assert catalog.calibration("vera-rubin").id == "default"
