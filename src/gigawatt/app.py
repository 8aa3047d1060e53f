"""The application layer: one function per command (DESIGN.md sections 3 and 7).

Each function takes a typed request (a frozen pydantic model: a bad value is an `InputError`
naming the request's field) or, for notebooks, the same fields as keywords, and returns a typed
result whose `to_json()` is the command's `--json` object:

    run, finance, capability, energy, report    a scenario -> `simulate` -> its results
    compare                                      several scenarios -> their runs side by side
    perf, train, reliability, footprint          one training job, without a scenario
    sweep                                        Monte Carlo over a scenario's inputs
    sensitivity                                  which uncertain input moves each headline
    catalog, scenarios, show                     what the tool ships with
    cache_info, cache_clear                      the persistent search cache

The CLI (`gigawatt.cli`) parses flags into a request, calls one function here and renders the
result; it alone maps a request's fields to flags. The HTML report is written from the
`Results` a function here simulated, never by simulating again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import platform
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import Field, field_validator, model_validator

from gigawatt import cache as disk_cache
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import KINDS, MAX_SEQ_LEN, Record
from gigawatt.defaults import (
    DEFAULT_SCENARIO,
    DEFAULT_SOBOL_BASE,
    DEFAULT_STORE,
    MIN_COMPARED_SCENARIOS,
)
from gigawatt.errors import InputError, Problem, UnknownIdError
from gigawatt.io import (
    check_output_set,
    check_outputs,
    check_report_file,
    output_set,
    write_json,
    write_parquet,
    write_text,
)
from gigawatt.scenario import (
    Scenario,
    builtin_scenarios,
    default_pue_caveats,
    load_scenario,
    load_scenarios,
    proxy_site_caveats,
    scenario_path,
)
from gigawatt.validation import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ACCELERATORS,
    MAX_TOKENS,
    MAX_WORKERS,
    Date,
    Request,
    check_result,
)
from gigawatt.yamlio import read_data_file

# The models, pandas and the sweep store are imported by the functions that use them: the
# command line imports this module for every command, and `gigawatt catalog` or `scenarios`
# need none of them.
if TYPE_CHECKING:
    from gigawatt.buildout import Fleet
    from gigawatt.capability import CapabilityResult
    from gigawatt.compare import Comparison
    from gigawatt.energy.footprint import FootprintRequest, FootprintResult
    from gigawatt.finance import Finance
    from gigawatt.markets.command import MarketReport, MarketRequest
    from gigawatt.ownership import Ownership
    from gigawatt.perf import PerfResult, SearchResult
    from gigawatt.perf.accuracy import Validation
    from gigawatt.reliability.job import ReliabilityReport, ReliabilityRequest
    from gigawatt.simulate import Results
    from gigawatt.sweep import SweepResult
    from gigawatt.sweep.sensitivity import SensitivityResult
    from gigawatt.training import TrainingResult

#: Where `report` writes when no file is named.
DEFAULT_REPORT_FOLDER = Path("gigawatt-out")
HTML_SUFFIXES = (".html", ".htm")

R = TypeVar("R", bound=Request)


F = TypeVar("F", bound=Callable[..., Any])


def _checked(fn: F) -> F:
    """The command's result, checked against the physical invariants at the boundary
    (`gigawatt.validation.check_result`): a violation is a bug report (exit 1), never output."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return check_result(fn(*args, **kwargs), fn.__name__)

    return wrapper  # type: ignore[return-value]


#: A request's fields that name a catalog record: the record's kind, the catalog's accessor.
_ID_FIELDS = {
    "model": ("models", "model"),
    "system": ("systems", "system"),
    "framework": ("frameworks", "framework"),
    "region": ("regions", "region"),
    "policy": ("fault-tolerance", "fault_tolerance"),
    "failure_model": ("failures", "failure_model"),
}


def _check_ids(catalog: Catalog, req: Any) -> None:
    """Every unknown id a request names, said in one pass (`--model nope --system nope2` said
    the model, then on the next run the system); a file's path is left to its reader."""
    from gigawatt.catalog import RECORD_FILE_SUFFIXES

    problems = []
    for name, (kind, accessor) in _ID_FIELDS.items():
        value = getattr(req, name, None)
        if not isinstance(value, str) or value.lower().endswith(RECORD_FILE_SUFFIXES):
            continue
        if catalog.has(kind, value) or Path(value).exists():
            continue  # a known id; or a record file or a folder, that its reader names
        try:
            getattr(catalog, accessor)(value, field=name)
        except UnknownIdError as e:
            problems += e.problems
    if len(problems) > 1:  # one alone is said where it is read, as before
        raise InputError(problems=problems)


def _request(cls: type[R], request: R | None, fields: dict[str, Any]) -> R:
    """The request given, or one built (and validated) from keyword fields."""
    if request is None:
        return cls(**fields)
    if fields:
        raise TypeError(f"give a {cls.__name__} or its fields as keywords, not both")
    return request


def _scenario_request(cls: type[R], request: R | str | None, fields: dict[str, Any]) -> R:
    """As `_request`; a plain string is the scenario (a file or a built-in name)."""
    if isinstance(request, str):
        return cls(scenario=request, **fields)
    return _request(cls, request, fields)


# --- run --------------------------------------------------------------------------------------


class RunRequest(Request):
    scenario: str = Field(DEFAULT_SCENARIO, description="scenario file or built-in name")
    out: Path | None = Field(
        None, description="folder for results.parquet, summary.json and report.html"
    )
    sensitivity: bool = Field(
        True, description="the report's tornado: 2 more runs per uncertain input"
    )


