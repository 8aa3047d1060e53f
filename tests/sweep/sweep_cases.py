"""Small uncertain scenarios on the toy system, for the sweep tests (about 10 ms a sample)."""

from __future__ import annotations

from typing import Any

from conftest import toy_scenario_data
from gigawatt.catalog import Catalog
from gigawatt.scenario import Scenario, parse_scenario

#: Phase power drawn from a triangular distribution [GW at the grid connection].
POWER_LOW, POWER_MODE, POWER_HIGH = 0.5, 1.0, 2.0


def uncertain_data(**overrides: Any) -> dict[str, Any]:
    """The toy scenario (facility basis, one phase online 2026-03, no ramp) with three uncertain
    inputs: PUE, the phase's power and its delay (0 to 2 months, so it is online by December)."""
    data = toy_scenario_data(**overrides)
    site = data["sites"][0]
    site["pue"] = {"uniform": {"low": 1.1, "high": 1.3}}
    site["phases"][0]["power_gw"] = {
        "triangular": {"low": POWER_LOW, "mode": POWER_MODE, "high": POWER_HIGH}
    }
    site["phases"][0]["delay_months"] = {"choice": {"values": [0, 1, 2]}}
    return data


def uncertain_scenario(catalog: Catalog, **overrides: Any) -> Scenario:
    return parse_scenario(uncertain_data(**overrides), catalog)
