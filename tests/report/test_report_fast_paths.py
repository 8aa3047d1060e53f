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
from gigawatt.report.charts import TEMPLATE, TEMPLATE_NAMESPACE, _template, figure_json, sankey
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


def test_the_default_report_is_the_same_page_with_jinjas_urlize(catalog, monkeypatch):
    """Every text of the default scenario's report (its sources table above all) links the
    same with the word-by-word filter as with Jinja's own."""
    from jinja2.filters import do_urlize

    from gigawatt.report import build_report, document
    from gigawatt.scenario import load_scenario
    from gigawatt.simulate import simulate

    cat = catalog.recording()
    scenario = load_scenario("nvidia-openai-10gw", cat)
    results = simulate(scenario, cat)
    ours = build_report(results, cat, inputs=scenario).html
    monkeypatch.setattr(document, "_urlize", do_urlize)
    assert build_report(results, cat, inputs=scenario).html == ours
