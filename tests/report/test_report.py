"""The HTML report: one offline file, each section, its charts agree with the results, and every
catalog record the run used is listed with its source."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from conftest import TOY_CATALOG, toy_scenario
from gigawatt.app import report as report_scenario
from gigawatt.catalog import Catalog
from gigawatt.report import SECTIONS, Chart, Series, build_report
from gigawatt.report.base import ReportContext
from gigawatt.report.charts import chart_html, figure
from gigawatt.report.document import build_sections
from gigawatt.report.sources import used_records
from gigawatt.scenario import load_scenario
from gigawatt.simulate import Results, simulate

DEFAULT = "nvidia-openai-10gw"


def _run(ref: str, catalog: Catalog) -> tuple[Results, Catalog, object]:
    cat = catalog.recording()
    scenario = load_scenario(ref, cat)
    return simulate(scenario, cat), cat, scenario


@pytest.fixture(scope="module")
def default_run(catalog):
    return _run(DEFAULT, catalog)


@pytest.fixture(scope="module")
def default_report(default_run):
    results, cat, scenario = default_run
    return build_report(results, cat, inputs=scenario)


def catalog_record(cat: Catalog, kind: str, rec_id: str):
    return cat.records[kind][rec_id]  # not `get`: that would count as a use


def _chart(report, chart_id: str) -> Chart:
    return next(c for c in report.charts if c.id == chart_id)


def _series(chart: Chart, name: str) -> Series:
    return next(s for s in chart.series if s.name == name)


# --- one self-contained file ------------------------------------------------------------------


def test_no_external_resources(default_report):
    """Nothing the page loads comes from elsewhere: no script or stylesheet src, no CSS url().
    (What the scripts fetch when they run is checked in the browser test.)"""
    page = default_report.html
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, flags=re.I)
    markup = re.sub(r"(<script[^>]*>).*?(</script>)", r"\1\2", page, flags=re.S)
    assert not re.search(r"<link\b", markup, flags=re.I)
    assert not re.search(r"<(img|iframe|embed|object|source|audio|video)\b", markup, flags=re.I)
    assert not re.search(r"url\(", markup, flags=re.I)
    assert "@import" not in markup
    # The only http(s) in the markup are hyperlinks to the sources a reader may click.
    attrs = re.findall(r"""\b([\w-]+)\s*=\s*["']\s*https?:""", markup)
    assert attrs and set(attrs) == {"href"}


def test_plotly_is_inlined_once_and_draws_every_chart(default_report):
    page = default_report.html
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
    library = [s for s in scripts if len(s) > 1_000_000]
    assert len(library) == 1, "plotly.js inlined exactly once"
    assert "plotly.js" in library[0][:500]
    charts = default_report.charts
    assert len(charts) >= 9
    assert page.count("Plotly.newPlot(") == len(charts)
    for chart in charts:
        assert chart_html(chart) in page
        if chart.flows:  # a Sankey diagram: one trace, no axes
            assert [t.type for t in figure(chart).data] == ["sankey"]
            continue
        layout = figure(chart).layout
        assert (layout.xaxis.title.text, layout.yaxis.title.text) == (chart.x_title, chart.y_title)
        assert len(figure(chart).data) == len(chart.series)


def test_each_section_is_on_the_page(default_report):
    ids = default_report.section_ids
    assert ids == [
        "scenario",
        "buildout",
        "money",
        "market",
        "ownership",
        "energy",
        "capability",
        "sources",
    ]
    for sid in ids:
        assert f'<section id="{sid}"' in default_report.html
        assert f'href="#{sid}"' in default_report.html  # in the navigation


def test_same_run_same_bytes(default_run, default_report):
    results, cat, scenario = default_run
    again = build_report(results, cat, inputs=scenario)
    assert again.html == default_report.html


def test_every_axis_names_its_unit(default_report):
    for chart in default_report.charts:
        assert re.search(r"\[[^\]]+\]$", chart.y_title), chart.id
    with pytest.raises(ValueError, match="needs a unit"):
        Chart("x", "t", "Month", "Power", ())


