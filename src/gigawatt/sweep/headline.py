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
from collections.abc import Iterable
from typing import Any

import numpy as np

from gigawatt.buildout import W_PER_GW
from gigawatt.display import Column
from gigawatt.scenario import month_index

#: Headline keys that are dates (decimal years), shown as YYYY-MM.
DATE_PREFIXES = ("gw_deployed_date[", "tranche_date[", "threshold_date[")

TWH_PER_MWH = 1e-6


#: How each fixed headline key reads for people: title, unit, display scale, digits, style.
_DISPLAY: dict[str, tuple[str, str, float, int, str]] = {
    "facility_power_gw_end": ("Facility power at the end", "GW", 1.0, 2, "number"),
    "it_power_gw_end": ("IT power at the end", "GW", 1.0, 2, "number"),
    "accelerators_end": ("Accelerators at the end", "million", 1e6, 2, "number"),
    "capex_usd_total": ("Capex, whole run", "USD B", 1e9, 1, "number"),
    "tranches_released_usd_total": ("Money released by the deals", "USD B", 1e9, 0, "number"),
    "energy_twh_total": ("Facility energy over the scenario", "TWh", 1.0, 0, "number"),
    "co2e_t_total": ("Location-based CO2e over the scenario", "Mt", 1e6, 1, "number"),
    "largest_run_flop_end": (
        "Largest run's compute, started in the last month",
        "FLOP",
        1.0,
        0,
        "sci",
    ),
}


def _inner(key: str) -> str:
    return key[key.index("[") + 1 : -1]


def headline_column(key: str) -> Column:
    """How a headline value is shown: a title with its unit, and its cell format (dates as
    YYYY-MM, "never" when the event does not happen)."""
    if is_date_key(key):
        inner = _inner(key)
        if key.startswith("gw_deployed_date["):
            title = f"Month GW {inner} is deployed"
        elif key.startswith("tranche_date["):
            title = f"Month tranche {inner} is released"
        else:
            # The largest run a month allows, not a run the scenario plans; revoked and
            # not-yet-applicable rules count too, so the title says both.
            title = f"Month the largest run started then would exceed {inner} (in force or not)"
        return Column(key, title, format=lambda v: "never" if v is None else month_of(v) or "never")
    if key in _DISPLAY:
        title, unit, scale, digits, style = _DISPLAY[key]
        return Column(key, title, unit, scale, digits, style)  # type: ignore[arg-type]
    return Column(key, key, digits=3)


def headline_order(keys: Iterable[str]) -> list[str]:
    """Keys in reading order: the fixed figures as listed above, then the month of each GW (by
    K), each tranche (as released) and each threshold; unknown keys last, as given."""
    keys = list(keys)
    fixed = [k for k in _DISPLAY if k in keys]
    gw = sorted(
        (k for k in keys if k.startswith("gw_deployed_date[")), key=lambda k: float(_inner(k))
    )
    rest = [k for k in keys if k not in fixed and k not in gw]
    dated = [k for p in DATE_PREFIXES[1:] for k in rest if k.startswith(p)]
    return fixed + gw + dated + [k for k in rest if k not in dated]


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
    planned = math.floor(float(fleet.columns["power_w"].sum()) / W_PER_GW + 1e-9)
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
