"""Regulatory thresholds: which a training run or a site crosses, when, and what follows.

Thresholds are catalog records (`gigawatt catalog thresholds`; deals_and_policy.md section 3):
EU AI Act Art 51(2) (> 1e25 FLOP, notify within two weeks of knowing, Art 52(1)), California
SB 53 and New York RAISE (> 1e26 operations; RAISE also > USD 100M of compute cost), the revoked
US EO 14110 and rescinded BIS 4E091 (as history), and site-load thresholds (US EO 14318 > 100 MW
of new load; Texas SB 6 >= 75 MW).

A run's compute is assumed to accrue linearly over its duration, so a run of F FLOP starting at
t0 and lasting D crosses a threshold V < F at t0 + D V / F (a cost test likewise). A threshold
applies when it is in force on that date: `effective <= date < revoked`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Threshold


def in_force_on(threshold: Threshold, day: dt.date) -> bool:
    """True when the threshold is law on `day` (effective and not yet revoked)."""
    return threshold.effective <= day and (threshold.revoked is None or day < threshold.revoked)


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
    cost_usd: float | None = None,
) -> list[ThresholdCheck]:
    """Every training-compute threshold against one run.

    `training_flop` is the run's cumulative compute (the regimes count fine-tuning and RL into
    the same total; deals_and_policy.md 3.8). Without `start`, the run is checked as of today.
    The EU notification deadline counts from the start: a planned run is known to cross before
    it does (Recital 112), so the start is the latest the two weeks can begin.
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
            if cost_usd is None:
                exceeded = None if exceeded else False
                notes.append(f"also needs compute cost > USD {th.cost_usd:,.0f} (cost unknown)")
            elif exceeded and cost_usd > th.cost_usd:
                fraction = max(fraction or 0.0, _crossing_fraction(cost_usd, th.cost_usd))
            else:
                exceeded = False
        if th.revenue_usd is not None:
            notes.append(f"applies to developers with revenue > USD {th.revenue_usd:,.0f}")
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
            )
        )
    return out


def thresholds_crossed(checks: list[ThresholdCheck]) -> list[str]:
    """Ids of the thresholds a run exceeds while they are in force."""
    return [c.id for c in checks if c.exceeded and c.in_force]
