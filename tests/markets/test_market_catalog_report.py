"""The announcement events of the catalog: cited moves, statuses no stronger than their
figures, deals that exist; and the report's "Market reaction" section built from them."""

from __future__ import annotations

import pytest

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import citation_problems, status_rank
from gigawatt.markets.events import all_events, events_for_deals
from gigawatt.report import build_report
from gigawatt.scenario import load_scenario
from gigawatt.simulate import simulate

#: The moves the issue names, as the press reported them (fractions).
REPORTED = {
    ("nvidia-openai-2025-09-22", "NVDA"): 0.0397,
    ("amd-openai-2025-10-06", "AMD"): 0.237,
    ("broadcom-openai-2025-10-13", "AVGO"): 0.099,
    ("oracle-openai-2025-09-10", "ORCL"): 0.36,
}


def test_every_event_and_move_has_a_public_citation(catalog):
    bad = []
    for ev in all_events(catalog):
        texts = [("source", ev.source)] + [(f"moves.{m.ticker}", m.source) for m in ev.moves]
        for where, text in texts:
            bad += [f"{ev.id}.{where}: {p}" for p in citation_problems(text)]
    assert not bad, "\n".join(bad)


def test_statuses_deals_and_days(catalog):
    for ev in all_events(catalog):
        for m in ev.moves:
            # a record is as strong as its weakest figure
            assert status_rank(ev.status) >= status_rank(m.status), ev.id
            assert m.day >= ev.event_day, f"{ev.id}: a move before day 0"
        for deal in ev.deals:
            assert catalog.has("deals", deal), f"{ev.id}: unknown deal {deal}"
        assert ev.announced <= ev.event_day
        # a move of nothing found is left out, never entered as null
        assert all(m.change_fraction is not None for m in ev.moves), ev.id


@pytest.mark.parametrize(("key", "move"), list(REPORTED.items()))
def test_the_reported_moves(catalog, key, move):
    ev = catalog.get("market-events", key[0])
    found = [m for m in ev.moves if m.ticker == key[1] and m.day == ev.event_day]
    assert len(found) == 1 and found[0].change_fraction == pytest.approx(move)


def test_an_event_without_a_found_move_says_so(catalog):
    ev = catalog.get("market-events", "nvidia-openai-equity-2026-02-20")
    assert not ev.moves and "No reported day move" in ev.note


def test_a_scenario_lists_the_events_of_its_deals(catalog):
    ids = [e.id for e in events_for_deals(catalog, ["amd-openai-2025"])]
    assert ids == ["amd-openai-2025-10-06"]
    assert events_for_deals(catalog, ["no-such-deal"]) == []


def test_the_report_shows_the_events_with_their_moves():
    cat = Catalog.load().recording()
    scenario = load_scenario("amd-openai-6gw", cat)
    report = build_report(simulate(scenario, cat), cat, inputs=scenario)
    assert report.section_ids.index("market") == report.section_ids.index("money") + 1
    section = next(s for s in report.sections if s.id == "market")
    rows = section.tables[0].rows
    amd = next(r for r in rows if r[2] == "AMD")
    assert amd[1] == "2025-10-06" and amd[3] == "23.7" and "newser" in amd[6].lower()
    assert "Market reaction" in report.html
    # each move at the precision its source gives: no "36.00" for MoneyWeek's "36 %"
    assert {r[2]: r[3] for r in rows} == {"AMD": "23.7", "NVDA": "-1.1", "^GSPC": "0.36"}
    # the events shown are listed among the records used
    assert "amd-openai-2025-10-06" in cat.used["market-events"]


@pytest.mark.parametrize(
    ("fraction", "shown"),
    [
        (0.237, "23.7"),
        (0.0397, "3.97"),
        (0.36, "36"),
        (-0.011, "-1.1"),
        (0.0036, "0.36"),
        (1e-05, "0.001"),
        (None, ""),
    ],
)
def test_a_reported_move_keeps_its_reported_precision(fraction, shown):
    from gigawatt.display import fmt_reported_pct

    assert fmt_reported_pct(fraction) == shown