def test_user_text_is_escaped(toy_catalog):
    title = "<script>alert(1)</script> & co"
    cat = toy_catalog.recording()
    sc = toy_scenario(cat, title=title, sources=["<b>not bold</b> https://example.org/a?b=1"])
    report = build_report(simulate(sc, cat), cat, inputs=sc)
    assert title not in report.html
    assert str(escape(title)) in report.html
    assert "<b>not bold</b>" not in report.html
    assert 'href="https://example.org/a?b=1"' in report.html


# --- the charts show the results --------------------------------------------------------------


def test_buildout_charts_sum_to_the_yearly_summary(default_run, default_report):
    results, _, _ = default_run
    last = results.years()[-1]
    facility = _chart(default_report, "buildout-facility-power")
    assert facility.stacked
    assert sum(s.y[-1] for s in facility.series) == pytest.approx(last["facility_power_gw"])
    it = _chart(default_report, "buildout-it-power")
    assert sum(s.y[-1] for s in it.series) == pytest.approx(last["it_power_gw"])
    accelerators = _chart(default_report, "buildout-accelerators")
    assert sum(s.y[-1] for s in accelerators.series) * 1e6 == pytest.approx(last["accelerators"])
    flops = _chart(default_report, "buildout-peak-flops")
    for p in ("bf16", "fp8", "fp4"):
        assert _series(flops, p.upper()).y[-1] * 1e18 == pytest.approx(last["peak_flops_per_s"][p])


def test_tranche_markers_sit_on_the_invested_line_with_their_triggers(default_run, default_report):
    results, _, _ = default_run
    fin = results.stages["finance"]
    chart = _chart(default_report, "money-tranches")
    line = _series(chart, "Invested (cumulative)")
    cap = _series(chart, "Cap")
    assert max(line.y) <= cap.y[0] + 1e-9  # never above the cap
    markers = [s for s in chart.series if s.kind == "markers"]
    released = fin.released()
    assert sum(len(s.x) for s in markers) == len(released) == 10
    at = dict(zip(line.x, line.y, strict=True))
    for s in markers:
        for month, y, hover in zip(s.x, s.y, s.hover, strict=True):
            assert y == pytest.approx(at[month])
            assert "trigger:" in hover
    for t in released:
        assert str(escape(t.trigger)) in default_report.html  # the tranche table


def test_spend_bars_are_the_finance_years(default_run, default_report):
    fin = default_run[0].stages["finance"]
    chart = _chart(default_report, "money-spend")
    totals = np.sum([s.y for s in chart.series], axis=0) * 1e9
    expected = [y["capex_usd"] + y["opex_usd"] for y in fin.years()]
    np.testing.assert_allclose(totals, expected, rtol=1e-9)


def test_capex_before_the_start_reads_as_the_table_shows_it(default_run, default_report):
    """The money paragraph's capex before the scenario starts must agree with the 2025 row of
    the table below it (USD 4.5B, once printed '4B')."""
    fin = default_run[0].stages["finance"]
    early = sum(y["capex_usd"] for y in fin.years() if y["year"] < 2026)
    money = next(s for s in default_report.sections if s.id == "money")
    assert f"({early / 1e9:,.1f}B before the scenario starts)" in money.paragraphs[0]
    # and its total as run prints it ('cumulative capex to 2032-12: USD 565.8B'), not 566B
    total = default_run[0].years()[-1]["cumulative_capex_usd"]
    assert f"Capex USD {total / 1e9:,.1f}B (" in money.paragraphs[0]


def test_invested_reads_as_run_prints_it(default_run, default_report):
    """The money paragraph wrote Invested to whole billions ('USD 500B') while run's money
    table, and the report's below it, give a tenth ('500.0'): it now reads as they do, and
    equals the last year's cumulative figure."""
    last = default_run[0].years()[-1]["cumulative_invested_usd"]
    money = next(s for s in default_report.sections if s.id == "money")
    assert f"Invested: USD {last / 1e9:,.1f}B" in money.paragraphs[0]
    table = next(t for t in money.tables if t.title.startswith("Money by year"))
    col = next(i for i, c in enumerate(table.columns) if c.startswith("Invested, cumulative"))
    assert f"Invested: USD {table.rows[-1][col]}B" in money.paragraphs[0]


