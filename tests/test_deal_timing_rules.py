"""Two rules of the money model, checked on the shipped catalog and built-in scenarios
(docs/models/money.md, "When the money moves" and "Valuations").

1. A tranche's valuation is the investee's latest public valuation dated on or before the month
   it is released. Public valuations: the dated equity tranches of the catalog's deals (an
   announced round) and a scenario's `ownership.rounds`.
2. Systems are never paid before their racks ship: the first systems payment of every phase
   falls on or after the month its first racks are delivered (online month minus the delivery
   lead, whole months).
"""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.buildout import build_fleet
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Deal
from gigawatt.distributions import point
from gigawatt.finance import run_finance
from gigawatt.scenario import (
    builtin_scenarios,
    load_scenario,
    month_index,
    parse_scenario,
    read_scenario_data,
)

SCENARIOS = sorted(builtin_scenarios())


def _deals(catalog: Catalog) -> list[Deal]:
    return [catalog.get("deals", rid) for rid in catalog.records.get("deals", {})]


def _catalog_valuations(catalog: Catalog) -> list[tuple[str, int, float]]:
    """(investee, month index, post-money USD) of every dated equity tranche in the catalog."""
    out = []
    for d in _deals(catalog):
        for t in d.tranches:
            inst = t.instrument
            if inst.type == "equity" and t.trigger.date and inst.valuation_usd is not None:
                month = month_index(str(t.trigger.date))
                out.append((d.investee, month, point(inst.valuation_usd)))
    return out


def _latest(valuations: list[tuple[str, int, float]], investee: str, month: int) -> float | None:
    known = [(m, v) for who, m, v in valuations if who == investee and m <= month]
    return max(known)[1] if known else None


def _static_month(deal: Deal, tranche) -> int | None:
    """The month a tranche is released when the catalog fixes it (a date, or the signing)."""
    if tranche.trigger.date:
        return month_index(str(tranche.trigger.date))
    if tranche.trigger.definitive_agreement and deal.signing:
        return month_index(str(deal.signing))
    return None


def test_catalog_tranches_use_the_latest_public_valuation(catalog):
    public = _catalog_valuations(catalog)
    checked = 0
    for d in _deals(catalog):
        for t in d.tranches:
            if t.instrument.type != "equity" or t.instrument.valuation_usd is None:
                continue
            month = _static_month(d, t)
            # a tranche released on deployment comes after every public valuation
            expected = _latest(public, d.investee, 10**6 if month is None else month)
            if expected is None:
                continue
            got = point(t.instrument.valuation_usd)
            assert got == pytest.approx(expected, rel=1e-9), (
                f"{d.id} / {t.name}: valuation {got:.4g} USD, but the latest public valuation "
                f"of {d.investee} before it is {expected:.4g} USD"
            )
            checked += 1
    assert checked >= 11  # the LOI's ten tranches and the February 2026 round


@pytest.mark.parametrize("name", SCENARIOS)
def test_released_tranches_use_the_latest_public_valuation(catalog, name):
    scenario = parse_scenario(read_scenario_data(name), catalog).resolve()
    fin = run_finance(scenario, catalog, build_fleet(scenario, catalog))
    public = _catalog_valuations(catalog) + [
        (r.company, month_index(str(r.month)), float(point(r.post_money_usd)))
        for r in scenario.ownership.rounds
    ]
    for t in fin.released():
        if t.instrument != "equity" or t.valuation_usd is None:
            continue
        investee = next(d.investee for d in scenario.deals if d.id == t.deal)
        expected = _latest(public, investee, month_index(t.month))
        assert expected is not None, f"{name}: {t.name} has no public valuation before {t.month}"
        assert t.valuation_usd == pytest.approx(expected, rel=1e-9), f"{name}: {t.name}"


