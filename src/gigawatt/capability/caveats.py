"""Caveats on the capability figures: where achieved FLOP/s rest on no measurement of the
hardware itself (`gigawatt run`, `gigawatt capability`)."""

from __future__ import annotations

from collections.abc import Iterable

from gigawatt.catalog import Catalog
from gigawatt.units import FLOPS_PER_PFLOP


def perf_caveats(catalog: Catalog, systems: Iterable[str | None]) -> tuple[str, ...]:
    """One caveat per system whose achieved FLOP/s rest on no measurement of its own: a perf
    calibration with status `estimate` (no published run fitted), or hardware whose figures
    are still its vendor's announcements (`prelaunch`: its peaks are announced, not measured)."""
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
            why.append(
                f"{acc.id}'s peaks are its vendor's announced figures, not yet measured on "
                f"shipped hardware (first volume shipments {acc.launch or 'not announced'}; "
                f"{acc.status})"
            )
        out.append(f"{sid}: {'; '.join(why)}. Its run sizes are estimates, not measurements.")
    return tuple(out)


def peak_caveats(
    catalog: Catalog, runs: Iterable[tuple[str | None, str | None]]
) -> tuple[str, ...]:
    """One caveat per (system, requested precision) whose peak FLOP/s is not the published
    figure at that precision: the accelerator has no tensor path at it (the run is counted at
    the next wider precision's peak), or its peak at the precision used is an estimate derived
    from another precision's figure (the accelerator's `peak_estimates`)."""
    out: list[str] = []
    for sid, requested in dict.fromkeys((s, p) for s, p in runs if s and p):
        out += accelerator_peak_caveats(catalog, sid, catalog.system(sid).accelerator, requested)
    return tuple(out)


def accelerator_peak_caveats(
    catalog: Catalog, label: str, accelerator: str, requested: str
) -> list[str]:
    """`peak_caveats` for one run on `accelerator` at `requested` precision, each caveat
    headed `label` (the system's id, or the name of a user's record file)."""
    out = []
    acc = catalog.accelerator(accelerator)
    used = acc.supported_precision(requested)
    peak = f"{acc.peak(used) / FLOPS_PER_PFLOP:g} PFLOP/s"
    if used != requested:
        out.append(
            f"{label}: {acc.id} has no {requested} tensor path, so a {requested} run is "
            f"counted at its {used} peak ({peak})."
        )
    how = acc.peak_estimates.get(used)  # type: ignore[call-overload]
    if how:
        out.append(
            f"{label}: {acc.id}'s {used} peak ({peak}) is not a published figure: {how}; an "
            f"estimate, and every {used} figure of the run rests on it."
        )
    return out


def reliability_caveats(
    catalog: Catalog, systems: Iterable[str | None], policy: str | None
) -> tuple[str, ...]:
    """One caveat per system whose failure model has catalog status `estimate` (its rates
    are the project's derivation from published counts, or extrapolated to that system), and
    one for the fault-tolerance policy when its costs are estimates: goodput rests on both,
    and the largest run's size is set by goodput (docs/models/capability.md, "Operating
    point")."""
    from gigawatt.reliability.recovery import resolve_policy
    from gigawatt.training import DEFAULT_FAILURE_MODEL

    out = []
    for sid in dict.fromkeys(s for s in systems if s):
        system = catalog.system(sid)
        fm = catalog.failure_model(system.failure_model or DEFAULT_FAILURE_MODEL)
        if fm.status != "estimate":
            continue
        out.append(
            f"{sid}: its failure rates are an estimate (failure model '{fm.id}', status "
            f"{fm.status}: derived from published counts or extrapolated to this system, as "
            "its note says); goodput, and the largest run's size that goodput sets, move "
            "with them (`gigawatt catalog failures`)."
        )
    pol = resolve_policy(catalog, policy, field="policy")
    if pol.status == "estimate":
        out.append(
            f"Fault-tolerance policy '{pol.id}' (status {pol.status}): its checkpoint and "
            "restart costs are estimates built from published systems, not measured at this "
            "scale."
        )
    return tuple(out)