def test_money_text_says_the_dollars_are_not_escalated(default_run, default_report):
    """Capex of 2030 is priced at the May 2026 rack quote: the report must not let the yearly
    dollars read as a nominal forecast (or as discounted)."""
    money = next(s for s in default_report.sections if s.id == "money")
    text = " ".join(money.paragraphs)
    assert "not escalated for inflation" in text and "undiscounted" in text
    # energy opex: what is priced (the energy section's MWh) and at what (the region's price)
    assert "(energy: the energy section's MWh at each region's catalog power price, USD" in text
    # and how much of opex that is: the rest is operations, an estimate (not a power bill)
    fin = default_run[0].finance
    energy = (fin.opex_energy_usd.sum() + fin.opex_capacity_usd.sum()) / 1e9
    assert f"price, USD {energy:,.1f}B with capacity charges; the rest operations" in text


def test_buildout_text_counts_dies_and_carries_the_caveats(default_run, default_report):
    """The build-out says its accelerators are packages and how many dies they hold, and the
    report carries every caveat `run` prints (`Results.caveats`) once, at the top of the
    scenario section, not again under the build-out."""
    results = default_run[0]
    years = results.years()
    caveats = results.caveats(years)
    assert caveats  # the default fleet is pre-launch Rubin, with an estimated BF16 peak
    buildout = next(s for s in default_report.sections if s.id == "buildout")
    assert not [p for p in buildout.paragraphs if p.startswith("Caveat: ")]
    scenario = next(s for s in default_report.sections if s.id == "scenario")
    assert [p for p in scenario.paragraphs if p.startswith("Caveat: ")] == [
        f"Caveat: {c}" for c in caveats
    ]
    dies = years[-1]["compute_dies"]
    assert (
        f"they hold {dies / 1e6:,.2f} million reticle-sized compute dies"
        in (buildout.paragraphs[0])
    )


def test_energy_text_says_the_grid_intensity_is_held_flat(default_report):
    """2032's CO2e uses a 2025 grid intensity: the report must say so."""
    energy = next(s for s in default_report.sections if s.id == "energy")
    assert "held flat for later years" in " ".join(energy.paragraphs)


def test_energy_text_says_carbon_is_average_not_marginal_and_what_embodied_leaves_out(
    default_report,
):
    """As `gigawatt energy`'s scope caveat: the report's carbon is attributional (annual
    averages, not the added load's marginal emissions) and its embodied carbon is the
    hardware's only."""
    text = " ".join(next(s for s in default_report.sections if s.id == "energy").paragraphs)
    assert "not the marginal emissions of the generation that runs, or is built" in text
    assert "servers or racks only, not the scale-out network, storage, buildings" in text


def test_energy_text_says_rubin_power_is_carried_over_from_b200(default_run, default_report):
    """No Vera Rubin training run has a measured draw: the energy paragraph must not leave it at
    "calibrated on training runs whose power was measured" but say whose share it carries."""
    energy = next(s for s in default_report.sections if s.id == "energy")
    cal = default_run[1].get("power-calibrations", "gpu")
    assert (
        f"vera-rubin: no training run of it has a measured draw; it carries the "
        f"{cal.draw_fraction:.3f} share of all-in IT power measured for {cal.transferred_from}"
    ) in energy.paragraphs[0]


def test_energy_bars_are_the_calendar_years(default_run, default_report):
    years = default_run[0].years()
    twh = _chart(default_report, "energy-twh")
    np.testing.assert_allclose(
        np.sum([s.y for s in twh.series], axis=0), [y["energy_twh"] for y in years], rtol=1e-9
    )
    co2 = _chart(default_report, "energy-co2e")
    np.testing.assert_allclose(
        np.array(_series(co2, "Market-based").y) * 1e6, [y["co2e_market_t"] for y in years]
    )