@_checked
def run(
    request: RunRequest | str | None = None, /, *, catalog: Catalog | None = None, **fields: Any
) -> Results:
    """Simulate a scenario; with `out`, write its long table, its yearly summary and its HTML
    report there (`gigawatt run`). `Results.to_json()` is the `--json` object."""
    from gigawatt.simulate import simulate

    req = _scenario_request(RunRequest, request, fields)
    # A recording view: the report lists the catalog records the run looked up.
    cat = (catalog or Catalog.load()).recording()
    scenario = load_scenario(req.scenario, cat)
    if req.out is not None:  # refused before the simulation, not after it
        outputs = [req.out, *(req.out / name for name in RUN_FILES)]
        check_outputs(outputs, [scenario_path(req.scenario)])
        check_output_set(req.out, RUN_FILES)
    results = simulate(scenario, cat)
    if req.out is not None:
        write_run(
            results,
            cat,
            req.out,
            inputs=scenario,
            source=scenario_path(req.scenario),
            sensitivity=req.sensitivity,
        )
    return results


def gigawatt_version() -> str:
    """The installed package's version (`unknown` when run from a source tree)."""
    try:
        return version("gigawatt")
    except PackageNotFoundError:
        return "unknown"


#: The files of `gigawatt run --out DIR` (with `manifest.json`).
RUN_FILES = ("results.parquet", "summary.json", "report.html")


def _about(results: Results, catalog: Catalog) -> dict[str, Any]:
    """What an output set's manifest says wrote it."""
    return {
        "scenario": results.scenario.name,
        "catalog_sha256": _catalog_sha256(catalog),
        "gigawatt_version": gigawatt_version(),
    }


#: Catalog digests already computed in this process, by the id of the records they hash (the
#: records are held, so the id is not reused while the entry lives), most recently used last;
#: at most `_CATALOG_DIGESTS_KEPT` of them, so a process that loads many catalogs (a test
#: suite, a long-lived service) does not keep every one alive.
_CATALOG_DIGESTS: OrderedDict[int, tuple[Any, str]] = OrderedDict()
_CATALOG_DIGESTS_KEPT = 8
_CATALOG_DIGESTS_LOCK = threading.Lock()


def _catalog_sha256(catalog: Catalog) -> str:
    """`gigawatt.sweep.catalog_sha256`, computed once per catalog (and its recording views,
    which share its records) in a process while it is among the last few used."""
    from gigawatt.sweep import catalog_sha256

    key = id(catalog.records)
    with _CATALOG_DIGESTS_LOCK:
        held = _CATALOG_DIGESTS.get(key)
        if held is not None and held[0] is catalog.records:
            _CATALOG_DIGESTS.move_to_end(key)
            return held[1]
    digest = catalog_sha256(catalog)
    with _CATALOG_DIGESTS_LOCK:
        _CATALOG_DIGESTS[key] = (catalog.records, digest)
        _CATALOG_DIGESTS.move_to_end(key)
        while len(_CATALOG_DIGESTS) > _CATALOG_DIGESTS_KEPT:
            _CATALOG_DIGESTS.popitem(last=False)
    return digest


def write_run(
    results: Results,
    catalog: Catalog,
    out_dir: Path,
    *,
    inputs: Scenario,
    source: Path,
    sensitivity: bool = True,
) -> list[Path]:
    """Write `results.parquet` (long table), `summary.json` (the yearly summary),
    `report.html` and `manifest.json` into `out_dir` as one set: all of them replace the
    previous set at once (`gigawatt.io.output_set`), never over the scenario file `source`."""
    names = list(RUN_FILES)
    check_outputs([out_dir, *(out_dir / n for n in names)], [source])
    # Imported here: the report needs plotly, slow to import for the commands without one.
    from gigawatt.report import write_report

    tornado = report_tornado(inputs, catalog, results) if sensitivity else None
    with output_set(out_dir, names, _about(results, catalog)) as tmp:
        write_parquet(tmp / names[0], results.table())
        write_json(tmp / names[1], results.to_json())
        write_report(results, catalog, tmp / names[2], inputs=inputs, tornado=tornado)
    return [out_dir / n for n in names]


#: The persistent cache's namespace for the report's tornadoes (`gigawatt cache info`).
TORNADO_NAMESPACE = "tornado"


def report_tornado(scenario: Scenario, catalog: Catalog, results: Results) -> Any:
    """The report's tornado of the headline outputs (2 runs per uncertain input besides
    `results`, the point-value run), or None when the scenario has no uncertain inputs.

    A tornado is a pure function of the scenario, the catalog and the code, so it is kept in
    the persistent cache (`gigawatt.cache`) under a key of all of them, with the catalog
    records its runs looked up: read back, it is the same bars and the same table of sources.
    """
    from gigawatt.sweep.sensitivity import tornado

    if not scenario.uncertain_inputs():
        return None
    try:
        key = _tornado_key(scenario, catalog)
    except (TypeError, ValueError):  # a scenario without a JSON form: computed, not cached
        return tornado(scenario, catalog, base_results=results)
    found = disk_cache.get(TORNADO_NAMESPACE, key)
    if isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], dict):
        bars, looked_up = found
        if catalog.used is not None:
            for kind, ids in looked_up.items():
                catalog.used.setdefault(kind, set()).update(ids)
        return bars
    before = {kind: set(ids) for kind, ids in (catalog.used or {}).items()}
    bars = tornado(scenario, catalog, base_results=results)
    looked_up = {
        kind: ids - before.get(kind, set())
        for kind, ids in (catalog.used or {}).items()
        if ids - before.get(kind, set())
    }
    if catalog.used is not None:  # else the lookups are unknown: an entry would list none
        disk_cache.put(TORNADO_NAMESPACE, key, (bars, looked_up))
    return bars


