"""The `capability` stage of `gigawatt run`: the largest run started in each month (the
operating point a planner would launch, and the ceiling that maximises compute), the scenario's
frontier runs, and the site-level thresholds each site crosses. On request (`summary`): the
curve of sustained FLOP/s, goodput and marginal efficiency against job size for every
fault-tolerance policy, and how the largest run moves with restart cost, checkpoint bandwidth
and the rack failure rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.buildout import Fleet
from gigawatt.capability.curve import (
    ALL_SITES,
    REFERENCE,
    Curves,
    GroupPick,
    RunCurve,
    best_of,
    groups,
    pick_group,
)
from gigawatt.capability.operating import (
    OperatingPoint,
    job_of_size,
    operating_point,
    policy_curves,
    sensitivity,
    swing_job,
)
from gigawatt.capability.runs import FrontierRunResult, evaluate_run, month_date
from gigawatt.capability.scaling import Settings, compute_band
from gigawatt.catalog import Catalog
from gigawatt.display import counted, fmt_sci
from gigawatt.distributions import point
from gigawatt.energy.swings import SwingJob
from gigawatt.errors import InputError
from gigawatt.perf.accuracy import Validation
from gigawatt.policy import SiteCrossing, check_training_run, site_thresholds, thresholds_crossed
from gigawatt.reliability.job import RACK_SLA_PARAMETER, job_reliability, rack_bound
from gigawatt.scenario import Scenario, month_index
from gigawatt.units import S_PER_DAY

#: The monthly largest-run series: (key, unit), as in the results table and each year's summary.
LARGEST_KEYS: tuple[tuple[str, str], ...] = (
    ("largest_run_accelerators", "count"),
    ("largest_run_group_accelerators", "count"),
    ("largest_run_flops_per_s", "FLOP/s"),
    ("largest_run_flop", "FLOP"),
    ("largest_run_mfu", "fraction"),
    ("largest_run_goodput", "fraction"),
    ("largest_run_cross_site_efficiency", "fraction"),
    ("largest_run_marginal_efficiency", "fraction"),
    ("largest_run_checkpoint_s", "s"),
    ("largest_run_restart_s", "s"),
    ("largest_run_checkpoint_interval_s", "s"),
    ("largest_run_ceiling_accelerators", "count"),
    ("largest_run_ceiling_flops_per_s", "FLOP/s"),
    ("largest_run_ceiling_flop", "FLOP"),
    ("largest_run_ceiling_goodput", "fraction"),
    ("chinchilla_params", "count"),
    ("chinchilla_tokens", "count"),
    ("chinchilla_loss", "nats/token"),
    ("largest_run_vs_reference", "ratio"),
)
#: Monthly series added later (after each year's other keys, which keep their order).
LATER_KEYS: tuple[tuple[str, str], ...] = (
    ("largest_run_burn_in_factor", "ratio"),
    ("largest_run_spare_accelerators", "count"),
)
#: Keys that mean nothing without a run (null in a year with no run).
_RUN_ONLY = (
    "largest_run_mfu",
    "largest_run_goodput",
    "largest_run_cross_site_efficiency",
    "largest_run_marginal_efficiency",
    "largest_run_checkpoint_s",
    "largest_run_restart_s",
    "largest_run_checkpoint_interval_s",
    "largest_run_ceiling_goodput",
    "chinchilla_params",
    "chinchilla_tokens",
    "chinchilla_loss",
)


def _long(months: np.ndarray, site: str, quantity: str, unit: str, values: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {"month": months, "site": site, "quantity": quantity, "unit": unit, "value": values}
    )


@dataclass(frozen=True)
class CapabilityResult:
    """The capability stage's results (see the module)."""

    catalog: Catalog
    settings: Settings
    months: np.ndarray
    cross_site_from: str | None
    largest: dict[str, np.ndarray]
    largest_site: np.ndarray
    largest_system: np.ndarray
    site_rates: dict[str, np.ndarray]
    runs: list[FrontierRunResult]
    crossings: list[SiteCrossing]
    searches: dict[str, Any]
    curves: Curves
    picks: list[GroupPick]
    winner: np.ndarray  # per month: index into picks of the largest run's group, -1 none
    #: The curve of each (group, contributing sites, burn-in) asked for by `validation_at`: each
    #: year of every sweep sample asks, so the lookup is kept out of `Curves.get`.
    _curve_memo: dict[tuple[int, int, float], RunCurve] = field(
        default_factory=dict, repr=False, compare=False
    )

    def year_summary(self, year: int, position: int) -> dict[str, Any]:
        """The largest run started in the year's December (or the scenario's last month)."""
        row: dict[str, Any] = {k: float(self.largest[k][position]) for k, _ in LARGEST_KEYS}
        flop = row["largest_run_flop"]
        for k in (
            "largest_run_accelerators",
            "largest_run_group_accelerators",
            "largest_run_ceiling_accelerators",
        ):
            row[k] = int(row[k])
        crossed: list[str] = []
        if flop > 0:
            start = month_date(str(self.months[position]))
            checks = check_training_run(
                self.catalog, flop, start=start, duration_s=self.settings.duration_s
            )
            crossed = thresholds_crossed(checks)
        else:
            row.update(dict.fromkeys(_RUN_ONLY))
        check = self.validation_at(position)
        band = self._flop_band(check, position)
        out = {
            **row,
            "largest_run_site": self.largest_site[position],
            "largest_run_system": self.largest_system[position],
            "largest_run_precision": self._precision_at(position),
            "largest_run_duration_days": self.settings.duration_s / S_PER_DAY,
            "largest_run_thresholds_crossed": crossed,
            # added after the keys above, which stay as they were (DESIGN.md section 7)
            "largest_run_validation_class": check.name if check is not None else None,
            "largest_run_flop_band": list(band) if band is not None else None,
            # The MFU is the perf search's for the reference workload's model at this job
            # size (a fixed figure when the workload sets one), not for the compute-optimal
            # model of `chinchilla_params`.
            "largest_run_model": self.settings.model.id if flop > 0 else None,
            "largest_run_mfu_source": self._mfu_source() if flop > 0 else None,
            # the failure model's hardware-rate multiplier the run's goodput includes
            # (`curve.burn_in_tiers`; 1 for a run on accelerators past burn-in), and the spare
            # pool the run leaves room for in its group (`RunCurve.room`)
            **{k: float(self.largest[k][position]) if flop > 0 else None for k, _ in LATER_KEYS},
        }
        if flop > 0:  # a count: the spare pool the run leaves room for (0: a requeue policy)
            out["largest_run_spare_accelerators"] = int(out["largest_run_spare_accelerators"])
        return out

    def _precision_at(self, position: int) -> str:
        """The precision the largest run at month index `position` is counted at: the
        reference workload's, or the next wider one its accelerator has a tensor path for."""
        requested = self.settings.reference.precision
        system = self.largest_system[position]
        if not system:
            return requested
        acc = self.catalog.accelerator(self.catalog.system(system).accelerator)
        return acc.supported_precision(requested)

    def _mfu_source(self) -> str:
        """Where the largest run's MFU comes from: the perf search, or the reference
        workload's fixed figure."""
        return "perf search" if self.settings.reference.mfu is None else "fixed"

    def validation_at(self, position: int) -> Validation | None:
        """The validation class of the perf estimate behind the largest run started at month
        index `position`: the search behind its MFU (`RunCurve.job_bucket`), whose class
        (calibration x dense / MoE) its MFU shares. None when nothing runs or the reference
        workload's MFU is fixed."""
        index = int(self.winner[position])
        if index < 0:
            return None
        gp = self.picks[index]
        key = (index, int(gp.sites[position]), float(gp.burn_in[position]))
        if key not in self._curve_memo:
            self._curve_memo[key] = self._curve_of(gp, position)
        bucket = self._curve_memo[key].plan_at(
            int(self.largest["largest_run_accelerators"][position])
        )
        return bucket.validation if bucket is not None else None

    def flop_band(self, position: int) -> tuple[float, float] | None:
        """(low, high) compute of the largest run started at month index `position` when its
        step takes the validated band of its class (`perf.accuracy`), the job held
        (`scaling.compute_band`) [FLOP]; None without a band (fewer than its `min_checks`
        published runs check the class, or no run)."""
        return self._flop_band(self.validation_at(position), position)

    def _flop_band(self, check: Validation | None, position: int) -> tuple[float, float] | None:
        factors = check.factors if check is not None else None
        if factors is None:
            return None
        flop = float(self.largest["largest_run_flop"][position])
        efficiency = float(self.largest["largest_run_cross_site_efficiency"][position])
        return compute_band(flop, efficiency, factors)

    def table(self) -> pd.DataFrame:
        """Long rows: the largest run (site `total`), each site's own best run
        (`site_run_flops_per_s`) and its site-level threshold flags (1 from the crossing)."""
        m = self.months
        frames = [
            _long(m, "total", k, unit, self.largest[k]) for k, unit in LARGEST_KEYS + LATER_KEYS
        ]
        for site, rate in self.site_rates.items():
            frames.append(_long(m, site, "site_run_flops_per_s", "FLOP/s", rate))
        for c in self.crossings:
            flag = (m >= c.month).astype(float) if c.month else np.zeros(len(m))
            frames.append(_long(m, c.site, f"threshold_crossed[{c.id}]", "flag", flag))
        return pd.concat(frames, ignore_index=True)

    def reference(self) -> dict[str, Any]:
        """What the largest runs assume."""
        s = self.settings
        return {
            "workload": s.reference.id,
            "model": s.model.id,
            "precision": s.reference.precision,
            "mfu_source": self._mfu_source(),
            "mfu_fixed": s.reference.mfu,
            "plan_knobs": dict(s.reference.plan),
            "duration_days": s.duration_s / S_PER_DAY,
            "fault_tolerance": s.policy,
            "marginal_threshold": s.marginal_threshold,
            "restart_s": self._last("largest_run_restart_s"),
            "comparison_run": s.comparison.id,
            "comparison_flop": s.comparison.training_flop,
            "cross_site_from": self.cross_site_from,
            "searches": self.searches,
        }

    def _last(self, key: str) -> float | None:
        """The value of a largest-run series in the scenario's last month (None: no run)."""
        return float(self.largest[key][-1]) if self.winner[-1] >= 0 else None

    def _position(self, month: str | None) -> int:
        if month is None:
            return len(self.months) - 1
        found = np.flatnonzero(self.months == month)
        if not len(found):
            raise InputError(
                f"{month!r} is not a month of the scenario ({self.months[0]} to {self.months[-1]})",
                field="month",
            )
        return int(found[0])

    def _curve_of(self, gp: GroupPick, pos: int) -> RunCurve:
        """The curve of the group's operating point at month index `pos` (its sites and
        burn-in factor)."""
        s = self.settings
        return gp.curve(self.curves, pos, None, s.reference.precision, s.duration_s)

    def operating_point(
        self, month: str | None = None, site: str | None = None
    ) -> OperatingPoint | None:
        """The largest run started in `month` (default: the last): its size, perf plan,
        fault-tolerance policy and costs. With `site`, that site's own largest run (over its
        systems). None when nothing runs."""
        pos = self._position(month)
        if site is None:
            index = int(self.winner[pos])
        else:
            own = [i for i, gp in enumerate(self.picks) if gp.group.site == site]
            if not own:
                sites = sorted({gp.group.site for gp in self.picks} - {ALL_SITES})
                raise InputError(
                    f"{site!r} is not a site of the scenario; sites: {', '.join(sites)}",
                    field="site",
                )
            index = max(own, key=lambda i: self.picks[i].pick.flops_per_s[pos])
        if index < 0:
            return None
        gp = self.picks[index]
        return operating_point(
            self._curve_of(gp, pos), gp.group, pos, str(self.months[pos]), gp.pick, pos
        )

    def swing_job(
        self,
        month: str,
        site: str,
        policy: str | None = None,
        accelerators: int | None = None,
    ) -> SwingJob | None:
        """The job `energy --swings` traces at `site` in `month`: the operating point of the
        site's group of highest rate under `policy` (default: the reference workload's), or,
        with `accelerators`, a job of that size with that policy's plan and costs. None when
        nothing runs there."""
        pos = self._position(month)
        own = [i for i, gp in enumerate(self.picks) if gp.group.site == site]
        if not own:
            return None
        gp = self.picks[max(own, key=lambda i: self.picks[i].pick.flops_per_s[pos])]
        if gp.group.accelerators[pos] < 1:
            return None
        s = self.settings
        curve = gp.curve(self.curves, pos, None, s.reference.precision, s.duration_s, policy)
        label = str(self.months[pos])
        available = np.array([int(gp.available[pos])])
        total = gp.group.accelerators[pos : pos + 1]
        op = operating_point(curve, gp.group, pos, label, curve.operating(available, total), 0)
        if accelerators is None:
            return None if op is None else swing_job(curve, op, "operating-point", None)
        job = job_of_size(curve, gp.group, pos, label, accelerators)
        return swing_job(curve, job, "override", None if op is None else op.accelerators)

    def curve(self, month: str | None = None) -> dict[str, Any] | None:
        """Sustained FLOP/s, goodput and marginal efficiency against job size for every
        fault-tolerance policy of the catalog, on the group of the largest run of `month`
        (default: the last); None when nothing runs."""
        pos = self._position(month)
        if self.winner[pos] < 0:
            return None
        gp = self.picks[int(self.winner[pos])]
        policies = [p.id for p in self.catalog.all("fault-tolerance")]
        return policy_curves(self.curves, gp, pos, str(self.months[pos]), policies)

    def sensitivity(self, month: str | None = None) -> dict[str, Any] | None:
        """How the largest run of `month` (default: the last) moves with restart cost,
        checkpoint bandwidth and the rack failure rate; None when nothing runs."""
        pos = self._position(month)
        if self.winner[pos] < 0:
            return None
        gp = self.picks[int(self.winner[pos])]
        return sensitivity(self.curves, gp, pos, str(self.months[pos]))

    def burn_in_caveats(self, positions: list[tuple[int, int]]) -> list[str]:
        """One caveat per year whose largest run includes its failure model's burn-in (catalog
        `burn_in_months`, hardware rates x `burn_in_multiplier`, both estimates): it had to
        use accelerators still inside it (`curve.burn_in_tiers`), so its goodput and size
        rest on that estimate. `positions` as in `summary`."""
        out = []
        for _, pos in positions:
            index = int(self.winner[pos])
            if index < 0:
                continue
            gp = self.picks[index]
            factor = float(gp.burn_in[pos])
            if factor <= 1.0:
                continue
            age = int(gp.age_months[pos])
            fm = self._curve_of(gp, pos).failure_model
            group = gp.group
            where = "all sites" if group.site == ALL_SITES else group.site
            when = "in the month" if age == 0 else f"{age} months after"
            out.append(
                f"{self.months[pos]}: the largest run starts {when} the youngest "
                f"{group.system} it uses at {where} came online, inside the burn-in of failure "
                f"model '{fm.id}' ({fm.burn_in_months:g} months at x{fm.burn_in_multiplier:g} "
                f"hardware failure rates, an estimate): its goodput and size include it "
                f"(hardware failure rates x{factor:.2f} over the run; `gigawatt reliability "
                f"--fleet-age-months {age}` shows one job)."
            )
        return out

    def spares_caveats(self, positions: list[tuple[int, int]]) -> list[str]:
        """One caveat per year whose largest run is held smaller to leave room in its group
        for the spare pool its policy restarts onto (`RunCurve.room`: the spare failure domains
        `gigawatt reliability` sizes for it, at the catalog's `spares-availability-target` and
        the run's failure rates, burn-in included), with what it would be without that room
        and, for NVL72-class racks, the rack-uptime SLA's bound on the pool (the model's count
        is an upper estimate there); and one per year with accelerators online but no largest
        run because no job of its largest group leaves room for its pool. `positions` as in
        `summary`."""
        out = []
        for _, pos in positions:
            index = int(self.winner[pos])
            if index < 0:
                out.extend(self._no_room_caveat(pos))
                continue
            gp = self.picks[index]
            curve = self._curve_of(gp, pos)
            size = int(self.largest["largest_run_accelerators"][pos])
            total = int(self.largest["largest_run_group_accelerators"][pos])
            free = curve.operating(gp.available[pos : pos + 1])  # the same run without room
            if not curve.standby or int(free.accelerators[0]) <= size:
                continue
            spare = curve.spare_accelerators(size)
            domains = spare // curve.system.failure_domain
            flop = float(free.flops_per_s[0]) * self.settings.duration_s
            head = (
                f"{self.months[pos]}: the largest run, {size:,} accelerators, leaves room among "
                f"its group's {total:,} for the spare pool its policy ('{curve.plan.policy.id}') "
                f"restarts onto: {spare:,} accelerators ({counted(domains, 'failure domain')}) "
                f"for {self.settings.spares_availability:g} availability at the run's failure "
                f"rates; without that room it would be {int(free.accelerators[0]):,} "
                f"accelerators, {fmt_sci(flop, 3)} FLOP"
            )
            out.append(head + self._rack_bound_clause(curve, size, gp, pos) + ".")
        return out

    def _rack_bound_clause(self, curve: RunCurve, size: int, gp: GroupPick, pos: int) -> str:
        """For NVL72-class racks: the rack-uptime SLA's bound on the run's spare racks, below
        the model's count (`reliability.rack_bound`); empty otherwise."""
        sla = float(point(self.catalog.parameter(RACK_SLA_PARAMETER).value))
        rel = job_reliability(
            size,
            self.settings.duration_s,
            curve.failure_model,
            curve.system,
            curve.plan,
            spares_availability=self.settings.spares_availability,
            burn_in=float(gp.burn_in[pos]),
        )
        _, bound = rack_bound(rel, sla)
        if bound is None or bound >= int(rel.spares or 0):
            return ""
        return (
            f" (the model takes a whole rack out for every tray-level event, so for racks its "
            f"pool is an upper estimate: the catalog's rack-uptime SLA bounds it at "
            f"{bound * rel.footprint.failure_domain:,})"
        )

    def _no_room_caveat(self, pos: int) -> list[str]:
        """The caveat of a month with accelerators online but no largest run because even the
        smallest job of its largest group leaves no room there for its policy's spare pool."""
        online = [gp for gp in self.picks if gp.group.accelerators[pos] > 0]
        if not online:
            return []
        gp = max(online, key=lambda g: int(g.group.accelerators[pos]))
        curve = self._curve_of(gp, pos)
        total = int(gp.group.accelerators[pos])
        if not curve.standby or int(curve.room(np.array([total]))[0]) > 0:
            return []
        spare = curve.spare_accelerators(1)
        where = "all sites" if gp.group.site == ALL_SITES else gp.group.site
        return [
            f"{self.months[pos]}: no largest run: no job of the {total:,} {gp.group.system} at "
            f"{where} leaves room beside it for the spare pool its policy "
            f"('{curve.plan.policy.id}') restarts onto (even the smallest needs {spare:,} "
            f"spare accelerators for {self.settings.spares_availability:g} availability)."
        ]

    def summary(self, positions: list[tuple[int, int]]) -> dict[str, Any]:
        """The `gigawatt capability --json` object, less the scenario's name and title.

        `positions` are (year, month index) pairs, as `Results.year_positions()` gives them.
        """
        years = [
            {"year": y, "month": str(self.months[p]), **self.year_summary(y, p)}
            for y, p in positions
        ]
        runs = [r.as_dict() for r in self.runs]
        sites = [c.as_dict() for c in self.crossings]
        op = self.operating_point()
        return {
            "reference": self.reference(),
            "years": years,
            "frontier_runs": runs,
            "site_thresholds": sites,
            "crossings": crossings(runs, sites),
            "operating_point": None if op is None else op.as_dict(),
            "curve": self.curve(),
            "operating_point_sensitivity": self.sensitivity(),
        }


