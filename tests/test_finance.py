"""Finance arithmetic on hand-calculable cases: capex phasing, opex, depreciation, cash flows."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from finance_cases import by_month, deal, finance_of, phase, scenario_data, tranche
from gigawatt import simulate as simulate_module
from gigawatt.buildout import build_fleet
from gigawatt.errors import GigawattError, InputError
from gigawatt.finance import (
    YEAR_KEYS,
    construction_spend,
    delivered_gw,
    run_finance,
    smoothstep,
    straight_line_depreciation,
)
from gigawatt.scenario import load_scenario, month_index, parse_scenario, read_scenario_data
from gigawatt.simulate import simulate
from gigawatt.units import month_hours

B = 1e9

# --- the S-curve capex phasing -------------------------------------------------------------------


def test_four_month_s_curve_by_hand():
    # F(x) = 3x^2 - 2x^3 at x = 1/4, 1/2, 3/4, 1: 0.15625, 0.5, 0.84375, 1.
    spend = construction_spend(np.array([100.0]), np.array([10]), np.array([4]), np.arange(4, 12))
    np.testing.assert_allclose(spend[0], [0, 0, 15.625, 34.375, 34.375, 15.625, 0, 0])


def test_zero_construction_months_spends_at_online():
    spend = construction_spend(np.array([7.0]), np.array([5]), np.array([0]), np.arange(8))
    np.testing.assert_array_equal(spend[0], [0, 0, 0, 0, 0, 7, 0, 0])


def test_vectorised_spend_matches_a_scalar_loop():
    rng = np.random.default_rng(3)
    total = rng.uniform(1, 100, 20)
    end = rng.integers(30, 60, 20)
    n = rng.integers(0, 30, 20)
    months = np.arange(0, 70)
    got = construction_spend(total, end, n, months)
    for p in range(20):
        expected = np.zeros(months.size)
        if n[p] == 0:
            expected[end[p]] = total[p]
        for j in range(n[p]):
            expected[end[p] - n[p] + j] = total[p] * (
                smoothstep((j + 1) / n[p]) - smoothstep(j / n[p])
            )
        np.testing.assert_allclose(got[p], expected, atol=1e-9)
    np.testing.assert_allclose(got.sum(axis=1), total)


# --- depreciation ----------------------------------------------------------------------------


def test_straight_line_from_the_online_month():
    s = (np.arange(100) >= 10).astype(float)[None, :]  # in service from month 10, no ramp
    dep = straight_line_depreciation(np.array([60.0]), s, 60)
    np.testing.assert_allclose(dep[0, 10:70], 1.0)
    assert dep[0, :10].sum() == 0 and dep[0, 70:].sum() == 0


def test_depreciation_follows_the_ramp():
    # Half in service in month 0, all in month 1; life 2 months: 25, 50, 25.
    s = np.array([[0.5, 1.0, 1.0, 1.0, 1.0]])
    np.testing.assert_allclose(
        straight_line_depreciation(np.array([100.0]), s, 2)[0], [25, 50, 25, 0, 0]
    )


# --- one toy gigawatt, by hand ----------------------------------------------------------------


@pytest.fixture(scope="module")
def one_gw(toy_catalog):
    """1 GW at the grid (PUE 1.25), online 2026-07 at once, built over 4 months; ERCOT power."""
    data = scenario_data([phase("2026-07", construction_months=4)])
    return finance_of(data, toy_catalog)


def test_capex_derived_and_phased_by_hand(one_gw):
    i = by_month(one_gw)
    weights = np.array([0.15625, 0.34375, 0.34375, 0.15625])
    building = one_gw.capex_usd["facility"][0] + one_gw.capex_usd["power"][0]
    np.testing.assert_allclose(building[i["2026-03"] : i["2026-07"]], weights * 16 * B)
    # Racks delivered 2 months before online, paid 2 months after delivery: all in 2026-07.
    systems = one_gw.capex_usd["systems"][0]
    assert systems[i["2026-07"]] == pytest.approx(24 * B)
    assert systems.sum() == pytest.approx(24 * B)
    assert one_gw.capex_total_usd[0].sum() == pytest.approx(40 * B)
    assert str(one_gw.months[0]) == "2026-01"  # construction starts after the scenario start
    assert one_gw.summary()["capex_basis"] == "derived"
    (row,) = one_gw.summary()["system_prices"]
    assert row["usd_per_accelerator"] == 30_000 and row["usd_per_rack"] == 32 * 30_000


def test_systems_follow_the_ramp_of_racks(toy_catalog):
    fin = finance_of(scenario_data([phase("2026-07", ramp_months=4)]), toy_catalog)
    i = by_month(fin)
    # Linear ramp over 4 months: a quarter of the racks online (and paid) each month.
    np.testing.assert_allclose(fin.capex_usd["systems"][0, i["2026-07"] : i["2026-11"]], 6 * B)
    assert fin.capex_usd["systems"][0, : i["2026-07"]].sum() == 0


def test_payment_terms_against_delivery_lead(toy_catalog):
    # Delivered 3 months before online, paid 1 month later: 2 months before online.
    costs = {"systems_delivery_lead_months": 3, "systems_payment_terms_months": 1}
    data = scenario_data([phase("2026-07")])
    data["costs"].update(costs)
    fin = finance_of(data, toy_catalog)
    assert fin.capex_usd["systems"][0, by_month(fin)["2026-05"]] == pytest.approx(24 * B)


def test_analyst_capex_per_gw_override(toy_catalog):
    data = scenario_data([phase("2026-07", construction_months=4)])
    data["costs"] = {**data["costs"], "capex_usd_per_gw": 50e9}
    fin = finance_of(data, toy_catalog)
    assert fin.summary()["capex_basis"] == "capex-usd-per-gw"
    for cls, share in (("systems", 0.60), ("facility", 0.25), ("power", 0.15)):
        assert fin.capex_usd[cls].sum() == pytest.approx(share * 50 * B)


def test_opex_by_hand(one_gw):
    i = by_month(one_gw)
    july = i["2026-07"]
    # The energy model's draw: 800,000 toy chips x 790 W (590 W chip at load 0.7 + 200 W host)
    # x PUE 1.25 = 790 MW; x 744 h = 587,760 MWh at USD 66/MWh (EIA 2023, Texas industrial).
    assert one_gw.energy_mwh[0, july] == pytest.approx(587_760)
    assert one_gw.opex_energy_usd[0, july] == pytest.approx(587_760 * 66.0)
    # Operations: 3 % of USD 40B a year = USD 100M a month once online.
    np.testing.assert_allclose(one_gw.opex_operations_usd[0, july:], 100e6)
    assert one_gw.opex_operations_usd[0, :july].sum() == 0
    hours_jul_dec = 184 * 24
    year = one_gw.years()[0]
    assert year["opex_energy_usd"] == pytest.approx(790 * hours_jul_dec * 66.0)
    assert year["opex_usd"] == pytest.approx(year["opex_energy_usd"] + 6 * 100e6)


def test_depreciation_by_hand(one_gw):
    july = by_month(one_gw)["2026-07"]
    # Systems USD 24B over 5 years, facility USD 8B and power USD 8B over 20 years.
    expected = 24 * B / 60 + 8 * B / 240 + 8 * B / 240
    np.testing.assert_allclose(one_gw.depreciation_usd[0, july:], expected)
    assert one_gw.years()[0]["depreciation_usd"] == pytest.approx(6 * expected)


def test_cash_flow_sums(one_gw):
    flows = one_gw.flows
    by_cat = flows.groupby("category")["amount_usd"].sum()
    assert by_cat["capex-systems"] == pytest.approx(24 * B)
    assert by_cat["capex-facility"] + by_cat["capex-power"] == pytest.approx(16 * B)
    assert by_cat["opex-energy"] == pytest.approx(one_gw.opex_energy_usd.sum())
    parties = {p["party"]: p for p in one_gw.party_totals()}
    owner = parties["programme"]  # no deal: the programme pays
    assert owner["paid_usd"] == pytest.approx(40 * B + one_gw.opex_usd.sum())
    assert parties["test"]["received_usd"] == pytest.approx(24 * B)  # the chip vendor
    assert sum(p["net_usd"] for p in parties.values()) == pytest.approx(0, abs=1e-3)
    for year in one_gw.years():  # cash moves between parties: the nets sum to zero
        nets = year["net_cash_by_party_usd"]
        assert sum(nets.values()) == pytest.approx(0, abs=1e-3)
        assert nets["programme"] == pytest.approx(-(year["capex_usd"] + year["opex_usd"]))
    table = one_gw.table()
    total = table[(table.site == "total") & (table.quantity == "capex_systems_usd")]
    assert total.value.sum() == pytest.approx(24 * B)


def test_year_keys_always_present(one_gw):
    for row in one_gw.years():
        assert set(YEAR_KEYS) <= set(row)
        assert row["circular_share"] is None and row["cumulative_invested_usd"] == 0


def test_delay_moves_the_systems_spend_not_the_building(toy_catalog):
    base = finance_of(scenario_data([phase("2026-07", construction_months=4)]), toy_catalog)
    late = finance_of(
        scenario_data([phase("2026-07", construction_months=4, delay_months=3)]), toy_catalog
    )
    assert base.first_index == late.first_index
    for cls in ("facility", "power"):
        np.testing.assert_allclose(late.capex_usd[cls], base.capex_usd[cls])
    np.testing.assert_allclose(late.capex_usd["systems"][0, 3:], base.capex_usd["systems"][0, :-3])
    # Depreciation and operations start at the actual online month.
    assert late.depreciation_usd[0, by_month(late)["2026-09"]] == 0
    assert late.depreciation_usd[0, by_month(late)["2026-10"]] > 0


def test_no_capex_before_the_programme_starts(toy_catalog):
    # 24 months of construction would open in 2024-03; the programme starts with the scenario
    # (2026-01, no deal), so the building is spent over 2026-01 and 2026-02.
    fin = finance_of(scenario_data([phase("2026-03", construction_months=24)]), toy_catalog)
    assert str(fin.months[0]) == "2026-01" and fin.offset == 0
    assert fin.summary()["capex_before_start_usd"] == 0
    assert fin.summary()["programme_start"] == "2026-01"
    building = fin.capex_usd["facility"][0] + fin.capex_usd["power"][0]
    np.testing.assert_allclose(building[:2], [0.5 * 16 * B, 0.5 * 16 * B])


def test_an_earlier_scenario_start_counts_earlier_construction(toy_catalog):
    fin = finance_of(
        scenario_data([phase("2026-03", construction_months=24)], start="2024-01"), toy_catalog
    )
    i = by_month(fin)
    facility = fin.capex_usd["facility"][0]
    assert facility[: i["2024-03"]].sum() == 0 and facility[i["2024-03"]] > 0  # 24 months before
    assert facility.sum() == pytest.approx(8 * B)


def test_a_sites_construction_start_opens_its_windows_before_the_programme(toy_catalog):
    """A site whose construction began before the programme (a dated fact) spends its building
    from then, not squeezed into the programme's first months; what falls before the
    scenario's start is `capex_before_start_usd`."""
    data = scenario_data([phase("2026-03", construction_months=12)])
    data["sites"][0]["construction_start"] = "2025-03"
    fin = finance_of(data, toy_catalog)
    i = by_month(fin)
    assert str(fin.months[0]) == "2025-03" and fin.offset == 10
    assert fin.summary()["programme_start"] == "2026-01"  # the scenario's, unchanged
    facility = fin.capex_usd["facility"][0]
    expected = construction_spend(
        np.array([8 * B]), np.array([i["2026-03"]]), np.array([12]), np.arange(facility.size)
    )[0]
    np.testing.assert_allclose(facility, expected)  # the whole 12-month S-curve
    building = fin.capex_usd["facility"] + fin.capex_usd["power"]
    before = fin.summary()["capex_before_start_usd"]
    assert before == pytest.approx(building[:, : fin.offset].sum()) and before > 0.5 * 8 * B


