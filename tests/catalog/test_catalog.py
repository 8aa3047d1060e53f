"""Catalog completeness: every record is cited, dated, typed, and its references resolve."""

from __future__ import annotations

import datetime as dt

import pytest

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import KINDS
from gigawatt.errors import UnknownIdError


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_cited_records(catalog, kind):
    records = catalog.all(kind)
    assert records, f"the shipped catalog has no {kind}"
    for rec in records:
        assert rec.source and len(rec.source.strip()) >= 3, f"{kind}/{rec.id} has no source"
        assert rec.status in {"official", "reported", "analyst", "estimate"}
        assert dt.date(1990, 1, 1) <= rec.as_of <= dt.date(2027, 12, 31), f"{kind}/{rec.id}"


def test_ids_and_aliases_are_unique_within_a_kind(catalog):
    for kind in KINDS:
        ids = catalog.ids(kind)
        assert len(ids) == len(set(ids))
        for alias, target in catalog.aliases.get(kind, {}).items():
            assert alias not in ids or alias == target, f"{kind}: alias {alias} shadows an id"


def test_lookup_is_case_insensitive_and_accepts_aliases(catalog):
    assert catalog.accelerator("H100-SXM").id == "h100-sxm"
    assert catalog.accelerator("h100").id == "h100-sxm"
    assert catalog.system("H100").id == catalog.accelerator("h100").default_system


def test_unknown_id_names_closest_matches(catalog):
    with pytest.raises(UnknownIdError) as exc:
        catalog.system("vera-rubn-nvl72")
    assert "did you mean 'vera-rubin-nvl72'" in str(exc.value)


def test_cross_references_resolve(catalog):
    for acc in catalog.all("accelerators"):
        if acc.default_system:
            assert catalog.system(acc.default_system).accelerator == acc.id
    for sys_ in catalog.all("systems"):
        catalog.accelerator(sys_.accelerator)
        if sys_.failure_model:
            catalog.failure_model(sys_.failure_model)
        if sys_.framework:
            catalog.framework(sys_.framework)
        assert sys_.scale_up_domain <= max(sys_.pod_size, sys_.scale_up_domain)
    for deal in catalog.all("deals"):
        if deal.superseded_by:
            catalog.deal(deal.superseded_by)


def test_prelaunch_hardware_is_marked(catalog):
    for acc_id in ("vera-rubin", "mi455x"):
        assert catalog.accelerator(acc_id).prelaunch


def test_user_catalog_overrides_by_id(tmp_path):
    (tmp_path / "regions.yaml").write_text(
        "- id: us-ercot\n  source: my utility bill\n  as_of: 2026-01-01\n  status: estimate\n"
        "  country: USA\n  grid_gco2_per_kwh: 1\n  grid_year: 2026\n  grid_source: me\n"
        "  power_price_usd_per_mwh: 10\n  power_price_source: me\n  wue_l_per_kwh: 0\n"
        "  lat: 32\n  lon: -99\n"
    )
    cat = Catalog.load([tmp_path])
    assert cat.region("us-ercot").grid_gco2_per_kwh == 1
    assert Catalog.load().region("us-ercot").grid_gco2_per_kwh != 1


def test_bad_user_catalog_is_an_input_error(tmp_path):
    from gigawatt.errors import InputError

    (tmp_path / "systems.yaml").write_text("- id: Bad_Id\n  source: x\n")
    with pytest.raises(InputError) as exc:
        Catalog.load([tmp_path])
    assert "systems.yaml[Bad_Id].id" in str(exc.value)
    (tmp_path / "systems.yaml").unlink()
    (tmp_path / "widgets.yaml").write_text("[]\n")
    with pytest.raises(InputError, match="not a known kind"):
        Catalog.load([tmp_path])
