"""Daily prices from the user: CSV files in the common export layouts, or a pandas DataFrame.

Layouts read (column names are matched ignoring case, spaces and underscores):

- wide: `Date,NVDA,^GSPC,...` (one adjusted close per ticker and row);
- long: `date,ticker,adj_close` (`symbol` for `ticker`; `adj close`, `adjusted close`, `close` or
  `price` for the price);
- one ticker per file, as Yahoo Finance exports it: `Date,Open,High,Low,Close,Adj Close,Volume`
  (`Adj Close` used, else `Close`); the ticker is given as `TICKER=FILE`, else the file's stem;
- several tickers as the yfinance package writes them (`Price,Close,Close,...` then
  `Ticker,NVDA,^GSPC,...` then `Date,,`), or its DataFrame with (field, ticker) columns.

Rules (each broken one is an `InputError` naming the file, ticker and day):

- the index's trading days are the calendar; inside the span a study uses, every ticker has a
  price on each of them and on no other day (a gap or an extra day is an error, never filled);
- consecutive trading days at most `max_gap_days` calendar days apart (else a missing stretch);
- with the NYSE calendar (the default, gigawatt.markets.calendar), every NYSE trading day in that
  span has an index price: a missing day is an error naming the file and the day, never taken
  for a holiday (`calendar: index` trusts the index's own dates, for another exchange);
- prices are positive numbers; dates parse (ISO `2025-09-22`, or US `09/22/2025`);
- the event day, if not a trading day of the index (a weekend, a holiday), moves to the NEXT
  trading day, the first session that could react; the result says which day was used.

pandas is used here only, at the edge; the study itself runs on NumPy arrays.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.errors import InputError

FIELD = "prices"
_DATE_COLUMNS = ("date", "datetime", "timestamp", "time")
_TICKER_COLUMNS = ("ticker", "symbol")
_PRICE_COLUMNS = ("adjclose", "adjustedclose", "close", "price")
_OHLC = {"open", "high", "low"}


def _key(name: Any) -> str:
    return re.sub(r"[\s_*]+", "", str(name)).lower()


@dataclass(frozen=True)
class PriceTable:
    """Prices by ticker on a common list of dates (NaN where a ticker has none).

    `dates` are sorted `datetime64[D]`; `origin[ticker]` names where a ticker's prices came from.
    """

    dates: np.ndarray
    prices: Mapping[str, np.ndarray]
    origin: Mapping[str, str]

    def tickers(self) -> list[str]:
        return list(self.prices)

    def find(self, ticker: str) -> str | None:
        """The table's spelling of `ticker` (case-insensitive), or None."""
        want = ticker.strip().lower()
        return next((t for t in self.prices if t.lower() == want), None)


# --- reading ----------------------------------------------------------------------------------


def _parse_dates(values: pd.Series, where: str) -> pd.Series:
    text = values.astype(str).str.strip()
    # A daily close's date is its first ten characters; times and UTC offsets (yfinance writes
    # "2025-09-22 00:00:00-04:00") would only shift it.
    text = text.str.replace(r"^(\d{4}-\d{2}-\d{2})[ T].*$", r"\1", regex=True)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if parsed.isna().any():
        us = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
        parsed = parsed.fillna(us)
    bad = parsed.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{where}: row {row + 2}: date {text.iloc[row]!r} does not parse; allowed: "
            "YYYY-MM-DD or MM/DD/YYYY",
            field=FIELD,
        )
    return parsed.dt.normalize()


def _parse_prices(values: pd.Series, where: str, ticker: str, dates: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values):
        bad = np.isinf(values.to_numpy(dtype=float))  # `inf` in a numeric column
        out = values
    else:
        text = values.astype(str).str.strip().str.replace(r"[$,]", "", regex=True)
        missing = values.isna() | text.str.lower().isin({"", "null", "nan", "na", "n/a", "-"})
        out = pd.to_numeric(text.where(~missing), errors="coerce")
        bad = ((out.isna() & ~missing) | np.isinf(out)).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{where}: {ticker} on {dates.iloc[row].date()}: {values.iloc[row]!r} is not a price; "
            "allowed: a positive number",
            field=FIELD,
        )
    return out.to_numpy(dtype=float)


