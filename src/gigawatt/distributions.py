"""Uncertain inputs: a number or a distribution over it (DESIGN.md section 4).

A plain run uses each distribution's point value (mode, midpoint, mean, median, most likely);
a sweep samples it with an explicit `numpy.random.Generator`. Distributions that name the same
`shared` group are drawn comonotone (`Draws`): one uniform u per sample, each member at its own
inverse CDF at u, so they move together (rank correlation 1) and each keeps its own marginal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from statistics import NormalDist
from typing import Annotated

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from gigawatt.validation import DISTRIBUTION_FIELDS, Real

#: The largest sigma of ln(x) a lognormal may have: at 3 the 99th percentile is already
#: 1,000 times the median; beyond it samples overflow rather than describe an uncertainty.
MAX_LOG_SIGMA = 3.0
#: A `shared` group's name: an id like a catalog record's (catalog.schema's ID_PATTERN).
SHARED_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SHARED_MAX_LENGTH = 40


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TriangularParams(_Dist):
    low: Real
    mode: Real
    high: Real

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
    low: Real
    high: Real

    @model_validator(mode="after")
    def _ordered(self) -> UniformParams:
        if not self.low < self.high:
            raise ValueError(f"needs low < high, got low={self.low}, high={self.high}")
        return self


class NormalParams(_Dist):
    """A normal, truncated to [low, high] when either is given: a field with bounds (a
    positive quantity) takes a normal only truncated inside them."""

    mean: Real
    sd: Annotated[Real, Field(ge=0)]
    low: Real | None = Field(None, description="truncate below this value")
    high: Real | None = Field(None, description="truncate above this value")

    @model_validator(mode="after")
    def _window(self) -> NormalParams:
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        if not lo < hi:
            raise ValueError(f"needs low < high, got low={self.low}, high={self.high}")
        if not lo <= self.mean <= hi:
            raise ValueError(f"mean ({self.mean:g}) must lie between low and high")
        return self


class LogNormalParams(_Dist):
    median: Annotated[Real, Field(gt=0)]
    sigma: Annotated[
        Real,
        Field(ge=0, le=MAX_LOG_SIGMA, description="standard deviation of ln(x)"),
    ]


class ChoiceParams(_Dist):
    values: Annotated[list[Real], Field(min_length=1, max_length=10_000)]
    weights: list[Real] | None = None

    @model_validator(mode="after")
    def _weights(self) -> ChoiceParams:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative with a positive sum")
        return self


class _Shared(_Dist):
    """A distribution of an input: its parameters and, optionally, the group it is drawn with."""

    shared: (
        Annotated[
            str,
            Field(
                pattern=SHARED_PATTERN,
                max_length=SHARED_MAX_LENGTH,
                description="drawn together with every distribution naming the same group",
            ),
        ]
        | None
    ) = None

    @model_serializer(mode="wrap")
    def _without_unshared(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, object]:
        # an ungrouped distribution dumps as before the field existed (a scenario's canonical
        # JSON, hence its sweep id, and the catalog's digest are unchanged)
        out = handler(self)
        if self.shared is None:
            out.pop("shared", None)
        return out

    def quantile(self, q: float) -> float:  # pragma: no cover - every distribution has one
        raise NotImplementedError


class Triangular(_Shared):
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


class Uniform(_Shared):
    uniform: UniformParams

    def point(self) -> float:
        return (self.uniform.low + self.uniform.high) / 2

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.uniform.low, self.uniform.high))

    def bounds(self) -> tuple[float, float]:
        return self.uniform.low, self.uniform.high

    def quantile(self, q: float) -> float:
        return self.uniform.low + q * (self.uniform.high - self.uniform.low)


class Normal(_Shared):
    normal: NormalParams

    def point(self) -> float:
        return self.normal.mean

    def sample(self, rng: np.random.Generator) -> float:
        p = self.normal
        if p.low is None and p.high is None:
            return float(rng.normal(p.mean, p.sd))
        return self.quantile(float(rng.uniform()))  # inverse CDF inside the truncation

    def bounds(self) -> tuple[float, float]:
        p = self.normal
        return (
            -math.inf if p.low is None else p.low,
            math.inf if p.high is None else p.high,
        )

    def quantile(self, q: float) -> float:
        p = self.normal
        if p.sd == 0:
            return p.mean
        dist = NormalDist(p.mean, p.sd)
        lo, hi = self.bounds()
        f_lo = 0.0 if math.isinf(lo) else dist.cdf(lo)
        f_hi = 1.0 if math.isinf(hi) else dist.cdf(hi)
        x = dist.inv_cdf(_open(f_lo + q * (f_hi - f_lo)))
        return min(max(x, lo), hi)


class LogNormal(_Shared):
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


class Choice(_Shared):
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
# the fields a misspelt parameter is told it may be (`validation.validation_problems`)
DISTRIBUTION_FIELDS.update(
    {
        cls.__name__: sorted(params.model_fields)
        for cls in (Triangular, Uniform, Normal, LogNormal, Choice)
        for params in (f.annotation for f in cls.model_fields.values())
        # the parameters' model, not the `shared` group name beside it
        if isinstance(params, type) and issubclass(params, BaseModel)
    }
)
#: A numeric input that may be uncertain.
Uncertain = Real | Distribution


def point(value: Uncertain) -> float:
    """The value a plain (non-sampled) run uses."""
    return value.point() if isinstance(value, Distribution) else float(value)


def sample(value: Uncertain, rng: np.random.Generator) -> float:
    """One draw (a plain number is returned unchanged)."""
    return value.sample(rng) if isinstance(value, Distribution) else float(value)


class Draws:
    """One sample's draws from its generator: an ungrouped distribution samples as it always
    has; the first member of a `shared` group met draws one uniform u from the generator, and
    every member of the group is its own inverse CDF at u (comonotone). The draws depend on the
    generator and the order the inputs are met in, as before, never on anything else."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.shared_u: dict[str, float] = {}

    def draw(self, value: Distribution) -> float:
        group = value.shared
        if group is None:
            return value.sample(self.rng)
        u = self.shared_u.get(group)
        if u is None:
            u = self.shared_u[group] = float(self.rng.random())
        return value.quantile(u)


