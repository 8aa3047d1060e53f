"""Regulatory thresholds: which a training run or a site crosses, when, and what follows.

Thresholds are catalog records (`gigawatt catalog thresholds`): EU AI Act Art 51(2) (> 1e25
FLOP, notify within two weeks of knowing, Art 52(1)), California SB 53 and New York RAISE as
amended by S8828 (> 1e26 operations), and as history the revoked US EO 14110, the rescinded BIS
4E091 and the RAISE Act as passed in 2025 (> 1e26 operations and > USD 100M of compute cost at
market cloud prices, replaced by its chapter amendment); and site-load thresholds (US EO 14318
> 100 MW of new load; Texas SB 6 > 75 MW at one site).

A cost test prices compute on the threshold's `cost_basis`: `market` (cloud rates per
accelerator-hour, `gigawatt.costs.market_rate`, as the 2025 RAISE text and California's SB 1047
counted it) or `ownership`. A run's compute and cost are assumed to accrue linearly over its
duration, so a run of F FLOP starting at t0 and lasting D crosses a threshold V < F at
t0 + D V / F (a cost test likewise). A threshold applies when it is in force on that date:
`effective <= date < revoked`.

At the programme level (`site_thresholds`), each site's monthly facility load is compared with
the site-load thresholds that cover its region (`applies_to_countries`, `applies_to_regions`),
and its theoretical peak with the revoked EO 14110 cluster threshold (history): the first month
each is crossed, and whether the threshold was in force then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gigawatt.buildout import Fleet
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Region, Threshold


def in_force_on(threshold: Threshold, day: dt.date) -> bool:
    """True when the threshold is law on `day` (effective and not yet revoked)."""
    return threshold.effective <= day and (threshold.revoked is None or day < threshold.revoked)


def law_status(threshold: Threshold, day: dt.date) -> str:
    """Whether the threshold is law on `day`, in words: "in force since E", "not yet in force
    (from E)", "revoked R (in force E to R)" or "never in force (repealed before effect)"
    (`revoked` on or before `effective`)."""
    effective, revoked = threshold.effective, threshold.revoked
    if revoked is not None and revoked <= effective:
        return "never in force (repealed before effect)"
    if revoked is not None and day >= revoked:
        return f"revoked {revoked} (in force {effective} to {revoked})"
    if day < effective:
        return f"not yet in force (from {effective})"
    return f"in force since {effective}"


@dataclass(frozen=True)
class ThresholdCheck:
    """One threshold against one run: exceeded, when, and whether it was in force then."""

    id: str
    jurisdiction: str
    metric: str
    value: float
    exceeded: bool | None  # None: a test the inputs cannot decide (e.g. cost unknown)
    crossing_date: dt.date | None
    in_force: bool
    notification_deadline: dt.date | None
    note: str
    #: The day whose law `in_force` is judged on: the crossing date, else the start, else the
    #: day the check ran; and the threshold's own dates (`revoked` None: not revoked).
    checked_on: dt.date | None = None
    effective: dt.date | None = None
    revoked: dt.date | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "metric": self.metric,
            "value": self.value,
            "exceeded": self.exceeded,
            "crossing_date": self.crossing_date.isoformat() if self.crossing_date else None,
            "in_force": self.in_force,
            "notification_deadline": (
                self.notification_deadline.isoformat() if self.notification_deadline else None
            ),
            "note": self.note,
            # added after the keys above (DESIGN.md section 7)
            "checked_on": self.checked_on.isoformat() if self.checked_on else None,
            "effective": self.effective.isoformat() if self.effective else None,
            "revoked": self.revoked.isoformat() if self.revoked else None,
        }


def _crossing_fraction(total: float, threshold: float) -> float:
    """Share of the run after which a linearly accruing total passes `threshold` (0-1)."""
    return min(max(threshold / total, 0.0), 1.0)


def check_training_run(
    catalog: Catalog,
    training_flop: float,
    *,
    start: dt.date | None = None,
    duration_s: float | None = None,
    cost_usd: float | Mapping[str, float] | None = None,
) -> list[ThresholdCheck]:
    """Every training-compute threshold against one run.

    `training_flop` is the run's cumulative compute (the regimes count fine-tuning and RL into
    the same total). `cost_usd` is the run's compute cost: one figure for every cost test, or
    one per basis (`{"ownership": ..., "market": ...}`), each test taking its own. Without
    `start`, the run is checked as of today. The EU notification deadline counts from the start:
    a planned run is known to cross before it does (Recital 112), so the start is the latest the
    two weeks can begin.
    """
    out = []
    today = start or dt.date.today()
    for th in catalog.thresholds():
        if th.metric != "training_flop":
            continue
        exceeded: bool | None = training_flop > th.value
        fraction = _crossing_fraction(training_flop, th.value) if exceeded else None
        notes = []
        if th.cost_usd is not None:
            cost = cost_usd.get(th.cost_basis) if isinstance(cost_usd, Mapping) else cost_usd
            if cost is None:
                exceeded = None if exceeded else False
                notes.append(f"also needs compute cost > USD {th.cost_usd:,.0f} (cost unknown)")
            else:
                notes.append(f"compute cost at {th.cost_basis} prices USD {cost:,.0f}")
                if exceeded and cost > th.cost_usd:
                    fraction = max(fraction or 0.0, _crossing_fraction(cost, th.cost_usd))
                else:
                    exceeded = False
        if th.revenue_usd is not None:
            # Not a condition of the threshold: SB 53 binds every developer of a model above it
            # (a transparency report); the revenue test marks the "large frontier developer",
            # whose duties the record's notification_trigger lists.
            notes.append(f"large frontier developer test: revenue > USD {th.revenue_usd:,.0f}")
        crossing = None
        if exceeded and start is not None and duration_s is not None and fraction is not None:
            crossing = start + dt.timedelta(seconds=duration_s * fraction)
        when = crossing or today
        deadline = None
        if exceeded and th.notification_days is not None:
            deadline = (start or today) + dt.timedelta(days=th.notification_days)
        out.append(
            ThresholdCheck(
                id=th.id,
                jurisdiction=th.jurisdiction,
                metric=th.metric,
                value=th.value,
                exceeded=exceeded,
                crossing_date=crossing,
                in_force=in_force_on(th, when),
                notification_deadline=deadline,
                note="; ".join(notes),
                checked_on=when,
                effective=th.effective,
                revoked=th.revoked,
            )
        )
    return out


def thresholds_crossed(checks: list[ThresholdCheck]) -> list[str]:
    """Ids of the thresholds a run exceeds while they are in force."""
    return [c.id for c in checks if c.exceeded and c.in_force]


# --- the programme: sites against site-load and cluster thresholds ---------------------------

#: Site-level metrics and what a site's monthly series of each is.
SITE_METRICS = ("site_load_w", "cluster_flops_per_s")


def covers(threshold: Threshold, region: Region) -> bool:
    """True when a site in `region` is in the threshold's territory (see the Threshold schema)."""
    if threshold.applies_to_regions:
        return region.id in threshold.applies_to_regions
    if threshold.applies_to_countries:
        return region.country in threshold.applies_to_countries
    return True