def test_country_comparison_brackets_the_programme(default_run, default_report):
    chart = _chart(default_report, "energy-countries")
    countries, programme = chart.series
    heights = [c if not np.isnan(c) else p for c, p in zip(countries.y, programme.y, strict=True)]
    assert heights == sorted(heights)
    ours = [x for x, y in zip(programme.x, programme.y, strict=True) if not np.isnan(y)]
    assert len(ours) == 1 and ours[0].startswith("This programme")
    assert max(y["energy_twh"] for y in default_run[0].years()) in heights
    # the note names the years compared: the countries' data year(s) and the programme's year
    results, cat, _ = default_run
    years = {c.year for c in cat.all("countries") if c.label in countries.x}
    peak = max(results.years(), key=lambda y: y["energy_twh"])
    assert years and str(min(years)) in chart.note and str(max(years)) in chart.note
    assert f"facility energy in {peak['year']}" in chart.note
    assert "proxy for consumption" in chart.note


# --- sections are skipped when their stage did not run ----------------------------------------


def test_sections_follow_the_stages(default_run):
    results, cat, scenario = default_run
    only_fleet = Results(scenario=results.scenario, fleet=results.fleet)
    ids = [s.id for s in build_sections(ReportContext(only_fleet, cat, scenario))]
    assert ids == ["scenario", "buildout", "sources"]
    energy_only = Results(scenario=results.scenario, fleet=results.fleet, energy=results.energy)
    ids = [s.id for s in build_sections(ReportContext(energy_only, cat, scenario))]
    assert ids == ["scenario", "buildout", "energy", "sources"]


def test_a_later_stage_adds_its_section(default_run, monkeypatch):
    """The capability and sweep sections will plug in the same way."""
    from gigawatt.report import Section

    results, cat, scenario = default_run
    extra = Section(id="extra", title="Extra")
    monkeypatch.setattr(
        "gigawatt.report.document.SECTIONS",
        [*SECTIONS[:-1], ("extra", lambda ctx: extra), SECTIONS[-1]],
    )
    report = build_report(results, cat, inputs=scenario)
    assert report.section_ids[-2:] == ["extra", "sources"]
    assert '<section id="extra"' in report.html


# --- assumptions and sources ------------------------------------------------------------------


def test_assumptions_list_every_uncertain_input(default_run, default_report):
    _, _, scenario = default_run
    paths = scenario.uncertain_inputs()
    assert paths
    scenario_section = default_report.sections[0]
    table = next(t for t in scenario_section.tables if t.title.startswith("Uncertain inputs"))
    assert [row[0] for row in table.rows] == paths
    for source in scenario.sources:
        assert source in scenario_section.bullets


def test_sources_list_the_records_the_run_used(default_run, default_report):
    results, cat, _ = default_run
    used = {(kind, rec.id) for kind, rec in used_records(ReportContext(results, cat))}
    phases = results.fleet.phases
    for region in set(phases["region"]):
        assert ("regions", region) in used
    for system in set(phases["system"]):
        assert ("systems", system) in used
    for acc in set(phases["accelerator"]):
        assert ("accelerators", acc) in used
    for deal in results.scenario.deals:
        assert ("deals", deal.id) in used
    assert ("energy", "training-utilisation") in used
    assert ("costs", "systems-payment-terms-months") in used  # not overridden by the scenario
    assert ("costs", "facility-usd-per-w") in used  # the scenario sets it: the table says so
    system = catalog_record(cat, "systems", phases["system"].iloc[0])
    rows = {(row[0], row[1]): row for row in default_report.sections[-1].tables[0].rows}
    assert system.price.source in rows[("systems", system.id)][6]  # the price's own citation
    assert ("power-calibrations", "gpu") in used  # the calibrated training draw of Rubin
    named = {y["country_equivalent"] for y in results.years()} - {None}
    assert named and all(
        ("countries", c.id) in used for c in cat.all("countries") if c.label in named
    )  # the nearest countries the energy comparison names
    table = default_report.sections[-1].tables[0]
    assert len(table.rows) == len(used)
    listed = {(row[0], row[1]): row for row in table.rows}
    for kind, rec_id in used:
        rec = catalog_record(cat, kind, rec_id)
        assert listed[(kind, rec_id)][3].startswith(rec.status)
        overridden = kind == "costs" and rec_id in results.scenario.costs
        assert ("set by the scenario" in listed[(kind, rec_id)][3]) == overridden
        assert listed[(kind, rec_id)][5] == rec.source
    region = catalog_record(cat, "regions", results.fleet.phases["region"].iloc[0])
    assert str(escape(region.name)) in default_report.html


