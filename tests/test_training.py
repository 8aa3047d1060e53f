"""`gigawatt train`: the chain perf -> reliability -> footprint -> cost -> thresholds."""

from __future__ import annotations

import json

import pytest

from gigawatt.cli import main
from gigawatt.errors import InputError
from gigawatt.training import parse_count, plan_training

DESIGN_KEYS = {
    # perf's keys (DESIGN.md section 7) ...
    "step_time_s", "mfu", "hfu", "tokens_per_s", "tflops_per_gpu", "memory_gib_per_gpu",
    "fits", "plan", "breakdown_s",
    # ... and train's
    "goodput", "wall_time_s", "training_flop", "gpu_hours", "energy_mwh", "co2e_t", "cost_usd",
    "thresholds_crossed",
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "value"), [("15.6e12", 15.6e12), ("15.6T", 15.6e12), ("400B", 4e11), ("2m", 2e6)]
)
def test_parse_count(text, value):
    assert parse_count(text, field="tokens") == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "lots", "-3T", "0", "1.5X"])
def test_parse_count_rejects(text):
    with pytest.raises(InputError, match=r"^tokens: "):
        parse_count(text, field="tokens")


def test_chain_is_consistent(catalog):
    r = plan_training("llama3-70b", 2e12, "dgx-h100", 2048, catalog=catalog)
    d = r.to_json()
    assert d["fits"]
    assert d["training_flop"] == pytest.approx(d["model_flops_per_token"] * 2e12)
    assert d["compute_time_s"] == pytest.approx(2e12 / d["tokens_per_s"])
    assert d["wall_time_s"] > d["compute_time_s"]
    assert d["goodput"] == pytest.approx(d["compute_time_s"] / d["wall_time_s"])
    assert d["gpu_hours"] == pytest.approx(2048 * d["wall_time_s"] / 3600)
    # the reliability inputs' provenance: the records used, with their catalog status
    assert d["failure_model_status"] == catalog.failure_model(d["failure_model"]).status
    assert d["policy_status"] == catalog.fault_tolerance(d["fault_tolerance"]).status
    assert d["checkpoint_interval_s"] == pytest.approx(r.reliability.interval_s)
    # a framework saves between steps: the interval is a whole number (>= 1) of the plan's
    # steps, the nearest to Daly's optimum (the default policy has no lag to durable past it)
    steps = d["checkpoint_interval_steps"]
    assert steps >= 1
    assert d["checkpoint_interval_s"] == pytest.approx(steps * d["step_time_s"], rel=1e-12)
    assert (
        abs(r.reliability.daly_interval_s - d["checkpoint_interval_s"])
        <= (d["step_time_s"] / 2 * (1 + 1e-9))
        or steps == 1
    )
    # the step time's validated band carries to the compute time exactly (steps x step time)
    band = d["validation"]["step_time_band_s"]
    lo, hi = d["compute_time_band_s"]
    assert lo == pytest.approx(d["compute_time_s"] * band[0] / d["step_time_s"])
    assert hi == pytest.approx(d["compute_time_s"] * band[1] / d["step_time_s"])
    assert lo < hi and d["validation"]["class"] == "hopper-dense"
    rental = plan_training(
        "llama3-70b", 2e12, "dgx-h100", 2048, cost_usd_per_gpu_hour=2.5, catalog=catalog
    )
    assert rental.cost_usd == pytest.approx(rental.gpu_hours * 2.5)


