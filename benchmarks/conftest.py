"""`make bench` writes what each benchmark measured into docs/_generated/benchmarks.md.

Each benchmark prints its figures (plans/s, trials/s, samples/s, wall times); this plugin
collects those lines and pytest-benchmark's timings, shows them at the end of the run, and,
with `--write-docs` (as `make bench` passes), writes them to the docs page with the machine
and its load, so no speed figure in the docs is typed by hand. A benchmark that fails (a time
limit missed) is listed with its failure. Only a complete run of every benchmark writes the
page (a partial one would drop rows).
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import platform
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

import pytest

DOCS_PAGE = Path(__file__).parents[1] / "docs" / "_generated" / "benchmarks.md"
_FIGURES: dict[str, list[str]] = {}

# The persistent search cache of this run lives in a folder of its own (never the user's), so
# that "cold" means cold; `forget_searches` empties it and the in-process caches.
os.environ["GIGAWATT_CACHE_DIR"] = tempfile.mkdtemp(prefix="gigawatt-bench-cache-")
atexit.register(shutil.rmtree, os.environ["GIGAWATT_CACHE_DIR"], ignore_errors=True)


def forget_searches() -> None:
    """A cold start: no search result in this process or on disk (as a first run pays)."""
    from gigawatt import cache
    from gigawatt.capability.curve import clear_cache as clear_curves
    from gigawatt.perf.search import clear_cache as clear_searches

    clear_searches()
    clear_curves()
    cache.clear()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--write-docs",
        action="store_true",
        help=f"write the figures to {DOCS_PAGE.relative_to(DOCS_PAGE.parents[2])}",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config._bench_load = os.getloadavg()  # type: ignore[attr-defined]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:  # e.g. an optional tool missing (Calculon): say so on the page
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
        _FIGURES[report.nodeid.removeprefix("benchmarks/")] = [f"skipped: {reason}"]
        return
    if report.when != "call":
        return
    lines = [line.strip() for line in report.capstdout.splitlines() if line.strip()]
    if report.failed:  # e.g. a time limit missed on a loaded machine: say so, keep the figures
        message = str(report.longrepr.reprcrash.message) if report.longrepr else "failed"
        lines.append(f"FAILED: {message.splitlines()[0]}")
    _FIGURES[report.nodeid.removeprefix("benchmarks/")] = lines


def _mean_s(session: pytest.Session) -> dict[str, float]:
    bs = getattr(session.config, "_benchmarksession", None)
    out = {}
    for bench in getattr(bs, "benchmarks", []) or []:
        if bench.stats is not None:
            out[bench.fullname.removeprefix("benchmarks/")] = bench.stats.mean
    return out


def _load_note(load: float) -> str:
    """What the load average says about the figures (it was printed as 'above' whatever it was)."""
    cores = os.cpu_count() or 1
    if load > cores:
        return "above the core count: other work was running, times are longer than when idle"
    return f"below the {cores} cores: the machine was otherwise quiet"


def _page(session: pytest.Session) -> str:
    load = session.config._bench_load  # type: ignore[attr-defined]
    means = _mean_s(session)
    rows = []
    for nodeid, lines in sorted(_FIGURES.items()):
        mean = means.get(nodeid)
        timing = "" if mean is None else f"{mean:.3g} s"
        figures = "<br>".join(line.replace("|", "\\|") for line in lines)
        rows.append(f"| `{nodeid}` | {figures} | {timing} |")
    return (
        "<!-- Written by `make bench` (benchmarks/conftest.py): do not edit by hand. -->\n\n"
        f"Measured on {dt.date.today().isoformat()} with gigawatt {version('gigawatt')}, "
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"load average {load[0]:.1f} when the run started ({_load_note(load[0])}).\n\n"
        "| Benchmark | What it measured | Mean time per round |\n|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("figures")
    for nodeid, lines in sorted(_FIGURES.items()):
        terminalreporter.write_line(f"{nodeid}: " + "; ".join(lines))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not session.config.getoption("--write-docs"):
        return
    if exitstatus not in (0, 1) or session.config.option.keyword or session.config.option.markexpr:
        return  # an interrupted or partial run: keep the page as it was
    DOCS_PAGE.parent.mkdir(parents=True, exist_ok=True)
    tmp = DOCS_PAGE.with_suffix(".tmp")
    tmp.write_text(_page(session), encoding="utf-8")
    tmp.replace(DOCS_PAGE)
