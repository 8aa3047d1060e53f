"""Job-level footprint: invariants (Hypothesis), provenance of the grid value, input errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.catalog import Catalog
from gigawatt.energy.footprint import (
    GRID_FLOOR_PARAMETER,
    accelerator_power_w,
    closest_country,
    job_footprint,
)
from gigawatt.energy.params import energy_param
from gigawatt.errors import InputError, UnknownIdError

hours = st.floats(min_value=1.0, max_value=1e9, allow_nan=False)
pues = st.floats(min_value=1.0, max_value=3.0, allow_nan=False)
shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
#: A given grid intensity is 0 or at least the catalog's floor (IPCC AR5 WGIII Table A.III.2).
GRID_FLOOR = energy_param(Catalog.load(), GRID_FLOOR_PARAMETER)
grids = st.just(0.0) | st.floats(min_value=GRID_FLOOR, max_value=1500.0, allow_nan=False)
ADDITIVE = (
    "energy_dynamic_mwh",
    "energy_idle_mwh",
    "energy_it_mwh",
    "energy_mwh",
    "co2e_t",
    "co2e_market_t",
    "embodied_co2e_t",
    "co2e_with_embodied_t",
    "water_m3",
    "water_generation_m3",
)


@settings(max_examples=60, deadline=None)
@given(first=hours, second=hours, u=shares, region=st.sampled_from(["us-ercot", "fr", "no-no1"]))
def test_energy_is_additive_in_time(catalog, first, second, u, region) -> None:
    """Two halves of a job sum to the whole job, for every additive quantity."""
    kw = {"system": "h100", "region": region, "utilisation": u, "clean_supply_share": 0.3}
    a = job_footprint(catalog, gpu_hours=first, **kw)
    b = job_footprint(catalog, gpu_hours=second, **kw)
    whole = job_footprint(catalog, gpu_hours=first + second, **kw)
    for key in ADDITIVE:
        assert getattr(a, key) + getattr(b, key) == pytest.approx(getattr(whole, key), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(h=hours, low=pues, high=pues, grid=grids)
def test_more_pue_never_lowers_energy_or_carbon(catalog, h, low, high, grid) -> None:
    low, high = sorted((low, high))
    a = job_footprint(catalog, system="gb300", gpu_hours=h, pue=low, grid_gco2_per_kwh=grid)
    b = job_footprint(catalog, system="gb300", gpu_hours=h, pue=high, grid_gco2_per_kwh=grid)
    assert b.energy_mwh >= a.energy_mwh
    assert b.co2e_t >= a.co2e_t
    assert b.energy_it_mwh == pytest.approx(a.energy_it_mwh)  # PUE acts beyond the racks


@settings(max_examples=60, deadline=None)
@given(h=hours, share=shares, grid=grids, pue=pues)
def test_market_based_never_exceeds_location_based(catalog, h, share, grid, pue) -> None:
    r = job_footprint(
        catalog,
        system="a100",
        gpu_hours=h,
        pue=pue,
        grid_gco2_per_kwh=grid,
        clean_supply_share=share,
    )
    assert 0 <= r.co2e_market_t <= r.co2e_t + 1e-12
    assert r.co2e_market_t == pytest.approx(r.co2e_t * (1 - share))


@settings(max_examples=40, deadline=None)
@given(u1=shares, u2=shares)
def test_more_load_never_lowers_accelerator_power(u1, u2) -> None:
    lo, hi = sorted((u1, u2))
    assert accelerator_power_w(700, 90, lo) <= accelerator_power_w(700, 90, hi)
    assert 90 <= accelerator_power_w(700, 90, lo) <= 700


def test_layers_add_up(catalog) -> None:
    r = job_footprint(catalog, system="dgx-h100", gpu_hours=1000, utilisation=0.5, pue=1.2)
    acc = catalog.accelerator("h100")
    assert r.power_w_per_gpu == pytest.approx(acc.idle_power_w + 0.5 * (700 - acc.idle_power_w))
    assert r.host_power_w_per_gpu == pytest.approx(1400 - 700)  # system's all-in minus TDP
    assert r.energy_it_mwh == pytest.approx(r.energy_dynamic_mwh + r.energy_idle_mwh)
    assert r.energy_mwh == pytest.approx(1.2 * r.energy_it_mwh)
    assert r.co2e_with_embodied_t == pytest.approx(r.co2e_t + r.embodied_co2e_t)
    assert r.co2e_dynamic_t <= r.co2e_with_idle_t <= r.co2e_t


def test_the_grid_value_and_its_source_are_always_reported(catalog) -> None:
    default = job_footprint(catalog, system="h100", gpu_hours=10)
    assert default.region == "us-average" and "default region" in default.grid_source
    assert default.grid_gco2_per_kwh_used == catalog.region("us-average").grid_gco2_per_kwh
    fr = job_footprint(catalog, system="h100", gpu_hours=10, region="france")
    assert fr.region == "fr" and "Electricity Maps" in fr.grid_source and fr.grid_year == 2025
    own = job_footprint(catalog, system="h100", gpu_hours=10, grid_gco2_per_kwh=123)
    assert own.grid_gco2_per_kwh_used == 123 and own.region is None
    assert own.water_generation_m3 is None  # no grid mix known for a bare number


def test_site_water_uses_it_energy_and_generation_water_facility_energy(catalog) -> None:
    r = job_footprint(catalog, system="h100", gpu_hours=1e5, region="us-ercot", pue=1.5)
    region = catalog.region("us-ercot")
    assert r.water_m3 == pytest.approx(r.energy_it_mwh * region.wue_l_per_kwh)
    assert r.water_generation_m3 == pytest.approx(r.energy_mwh * region.water_intensity_l_per_kwh)


def test_ten_gw_year_is_like_a_mid_sized_country(catalog) -> None:
    countries = catalog.all("countries")
    assert closest_country(82.4, countries)["name"] == "Belgium"
    assert closest_country(0.0, countries) is None
    share = closest_country(87.6, countries)["share"]
    assert 0.9 < share < 1.1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"gpu_hours": -5}, "^gpu_hours: -5 is not allowed"),
        ({"pue": 0.9}, "^pue: 0.9 is not allowed"),
        ({"utilisation": 1.5}, "^utilisation: 1.5 is not allowed"),
        ({"region": "fr", "grid_gco2_per_kwh": 50}, "^region and grid_gco2_per_kwh are altern"),
        ({"grid_gco2_per_kwh": 0.385}, r"^grid_gco2_per_kwh: 0.385 is not allowed: must be 0 or"),
        ({"power_w_per_gpu": 400, "utilisation": 0.5}, "^power_w_per_gpu replaces the power model"),
    ],
)
def test_bad_input_names_the_field(catalog, fields, message) -> None:
    kw = {"system": "h100", "gpu_hours": 10, **fields}
    with pytest.raises(InputError, match=message):
        job_footprint(catalog, **kw)


def test_unknown_ids_suggest(catalog) -> None:
    with pytest.raises(UnknownIdError, match="did you mean 'us-ercot'"):
        job_footprint(catalog, system="h100", gpu_hours=1, region="us-ercto")
    with pytest.raises(UnknownIdError, match=r"^system: unknown system"):
        job_footprint(catalog, system="h1000", gpu_hours=1)


def test_calibrated_power_note_names_the_figure_the_fraction_gives(catalog) -> None:
    """The calibration fixes the whole IT draw (0.682 x 1,400 W = 955 W for an H100), not the
    accelerator's 517 W shown beside the note: the note must state the total it multiplies out
    to, and that total must be the accelerator's part plus the host's."""
    r = job_footprint(catalog, system="h100", gpu_hours=10)
    total = r.power_w_per_gpu + r.host_power_w_per_gpu
    assert f"calibrated IT draw of {total:,.0f} W" in r.power_source
    assert "host + network" in r.power_source


def test_every_catalog_grid_is_above_the_floor(catalog) -> None:
    """The floor is the lowest technology minimum of IPCC AR5 WGIII Table A.III.2, below any
    real grid's life-cycle mean (its record's note says every catalog zone is well above it)."""
    regions = catalog.all("regions")
    assert regions and min(r.grid_gco2_per_kwh for r in regions) > 10 * GRID_FLOOR
