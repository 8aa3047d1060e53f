"""Consistency of the shipped money and reliability catalog data (deals, costs, failures)."""

from __future__ import annotations

import itertools
import math
import re

import pytest
import yaml

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Deal, FailureModel, Parameter, PriceProcess
from gigawatt.distributions import point


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return Catalog.load()


def _deal(cat: Catalog, id_: str) -> Deal:
    deal = cat.deal(id_)
    assert isinstance(deal, Deal)
    return deal


def test_nvidia_loi_tranches_sum_to_cap(cat: Catalog) -> None:
    loi = _deal(cat, "nvidia-openai-loi-2025")
    assert loi.cap_usd == pytest.approx(100e9)
    assert sum(t.amount_usd for t in loi.tranches) == pytest.approx(loi.cap_usd, rel=1e-12)


def test_nvidia_loi_has_one_signing_tranche_and_nine_gw_tranches(cat: Catalog) -> None:
    loi = _deal(cat, "nvidia-openai-loi-2025")
    signing = [t for t in loi.tranches if t.trigger.definitive_agreement]
    by_gw = [t for t in loi.tranches if t.trigger.gw_deployed is not None]
    assert len(signing) == 1
    assert signing[0].trigger.gw_deployed is None
    assert sorted(t.trigger.gw_deployed for t in by_gw) == list(range(2, 11))
    assert len(loi.tranches) == 10
    assert loi.stage == "letter-of-intent"
    assert loi.signing_status == "estimate"
    assert loi.superseded_by is not None and cat.has("deals", loi.superseded_by)


def test_nvidia_loi_later_valuations_widen_around_the_latest_public_one(cat: Catalog) -> None:
    """Every tranche at USD 852B (OpenAI's round closed 31 Mar 2026, the latest public
    valuation; rule in docs/models/money.md); the later tranches' spread widens with distance."""
    loi = _deal(cat, "nvidia-openai-loi-2025")
    vals = [point(t.instrument.valuation_usd) for t in loi.tranches]
    assert vals == pytest.approx([852e9] * 10)
    sigmas = [t.instrument.valuation_usd.lognormal.sigma for t in loi.tranches[1:]]
    assert all(a < b for a, b in itertools.pairwise(sigmas))


def test_nvidia_equity_2026_post_money(cat: Catalog) -> None:
    eq = _deal(cat, "nvidia-openai-equity-2026")
    assert [t.amount_usd for t in eq.tranches] == [30e9]
    assert point(eq.tranches[0].instrument.valuation_usd) == pytest.approx(730e9 + 122e9)
    assert all(t.trigger.gw_deployed is None for t in eq.tranches)


def test_amd_warrant_shares_and_price_ladder(cat: Catalog) -> None:
    amd = _deal(cat, "amd-openai-2025")
    warrants = [t for t in amd.tranches if t.instrument.type == "warrant"]
    assert sum(t.instrument.shares for t in warrants) == pytest.approx(160e6, rel=1e-12)
    assert all(t.instrument.strike_usd == pytest.approx(0.01) for t in warrants)
    # vesting on GW delivered (8-K: "after the delivery of the initial one (1) gigawatt")
    warrants.sort(key=lambda t: t.trigger.gw_delivered)
    assert [t.trigger.gw_delivered for t in warrants] == [1, 2, 3, 4, 5, 6]
    assert all(t.trigger.gw_deployed is None for t in warrants)
    targets = [t.trigger.share_price_usd for t in warrants[1:]]
    assert targets[-1] == pytest.approx(600.0)
    assert all(a < b for a, b in itertools.pairwise(targets))
    steps = [b - a for a, b in itertools.pairwise(targets)]
    assert max(steps) - min(steps) < 0.02  # evenly spread (rounded to cents)
    assert all(t.trigger.share == "amd" for t in warrants[1:])
    assert cat.has("prices", "amd")


def test_amd_ladder_starts_from_the_amd_price_process(cat: Catalog) -> None:
    amd = _deal(cat, "amd-openai-2025")
    process = cat.get("prices", "amd")
    assert isinstance(process, PriceProcess)
    targets = sorted(
        t.trigger.share_price_usd for t in amd.tranches if t.trigger.share_price_usd is not None
    )
    step = (600.0 - process.start_usd) / len(targets)
    assert targets[0] == pytest.approx(process.start_usd + step, abs=0.01)


