"""`simulate(scenario) -> Results`: the whole programme, stage by stage (DESIGN.md section 2).

The build-out gives the fleet; each later model (energy, finance, capability, ...) is a stage:
a pure function of the resolved scenario, the catalog, the fleet and the stages before it,
returning an object with `table()` (the long month/site/quantity/unit/value table) and
`year_summary(year, position)` (keys it adds to each year of `gigawatt run --json`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from gigawatt.buildout import Fleet, build_fleet
from gigawatt.capability import run_capability
from gigawatt.catalog import Catalog
from gigawatt.energy.programme import run_energy
from gigawatt.finance import run_finance
from gigawatt.io import check_outputs, write_json, write_parquet
from gigawatt.scenario import Scenario, load_scenario, month_index, scenario_path
from gigawatt.units import W_PER_GW


class Stage(Protocol):
    def table(self) -> pd.DataFrame: ...

    def year_summary(self, year: int, position: int) -> dict[str, Any]: ...


StageFn = Callable[..., Stage]

#: The models after the build-out, in data-flow order (finance uses energy's consumption).
#: A stage is called as fn(scenario, catalog, fleet, stages); one that samples also declares a
#: keyword `rng`, which gets its own generator spawned from simulate's (None in a plain run).
STAGES: list[tuple[str, StageFn]] = [("energy", run_energy)]


@dataclass(frozen=True)
class Results:
    """Everything a run computed, for one resolved scenario."""

    scenario: Scenario
    fleet: Fleet
    stages: dict[str, Stage] = field(default_factory=dict)

    def year_positions(self) -> list[tuple[int, int]]:
        """(year, index of the month that year is reported at): December, or the last month."""
        first = month_index(self.scenario.start)
        last = month_index(self.scenario.end)
        out = []
        for year in range(first // 12, last // 12 + 1):
            december = min(year * 12 + 11, last)
            out.append((year, december - first))
        return out

    def years(self) -> list[dict[str, Any]]:
        """One dict per calendar year, as of its December (the `years` of `run --json`)."""
        rows = []
        for year, pos in self.year_positions():
            row = fleet_year_summary(self.fleet, year, pos)
            for stage in self.stages.values():
                row.update(stage.year_summary(year, pos))
            rows.append(row)
        return rows

    def table(self) -> pd.DataFrame:
        frames = [self.fleet.table(), *(s.table() for s in self.stages.values())]
        return pd.concat(frames, ignore_index=True)


def fleet_year_summary(fleet: Fleet, year: int, pos: int) -> dict[str, Any]:
    acc_by_type: dict[str, int] = {}
    for acc, rows in fleet.phases.groupby("accelerator", sort=False).groups.items():
        acc_by_type[str(acc)] = int(fleet.accelerators[np.asarray(rows), pos].sum())
    return {
        "year": year,
        "month": str(fleet.month_labels[pos]),
        "facility_power_gw": float(fleet.facility_power_w[:, pos].sum() / W_PER_GW),
        "it_power_gw": float(fleet.it_power_w[:, pos].sum() / W_PER_GW),
        "accelerators": int(fleet.accelerators[:, pos].sum()),
        "accelerators_by_type": acc_by_type,
        "peak_flops_per_s": {
            p: float(fleet.peak_flops_per_s[p][:, pos].sum()) for p in ("bf16", "fp8", "fp4")
        },
    }


def simulate(
    scenario: Scenario,
    catalog: Catalog | None = None,
    rng: np.random.Generator | None = None,
    *,
    until: str | None = None,
) -> Results:
    """Run the programme: the point-value scenario, or one sample of it when `rng` is given.

    `until` names the last stage to run (stages run in data-flow order, so the ones after it
    are not needed by it); None runs them all.
    """
    catalog = catalog or Catalog.load()
    names = [name for name, _ in STAGES]
    if until is not None and until not in names:
        raise ValueError(f"unknown stage {until!r}; stages: {', '.join(names)}")
    last = names.index(until) if until is not None else len(names) - 1
    resolved = scenario.resolve(rng)
    fleet = build_fleet(resolved, catalog)
    stages: dict[str, Stage] = {}
    for name, fn in STAGES[: last + 1]:
        if "rng" in inspect.signature(fn).parameters:
            stage_rng = None if rng is None else rng.spawn(1)[0]
            stages[name] = fn(resolved, catalog, fleet, stages, rng=stage_rng)
        else:
            stages[name] = fn(resolved, catalog, fleet, stages)
    return Results(scenario=resolved, fleet=fleet, stages=stages)


def write_results(results: Results, out_dir: Path) -> list[Path]:
    """Write `results.parquet` (long table) and `summary.json` (the yearly summary) atomically."""
    table_path = out_dir / "results.parquet"
    summary_path = out_dir / "summary.json"
    write_parquet(table_path, results.table())
    write_json(summary_path, {"scenario": results.scenario.name, "years": results.years()})
    return [table_path, summary_path]


def run_scenario(
    ref: str,
    catalog: Catalog | None = None,
    *,
    out_dir: Path | None = None,
    until: str | None = None,
) -> Results:
    """Load a scenario (file or built-in name), simulate it (up to stage `until`), and write its
    results and its HTML report to `out_dir`."""
    # A recording view: the report lists the catalog records the run looked up.
    catalog = (catalog or Catalog.load()).recording()
    path = scenario_path(ref)
    scenario = load_scenario(ref, catalog)
    results = simulate(scenario, catalog, until=until)
    if out_dir is not None:
        outputs = [out_dir / "results.parquet", out_dir / "summary.json", out_dir / "report.html"]
        check_outputs(outputs, [path])
        write_results(results, out_dir)
        # Imported here: the report needs plotly, slow to import for the commands without one.
        from gigawatt.report import write_report

        write_report(results, catalog, out_dir / "report.html", inputs=scenario)
    return results


# Finance reads the energy stage's results when present, so it registers last (after energy).
STAGES.append(("finance", run_finance))
# Capability reads only the fleet; it runs after energy and finance (DESIGN.md section 2).
STAGES.append(("capability", run_capability))
