"""The scenario's `frontier_runs`: where each runs, what it computes, what it costs, and the
regulatory thresholds it crosses (with crossing dates and notification deadlines)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gigawatt.buildout import Fleet
from gigawatt.capability.curve import (
    ALL_SITES,
    PICK_FIELDS,
    PICK_MEMO,
    REFERENCE,
    Curves,
    Group,
    Pick,
    RunCurve,
    burn_in_tiers,
    held_back,
    oldest_age,
)
from gigawatt.capability.scaling import compute_band
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model
from gigawatt.costs import CostParameters
from gigawatt.display import fmt_sci
from gigawatt.energy.footprint import job_footprint
from gigawatt.errors import InputError
from gigawatt.policy import ThresholdCheck, check_training_run, thresholds_crossed
from gigawatt.scenario import FrontierRunSpec, Scenario
from gigawatt.training import run_costs
from gigawatt.units import S_PER_DAY, S_PER_H


def month_date(month: str) -> dt.date:
    """The first day of a "YYYY-MM" month."""
    return dt.date.fromisoformat(month + "-01")


@dataclass(frozen=True)
class Where:
    """Where and how a run trains: its group, job size and the factors of its rate."""

    group: Group
    curve: RunCurve
    pick: Pick
    pos: int  # the start month's index

    @property
    def sites(self) -> list[str]:
        """The sites with accelerators of the group at the start."""
        return [name for name, acc in self.group.by_site.items() if acc[self.pos] > 0]

    @property
    def accelerators(self) -> int:
        return int(self.pick.accelerators[0])

    @property
    def flops_per_s(self) -> float:
        return float(self.pick.flops_per_s[0])


@dataclass(frozen=True)
class Costs:
    """Energy [MWh], location-based CO2e [t] and cost [USD] of a run: at ownership (the
    reported cost) and at market rates (what cost tests count), with the basis in words."""

    energy_mwh: float
    co2e_t: float
    cost_usd: float
    basis: str
    market_usd: float = 0.0
    #: the month the market rate is for, and the caveats of rates held flat outside the months
    #: their records cover (gigawatt.costs.QuotedRate)
    market_rate_month: str | None = None
    market_rate_caveat: str | None = None
    #: why a site's capacity charge (PJM's) is the last cleared delivery year's price held
    #: flat at the run's start (gigawatt.costs.CapacityCharge), the sites' caveats joined
    capacity_charge_caveat: str | None = None


@dataclass(frozen=True)
class FrontierRunResult:
    """One of the scenario's `frontier_runs`; `where` and `costs` are None if it cannot run."""

    spec: FrontierRunSpec
    model: str
    where: Where | None
    available: int
    training_flop: float
    params: float | None
    tokens: float | None
    tokens_basis: str
    chinchilla: dict[str, float | None]
    costs: Costs | None
    vs_reference: float
    checks: list[ThresholdCheck]
    note: str

    def as_dict(self) -> dict[str, Any]:
        """The run's row of `gigawatt capability --json` (`frontier_runs`)."""
        s, w, c = self.spec, self.where, self.costs
        bucket = w.curve.plan_at(w.accelerators) if w else None
        duration_s = float(s.duration_days) * S_PER_DAY
        check = bucket.validation if bucket is not None else None
        factors = check.factors if check is not None else None
        band = (
            compute_band(self.training_flop, float(w.pick.efficiency[0]), factors)
            if w and factors
            else None
        )
        return {
            "name": s.name,
            "model": self.model,
            "model_given": s.model is not None,
            "start": s.start,
            "duration_days": float(s.duration_days),
            "precision": w.curve.precision if w else s.precision,
            "precision_requested": s.precision,
            "cross_site": s.cross_site,
            "site": w.group.site if w else None,
            "sites": w.sites if w else [],
            "system": w.group.system if w else None,
            "accelerators": w.accelerators if w else 0,
            "accelerators_available": self.available,
            "mfu": float(w.pick.mfu[0]) if w else None,
            "goodput": float(w.pick.goodput[0]) if w else None,
            "cross_site_efficiency": float(w.pick.efficiency[0]) if w else None,
            "marginal_efficiency": float(w.pick.marginal_efficiency[0]) if w else None,
            "fault_tolerance": w.curve.plan.policy.id if w else None,
            "flops_per_s": w.flops_per_s if w else 0.0,
            "training_flop": self.training_flop,
            "params": self.params,
            "tokens": self.tokens,
            "tokens_basis": self.tokens_basis,
            **self.chinchilla,
            "plan": bucket.plan if bucket else None,
            "plan_gpus": bucket.plan_gpus if bucket and bucket.plan else None,
            "gbs_seqs": bucket.gbs_seqs if bucket and bucket.plan else None,
            "gpu_hours": w.accelerators * duration_s / S_PER_H if w else 0.0,
            "energy_mwh": c.energy_mwh if c else None,
            "co2e_t": c.co2e_t if c else None,
            "cost_usd": c.cost_usd if c else None,
            "cost_basis": "ownership" if c else None,
            "cost_detail": c.basis if c else None,
            "cost_usd_market": c.market_usd if c else None,
            "vs_reference": self.vs_reference,
            "thresholds_crossed": thresholds_crossed(self.checks),
            "thresholds": [t.as_dict() for t in self.checks],
            "note": self.note,
            # added after the keys above, which stay as they were (DESIGN.md section 7): the
            # class of the perf estimate behind the run (its plan at `plan_gpus`) and the
            # compute at the ends of that class's validated step-time band
            "validation": check.to_json() if check is not None else None,
            "training_flop_band": list(band) if band is not None else None,
            # the failure model's hardware-rate multiplier its goodput includes (1: the run
            # fits on accelerators past burn-in; docs/models/capability.md section 3b)
            "burn_in_factor": w.curve.burn_in if w else None,
            # the month the market rate is for and, outside the months its rental records
            # cover, the caveat that it is the nearest record's rate held flat
            "market_rate_month": c.market_rate_month if c else None,
            "market_rate_caveat": c.market_rate_caveat if c else None,
            # why a site's capacity charge at the start month is a price held flat
            "capacity_charge_caveat": c.capacity_charge_caveat if c else None,
            # the spare pool it leaves room for in its group (0 under a requeue policy)
            "spare_accelerators": w.curve.spare_accelerators(w.accelerators) if w else None,
        }


