"""Fit the average training draw per generation once, on measured runs (run by hand).

    .venv/bin/python tools/fit_power_calibration.py [--write-docs]

Reads tests/validation/data/measured_power.csv (Patterson et al. 2021, arXiv 2104.10350,
Tables 1 and 4; one MLPerf Training v5.0 B200 run), fits each generation on its highest and
lowest measured fraction (gigawatt.energy.calibration), and prints the fractions, the runs fitted
and checked, every run's energy error, and the errors of the `gpu` fraction on the MLPerf
power results of tests/validation/data/modern_power_checks.csv. The values are copied into
src/gigawatt/catalog/power-calibrations.yaml by hand; --write-docs regenerates the tables of
docs/models/energy-calibration.md between their markers (tests/validation/test_footprints.py
checks both).
"""

from __future__ import annotations

import sys
from pathlib import Path

from gigawatt.catalog import Catalog
from gigawatt.energy.calibration import (
    calibration_table,
    checks_table,
    fit_all,
    read_measured_runs,
    read_power_checks,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "validation" / "data" / "measured_power.csv"
CHECKS = ROOT / "tests" / "validation" / "data" / "modern_power_checks.csv"
DOC = ROOT / "docs" / "models" / "energy-calibration.md"
BEGIN, END = "<!-- BEGIN GENERATED: tools/fit_power_calibration.py -->", "<!-- END GENERATED -->"


def generated_tables() -> str:
    runs = read_measured_runs(DATA)
    cat = Catalog.load()
    cals = {rec.id: rec for rec in cat.all("power-calibrations")}
    bases = {cid: rec.basis for cid, rec in cals.items()}  # type: ignore[attr-defined]
    gpu = cals["gpu"].draw_fraction  # type: ignore[attr-defined]
    return (
        calibration_table(runs, fit_all(runs), bases)
        + "\n\n"
        + checks_table(read_power_checks(CHECKS), gpu, "gpu")
    )


def write_docs() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{generated_tables()}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str]) -> None:
    runs = read_measured_runs(DATA)
    for cal, fit in fit_all(runs).items():
        print(
            f"{cal}: draw_fraction {fit.draw_fraction:.4f} (low {fit.low:.4f}, high "
            f"{fit.high:.4f}); fitted_on {list(fit.fitted_on)}; checked_on {list(fit.checked_on)}"
        )
    print()
    print(generated_tables())
    if "--write-docs" in argv:
        write_docs()
        print(f"\nwrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
