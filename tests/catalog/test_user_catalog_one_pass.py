"""A user's catalog file with several mistakes says all of them in one run.

The checks across a record's fields (a trigger's condition, a lease's `covers`, a record's
status against its fields') are made on the input as written, beside the fields' own errors,
and every record of every user file is read before the refusal (`gigawatt.catalog`).
"""

from __future__ import annotations

import pytest

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError

_DEAL_HEAD = (
    "  source: Example Corp, press release of the deal, https://example.org/deal\n"
    "  as_of: 2026-01-10\n  investor: nvidia\n  investee: openai\n  stage: definitive\n"
    "  announced: 2026-01-10\n"
)


def _deal(id_: str, status: str, rest: str) -> str:
    return f"- id: {id_}\n  status: {status}\n{_DEAL_HEAD}{rest}"


def _problems(folder) -> dict[str, list[str]]:
    """Each field path the refusal names, with its messages."""
    with pytest.raises(InputError) as exc:
        Catalog.load([folder])
    out: dict[str, list[str]] = {}
    for p in exc.value.problems:
        out.setdefault(p.field or "", []).append(p.message)
    return out


def test_every_mistake_of_a_deals_file_in_one_run(tmp_path) -> None:
    (tmp_path / "deals.yaml").write_text(
        _deal(
            "mine",
            "official",
            "  field_status: {cap_usd: estimate}\n  cap_usd: -5\n  tranches:\n"
            "    - name: a\n      trigger: {month: 2026-06}\n"
            "      instrument: {type: equity, covers: [x], voting: maybe}\n"
            "    - name: b\n      amount_usd: -1\n      trigger: {share_price_days: 0}\n"
            "      instrument: {type: lease, covers: [], term_years: -1}\n",
        )
        + _deal("other", "bogus", "  field_status: {bogus: reported}\n")
    )
    found = _problems(tmp_path)
    at = str(tmp_path / "deals.yaml")
    deal, t0, t1 = f"{at}[mine]", f"{at}[mine].tranches[0]", f"{at}[mine].tranches[1]"
    # the checks across fields, each beside the errors that used to hide it
    assert "is stronger than its fields (cap_usd is estimate)" in found[deal][0]
    assert found[f"{deal}.cap_usd"]
    assert found[f"{t0}.trigger"] == ["a trigger needs at least one condition"]
    assert found[f"{t0}.trigger.month"]
    assert found[f"{t0}.instrument"] == ["covers is for a lease; this instrument is 'equity'"]
    assert found[f"{t0}.instrument.voting"]
    assert found[f"{t1}.amount_usd"] and found[f"{t1}.trigger.share_price_days"]
    assert found[f"{t1}.trigger"] == ["a trigger needs at least one condition"]
    assert found[f"{t1}.instrument"] == ["covers: an empty list; allowed: one or more phase names"]
    assert found[f"{t1}.instrument.term_years"]
    # and the next record's, not only the first bad record's
    assert "field_status names bogus, not a field" in found[f"{at}[other]"][0]
    assert found[f"{at}[other].status"]


def test_a_condition_written_wrongly_is_its_own_error_alone(tmp_path) -> None:
    """A condition the trigger gives but whose value is refused is no missing condition."""
    (tmp_path / "deals.yaml").write_text(
        _deal(
            "mine",
            "estimate",
            "  tranches:\n    - name: a\n      trigger: {gw_deployed: -1}\n"
            "      instrument: {type: equity}\n"
            "    - name: b\n      trigger: {definitive_agreement: maybe}\n"
            "      instrument: {type: equity}\n",
        )
    )
    found = _problems(tmp_path)
    at = f"{tmp_path / 'deals.yaml'}[mine].tranches"
    assert set(found) == {f"{at}[0].trigger.gw_deployed", f"{at}[1].trigger.definitive_agreement"}


def test_signing_given_twice_differently_is_said_beside_other_errors(tmp_path) -> None:
    (tmp_path / "deals.yaml").write_text(
        _deal(
            "mine",
            "estimate",
            "  field_status: {signing: reported}\n  signing: 2026-06\n"
            "  signing_status: estimate\n  gw: -1\n",
        )
    )
    found = _problems(tmp_path)
    at = f"{tmp_path / 'deals.yaml'}[mine]"
    assert found[at] == [
        "field_status gives signing 'reported' but signing_status is 'estimate': give one"
    ]
    assert found[f"{at}.gw"]


def test_every_user_file_is_read_before_the_refusal(tmp_path) -> None:
    (tmp_path / "deals.yaml").write_text(_deal("mine", "estimate", "  gw: -1\n"))
    (tmp_path / "regions.yaml").write_text("- id: Bad_Id\n  source: x\n")
    found = _problems(tmp_path)
    assert f"{tmp_path / 'deals.yaml'}[mine].gw" in found
    assert f"{tmp_path / 'regions.yaml'}[Bad_Id].id" in found


