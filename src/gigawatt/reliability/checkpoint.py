"""Closed forms for checkpoint/restart under Poisson interruptions (one function per model).

Notation (Daly 2006): M is the job's mean time between failures [s], delta the blocking cost of
one checkpoint [s], R the restart cost after an interruption [s], tau the compute time between
checkpoints [s], T_s the failure-free compute time [s]. All functions take and return seconds or
plain ratios and accept NumPy arrays (they broadcast).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def young_interval(checkpoint_s: ArrayLike, mtbf_s: ArrayLike) -> np.ndarray:
    """Young's first-order optimum checkpoint interval, tau = sqrt(2 delta M) [s].

    J. W. Young, "A first order approximation to the optimum checkpoint interval", CACM 17(9):
    530-531, 1974, doi:10.1145/361147.361115. Inputs: checkpoint_s = delta [s], mtbf_s = M [s].
    """
    return np.sqrt(2.0 * np.asarray(checkpoint_s, float) * np.asarray(mtbf_s, float))


def daly_interval(checkpoint_s: ArrayLike, mtbf_s: ArrayLike) -> np.ndarray:
    """Daly's higher-order optimum checkpoint interval [s] (Daly 2006, Eq. 37).

    tau = sqrt(2 delta M) [1 + (1/3) sqrt(delta / 2M) + (1/9) (delta / 2M)] - delta for
    delta < 2M, else tau = M. J. T. Daly, "A higher order estimate of the optimum checkpoint
    interval for restart dumps", Future Generation Computer Systems 22(3):303-312, 2006,
    doi:10.1016/j.future.2004.11.016; as implemented in LLNL SCR
    `scripts/python/scr_ckpt_interval.py`. Inputs: checkpoint_s = delta [s], mtbf_s = M [s].
    """
    delta = np.asarray(checkpoint_s, float)
    m = np.asarray(mtbf_s, float)
    x = delta / (2.0 * m)
    tau = np.sqrt(2.0 * delta * m) * (1.0 + np.sqrt(x) / 3.0 + x / 9.0) - delta
    return np.where(delta < 2.0 * m, tau, m)


def daly_wall_time(
    duration_s: ArrayLike,
    interval_s: ArrayLike,
    checkpoint_s: ArrayLike,
    restart_s: ArrayLike,
    mtbf_s: ArrayLike,
) -> np.ndarray:
    """Daly's expected wall-clock time T_w = M e^{R/M} (e^{(tau+delta)/M} - 1) T_s / tau [s].

    Daly 2006 (doi:10.1016/j.future.2004.11.016), the complete cost function: exponential
    failures that may also strike during checkpoints and restarts; each of the T_s / tau
    segments of tau compute plus one checkpoint is retried after a restart until it runs
    failure-free. Exact for exponential failures when tau divides T_s. interval_s = 0 is the
    limit of continuous zero-cost checkpointing, T_w = T_s e^{R/M}.
    """
    return wall_time(duration_s, interval_s, checkpoint_s, restart_s, 1.0 / np.asarray(mtbf_s), 0.0)


def wall_time(
    duration_s: ArrayLike,
    interval_s: ArrayLike,
    checkpoint_s: ArrayLike,
    restart_s: ArrayLike,
    failure_per_s: ArrayLike,
    planned_per_s: ArrayLike,
) -> np.ndarray:
    """Expected wall time [s] with failures (lose work since the last checkpoint) and planned
    interruptions (lose no work), both followed by the same restart: `expected_wall_time` with
    two classes. Reduces to Daly's T_w without planned stops."""
    return expected_wall_time(
        duration_s,
        interval_s,
        checkpoint_s,
        (failure_per_s, planned_per_s),
        (restart_s, restart_s),
        (True, False),
    )


