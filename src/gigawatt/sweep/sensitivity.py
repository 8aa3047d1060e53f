"""Which assumption moves the answer: one-at-a-time swings (a tornado) and variance-based Sobol
indices over a scenario's uncertain inputs (issue 12).

Both run through the sweep engine (`run_sweep` with a `Design`): the same executors (in this
process, a local pool, a Dask cluster), the same resumable DuckDB store, the same headline
outputs (`headline.py`). Only the scenario's declared uncertain inputs vary; randomness inside
the stages (share-price paths) stays at its point value, so each output is a deterministic
function of the inputs, as both methods assume.

- Tornado: each input alone at its P10 and at its P90, the others at their point values
  (2 D + 1 simulations). The swing |y(P90) - y(P10)| ranks the inputs for each output.
- Sobol (Saltelli 2002, "Making best use of model evaluations to compute sensitivity indices",
  Computer Physics Communications 145:280-297; estimators of Saltelli et al. 2010, Computer
  Physics Communications 181:259-270, Table 2, as SALib implements them, Herman and Usher 2017,
  JOSS 2(9):97): a scrambled Sobol' sequence of N (D + 2) points on the unit cube, mapped to each
  input through its distribution's inverse CDF, gives the first-order index S1 (the share of the
  output's variance explained by the input alone) and the total index ST (including all its
  interactions), each with a bootstrap 95 % confidence interval.

Distributions in one `shared` group are one input of both (a `Factor`): the tornado sets every
member to its own P10, then its own P90, together; the Sobol design has one column per factor,
each member at its own inverse CDF of that column (comonotone, as a sweep draws them), so the
indices are of the group as a whole (Saltelli's group indices), never of a member alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from gigawatt.buildout import Fleet, build_fleet
from gigawatt.catalog import Catalog
from gigawatt.defaults import DEFAULT_SOBOL_BASE
from gigawatt.distributions import point, quantile
from gigawatt.energy.programme import run_energy
from gigawatt.errors import GigawattError, InputError, Problem, did_you_mean
from gigawatt.finance import run_finance
from gigawatt.scenario import Scenario, load_scenario
from gigawatt.simulate import Results, run_stages, simulate
from gigawatt.sweep.headline import headline_order, headline_outputs, is_date_key, month_of
from gigawatt.sweep.run import DEFAULT_STORE, Progress, check_workers, run_sweep
from gigawatt.sweep.samples import HEADLINE_YEAR, HELD_FIXED_SENSITIVITY, Design, template_of
from gigawatt.sweep.store import SweepStore

Method = Literal["tornado", "sobol", "both"]
METHODS: tuple[str, ...] = ("tornado", "sobol", "both")

#: The tornado's low and high levels: each input's P10 and P90.
TORNADO_LEVELS = (0.1, 0.9)
MAX_SOBOL_BASE = 1 << 16
#: Bootstrap resamples and level of the Sobol confidence intervals.
SOBOL_RESAMPLES = 200
CONF_LEVEL = 0.95
#: An output whose standard deviation over the samples is under this fraction of its largest
#: magnitude does not vary: its Sobol indices would divide by a variance made of rounding
#: error, so none are reported. Far above the rounding error of the model's sums (a sum of n
#: terms in double precision is off by at most (n - 1) u, u = 1.1e-16, times the sum of the
#: magnitudes: Higham 2002, Accuracy and Stability of Numerical Algorithms, 2nd ed., SIAM,
#: section 4.2; n is a few thousand site-months here) and far below any spread the tool prints
#: (2 to 4 significant digits, 1e-4 at the finest).
CONSTANT_RELATIVE_SPREAD = 1e-6
#: A date's magnitude (a decimal year) depends on the calendar's origin, so its spread is
#: measured against one year instead: 1e-6 of a year is 32 seconds, and dates move by months.
DATE_MAGNITUDE_YEARS = 1.0
#: `sobol_note` of such an output.
CONSTANT_NOTE = "does not vary across the samples"


@dataclass(frozen=True)
class Factor:
    """One input of a tornado or a Sobol design: an ungrouped distribution (named by its path)
    or a `shared` group (named by the group), its members' columns in the design."""

    name: str
    members: tuple[str, ...]
    columns: tuple[int, ...]

    @property
    def shared(self) -> bool:
        return self.members != (self.name,)