def test_stargate_tranches_sum_to_cap(cat: Catalog) -> None:
    sg = _deal(cat, "stargate-2025")
    assert sum(t.amount_usd for t in sg.tranches) == pytest.approx(sg.cap_usd, rel=1e-9)


def test_capex_shares_sum_to_one(cat: Catalog) -> None:
    ids = ("capex-share-systems", "capex-share-facility", "capex-share-power")
    shares = [point(cat.parameter(i).value) for i in ids]
    assert math.fsum(shares) == pytest.approx(1.0, abs=1e-9)


# --- one price per system, and the capex it implies ----------------------------------------


def test_every_system_price_is_cited_and_dated(cat: Catalog) -> None:
    import datetime as dt

    for sys_ in cat.all("systems"):
        price = sys_.price  # type: ignore[attr-defined]
        assert len(price.source) > 40, sys_.id
        assert price.as_of <= dt.date(2026, 11, 29), sys_.id
        # a record's status is never stronger than its price's
        order = ("official", "reported", "analyst", "estimate")
        assert order.index(sys_.status) >= order.index(price.status), sys_.id


def test_rack_prices_match_the_quotes(cat: Catalog) -> None:
    rubin = cat.system("vera-rubin-nvl72")  # Morgan Stanley, May 2026: USD 7,803,148 a rack
    assert rubin.price.usd_point == 7_803_148 and rubin.price.per == "rack"
    assert rubin.price_usd_per_accelerator == pytest.approx(7_803_148 * 1.10 / 72)
    gb200 = cat.system("gb200-nvl72")  # Bernstein, Oct 2025: USD 3.4M incl. networking
    assert gb200.price_usd_per_rack == pytest.approx(3.4e6)
    # Helios: JPMorgan's 20 % below the Vera Rubin rack (mode); SemiAnalysis's per-GPU capital
    # cost ratios (VR 14-15 % above MI4XX, 45 % above GB300) on the VR and GB300 racks (range)
    helios = cat.system("helios-mi450")
    tri = helios.price.usd.triangular
    assert tri.mode == pytest.approx(0.8 * 7_803_148, rel=0.001)
    assert tri.high == pytest.approx(7_803_148 / 1.145, rel=0.001)
    # low: AMD's own content per GW of IT (USD 17.5B, BofA) at the share NVIDIA's content (USD
    # 35B per GW, Huang) has of this catalog's Vera Rubin systems per GW of IT, with the network
    from gigawatt.costs import CostParameters, capex_usd_per_gw

    rubin_it = capex_usd_per_gw(cat.system("vera-rubin-nvl72"), 1.15, CostParameters.of(cat), "it")
    per_gw = 17.5e9 / (35e9 / rubin_it.systems_usd)
    per_rack = per_gw / (1 + helios.price.network_share) / (1e9 / 2600) * 72
    assert tri.low == pytest.approx(per_rack, rel=0.01)
    assert helios.price.per == "rack" and helios.price.includes


def test_derived_capex_per_gw_against_published_all_in_figures(cat: Catalog) -> None:
    """Not fitted: bottom-up capex per GW at the grid (PUE 1.15) against the all-in figures.

    GB200: Bernstein's about USD 35B per GW (Oct 2025), within 10 %. Vera Rubin: inside the
    USD 35-60B range of the analysts' and Huang's 2025 figures, which predate Rubin's memory
    costs. AMD: the all-in Helios systems of a GW of IT cost more than AMD's own content of it
    (USD 15-20B of GPUs, CPUs and DPUs: AMD's CFO, Oct 2025; "roughly USD 90B" for 6 GW, the
    press) and less than the Vera Rubin systems of a GW they are priced against.
    """
    from gigawatt.costs import CostParameters, capex_usd_per_gw

    params = CostParameters.of(cat)
    gb200 = capex_usd_per_gw(cat.system("gb200-nvl72"), 1.15, params, "facility")
    assert gb200.total_usd == pytest.approx(35e9, rel=0.10)
    rubin = capex_usd_per_gw(cat.system("vera-rubin-nvl72"), 1.15, params, "facility")
    assert 35e9 <= rubin.total_usd <= 60e9
    helios = capex_usd_per_gw(cat.system("helios-mi450"), 1.15, params, "it")
    rubin_it = capex_usd_per_gw(cat.system("vera-rubin-nvl72"), 1.15, params, "it")
    assert 20e9 < helios.systems_usd < rubin_it.systems_usd


