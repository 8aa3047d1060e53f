"""The announcement event study: normal returns, abnormal returns and their t-statistics.

MacKinlay, A. C. (1997), "Event Studies in Economics and Finance", Journal of Economic
Literature 35(1): 13-39 (JSTOR 2729691); Brown, S. J. and Warner, J. B. (1985), "Using daily
stock returns: The case of event studies", Journal of Financial Economics 14(1): 3-31.

Both normal-return models are one OLS regression over the estimation window (L1 days):

    market model         R_t = alpha + beta R_mt + e_t      X = [1, R_m]
    constant mean        R_t = mu + e_t                     X = [1]

(MacKinlay section 4). theta = (X'X)^-1 X'R and sigma^2 = e'e / (L1 - k), k the number of
regressors. Over the event window (rows X*), the abnormal returns AR* = R* - X* theta have,
conditional on the index's returns, the covariance

    V = sigma^2 (I + X* (X'X)^-1 X*')

whose second term is the estimation error of theta (Campbell, Lo and MacKinlay 1997, The
Econometrics of Financial Markets, chapter 4). For the market model one diagonal entry is
sigma^2 [1 + 1/L1 + (R_mt - mean R_m)^2 / sum (R_m - mean R_m)^2], MacKinlay's var(AR) with the
estimation-error term (section 5). A cumulative abnormal return over days [t1, t2] is
CAR = g'AR* (g: ones on those days), with var(CAR) = g'V g, and t = CAR / sqrt(var(CAR)) follows
Student's t with L1 - k degrees of freedom under the null of no abnormal return (section 5).
Simple or log daily returns both work with OLS on daily data (Brown and Warner 1985).

Pure NumPy: inputs are aligned daily return arrays and the event day's position in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from gigawatt.errors import InputError

Model = Literal["market", "constant-mean"]
MODELS: tuple[Model, ...] = ("market", "constant-mean")


@dataclass(frozen=True)
class NormalModel:
    """The normal-return model fitted over the estimation window.

    `beta` and `beta_se` are None for the constant-mean model (its `alpha` is the mean return).
    """

    model: Model
    alpha: float
    alpha_se: float
    beta: float | None
    beta_se: float | None
    sigma: float  # residual standard deviation of a daily return [fraction]
    estimation_days: int  # L1
    dof: int  # L1 - k
    r_squared: float | None
    theta: np.ndarray = field(repr=False)
    xtx_inv: np.ndarray = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "alpha": self.alpha,
            "alpha_se": self.alpha_se,
            "beta": self.beta,
            "beta_se": self.beta_se,
            "sigma": self.sigma,
            "estimation_days": self.estimation_days,
            "dof": self.dof,
            "r_squared": self.r_squared,
        }


@dataclass(frozen=True)
class Car:
    """A cumulative abnormal return over trading days [start_day, end_day] (both included)."""

    start_day: int
    end_day: int
    car: float
    se: float
    t_stat: float

    def to_json(self) -> dict[str, Any]:
        return {
            "window": [self.start_day, self.end_day],
            "car": self.car,
            "se": self.se,
            "t_stat": self.t_stat,
        }


@dataclass(frozen=True)
class EventStudy:
    """Abnormal returns of one stock around one event day.

    `days` are trading days relative to day 0 over the span of the CAR windows; `abnormal`,
    `ar_se` and `ar_t` are per day; `cars` follow the windows asked for.
    """

    fit: NormalModel
    days: np.ndarray
    returns: np.ndarray
    abnormal: np.ndarray
    ar_se: np.ndarray
    ar_t: np.ndarray
    cars: tuple[Car, ...]
    covariance: np.ndarray = field(repr=False)

    def car(self, start_day: int, end_day: int) -> Car:
        """The CAR over [start_day, end_day]: one asked for, else computed from the covariance."""
        for c in self.cars:
            if (c.start_day, c.end_day) == (start_day, end_day):
                return c
        return _car(self.days, self.abnormal, self.covariance, (start_day, end_day))

    def to_json(self) -> dict[str, Any]:
        return {
            "fit": self.fit.to_json(),
            "days": [
                {
                    "day": int(d),
                    "return": float(r),
                    "ar": float(a),
                    "se": float(s),
                    "t_stat": float(t),
                }
                for d, r, a, s, t in zip(
                    self.days, self.returns, self.abnormal, self.ar_se, self.ar_t, strict=True
                )
            ],
            "cars": [c.to_json() for c in self.cars],
        }


def design(model: Model, market_returns: np.ndarray | None, days: int) -> np.ndarray:
    """The regressors X of a normal-return model over `days` days: [1] or [1, R_m] per day."""
    if model == "constant-mean":
        return np.ones((days, 1))
    if market_returns is None:
        raise InputError("the market model needs the index's returns", field="model")
    return np.column_stack([np.ones(len(market_returns)), market_returns])


def fit_normal_model(
    stock_returns: np.ndarray, market_returns: np.ndarray | None, model: Model = "market"
) -> NormalModel:
    """OLS over the estimation window (MacKinlay 1997 section 4; Brown and Warner 1985).

    `stock_returns` and `market_returns` are the L1 daily returns of the window [fraction].
    """
    y = np.asarray(stock_returns, dtype=float)
    x = design(model, None if market_returns is None else np.asarray(market_returns, float), len(y))
    n, k = x.shape
    if n <= k:
        raise InputError(
            f"{n} estimation days cannot fit the {model} model; allowed: more than {k}",
            field="estimation_window",
        )
    xtx = x.T @ x
    if np.linalg.cond(xtx) > 1 / np.finfo(float).eps:
        raise InputError(
            "the index's returns are constant over the estimation window: beta cannot be "
            "estimated; allowed: an index that moves, or the constant-mean model",
            field="index",
        )
    xtx_inv = np.linalg.inv(xtx)
    theta = xtx_inv @ x.T @ y
    resid = y - x @ theta
    dof = n - k
    sigma2 = float(resid @ resid) / dof
    se = np.sqrt(np.diag(xtx_inv) * sigma2)
    centred = y - y.mean()
    total = float(centred @ centred)
    r2 = None if model == "constant-mean" or total == 0 else 1.0 - float(resid @ resid) / total
    return NormalModel(
        model=model,
        alpha=float(theta[0]),
        alpha_se=float(se[0]),
        beta=float(theta[1]) if k > 1 else None,
        beta_se=float(se[1]) if k > 1 else None,
        sigma=float(np.sqrt(sigma2)),
        estimation_days=n,
        dof=dof,
        r_squared=r2,
        theta=theta,
        xtx_inv=xtx_inv,
    )


def abnormal_returns(
    fit: NormalModel, stock_returns: np.ndarray, market_returns: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """AR* = R* - X* theta and its covariance V = sigma^2 (I + X*(X'X)^-1 X*') over the event
    window's days (MacKinlay 1997 section 5, in matrix form)."""
    y = np.asarray(stock_returns, dtype=float)
    m = None if market_returns is None else np.asarray(market_returns, float)
    x = design(fit.model, m, len(y))
    ar = y - x @ fit.theta
    cov = fit.sigma**2 * (np.eye(len(y)) + x @ fit.xtx_inv @ x.T)
    return ar, cov


def _car(days: np.ndarray, ar: np.ndarray, cov: np.ndarray, window: tuple[int, int]) -> Car:
    lo, hi = window
    g = ((days >= lo) & (days <= hi)).astype(float)
    if g.sum() != hi - lo + 1:
        raise InputError(
            f"window {[lo, hi]} is not inside the event window {[int(days[0]), int(days[-1])]}",
            field="windows",
        )
    car = float(g @ ar)
    se = float(np.sqrt(g @ cov @ g))
    return Car(lo, hi, car, se, car / se if se > 0 else float("nan"))


def check_windows(estimation: tuple[int, int], windows: Sequence[tuple[int, int]]) -> None:
    """Windows are [first, last] and the estimation window ends before the event window."""
    lo, hi = estimation
    if not lo < hi:
        raise InputError(
            f"{[lo, hi]} is not allowed: the first day must come before the last",
            field="estimation_window",
        )
    if not windows:
        raise InputError("no window given; allowed: one or more [first, last]", field="windows")
    for a, b in windows:
        if a > b:
            raise InputError(
                f"{[a, b]} is not allowed: the first day must not come after the last",
                field="windows",
            )
    first = min(a for a, _ in windows)
    if hi >= first:
        raise InputError(
            f"{[lo, hi]} overlaps the event window starting at day {first}; allowed: an "
            f"estimation window ending before day {first} (MacKinlay 1997 section 3)",
            field="estimation_window",
        )


def event_study(
    stock_returns: np.ndarray,
    market_returns: np.ndarray | None,
    event_index: int,
    *,
    estimation: tuple[int, int] = (-250, -11),
    windows: Sequence[tuple[int, int]] = ((0, 0), (-1, 1), (-5, 5)),
    model: Model = "market",
) -> EventStudy:
    """The event study of one stock: fit over `estimation`, abnormal returns over the span of
    `windows`, and each window's CAR with its standard error and t-statistic.

    `stock_returns[i]` and `market_returns[i]` are the returns of the same trading day; day 0 is
    position `event_index`; windows are in trading days relative to it, both ends included.
    The caller checks that the windows lie inside the data (`gigawatt.markets.prices`).
    """
    windows = [tuple(w) for w in windows]
    check_windows(estimation, windows)  # type: ignore[arg-type]
    r = np.asarray(stock_returns, dtype=float)
    m = None if market_returns is None else np.asarray(market_returns, dtype=float)
    lo, hi = estimation
    first = min(a for a, _ in windows)
    last = max(b for _, b in windows)
    if event_index + lo < 0 or event_index + last >= len(r):
        raise InputError(
            f"the windows need returns from day {lo} to day {last}; the data hold days "
            f"{-event_index} to {len(r) - 1 - event_index}",
            field="estimation_window",
        )
    est = slice(event_index + lo, event_index + hi + 1)
    evt = slice(event_index + first, event_index + last + 1)
    fit = fit_normal_model(r[est], None if m is None else m[est], model)
    ar, cov = abnormal_returns(fit, r[evt], None if m is None else m[evt])
    days = np.arange(first, last + 1)
    se = np.sqrt(np.diag(cov))
    cars = tuple(_car(days, ar, cov, w) for w in windows)  # type: ignore[arg-type]
    return EventStudy(fit, days, r[evt], ar, se, ar / se, cars, cov)
