"""The capability model's published formulas, by hand (Chinchilla, DeepSeek's batch law, the
ring all-reduce, R = N x peak x MFU x goodput x efficiency)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gigawatt.capability import (
    Settings,
    chinchilla_loss,
    chinchilla_optimal,
    cross_site_efficiency,
    optimal_batch_tokens,
    ring_allreduce_s,
    sustained_flops_per_s,
)
from gigawatt.catalog import Catalog


def test_chinchilla_optimal_by_hand():
    # C = 1.2e23 FLOP, 20 tokens per parameter: N = sqrt(1.2e23 / 120) = sqrt(1e21)
    params, tokens = chinchilla_optimal(1.2e23, 20.0)
    assert params == pytest.approx(math.sqrt(1e21), rel=1e-12)
    assert tokens == pytest.approx(20 * math.sqrt(1e21), rel=1e-12)
    assert 6 * params * tokens == pytest.approx(1.2e23, rel=1e-12)  # C = 6 N D


def test_chinchilla_optimal_is_close_to_the_papers_table_3():
    """Hoffmann et al. 2022 Table 3: 5.76e23 FLOP -> 67B parameters, 1.5T tokens (approach 1).

    The 20:1 rule is the table's rounded ratio (67B : 1.5T is 22:1), so N and D land within
    10 % of the table's figures, not on them.
    """
    params, tokens = chinchilla_optimal(5.76e23, 20.0)
    assert params == pytest.approx(67e9, rel=0.10)
    assert tokens == pytest.approx(1.5e12, rel=0.10)


def test_chinchilla_loss_by_hand():
    n, d = 70e9, 1.4e12
    expected = 1.69 + 406.4 / n**0.34 + 410.7 / d**0.28
    assert chinchilla_loss(n, d, 1.69, 406.4, 410.7, 0.34, 0.28) == pytest.approx(expected)
    assert 1.9 < expected < 2.0  # E = 1.69 plus the two finite-size terms (0.084 and 0.163)


def test_batch_law_by_hand():
    # B = 0.292 x (1e20)^0.3271 = 0.292 x 10^6.542
    assert optimal_batch_tokens(1e20, 0.292, 0.3271) == pytest.approx(0.292 * 10**6.542)
    # ten times the compute: 10^0.3271 = 2.12 times the batch
    ratio = optimal_batch_tokens(1e28, 0.292, 0.3271) / optimal_batch_tokens(1e27, 0.292, 0.3271)
    assert ratio == pytest.approx(10**0.3271)


def test_ring_allreduce_by_hand():
    # 1 TB over 4 sites at 1 TB/s, 5 ms per hop: 3/4 s + 6 hops x 5 ms
    assert ring_allreduce_s(1e12, 4, 1e12, 0.005) == pytest.approx(0.78)
    assert ring_allreduce_s(1e12, 1, 1e12, 0.005) == 0.0
    assert cross_site_efficiency(1.0, 0.25) == pytest.approx(0.8)
    assert cross_site_efficiency(np.inf, 0.25) == 0.0


def test_sustained_rate_is_the_product():
    assert sustained_flops_per_s(1000, 1e15, 0.5, 0.9, 0.8) == pytest.approx(3.6e17)


def test_shipped_settings_cite_the_defaults():
    s = Settings.of(Catalog.load())
    assert s.model.id == "llama3-405b" and s.reference.precision == "bf16"
    assert s.duration_s == 90 * 86_400
    assert (s.batch_coefficient, s.batch_exponent) == (0.292, 0.3271)
    assert s.tokens_per_parameter == 20
    assert s.loss_fit == (1.69, 406.4, 410.7, 0.34, 0.28)
    assert s.comparison.id == "gpt-4"
    for rec in Catalog.load().all("capability"):
        if rec.low is not None:
            assert rec.low <= rec.value <= rec.high, rec.id
