"""The report's uncertainty section: P10/P50/P90 bands from a stored sweep (`--sweep STORE`).

The sweep is found in the store by the scenario it ran: the latest sweep whose canonical
scenario JSON and catalog digest equal this run's, so bands never come from another scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gigawatt.catalog import Catalog
from gigawatt.display import counted, fmt_value
from gigawatt.errors import InputError
from gigawatt.report.base import Chart, ReportContext, Section, Series, Table
from gigawatt.scenario import Scenario
from gigawatt.sweep.samples import HELD_FIXED, P50_NOT_THE_RUN

if TYPE_CHECKING:  # the sweep store (DuckDB) is imported only when a report shows a sweep
    from gigawatt.sweep import SweepResult

#: Outputs drawn as bands: (year key, chart title, axis title, display scale).
BANDS: tuple[tuple[str, str, str, float], ...] = (
    ("facility_power_gw", "Facility power", "Power [GW]", 1.0),
    ("accelerators", "Accelerators online", "Accelerators [million]", 1e6),
    ("energy_twh", "Facility energy in the year", "Facility energy [TWh]", 1.0),
    ("co2e_t", "Location-based CO2e in the year", "CO2e [Mt]", 1e6),
    ("cumulative_capex_usd", "Capex to date", "Capex [USD billion]", 1e9),
    ("cumulative_invested_usd", "Invested to date", "Invested [USD billion]", 1e9),
    (
        "largest_run_flop",
        "Largest run started in December: compute",
        "Training compute [1e27 FLOP]",
        1e27,
    ),
)


def find_sweep(store: Path, scenario: Scenario, catalog: Catalog) -> SweepResult:
    """The latest sweep of exactly this scenario and catalog in `store`."""
    from gigawatt.sweep import canonical_json, catalog_sha256, list_sweeps, load_sweep

    if not store.is_file():
        raise InputError(f"{str(store)!r} is not a file; allowed: a sweep store", field="sweep")
    want = (canonical_json(scenario), catalog_sha256(catalog))
    infos = list_sweeps(store)
    matches = [i for i in infos if (i.scenario_json, i.catalog_sha256) == want]
    if not matches:
        have = ", ".join(sorted({i.scenario for i in infos})) or "none"
        raise InputError(
            f"{str(store)!r} holds no sweep of this scenario {scenario.name!r} with this "
            f"catalog (sweeps of: {have}); run `gigawatt sweep {scenario.name} --store "
            f"{store}` first",
            field="sweep",
        )
    return load_sweep(store, max(matches, key=lambda i: i.created).sweep_id)


def _band_chart(sweep: SweepResult, key: str, title: str, axis: str, scale: float) -> Chart | None:
    frame = sweep.yearly_bands[sweep.yearly_bands.key == key].sort_values("year")
    if frame.empty or frame.p50.isna().all():
        return None
    years = [int(y) for y in frame.year]
    series = tuple(
        Series(label, years, [float(v) / scale for v in frame[q]], dash=q != "p50")
        for label, q in (("P90", "p90"), ("P50", "p50"), ("P10", "p10"))
    )
    return Chart(f"bands-{key.replace('_', '-')}", title, "Year", axis, series, x_type="year")


def _inputs_table(sweep: SweepResult) -> Table:
    rows: list[tuple[str, ...]] = [
        (
            i["path"] + (f" (shared: {i['shared']})" if i.get("shared") else ""),
            *(_input_value(i[q]) for q in ("p10", "p50", "p90")),
        )
        for i in sweep.inputs()
    ]
    return Table(
        "Uncertain inputs as drawn",
        ("Input", "P10", "P50", "P90"),
        tuple(rows),
        numeric=(False, True, True, True),
    )


def _input_value(value: float | None) -> str:
    """An input's quantile as the tornado's table writes inputs (`fmt_value`): a valuation
    to the dollar, not to a thousandth of one (492,159,626,618.932); a PUE to 4 digits."""
    return "" if value is None else fmt_value(value)


def bands_section(ctx: ReportContext) -> Section | None:
    sweep: Any = ctx.sweep
    if sweep is None:
        return None
    from gigawatt.sweep import SweepResult

    if not isinstance(sweep, SweepResult):
        return None
    charts = [c for args in BANDS if (c := _band_chart(sweep, *args)) is not None]
    return Section(
        "bands",
        "Uncertainty: P10, P50 and P90 over a sweep",
        paragraphs=(
            f"Sweep {sweep.sweep_id[:12]} (seed {sweep.seed}, {sweep.method}): "
            f"{sweep.completed:,} of {counted(sweep.samples, 'sample')}, each a draw of every "
            "uncertain "
            "input (sample i uses numpy.random.default_rng([seed, i])). Values as of each "
            "December; flows are the calendar year's. Bands are per chart and per year: the "
            "P10 line is not one sample's path, and P10s of different charts come from "
            f"different samples. {P50_NOT_THE_RUN}",
            f"Held fixed in every sample, so outside these bands: {'; '.join(HELD_FIXED)}. "
            "Largest run: the largest training run started in December (see the capability "
            "section).",
        ),
        charts=tuple(charts),
        tables=(_inputs_table(sweep),),
    )
