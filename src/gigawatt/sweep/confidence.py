"""How far a sweep's P10 and P90 can be trusted: distribution-free statements from order
statistics.

For n independent draws of a continuous output with p-quantile xi_p, the number of draws below
xi_p is binomial (n, p), so the probability that xi_p lies between the r-th and the s-th lowest
draw is

    P(X_(r) <= xi_p < X_(s)) = sum_{i=r}^{s-1} C(n, i) p^i (1 - p)^(n - i),

whatever the distribution (David, H. A. and Nagaraja, H. N., *Order Statistics*, 3rd ed., Wiley,
2003, section 7.1, distribution-free confidence intervals for quantiles). In particular the true
P10 lies below the lowest of n draws with probability 0.9^n, and the true P90 above the highest
with the same probability. A sweep's samples are independent Monte Carlo draws (sample i uses
its own generator), as the formula needs. For an output with ties (whole months, a capped
value) the probability that xi_p lies between the two draws, both included, is at least this
(same section), so the statement is then conservative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The confidence a rank interval for a band end is stated at [fraction] (a presentation
#: choice, as the P10/P90 levels are).
CONFIDENCE = 0.9
#: Where the formula is from (said beside every figure that uses it; `CITE` in a sentence).
CITE = "David and Nagaraja, Order Statistics, 3rd ed., 2003, section 7.1"
SOURCE = (
    "David and Nagaraja, Order Statistics, 3rd ed., Wiley 2003, section 7.1 "
    "(distribution-free confidence intervals for quantiles)"
)


def _binomial_pmf(n: int, p: float) -> list[float]:
    """P(B = i) for i = 0..n, B binomial (n, p), 0 < p < 1 (in logs: no overflow at large n)."""
    log_p, log_q = math.log(p), math.log1p(-p)
    return [
        math.exp(
            math.lgamma(n + 1)
            - math.lgamma(i + 1)
            - math.lgamma(n - i + 1)
            + i * log_p
            + (n - i) * log_q
        )
        for i in range(n + 1)
    ]


def coverage(n: int, p: float, r: int, s: int) -> float:
    """P(X_(r) <= xi_p < X_(s)) for n draws, 1 <= r < s <= n (ranks from the lowest, 1-based)."""
    if not 1 <= r < s <= n:
        raise ValueError(f"ranks must satisfy 1 <= r < s <= n, got r={r}, s={s}, n={n}")
    return math.fsum(_binomial_pmf(n, p)[r:s])


def beyond_extreme(n: int, p: float) -> float:
    """P(xi_p < X_(1)) = (1 - p)^n: the true p-quantile below every one of n draws (for the
    upper quantile 1 - p, by symmetry, above every one)."""
    return (1.0 - p) ** n


def rank_interval(n: int, p: float, level: float = CONFIDENCE) -> tuple[int, int, float] | None:
    """The narrowest ranks (r, s) whose draws bracket xi_p with probability >= `level`, and that
    probability; among equally narrow pairs the likeliest. None when no pair of the n draws
    reaches `level` (too few samples)."""
    if n < 2:
        return None
    pmf = _binomial_pmf(n, p)
    cdf = [0.0]  # cdf[k] = P(B < k)
    for x in pmf:
        cdf.append(cdf[-1] + x)
    best: tuple[int, int, float] | None = None
    s = 2
    for r in range(1, n):
        s = max(s, r + 1)
        while s <= n and cdf[s] - cdf[r] < level:
            s += 1
        if s > n:
            break
        cover = cdf[s] - cdf[r]
        if best is None or (s - r, -cover) < (best[1] - best[0], -best[2]):
            best = (r, s, cover)
    return best


def samples_needed(p: float, level: float = CONFIDENCE) -> int:
    """The fewest draws for which the lowest and the highest bracket xi_p with probability >=
    `level`: 1 - p^n - (1 - p)^n >= level."""
    n = 2
    while 1.0 - p**n - (1.0 - p) ** n < level:
        n += 1
    return n


@dataclass(frozen=True)
class BandConfidence:
    """What n draws say about the true P10 (and, by symmetry, P90) of an output."""

    n: int
    #: The quantile level of the lower band end [fraction]: 0.1.
    p: float
    level: float
    #: (year, key, n) of each band over fewer than `n` draws, but some: an output some samples
    #: did not compute (a year's largest run before a site is online in that sample).
    fewer: tuple[tuple[int, str, int], ...] = ()

    def to_json(self) -> dict[str, object]:
        """`band_confidence` of `gigawatt sweep --json`."""
        below = beyond_extreme(self.n, self.p) if self.n else None
        interval = rank_interval(self.n, self.p, self.level)
        return {
            "n": self.n,
            "level": self.level,
            "p10_below_lowest_draw": below,
            "p90_above_highest_draw": below,
            "p10_ranks": None if interval is None else [interval[0], interval[1]],
            "p90_ranks": None
            if interval is None
            else [self.n + 1 - interval[1], self.n + 1 - interval[0]],
            "ranks_coverage": None if interval is None else interval[2],
            "samples_for_ranks": samples_needed(self.p, self.level),
            "fewer_draws": [{"year": y, "key": k, "n": n} for y, k, n in self.fewer],
            "source": SOURCE,
        }

    def text(self) -> str:
        """One sentence for the terminal (and one on the bands over fewer draws)."""
        if not self.n:
            return ""
        return self._main_text() + self._fewer_text()

    def _fewer_text(self) -> str:
        if not self.fewer:
            return ""
        least = min(n for _, _, n in self.fewer)
        return (
            f" {len(self.fewer):,} yearly bands rest on fewer draws (as few as {least:,}: an "
            "output some samples did not compute, banded over those that did; the JSON output's "
            "band_confidence.fewer_draws)."
        )

    def _main_text(self) -> str:
        head = f"Distribution-free ({CITE}): with {self.n:,} draws, an output's true P10 lies "
        below = beyond_extreme(self.n, self.p)
        interval = rank_interval(self.n, self.p, self.level)
        if interval is None:
            return (
                head + f"below its lowest draw with probability {below:.0%} "
                f"({1 - self.p:g}^{self.n}), its true P90 above its highest alike; bracketing "
                f"either between two draws with {self.level:.0%} confidence needs at least "
                f"{samples_needed(self.p, self.level):,} samples."
            )
        r, s, cover = interval
        return (
            head + f"between its {_ordinal(r)} and {_ordinal(s)} lowest draws with probability "
            f"{cover:.1%}, its true P90 between its {_ordinal(r)} and {_ordinal(s)} highest alike."
        )


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k:,}{suffix}"
