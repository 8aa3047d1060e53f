"""Rules every citation of the shipped catalog keeps, beyond `citation_problems`
(docs/catalog-provenance.md):

- a public citation is dated: it names a year, or pins the version it read (a commit of a
  public repository), so a reader can find the text that was quoted and not a later edit;
- a source that declares itself this project's estimate ("Estimate ...") governs a figure whose
  status is `estimate`: the record's for `source`, the block's for a system's `price`, the
  field's for a region's `power_price_source`;
- an `official` record reads its primary document directly: its source names no secondary
  route ("via", "as reported by", "summarised by", "reproduced by", press coverage);
- a figure read through a republication or modelled by a data company is not official
  (Electricity Maps' grid intensities, read through CO2.js);
- an official figure's citation opens at the figure: a URL with a path, a DOI, an arXiv id or a
  document id, not only a publisher's front page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import _IDENTIFIERS, KINDS, Record, Region

YEAR = re.compile(r"(?<![\d.])(?:19|20)\d{2}(?!\d|\.\d)")
#: A pinned version of a public repository: /blob/<commit>/, /tree/<commit>/ or "commit <hash>".
PINNED = re.compile(r"/(?:blob|tree|commit)/[0-9a-f]{7,40}\b|\bcommit [0-9a-f]{7,40}\b", re.I)
#: A source that says the figure is this project's own estimate.
OUR_ESTIMATE = re.compile(r"^\s*Estimate\b")
#: Wording that says the primary document was read through someone else.
SECONDARY = re.compile(
    r"\bvia\b|as reported by|summari[sz]ed by|as quoted by|reproduced by|republished by|"
    r"press report|press coverage",
    re.I,
)


def _citations(rec: Record) -> Iterator[tuple[str, str, str]]:
    """(path, text, status of what it governs) for every citation of a record: `source`,
    a region's `grid_source` and `power_price_source`, and nested blocks (a system's `price`,
    an event's `moves`) with their own `source` and `status`."""
    fields = rec.field_statuses()
    yield "source", rec.source, rec.status
    if isinstance(rec, Region):
        yield "grid_source", rec.grid_source, fields.get("grid_gco2_per_kwh", rec.status)
        yield (
            "power_price_source",
            rec.power_price_source,
            fields.get("power_price_usd_per_mwh", rec.status),
        )
    for name in type(rec).model_fields:
        value = getattr(rec, name)
        blocks = value if isinstance(value, tuple | list) else (value,)
        for i, block in enumerate(blocks):
            if isinstance(block, BaseModel) and isinstance(getattr(block, "source", None), str):
                status = getattr(block, "status", None) or fields.get(name, rec.status)
                yield f"{name}[{i}].source", block.source, status


def _all(catalog: Catalog) -> Iterator[tuple[str, Record]]:
    for kind in KINDS:
        for rec in catalog.all(kind):
            yield kind, rec


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return Catalog.load()


def test_every_public_citation_is_dated(cat) -> None:
    """A year or a pinned commit in every citation that is not our own estimate (whose date is
    the record's `as_of`)."""
    bad = sorted(
        {
            f"{kind}/{rec.id}.{path}: {text[:80]!r}"
            for kind, rec in _all(cat)
            for path, text, _ in _citations(rec)
            if not OUR_ESTIMATE.search(text) and not (YEAR.search(text) or PINNED.search(text))
        }
    )
    assert bad == [], f"{len(bad)} citations name no year or pinned version:\n" + "\n".join(bad)


def test_a_source_declaring_our_estimate_governs_an_estimate(cat) -> None:
    bad = [
        f"{kind}/{rec.id}.{path} is {status}: {text[:60]!r}"
        for kind, rec in _all(cat)
        for path, text, status in _citations(rec)
        if OUR_ESTIMATE.search(text) and status != "estimate"
    ]
    assert bad == []


def test_official_records_read_their_primary_document_directly(cat) -> None:
    bad = [
        f"{kind}/{rec.id}: {sorted({m.lower() for m in SECONDARY.findall(rec.source)})}"
        for kind, rec in _all(cat)
        if rec.status == "official" and SECONDARY.search(rec.source)
    ]
    assert bad == []