def _tornado_key(scenario: Scenario, catalog: Catalog) -> str:
    """sha256 of what a tornado depends on: the scenario as validated, the catalog's records,
    the package's source and version, and the versions of Python and the numeric libraries."""
    import numpy as np
    import pandas as pd

    parts = (
        "gigawatt-tornado-1",
        scenario.model_dump_json(),
        _catalog_sha256(catalog),
        disk_cache.source_digest(),
        gigawatt_version(),
        platform.python_version(),
        np.__version__,
        pd.__version__,
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


# --- finance, capability ----------------------------------------------------------------------


class ScenarioRequest(Request):
    scenario: str = Field(DEFAULT_SCENARIO, description="scenario file or built-in name")


@dataclass(frozen=True)
class FinanceReport:
    """`gigawatt finance`: the finance stage of a scenario."""

    scenario: Scenario
    finance: Finance
    ownership: Ownership
    #: Deals released on terms that were superseded or never signed, or whose invested
    #: amounts are a stated intention (`deals.deal_caveats`, as run lists them), then the
    #: scenario's inputs' as run lists them (`Results.input_caveats`: deals ended as
    #: superseded whose build-out the phases still deploy, charges a region lists as not in
    #: its power price, months billed a dated capacity charge outside its delivery years,
    #: systems bought at an estimated price, sites whose location is assumed, cost overrides outside
    #: their cited ranges, power prices that are estimates, sites on the catalog's PUE, at
    #: which their energy is billed).
    caveats: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            **self.finance.summary(),
            "ownership": self.ownership.summary(),
            "caveats": list(self.caveats),
        }


@_checked
def finance(
    request: ScenarioRequest | str | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    **fields: Any,
) -> FinanceReport:
    """Capex, opex, tranches, stakes (diluted by later rounds), warrants, cash flows between the
    parties, the share of the world's AI compute and its concentration (`gigawatt finance`)."""
    from gigawatt.ownership import run_ownership
    from gigawatt.simulate import simulate

    req = _scenario_request(ScenarioRequest, request, fields)
    cat = catalog or Catalog.load()
    results = simulate(load_scenario(req.scenario, cat), cat, until="finance")
    assert results.finance is not None  # simulate ran the stages up to `until`
    from gigawatt.deals import deal_caveats

    owned = run_ownership(results.scenario, cat, results.fleet, results.finance)
    caveats = deal_caveats(results.scenario.deals, cat)
    caveats += tuple(results.input_caveats())  # the scenario's inputs', as run lists them
    return FinanceReport(results.scenario, results.finance, owned, caveats)


@dataclass(frozen=True)
class CapabilityReport:
    """`gigawatt capability`: the largest run by year, frontier runs, thresholds crossed."""

    scenario: Scenario
    capability: CapabilityResult
    year_positions: list[tuple[int, int]]
    catalog: Catalog | None = None  # for the caveats
    #: The build-out the runs are sized on, for its caveats (phases online before their
    #: hardware ships: the runs of those months are sized on capacity not installed yet).
    fleet: Fleet | None = None

    def to_json(self) -> dict[str, Any]:
        sc = self.scenario
        summary = self.capability.summary(self.year_positions)
        caveats: list[str] = []
        if self.catalog is not None and self.fleet is not None:
            from gigawatt.capability.caveats import compose_caveats

            # the largest run of each year, then the frontier runs, each at the precision it
            # asks for (the reference workload's: a fleet without its tensor path counts the
            # run at a wider one, which its caveat names); no fleet peak columns are shown
            # here, so each run's peak that is not a published figure has its own caveat
            requested = summary["reference"]["precision"]
            runs = [(y.get("largest_run_system"), requested) for y in summary["years"]]
            runs += [
                (r.get("system"), r.get("precision_requested")) for r in summary["frontier_runs"]
            ]
            caveats = compose_caveats(
                self.catalog,
                self.fleet,
                self.capability,
                self.year_positions,
                runs,
                inputs=list(proxy_site_caveats(sc)),  # the largest runs name their sites
            )
        return {"scenario": sc.name, "title": sc.title, **summary, "caveats": caveats}


@_checked
def capability(
    request: ScenarioRequest | str | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    **fields: Any,
) -> CapabilityReport:
    """What the fleet can train, year by year (`gigawatt capability`)."""
    from gigawatt.simulate import simulate

    req = _scenario_request(ScenarioRequest, request, fields)
    cat = catalog or Catalog.load()
    results = simulate(load_scenario(req.scenario, cat), cat, until="capability")
    assert results.capability is not None  # simulate ran the stages up to `until`
    return CapabilityReport(
        results.scenario, results.capability, results.year_positions(), cat, results.fleet
    )


# --- market -----------------------------------------------------------------------------------


def market(
    request: MarketRequest | str | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    **fields: Any,
) -> MarketReport:
    """Announcement events with the moves the press reported; with prices, the event study of
    each (`gigawatt market`). `prices` may be a pandas DataFrame in any accepted layout."""
    import pandas as pd

    from gigawatt.markets.command import MarketRequest, market_report

    frame = fields.pop("prices") if isinstance(fields.get("prices"), pd.DataFrame) else None
    req = _scenario_request(MarketRequest, request, fields)
    cat = catalog or Catalog.load()
    name = deal_ids = None
    if req.scenario is not None:
        scenario = load_scenario(req.scenario, cat)
        name, deal_ids = scenario.name, [d.id for d in scenario.deals]
    return market_report(req, cat, scenario=name, deal_ids=deal_ids, frame=frame)


# --- energy -----------------------------------------------------------------------------------