def expected_wall_time(
    duration_s: ArrayLike,
    interval_s: ArrayLike,
    checkpoint_s: ArrayLike,
    rates_per_s: Sequence[ArrayLike],
    restarts_s: Sequence[ArrayLike],
    loses_work: Sequence[bool],
    persist_s: ArrayLike = 0.0,
) -> np.ndarray:
    """Expected wall time [s] of T_s of compute under interruption classes k: Poisson arrivals at
    lambda_k [1/s], each followed by a restart R_k [s]; a class that loses work falls back to the
    last durable checkpoint, durable P [s] after it is taken (0 when checkpoints block until
    written); the others (planned stops) lose nothing.

    A renewal-reward extension of Daly 2006 (derived here; docs/models/reliability.md, section
    2). Events arrive at Lambda = sum lambda_k; a stretch between events begins with the restart
    R_c of the class c of the event that began it and lasts X ~ Exp(Lambda); the class e of the
    event that ends it is independent of X. Given X > R_c (probability e^{-Lambda R_c}) its
    useful time L = X - R_c is again Exp(Lambda). Segments are w = tau + delta long. A stretch
    ending in a work-losing event keeps the segments durable by then, floor((L - P) / w)^+, of
    mean e^{-Lambda P} / (e^{Lambda w} - 1); one ending in another event also keeps the compute of
    the unfinished segment, E[min(L mod w, tau)] = ((1 - e^{-Lambda tau}) / Lambda - tau
    e^{-Lambda w}) / (1 - e^{-Lambda w}). With S = sum_c (lambda_c / Lambda) e^{-Lambda R_c} and F
    the share of work-losing events,

        E[progress] = S [F e^{-Lambda P} tau / (e^{Lambda w} - 1)
                         + (1 - F) (tau / (e^{Lambda w} - 1) + E[min])]
        T_w = T_s E[X] / E[progress] = T_s / (Lambda E[progress]).

    One work-losing class and P = 0 give Daly's T_w = T_s e^{Lambda R} (e^{Lambda w} - 1) /
    (Lambda tau) exactly; otherwise end effects of order one stretch are ignored. interval_s = 0
    is continuous checkpointing (progress L, less P for a work-losing event). Broadcasts.
    """
    rates = [np.asarray(r, float) for r in rates_per_s]
    t_s, tau, delta, p, *rest = np.broadcast_arrays(
        *(np.asarray(v, float) for v in (duration_s, interval_s, checkpoint_s, persist_s)),
        *rates,
        *(np.asarray(r, float) for r in restarts_s),
    )
    k = len(rates)
    lam_k, r_k = rest[:k], rest[k:]
    lam = sum(lam_k, np.zeros_like(t_s))
    lost = sum(
        (lk for lk, loses in zip(lam_k, loses_work, strict=True) if loses), np.zeros_like(t_s)
    )
    w = tau + delta
    segmented = tau > 0
    safe_tau = np.where(segmented, tau, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        start = sum((lk * np.exp(-lam * rk) for lk, rk in zip(lam_k, r_k, strict=True)), 0.0)
        share = start / lam  # S
        f = lost / lam
        full = np.where(segmented, tau / np.expm1(lam * w), 1.0 / lam)
        keep = np.where(
            segmented,
            (-np.expm1(-lam * tau) / lam - tau * np.exp(-lam * w)) / -np.expm1(-lam * w),
            0.0,
        )
        progress = share * (f * np.exp(-lam * p) * full + (1.0 - f) * (full + keep))
        t_w = t_s / (lam * progress)
    # no interruptions: T_s plus one checkpoint per segment (Daly's T_w as M -> infinity)
    no_fail = t_s + np.where(segmented, t_s / safe_tau * delta, 0.0)
    # T_w >= T_s exactly; the max only removes rounding at tiny intervals and rates
    return np.maximum(np.where(lam > 0, t_w, no_fail), t_s)


def time_shares(
    interval_s: ArrayLike,
    checkpoint_s: ArrayLike,
    rates_per_s: Sequence[ArrayLike],
    restarts_s: Sequence[ArrayLike],
) -> tuple[np.ndarray, np.ndarray]:
    """Expected shares of the wall time spent restarting and blocked in checkpoints [fraction],
    in the renewal-reward model of `expected_wall_time` (the rest of the wall time beyond the
    failure-free compute is work redone).

    A stretch begun by an event of class c restarts for min(X, R_c), X ~ Exp(Lambda): mean
    (1 - e^{-Lambda R_c}) / Lambda; stretches arrive at rate Lambda, so restarts take
    sum_c (lambda_c / Lambda) (1 - e^{-Lambda R_c}) of the wall time. After the restart
    (probability e^{-Lambda R_c}) the useful time L ~ Exp(Lambda) completes floor(L / w)
    segments of w = tau + delta, E = 1 / (e^{Lambda w} - 1), each blocking delta, and an
    interrupted checkpoint blocks the part of L mod w past tau: with S = sum_c (lambda_c /
    Lambda) e^{-Lambda R_c} and E[min(L mod w, tau)] as in `expected_wall_time`, checkpoints
    take S [1 - Lambda tau / (e^{Lambda w} - 1) - Lambda E[min]] of the wall time. Without
    interruptions that is delta / (tau + delta); interval_s = 0 (continuous) gives 0. Neither
    share depends on the compute time or the lag to durable. Broadcasts.
    """
    rates = [np.asarray(r, float) for r in rates_per_s]
    tau, delta, *rest = np.broadcast_arrays(
        np.asarray(interval_s, float),
        np.asarray(checkpoint_s, float),
        *rates,
        *(np.asarray(r, float) for r in restarts_s),
    )
    k = len(rates)
    lam_k, r_k = rest[:k], rest[k:]
    lam = sum(lam_k, np.zeros_like(tau))
    w = tau + delta
    segmented = tau > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        restart = sum(
            (lk * -np.expm1(-lam * rk) for lk, rk in zip(lam_k, r_k, strict=True)), 0.0
        ) / np.where(lam > 0, lam, 1.0)
        share = sum(
            (lk * np.exp(-lam * rk) for lk, rk in zip(lam_k, r_k, strict=True)), 0.0
        ) / np.where(lam > 0, lam, 1.0)
        keep = (-np.expm1(-lam * tau) / lam - tau * np.exp(-lam * w)) / -np.expm1(-lam * w)
        blocked = share * (1.0 - lam * tau / np.expm1(lam * w) - lam * keep)
    no_fail = np.where(w > 0, delta / np.where(w > 0, w, 1.0), 0.0)
    checkpoint = np.where(segmented, np.where(lam > 0, blocked, no_fail), 0.0)
    return np.where(lam > 0, restart, 0.0), np.clip(checkpoint, 0.0, 1.0)


def kokolis_ettr(
    interval_s: ArrayLike,
    checkpoint_s: ArrayLike,
    restart_s: ArrayLike,
    failure_per_s: ArrayLike,
    planned_per_s: ArrayLike = 0.0,
) -> np.ndarray:
    """Expected effective training time ratio, E[ETTR] ~ (1 - r (u0 + dt/2)) / (1 + w_cp / dt).

    Kokolis, Kuchnik et al., "Revisiting Reliability in Large-Scale ML Research Clusters",
    HPCA 2025, arXiv:2410.21680, reduced form without queueing: r = N_nodes r_f is the job's
    failure rate [1/s], u0 the restart cost [s], dt the checkpoint interval [s], w_cp the
    blocking checkpoint cost [s]. Planned interruptions (an extension here) lose no work and add
    planned_per_s x u0 to the loss. A small-loss approximation: it drifts from Daly's exact form
    and the Monte Carlo once failures x (u0 + dt/2) approaches 1; clipped at 0 [fraction 0-1].
    """
    dt = np.asarray(interval_s, float)
    w_cp = np.asarray(checkpoint_s, float)
    u0 = np.asarray(restart_s, float)
    lost = np.asarray(failure_per_s, float) * (u0 + dt / 2.0) + np.asarray(planned_per_s) * u0
    with np.errstate(divide="ignore", invalid="ignore"):
        overhead = np.where(dt > 0, w_cp / np.where(dt > 0, dt, 1.0), 0.0)
    return np.clip((1.0 - lost) / (1.0 + overhead), 0.0, 1.0)


def recovery_pressure(
    interval_s: ArrayLike, restart_s: ArrayLike, failure_per_s: ArrayLike
) -> np.ndarray:
    """Share of time lost to restarts and rework to first order, r (u0 + dt/2) [fraction].

    Where it is small (below about 0.25) the ETTR estimate agrees with an event simulation to a
    few per cent; beyond it the additive approximation drifts (docs/models/reliability.md).
    """
    dt = np.asarray(interval_s, float)
    return np.asarray(failure_per_s, float) * (np.asarray(restart_s, float) + dt / 2.0)
