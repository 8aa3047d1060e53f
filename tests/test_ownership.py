"""Ownership and concentration: stake and dilution arithmetic, warrants as a stake, HHI, the
world-compute path, and the Sankey flows against the finance totals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import toy_scenario
from gigawatt import app as api
from gigawatt.errors import InputError
from gigawatt.ownership import (
    StakeEvent,
    compound_growth,
    dilute,
    hhi,
    run_ownership,
    stake_paths,
    warrant_stake,
)
from gigawatt.simulate import simulate


def _event(company: str, month: str, post: float, **bought: float) -> StakeEvent:
    return StakeEvent(company, month, post, dict(bought), "test", "estimate")


# --- the arithmetic, by hand ---------------------------------------------------------------------


def test_dilute_by_hand():
    # A buys 10 at a post-money 100 (10 %); then others put 50 in at a post-money 250 (20 %):
    # A keeps 10 % x (1 - 20 %) = 8 %
    after_a = dilute(np.array([0.0, 0.0]), np.array([10.0, 0.0]), 100.0)
    np.testing.assert_allclose(after_a, [0.10, 0.0])
    after_b = dilute(after_a, np.array([0.0, 50.0]), 250.0)
    np.testing.assert_allclose(after_b, [0.08, 0.20])


def test_one_round_with_several_buyers_is_not_sequential():
    """NVIDIA's USD 30B in the USD 110B round at USD 840B post-money: 30/840, not diluted by
    the other 80 of the same round."""
    month_idx = np.arange(24300, 24312)
    paths, undiluted = stake_paths(
        [_event("openai", "2025-02", 840e9, nvidia=30e9, others=80e9)], month_idx
    )
    assert paths[("nvidia", "openai")][-1] == pytest.approx(30 / 840)
    assert paths[("others", "openai")][-1] == pytest.approx(80 / 840)
    assert undiluted[("nvidia", "openai")] == pytest.approx(30 / 840)


def test_stake_path_steps_at_each_round():
    month_idx = np.arange(2025 * 12, 2025 * 12 + 12)  # 2025-01 .. 2025-12
    events = [
        _event("co", "2025-03", 100.0, a=10.0),
        _event("co", "2025-07", 250.0, b=50.0),
        _event("co", "2025-10", 500.0, a=50.0),
    ]
    paths, undiluted = stake_paths(events, month_idx)
    a = paths[("a", "co")]
    np.testing.assert_allclose(a[:2], 0.0)
    np.testing.assert_allclose(a[2:6], 0.10)
    np.testing.assert_allclose(a[6:9], 0.08)
    np.testing.assert_allclose(a[9:], 0.08 * 0.9 + 0.1)
    assert undiluted[("a", "co")] == pytest.approx(0.10 + 0.10)
    assert paths[("b", "co")][-1] == pytest.approx(0.20 * 0.9)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 2)), min_size=1, max_size=8))
def test_tracked_stakes_add_up_to_the_new_shares_issued(rounds):
    """Holders who bought in rounds own 1 - prod(1 - A_k / V_k) together, never more than 1."""
    month_idx = np.arange(24000, 24000 + len(rounds))
    events = [
        _event("co", f"{(24000 + k) // 12}-{(24000 + k) % 12 + 1:02d}", 1.0, **{f"h{h}": a})
        for k, (a, h) in enumerate(rounds)
    ]
    paths, _ = stake_paths(events, month_idx)
    total = sum(p[-1] for p in paths.values())
    expected = 1 - np.prod([1 - a for a, _ in rounds])
    assert total == pytest.approx(expected, abs=1e-12)
    assert total <= 1 + 1e-12


def test_warrant_stake_of_amd():
    """160M shares on 1,630M outstanding (AMD 10-K FY2025): 160 / 1,790 = 8.94 % once exercised."""
    assert warrant_stake(np.array([160e6]), 1630e6)[0] == pytest.approx(160 / 1790)


def test_hhi_by_hand():
    assert hhi(np.array([50.0, 30.0, 20.0])) == pytest.approx(2500 + 900 + 400)
    np.testing.assert_allclose(hhi(np.full((4, 3), 7.0)), 10_000 / 4)  # n equal owners
    assert hhi(np.array([5.0])) == pytest.approx(10_000)  # a monopoly
    # against a larger total: the owners' squared shares of it (a lower bound of its HHI)
    assert hhi(np.array([10.0, 10.0]), np.array(100.0)) == pytest.approx(100 + 100)


def test_compound_growth():
    np.testing.assert_allclose(compound_growth(2.0, 3.3, np.array([-12, 0, 6, 24])),
                               [2 / 3.3, 2.0, 2 * 3.3**0.5, 2 * 3.3**2])  # fmt: skip


# --- through the pipeline ------------------------------------------------------------------------


def _toy_with_rounds(catalog, rounds):
    return toy_scenario(
        catalog,
        end="2027-12",
        deals=[{"use": "nvidia-openai-equity-2026"}],
        ownership={"rounds": rounds},
    )


def test_rounds_dilute_the_deal_stake(toy_catalog):
    rounds = [
        {"company": "openai", "month": "2026-03", "amount_usd": 92e9, "post_money_usd": 852e9,
         "source": "OpenAI statement, 31 Mar 2026 (the rest of the round)"},
        {"company": "openai", "month": "2026-09", "amount_usd": 100e9,
         "post_money_usd": 1000e9, "investor": "later-investors", "source": "hypothetical"},
    ]  # fmt: skip
    sc = _toy_with_rounds(toy_catalog, rounds)
    results = simulate(sc, toy_catalog, until="finance")
    own = run_ownership(results.scenario, toy_catalog, results.fleet, results.finance)
    nvidia = own.stakes[("nvidia", "openai")]
    assert nvidia[-1] == pytest.approx(30 / 852 * 0.9)
    assert own.undiluted[("nvidia", "openai")] == pytest.approx(30 / 852)
    assert own.stakes[("others", "openai")][-1] == pytest.approx(92 / 852 * 0.9)
    assert own.stakes[("later-investors", "openai")][-1] == pytest.approx(0.1)
    months = list(results.finance.month_labels)
    assert nvidia[months.index("2026-08")] == pytest.approx(30 / 852)  # before the dilution
    assert [e.month for e in own.events] == ["2026-03", "2026-09"]
    assert "OpenAI statement" in own.events[0].source  # traced to its input


def test_a_round_larger_than_its_valuation_is_rejected(toy_catalog):
    bad = [{"company": "openai", "month": "2026-05", "amount_usd": 2e12,
            "post_money_usd": 1e12, "source": "typo"}]  # fmt: skip
    with pytest.raises(InputError, match="post_money_usd"):
        _toy_with_rounds(toy_catalog, bad)


@pytest.fixture(scope="module")
def amd(catalog):
    return api.finance("amd-openai-6gw", catalog=catalog)


@pytest.fixture(scope="module")
def default(catalog):
    return api.finance("nvidia-openai-10gw", catalog=catalog)


def _flows(report, kind="cash"):
    return [f for f in report.ownership.flows if f["kind"] == kind]


@pytest.mark.parametrize("which", ["amd", "default"])
def test_sankey_flows_sum_to_the_finance_totals(which, request):
    report = request.getfixturevalue(which)
    summary = report.to_json()
    fin = report.finance
    owner = summary["owner"]
    cash = _flows(report)
    out_of_owner = sum(f["amount_usd"] for f in cash if f["payer"] == owner)
    leases = sum(t.released_usd for t in fin.tranches if t.instrument == "lease" and t.released)
    assert out_of_owner == pytest.approx(summary["capex_usd"] + summary["opex_usd"] + leases)
    invested = sum(f["amount_usd"] for f in cash if set(f["categories"]) & {"equity", "cash"})
    assert invested == pytest.approx(summary["cumulative_invested_usd"])
    for vendor in set(fin.phases["vendor"]):
        to_vendor = sum(f["amount_usd"] for f in cash if f["payee"] == vendor
                        and "capex-systems" in f["categories"])  # fmt: skip
        assert to_vendor == pytest.approx(float(fin.capex_usd["systems"][
            (fin.phases["vendor"] == vendor).to_numpy()].sum()))  # fmt: skip
    warrants = sum(f["amount_usd"] for f in _flows(report, "warrant-value"))
    assert warrants == pytest.approx(
        sum(d["warrant_value_at_vesting_usd"] for d in summary["deals"])
    )


def test_amd_warrants_as_a_stake(amd):
    (w,) = amd.ownership.warrants
    assert (w["holder"], w["company"], w["shares_max"]) == ("openai", "amd", 160e6)
    assert w["shares_outstanding"] == 1.630e9
    assert w["stake_share_max"] == pytest.approx(160 / 1790)
    assert w["stake_share_vested"] == pytest.approx(
        w["shares_vested"] / (1.630e9 + w["shares_vested"])
    )
    assert "10-K" in w["source"]
    assert _flows(amd, "warrant-value")[0]["payer"] == "amd"


def test_default_stake_is_the_tranches_folded(default):
    """The LOI's tranches buy at rising valuations; each dilutes the stake bought before."""
    stake = 0.0
    for t in sorted(default.finance.released(), key=lambda t: t.month):
        if t.instrument == "equity":
            stake = (
                stake * (1 - t.released_usd / t.valuation_usd) + t.released_usd / t.valuation_usd
            )
    row = next(s for s in default.to_json()["ownership"]["stakes"] if s["holder"] == "nvidia")
    assert row["stake_share"] == pytest.approx(stake)
    assert row["stake_share"] < row["undiluted_stake_share"]