def test_wall_time_and_cost_carry_the_step_time_band(catalog, capsys):
    """A planner needs the wall-clock time and the cost with a band, not only the failure-free
    compute time: the band's ends are the same job re-timed at the step time's 10th/90th
    percentile errors (Daly's wall time at those compute times, the interval re-rounded to
    whole steps), N x those wall times, and the same rates per accelerator-hour."""
    from gigawatt.reliability import RecoveryPlan, job_reliability

    r = plan_training("llama3-70b", 2e12, "dgx-h100", 2048, catalog=catalog)
    d = r.to_json()
    lo, hi = d["wall_time_band_s"]
    assert lo < d["wall_time_s"] < hi
    system = catalog.system("dgx-h100")
    fm = catalog.failure_model(system.failure_model)
    best = r.perf.best
    plan = RecoveryPlan.of(catalog, system, best.model, best.params_total)
    for end, compute in zip((lo, hi), d["compute_time_band_s"], strict=True):
        f = compute / d["compute_time_s"]
        again = job_reliability(2048, compute, fm, system, plan, step_s=d["step_time_s"] * f)
        assert end == pytest.approx(again.wall_time_s, rel=1e-12)
    hours = d["gpu_hours_band"]
    assert hours == pytest.approx([2048 * lo / 3600, 2048 * hi / 3600])
    rate = d["cost_usd"] / d["gpu_hours"]
    assert d["cost_usd_band"] == pytest.approx([h * rate for h in hours])
    per_hour = d["energy_mwh"] / d["gpu_hours"]
    assert d["energy_mwh_band"] == pytest.approx([h * per_hour for h in hours])
    with pytest.raises(SystemExit) as exc:
        main(["train", "--model", "llama3-70b", "--tokens", "2T", "--system", "dgx-h100",
              "--gpus", "2048"])  # fmt: skip
    out = capsys.readouterr().out
    assert exc.value.code == 0
    lines = out.splitlines()
    wall = next(i for i, line in enumerate(lines) if "Expected wall time" in line)
    assert "validated band" in lines[wall + 1]
    assert f"{lo / 86400:,.1f}-{hi / 86400:,.1f} days" in lines[wall + 1]
    cost = next(i for i, line in enumerate(lines) if "│ Cost " in line)
    assert "validated band" in lines[cost + 1] and "USD" in lines[cost + 1]
    assert "failure rates, policy and prices held" in " ".join(out.split())


def test_train_reports_spares_mtti_and_what_goodput_leaves_out(catalog, capsys):
    """A planner reading `train` needs how often the job stops, the spare pool that keeps it at
    full size (which its accelerator-hours and cost leave out) and what goodput does not count,
    as `gigawatt reliability` says for the same job; on NVL72 racks also the SLA's bound."""
    from gigawatt.reliability import reliability_report

    r = plan_training("llama3-8b", 2e11, "gb200-nvl72", 1152, catalog=catalog)
    d = r.to_json()
    report = reliability_report(
        catalog, gpus=d["gpus_used"], days=d["compute_time_s"] / 86400, system="gb200-nvl72",
        model="llama3-8b",
    ).to_json()  # fmt: skip
    assert d["spares_availability"] == report["spares_availability"]
    for key in ("failure_domain", "spares", "spare_accelerators", "spares_sla_bound"):
        assert d[key] == report[key], key
    assert d["failure_domain"] == 72 and d["spares"] >= 1
    assert d["job_mtti_h"] == pytest.approx(d["wall_time_s"] / 3600 / d["interruptions_expected"])
    assert d["spare_gpu_hours"] == pytest.approx(d["spare_accelerators"] * d["wall_time_s"] / 3600)
    assert d["gpu_hours"] == pytest.approx(1152 * d["wall_time_s"] / 3600)  # spares left out
    with pytest.raises(SystemExit) as exc:
        main(["train", "--model", "llama3-8b", "--tokens", "200B", "--system", "gb200-nvl72",
              "--gpus", "1152"])  # fmt: skip
    out = " ".join(capsys.readouterr().out.split())
    assert exc.value.code == 0
    assert d["idle_spares"] == 0 and d["gpus_used"] == 1152
    assert f"takes {d['spares']} spare failure domains of 72 accelerators" in out
    assert "the accelerator-hours and cost above leave them out" in out
    assert f"at most {d['spares_sla_bound']} racks under the catalog's rack-uptime SLA" in out
    assert "not data-loading stalls, stragglers" in out
    # what goodput rests on: the failure model and the policy, with their status and costs
    # (at 100,000 GB200 the shipped policies' goodputs span 0.44-0.85)
    for key in ("checkpoint_s", "restart_s", "burn_in_factor"):
        assert d[key] == pytest.approx(report[key]), key
    assert d["burn_in_factor"] == 1.0
    assert (
        f"failure model gb200-class ({d['failure_model_status']}), a mature fleet (no burn-in"
        in out
        and f"policy {d['fault_tolerance']} ({d['policy_status']})" in out
        and f"a restart costs {d['restart_s']:,.0f} s" in out
    )
    assert f"{d['interruptions_expected']:,.0f} (one per " in out


