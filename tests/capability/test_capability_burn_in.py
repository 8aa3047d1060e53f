"""Burn-in inside the capability curves (`curve.burn_in_tiers`, `pick_group`): a run in burn-in
never has a higher goodput than the same run mature, a factor of 1 (or a failure model without
burn-in) gives the mature curves exactly, the multiplier ends at the failure model's
`burn_in_months`, and a run is placed on a group's oldest accelerators first and charged the
first factor step at or above its accelerators' mean factor."""

from __future__ import annotations

import itertools
import math
from functools import cache

import numpy as np
import pytest
from capability_cases import DAY_S, fixed_catalog, scenario, site
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.capability import Settings
from gigawatt.capability.curve import (
    BURN_IN_STEPS,
    PICK_FIELDS,
    Curves,
    Group,
    burn_in_tiers,
    pick_group,
)
from gigawatt.reliability import burn_in_factor, job_reliability
from gigawatt.simulate import simulate
from gigawatt.units import S_PER_MONTH

DURATION_S = 90 * DAY_S
#: No failure model of its own: the catalog default (h100-class), which has a burn-in.
SYSTEM = "toy-node"


@cache
def curves() -> Curves:
    catalog = fixed_catalog()
    return Curves(catalog, Settings.of(catalog))


def failure_model():
    return curves().failure_model(SYSTEM)


def group(adds: list[int], site: str = "site-a") -> Group:
    """One site's group with `adds[m]` accelerators coming online in month m."""
    acc = np.cumsum(np.asarray(adds, dtype=np.int64))
    return Group(site, SYSTEM, acc, (acc > 0).astype(np.int64), {site: acc})


def mature(g: Group):
    """The group's operating point and ceiling with no burn-in (the curves before it)."""
    c = curves().get(None, SYSTEM, "bf16", DURATION_S, 1)
    return c.operating(g.accelerators), c.best(g.accelerators)


