"""Regulatory thresholds against training runs (the acts cited in the thresholds catalog)."""

from __future__ import annotations

import datetime as dt

import pytest

from gigawatt.policy import check_training_run, in_force_on, thresholds_crossed

DAY_S = 86_400.0


def _by_id(checks):
    return {c.id: c for c in checks}


def test_llama_405b_crosses_the_eu_threshold_only(catalog):
    # Llama 3.1 405B: 3.8e25 FLOP (Meta, official) -> above 1e25, below 1e26.
    checks = _by_id(check_training_run(catalog, 3.8e25, start=dt.date(2026, 3, 1)))
    assert checks["eu-ai-act-systemic-risk"].exceeded
    assert checks["eu-ai-act-systemic-risk"].notification_deadline == dt.date(2026, 3, 15)
    assert not checks["ca-sb53-frontier"].exceeded
    assert not checks["ny-raise-frontier"].exceeded


def test_crossing_dates_for_a_gigawatt_run(catalog):
    """Arithmetic: ~4e20 FLOP/s sustained crosses 1e25 in ~7 h and 1e26 in ~3 days."""
    rate = 4e20
    duration = 90 * DAY_S
    start = dt.date(2027, 6, 1)
    checks = _by_id(
        check_training_run(catalog, rate * duration, start=start, duration_s=duration, cost_usd=5e9)
    )
    eu = checks["eu-ai-act-systemic-risk"]
    assert (eu.crossing_date - start).days == 0  # 1e25 / 4e20 = 6.9 h
    ca = checks["ca-sb53-frontier"]
    assert ca.crossing_date == start + dt.timedelta(seconds=1e26 / rate)
    assert ca.crossing_date == dt.date(2027, 6, 3)  # 2.9 days
    ny = checks["ny-raise-frontier"]
    assert ny.exceeded and ny.in_force  # in force from 2027-01-01
    assert not checks["us-eo-14110-model"].in_force  # revoked 2025-01-20
    crossed = thresholds_crossed(list(checks.values()))
    assert {"eu-ai-act-systemic-risk", "ca-sb53-frontier", "ny-raise-frontier"} <= set(crossed)
    assert "us-eo-14110-model" not in crossed


def test_new_york_needs_the_cost_test(catalog):
    checks = _by_id(check_training_run(catalog, 2e26, start=dt.date(2027, 2, 1)))
    assert checks["ny-raise-frontier"].exceeded is None  # cost unknown: cannot decide
    cheap = _by_id(check_training_run(catalog, 2e26, start=dt.date(2027, 2, 1), cost_usd=5e7))
    assert cheap["ny-raise-frontier"].exceeded is False
    dear = _by_id(check_training_run(catalog, 2e26, start=dt.date(2027, 2, 1), cost_usd=5e8))
    assert dear["ny-raise-frontier"].exceeded is True


def test_new_york_not_in_force_before_2027(catalog):
    checks = _by_id(check_training_run(catalog, 2e26, start=dt.date(2026, 6, 1), cost_usd=5e8))
    assert checks["ny-raise-frontier"].exceeded and not checks["ny-raise-frontier"].in_force


@pytest.mark.parametrize(
    ("day", "expected"),
    [(dt.date(2023, 10, 29), False), (dt.date(2024, 6, 1), True), (dt.date(2025, 1, 20), False)],
)
def test_in_force_window(catalog, day, expected):
    eo = next(t for t in catalog.thresholds() if t.id == "us-eo-14110-model")
    assert in_force_on(eo, day) is expected