class EnergyRequest(Request):
    scenario: str = Field(DEFAULT_SCENARIO, description="scenario file or built-in name")
    swings: str | None = Field(None, description="site whose training power swings to show")
    supply: str | None = Field(None, description="site whose least-cost supply to optimise")
    hours: int = Field(8760, ge=1, le=8760, description="supply horizon from 1 January [h]")
    co2_cap_t: float | None = Field(None, ge=0, le=1e10, description="supply: annual CO2 cap [t]")
    grid_import_mw: float | None = Field(None, ge=0, le=1e6, description="supply: grid import [MW]")
    ramp_limit_mw_per_s: float | None = Field(
        None, ge=0, le=1e6, description="swings: grid ramp-rate limit [MW/s]"
    )
    job_accelerators: int | None = Field(
        None, ge=1, le=MAX_ACCELERATORS, description="swings: accelerators in the synchronous job"
    )
    policy: str | None = Field(None, description="swings: fault-tolerance policy id")

    @model_validator(mode="after")
    def _swings_options(self) -> EnergyRequest:
        for name in ("job_accelerators", "ramp_limit_mw_per_s", "policy"):
            if getattr(self, name) is not None and not self.swings:
                raise InputError(
                    "applies to a site's power swings: give {swings} SITE too",
                    field=name,
                    refs=("swings",),
                )
        for name in ("hours", "co2_cap_t", "grid_import_mw"):
            given = name in self.model_fields_set and getattr(self, name) is not None
            if given and not self.supply:
                raise InputError(
                    "applies to a site's least-cost supply: give {supply} SITE too",
                    field=name,
                    refs=("supply",),
                )
        return self


@dataclass(frozen=True)
class EnergyReport:
    """`gigawatt energy`: yearly energy, carbon and water; per-site views on request."""

    scenario: str
    title: str
    years: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    swings: dict[str, Any] | None
    supply: dict[str, Any] | None
    #: What the figures rest on that the tables do not show: sites whose location the scenario
    #: assumes (`scenario.proxy_site_caveats`), the sites on the catalog's default
    #: PUE (`scenario.default_pue_caveats`), the load the facility energy assumes
    #: (`energy.programme.load_caveats`), and what the carbon figures are and leave out
    #: (`energy.programme.scope_caveats`).
    caveats: list[str] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@_checked
def energy(
    request: EnergyRequest | str | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    **fields: Any,
) -> EnergyReport:
    """The programme's energy picture; a site's swings and least-cost supply when asked."""
    from gigawatt.energy.programme import generation_water_caveats, load_caveats, scope_caveats
    from gigawatt.energy.sites import (
        SupplyOptions,
        find_site,
        site_peak_month,
        site_summaries,
        site_supply,
        site_swings,
    )
    from gigawatt.simulate import simulate

    req = _scenario_request(EnergyRequest, request, fields)
    cat = catalog or Catalog.load()
    policy = None
    if req.policy is not None:
        try:
            policy = cat.fault_tolerance(req.policy).id
        except UnknownIdError:
            valid = ", ".join(sorted(p.id for p in cat.all("fault-tolerance")))
            raise InputError(
                f"unknown fault-tolerance policy {req.policy!r}; valid: {valid}", field="policy"
            ) from None
    scenario = load_scenario(req.scenario, cat)
    for name, field in ((req.swings, "swings"), (req.supply, "supply")):
        if name:
            find_site(scenario, name, field)  # an unknown site fails before simulating
    # The swings trace the capability model's operating point, so they need that stage too.
    results = simulate(scenario, cat, until="capability" if req.swings else "energy")
    sc, result = results.scenario, results.energy
    assert result is not None  # simulate ran the stages up to `until`
    swings = None
    if req.swings:
        site = find_site(sc, req.swings, "swings")
        assert results.capability is not None
        job = results.capability.swing_job(
            site_peak_month(result, site),
            site.name,
            policy,
            req.job_accelerators,
        )
        swings = site_swings(
            sc, cat, result, site, req.ramp_limit_mw_per_s, job, req.job_accelerators
        )
    supply = None
    if req.supply:
        options = SupplyOptions(req.hours, req.co2_cap_t, req.grid_import_mw)
        supply = site_supply(sc, cat, result, find_site(sc, req.supply, "supply"), options)
    return EnergyReport(
        scenario=sc.name,
        title=sc.title,
        years=results.years(),
        sites=site_summaries(sc, cat, results.fleet, result),
        swings=swings,
        supply=supply,
        caveats=[
            *proxy_site_caveats(sc),
            *default_pue_caveats(sc, cat),
            *load_caveats(sc, cat),
            *scope_caveats(sc),
            *generation_water_caveats(sc, cat),
        ],
    )


# --- report -----------------------------------------------------------------------------------


class ReportRequest(Request):
    scenario: str = Field(DEFAULT_SCENARIO, description="scenario file or built-in name")
    out: Path | None = Field(None, description="HTML file to write")
    sweep: Path | None = Field(None, description="sweep store: adds P10/P50/P90 bands")
    png: Path | None = Field(None, description="folder to write each chart to as a PNG")
    compare: list[str] = Field(
        default_factory=list,
        description="other scenarios: one side-by-side report of the scenario and these",
    )
    sensitivity: bool = Field(
        True, description="the tornado section: 2 more runs per uncertain input"
    )


@dataclass(frozen=True)
class ReportFiles:
    """What `gigawatt report` wrote: the `--json` object."""

    report: Path
    sections: list[str]
    png: list[Path]

    def to_json(self) -> dict[str, Any]:
        return {
            "report": str(self.report),
            "sections": self.sections,
            "png": [str(p) for p in self.png],
        }


def default_report_path(scenario_name: str) -> Path:
    return DEFAULT_REPORT_FOLDER / f"report-{scenario_name}.html"


def _check_report_paths(out: Path | None, png_dir: Path | None) -> None:
    if out is not None:
        if out.is_dir():
            raise InputError(
                f"{str(out)!r} is a folder; allowed: a file name ending in .html", field="out"
            )
        if out.suffix.lower() not in HTML_SUFFIXES:
            raise InputError(
                f"{str(out)!r} does not end in .html; allowed: a file name ending in .html",
                field="out",
            )
    if png_dir is not None and png_dir.exists() and not png_dir.is_dir():
        raise InputError(f"{str(png_dir)!r} is a file; allowed: a folder", field="png")
    if out is not None and png_dir is not None and png_dir.resolve() in out.resolve().parents:
        raise InputError(
            f"{str(out)!r} is inside the PNG folder {str(png_dir)!r}, which is replaced as one "
            "set; allowed: an HTML file outside it",
            field="out",
        )


