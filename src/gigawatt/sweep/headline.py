"""Headline outputs of one simulation: the few whole-run figures a sweep bands and a sensitivity
analysis ranks (issue 12), beside the yearly outputs of `run --json`.

Values are numbers in the unit their key names. Dates are decimal years (`2027.5` is 2027-07:
year + (month - 1) / 12), so a date is a number that can be averaged and ranked; NaN means the
event does not happen inside the scenario (a GW never reached, a tranche never released).

Keys (stable; added to, never renamed):
- `facility_power_gw_end`, `it_power_gw_end`, `accelerators_end`: at the scenario's last month.
- `capex_usd_total`, `tranches_released_usd_total`: over the whole money axis (construction may
  start before the scenario).
- `energy_twh_total`, `co2e_t_total`: over the scenario.
- `largest_run_flop_end`: the largest run started in the last month.
- `gw_deployed_date[K]`: the first month K GW are deployed on the scenario's power basis (the
  basis deal triggers count on), K = 1 .. the most the scenario plans.
- `tranche_date[DEAL/NAME]`: the month each tranche of each deal is released.
- `threshold_date[ID]`: the first month the largest run's compute exceeds a training-compute
  threshold (EU AI Act, California SB 53, ...), whether or not the rule is in force then.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gigawatt.buildout import W_PER_GW
from gigawatt.scenario import month_index

#: Headline keys that are dates (decimal years), shown as YYYY-MM.
DATE_PREFIXES = ("gw_deployed_date[", "tranche_date[", "threshold_date[")

TWH_PER_MWH = 1e-6


def is_date_key(key: str) -> bool:
    return key.startswith(DATE_PREFIXES)


def decimal_year(month: str | None) -> float:
    """ "2027-07" -> 2027.5; None -> NaN."""
    if month is None:
        return math.nan
    i = month_index(str(month))
    return i // 12 + (i % 12) / 12


def month_of(value: float) -> str | None:
    """A decimal year back to "YYYY-MM" (the month it falls in); NaN -> None."""
    if not math.isfinite(value):
        return None
    i = math.floor(value * 12 + 1e-6)
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def _first_month(values: np.ndarray, level: float, months: np.ndarray) -> float:
    hit = np.flatnonzero(values >= level - 1e-9)
    return decimal_year(str(months[hit[0]])) if hit.size else math.nan


def headline_outputs(results: Any) -> dict[str, float]:
    """The headline figures of one `simulate` result (see the module for the keys)."""
    fleet = results.fleet
    out: dict[str, float] = {
        "facility_power_gw_end": float(fleet.facility_power_w[:, -1].sum() / W_PER_GW),
        "it_power_gw_end": float(fleet.it_power_w[:, -1].sum() / W_PER_GW),
        "accelerators_end": float(fleet.accelerators[:, -1].sum()),
    }
    stages = results.stages
    energy = stages.get("energy")
    if energy is not None:
        out["energy_twh_total"] = float(energy.energy_mwh_by_phase.sum() * TWH_PER_MWH)
        out["co2e_t_total"] = float(energy.co2e_t_by_phase.sum())
    finance = stages.get("finance")
    if finance is not None:
        out["capex_usd_total"] = float(finance.capex_total_usd.sum())
        out["tranches_released_usd_total"] = float(finance.released_usd.sum())
    capability = stages.get("capability")
    if capability is not None:
        out["largest_run_flop_end"] = float(capability.largest["largest_run_flop"][-1])

    deployed = fleet.deployed_gw()
    planned = math.floor(float(fleet.phases["power_w"].sum()) / W_PER_GW + 1e-9)
    for k in range(1, planned + 1):
        out[f"gw_deployed_date[{k}]"] = _first_month(deployed, k, fleet.month_labels)
    if finance is not None:
        for t in finance.tranches:
            out[f"tranche_date[{t.deal}/{t.name}]"] = decimal_year(t.month)
    if capability is not None:
        flop = capability.largest["largest_run_flop"]
        for th in capability.catalog.thresholds():
            if th.metric != "training_flop":
                continue
            hit = np.flatnonzero(flop > th.value)
            out[f"threshold_date[{th.id}]"] = (
                decimal_year(str(capability.months[hit[0]])) if hit.size else math.nan
            )
    return out
