"""The capability stage of `gigawatt run`: the largest run by month, frontier runs (cost,
energy, thresholds with dates), cross-site runs, site thresholds; hand-calculable on toy data."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from capability_cases import (
    DAY_S,
    POWER_GW_2_19,
    TOY_CAPABILITY,
    fixed_catalog,
    scenario,
    site,
)

from conftest import TOY_CATALOG
from gigawatt.capability import CapabilityResult
from gigawatt.catalog import Catalog
from gigawatt.simulate import simulate

RATE_2_19 = 2**19 * 1e15 * 0.5  # never-failing toy accelerators at MFU 0.5 [FLOP/s]
GPT3_FLOP = 3.14e23


def run(catalog: Catalog, **overrides) -> CapabilityResult:
    results = simulate(scenario(catalog, **overrides), catalog, until="capability")
    assert results.capability is not None
    return results.capability


def test_largest_run_by_hand():
    cap = run(fixed_catalog())
    dec = cap.year_summary(2026, 11)
    flop = RATE_2_19 * 90 * DAY_S
    assert dec["largest_run_site"] == "site-a" and dec["largest_run_system"] == "toy-node-ft"
    assert dec["largest_run_accelerators"] == 2**19
    assert dec["largest_run_group_accelerators"] == 2**19
    assert dec["largest_run_flops_per_s"] == pytest.approx(RATE_2_19, rel=1e-9)
    assert dec["largest_run_flop"] == pytest.approx(flop, rel=1e-9)
    assert dec["largest_run_mfu"] == 0.5
    assert dec["largest_run_goodput"] == pytest.approx(1.0, abs=1e-9)
    assert dec["chinchilla_params"] == pytest.approx(math.sqrt(flop / 120), rel=1e-9)
    assert dec["chinchilla_tokens"] == pytest.approx(20 * math.sqrt(flop / 120), rel=1e-9)
    assert dec["largest_run_vs_reference"] == pytest.approx(flop / GPT3_FLOP, rel=1e-9)
    assert dec["largest_run_duration_days"] == 90
    # 2.0e27 FLOP: above 1e25 and 1e26 (NY RAISE is not in force in 2026)
    assert set(dec["largest_run_thresholds_crossed"]) == {
        "eu-ai-act-systemic-risk",
        "eu-ai-act-gpai-indicative",
        "ca-sb53-frontier",
    }


def test_no_run_before_the_first_phase():
    cap = run(fixed_catalog())
    jan = cap.year_summary(2026, 0)  # nothing online until 2026-03
    assert jan["largest_run_flop"] == 0 and jan["largest_run_accelerators"] == 0
    assert jan["largest_run_site"] is None and jan["largest_run_mfu"] is None
    assert jan["chinchilla_params"] is None and jan["largest_run_thresholds_crossed"] == []
    table = cap.table()
    flops = table[(table.quantity == "largest_run_flops_per_s") & (table.site == "total")]
    assert flops.value.tolist()[:2] == [0.0, 0.0] and flops.value.iloc[2] > 0


def test_the_larger_site_wins_and_sites_keep_their_own_series():
    cap = run(
        fixed_catalog(),
        sites=[site("small", POWER_GW_2_19 / 2), site("large", POWER_GW_2_19)],
    )
    assert cap.largest_site[-1] == "large"
    assert cap.site_rates["large"][-1] == pytest.approx(RATE_2_19, rel=1e-9)
    assert cap.site_rates["small"][-1] == pytest.approx(RATE_2_19 / 2, rel=1e-9)


def big_model_catalog(tmp_path) -> Catalog:
    """The fixed-MFU toy catalog with a 405B reference model (steps of seconds, not ms)."""
    (tmp_path / "reference-workloads.yaml").write_text(
        "- {id: default, source: test, as_of: 2025-01-01, status: estimate, "
        "model: llama3-405b, mfu: 0.5, comparison_run: gpt-3}\n"
    )
    return Catalog.load([TOY_CATALOG, TOY_CAPABILITY, tmp_path])


TWO_SITES = [site("east", POWER_GW_2_19 / 2), site("west", POWER_GW_2_19 / 2)]
MULTI = [{"name": "multi", "start": "2026-06", "duration_days": 90, "cross_site": True}]


def test_cross_site_from_the_first_cross_site_run(tmp_path):
    """Two sites of 2^18: single-site before the cross-site run starts, both sites after,
    at the ring all-reduce's efficiency."""
    cap = run(big_model_catalog(tmp_path), sites=TWO_SITES, frontier_runs=MULTI)
    assert cap.cross_site_from == "2026-06"
    assert cap.largest_site[4] in {"east", "west"}  # 2026-05
    assert cap.largest_site[5] == "all"  # 2026-06
    assert cap.largest["largest_run_accelerators"][5] == 2**19
    eff = cap.largest["largest_run_cross_site_efficiency"][5]
    assert 0.9 < eff < 1.0
    assert cap.largest["largest_run_flops_per_s"][5] == pytest.approx(RATE_2_19 * eff, rel=1e-9)
    r = cap.runs[0].as_dict()
    assert r["site"] == "all" and r["sites"] == ["east", "west"]
    assert r["accelerators"] == 2**19 and r["cross_site_efficiency"] == pytest.approx(eff)
    assert r["note"] == ""  # it does use several sites


