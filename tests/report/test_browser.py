"""The report in a real browser: Debian's headless Chromium, driven by Playwright for Python
(no `playwright install`: the browser is /usr/bin/chromium, which `make test` installs).

The page is opened from a file:// URL, as a reader would open it offline; every request it
makes is recorded, so the test fails if anything is fetched from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gigawatt.app import report as report_scenario

CHROMIUM = Path("/usr/bin/chromium")
#: How Chromium runs on these machines (as root, no GPU, closed network): no sandbox, and none
#: of the background connections that a closed network refuses.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not at /usr/bin/chromium: `make test` installs it with "
        "apt-get, which this platform could not do",
    ),
]


@dataclass
class Session:
    page: Any
    folder: Path
    problems: list[str] = field(default_factory=list)  # console errors, uncaught exceptions
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def session(tmp_path_factory, catalog) -> Iterator[Session]:
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("browser")
    files = report_scenario("nvidia-openai-10gw", catalog=catalog, out=folder / "report.html")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(folder / "profile"),  # a fresh user-data-dir
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


def test_every_chart_rendered_as_svg(session):
    drawn = session.page.evaluate(
        "() => [...document.querySelectorAll('.plotly-graph-div')].map(d => "
        "[d.id, d.querySelectorAll('svg.main-svg').length, "
        "d.querySelectorAll('g.trace, g.sankey').length])"
    )
    assert len(drawn) >= 9
    for chart_id, svgs, traces in drawn:
        assert svgs >= 1, chart_id
        assert traces >= 1, f"{chart_id}: no series drawn"


def test_every_chart_fits_its_box(session):
    """No chart is wider than the box it sits in (it would hide part of its neighbour)."""
    sizes = session.page.evaluate(
        "() => [...document.querySelectorAll('figure.chart')].map(f => [f.dataset.chart, "
        "f.clientWidth, f.querySelector('svg.main-svg').getBoundingClientRect().width])"
    )
    for chart_id, box, svg in sizes:
        assert 0 < svg <= box, chart_id


def test_no_console_errors_and_nothing_fetched(session):
    assert session.problems == []
    assert session.requests, "the page itself was requested"
    outside = [u for u in session.requests if not u.startswith(LOCAL_SCHEMES)]
    assert outside == []


def test_every_section_is_visible(session):
    page = session.page
    for sid in (
        "scenario",
        "buildout",
        "money",
        "market",
        "ownership",
        "energy",
        "capability",
        "sources",
    ):
        assert page.locator(f"section#{sid}").is_visible()
        assert page.locator(f"section#{sid} h2").inner_text()


def test_hovering_a_tranche_shows_its_trigger(session):
    page = session.page
    marker = page.locator("#money-tranches .scatterlayer .trace .points path").first
    marker.scroll_into_view_if_needed()
    marker.hover(force=True)
    label = page.locator("#money-tranches .hoverlayer")
    page.wait_for_function(
        "() => document.querySelector('#money-tranches .hoverlayer').textContent.length > 0",
        timeout=30_000,  # a wait for the hover, not a speed limit: a loaded machine is slow
    )
    text = label.text_content()
    assert "trigger" in text and "Invested (cumulative)" in text


def test_screenshot(session):
    path = session.folder / "report.png"
    session.page.screenshot(path=str(path), full_page=True)
    content = path.read_bytes()
    assert content.startswith(b"\x89PNG") and len(content) > 100_000


def test_the_flows_draw_as_a_sankey(session):
    """investor -> company -> vendor: the NVIDIA investment, OpenAI's payees, NVIDIA as vendor."""
    page = session.page
    nodes = page.locator("#ownership-flows g.sankey-node").all_text_contents()
    assert {"nvidia (investor)", "openai", "nvidia"} <= {n.strip() for n in nodes}
    assert page.locator("#ownership-flows path.sankey-link").count() >= 4
