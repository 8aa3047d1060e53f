"""Speed of the HTML report (`make bench`): sections, the whole page, PNG export, and what the
report adds to `gigawatt run`."""

from __future__ import annotations

from pathlib import Path

from gigawatt.app import run as run_scenario
from gigawatt.catalog import Catalog
from gigawatt.report import build_report
from gigawatt.report.base import ReportContext
from gigawatt.report.document import build_sections
from gigawatt.report.png import export_pngs
from gigawatt.scenario import load_scenario
from gigawatt.simulate import simulate

DEFAULT = "nvidia-openai-10gw"


def _run():
    catalog = Catalog.load().recording()
    scenario = load_scenario(DEFAULT, catalog)
    return simulate(scenario, catalog), catalog, scenario


def test_report_sections(benchmark):
    results, catalog, scenario = _run()
    sections = benchmark(build_sections, ReportContext(results, catalog, scenario))
    charts = sum(len(s.charts) for s in sections)
    print(f"\nreport sections (data for {charts} charts): {benchmark.stats['mean'] * 1e3:.1f} ms")


def test_report_html(benchmark):
    results, catalog, scenario = _run()
    report = benchmark(build_report, results, catalog, inputs=scenario)
    print(
        f"\nreport page, {DEFAULT} ({len(report.charts)} charts, "
        f"{len(report.html) / 1e6:.1f} MB with plotly.js inline): "
        f"{benchmark.stats['mean'] * 1e3:.0f} ms"
    )


def test_report_png(benchmark, tmp_path):
    results, catalog, scenario = _run()
    charts = build_report(results, catalog, inputs=scenario).charts
    paths = benchmark.pedantic(export_pngs, (charts, tmp_path), rounds=3, iterations=1)
    print(
        f"\nPNG export with matplotlib: {len(paths)} charts in "
        f"{benchmark.stats['mean'] * 1e3:.0f} ms ({benchmark.stats['mean'] / len(paths) * 1e3:.0f}"
        " ms per chart)"
    )


def test_run_with_report(benchmark, tmp_path):
    out: Path = tmp_path / "out"
    benchmark.pedantic(run_scenario, (DEFAULT,), {"out": out}, rounds=3, iterations=1)
    assert (out / "report.html").is_file()
    print(f"\ngigawatt run {DEFAULT} with its report: {benchmark.stats['mean']:.2f} s")
