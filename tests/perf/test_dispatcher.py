"""Node-deduplicated MoE dispatch (`moe_dispatcher` deepep / hybridep): hand counts, limit
cases, the scalar/vectorised cross-check and the published DeepSeek-V3 rows."""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.perf import BREAKDOWN_KEYS, comm, estimate, evaluate, search
from gigawatt.perf.estimate import hardware_for, load_system
from gigawatt.perf.plan import CODED
from gigawatt.perf.search import enumerate_plans
from gigawatt.perf.workload import Workload

CAT = Catalog.load()
NET = comm.Network(
    domain=2,
    up_bytes_per_s=100e9,
    out_bytes_per_s=10e9,
    up_latency_s=0.0,
    out_latency_s=0.0,
    pod_size=1024,
    oversubscription=1,
)


def _hand_count(experts: int, k: int, n: int, inside: int) -> tuple[float, float]:
    """Over every set of k distinct experts (E / n per rank, ranks `inside` per domain, the
    sender rank 0 in domain 0): the mean number of other domains the token must reach, and of
    destination ranks that are not the landing rank of their domain (local index 0)."""
    per = experts // n
    other_domains = forwarded = 0
    sets = list(itertools.combinations(range(experts), k))
    for chosen in sets:
        ranks = {e // per for e in chosen}
        other_domains += len({r // inside for r in ranks} - {0})
        forwarded += sum(1 for r in ranks if r % inside != 0)
    return other_domains / len(sets), forwarded / len(sets)


@pytest.mark.parametrize(("experts", "k", "n"), [(8, 3, 4), (12, 2, 6), (16, 4, 8)])
def test_dedup_traffic_matches_a_hand_count(experts, k, n):
    """Scale-out copies = distinct other domains; scale-up copies = distinct ranks other
    than each domain's landing rank, counted over all C(E, k) expert sets."""
    inside = NET.domain
    other, forwarded = _hand_count(experts, k, n, inside)
    token = 1e6
    out_only = replace(NET, up_bytes_per_s=1e30)
    up_only = replace(NET, out_bytes_per_s=1e30)
    assert float(comm.dedup_dispatch_s(out_only, token, experts, k, n, 1)) == pytest.approx(
        other * token / NET.out_bytes_per_s, rel=1e-12
    )
    assert float(comm.dedup_dispatch_s(up_only, token, experts, k, n, 1)) == pytest.approx(
        forwarded * token / NET.up_bytes_per_s, rel=1e-12
    )
    # the all-to-all sends every copy: k (n - inside) / n of them across domains
    a2a = float(comm.all_to_all_s(out_only, k * token, n, 1))
    assert a2a == pytest.approx(k * (n - inside) / n * token / NET.out_bytes_per_s)
    assert float(comm.dedup_dispatch_s(out_only, token, experts, k, n, 1)) < a2a


def test_limit_cases():
    token = 1e6
    # one domain: nothing crosses the scale-out network, only distinct ranks over NVLink
    one = float(comm.dedup_dispatch_s(NET, token, 8, 3, 2, 1))
    ranks = float(comm.distinct_holders(8, 3, np.array(2.0)))
    assert one == pytest.approx(ranks * 1 / 2 * token / NET.up_bytes_per_s)
    slow_up = replace(NET, up_bytes_per_s=1.0)
    # k = 1: the scale-out bytes are the all-to-all's
    for n in (4, 8, 16):
        out_only = replace(NET, up_bytes_per_s=1e30)
        assert float(comm.dedup_dispatch_s(out_only, token, 16, 1, n, 1)) == pytest.approx(
            float(comm.all_to_all_s(out_only, token, n, 1)), rel=1e-12
        )
    # one holder, one expert: exactly one destination
    assert float(comm.distinct_holders(64, 1, np.array(8.0))) == pytest.approx(1.0)
    assert float(comm.distinct_holders(64, 8, np.array(1.0))) == pytest.approx(1.0)
    # a node limit of one domain: the token crosses to (o - 1) / o other domains at most
    capped = float(comm.dedup_dispatch_s(replace(NET, up_bytes_per_s=1e30), token, 16, 4, 8, 1, 1))
    assert capped == pytest.approx(3 / 4 * token / NET.out_bytes_per_s)
    assert float(comm.dedup_dispatch_s(slow_up, token, 8, 3, 1, 1)) == 0.0


W = Workload.from_model(CAT.get("models", "deepseek-v3"))


def test_deepseek_v3_node_limit_in_catalog():
    """DeepSeek-V3 report section 2.1.2 / 4.2: a token's experts on at most 4 nodes, from
    8 groups (config.json n_group 8, topk_group 4)."""
    assert (W.router_groups, W.router_group_topk) == (8, 4)


def test_vectorised_matches_scalar_with_the_flex_dispatcher():
    """Plans with each dispatcher, evaluated in one batch and one by one: identical numbers."""
    hw, sw = hardware_for(load_system("dgx-b200", CAT), "bf16", CAT)
    rng = np.random.default_rng(20261207)
    for name in ("alltoall", "deepep", "hybridep"):
        fixed = {"moe_dispatcher": name, "tp": 1, "mb": 1, "zero": 1, "recompute": "none"}
        plans = enumerate_plans(W, 64, fixed, sw)
        assert len(plans) and np.all(plans.moe_dispatcher == CODED["moe_dispatcher"].index(name))
        batch = evaluate(W, hw, plans)
        assert np.any(plans.ep > 8)  # some expert-parallel groups span nodes
        spanning = rng.choice(np.flatnonzero(plans.ep > 8), size=4, replace=False)
        for i in [*spanning, *rng.choice(len(plans), size=min(4, len(plans)), replace=False)]:
            row = plans.row(int(i), "bf16")
            one = estimate("deepseek-v3", "dgx-b200", 64, row, catalog=CAT)
            assert one.plan == row
            assert one.step_time_s == batch.step_time_s[i]
            for key in BREAKDOWN_KEYS:
                assert one.breakdown_s[key] == batch.breakdown_s[key][i]


def test_deepep_cuts_cross_node_dispatch_and_is_searched():
    plan = {"tp": 1, "pp": 8, "vp": 2, "ep": 32, "mb": 1, "gbs": 4096}
    a2a = estimate("deepseek-v3", "dgx-b200", 256, {**plan, "moe_dispatcher": "alltoall"})
    dedup = estimate("deepseek-v3", "dgx-b200", 256, {**plan, "moe_dispatcher": "deepep"})
    assert dedup.breakdown_s["ep_comm"] < 0.6 * a2a.breakdown_s["ep_comm"]
    assert dedup.step_time_s < a2a.step_time_s
    found = search("deepseek-v3", "dgx-b200", 256, fixed={"gbs": 4096}, catalog=CAT)
    assert found.best is not None
    assert found.best.plan["moe_dispatcher"] in ("alltoall", "deepep")
    with pytest.raises(InputError, match="moe_dispatcher"):
        estimate("deepseek-v3", "dgx-b200", 256, {**plan, "moe_dispatcher": "nccl"})


def test_deepseek_v3_rows_before_and_after():
    """MB30 (26.04.01, B200, DeepEP per its preset): the all-to-all model's +112 % comes down
    to +15 % (docs/models/perf-evidence.md, DeepSeek-V3); with the alltoall dispatcher it stays
    above +100 %."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "validation"))
    from perf_rows import load_rows, predict

    rows = {r.id: r for r in load_rows(CAT) if r.id in ("MB30", "MB11", "MB28", "MB29")}
    mb30 = rows["MB30"]
    assert mb30.plan["moe_dispatcher"] == "deepep"
    err = predict(mb30, CAT).step_time_s / mb30.published_step_s - 1
    plain = replace(mb30, plan={**mb30.plan, "moe_dispatcher": "alltoall"})
    err_plain = predict(plain, CAT).step_time_s / mb30.published_step_s - 1
    assert abs(err) < 0.16 and err_plain > 1.0
    for rid in ("MB11", "MB28", "MB29"):
        assert rows[rid].plan["moe_dispatcher"] == "hybridep"