def test_a_construction_start_after_the_first_phase_is_refused(toy_catalog):
    data = scenario_data([phase("2026-03")])
    data["sites"][0]["construction_start"] = "2026-05"
    with pytest.raises(InputError, match="construction_start"):
        finance_of(data, toy_catalog)


def _max_monthly_share(n: int) -> float:
    """The largest monthly share of an n-month S-curve window (n = 4: 0.34375)."""
    if n <= 0:
        return 1.0
    return float(construction_spend(np.ones(1), np.array([n]), np.array([n]), np.arange(n)).max())


def test_stargate_builds_no_month_faster_than_its_schedule(catalog):
    """Abilene was built from June 2024 (Crusoe, 18 Mar 2025), before Stargate's 2025-01 start:
    its spend is booked from then, so no phase's building is squeezed into fewer months than
    its own construction window or the shortest the catalog cites (`construction-months` low,
    12 months; Epoch AI), power no faster (was: abilene-1's building in 3 months, 48 % of it
    in one month)."""
    from gigawatt.simulate import simulate

    results = simulate(load_scenario("stargate-10gw", catalog), catalog, until="finance")
    fin = results.finance
    assert fin is not None
    shortest = int(catalog.parameter("construction-months").low)
    phases = fin.phases
    for k, name in enumerate(phases["phase"]):
        n = int(phases["construction_months"].iloc[k])
        facility = fin.capex_usd["facility"][k]
        power = fin.capex_usd["power"][k]
        allowed_n = min(n, shortest)
        assert facility.max() <= facility.sum() * _max_monthly_share(allowed_n) + 1, name
        assert power.max() <= power.sum() * _max_monthly_share(allowed_n) + 1, name
    s = fin.summary()
    assert s["programme_start"] == "2025-01" and s["start"] == "2024-06"
    assert s["capex_before_start_usd"] == pytest.approx(fin.capex_total_usd[:, : fin.offset].sum())
    assert s["capex_before_start_usd"] > 1e9  # Abilene phase 1's building, June-Dec 2024


