"""Collectives as alpha-beta costs on the network tier they cross.

A group of `n` ranks whose members sit `stride` ranks apart (see `plan.py` for the layout) has
`inside` = min(n, domain // stride) members (at least 1) in each scale-up domain (NVLink, ICI,
Infinity Fabric) and spans `outside` = ceil(n / inside) domains. Collectives run
hierarchically (NCCL-style): the part inside a domain at the scale-up bus bandwidth, the part
across domains at each accelerator's scale-out bandwidth, divided by the oversubscription
when the group spans more than a pod (n x stride > pod_size).

Costs (Thakur, Rabenseifner and Gropp 2005, "Optimization of Collective Communication
Operations in MPICH", IJHPCA 19(1), ring algorithms; Hockney's alpha-beta model), for a buffer
of S bytes [s]:

- reduce-scatter / all-gather: (inside-1)/inside x S / B_up + (outside-1)/outside x
  (S / inside) / B_out + latency,
- all-reduce = reduce-scatter + all-gather,
- all-to-all: max((inside-1)/n x S / B_up, (n-inside)/n x S / B_out) + latency,
- point-to-point: S / B of the tier between the two ranks + latency,
- node-deduplicated expert dispatch (DeepEP / HybridEP, `dedup_dispatch_s`): each token
  crosses the scale-out network once per distinct destination domain and is forwarded over
  the scale-up links to the ranks there: max(R (inside-1)/inside x S_tok / B_up,
  D (outside-1)/outside x S_tok / B_out) + latency, with S_tok the bytes of the tokens (one
  copy each), D and R the expected distinct destination domains and ranks of a token's k
  experts (`distinct_holders`),

with B_up, B_out the link bandwidths times the calibrated bus-bandwidth efficiencies. The
latency term is alpha_up x (inside-1) + alpha_out x ceil(log2(outside)): rings inside a domain,
tree/PAT-style logarithmic steps across domains (a ring's linear latency would be
unrealistic at 10^5 ranks, where NCCL switches algorithms).

All functions take NumPy arrays (or scalars) and broadcast; they are shared by the scalar and
the vectorised evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigawatt.catalog.schema import Calibration, System


@dataclass(frozen=True)
class Network:
    """Tiers of one system, with calibrated bus bandwidths [bytes/s] and latencies [s]."""

    domain: int
    up_bytes_per_s: float
    out_bytes_per_s: float
    up_latency_s: float
    out_latency_s: float
    pod_size: int
    oversubscription: float

    @classmethod
    def from_system(cls, system: System, cal: Calibration) -> Network:
        return cls(
            domain=system.scale_up_domain,
            up_bytes_per_s=system.scale_up_bandwidth_bytes_per_s * cal.scale_up_efficiency,
            out_bytes_per_s=system.scale_out_bandwidth_bytes_per_s * cal.scale_out_efficiency,
            up_latency_s=system.scale_up_latency_s,
            out_latency_s=system.scale_out_latency_s,
            pod_size=system.pod_size,
            oversubscription=system.oversubscription,
        )


def ceil_log2(x: np.ndarray) -> np.ndarray:
    """ceil(log2 x) for integers x >= 1, exactly (frexp is exact; log2 may round)."""
    return np.frexp(np.maximum(np.asarray(x, dtype=np.float64) - 1.0, 0.0))[1].astype(np.float64)


def _split(net: Network, n: np.ndarray, stride: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(members per scale-up domain, domains spanned) of groups of n ranks `stride` apart."""
    n = np.asarray(n, dtype=np.float64)
    per_domain = np.maximum(net.domain // np.maximum(np.asarray(stride), 1), 1)
    inside = np.minimum(n, per_domain)
    outside = np.ceil(n / inside)
    return inside, outside


def domains_spanned(net: Network, n: np.ndarray, stride: np.ndarray) -> np.ndarray:
    """Scale-up domains a group of n ranks `stride` apart spans."""
    return _split(net, n, stride)[1]


def _out_bandwidth(net: Network, n: np.ndarray, stride: np.ndarray) -> np.ndarray:
    """Scale-out bandwidth per rank, oversubscribed when the group spans more than a pod."""
    span = np.asarray(n) * np.asarray(stride)
    return np.where(
        span > net.pod_size, net.out_bytes_per_s / net.oversubscription, net.out_bytes_per_s
    )


def reduce_scatter_s(
    net: Network, size_bytes: np.ndarray, n: np.ndarray, stride: np.ndarray
) -> np.ndarray:
    """Reduce-scatter of a `size_bytes` buffer over n ranks (also an all-gather's cost) [s]."""
    inside, outside = _split(net, n, stride)
    size = np.asarray(size_bytes, dtype=np.float64)
    up = (inside - 1) / inside * size / net.up_bytes_per_s
    out = (outside - 1) / outside * (size / inside) / _out_bandwidth(net, n, stride)
    latency = net.up_latency_s * (inside - 1) + net.out_latency_s * ceil_log2(outside)
    return up + out + latency


all_gather_s = reduce_scatter_s


def all_reduce_s(
    net: Network, size_bytes: np.ndarray, n: np.ndarray, stride: np.ndarray
) -> np.ndarray:
    """All-reduce = reduce-scatter + all-gather [s]."""
    return 2 * reduce_scatter_s(net, size_bytes, n, stride)


def all_to_all_s(
    net: Network, size_bytes: np.ndarray, n: np.ndarray, stride: np.ndarray
) -> np.ndarray:
    """All-to-all where each rank holds `size_bytes`, a 1/n share for each peer [s]."""
    inside, outside = _split(net, n, stride)
    n = np.asarray(n, dtype=np.float64)
    size = np.asarray(size_bytes, dtype=np.float64)
    up = (inside - 1) / n * size / net.up_bytes_per_s
    out = (n - inside) / n * size / _out_bandwidth(net, n, stride)
    latency = np.where(n > 1, net.up_latency_s + net.out_latency_s * (outside > 1), 0.0)
    return np.maximum(up, out) + latency


def distinct_holders(experts: int, k: int, holders: np.ndarray) -> np.ndarray:
    """Expected number of distinct holders (ranks or domains, each holding experts / holders
    of the experts) among a token's k distinct experts drawn uniformly (balanced routing):
    holders x (1 - C(E - E/holders, k) / C(E, k)), the hypergeometric probability that a
    holder gets none of them. k = 1 gives 1; one holder gives 1."""
    holders = np.asarray(holders, dtype=np.float64)
    per = experts / holders
    untouched = np.ones_like(holders)
    for i in range(k):
        untouched = untouched * np.maximum(experts - per - i, 0.0) / (experts - i)
    return holders * (1.0 - untouched)


def dedup_dispatch_s(
    net: Network,
    token_bytes: np.ndarray,
    experts: int,
    k: int,
    n: np.ndarray,
    stride: np.ndarray,
    domain_cap: np.ndarray | float = np.inf,
) -> np.ndarray:
    """Dispatch (or combine) of `token_bytes` of tokens per rank whose k routed copies go to
    experts spread over n ranks `stride` apart, deduplicated per destination domain and rank
    (DeepSeek-V3 report, arXiv 2412.19437 section 3.2.2: a token crosses InfiniBand once per
    destination node, then NVLink to the experts' GPUs there; DeepEP's normal kernels and
    Megatron-Core's flex dispatcher, megatron/core/transformer/moe/token_dispatcher.py
    MoEFlexTokenDispatcher). The scale-out leg carries D (outside - 1) / outside copies, D the
    expected distinct destination domains (at most `domain_cap`: node-limited routing); the
    scale-up leg R (inside - 1) / inside, R the expected distinct destination ranks (the
    copies of the token's own domain and those forwarded from the landing rank). With k = 1
    the scale-out bytes are the all-to-all's [s]."""
    inside, outside = _split(net, n, stride)
    size = np.asarray(token_bytes, dtype=np.float64)
    domains = np.minimum(distinct_holders(experts, k, outside), domain_cap)
    ranks = distinct_holders(experts, k, np.asarray(n, dtype=np.float64))
    up = ranks * (inside - 1) / inside * size / net.up_bytes_per_s
    out = domains * (outside - 1) / outside * size / _out_bandwidth(net, n, stride)
    n = np.asarray(n, dtype=np.float64)
    latency = np.where(n > 1, net.up_latency_s + net.out_latency_s * (outside > 1), 0.0)
    return np.maximum(up, out) + latency


def p2p_s(net: Network, size_bytes: np.ndarray, stride: np.ndarray) -> np.ndarray:
    """Send `size_bytes` to the rank `stride` away (pipeline stages, ring attention) [s]."""
    stride = np.asarray(stride)
    size = np.asarray(size_bytes, dtype=np.float64)
    inside = stride < net.domain
    out_bw = np.where(
        stride >= net.pod_size, net.out_bytes_per_s / net.oversubscription, net.out_bytes_per_s
    )
    return np.where(
        inside,
        size / net.up_bytes_per_s + net.up_latency_s,
        size / out_bw + net.out_latency_s,
    )


@dataclass(frozen=True)
class Group:
    """A group of n ranks `stride` apart, with the collective costs as linear functions of
    the buffer size, precomputed once per plan array (the same formulas as the functions
    above: `Group(net, n, stride).reduce_scatter(S) == reduce_scatter_s(net, S, n, stride)`)."""

    per_byte: np.ndarray
    latency: np.ndarray

    @classmethod
    def ring(cls, net: Network, n: np.ndarray, stride: np.ndarray) -> Group:
        """Reduce-scatter / all-gather costs of the group."""
        inside, outside = _split(net, n, stride)
        per_byte = (inside - 1) / inside / net.up_bytes_per_s + (outside - 1) / outside / (
            inside * _out_bandwidth(net, n, stride)
        )
        latency = net.up_latency_s * (inside - 1) + net.out_latency_s * ceil_log2(outside)
        return cls(per_byte, latency)

    def reduce_scatter(self, size_bytes: np.ndarray) -> np.ndarray:
        return self.per_byte * size_bytes + self.latency

    all_gather = reduce_scatter