def report(
    request: ReportRequest | str | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    **fields: Any,
) -> ReportFiles:
    """Simulate a scenario and write its self-contained HTML report (`gigawatt report`); with
    `png`, each chart as a PNG; with `sweep` (a sweep store), the latest sweep of this scenario
    in it adds P10/P50/P90 bands."""
    # Imported here: the report needs plotly, slow to import for the commands without one.
    from gigawatt.report import build_report
    from gigawatt.report.bands import find_sweep
    from gigawatt.simulate import simulate

    req = _scenario_request(ReportRequest, request, fields)
    _check_report_paths(req.out, req.png)
    if req.compare:
        return _comparison_report(req, catalog)
    cat = (catalog or Catalog.load()).recording()
    scenario = load_scenario(req.scenario, cat)
    bands = None if req.sweep is None else find_sweep(req.sweep, scenario, cat)
    path = req.out if req.out is not None else default_report_path(scenario.name)
    check_outputs([path], [scenario_path(req.scenario)])
    check_report_file(path)
    _check_png_export(req.png)
    results = simulate(scenario, cat)
    built = build_report(
        results,
        cat,
        inputs=scenario,
        sweep=bands,
        tornado=report_tornado(scenario, cat, results) if req.sensitivity else None,
    )
    pngs = _write_report_files(path, built, req.png, _about(results, cat))
    return ReportFiles(report=path, sections=built.section_ids, png=pngs)


def _check_png_export(folder: Path | None) -> None:
    """`--png`'s preconditions, before anything is simulated or written."""
    if folder is not None:
        from gigawatt.report.png import check_png_export

        check_png_export(folder)


def _write_report_files(
    path: Path, built: Any, png: Path | None, about: dict[str, Any] | None = None
) -> list[Path]:
    """Draw the PNGs in memory first (a drawing error writes nothing), then write the HTML and
    the PNG set, each atomically (`gigawatt.io`)."""
    from gigawatt.report.png import render_pngs, write_pngs

    images = None if png is None else render_pngs(built.charts)
    write_text(path, built.html)
    return [] if png is None or images is None else write_pngs(images, png, about)


# --- compare ----------------------------------------------------------------------------------


class CompareRequest(Request):
    scenarios: list[str] = Field(
        min_length=MIN_COMPARED_SCENARIOS,
        description="scenario files or built-in names (two or more)",
    )
    out: Path | None = Field(None, description="HTML file to write the side-by-side report to")


def compare(
    request: CompareRequest | list[str] | tuple[str, ...] | str | None = None,
    /,
    *more: str,
    catalog: Catalog | None = None,
    **fields: Any,
) -> Comparison:
    """Simulate several scenarios and line up their headline yearly outputs, the inputs that
    differ listed first (`gigawatt compare`); with `out`, write one HTML report with overlaid
    charts. The scenarios (files or built-in names) are given one after another,
    `compare("a", "b")`, or as one list, `compare(["a", "b"])`, or as a `CompareRequest`."""
    from gigawatt.compare import compare_results
    from gigawatt.simulate import simulate

    if isinstance(request, str):
        request = [request, *more]
    elif more:
        raise TypeError(
            "give the scenarios one after another, compare('a', 'b'), or as one list, "
            "compare(['a', 'b']), not both"
        )
    if isinstance(request, list | tuple):
        request = CompareRequest(scenarios=list(request), **fields)
        fields = {}
    req = _request(CompareRequest, request, fields)
    _check_report_paths(req.out, None)
    cat = (catalog or Catalog.load()).recording()
    inputs = load_scenarios(list(req.scenarios), cat, ["scenarios"] * len(req.scenarios))
    if req.out is not None:
        check_outputs([req.out], [scenario_path(ref) for ref in req.scenarios])
        check_report_file(req.out)
    results = [simulate(sc, cat) for sc in inputs]
    comparison = compare_results([sc.name for sc in inputs], inputs, results)
    if req.out is not None:
        from gigawatt.report.compare import write_comparison_report

        write_comparison_report(comparison, cat, req.out)
    return comparison


def _comparison_report(req: ReportRequest, catalog: Catalog | None) -> ReportFiles:
    """`report SCENARIO --compare OTHER ...`: one side-by-side report of all of them."""
    from gigawatt.compare import compare_results
    from gigawatt.report.compare import build_comparison_report
    from gigawatt.simulate import simulate
    from gigawatt.sweep import catalog_sha256

    if req.sweep is not None:
        raise InputError(
            "sweep bands are for one scenario's report; allowed: {sweep} or {compare}, not both",
            field="sweep",
            refs=("sweep", "compare"),
        )
    refs = [req.scenario, *req.compare]
    cat = (catalog or Catalog.load()).recording()
    inputs = load_scenarios(refs, cat, ["scenario"] + ["compare"] * len(req.compare))
    names = [sc.name for sc in inputs]
    path = (
        req.out
        if req.out is not None
        else DEFAULT_REPORT_FOLDER / f"compare-{'-'.join(names)}.html"
    )
    check_outputs([path], [scenario_path(ref) for ref in refs])
    check_report_file(path)
    _check_png_export(req.png)
    comparison = compare_results(names, inputs, [simulate(sc, cat) for sc in inputs])
    built = build_comparison_report(comparison, cat)
    about = {
        "scenario": " vs ".join(names),
        "catalog_sha256": catalog_sha256(cat),
        "gigawatt_version": gigawatt_version(),
    }
    pngs = _write_report_files(path, built, req.png, about)
    return ReportFiles(report=path, sections=built.section_ids, png=pngs)


# --- sweep ------------------------------------------------------------------------------------


