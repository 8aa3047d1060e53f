"""One sample of a sweep: draw the uncertain inputs, simulate, flatten the outputs.

Sample i of a Monte Carlo sweep with seed s uses `numpy.random.default_rng([s, i])` (DESIGN.md
section 4): its draws depend on (s, i) alone, never on which process runs it, in which order or
with which other samples, so any executor and any chunking give the same numbers. A sensitivity
analysis instead gives each sample's inputs as a row of a `Design` (its stages' own randomness,
such as share-price paths, then takes its point value, so only the design's inputs vary).

A sample's outputs are every numeric key of `run --json`'s years and, under year
`HEADLINE_YEAR`, the whole-run headline figures (`headline.py`).
"""

from __future__ import annotations

import math
import re
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from gigawatt.catalog import Catalog
from gigawatt.distributions import Distribution, Draws
from gigawatt.scenario import Scenario, is_integer_field
from gigawatt.simulate import run_stages
from gigawatt.sweep.headline import headline_outputs

#: How samples are drawn: independent Monte Carlo, sample i from default_rng([seed, i]).
#: Part of the sweep id: a new sampling scheme (e.g. Latin hypercube) gets a new name.
METHOD = "monte-carlo"

#: What a sweep and a sensitivity analysis do not vary: only the scenario's distributions are
#: drawn, so a band or a tornado says nothing about these (`held_fixed` in their `--json`).
_HELD_FIXED_ALWAYS: tuple[str, ...] = (
    "every catalog value the run reads (accelerator peaks and power draw, system and hardware "
    "prices, failure and restart rates, grid carbon intensities, electricity prices, the "
    "performance model's calibration) unless a distribution of the scenario sets or scales it",
    "every scenario number written as a plain value rather than a distribution",
    "the models' own errors (the performance model's band on a run's compute is not in the spread)",
)
HELD_FIXED: tuple[str, ...] = (
    *_HELD_FIXED_ALWAYS,
    "the dependence between the scenario's distributions: each is drawn independently of the "
    "others, except those the scenario puts in one `shared` group, which move together (every "
    "member at the same quantile of its own distribution); no partial dependence is drawn, so "
    "a figure summed over inputs that share a cause but are not grouped (two sites' PUEs, two "
    "phases' delays, two tranches' valuations) has a narrower band than if they moved together",
)
#: A sensitivity design also holds the stages' own randomness at its point value.
HELD_FIXED_SENSITIVITY: tuple[str, ...] = (
    *_HELD_FIXED_ALWAYS,
    "the dependence between the scenario's distributions: each is taken as independent of the "
    "others, as Sobol indices require, except those the scenario puts in one `shared` group, "
    "which are one input (moved together, ranked by the group's name); inputs that share a "
    "cause but are not grouped (every site's PUE under one cooling design) are ranked apart, "
    "each below what they move together",
    "the stages' own random draws (share-price paths), at their point value",
)
#: How a sweep's P50 relates to the plain run (`gigawatt sweep` and the report say it).
P50_NOT_THE_RUN = (
    "P50 is the median over the samples, not the plain run (`gigawatt run`), which puts each "
    "distribution at its point value (a triangular's mode, a lognormal's median): a skewed "
    "input's median is not its mode, and a figure summed over many independent inputs gathers "
    "near the sum of their means, so the plain run's figure can even lie outside P10-P90."
)

#: Year keys that index the row rather than measure anything.
INDEX_KEYS = frozenset({"year"})

#: The `year` under which a sample's whole-run headline outputs are stored.
HEADLINE_YEAR = 0


@dataclass(frozen=True)
class Design:
    """Given inputs: sample i sets the uncertain input `paths[j]` to `values[i, j]`.

    `method` names the design in the sweep id (with its size and levels), so the same design
    in the same store resumes and another never mixes with it.
    """

    method: str
    paths: tuple[str, ...]
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[1] != len(self.paths):
            raise ValueError(f"design values {self.values.shape} do not match {len(self.paths)}")

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def row(self, sample: int) -> dict[str, float]:
        return dict(zip(self.paths, self.values[sample].tolist(), strict=True))


def sample_rng(seed: int, sample: int) -> np.random.Generator:
    """The generator of sample `sample` of a sweep seeded with `seed`."""
    return np.random.default_rng([seed, sample])