def site_costs(
    catalog: Catalog, scenario: Scenario, group: Group, pos: int, gpu_hours: float
) -> Costs:
    """A run's accelerator-hours split over its sites in proportion to their accelerators, each
    priced at its region (energy, carbon) with its PUE and clean supply, and costed by
    `training.run_costs` at ownership and at market rates (as of the run's start)."""
    sites = {s.name: s for s in scenario.sites}
    system = catalog.system(group.system)
    total = float(group.accelerators[pos])
    params = CostParameters.of(catalog, scenario)
    when = month_date(str(scenario.months[pos]))
    energy = co2 = cost = market = 0.0
    bases: list[str] = []
    caveats: list[str] = []
    capacity: list[str] = []
    month: str | None = None
    for name, acc in group.by_site.items():
        if acc[pos] <= 0:
            continue
        hours = gpu_hours * float(acc[pos]) / total
        site = sites[name]
        try:
            fp = job_footprint(
                catalog,
                system=system.id,
                gpu_hours=hours,
                region=site.region,
                pue=float(site.pue),
                clean_supply_share=float(site.clean_supply_share),
            )
        except InputError as e:  # the site's values: name them as the scenario file does
            raise _as_site_fields(e, scenario.sites.index(site)) from None
        run = run_costs(
            catalog,
            system,
            hours,
            fp.energy_mwh,
            site.region,
            fp.pue,
            start=when,
            params=params,
            scenario=scenario,
        )
        energy, co2 = energy + fp.energy_mwh, co2 + fp.co2e_t
        cost, market = cost + run.ownership_usd, market + run.market_usd
        month = run.market.as_of_month
        if run.market.caveat and run.market.caveat not in caveats:
            caveats.append(run.market.caveat)
        if run.capacity_caveat and run.capacity_caveat not in capacity:
            capacity.append(run.capacity_caveat)
        bases.append(run.detail("ownership", system, catalog.region(site.region)))
    basis = bases[0] if len(bases) == 1 else f"{bases[0]}; summed over {len(bases)} sites"
    return Costs(
        energy,
        co2,
        cost,
        basis,
        market,
        month,
        "; ".join(caveats) or None,
        " ".join(capacity) or None,
    )


