"""Uncertain inputs: a number or a distribution over it (DESIGN.md section 4).

A plain run uses each distribution's point value (mode, midpoint, mean, median, most likely);
a sweep samples it with an explicit `numpy.random.Generator`.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TriangularParams(_Dist):
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> TriangularParams:
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"needs low <= mode <= high, got low={self.low}, mode={self.mode}, high={self.high}"
            )
        if self.low == self.high:
            raise ValueError("low and high are equal: use a plain number")
        return self


class UniformParams(_Dist):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> UniformParams:
        if not self.low < self.high:
            raise ValueError(f"needs low < high, got low={self.low}, high={self.high}")
        return self


class NormalParams(_Dist):
    mean: float
    sd: Annotated[float, Field(ge=0)]


class LogNormalParams(_Dist):
    median: Annotated[float, Field(gt=0)]
    sigma: Annotated[float, Field(ge=0, description="standard deviation of ln(x)")]


class ChoiceParams(_Dist):
    values: Annotated[list[float], Field(min_length=1)]
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> ChoiceParams:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative with a positive sum")
        return self


class Triangular(_Dist):
    triangular: TriangularParams

    def point(self) -> float:
        return self.triangular.mode

    def sample(self, rng: np.random.Generator) -> float:
        p = self.triangular
        return float(rng.triangular(p.low, p.mode, p.high))

    def bounds(self) -> tuple[float, float]:
        return self.triangular.low, self.triangular.high

    def quantile(self, q: float) -> float:
        """Inverse CDF: x with P(X <= x) = q."""
        p = self.triangular
        split = (p.mode - p.low) / (p.high - p.low)
        if q <= split:
            return p.low + math.sqrt(q * (p.high - p.low) * (p.mode - p.low))
        return p.high - math.sqrt((1 - q) * (p.high - p.low) * (p.high - p.mode))


class Uniform(_Dist):
    uniform: UniformParams

    def point(self) -> float:
        return (self.uniform.low + self.uniform.high) / 2

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.uniform.low, self.uniform.high))

    def bounds(self) -> tuple[float, float]:
        return self.uniform.low, self.uniform.high

    def quantile(self, q: float) -> float:
        return self.uniform.low + q * (self.uniform.high - self.uniform.low)


class Normal(_Dist):
    normal: NormalParams

    def point(self) -> float:
        return self.normal.mean

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.normal(self.normal.mean, self.normal.sd))

    def bounds(self) -> tuple[float, float]:
        return -math.inf, math.inf

    def quantile(self, q: float) -> float:
        if self.normal.sd == 0:
            return self.normal.mean
        return NormalDist(self.normal.mean, self.normal.sd).inv_cdf(_open(q))


class LogNormal(_Dist):
    lognormal: LogNormalParams

    def point(self) -> float:
        return self.lognormal.median

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.lognormal(math.log(self.lognormal.median), self.lognormal.sigma))

    def bounds(self) -> tuple[float, float]:
        return 0.0, math.inf

    def quantile(self, q: float) -> float:
        p = self.lognormal
        if p.sigma == 0:
            return p.median
        return p.median * math.exp(p.sigma * NormalDist().inv_cdf(_open(q)))


class Choice(_Dist):
    choice: ChoiceParams

    def _probabilities(self) -> np.ndarray:
        w = np.asarray(self.choice.weights or [1.0] * len(self.choice.values), dtype=float)
        return w / w.sum()

    def point(self) -> float:
        return self.choice.values[int(np.argmax(self._probabilities()))]

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.choice(self.choice.values, p=self._probabilities()))

    def bounds(self) -> tuple[float, float]:
        return min(self.choice.values), max(self.choice.values)

    def quantile(self, q: float) -> float:
        """The smallest value whose cumulative probability reaches q (values taken in order)."""
        order = np.argsort(self.choice.values, kind="stable")
        cumulative = np.cumsum(self._probabilities()[order])
        i = int(np.searchsorted(cumulative, q - 1e-12, side="left"))
        return float(np.asarray(self.choice.values)[order][min(i, len(order) - 1)])


def _open(q: float) -> float:
    """q kept inside (0, 1), where the normal's inverse CDF is finite."""
    return min(max(q, 1e-12), 1 - 1e-12)


Distribution = Triangular | Uniform | Normal | LogNormal | Choice
#: A numeric input that may be uncertain.
Uncertain = float | Distribution


def point(value: Uncertain) -> float:
    """The value a plain (non-sampled) run uses."""
    return value.point() if isinstance(value, Distribution) else float(value)


def sample(value: Uncertain, rng: np.random.Generator) -> float:
    """One draw (a plain number is returned unchanged)."""
    return value.sample(rng) if isinstance(value, Distribution) else float(value)


def bounds(value: Uncertain) -> tuple[float, float]:
    """The support of a distribution (a plain number is its own bounds)."""
    return value.bounds() if isinstance(value, Distribution) else (float(value), float(value))


def quantile(value: Uncertain, q: float) -> float:
    """The q-quantile (0 <= q <= 1) of a distribution; a plain number is its every quantile."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile level {q} is outside [0, 1]")
    return value.quantile(q) if isinstance(value, Distribution) else float(value)
