"""Alpha-beta collectives: limiting cases solvable by hand."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.perf import comm

NET = comm.Network(
    domain=8,
    up_bytes_per_s=100e9,
    out_bytes_per_s=10e9,
    up_latency_s=1e-6,
    out_latency_s=10e-6,
    pod_size=64,
    oversubscription=4,
)
GB = 1e9


def test_single_rank_costs_nothing():
    for fn in (comm.reduce_scatter_s, comm.all_reduce_s, comm.all_to_all_s):
        assert float(fn(NET, GB, 1, 1)) == 0.0


def test_ring_inside_the_domain():
    # (n - 1) / n x S / B + (n - 1) alpha
    assert float(comm.reduce_scatter_s(NET, GB, 8, 1)) == pytest.approx(7 / 8 * 0.01 + 7e-6)
    assert float(comm.all_reduce_s(NET, GB, 8, 1)) == pytest.approx(2 * (7 / 8 * 0.01 + 7e-6))


def test_hierarchical_across_domains():
    # 32 ranks, 8 per domain: inside 7/8 S / B_up; across 3/4 (S / 8) / B_out; log2(4) hops
    expected = 7 / 8 * 0.01 + 3 / 4 * (GB / 8) / 10e9 + 7e-6 + 2 * 10e-6
    assert float(comm.reduce_scatter_s(NET, GB, 32, 1)) == pytest.approx(expected)
    # one member per domain (stride 8): everything crosses the scale-out network
    assert float(comm.reduce_scatter_s(NET, GB, 4, 8)) == pytest.approx(
        3 / 4 * GB / 10e9 + 2 * 10e-6
    )


def test_oversubscription_above_a_pod():
    inside_pod = float(comm.reduce_scatter_s(NET, GB, 8, 8))  # spans 64 ranks = one pod
    above = float(comm.reduce_scatter_s(NET, GB, 16, 8))  # spans 128 ranks
    assert above > 3.5 * inside_pod
    assert float(comm.p2p_s(NET, GB, 64)) == pytest.approx(GB / (10e9 / 4) + 10e-6)
    assert float(comm.p2p_s(NET, GB, 4)) == pytest.approx(GB / 100e9 + 1e-6)


def test_all_to_all_takes_the_slower_tier():
    # 16 ranks, 8 per domain: 7/16 of the data over NVLink, 8/16 over the network
    expected = max(7 / 16 * GB / 100e9, 8 / 16 * GB / 10e9) + 1e-6 + 10e-6
    assert float(comm.all_to_all_s(NET, GB, 16, 1)) == pytest.approx(expected)


def test_ceil_log2_is_exact():
    x = np.arange(1, 5000)
    assert np.array_equal(comm.ceil_log2(x), np.ceil(np.log2(x)))


def test_costs_grow_with_size_and_ranks():
    sizes = np.array([1e6, 1e8, 1e10])
    assert np.all(np.diff(comm.all_reduce_s(NET, sizes, 64, 1)) > 0)
    ranks = np.array([2, 4, 8, 16, 64, 256])
    assert np.all(np.diff(comm.all_reduce_s(NET, GB, ranks, 1)) > 0)
