"""The report's last section: every catalog record the run relied on, with its source and
status, so that each figure can be traced to a citation."""

from __future__ import annotations

from collections import Counter

from gigawatt.catalog.schema import KINDS, Record
from gigawatt.report.base import ReportContext, Section, Table

WHOLE_KIND = "*"  # Catalog.used marks a kind read as a whole list with this id
STATUSES = ("official", "reported", "analyst", "estimate")


def used_records(ctx: ReportContext) -> list[tuple[str, Record]]:
    """(kind, record) for each record looked up by id, in catalog kind order, plus the
    countries the energy comparison names (it scans the whole country list)."""
    used = {kind: set(ids) for kind, ids in (ctx.catalog.used or {}).items()}
    named = {y.get("country_equivalent") for y in ctx.results.years()} - {None}
    for rec in ctx.catalog.records.get("countries", {}).values():
        if rec.label in named:
            used.setdefault("countries", set()).add(rec.id)
    out = []
    for kind in KINDS:
        table = ctx.catalog.records.get(kind, {})
        out += [(kind, table[i]) for i in sorted(used.get(kind, ())) if i in table]
    return out


def _status(kind: str, rec: Record, ctx: ReportContext) -> str:
    status = rec.status_detail() + (", announced figures" if rec.prelaunch else "")
    if kind == "costs" and rec.id in ctx.results.scenario.costs:
        status += "; set by the scenario instead"
    return status


def _note(rec: Record) -> str:
    """The record's note; a system's price carries its own source, date and status."""
    note = rec.note or ""
    price = getattr(rec, "price", None)
    if price is not None:
        cited = (
            f"Price USD {price.usd_point:,.0f} per {price.per} ({price.status}, "
            f"{price.as_of.isoformat()}): {price.source}"
        )
        note = f"{note} {cited}".strip()
    return note


def sources_section(ctx: ReportContext) -> Section:
    if ctx.catalog.used is None:
        return Section(
            id="sources",
            title="Catalog records used",
            paragraphs=(
                "This run's catalog lookups were not recorded (pass `Catalog.recording()` to "
                "`simulate` to list them); `gigawatt catalog` lists every record with its source.",
            ),
        )
    records = used_records(ctx)
    counts = Counter(rec.status for _, rec in records)
    by_status = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    whole = [
        f"{kind}: the whole list ({len(ctx.catalog.records.get(kind, {}))} records) was read"
        for kind in KINDS
        if WHOLE_KIND in (ctx.catalog.used or {}).get(kind, ())
    ]
    table = Table(
        "Records",
        ("Kind", "Id", "Name", "Status", "As of", "Source", "Note"),
        tuple(
            (
                kind,
                rec.id,
                rec.name or "",
                _status(kind, rec, ctx),
                rec.as_of.isoformat(),
                rec.source,
                _note(rec),
            )
            for kind, rec in records
        ),
    )
    return Section(
        id="sources",
        title="Catalog records used",
        paragraphs=(
            f"The run looked up {len(records)} catalog records ({by_status}). Status is "
            "provenance: official (the maker or a primary document), reported (the press), "
            "analyst (an analyst's estimate), estimate (this project's own assumption). "
            "`gigawatt catalog KIND` prints any of them; a scenario overrides them by id.",
            "Shipped public data (grid intensities: Electricity Maps, ODbL, and Ember, "
            "CC BY-SA 4.0, via CO2.js; country generation: Our World in Data, CC BY 4.0, via "
            "CodeCarbon) carries its licences in src/gigawatt/catalog/data/README.md.",
        ),
        bullets=tuple(whole),
        bullets_title="Kinds read as a whole list" if whole else "",
        tables=(table,),
    )