def best_group(
    curves: Curves, candidates: list[Group], spec: FrontierRunSpec, model: Model | None, pos: int
) -> Where | None:
    """The group giving the highest rate at its operating point (the largest run a planner
    launches there): a site's, or (when `cross_site`: "may use several sites at once") also all
    sites' of a system. Each group's run is the best over its burn-in tiers at the start month,
    lowest factor first until the accelerators no longer hold it back (as the monthly largest
    run's operating point: `curve.pick_group`), for the run's own duration, leaving room in the
    group for the spare pool its policy holds (`RunCurve.room`)."""
    duration_s = float(spec.duration_days) * S_PER_DAY
    best: Where | None = None
    for g in candidates:
        if (g.site == ALL_SITES and not spec.cross_site) or g.accelerators[pos] < 1:
            continue
        found = group_start(curves, g, model, spec.precision, duration_s, pos)
        if found is not None and (best is None or found[1].flops_per_s[0] > best.flops_per_s):
            best = Where(g, found[0], found[1], pos)
    return best


def group_start(
    curves: Curves, g: Group, model: Model | None, precision: str, duration_s: float, pos: int
) -> tuple[RunCurve, Pick] | None:
    """The curve and operating point of group `g`'s run started at month index `pos` (None:
    no rate above 0): the best over its burn-in tiers, lowest factor first until the
    accelerators no longer hold it back (`best_group`). A function of the group's accelerators
    over the burn-in before `pos` alone, so remembered by them (read-only) for later samples."""
    first = max(pos - oldest_age(curves.failure_model(g.system)), 0)
    key = (
        "start",
        g.site,
        g.system,
        g.accelerators.dtype.str,
        g.sites.dtype.str,
        bool(g.accelerators[pos] > 0),
        tuple((name, acc[first : pos + 1].tobytes()) for name, acc in g.by_site.items()),
        REFERENCE if model is None else model.id,
        precision,
        duration_s,
    )
    if key in curves.picks:
        return curves.picks[key]
    out: tuple[RunCurve, Pick] | None = None
    for tier in burn_in_tiers(g, curves.failure_model(g.system), duration_s, at=pos):
        if not tier.adds[0]:
            continue
        sites = int(tier.sites[0])
        curve = curves.get(model, g.system, precision, duration_s, sites, burn_in=tier.burn_in)
        n, total = tier.accelerators, g.accelerators[pos : pos + 1]
        pick = curve.operating(n, total)
        rate = pick.flops_per_s[0]
        if rate > 0 and (out is None or rate > out[1].flops_per_s[0]):
            out = (curve, pick)
        if not held_back(curve, n, curve.reach(n, total))[0]:
            break  # a higher factor cannot do better (`pick_group`)
    if out is not None:
        for name in PICK_FIELDS:
            getattr(out[1], name).flags.writeable = False
    if len(curves.picks) >= PICK_MEMO:
        del curves.picks[next(iter(curves.picks))]
    curves.picks[key] = out
    return out


