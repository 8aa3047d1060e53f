"""`gigawatt report --sweep STORE`: P10/P50/P90 bands of the scenario's latest sweep."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.app import report as report_scenario
from gigawatt.errors import InputError
from gigawatt.sweep import run_sweep


@pytest.fixture(scope="module")
def store(tmp_path_factory, catalog):
    path = tmp_path_factory.mktemp("sweeps") / "sweeps.duckdb"
    run_sweep("amd-openai-6gw", 8, seed=3, store_path=path, catalog=catalog, progress=None)
    return path


def test_report_draws_the_sweeps_bands(store, tmp_path, catalog):
    from gigawatt.report.bands import find_sweep
    from gigawatt.scenario import load_scenario

    files = report_scenario("amd-openai-6gw", catalog=catalog, out=tmp_path / "r.html", sweep=store)
    assert "bands" in files.sections
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<section id="bands"' in page and "bands-facility-power-gw" in page
    # the page says what the bands leave out and that a P10 line is not one sample's path
    assert "Held fixed in every sample, so outside these bands: every catalog value" in page
    assert "the P10 line is not one sample&#39;s path" in page
    assert "P50 is the median over the samples, not the plain run" in page
    assert "each is drawn independently of the others" in page
    assert "Largest run started in December: compute" in page  # which run the band is of
    sweep = find_sweep(store, load_scenario("amd-openai-6gw", catalog), catalog)
    assert sweep.completed == 8
    p10, p50, p90 = sweep.band("facility_power_gw")
    assert p10 <= p50 <= p90


def test_band_chart_values_are_the_stores(store, catalog):
    from gigawatt.report.bands import _band_chart, find_sweep
    from gigawatt.scenario import load_scenario

    sweep = find_sweep(store, load_scenario("amd-openai-6gw", catalog), catalog)
    chart = _band_chart(sweep, "cumulative_capex_usd", "Capex", "Capex [USD billion]", 1e9)
    p90, p50, p10 = (np.asarray(s.y) for s in chart.series)
    assert np.all(p10 <= p50) and np.all(p50 <= p90)
    last = sweep.band("cumulative_capex_usd")
    np.testing.assert_allclose([p10[-1], p50[-1], p90[-1]], np.asarray(last) / 1e9)


def test_a_store_without_this_scenario_is_an_input_error(store, tmp_path, catalog):
    with pytest.raises(InputError, match="holds no sweep of this scenario 'stargate-10gw'"):
        report_scenario("stargate-10gw", catalog=catalog, out=tmp_path / "s.html", sweep=store)
    assert not (tmp_path / "s.html").exists()


def test_inputs_are_written_as_the_tornado_writes_them(store, catalog):
    """A valuation quantile read 492,159,626,618.932 (USD to a thousandth of a dollar): the
    inputs table now writes each value as the tornado's does (`fmt_value`)."""
    from types import SimpleNamespace

    from gigawatt.display import fmt_value
    from gigawatt.report.bands import _inputs_table

    rows = [{"path": "v", "p10": 492_159_626_618.932, "p50": 1.1493, "p90": None}]
    table = _inputs_table(SimpleNamespace(inputs=lambda: rows))  # type: ignore[arg-type]
    assert table.rows == (("v", "492,159,626,619", "1.149", ""),)
    from gigawatt.report.bands import find_sweep
    from gigawatt.scenario import load_scenario

    sweep = find_sweep(store, load_scenario("amd-openai-6gw", catalog), catalog)
    for row, i in zip(_inputs_table(sweep).rows, sweep.inputs(), strict=True):
        assert row[1:] == tuple(fmt_value(i[q]) for q in ("p10", "p50", "p90"))