def test_a_small_model_stays_on_one_site():
    """A 1.7B model's steps last milliseconds, so 10 ms of wide-area latency per step costs
    more than a second site gives: the run stays on one site."""
    cap = run(fixed_catalog(), sites=TWO_SITES, frontier_runs=MULTI)
    assert cap.largest_site[5] in {"east", "west"}
    r = cap.runs[0].as_dict()
    assert r["accelerators"] == 2**18
    # The run says why a cross_site run trains at one site, and what both sites would give.
    assert r["note"].startswith(
        f"cross_site allows several sites, but the run trains at {r['site']}"
    )
    assert "over the 2 sites" in r["note"] and f"{2**19:,} accelerators" in r["note"]
    efficiency = float(r["note"].split("cross-site efficiency ")[1].split(",")[0])
    assert 0 < efficiency < 1


def test_frontier_run_by_hand():
    runs = [{"name": "r1", "start": "2026-04", "duration_days": 30, "precision": "bf16"}]
    cap = run(fixed_catalog(), frontier_runs=runs)
    r = cap.runs[0].as_dict()
    duration = 30 * DAY_S
    flop = RATE_2_19 * duration
    assert r["site"] == "site-a" and r["accelerators"] == 2**19
    assert r["training_flop"] == pytest.approx(flop, rel=1e-9)
    assert r["tokens_basis"] == "chinchilla-optimal"
    assert r["params"] == pytest.approx(math.sqrt(flop / 120), rel=1e-9)
    assert r["gpu_hours"] == pytest.approx(2**19 * 30 * 24)
    # energy: the footprint model at the site's region and PUE; cost: ownership + energy.
    # USD 30k system over 5 years; facility 11.7 USD/W x 1 kW and power 2 USD/W x 1.25 kW over
    # 20 years; operations 3 % of USD 44,200 a year: USD 0.9174 per accelerator-hour.
    cat = fixed_catalog()
    hourly = 30_000 / (5 * 8760) + (11_700 + 2_500) / (20 * 8760) + 0.03 * 44_200 / 8760
    price = cat.region("us-ercot").power_price_usd_per_mwh
    assert r["cost_usd"] == pytest.approx(r["gpu_hours"] * hourly + r["energy_mwh"] * price)
    assert r["cost_basis"] == "ownership" and r["cost_usd_market"] > 0
    assert r["market_rate_month"] == runs[0]["start"]  # the market rate is read at the start
    assert r["energy_mwh"] > 0 and r["co2e_t"] > 0
    # thresholds: 1e25 after 1e25 / rate seconds (10.6 h), 1e26 after 4.4 days
    checks = {t["id"]: t for t in r["thresholds"]}
    start = dt.date(2026, 4, 1)
    eu = checks["eu-ai-act-systemic-risk"]
    assert eu["exceeded"] and eu["crossing_date"] == start.isoformat()
    assert eu["notification_deadline"] == (start + dt.timedelta(days=14)).isoformat()
    ca = checks["ca-sb53-frontier"]
    expected = start + dt.timedelta(seconds=1e26 / RATE_2_19)
    assert ca["crossing_date"] == expected.isoformat() == "2026-04-05"
    assert not checks["ny-raise-frontier"]["in_force"]
    assert set(r["thresholds_crossed"]) >= {"eu-ai-act-systemic-risk", "ca-sb53-frontier"}