def test_spares_among_the_idle_accelerators_are_already_paid_for(catalog, capsys):
    """`gpu_hours` counts the accelerators asked for; whole failure domains the plan leaves
    idle serve as spares, and only the rest of the pool is outside the cost: on 100,000 H100
    the best split uses 99,328, and the 84 idle nodes hold every spare node."""
    r = plan_training("llama3-405b", 15.6e12, "dgx-h100", 100_000, catalog=catalog)
    d = r.to_json()
    idle_nodes = 100_000 // 8 - -(-d["gpus_used"] // 8)
    assert d["gpus_used"] < 100_000 and idle_nodes > 0
    assert d["idle_spares"] == min(idle_nodes, d["spares"])
    left = d["spares"] - d["idle_spares"]
    assert d["spare_gpu_hours"] == pytest.approx(left * 8 * d["wall_time_s"] / 3600)
    assert d["gpu_hours"] == pytest.approx(100_000 * d["wall_time_s"] / 3600)
    if left == 0:
        with pytest.raises(SystemExit):
            main(["train", "--model", "llama3-405b", "--tokens", "15.6T", "--system",
                  "dgx-h100", "--gpus", "100000"])  # fmt: skip
        out = " ".join(capsys.readouterr().out.split())
        assert "all are among the accelerators the plan leaves idle" in out


def test_a_run_on_a_new_fleet_carries_its_burn_in(catalog, capsys):
    """`--fleet-age-months`: the failure model's burn-in raises the hardware rates of a run
    on young accelerators, as `gigawatt reliability --fleet-age-months` does for the same job
    (a first run on a new 100,000-accelerator cluster is the usual case); the default is a
    mature fleet, and the text says which."""
    from gigawatt.reliability import RecoveryPlan, burn_in_factor, job_reliability

    new = plan_training(
        "llama3-8b", 2e11, "gb200-nvl72", 1152, fleet_age_months=0.0, catalog=catalog
    ).to_json()
    mature = plan_training("llama3-8b", 2e11, "gb200-nvl72", 1152, catalog=catalog).to_json()
    system = catalog.system("gb200-nvl72")
    fm = catalog.failure_model(system.failure_model)
    assert new["burn_in_factor"] == burn_in_factor(fm, 0.0, new["compute_time_s"]) > 1
    assert mature["burn_in_factor"] == 1.0 and mature["fleet_age_months"] is None
    assert new["goodput"] < mature["goodput"] and new["compute_time_s"] == mature["compute_time_s"]
    r = plan_training("llama3-8b", 2e11, "gb200-nvl72", 1152, catalog=catalog).perf.best
    plan = RecoveryPlan.of(catalog, system, r.model, r.params_total)
    alone = job_reliability(
        1152, new["compute_time_s"], fm, system, plan, step_s=new["step_time_s"],
        fleet_age_months=0.0,
    )  # fmt: skip
    assert new["wall_time_s"] == pytest.approx(alone.wall_time_s, rel=1e-12)
    assert new["wall_time_band_s"][0] > mature["wall_time_band_s"][0]
    old = plan_training(
        "llama3-8b", 2e11, "gb200-nvl72", 1152, fleet_age_months=24.0, catalog=catalog
    ).to_json()
    assert old["goodput"] == pytest.approx(mature["goodput"], rel=1e-12)
    with pytest.raises(SystemExit) as exc:
        main(["train", "--model", "llama3-8b", "--tokens", "200B", "--system", "gb200-nvl72",
              "--gpus", "1152", "--fleet-age-months", "0"])  # fmt: skip
    out = " ".join(capsys.readouterr().out.split())
    assert exc.value.code == 0
    assert (
        f"a fleet 0 months old at the start, inside its burn-in: hardware failure rates "
        f"x{new['burn_in_factor']:.2f} over the run" in out
    )
    with pytest.raises(SystemExit) as exc:
        main(["train", "--model", "llama3-8b", "--tokens", "200B", "--system", "gb200-nvl72",
              "--gpus", "1152", "--fleet-age-months", "-1"])  # fmt: skip
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == "" and "--fleet-age-months" in err


