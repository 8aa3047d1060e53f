"""The NYSE trading calendar: which weekdays the exchange is closed.

The regular holidays follow NYSE Rule 7.2 ("Holidays") as listed on the exchange's "Holidays
and Trading Hours" page (https://www.nyse.com/markets/hours-calendars): New Year's Day,
Martin Luther King Jr. Day (third Monday of January), Washington's Birthday (third Monday of
February), Good Friday, Memorial Day (last Monday of May), Juneteenth (19 June), Independence
Day, Labor Day (first Monday of September), Thanksgiving (fourth Thursday of November) and
Christmas. A holiday on a Saturday closes the Friday before and one on a Sunday the Monday
after, except New Year's Day on a Saturday, which closes nothing (the Friday is the last
trading day of the year). Unscheduled closures (national days of mourning, 9/11, Hurricane
Sandy) are dated data, in the catalog (`event-study` record `default`, `closures`), and so are
the first years the exchange closed for the two newer holidays (`mlk_day_from`,
`juneteenth_from`, with their source).

A user's price file is checked against this calendar (gigawatt.markets.prices.align): a weekday
that is neither a holiday nor a closure and has no index price is a missing day, an error,
never a holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

_MONDAY, _THURSDAY, _FRIDAY, _SATURDAY, _SUNDAY = 0, 3, 4, 5, 6


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based) `weekday` of a month; n = -1 for the last."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday: the anonymous Gregorian algorithm (Meeus, *Astronomical
    Algorithms*, 2nd ed. 1998, ch. 8, "Date of Easter"; its constants are the algorithm's)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def _observed(day: dt.date) -> dt.date:
    """Saturday -> the Friday before, Sunday -> the Monday after."""
    if day.weekday() == _SATURDAY:
        return day - dt.timedelta(days=1)
    if day.weekday() == _SUNDAY:
        return day + dt.timedelta(days=1)
    return day


def nyse_holidays(year: int, *, mlk_day_from: int, juneteenth_from: int) -> set[dt.date]:
    """The NYSE's regular full-day holidays of `year` (weekdays on which it is closed);
    Martin Luther King Jr. Day from `mlk_day_from`, Juneteenth from `juneteenth_from` (the
    catalog's `event-study` record)."""
    days = {
        _nth_weekday(year, 2, _MONDAY, 3),  # Washington's Birthday
        easter(year) - dt.timedelta(days=2),  # Good Friday
        _nth_weekday(year, 5, _MONDAY, -1),  # Memorial Day
        _observed(dt.date(year, 7, 4)),
        _nth_weekday(year, 9, _MONDAY, 1),  # Labor Day
        _nth_weekday(year, 11, _THURSDAY, 4),  # Thanksgiving
        _observed(dt.date(year, 12, 25)),
    }
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() != _SATURDAY:
        days.add(_observed(new_year))
    if year >= mlk_day_from:
        days.add(_nth_weekday(year, 1, _MONDAY, 3))
    if year >= juneteenth_from:
        days.add(_observed(dt.date(year, 6, 19)))
    return days


def nyse_trading_days(
    first: dt.date,
    last: dt.date,
    closures: Iterable[dt.date] = (),
    *,
    mlk_day_from: int,
    juneteenth_from: int,
) -> np.ndarray:
    """The NYSE's trading days from `first` to `last` (both included), as `datetime64[D]`:
    weekdays that are neither a regular holiday (`nyse_holidays`) nor one of the unscheduled
    `closures`."""
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
    shut = set(closures)
    for year in range(first.year, last.year + 1):
        shut |= nyse_holidays(year, mlk_day_from=mlk_day_from, juneteenth_from=juneteenth_from)
    closed = np.isin(days, np.array(sorted(shut), dtype="datetime64[D]"))
    return days[(weekday < _SATURDAY) & ~closed]
