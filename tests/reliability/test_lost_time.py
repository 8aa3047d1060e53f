"""Where a job's lost wall time goes: restarts, blocking checkpoints, redone work
(`checkpoint.time_shares`), against exact limits and an event-by-event simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gigawatt.reliability.checkpoint import expected_wall_time, time_shares
from gigawatt.reliability.job import reliability_report

HOUR = 3600.0


def _shares(tau, delta, lam_f, lam_p, restart):
    r, c = time_shares(tau, delta, (lam_f, lam_p), (restart, restart))
    return float(r), float(c)


def test_without_interruptions_only_checkpoints_block():
    restart, blocked = _shares(600.0, 6.0, 0.0, 0.0, 300.0)
    assert restart == 0.0
    assert blocked == pytest.approx(6.0 / 606.0, rel=1e-12)


def test_continuous_checkpointing_loses_only_restarts():
    """interval 0 (continuous, free): T_w = T_s e^{Lambda R}, and all of T_w - T_s is restarts."""
    lam, r, t_s = 1.0 / HOUR, 600.0, 100 * HOUR
    restart, blocked = _shares(0.0, 0.0, lam, 0.0, r)
    t_w = float(expected_wall_time(t_s, 0.0, 0.0, (lam, 0.0), (r, r), (True, False)))
    assert t_w == pytest.approx(t_s * math.exp(lam * r), rel=1e-12)
    assert blocked == 0.0
    assert restart * t_w == pytest.approx(t_w - t_s, rel=1e-12)


def test_no_restart_cost_leaves_one_checkpoint_per_segment():
    """R = 0: T_w = T_s (e^{Lambda w} - 1) / (Lambda tau), and the checkpoint time is exactly
    T_s / tau segments x delta (interrupted checkpoints included)."""
    lam, tau, delta, t_s = 1.0 / HOUR, 900.0, 30.0, 50 * HOUR
    restart, blocked = _shares(tau, delta, lam, 0.0, 0.0)
    t_w = float(expected_wall_time(t_s, tau, delta, (lam, 0.0), (0.0, 0.0), (True, False)))
    assert restart == 0.0
    # interrupted checkpoints block too, so the share is a little above the completed ones'
    completed = t_s / tau * delta
    assert completed <= blocked * t_w <= completed * 1.05


def _tally(rng, t_s, tau, delta, restart_s, lam):
    """One timeline event by event (failures only, durable at once): wall time, time in
    restarts, time blocked in checkpoints (an interrupted checkpoint counts up to the failure)."""
    segments = round(t_s / tau)
    done = 0
    t = restarting = blocked = 0.0
    due = 0.0  # the first start has no restart
    while True:
        x = rng.exponential(1.0 / lam)
        if x < due:  # interrupted during the restart
            t += x
            restarting += x
            due = restart_s
            continue
        t += due
        restarting += due
        x -= due
        while done < segments and x >= tau + delta:
            t += tau + delta
            x -= tau + delta
            blocked += delta
            done += 1
        if done == segments:
            return t, restarting, blocked
        blocked += max(x - tau, 0.0)
        t += x
        due = restart_s


def test_shares_agree_with_an_event_simulation():
    """Mean over 3,000 simulated timelines (about 61 failures each; 43 % of the 11.3 h lost in
    restarts, 15 % in checkpoints): each part within 4 standard errors and 1.5 % of the closed
    form."""
    lam, tau, delta, r, t_s = 1.0 / HOUR, 600.0, 20.0, 300.0, 50 * HOUR
    rng = np.random.default_rng(11)
    runs = np.array([_tally(rng, t_s, tau, delta, r, lam) for _ in range(3000)])
    t_w = float(expected_wall_time(t_s, tau, delta, (lam, 0.0), (r, r), (True, False)))
    assert runs[:, 0].mean() == pytest.approx(t_w, rel=0.01)
    restart, blocked = _shares(tau, delta, lam, 0.0, r)
    for col, expected in ((1, restart * t_w), (2, blocked * t_w)):
        mean, se = runs[:, col].mean(), runs[:, col].std(ddof=1) / math.sqrt(len(runs))
        assert abs(mean - expected) < 4 * se
        assert mean == pytest.approx(expected, rel=0.015)


def test_reliability_reports_the_split(catalog):
    """`gigawatt reliability --json`: the three parts sum to wall time - compute time; at
    100,008 GB200 under the default policy restarts are most of the loss."""
    d = reliability_report(catalog, gpus=100_008, days=30, system="gb200-nvl72").to_json()
    parts = d["restart_time_s"] + d["checkpoint_time_s"] + d["rework_time_s"]
    assert parts == pytest.approx(d["wall_time_s"] - 30 * 86400, rel=1e-9)
    assert min(d["restart_time_s"], d["checkpoint_time_s"], d["rework_time_s"]) > 0
    assert d["restart_time_s"] > 0.5 * parts
    # restarts cut short by another interruption: below interruptions x restart cost
    assert d["restart_time_s"] < d["interruptions_expected"] * d["restart_s"]
