"""Scenarios side by side (issue 15): the headline yearly outputs of several runs, and the
inputs in which the scenarios differ.

`compare_results(labels, inputs, results)` takes runs already simulated (the app layer loads and
simulates; this module never does) and returns a `Comparison`:

- `inputs_differ`: a flattened diff of the resolved scenarios. Each scenario is dumped to JSON
  and flattened to `path -> value` leaves (`sites[0].phases[1].power_gw`); a path is listed when
  its value is not the same in every scenario (a path a scenario lacks, a site only one
  scenario has, counts as null). Prose and provenance (sources, notes, titles, statuses) are
  left out: they differ without being inputs.
- `years()`: one row per calendar year any scenario covers, each scenario's headline outputs as
  of that December (the keys of `gigawatt run --json` listed in `HEADLINE_KEYS`), None for a
  scenario that does not cover the year.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.defaults import MIN_COMPARED_SCENARIOS
from gigawatt.distributions import point
from gigawatt.errors import InputError
from gigawatt.scenario import Scenario
from gigawatt.simulate import Results

#: The yearly outputs shown side by side (keys of a `gigawatt run --json` year).
HEADLINE_KEYS = (
    "month",
    "facility_power_gw",
    "it_power_gw",
    "accelerators",
    "peak_flops_per_s",
    "capex_usd",
    "cumulative_capex_usd",
    "tranches_released_usd",
    "cumulative_invested_usd",
    "warrant_shares_vested",
    "warrant_value_usd",
    "energy_twh",
    "co2e_t",
    "co2e_market_t",
    "largest_run_flop",
    "largest_run_accelerators",
    "largest_run_thresholds_crossed",
)
#: Keys of the scenario dump that are prose or provenance, not inputs of the model (a status
#: changes no output, so it is no "input that differs").
PROSE_KEYS = frozenset(
    {
        "name",
        "title",
        "description",
        "sources",
        "source",
        "note",
        "aliases",
        "field_status",
        "status",
        "signing_status",
    }
)
MIN_SCENARIOS = MIN_COMPARED_SCENARIOS
#: One step of a `flatten` path: a key (`.b`) or an index (`[0]`).
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, leaf) pairs of a JSON-like value: `a.b`, `a[0].b`; prose keys skipped. An empty
    list or mapping is a leaf (so `deals: []` differs from a list of deals)."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            if key in PROSE_KEYS:
                continue
            yield from flatten(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from flatten(item, f"{path}[{i}]")
    else:
        yield path, value


def subtree(value: Any, path: str) -> Any:
    """The part of a JSON-like value at a `flatten` path (`a.b[0].c`); None when absent."""
    for key, index in _PATH_PART.findall(path):
        if index:
            i = int(index)
            value = value[i] if isinstance(value, list) and i < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def inputs_differ(
    labels: Sequence[str], scenarios: Sequence[Scenario], catalog: Catalog | None = None
) -> list[dict[str, Any]]:
    """Each input path whose resolved value differs between the scenarios, in the order the
    paths first appear, the sites' last: `{"input": path, "values": {label: value or None}}`.

    A catalog record embedded in the scenario (a phase's system, a deal) is one row, its `id`,
    when the scenarios use different records; with the same record, the fields a scenario
    overrides are listed one by one. With the `catalog`, a `costs` parameter one scenario
    overrides and another does not is the catalog's point value in the other (the value its
    run uses), so an override equal to the catalog's is no difference.
    """
    dumps = [sc.model_dump(mode="json") for sc in scenarios]
    flat = [dict(flatten(d)) for d in dumps]
    paths = list(dict.fromkeys(p for f in flat for p in f))
    if catalog is not None:
        for path in paths:
            pid = path.removeprefix("costs.")
            if pid != path and catalog.has("costs", pid):
                for f in flat:
                    f.setdefault(path, point(catalog.parameter(pid).value))
    differ: dict[str, list[Any]] = {}
    for path in paths:
        # missing: None, as a null field; a path that is a leaf in one scenario (an empty list)
        # and holds items in another is that other's list, not None
        values = [
            f[path] if path in f else subtree(d, path) for f, d in zip(flat, dumps, strict=True)
        ]
        if any(v != values[0] for v in values[1:]):
            differ[path] = values
    records = [p.removesuffix(".id") + "." for p in differ if p.endswith(".id")]
    # `costs: {}` against another scenario's costs: the rows under `costs` say how they differ
    # (or that they do not), not a row of `{}` against `(none)` (flatten's empty leaf has no
    # counterpart in a filled container)
    hollow = {
        path
        for path, values in differ.items()
        # an empty or filled mapping (`costs: {}` against the catalog's costs): its keys are rows
        # of their own; a filled list stays a row (its items are listed under it)
        if all(v is None or v == [] or isinstance(v, dict) for v in values)
        and any(q.startswith((f"{path}.", f"{path}[")) for q in paths)
    }
    rows = [
        {"input": path, "values": dict(zip(labels, values, strict=True))}
        for path, values in differ.items()
        if path not in hollow and not any(path.startswith(r) and path != r + "id" for r in records)
    ]
    # the sites' many details after the rest (dates, deals, costs, runs)
    return sorted(rows, key=lambda row: row["input"].startswith("sites["))


def unique_labels(names: Sequence[str]) -> list[str]:
    """Scenario names as labels; a repeated name gets `#2`, `#3`."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