def first_crossing(values: np.ndarray, threshold: float, comparison: str) -> int | None:
    """Index of the first value above (">") or at least (">=") the threshold, else None."""
    hit = values >= threshold if comparison == ">=" else values > threshold
    return int(np.argmax(hit)) if hit.any() else None


@dataclass(frozen=True)
class SiteCrossing:
    """One site against one site-level threshold: the first month it is crossed, if any."""

    site: str
    region: str
    id: str
    jurisdiction: str
    metric: str
    value: float
    comparison: str
    month: str | None
    in_force: bool | None  # None: never crossed in the scenario
    peak: float
    note: str

    def as_dict(self) -> dict[str, object]:
        return {
            "site": self.site,
            "region": self.region,
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "metric": self.metric,
            "value": self.value,
            "comparison": self.comparison,
            "month": self.month,
            "in_force": self.in_force,
            "peak": self.peak,
            "note": self.note,
        }


def site_series(fleet: Fleet, metric: str) -> dict[str, np.ndarray]:
    """Each site's monthly series of a site-level metric [W or FLOP/s].

    `site_load_w` is the facility (grid) load; `cluster_flops_per_s` the theoretical maximum of
    the site's accelerators, counted at their highest dense rate (FP4 where supported, else the
    next wider precision), since EO 14110 counted "integer or floating-point operations".
    """
    values = fleet.facility_power_w if metric == "site_load_w" else fleet.peak_flops_per_s["fp4"]
    return fleet.site_sums(values)


def site_thresholds(catalog: Catalog, fleet: Fleet) -> list[SiteCrossing]:
    """Every (site, site-level threshold covering it): the first month the site crosses it."""
    columns = fleet.columns
    regions = dict(zip(columns["site"].tolist(), columns["region"].tolist(), strict=True))
    series = {m: site_series(fleet, m) for m in SITE_METRICS}
    out = []
    for th in catalog.thresholds():
        if th.metric not in SITE_METRICS:
            continue
        for site, values in series[th.metric].items():
            region = catalog.region(regions[site])
            if not covers(th, region):
                continue
            i = first_crossing(values, th.value, th.comparison)
            month = None if i is None else str(fleet.month_labels[i])
            in_force = None
            if month is not None:
                in_force = in_force_on(th, dt.date.fromisoformat(month + "-01"))
            out.append(
                SiteCrossing(
                    site=site,
                    region=region.id,
                    id=th.id,
                    jurisdiction=th.jurisdiction,
                    metric=th.metric,
                    value=th.value,
                    comparison=th.comparison,
                    month=month,
                    in_force=in_force,
                    peak=float(values.max()),
                    note=th.notification_trigger or "",
                )
            )
    return out