def test_frontier_run_crosses_thresholds(catalog):
    import datetime as dt

    r = plan_training(
        "megatron-1t", 30e12, "gb200-nvl72", 98_304, start=dt.date(2027, 6, 1), catalog=catalog
    )
    d = r.to_json()
    assert d["training_flop"] > 1e26
    assert {"eu-ai-act-systemic-risk", "ca-sb53-frontier"} <= set(d["thresholds_crossed"])
    assert "us-eo-14110-model" not in d["thresholds_crossed"]  # revoked


def test_train_cli_json(capsys):
    with pytest.raises(SystemExit) as exc:
        main(
            ["train", "--model", "llama3-8b", "--tokens", "1T", "--system", "h100", "--gpus",
             "512", "--region", "fr", "--json"]
        )  # fmt: skip
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    data = json.loads(out)
    assert set(data) >= DESIGN_KEYS
    assert data["grid_gco2_per_kwh_used"] < 100  # France


def test_train_cli_bad_tokens(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--model", "llama3-8b", "--tokens", "lots", "--system", "h100",
              "--gpus", "8"])  # fmt: skip
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == "" and "--tokens" in err


# --- cost bases ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rubin_run(catalog):
    import datetime as dt

    return plan_training(
        "llama3-8b", 2e11, "vera-rubin-nvl72", 72, region="us-ercot",
        start=dt.date(2027, 6, 1), catalog=catalog,
    )  # fmt: skip


def test_ownership_hour_equals_the_finance_model(catalog, rubin_run):
    """Done when (issue 11): train's ownership cost per accelerator-hour = the finance model's
    system price over its life + facility and power over theirs + operations + energy (1 %)."""
    from finance_cases import finance_of

    pue = rubin_run.footprint.pue
    data = {
        "name": "one-rubin-gw",
        "start": "2027-01",
        "end": "2028-12",
        "power_basis": "it",
        "sites": [{"name": "s", "region": "us-ercot", "pue": pue, "phases": [
            {"online": "2027-01", "power_gw": 1.0, "system": "vera-rubin-nvl72"}]}],
    }  # fmt: skip
    fin = finance_of(data, catalog)
    # 2028: a year at full output inside every life (depreciation is booked by month, so a
    # year, not a month of 28-31 days, is the fair unit; 2028 has 8,784 hours: 0.27 % off)
    year = next(y for y in fin.years() if y["year"] == 2028)
    accelerators = fin.phases["accelerators_full"].iloc[0]
    capital_and_ops = (year["depreciation_usd"] + year["opex_operations_usd"]) / (
        accelerators * 366 * 24
    )
    energy = rubin_run.footprint.energy_mwh * 66.0 / rubin_run.gpu_hours  # ERCOT USD 66/MWh
    per_hour = rubin_run.cost_usd / rubin_run.gpu_hours
    assert per_hour == pytest.approx(capital_and_ops + energy, rel=0.01)
    # the systems part alone: the one price per system over its 5-year life
    price = fin.summary()["system_prices"][0]["usd_per_accelerator"]
    assert rubin_run.costs.ownership.systems == pytest.approx(price / (5 * 8760), rel=1e-9)
    assert rubin_run.cost_basis == "ownership"


def _latest_rate(catalog, accelerator: str, pricing: str) -> float:
    """The newest shipped rental record of one accelerator and tier [USD/h]: the rate of a run
    that starts after every record (held flat) or that names no start month."""
    recs = [
        r
        for r in catalog.all("prices")
        if r.process == "rental" and r.accelerator == accelerator and r.pricing == pricing
    ]
    return max(recs, key=lambda r: r.start_month).start_usd


