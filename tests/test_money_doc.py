"""docs/models/money.md: every number on the page is generated (tools/money_doc.py) and current."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("money_doc", ROOT / "tools" / "money_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_money_page_tables_are_current(catalog):
    tool = _tool()
    text = tool.PAGE.read_text(encoding="utf-8")
    assert tool.update(text, catalog) == text, (
        "docs/models/money.md is out of date: run .venv/bin/python tools/money_doc.py"
    )


def test_money_page_prose_types_no_figures():
    """Outside the generated blocks, no money or price figure is typed by hand."""
    text = (ROOT / "docs" / "models" / "money.md").read_text(encoding="utf-8")
    prose = re.sub(r"<!-- generated:(\S+) -->.*?<!-- /generated:\1 -->", "", text, flags=re.S)
    assert not re.findall(r"USD\s*[0-9]|\$\s*[0-9]|[0-9]+(\.[0-9]+)?\s*(B|M|k)\b", prose)


def test_hourly_energy_on_the_page_is_what_the_finance_model_bills(catalog):
    """The page's ownership cost per accelerator-hour puts energy at the draw the finance model
    bills (the energy stage's calibrated training draw: 1,910 W of Vera Rubin NVL72's 2,800 W
    all-in), not at full load, which read 47 % higher than `finance` and `train` charge."""
    from gigawatt.scenario import parse_scenario
    from gigawatt.simulate import simulate

    tool = _tool()
    data = {
        "name": "one-rubin-gw",
        "start": "2027-01",
        "end": "2028-12",
        "power_basis": "it",
        "sites": [{"name": "s", "region": tool.REGION, "pue": tool.PUE, "phases": [
            {"online": "2027-01", "power_gw": 1.0, "system": "vera-rubin-nvl72"}]}],
    }  # fmt: skip
    # as `finance` and `run` bill it: priced on the energy stage's MWh
    fin = simulate(parse_scenario(data, catalog), catalog, until="finance").finance
    assert fin.energy_source == "energy stage"
    year = next(y for y in fin.years() if y["year"] == 2028)  # full output all year
    accelerators = fin.phases["accelerators_full"].iloc[0]
    billed = year["opex_energy_usd"] / (accelerators * 366 * 24)
    row = next(
        line for line in tool.hourly_costs(catalog).splitlines() if "`vera-rubin-nvl72`" in line
    )
    energy = float(row.split("|")[5])  # System, Systems, Facility + power, Operations, Energy
    assert energy == pytest.approx(billed, abs=0.005)  # the page rounds to cents