def test_world_share_uses_the_cited_estimate(default, catalog):
    own = default.to_json()["ownership"]
    world = own["world_compute"]
    assert world["installed_from"] == "world-ai-compute-h100e"
    assert world["installed_h100e"] == catalog.get("capability", "world-ai-compute-h100e").value
    assert "Epoch AI" in world["source"]
    assert world["extrapolated_until"] == "2028-01"  # 2026-01 + the catalog's 2-year horizon
    for y in own["years"]:
        if y["month"] <= world["extrapolated_until"]:
            assert y["world_share"] == pytest.approx(
                y["programme_flops_per_s"] / y["world_flops_per_s"]
            )
        else:  # a trend fitted on three years is not extrapolated further
            assert math.isnan(y["world_flops_per_s"]) and math.isnan(y["world_share"])
        assert y["hhi"] is None  # one owner: OpenAI
    jan = 15e6 * catalog.accelerator("h100-sxm").peak_flops_per_s.bf16
    dec_2026 = next(y for y in own["years"] if y["year"] == 2026)
    assert dec_2026["world_flops_per_s"] == pytest.approx(jan * 3.3 ** (11 / 12))


def test_world_compute_figures_carry_their_own_status(default, catalog):
    """Each world-compute figure is labelled with its own record's status (the H100's peak is
    an official datasheet figure even though the H100 record's price is an estimate)."""
    world = default.to_json()["ownership"]["world_compute"]
    installed = catalog.get("capability", "world-ai-compute-h100e").status
    growth = catalog.get("capability", "world-ai-compute-growth-per-year").status
    horizon = catalog.get("capability", "world-ai-compute-trend-horizon-years").status
    h100 = catalog.accelerator("h100-sxm")
    assert world["installed_status"] == installed
    assert world["growth_status"] == growth
    assert world["horizon_status"] == horizon
    assert world["flops_per_s_per_h100e_status"] == h100.field_statuses()["peak_flops_per_s"]
    assert world["flops_per_s_per_h100e_status"] == "official" != h100.status
    order = ("official", "reported", "analyst", "estimate")
    assert order.index(world["status"]) == max(order.index(installed), order.index(growth))