def _store_file(value: Path) -> Path:
    """A sweep store is a file: a path with a name (not `''`, `.` or `/`)."""
    if not value.name or value.name == "..":
        raise ValueError("a folder, not a file; allowed: a file name like sweeps.duckdb")
    return value


#: The TCP ports an address may name.
MAX_PORT = 65535


def _scheduler_address(value: str | None) -> str | None:
    """A scheduler address whose port a socket can take: `tcp://host:99999` waited out the
    connect timeout, then said it could not reach the scheduler (exit 1, not bad input)."""
    loc = (value or "").rpartition("://")[2]
    _, sep, port = loc.rpartition(":")
    if sep and port.lstrip("-").isdigit() and not 1 <= int(port) <= MAX_PORT:
        raise ValueError(
            f"port {port} is not a TCP port; allowed: tcp://HOST:PORT with a port from 1 to "
            f"{MAX_PORT} (a Dask scheduler listens on 8786 by default)"
        )
    return value


class SweepRequest(Request):
    scenario: str = Field(description="scenario file or built-in name")
    samples: int = Field(ge=1, le=10_000_000, description="Monte Carlo samples (0..N-1)")
    seed: int | None = Field(
        None, ge=0, le=2**63 - 1, description="seed; default: the scenario's `seed`"
    )
    scheduler: str | None = Field(None, description="Dask scheduler, tcp://HOST:PORT")
    store: Path = Field(DEFAULT_STORE, description="DuckDB file the samples are stored in")
    workers: int = Field(
        1, ge=1, le=MAX_WORKERS, description="local processes (without a scheduler)"
    )

    _check_store = field_validator("store")(_store_file)
    _check_scheduler = field_validator("scheduler")(_scheduler_address)


@_checked
def sweep(
    request: SweepRequest | str | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    progress: Callable[[int, int], None] | None = None,
    **fields: Any,
) -> SweepResult:
    """Run (or resume) a sweep and summarise it as P10/P50/P90 bands (`gigawatt sweep`);
    `progress(done, samples)` is called as samples finish."""
    from gigawatt.sweep import run_sweep

    req = _scenario_request(SweepRequest, request, fields)
    return run_sweep(
        req.scenario,
        req.samples,
        req.seed,
        req.store,
        req.scheduler,
        catalog or Catalog.load(),
        workers=req.workers,
        progress=progress,
    )


class SensitivityRequest(Request):
    scenario: str = Field(description="scenario file or built-in name")
    method: str = Field("both", description="tornado, sobol or both")
    samples: int = Field(
        DEFAULT_SOBOL_BASE, description="Sobol base samples N (a power of two; N (D + 2) runs)"
    )
    seed: int | None = Field(
        None, ge=0, le=2**63 - 1, description="seed; default: the scenario's `seed`"
    )
    scheduler: str | None = Field(None, description="Dask scheduler, tcp://HOST:PORT")
    store: Path = Field(DEFAULT_STORE, description="DuckDB file the samples are stored in")
    workers: int = Field(1, description="local processes (without a scheduler)")

    _check_store = field_validator("store")(_store_file)
    _check_scheduler = field_validator("scheduler")(_scheduler_address)

    @model_validator(mode="after")
    def _samples_for_sobol(self) -> SensitivityRequest:
        """The Sobol base given with the tornado alone would be ignored: said, not dropped."""
        if self.method == "tornado" and "samples" in self.model_fields_set:
            raise InputError(
                "applies to the Sobol indices; the tornado runs each input at its P10 and P90 "
                "alone: leave {samples} out, or give {method} sobol or both",
                field="samples",
                refs=("samples", "method"),
            )
        return self


def sensitivity(
    request: SensitivityRequest | str | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    progress: Callable[[int, int], None] | None = None,
    **fields: Any,
) -> SensitivityResult:
    """Which uncertain input moves each headline output (`gigawatt sensitivity`): a tornado
    (each input at its P10 and P90, the others at their point values) and Sobol first-order
    and total indices, run through the sweep engine and store (resumable);
    `progress(done, samples)` is called as samples finish."""
    from gigawatt.sweep.sensitivity import run_sensitivity

    req = _scenario_request(SensitivityRequest, request, fields)
    return run_sensitivity(
        req.scenario,
        req.method,  # type: ignore[arg-type]  # checked by run_sensitivity
        base_samples=req.samples,
        seed=req.seed,
        store_path=req.store,
        scheduler=req.scheduler,
        catalog=catalog or Catalog.load(),
        workers=req.workers,
        progress=progress,
    )


# --- perf, train ------------------------------------------------------------------------------


def _plan(value: Any) -> Any:
    """A plan as `KEY=V,...` text (the CLI's form) or a mapping of knobs."""
    from gigawatt.perf.plan import parse_plan

    return parse_plan(value) if isinstance(value, str) else value


class PerfRequest(Request):
    model: str = Field(description="model id, or a YAML file of one record")
    system: str = Field(description="system or accelerator id, or a YAML file of one record")
    gpus: int = Field(ge=1, le=MAX_ACCELERATORS, description="accelerators in the job")
    plan: dict[str, Any] | None = Field(None, description="plan knobs (with search: held)")
    search: bool = Field(False, description="search every valid plan; report the best")
    seq_len: int | None = Field(None, ge=1, le=MAX_SEQ_LEN, description="sequence length [tokens]")
    precision: str | None = Field(None, description="fp16, bf16 (default), fp8 or fp4")
    framework: str | None = Field(
        None, description="framework profile (default: the accelerator calibration's)"
    )
    allow_overflow: bool = Field(
        False, description="with search: report the plan needing least memory when none fits"
    )

    _parse_plan = field_validator("plan", mode="before")(_plan)

    @model_validator(mode="after")
    def _overflow_needs_search(self) -> PerfRequest:
        if self.allow_overflow and not self.search:
            raise InputError(
                "applies to a search: give {search} too (a fixed plan is reported whether it "
                "fits or not)",
                field="allow_overflow",
                refs=("search",),
            )
        return self