def test_frontier_run_with_a_model_uses_its_flops_per_token_and_plan():
    runs = [{"name": "named", "model": "llama3-8b", "start": "2026-06", "duration_days": 10}]
    cap = run(fixed_catalog(), frontier_runs=runs)
    r = cap.runs[0].as_dict()
    assert r["model"] == "llama3-8b" and r["model_given"]
    assert r["tokens_basis"] == "model FLOPs per token"
    assert r["params"] == pytest.approx(8.03e9, rel=0.02)
    assert r["plan"] is not None and r["plan_gpus"] <= r["accelerators"]
    assert 0 < r["mfu"] < 1  # from the perf search, not the fixed 0.5
    flops_per_token = r["training_flop"] / r["tokens"]
    assert flops_per_token == pytest.approx(6 * r["params"], rel=0.25)  # plus attention


def test_naming_the_reference_model_searches_instead_of_the_fixed_mfu():
    runs = [{"name": "named", "model": "megatron-1-7b", "start": "2026-06", "duration_days": 10}]
    r = run(fixed_catalog(), frontier_runs=runs).runs[0].as_dict()
    assert r["plan"] is not None and r["mfu"] != 0.5


def test_frontier_run_with_nothing_online():
    runs = [{"name": "early", "start": "2026-01", "duration_days": 30}]
    r = run(fixed_catalog(), frontier_runs=runs).runs[0].as_dict()
    assert r["accelerators"] == 0 and r["training_flop"] == 0
    assert r["energy_mwh"] is None and r["cost_usd"] is None
    assert r["thresholds_crossed"] == [] and "no accelerators" in r["note"]


def test_cross_site_sync_grows_with_the_ring(tmp_path):
    """The same 2^19 accelerators over 2 or 4 sites: the compute step is the same, so the sync
    time over the step, 1/efficiency - 1, grows as the ring all-reduce does by hand (Patarasuk
    and Yuan 2009): (S - 1)/S x M/B + 2 (S - 1) x latency, M = 2 bytes x parameters."""
    cat = big_model_catalog(tmp_path)
    runs = [{"name": "m", "start": "2026-06", "duration_days": 90, "cross_site": True}]
    overhead = {}
    for n_sites in (2, 4):
        sites = [site(f"s{i}", POWER_GW_2_19 / n_sites) for i in range(n_sites)]
        cap = run(cat, sites=sites, frontier_runs=runs)
        r = cap.runs[0].as_dict()
        assert r["accelerators"] == 2**19 and len(r["sites"]) == n_sites
        assert 0 < r["cross_site_efficiency"] < 1
        overhead[n_sites] = 1 / r["cross_site_efficiency"] - 1
    m_over_b = 2 * cap.runs[0].where.curve.workload.params_total
    m_over_b /= cap.settings.cross_site_bandwidth_bytes_per_s
    latency = cap.settings.cross_site_latency_s
    by_hand = (3 / 4 * m_over_b + 6 * latency) / (1 / 2 * m_over_b + 2 * latency)
    assert overhead[4] / overhead[2] == pytest.approx(by_hand, rel=1e-9)


