"""Catalogs and scenarios for the capability tests (toy hardware with round numbers)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from conftest import DATA, TOY_CATALOG, toy_scenario_data
from gigawatt.catalog import Catalog
from gigawatt.scenario import Scenario, parse_scenario

TOY_CAPABILITY = DATA / "toy-capability"
TOY_CAPABILITY_SEARCH = DATA / "toy-capability-search"
DAY_S = 86_400.0
#: 2^19 toy accelerators (1 kW all-in each) on the IT basis; the half watt-unit keeps the floor
#: of IT power / 1 kW exact.
POWER_GW_2_19 = 0.5242885


@cache
def fixed_catalog() -> Catalog:
    """Toy hardware, a never-failing toy system, MFU fixed at 0.5, GPT-3 as the reference."""
    return Catalog.load([TOY_CATALOG, TOY_CAPABILITY])


@cache
def search_catalog() -> Catalog:
    """As `fixed_catalog`, with the MFU from the perf search of a 1.7B model."""
    return Catalog.load([TOY_CATALOG, TOY_CAPABILITY, TOY_CAPABILITY_SEARCH])


def site(
    name: str, power_gw: float, *, system: str = "toy-node-ft", region: str = "us-ercot"
) -> dict[str, Any]:
    """A site with one phase online from 2026-03 (PUE 1.25)."""
    return {
        "name": name,
        "region": region,
        "pue": 1.25,
        "phases": [{"online": "2026-03", "power_gw": power_gw, "system": system}],
    }


def scenario_data(**overrides: Any) -> dict[str, Any]:
    """One site of 2^19 never-failing toy accelerators (IT basis) from 2026-03."""
    data = toy_scenario_data(power_basis="it", sites=[site("site-a", POWER_GW_2_19)])
    data.update(overrides)
    return data


def scenario(catalog: Catalog, **overrides: Any) -> Scenario:
    return parse_scenario(scenario_data(**overrides), catalog).resolve()


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data))  # JSON is YAML
    return path