def test_a_shipped_record_copied_as_written_is_still_accepted(tmp_path, catalog) -> None:
    """Nothing accepted before is refused: every shipped deal, written back as a user's file
    under its own id, loads as it was."""
    import yaml

    deals = [
        {**d.model_dump(mode="json", exclude_defaults=True), "aliases": []}
        for d in catalog.all("deals")
    ]
    (tmp_path / "deals.yaml").write_text(yaml.safe_dump(deals, sort_keys=False))
    loaded = Catalog.load([tmp_path])
    for d in catalog.all("deals"):
        assert loaded.deal(d.id).model_dump(exclude={"aliases"}) == d.model_dump(
            exclude={"aliases"}
        )


def test_each_kinds_checks_across_fields_beside_other_errors(tmp_path) -> None:
    """The other kinds' checks across fields too: a region's capacity charge without the part
    the power price carries beside a latitude out of range; a share-price process without its
    volatility beside a bad start month; and a check is skipped when a value it compares is
    refused on its own (a model's refused `heads` is not also said not to divide)."""
    (tmp_path / "regions.yaml").write_text(
        "- id: my-region\n  source: Example utility, tariff sheet, https://example.org/t\n"
        "  as_of: 2026-01-01\n  status: estimate\n  country: USA\n  grid_gco2_per_kwh: 300\n"
        "  grid_year: 2026\n  grid_source: me\n  power_price_usd_per_mwh: 10\n"
        "  power_price_source: me\n  wue_l_per_kwh: 0\n  lat: 320\n  lon: -99\n"
        "  capacity_charge: pjm-capacity-2025\n"
    )
    (tmp_path / "prices.yaml").write_text(
        "- id: my-share\n  source: Example exchange, closing prices, https://example.org/p\n"
        "  as_of: 2026-01-01\n  status: estimate\n  process: share-price\n  start_usd: 10\n"
        "  start_month: 2026-13\n  drift_per_year: 0.1\n"
    )
    found = _problems(tmp_path)
    region, share = f"{tmp_path / 'regions.yaml'}[my-region]", f"{tmp_path / 'prices.yaml'}"
    assert found[region][0].startswith("capacity_charge and capacity_charge_carried go together")
    assert found[f"{region}.lat"]
    assert found[f"{share}[my-share]"][0].startswith("a share-price process needs volatility")
    assert found[f"{share}[my-share].start_month"]


def test_a_check_is_skipped_when_a_value_it_compares_is_refused(tmp_path, catalog) -> None:
    """A shipped model copied with `heads` refused: `heads` is said, not also that `kv_heads`
    does not divide it; with `heads` right, the division is said beside another error."""
    import yaml

    record = catalog.model("llama3-8b").model_dump(mode="json", exclude_defaults=True)
    mine = {**record, "id": "mine", "aliases": [], "heads": -1, "kv_heads": 3}
    (tmp_path / "models.yaml").write_text(yaml.safe_dump([mine], sort_keys=False))
    found = _problems(tmp_path)
    at = f"{tmp_path / 'models.yaml'}[mine]"
    assert set(found) == {f"{at}.heads"}
    mine.update(heads=record["heads"], source="x")
    (tmp_path / "models.yaml").write_text(yaml.safe_dump([mine], sort_keys=False))
    found = _problems(tmp_path)
    assert found[at] == [f"kv_heads (3) must divide heads ({record['heads']})"]
    assert found[f"{at}.source"]


def _region(id_: str, grid: float) -> str:
    return (
        f"- id: {id_}\n  source: Example utility, tariff sheet, https://example.org/t\n"
        f"  as_of: 2026-01-01\n  status: estimate\n  country: USA\n  grid_gco2_per_kwh: {grid}\n"
        "  grid_year: 2026\n  grid_source: me\n  power_price_usd_per_mwh: 10\n"
        "  power_price_source: me\n  wue_l_per_kwh: 0\n  lat: 32\n  lon: -99\n"
    )


def test_the_grid_floor_is_said_beside_other_files_errors(tmp_path, catalog) -> None:
    """A region's intensity below the catalog's floor (a kg/kWh figure) is said for every such
    region and beside another file's mistakes; not judged while the user's own energy file,
    which may give the floor, is refused."""
    floor = catalog.get("energy", "grid-intensity-floor-gco2-per-kwh").value
    low = floor / 2
    (tmp_path / "regions.yaml").write_text(_region("one", low) + _region("two", low))
    (tmp_path / "deals.yaml").write_text(_deal("mine", "estimate", "  gw: -1\n"))
    found = _problems(tmp_path)
    regions = tmp_path / "regions.yaml"
    for id_ in ("one", "two"):
        assert "kg/kWh?" in found[f"{regions}[{id_}].grid_gco2_per_kwh"][0]
    assert f"{tmp_path / 'deals.yaml'}[mine].gw" in found
    (tmp_path / "energy.yaml").write_text("- id: Bad_Id\n")
    found = _problems(tmp_path)
    assert not any(field.endswith("grid_gco2_per_kwh") for field in found)