def factors(scenario: Scenario) -> list[Factor]:
    """The scenario's inputs as a tornado or Sobol design varies them: each ungrouped
    distribution, and each `shared` group at its first member's place."""
    out: list[Factor] = []
    at: dict[str, int] = {}
    for j, (path, d) in enumerate(scenario.distributions()):
        group = d.shared
        if group is None:
            out.append(Factor(path, (path,), (j,)))
        elif group not in at:
            at[group] = len(out)
            out.append(Factor(group, (path,), (j,)))
        else:
            f = out[at[group]]
            out[at[group]] = Factor(group, (*f.members, path), (*f.columns, j))
    return out


@dataclass(frozen=True)
class TornadoBar:
    #: The input's path, or a `shared` group's name.
    input: str
    #: The input's value at its P10 and at its P90; None for a group (see `members`).
    input_low: float | None
    input_high: float | None
    output_low: float
    output_high: float
    #: (path, value at P10, value at P90) of each distribution the bar moves: the input
    #: itself, or every member of its group.
    members: tuple[tuple[str, float, float], ...] = ()

    @property
    def swing(self) -> float:
        return abs(self.output_high - self.output_low)


@dataclass(frozen=True)
class SobolIndices:
    """First-order and total indices of each input, with their confidence half-widths."""

    first: dict[str, float]
    first_conf: dict[str, float]
    total: dict[str, float]
    total_conf: dict[str, float]


@dataclass(frozen=True)
class OutputSensitivity:
    key: str
    base: float | None
    #: Bars ranked by swing, largest first; empty when the tornado did not run.
    tornado: list[TornadoBar] = field(default_factory=list)
    sobol: SobolIndices | None = None
    #: Why Sobol indices are missing for this output (e.g. the event does not happen in every
    #: sample, or the output does not vary).
    sobol_note: str | None = None

    def ranking(self) -> list[str]:
        """Inputs by importance: Sobol total index where computed, else the tornado swing."""
        if self.sobol is not None:
            return sorted(self.sobol.total, key=lambda k: -self.sobol.total[k])  # type: ignore[union-attr]
        return [b.input for b in self.tornado]

    def to_json(self) -> dict[str, Any]:
        date = is_date_key(self.key)
        out: dict[str, Any] = {
            "key": self.key,
            "is_date": date,
            "base": _num(self.base),
            "base_month": month_of(self.base) if date and self.base is not None else None,
            "ranking": self.ranking(),
            "tornado": [
                {
                    "input": b.input,
                    "input_low": b.input_low,
                    "input_high": b.input_high,
                    "members": [{"path": p, "low": lo, "high": hi} for p, lo, hi in b.members],
                    "output_low": _num(b.output_low),
                    "output_high": _num(b.output_high),
                    "swing": _num(b.swing),
                }
                for b in self.tornado
            ],
            "sobol": None,
            "sobol_note": self.sobol_note,
        }
        if self.sobol is not None:
            s = self.sobol
            out["sobol"] = {
                name: {
                    "first": _num(s.first[name]),
                    "first_conf": _num(s.first_conf[name]),
                    "total": _num(s.total[name]),
                    "total_conf": _num(s.total_conf[name]),
                }
                for name in s.total
            }
        return out


@dataclass(frozen=True)
class SensitivityResult:
    scenario: str
    method: str
    inputs: list[dict[str, Any]]
    outputs: list[OutputSensitivity]
    sweep_ids: dict[str, str]
    samples: dict[str, int]
    store: Path
    sobol_base: int | None
    #: Each `shared` group's name and its members' paths: one input of the tornado and Sobol.
    shared_groups: dict[str, list[str]] = field(default_factory=dict)

    def output(self, key: str) -> OutputSensitivity:
        for o in self.outputs:
            if o.key == key:
                return o
        raise KeyError(key)

    def constant_outputs(self) -> list[str] | None:
        """The outputs that do not vary across the Sobol samples (no indices); None without
        Sobol."""
        if self.sobol_base is None:
            return None
        return [o.key for o in self.outputs if o.sobol_note == CONSTANT_NOTE]

    def to_json(self) -> dict[str, Any]:
        """The `gigawatt sensitivity --json` object."""
        return {
            "scenario": self.scenario,
            "method": self.method,
            "store": str(self.store),
            "sweep_ids": dict(self.sweep_ids),
            "samples": dict(self.samples),
            "sobol_base_samples": self.sobol_base,
            "tornado_levels": list(TORNADO_LEVELS),
            "conf_level": CONF_LEVEL,
            "inputs": self.inputs,
            "shared_groups": [
                {"name": name, "members": list(members)}
                for name, members in self.shared_groups.items()
            ],
            "held_fixed": list(HELD_FIXED_SENSITIVITY),
            "outputs": [o.to_json() for o in self.outputs],
            "constant_outputs": self.constant_outputs(),
        }


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


