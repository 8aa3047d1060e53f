"""What the capability stage remembers across the samples of a sweep (`curve.pick_group`'s
groups, `runs.group_start`'s start months, `RunCurve.best`'s table per size grid): an answer
found there is the one computed afresh, whatever was asked before it."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
from capability_cases import DAY_S, fixed_catalog, scenario, site
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.capability import Settings
from gigawatt.capability.curve import Curves, Group, clear_cache, pick_group
from gigawatt.reliability.limit import job_sizes
from gigawatt.simulate import simulate

DURATION_S = 90 * DAY_S
#: The catalog default failure model (h100-class), which has a burn-in.
SYSTEM = "toy-node"


def fresh_curves() -> Curves:
    """Curves with nothing remembered (a new process)."""
    clear_cache()
    catalog = fixed_catalog()
    return Curves(catalog, Settings.of(catalog))


def group(adds: list[int], site_name: str = "site-a") -> Group:
    acc = np.cumsum(np.asarray(adds, dtype=np.int64))
    return Group(site_name, SYSTEM, acc, (acc > 0).astype(np.int64), {site_name: acc})


def arrays(gp) -> dict[str, np.ndarray]:
    out = {f"pick.{f.name}": getattr(gp.pick, f.name) for f in fields(gp.pick)}
    out |= {f"ceiling.{f.name}": getattr(gp.ceiling, f.name) for f in fields(gp.ceiling)}
    for name in ("burn_in", "age_months", "available", "sites", "ceiling_burn_in"):
        out[name] = getattr(gp, name)
    return out


phases = st.lists(
    st.sampled_from([0, 0, 0, 1, 7, 64, 1_000, 5_000, 20_000, 150_000]), min_size=3, max_size=9
)


@settings(max_examples=15, deadline=None)
@given(series=st.lists(phases, min_size=2, max_size=4))
def test_a_remembered_group_run_is_the_one_computed_afresh(series):
    """Groups met one after another in one process (the last one twice, as a second sample
    whose draw left it as it was) give what each gives in a process of its own."""
    warm = fresh_curves()
    groups = [group(adds) for adds in series]
    found = [pick_group(warm, g, None, "bf16", DURATION_S) for g in groups]
    again = group(series[-1])  # equal content, another object
    repeat = pick_group(warm, again, None, "bf16", DURATION_S)
    assert repeat.group is again
    for name, value in arrays(repeat).items():
        assert not value.flags.writeable, name  # shared by every sample that meets the group
    for g, gp in zip([*groups, again], [*found, repeat], strict=True):
        alone = pick_group(fresh_curves(), g, None, "bf16", DURATION_S)
        for name, value in arrays(alone).items():
            np.testing.assert_array_equal(arrays(gp)[name], value, err_msg=name)


@settings(max_examples=15, deadline=None)
@given(
    top=st.integers(min_value=64, max_value=3_000_000),
    fractions=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=6),
)
def test_a_best_job_does_not_depend_on_what_was_asked_with_it_beyond_its_grid(top, fractions):
    """`best` of N asked with a largest N is that of N asked alone with it on a new curve, and
    with any other largest N of the same size grid."""
    sizes = [max(int(f * top), 0) for f in fractions]
    asked = np.array([*sizes, top], dtype=np.int64)
    warm = fresh_curves().get(None, SYSTEM, "bf16", DURATION_S, 1)
    together = warm.best(asked)
    domain = warm.system.failure_domain
    grid = job_sizes(top, domain)
    same_grid = int(grid[-1])  # the grid's own largest size: the same grid as `top`
    assert len(job_sizes(same_grid, domain)) == len(grid)
    for i, n in enumerate(sizes):
        for largest in {top, same_grid}:
            if n > largest:
                continue
            cold = fresh_curves().get(None, SYSTEM, "bf16", DURATION_S, 1)
            alone = cold.best(np.array([n, largest], dtype=np.int64))
            for f in fields(together):
                assert getattr(alone, f.name)[0] == getattr(together, f.name)[i], f.name


def test_frontier_runs_found_in_a_later_sample_are_those_computed_afresh():
    """A site of toy-node online from 2026-03 and a second from 2026-05: frontier runs
    starting in and after their burn-in give the same figures when the stage has seen other
    draws and this one before (as a sweep's later sample) and in a process of their own."""
    catalog = fixed_catalog()
    runs = [
        {"name": "new", "start": "2026-03", "duration_days": 120, "precision": "bf16"},
        {"name": "both", "start": "2026-05", "duration_days": 60, "precision": "bf16"},
        {
            "name": "across",
            "start": "2026-06",
            "duration_days": 60,
            "precision": "bf16",
            "cross_site": True,
        },
        {"name": "old", "start": "2026-09", "duration_days": 120, "precision": "bf16"},
    ]

    def sample(power_a_gw: float, power_b_gw: float):
        later = site("site-b", power_b_gw, system=SYSTEM)
        later["phases"][0]["online"] = "2026-05"
        sites = [site("site-a", power_a_gw, system=SYSTEM), later]
        return scenario(catalog, sites=sites, frontier_runs=runs)

    sc = sample(0.05, 0.03)
    fresh_curves()
    simulate(sample(0.08, 0.02), catalog, until="capability")  # earlier samples: other draws
    simulate(sample(0.05, 0.01), catalog, until="capability")
    simulate(sc, catalog, until="capability")
    warm = simulate(sc, catalog, until="capability").capability
    fresh_curves()
    cold = simulate(sc, catalog, until="capability").capability
    assert [r.as_dict() for r in warm.runs] == [r.as_dict() for r in cold.runs]
    for key, value in cold.largest.items():
        np.testing.assert_array_equal(warm.largest[key], value, err_msg=key)
    assert any(r.as_dict()["burn_in_factor"] > 1 for r in cold.runs)  # burn-in is met
