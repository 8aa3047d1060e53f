"""Distribution-free statements about a sweep's P10 and P90 (sweep/confidence.py): the
binomial formula of order statistics, checked against direct sums and against simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gigawatt.sweep.confidence import (
    BandConfidence,
    beyond_extreme,
    coverage,
    rank_interval,
    samples_needed,
)


def _direct(n: int, p: float, r: int, s: int) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(r, s))


@pytest.mark.parametrize(("n", "r", "s"), [(5, 1, 5), (22, 1, 8), (40, 2, 9), (100, 5, 15)])
def test_coverage_is_the_binomial_sum(n, r, s):
    assert coverage(n, 0.1, r, s) == pytest.approx(_direct(n, 0.1, r, s), rel=1e-12)


def test_coverage_matches_simulation():
    """The share of simulated 30-draw samples whose 2nd and 7th lowest bracket the true P10
    (of a lognormal: any continuous law gives the same) is the formula's, within sampling error."""
    rng = np.random.default_rng(7)
    n, r, s, trials = 30, 2, 7, 40_000
    draws = np.sort(rng.lognormal(0.0, 1.0, size=(trials, n)), axis=1)
    true_p10 = math.exp(-1.2815515655446004)  # exp(z_0.1) for a standard lognormal
    hit = np.mean((draws[:, r - 1] <= true_p10) & (true_p10 < draws[:, s - 1]))
    expected = coverage(n, 0.1, r, s)
    assert abs(hit - expected) < 4 * math.sqrt(expected * (1 - expected) / trials)


def test_true_p10_below_the_lowest_of_n_draws():
    assert beyond_extreme(4, 0.1) == pytest.approx(0.9**4)
    assert beyond_extreme(22, 0.1) == pytest.approx(_direct(22, 0.1, 0, 1))


def test_the_narrowest_rank_interval_reaches_the_level():
    assert rank_interval(21, 0.1) is None  # 1 - 0.9^21 < 0.9: the extremes do not suffice
    assert samples_needed(0.1) == 22
    for n in (22, 50, 100, 1000):
        r, s, cover = rank_interval(n, 0.1)
        assert cover >= 0.9 and cover == pytest.approx(coverage(n, 0.1, r, s))
        narrower = [coverage(n, 0.1, a, a + s - r - 1) for a in range(1, n - (s - r - 1) + 1)]
        assert max(narrower) < 0.9  # no pair one rank narrower reaches 90 %
        assert r <= 0.1 * n <= s


def test_json_and_text_state_n_and_the_source():
    few = BandConfidence(4, 0.1, 0.9)
    data = few.to_json()
    assert data["n"] == 4 and data["p10_ranks"] is None and data["samples_for_ranks"] == 22
    assert data["p10_below_lowest_draw"] == pytest.approx(0.9**4)
    assert "section 7.1" in data["source"]
    assert "66%" in few.text() and "at least 22 samples" in few.text()
    many = BandConfidence(100, 0.1, 0.9).to_json()
    r, s = many["p10_ranks"]
    assert many["p90_ranks"] == [101 - s, 101 - r]
    assert "with 100 draws" in BandConfidence(100, 0.1, 0.9).text()