def test_a_payment_to_a_vendor_is_labelled_as_more_than_its_revenue(default, catalog, capsys):
    """The flows pay a hardware vendor the all-in system price (the rack as quoted, memory,
    assembly and the network share outside it): for the default scenario's 10 GW, USD 426B to
    NVIDIA against its own content of USD 35B per GW (catalog `vendor-content-usd-per-gw`,
    Huang, Aug 2025). `finance` and the report's flow chart say the payment is not the
    vendor's revenue, wherever systems are paid for, and only there."""
    from gigawatt.cli import main
    from gigawatt.ownership import VENDOR_PAYMENT_NOTE, vendor_payment_note
    from gigawatt.report.ownership import flow_chart

    to_nvidia = sum(
        f["amount_usd"]
        for f in _flows(default)
        if f["payee"] == "nvidia" and "capex-systems" in f["categories"]
    )
    content = catalog.get("costs", "vendor-content-usd-per-gw").value
    gw = float(default.scenario.deals[0].gw)
    assert to_nvidia > content * gw  # what the note warns of: more than NVIDIA's own content
    assert vendor_payment_note(default.ownership.flows) == VENDOR_PAYMENT_NOTE
    assert (
        vendor_payment_note([f for f in default.ownership.flows if f["payee"] != "nvidia"]) is None
    )
    assert VENDOR_PAYMENT_NOTE in flow_chart(default.ownership, {"nvidia"}).note
    with pytest.raises(SystemExit):
        main(["finance"])
    flat = " ".join(capsys.readouterr().out.split())
    assert " ".join(VENDOR_PAYMENT_NOTE.split()) in flat


