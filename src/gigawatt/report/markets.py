"""The report's "Market reaction" section: the announcement events of the scenario's deals with
the share moves the press reported (catalog `market-events`), shown without any price data.

The moves are raw returns as reported, not abnormal returns; `gigawatt market --prices FILE`
runs the event study (docs/models/markets.md)."""

from __future__ import annotations

from gigawatt.display import fmt_reported_pct
from gigawatt.markets.events import events_for_deals
from gigawatt.report.base import ReportContext, Section, Table


def market_section(ctx: ReportContext) -> Section | None:
    """None when the deals stage did not run or no catalog event concerns the scenario's
    deals."""
    results = ctx.results
    if results.finance is None:
        return None
    events = events_for_deals(ctx.catalog, [d.id for d in results.scenario.deals])
    if not events:
        return None
    rows = []
    for ev in events:
        if not ev.moves:
            found = ("", "", "", "none found")
            rows.append(
                (ev.label, ev.event_day.isoformat(), ", ".join(ev.tickers), *found, ev.note or "")
            )
        for m in ev.moves:
            rows.append(
                (
                    ev.label,
                    m.day.isoformat(),
                    m.ticker,
                    fmt_reported_pct(m.change_fraction),
                    m.basis,
                    m.status,
                    m.source,
                    m.note or ev.note or "",
                )
            )
    table = Table(
        "Announcements and the moves reported",
        ("Event", "Day", "Ticker", "Move [%]", "Basis", "Status", "Source", "Note"),
        tuple(rows),
        (False, False, False, True, False, False, False, False),
    )
    return Section(
        id="market",
        title="Market reaction",
        paragraphs=(
            "How the shares moved on the announcements of this scenario's deals, as the press "
            "reported them (close to close unless the basis says otherwise), each with its own "
            "citation. These are raw returns: the market moved too (the index rows), and "
            "several days carry other news (see the notes). The abnormal returns, their CARs "
            "and t-statistics by the market model (MacKinlay 1997) need daily prices: "
            "`gigawatt market SCENARIO --prices FILE`.",
        ),
        tables=(table,),
    )