def test_site_thresholds_follow_the_region():
    cap = run(
        fixed_catalog(),
        sites=[
            site("texas", POWER_GW_2_19),
            site("ohio", POWER_GW_2_19, region="us-pjm"),
            site("germany", POWER_GW_2_19, region="de"),
        ],
    )
    got = {(c.site, c.id): c for c in cap.crossings}
    assert ("texas", "tx-sb6-large-load") in got and ("ohio", "tx-sb6-large-load") not in got
    assert ("ohio", "us-eo-14318-data-center") in got
    assert not [c for c in cap.crossings if c.site == "germany"]
    eo = got[("texas", "us-eo-14318-data-center")]
    assert eo.month == "2026-03" and eo.in_force
    cluster = got[("texas", "us-eo-14110-cluster")]
    assert cluster.month == "2026-03" and cluster.in_force is False  # revoked 2025-01-20
    assert cluster.peak == pytest.approx(2**19 * 2e15)  # no FP4: the FP8 rate
    table = cap.table()
    flag = table[
        (table.site == "texas") & (table.quantity == "threshold_crossed[tx-sb6-large-load]")
    ]
    assert flag.value.tolist()[:3] == [0.0, 0.0, 1.0]


def test_year_rows_of_run_json_carry_the_capability_keys():
    cat = fixed_catalog()
    years = simulate(scenario(cat), cat).years()
    for key in (
        "largest_run_accelerators",
        "largest_run_site",
        "largest_run_flops_per_s",
        "largest_run_flop",
        "chinchilla_params",
        "chinchilla_tokens",
        "largest_run_vs_reference",
    ):
        assert key in years[0]
    assert np.isfinite(years[0]["largest_run_flop"])


def test_the_largest_run_leaves_room_for_its_spare_pool_every_year(catalog):
    """The default policy restarts onto standbys, so each year's largest run and the spare pool
    `gigawatt reliability` sizes for it (with the run's burn-in) fit in its group together;
    `largest_run_spare_accelerators` is that pool. A caveat names each year where the room
    holds the run below its size without it, with that size: in the default scenario,
    2026-12 only (26,455 Vera Rubin, all inside burn-in)."""
    from gigawatt.distributions import point
    from gigawatt.reliability import job_reliability
    from gigawatt.scenario import load_scenario

    results = simulate(load_scenario("nvidia-openai-10gw", catalog), catalog, until="capability")
    cap = results.capability
    positions = results.year_positions()
    caveats = cap.spares_caveats(positions)
    target = point(catalog.parameter("spares-availability-target").value)
    flagged = []
    for year, pos in positions:
        row = cap.year_summary(year, pos)
        size, total = row["largest_run_accelerators"], row["largest_run_group_accelerators"]
        system = catalog.system(row["largest_run_system"])
        fm = catalog.failure_model(system.failure_model)
        gp = cap.picks[int(cap.winner[pos])]
        curve = cap._curve_of(gp, pos)
        assert curve.standby
        rel = job_reliability(
            size, 90 * DAY_S, fm, system, curve.plan,
            spares_availability=target, burn_in=row["largest_run_burn_in_factor"],
        )  # fmt: skip
        spare = rel.spares * rel.footprint.failure_domain
        assert spare > 0
        assert row["largest_run_spare_accelerators"] == spare, year
        assert size + spare <= total, year
        free = curve.operating(gp.available[pos : pos + 1])  # the same run without the room
        assert free.accelerators[0] >= size
        mine = [c for c in caveats if c.startswith(f"{cap.months[pos]}: ")]
        assert bool(mine) == (free.accelerators[0] > size), year
        if mine:
            flagged.append(year)
            assert f"the largest run, {size:,} accelerators, leaves room among its " in mine[0]
            assert f"{spare:,} accelerators ({rel.spares} failure domains)" in mine[0]
            assert f"without that room it would be {int(free.accelerators[0]):,}" in mine[0]
    assert flagged == [2026]
    assert results.caveats(results.years())[-len(caveats) :] == caveats