def crossings(runs: list[dict[str, Any]], sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every threshold crossed, by a frontier run (a date) or a site (a month), in date order:
    {who, id, date, in_force, notification_deadline}."""
    rows = [
        {
            "who": r["name"],
            "id": t["id"],
            "date": t["crossing_date"],
            "in_force": t["in_force"],
            "notification_deadline": t["notification_deadline"],
        }
        for r in runs
        for t in r["thresholds"]
        if t["exceeded"] and t["crossing_date"]
    ]
    rows += [
        {
            "who": c["site"],
            "id": c["id"],
            "date": c["month"],
            "in_force": c["in_force"],
            "notification_deadline": None,
        }
        for c in sites
        if c["month"]
    ]
    return sorted(rows, key=lambda row: row["date"])


def largest_runs(
    curves: Curves, fleet: Fleet, cross_site_from: int | None
) -> tuple[dict[str, np.ndarray], list[GroupPick], np.ndarray]:
    """The largest run started in each month over every group (the operating point of highest
    sustained rate), with the ceiling (the job of highest rate over every group); the picks of
    every group; the winning group's index (-1: none)."""
    s = curves.settings
    picks = [
        pick_group(curves, g, None, s.reference.precision, s.duration_s)
        for g in groups(fleet, cross_site_from)
    ]
    winner, rate = best_of([gp.pick for gp in picks])
    top_winner, top_rate = best_of([gp.ceiling for gp in picks])
    cols = np.arange(len(fleet.months))
    none = winner < 0
    w = np.maximum(winner, 0)

    def take(values: list[np.ndarray], who: np.ndarray = w) -> np.ndarray:
        return np.where(none, 0.0, np.array(values, dtype=float)[who, cols])

    flop = np.where(none, 0.0, rate * s.duration_s)
    chinchilla = {k: np.where(none, 0.0, v) for k, v in s.chinchilla(flop).items()}
    costs = _costs(curves, picks, winner)
    largest = {
        "largest_run_accelerators": take([gp.pick.accelerators for gp in picks]),
        "largest_run_group_accelerators": take([gp.group.accelerators for gp in picks]),
        "largest_run_flops_per_s": np.where(none, 0.0, rate),
        "largest_run_flop": flop,
        "largest_run_mfu": take([gp.pick.mfu for gp in picks]),
        "largest_run_goodput": take([gp.pick.goodput for gp in picks]),
        "largest_run_cross_site_efficiency": take([gp.pick.efficiency for gp in picks]),
        "largest_run_marginal_efficiency": take([gp.pick.marginal_efficiency for gp in picks]),
        **costs,
        "largest_run_ceiling_accelerators": take(
            [gp.ceiling.accelerators for gp in picks], np.maximum(top_winner, 0)
        ),
        "largest_run_ceiling_flops_per_s": np.where(none, 0.0, top_rate),
        "largest_run_ceiling_flop": np.where(none, 0.0, top_rate * s.duration_s),
        "largest_run_ceiling_goodput": take(
            [gp.ceiling.goodput for gp in picks], np.maximum(top_winner, 0)
        ),
        **chinchilla,
        "largest_run_vs_reference": flop / s.comparison.training_flop,
        "largest_run_burn_in_factor": take([gp.burn_in for gp in picks]),
    }
    largest[SPARE_KEY] = largest.pop(SPARE_KEY)  # in LATER_KEYS order
    return largest, picks, winner


def _costs(curves: Curves, picks: list[GroupPick], winner: np.ndarray) -> dict[str, np.ndarray]:
    """The reliability costs of each month's largest run: blocking checkpoint, restart and
    checkpoint interval [s] (one vectorised evaluation per curve that holds a largest run),
    and the spare pool it leaves room for [accelerators]."""
    s = curves.settings
    out = {k: np.zeros(len(winner)) for k in (*_COST_KEYS.values(), SPARE_KEY)}
    for index in np.unique(winner[winner >= 0]):
        gp = picks[int(index)]
        months = np.flatnonzero(winner == index)
        for sites, burn in {(int(gp.sites[m]), float(gp.burn_in[m])) for m in months}:
            at = months[(gp.sites[months] == sites) & (gp.burn_in[months] == burn)]
            curve = gp.curve(curves, int(at[0]), None, s.reference.precision, s.duration_s)
            rel = curve.reliability(gp.pick.accelerators[at])
            for attr, key in _COST_KEYS.items():
                out[key][at] = getattr(rel, attr)
            sizes, back = np.unique(gp.pick.accelerators[at], return_inverse=True)
            spares = [curve.spare_accelerators(int(n)) for n in sizes.tolist()]
            out[SPARE_KEY][at] = np.asarray(spares, dtype=float)[back]
    return out


#: The largest-run series of the spare pool each run leaves room for [accelerators].
SPARE_KEY = "largest_run_spare_accelerators"
#: JobCurve attribute -> the largest-run series it fills.
_COST_KEYS = {
    "checkpoint_s": "largest_run_checkpoint_s",
    "restart_s": "largest_run_restart_s",
    "interval_s": "largest_run_checkpoint_interval_s",
}


def site_rates(picks: list[GroupPick], months: int) -> dict[str, np.ndarray]:
    """Each site's own best run (over its systems), by month [FLOP/s]."""
    out: dict[str, np.ndarray] = {}
    for gp in picks:
        if gp.group.site != ALL_SITES:
            prev = out.get(gp.group.site, np.zeros(months))
            out[gp.group.site] = np.maximum(prev, gp.pick.flops_per_s)
    return out


def searches(curves: Curves) -> dict[str, Any]:
    """The perf searches behind the monthly largest runs:
    {system: {precision: {gpus: {gbs_seqs, mfu, plan}}}}."""
    out: dict[str, Any] = {}
    last: dict[tuple[str, str], int] = {}  # the searches last listed into each table
    for (name, system, _, duration_s, *_), curve in curves.curves.items():
        if name != REFERENCE or duration_s != curves.settings.duration_s:
            continue
        table = out.setdefault(system, {}).setdefault(curve.precision, {})
        if last.get((system, curve.precision)) == id(curve.buckets):
            continue  # curves of other sites or burn-in share them: the same rows again
        last[system, curve.precision] = id(curve.buckets)
        for gpus, b in sorted(curve.buckets.items()):
            table[str(gpus)] = {"gbs_seqs": b.gbs_seqs, "mfu": b.mfu, "plan": b.plan}
    return out


def run_capability(scenario: Scenario, catalog: Catalog, fleet: Fleet) -> CapabilityResult:
    """The `capability` stage: a resolved scenario's fleet -> the largest run by month, the
    scenario's frontier runs and the site-level thresholds each site crosses.

    The monthly largest run may span all sites of a system from the start of the scenario's
    first `cross_site` frontier run (the scenario says such training is possible then)."""
    settings = Settings.of(catalog)
    curves = Curves(catalog, settings)
    cross = [month_index(r.start) for r in scenario.frontier_runs if r.cross_site]
    cross_from = min(cross) - month_index(str(fleet.months[0])) if cross else None
    largest, picks, winner = largest_runs(curves, fleet, cross_from)
    candidates = groups(fleet, 0)
    runs = [
        evaluate_run(spec, scenario, catalog, fleet, curves, candidates)
        for spec in scenario.frontier_runs
    ]
    site = np.array([None if x < 0 else picks[x].group.site for x in winner], dtype=object)
    system = np.array([None if x < 0 else picks[x].group.system for x in winner], dtype=object)
    return CapabilityResult(
        curves=curves,
        picks=picks,
        winner=winner,
        catalog=catalog,
        settings=settings,
        months=fleet.month_labels,
        cross_site_from=None if cross_from is None else str(fleet.month_labels[cross_from]),
        largest=largest,
        largest_site=site,
        largest_system=system,
        site_rates=site_rates(picks, len(fleet.months)),
        runs=runs,
        crossings=site_thresholds(catalog, fleet),
        searches=searches(curves),
    )
