"""The report's tornado in the persistent cache (gigawatt.app.report_tornado): read back equal to
a computed one with the same catalog lookups noted (a second run writes the same files), and
computed again for another scenario, catalog or code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import TOY_CATALOG, toy_scenario_data
from gigawatt import app, cache
from gigawatt.scenario import parse_scenario
from gigawatt.simulate import simulate
from gigawatt.sweep import sensitivity


def _uniform(low: float, high: float) -> dict:
    return {"uniform": {"low": low, "high": high}}


def _toy(catalog, high: float = 4.0):
    """A fresh recording view, the scenario parsed and simulated with it."""
    data = toy_scenario_data()
    data["sites"][0]["phases"] = [
        {"online": "2026-03", "power_gw": _uniform(0.5, 1.5), "system": "toy-node"},
        {"online": "2026-04", "power_gw": _uniform(1.0, high), "system": "toy-node"},
    ]
    data["costs"] = {"system-price-scale": _uniform(0.8, 1.2)}
    cat = catalog.recording()
    sc = parse_scenario(data, cat)
    return sc, cat, simulate(sc, cat)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(folder))
    return folder


def _counted(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = sensitivity.tornado

    def counted(scenario, catalog, base_results=None, keys=None):
        calls.append(scenario.name)
        return real(scenario, catalog, base_results=base_results, keys=keys)

    monkeypatch.setattr(sensitivity, "tornado", counted)
    return calls


def test_read_back_equal_and_lookups_noted(cache_dir, toy_catalog, monkeypatch):
    """Computed, then read back (not computed again): the same bars, and the lookups the
    tornado's runs made are noted in the recording view that reads it back."""
    calls = _counted(monkeypatch)
    sc, cat, base = _toy(toy_catalog)
    before = {kind: set(ids) for kind, ids in cat.used.items()}
    first = app.report_tornado(sc, cat, base)
    assert calls == ["toy"] and cache.info().namespaces[app.TORNADO_NAMESPACE] == 1
    sc2, cat2, base2 = _toy(toy_catalog)
    cat2.used.clear()
    cat2.used.update({kind: set(ids) for kind, ids in before.items()})
    again = app.report_tornado(sc2, cat2, base2)
    assert calls == ["toy"]  # not computed again
    assert repr(again) == repr(first)  # (NaN bars: equal reprs, not ==)
    assert cat2.used == cat.used


def test_a_second_run_writes_the_same_files(tmp_path, monkeypatch):
    """`gigawatt run` twice in new processes with one cache: the second reads the tornado
    back, and every file it writes is the same, byte for byte (the sources table included)."""
    env = {**os.environ, cache.ENV_VAR: str(tmp_path / "cache")}
    scenario = tmp_path / "toy.yaml"
    data = toy_scenario_data()
    data["sites"][0]["phases"][0]["power_gw"] = _uniform(0.5, 1.5)
    scenario.write_text(json.dumps(data), encoding="utf-8")
    outs = [tmp_path / "first", tmp_path / "second"]
    for out in outs:
        subprocess.run(
            [sys.executable, "-c", "from gigawatt_entry import main; main()", "--catalog",
             str(TOY_CATALOG), "run", str(scenario), "--out", str(out)],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    assert cache.info().namespaces[app.TORNADO_NAMESPACE] == 1
    names = sorted(p.name for p in outs[0].iterdir())
    assert "report.html" in names and names == sorted(p.name for p in outs[1].iterdir())
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_another_scenario_or_code_computes_again(cache_dir, toy_catalog, monkeypatch):
    calls = _counted(monkeypatch)
    app.report_tornado(*_toy(toy_catalog))
    app.report_tornado(*_toy(toy_catalog, high=5.0))  # another input range
    assert len(calls) == 2
    monkeypatch.setattr(cache, "source_digest", lambda: "edited code")
    app.report_tornado(*_toy(toy_catalog))
    assert len(calls) == 3
    assert cache.info().namespaces[app.TORNADO_NAMESPACE] == 3


def test_another_catalog_computes_again(cache_dir, catalog, toy_catalog, monkeypatch):
    """The toy catalog adds a record to the shipped one: its digest differs."""
    calls = _counted(monkeypatch)
    sc, cat, base = _toy(toy_catalog)
    app.report_tornado(sc, cat, base)
    assert app._catalog_sha256(cat) != app._catalog_sha256(catalog)
    monkeypatch.setattr(app, "_catalog_sha256", lambda c: "another catalog")
    app.report_tornado(*_toy(toy_catalog))
    assert len(calls) == 2