def test_each_flow_row_says_what_it_pays_for(default, capsys):
    """'openai -> nvidia USD 425.8B' read alone as NVIDIA's revenue: each flow now carries
    `what` (additive; `categories` stays), and the systems row's own label says it is systems at
    the all-in price, in `finance --json`, the `finance` table and the report's flow chart."""
    from gigawatt.cli import main
    from gigawatt.ownership import FLOW_WHAT
    from gigawatt.report.ownership import flow_chart

    flows = default.ownership.flows
    for f in flows:
        assert f["what"] == "; ".join(FLOW_WHAT[c] for c in f["categories"])
    (systems,) = [f for f in flows if f["categories"] == ["capex-systems"]]
    assert systems["what"].startswith("systems at the all-in price")
    assert "revenue is less" in systems["what"]
    chart = flow_chart(default.ownership, {"nvidia"})
    assert any(f.kind == f"cash: {systems['what']}" for f in chart.flows)
    with pytest.raises(SystemExit):
        main(["finance"])
    out = capsys.readouterr().out.splitlines()
    row = next(line for line in out if line.startswith("│ openai │ nvidia "))
    assert "systems at the all-in price" in row


def test_each_sites_compute_is_paid_for_by_its_owner(catalog):
    """A site's `owner` owns its compute (scenario schema), so it is the one that pays the
    vendor for that site's systems: in `stargate-10gw`, Oracle, SoftBank and OpenAI pay NVIDIA
    for the sites they own, each exactly the systems capex of its sites, and the concentration
    view's owners are those payers. It printed 'stargate -> nvidia 317.3' while the same
    output attributed the compute to Oracle, SoftBank and OpenAI. Facility, power and running
    costs stay with the programme's owner (the first deal's investee)."""
    report = api.finance("stargate-10gw", catalog=catalog)
    fin = report.finance
    scenario = report.scenario
    site_owner = {s.name: s.owner or fin.owner for s in scenario.sites}
    buyer = np.array([site_owner[str(s)] for s in fin.phases["site"]])
    systems = fin.capex_usd["systems"]
    paid = {
        f["payer"]: f["amount_usd"] for f in _flows(report) if "capex-systems" in f["categories"]
    }
    assert set(paid) == {"oracle", "softbank", "openai"} == set(report.ownership.owners)
    for owner, amount in paid.items():
        assert amount == pytest.approx(float(systems[buyer == owner].sum()))
    others = {
        f["payer"] for f in _flows(report) if not {"capex-systems", "cash"} & set(f["categories"])
    }
    assert others == {fin.owner} == {"stargate"}