def groups(distributions: Iterable[tuple[str, Uncertain]]) -> dict[str, list[str]]:
    """Each `shared` group's name and its members' paths, in the order first met."""
    out: dict[str, list[str]] = {}
    for path, value in distributions:
        if isinstance(value, Distribution) and value.shared is not None:
            out.setdefault(value.shared, []).append(path)
    return out


def bounds(value: Uncertain) -> tuple[float, float]:
    """The support of a distribution (a plain number is its own bounds)."""
    return value.bounds() if isinstance(value, Distribution) else (float(value), float(value))


def quantile(value: Uncertain, q: float) -> float:
    """The q-quantile (0 <= q <= 1) of a distribution; a plain number is its every quantile."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile level {q} is outside [0, 1]")
    return value.quantile(q) if isinstance(value, Distribution) else float(value)


def support_problem(
    value: Uncertain,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
) -> str | None:
    """Why `value`'s support is not inside the field's bounds (None: it is).

    A distribution must lie inside the bounds over its whole support: a normal on a positive
    quantity is refused unless truncated (`low`/`high`); a lognormal's unbounded upper tail is
    checked at its median (its sigma is bounded by `MAX_LOG_SIGMA`), and its support, open at 0,
    meets `gt=0` (every draw is positive).
    """
    lo, hi = bounds(value)
    under_gt = gt is not None and lo <= gt
    if isinstance(value, LogNormal):
        hi = point(value)
        under_gt = gt is not None and lo < gt  # the support excludes its lower bound
    allowed = " and ".join(
        f"{op} {b:g}" for op, b in ((">", gt), (">=", ge), ("<=", le)) if b is not None
    )
    if (ge is not None and lo < ge) or under_gt or (le is not None and hi > le):
        if isinstance(value, Normal):
            return (
                f"a normal spans {lo:g} to {hi:g} but the field must be {allowed}: truncate it "
                "inside that range with low/high ({normal: {mean, sd, low, high}})"
            )
        if isinstance(value, Distribution):
            return f"the distribution's range ({lo:g} to {hi:g}) must be {allowed}"
        return f"must be {allowed}"
    return None
