"""`gigawatt market` end to end: the listing of reported moves, the study on a price file in
each accepted layout, and one clear line with exit code 2 for each kind of bad file."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from price_cases import BETA, EVENT_DAY, INJECTED, synthetic_prices

from cli_cases import cli
from gigawatt import app as api

EVENT = "nvidia-openai-2025-09-22"


@pytest.fixture(scope="module")
def wide() -> pd.DataFrame:
    return synthetic_prices()


def _write(tmp_path, frame: pd.DataFrame, name: str = "prices.csv") -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def test_listing_without_prices_shows_the_reported_moves(capsys):
    code, out, err = cli(capsys, "market", "nvidia-openai-10gw", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"] == "nvidia-openai-10gw"
    first = data["events"][0]
    assert first["id"] == EVENT and first["study"] is None
    nvda = next(m for m in first["moves"] if m["ticker"] == "NVDA")
    assert nvda["change_fraction"] == pytest.approx(0.0397)
    assert nvda["status"] == "reported" and "livemint.com" in nvda["source"]
    assert nvda["computed_fraction"] is None  # no prices, nothing computed
    # the listing says its moves are raw, and says nothing of a study it did not run
    assert data["caveats"] and data["caveats"][0].startswith("Moves as the press reported")
    assert not any("event study" in c for c in data["caveats"])
    code, out, err = cli(capsys, "market", "amd-openai-6gw")
    assert code == 0, err
    # the move at the precision it was reported to (AP: 23.7 %), not "23.70", which would
    # contradict the 23.71 % close-to-close move the catalog's price record gives
    assert "amd-openai-2025-10-06" in out and " 23.7 " in out and "23.70" not in out
    assert "raw returns, not abnormal returns" in " ".join(out.split())


def test_the_whole_catalog_is_listed_without_a_scenario(capsys):
    code, out, err = cli(capsys, "market", "--json")
    assert code == 0, err
    ids = [e["id"] for e in json.loads(out)["events"]]
    assert {EVENT, "amd-openai-2025-10-06", "broadcom-openai-2025-10-13"} <= set(ids)
    assert "oracle-openai-2025-09-10" in ids


def test_study_on_a_wide_file_recovers_beta_and_the_injected_return(capsys, tmp_path, wide):
    path = _write(tmp_path, wide)
    args = ["market", "--event", EVENT, "--prices", path, "--ticker", "NVDA", "--ticker", "AMD"]
    code, out0, err = cli(capsys, *args, "--json")
    assert code == 0, err
    study = json.loads(out0)["events"][0]["study"]
    assert study["event_day_used"] == EVENT_DAY.isoformat() and study["rule"] is None
    for t in study["tickers"]:
        fit = t["fit"]
        assert abs(fit["beta"] - BETA[t["ticker"]]) < 2 * fit["beta_se"]
        day0 = next(c for c in t["cars"] if c["window"] == [0, 0])
        assert abs(day0["car"] - INJECTED[t["ticker"]]) < 2 * day0["se"]
        assert [d["day"] for d in t["days"]] == list(range(-5, 6))
        assert next(d for d in t["days"] if d["day"] == 0)["date"] == EVENT_DAY.isoformat()
    # the reported close-to-close move beside the same day's return in the prices given
    event = json.loads(out0)["events"][0]
    nvda_move = next(m for m in event["moves"] if m["ticker"] == "NVDA")
    nvda_day0 = next(
        d for t in study["tickers"] if t["ticker"] == "NVDA" for d in t["days"] if d["day"] == 0
    )
    assert nvda_move["day"] == nvda_day0["date"]
    assert nvda_move["computed_fraction"] == pytest.approx(nvda_day0["return"])
    index_move = next(m for m in event["moves"] if m["ticker"] == "^GSPC")
    assert index_move["computed_fraction"] is None  # the index is not a studied ticker
    # with a study, what it cannot say: other news, the deal's value, event-induced variance
    caveat = json.loads(out0)["caveats"][-1]
    assert "cannot tell this announcement from other news" in caveat and "Boehmer" in caveat
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    assert "cumulative abnormal returns" in out and "[-1, +1]" in out
    assert "first reaction, not the deal's value" in " ".join(out.split())
    assert "NVDA on 2025-09-22: reported 3.97 %" in out and "from the prices given" in out
    # the event's note (timing, confounding news) is printed with its study
    note = json.loads(out0)["events"][0]["note"]
    assert note and f"event note: {' '.join(note.split())}" in " ".join(out.split())


def _study(frame_or_files, **fields):
    prices = frame_or_files if isinstance(frame_or_files, pd.DataFrame) else tuple(frame_or_files)
    rep = api.market(event=EVENT, prices=prices, tickers=("NVDA",), **fields)
    return rep.events[0].study.tickers[0].study


def test_layouts_give_the_same_study(tmp_path, wide):
    base = _study(wide)
    long = wide.melt(id_vars="Date", var_name="ticker", value_name="adj_close")
    long = long.rename(columns={"Date": "date"})
    from_long = _study([_write(tmp_path, long, "long.csv")])
    files = []
    for ticker in ("NVDA", "^GSPC"):
        yahoo = pd.DataFrame(
            {
                "Date": wide["Date"],
                "Open": wide[ticker],
                "High": wide[ticker],
                "Low": wide[ticker],
                "Close": wide[ticker] * 1.01,  # unadjusted: must not be used
                "Adj Close": wide[ticker],
                "Volume": 1000,
            }
        )
        name = f"{ticker.strip('^')}.csv"
        files.append(f"{ticker}={_write(tmp_path, yahoo, name)}")
    from_yahoo = _study(files)
    indexed = wide.set_index(pd.DatetimeIndex(wide["Date"])).drop(columns="Date")
    from_index = _study(indexed)
    # yfinance: a DataFrame with (field, ticker) columns, and the CSV it writes from one
    multi = pd.concat({"Close": indexed * 1.01, "Adj Close": indexed}, axis=1)
    from_multi = _study(multi)
    csv = tmp_path / "yfinance.csv"
    multi.rename_axis(columns=["Price", "Ticker"], index="Date").to_csv(csv)
    assert csv.read_text().splitlines()[1].startswith("Ticker,")
    from_yf_csv = _study([str(csv)])
    for other in (from_long, from_yahoo, from_index, from_multi, from_yf_csv):
        assert other.fit.beta == pytest.approx(base.fit.beta, rel=1e-9)
        assert other.car(0, 0).car == pytest.approx(base.car(0, 0).car, rel=1e-9)


def test_constant_mean_log_returns_and_custom_windows(wide):
    res = _study(wide, model="constant-mean", returns="log", windows=["0", "-2,2"])
    assert res.fit.beta is None
    assert [(c.start_day, c.end_day) for c in res.cars] == [(0, 0), (-2, 2)]
    assert res.car(0, 0).car > 0


def test_a_weekend_event_day_moves_to_the_next_trading_day(capsys, tmp_path, wide):
    path = _write(tmp_path, wide)
    saturday = (EVENT_DAY - dt.timedelta(days=2)).isoformat()
    code, out, err = cli(
        capsys, "market", "--date", saturday, "--ticker", "NVDA", "--prices", path, "--json"
    )
    assert code == 0, err
    study = json.loads(out)["events"][0]["study"]
    assert study["event_day_used"] == EVENT_DAY.isoformat()
    assert "next trading day" in study["rule"]


def _bad_cases(wide: pd.DataFrame):
    gap = wide.copy()
    gap.loc[gap.index[200], "NVDA"] = np.nan
    extra = wide.copy()
    extra.loc[extra.index[150], "^GSPC"] = np.nan
    hole = wide.drop(index=range(100, 112))  # 12 trading days missing from every column
    negative = wide.copy()
    negative.loc[negative.index[50], "NVDA"] = -3.0
    baddate = wide.copy().astype({"Date": str})
    baddate.loc[baddate.index[10], "Date"] = "2025-13-45"
    text = wide.copy().astype({"NVDA": object})
    text.loc[text.index[20], "NVDA"] = "n.a.x"
    short = wide.iloc[150:]
    return {
        "gap": (gap, [], "NVDA has no price on 1 trading day"),
        "extra": (extra, [], "NVDA has prices on 1 day(s) the index ^GSPC has not"),
        "hole": (hole, [], "gap in the index ^GSPC's prices"),
        "negative": (negative, [], "non-positive price -3"),
        "date": (baddate, [], "'2025-13-45' does not parse"),
        "text": (text, [], "'n.a.x' is not a price"),
        "index": (wide.drop(columns="^GSPC"), [], "--index: no prices for the index '^GSPC'"),
        "short": (short, [], "estimation window too short"),
        "not-trading": (wide, ["--date", "2030-01-05"], "outside the index ^GSPC's prices"),
        "ticker": (wide, ["--ticker", "MSFT"], "no prices for 'MSFT'"),
        "windows": (wide, ["--window", "3,1"], "--window: [3, 1] is not allowed"),
        "overlap": (wide, ["--estimation", "-100,0"], "--estimation: [-100, 0] overlaps"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "gap",
        "extra",
        "hole",
        "negative",
        "date",
        "text",
        "index",
        "short",
        "not-trading",
        "ticker",
        "windows",
        "overlap",
    ],
)
def test_bad_price_files_exit_2_with_one_line(capsys, tmp_path, wide, case):
    frame, extra_args, expected = _bad_cases(wide)[case]
    path = _write(tmp_path, frame)
    args = ["market", "--prices", path]
    if "--date" not in extra_args:
        args += ["--event", EVENT]
    if "--ticker" not in extra_args and "--date" in extra_args:
        args += ["--ticker", "NVDA"]
    code, out, err = cli(capsys, *args, *extra_args)
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expected in lines[0], lines[0]


def test_too_short_says_present_and_needed(capsys, tmp_path, wide):
    path = _write(tmp_path, wide.iloc[150:])
    code, _, err = cli(capsys, "market", "--event", EVENT, "--prices", path)
    assert code == 2
    assert "need 240 trading days of returns" in err and "give 139" in err, err


def test_unknown_event_names_the_closest(capsys):
    code, out, err = cli(capsys, "market", "--event", "amd-openai-2025-10-07")
    assert code == 2 and out == ""
    assert "--event" in err and "amd-openai-2025-10-06" in err


def test_dates_with_times_offsets_or_us_order_give_the_same_days():
    from gigawatt.markets.prices import prices_from_frame

    days = ["2025-09-19", "2025-09-22", "2025-11-03"]
    forms = [
        days,
        ["2025-09-19 00:00:00-04:00", "2025-09-22 00:00:00-04:00", "2025-11-03 00:00:00-05:00"],
        ["09/19/2025", "09/22/2025", "11/03/2025"],
    ]
    for form in forms:
        table = prices_from_frame(pd.DataFrame({"Date": form, "NVDA": ["$1,001.5", "2", "3"]}))
        assert [str(d) for d in table.dates] == days
        assert table.prices["NVDA"][0] == 1001.5
    tz = pd.DatetimeIndex(days).tz_localize("America/New_York")
    table = prices_from_frame(pd.DataFrame({"NVDA": [1.0, 2.0, 3.0]}, index=tz))
    assert [str(d) for d in table.dates] == days


def test_prices_without_an_event_ask_for_one(capsys, tmp_path, wide):
    code, out, err = cli(capsys, "market", "--prices", _write(tmp_path, wide))
    assert code == 2 and out == ""
    assert err.startswith("error: --event: prices given but no event to study"), err


def test_a_scenario_with_events_outside_the_prices_names_the_event(capsys, tmp_path, wide):
    code, out, err = cli(capsys, "market", "nvidia-openai-10gw", "--prices", _write(tmp_path, wide))
    assert code == 2 and out == ""
    assert "nvidia-openai-stalled-2026-01-30" in err and "pick one event" in err
    assert len(err.strip().splitlines()) == 1


def test_publisher_is_cut_between_words():
    """A long publisher is shortened at a word boundary, never mid-word."""
    from gigawatt.cli.markets import _short_source

    text = "The Associated Press closing market report, 6 Oct 2025"
    assert _short_source(text) == "The Associated Press..."
    assert _short_source("Livemint, a title") == "Livemint"
    assert len(_short_source("x" * 40)) == 30
