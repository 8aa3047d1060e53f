"""`gigawatt finance` and the money columns of `gigawatt run`, end to end (DESIGN.md section 7)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cli_cases import cli, cli_json
from conftest import TOY_CATALOG
from finance_cases import phase, scenario_data
from gigawatt.catalog import Catalog
from gigawatt.cli import main
from gigawatt.finance import YEAR_KEYS


def test_finance_json_contract(capsys):
    code, out, err = cli(capsys, "finance", "--json")
    assert code == 0, err
    data = json.loads(out)  # exactly one JSON object
    assert data["scenario"] == "nvidia-openai-10gw"
    for key in (
        "tranches",
        "cumulative_invested_usd",
        "capex_usd",
        "opex_usd",
        "circular_share",
        "years",
        "tranches_pending",
        "deals",
        "parties",
    ):
        assert key in data
    assert len(data["tranches"]) == 10
    for t in data["tranches"]:
        assert {"date", "amount_usd", "trigger", "deal"} <= set(t)
        assert t["deal"] == "nvidia-openai-loi-2025" and t["amount_usd"] == 10e9
    assert data["tranches"][0]["date"] == "2026-06"
    years = data["years"]
    # Money from the letter's month (2025-09): nothing is spent before the programme starts.
    assert [y["year"] for y in years] == list(range(2025, 2033))
    assert data["programme_start"] == "2025-09" and data["capex_basis"] == "derived"
    for y in years:
        assert set(YEAR_KEYS) <= set(y)
    assert years[-1]["cumulative_invested_usd"] == 100e9
    assert sum(y["capex_usd"] for y in years) == pytest.approx(data["capex_usd"])


def test_finance_tables(capsys):
    code, out, err = cli(capsys, "finance", "amd-openai-6gw")
    assert code == 0, err
    assert "amd-openai-2025 (definitive): tranches released" in out
    assert "Not released" in out and "Costs by year" in out and "Deals by year" in out
    caption = (
        "Costs by year (USD B at the catalog's quoted prices: not escalated for inflation, "
        "not discounted)"
    )
    assert caption in " ".join(out.split())


def test_finance_cumulative_capex_agrees_with_the_yearly_capex(capsys):
    """The first year's cumulative capex equals that year's capex to the shown digit: both to
    0.1 B (the default scenario's 2025 row printed 4.5 beside a cumulative 4)."""
    code, out, err = cli(capsys, "finance", "stargate-10gw", "--json")
    assert code == 0, err
    data = json.loads(out)
    first = data["years"][0]
    code, out, err = cli(capsys, "finance", "stargate-10gw")
    assert code == 0, err
    capex = f"{first['capex_usd'] / 1e9:,.1f}"
    row = next(line for line in out.splitlines() if line.startswith(f"│ {first['year']} "))
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[1] == capex and cells[-1] == capex, row
    assert f"Capex USD {data['capex_usd'] / 1e9:,.1f}B" in " ".join(out.split())


def test_purchase_commitments_are_labelled_as_purchases_not_investment(capsys, tmp_path):
    """AMD-OpenAI: the USD 15B released in 2027 is OpenAI's binding purchase of the first GW
    (a purchase commitment paid to AMD, catalog deal amd-openai-2025), not investment: the
    years say so in their own key and the tables in a column and the caption."""
    code, out, err = cli(capsys, "finance", "amd-openai-6gw", "--json")
    assert code == 0, err
    data = json.loads(out)
    years = {y["year"]: y for y in data["years"]}
    assert years[2027]["tranches_released_usd"] == pytest.approx(15e9)
    assert years[2027]["tranches_released_purchases_usd"] == pytest.approx(15e9)
    assert years[2027]["cumulative_invested_usd"] == 0.0
    assert data["tranches_released_purchases_usd"] == pytest.approx(15e9)
    bought = [t for t in data["tranches"] if t["instrument"] == "purchase-commitment"]
    assert sum(t["amount_usd"] for t in bought) == data["tranches_released_purchases_usd"]
    # its USD 15B is the press's "roughly $90 billion" / 6 GW (the deal's note: an ESTIMATE),
    # and the tranche's name, which finance and the report print beside it, says so
    note = " ".join(Catalog.load().get("deals", "amd-openai-2025").note.split())
    assert "its amount is an ESTIMATE" in note
    assert all(t["name"].endswith("amount an estimate)") for t in bought)
    # NVIDIA-OpenAI's letter releases equity only: nothing of it is a purchase.
    code, out, err = cli(capsys, "finance", "--json")
    assert json.loads(out)["tranches_released_purchases_usd"] == 0.0
    run = ("run", "amd-openai-6gw", "--no-sensitivity", "--out", str(tmp_path / "o"))
    for args in (("finance", "amd-openai-6gw"), run):
        code, out, err = cli(capsys, *args)
        assert code == 0, err
        flat = " ".join(out.split())
        assert "Purchases" in out or "Of which deal purchases" in flat
        assert "purchase commitments or leases paid to the vendor" in flat
        assert "not investment" in flat
    # run's column is 'Of which deal purchases' (of Released): alone, 'Purchases 0.0' for
    # NVIDIA-OpenAI read as if OpenAI bought no hardware; its USD 426B of systems are in Capex
    lines = out.splitlines()
    last = next(i for i, line in enumerate(lines) if line.startswith("┃ Year ┃ Capex"))
    first = max(i for i in range(last) if lines[i].startswith("┏"))
    header = lines[first + 1 : last + 1]
    assert [w for line in header for w in line.split("┃")[6].split()] == [
        "Of",
        "which",
        "deal",
        "purchases",
    ]
    assert "(Capex counts all the hardware bought)" in flat
    # Opex is mostly operations, not energy (NVIDIA-OpenAI 2031: 22.0 of which energy 4.8):
    # the caption says what it holds, and that operations is an estimated share of capex
    ops = Catalog.load().get("costs", "opex-operations-share-per-year")
    assert ops.status == "estimate" and ops.unit == "fraction_per_year"
    assert "Opex: energy and capacity charges at the regions' prices plus operations" in flat
    assert "an estimated share of capex a year" in flat
    # AMD invests no cash: its Circular cells are blank, and the caption says what blank means
    assert "over the cash invested (blank: none invested)" in flat


def test_run_gains_money_keys_and_table(capsys, tmp_path):
    code, out, err = cli(capsys, "run", "--json", "--out", str(tmp_path / "o"))
    assert code == 0, err
    years = json.loads(out)["years"]
    assert [y["year"] for y in years] == list(range(2026, 2033))  # the scenario's years
    for y in years:
        assert set(YEAR_KEYS) <= set(y)
    assert years[0]["tranches_released_usd"] == 10e9  # the signing tranche, 2026-06
    table = pd.read_parquet(tmp_path / "o" / "results.parquet")
    assert "cumulative_invested_usd" in set(table.quantity)
    code, out, err = cli(capsys, "run", "--out", str(tmp_path / "o2"))
    assert code == 0 and "Money (USD B" in out and "Circular" in out
    # Circular sits in a USD B table but is a share: the caption says so
    assert "Circular: a share, not USD" in " ".join(out.split())


def test_bad_costs_exit_2(capsys, tmp_path):
    data = scenario_data([phase("2026-07")])
    data["costs"].update(capex_usd_per_gw=40e9, capex_share_systems=0.9)
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(data))
    code, out, err = cli(capsys, "--catalog", str(TOY_CATALOG), "finance", str(path), "--json")
    assert code == 2 and out == ""
    assert "costs.capex_share_systems: the capex shares (systems 0.9," in err
    assert "sum to 1.3; allowed: a sum of 1 (the catalog's: facility, power)" in err
    assert "Traceback" not in err


