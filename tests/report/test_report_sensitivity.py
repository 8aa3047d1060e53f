"""The report's sensitivity section: a tornado of the headline outputs, ranked, drawn as
horizontal bars in Plotly and in the PNGs."""

from __future__ import annotations

import json
import math

import pytest

from conftest import TOY_CATALOG, toy_scenario_data
from gigawatt.report import build_report
from gigawatt.report.charts import figure
from gigawatt.report.png import render_png
from gigawatt.scenario import parse_scenario
from gigawatt.simulate import simulate
from gigawatt.sweep.headline import headline_column, headline_outputs
from gigawatt.sweep.sensitivity import tornado, tornado_design
from test_cli import cli


def _uniform(low: float, high: float) -> dict:
    return {"uniform": {"low": low, "high": high}}


@pytest.fixture(scope="module")
def toy(toy_catalog):
    """Two phases of uncertain size and an uncertain capex per GW."""
    data = toy_scenario_data()
    data["sites"][0]["phases"] = [
        {"online": "2026-03", "power_gw": _uniform(0.5, 1.5), "system": "toy-node"},
        {"online": "2026-04", "power_gw": _uniform(1.0, 4.0), "system": "toy-node"},
    ]
    data["costs"] = {"system-price-scale": _uniform(0.8, 1.2)}
    cat = toy_catalog.recording()
    sc = parse_scenario(data, cat)
    return sc, cat, simulate(sc, cat)


def test_tornado_reuses_nothing_it_should_not(toy):
    """The shortcut (a money input reuses the point-value run's capability) gives what full
    simulations give."""
    sc, cat, base = toy
    outputs = {o.key: o for o in tornado(sc, cat, base_results=base)}
    design = tornado_design(sc)
    for j, path in enumerate(design.paths):
        for row, attr in ((2 * j + 1, "output_low"), (2 * j + 2, "output_high")):
            full = headline_outputs(simulate(sc.with_inputs(design.row(row)), cat))
            for key, out in outputs.items():
                bar = next(b for b in out.tornado if b.input == path)
                assert getattr(bar, attr) == pytest.approx(full.get(key, math.nan), nan_ok=True), (
                    key,
                    path,
                )


def test_section_ranks_and_draws_the_tornado(toy):
    sc, cat, base = toy
    outputs = tornado(sc, cat, base_results=base)
    report = build_report(base, cat, inputs=sc, tornado=outputs)
    assert "sensitivity" in report.section_ids
    section = next(s for s in report.sections if s.id == "sensitivity")
    power = next(c for c in section.charts if c.id == "tornado-facility-power-gw-end")
    assert power.horizontal
    # the largest swing on top: plotly draws the last category at the top
    assert power.series[0].x[-1] == "sites[0].phases[1].power_gw"
    assert power.series[0].y[-1] == pytest.approx(-1.2)  # P10 of U(1, 4) is 1.3 vs 2.5
    assert power.series[1].y[-1] == pytest.approx(1.2)
    fig = figure(power)
    assert fig.data[0].orientation == "h" and fig.layout.xaxis.title.text == "Change [GW]"
    assert render_png(power).startswith(b"\x89PNG")
    capex = next(c for c in section.charts if c.id == "tornado-capex-usd-total")
    assert "costs.system-price-scale" in capex.series[0].x
    table = section.tables[0]
    row = next(r for r in table.rows if r[0].startswith("Facility power at the end"))
    assert row[1] == "3.50" and row[2].startswith("sites[0].phases[1].power_gw: 2.30 to 4.70")
    assert f'id="{power.id}"' in report.html
    # the inputs' ranges are shown (P10 and P90 of U(1, 4): 1.3 and 3.7) and what is not varied
    ranges = next(t for t in section.tables if t.title.startswith("The inputs and the values"))
    assert ("sites[0].phases[1].power_gw", "1.3", "3.7") in ranges.rows
    assert any(
        p.startswith("Not varied, so no bar can show them: every catalog value")
        for p in section.paragraphs
    )
    assert "counted on the scenario's power basis (facility)" in " ".join(section.paragraphs)
    # an output no input moves says so rather than showing empty cells
    still = [o for o in outputs if not any(b.swing > 0 for b in o.tornado)]
    assert still
    for o in still:
        row = next(r for r in table.rows if r[0].startswith(headline_column(o.key).header))
        assert row[2:] == ("no input moves it", "", "")


def test_no_uncertain_inputs_no_section(toy_catalog):
    cat = toy_catalog.recording()
    sc = parse_scenario(toy_scenario_data(), cat)
    report = build_report(simulate(sc, cat), cat, inputs=sc, tornado=None)
    assert "sensitivity" not in report.section_ids


def test_no_sensitivity_leaves_the_tornado_out(capsys, tmp_path):
    out = tmp_path / "r.html"
    args = ["report", "amd-openai-6gw", "--out", str(out), "--no-sensitivity", "--json"]
    code, stdout, err = cli(capsys, *args)
    assert code == 0, err
    assert "sensitivity" not in json.loads(stdout)["sections"]


def test_whole_number_inputs_show_the_rounded_value_the_runs_use(toy_catalog, capsys, tmp_path):
    """A delay is whole months: the tornado sets it to the rounded quantile, so the tables
    show that value first (P10 of U(0.2, 2.9) is 0.47: the run uses 0)."""
    import yaml

    data = toy_scenario_data()
    data["sites"][0]["phases"][0]["delay_months"] = _uniform(0.2, 2.9)
    cat = toy_catalog.recording()
    sc = parse_scenario(data, cat)
    base = simulate(sc, cat)
    report = build_report(base, cat, inputs=sc, tornado=tornado(sc, cat, base_results=base))
    section = next(s for s in report.sections if s.id == "sensitivity")
    ranges = next(t for t in section.tables if t.title.startswith("The inputs and the values"))
    assert ranges.rows == (("sites[0].phases[0].delay_months", "0 (0.47)", "3 (2.63)"),)
    path = tmp_path / "delay.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    store = str(tmp_path / "s.duckdb")
    args = ["--catalog", str(TOY_CATALOG), "sensitivity", str(path), "--store", store]
    code, out, err = cli(capsys, *args, "--method", "tornado", "--json")
    assert code == 0, err
    (only,) = json.loads(out)["inputs"]
    assert only["whole_number"] is True and only["p10"] == pytest.approx(0.47)
    code, out, err = cli(capsys, *args, "--method", "tornado")
    assert code == 0, err
    assert "0 (0.47)" in out and "3 (2.63)" in out


def test_a_rounding_error_swing_is_no_mover():
    """A swing of 2e-16 of the output (as campus 1's delay on capex in the sensitivity page's
    example) is rounding error: neither a bar nor a mover; a real swing stays."""
    from gigawatt.report.sensitivity import _chart, _table
    from gigawatt.sweep.sensitivity import OutputSensitivity, TornadoBar

    base = 72e9
    noise = TornadoBar("sites[0].phases[0].delay_months", 1.0, 6.0, base, base * (1 + 2e-16))
    real = TornadoBar("sites[0].pue", 1.1, 1.3, 73e9, 69e9)
    flat = OutputSensitivity(key="capex_usd_total", base=base, tornado=[noise])
    assert _chart(flat) is None
    assert _table([flat]).rows[0][2] == "no input moves it"
    both = OutputSensitivity(key="capex_usd_total", base=base, tornado=[real, noise])
    row = _table([both]).rows[0]
    assert row[2].startswith("sites[0].pue: ") and row[3] == ""
    chart = _chart(both)
    assert chart is not None and list(chart.series[0].x) == ["sites[0].pue"]
