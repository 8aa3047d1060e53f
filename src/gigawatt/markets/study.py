"""An announcement event of the catalog, studied on the user's prices.

`study_event` aligns the prices (gigawatt.markets.prices), runs the event study of each ticker
against the index (gigawatt.markets.eventstudy) and returns a typed result whose `to_json()` is
the `study` object of `gigawatt market --json`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from gigawatt.catalog.schema import EventStudyMethod, MarketEvent
from gigawatt.markets.calendar import nyse_trading_days
from gigawatt.markets.eventstudy import EventStudy, Model, check_windows, event_study
from gigawatt.markets.prices import PriceTable, align

Returns = Literal["simple", "log"]
Calendar = Literal["nyse", "index"]


@dataclass(frozen=True)
class StudySettings:
    """What a study uses: the method's defaults overridden by the request."""

    index: str
    estimation_window: tuple[int, int]
    windows: tuple[tuple[int, int], ...]
    model: Model
    returns: Returns
    max_gap_days: int
    mlk_day_from: int
    juneteenth_from: int
    calendar: Calendar = "nyse"
    closures: tuple[dt.date, ...] = ()

    @classmethod
    def of(
        cls,
        method: EventStudyMethod,
        event: MarketEvent | None = None,
        *,
        index: str | None = None,
        estimation_window: tuple[int, int] | None = None,
        windows: Sequence[tuple[int, int]] | None = None,
        model: Model | None = None,
        returns: Returns | None = None,
        calendar: Calendar | None = None,
    ) -> StudySettings:
        settings = cls(
            index=index or (event.index if event and event.index else None) or method.index,
            estimation_window=tuple(estimation_window or method.estimation_window),  # type: ignore[arg-type]
            windows=tuple(tuple(w) for w in (windows or method.windows)),  # type: ignore[misc]
            model=model or method.model,
            returns=returns or method.returns,
            max_gap_days=method.max_gap_days,
            mlk_day_from=method.mlk_day_from,
            juneteenth_from=method.juneteenth_from,
            calendar=calendar or method.calendar,
            closures=tuple(method.closures),
        )
        check_windows(settings.estimation_window, settings.windows)
        return settings


@dataclass(frozen=True)
class TickerStudy:
    ticker: str
    study: EventStudy
    dates: tuple[dt.date, ...]  # the trading date of each event-window day

    def to_json(self) -> dict[str, Any]:
        out = {"ticker": self.ticker, **self.study.to_json()}
        for row, date in zip(out["days"], self.dates, strict=True):
            row["date"] = date.isoformat()
        return out


@dataclass(frozen=True)
class MarketStudy:
    """The event study of one event's tickers against the index."""

    event_day: dt.date
    event_day_used: dt.date
    settings: StudySettings
    tickers: tuple[TickerStudy, ...]

    @property
    def rule(self) -> str | None:
        """What was done about a non-trading event day (None: it was a trading day)."""
        if self.event_day_used == self.event_day:
            return None
        return (
            f"{self.event_day} is not a trading day of {self.settings.index}: day 0 is the next "
            f"trading day, {self.event_day_used}"
        )

    def to_json(self) -> dict[str, Any]:
        s = self.settings
        return {
            "event_day_used": self.event_day_used.isoformat(),
            "rule": self.rule,
            "index": s.index,
            "model": s.model,
            "returns": s.returns,
            "calendar": s.calendar,
            "estimation_window": list(s.estimation_window),
            "windows": [list(w) for w in s.windows],
            "tickers": [t.to_json() for t in self.tickers],
        }


def study_event(
    prices: PriceTable,
    event_day: dt.date,
    tickers: Sequence[str],
    settings: StudySettings,
) -> MarketStudy:
    """Abnormal returns of `tickers` around `event_day` (moved to the next trading day of the
    index if it is not one), by the settings' model, on `prices`."""
    last_day = max(b for _, b in settings.windows)
    aligned = align(
        prices,
        tickers,
        settings.index,
        event_day,
        settings.estimation_window,
        last_day,
        log_returns=settings.returns == "log",
        max_gap_days=settings.max_gap_days,
        trading_days=(
            partial(
                nyse_trading_days,
                closures=settings.closures,
                mlk_day_from=settings.mlk_day_from,
                juneteenth_from=settings.juneteenth_from,
            )
            if settings.calendar == "nyse"
            else None
        ),
    )
    studies = []
    for name, r in aligned.returns.items():
        res = event_study(
            r,
            aligned.index_returns if settings.model == "market" else None,
            aligned.event_pos,
            estimation=settings.estimation_window,
            windows=settings.windows,
            model=settings.model,
        )
        dates = aligned.dates[aligned.event_pos + res.days]
        studies.append(TickerStudy(name, res, tuple(dt.date.fromisoformat(str(d)) for d in dates)))
    return MarketStudy(event_day, aligned.event_day_used, settings, tuple(studies))