# --- designs ----------------------------------------------------------------------------------


def tornado_design(scenario: Scenario) -> Design:
    """Row 0: every input at its point value; rows 2k+1 and 2k+2: factor k (an input, or every
    member of a `shared` group, each at its own quantile) at P10, then P90."""
    dists = scenario.distributions()
    base = np.array([point(d) for _, d in dists], dtype=np.float64)
    rows = [base]
    for f in factors(scenario):
        for q in TORNADO_LEVELS:
            row = base.copy()
            for j in f.columns:
                row[j] = quantile(dists[j][1], q)
            rows.append(row)
    low, high = TORNADO_LEVELS
    return Design(
        method=f"tornado-p{round(low * 100)}-p{round(high * 100)}",
        paths=tuple(p for p, _ in dists),
        values=np.vstack(rows),
    )


def _problem(paths: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(paths), "names": list(paths), "bounds": [[0.0, 1.0]] * len(paths)}


def sobol_design(scenario: Scenario, base_samples: int, seed: int) -> Design:
    """Saltelli's N (D + 2) points over the D factors (first and total indices), through each
    member's inverse CDF (a `shared` group's members all at their factor's column)."""
    from SALib.sample import sobol as sobol_sample  # imported here: SALib loads scipy

    dists = scenario.distributions()
    paths = tuple(p for p, _ in dists)
    fs = factors(scenario)
    unit = sobol_sample.sample(
        _problem([f.name for f in fs]),
        base_samples,
        calc_second_order=False,
        scramble=True,
        seed=seed,
    )
    values = np.empty((unit.shape[0], len(paths)), dtype=np.float64)
    for k, f in enumerate(fs):
        for j in f.columns:
            values[:, j] = [quantile(dists[j][1], float(q)) for q in unit[:, k]]
    return Design(method=f"sobol-saltelli-n{base_samples}", paths=paths, values=values)


# --- analysis ----------------------------------------------------------------------------------


def _headline_matrix(store: SweepStore, sweep_id: str, samples: int) -> pd.DataFrame:
    """samples x headline keys (NaN where an output is missing), in sample order."""
    long = store.outputs(sweep_id, samples)
    long = long[long.year == HEADLINE_YEAR]
    wide = long.pivot(index="sample", columns="key", values="value")
    order = list(dict.fromkeys(long.key))
    return wide.reindex(index=range(samples), columns=order)


def _tornado(fs: Sequence[Factor], design: Design, y: pd.Series) -> list[TornadoBar]:
    bars = []
    for k, f in enumerate(fs):
        lo, hi = 2 * k + 1, 2 * k + 2
        members = tuple(
            (p, float(design.values[lo, j]), float(design.values[hi, j]))
            for p, j in zip(f.members, f.columns, strict=True)
        )
        bars.append(
            TornadoBar(
                input=f.name,
                input_low=None if f.shared else members[0][1],
                input_high=None if f.shared else members[0][2],
                output_low=float(y.iloc[lo]),
                output_high=float(y.iloc[hi]),
                members=members,
            )
        )
    return sorted(bars, key=lambda b: -(b.swing if math.isfinite(b.swing) else -1.0))


def magnitude(key: str, values: np.ndarray) -> float:
    """The size a spread of output `key` is measured against: its largest magnitude, or one
    year for a date."""
    if is_date_key(key):
        return DATE_MAGNITUDE_YEARS
    return float(np.abs(values).max()) if values.size else 0.0


def is_constant(y: np.ndarray, key: str = "") -> bool:
    """Whether the samples `y` of output `key` do not vary: their standard deviation is at
    most `CONSTANT_RELATIVE_SPREAD` of the output's `magnitude` (all zeros included)."""
    return float(np.std(y)) <= CONSTANT_RELATIVE_SPREAD * magnitude(key, y)


def moves(key: str, bar: TornadoBar) -> bool:
    """Whether a tornado bar of output `key` moves it: a swing above rounding error
    (`CONSTANT_RELATIVE_SPREAD` of the output's `magnitude`)."""
    if not math.isfinite(bar.swing):
        return False
    ends = np.array([bar.output_low, bar.output_high])
    return bar.swing > CONSTANT_RELATIVE_SPREAD * magnitude(key, ends)