def evaluate_run(
    spec: FrontierRunSpec,
    scenario: Scenario,
    catalog: Catalog,
    fleet: Fleet,
    curves: Curves,
    candidates: list[Group],
) -> FrontierRunResult:
    """A frontier run on the best group at its start month: the operating point among the
    accelerators online then (`RunCurve.operating`), lasting `duration_days` of wall time."""
    settings = curves.settings
    named = catalog.model(spec.model) if spec.model else None
    model = named or settings.model
    duration_s = float(spec.duration_days) * S_PER_DAY
    pos = fleet.month_position(spec.start)
    start = month_date(spec.start)
    pool = [g for g in candidates if spec.cross_site or g.site != ALL_SITES]
    available = max((int(g.accelerators[pos]) for g in pool), default=0)
    where = best_group(curves, candidates, spec, named, pos)
    flop = where.flops_per_s * duration_s if where else 0.0
    chin_arrays = settings.chinchilla(np.array([flop]))
    chin = {k: (float(v[0]) if flop > 0 else None) for k, v in chin_arrays.items()}
    vs_ref = flop / settings.comparison.training_flop
    if where is None:
        note = (
            "no accelerators online at the start month"
            if available == 0
            else f"{model.id} fits on none of the job sizes up to {available:,} accelerators"
        )
        checks = check_training_run(catalog, 0.0, start=start)
        return FrontierRunResult(
            spec,
            model.id,
            None,
            available,
            0.0,
            None,
            None,
            "none",
            chin,
            None,
            vs_ref,
            checks,
            note,
        )
    if spec.model:
        tokens = flop / where.curve.workload.model_flops_per_token
        params, basis = float(where.curve.workload.params_total), "model FLOPs per token"
    else:
        params, tokens = chin["chinchilla_params"], chin["chinchilla_tokens"]
        basis = "chinchilla-optimal"
    gpu_hours = where.accelerators * duration_s / S_PER_H
    costs = site_costs(catalog, scenario, where.group, pos, gpu_hours)
    checks = check_training_run(
        catalog,
        flop,
        start=start,
        duration_s=duration_s,
        cost_usd={"ownership": costs.cost_usd, "market": costs.market_usd},
    )
    return FrontierRunResult(
        spec=spec,
        model=model.id,
        where=where,
        available=int(where.group.accelerators[pos]),
        training_flop=flop,
        params=params,
        tokens=tokens,
        tokens_basis=basis,
        chinchilla=chin,
        costs=costs,
        vs_reference=vs_ref,
        checks=checks,
        note=_one_site_note(curves, candidates, spec, named, where),
    )


def _one_site_note(
    curves: Curves,
    candidates: list[Group],
    spec: FrontierRunSpec,
    model: Model | None,
    where: Where,
) -> str:
    """Why a `cross_site` run trains at one site (empty otherwise): `cross_site` allows several
    sites, and the run takes the group of highest rate at its operating point. The job size
    stops where added accelerators yield less than the catalog's share of the average one's useful
    time (goodput, not site capacity), so when
    one site holds that size, spreading it adds the cross-site synchronisation (catalog
    `cross-site-bandwidth-bytes-per-s`, `cross-site-latency-s`) for no more accelerators."""
    if not spec.cross_site or where.group.site == ALL_SITES:
        return ""
    pooled = [g for g in candidates if g.site == ALL_SITES and g.system == where.group.system]
    multi = best_group(curves, pooled, spec, model, where.pos)
    curve, total = where.curve, where.group.accelerators[where.pos : where.pos + 1]
    why = (
        f"past which an added one yields under {curve.settings.marginal_threshold:.0%} of the "
        f"average one's useful time under {curve.plan.policy.id}"
    )
    if curve.room(total)[0] < curve.efficient_limit(int(total[0])):
        pool = curve.spare_accelerators(where.accelerators)
        why = (
            f"held below its efficient limit to leave room beside it for the spare pool "
            f"{curve.plan.policy.id} restarts onto, {pool:,}"
        )
    head = (
        f"cross_site allows several sites, but the run trains at {where.group.site} alone: its "
        f"operating point, {where.accelerators:,} accelerators ({why}), fits in the site's "
        f"{int(total[0]):,}"
    )
    if multi is None:
        return head + "; no cross-site group is online at the start"
    sites = int(multi.group.sites[where.pos])
    return (
        f"{head}; over the {sites} sites with {multi.group.system} "
        f"({int(multi.group.accelerators[where.pos]):,} "
        f"accelerators) the operating point is {multi.accelerators:,} at cross-site "
        f"efficiency {float(multi.pick.efficiency[0]):.3f}, {fmt_sci(multi.flops_per_s, 3)} "
        f"FLOP/s against {fmt_sci(where.flops_per_s, 3)} at one site"
    )


def _as_site_fields(err: InputError, index: int) -> InputError:
    """A footprint request's error on `pue` or `clean_supply_share` named as the scenario's
    `sites[i].pue` (not as the `footprint` command's flags)."""
    site_fields = {"pue", "clean_supply_share", "region"}
    return InputError(
        problems=[
            replace(p, field=f"sites[{index}].{p.field}") if p.field in site_fields else p
            for p in err.problems
        ]
    )
