"""`simulate(scenario) -> Results`: the whole programme, stage by stage (DESIGN.md section 2).

    scenario --resolve--> Scenario (point values, or one draw with `rng`)
             --build_fleet--> Fleet (monthly power, accelerators, FLOP/s per phase)
             --run_energy--> EnergyResult (power at the wall, TWh, CO2e, water)
             --run_finance--> Finance (capex, opex, tranches, warrants; reads energy's MWh)
             --run_capability--> CapabilityResult (largest run by month, frontier runs)

Each stage is a pure function of the resolved scenario, the catalog, the fleet and the results
of the stages it reads, called in that order in `simulate` below; its result has `table()`
(the long month/site/quantity/unit/value table) and `year_summary(year, position)` (the keys it
adds to each year of the programme's yearly summary). Models never import this module.

To add a stage: write `run_<stage>(scenario, catalog, fleet, <results it reads>) -> <Result>` in
its model package, add a typed field to `Results` and its name to `STAGES`, and one line in
`simulate` after the stages it reads.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from gigawatt.buildout import PEAK_COLUMNS, Fleet, build_fleet
from gigawatt.capability import CapabilityResult, run_capability
from gigawatt.capability.caveats import compose_caveats
from gigawatt.catalog import Catalog
from gigawatt.costs import override_caveats, power_price_caveats
from gigawatt.deals import gw_by_vendor, superseded_buildout_caveats
from gigawatt.energy.programme import (
    EnergyResult,
    generation_water_caveats,
    load_caveats,
    run_energy,
)
from gigawatt.finance import (
    Finance,
    capacity_charge_caveats,
    run_finance,
    site_owner_caveats,
    system_price_caveats,
    unbilled_charge_caveats,
)
from gigawatt.scenario import (
    Scenario,
    default_pue_caveats,
    load_scenario,
    month_index,
    proxy_site_caveats,
)
from gigawatt.units import W_PER_GW

#: The stages after the build-out, in data-flow order (the names `until` takes).
STAGES = ("energy", "finance", "capability")


class Stage(Protocol):
    """What every stage's result offers `Results`."""

    def table(self) -> pd.DataFrame: ...

    def year_summary(self, year: int, position: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Results:
    """Everything a run computed, for one resolved scenario; a stage that did not run is None."""

    scenario: Scenario
    fleet: Fleet
    energy: EnergyResult | None = None
    finance: Finance | None = None
    capability: CapabilityResult | None = None
    #: The catalog the stages read, for the caveats (None: no caveats are computed).
    catalog: Catalog | None = field(default=None, repr=False, compare=False)

    @property
    def stages(self) -> dict[str, Stage]:
        """The stages that ran, by name, in data-flow order (to iterate over; a reader of one
        stage uses its typed field)."""
        ran: dict[str, Stage | None] = {
            "energy": self.energy,
            "finance": self.finance,
            "capability": self.capability,
        }
        return {name: result for name, result in ran.items() if result is not None}

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
        by_type = accelerator_rows(self.fleet)
        labels = self.fleet.month_labels
        dies = (
            {t: self.catalog.accelerator(t).compute_dies for t in by_type}
            if self.catalog is not None
            else None
        )
        for year, pos in self.year_positions():
            row = fleet_year_summary(self.fleet, year, pos, by_type, labels, dies)
            for stage in self.stages.values():
                row.update(stage.year_summary(year, pos))
            rows.append(row)
        return rows

    def table(self) -> pd.DataFrame:
        """The long table: month, site (`total` for sums), quantity, unit, value."""
        frames = [self.fleet.table(), *(stage.table() for stage in self.stages.values())]
        return pd.concat(frames, ignore_index=True)

    def vendor_gw(self) -> dict[str, float]:
        """GW the phases add by accelerator vendor, on the scenario's power basis."""
        if self.catalog is None:
            return {}
        cols = self.fleet.columns
        return gw_by_vendor(cols["accelerator"], cols["power_w"], self.catalog)

    def money_caveats(self) -> list[str]:
        """Deals the scenario ends as superseded whose build-out it still deploys
        (`deals.superseded_buildout_caveats`), and, when the finance stage ran, charges a site's
        region lists as not in its power price (`finance.unbilled_charge_caveats`), then months
        billed a dated capacity charge outside its delivery years, after the last cleared
        auction at its price held flat (`finance.capacity_charge_caveats`), and systems bought at
        an estimated price, with what it covers (`finance.system_price_caveats`), and sites owned
        by other parties, whose compute payments are not modelled (`finance.site_owner_caveats`)."""
        if self.catalog is None:
            return []
        out = list(superseded_buildout_caveats(self.scenario.deals, self.vendor_gw(), self.catalog))
        if self.finance is not None:
            out.extend(unbilled_charge_caveats(self.fleet, self.catalog))
            out.extend(capacity_charge_caveats(self.finance, self.catalog, self.scenario))
            out.extend(system_price_caveats(self.finance))
            out.extend(site_owner_caveats(self.scenario, self.finance))
        return out

    def input_caveats(self) -> list[str]:
        """The caveats of the scenario's own inputs, listed once for `run` (`caveats`) and
        `finance` (`app.finance`) alike: the money stage's own (`money_caveats`), sites whose
        location the scenario assumes (`scenario.proxy_site_caveats`), `costs`
        overrides outside their cited ranges (`costs.override_caveats`), power prices that are
        estimates (`costs.power_price_caveats`) and sites on the catalog's PUE
        (`scenario.default_pue_caveats`: finance bills each site's energy at that PUE, and
        under a facility power basis its accelerators' capex rests on it too)."""
        if self.catalog is None:
            return []
        return [
            *self.money_caveats(),
            *proxy_site_caveats(self.scenario),
            *override_caveats(self.scenario, self.catalog),
            *power_price_caveats(self.scenario, self.catalog),
            *default_pue_caveats(self.scenario, self.catalog),
        ]

    def energy_caveats(self) -> list[str]:
        """When the energy stage ran, the load its facility energy assumes (every accelerator
        training all year at its average draw, `energy.programme.load_caveats`), then the sites
        whose region has no water use per kWh generated, whose generation water the Energy
        table's Gen. water column counts as zero (`energy.programme.generation_water_caveats`,
        as `gigawatt energy` lists them)."""
        if self.catalog is None or self.energy is None:
            return []
        return [
            *load_caveats(self.scenario, self.catalog),
            *generation_water_caveats(self.scenario, self.catalog),
        ]

    def caveats(self, years: list[dict[str, Any]] | None = None) -> list[str]:
        """What the figures cannot show (`capability.caveats.compose_caveats`, as `run` shows
        them): deals released on terms that were superseded or never signed, the scenario's
        inputs' (`input_caveats`), phases online before their hardware ships, the fleet's
        peaks that are not published figures, then those of each December's largest run and
        of each of the scenario's frontier runs (`run`'s report shows both: its system's perf
        calibration, failure rates and policy, its peak at another precision; the largest
        runs' burn-in); the energy stage's (`energy_caveats`) follow the inputs'; `years` is
        `years()` when the caller has it."""
        if self.catalog is None:
            return []
        runs: list[tuple[str | None, str | None]] = []
        if self.capability is not None:
            years = self.years() if years is None else years
            # the largest runs at the precision each is counted at: the peak columns' caveats
            # cover those; the frontier runs at the one each asks for (as `capability` lists
            # them), so a run asked for outside the columns (fp16) names its own fallback
            runs = [(y.get("largest_run_system"), y.get("largest_run_precision")) for y in years]
            runs += [
                (r.where.group.system, r.spec.precision)
                for r in self.capability.runs
                if r.where is not None
            ]
            runs = list(dict.fromkeys(runs))
        return compose_caveats(
            self.catalog,
            self.fleet,
            self.capability,
            self.year_positions(),
            runs,
            deals=self.scenario.deals,
            inputs=[*self.input_caveats(), *self.energy_caveats()],
            peak_columns=True,
            money=self.finance is not None,
        )

    def to_json(self) -> dict[str, Any]:
        """The `gigawatt run --json` object."""
        years = self.years()
        return {"scenario": self.scenario.name, "years": years, "caveats": self.caveats(years)}

    def _repr_html_(self) -> str:
        """In a notebook: the yearly summary as one table (the `years` of `run --json`, a
        nested key flattened as `peak_flops_per_s.bf16`, values in the units their keys name),
        then the caveats."""
        years = self.years()
        frame = pd.json_normalize(years).set_index("year")
        name, title = html.escape(self.scenario.name), html.escape(self.scenario.title)
        head = f"<p><b>{name}</b>: {title}</p>"
        notes = "".join(f"<li>{html.escape(c)}</li>" for c in self.caveats(years))
        return head + frame.to_html() + (f"<ul>{notes}</ul>" if notes else "")


def accelerator_rows(fleet: Fleet) -> dict[str, np.ndarray]:
    """Each accelerator type's phase rows, in order of first appearance."""
    types = fleet.columns["accelerator"]
    return {str(t): np.flatnonzero(types == t) for t in dict.fromkeys(types)}


def fleet_year_summary(
    fleet: Fleet,
    year: int,
    pos: int,
    by_type: dict[str, np.ndarray] | None = None,
    labels: np.ndarray | None = None,
    dies: dict[str, int | None] | None = None,
) -> dict[str, Any]:
    """The fleet's keys of a year's summary, at month index `pos` (`by_type` and `labels`, the
    accelerator rows and month labels, when a caller has them for every year). `dies` is each
    accelerator type's `compute_dies`: `compute_dies` counts the fleet's reticle-sized compute
    dies (the unit NVIDIA's 2025 Rubin rack names counted as GPUs, before its CES 2026 Vera
    Rubin NVL72 counted packages again), null unless every type states it."""
    by_type = accelerator_rows(fleet) if by_type is None else by_type
    labels = fleet.month_labels if labels is None else labels
    acc = fleet.accelerators[:, pos]
    counts = {t: int(acc[rows].sum()) for t, rows in by_type.items()}
    known = dies is not None and all(dies.get(t) is not None for t in counts)
    return {
        "year": year,
        "month": str(labels[pos]),
        "facility_power_gw": float(fleet.facility_power_w[:, pos].sum() / W_PER_GW),
        "it_power_gw": float(fleet.it_power_w[:, pos].sum() / W_PER_GW),
        "accelerators": int(acc.sum()),
        "accelerators_by_type": counts,
        "peak_flops_per_s": {
            p: float(fleet.peak_flops_per_s[p][:, pos].sum()) for p in PEAK_COLUMNS
        },
        # added after the keys above (DESIGN.md section 7)
        "compute_dies": sum(n * dies[t] for t, n in counts.items()) if known else None,  # type: ignore[index,operator]
    }


def _child(rng: np.random.Generator | None) -> np.random.Generator | None:
    return None if rng is None else rng.spawn(1)[0]


def simulate(
    scenario: Scenario | str,
    catalog: Catalog | None = None,
    rng: np.random.Generator | None = None,
    *,
    until: str | None = None,
) -> Results:
    """Run the programme: the point-value scenario, or one sample of it when `rng` is given.

    `until` names the last stage to run (the later ones are not needed by it); None runs all.
    Randomness is explicit: the scenario's uncertain inputs are drawn from `rng`, and each stage
    that samples gets its own child generator, spawned in a fixed order (a new sampling stage
    spawns after the existing ones, so stored sweep samples stay reproducible bit for bit).
    A child's stream depends on the generator's seed alone, not on the draws made before.
    A scenario given as text (a file or a built-in name) is read with `load_scenario`.
    """
    if until is not None and until not in STAGES:
        raise ValueError(f"unknown stage {until!r}; stages: {', '.join(STAGES)}")
    catalog = catalog or Catalog.load()
    if isinstance(scenario, str):
        scenario = load_scenario(scenario, catalog)
    resolved = scenario.resolve(rng)
    return run_stages(resolved, catalog, _child(rng), until=until)


def run_stages(
    resolved: Scenario,
    catalog: Catalog,
    finance_rng: np.random.Generator | None = None,
    *,
    until: str | None = None,
    fleet: Fleet | None = None,
) -> Results:
    """`simulate` of a scenario already resolved (a sweep draws its inputs itself), with the
    finance stage's generator (`_child` of the sample's, or None for point values). `fleet`,
    when the caller has built it already, is `build_fleet(resolved, catalog)`."""
    if until is not None and until not in STAGES:
        raise ValueError(f"unknown stage {until!r}; stages: {', '.join(STAGES)}")
    wanted = STAGES[: STAGES.index(until) + 1] if until is not None else STAGES
    if fleet is None:
        fleet = build_fleet(resolved, catalog)
    energy = run_energy(resolved, catalog, fleet) if "energy" in wanted else None
    finance = (
        run_finance(resolved, catalog, fleet, energy, rng=finance_rng)
        if "finance" in wanted
        else None
    )
    capability = run_capability(resolved, catalog, fleet) if "capability" in wanted else None
    return Results(
        resolved, fleet, energy=energy, finance=finance, capability=capability, catalog=catalog
    )
