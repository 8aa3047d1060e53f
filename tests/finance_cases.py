"""Small scenarios and deals for the finance tests, with round numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conftest import toy_scenario_data
from gigawatt.buildout import build_fleet
from gigawatt.catalog import Catalog
from gigawatt.finance import Finance, run_finance
from gigawatt.scenario import parse_scenario

#: Costs pinned to round values so that every figure can be worked out by hand. The toy system
#: is 1 kW all-in and USD 30,000 per accelerator; at PUE 1.25 a GW at the grid is 0.8 GW of IT,
#: 800,000 accelerators: systems USD 24B, facility 10 x 0.8e9 = USD 8B, power 8 x 1e9 = USD 8B.
ROUND_COSTS = {
    "facility_usd_per_w": 10.0,
    "power_usd_per_w": 8.0,
    "power_construction_months": 4,
    "systems_delivery_lead_months": 2,
    "systems_payment_terms_months": 2,
    "opex_operations_share_per_year": 0.03,
}


def phase(online: str, power_gw: float = 1.0, **kw: Any) -> dict[str, Any]:
    return {"online": online, "power_gw": power_gw, "system": "toy-node", **kw}


def scenario_data(phases: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    """The toy scenario (site in us-ercot, PUE 1.25, facility basis) with these phases."""
    data = toy_scenario_data(**kw)
    data["sites"][0]["phases"] = phases
    data.setdefault("costs", dict(ROUND_COSTS))
    return data


def deal(tranches: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    """A definitive deal signed 2026-01 by `inv` in `tee`, with these tranches."""
    out = {
        "id": "test-deal",
        "source": "test fixture",
        "as_of": "2026-01-01",
        "status": "estimate",
        "investor": "inv",
        "investee": "tee",
        "vendor": "test",
        "stage": "definitive",
        "announced": "2026-01-01",
        "signing": "2026-01",
        "tranches": tranches,
    }
    out.update(kw)
    return out


def tranche(trigger: dict[str, Any], amount_usd: float = 1e9, **instrument: Any) -> dict[str, Any]:
    instrument.setdefault("type", "cash")
    return {
        "name": f"t {trigger}",
        "amount_usd": amount_usd,
        "trigger": trigger,
        "instrument": instrument,
    }


def finance_of(data: dict[str, Any], catalog: Catalog, rng=None) -> Finance:
    scenario = parse_scenario(data, catalog).resolve()
    fleet = build_fleet(scenario, catalog)
    return run_finance(scenario, catalog, fleet, rng=rng)


def price_catalog(tmp_path: Path, **amd: Any) -> Catalog:
    """The toy catalog plus an `amd` share-price process with these fields changed."""
    record = {
        "id": "amd",
        "source": "test fixture",
        "as_of": "2026-01-01",
        "status": "estimate",
        "process": "share-price",
        "start_usd": 203.71,
        "start_month": "2026-01",
        "drift_per_year": 0.0,
        "volatility_per_year": 0.0,
    }
    record.update(amd)
    folder = tmp_path / "prices-catalog"
    folder.mkdir(exist_ok=True)
    (folder / "prices.yaml").write_text(yaml.safe_dump([record]))
    return Catalog.load([Path(__file__).parent / "data" / "toy-catalog", folder])


def by_month(fin: Finance) -> dict[str, int]:
    """Month label -> axis index."""
    return {str(m): i for i, m in enumerate(fin.month_labels)}