def test_a_catalog_that_does_not_record_still_reports(default_run, catalog):
    results, _, scenario = default_run
    assert catalog.used is None
    report = build_report(results, catalog, inputs=scenario)
    assert report.section_ids[-1] == "sources"
    assert "were not recorded" in report.html


def test_recording_notes_ids_and_aliases(catalog):
    cat = catalog.recording()
    assert cat.used == {} and catalog.used is None
    alias_kind, alias, target = next(
        (kind, a, rid) for kind, table in cat.aliases.items() for a, rid in table.items()
    )
    cat.get(alias_kind, alias.upper())
    cat.all("thresholds")
    assert target in cat.used[alias_kind]
    assert cat.used["thresholds"] == {"*"}
    assert catalog.used is None  # the shared catalog is untouched


# --- any valid scenario gives a report --------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(
    power_gw=st.floats(0.05, 5.0),
    online_month=st.integers(1, 12),
    ramp_months=st.integers(0, 18),
    pue=st.floats(1.0, 1.6),
    basis=st.sampled_from(["facility", "it"]),
)
def test_any_scenario_builds_consistent_sections(power_gw, online_month, ramp_months, pue, basis):
    cat = Catalog.load([TOY_CATALOG]).recording()
    site = {
        "name": "site-a",
        "region": "us-ercot",
        "pue": pue,
        "phases": [
            {
                "online": f"2026-{online_month:02d}",
                "power_gw": power_gw,
                "system": "toy-node",
                "ramp_months": ramp_months,
            }
        ],
    }
    sc = toy_scenario(cat, end="2027-12", power_basis=basis, sites=[site])
    results = simulate(sc, cat)
    sections = build_sections(ReportContext(results, cat, sc))
    assert [s.id for s in sections] == [
        "scenario",
        "buildout",
        "money",
        "ownership",
        "energy",
        "capability",
        "sources",
    ]
    charts = {c.id: c for s in sections for c in s.charts}
    for chart in charts.values():
        for series in chart.series:
            y = np.asarray(series.y, dtype=float)
            assert np.all(np.isnan(y) | np.isfinite(y)), chart.id
    facility = np.sum([s.y for s in charts["buildout-facility-power"].series], axis=0)
    it = np.sum([s.y for s in charts["buildout-it-power"].series], axis=0)
    fleet = results.fleet
    np.testing.assert_allclose(facility * 1e9, fleet.total(fleet.facility_power_w), rtol=1e-12)
    assert np.all(it <= facility * (1 + 1e-12))  # PUE >= 1
    full_gw = power_gw * (pue if basis == "it" else 1.0)
    assert facility.max() <= full_gw * (1 + 1e-12)  # never more than the phase at full power


