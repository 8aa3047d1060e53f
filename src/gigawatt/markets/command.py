"""`gigawatt market`: the typed request and result (the app layer calls `market_report`).

Without prices it lists the announcement events (of a scenario's deals, one event, or the whole
catalog) with the moves the press reported; with prices it adds each event's study: abnormal
returns, CARs and t-statistics of each ticker against the index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import Field, field_validator, model_validator

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import EventStudyMethod, MarketEvent
from gigawatt.errors import InputError
from gigawatt.markets.events import KIND, all_events, event_json, events_for_deals
from gigawatt.markets.eventstudy import Model
from gigawatt.markets.prices import PriceTable, prices_from_frame, read_prices
from gigawatt.markets.study import (
    Calendar,
    MarketStudy,
    Returns,
    StudySettings,
    study_event,
)
from gigawatt.validation import Date, Request

METHOD_ID = "default"

#: What a reported move is not.
REPORTED_MOVES_CAVEAT = (
    "Moves as the press reported them are raw returns, not abnormal returns: the index moved "
    "too (its rows) and other news may share the day (each event's note: in the JSON output, "
    "the HTML report and, with prices, the study's output)."
)
#: What an event study can and cannot say (MacKinlay 1997; Boehmer,
#: Musumeci and Poulsen 1991, "Event-study methodology under conditions of event-induced
#: variance", Journal of Financial Economics 30(2): 253-272, on t-statistics when news raises
#: the variance).
EVENT_STUDY_CAVEAT = (
    "An event study says whether a stock's return around day 0 was unusual against the market "
    "model fitted on the estimation window. It cannot tell this announcement from other news in "
    "the same window (each event's note), it measures the market's first reaction, not the "
    "deal's value, and its t-statistics take the estimation window's volatility for the event "
    "days: where the news itself raises volatility they overstate significance (Boehmer, "
    "Musumeci and Poulsen 1991). Several events or tickers at once give some |t| above 2 by "
    "chance."
)


def _pair(value: Any) -> Any:
    """`"-1,1"` or `"-1:1"` or `"0"` as a (first, last) pair; other values as they are."""
    if isinstance(value, str):
        parts = value.replace(":", ",").split(",")
        try:
            nums = [int(p.strip().lstrip("+")) for p in parts]
        except ValueError:
            raise ValueError(
                f"{value!r} is not a window; allowed: FIRST,LAST in trading days, e.g. -1,1"
            ) from None
        if len(nums) == 1:
            nums = nums * 2
        if len(nums) != 2:
            raise ValueError(f"{value!r} is not a window; allowed: FIRST,LAST, e.g. -1,1")
        return tuple(nums)
    return value


#: What only an event study (with prices) uses.
_STUDY_FIELDS = ("index", "estimation_window", "windows", "model", "returns", "calendar")


class MarketRequest(Request):
    scenario: str | None = Field(
        None, description="scenario whose deals' events to list (none: the whole catalog)"
    )
    event: str | None = Field(None, description="one market-events id")
    event_date: Date | None = Field(
        None, description="an event not in the catalog: its day 0 (with `tickers`)"
    )
    tickers: tuple[str, ...] = Field((), description="tickers to study (default: the event's)")
    prices: tuple[str, ...] = Field(
        (), description="price CSV files; TICKER=FILE for a one-ticker (Yahoo-style) file"
    )
    index: str | None = Field(None, description="index ticker (default: the method's, ^GSPC)")
    estimation_window: tuple[int, int] | None = Field(
        None, description="estimation window, first and last trading day (default -250,-11)"
    )
    windows: tuple[tuple[int, int], ...] | None = Field(
        None, description="CAR windows, each first and last trading day (default 0 -1,1 -5,5)"
    )
    model: Model | None = Field(None, description="market or constant-mean (default market)")
    returns: Returns | None = Field(None, description="simple or log (default simple)")
    calendar: Calendar | None = Field(
        None,
        description="trading calendar the index's prices are checked against: nyse (default; a "
        "missing NYSE trading day is an error) or index (the index's own dates)",
    )

    @field_validator("estimation_window", mode="before")
    @classmethod
    def _estimation(cls, v: Any) -> Any:
        return _pair(v)

    @field_validator("windows", mode="before")
    @classmethod
    def _windows(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.split(";")
        return None if v is None else [_pair(w) for w in v]

    @model_validator(mode="after")
    def _custom_needs_tickers(self) -> MarketRequest:
        if self.event_date is not None and self.event is not None:
            raise InputError(
                "{event} and {event_date} are alternatives: an event of the catalog, or the "
                "day 0 of one that is not; give one",
                field="event_date",
                refs=("event", "event_date"),
            )
        if self.event_date is not None and not self.tickers:
            raise InputError(
                "an event not in the catalog needs the tickers to study: give {tickers} too",
                field="event_date",
                refs=("tickers",),
            )
        return self


@dataclass(frozen=True)
class EventReport:
    """One event: the catalog record (None for a user's dated event) and its study."""

    event: MarketEvent | None
    event_day: dt.date
    tickers: tuple[str, ...]
    study: MarketStudy | None

    def to_json(self) -> dict[str, Any]:
        if self.event is not None:
            head = event_json(self.event)
        else:
            head = {
                "id": None,
                "name": None,
                "announced": None,
                "event_day": self.event_day.isoformat(),
                "deals": [],
                "tickers": list(self.tickers),
                "index": None,
                "status": None,
                "source": None,
                "note": None,
                "moves": [],
            }
        head["tickers"] = list(self.tickers)
        study = None if self.study is None else self.study.to_json()
        for move in head["moves"]:
            move["computed_fraction"] = _computed(move, study)
        return {**head, "study": study}


def _computed(move: dict[str, Any], study: dict[str, Any] | None) -> float | None:
    """The return the user's prices give for a reported close-to-close move (its ticker, its
    day, inside the event window, simple returns): a check of the press figure against the
    data. None when the study cannot say."""
    if study is None or move["basis"] != "close" or study["returns"] != "simple":
        return None
    for t in study["tickers"]:
        if t["ticker"] != move["ticker"]:
            continue
        for d in t["days"]:
            if d["date"] == move["day"]:
                return float(d["return"])
    return None


@dataclass(frozen=True)
class MarketReport:
    """`gigawatt market`: the events listed and, with prices, their studies."""

    scenario: str | None
    events: tuple[EventReport, ...]

    @property
    def caveats(self) -> list[str]:
        """What the listing and, with prices, the study can and cannot say."""
        out = [REPORTED_MOVES_CAVEAT] if any(e.event is not None for e in self.events) else []
        if any(e.study is not None for e in self.events):
            out.append(EVENT_STUDY_CAVEAT)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "events": [e.to_json() for e in self.events],
            "caveats": self.caveats,
        }