def test_grid_figures_read_through_a_republication_are_not_official(cat) -> None:
    """All 43 regions' grid intensity and carbon-free share are Electricity Maps' modelled
    yearly averages read through CO2.js: analyst at best, never official."""
    for rec in cat.all("regions"):
        assert isinstance(rec, Region)
        if SECONDARY.search(rec.grid_source):
            for field in ("grid_gco2_per_kwh", "carbon_free_share"):
                assert rec.field_status.get(field, rec.status) != "official", (rec.id, field)


@pytest.mark.parametrize(
    ("text", "dated"),
    [
        ('DeepSeek-AI, "DeepSeek-V3 Technical Report", Dec 2024, arXiv 2412.19437', True),
        ("Megatron-LM defaults (commit d98e8a6), https://github.com/NVIDIA/Megatron-LM", True),
        ("X, https://github.com/a/b/blob/067f987df03b8355b03192d88d70f1709fedf51a/README.md", True),
        ('DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv 2412.19437', False),
        ("AMD Instinct MI300X product page, https://www.amd.com/en/products/mi300x.html", False),
        ("Jiang et al., MegaScale, NSDI '24, arXiv:2402.15627", False),
        ("Brown et al., arXiv 2005.14165 (an arXiv id is not a year)", False),
    ],
)
def test_the_dating_rule(text, dated) -> None:
    assert bool(YEAR.search(text) or PINNED.search(text)) is dated


#: A URL with a path: a page, not a site's front page.
DEEP_URL = re.compile(r"\bhttps?://[^\s/,;)\]]+/[^\s,;)\]]*[\w-]", re.I)


def _source_statuses(rec: Record) -> set[str]:
    """The statuses of the figures a record's own `source` governs: the record's, and each
    field's own (`field_status`) unless another citation of the record governs that field (a
    region's grid and power-price sources, a nested block with its own source)."""
    elsewhere: set[str] = set()
    if isinstance(rec, Region):
        elsewhere |= {"grid_gco2_per_kwh", "carbon_free_share", "power_price_usd_per_mwh"}
    for name in type(rec).model_fields:
        value = getattr(rec, name)
        blocks = value if isinstance(value, tuple | list) else (value,)
        if any(isinstance(getattr(b, "source", None), str) for b in blocks):
            elsewhere.add(name)
    fields = rec.field_statuses()
    return {rec.status} | {status for name, status in fields.items() if name not in elsewhere}


def _governs_official(rec: Record, path: str, status: str) -> bool:
    return status == "official" or (path == "source" and "official" in _source_statuses(rec))


def test_an_official_figure_cites_a_page_not_a_site(cat) -> None:
    """A citation that governs an official figure has a locator a reader can open at the figure:
    a URL with a path, a DOI, an arXiv id or a registered document id, not only a publisher's
    front page (regions/fr's SDES price cited https://www.statistiques.developpement-durable
    .gouv.fr before it named the publication's page). A record's `source` governs an official
    figure when the record is official or one of its fields is (`field_status`): costs/
    pjm-capacity-usd-per-mw-day, an estimate record whose value is PJM's clearing price, cited
    only https://www.pjm.com before it named PJM's auction report and news release."""
    bad = [
        f"{kind}/{rec.id}.{path}: {text[:80]!r}"
        for kind, rec in _all(cat)
        for path, text, status in _citations(rec)
        if _governs_official(rec, path, status)
        and not DEEP_URL.search(text)
        and not any(p.search(text) for p in _IDENTIFIERS.values())
    ]
    assert bad == []


def test_a_field_official_figure_is_covered_by_the_page_rule(cat) -> None:
    """The rule above reaches an official field of a weaker record: the PJM 2026/27 clearing
    price is official inside an estimate record (its range is this project's), and a front page
    alone in its source would fail the rule."""
    rec = cat.get("costs", "pjm-capacity-usd-per-mw-day")
    assert rec.status != "official" and rec.field_statuses()["value"] == "official"
    assert _governs_official(rec, "source", rec.status)
    assert DEEP_URL.search(rec.source)
    assert not DEEP_URL.search("PJM Interconnection, auction results, 2025, https://www.pjm.com")
