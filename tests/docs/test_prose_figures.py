"""Figures written in the prose of docs/*.md (outside the examples, which test_examples.py
runs, and the generated tables) recomputed from the code and the catalog, to the rounding the
page uses. A figure that moves fails here with the phrase to write; a figure measured once
(history) says so in its sentence instead. The model pages' prose is checked beside their
tables (tests/test_model_docs.py, tests/energy/test_energy_doc.py,
tests/validation/test_footprints.py)."""

from __future__ import annotations

import re

import pytest
from markdown_blocks import DOCS

from gigawatt.catalog import Catalog


def _page(name: str) -> str:
    return " ".join((DOCS / name).read_text(encoding="utf-8").split())


@pytest.fixture(scope="module")
def default_run():
    from gigawatt.scenario import load_scenario
    from gigawatt.simulate import simulate

    cat = Catalog.load()
    return simulate(load_scenario("nvidia-openai-10gw", cat), cat)


def test_scenarios_page_counts_the_default_fleet(default_run) -> None:
    """The default's accelerators at the end, in packages and in dies, against Jensen Huang's
    "roughly 4 million or 5 million GPUs" (CNBC, 22 Sep 2025: a quoted figure, not a result)."""
    page = _page("scenarios.md")
    last = default_run.years()[-1]
    packages, dies = last["accelerators"], last["compute_dies"]
    huang_low = 4e6
    below = 1 - packages / huang_low
    assert (
        f"about {packages / 1e6:.1f} million packages, some {10 * round(10 * below):.0f} % below "
        'the low end of Jensen Huang\'s "10 GW, or roughly 4 million or 5 million GPUs" (CNBC, '
        "22 Sep 2025)" in page
    )
    assert f"the same fleet is about {dies / 1e6:.1f} million (`compute_dies`" in page
    assert dies > 5e6  # "above Huang's range"


def test_scenarios_page_frontier_run_and_delay(default_run) -> None:
    """The default's `first-multi-site-run` stays at one site, and the example phase's plain
    run comes online its delay distribution's median later."""
    from gigawatt import app

    page = _page("scenarios.md")
    run = next(
        r
        for r in app.capability().to_json()["frontier_runs"]
        if r["name"] == "first-multi-site-run"
    )
    assert run["cross_site"] and run["sites"] == [run["site"]]
    group = re.search(r"fits in the site's ([\d,]+)", run["note"])
    assert group
    assert (
        f"(the default scenario's `first-multi-site-run`: {run['accelerators']:,} of "
        f"{run['site']}'s {group[1]})" in page
    )
    text = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    median = re.search(r"delay_months: \{lognormal: \{median: (\d+)", text)
    assert median and int(median[1]) == 2
    assert "comes online two months later, the median of its delay distribution" in page


def test_scenarios_page_bounds_are_the_codes() -> None:
    """ "Bounds": the limits on work are the validation constants, and the example ranges are
    those the generated field tables (written from the schemas) give."""
    from gigawatt.scenario import MAX_EXTENDS_DEPTH
    from gigawatt.validation import MAX_ACCELERATORS, MAX_TOKENS

    page = _page("scenarios.md")
    assert (
        f"at most {MAX_ACCELERATORS:,} accelerators per job (`--gpus`), {MAX_TOKENS:.0e} "
        f"training tokens, a chain of at most {MAX_EXTENDS_DEPTH} scenarios".replace("e+", "e")
        in page
    )
    fields = (DOCS / "_generated" / "scenario-fields.md").read_text(encoding="utf-8")
    assert (
        "| `power_gw` | number or distribution | required | power this phase adds [GW]; "
        "allowed: &gt; 0 and &lt;= 50 |" in fields
    )
    assert "a phase adds at most 50 GW" in page
    assert "allowed: &gt;= 1 and &lt;= 3 |" in fields and "a PUE is 1 to 3" in page
    assert "| `it_power_w_per_accelerator` | number (&gt;= 10, &lt;= 100000) |" in fields
    assert "all-in IT power per accelerator is 10 W to 100 kW" in page
    models = (DOCS / "_generated" / "catalog-fields.md").read_text(encoding="utf-8")
    layers = re.search(r"\| `layers` \| integer \(&gt;= 1, &lt;= ([\d.e+]+)\)", models)
    hidden = re.search(r"\| `hidden` \| integer \(&gt;= 1, &lt;= ([\d.e+]+)\)", models)
    assert layers and hidden
    assert (
        f"a model has at most {float(layers[1]):,.0f} layers and a hidden size of at most "
        f"{float(hidden[1]):,.0f}" in page
    )


def test_report_page_plotly_size() -> None:
    """The report inlines the plotly.js that gigawatt.report.charts ships (its size in MB)."""
    from gigawatt.report.charts import plotly_js

    size_mb = len(plotly_js().encode("utf-8")) / 1e6
    assert f"plotly.js (about {size_mb:.1f} MB) is inlined once" in _page("report.md")


def test_index_page_programme_figures() -> None:
    """The home page's programme is the letter-of-intent deal record (which cites it)."""
    loi = Catalog.load().get("deals", "nvidia-openai-loi-2025")
    words = {10: "ten"}
    assert (
        f"NVIDIA-OpenAI letter of intent of {loi.announced:%-d %B %Y} (at least "
        f"{words[int(loi.gw)]} gigawatts of NVIDIA systems" in _page("index.md")
    )


def test_catalog_pages_counts_and_unit_bounds() -> None:
    """catalog-provenance.md counts the non-US industrial prices that are estimates; catalog.md
    quotes the unit bounds of `gigawatt.catalog.schema.UNIT_BOUNDS`."""
    from gigawatt.catalog.schema import UNIT_BOUNDS

    regions = Catalog.load().all("regions")
    estimated = [
        r
        for r in regions
        if r.country != "USA"
        and (r.field_status or {}).get("power_price_usd_per_mwh") == "estimate"
    ]
    assert f"for example the {len(estimated)} non-US industrial electricity prices" in _page(
        "catalog-provenance.md"
    )
    b = UNIT_BOUNDS
    assert (
        f"(`fraction` {b['fraction']['ge']:g} to {b['fraction']['le']:g}, `usd_per_w` "
        f"{b['usd_per_w']['ge']:g} to {b['usd_per_w']['le']:,.0f}, `years` up to "
        f"{b['years']['le']:g};" in _page("catalog.md")
    )


def test_glossary_defaults_are_the_catalogs() -> None:
    """glossary.md: the compute-optimal tokens per parameter and the default comparison run."""
    cat = Catalog.load()
    page = _page("glossary.md")
    d = cat.get("capability", "chinchilla-tokens-per-parameter").value
    assert f"C = 6 N D, D = {d:g} N" in page
    run = cat.get("reference-workloads", "default").comparison_run
    name = {"gpt-4": "GPT-4"}[run]
    assert f"a run's FLOP over the reference run's ({name} by default)" in page
