"""Build-out arithmetic on hand-calculable cases, and its invariants."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import toy_scenario_data
from gigawatt.buildout import build_fleet, long_table, ramp_share
from gigawatt.catalog import Catalog
from gigawatt.scenario import builtin_scenarios, load_scenario, parse_scenario


def _fleet(catalog, data):
    return build_fleet(parse_scenario(data, catalog).resolve(), catalog)


def test_one_gw_facility_basis(toy_catalog):
    # 1 GW at the grid, PUE 1.25 -> 0.8 GW IT -> 800,000 accelerators at 1 kW all-in.
    fleet = _fleet(toy_catalog, toy_scenario_data())
    march = 2
    assert fleet.facility_power_w[0, march - 1] == 0
    assert fleet.facility_power_w[0, march] == pytest.approx(1e9)
    assert fleet.it_power_w[0, march] == pytest.approx(0.8e9)
    assert fleet.accelerators[0, march] == 800_000
    assert fleet.peak_flops_per_s["bf16"][0, march] == pytest.approx(800_000 * 1e15)
    assert fleet.peak_flops_per_s["fp8"][0, march] == pytest.approx(800_000 * 2e15)
    # No fp4 on this chip: its fp4 peak is what it reaches at the next wider precision (fp8).
    assert fleet.peak_flops_per_s["fp4"][0, march] == pytest.approx(800_000 * 2e15)


def test_it_basis(toy_catalog):
    fleet = _fleet(toy_catalog, toy_scenario_data(power_basis="it"))
    assert fleet.it_power_w[0, -1] == pytest.approx(1e9)
    assert fleet.facility_power_w[0, -1] == pytest.approx(1.25e9)
    assert fleet.accelerators[0, -1] == 1_000_000


def test_linear_ramp_and_delay(toy_catalog):
    data = toy_scenario_data()
    data["sites"][0]["phases"][0].update(ramp_months=4, delay_months=1)
    fleet = _fleet(toy_catalog, data)
    # Planned for March, one month late: April is the first month, full in July.
    expected = [0, 0, 0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(fleet.facility_power_w[0] / 1e9, expected)
    assert fleet.phases.loc[0, "online"] == "2026-04"
    assert fleet.phases.loc[0, "online_planned"] == "2026-03"


def test_s_curve_ramp():
    k = np.arange(-1, 5)
    share = ramp_share(k, np.full(6, 4), np.full(6, True))
    x = np.array([0, 0.25, 0.5, 0.75, 1, 1])
    np.testing.assert_allclose(share, np.where(k < 0, 0, 3 * x**2 - 2 * x**3))
    assert share[1] == pytest.approx(0.15625)  # k = 0: x = 1/4 -> 3/16 - 2/64


def test_totals_and_by_site(toy_catalog):
    data = toy_scenario_data()
    second = copy.deepcopy(data["sites"][0])
    second.update(name="site-b", pue=1.0)
    second["phases"][0].update(online="2026-06", power_gw=0.5)
    data["sites"].append(second)
    fleet = _fleet(toy_catalog, data)
    by_site = fleet.by_site(fleet.facility_power_w)
    assert list(by_site.columns) == ["site-a", "site-b"]
    assert by_site.loc["2026-12"].tolist() == pytest.approx([1e9, 0.5e9])
    assert fleet.deployed_gw()[-1] == pytest.approx(1.5)
    table = fleet.table()
    row = table[(table.month == "2026-12") & (table.site == "total")]
    assert row[row.quantity == "accelerators"].value.item() == 800_000 + 500_000
    assert set(table.columns) == {"month", "site", "quantity", "unit", "value"}


phase_st = st.fixed_dictionaries(
    {
        "online": st.sampled_from(["2026-01", "2026-04", "2026-09", "2026-12"]),
        "power_gw": st.floats(0.05, 5),
        "ramp_months": st.integers(0, 12),
        "delay_months": st.integers(0, 6),
        "ramp": st.sampled_from(["linear", "s-curve"]),
        "system": st.just("toy-node"),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(phases=st.lists(phase_st, min_size=1, max_size=4), extra=phase_st)
def test_more_phases_never_less_power(toy_catalog, phases, extra):
    data = toy_scenario_data()
    data["sites"][0]["phases"] = phases
    before = _fleet(toy_catalog, data)
    data = copy.deepcopy(data)
    data["sites"][0]["phases"] = [*phases, extra]
    after = _fleet(toy_catalog, data)
    for arr in ("facility_power_w", "it_power_w", "accelerators"):
        assert np.all(getattr(after, arr).sum(0) >= getattr(before, arr).sum(0) - 1e-6)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(phase=phase_st)
def test_power_never_decreases_over_time(toy_catalog, phase):
    data = toy_scenario_data()
    data["sites"][0]["phases"] = [phase]
    fleet = _fleet(toy_catalog, data)
    assert np.all(np.diff(fleet.facility_power_w.sum(0)) >= -1e-6)
    assert fleet.facility_power_w.max() <= phase["power_gw"] * 1e9 * (1 + 1e-12)


def test_default_scenario_meets_the_announced_scale(catalog):
    """10 GW of NVIDIA systems (IT power; about 11.5 GW at the grid at PUE 1.15).

    Huang's check (CNBC, 22 Sep 2025): 10 GW is "roughly 4 million or 5 million GPUs"; we accept
    3.5-5 M packages.
    """
    from gigawatt.scenario import load_scenario

    sc = load_scenario("nvidia-openai-10gw", catalog).resolve()
    fleet = build_fleet(sc, catalog)
    assert fleet.it_power_w[:, -1].sum() == pytest.approx(10e9, rel=1e-9)
    assert 10e9 < fleet.facility_power_w[:, -1].sum() <= 12e9
    assert 3.5e6 <= fleet.accelerators[:, -1].sum() <= 5e6
    first = fleet.phases.iloc[0]
    assert "2026-07" <= first["online"] <= "2026-12"  # first GW in H2 2026


def _long_table_reference(months, sites, quantities):
    """The long table as pandas built it before it was vectorised (issue 12): groupby, melt."""
    frames = []
    for name, unit, arr in quantities:
        frame = pd.DataFrame(arr.T, index=months, columns=sites)
        by_site = frame.T.groupby(level=0, sort=False).sum().T
        by_site["total"] = arr.sum(axis=0)
        long = by_site.reset_index(names="month").melt(
            id_vars="month", var_name="site", value_name="value"
        )
        frames.append(long.assign(quantity=name, unit=unit))
    return pd.concat(frames, ignore_index=True)[["month", "site", "quantity", "unit", "value"]]


def test_long_table_equals_the_pandas_reference():
    rng = np.random.default_rng(7)
    months = np.array(["2026-01", "2026-02", "2026-03", "2026-04"], dtype=object)
    sites = pd.Series(["b", "a", "b", "c", "a", "b"])  # first appearance: b, a, c
    quantities = [("p", "W", rng.random((6, 4)) * 1e9), ("n", "count", rng.random((6, 4)))]
    got = long_table(months, sites, quantities)
    pd.testing.assert_frame_equal(got, _long_table_reference(months, sites, quantities))
    assert list(got["site"].unique()) == ["b", "a", "c", "total"]


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_fleet_columns_are_the_frames(name):
    """`Fleet.columns` (handed over by build_fleet) equals reading each column of `phases`."""
    catalog = Catalog.load()
    fleet = build_fleet(load_scenario(name, catalog).resolve(None), catalog)
    read = dataclasses.replace(fleet, known_columns=None).columns
    assert list(fleet.columns) == list(read) == list(fleet.phases.columns)
    for key, values in fleet.columns.items():
        assert values.dtype == read[key].dtype and values.tolist() == read[key].tolist(), key


def _phase_at(catalog, system_id, online, delay=0):
    data = toy_scenario_data(start="2024-01", end="2028-12")
    data["sites"][0]["phases"] = [
        {"online": online, "power_gw": 0.1, "system": system_id, "delay_months": delay}
    ]
    return _fleet(catalog, data)


def test_phase_online_before_its_accelerator_ships_is_a_caveat():
    """A phase that comes online (after its delay) before its accelerator's first volume
    shipments (catalog `launch`) gets a caveat naming the phase, its month and the launch; at
    or after the launch month, none; a delay that moves it past the launch clears it."""
    from gigawatt.buildout import launch_caveats
    from gigawatt.scenario import month_from_index, month_index

    cat = Catalog.load()
    system = cat.system("vera-rubin-nvl72")
    launch = cat.accelerator(system.accelerator).launch
    early = month_from_index(month_index(launch) - 3)
    (caveat,) = launch_caveats(_phase_at(cat, system.id, early), cat)
    assert f"online {early}, before {system.accelerator}'s first volume shipments ({launch}" in (
        caveat
    )
    assert launch_caveats(_phase_at(cat, system.id, launch), cat) == ()
    assert launch_caveats(_phase_at(cat, system.id, early, delay=3), cat) == ()
    # the built-in scenarios bring no phase online before its hardware ships
    for name in builtin_scenarios():
        sc = load_scenario(name, cat).resolve()
        assert launch_caveats(build_fleet(sc, cat), cat) == (), name


def test_build_out_peaks_that_are_not_published_figures_are_caveats():
    """The build-out's BF16/FP8/FP4 columns count each accelerator at its published peak, or
    say otherwise: a precision it lacks (counted at the next wider one) or a peak the vendor
    has not published (its `peak_estimates`)."""
    from gigawatt.buildout import peak_column_caveats

    cat = Catalog.load()
    h100 = cat.accelerator("h100-sxm")
    assert h100.peak_flops_per_s.fp4 is None and not h100.peak_estimates
    (note,) = peak_column_caveats(_phase_at(cat, "dgx-h100", "2024-01"), cat)
    assert note.startswith("Build-out: h100-sxm's fp4 is counted at its fp8 peak")
    rubin = cat.accelerator("vera-rubin")
    (note,) = peak_column_caveats(_phase_at(cat, "vera-rubin-nvl72", rubin.launch), cat)
    for precision, how in rubin.peak_estimates.items():
        assert (f"{precision} peak is an estimate, {how}" in note) == (precision != "fp16")
    assert peak_column_caveats(_phase_at(cat, "gb200-nvl72", "2025-06"), cat) == ()
