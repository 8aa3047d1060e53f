"""Consistency of the shipped money and reliability catalog data (deals, costs, failures)."""

from __future__ import annotations

import itertools
import math

import pytest

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


def test_nvidia_loi_later_valuations_rise(cat: Catalog) -> None:
    loi = _deal(cat, "nvidia-openai-loi-2025")
    vals = [point(t.instrument.valuation_usd) for t in loi.tranches]
    assert vals[0] == pytest.approx(500e9)
    assert all(a < b for a, b in itertools.pairwise(vals))


def test_nvidia_equity_2026_post_money(cat: Catalog) -> None:
    eq = _deal(cat, "nvidia-openai-equity-2026")
    assert [t.amount_usd for t in eq.tranches] == [30e9]
    assert point(eq.tranches[0].instrument.valuation_usd) == pytest.approx(730e9 + 110e9)
    assert all(t.trigger.gw_deployed is None for t in eq.tranches)


def test_amd_warrant_shares_and_price_ladder(cat: Catalog) -> None:
    amd = _deal(cat, "amd-openai-2025")
    warrants = [t for t in amd.tranches if t.instrument.type == "warrant"]
    assert sum(t.instrument.shares for t in warrants) == pytest.approx(160e6, rel=1e-12)
    assert all(t.instrument.strike_usd == pytest.approx(0.01) for t in warrants)
    warrants.sort(key=lambda t: t.trigger.gw_deployed)
    assert [t.trigger.gw_deployed for t in warrants] == [1, 2, 3, 4, 5, 6]
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