def test_rental_records_name_an_accelerator_and_a_tier(cat: Catalog) -> None:
    rentals = [r for r in cat.all("prices") if r.process == "rental"]  # type: ignore[attr-defined]
    assert {cat.accelerator(r.accelerator).id for r in rentals} >= {  # type: ignore[attr-defined]
        "a100-sxm-80gb", "h100-sxm", "h200-sxm", "b200"
    }  # fmt: skip
    for r in rentals:
        assert r.pricing in ("index", "reserved", "on-demand"), r.id  # type: ignore[attr-defined]
        assert 0.5 <= r.start_usd <= 20, r.id  # type: ignore[attr-defined]


def test_an_index_series_is_one_index(cat: Catalog) -> None:
    """The market basis interpolates between an accelerator's index records, so they must be
    values of one index (kinds are never spliced into one series): the records of a series
    share their name but for the month a dated record adds, and each has a month of its own."""
    series: dict[str, list] = {}
    for r in cat.all("prices"):
        if r.process == "rental" and r.pricing == "index":  # type: ignore[attr-defined]
            series.setdefault(cat.accelerator(r.accelerator).id, []).append(r)  # type: ignore[attr-defined]
    assert any(len(recs) > 1 for recs in series.values())
    for acc, recs in series.items():
        names = {re.sub(r", \d{4}-\d{2}$", "", r.label) for r in recs}
        assert len(names) == 1, (acc, names)
        months = [r.start_month for r in recs]  # type: ignore[attr-defined]
        assert len(set(months)) == len(months), (acc, months)
        for r in recs:
            if r.label != next(iter(names)):
                assert r.label.endswith(r.start_month), r.id  # type: ignore[attr-defined]


def test_no_duplicate_rental_parameters(cat: Catalog) -> None:
    """Market rates live in the prices catalog only (one number per quantity)."""
    assert not [r.id for r in cat.all("costs") if "rental" in r.id]


def test_parameter_points_inside_their_ranges(cat: Catalog) -> None:
    for rec in cat.all("costs"):
        assert isinstance(rec, Parameter)
        v = point(rec.value)
        if rec.low is not None:
            assert rec.low <= v, rec.id
        if rec.high is not None:
            assert v <= rec.high, rec.id


def test_h100_class_sums_to_llama3_rate(cat: Catalog) -> None:
    fm = cat.failure_model("h100-class")
    assert isinstance(fm, FailureModel)
    llama3 = 419 / (16_384 * 54 * 24)  # unexpected interruptions per GPU-hour
    assert llama3 == pytest.approx(1.97e-5, rel=0.01)
    assert fm.rate_per_accelerator_hour == pytest.approx(1.97e-5, rel=0.01)
    assert fm.planned_per_job_day == pytest.approx(47 / 54, abs=0.005)


def test_kokolis_rates_match_node_day_figures(cat: Catalog) -> None:
    for id_, per_1000_node_days in (("a100-rsc1", 6.50), ("a100-rsc2", 2.34)):
        fm = cat.failure_model(id_)
        assert fm.rate_per_accelerator_hour == pytest.approx(
            per_1000_node_days / 1000 / 24 / 8, rel=1e-3
        )


def test_every_cause_rate_within_its_range(cat: Catalog) -> None:
    for fm in cat.all("failures"):
        assert isinstance(fm, FailureModel)
        for c in fm.causes:
            if c.low is not None:
                assert c.low <= c.rate_per_accelerator_hour, (fm.id, c.cause)
            if c.high is not None:
                assert c.rate_per_accelerator_hour <= c.high, (fm.id, c.cause)


def test_every_cost_record_says_what_it_includes_and_its_basis_year(cat: Catalog) -> None:
    """A cost figure is only comparable when its scope and its year are known: each record of
    the costs catalog ends its note with "Includes: ..." and "Basis year: ..." (a year, or why
    the figure has none)."""
    records = [r for rid, r in cat.records["costs"].items() if r.id == rid]
    assert len(records) > 20
    bad = []
    for rec in records:
        note = rec.note or ""
        basis = re.search(r"Basis year: ([^.;]*)", note)
        if "Includes: " not in note or basis is None:
            bad.append(f"{rec.id}: no Includes/Basis year")
        elif not re.search(r"\b(19|20)\d\d\b|none of its own", basis.group(1)):
            bad.append(f"{rec.id}: basis year {basis.group(1)!r} names no year")
    assert bad == []