@dataclass(frozen=True)
class Comparison:
    """Several runs side by side: `labels[i]` names `results[i]` (run from `inputs[i]`, the
    scenario before its distributions were resolved)."""

    labels: list[str]
    inputs: list[Scenario]
    results: list[Results]
    inputs_differ: list[dict[str, Any]]

    def scenario_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "name": label,
                "scenario": r.scenario.name,
                "title": r.scenario.title,
                "start": r.scenario.start,
                "end": r.scenario.end,
                "power_basis": r.scenario.power_basis,
            }
            for label, r in zip(self.labels, self.results, strict=True)
        ]

    def years(self) -> list[dict[str, Any]]:
        """`{"year", "scenarios": {label: {headline key: value} | None}}` per calendar year."""
        by_label = {
            label: {y["year"]: y for y in r.years()}
            for label, r in zip(self.labels, self.results, strict=True)
        }
        all_years = sorted({y for rows in by_label.values() for y in rows})
        return [
            {
                "year": year,
                "scenarios": {
                    label: ({k: rows[year].get(k) for k in HEADLINE_KEYS} if year in rows else None)
                    for label, rows in by_label.items()
                },
            }
            for year in all_years
        ]

    def first_crossings(self) -> dict[str, dict[str, int | None]]:
        """threshold id -> label -> the first year whose December run crosses it (None: never)."""
        out: dict[str, dict[str, int | None]] = {}
        for row in self.years():
            for label, values in row["scenarios"].items():
                for tid in (values or {}).get("largest_run_thresholds_crossed") or []:
                    first = out.setdefault(tid, dict.fromkeys(self.labels))
                    if first[label] is None:
                        first[label] = row["year"]
        return out

    def caveats(self) -> list[dict[str, Any]]:
        """Each run's caveats (what `run` prints), once each: `{"caveat", "scenarios"}` with
        the labels of the scenarios it applies to, in first-seen order (a new list each call,
        from the runs' caveats composed once: `to_json` and the report both ask)."""
        return [{"caveat": c, "scenarios": list(labels)} for c, labels in self._caveats]

    @cached_property
    def _caveats(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(caveat, labels of the runs it applies to), composed once per comparison (the runs
        are immutable results)."""
        seen: dict[str, list[str]] = {}
        for label, r in zip(self.labels, self.results, strict=True):
            for c in r.caveats():
                seen.setdefault(c, []).append(label)
        return tuple((c, tuple(labels)) for c, labels in seen.items())

    def attribution(self) -> str:
        """What the side-by-side can say about why the outputs differ: with one input
        different, it is the cause; with several, the comparison does not split the effect."""
        n = len(self.inputs_differ)
        basis = (
            "Each run uses its inputs' point values with the same catalog: a difference smaller "
            "than a sweep's bands (`gigawatt sweep`) may not survive the uncertainty."
        )
        if n == 0:
            return f"No input differs, so neither do the outputs. {basis}"
        if n == 1:
            return (
                f"One input differs ({self.inputs_differ[0]['input']}): every difference in "
                f"the outputs comes from it. {basis}"
            )
        return (
            f"{n} inputs differ at once: the side-by-side does not say which of them causes "
            "which difference in the outputs; change one at a time (a scenario file each) to "
            f"attribute them. {basis}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "scenarios": self.scenario_rows(),
            "years": self.years(),
            "inputs_differ": self.inputs_differ,
            "attribution": self.attribution(),
            "caveats": self.caveats(),
            "thresholds_first_crossed": self.first_crossings(),
        }


def compare_results(
    names: Sequence[str], inputs: Sequence[Scenario], results: Sequence[Results]
) -> Comparison:
    """Line up runs that were already simulated (at least two)."""
    if len(results) < MIN_SCENARIOS:
        raise InputError(
            f"{len(results)} scenario(s) given; allowed: at least {MIN_SCENARIOS}",
            field="scenarios",
        )
    labels = unique_labels(names)
    return Comparison(
        labels=labels,
        inputs=list(inputs),
        results=list(results),
        inputs_differ=inputs_differ(
            labels, [r.scenario for r in results], catalog=results[0].catalog
        ),
    )