def test_it_basis_capex_counts_facility_gw(toy_catalog):
    fin = finance_of(scenario_data([phase("2026-07")], power_basis="it"), toy_catalog)
    # 1 GW of IT: 1e6 accelerators x USD 30k, facility 10 x 1e9, power 8 x 1.25e9.
    assert fin.capex_total_usd.sum() == pytest.approx(30 * B + 10 * B + 10 * B)


def test_month_hours():
    months = np.array(["2024-02", "2025-02", "2026-07"], dtype="datetime64[M]")
    np.testing.assert_array_equal(month_hours(months), [29 * 24, 28 * 24, 31 * 24])


# --- the energy stage, when present ------------------------------------------------------------


def test_uses_the_energy_stage_when_present(toy_catalog):
    data = scenario_data([phase("2026-07", construction_months=4)])
    scenario = parse_scenario(data, toy_catalog).resolve()
    fleet = simulate_module.build_fleet(scenario, toy_catalog)
    energy = SimpleNamespace(energy_mwh_by_phase=np.full(fleet.online_share.shape, 1000.0))
    fin = run_finance(scenario, toy_catalog, fleet, energy)
    assert fin.energy_source == "energy stage"
    np.testing.assert_allclose(fin.opex_energy_usd[0, fin.offset :], 1000.0 * 66.0)
    bad = SimpleNamespace(energy_mwh_by_phase=np.ones((2, 3)))
    with pytest.raises(GigawattError, match="shape"):
        run_finance(scenario, toy_catalog, fleet, bad)