def _field_ticker_frame(frame: pd.DataFrame, fields: list[str], tickers: list[str]) -> pd.DataFrame:
    """A wide frame (date column + one column per ticker) from columns labelled by (price field,
    ticker), as yfinance returns several tickers: adjusted closes if given, else closes."""
    keys = [_key(f) for f in fields]
    for want in ("adjclose", "close"):
        cols = [i for i, k in enumerate(keys) if k == want]
        if cols:
            break
    else:
        raise InputError(
            "columns by (price, ticker) without a Close or Adj Close field", field=FIELD
        )
    wide = frame.iloc[:, cols].copy()
    wide.columns = [tickers[i] for i in cols]
    return wide


def _unstack_layouts(frame: pd.DataFrame) -> pd.DataFrame:
    """yfinance's layouts as a plain wide frame; other frames as they are."""
    if isinstance(frame.columns, pd.MultiIndex) and frame.columns.nlevels == 2:
        fields = [str(a) for a, _ in frame.columns]
        tickers = [str(b) for _, b in frame.columns]
        if not any(_key(f) in ("adjclose", "close") for f in fields):
            fields, tickers = tickers, fields  # (ticker, field) order
        wide = _field_ticker_frame(frame, fields, tickers)
        wide.index = frame.index
        return wide
    first = frame.columns[0] if len(frame.columns) else None
    if (
        first is not None
        and _key(first) == "price"
        and len(frame) >= 2
        and _key(frame.iloc[0, 0]) == "ticker"
    ):
        # the CSV yfinance writes: a header row of fields, a row of tickers, a row "Date"
        fields = [re.sub(r"\.\d+$", "", str(c)) for c in frame.columns[1:]]
        tickers = [str(t).strip() for t in frame.iloc[0, 1:]]
        skip = 2 if _key(frame.iloc[1, 0]) in _DATE_COLUMNS else 1
        body = frame.iloc[skip:].reset_index(drop=True)
        wide = _field_ticker_frame(body.iloc[:, 1:], fields, tickers)
        wide.insert(0, "Date", body.iloc[:, 0])
        return wide
    return frame


def _series_from_frame(
    frame: pd.DataFrame, where: str, ticker_hint: str | None
) -> dict[str, pd.Series]:
    """Each ticker's prices indexed by date, from one frame in any accepted layout."""
    frame = _unstack_layouts(frame.copy())
    if isinstance(frame.index, pd.DatetimeIndex) and frame.index.tz is not None:
        frame.index = frame.index.tz_localize(None)  # the exchange's local dates
    if isinstance(frame.index, pd.DatetimeIndex) and not any(
        _key(c) in _DATE_COLUMNS for c in frame.columns
    ):
        frame = frame.reset_index(names="date")
    keys = {_key(c): c for c in frame.columns}
    date_col = next((keys[k] for k in _DATE_COLUMNS if k in keys), None)
    if date_col is None:
        raise InputError(
            f"{where}: no date column; allowed: a column named Date (columns: "
            f"{', '.join(map(str, frame.columns))})",
            field=FIELD,
        )
    frame = frame.dropna(how="all")
    dates = _parse_dates(frame[date_col], where)
    ticker_col = next((keys[k] for k in _TICKER_COLUMNS if k in keys), None)
    price_col = next((keys[k] for k in _PRICE_COLUMNS if k in keys), None)
    if ticker_col is not None:
        if price_col is None:
            raise InputError(
                f"{where}: a long table (date, ticker, price) without a price column; allowed: "
                "adj_close, close or price",
                field=FIELD,
            )
        out: dict[str, pd.Series] = {}
        for name, rows in frame.groupby(ticker_col, sort=False):
            idx = rows.index
            out[str(name).strip()] = _indexed(
                _parse_prices(rows[price_col], where, str(name), dates.loc[idx]),
                dates.loc[idx],
                where,
                str(name),
            )
        return _one_ticker_file(out, where, ticker_hint)
    if price_col is not None and (_OHLC & set(keys) or "adjclose" in keys):
        ticker = ticker_hint or Path(where).stem
        return {
            ticker: _indexed(
                _parse_prices(frame[price_col], where, ticker, dates), dates, where, ticker
            )
        }
    out = {}
    for col in frame.columns:
        if col == date_col:
            continue
        name = str(col).strip()
        out[name] = _indexed(_parse_prices(frame[col], where, name, dates), dates, where, name)
    if not out:
        raise InputError(f"{where}: no price columns besides the date", field=FIELD)
    return _one_ticker_file(out, where, ticker_hint)


