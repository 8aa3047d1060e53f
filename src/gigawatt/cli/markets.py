"""`gigawatt market`: announcement events, the moves reported, and the event study on prices."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from gigawatt.cli.common import JsonOpt, _catalog, api, app, bold_name, console, emit_json
from gigawatt.display import fmt_number, fmt_reported_pct

PCT = 0.01


def _pct(value: float | None, digits: int = 2) -> str:
    return fmt_number(value, digits, PCT)


def _short_source(text: str) -> str:
    """The publisher: a source's text up to its first comma or bracket, cut between words
    (`The Associated Press...`, not `The Associated Press closin...`)."""
    head = text.replace("(", ",").split(",")[0].strip()
    if len(head) <= 30:
        return head
    cut = head[:27].rsplit(" ", 1)[0] if " " in head[:27] else head[:27]
    return cut.rstrip() + "..."


@app.command()
def market(
    ctx: typer.Context,
    scenario: Annotated[
        str | None,
        typer.Argument(
            metavar="SCENARIO",
            help="Scenario whose deals' announcement events to show (a file or a built-in "
            "name); none: every event in the catalog.",
        ),
    ] = None,
    prices: Annotated[
        list[str] | None,
        typer.Option(
            "--prices",
            metavar="<str>",
            help="CSV of daily adjusted closes: wide (Date,NVDA,^GSPC), long "
            "(date,ticker,adj_close) or one ticker per file as TICKER=FILE (Yahoo-style "
            "Date,Open,High,Low,Close,Adj Close,Volume). Repeatable.",
        ),
    ] = None,
    index: Annotated[
        str | None, typer.Option("--index", help="Index ticker (default ^GSPC).")
    ] = None,
    event: Annotated[
        str | None, typer.Option("--event", help="One event id (see the listing).")
    ] = None,
    event_date: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="<YYYY-MM-DD>",
            help="Day 0 of an event not in the catalog (with --ticker).",
        ),
    ] = None,
    tickers: Annotated[
        list[str] | None,
        typer.Option(
            "--ticker", metavar="<str>", help="Ticker to study (default: the event's). Repeatable."
        ),
    ] = None,
    windows: Annotated[
        list[str] | None,
        typer.Option(
            "--window",
            metavar="<str>",
            help="CAR window FIRST,LAST in trading days around day 0, e.g. -1,1. Repeatable; "
            "default 0, -1,1 and -5,5.",
        ),
    ] = None,
    estimation_window: Annotated[
        str | None,
        typer.Option(
            "--estimation", help="Estimation window FIRST,LAST in trading days (default -250,-11)."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Normal-return model: market (default) or constant-mean."),
    ] = None,
    returns: Annotated[
        str | None, typer.Option("--returns", help="Daily returns: simple (default) or log.")
    ] = None,
    calendar: Annotated[
        str | None,
        typer.Option(
            "--calendar",
            help="Trading calendar: nyse (default; an NYSE trading day missing from the index's "
            "prices is an error) or index (the index's own dates, for a non-US index).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Announcement events with the share moves the press reported; with --prices, abnormal
    returns, CARs and t-statistics (market model, MacKinlay 1997)."""
    fields: dict[str, Any] = {
        "scenario": scenario,
        "event": event,
        "event_date": event_date,
        "tickers": tuple(tickers or ()),
        "prices": tuple(prices or ()),
        "index": index,
        "estimation_window": estimation_window,
        "windows": windows or None,
        "model": model,
        "returns": returns,
        "calendar": calendar,
    }
    from gigawatt.markets.command import MarketRequest  # deferred: `--help` stays fast

    report = api.market(MarketRequest(**fields), catalog=_catalog(ctx)).to_json()
    if as_json:
        emit_json(report)
        return
    _print_events(report)
    for ev in report["events"]:
        if ev["study"] is not None:
            _print_study(ev)
    for caveat in report["caveats"]:
        console.print(f"Note: {caveat}")


def _print_events(report: dict[str, Any]) -> None:
    where = report["scenario"] or "the catalog"
    if not report["events"]:
        console.print(f"No announcement events for {where}.")
        return
    table = Table(title=f"Reported share moves: {where}", title_justify="left")
    # Event ids end with day 0 (`amd-openai-2025-10-06`).
    for col in ("Event", "Ticker", "Move %", "Status", "Source"):
        table.add_column(
            col,
            justify="right" if col == "Move %" else "left",
            no_wrap=col != "Source",
            overflow="fold",
        )
    for ev in report["events"]:
        moves = ev["moves"] or [None]
        for i, m in enumerate(moves):
            first = (ev["id"] or f"(day 0 {ev['event_day']})",) if i == 0 else ("",)
            if m is None:
                table.add_row(*first, ", ".join(ev["tickers"]), "", "", "none found")
                continue
            source = _short_source(m["source"])
            if m["basis"] != "close":
                source = f"{m['basis']}; {source}"
            if m["day"] != ev["event_day"]:
                source = f"on {m['day']}; {source}"
            move = fmt_reported_pct(m["change_fraction"])
            table.add_row(*first, m["ticker"], move, m["status"], source)
    console.print(table)


def _print_study(ev: dict[str, Any]) -> None:
    st = ev["study"]
    name = ev["id"] or ev["event_day"]
    console.print(
        bold_name(
            name,
            f"day 0 {st['event_day_used']}, {st['model']} model on "
            f"{st['index']}, {st['returns']} returns, estimation days "
            f"{st['estimation_window'][0]} to {st['estimation_window'][1]}",
        )
    )
    if st["rule"]:
        console.print(f"  note: {st['rule']}")
    if ev["note"]:  # the event's timing and confounding news, which a CAR cannot separate
        console.print(f"  event note: {ev['note']}")
    for m in ev["moves"]:
        if m["computed_fraction"] is not None:
            console.print(
                f"  {m['ticker']} on {m['day']}: reported "
                f"{fmt_reported_pct(m['change_fraction'])} %, "
                f"{_pct(m['computed_fraction'])} % from the prices given"
            )
    for t in st["tickers"]:
        fit = t["fit"]
        beta = "" if fit["beta"] is None else f", beta {fit['beta']:.2f} (se {fit['beta_se']:.2f})"
        console.print(
            f"{t['ticker']}: alpha {_pct(fit['alpha'], 3)} %/day{beta}, residual sd "
            f"{_pct(fit['sigma'])} %/day, {fit['estimation_days']} estimation days"
        )
        table = Table(title=f"{t['ticker']}: cumulative abnormal returns", title_justify="left")
        for col in ("Window", "CAR %", "se %", "t"):
            table.add_column(col, justify="left" if col == "Window" else "right")
        for c in t["cars"]:
            a, b = c["window"]
            label = (f"[{a:+d}]" if a else "[0]") if a == b else f"[{a:+d}, {b:+d}]"
            table.add_row(label, _pct(c["car"]), _pct(c["se"]), fmt_number(c["t_stat"], 2))
        console.print(table)
        days = Table(title=f"{t['ticker']}: daily abnormal returns", title_justify="left")
        for col in ("Day", "Date", "Return %", "AR %", "t"):
            days.add_column(col, justify="right")
        for d in t["days"]:
            days.add_row(
                f"{d['day']:+d}",
                d["date"],
                _pct(d["return"]),
                _pct(d["ar"]),
                fmt_number(d["t_stat"], 2),
            )
        console.print(days)


__all__ = ["market"]
