"""The least-cost supply case docs/models/energy.md quotes: a flat 1 GW campus at ERCOT in
2027, solved over a year without and with a CO2 cap (tests/energy/test_energy_doc.py checks
the page's figures, benchmarks/bench_energy.py times the solves, tests/energy/test_supply.py
solves the same campus over a week)."""

from __future__ import annotations

from gigawatt.catalog import Catalog
from gigawatt.energy.supply import SupplyInputs, region_supply_inputs

#: The cap the page quotes; binding, as gas alone would emit about 3 Mt a year at 1 GW.
CO2_CAP_T = 500_000.0


def ercot_campus(
    catalog: Catalog, *, hours: int = 8760, co2_cap_t_per_year: float | None = None
) -> SupplyInputs:
    """The 1 GW campus ("abilene") at the `us-ercot` region's grid price, carbon intensity and
    coordinates, in 2027, over the first `hours` of the year."""
    return region_supply_inputs(
        catalog,
        "us-ercot",
        site="abilene",
        load_mw=1000.0,
        year=2027,
        hours=hours,
        co2_cap_t_per_year=co2_cap_t_per_year,
    )