@dataclass(frozen=True)
class SampleRecord:
    """What one sample produced: its drawn inputs and its yearly outputs (or why it failed)."""

    sample: int
    inputs: dict[str, float]
    #: Long table: `year` (int), `key` (str, nested keys joined by "."), `value` (NaN: null).
    outputs: pd.DataFrame
    error: str | None
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.error is None


def _number(value: Any) -> float | None:
    """A finite float, or None for null / non-finite; bools are not numbers here."""
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def _numeric_items(row: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in row.items():
        if not prefix and key in INDEX_KEYS:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _numeric_items(value, name + ".")
        elif value is None or (isinstance(value, Real) and not isinstance(value, bool)):
            yield name, value


def flatten_years(
    years: Sequence[Mapping[str, Any]], headline: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Every numeric key of every year (nested mappings as `outer.inner`) as a long table,
    after the `headline` outputs (under HEADLINE_YEAR) when given.

    Whatever a stage adds to `Results.years()` is picked up: numbers (and nulls), and mappings of
    them; strings, lists and booleans are not summarised.
    """
    year_col: list[int] = []
    keys: list[str] = []
    values: list[float] = []
    if headline:
        year_col += [HEADLINE_YEAR] * len(headline)
        keys += list(headline)
        values += [_number_or_nan(v) for v in headline.values()]
    for row in years:
        start = len(keys)
        _flatten_into(row, "", keys, values)
        year_col += [int(row["year"])] * (len(keys) - start)
    key_col = np.empty(len(keys), dtype=object)
    key_col[:] = keys
    return pd.DataFrame(
        {
            "year": np.asarray(year_col, dtype=np.int32),
            "key": pd.Series(key_col, dtype=object, copy=False),
            "value": np.asarray(values, dtype=np.float64),
        }
    )


def _flatten_into(
    row: Mapping[str, Any], prefix: str, keys: list[str], values: list[float]
) -> None:
    """`_numeric_items` of a row appended to `keys` and `values` (NaN for null and non-finite),
    with a fast path for plain floats and ints (most values)."""
    nan, isfinite = math.nan, math.isfinite
    for key, value in row.items():
        if not prefix and key in INDEX_KEYS:
            continue
        kind = type(value)
        if kind is float or kind is int:
            keys.append(f"{prefix}{key}")
            v = float(value)
            values.append(v if isfinite(v) else nan)
        elif value is None:
            keys.append(f"{prefix}{key}")
            values.append(nan)
        elif isinstance(value, Mapping):
            _flatten_into(value, f"{prefix}{key}.", keys, values)
        elif isinstance(value, Real) and not isinstance(value, bool):
            keys.append(f"{prefix}{key}")
            values.append(_number_or_nan(value))


def _number_or_nan(value: Any) -> float:
    number = _number(value)
    return math.nan if number is None else number


_PATH_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def value_at(model: Any, path: str) -> Any:
    """The value at a path of `Scenario.uncertain_inputs()` (`sites[0].pue`, `costs.x`)."""
    value = model
    for index, name in _PATH_PART.findall(path):
        if index:
            value = value[int(index)]
        elif isinstance(value, BaseModel):
            value = getattr(value, name)
        else:
            value = value[name]
    return value


# --- drawing a sample's inputs without walking the whole scenario ------------------------------

Step = int | str


def _uncertain(value: Any, steps: tuple[Step, ...], integer: bool) -> Iterator[Any]:
    """(steps, distribution, integer) of every distribution under `value`, in the order
    `Scenario.resolve` draws them (fields in order, list items, dict entries)."""
    if isinstance(value, Distribution):
        yield steps, value, integer
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _uncertain(
                getattr(value, name), (*steps, name), is_integer_field(value, name)
            )
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _uncertain(v, (*steps, i), integer)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _uncertain(v, (*steps, k), integer)


def _put_at(value: Any, tree: dict[Step, Any]) -> Any:
    """`value` with the leaves of `tree` (steps -> new value) put in, copying only the models,
    lists and dicts on their way."""
    if isinstance(value, BaseModel):
        update = {k: _put_at(getattr(value, str(k)), sub) for k, sub in tree.items()}
        return value.model_copy(update=update)
    if isinstance(value, list | dict):
        out = list(value) if isinstance(value, list) else dict(value)
        for k, sub in tree.items():
            out[k] = _put_at(value[k], sub)  # type: ignore[index]
        return out
    return tree  # a leaf: the new value itself


class SampleTemplate:
    """A scenario's uncertain inputs and its point-value resolution, found once: a sample
    draws its inputs in `Scenario.resolve`'s order and puts them into copies of only the parts
    of the resolved scenario that hold them. Equal to `scenario.resolve(rng)` (a test checks),
    at a small part of its cost (it walks the whole scenario)."""

    def __init__(self, scenario: Scenario) -> None:
        found = list(_uncertain(scenario, (), False))
        self.paths = tuple(scenario.uncertain_inputs())
        self.steps = tuple(steps for steps, _, _ in found)
        self.distributions = tuple(dist for _, dist, _ in found)
        self.integer = tuple(integer for _, _, integer in found)
        if len(self.steps) != len(self.paths):  # pragma: no cover - the two walks agree
            raise AssertionError("the scenario's uncertain inputs were not all found")
        self.base = scenario.resolve(None)

    def values(self, rng: np.random.Generator) -> list[float]:
        """One draw of every uncertain input (integer fields rounded), in path order; a
        `shared` group's members together (`distributions.Draws`)."""
        draws = Draws(rng)
        out = []
        for dist, integer in zip(self.distributions, self.integer, strict=True):
            x = draws.draw(dist)
            out.append(round(x) if integer else x)
        return out

    def at(self, values: Sequence[Any]) -> Scenario:
        """The resolved scenario with the uncertain inputs at `values` (in path order)."""
        tree: dict[Step, Any] = {}
        for steps, value in zip(self.steps, values, strict=True):
            node = tree
            for step in steps[:-1]:
                node = node.setdefault(step, {})
            node[steps[-1]] = value
        return _put_at(self.base, tree)

    def design_values(self, row: Mapping[str, float]) -> list[Any]:
        """A design row's values in path order, integer fields rounded (as `with_inputs`)."""
        return [
            round(row[p]) if integer else row[p]
            for p, integer in zip(self.paths, self.integer, strict=True)
        ]


#: By scenario (a sweep's samples share one): (weak reference, template).
_TEMPLATES: dict[int, tuple[weakref.ref[Scenario], SampleTemplate]] = {}


def template_of(scenario: Scenario) -> SampleTemplate:
    held = _TEMPLATES.get(id(scenario))
    if held is not None and held[0]() is scenario:
        return held[1]
    for key in [k for k, (ref, _) in _TEMPLATES.items() if ref() is None]:
        del _TEMPLATES[key]
    template = SampleTemplate(scenario)
    _TEMPLATES[id(scenario)] = (weakref.ref(scenario), template)
    return template


def headline_frame(headline: Mapping[str, float]) -> pd.DataFrame:
    """Headline outputs as rows of the long output table, under HEADLINE_YEAR."""
    return pd.DataFrame(
        {
            "year": np.full(len(headline), HEADLINE_YEAR, dtype=np.int32),
            "key": pd.Series(list(headline), dtype=object),
            "value": np.asarray([_number(v) for v in headline.values()], dtype=np.float64),
        }
    )


def run_sample(
    scenario: Scenario, catalog: Catalog, seed: int, sample: int, design: Design | None = None
) -> SampleRecord:
    """Simulate sample `sample`; a failure is recorded (with its message), not raised."""
    started = time.perf_counter()
    try:
        template = template_of(scenario)
        if design is None:
            rng = sample_rng(seed, sample)
            values = template.values(rng)
            # `simulate`'s order: the inputs' draws, then the stages' children of the generator
            results = run_stages(template.at(values), catalog, rng.spawn(1)[0])
        else:
            values = template.design_values(design.row(sample))
            results = run_stages(template.at(values), catalog)
        inputs = {p: float(v) for p, v in zip(template.paths, values, strict=True)}
        outputs = flatten_years(results.years(), headline_outputs(results))
        error = None
    except Exception as e:  # one odd draw must not end a long sweep: stored, reported, retried
        inputs, outputs = {}, flatten_years([])
        error = f"{type(e).__name__}: {e}"
    return SampleRecord(sample, inputs, outputs, error, time.perf_counter() - started)


def run_samples(
    scenario: Scenario,
    catalog: Catalog,
    seed: int,
    samples: Sequence[int],
    design: Design | None = None,
) -> list[SampleRecord]:
    """Several samples in a row: the unit of work an executor hands to a worker."""
    return [run_sample(scenario, catalog, seed, i, design) for i in samples]