def _one_ticker_file(
    found: dict[str, pd.Series], where: str, ticker_hint: str | None
) -> dict[str, pd.Series]:
    """A wide or long table's tickers; given as `TICKER=FILE` (a one-ticker file's name), its
    one column is that ticker, and several are refused (the name was dropped: `ZZZ=prices.csv`
    read ^GSPC, NVDA and AMD as they are)."""
    if ticker_hint is None:
        return found
    if len(found) == 1:  # `Date,Close`: the one column is the ticker the user named
        return {ticker_hint: next(iter(found.values()))}
    raise InputError(
        f"{ticker_hint}={where}: the file holds the tickers {', '.join(found)}, not "
        f"{ticker_hint} alone; allowed: TICKER=FILE for a one-ticker (Yahoo-style) file, and "
        "a wide or long table given as FILE alone",
        field=FIELD,
    )


def _indexed(values: np.ndarray, dates: pd.Series, where: str, ticker: str) -> pd.Series:
    s = pd.Series(values, index=pd.DatetimeIndex(dates.to_numpy()))
    dup = s.index.duplicated()
    if dup.any():
        day = s.index[dup][0].date()
        raise InputError(f"{where}: {ticker} has two prices on {day}", field=FIELD)
    return s.sort_index()


def _merge(parts: Iterable[tuple[str, dict[str, pd.Series]]]) -> PriceTable:
    series: dict[str, pd.Series] = {}
    origin: dict[str, str] = {}
    for where, found in parts:
        for ticker, s in found.items():
            clash = next((t for t in series if t.lower() == ticker.lower()), None)
            if clash is not None:
                raise InputError(
                    f"{ticker} is given twice ({origin[clash]} and {where}); allowed: once",
                    field=FIELD,
                )
            series[ticker] = s
            origin[ticker] = where
    if not series:
        raise InputError("no prices given", field=FIELD)
    frame = pd.DataFrame(series).sort_index()
    dates = frame.index.to_numpy().astype("datetime64[D]")
    prices = {t: frame[t].to_numpy(dtype=float) for t in series}
    return PriceTable(dates=dates, prices=prices, origin=origin)


def prices_from_frame(frame: pd.DataFrame, *, name: str = "DataFrame") -> PriceTable:
    """A price table from a pandas DataFrame in any accepted layout (a DatetimeIndex may stand
    for the date column)."""
    return _merge([(name, _series_from_frame(frame, name, None))])


def _split_spec(spec: str | Path) -> tuple[str | None, Path]:
    text = str(spec)
    head, eq, tail = text.partition("=")
    if eq and head and not Path(text).exists():
        if not tail.strip():  # `NVDA=$FILE` with FILE unset: the empty path read as `.`
            raise InputError(
                f"{text!r} is not allowed: expected TICKER=FILE, a file after the '='",
                field=FIELD,
            )
        return head.strip(), Path(tail)
    return None, Path(text)