def test_the_catalog_default_has_a_burn_in():
    fm = failure_model()
    assert fm.burn_in_multiplier > 1 and fm.burn_in_months > 0


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=8, max_value=2_000_000),
    factor=st.floats(min_value=1.05, max_value=4.0),
)
def test_a_run_in_burn_in_never_has_a_higher_goodput_than_the_same_run_mature(n, factor):
    c = curves()
    young = c.get(None, SYSTEM, "bf16", DURATION_S, 1, burn_in=factor)
    old = c.get(None, SYSTEM, "bf16", DURATION_S, 1)
    sizes = np.unique(np.array([1, 8, n // 3 or 1, n], dtype=np.int64))
    # hardware failures strike every size: strictly lower (a factor within a few ulp of 1
    # may move the rounded checkpoint interval by more than the rate: the burn-in factors of
    # the catalog's models over a 90-day run are 1.34 and up)
    assert np.all(young.goodput(sizes) < old.goodput(sizes))
    assert np.all(young.rate(sizes).flops_per_s < old.rate(sizes).flops_per_s)


def test_a_factor_of_1_is_the_mature_curve_itself():
    c = curves()
    assert c.get(None, SYSTEM, "bf16", DURATION_S, 1, burn_in=1.0) is c.get(
        None, SYSTEM, "bf16", DURATION_S, 1
    )
    assert c.get(None, SYSTEM, "bf16", DURATION_S, 1, burn_in=2.0).burn_in == 2.0


def test_a_failure_model_without_burn_in_gives_one_mature_tier():
    g = group([0, 4_000, 0, 60_000, 0, 0])
    for update in ({"burn_in_multiplier": 1.0}, {"burn_in_months": 0.0}):
        fm = failure_model().model_copy(update=update)
        (tier,) = burn_in_tiers(g, fm, DURATION_S)
        assert tier.burn_in == 1.0
        assert np.array_equal(tier.accelerators, g.accelerators)
        assert np.array_equal(tier.sites, g.sites)


def test_past_burn_in_the_picks_are_the_mature_curves_exactly():
    """Every month whose accelerators are all at least `burn_in_months` old: the operating
    point and ceiling are bit for bit those of the curve without burn-in."""
    months = math.ceil(failure_model().burn_in_months)
    g = group([5_000, 0, 70_000] + [0] * (months + 3))
    gp = pick_group(curves(), g, None, "bf16", DURATION_S)
    op, top = mature(g)
    done = np.arange(len(g.accelerators)) >= 2 + months
    for name in PICK_FIELDS:
        assert np.array_equal(getattr(gp.pick, name)[done], getattr(op, name)[done]), name
        assert np.array_equal(getattr(gp.ceiling, name)[done], getattr(top, name)[done]), name
    assert np.all(gp.burn_in[done] == 1.0) and np.all(gp.ceiling_burn_in[done] == 1.0)


def test_the_multiplier_ends_at_burn_in_months():
    """One phase online in month 2: its runs carry the failure model's factor at ages 0, 1, ...
    (the reliability model's, `burn_in_factor`, over the run), falling, and 1 from
    `burn_in_months` on."""
    fm = failure_model()
    g = group([0, 0, 50_000] + [0] * 6)
    gp = pick_group(curves(), g, None, "bf16", DURATION_S)
    age = np.arange(len(g.accelerators)) - 2
    inside = (age >= 0) & (age < fm.burn_in_months)
    expected = [burn_in_factor(fm, float(a), DURATION_S) for a in age[inside]]
    assert gp.burn_in[inside].tolist() == expected
    assert gp.age_months[inside].tolist() == age[inside].tolist()
    # by hand at age 0: the run spends min(burn-in, 90 days) of its 90 days at the multiplier
    inside_s = min(fm.burn_in_months * S_PER_MONTH, DURATION_S)
    assert expected[0] == 1 + (fm.burn_in_multiplier - 1) * inside_s / DURATION_S
    assert all(a > b for a, b in itertools.pairwise(expected))
    assert np.all(gp.burn_in[age >= fm.burn_in_months] == 1.0)
    op, _ = mature(g)
    assert np.all(gp.pick.goodput[inside] < op.goodput[inside])  # a lower goodput, as
    assert np.all(gp.pick.flops_per_s[inside] < op.flops_per_s[inside])  # is the rate


def test_a_run_that_fits_on_mature_accelerators_avoids_the_new_ones():
    """Oldest first: a large mature phase holds the run, so a new phase adds no burn-in; a
    small mature phase does not, and the run takes the new accelerators at their factor."""
    fm = failure_model()
    months = math.ceil(fm.burn_in_months)
    big = group([400_000] + [0] * months + [20_000])
    gp = pick_group(curves(), big, None, "bf16", DURATION_S)
    assert gp.burn_in[-1] == 1.0 and gp.available[-1] == 400_000
    small = group([16] + [0] * months + [200_000])
    gp = pick_group(curves(), small, None, "bf16", DURATION_S)
    assert gp.burn_in[-1] == burn_in_factor(fm, 0.0, DURATION_S) and gp.age_months[-1] == 0
    assert gp.available[-1] == 200_016 and gp.pick.accelerators[-1] > 16


def test_cross_site_tiers_count_the_sites_that_hold_old_enough_accelerators():
    months = math.ceil(failure_model().burn_in_months)
    a = np.array([10_000] * (months + 2), dtype=np.int64)
    b = np.array([0] * (months + 1) + [30_000], dtype=np.int64)
    g = Group("all", SYSTEM, a + b, (a > 0).astype(np.int64) + (b > 0), {"a": a, "b": b})
    tiers = burn_in_tiers(g, failure_model(), DURATION_S)
    oldest, newest = tiers[0], tiers[-1]
    assert oldest.burn_in == 1.0 and newest.burn_in == burn_in_factor(
        failure_model(), 0.0, DURATION_S
    )
    assert oldest.sites[-1] == 1 and oldest.accelerators[-1] == 10_000
    assert newest.sites[-1] == 2 and newest.accelerators[-1] == 40_000
    # the month site b comes online some factor above 1 adds accelerators; the month before, all
    # are past burn-in and none does
    assert any(t.adds[-1] for t in tiers[1:]) and not any(t.adds[-2] for t in tiers[1:])


@settings(max_examples=25, deadline=None)
@given(
    adds=st.lists(
        st.one_of(st.just(0), st.integers(min_value=1, max_value=600_000)),
        min_size=1,
        max_size=7,
    )
)
def test_burn_in_never_improves_a_month_and_its_factor_is_bounded(adds):
    fm = failure_model()
    g = group(adds)
    gp = pick_group(curves(), g, None, "bf16", DURATION_S)
    _, top = mature(g)
    # No run beats the mature ceiling. (Not asserted: that it never beats the mature operating
    # point. The operating rule's marginal efficiency is one-sided at the end of the size grid,
    # so a tier of fewer old accelerators can stop at a larger job than the whole group does:
    # adds [152826, 0, 3038] give 152,528 on the mature tier, 149,256 on all 155,864.)
    assert np.all(gp.pick.flops_per_s <= top.flops_per_s)
    assert np.all(gp.ceiling.flops_per_s <= top.flops_per_s)
    assert np.all((gp.burn_in >= 1.0) & (gp.burn_in <= fm.burn_in_multiplier))
    assert np.all(gp.available <= g.accelerators)
    assert np.all(gp.pick.accelerators <= gp.available)
    for m in np.flatnonzero(gp.pick.accelerators > 0):  # the same run, mature: no lower goodput
        same = curves().get(None, SYSTEM, "bf16", DURATION_S, 1)
        n = np.array([int(gp.pick.accelerators[m])])
        assert gp.pick.goodput[m] <= same.reliability(n).goodput[0] + 1e-12


def test_the_stage_charges_a_new_site_and_its_frontier_runs_their_burn_in():
    """A site of toy-node (h100-class rates) online from 2026-03: the largest run of 2026-03
    and a frontier run starting then carry the factor of age 0 for their own durations, one
    starting after burn-in none; the year keys and the caveat say so."""
    catalog = fixed_catalog()
    fm = failure_model()
    runs = [
        {"name": "new", "start": "2026-03", "duration_days": 120, "precision": "bf16"},
        {"name": "old", "start": "2026-09", "duration_days": 120, "precision": "bf16"},
    ]
    sites = [site("site-a", 0.05, system=SYSTEM)]
    sc = scenario(catalog, sites=sites, frontier_runs=runs)
    cap = simulate(sc, catalog, until="capability").capability
    march = cap.year_summary(2026, 2)
    assert march["largest_run_burn_in_factor"] == burn_in_factor(fm, 0.0, DURATION_S) > 1
    # what `gigawatt reliability --fleet-age-months 0` gives the same job
    curve = curves().get(None, SYSTEM, "bf16", DURATION_S, 1)
    n = march["largest_run_accelerators"]
    alone = job_reliability(n, DURATION_S, fm, curve.system, curve.plan, fleet_age_months=0.0)
    assert march["largest_run_goodput"] == pytest.approx(alone.goodput, rel=1e-12)
    december = cap.year_summary(2026, 11)
    assert december["largest_run_burn_in_factor"] == 1.0
    assert march["largest_run_goodput"] < december["largest_run_goodput"]
    new, old = (r.as_dict() for r in cap.runs)
    assert new["burn_in_factor"] == burn_in_factor(fm, 0.0, 120 * DAY_S) > 1
    assert old["burn_in_factor"] == 1.0 and new["goodput"] < old["goodput"]
    (caveat,) = cap.burn_in_caveats([(2026, 2), (2026, 11)])
    assert (
        caveat.startswith("2026-03: ") and f"x{march['largest_run_burn_in_factor']:.2f}" in caveat
    )


def oldest_first_mean(adds: list[int], month: int, n: int) -> float:
    """The mean burn-in factor of the `n` oldest accelerators at `month` (by hand: each
    phase's accelerators at their own age, the oldest taken first)."""
    fm, left, total = failure_model(), n, 0.0
    for online, count in enumerate(adds[: month + 1]):
        take = min(count, left)
        total += take * burn_in_factor(fm, float(month - online), DURATION_S)
        left -= take
    assert left == 0
    return total / n


@settings(max_examples=25, deadline=None)
@given(
    adds=st.lists(
        st.one_of(st.just(0), st.integers(min_value=1, max_value=300_000)),
        min_size=2,
        max_size=6,
    )
)
def test_a_run_is_charged_the_first_step_at_or_above_its_accelerators_mean(adds):
    fm = failure_model()
    g = group(adds)
    gp = pick_group(curves(), g, None, "bf16", DURATION_S)
    step = (burn_in_factor(fm, 0.0, DURATION_S) - 1) / BURN_IN_STEPS
    for m in np.flatnonzero(gp.pick.accelerators > 0):
        n = int(gp.pick.accelerators[m])
        mean = oldest_first_mean(adds, int(m), n)
        assert mean - 1e-9 <= gp.burn_in[m] <= mean + step + 1e-9
        # the youngest accelerators it uses: the youngest phase the oldest-first fill reaches
        used = np.cumsum(adds[: m + 1])
        youngest = int(np.searchsorted(used, n))  # the phase holding the n-th oldest
        assert gp.age_months[m] == min(m - youngest, math.ceil(fm.burn_in_months))


def test_a_mixed_run_is_charged_its_mean_not_its_youngest():
    """20,000 accelerators past burn-in and 100,000 a month old: a run on some of both is
    charged their mean, stepped up, at most the factor of its youngest (the caveat's age)."""
    fm = failure_model()
    months = math.ceil(fm.burn_in_months)
    adds = [20_000] + [0] * (months - 1) + [100_000, 0]
    gp = pick_group(curves(), group(adds), None, "bf16", DURATION_S)
    n = int(gp.pick.accelerators[-1])
    assert n > 20_000 and gp.age_months[-1] == 1
    mean = oldest_first_mean(adds, len(adds) - 1, n)
    step = (burn_in_factor(fm, 0.0, DURATION_S) - 1) / BURN_IN_STEPS
    assert 1 < mean <= gp.burn_in[-1] <= min(mean + step, burn_in_factor(fm, 1.0, DURATION_S))


def test_one_month_tiers_are_those_of_the_whole_series():
    """`burn_in_tiers(..., at=pos)` (the frontier runs' start month) is the column `pos` of the
    tiers of every month."""
    g = group([3_000, 0, 40_000, 9_000, 0, 120_000, 0, 0])
    full = burn_in_tiers(g, failure_model(), DURATION_S)
    for pos in range(len(g.accelerators)):
        one = burn_in_tiers(g, failure_model(), DURATION_S, at=pos)
        assert [t.burn_in for t in one] == [t.burn_in for t in full][: len(one)]
        for a, b in zip(full, one, strict=False):
            assert (a.accelerators[pos], a.sites[pos], a.adds[pos]) == (
                b.accelerators[0],
                b.sites[0],
                b.adds[0],
            )