def sobol_indices(
    paths: Sequence[str], y: np.ndarray, seed: int, key: str = ""
) -> tuple[SobolIndices | None, str | None]:
    """SALib's first and total indices of `y` (output `key`, ordered as the Saltelli design),
    or why not."""
    from SALib.analyze import sobol as sobol_analyze

    if not np.isfinite(y).all():
        missing = int((~np.isfinite(y)).sum())
        return None, f"missing in {missing} of {y.size} samples (the event does not always happen)"
    if is_constant(y, key):
        return None, CONSTANT_NOTE
    s = sobol_analyze.analyze(
        _problem(paths),
        y,
        calc_second_order=False,
        num_resamples=SOBOL_RESAMPLES,
        conf_level=CONF_LEVEL,
        # SALib seeds its bootstrap only `if seed:`; 0 would leave the intervals unseeded
        seed=seed + 1,
    )

    def by_name(key: str) -> dict[str, float]:
        return {p: float(v) for p, v in zip(paths, np.asarray(s[key]), strict=True)}

    return (
        SobolIndices(
            first=by_name("S1"),
            first_conf=by_name("S1_conf"),
            total=by_name("ST"),
            total_conf=by_name("ST_conf"),
        ),
        None,
    )


def tornado(
    scenario: Scenario,
    catalog: Catalog,
    base_results: Any = None,
    keys: Sequence[str] | None = None,
) -> list[OutputSensitivity]:
    """The tornado of each headline output, computed here without a store (the report's):
    2 D simulations, plus the point-value run unless `base_results` (its `simulate` result) is
    given. `keys` limits the outputs returned (the runs are the same)."""
    design = tornado_design(scenario)
    fs = factors(scenario)
    base = base_results if base_results is not None else simulate(scenario, catalog)
    rows = [headline_outputs(base)]
    for i in range(1, len(design)):
        try:
            results = _simulate_like(scenario.with_inputs(design.row(i)), catalog, base)
            rows.append(headline_outputs(results))
        except GigawattError:  # an input at its P10 or P90 the model rejects: a missing bar,
            rows.append({})  # as a failed sweep sample, never a failed report

    wide = pd.DataFrame(rows)
    wanted = [k for k in (keys if keys is not None else headline_order(wide.columns)) if k in wide]
    return [
        OutputSensitivity(key=k, base=float(wide[k].iloc[0]), tornado=_tornado(fs, design, wide[k]))
        for k in wanted
    ]


def _same_accelerators(a: Fleet, b: Fleet) -> bool:
    return np.array_equal(a.months, b.months) and np.array_equal(a.accelerators, b.accelerators)


def _simulate_like(resolved: Scenario, catalog: Catalog, base: Results) -> Results:
    """`simulate(resolved)` for a tornado row, for its headline outputs only: the point-value
    run's capability stage (the slowest) is reused when the row has the same accelerators each
    month (a cost, a valuation, a PUE on the IT basis), since the largest run and the compute
    thresholds it crosses read only those, the frontier runs and the catalog. (The reused
    stage's site-load crossings may then be stale; the headline outputs do not read them.)
    Otherwise every stage runs on the fleet built here (`resolved` is resolved already)."""
    fleet = build_fleet(resolved, catalog)
    if base.capability is None or not _same_accelerators(fleet, base.fleet):
        return run_stages(resolved, catalog, fleet=fleet)
    energy = run_energy(resolved, catalog, fleet)
    finance = run_finance(resolved, catalog, fleet, energy, rng=None)
    return Results(resolved, fleet, energy=energy, finance=finance, capability=base.capability)


