"""Caveats on the capability figures: where achieved FLOP/s rest on no measurement of the
hardware itself (`gigawatt run`, `gigawatt capability`)."""

from __future__ import annotations

from collections.abc import Iterable

from gigawatt.catalog import Catalog


def perf_caveats(catalog: Catalog, systems: Iterable[str | None]) -> tuple[str, ...]:
    """One caveat per system whose achieved FLOP/s rest on no measurement of its own: a perf
    calibration with status `estimate` (no published run fitted), or pre-launch hardware (its
    peaks are announced, not measured)."""
    out = []
    for sid in dict.fromkeys(s for s in systems if s):
        system = catalog.system(sid)
        acc = catalog.accelerator(system.accelerator)
        cal = catalog.calibration(acc.id)
        if cal.status != "estimate" and not acc.prelaunch:
            continue
        why = [f"its MFU uses perf calibration '{cal.id}' (status {cal.status}"]
        why[0] += ", fitted on no published run of it)" if not cal.fitted_on else ")"
        if acc.prelaunch:
            why.append(f"{acc.id} is pre-launch, so its peaks are announced figures ({acc.status})")
        out.append(f"{sid}: {'; '.join(why)}. Its run sizes are estimates, not measurements.")
    return tuple(out)
