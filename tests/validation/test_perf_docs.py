"""docs/models/perf.md's validation table is what the code computes now (regenerate with
`python tools/perf_validation_table.py`)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import perf_validation_table as gen  # noqa: E402


def test_committed_validation_table_is_current():
    current = gen.DOC.read_text(encoding="utf-8")
    assert gen.render(current, gen.table()) == current, (
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


def test_over_target_list_names_every_check_over_12_percent():
    """The generated 'Checks over 12 %' list is the current model's, row for row."""
    results = gen.results()
    over = {r.row.id for r in results if not r.fitted and abs(r.error) > gen.TARGET_MAX}
    listed = {r.row.id for group in gen.over_target(results).values() for r in group}
    assert listed == over
    text = gen.table()
    for group in gen.over_target(results).values():
        for r in group:
            assert f"{r.row.id} ({r.row.raw['accelerator']}) {gen._pct(r.error)}" in text


def test_validation_summary_is_generated():
    """The summary at the top of the Validation section carries generated figures only."""
    text = gen.DOC.read_text(encoding="utf-8")
    assert gen.SUMMARY_BEGIN in text
    block = gen.summary()
    assert block in text
    checks = [r for r in gen.results() if not r.fitted]
    within = sum(abs(r.error) <= gen.TARGET_MAX for r in checks)
    assert f"All checks: {within} of {len(checks)} within 12%" in block
