"""Deal mechanics: share-price paths, hurdles, release months, caps; invariants by Hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance_cases import deal, finance_of, phase, scenario_data, tranche
from gigawatt.catalog.schema import PriceProcess
from gigawatt.deals import (
    SharePricePath,
    capped_amounts,
    first_month,
    gbm_median_path,
    gbm_sample_path,
    hurdle_reached,
)
from gigawatt.scenario import parse_scenario, read_scenario_data
from gigawatt.simulate import simulate

# --- share prices ------------------------------------------------------------------------------


def test_median_path_closed_form():
    t = np.array([0.0, 1.0, 2.5])
    np.testing.assert_allclose(gbm_median_path(100.0, 0.1, t), 100 * np.exp(0.1 * t))


def test_sampled_paths_agree_with_the_lognormal_law():
    """Monte Carlo vs closed form: ln S(1) ~ N(ln S0 + mu, sigma^2). 4,000 paths: the standard
    error of the mean of ln S(1) is 0.5 / sqrt(4000) = 0.008; we allow 4 of them (0.032)."""
    rng = np.random.default_rng(11)
    t = np.arange(253) / 252
    ends = np.array([gbm_sample_path(100.0, 0.08, 0.5, t, rng)[-1] for _ in range(4000)])
    assert np.log(ends).mean() == pytest.approx(np.log(100) + 0.08, abs=0.032)
    assert np.log(ends).std() == pytest.approx(0.5, rel=0.05)
    assert np.median(ends) == pytest.approx(
        gbm_median_path(100.0, 0.08, np.array([1.0]))[0], rel=0.05
    )


def test_hurdle_is_latched_and_needs_consecutive_days():
    p = np.array([1, 5, 5, 1, 5, 5, 5, 1, 1], dtype=float)
    np.testing.assert_array_equal(hurdle_reached(p, 5, 1), [0, 1, 1, 1, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(hurdle_reached(p, 5, 3), [0, 0, 0, 0, 0, 0, 1, 1, 1])
    assert not hurdle_reached(p, 6, 1).any()


@given(
    prices=st.lists(st.floats(0, 10), min_size=1, max_size=60),
    hurdle=st.floats(0, 10),
    days=st.integers(1, 10),
)
def test_hurdle_matches_a_scalar_loop(prices, hurdle, days):
    p = np.array(prices)
    expected, run, met = [], 0, False
    for x in p:
        run = run + 1 if x >= hurdle else 0
        met = met or run >= days
        expected.append(met)
    np.testing.assert_array_equal(hurdle_reached(p, hurdle, days), expected)


def _process(**kw) -> PriceProcess:
    fields = {
        "id": "x",
        "source": "test",
        "as_of": "2026-01-01",
        "status": "estimate",
        "process": "share-price",
        "start_usd": 100.0,
        "start_month": "2026-01",
        "drift_per_year": 0.12,
        "volatility_per_year": 0.3,
    }
    return PriceProcess(**(fields | kw))


def test_month_end_prices_on_trading_days():
    path = SharePricePath.build(
        _process(), end_index=2026 * 12 + 11, trading_days_per_year=252, rng=None
    )
    assert path.daily_usd.size == 252
    months = np.array([2025 * 12 + 11, 2026 * 12, 2026 * 12 + 11])
    got = path.month_end_usd(months)
    assert np.isnan(got[0])  # before the process starts
    assert got[1] == pytest.approx(100 * np.exp(0.12 * 20 / 252))  # day 20 closes January
    assert got[2] == pytest.approx(100 * np.exp(0.12 * 251 / 252))


def test_sampled_run_is_reproducible_and_differs_by_seed(catalog):
    scenario = parse_scenario(read_scenario_data("amd-openai-6gw"), catalog)

    def amd_path(seed: int) -> np.ndarray:
        fin = simulate(scenario, catalog, np.random.default_rng([seed, 0])).stages["finance"]
        assert fin.summary()["price_path"] == "sampled"
        return fin.prices["amd"].daily_usd

    np.testing.assert_array_equal(amd_path(1), amd_path(1))
    assert not np.array_equal(amd_path(1), amd_path(2))
    plain = simulate(scenario, catalog).stages["finance"]
    assert plain.summary()["price_path"] == "median"


# --- release months and caps -------------------------------------------------------------------


def test_first_month():
    c = np.array([[0, 0, 1, 1], [0, 0, 0, 0], [1, 0, 0, 0]], dtype=bool)
    np.testing.assert_array_equal(first_month(c), [2, -1, 0])


def test_cap_counts_in_month_order_not_list_order():
    got = capped_amounts(np.array([6.0, 6.0, 6.0]), np.array([5, 1, -1]), 10.0)
    np.testing.assert_array_equal(got, [4.0, 6.0, 0.0])


tranches_st = st.lists(st.tuples(st.floats(0, 50e9), st.integers(-1, 40)), min_size=1, max_size=15)


@given(tranches=tranches_st, cap=st.floats(1e9, 200e9))
def test_released_never_exceeds_the_cap_and_never_decreases(tranches, cap):
    amounts = np.array([a for a, _ in tranches])
    months = np.array([m for _, m in tranches])
    released = capped_amounts(amounts, months, cap)
    monthly = np.zeros(41)
    np.add.at(monthly, months[months >= 0], released[months >= 0])
    cumulative = np.cumsum(monthly)
    assert np.all(released >= 0) and np.all(released <= amounts)
    assert np.all(np.diff(cumulative) >= 0)
    assert cumulative[-1] <= cap * (1 + 1e-12)
    assert cumulative[-1] == pytest.approx(min(cap, amounts[months >= 0].sum()), rel=1e-9, abs=1)


phase_st = st.fixed_dictionaries(
    {
        "online": st.sampled_from(["2026-02", "2026-06", "2026-11", "2027-04", "2027-09"]),
        "power_gw": st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0]),
        "ramp_months": st.integers(0, 8),
        "delay_months": st.integers(0, 12),
        "ramp": st.sampled_from(["linear", "s-curve"]),
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    phases=st.lists(phase_st, min_size=1, max_size=5),
    cap=st.sampled_from([3e9, 5e9, 8e9, 20e9]),
    signing=st.sampled_from(["2026-01", "2026-09", "2027-06"]),
)
def test_whole_model_respects_the_cap_and_the_gw_order(toy_catalog, phases, cap, signing):
    """Any build-out: money released never exceeds the cap and never decreases, and a tranche
    for more GW is never released before one for fewer."""
    ts = [tranche({"definitive_agreement": True}, 1e9)]
    ts += [tranche({"gw_deployed": k}, 1e9, type="equity", valuation_usd=1e11) for k in range(1, 8)]
    d = deal(ts, cap_usd=cap, signing=signing, stage="letter-of-intent")
    fin = finance_of(
        scenario_data([phase(**p) for p in phases], deals=[d], end="2029-12"), toy_catalog
    )
    cumulative = np.cumsum(fin.released_usd)
    assert np.all(np.diff(cumulative) >= 0)
    assert cumulative[-1] <= cap * (1 + 1e-12)
    months = [t.month for t in fin.tranches[1:] if t.month is not None]
    assert months == sorted(months)
    assert all(t.month is None or t.month >= signing for t in fin.tranches)


def test_a_deal_released_on_superseded_terms_says_so(catalog):
    """The default scenario releases the NVIDIA-OpenAI letter of intent as announced; the
    catalog records it superseded by the Feb 2026 equity investment. `run` and `finance` say
    so and name the built-in scenario that models what happened; that scenario, which ends
    the letter as superseded, has no such caveat."""
    from gigawatt.app import finance
    from gigawatt.deals import superseded_caveats
    from gigawatt.scenario import load_scenario

    default = load_scenario("nvidia-openai-10gw", catalog)
    (caveat,) = superseded_caveats(default.deals, catalog)
    loi = catalog.get("deals", "nvidia-openai-loi-2025")
    assert loi.superseded_by and loi.superseded_by in caveat
    assert "`gigawatt run nvidia-openai-2026-actual` models what happened" in caveat
    deal_caveats = [  # the deals' caveats (a region's unbilled charges would follow)
        c for c in finance("nvidia-openai-10gw", catalog=catalog).to_json()["caveats"]
        if c.startswith("Deal ")
    ]  # fmt: skip
    assert deal_caveats == [caveat]
    actual = load_scenario("nvidia-openai-2026-actual", catalog)
    assert superseded_caveats(actual.deals, catalog) == ()
    # what that scenario does say: the build-out the letter described is its assumption
    (only, *_) = finance("nvidia-openai-2026-actual", catalog=catalog).to_json()["caveats"]
    assert only.startswith("Deal nvidia-openai-loi-2025 (superseded, ended 2026-02)")


def test_a_superseded_deals_build_out_kept_by_the_phases_is_called_an_assumption(catalog):
    """`nvidia-openai-2026-actual` ("what happened") ends the NVIDIA-OpenAI letter as superseded
    by the Feb 2026 equity, which has no gigawatt terms, yet keeps the letter's 10 GW of Vera
    Rubin: `run` (and the report, which prints `run`'s caveats) and `finance` say that
    build-out (and the purchases from NVIDIA) is the scenario's assumption. A live deal with
    GW terms for the vendor's hardware, or phases of another vendor, remove the caveat; the
    default scenario (letter as announced) has none of this kind."""
    from gigawatt.app import finance
    from gigawatt.deals import superseded_buildout_caveats
    from gigawatt.scenario import load_scenario

    actual = simulate(load_scenario("nvidia-openai-2026-actual", catalog), catalog, until="finance")
    assert actual.vendor_gw() == pytest.approx({"nvidia": 10.0})
    (caveat,) = superseded_buildout_caveats(actual.scenario.deals, actual.vendor_gw(), catalog)
    for part in (
        "covered 10 GW of nvidia",
        "deploy 10 GW of nvidia hardware",
        "nvidia-openai-equity-2026, which replaced it, carries no gigawatt terms",
        "this scenario's assumption",
    ):
        assert part in caveat
    assert caveat in actual.caveats()
    assert finance("nvidia-openai-2026-actual", catalog=catalog).to_json()["caveats"][0] == caveat
    # a live deal committing GW of NVIDIA hardware, or no NVIDIA phases: nothing to say
    live = catalog.get("deals", "nvidia-openai-loi-2025")
    deals = (*actual.scenario.deals, live)
    assert superseded_buildout_caveats(deals, actual.vendor_gw(), catalog) == ()
    assert superseded_buildout_caveats(actual.scenario.deals, {"amd": 6.0}, catalog) == ()
    default = simulate(load_scenario("nvidia-openai-10gw", catalog), catalog, until="finance")
    assert superseded_buildout_caveats(default.scenario.deals, default.vendor_gw(), catalog) == ()
