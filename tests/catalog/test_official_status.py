"""`official` means a primary source (a company filing or release, a statute, a paper) states
that exact figure (docs/catalog-provenance.md). What can be checked mechanically is checked here,
on every record of the shipped catalog:

- an official record's note and source use none of the words that mark a figure as derived,
  assumed or second-hand ("usual reading", "assumed", "closest", "unverified", ...);
- a range (`low`, `high`) is a choice unless a source publishes it: an official parameter with a
  range says, field by field, that its ends are official too;
- pre-launch hardware (figures announced, not shipped) is never official;
- a compilation (the country table, from Our World in Data) is never official.
"""

from __future__ import annotations

import re

import pytest

from gigawatt.catalog import Catalog

#: Wording that says a figure is not stated as such by a primary source.
HEDGES = re.compile(
    r"usual reading|assum|closest|unverified|per most sources|hindsight|derived|"
    r"not published|approximat|weak sourc|our estimate|an estimate",
    re.I,
)


def _official(catalog: Catalog):
    for kind, records in catalog.records.items():
        for rid, rec in records.items():
            if rec.id == rid and rec.status == "official":
                yield kind, rec


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return Catalog.load()


def test_official_records_use_no_hedging_words(cat):
    bad = [
        f"{kind}/{rec.id}: {sorted({m.lower() for m in HEDGES.findall(text)})}"
        for kind, rec in _official(cat)
        if HEDGES.search(text := f"{rec.note or ''} {rec.source}")
    ]
    assert bad == []


def test_an_official_range_is_stated_field_by_field(cat):
    bad = [
        f"{kind}/{rec.id}"
        for kind, rec in _official(cat)
        for end in ("low", "high")
        if getattr(rec, end, None) is not None and rec.field_status.get(end) != "official"
    ]
    assert bad == []


def test_prelaunch_hardware_is_never_official(cat):
    """Not the record, and none of its fields: a pre-launch part's memory, like its peaks, is
    announced, not measured on shipped hardware (vera-rubin's 288 GB HBM4 was `official`,
    cited through a secondary summary)."""
    for kind in ("accelerators", "systems"):
        for rec in cat.records[kind].values():
            if rec.prelaunch:
                assert rec.status != "official", rec.id
                official = sorted(f for f, s in rec.field_status.items() if s == "official")
                assert official == [], (rec.id, official)


def test_the_compiled_country_table_is_not_official(cat):
    statuses = {rec.status for rec in cat.records["countries"].values()}
    assert statuses == {"reported"}


@pytest.mark.parametrize(
    ("kind", "rid", "weaker_field"),
    [
        ("frontier-runs", "gpt-3", "accelerator"),  # the closest catalogued part
        ("models", "gpt3-175b", "global_batch_seqs"),  # a reading of "3.2M tokens"
        # a batch in sequences read from a published token batch ("16M", "4M", "2M")
        ("models", "llama3-405b", "global_batch_seqs"),
        ("models", "llama2-7b", "global_batch_seqs"),
        ("models", "llama2-13b", "global_batch_seqs"),
        ("models", "llama2-70b", "global_batch_seqs"),
        ("models", "opt-175b", "global_batch_seqs"),
        ("frontier-runs", "llama-3-1-405b", "accelerators"),  # a reading of "16K" H100
        ("capability", "chinchilla-tokens-per-parameter", "value"),  # rounded from Table 3
        ("costs", "pjm-capacity-usd-per-mw-day", "low"),  # a range of other years' prices
        ("thresholds", "ca-sb53-frontier", "effective"),  # from secondary summaries
        ("deals", "nvidia-openai-equity-2026", "tranches"),  # a sum; terms reported
        # the joint release read through reproductions, like the equity record's AFP reading
        ("deals", "nvidia-openai-loi-2025", "cap_usd"),
        ("deals", "nvidia-openai-loi-2025", "gw"),
    ],
)
def test_audited_records_say_which_field_is_weaker(cat, kind, rid, weaker_field):
    rec = cat.get(kind, rid)
    assert rec.status != "official"
    assert rec.field_status[weaker_field] != "official"


@pytest.mark.parametrize("kind", ["costs", "energy"])
def test_a_range_on_a_cited_money_or_energy_figure_states_its_own_status(cat, kind):
    """A record's status is the weakest of its fields, and a range (`low`, `high`) is this
    project's choice unless a source publishes it: a costs or energy parameter whose status is
    stronger than `estimate` says, field by field, where its ends come from (a project-chosen
    range makes the record an `estimate`, its value keeping its own status)."""
    bad = [
        rec.id
        for rid, rec in cat.records[kind].items()
        if rec.id == rid
        and rec.status != "estimate"
        and (getattr(rec, "low", None) is not None or getattr(rec, "high", None) is not None)
        and not {"low", "high"} <= set(rec.field_status)
    ]
    assert bad == []


@pytest.mark.parametrize("kind", ["costs", "energy", "capability"])
def test_a_distribution_value_is_an_estimate_unless_its_field_says_otherwise(cat, kind):
    """A value given as a distribution (triangular, lognormal, ...) has a shape and a mode or
    median, which a source rarely publishes: chosen by this project over published figures
    (capex-usd-per-gw's triangle over the analysts' 35, 50 and 60B), it makes the record an
    estimate. A record stronger than estimate with such a value says so in
    `field_status['value']`."""
    bad = [
        f"{rec.id} ({rec.status})"
        for rid, rec in cat.records[kind].items()
        if rec.id == rid
        and not isinstance(rec.value, (int, float))
        and rec.status != "estimate"
        and "value" not in rec.field_status
    ]
    assert bad == []


def test_a_midpoint_or_triangle_chosen_over_cited_figures_is_an_estimate(cat):
    """power-usd-per-w's 2.0 is the midpoint of CBRE's USD 1-3M per MW; capex-usd-per-gw's
    triangle is ours over analysts' figures: both values, and so the records, are estimates,
    while the cited ends keep their own status."""
    for rid in ("power-usd-per-w", "capex-usd-per-gw"):
        rec = cat.get("costs", rid)
        assert rec.status == "estimate" and rec.field_status["value"] == "estimate", rid
        assert rec.field_status["low"] == rec.field_status["high"] == "analyst", rid


#: Wording by which a note says one of the record's figures is this project's own.
OURS = re.compile(
    r"ESTIMATE|ASSUMPTION|\bestimated? (?:here|by this project)|"
    r"this project's (?:choice|estimate|reading)",
)


def test_a_note_that_declares_our_estimate_belongs_to_an_estimate(cat):
    """A note that calls one of the record's figures an ESTIMATE, an ASSUMPTION or this
    project's choice or reading makes the record an estimate (its status is the weakest of its
    fields), whatever the other fields' sources: reported and analyst records too, not only
    official ones (`test_official_records_use_no_hedging_words`)."""
    bad = [
        f"{kind}/{rec.id} ({rec.status}): {sorted(set(OURS.findall(rec.note or '')))}"
        for kind, records in cat.records.items()
        for rid, rec in records.items()
        if rec.id == rid and rec.status != "estimate" and OURS.search(rec.note or "")
    ]
    assert bad == []
