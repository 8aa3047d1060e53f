"""The report's fast paths write the same bytes as the slow ones they replace: a Sankey chart's
JSON built without Plotly's validation, the template read from Plotly's file, and `urlize`
applied word by word."""

from __future__ import annotations

import json

import jinja2
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from gigawatt import cache as disk_cache
from gigawatt.report.base import Chart, Flow, Series
from gigawatt.report.charts import (
    TEMPLATE,
    TEMPLATE_NAMESPACE,
    _template,
    chart_html,
    figure_json,
    sankey,
)
from gigawatt.report.document import _environment

FLOWS = (
    Flow("openai", "nvidia", 425.767, "cash"),
    Flow("openai", "contractors", 140.0, "cash"),
    Flow("nvidia (investor)", "openai", np.float64(100.25), "warrant-value"),
    Flow("openai", "utilities", 19, "cash"),
)


def _flows_chart(flows=FLOWS) -> Chart:
    return Chart(
        id="flows",
        title="Flows between the parties",
        x_title="party",
        y_title="Money [USD B]",
        series=(Series("cash", ("a",), (1.0,)),),
        flows=flows,
    )


def test_the_template_is_plotlys_own():
    """The JSON (order included) that `pio.templates[...]` expands the template to."""
    ours = json.dumps(_template())
    assert ours == json.dumps(pio.templates[TEMPLATE].to_plotly_json())


@pytest.mark.parametrize("flows", [FLOWS, FLOWS[:1], FLOWS[2:]])
def test_a_sankey_is_plotlys_json_byte_for_byte(flows, tmp_path, monkeypatch):
    """The Sankey JSON (key order included, so the page's bytes) equals Plotly's validated
    figure's, with the validated template built afresh and read back from the cache."""
    monkeypatch.setenv(disk_cache.ENV_VAR, str(tmp_path))
    from gigawatt.report import charts

    chart = _flows_chart(flows)
    expected = json.dumps(sankey(chart).to_plotly_json())
    for _ in range(2):  # built (then stored), then read from the persistent cache
        charts._layout_template.cache_clear()
        assert json.dumps(figure_json(chart)) == expected
    assert disk_cache.info().namespaces == {TEMPLATE_NAMESPACE: 1}
    assert [t.type for t in go.Figure(figure_json(chart)).data] == ["sankey"]
    import plotly  # another Plotly: its own entry, not the other version's

    monkeypatch.setattr(plotly, "__version__", "0.0.0-another")
    charts._layout_template.cache_clear()
    assert json.dumps(figure_json(chart)) == expected
    assert disk_cache.info().namespaces == {TEMPLATE_NAMESPACE: 2}
    charts._layout_template.cache_clear()


TEXTS = [
    "plain words only",
    "Epoch AI, 'Data on AI', https://epoch.ai/data (2025-03-01), table 2.",
    "see www.example.org/page, or (https://example.com/a_(b)) and <b>bold</b> & more",
    "mail info@example.com or mailto:x@y.org; ratio 3.5:1 at 10:30.",
    "  leading and trailing spaces \n and\ttabs  ",
    "IEA (2024). Electricity 2024. iea.org/reports; 1.2 GW",
    "http://localhost:8080/x and https://[::1]/ and 192.168.0.1",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_urlize_word_by_word_is_jinjas(text):
    source = '{{ t | urlize(target="_blank", rel="noopener noreferrer") }}|{{ t | urlize }}'
    ours = _environment().from_string(source).render(t=text)
    plain = jinja2.Environment(autoescape=True).from_string(source).render(t=text)
    assert ours == plain


def test_the_default_report_is_the_same_page_with_jinjas_urlize(default_run, monkeypatch):
    """Every text of the default scenario's report (its sources table above all) links the
    same with the word-by-word filter as with Jinja's own."""
    from jinja2.filters import do_urlize

    from gigawatt.report import build_report, document

    results, cat, scenario = default_run
    ours = build_report(results, cat, inputs=scenario).html
    monkeypatch.setattr(document, "_urlize", do_urlize)
    assert build_report(results, cat, inputs=scenario).html == ours


ODD = Chart(
    id="odd-values",
    title="Odd </script> values & <tags>",
    x_title="month",
    y_title="Power [GW]",
    series=(
        Series("nan and inf", ("2026-01", "2026-02", "2026-03"), (float("nan"), float("inf"), 1)),
        Series("numpy", ("a", "b"), (np.float64(0.1), np.float64(-2.5e-300))),
        Series("a/b <c>", ("x",), (-float("inf"),), hover=("NaN text, Infinity text",)),
    ),
)
#: NumPy integers are not plain JSON: Plotly's own encoder writes this one.
NUMPY_INTS = Chart(
    id="numpy-ints",
    title="Counts",
    x_title="year",
    y_title="Count [accelerators]",
    series=(Series("n", (np.int64(2026), np.int64(2027)), (np.int64(3), 4)),),
    x_type="year",
)


def test_chart_html_is_plotlys_html(default_run, tmp_path, monkeypatch):
    """Each chart of the default report, a Sankey, one of odd values (NaN, infinities, NumPy
    floats, markup in strings) and one of NumPy integers give Plotly's own HTML, with the
    pieces Plotly writes built afresh and read back from the persistent cache."""
    monkeypatch.setenv(disk_cache.ENV_VAR, str(tmp_path))
    from gigawatt.report import build_report, charts

    results, cat, scenario = default_run
    page_charts = build_report(results, cat, inputs=scenario).charts
    for _ in range(2):
        charts._html_pieces.cache_clear()
        for chart in [*page_charts, _flows_chart(), ODD, NUMPY_INTS]:
            assert chart_html(chart) == charts._plotly_html(figure_json(chart), chart.id)
    assert charts._html_pieces()  # the pieces were found, so the fast path ran
    assert charts._plain_json(figure_json(ODD)["data"]) is not None
    assert charts._plain_json(figure_json(NUMPY_INTS)["data"]) is None


@pytest.fixture(scope="module")
def default_run(catalog):
    from gigawatt.scenario import load_scenario
    from gigawatt.simulate import simulate

    cat = catalog.recording()
    scenario = load_scenario("nvidia-openai-10gw", cat)
    return simulate(scenario, cat), cat, scenario


def test_plotlys_html_pieces_are_kept_per_chart_height(tmp_path, monkeypatch):
    """The pieces hold the chart height (the <div>'s style, the layout stand-in): pieces
    written at one height are not read back at another (they were, keyed by Plotly's version
    and the config alone: a KeyError, or the old height)."""
    monkeypatch.setenv(disk_cache.ENV_VAR, str(tmp_path))
    from gigawatt.report import charts

    chart = _flows_chart()
    charts._html_pieces.cache_clear()
    assert chart_html(chart) == charts._plotly_html(figure_json(chart), chart.id)
    height = charts.HEIGHT_PX + 80
    monkeypatch.setattr(charts, "HEIGHT_PX", height)
    monkeypatch.setattr(charts, "_SLOT_LAYOUT", {**charts._SLOT_LAYOUT, "height": height})
    charts._html_pieces.cache_clear()
    try:
        html = chart_html(chart)
        assert html == charts._plotly_html(figure_json(chart), chart.id)
        assert f"height:{height}px" in html
        assert disk_cache.info().namespaces[TEMPLATE_NAMESPACE] >= 2
    finally:
        charts._html_pieces.cache_clear()
