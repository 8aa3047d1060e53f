"""The announcement events of the catalog (`market-events.yaml`) and the ones a scenario's deals
concern; their JSON form, shared by `gigawatt market` and the report."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import MarketEvent, MarketMove

KIND = "market-events"


def all_events(catalog: Catalog) -> list[MarketEvent]:
    """Every catalog event, by event day."""
    return sorted(catalog.all(KIND), key=lambda e: (e.event_day, e.id))  # type: ignore[attr-defined, return-value]


def events_for_deals(catalog: Catalog, deal_ids: Iterable[str]) -> list[MarketEvent]:
    """The catalog events that concern any of `deal_ids` (a scenario's deals), by event day.

    Each is looked up by id, so a recording catalog notes the events a report relied on."""
    wanted = {d.lower() for d in deal_ids}
    found = [
        rec.id
        for rec in catalog.records.get(KIND, {}).values()
        if wanted & {d.lower() for d in rec.deals}  # type: ignore[attr-defined]
    ]
    events: list[MarketEvent] = [catalog.get(KIND, i) for i in found]  # type: ignore[misc]
    return sorted(events, key=lambda e: (e.event_day, e.id))


def move_json(move: MarketMove) -> dict[str, Any]:
    return {
        "ticker": move.ticker,
        "company": move.company,
        "day": move.day.isoformat(),
        "change_fraction": move.change_fraction,
        "basis": move.basis,
        "status": move.status,
        "source": move.source,
        "note": move.note,
    }


def event_json(event: MarketEvent) -> dict[str, Any]:
    """An event as `gigawatt market --json` lists it (without a study)."""
    return {
        "id": event.id,
        "name": event.label,
        "announced": event.announced.isoformat(),
        "event_day": event.event_day.isoformat(),
        "deals": list(event.deals),
        "tickers": list(event.tickers),
        "index": event.index,
        "status": event.status,
        "source": event.source,
        "note": event.note,
        "moves": [move_json(m) for m in event.moves],
    }
