"""`gigawatt report [SCENARIO] [--out FILE.html] [--sweep STORE] [--png DIR]`: one library call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.io import check_outputs
from gigawatt.report.bands import find_sweep
from gigawatt.report.document import write_report
from gigawatt.report.png import export_pngs
from gigawatt.scenario import load_scenario, scenario_path
from gigawatt.simulate import simulate

DEFAULT_FOLDER = Path("gigawatt-out")
HTML_SUFFIXES = (".html", ".htm")


@dataclass(frozen=True)
class ReportFiles:
    """What `gigawatt report` wrote: the `--json` object."""

    report: Path
    sections: list[str]
    png: list[Path]

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": str(self.report),
            "sections": self.sections,
            "png": [str(p) for p in self.png],
        }


def default_report_path(scenario_name: str) -> Path:
    return DEFAULT_FOLDER / f"report-{scenario_name}.html"


def _check_paths(out: Path | None, png_dir: Path | None) -> None:
    if out is not None:
        if out.is_dir():
            raise InputError(
                f"{str(out)!r} is a folder; allowed: a file name ending in .html", field="--out"
            )
        if out.suffix.lower() not in HTML_SUFFIXES:
            raise InputError(
                f"{str(out)!r} does not end in .html; allowed: a file name ending in .html",
                field="--out",
            )
    if png_dir is not None and png_dir.exists() and not png_dir.is_dir():
        raise InputError(f"{str(png_dir)!r} is a file; allowed: a folder", field="--png")


def report_scenario(
    ref: str,
    catalog: Catalog | None = None,
    *,
    out: Path | None = None,
    png_dir: Path | None = None,
    sweep: Path | None = None,
) -> ReportFiles:
    """Simulate a scenario (file or built-in name) and write its HTML report, and with
    `png_dir` each chart as a PNG. `sweep` is a sweep store: the latest sweep of this scenario
    in it adds P10/P50/P90 bands."""
    _check_paths(out, png_dir)
    catalog = (catalog or Catalog.load()).recording()
    scenario = load_scenario(ref, catalog)
    bands = None if sweep is None else find_sweep(Path(sweep), scenario, catalog)
    path = out if out is not None else default_report_path(scenario.name)
    check_outputs([path], [scenario_path(ref)])
    results = simulate(scenario, catalog)
    report = write_report(results, catalog, path, inputs=scenario, sweep=bands)
    pngs = [] if png_dir is None else export_pngs(report.charts, png_dir)
    return ReportFiles(report=path, sections=report.section_ids, png=pngs)