def read_prices(specs: Iterable[str | Path]) -> PriceTable:
    """Prices from CSV files; each spec is `FILE` or `TICKER=FILE` (a one-ticker file)."""
    parts = []
    for spec in specs:
        ticker, path = _split_spec(spec)
        if not path.is_file():
            raise InputError(f"{str(path)!r} is not a file", field=FIELD)
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise InputError(f"{path.name}: not a CSV file ({msg})", field=FIELD) from None
        if frame.empty:
            raise InputError(
                f"{path.name}: no rows of prices; allowed: a header line, then one row per "
                "trading day",
                field=FIELD,
            )
        parts.append((path.name, _series_from_frame(frame, path.name, ticker)))
    return _merge(parts)


# --- checking and aligning ----------------------------------------------------------------------


@dataclass(frozen=True)
class Aligned:
    """Daily returns of the tickers and the index on the index's trading days, and day 0."""

    dates: np.ndarray  # the trading day of each return, datetime64[D]
    returns: Mapping[str, np.ndarray]
    index_returns: np.ndarray
    event_pos: int  # position of day 0 in `dates`
    event_day_used: dt.date


def _day(d: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(d)[:10])


def _check_positive(table: PriceTable, ticker: str) -> None:
    p = table.prices[ticker]
    bad = np.flatnonzero(p <= 0)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{table.origin[ticker]}: {ticker} has a non-positive price {p[i]:g} on "
            f"{_day(table.dates[i])}; allowed: prices > 0",
            field=FIELD,
        )


def _event_position(days: np.ndarray, event_day: dt.date, index: str) -> int:
    target = np.datetime64(event_day, "D")
    if days.size == 0:
        raise InputError(
            f"the index {index} has no prices; allowed: a price per trading day", field=FIELD
        )
    if target > days[-1] or target < days[0]:
        raise InputError(
            f"event day {event_day} is outside the index {index}'s prices "
            f"({_day(days[0])} to {_day(days[-1])})",
            field=FIELD,
        )
    return int(np.searchsorted(days, target, side="left"))


def _short(who: str, start: np.datetime64, cal: np.ndarray, pos: int, est: tuple[int, int]) -> str:
    """The 'estimation window too short' message: estimation returns present vs needed."""
    first, last = est
    needed = last - first + 1
    start_pos = int(np.searchsorted(cal, start))  # first position with a price
    present = max(0, pos + last - max(start_pos + 1, pos + first) + 1)
    return (
        f"estimation window too short: days {first} to {last} before day 0 "
        f"({_day(cal[pos])}) need {needed} trading days of returns; {who}'s prices from "
        f"{_day(start)} give {min(present, needed)}; allowed: prices from {-first + 1} trading "
        "days before day 0, or a shorter estimation window"
    )