def test_simulate_hands_the_energy_stage_to_finance(toy_catalog):
    """In a run, finance prices the energy stage's MWh; called on its own it runs the same
    stage, so both paths bill the same energy (no separate load factor: the reviewer found the
    fallback at 0.8 of facility power against the calibrated draw's 0.79 here, 0.68 for GPUs)."""
    scenario = parse_scenario(scenario_data([phase("2026-07")]), toy_catalog)
    results = simulate(scenario, toy_catalog, until="finance")
    assert results.finance is not None and results.energy is not None
    assert results.finance.energy_source == "energy stage"
    np.testing.assert_array_equal(
        results.finance.energy_mwh[:, results.finance.offset :], results.energy.energy_mwh_by_phase
    )
    alone = run_finance(results.scenario, toy_catalog, results.fleet)
    assert alone.energy_source == "energy stage"
    np.testing.assert_allclose(alone.energy_mwh, results.finance.energy_mwh, rtol=1e-12)
    np.testing.assert_allclose(alone.opex_energy_usd, results.finance.opex_energy_usd, rtol=1e-12)
    assert alone.summary()["opex_usd"] == pytest.approx(results.finance.summary()["opex_usd"])


def test_both_paths_bill_the_same_energy_for_the_default_scenario(catalog):
    """The built-in default (Vera Rubin, PUE 1.15): `run_finance` alone and `simulate` agree,
    and the bill is the calibrated draw (0.682 of the all-in IT power), not 0.8 of it."""
    scenario = load_scenario("nvidia-openai-10gw", catalog)
    results = simulate(scenario, catalog, until="finance")
    fleet = results.fleet
    alone = run_finance(results.scenario, catalog, fleet)
    assert results.finance is not None
    np.testing.assert_allclose(alone.opex_energy_usd, results.finance.opex_energy_usd, rtol=1e-12)
    hours = month_hours(fleet.months)[None, :]
    full = (fleet.average_facility_power_w * hours).sum() / 1e6
    ratio = alone.energy_mwh.sum() / full
    assert 0.6 < ratio < 0.75


def test_a_scenario_load_factor_is_refused(toy_catalog):
    data = scenario_data([phase("2026-07")])
    data["costs"]["facility_load_factor"] = 0.8
    with pytest.raises(InputError, match="facility_load_factor"):
        finance_of(data, toy_catalog)


# --- deals: parties, instruments, gates ---------------------------------------------------------


def test_purchase_commitment_runs_buyer_to_vendor_and_is_not_invested(toy_catalog):
    d = deal(
        [
            tranche({"date": "2026-02"}, 5e9, type="equity", valuation_usd=100e9),
            tranche({"date": "2026-03"}, 7e9, type="purchase-commitment"),
        ]
    )
    fin = finance_of(scenario_data([phase("2026-07")], deals=[d]), toy_catalog)
    equity, commitment = fin.tranches
    assert (equity.payer, equity.payee, equity.invested) == ("inv", "tee", True)
    assert equity.stake_share == pytest.approx(0.05)
    assert (commitment.payer, commitment.payee, commitment.invested) == ("tee", "test", False)
    assert fin.cumulative_invested_usd[-1] == pytest.approx(5e9)
    assert fin.released_usd.sum() == pytest.approx(12e9)
    assert "purchase-commitment" not in set(fin.flows.category)  # capex already pays the vendor
    assert fin.owner == "tee"


def test_lease_is_paid_over_its_term(toy_catalog):
    d = deal([tranche({"date": "2026-02"}, 12e9, type="lease", term_years=1)], end=None)
    data = scenario_data([phase("2026-07")], deals=[d], end="2027-12")
    fin = finance_of(data, toy_catalog)
    lease = fin.flows[fin.flows.category == "lease"]
    assert len(lease) == 12 and lease.amount_usd.sum() == pytest.approx(12e9)
    assert set(lease.payer) == {"tee"} and set(lease.payee) == {"test"}
    assert lease.month.min() == "2026-02"


def _lease_of(covers: list[str] | None, **kw) -> dict:
    return deal(
        [tranche({"date": "2026-02"}, 12e9, type="lease", term_years=1, covers=covers, **kw)],
        end=None,
    )


def test_lease_of_the_phases_racks_replaces_their_purchase(toy_catalog):
    """A lease that covers a phase pays for its racks: they are not also bought. Toy: 1 GW at
    PUE 1.25 = USD 24B of systems, USD 8B facility, USD 8B power; the lease, USD 12B over a
    year, is released 2026-02 but the phase's racks ship 2026-05 (online 2026-07, 2 months of
    delivery lead), so it is paid 2026-05 to 2027-04, USD 1B a month."""
    phases = [phase("2026-07"), phase("2026-09", name="owned")]
    bought = finance_of(scenario_data(phases, end="2027-12"), toy_catalog)
    fin = finance_of(
        scenario_data(phases, deals=[_lease_of(["site-a-1"])], end="2027-12"), toy_catalog
    )
    systems_per_phase = 24 * B
    # no double count: the leased phase's systems are not in capex, the owned phase's are
    assert bought.capex_usd["systems"].sum() == pytest.approx(2 * systems_per_phase)
    assert fin.capex_usd["systems"][0].sum() == 0
    assert fin.capex_usd["systems"][1].sum() == pytest.approx(systems_per_phase)
    assert fin.capex_usd["facility"].sum() == pytest.approx(bought.capex_usd["facility"].sum())
    assert fin.phases.leased_systems_usd.tolist() == pytest.approx([systems_per_phase, 0.0])
    assert fin.phases.capex_usd.tolist() == pytest.approx([16 * B, 40 * B])
    flows = fin.flows
    lease = flows[flows.category == "lease"]
    assert lease.amount_usd.sum() == pytest.approx(12e9)
    assert lease.month.min() == "2026-05" and lease.month.max() == "2027-04"  # not from 2026-02
    out = flows[flows.payer == "tee"].amount_usd.sum()
    assert out == pytest.approx(bought.flows.amount_usd.sum() - systems_per_phase + 12e9)
    # no leased rack is depreciated by its lessee (18 months online, 2026-07 to 2027-12)
    systems_life = fin.params.life_months["systems"]
    assert fin.depreciation_usd.sum() == pytest.approx(
        bought.depreciation_usd.sum() - systems_per_phase * 18 / systems_life
    )
    # operations still run on the leased racks
    assert fin.opex_operations_usd.sum() == pytest.approx(bought.opex_operations_usd.sum())


