"""The event study's method (MacKinlay 1997): a hand-solvable case, recovery of a known beta and
an injected abnormal return, and the coverage of the stated standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.errors import InputError
from gigawatt.markets import event_study, fit_normal_model


def _three_day_case():
    """Three estimation days: R = 0.001 + 2 R_m + e with e orthogonal to [1, R_m]."""
    market_est = np.array([-0.01, 0.0, 0.01])
    resid = np.array([0.001, -0.002, 0.001])  # sums to 0 and is orthogonal to market_est
    stock_est = 0.001 + 2.0 * market_est + resid
    # Day 0: index +2 %, stock +9.1 % = normal 4.1 % + abnormal 5 %.
    market = np.append(market_est, 0.02)
    stock = np.append(stock_est, 0.001 + 2.0 * 0.02 + 0.05)
    return stock, market


def test_three_day_case_matches_the_hand_solution():
    """By hand: alpha 0.001, beta 2, sigma^2 = 6e-6 / (3 - 2); X'X = diag(3, 2e-4), so
    x*(X'X)^-1 x*' = 1/3 + 0.02^2 / 2e-4 = 7/3 and var(AR) = 6e-6 (1 + 7/3) = 2e-5."""
    stock, market = _three_day_case()
    res = event_study(stock, market, 3, estimation=(-3, -1), windows=[(0, 0)])
    fit = res.fit
    assert fit.alpha == pytest.approx(0.001, rel=1e-12)
    assert fit.beta == pytest.approx(2.0, rel=1e-12)
    assert fit.sigma**2 == pytest.approx(6e-6, rel=1e-12)
    assert fit.dof == 1 and fit.estimation_days == 3
    # se(beta) = sqrt(sigma^2 / 2e-4), se(alpha) = sqrt(sigma^2 / 3)
    assert fit.beta_se == pytest.approx(np.sqrt(6e-6 / 2e-4), rel=1e-12)
    assert fit.alpha_se == pytest.approx(np.sqrt(6e-6 / 3), rel=1e-12)
    car = res.car(0, 0)
    assert car.car == pytest.approx(0.05, rel=1e-12)
    assert car.se == pytest.approx(np.sqrt(2e-5), rel=1e-12)
    assert car.t_stat == pytest.approx(0.05 / np.sqrt(2e-5), rel=1e-12)


def test_three_day_case_constant_mean():
    """Constant mean: mu = mean(R), sigma^2 = sum (R - mu)^2 / 2, var(AR) = sigma^2 (1 + 1/3)."""
    stock, market = _three_day_case()
    res = event_study(
        stock, market, 3, estimation=(-3, -1), windows=[(0, 0)], model="constant-mean"
    )
    mu = stock[:3].mean()
    s2 = ((stock[:3] - mu) ** 2).sum() / 2
    assert res.fit.alpha == pytest.approx(mu, rel=1e-12)
    assert res.fit.beta is None
    assert res.car(0, 0).car == pytest.approx(stock[3] - mu, rel=1e-12)
    assert res.car(0, 0).se == pytest.approx(np.sqrt(s2 * 4 / 3), rel=1e-12)


def _synthetic(rng, n=400, beta=1.3, alpha=2e-4, sd=0.015, injected=0.06, event=300):
    market = rng.normal(4e-4, 0.01, n)
    stock = alpha + beta * market + rng.normal(0, sd, n)
    stock[event] += injected
    return stock, market, event


def test_recovers_a_known_beta_and_an_injected_abnormal_return():
    stock, market, event = _synthetic(np.random.default_rng(15))
    res = event_study(stock, market, event)
    assert res.fit.estimation_days == 240
    assert abs(res.fit.beta - 1.3) < 2 * res.fit.beta_se
    assert abs(res.fit.sigma - 0.015) < 0.0015
    day0 = res.car(0, 0)
    assert abs(day0.car - 0.06) < 2 * day0.se
    assert day0.t_stat > 3  # a 4-sigma shock is detected
    # The pre-event windows carry no injected return: their CARs are within noise.
    quiet = event_study(stock, market, event - 20)
    assert all(abs(c.t_stat) < 3 for c in quiet.cars)


def test_stated_standard_errors_cover_the_truth_95_percent_of_the_time():
    """Over 400 independent samples, beta +/- 1.96 se and the day-0 AR +/- 1.96 se contain the
    true values in 95 % of them; the binomial sd of the rate is 1.1 %, so [0.92, 0.98] is a
    band of about 3 sd."""
    hits_beta = hits_ar = 0
    trials = 400
    for i in range(trials):
        stock, market, event = _synthetic(np.random.default_rng([15, i]))
        res = event_study(stock, market, event, windows=[(0, 0)])
        hits_beta += abs(res.fit.beta - 1.3) < 1.96 * res.fit.beta_se
        ar = res.car(0, 0)
        hits_ar += abs(ar.car - 0.06) < 1.96 * ar.se
    assert 0.92 <= hits_beta / trials <= 0.98
    assert 0.92 <= hits_ar / trials <= 0.98


def test_car_variance_includes_the_estimation_error():
    """var(CAR) over 11 days exceeds 11 sigma^2 by the estimation-error term, which shrinks as
    the estimation window grows (MacKinlay 1997 section 5)."""
    stock, market, event = _synthetic(np.random.default_rng(3))
    short = event_study(stock, market, event, estimation=(-40, -11))
    long = event_study(stock, market, event, estimation=(-250, -11))
    for res in (short, long):
        c = res.car(-5, 5)
        assert c.se**2 > 11 * res.fit.sigma**2
    excess = [r.car(-5, 5).se ** 2 / (11 * r.fit.sigma**2) - 1 for r in (short, long)]
    assert excess[0] > excess[1] > 0


def test_log_and_simple_fit_the_same_ols():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.01, 50)
    y = 0.5 * x + rng.normal(0, 0.01, 50)
    fit = fit_normal_model(y, x)
    slope = np.polyfit(x, y, 1)
    assert fit.beta == pytest.approx(slope[0], rel=1e-10)
    assert fit.alpha == pytest.approx(slope[1], rel=1e-10)


@pytest.mark.parametrize(
    ("estimation", "windows", "field"),
    [
        ((-10, -20), [(0, 0)], "estimation_window"),
        ((-250, -1), [(-5, 5)], "estimation_window"),
        ((-250, -11), [(2, 1)], "windows"),
        ((-1000, -11), [(0, 0)], "estimation_window"),
    ],
)
def test_bad_windows_name_the_field(estimation, windows, field):
    stock, market, event = _synthetic(np.random.default_rng(0))
    with pytest.raises(InputError) as exc:
        event_study(stock, market, event, estimation=estimation, windows=windows)
    assert exc.value.field == field
    assert "\n" not in str(exc.value)


def test_three_day_case_through_a_price_table():
    """The same hand-solved case from prices (P_t = P_t-1 (1 + R_t)), day 0 on a date."""
    import datetime as dt

    import pandas as pd

    from gigawatt.app import market

    stock, market_r = _three_day_case()
    days = pd.bdate_range("2025-09-16", periods=5)  # Tue 16 .. Mon 22 Sep 2025
    frame = pd.DataFrame(
        {
            "^GSPC": 100 * np.cumprod(np.append(1.0, 1 + market_r)),
            "NVDA": 50 * np.cumprod(np.append(1.0, 1 + stock)),
        },
        index=days,
    )
    rep = market(
        event_date=dt.date(2025, 9, 22),
        tickers=("NVDA",),
        prices=frame,
        estimation_window="-3,-1",
        windows=["0"],
    )
    study = rep.events[0].study
    assert study.event_day_used == dt.date(2025, 9, 22)
    res = study.tickers[0].study
    assert res.fit.beta == pytest.approx(2.0, rel=1e-9)
    assert res.car(0, 0).car == pytest.approx(0.05, rel=1e-9)
    assert res.car(0, 0).t_stat == pytest.approx(0.05 / np.sqrt(2e-5), rel=1e-9)