def align(
    table: PriceTable,
    tickers: Iterable[str],
    index: str,
    event_day: dt.date,
    estimation: tuple[int, int],
    last_day: int,
    *,
    log_returns: bool = False,
    max_gap_days: int = 7,
    trading_days: Callable[[dt.date, dt.date], np.ndarray] | None = None,
) -> Aligned:
    """Check the prices the study needs and return aligned daily returns.

    The returns cover trading days `estimation[0]` to `last_day` relative to day 0 (the end of
    the last CAR window). Returns are simple (P_t / P_t-1 - 1) or log (ln P_t / P_t-1).
    `trading_days(first, last)` gives the exchange's trading days (`datetime64[D]`): a day
    among them with no index price is a missing day, an error; None takes the index's own
    dates as the calendar.
    """
    found = ", ".join(table.tickers())
    idx = table.find(index)
    if idx is None:
        raise InputError(
            f"no prices for the index {index!r}; tickers found: {found}", field="index"
        )
    names = []
    for t in tickers:
        name = table.find(t)
        if name is None:
            raise InputError(f"no prices for {t!r}; tickers found: {found}", field=FIELD)
        names.append(name)
    for t in [idx, *names]:
        _check_positive(table, t)
    has_index = ~np.isnan(table.prices[idx])
    cal = table.dates[has_index]
    pos = _event_position(cal, event_day, idx)
    first = estimation[0]
    # Prices from the day before the first return to the last day.
    lo, hi = pos + first - 1, pos + last_day
    if hi >= len(cal):
        after = len(cal) - 1 - pos
        raise InputError(
            f"the windows need {last_day} trading days after day 0 ({_day(cal[pos])}); the "
            f"index {idx}'s prices end {_day(cal[-1])}, {after} trading days after",
            field=FIELD,
        )
    if lo < 0:
        raise InputError(_short(f"the index {idx}", cal[0], cal, pos, estimation), field=FIELD)
    used = cal[lo : hi + 1]
    steps = np.diff(used).astype(int)
    if steps.size and steps.max() > max_gap_days:
        i = int(np.argmax(steps))
        raise InputError(
            f"gap in the index {idx}'s prices: {_day(used[i])} to {_day(used[i + 1])} is "
            f"{steps[i]} calendar days with no trading day; allowed: daily prices, at most "
            f"{max_gap_days} calendar days apart",
            field=FIELD,
        )
    window = (table.dates >= used[0]) & (table.dates <= used[-1])
    on_cal = window & has_index
    returns: dict[str, np.ndarray] = {}
    for t in names:
        p = table.prices[t]
        has = ~np.isnan(p)
        extra = window & has & ~has_index
        if extra.any():
            days = table.dates[extra]
            raise InputError(
                f"{table.origin[t]}: {t} has prices on {days.size} day(s) the index {idx} "
                f"has not (first {_day(days[0])}); allowed: the index's trading days",
                field=FIELD,
            )
        starts = table.dates[has]
        if starts.size and starts[0] > used[0] and starts[0] <= used[-1]:
            raise InputError(_short(t, starts[0], cal, pos, estimation), field=FIELD)
        missing = on_cal & ~has
        if missing.any():
            days = table.dates[missing]
            raise InputError(
                f"{table.origin[t]}: {t} has no price on {days.size} trading day(s) of the "
                f"index {idx} between {_day(used[0])} and {_day(used[-1])} (first "
                f"{_day(days[0])}); allowed: a price on each trading day (gaps are not filled)",
                field=FIELD,
            )
        returns[t] = _returns(p[on_cal], log_returns)
    if trading_days is not None:
        _check_calendar(table, idx, used, trading_days)
    index_returns = _returns(table.prices[idx][on_cal], log_returns)
    return Aligned(
        dates=used[1:],
        returns=returns,
        index_returns=index_returns,
        event_pos=-first,
        event_day_used=_day(cal[pos]),
    )


def _check_calendar(
    table: PriceTable,
    idx: str,
    used: np.ndarray,
    trading_days: Callable[[dt.date, dt.date], np.ndarray],
) -> None:
    """A trading day of the exchange inside the span used with no index price is an error
    naming the file and the day (never read as a holiday)."""
    expected = trading_days(_day(used[0]), _day(used[-1]))
    missing = expected[~np.isin(expected, used)]
    if missing.size:
        day = _day(missing[0])
        raise InputError(
            f"{table.origin[idx]}: the index {idx} has no price on {day} ({day:%A}), an NYSE "
            f"trading day ({missing.size} such day(s) between {_day(used[0])} and "
            f"{_day(used[-1])}); allowed: a price on every NYSE trading day (weekends, NYSE "
            "holidays and closures excepted), or {calendar} index to take the index's own "
            "dates as the trading calendar",
            field=FIELD,
            refs=("calendar",),
        )


def _returns(prices: np.ndarray, log: bool) -> np.ndarray:
    ratio = prices[1:] / prices[:-1]
    return np.log(ratio) if log else ratio - 1.0