def test_finance_prints_ownership_tables(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["finance", "amd-openai-6gw"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "Warrants as shares of the company" in out and "1,630" in out
    assert "Flows between parties over the run" in out
    assert "Share of the world's installed AI compute" in out


def test_circular_shares_are_defined_where_they_are_printed(capsys):
    """`circular_share` and `vendor_funded_share` print with their numerator and denominator,
    and the JSON's per-investor I, C, P give the programme's shares by those definitions: the
    AMD warrants count in C but not in I (no cash), so the circular share is null there."""
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "models" / "money.md").read_text()
    assert "**`circular_share`** = sum over investors of min(I, P) / sum of I" in page
    assert "**`vendor_funded_share`** = sum of C / sum of P" in page
    code, out, err = cli(capsys, "finance")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "Circular = sum of min(I, P) / sum of I" in flat
    assert "vendor-funded = sum of C / sum of P" in flat
    for name, circular in (("nvidia-openai-2026-actual", True), ("amd-openai-6gw", False)):
        code, out, err = cli(capsys, "finance", name, "--json")
        assert code == 0, err
        data = json.loads(out)
        inv = data["investors"]
        invested = sum(i["invested_usd"] for i in inv)
        vendors = [i for i in inv if i["purchases_usd"] > 0]
        c = sum(i["credit_usd"] for i in vendors) / sum(i["purchases_usd"] for i in vendors)
        assert data["vendor_funded_share"] == pytest.approx(c)
        if circular:
            back = sum(min(i["invested_usd"], i["purchases_usd"]) for i in inv)
            assert data["circular_share"] == pytest.approx(back / invested)
        else:
            assert invested == 0 and data["circular_share"] is None
            assert sum(i["credit_usd"] for i in inv) > 0


def test_run_money_caption_keeps_the_purchases_column_apart_from_the_circular_share(
    capsys, tmp_path
):
    """`run`'s Money table has a Purchases column (purchase-commitment and lease tranches: 0
    for the default scenario) and a Circular share whose P is the systems capex paid for the
    investor's own hardware (USD 425.8B to NVIDIA there). The caption names P as that capex,
    not as "purchases", so a reader does not take the 0.0 column for the circular share's P."""
    code, out, err = cli(capsys, "run", "--out", str(tmp_path / "out"), "--json")
    assert code == 0, err
    years = json.loads(out)["years"]
    assert all(y["tranches_released_purchases_usd"] == 0 for y in years)
    assert years[-1]["circular_share"] == 1.0  # P caught up with the cash: not the column
    code, out, err = cli(capsys, "run", "--out", str(tmp_path / "out"))
    assert code == 0, err
    flat = " ".join(out.split())
    caption = flat[flat.index("Money (USD B") : flat.index("Energy (calendar year")]
    assert "min(cash invested, systems capex paid for the investor's own hardware" in caption
    assert "purchases of the investor's own hardware" not in caption


def test_run_states_the_warrants_its_money_table_leaves_out(capsys, tmp_path):
    """AMD-OpenAI's deal is a purchase plus a 160M-share warrant: the Money table's Released
    and Invested count cash only, so without a note `run` would show the warrant not at all
    (Invested 0.0). The note gives the shares vested of those the deal can vest and their value
    at vesting as `finance --json` computes them, and says the price path is an assumption."""
    data = cli_json(capsys, "finance", "amd-openai-6gw", "--json")
    (deal,) = data["deals"]
    every = [t for t in data["tranches"] + data["tranches_pending"] if t["instrument"] == "warrant"]
    assert deal["warrant_shares_vested"] > 0 and len(every) > len(
        [t for t in data["tranches"] if t["instrument"] == "warrant"]
    )  # some vest, some do not: the note must say "of up to"
    run = ("run", "amd-openai-6gw", "--no-sensitivity", "--out", str(tmp_path / "o"))
    code, out, err = cli(capsys, *run)
    assert code == 0, err
    flat = " ".join(out.split())
    last = data["years"][-1]
    assert (
        f"{deal['deal']} vested {deal['warrant_shares_vested'] / 1e6:,.1f}M of up to "
        f"{sum(t['shares'] for t in every) / 1e6:,.1f}M amd shares by {last['month']} "
        f"(USD {deal['warrant_value_at_vesting_usd'] / 1e9:,.1f}B at vesting)"
    ) in flat
    assert "in neither Released nor Invested" in flat
    assert "whose drift is an assumption, not a forecast" in flat
    # the Money caption no longer says Released holds tranches "of every kind" (warrants add 0)
    assert "a warrant vests shares, not cash, and adds nothing" in flat
    # a deal without warrants (NVIDIA-OpenAI's letter) prints no such note
    code, out, err = cli(capsys, "run", "--no-sensitivity", "--out", str(tmp_path / "n"))
    assert code == 0, err
    assert "Warrants (shares, not cash" not in out


def test_an_estimated_system_price_says_what_it_covers(capsys, tmp_path):
    """AMD-OpenAI: Helios has no published price; run and finance say its capex rests on an
    estimate and what the all-in rack price covers (not the building or its power plant), and
    AMD's own sales per GW (USD 15-20B, its CFO) stay below the systems capex of a GW."""
    out = ("--no-sensitivity", "--json", "--out", str(tmp_path / "o"))
    run = cli_json(capsys, "run", "amd-openai-6gw", *out)
    for data in (run, cli_json(capsys, "finance", "amd-openai-6gw", "--json")):
        mine = [
            c for c in data["caveats"] if c.startswith("helios-mi450: its price is an estimate")
        ]
        assert len(mine) == 1, data["caveats"]
        assert "per accelerator all-in" in mine[0] and "not the building" in mine[0]
    rows = cli_json(capsys, "finance", "amd-openai-6gw", "--json")["system_prices"]
    helios = next(r for r in rows if r["system"] == "helios-mi450")
    assert helios["status"] == "estimate" and "scale-out network" in helios["includes"]
    years = run["years"]
    per_gw = sum(y["capex_systems_usd"] for y in years) / years[-1]["it_power_gw"]
    assert 20e9 < per_gw < 40e9  # above AMD's content, below Vera Rubin's 42.6B per GW of IT
    # the NVIDIA letter's Vera Rubin racks carry an analyst's quote: no such caveat
    nvidia = cli_json(capsys, "run", *out)["caveats"]
    assert not any("its price is an estimate" in c for c in nvidia)


def test_a_stated_intention_is_not_read_as_money_spent(capsys, tmp_path):
    """Stargate's USD 500B is what its partners said they "intend to invest" over four years
    (OpenAI, 21 Jan 2025), mostly lease-financed: the Invested column alone read as money
    spent. run and finance now say it is that commitment released on the scenario's schedule,
    each tranche with its month, the estimated ones marked; a deal without an `intention`
    (NVIDIA's letter) gets no such caveat."""
    deal = Catalog.load().get("deals", "stargate-2025")
    assert "intends to invest" in deal.intention and "2025" in deal.intention
    out = ("--no-sensitivity", "--json", "--out", str(tmp_path / "o"))
    run = cli_json(capsys, "run", "stargate-10gw", *out)
    fin = cli_json(capsys, "finance", "stargate-10gw", "--json")
    for data in (run, fin):
        (caveat,) = [c for c in data["caveats"] if c.startswith("Deal stargate-2025: its Invested")]
        assert "stated commitment released on this scenario's schedule, not money spent" in caveat
        assert "USD 100B in 2025-01" in caveat and caveat.count("(estimate)") == 3
    # both lead with the deals' own caveats, composed in one place (`deals.deal_caveats`)
    from gigawatt.deals import deal_caveats
    from gigawatt.scenario import load_scenario

    catalog = Catalog.load()
    deals = list(deal_caveats(load_scenario("stargate-10gw", catalog).deals, catalog))
    assert deals and run["caveats"][: len(deals)] == fin["caveats"][: len(deals)] == deals
    assert run["years"][-1]["cumulative_invested_usd"] == pytest.approx(deal.cap_usd)
    nvidia = cli_json(capsys, "run", *out)["caveats"]
    assert not any("stated commitment" in c for c in nvidia)


def test_site_owners_without_revenue_are_said(capsys, tmp_path):
    """Stargate's sites are owned by Oracle and SoftBank (and one by OpenAI), who buy their
    systems; OpenAI's payments to them for the compute (capacity contracts, leases) are not
    modelled, so their net cash in `parties` is spending only: run and finance say so and name
    the sites by owner. The default scenario, whose sites have no other owner, has no such
    caveat."""
    out = ("--no-sensitivity", "--json", "--out", str(tmp_path / "o"))
    run = cli_json(capsys, "run", "stargate-10gw", *out)
    fin = cli_json(capsys, "finance", "stargate-10gw", "--json")
    for data in (run, fin):
        (caveat,) = [c for c in data["caveats"] if c.startswith("Site owners other than")]
        assert "oracle: tx-abilene" in caveat and "softbank: tx-milam" in caveat
        assert "not modelled" in caveat and "spending only" in caveat
    oracle = next(p for p in fin["parties"] if p["party"] == "oracle")
    assert oracle["received_usd"] == 0 and oracle["paid_usd"] > 0  # what the caveat explains
    default = cli_json(capsys, "finance", "--json")["caveats"]
    assert not any(c.startswith("Site owners other than") for c in default)