def test_a_vendors_lease_counts_in_its_purchases_once(toy_catalog):
    """The vendor `test` invests USD 5B and leases the first phase's racks: its purchases P are
    the owned phase's systems (USD 24B) plus the lease payments (USD 12B), not 24B more."""
    d = deal(
        [
            tranche({"date": "2026-02"}, 5e9, type="equity", valuation_usd=100e9),
            tranche({"date": "2026-02"}, 12e9, type="lease", term_years=1, covers=["site-a-1"]),
        ],
        investor="test",
    )
    phases = [phase("2026-07"), phase("2026-09")]
    fin = finance_of(scenario_data(phases, deals=[d], end="2027-12"), toy_catalog)
    purchases = fin.investors["test"]["purchases"]
    assert purchases[-1] == pytest.approx(36 * B)
    ship = fin.months.astype(str).tolist().index("2026-05")
    assert purchases[ship - 1] == 0 and purchases[ship] == pytest.approx(1 * B)


def test_lease_paid_from_its_release_when_racks_have_shipped(toy_catalog):
    d = _lease_of(["site-a-1"])
    data = scenario_data([phase("2026-03")], deals=[d], end="2027-12")  # racks ship 2026-01
    lease = finance_of(data, toy_catalog).flows.query("category == 'lease'")
    assert lease.month.min() == "2026-02"


def test_lease_of_outside_hardware_leaves_the_purchases(toy_catalog):
    data = scenario_data([phase("2026-07")], deals=[_lease_of(None)], end="2027-12")
    fin = finance_of(data, toy_catalog)
    assert fin.capex_usd["systems"].sum() == pytest.approx(24 * B)
    assert fin.flows.query("category == 'lease'").month.min() == "2026-02"


@pytest.mark.parametrize(
    ("covers", "needle"),
    [
        (["nowhere"], "'nowhere' is not a phase of this scenario; allowed: site-a-1"),
        ([], "covers: an empty list"),
    ],
)
def test_lease_covers_bad_input(toy_catalog, covers, needle):
    data = scenario_data([phase("2026-07")], deals=[_lease_of(covers)])
    with pytest.raises(InputError) as exc:
        parse_scenario(data, toy_catalog)
    assert needle in str(exc.value)


def test_every_bad_cover_is_said_with_the_other_errors_in_one_pass(toy_catalog):
    """A lease naming no phase of the scenario, another leasing a phase already leased, and a
    bad PUE: three lines in one pass (the covers were checked once all else was valid, and
    only the first of them was said)."""
    leases = [_lease_of(["nowhere", "site-a-1"]), _lease_of(["site-a-1"])]
    data = scenario_data([phase("2026-07")], deals=leases)
    data["sites"][0]["pue"] = 0.9
    with pytest.raises(InputError) as exc:
        parse_scenario(data, toy_catalog)
    assert str(exc.value).splitlines() == [
        "sites[0].pue: 0.9 is not allowed: must be >= 1 and <= 3",
        "deals[0].tranches[0].instrument.covers: 'nowhere' is not a phase of this scenario; "
        "allowed: site-a-1",
        "deals[1].tranches[0].instrument.covers: phase 'site-a-1' is already leased by "
        "deals[0].tranches[0].instrument.covers; allowed: each phase in one lease at most",
    ]
    data["sites"][0]["phases"][0]["name"] = 7  # a phase name that does not read: no guess
    with pytest.raises(InputError) as exc:
        parse_scenario(data, toy_catalog)
    assert "covers" not in str(exc.value)


def test_covers_is_for_a_lease_only(toy_catalog):
    d = deal([tranche({"date": "2026-02"}, 1e9, type="cash", covers=["site-a-1"])])
    with pytest.raises(InputError) as exc:
        parse_scenario(scenario_data([phase("2026-07")], deals=[d]), toy_catalog)
    assert "covers is for a lease" in str(exc.value)


def test_unsigned_letter_of_intent_releases_nothing(toy_catalog):
    d = deal(
        [tranche({"date": "2026-02"}), tranche({"definitive_agreement": True})],
        stage="letter-of-intent",
        signing=None,
    )
    fin = finance_of(scenario_data([phase("2026-07")], deals=[d]), toy_catalog)
    assert not fin.released() and fin.released_usd.sum() == 0
    assert all("never signed" in t.reason for t in fin.pending())
    assert fin.invested_cap_usd is None