@dataclass(frozen=True)
class PerfReport:
    """`gigawatt perf`: one plan's prediction, or the search's best plan (None when nothing
    fits) and its ranking."""

    best: PerfResult | None
    search: SearchResult | None
    #: The estimate's validation class and error band (None when no plan was found).
    validation: Validation | None = None
    #: A fixed plan that does not fit: the nearest single-knob changes that make it fit,
    #: fastest first (`perf.fithint`); empty when it fits.
    nearest_feasible: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        extra = {"validation": self.validation.to_json() if self.validation else None}
        if self.search is not None:
            return {**self.search.to_json(), **extra}
        assert self.best is not None  # an estimate always has its plan
        return {
            **self.best.to_json(),
            "gpus_used": self.best.gpus,
            "gpus_idle_reason": None,
            "gbs_default": None,
            "plans_evaluated": None,
            "plans_fitting": None,
            "top": None,
            "nearest_feasible": [dict(n) for n in self.nearest_feasible] or None,
            **extra,
        }


def _validation(best: PerfResult | None, catalog: Catalog) -> Validation | None:
    """The validation class and band of the estimate `best` (docs/models/perf.md, "How far to
    trust a step time")."""
    from gigawatt.perf.accuracy import validation_of

    return None if best is None else validation_of(best, catalog)


@_checked
def perf(
    request: PerfRequest | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    **fields: Any,
) -> PerfReport:
    """Predict a plan's step time, memory and MFU, or search for the best plan (`gigawatt perf`)."""
    from gigawatt.perf import estimate as perf_estimate
    from gigawatt.perf import search as perf_search
    from gigawatt.perf.plan import with_precision

    req = _request(PerfRequest, request, fields)
    cat = catalog or Catalog.load()
    _check_ids(cat, req)
    knobs = with_precision(req.plan or {}, req.precision)
    if req.search:
        found = perf_search(
            req.model,
            req.system,
            req.gpus,
            fixed=knobs,
            seq_len=req.seq_len,
            framework=req.framework,
            catalog=cat,
            allow_overflow=req.allow_overflow,
        )
        return PerfReport(found.best, found, _validation(found.best, cat))
    # the fixed plan, and (if it does not fit) its one-knob neighbours, under the same inputs
    plan_args = (req.model, req.system, req.gpus, knobs)
    plan_opts = {"seq_len": req.seq_len, "framework": req.framework, "catalog": cat}
    try:
        best = perf_estimate(*plan_args, **plan_opts)
    except InputError as e:
        if req.plan or e.field != "plan":
            raise
        # the user gave no plan: the default plan (dp = N) broke a rule because of the count
        raise InputError(
            f"{req.gpus} is not allowed with the default plan (tp=pp=cp=1, dp=N): "
            f"{e.problems[0].message}; give a plan with {{plan}} or search with {{search}}",
            field="gpus",
            refs=("plan", "search"),
        ) from None
    near: tuple[dict[str, Any], ...] = ()
    if not best.fits:
        from gigawatt.perf.fithint import fixed_plan_changes

        near = fixed_plan_changes(*plan_args, **plan_opts)
    return PerfReport(best, None, _validation(best, cat), near)


def _month_start(value: Any) -> Any:
    """`YYYY-MM` (the month's first day) or `YYYY-MM-DD` text as a date."""
    if not isinstance(value, str):
        return value
    try:
        date = dt.date.fromisoformat(value + "-01" if len(value) == 7 else value)
    except ValueError:
        raise InputError(
            f"{value!r} is not allowed: expected YYYY-MM or YYYY-MM-DD", field="start"
        ) from None
    if not FIRST_YEAR <= date.year <= LAST_YEAR:  # said with the text typed, not as a date
        raise InputError(
            f"{value} is not allowed: must be a month from {FIRST_YEAR}-01 to {LAST_YEAR}-12",
            field="start",
        )
    return date


def _tokens(value: Any) -> Any:
    from gigawatt.training import parse_count

    return parse_count(value, field="tokens") if isinstance(value, str) else value


class TrainRequest(Request):
    model: str = Field(description="model id, or a YAML file of one record")
    tokens: float = Field(
        gt=0, le=MAX_TOKENS, description="training tokens (15.6e12, or text like 15.6T)"
    )
    system: str = Field(description="system or accelerator id, or a YAML file of one record")
    gpus: int = Field(ge=1, le=MAX_ACCELERATORS, description="accelerators in the job")
    precision: str | None = Field(None, description="fp16, bf16 (default), fp8 or fp4")
    region: str | None = Field(None, description="grid region (default us-average)")
    cost_usd_per_gpu_hour: float | None = Field(
        None,
        gt=0,
        le=1000,
        description="rental price per accelerator-hour; default ownership plus energy",
    )
    cost_basis: str | None = Field(
        None, description="ownership (default) or market; a rental price is its own basis"
    )
    plan: dict[str, Any] | None = Field(None, description="plan knobs to hold")
    seq_len: int | None = Field(
        None, ge=1, le=MAX_SEQ_LEN, description="sequence length [tokens] (default: the model's)"
    )
    start: Date | None = Field(None, description="start month: dates threshold crossings")
    policy: str | None = Field(None, description="fault-tolerance policy (default: the catalog's)")
    framework: str | None = Field(
        None, description="framework profile (default: the accelerator calibration's)"
    )
    fleet_age_months: float | None = Field(
        None, ge=0, le=1200, description="fleet age at the run's start [months]; default mature"
    )

    _parse_plan = field_validator("plan", mode="before")(_plan)
    _parse_tokens = field_validator("tokens", mode="before")(_tokens)
    _parse_start = field_validator("start", mode="before")(_month_start)


