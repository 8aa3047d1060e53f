"""PJM's capacity charge by delivery year (`costs.CapacityCharge`): each month is billed at
the clearing price of the delivery year (1 June to 31 May) that holds it, less what the region's
power price carries; before the first dated price at the first, after the last cleared auction
at the last, held flat with a caveat (docs/models/money.md)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import numpy as np
import pytest

from gigawatt.catalog import Catalog
from gigawatt.costs import capacity_charge, capacity_charge_at
from gigawatt.errors import GigawattError
from gigawatt.finance import capacity_charge_caveats
from gigawatt.scenario import load_scenario, month_index
from gigawatt.simulate import simulate


def _dated(catalog: Catalog):
    region = catalog.region("us-pjm")
    return [catalog.parameter(pid) for pid in region.capacity_charge_dated]


def _carried(catalog: Catalog) -> float:
    return catalog.parameter(catalog.region("us-pjm").capacity_charge_carried).value


def test_each_delivery_year_runs_june_to_may_and_they_follow_each_other(catalog):
    dated = sorted(_dated(catalog), key=lambda p: p.applies_from)
    assert len(dated) >= 4
    for rec in dated:
        assert rec.unit == "usd_per_mw_day"
        assert rec.applies_from.endswith("-06") and rec.applies_to.endswith("-05")
        assert month_index(rec.applies_to) - month_index(rec.applies_from) == 11
    for a, b in itertools.pairwise(dated):
        assert month_index(b.applies_from) == month_index(a.applies_to) + 1
    # the id scripts use is still the 2026/27 price, one of the series
    current = catalog.parameter("pjm-capacity-usd-per-mw-day")
    assert (current.applies_from, current.applies_to) == ("2026-06", "2027-05")
    assert current in dated


def test_each_cleared_auction_is_in_the_series_at_its_published_price(catalog):
    """The RTO clearing prices of PJM's Base Residual Auctions for 2024/25 to 2028/29 (USD per
    MW-day: PJM's auction reports; 2028/29 cleared at the cap, 14 Jul 2026), each billed from
    1 June of its delivery year."""
    published = {
        "2024-06": 28.92,
        "2025-06": 269.92,
        "2026-06": 329.17,
        "2027-06": 333.44,
        "2028-06": 325.00,
    }
    by_start = {rec.applies_from: rec.value for rec in _dated(catalog)}
    assert by_start == pytest.approx(published)
    last = catalog.parameter("pjm-capacity-2028-29-usd-per-mw-day")
    assert (last.applies_to, last.status) == ("2029-05", "reported")
    billed = capacity_charge_at(catalog, "us-pjm", dt.date(2029, 5, 31)).usd_per_mw_day
    assert billed == pytest.approx(325.00 - _carried(catalog))


def test_the_price_changes_between_31_may_and_1_june(catalog):
    carried = _carried(catalog)
    by_start = {rec.applies_from: rec.value for rec in _dated(catalog)}
    for year in (2025, 2026, 2027, 2028):
        may = capacity_charge_at(catalog, "us-pjm", dt.date(year, 5, 31)).usd_per_mw_day
        june = capacity_charge_at(catalog, "us-pjm", dt.date(year, 6, 1)).usd_per_mw_day
        assert may == pytest.approx(max(by_start[f"{year - 1}-06"] - carried, 0.0))
        assert june == pytest.approx(max(by_start[f"{year}-06"] - carried, 0.0))
        assert may != june
    # no month asked: the region's current record, as before the series
    current = catalog.parameter("pjm-capacity-usd-per-mw-day").value
    assert capacity_charge_at(catalog, "us-pjm").usd_per_mw_day == pytest.approx(current - carried)
    # a delivery year priced below what the power price carries bills nothing, not a credit
    cheapest = min(_dated(catalog), key=lambda p: p.value)
    if cheapest.value < carried:
        first = dt.date.fromisoformat(f"{cheapest.applies_from}-01")
        assert capacity_charge_at(catalog, "us-pjm", first).usd_per_mw_day == 0.0
    assert capacity_charge_at(catalog, "us-ercot", dt.date(2027, 6, 1)).usd_per_mw_day == 0.0


def test_months_outside_the_series_are_held_at_its_ends_with_a_caveat(catalog):
    charge = capacity_charge(catalog, "us-pjm")
    assert charge is not None
    first, last = charge.periods[0], charge.periods[-1]
    after = np.arange(last.last + 1, last.last + 40)
    assert np.allclose(charge.by_month(after), charge.usd_per_mw_day(last.last))
    before = np.arange(first.first - 30, first.first)
    assert np.allclose(charge.by_month(before), charge.usd_per_mw_day(first.first))
    inside = np.arange(first.first, last.last + 1)
    assert charge.caveat(inside) is None
    caveat = charge.caveat(np.concatenate([inside, after]))
    assert caveat is not None and "held flat" in caveat and last.record in caveat
    assert f"{after.min() // 12}-{after.min() % 12 + 1:02d}" in caveat
    early = charge.caveat(before)
    assert early is not None and first.record in early and "held flat" not in early


def test_finance_bills_by_month_and_says_the_price_is_held_flat(catalog):
    """The default scenario runs to 2032, past the last cleared auction: its Ohio site's
    months after it carry the caveat, in run's and finance's caveats."""
    results = simulate(load_scenario("nvidia-openai-10gw", catalog), catalog, until="finance")
    fin = results.finance
    assert fin is not None
    caveats = capacity_charge_caveats(fin, catalog)
    assert len(caveats) == 1 and caveats[0].startswith("us-pjm (oh-lordstown)")
    assert caveats[0] in results.caveats()
    charge = capacity_charge(catalog, "us-pjm")
    pjm = (fin.phases["region"] == "us-pjm").to_numpy()
    months = fin.first_index + np.arange(fin.months.size)
    expected = fin.energy_mwh[pjm] * charge.by_month(months) / 24
    assert fin.opex_capacity_usd[pjm] == pytest.approx(expected)


def _with(catalog: Catalog, kind: str, rid: str, **update) -> Catalog:
    records = dict(catalog.records[kind])
    records[rid] = records[rid].model_copy(update=update)
    return replace(catalog, records={**catalog.records, kind: records})


def test_a_gap_or_an_undated_record_in_the_series_is_refused(catalog):
    gap = _with(catalog, "costs", "pjm-capacity-usd-per-mw-day", applies_from="2026-07")
    with pytest.raises(GigawattError, match="overlap or leave a gap"):
        capacity_charge(gap, "us-pjm")
    undated = _with(
        catalog, "costs", "pjm-capacity-usd-per-mw-day", applies_from=None, applies_to=None
    )
    with pytest.raises(GigawattError, match="applies_from"):
        capacity_charge(undated, "us-pjm")


def test_the_schema_refuses_half_a_period_and_a_series_without_the_current_price(catalog):
    from gigawatt.catalog.schema import Parameter, Region

    data = catalog.parameter("pjm-capacity-usd-per-mw-day").model_dump(mode="python")
    with pytest.raises(ValueError, match="applies_from and applies_to go together"):
        Parameter.model_validate({**data, "applies_to": None})
    with pytest.raises(ValueError, match="before applies_from"):
        Parameter.model_validate({**data, "applies_to": "2025-05"})
    region = catalog.region("us-pjm").model_dump(mode="python")
    others = [p for p in region["capacity_charge_dated"] if p != region["capacity_charge"]]
    with pytest.raises(ValueError, match="capacity_charge_dated does not list"):
        Region.model_validate({**region, "capacity_charge_dated": others})


def test_a_scenarios_override_of_one_delivery_year_moves_only_its_months(catalog):
    """`costs: {pjm-capacity-usd-per-mw-day: ...}` prices the 2026/27 delivery year, the
    record's period, and nowhere else; finance bills a scenario's overrides."""
    scenario = load_scenario("nvidia-openai-10gw", catalog).resolve()
    base = capacity_charge(catalog, "us-pjm", scenario)
    rec = catalog.parameter("pjm-capacity-usd-per-mw-day")
    higher = rec.value + 100.0
    changed = scenario.model_copy(update={"costs": {**scenario.costs, rec.id: higher}})
    moved = capacity_charge(catalog, "us-pjm", changed)
    months = np.arange(month_index("2024-01"), month_index("2030-12") + 1)
    inside = (months >= month_index(rec.applies_from)) & (months <= month_index(rec.applies_to))
    diff = moved.by_month(months) - base.by_month(months)
    assert np.allclose(diff[inside], 100.0) and np.allclose(diff[~inside], 0.0)
    # the last cleared year, held flat after it, prices every month of the default scenario's
    # Ohio site from its first: an override of that record moves the bill of those months only
    last = base.periods[-1]
    dearer = scenario.model_copy(
        update={"costs": {**scenario.costs, last.record: last.usd_per_mw_day + 100.0}}
    )
    plain = simulate(scenario, catalog, until="finance").finance
    moved_bill = simulate(dearer, catalog, until="finance").finance
    pjm = (plain.phases["region"] == "us-pjm").to_numpy()
    from_last = plain.first_index + np.arange(plain.months.size) >= last.first
    assert plain.energy_mwh[pjm][:, ~from_last].sum() > 0  # it draws before the last year too
    draw_mw_days = plain.energy_mwh[pjm][:, from_last].sum() / 24
    assert moved_bill.opex_capacity_usd.sum() - plain.opex_capacity_usd.sum() == pytest.approx(
        100.0 * draw_mw_days
    )


def test_a_run_starting_after_the_last_auction_says_its_charge_is_held_flat(catalog):
    """`train`'s energy in us-pjm carries the start month's delivery-year charge; a start
    after the last cleared year carries the held-flat caveat (`capacity_charge_caveat`)."""
    from gigawatt.training import run_costs

    system = catalog.system("gb200-nvl72")
    last = capacity_charge(catalog, "us-pjm").periods[-1]
    inside = run_costs(catalog, system, 1e6, 2_000.0, "us-pjm", 1.2, start=dt.date(2027, 3, 1))
    assert inside.capacity_caveat is None
    late = dt.date(last.last // 12 + 1, 3, 1)
    after = run_costs(catalog, system, 1e6, 2_000.0, "us-pjm", 1.2, start=late)
    assert after.capacity_caveat is not None
    assert f"the month {late:%Y-%m} is billed" in after.capacity_caveat
    assert last.record in after.capacity_caveat
    assert run_costs(catalog, system, 1e6, 2_000.0, "us-pjm", 1.2).capacity_caveat is None
    ercot = run_costs(catalog, system, 1e6, 2_000.0, "us-ercot", 1.2, start=late)
    assert ercot.capacity_caveat is None


def test_a_runs_energy_bills_the_one_function_that_dates_the_charge(catalog):
    """`run_costs` prices a PJM run's capacity charge and its caveat with `capacity_charge_at`
    (the delivery-year month was computed twice, in training and in costs): for starts before,
    inside and after the dated years, the run's energy per accelerator-hour is the power price
    plus that function's charge / 24 and its caveat is that function's."""
    from gigawatt.training import run_costs

    system = catalog.system("gb200-nvl72")
    charge = capacity_charge(catalog, "us-pjm")
    first, last = charge.periods[0], charge.periods[-1]
    power = catalog.region("us-pjm").power_price_usd_per_mwh
    starts = [
        None,
        dt.date(first.first // 12 - 1, 3, 1),
        dt.date(2027, 3, 1),
        dt.date(last.last // 12 + 2, 7, 1),
    ]
    for start in starts:
        where = "" if start is None else f" (a run starting {start:%Y-%m})"
        billed = capacity_charge_at(catalog, "us-pjm", start, None, where)
        run = run_costs(catalog, system, 1e6, 2_000.0, "us-pjm", 1.2, start=start)
        price = power + billed.usd_per_mw_day / 24
        assert run.ownership.energy == pytest.approx(2_000.0 * price / 1e6), start
        assert run.capacity_caveat == billed.caveat, start
    assert capacity_charge_at(catalog, "us-pjm", starts[-1]).caveat is not None
    assert capacity_charge_at(catalog, "us-pjm", starts[2]).caveat is None


def test_a_runs_energy_takes_the_scenarios_override_as_finance_does(catalog):
    from gigawatt.training import run_costs

    system = catalog.system("gb200-nvl72")
    scenario = load_scenario("nvidia-openai-10gw", catalog).resolve()
    rec = catalog.parameter("pjm-capacity-usd-per-mw-day")
    dearer = scenario.model_copy(update={"costs": {**scenario.costs, rec.id: rec.value + 240.0}})
    start = dt.date.fromisoformat(f"{rec.applies_from}-01")
    args = (catalog, system, 1e6, 2_000.0, "us-pjm", 1.2)
    plain = run_costs(*args, start=start, scenario=scenario)
    moved = run_costs(*args, start=start, scenario=dearer)
    # 240 USD per MW-day is 10 USD per MWh drawn: 2,000 MWh over 1e6 accelerator-hours
    assert moved.ownership.energy - plain.ownership.energy == pytest.approx(2_000.0 * 10 / 1e6)


def test_the_supply_optimum_bills_the_scenarios_override_as_finance_does(catalog):
    """`energy --supply` bills the capacity charge on the campus's peak grid import; a
    scenario's `costs` override of the delivery year's record moves that bill, as it moves
    finance's and `train`'s (it read the catalog's price alone). The Ohio site draws past the
    last cleared auction, so that record prices all twelve months the optimum models."""
    from gigawatt.energy.sites import SupplyOptions, find_site, site_supply

    scenario = load_scenario("nvidia-openai-10gw", catalog).resolve()
    last = capacity_charge(catalog, "us-pjm", scenario).periods[-1]
    dearer = scenario.model_copy(
        update={"costs": {**scenario.costs, last.record: last.usd_per_mw_day + 100.0}}
    )
    energy = simulate(scenario, catalog, until="energy").energy
    site = find_site(scenario, "oh-lordstown", "--supply")
    plain, moved = (
        site_supply(sc, catalog, energy, site, SupplyOptions(hours=24)) for sc in (scenario, dearer)
    )
    assert plain["capacity_charge_usd_per_mw_day"] > 0
    assert moved["capacity_charge_usd_per_mw_day"] - plain["capacity_charge_usd_per_mw_day"] == (
        pytest.approx(100.0)
    )


def test_train_prints_the_held_flat_capacity_charge_its_json_gives(capsys, catalog):
    """`train --json` gave `capacity_charge_caveat` for a PJM run starting after the last
    cleared delivery year while the text said nothing of it beside the ownership cost it
    moves; the text now prints the same caveat, whose one month reads "a cleared price for
    it"."""
    import json

    from gigawatt.cli import main

    last = capacity_charge(catalog, "us-pjm").periods[-1]
    late = f"{last.last // 12 + 1}-03"
    args = ["train", "--model", "llama3-8b", "--tokens", "1e11", "--system", "h100", "--gpus",
            "64", "--region", "us-pjm", "--start", late]  # fmt: skip
    outs = []
    for extra in ([], ["--json"]):
        with pytest.raises(SystemExit) as exc:
            main(args + extra)
        out, err = capsys.readouterr()
        assert exc.value.code == 0, err
        outs.append(out)
    caveat = json.loads(outs[1])["capacity_charge_caveat"]
    assert caveat and f"the month {late} is billed" in caveat
    assert caveat.endswith("power price carries.") and "a cleared price for it;" in caveat
    assert f"Capacity charge in the energy: {caveat}" in " ".join(outs[0].split())


def test_capability_prints_a_frontier_runs_held_flat_capacity_charge(capsys, tmp_path):
    """`capability --json` gives each frontier run's `capacity_charge_caveat`; the text's note
    on the run said nothing of it. A PJM campus's run starting after the last cleared
    delivery year now carries the same caveat in its note."""
    import json

    from gigawatt.cli import main

    path = tmp_path / "pjm-run.yaml"
    path.write_text(
        "name: pjm-run\n"
        "title: a PJM campus whose frontier run starts after the last cleared auction\n"
        "start: 2026-01\nend: 2030-12\npower_basis: it\n"
        "sites:\n  - name: oh-site\n    region: us-pjm\n    phases:\n"
        "      - {online: 2026-10, power_gw: 0.2, system: gb300-nvl72, ramp_months: 1}\n"
        "frontier_runs:\n  - {name: late-run, start: 2029-06, duration_days: 30}\n",
        encoding="utf-8",
    )
    outs = []
    for extra in ([], ["--json"]):
        with pytest.raises(SystemExit) as exc:
            main(["capability", str(path), *extra])
        out, err = capsys.readouterr()
        assert exc.value.code == 0, err
        outs.append(out)
    (run,) = json.loads(outs[1])["frontier_runs"]
    caveat = run["capacity_charge_caveat"]
    assert caveat and "the month 2029-06 is billed" in caveat
    assert f"Capacity charge in its energy: {caveat}" in " ".join(outs[0].split())