def test_signed_term_sheet_releases_from_signing(toy_catalog):
    d = deal([tranche({"date": "2026-02"})], stage="term-sheet", signing="2026-05")
    fin = finance_of(scenario_data([phase("2026-07")], deals=[d]), toy_catalog)
    assert fin.tranches[0].month == "2026-05"


def test_superseded_deal_releases_nothing_after_its_end(toy_catalog):
    d = deal(
        [tranche({"date": "2026-02"}), tranche({"gw_deployed": 1})],
        stage="superseded",
        end="2026-04",
    )
    fin = finance_of(scenario_data([phase("2026-07")], deals=[d]), toy_catalog)
    before, after = fin.tranches
    assert before.month == "2026-02"
    assert after.month is None
    assert after.reason == "conditions first met 2026-07, but not before the deal's end (2026-04)"


def test_gw_delivered_holds_the_delivery_lead_before_gw_deployed(toy_catalog):
    """A tranche on GW delivered (AMD's warrant: "after the delivery of the initial one (1)
    gigawatt", 8-K of 6 Oct 2025) is released systems-delivery-lead-months (2 here) before the
    same GW is deployed; its trigger says which."""
    d = deal([tranche({"gw_deployed": 1}), tranche({"gw_delivered": 1})])
    fin = finance_of(scenario_data([phase("2026-09")], deals=[d]), toy_catalog)
    deployed, delivered = fin.tranches
    assert deployed.month == "2026-09"
    assert delivered.month == "2026-07"
    assert delivered.trigger == "1 GW delivered"


def test_delivered_gw_is_deployed_gw_read_lead_months_ahead():
    g = np.array([0.0, 0.0, 0.5, 1.0, 1.5, 2.0])
    np.testing.assert_array_equal(delivered_gw(g, 2), [0.5, 1.0, 1.5, 2.0, 2.0, 2.0])
    np.testing.assert_array_equal(delivered_gw(g, 0), g)
    np.testing.assert_array_equal(delivered_gw(g, 9), np.full(6, 2.0))
    assert np.all(np.diff(delivered_gw(g, 3)) >= 0) and np.all(delivered_gw(g, 3) >= g)


def test_cap_cuts_the_tranche_that_crosses_it(toy_catalog):
    d = deal([tranche({"date": m}, 4e9) for m in ("2026-02", "2026-03", "2026-04")], cap_usd=10e9)
    fin = finance_of(scenario_data([phase("2026-07")], deals=[d]), toy_catalog)
    assert [t.released_usd for t in fin.tranches] == [4e9, 4e9, 2e9]
    d = deal([tranche({"date": m}, 5e9) for m in ("2026-02", "2026-03", "2026-04")], cap_usd=10e9)
    fin = finance_of(scenario_data([phase("2026-07")], deals=[d]), toy_catalog)
    assert fin.tranches[2].month is None and "cap" in fin.tranches[2].reason


# --- bad input ---------------------------------------------------------------------------------


def test_capex_shares_must_sum_to_one(toy_catalog):
    data = scenario_data([phase("2026-07")])
    data["costs"].update(capex_usd_per_gw=40e9, capex_share_systems=0.9)
    with pytest.raises(InputError, match=r"costs\.capex_share_systems: .* sum to 1\.3"):
        finance_of(data, toy_catalog)


def test_shares_without_an_all_in_capex_are_refused(toy_catalog):
    data = scenario_data([phase("2026-07")])
    data["costs"]["capex_share_power"] = 0.2
    with pytest.raises(InputError, match=r"costs\.capex_share_power: the capex shares split"):
        finance_of(data, toy_catalog)


def test_cost_overrides_taken_together_are_said_when_the_scenario_is_read(toy_catalog):
    """Capex shares without the all-in capex, a retired load factor and a bad PUE: one pass,
    at reading, not the finance stage's refusal once the PUE is fixed. A share refused on its
    own leaves the shares' sum unjudged."""
    data = scenario_data([phase("2026-07")])
    data["sites"][0]["pue"] = 0.9
    data["costs"].update(capex_share_power=0.2, facility_load_factor=0.8)
    with pytest.raises(InputError) as exc:
        parse_scenario(data, toy_catalog)
    fields = [line.split(":")[0] for line in str(exc.value).splitlines()]
    assert fields == ["sites[0].pue", "costs.capex_share_power", "costs.facility_load_factor"]
    data["costs"].update(capex_usd_per_gw=40e9, capex_share_power=1.2)
    data["costs"].pop("facility_load_factor")
    with pytest.raises(InputError) as exc:
        parse_scenario(data, toy_catalog)
    assert [line.split(":")[0] for line in str(exc.value).splitlines()] == [
        "sites[0].pue",
        "costs.capex_share_power",
    ]
    assert "must be >= 0 and <= 1" in str(exc.value) and "sum to" not in str(exc.value)


def test_negative_unit_cost_is_refused(toy_catalog):
    data = scenario_data([phase("2026-07")])
    data["costs"]["facility_usd_per_w"] = -1
    with pytest.raises(InputError, match=r"costs\.facility_usd_per_w: -1 is not allowed"):
        finance_of(data, toy_catalog)


