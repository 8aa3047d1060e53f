"""docs/models/perf.md's validation table is what the code computes now (regenerate with
`python tools/perf_validation_table.py`)."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import perf_validation_table as gen  # noqa: E402


def test_committed_validation_table_is_current():
    current = gen.DOC.read_text(encoding="utf-8")
    assert gen.render_doc(current) == current, (
        "docs/models/perf.md is stale: run `python tools/perf_validation_table.py`"
    )


def test_table_lists_every_row_and_the_unrepresentable_ones():
    text = gen.table()
    results = gen.results()
    for r in results:
        assert f"| {r.row.id} |" in text
    for rid in gen.NOT_REPRESENTABLE:
        assert f"| {rid} |" in text
    assert sum(r.fitted for r in results) >= 10


def test_committed_accuracy_file_is_current():
    """src/gigawatt/catalog/perf_accuracy.yaml is what the validation rows give now."""
    assert gen.accuracy_yaml() == gen.ACCURACY.read_text(encoding="utf-8"), (
        "src/gigawatt/catalog/perf_accuracy.yaml is stale: run "
        "`python tools/perf_validation_table.py`"
    )


def test_accuracy_classes_come_from_check_rows_only():
    """Every check row is in exactly one class, no fitted row is in any, and each class's
    statistics are those of its rows' signed errors."""
    from gigawatt.catalog import Catalog

    cat = Catalog.load()
    results = {r.row.id: r for r in gen.results(cat)}
    records = cat.all("perf-accuracy")
    listed = [rid for rec in records for rid in rec.rows]
    assert sorted(listed) == sorted(rid for rid, r in results.items() if not r.fitted)
    for rec in records:
        assert rec.checks == len(rec.rows) and rec.status == "analyst"
        for rid in rec.rows:
            r = results[rid]
            assert r.calibration == rec.calibration
            assert rec.covers(rec.calibration, r.row.model.experts)
        if rec.checks < gen.MIN_CHECKS:
            assert (
                rec.error_p10 is None
                and not rec.has_band
                and "fewer than" in (rec.note or "").lower()
            )
            continue
        errors = sorted(results[rid].error for rid in rec.rows)
        assert rec.error_p10 <= rec.median_error <= rec.error_p90
        assert errors[0] <= rec.error_p10 and rec.error_p90 <= errors[-1]
        assert rec.median_abs_error == round(statistics.median(abs(e) for e in errors), 4)