def test_the_operations_share_lists_no_depreciation_among_its_components(cat: Catalog) -> None:
    """Operations (opex) and depreciation are separate lines of the finance model; the
    operations share's source listed 'IAS 16 straight-line lives' first among its components,
    which reads as depreciation counted twice. Its components and its `Includes:` clause name
    running costs only."""
    rec = cat.get("costs", "opex-operations-share-per-year")
    components = rec.source.split("Components:", 1)[1].split("(not depreciation", 1)[0]
    includes = rec.note.split("Includes:", 1)[1]
    for text in (components, includes.split("; not", 1)[0]):
        assert "IAS 16" not in text and "depreciat" not in text.lower() and "lives" not in text


def test_only_share_prices_carry_drift_and_volatility(cat: Catalog) -> None:
    """The share-price paths (gigawatt.deals) read drift and volatility; the market cost basis
    reads a rental record's value and month only, so no rental record carries them (a zero
    there was a number nothing read)."""
    prices = [r for r in cat.all("prices") if isinstance(r, PriceProcess)]
    rentals = [r for r in prices if r.process == "rental"]
    shares = [r for r in prices if r.process == "share-price"]
    assert rentals and shares
    for r in rentals:
        assert (r.drift_per_year, r.volatility_per_year) == (None, None), r.id
    for r in shares:
        assert r.drift_per_year is not None and r.volatility_per_year is not None, r.id


RENTAL = {
    "id": "h100-rental",
    "source": "test fixture 2026",
    "as_of": "2026-06-30",
    "status": "reported",
    "process": "rental",
    "accelerator": "h100-sxm",
    "pricing": "index",
    "start_usd": 2.5,
    "start_month": "2026-06",
    "unit": "usd_per_accelerator_hour",
}


@pytest.mark.parametrize(
    ("field", "value"), [("drift_per_year", 0.0), ("volatility_per_year", 0.3)]
)
def test_a_rental_record_with_drift_or_volatility_is_refused(
    tmp_path, capsys, field: str, value: float
) -> None:
    """Even a zero: the field would read as a modelled motion of the rate that nothing
    applies. Refused at load with the field, its value and what is allowed; the CLI exits 2."""
    from cli_cases import refused
    from gigawatt.errors import InputError

    (tmp_path / "prices.yaml").write_text(yaml.safe_dump([{**RENTAL, field: value}]))
    with pytest.raises(InputError) as exc:
        Catalog.load([tmp_path])
    message = str(exc.value)
    assert "prices.yaml[h100-rental]" in message
    assert f"{field} ({value})" in message and "share-price only" in message
    err = refused(capsys, "--catalog", str(tmp_path), "catalog", "prices")
    assert f"{field} ({value})" in err and "Traceback" not in err


def test_a_share_price_without_drift_is_refused(tmp_path) -> None:
    from gigawatt.errors import InputError

    record = {
        "id": "nvda",
        "source": "test fixture 2026",
        "as_of": "2026-06-30",
        "status": "estimate",
        "process": "share-price",
        "start_usd": 180.0,
        "start_month": "2026-06",
        "volatility_per_year": 0.5,
    }
    (tmp_path / "prices.yaml").write_text(yaml.safe_dump([record]))
    with pytest.raises(InputError, match=r"prices\.yaml\[nvda\].*needs drift_per_year"):
        Catalog.load([tmp_path])
    (tmp_path / "prices.yaml").write_text(yaml.safe_dump([{**record, "drift_per_year": 0.08}]))
    loaded = Catalog.load([tmp_path]).get("prices", "nvda")
    assert isinstance(loaded, PriceProcess) and loaded.gbm() == (0.08, 0.5)


def test_construction_months_note_tells_abilene_programme_from_the_scenario_phase(
    cat: Catalog,
) -> None:
    """The construction-months note's Abilene phase 2 point is the announced building programme
    (the rest of the campus's 1.2 GW of power capacity), not the stargate-10gw scenario's
    phase, which its GPUs size smaller: the note names both, and the scenario's figure it quotes
    is the one the scenario holds."""
    from gigawatt.scenario import load_scenario

    note = " ".join((cat.get("costs", "construction-months").note or "").split())
    assert "1 GW phase 2" not in note
    sc = load_scenario("stargate-10gw", cat)
    (phase,) = [p for s in sc.sites for p in s.phases if p.name == "abilene-2"]
    quoted = re.search(r"stargate-10gw scenario sizes that phase by its GPUs, ([\d.]+) GW", note)
    assert quoted is not None, note
    assert float(quoted.group(1)) == pytest.approx(point(phase.power_gw))
    assert "announced 1.2 GW" in note