def test_negative_capex_is_refused(toy_catalog):
    data = scenario_data([phase("2026-07")])
    data["costs"]["capex_usd_per_gw"] = -1e9
    with pytest.raises(InputError, match=r"costs\.capex_usd_per_gw: -1e\+09 is not allowed"):
        finance_of(data, toy_catalog)


def test_price_trigger_needs_a_known_share(toy_catalog):
    no_share = deal([tranche({"share_price_usd": 300})])
    with pytest.raises(InputError, match=r"tranches\[0\]\.trigger\.share"):
        finance_of(scenario_data([phase("2026-07")], deals=[no_share]), toy_catalog)
    typo = deal([tranche({"share_price_usd": 300, "share": "amdd"})])
    with pytest.raises(
        InputError, match=r"trigger\.share: unknown price 'amdd'; did you mean 'amd'"
    ):
        finance_of(scenario_data([phase("2026-07")], deals=[typo]), toy_catalog)
    rental = deal([tranche({"share_price_usd": 300, "share": "h100-rental"})])
    with pytest.raises(InputError, match="not a share price"):
        finance_of(scenario_data([phase("2026-07")], deals=[rental]), toy_catalog)


def test_the_shares_deals_name_are_checked_with_the_other_errors(toy_catalog):
    """A share-price trigger without `share` and a warrant on a rental price, beside a bad PUE:
    one pass when the scenario is read (they were the finance stage's, after every other fix);
    a warrant's own `share` is judged, an equity instrument's is not read by the model."""
    no_share = tranche({"share_price_usd": 300}, 1e9)
    rental = tranche({"date": "2026-02"}, 0.0, type="warrant", shares=1e6, share="h100-rental")
    data = scenario_data([phase("2026-07")], deals=[deal([no_share, rental])])
    data["sites"][0]["pue"] = 0.9
    with pytest.raises(InputError) as exc:
        parse_scenario(data, toy_catalog)
    assert [line.split(": ")[0] for line in str(exc.value).splitlines()] == [
        "sites[0].pue",
        "deals[0].tranches[0].trigger.share",
        "deals[0].tranches[1].instrument.share",
    ]
    assert "'h100-rental' is a rental price, not a share price" in str(exc.value)


def test_money_before_the_scenario_start_is_on_the_axis(toy_catalog):
    d = deal([tranche({"date": "2025-06"}, 2e9)], signing="2025-06", announced="2025-06-01")
    data = scenario_data([phase("2026-03", construction_months=4)], deals=[d])
    fin = finance_of(data, toy_catalog)
    assert str(fin.months[0]) == "2025-06" and fin.tranches[0].month == "2025-06"
    assert fin.summary()["programme_start"] == "2025-06"  # the deal's announcement
    first = fin.years()[0]
    assert first["year"] == 2025 and first["cumulative_invested_usd"] == 2e9
    assert first["capex_usd"] == pytest.approx(smoothstep(2 / 4) * 16 * B)  # Nov-Dec 2025


# --- the default scenario: cash follows the hardware ----------------------------------------


def _default_finance(catalog, delays=None):
    """The default scenario's fleet and finance; `delays` sets (site, phase) delays [months]."""
    data = read_scenario_data("nvidia-openai-10gw")
    for (site, ph), months in (delays or {}).items():
        data["sites"][site]["phases"][ph]["delay_months"] = months
    scenario = parse_scenario(data, catalog).resolve()
    fleet = build_fleet(scenario, catalog)
    return fleet, run_finance(scenario, catalog, fleet)


def test_default_scenario_buys_no_systems_before_the_first_racks_arrive(catalog):
    fleet, fin = _default_finance(catalog)
    lead = round(catalog.parameter("systems-delivery-lead-months").value)
    arrive = min(month_index(m) for m in fleet.phases["online"]) - lead  # first deliveries
    systems = fin.capex_usd["systems"].sum(axis=0)
    assert systems[: arrive - fin.first_index].sum() == 0
    assert systems.sum() > 0
    by_year = {y["year"]: y["capex_systems_usd"] for y in fin.years()}
    assert by_year[2025] == 0  # the letter is dated 22 Sep 2025, Rubin ships from H2 2026
    assert fin.summary()["programme_start"] == "2025-09"
    assert fin.capex_total_usd[:, : month_index("2025-09") - fin.first_index].sum() == 0


def test_a_phase_a_year_late_moves_its_systems_capex_a_year(catalog):
    _, base = _default_finance(catalog)
    _, late = _default_finance(catalog, delays={(0, 1): 14})  # median delay 2 months + 12
    assert base.first_index == late.first_index
    np.testing.assert_allclose(
        late.capex_usd["systems"][1, 12:], base.capex_usd["systems"][1, :-12]
    )
    assert late.capex_usd["systems"][1].sum() == pytest.approx(base.capex_usd["systems"][1].sum())
    others = [i for i in range(len(base.phases)) if i != 1]
    np.testing.assert_allclose(late.capex_usd["systems"][others], base.capex_usd["systems"][others])
    for cls in ("facility", "power"):  # the building was finished on time
        np.testing.assert_allclose(late.capex_usd[cls], base.capex_usd[cls])


