"""The deals as announced (DESIGN.md section 4; the releases, filings and calls cited in the deals
and costs catalogs).

Each test fails when the model departs from the published structure or figure by more than the
stated tolerance.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from finance_cases import deal, finance_of, phase, price_catalog, scenario_data
from gigawatt.catalog import Catalog
from gigawatt.scenario import month_index, parse_scenario, read_scenario_data
from gigawatt.simulate import simulate

B = 1e9


def _run(catalog: Catalog, data: dict):
    results = simulate(parse_scenario(data, catalog), catalog)
    return results.fleet, results.stages["finance"]


@pytest.fixture(scope="module")
def default(catalog):
    return _run(catalog, read_scenario_data("nvidia-openai-10gw"))


def _gw_tranches(fin) -> dict[float, str]:
    return {
        int(t.name.split("(")[1].split()[0]): t.month
        for t in fin.tranches
        if "GW deployed" in t.name
    }


def test_default_releases_ten_tranches_of_ten_billion(default):
    fleet, fin = default
    released = fin.released()
    assert [t.released_usd for t in released] == [10 * B] * 10
    signing = released[0]
    assert signing.month == "2026-06" and "definitive agreement" in signing.trigger
    # Tranche k in the first month cumulative GW deployed reaches k (DESIGN.md section 4).
    deployed = fleet.deployed_gw()
    months = fleet.month_labels
    for k, month in _gw_tranches(fin).items():
        first = int(np.argmax(deployed >= k - 1e-9))
        assert month == months[first], f"tranche for {k} GW"
        assert deployed[first - 1] < k
    assert fin.cumulative_invested_usd[-1] == pytest.approx(100 * B)
    assert np.all(fin.cumulative_invested_usd <= 100 * B)
    # USD 852B: the latest public valuation before the assumed 2026-06 signing (CNBC reported
    # USD 500B, OpenAI's valuation of September 2025; the round closed 31 Mar 2026 came in between)
    assert fin.released()[0].stake_share == pytest.approx(10 / 852)


def test_one_year_delay_moves_deployment_tranches_by_a_year(catalog, default):
    _, base = default
    data = read_scenario_data("nvidia-openai-10gw")
    late = copy.deepcopy(data)
    for site in late["sites"]:
        for ph in site["phases"]:
            ph["delay_months"] = {"lognormal": {"median": 14, "sigma": 0.8}}  # median 2 + 12
    _, delayed = _run(catalog, late)
    assert delayed.released()[0].month == base.released()[0].month == "2026-06"
    before, after = _gw_tranches(base), _gw_tranches(delayed)
    assert sorted(before) == sorted(after) == list(range(2, 11))
    for k in before:
        assert month_index(after[k]) - month_index(before[k]) == 12, f"tranche for {k} GW"
    assert delayed.cumulative_invested_usd[-1] == pytest.approx(100 * B)


def test_what_happened_releases_only_the_thirty_billion(catalog):
    _, fin = _run(catalog, read_scenario_data("nvidia-openai-2026-actual"))
    released = fin.released()
    assert [(t.deal, t.month, t.released_usd) for t in released] == [
        ("nvidia-openai-equity-2026", "2026-03", 30 * B)
    ]
    assert released[0].stake_share == pytest.approx(30 / 852)  # USD 730B pre-money + 122B
    assert len(fin.pending()) == 10
    assert fin.invested_cap_usd == pytest.approx(30 * B)  # the superseded letter adds nothing


def test_stargate_commitments_by_date(catalog):
    _, fin = _run(catalog, read_scenario_data("stargate-10gw"))
    assert [(t.month, round(t.released_usd / B, 2)) for t in fin.released()] == [
        ("2025-01", 100.0),
        ("2026-01", 133.33),
        ("2027-01", 133.33),
        ("2028-01", 133.34),
    ]
    # The funders do not sell the hardware: none of their money returns as purchases.
    assert fin.summary()["circular_share"] == 0.0
    assert fin.summary()["vendor_funded_share"] is None


# --- NVIDIA content and the circular share (NVIDIA Q2 FY2026 call; CNBC, 25 Sep 2025) ----------


def test_systems_capex_matches_nvidia_content_per_gw(default):
    """Huang (27 Aug 2025, via CNBC 25 Sep 2025): a GW "AI factory" costs about USD 50-60B, of
    which about USD 35B is NVIDIA content.

    Both figures are per the same GW, the factory's (at the grid). Our systems capex is derived
    from the Vera Rubin NVL72 rack price (Morgan Stanley, May 2026) and IT power; per GW at the
    grid (PUE 1.15) it comes to USD 37.0B. Tolerance 10 %: the figure is "about", paraphrased,
    dated before Rubin's memory-driven price rise, and our systems price also counts the
    non-NVIDIA storage and network share.
    """
    _, fin = default
    facility_gw = fin.phases["facility_gw"].sum()
    systems_per_gw = fin.capex_usd["systems"].sum() / facility_gw
    assert systems_per_gw == pytest.approx(35 * B, rel=0.10)


def test_vendor_funded_share_matches_ten_billion_per_gw_of_content(default):
    """The letter: USD 10B per GW deployed, the GW counted at the systems (IT power); Huang's
    USD 35B of NVIDIA content per factory GW is USD 35B x PUE 1.15 = USD 40.25B per GW of IT.
    So NVIDIA's money funds about 10 / 40.25 = 24.8 % of the purchases flowing back to it
    (reading it as "10 / 35 = 29 %" divides per-IT-GW money by per-factory-GW content).
    Tolerance 10 % (relative), the same as the content figure it rests on.
    """
    _, fin = default
    summary = fin.summary()
    assert summary["vendor_funded_share"] == pytest.approx(10 / (35 * 1.15), rel=0.10)
    purchases = fin.capex_usd["systems"].sum()  # the identity behind it: invested / purchases
    assert summary["vendor_funded_share"] == pytest.approx(100 * B / purchases)
    # Every dollar NVIDIA puts in comes back as purchases of its systems.
    assert summary["circular_share"] == pytest.approx(1.0)


def test_energy_cost_of_a_gigawatt_year(toy_catalog):
    """1 GW at 100 % load factor is 8.76 TWh a year, about USD 0.5-0.8B a year at the 6-9
    cents/kWh industrial prices of EIA's Electric Power Annual 2023. The bill counts the energy
    model's training draw, 0.79 of the toy system's all-in power: 6.92 TWh, at ERCOT's USD
    66/MWh USD 457M, below that full-load range by the draw and no lower."""
    data = scenario_data([phase("2026-01", construction_months=0)], end="2026-12")
    fin = finance_of(data, toy_catalog)
    assert fin.energy_mwh.sum() == pytest.approx(8.76e6 * 0.79)
    assert fin.opex_energy_usd.sum() == pytest.approx(8.76e6 * 0.79 * 66.0)
    assert 0.5 * 0.79 * B <= fin.opex_energy_usd.sum() <= 0.8 * B


# --- the AMD warrant: GW and share price must both hold (AMD Form 8-K, 6 Oct 2025) --------------


def _amd(catalog: Catalog, phases: list[dict]):
    data = scenario_data(phases, end="2028-12", deals=["amd-openai-2025"])
    return finance_of(data, catalog)


def _warrants(fin) -> list:
    return [t for t in fin.tranches if t.instrument == "warrant"]


def _six_gw() -> list[dict]:
    return [phase("2026-03", 1.0)] + [phase(f"2026-{m:02d}", 1.0) for m in range(4, 9)]


def test_warrant_gw_without_price_vests_only_the_first(tmp_path):
    cat = price_catalog(tmp_path)  # AMD flat at USD 203.71: no price target is ever met
    fin = _amd(cat, _six_gw())
    w = _warrants(fin)
    # vests on the first GW's delivery, systems-delivery-lead-months (2) before it is online
    assert w[0].month == "2026-01" and w[0].shares == 26_666_670
    assert all(t.month is None for t in w[1:])
    assert all("amd at or above" in t.reason and "GW" not in t.reason for t in w[1:])
    assert fin.warrant_shares[-1] == 26_666_670
    # Value at vesting: N (S - K) at the month-end price.
    assert w[0].value_usd == pytest.approx(26_666_670 * (203.71 - 0.01))


def test_warrant_price_without_gw_vests_only_the_first(tmp_path):
    cat = price_catalog(tmp_path, drift_per_year=2.0)  # every target passed within a year
    fin = _amd(cat, [phase("2026-03", 1.0)])  # but only 1 GW is ever deployed
    w = _warrants(fin)
    assert w[0].month == "2026-01"  # delivered two months before it is online
    assert all(t.month is None for t in w[1:])
    assert all("GW delivered" in t.reason and "amd" not in t.reason for t in w[1:])


def _hurdle_month(start_usd: float, drift: float, hurdle: float) -> str:
    """First month whose last trading day (21 a month, day 0 = 2026-01) is at the hurdle."""
    day = math.ceil(math.log(hurdle / start_usd) / drift * 252)
    j = next(j for j in range(100) if 21 * j + 20 >= day)
    return f"2026-{j + 1:02d}"


@pytest.mark.parametrize("second_gw, expected", [("2026-03", "price"), ("2026-10", "2026-08")])
def test_warrant_vests_when_both_hold(tmp_path, second_gw, expected):
    drift = math.log(2.0)  # the median price doubles every year
    cat = price_catalog(tmp_path, drift_per_year=drift)
    price_month = _hurdle_month(203.71, drift, 282.97)
    assert price_month == "2026-06"
    fin = _amd(cat, [phase("2026-02", 1.0), phase(second_gw, 1.0)])
    w = _warrants(fin)
    assert w[1].month == (price_month if expected == "price" else expected)
    assert w[2].month is None  # 3 GW never delivered


def test_amd_scenario_median_path(catalog):
    """The shipped scenario on the median AMD path (8 %/year drift of ln price): the first
    tranche vests on the first GW's delivery (the 8-K: "after the delivery of the initial one (1)
    gigawatt"), systems-delivery-lead-months before that GW is online; the second when AMD
    first closes at USD 282.97."""
    fleet, fin = _run(catalog, read_scenario_data("amd-openai-6gw"))
    w = _warrants(fin)
    online = fleet.month_labels[int(np.argmax(fleet.deployed_gw() >= 1 - 1e-9))]
    lead = round(fin.params.delivery_lead_months)
    assert lead == 2 and online == "2027-05"
    assert w[0].month == "2027-03" and w[0].trigger == "1 GW delivered"
    years = math.log(282.97 / 203.71) / 0.08  # 4.11 years after 2025-10
    assert w[1].month == "2029-11" and 4.0 < years < 4.2
    assert all(t.month is None for t in w[2:])
    commitment = next(t for t in fin.tranches if t.instrument == "purchase-commitment")
    assert (commitment.payer, commitment.payee, commitment.invested) == ("openai", "amd", False)
    assert fin.cumulative_invested_usd[-1] == 0


def test_cap_never_exceeded_even_with_extra_tranches(catalog):
    data = read_scenario_data("nvidia-openai-10gw")
    loi = copy.deepcopy(catalog.deal("nvidia-openai-loi-2025").model_dump(mode="json"))
    loi["tranches"] = loi["tranches"] + [loi["tranches"][-1]] * 3  # 130B of tranches
    data["deals"] = [deal(loi["tranches"], cap_usd=100e9, signing="2026-06")]
    _, fin = _run(catalog, data)
    assert fin.cumulative_invested_usd.max() == pytest.approx(100 * B)
    assert [t.reason for t in fin.pending()] == ["cap of USD 1e+11 reached"] * 3
