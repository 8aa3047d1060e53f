"""The energy model's cited defaults: `energy` records of the catalog (catalog/energy.yaml)."""

from __future__ import annotations

from gigawatt.catalog import Catalog
from gigawatt.distributions import point


def energy_param(catalog: Catalog, parameter_id: str) -> float:
    """The point value of an `energy` catalog parameter (a plain run's value)."""
    return point(catalog.get("energy", parameter_id).value)  # type: ignore[attr-defined]
