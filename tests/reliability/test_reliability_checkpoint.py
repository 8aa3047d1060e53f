"""Closed forms: Young, Daly, Daly's wall time, ETTR (hand-computed and published values)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gigawatt.reliability import (
    daly_interval,
    daly_wall_time,
    kokolis_ettr,
    recovery_pressure,
    wall_time,
    young_interval,
)

MIN = 60.0
HOUR = 3600.0


def test_young_hand_computed():
    # delta = 60 s, M = 1 h: sqrt(2 x 60 x 3600) = sqrt(432,000) = 657.267 s
    assert young_interval(60.0, HOUR) == pytest.approx(657.267, abs=1e-3)
    # delta = 5 min, M = 24 h: sqrt(2 x 5 x 1440) = 120 min exactly
    assert young_interval(5 * MIN, 24 * HOUR) == pytest.approx(120 * MIN, rel=1e-12)


def test_daly_hand_computed():
    # delta = 60 s, M = 3600 s: x = delta / 2M = 1/120, sqrt(x) = 0.0912871;
    # 657.267 x (1 + 0.0912871/3 + (1/120)/9) - 60 = 657.267 x 1.0313552 - 60 = 617.876 s
    assert daly_interval(60.0, HOUR) == pytest.approx(617.876, abs=1e-3)
    # delta >= 2M: the interval is M (Daly 2006, Eq. 37's second branch)
    assert daly_interval(3 * HOUR, HOUR) == pytest.approx(HOUR)
    assert daly_interval(2 * HOUR, HOUR) == pytest.approx(HOUR)


@pytest.mark.parametrize(
    ("mtbf_min", "published_min", "half_unit"),
    [(24 * 60, 117, 0.5), (6 * 60, 57, 0.5), (15, 9.1, 0.05)],
)
def test_daly_published_optima(mtbf_min, published_min, half_unit):
    """Daly 2006, Figs. 3-5 (delta = 5 min, R = 10 min): "the new model predicts tau_opt = 117
    min / 57 min / 9.1 min" for M = 24 h / 6 h / 15 min. Tolerance: half a unit of the last
    printed digit (the figures are rounded)."""
    tau_min = daly_interval(5 * MIN, mtbf_min * MIN) / MIN
    assert abs(tau_min - published_min) <= half_unit


def _exact_optimum(delta: float, mtbf: float) -> float:
    """Minimise Daly's T_w over tau on a fine grid, then refine."""
    taus = np.geomspace(1e-4 * mtbf, 10 * mtbf, 400_001)
    best = taus[np.argmin(daly_wall_time(1.0, taus, delta, 0.0, mtbf))]
    taus = np.linspace(best * 0.9995, best * 1.0005, 100_001)
    return float(taus[np.argmin(daly_wall_time(1.0, taus, delta, 0.0, mtbf))])


@pytest.mark.parametrize(
    ("ratio", "young_pct", "daly_pct"),
    [(0.001, 1.5, 0.0), (0.01, 4.9, -0.001), (0.1, 16.7, -0.04), (0.5, 43.0, -0.55)],
)
def test_intervals_against_exact_optimum(ratio, young_pct, daly_pct):
    """Relative error of Young's and Daly's intervals vs the exact optimum of Daly's T_w, as
    of Young 1974 (Comm. ACM 17(9), doi 10.1145/361147.361115) and Daly 2006 (FGCS 22(3), doi
    10.1016/j.future.2004.11.016) (Young +1.5/+4.9/+16.7/+43 %, Daly higher order
    about 0/-0.001/-0.04/-0.55 % at delta/M = 0.001/0.01/0.1/0.5). Tolerance: 0.3 percentage
    points for Young (the table rounds to 0.1 pp, 43 % to 1 pp) and 0.02 pp for Daly."""
    exact = _exact_optimum(ratio, 1.0)
    young_err = 100 * (float(young_interval(ratio, 1.0)) / exact - 1)
    daly_err = 100 * (float(daly_interval(ratio, 1.0)) / exact - 1)
    assert young_err == pytest.approx(young_pct, abs=0.3)
    assert daly_err == pytest.approx(daly_pct, abs=0.02)


def test_daly_wall_time_hand_computed():
    # M = 1 h, R = 10 min, tau = 30 min, delta = 1 min, T_s = 10 h:
    # T_w = 1 h x e^(1/6) x (e^(31/60) - 1) x 10 / 0.5 = 1.181360 x 0.676430 x 20 h = 15.98216 h
    t_w = daly_wall_time(10 * HOUR, 30 * MIN, 1 * MIN, 10 * MIN, HOUR)
    assert t_w / HOUR == pytest.approx(15.98216, rel=1e-6)


def test_wall_time_reduces_to_daly_without_planned_stops():
    args = (10 * HOUR, 30 * MIN, 1 * MIN, 10 * MIN)
    assert wall_time(*args, 1 / HOUR, 0.0) == pytest.approx(daly_wall_time(*args, HOUR))


def test_wall_time_limits():
    # no interruptions: T_s plus one checkpoint per segment
    assert wall_time(10 * HOUR, 30 * MIN, 1 * MIN, 10 * MIN, 0.0, 0.0) == pytest.approx(
        10 * HOUR + 20 * MIN
    )
    # continuous checkpointing at no cost: T_w = T_s e^{R/M} (the tau -> 0 limit)
    cont = wall_time(10 * HOUR, 0.0, 0.0, 10 * MIN, 1 / HOUR, 0.0)
    assert cont == pytest.approx(10 * HOUR * math.exp(1 / 6))
    near = wall_time(10 * HOUR, 1e-3, 0.0, 10 * MIN, 1 / HOUR, 0.0)
    assert near == pytest.approx(cont, rel=1e-6)
    # planned stops that lose no work with free restarts cost nothing
    free = wall_time(10 * HOUR, 0.0, 0.0, 0.0, 0.0, 5 / HOUR)
    assert free == pytest.approx(10 * HOUR)


def test_kokolis_rsc1_whole_cluster_scenario():
    """Kokolis et al. 2025: the whole of RSC-1 as one 16,000-GPU job (2,000 nodes at
    r_f = 6.50 per 1000 node-days, u0 = 5 min, non-blocking checkpoints) has E[ETTR] = 0.7 at
    60-min checkpoints and 0.93 at 5-min checkpoints (Kokolis et al., HPCA 2025, arXiv
    2410.21680). Tolerance: half a unit of the printed digit."""
    rate = 2000 * 6.50e-3 / 86400  # failures per second
    assert abs(kokolis_ettr(60 * MIN, 0.0, 5 * MIN, rate) - 0.7) <= 0.05
    assert abs(kokolis_ettr(5 * MIN, 0.0, 5 * MIN, rate) - 0.93) <= 0.005


def test_ettr_clipped_and_pressure():
    assert kokolis_ettr(HOUR, 10.0, HOUR, 1 / (10 * MIN)) == 0.0
    assert recovery_pressure(HOUR, 10 * MIN, 1 / HOUR) == pytest.approx(40 / 60)
    # with no failures ETTR is the checkpoint overhead alone
    assert kokolis_ettr(100.0, 10.0, 600.0, 0.0) == pytest.approx(1 / 1.1)
