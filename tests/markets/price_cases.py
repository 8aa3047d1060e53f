"""Synthetic daily prices for the market tests: an index and stocks with a known beta and an
abnormal return injected on the event day, on business days (no holidays)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

EVENT_DAY = dt.date(2025, 9, 22)  # a Monday
BETA = {"NVDA": 1.6, "AMD": 1.2}
INJECTED = {"NVDA": 0.05, "AMD": -0.03}


def synthetic_prices(days_before: int = 300, days_after: int = 10, seed: int = 15) -> pd.DataFrame:
    """Wide table: Date, ^GSPC and one column per ticker of BETA, adjusted closes."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(end=pd.Timestamp(EVENT_DAY), periods=days_before + 1)
    dates = dates.append(pd.bdate_range(start=dates[-1] + pd.offsets.BDay(1), periods=days_after))
    n = len(dates)
    event = days_before
    market = rng.normal(4e-4, 0.01, n)
    market[0] = 0.0
    out = {"Date": dates.strftime("%Y-%m-%d"), "^GSPC": 5000 * np.cumprod(1 + market)}
    for ticker, beta in BETA.items():
        r = 3e-4 + beta * market + rng.normal(0, 0.012, n)
        r[0] = 0.0
        r[event] += INJECTED[ticker]
        out[ticker] = 100 * np.cumprod(1 + r)
    return pd.DataFrame(out)