def test_running_costs_count_a_ramp_month_pro_rata(toy_catalog):
    """Operations accrue with the capacity in service on average over each month: a phase
    ramping over 4 months from 2026-03 runs 1/8 of its capex's operations share in March (1/4
    is in service only at the month's end), 7/8 in June, all of it from July. Capex USD 40B
    (24 + 8 + 8), 3 % a year."""
    fin = finance_of(scenario_data([phase("2026-03", ramp_months=4)]), toy_catalog)
    at = by_month(fin)
    per_month = 0.03 / 12 * 40 * B
    ops = fin.opex_operations_usd[0]
    assert ops[at["2026-03"]] == pytest.approx(per_month / 8)
    assert ops[at["2026-06"]] == pytest.approx(per_month * 7 / 8)
    assert ops[at["2026-07"]] == pytest.approx(per_month)
    assert ops[: at["2026-03"]].sum() == 0


def test_a_lease_without_covers_is_paid_on_top_of_the_systems_capex(toy_catalog):
    """money.md, "Leases": a lease that names no phase is hardware outside the phases; it does
    not replace the purchases, the vendor receives both."""
    d = deal([tranche({"date": "2026-02"}, 12e9, type="lease", term_years=1)], end=None)
    data = scenario_data([phase("2026-07")], deals=[d], end="2027-12")
    fin = finance_of(data, toy_catalog)
    to_vendor = fin.flows[fin.flows.payee == "test"].amount_usd.sum()
    assert to_vendor == pytest.approx(fin.capex_usd["systems"].sum() + 12e9)
    page = (Path(__file__).parents[1] / "docs" / "models" / "money.md").read_text()
    assert (
        "A lease without `covers` is hardware outside the phases: paid from its release, "
        "on top of the purchases." in " ".join(page.split())
    )


def test_a_pjm_sites_capacity_charge_is_billed_above_what_its_price_carries(catalog, toy_catalog):
    """us-pjm's power price is EIA's 2023 industrial average, which carries PJM's capacity
    prices of calendar 2023 (USD 50.00/MW-day to May, 34.13 from June: 40.74,
    pjm-capacity-2023-usd-per-mw-day). PJM's auctions clear a price per delivery year (June to
    May: capacity_charge_dated, the 2026/27 price pjm-capacity-usd-per-mw-day among them).
    Finance bills each month its delivery year's price less that carried level per MW-day of
    the month's average facility draw (`opex_capacity_usd`, a flow to the utilities), so no
    caveat states it as unbilled; an ERCOT-only scenario bills none."""
    from gigawatt.finance import unbilled_charge_caveats

    region = catalog.region("us-pjm")
    assert region.capacity_charge == "pjm-capacity-usd-per-mw-day"
    assert region.capacity_charge in region.capacity_charge_dated
    assert region.unbilled_charges == ()
    carried = catalog.parameter("pjm-capacity-2023-usd-per-mw-day").value
    assert carried == pytest.approx((5 * 50.00 + 7 * 34.13) / 12, abs=0.005)
    dated = [catalog.parameter(pid) for pid in region.capacity_charge_dated]
    last = max(dated, key=lambda p: p.applies_to)

    def price(month: str) -> float:
        """The record whose delivery period holds the month (the last one after it)."""
        held = [p for p in dated if p.applies_from <= month <= p.applies_to]
        return max((held[0] if held else last).value - carried, 0.0)

    results = simulate(load_scenario("nvidia-openai-10gw", catalog), catalog, until="finance")
    fin, energy = results.finance, results.energy
    assert fin is not None and energy is not None
    pjm = (results.fleet.phases["region"] == "us-pjm").to_numpy()
    assert pjm.any()
    offset = fin.offset
    draw_mw_days = energy.energy_mwh_by_phase[pjm].sum(axis=0) / 24  # MW x days, by month
    months = fin.month_labels[offset:]
    expected = sum(d * price(str(m)) for d, m in zip(draw_mw_days, months, strict=True))
    assert fin.opex_capacity_usd.sum() == pytest.approx(expected)
    assert fin.opex_capacity_usd[~pjm].sum() == 0
    year = fin.years()[-1]  # 2032: oh-lordstown's 2 GW of IT all year, after the last auction
    in_2032 = [str(m).startswith("2032") for m in months]
    assert year["opex_capacity_usd"] == pytest.approx(
        draw_mw_days[in_2032].sum() * (last.value - carried)
    )
    assert year["opex_usd"] == pytest.approx(
        year["opex_energy_usd"] + year["opex_operations_usd"] + year["opex_capacity_usd"]
    )
    flows = fin.flows
    assert flows[flows.category == "opex-capacity"].amount_usd.sum() == pytest.approx(
        fin.opex_capacity_usd.sum()
    )
    assert unbilled_charge_caveats(results.fleet, catalog) == ()
    assert not any("not billed" in c for c in results.caveats())
    toy = finance_of(scenario_data([phase("2026-01")]), toy_catalog)  # one site, us-ercot
    assert toy.opex_capacity_usd.sum() == 0 and toy.years()[0]["opex_capacity_usd"] == 0


def test_a_capacity_charge_needs_what_the_price_carries(catalog):
    from gigawatt.catalog.schema import Region

    data = catalog.region("us-pjm").model_dump(mode="python")
    with pytest.raises(ValueError, match="capacity_charge_carried"):
        Region.model_validate({**data, "capacity_charge_carried": None})
    with pytest.raises(ValueError, match="unbilled_charges"):
        Region.model_validate({**data, "unbilled_charges": [data["capacity_charge"]]})