def _select(req: MarketRequest, catalog: Catalog, deal_ids: list[str] | None) -> list[EventReport]:
    if req.event_date is not None:
        return [EventReport(None, req.event_date, req.tickers, None)]
    if req.event is not None:
        events = [catalog.get(KIND, req.event, field="event")]
    elif deal_ids is not None:
        events = events_for_deals(catalog, deal_ids)
    else:
        events = all_events(catalog)
    return [
        EventReport(e, e.event_day, req.tickers or e.tickers, None)  # type: ignore[attr-defined, arg-type]
        for e in events
    ]


def market_report(
    req: MarketRequest,
    catalog: Catalog,
    *,
    scenario: str | None = None,
    deal_ids: list[str] | None = None,
    frame: pd.DataFrame | None = None,
) -> MarketReport:
    """The events `req` selects (`deal_ids`: a scenario's deals) and, with prices (files in the
    request or `frame`), the study of each."""
    selected = _select(req, catalog, deal_ids)
    table: PriceTable | None = None
    if frame is not None and req.prices:
        raise InputError("give price files or a DataFrame, not both", field="prices")
    if frame is not None:
        table = prices_from_frame(frame)
    elif req.prices:
        table = read_prices(req.prices)
    if table is None:
        # tickers name what to study; with an event date they also name the listed event's
        studied = [*_STUDY_FIELDS, *(("tickers",) if req.event_date is None else ())]
        for name in studied:
            if getattr(req, name) not in (None, ()):
                raise InputError(
                    "applies to an event study: give {prices} FILE too (without prices the "
                    "events are listed with the moves the press reported)",
                    field=name,
                    refs=("prices",),
                )
        return MarketReport(scenario, tuple(selected))
    if req.scenario is None and req.event is None and req.event_date is None:
        raise InputError(
            "prices given but no event to study; allowed: an event id (listed by "
            "`gigawatt market`), a scenario, or an event date with its tickers",
            field="event",
        )
    if not selected:
        raise InputError(
            f"no announcement events for scenario {scenario!r} to study; allowed: an event "
            "id or an event date",
            field="event",
        )
    method: EventStudyMethod = catalog.get("event-study", METHOD_ID)  # type: ignore[assignment]
    out = []
    for rep in selected:
        settings = StudySettings.of(
            method,
            rep.event,
            index=req.index,
            estimation_window=req.estimation_window,
            windows=req.windows,
            model=req.model,
            returns=req.returns,
            calendar=req.calendar,
        )
        try:
            study = study_event(table, rep.event_day, rep.tickers, settings)
        except InputError as e:
            if len(selected) == 1:
                raise
            which = rep.event.id if rep.event else str(rep.event_day)
            raise InputError(
                f"event {which}: {e.render()}; pick one event with its id", field="event"
            ) from None
        out.append(EventReport(rep.event, rep.event_day, rep.tickers, study))
    return MarketReport(scenario, tuple(out))
