"""The NYSE calendar (gigawatt.markets.calendar) against the exchange's published holiday
lists, and a price file missing a trading day: an error naming the file and the day, exit 2
(never read as a holiday), unless `--calendar index` says the index's dates are the calendar."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from price_cases import EVENT_DAY, synthetic_prices

from gigawatt import catalog as catalog_module
from gigawatt.catalog import Catalog
from gigawatt.cli import main
from gigawatt.markets import calendar
from gigawatt.markets.calendar import easter, nyse_trading_days

EVENT = "nvidia-openai-2025-09-22"
D = dt.date
METHOD = Catalog.load().get("event-study", "default")
YEARS = {"mlk_day_from": METHOD.mlk_day_from, "juneteenth_from": METHOD.juneteenth_from}


def nyse_holidays(year: int) -> set[dt.date]:
    """The calendar's holidays with the catalog's first holiday years."""
    return calendar.nyse_holidays(year, **YEARS)


def test_2026_holidays_match_the_nyse_list():
    """NYSE, "Holidays and Trading Hours", 2026 column (Independence Day on a Saturday is
    observed Friday 3 July)."""
    assert sorted(nyse_holidays(2026)) == [
        D(2026, 1, 1), D(2026, 1, 19), D(2026, 2, 16), D(2026, 4, 3), D(2026, 5, 25),
        D(2026, 6, 19), D(2026, 7, 3), D(2026, 9, 7), D(2026, 11, 26), D(2026, 12, 25),
    ]  # fmt: skip


def test_new_year_on_a_saturday_closes_nothing_and_juneteenth_starts_in_2022():
    assert D(2021, 12, 31) not in nyse_holidays(2021)  # NYSE traded on Fri 31 Dec 2021
    assert D(2021, 12, 31) not in nyse_holidays(2022)
    assert D(2022, 6, 20) in nyse_holidays(2022)  # 19 June 2022 was a Sunday
    assert not any(d.month == 6 and d.day >= 18 for d in nyse_holidays(2021))


@pytest.mark.parametrize(("year", "days"), [(2023, 250), (2024, 252), (2025, 250)])
def test_trading_days_per_year(year, days):
    """NYSE sessions per year (2025 counts the closure of 9 Jan 2025 for President Carter)."""
    days_open = nyse_trading_days(D(year, 1, 1), D(year, 12, 31), METHOD.closures, **YEARS)
    assert days_open.size == days


def test_the_first_holiday_years_come_from_the_catalog(tmp_path):
    """MLK Day closes the NYSE from 1998 (not on 20 Jan 1997), Juneteenth from 2022, as the
    `event-study` record states; a catalog folder that says otherwise moves them."""
    assert (METHOD.mlk_day_from, METHOD.juneteenth_from) == (1998, 2022)
    assert D(1997, 1, 20) not in nyse_holidays(1997)
    assert D(1998, 1, 19) in nyse_holidays(1998)
    text = (Path(catalog_module.PACKAGE_DIR) / "event-study.yaml").read_text(encoding="utf-8")
    (tmp_path / "event-study.yaml").write_text(
        text.replace("mlk_day_from: 1998", "mlk_day_from: 1999"), encoding="utf-8"
    )
    moved = Catalog.load([tmp_path]).get("event-study", "default")
    assert moved.mlk_day_from == 1999
    holidays = calendar.nyse_holidays(
        1998, mlk_day_from=moved.mlk_day_from, juneteenth_from=moved.juneteenth_from
    )
    assert D(1998, 1, 19) not in holidays


def test_easter_dates():
    assert [easter(y) for y in (2024, 2025, 2026)] == [
        D(2024, 3, 31),
        D(2025, 4, 20),
        D(2026, 4, 5),
    ]


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def _missing_tuesday(tmp_path) -> tuple[str, str]:
    """The synthetic file (business days) with one ordinary Tuesday removed from every column."""
    frame = synthetic_prices()
    dates = pd.to_datetime(frame["Date"])
    tuesday = dates[(dates.dt.day_of_week == 1) & (dates.dt.date < EVENT_DAY)].iloc[-20]
    assert tuesday.date() not in nyse_holidays(tuesday.year)
    path = tmp_path / "prices.csv"
    frame[dates != tuesday].to_csv(path, index=False)
    return str(path), tuesday.date().isoformat()


def test_a_missing_trading_day_is_an_error_naming_file_and_day(capsys, tmp_path):
    path, day = _missing_tuesday(tmp_path)
    code, out, err = _cli(capsys, "market", "--event", EVENT, "--prices", path)
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "prices.csv" in lines[0] and day in lines[0] and "allowed:" in lines[0]
    assert "--calendar index" in lines[0]


def test_the_index_calendar_option_takes_the_files_dates(capsys, tmp_path):
    path, _ = _missing_tuesday(tmp_path)
    code, out, err = _cli(
        capsys, "market", "--event", EVENT, "--prices", path, "--calendar", "index", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["events"][0]["study"]["calendar"] == "index"


def test_an_unknown_calendar_is_refused(capsys, tmp_path):
    path, _ = _missing_tuesday(tmp_path)
    code, out, err = _cli(capsys, "market", "--event", EVENT, "--prices", path, "--calendar", "lse")
    assert code == 2 and out == ""
    assert "calendar" in err