def _check_base(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_SOBOL_BASE:
        raise InputError(
            f"{n!r} is not allowed: expected a power of two from 2 to {MAX_SOBOL_BASE:,}",
            field="samples",
        )
    if n & (n - 1):
        below = 1 << (n.bit_length() - 1)
        raise InputError(
            f"{n} is not allowed: the Sobol' sequence needs a power of two (e.g. {below} or "
            f"{below * 2})",
            field="samples",
        )
    return n


def _checked(
    scenario: str | Scenario,
    method: str,
    base_samples: int,
    scheduler: str | None,
    workers: int,
    catalog: Catalog,
) -> Scenario:
    """The scenario, once every input is checked: the method, the
    Sobol base, the workers and a scenario without distributions said in one pass, not only
    the first. A scenario that does not read raises its own problems when the options are
    right; beside a refused option it is left to the caller (the command line adds each file's
    problems led by its file)."""
    problems: list[Problem] = []
    if method not in METHODS:
        problems.append(
            Problem(
                "method",
                f"{method!r} is not allowed: expected one of {', '.join(METHODS)}"
                + did_you_mean(method, METHODS),
            )
        )
    checks: list[Callable[[], object]] = [lambda: check_workers(workers, scheduler)]
    if method != "tornado":  # the Sobol base is read by sobol and both
        checks.append(lambda: _check_base(base_samples))
    for check in checks:
        try:
            check()
        except InputError as e:
            problems += e.problems
    try:
        sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, catalog)
    except InputError:
        if problems:
            raise InputError(problems=problems) from None
        raise
    if not sc.uncertain_inputs():
        problems.append(
            Problem(
                "scenario",
                "the scenario has no uncertain inputs (no distributions): nothing to rank",
            )
        )
    if problems:
        raise InputError(problems=problems)
    return sc


def run_sensitivity(
    scenario: str | Scenario,
    method: Method = "both",
    *,
    base_samples: int = DEFAULT_SOBOL_BASE,
    seed: int | None = None,
    store_path: str | Path = DEFAULT_STORE,
    scheduler: str | None = None,
    catalog: Catalog | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Tornado and/or Sobol indices of every headline output over the uncertain inputs.

    Runs resume like sweeps (the designs are deterministic given the scenario, `seed` and
    `base_samples`). `base_samples` is the Sobol N; the design has N (D + 2) samples.
    """
    catalog = catalog or Catalog.load()
    sc = _checked(scenario, method, base_samples, scheduler, workers, catalog)
    seed = sc.seed if seed is None else seed
    fs = factors(sc)
    names = [f.name for f in fs]
    common: dict[str, Any] = {
        "store_path": store_path,
        "scheduler": scheduler,
        "catalog": catalog,
        "workers": workers,
        "progress": progress,
    }
    sweep_ids: dict[str, str] = {}
    sizes: dict[str, int] = {}
    wide: dict[str, pd.DataFrame] = {}
    designs: dict[str, Design] = {}
    if method in ("tornado", "both"):
        designs["tornado"] = tornado_design(sc)
    if method in ("sobol", "both"):
        designs["sobol"] = sobol_design(sc, _check_base(base_samples), seed)
    total = sum(len(d) for d in designs.values())
    offset = 0
    for name, design in designs.items():
        if progress is not None:
            # one bar over both designs: samples done so far of all of them
            common["progress"] = lambda done, _n, start=offset: progress(start + done, total)
        result = run_sweep(sc, len(design), seed, design=design, **common)
        offset += len(design)
        sweep_ids[name], sizes[name] = result.sweep_id, len(design)
        with SweepStore(result.store, read_only=True) as store:
            wide[name] = _headline_matrix(store, result.sweep_id, len(design))

    keys = headline_order(
        dict.fromkeys(k for frame in wide.values() for k in frame.columns if isinstance(k, str))
    )
    outputs = []
    for key in keys:
        base = None
        bars: list[TornadoBar] = []
        indices, note = None, None
        if "tornado" in wide and key in wide["tornado"]:
            y = wide["tornado"][key]
            base = float(y.iloc[0])
            bars = _tornado(fs, designs["tornado"], y)
        if "sobol" in wide:
            if key in wide["sobol"]:
                indices, note = sobol_indices(names, wide["sobol"][key].to_numpy(), seed, key)
            else:
                note = "not computed"
        outputs.append(
            OutputSensitivity(key=key, base=base, tornado=bars, sobol=indices, sobol_note=note)
        )
    template = template_of(sc)
    whole = dict(zip(template.paths, template.integer, strict=True))
    inputs = [
        {
            "path": p,
            "point": point(d),
            "p10": quantile(d, TORNADO_LEVELS[0]),
            "p90": quantile(d, TORNADO_LEVELS[1]),
            # a whole-number field (months) is set to the rounded quantile in every run
            "whole_number": whole[p],
            # the group it moves with (one input of the tornado and Sobol), None: on its own
            "shared": d.shared,
        }
        for p, d in sc.distributions()
    ]
    return SensitivityResult(
        scenario=sc.name,
        method=method,
        inputs=inputs,
        outputs=outputs,
        sweep_ids=sweep_ids,
        samples=sizes,
        store=Path(store_path),
        sobol_base=base_samples if "sobol" in designs else None,
        shared_groups={f.name: list(f.members) for f in fs if f.shared},
    )