def test_market_basis_prices_rubin_from_the_rental_yield(catalog, rubin_run):
    """No Rubin rate is quoted, so its system price x the median rate-to-price ratio of the
    quoted accelerators (A100 and H200 reserved, H100 and B200 index), each at its tier's
    newest record (the run starts in June 2027, after every record)."""
    import statistics

    ratios = [
        _latest_rate(catalog, acc, tier) / catalog.system(system).price_usd_per_accelerator
        for acc, tier, system in (
            ("a100-sxm-80gb", "reserved", "dgx-a100"),
            ("h100-sxm", "index", "dgx-h100"),
            ("h200-sxm", "reserved", "dgx-h200"),
            ("b200", "index", "dgx-b200"),
        )
    ]
    rubin = catalog.system("vera-rubin-nvl72").price_usd_per_accelerator
    market = rubin_run.costs.market
    assert market.derived and market.usd_per_hour == pytest.approx(
        statistics.median(ratios) * rubin
    )
    assert rubin_run.costs.market_usd == pytest.approx(rubin_run.gpu_hours * market.usd_per_hour)
    d = rubin_run.to_json()
    assert d["cost_usd_market"] == pytest.approx(rubin_run.costs.market_usd)
    assert d["cost_usd_ownership"] == pytest.approx(d["cost_usd"])


def test_market_basis_uses_a_quoted_rate(catalog):
    r = plan_training("llama3-8b", 1e11, "dgx-h100", 64, cost_basis="market", catalog=catalog)
    assert r.cost_basis == "market"
    h100_index = _latest_rate(catalog, "h100-sxm", "index")  # Silicon Data's SDH100RT
    assert r.cost_usd == pytest.approx(r.gpu_hours * h100_index)
    assert "index" in r.cost_detail


def test_ownership_basis_says_it_carries_no_cost_of_capital(catalog):
    """The ownership rate is straight-line depreciation plus operations and energy: no
    interest on the capital, so it sits below what a financed owner pays; the detail says so."""
    r = plan_training("llama3-8b", 1e11, "dgx-h100", 64, catalog=catalog)
    assert r.cost_basis == "ownership"
    assert "straight-line over their lives (no cost of capital)" in r.cost_detail


