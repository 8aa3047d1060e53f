"""Caveats on a programme's figures: `compose_caveats` lists them for `gigawatt run` and
`gigawatt capability` alike, from the parts here (achieved FLOP/s, failure rates or peaks that
rest on no measurement) and those of the build-out, the deals and the capability stage.

The build-out's are `buildout.launch_caveats` and `buildout.peak_column_caveats`, the deals'
`deals.deal_caveats` (superseded, unsigned, a stated intention), the capability stage's
`CapabilityResult.burn_in_caveats` and `CapabilityResult.spares_caveats`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from gigawatt.buildout import PEAK_COLUMNS, Fleet, launch_caveats, peak_column_caveats
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Deal
from gigawatt.deals import deal_caveats
from gigawatt.units import FLOPS_PER_PFLOP

if TYPE_CHECKING:
    from gigawatt.capability.stage import CapabilityResult


def compose_caveats(
    catalog: Catalog,
    fleet: Fleet,
    capability: CapabilityResult | None,
    positions: list[tuple[int, int]],
    runs: Sequence[tuple[str | None, str | None]],
    *,
    deals: Iterable[Deal] = (),
    inputs: Iterable[str] = (),
    peak_columns: bool = False,
    money: bool = False,
) -> list[str]:
    """What the figures of a command cannot show, in this order: the `deals` released on terms
    that were superseded or never signed, or whose invested amounts are a stated intention
    (`deals.deal_caveats`; `run` passes the scenario's, as it shows the money;
    `capability` none), the caveats of the scenario's own `inputs` the caller passes (`run`:
    `Results.input_caveats` and `Results.energy_caveats`; `capability`: its proxy sites),
    phases online before
    their hardware ships (with `money`, the caller shows the Money table: those online before
    the scenario's start also say their capex is in the pre-start total), with `peak_columns`
    (the command shows the fleet's peak at each precision of `buildout.PEAK_COLUMNS`) the
    fleet's peaks there that are not published figures; then, when the capability stage ran,
    each system of `runs` (system and precision of each run the command shows, in its order)
    whose achieved FLOP/s rest on no measurement of its own (`perf_caveats`), whose failure
    rates or the stage's fault-tolerance policy are estimates (`reliability_caveats`), each run
    whose peak is not a published one (`peak_caveats`), the years of `positions` whose
    largest run includes its hardware's burn-in (`CapabilityResult.burn_in_caveats`), and
    those whose largest run is held smaller to leave room for its spare pool, or has none
    because no job leaves room for one (`CapabilityResult.spares_caveats`).

    A run's precision is the one it requests (`peak_caveats` names a fallback to a wider one)
    or, with `peak_columns`, the one it is counted at: the column caveats name the fallbacks
    and cover every run counted at a column's precision, so only runs at other precisions
    (fp16) get a caveat of their own."""
    out = [
        *deal_caveats(deals, catalog),
        *inputs,
        *launch_caveats(fleet, catalog, money=money),
    ]
    if peak_columns:
        out.extend(peak_column_caveats(fleet, catalog))
    if capability is None:
        return out
    systems = [system for system, _ in runs]
    out.extend(perf_caveats(catalog, systems))
    out.extend(reliability_caveats(catalog, systems, capability.settings.policy))
    if peak_columns:
        runs = [(system, p) for system, p in runs if p not in PEAK_COLUMNS]
    out.extend(peak_caveats(catalog, runs))
    out.extend(capability.burn_in_caveats(positions))
    out.extend(capability.spares_caveats(positions))
    return out


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