@_checked
def train(
    request: TrainRequest | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    **fields: Any,
) -> TrainingResult:
    """Time, accelerator-hours, energy, cost and thresholds of one run (`gigawatt train`)."""
    from gigawatt.training import plan_training

    req = _request(TrainRequest, request, fields)
    catalog = catalog or Catalog.load()
    _check_ids(catalog, req)
    return plan_training(
        req.model,
        req.tokens,
        req.system,
        req.gpus,
        precision=req.precision,
        region=req.region,
        cost_usd_per_gpu_hour=req.cost_usd_per_gpu_hour,
        cost_basis=req.cost_basis,
        start=req.start,
        fixed=req.plan,
        seq_len=req.seq_len,
        policy=req.policy,
        framework=req.framework,
        fleet_age_months=req.fleet_age_months,
        catalog=catalog,
    )


# --- reliability, footprint -------------------------------------------------------------------


@_checked
def reliability(
    request: ReliabilityRequest | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    **fields: Any,
) -> ReliabilityReport:
    """Interruptions, checkpoint interval, goodput and spares of one job (`gigawatt
    reliability`); with `trials`, the Monte Carlo too."""
    from gigawatt.reliability.job import ReliabilityRequest, reliability_report

    req = _request(ReliabilityRequest, request, fields)
    catalog = catalog or Catalog.load()
    _check_ids(catalog, req)
    return reliability_report(catalog, req)


@_checked
def footprint(
    request: FootprintRequest | None = None,
    /,
    *,
    catalog: Catalog | None = None,
    **fields: Any,
) -> FootprintResult:
    """Energy, carbon (location, market, embodied) and water of one job (`gigawatt footprint`)."""
    from gigawatt.energy.footprint import FootprintRequest
    from gigawatt.energy.footprint import footprint as footprint_of

    req = _request(FootprintRequest, request, fields)
    catalog = catalog or Catalog.load()
    _check_ids(catalog, req)
    return footprint_of(catalog, req)


# --- catalog, scenarios, show -----------------------------------------------------------------


@dataclass(frozen=True)
class CatalogListing:
    """`gigawatt catalog [KIND]`: the records of each kind asked for."""

    kinds: list[str]
    records: dict[str, list[Record]]

    def to_json(self) -> dict[str, Any]:
        return {
            "records": [
                {"id": rec.id, "kind": kind, **rec.model_dump(mode="json")}
                for kind in self.kinds
                for rec in self.records[kind]
            ]
        }


def catalog(
    kind: str | None = None, id: str | None = None, *, catalog: Catalog | None = None
) -> CatalogListing:
    """The catalog's records with their sources, of one kind or of all; with `id`, the one
    record of `kind` with that id or alias."""
    # `catalog "$KIND"` with KIND unset is a mistake, not a request for every kind
    problems = [
        Problem(name, f"{value!r} is not allowed: expected {what}", refs=(name,))
        for name, value, what in (
            ("kind", kind, f"a kind, one of: {', '.join(KINDS)} (leave {{kind}} out for all)"),
            ("id", id, f"a record id or alias (`gigawatt catalog {kind or 'KIND'} --brief`)"),
        )
        if value is not None and not value.strip()
    ]
    if problems:
        raise InputError(problems=problems)
    cat = catalog or Catalog.load()
    if id is not None:
        if not kind:
            raise InputError("an id needs its KIND before it", field="id")
        return CatalogListing([kind], {kind: [cat.get(kind, id, field="id")]})
    kinds = [kind] if kind else list(KINDS)
    return CatalogListing(kinds, {k: list(cat.all(k)) for k in kinds})


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    title: str
    default: bool


@dataclass(frozen=True)
class ScenarioList:
    """`gigawatt scenarios`: the built-in scenarios."""

    scenarios: list[ScenarioInfo]

    def to_json(self) -> dict[str, Any]:
        return {"scenarios": [asdict(s) for s in self.scenarios]}


def _title(text: str) -> str:
    line = next((ln for ln in text.splitlines() if ln.startswith("title:")), "title:")
    return line.split(":", 1)[1].strip().strip("\"'")


def scenarios() -> ScenarioList:
    """The built-in scenarios, with their titles; one is the default."""
    return ScenarioList(
        [
            ScenarioInfo(name, _title(path.read_text(encoding="utf-8")), name == DEFAULT_SCENARIO)
            for name, path in builtin_scenarios().items()
        ]
    )


@dataclass(frozen=True)
class ScenarioText:
    """`gigawatt show NAME`: a scenario file's text, to copy and edit."""

    name: str
    path: Path
    yaml: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": str(self.path), "yaml": self.yaml}


def show(name: str) -> ScenarioText:
    """A built-in scenario (or a scenario file) as written."""
    path = scenario_path(name)
    read_data_file(path)  # a scenario's file: text, and YAML or TOML (else one line, exit 2)
    return ScenarioText(path.stem, path, path.read_text(encoding="utf-8"))


# --- cache ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CacheReport:
    """`gigawatt cache info|clear`: the persistent search cache's file, entries (by namespace)
    and size on disk, after the action; `removed` counts the entries a clear removed."""

    action: str
    path: Path
    entries: int
    size_bytes: int
    namespaces: dict[str, int]
    removed: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "path": str(self.path),
            "entries": self.entries,
            "size_bytes": self.size_bytes,
            "namespaces": dict(self.namespaces),
            "removed": self.removed,
        }


def _cache_report(action: str, removed: int | None) -> CacheReport:
    now = disk_cache.info()
    return CacheReport(action, now.path, now.entries, now.size_bytes, now.namespaces, removed)


def cache_info() -> CacheReport:
    """Where the persistent search cache is, how many entries it holds, its size on disk."""
    return _cache_report("info", None)


def cache_clear() -> CacheReport:
    """Remove every entry of the persistent search cache (searches run again when next asked)."""
    return _cache_report("clear", disk_cache.clear().entries)