def test_train_cli_cost_basis(capsys, catalog):
    args = ["train", "--model", "llama3-8b", "--tokens", "1e11", "--system", "h100", "--gpus",
            "64", "--cost-basis", "market", "--json"]  # fmt: skip
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    data = json.loads(out)
    assert data["cost_basis"] == "market" and data["cost_usd"] == data["cost_usd_market"]
    assert data["cost_usd_per_gpu_hour"] == pytest.approx(
        _latest_rate(catalog, "h100-sxm", "index")
    )
    for bad in (
        ["--cost-basis", "cheap"],
        ["--cost-basis", "market", "--cost-usd-per-gpu-hour", "2"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(args[:-3] + bad)
        out, err = capsys.readouterr()
        assert exc.value.code == 2 and out == "" and "--cost-basis" in err


def test_a_pjm_runs_energy_carries_the_capacity_charge_finance_bills(catalog):
    """A run in us-pjm pays the region's power price plus the capacity charge per MWh drawn
    (PJM's 2026/27 price less the 2023 level the power price carries, over 24 h), as the
    finance model bills its sites; an ERCOT run pays the power price alone."""
    from gigawatt.costs import capacity_charge_at
    from gigawatt.training import run_costs

    system = catalog.system("gb200-nvl72")
    charged = catalog.parameter("pjm-capacity-usd-per-mw-day").value
    carried = catalog.parameter("pjm-capacity-2023-usd-per-mw-day").value
    assert capacity_charge_at(catalog, "us-pjm").usd_per_mw_day == pytest.approx(charged - carried)
    assert capacity_charge_at(catalog, "us-ercot").usd_per_mw_day == 0
    pjm = run_costs(catalog, system, 1e6, 2_000.0, "us-pjm", 1.2)
    price = catalog.region("us-pjm").power_price_usd_per_mwh + (charged - carried) / 24
    assert pjm.ownership.energy == pytest.approx(2_000.0 * price / 1e6)
    ercot = run_costs(catalog, system, 1e6, 2_000.0, "us-ercot", 1.2)
    ercot_price = catalog.region("us-ercot").power_price_usd_per_mwh
    assert ercot.ownership.energy == pytest.approx(2_000.0 * ercot_price / 1e6)


def _h100_index(catalog):
    """The H100 index records (the tier the H100 market basis uses), oldest first."""
    return sorted(
        (r for r in catalog.all("prices") if r.process == "rental" and r.pricing == "index"
         and catalog.accelerator(r.accelerator).id == "h100-sxm"),
        key=lambda r: r.start_month,
    )  # fmt: skip


def _month(label: str):
    import datetime as dt

    return dt.date(int(label[:4]), int(label[5:]), 1)


def _market_run(catalog, month: str):
    return plan_training(
        "llama3-8b", 1e11, "dgx-h100", 64, cost_basis="market", catalog=catalog,
        start=_month(month),
    ).to_json()  # fmt: skip


def test_a_2025_run_is_priced_between_dated_index_records(catalog):
    """A run starting 2025-06 is priced from the H100 index records dated around it (linear in
    months between them), not at a later month's value held flat: no caveat, and the detail
    names both records."""
    recs = _h100_index(catalog)
    before = [r for r in recs if r.start_month < "2025-06"][-1]
    after = next(r for r in recs if r.start_month > "2025-06")
    run = _market_run(catalog, "2025-06")

    def index(label: str) -> int:
        return int(label[:4]) * 12 + int(label[5:])

    share = (index("2025-06") - index(before.start_month)) / (
        index(after.start_month) - index(before.start_month)
    )
    expected = before.start_usd + (after.start_usd - before.start_usd) * share
    assert run["market_rate_month"] == "2025-06" and run["market_rate_caveat"] is None
    assert run["cost_usd_per_gpu_hour"] == pytest.approx(expected)
    assert "interpolated between" in run["cost_detail"]
    assert before.label in run["cost_detail"] and after.label in run["cost_detail"]
    # each record's month is said once: its name already ends with it ("2025-05, 2025-05")
    for r in (before, after):
        assert r.label.endswith(r.start_month)
        assert f"{r.start_month}, {r.start_month}" not in run["cost_detail"]


def test_market_rate_is_read_at_the_run_start_month(catalog):
    """A run starting before the H100 index's earliest dated record is priced at that record's
    value held flat, and says so; a run in a record's month gets that record's value and no
    caveat."""
    recs = _h100_index(catalog)
    first, last = recs[0], recs[-1]
    year, mon = int(first.start_month[:4]), int(first.start_month[5:])
    earlier = f"{year - 1}-{mon:02d}"
    early = _market_run(catalog, earlier)
    on = _market_run(catalog, last.start_month)
    assert early["market_rate_month"] == earlier
    assert on["market_rate_month"] == last.start_month and on["market_rate_caveat"] is None
    assert on["cost_usd_per_gpu_hour"] == pytest.approx(last.start_usd)
    assert "held flat" in early["market_rate_caveat"] and first.start_month in early["cost_detail"]
    assert early["cost_usd_per_gpu_hour"] == pytest.approx(first.start_usd)


def test_dated_rates_interpolate_between_records_and_hold_flat_outside(catalog):
    """Two dated records of one tier: each month on a record gets its value, months between
    are linear in months, months outside are held at the nearer end with a caveat."""
    import datetime as dt

    from gigawatt.costs import _dated

    rec = next(r for r in catalog.all("prices") if r.id == "h100-rental")
    earlier = rec.model_copy(
        update={"id": "earlier", "start_month": "2025-06", "start_usd": rec.start_usd / 2}
    )
    later = rec.model_copy(update={"start_month": "2026-06"})
    recs = [later, earlier]
    june25 = _dated(recs, dt.date(2025, 6, 15))
    june26 = _dated(recs, dt.date(2026, 6, 1))
    assert june25.usd_per_hour == earlier.start_usd and june25.caveat is None
    assert june26.usd_per_hour == later.start_usd and june26.caveat is None
    mid = _dated(recs, dt.date(2025, 12, 1))
    assert mid.usd_per_hour == pytest.approx((earlier.start_usd + later.start_usd) / 2)
    assert mid.ids == ("earlier", rec.id) and mid.as_of_month == "2025-12"
    before, after = _dated(recs, dt.date(2024, 1, 1)), _dated(recs, dt.date(2027, 1, 1))
    assert before.usd_per_hour == earlier.start_usd and "held flat" in before.caveat
    assert after.usd_per_hour == later.start_usd and "held flat" in after.caveat
