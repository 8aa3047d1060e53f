"""The side-by-side report (`gigawatt report A --compare B --compare C`) in a real browser, as
test_browser.py opens the single-scenario report: Debian's Chromium through Playwright, from a
file:// URL, nothing fetched from elsewhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_browser import CHROMIUM, FLAGS, LOCAL_SCHEMES, Session

from gigawatt.app import report as report_scenario
from gigawatt.report.compare import COMPARE_CHARTS

THREE = ("nvidia-openai-10gw", "amd-openai-6gw", "stargate-10gw")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not at /usr/bin/chromium: `make test` installs it with "
        "apt-get, which this platform could not do",
    ),
]


@pytest.fixture(scope="module")
def session(tmp_path_factory, catalog) -> Iterator[Session]:
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("browser-compare")
    files = report_scenario(
        THREE[0], catalog=catalog, out=folder / "compare.html", compare=list(THREE[1:])
    )
    assert files.sections == ["inputs", "outputs", "sources"]
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(folder / "profile"),
            executable_path=str(CHROMIUM),
            args=FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            pg = context.new_page()
            s = Session(pg, folder)
            pg.on("console", lambda m: s.problems.append(m.text) if m.type == "error" else None)
            pg.on("pageerror", lambda e: s.problems.append(str(e)))
            pg.on("request", lambda r: s.requests.append(r.url))
            pg.goto(files.report.resolve().as_uri(), wait_until="load")
            pg.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('svg.main-svg'))",
                timeout=30_000,
            )
            yield s
        finally:
            context.close()


def test_every_headline_is_one_chart_with_a_line_per_scenario(session):
    drawn = session.page.evaluate(
        "() => [...document.querySelectorAll('.plotly-graph-div')].map(d => "
        "[d.id, d.querySelectorAll('g.trace').length, "
        "[...d.querySelectorAll('.legendtext')].map(t => t.textContent)])"
    )
    assert [d[0] for d in drawn] == [c[0] for c in COMPARE_CHARTS]
    for chart_id, traces, legend in drawn:
        assert traces == len(THREE), chart_id
        assert legend == list(THREE), chart_id


def test_inputs_that_differ_come_first(session):
    page = session.page
    sections = page.evaluate("() => [...document.querySelectorAll('section')].map(s => s.id)")
    assert sections == ["inputs", "outputs", "sources"]
    table = page.locator("section#inputs table").nth(1)
    assert table.is_visible()
    header = table.locator("thead th").all_inner_texts()
    assert header == ["Input", *THREE]
    assert "power_basis" in table.inner_text()


def test_no_console_errors_and_nothing_fetched(session):
    assert session.problems == []
    outside = [u for u in session.requests if not u.startswith(LOCAL_SCHEMES)]
    assert outside == []


def test_screenshot(session):
    path = session.folder / "compare.png"
    session.page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_years_run_in_order_on_every_chart(session):
    ticks = session.page.evaluate(
        "() => [...document.querySelectorAll('.plotly-graph-div')].map(d => "
        "[...d.querySelectorAll('.xtick text')].map(t => t.textContent))"
    )
    for labels in ticks:
        assert labels == sorted(labels) and labels[0] == "2025", labels
