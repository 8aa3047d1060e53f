"""The report's tornado in the persistent cache (gigawatt.app.report_tornado): read back equal to
a computed one with the same catalog lookups noted (runs at once, then again, write the same
files), and computed again for another scenario, catalog or code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TOY_CATALOG, toy_scenario_data
from gigawatt import app, cache
from gigawatt.catalog import CACHE_NAMESPACE as CATALOG_NAMESPACE
from gigawatt.report.charts import TEMPLATE_NAMESPACE
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


def _gigawatt(*args: str, env: dict[str, str]) -> subprocess.Popen:
    command = [sys.executable, "-c", "from gigawatt_entry import main; main()", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()
    return out.decode()


def test_runs_at_once_then_again_write_the_same_files(tmp_path):
    """Two `gigawatt run` at once into one empty cache, then a third reading it back: one
    entry per cached thing (catalog, tornado, Plotly's pieces), every file the same byte for
    byte (the sources table included); `gigawatt cache info` lists them, `clear` empties it."""
    env = {**os.environ, cache.ENV_VAR: str(tmp_path / "cache")}
    scenario = tmp_path / "toy.yaml"
    data = toy_scenario_data()
    data["sites"][0]["phases"][0]["power_gw"] = _uniform(0.5, 1.5)
    scenario.write_text(json.dumps(data), encoding="utf-8")
    outs = [tmp_path / "first", tmp_path / "second", tmp_path / "third"]

    def run(out: Path) -> subprocess.Popen:
        return _gigawatt(
            "--catalog", str(TOY_CATALOG), "run", str(scenario), "--out", str(out), env=env
        )

    for process in [run(outs[0]), run(outs[1])]:  # at once: concurrent writers
        _finish(process)
    _finish(run(outs[2]))
    names = sorted(p.name for p in outs[0].iterdir())
    assert "report.html" in names
    for out in outs[1:]:
        assert sorted(p.name for p in out.iterdir()) == names
        for name in names:
            assert (out / name).read_bytes() == (outs[0] / name).read_bytes(), (out, name)
    info = json.loads(_finish(_gigawatt("cache", "info", "--json", env=env)))
    assert info["namespaces"][app.TORNADO_NAMESPACE] == 1
    assert info["namespaces"][CATALOG_NAMESPACE] == 1
    assert info["namespaces"][TEMPLATE_NAMESPACE] >= 1
    cleared = json.loads(_finish(_gigawatt("cache", "clear", "--json", env=env)))
    assert (cleared["removed"], cleared["entries"]) == (info["entries"], 0)


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


def test_a_catalog_not_recording_stores_nothing(cache_dir, toy_catalog, monkeypatch):
    """A tornado computed with a catalog that records no lookups (`write_run` called with
    `Catalog.load()`) is not stored: its entry would list no lookups, and a report reading it
    back would miss the tornado's records in its table of sources."""
    calls = _counted(monkeypatch)
    sc, _, base = _toy(toy_catalog)
    assert toy_catalog.used is None
    app.report_tornado(sc, toy_catalog, base)
    assert cache.info().namespaces.get(app.TORNADO_NAMESPACE, 0) == 0
    sc2, cat2, base2 = _toy(toy_catalog)  # a recording view: computed, its lookups stored
    app.report_tornado(sc2, cat2, base2)
    assert len(calls) == 2 and cache.info().namespaces[app.TORNADO_NAMESPACE] == 1