def _requeue_default_catalog(tmp_path) -> Catalog:
    """The shipped catalog with its default policy's restarts marked requeue (no standbys):
    every other input as shipped."""
    import yaml

    from gigawatt.catalog import __file__ as catalog_init

    path = Path(catalog_init).parent / "fault-tolerance.yaml"
    records = yaml.safe_load(path.read_text())
    record = next(r for r in records if r["id"] == "in-memory-hot-spare")
    assert record["replacement"] == "standby"
    (tmp_path / "fault-tolerance.yaml").write_text(
        yaml.safe_dump([{**record, "replacement": "requeue"}])
    )
    return Catalog.load([tmp_path])


def test_a_requeue_policy_holds_no_pool_and_sizes_as_without_one(tmp_path):
    """A policy that requeues (no standbys) holds no spare pool: its largest run is the one
    sized by the marginal-efficiency rule and the group alone, whatever the pool would be. The
    default scenario with its default policy marked requeue: each year's run is the operating
    point without room, `largest_run_spare_accelerators` 0, and 2026-12's run is larger than
    the standby policy's (whose pool does not fit beside it) and exceeds its group less its
    pool; no spares caveat."""
    from gigawatt.scenario import load_scenario

    catalog = _requeue_default_catalog(tmp_path)
    results = simulate(load_scenario("nvidia-openai-10gw", catalog), catalog, until="capability")
    cap = results.capability
    shipped = Catalog.load()
    standby = simulate(
        load_scenario("nvidia-openai-10gw", shipped), shipped, until="capability"
    ).capability
    positions = results.year_positions()
    assert cap.spares_caveats(positions) == []
    for year, pos in positions:
        row = cap.year_summary(year, pos)
        gp = cap.picks[int(cap.winner[pos])]
        curve = cap._curve_of(gp, pos)
        assert not curve.standby
        total = int(gp.group.accelerators[pos])
        assert curve.room(np.array([total]))[0] == total
        assert curve.spare_accelerators(row["largest_run_accelerators"]) == 0
        assert row["largest_run_spare_accelerators"] == 0
        free = curve.operating(gp.available[pos : pos + 1])
        assert row["largest_run_accelerators"] == free.accelerators[0], year
        other = standby.year_summary(year, pos)
        assert row["largest_run_accelerators"] >= other["largest_run_accelerators"], year
    first = positions[0][1]
    row, other = cap.year_summary(2026, first), standby.year_summary(2026, first)
    assert row["largest_run_accelerators"] > other["largest_run_accelerators"]
    pool = standby._curve_of(standby.picks[int(standby.winner[first])], first)
    assert (
        row["largest_run_accelerators"] + pool.spare_accelerators(row["largest_run_accelerators"])
        > row["largest_run_group_accelerators"]
    )


def test_a_frontier_run_held_by_its_spare_pool_says_so(catalog, tmp_path):
    """A cross_site frontier run that trains at one site, where the room for its policy's
    spare pool (not its marginal efficiency) sets its size: the default scenario's first
    month of Vera Rubin, all inside burn-in. Its note names the pool, which fits beside it."""
    from gigawatt.scenario import load_scenario

    path = tmp_path / "early.yaml"
    path.write_text(
        "extends: nvidia-openai-10gw\nname: early\nfrontier_runs:\n"
        "  - {name: early, start: 2026-12, duration_days: 90, cross_site: true}\n"
    )
    cap = simulate(load_scenario(str(path), catalog), catalog, until="capability").capability
    (run,) = [r.as_dict() for r in cap.runs]
    where = cap.runs[0].where
    total = where.group.accelerators[where.pos : where.pos + 1]
    assert where.curve.room(total)[0] < where.curve.efficient_limit(int(total[0]))
    spare = run["spare_accelerators"]
    assert spare == where.curve.spare_accelerators(run["accelerators"]) > 0
    assert run["accelerators"] + spare <= run["accelerators_available"]
    assert (
        f"its operating point, {run['accelerators']:,} accelerators (held below its efficient "
        f"limit to leave room beside it for the spare pool in-memory-hot-spare restarts onto, "
        f"{spare:,}), fits in the site's {run['accelerators_available']:,}" in run["note"]
    )
