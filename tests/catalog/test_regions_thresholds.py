"""Audit of the regions and thresholds catalogs against the shipped data files and the policy notes.

The grid figures of every region must equal the value in the data file it names (an exact copy, not
a re-typed number), so a change to either side fails here.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache

import pytest

from gigawatt.catalog import DATA_DIR, Catalog
from gigawatt.catalog.schema import Region, Threshold

# Meldrum et al. (2013) life-cycle water consumption [gal/MWh], via CodeCarbon
# water_consumption_per_source.json (which cites Meldrum et al. 2013,
# doi 10.1088/1748-9326/8/1/015031);
# the geothermal factor applies to other_renewable_exc_biofuel.
WATER_GAL_PER_MWH = {
    "coal": 550,
    "gas": 210,
    "nuclear": 775,
    "solar": 85,
    "wind": 11,
    "other_renewable_exc_biofuel": 290,
}
LITRES_PER_US_GALLON = 3.785411784


@cache
def _json(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.fixture(scope="module")
def regions(catalog: Catalog) -> list[Region]:
    return catalog.all("regions")  # type: ignore[return-value]


@pytest.fixture(scope="module")
def thresholds(catalog: Catalog) -> dict[str, Threshold]:
    return {t.id: t for t in catalog.all("thresholds")}  # type: ignore[misc]


def test_region_grid_figures_equal_the_shipped_data(regions: list[Region]) -> None:
    mismatches = []
    for r in regions:
        if "Electricity Maps" in r.grid_source:
            data = _json(f"electricitymaps_yearly_{r.grid_year}.json")
            assert r.grid_zone in data, f"{r.id}: zone {r.grid_zone} not in the {r.grid_year} file"
            row = data[r.grid_zone]
            expected = (row["carbonIntensity"]["value"], row["carbonFreeEnergy"]["value"] / 100)
        elif "Ember" in r.grid_source:
            row = _json("ember_average_intensities.json")[r.country]
            assert row["year"] == r.grid_year, f"{r.id}: Ember year {row['year']} != {r.grid_year}"
            expected = (row["emissions_intensity_gco2_per_kwh"], None)
        else:
            pytest.fail(f"{r.id}: grid_source names no shipped dataset: {r.grid_source!r}")
        if (r.grid_gco2_per_kwh, r.carbon_free_share) != expected:
            mismatches.append((r.id, (r.grid_gco2_per_kwh, r.carbon_free_share), expected))
    assert not mismatches, f"catalog differs from the data file: {mismatches}"


def test_region_water_intensity_follows_the_stated_formula(regions: list[Region]) -> None:
    mix = _json("global_energy_mix.json")
    for r in regions:
        row = mix[r.country]
        gal_per_mwh = sum(
            row[f"{src}_TWh"] / row["total_TWh"] * f for src, f in WATER_GAL_PER_MWH.items()
        )
        expected = gal_per_mwh * LITRES_PER_US_GALLON / 1000
        # the catalog stores three decimals
        assert r.water_intensity_l_per_kwh == pytest.approx(expected, abs=5e-4), r.id


def test_regions_cover_the_main_grids(catalog: Catalog, regions: list[Region]) -> None:
    assert len(regions) >= 30
    for alias in ("ercot", "pjm", "miso", "spp", "caiso", "nyiso", "tva", "bpa"):
        region = catalog.region(alias)
        assert region.country == "USA" and region.grid_zone.startswith("US-"), alias
    assert catalog.region("texas").grid_zone == "US-TEX-ERCO"
    assert catalog.region("norway-oslo").grid_zone == "NO-NO1"
    assert catalog.region("france").country == "FRA"


def test_region_aliases_are_unambiguous(regions: list[Region]) -> None:
    ids = {r.id for r in regions}
    seen: dict[str, str] = {}
    for r in regions:
        for a in r.aliases:
            assert a not in ids, f"alias {a!r} of {r.id} is another region's id"
            assert a not in seen, f"alias {a!r} used by {seen.get(a)} and {r.id}"
            seen[a] = r.id


def test_estimated_fields_are_flagged(regions: list[Region]) -> None:
    for r in regions:
        if "estimate" in r.power_price_source:
            assert r.status == "estimate" and "power_price_usd_per_mwh" in (r.note or ""), r.id


def test_compute_thresholds_and_their_in_force_flags(thresholds: dict[str, Threshold]) -> None:
    eu = thresholds["eu-ai-act-systemic-risk"]
    assert (eu.metric, eu.value, eu.in_force) == ("training_flop", 1e25, True)
    assert eu.notification_days == 14
    assert eu.effective == dt.date(2025, 8, 2)

    ca = thresholds["ca-sb53-frontier"]
    assert (ca.metric, ca.value, ca.revenue_usd, ca.in_force) == ("training_flop", 1e26, 5e8, True)
    assert ca.effective == dt.date(2026, 1, 1)

    ny = thresholds["ny-raise-frontier"]  # as replaced by S8828: SB 53's test, no cost test
    assert (ny.value, ny.cost_usd, ny.revenue_usd) == (1e26, None, 5e8)
    ny_2025 = thresholds["ny-raise-2025-as-passed"]  # history: the cost test at market prices
    assert (ny_2025.value, ny_2025.cost_usd, ny_2025.cost_basis) == (1e26, 1e8, "market")
    # enacted, but in force only from its effective date
    assert ny.effective == dt.date(2027, 1, 1) and not ny.in_force and ny.revoked is None

    assert thresholds["eu-ai-act-gpai-indicative"].value == 1e23
    assert thresholds["us-eo-14110-cluster"].metric == "cluster_flops_per_s"
    assert thresholds["us-eo-14318-data-center"].value == 100e6
    assert thresholds["tx-sb6-large-load"].value == 75e6


def test_state_frontier_laws_carry_the_federal_challenge(thresholds: dict[str, Threshold]) -> None:
    """The two US state frontier-model laws (in force, or enacted and pending) say that Executive
    Order 14365 (11 Dec 2025) set the DOJ against state AI laws, and the EU record no longer
    leans on one unverified source for the Digital Omnibus leaving 1e25 unchanged (checked
    2026-12-07 against DLA Piper, 2 Jul 2026, and Covington, May 2026)."""
    for key in ("ca-sb53-frontier", "ny-raise-frontier"):
        assert "Executive Order 14365" in (thresholds[key].note or ""), key
    eu_note = thresholds["eu-ai-act-systemic-risk"].note or ""
    assert "Council's final approval 29 Jun 2026" in eu_note and "unverified" not in eu_note


def test_revoked_thresholds_are_not_in_force(thresholds: dict[str, Threshold]) -> None:
    revoked = [t for t in thresholds.values() if t.revoked is not None]
    assert {t.id for t in revoked} >= {"us-eo-14110-model", "us-eo-14110-cluster", "us-bis-4e091"}
    for t in revoked:
        assert not t.in_force, t.id
        # equal dates: replaced before it took effect (never in force)
        assert t.revoked >= t.effective, t.id
    assert thresholds["us-eo-14110-model"].revoked == dt.date(2025, 1, 20)
    assert thresholds["us-bis-4e091"].revoked == dt.date(2025, 5, 13)


def test_generation_water_cites_the_life_cycle_paper_its_factors_come_from(catalog):
    """CodeCarbon's water_consumption_per_source.json, the factors' carrier, cites Meldrum et
    al. 2013 (doi 10.1088/1748-9326/8/1/015031), LIFE-CYCLE consumption (fuel supply, plant
    manufacturing and operation). The regions cited Macknick et al. 2012's OPERATIONAL factors
    instead. Every region with a generation water figure cites the paper and the basis its
    factors have."""
    for rid, region in catalog.records["regions"].items():
        if region.id != rid or region.water_intensity_l_per_kwh is None:
            continue
        assert "10.1088/1748-9326/8/1/015031" in region.source, rid
        assert "life-cycle consumption" in region.source, rid
        assert "Operational water consumption" not in region.source, rid