def test_the_loi_signing_tranche_is_priced_after_the_february_2026_round(catalog):
    """Tranche 1 was reported at OpenAI's USD 500B valuation of September 2025 (CNBC); at the
    assumed 2026-06 signing the latest public valuation is OpenAI's round closed on 31 Mar 2026,
    USD 852B post-money (USD 730B pre-money + USD 122B)."""
    loi = catalog.get("deals", "nvidia-openai-loi-2025")
    assert str(loi.signing) == "2026-06"
    first = next(t for t in loi.tranches if t.trigger.definitive_agreement)
    assert point(first.instrument.valuation_usd) == pytest.approx(730e9 + 122e9)


@pytest.mark.parametrize("name", SCENARIOS)
def test_systems_are_never_paid_before_they_ship(catalog, name):
    scenario = load_scenario(name, catalog).resolve()
    fin = run_finance(scenario, catalog, build_fleet(scenario, catalog))
    lead = round(fin.params.payment_shift_months)  # whole months, as the model pays
    lead_months = round(point(catalog.get("costs", "systems-delivery-lead-months").value))
    labels = [str(m) for m in fin.months]
    paid = fin.capex_usd["systems"]
    for i, online in enumerate(fin.phases["online"]):
        months = np.nonzero(paid[i] > 0)[0]
        assert months.size, f"{name}: phase {i} never pays for its systems"
        first_paid = month_index(labels[months[0]])
        shipped = month_index(str(online)) - lead_months
        assert first_paid >= shipped, (
            f"{name}: phase {i} pays in {labels[months[0]]}, before its first racks ship "
            f"(online {online}, lead {lead_months} months, shift {lead})"
        )


@pytest.mark.parametrize(("lead", "terms"), [(2, 0), (3, 0.4), (2.6, 0), (1, 3), (0, 0)])
def test_no_payment_before_delivery_for_any_lead_and_terms(catalog, lead, terms):
    data = read_scenario_data("amd-openai-6gw")
    data["costs"] = {
        **data.get("costs", {}),
        "systems_delivery_lead_months": lead,
        "systems_payment_terms_months": terms,
    }
    scenario = parse_scenario(data, catalog).resolve()
    fin = run_finance(scenario, catalog, build_fleet(scenario, catalog))
    labels = [str(m) for m in fin.months]
    for i, online in enumerate(fin.phases["online"]):
        first_paid = month_index(labels[np.nonzero(fin.capex_usd["systems"][i] > 0)[0][0]])
        assert first_paid >= month_index(str(online)) - round(lead)


@pytest.mark.parametrize("name", SCENARIOS)
def test_no_purchase_or_lease_tranche_before_the_vendors_racks_ship(catalog, name):
    """A purchase commitment or a lease pays for hardware: in every built-in scenario it is
    released no earlier than the month the vendor's first racks ship (the first phase of that
    vendor's accelerators online, less the delivery lead), and the systems it buys are paid
    only as they ship (the test above)."""
    scenario = load_scenario(name, catalog).resolve()
    fin = run_finance(scenario, catalog, build_fleet(scenario, catalog))
    lead = round(point(catalog.get("costs", "systems-delivery-lead-months").value))
    vendors = [catalog.accelerator(a).vendor.lower() for a in fin.phases["accelerator"]]
    ships: dict[str, int] = {}
    for vendor, online in zip(vendors, fin.phases["online"], strict=True):
        month = month_index(str(online)) - lead
        ships[vendor] = min(ships.get(vendor, month), month)
    checked = 0
    for t in fin.tranches:
        if t.instrument not in ("purchase-commitment", "lease") or not t.released:
            continue
        checked += 1
        assert t.payee.lower() in ships, f"{name}: {t.name} buys from {t.payee}, not a vendor"
        assert month_index(t.month) >= ships[t.payee.lower()], (
            f"{name}: {t.name} released {t.month}, before {t.payee}'s first racks ship"
        )
    if name == "amd-openai-6gw":  # its binding purchase of the first GW
        assert checked == 1