def test_report_scenario_writes_one_file(tmp_path, catalog):
    files = report_scenario("amd-openai-6gw", catalog=catalog, out=tmp_path / "amd.html")
    assert files.report == tmp_path / "amd.html"
    assert files.png == []
    assert files.sections == [
        "scenario",
        "buildout",
        "money",
        "market",
        "ownership",
        "energy",
        "capability",
        "sensitivity",
        "sources",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["amd.html"]  # no temporary left behind
    page = files.report.read_text(encoding="utf-8")
    assert 'id="tornado-capex-usd-total"' in page and "largest movers" in page


def test_capability_chart_is_the_largest_run(default_run, default_report):
    results, _, _ = default_run
    cap = results.stages["capability"]
    chart = _chart(default_report, "capability-largest-run")
    largest = _series(chart, "Largest run")
    np.testing.assert_allclose(
        np.asarray(largest.y) * 1e27, cap.largest["largest_run_flop"], rtol=1e-12
    )
    refs = [s for s in chart.series if s.dash]
    assert refs and all(len(set(s.y)) == 1 for s in refs)  # flat reference lines
    # a reference run's label carries its compute's provenance: Epoch AI's Grok 3 figure is an
    # analyst estimate (the record's weakest field, its GPU model, is this project's guess)
    grok = next(s for s in refs if s.name.startswith("Grok 3"))
    assert grok.name.endswith("FLOP, analyst)")
    crossings = next(
        t for s in default_report.sections for t in s.tables if t.title.startswith("Thresholds")
    )
    assert any("eu-ai-act-systemic-risk" in row for row in crossings.rows)


def test_frontier_runs_table_shows_the_job_size_and_why_one_site(default_run, default_report):
    """A run's accelerators are its operating point, not the group online: the table shows
    both, and a cross-site run that trains at one site says why (the run's note)."""
    results, _, _ = default_run
    runs = [r.as_dict() for r in results.stages["capability"].runs]
    table = next(
        t for s in default_report.sections for t in s.tables if t.title.endswith("frontier runs")
    )
    col = {c: i for i, c in enumerate(table.columns)}
    for run, row in zip(runs, table.rows, strict=True):
        assert row[col["Accelerators"]] == f"{run['accelerators']:,}"
        assert row[col["Available"]] == f"{run['accelerators_available']:,}"
        assert row[col["Note"]] == run["note"]
    assert any(r["cross_site"] and r["note"].startswith("cross_site allows") for r in runs)
    assert "operating point" in table.note and "largest homogeneous group" in table.note
    section = next(s for s in default_report.sections if s.id == "capability")
    assert "its size set by the rule below, not the whole group" in section.paragraphs[0]


def test_energy_text_says_b200_power_was_measured_on_it(catalog):
    """The B200 carries the share measured on a B200 node (MLPerf Training v5.0): the report must
    not say that no run of it was measured, while the H100 still carries it from another
    generation."""
    from types import SimpleNamespace

    from gigawatt.report.sections import _transferred_power_note

    def phase(system):
        return SimpleNamespace(system=catalog.system(system))

    sites = [SimpleNamespace(phases=[phase("dgx-h100"), phase("dgx-b200")])]
    ctx = SimpleNamespace(
        catalog=catalog, results=SimpleNamespace(scenario=SimpleNamespace(sites=sites))
    )
    text = _transferred_power_note(ctx)
    assert "b200: its 0.682 share of all-in IT power was measured on it for" in text
    assert "h100-sxm: no training run of it has a measured draw" in text
    assert "b200: no training run" not in text


def test_crossings_say_what_each_brings(default_run, default_report):
    """The report's crossings table gives each crossing in force its threshold's catalog
    notification_trigger, and one not in force 'nothing'."""
    results, cat, _ = default_run
    crossings = results.capability.summary(results.year_positions())["crossings"]
    cap = next(s for s in default_report.sections if s.id == "capability")
    table = next(t for t in cap.tables if t.title == "Thresholds crossed, in date order")
    assert table.columns[-1] == "What it brings" and len(table.rows) == len(crossings)
    for row, c in zip(table.rows, crossings, strict=True):
        record = cat.get("thresholds", c["id"])
        if c["in_force"]:
            assert row[-1] == " ".join((record.notification_trigger or "").split())
        elif record.revoked is not None and c["date"] >= record.revoked.isoformat()[:7]:
            assert row[-1] == "nothing"
    assert any(row[-1] == "nothing" for row in table.rows)  # EO 14110's revoked cluster rule


def test_a_crossing_before_a_rule_takes_effect_is_not_nothing(catalog):
    """Before its effective date a rule brings nothing from the crossing, but may still cover
    a model released later: the table says 'nothing yet' with the date, not 'nothing'."""
    from gigawatt.report.capability import _brings

    ny = catalog.get("thresholds", "ny-raise-frontier")
    eo = catalog.get("thresholds", "us-eo-14110-model")
    early = {"date": "2026-06-01", "in_force": False}
    assert _brings(early, ny) == f"nothing yet (in force from {ny.effective.isoformat()})"
    late = {"date": "2026-06-01", "in_force": False}
    assert _brings(late, eo) == "nothing"  # revoked 2025


def test_cost_parameters_table_names_each_unit(default_run, default_report):
    """A cost parameter's value means nothing without its unit (USD per W, a factor...)."""
    _, cat, _ = default_run
    table = next(
        t
        for s in default_report.sections
        for t in s.tables
        if t.title.startswith("Cost parameters the scenario sets")
    )
    assert table.columns[-1] == "Unit"
    for row in table.rows:
        assert row[-1] == cat.parameter(row[0]).unit
    assert any(row[-1] == "usd_per_w" for row in table.rows)


def test_world_share_text_says_the_world_figure_is_a_projection(default_report):
    """The programme's share of the world's compute divides by a trend projection: the text
    must say so, with the base figure's date and both figures' statuses."""
    section = next(s for s in default_report.sections if s.id == "ownership")
    text = section.paragraphs[0]
    assert "a projection, not a count" in text
    assert "H100-equivalents in 2026-01 (analyst)" in text and "a year (analyst)" in text


def test_report_shows_the_runs_caveats(default_run, default_report):
    """What `run` prints as caveats (an estimated BF16 peak, an uncalibrated MFU) is on the
    page too, at the top, not only in the sources' notes."""
    results, _, _ = default_run
    caveats = results.caveats()
    assert caveats
    section = next(s for s in default_report.sections if s.id == "scenario")
    assert [p for p in section.paragraphs if p.startswith("Caveat: ")] == [
        f"Caveat: {c}" for c in caveats
    ]


def test_energy_and_money_headers_say_which_quantity(default_run, default_report):
    """A table header is quoted without its paragraph: the energy columns are facility energy
    (IT x PUE, at the grid connection), as `run` labels them, not IT energy; Released holds
    deal money, to which a warrant (shares, not cash) adds nothing, so not "all tranches"."""
    tables = {t.title: t for s in default_report.sections for t in s.tables}
    energy = tables["Energy by calendar year"]
    col = energy.columns.index("Facility energy [TWh]")
    years = default_run[0].years()
    assert [float(r[col]) for r in energy.rows] == [round(y["energy_twh"], 1) for y in years]
    sites = next(t for t in tables.values() if t.title.startswith("Sites: grid and contracts"))
    assert "Facility energy [TWh]" in sites.columns
    # each site's water beside the yearly table's, under the same labels (energy --json's
    # sites[]): the site's generation water sums, over the sites, to the years' column
    gen = sites.columns.index("Generation water [million m³]")
    assert "Site water [million m³]" in sites.columns
    total_m3 = sum(y["water_generation_m3"] for y in years)
    shown = sum(float(str(r[gen]).replace(",", "")) for r in sites.rows)
    assert shown == pytest.approx(total_m3 / 1e6, abs=0.05 * len(sites.rows))  # 0.1 rounding
    money = next(t for t in tables.values() if t.title.startswith("Money by year"))
    assert "Released (deal money, all kinds) [USD B]" in money.columns
    assert not any("all tranches" in c for t in tables.values() for c in t.columns)


def test_money_text_states_the_warrants_invested_leaves_out(catalog):
    """'Invested: USD 0.0B' quoted alone says AMD gave OpenAI nothing; its deal is a 160M-share
    warrant. The paragraph names the shares vested of those that can vest and their value at
    vesting, from the finance stage's tranches, and that the price path is an assumption."""
    results, cat, scenario = _run("amd-openai-6gw", catalog)
    report = build_report(results, cat, inputs=scenario)
    text = next(s for s in report.sections if s.id == "money").paragraphs[0]
    fin = results.finance
    warrants = [t for t in fin.tranches if t.instrument == "warrant"]
    vested = [t for t in warrants if t.released]
    assert 0 < len(vested) < len(warrants)
    assert (
        f"Invested: USD 0.0B (cash); warrants, which vest shares, not cash: amd-openai-2025 vested "
        f"{sum(t.shares for t in vested) / 1e6:,.1f}M of up to "
        f"{sum(t.shares for t in warrants) / 1e6:,.1f}M amd shares by {fin.summary()['end']} "
        f"(USD {sum(t.value_usd for t in vested) / 1e9:,.1f}B at vesting)"
    ) in text
    assert "drift is an assumption, not a forecast" in text


def test_facility_power_chart_does_not_call_it_the_grid_connection(default_report):
    """Facility power is IT x an annual-average PUE (run's caption: the grid connection's peak
    on the hottest hours is higher), so its chart must not title it the grid connection's."""
    chart = _chart(default_report, "buildout-facility-power")
    assert "grid connection" not in chart.title and "annual-average PUE" in chart.title
    # the energy charts name it as the tables do (`energy_twh`: "Facility energy")
    energy = _chart(default_report, "energy-twh")
    assert energy.title == "Facility energy by site" and energy.y_title == "Facility energy [TWh]"


def test_compute_is_written_as_run_writes_it(default_run, default_report):
    """run prints FLOP as 1.2e27; the report's tables wrote the same figures as 1.15e+27
    (Python's exponent form). Every FLOP cell now reads like run's, to 3 digits."""
    cells = [c for s in default_report.sections for t in s.tables for r in t.rows for c in r]
    assert not [c for c in cells if re.search(r"\de\+\d", c)]
    last = default_run[0].years()[-1]
    tables = {t.title: t for s in default_report.sections for t in s.tables}
    policies = next(t for n, t in tables.items() if n.startswith("Largest run and ceiling"))
    default = next(r for r in policies.rows if "(default)" in r[0])
    assert f"{last['largest_run_flop']:.3g}".replace("e+", "e") in default


def test_a_facility_basis_is_not_called_the_grid_connection(toy_catalog):
    """A facility-basis phase's power is IT x the annual-average PUE; the Build-out says the
    grid connection's peak on the hottest hours is higher, so the scenario paragraph (and run's
    footer, docs/scenarios.md's example) must not say the phases add it 'at the grid
    connection'."""
    from gigawatt.cli.programme import FACILITY_BASIS

    sc = toy_scenario(toy_catalog)
    assert sc.power_basis == "facility"
    sections = build_sections(ReportContext(simulate(sc, toy_catalog), toy_catalog, sc))
    text = " ".join(next(s for s in sections if s.id == "scenario").paragraphs)
    assert "counted at the facility (IT x the site's annual-average PUE;" in text
    assert "counted at the grid connection" not in text
    assert FACILITY_BASIS == "facility (IT x the site's annual-average PUE)"


def test_the_generation_water_chart_says_it_is_a_lower_bound(default_report):
    """run's caption and docs/json.md say generation water counts none for sources without a
    Meldrum et al. factor (hydro), so it is a lower bound; the report's chart of it said only
    how it is computed, and called facility energy 'energy'."""
    note = " ".join(_chart(default_report, "energy-water").note.split())
    assert "Generation water: facility energy x" in note
    assert "sources without a factor, such as hydro, count none, so it is a lower bound" in note


def test_the_money_table_names_deal_purchases_as_run_does(default_report):
    """run's Money column reads 'Of which deal purchases' (alone, 'Purchases 0.0' for
    NVIDIA-OpenAI read as if OpenAI bought no hardware, whose systems are in Capex); the
    report's column said 'of which purchases'."""
    columns = [c for s in default_report.sections if s.id == "money" for t in s.tables
               for c in t.columns]  # fmt: skip
    assert any(c.startswith("of which deal purchases") for c in columns)
    assert not any(c.startswith("of which purchases") for c in columns)
