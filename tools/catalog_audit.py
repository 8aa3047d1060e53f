"""List catalog records for a provenance audit (docs/catalog-provenance.md).

    python tools/catalog_audit.py [KIND ...]            # default: every kind but countries
    python tools/catalog_audit.py --flagged [KIND ...]  # only the records with a flag

For each record: id, status with its field statuses, as_of, flags, source (and a region's
grid and price sources, a system's price source) and note, so a reader can check each label
against the text it rests on. Flags: RANGE (a low/high pair: a choice unless published),
DIST (a value given as a distribution), PRELAUNCH, CITE (citation_problems finds a problem),
UNDATED (a citation with no year and no pinned commit), SECONDARY (an official record whose
source names a secondary route). The tests in tests/catalog/ enforce the rules; this lists the
evidence.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import KINDS, Record, citation_problems

YEAR = re.compile(r"(?<![\d.])(?:19|20)\d{2}(?!\d|\.\d)")
PINNED = re.compile(r"/(?:blob|tree|commit)/[0-9a-f]{7,40}\b|\bcommit [0-9a-f]{7,40}\b", re.I)
SECONDARY = re.compile(
    r"\bvia\b|as reported by|summari[sz]ed by|as quoted by|reproduced by|republished by|"
    r"press report|press coverage",
    re.I,
)


def citations(rec: Record) -> list[tuple[str, str]]:
    """(name, text) of the record's citations: its source and the nested ones."""
    out = [("source", rec.source)]
    for name in ("grid_source", "power_price_source"):
        text = getattr(rec, name, None)
        if isinstance(text, str):
            out.append((name, text))
    price = getattr(rec, "price", None)
    if isinstance(getattr(price, "source", None), str):
        out.append(("price.source", price.source))
    return out


def flags(rec: Record) -> list[str]:
    out = []
    if getattr(rec, "low", None) is not None or getattr(rec, "high", None) is not None:
        out.append("RANGE")
    value = getattr(rec, "value", None)
    if value is not None and not isinstance(value, int | float):
        out.append("DIST")
    if rec.prelaunch:
        out.append("PRELAUNCH")
    texts = [text for _, text in citations(rec)]
    if any(citation_problems(t) for t in texts):
        out.append("CITE")
    if any(
        not t.lstrip().startswith("Estimate") and not (YEAR.search(t) or PINNED.search(t))
        for t in texts
    ):
        out.append("UNDATED")
    if rec.status == "official" and SECONDARY.search(rec.source):
        out.append("SECONDARY")
    return out


def main(argv: list[str]) -> int:
    only_flagged = "--flagged" in argv
    kinds = [a for a in argv if not a.startswith("--")] or [k for k in KINDS if k != "countries"]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        print(f"unknown kind {', '.join(unknown)}; allowed: {', '.join(KINDS)}", file=sys.stderr)
        return 2
    catalog = Catalog.load()
    for kind in kinds:
        records = catalog.all(kind)
        counts = Counter(rec.status for rec in records)
        print(f"== {kind}: {len(records)} records, {dict(counts)}")
        for rec in records:
            found = flags(rec)
            if only_flagged and not found:
                continue
            print(f"-- {rec.id} [{rec.status_detail()}] as of {rec.as_of} {' '.join(found)}")
            for name, text in citations(rec):
                print(f"   {name}: {text}")
            if rec.note:
                print(f"   note: {rec.note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
