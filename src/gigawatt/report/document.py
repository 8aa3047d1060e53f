"""The report as one self-contained HTML file: sections in order, plotly.js inlined once.

`SECTIONS` is the list of section builders, in page order. A later stage (capability, sweep
bands) adds its builder here; a builder returns None when its stage did not run, and the page
and `report --json` then leave that section out. The page has no timestamp, so the same run
gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jinja2
from jinja2.filters import do_urlize
from markupsafe import Markup, escape

from gigawatt.catalog import Catalog
from gigawatt.io import write_text
from gigawatt.report.bands import bands_section
from gigawatt.report.base import Chart, ReportContext, Section, SectionFn
from gigawatt.report.capability import capability_section
from gigawatt.report.charts import chart_html, plotly_js
from gigawatt.report.markets import market_section
from gigawatt.report.ownership import ownership_section
from gigawatt.report.sections import (
    buildout_section,
    energy_section,
    money_section,
    scenario_section,
)
from gigawatt.report.sensitivity import sensitivity_section
from gigawatt.report.sources import sources_section
from gigawatt.scenario import Scenario
from gigawatt.simulate import Results

SECTIONS: list[tuple[str, SectionFn]] = [
    ("scenario", scenario_section),
    ("buildout", buildout_section),
    ("money", money_section),
    ("market", market_section),
    ("ownership", ownership_section),
    ("energy", energy_section),
    ("capability", capability_section),
    ("sensitivity", sensitivity_section),
    ("bands", bands_section),
    ("sources", sources_section),
]

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Report:
    title: str
    sections: tuple[Section, ...]
    html: str

    @property
    def section_ids(self) -> list[str]:
        return [s.id for s in self.sections]

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]


#: A word Jinja's `urlize` could turn into a link has one of these (a dot in a domain, the
#: colon of a scheme, the at sign of an address); any other word it gives back escaped.
_MAYBE_LINK = re.compile(r"[.:@]")
_WORDS = re.compile(r"(\s+)")


@jinja2.pass_eval_context
def _urlize(
    eval_ctx: jinja2.nodes.EvalContext,
    value: str,
    trim_url_limit: int | None = None,
    nofollow: bool = False,
    target: str | None = None,
    rel: str | None = None,
    extra_schemes: Any = None,
) -> str:
    """Jinja's `urlize` filter, word by word as it works, sending it only the words that could
    be links (the sources table has some twenty thousand words, a few hundred of them links):
    the same markup, a tenth of the regular-expression work. tests/report check the two agree.
    """
    if extra_schemes is not None or eval_ctx.environment.policies["urlize.extra_schemes"]:
        return do_urlize(eval_ctx, value, trim_url_limit, nofollow, target, rel, extra_schemes)
    words = _WORDS.split(str(escape(value)))
    for i, word in enumerate(words):
        if _MAYBE_LINK.search(word):
            words[i] = str(do_urlize(eval_ctx, Markup(word), trim_url_limit, nofollow, target, rel))
    out = "".join(words)
    return Markup(out) if eval_ctx.autoescape else out


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["urlize"] = _urlize
    return env


def build_sections(ctx: ReportContext) -> tuple[Section, ...]:
    """Run each section builder; skip those whose stage did not run."""
    built = (fn(ctx) for _, fn in SECTIONS)
    return tuple(s for s in built if s is not None)


def build_report(
    results: Results,
    catalog: Catalog,
    *,
    inputs: Scenario | None = None,
    sweep: Any = None,
    tornado: Any = None,
) -> Report:
    """The report of one run. `catalog` should be the `Catalog.recording()` view the scenario was
    loaded and simulated with (its lookups become the table of sources); `inputs` the scenario
    before resolution (its distributions are listed as assumptions)."""
    ctx = ReportContext(
        results=results, catalog=catalog, inputs=inputs, sweep=sweep, tornado=tornado
    )
    sections = build_sections(ctx)
    sc = results.scenario
    return render_report(sc.title or sc.name, sc, sections)


def render_report(title: str, scenario: Any, sections: tuple[Section, ...]) -> Report:
    """The self-contained page of `sections` (plotly.js inlined once), headed by `scenario`'s
    name and dates: one scenario's report, or a side-by-side one."""
    html = (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            scenario=scenario,
            sections=sections,
            chart_html={c.id: Markup(chart_html(c)) for s in sections for c in s.charts},
            plotly_js=Markup(plotly_js()),
            version=version("gigawatt"),
        )
    )
    return Report(title=title, sections=sections, html=html)


def write_report(
    results: Results,
    catalog: Catalog,
    path: Path,
    *,
    inputs: Scenario | None = None,
    sweep: Any = None,
    tornado: Any = None,
) -> Report:
    """Build the report and write it to `path` atomically."""
    report = build_report(results, catalog, inputs=inputs, sweep=sweep, tornado=tornado)
    write_text(path, report.html)
    return report
