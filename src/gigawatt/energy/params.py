"""The energy model's cited defaults: `energy` records of the catalog (catalog/energy.yaml) and
the fitted training draw per generation (catalog/power-calibrations.yaml)."""

from __future__ import annotations

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import PowerCalibration
from gigawatt.distributions import point

POWER_CALIBRATIONS = "power-calibrations"


def energy_param(catalog: Catalog, parameter_id: str) -> float:
    """The point value of an `energy` catalog parameter (a plain run's value)."""
    return point(catalog.get("energy", parameter_id).value)  # type: ignore[attr-defined]


def power_calibration_for(catalog: Catalog, accelerator_id: str) -> PowerCalibration | None:
    """The power calibration that lists `accelerator_id`, or None (no measured basis)."""
    key = accelerator_id.lower()
    for rec in catalog.records.get(POWER_CALIBRATIONS, {}).values():
        if key in rec.accelerators:  # type: ignore[attr-defined]
            return catalog.get(POWER_CALIBRATIONS, rec.id)  # type: ignore[return-value]
    return None
