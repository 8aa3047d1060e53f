"""Programme commands: run, catalog, scenarios, show, finance, capability, report, sweep."""

from __future__ import annotations

import math
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from gigawatt.cli.common import (
    JsonOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    _catalog,
    api,
    app,
    bold_name,
    console,
    emit_json,
    err_console,
    print_table,
    validation_text,
)
from gigawatt.cli.progress import resumable, working
from gigawatt.cli.tables import Spec, print_fitted
from gigawatt.defaults import CATALOG_KINDS, DEFAULT_SCENARIO, DEFAULT_STORE
from gigawatt.display import Column, counted, dig, fmt_number, fmt_sci, plain_text
from gigawatt.errors import InputError
from gigawatt.units import BILLION, FLOPS_PER_EFLOP, MILLION, T_PER_MT

# --- run --------------------------------------------------------------------------------------

_YEAR = Column("year", "Year", style="text")
_TEXT = "text"

#: What a facility-basis phase's power is, as run's footer names it: the facility's power at
#: the site's annual-average PUE, which the Build-out caption says is below the grid
#: connection's peak (so not "at the grid connection").
FACILITY_BASIS = "facility (IT x the site's annual-average PUE)"

#: The yearly tables `gigawatt run` prints: (title, columns of a year). A model that adds keys
#: to the years adds its table here.
SensitivityOpt = Annotated[
    bool,
    typer.Option(
        "--sensitivity/--no-sensitivity",
        help="Add the report's tornado (2 more runs per uncertain input).",
    ),
]

SUMMARY_TABLES: list[tuple[str, list[Column]]] = [
    (
        "Build-out (as of December; power rated at design load; facility = IT x the site's "
        "annual-average PUE, so the grid connection's peak on the hottest hours is higher)",
        [
            _YEAR,
            Column("facility_power_gw", "Facility", "GW", digits=2),
            Column("it_power_gw", "IT", "GW", digits=2),
            Column("accelerators", "Accelerators"),
            Column("peak_flops_per_s.bf16", "BF16", "EFLOP/s", FLOPS_PER_EFLOP),
            Column("peak_flops_per_s.fp8", "FP8", "EFLOP/s", FLOPS_PER_EFLOP),
            Column("peak_flops_per_s.fp4", "FP4", "EFLOP/s", FLOPS_PER_EFLOP),
        ],
    ),
    (
        "Money (USD B; costs at the catalog's quoted prices, not escalated for inflation and "
        "not discounted; deal amounts as announced; flows in the year, cumulative figures as of "
        "December; Opex: energy and capacity charges at the regions' prices plus operations "
        "(staff, maintenance, insurance: an estimated share of capex a year; `gigawatt "
        "finance` splits it); Released: deal "
        "money of every kind (investment, purchase commitments, leases; a warrant vests shares, "
        "not cash, and adds nothing); Of which deal purchases: the buyer's purchase commitments "
        "or leases paid to the vendor under the deals, for hardware, not investment (Capex "
        "counts all the hardware bought); Circular: a share, not USD, "
        "cumulative: sum of min(cash invested, systems capex paid for the investor's own "
        "hardware, whether bought, committed or leased) over the cash invested (blank: none "
        "invested); warrants, "
        "facility, power and energy not counted)",
        [
            _YEAR,
            Column("capex_usd", "Capex", scale=BILLION, digits=1),
            Column("opex_usd", "Opex", scale=BILLION, digits=1),
            Column("depreciation_usd", "Deprec.", scale=BILLION, digits=1),
            Column("tranches_released_usd", "Released", scale=BILLION, digits=1),
            Column(
                "tranches_released_purchases_usd",
                "Of which deal purchases",
                scale=BILLION,
                digits=1,
            ),
            Column("cumulative_invested_usd", "Invested (cum.)", scale=BILLION, digits=1),
            Column("circular_share", "Circular", digits=2),
        ],
    ),
    (
        "Energy (calendar year; facility energy = IT x PUE; CO2e location- and market-based at "
        "each region's latest annual life-cycle grid intensity, held flat for later years; "
        "embodied: manufacturing CO2e spread over the hardware's life, none after it; site "
        "water: IT energy x the region's WUE, the US fleet average for every region (a "
        "closed-loop liquid-cooled campus uses less) unless a site sets one; gen. water: "
        "consumed off site to generate the facility energy (at the power plants, in their fuel "
        "supply and in building them): each region's generation mix x the "
        "life-cycle consumption factors of Meldrum et al. 2013 (sources without a factor, "
        "such as hydro, count none: a lower bound); country: nearest "
        "annual electricity generation in the country's latest year in the data, "
        "`country_equivalent_year` in --json)",
        [
            _YEAR,
            Column("energy_twh", "Facility", "TWh", digits=1),
            Column("co2e_t", "Mt CO2e location", scale=T_PER_MT, digits=2),
            Column("co2e_market_t", "Mt CO2e market", scale=T_PER_MT, digits=2),
            Column("embodied_co2e_t", "Mt CO2e embodied", scale=T_PER_MT, digits=2),
            Column("water_m3", "Site water", "Mm3", MILLION, 1),
            Column("water_generation_m3", "Gen. water", "Mm3", MILLION, 1),
            Column("country_equivalent", "Like country", style=_TEXT),
        ],
    ),
    (
        "Capability (the largest run started in December: the job size a planner would launch "
        "under the default fault-tolerance policy, not the whole fleet (see below); x ref: times "
        "the catalog's reference run; more: `gigawatt capability`)",
        [
            _YEAR,
            Column("largest_run_site", "Site", style=_TEXT),
            Column("largest_run_accelerators", "Accel."),
            Column("largest_run_mfu", "MFU", digits=2),
            Column("largest_run_goodput", "Goodput", digits=2),
            Column("largest_run_flop", "FLOP", style="sci"),
            Column("largest_run_vs_reference", "x ref"),
            Column("chinchilla_params", "Params", "T", 1e12, 1),
        ],
    ),
]


def _band_of(year: dict[str, Any]) -> tuple[Any, ...]:
    return year["largest_run_validation_class"], tuple(year["largest_run_flop_band"] or ())


def largest_run_band_text(years: list[dict[str, Any]], catalog: Any = None) -> str | None:
    """How far to trust the largest runs' compute: the years (consecutive ones grouped where
    equal) with the 10th-90th percentile band of their step time's validation class
    (`largest_run_flop_band`), or "an estimate" where the class has too few published runs
    (docs/models/capability.md)."""
    groups: list[list[dict[str, Any]]] = []
    for y in years:
        if not y.get("largest_run_validation_class"):
            continue
        last = groups[-1][-1] if groups else None
        if last is not None and _band_of(last) == _band_of(y) and last["year"] + 1 == y["year"]:
            groups[-1].append(y)
        else:
            groups.append([y])
    if not groups:
        return None
    parts = []
    for group in groups:
        first, last = group[0]["year"], group[-1]["year"]
        span = str(first) if first == last else f"{first}-{last}"
        cls, band = _band_of(group[0])
        if band:
            scale = _beyond_checked_text(
                cls, max(y["largest_run_accelerators"] for y in group), catalog
            )
            parts.append(f"{span} {fmt_sci(band[0])}-{fmt_sci(band[1])} FLOP ({cls}{scale})")
        else:
            parts.append(f"{span} an estimate ({cls}: {_too_few(cls, catalog)})")
    text = (
        "Largest run's compute, band from its step time's 10th and 90th percentile errors on "
        f"published runs of its class (perf validation): {'; '.join(parts)}."
    )
    banded = [y["largest_run_system"] for y in years if y.get("largest_run_flop_band")]
    if banded and catalog is not None:
        text += " " + _band_held_text(banded, catalog)
    return text


def _too_few(cls: str, catalog: Any) -> str:
    """Why a class has no band: no published run checks it at all (no record: Rubin), or too
    few for one (as `gigawatt perf` says)."""
    if catalog is not None:
        try:
            checks = catalog.get("perf-accuracy", cls).checks
        except InputError:
            return "no validation runs of this class"
        return f"{counted(checks, 'validation run')}, too few for a band"
    return "too few validation runs for a band"


def _beyond_checked_text(cls: str, accelerators: int, catalog: Any) -> str:
    """`; checked on jobs of at most M accelerators` when the class's largest checked run is
    smaller than the job (the band then reaches beyond the scale it was measured at)."""
    if catalog is None:
        return ""
    try:
        widest = catalog.get("perf-accuracy", cls).checked_gpus_max
    except InputError:
        return ""
    if widest is None or accelerators <= widest:
        return ""
    return f"; checked on jobs of at most {widest:,} accelerators"


def _batch_text(op: dict[str, Any] | None, ref: dict[str, Any], catalog: Any) -> str | None:
    """The operating point's global batch in tokens, and what it rests on: the batch law
    extrapolated far beyond the budgets it was fitted on (its MFU rises with the batch)."""
    if not op or not op.get("gbs_seqs") or ref.get("mfu_fixed") is not None:
        return None
    seq_len = catalog.get("models", ref["model"]).seq_len
    tokens = op["gbs_seqs"] * seq_len
    return (
        f"Its global batch: {op['gbs_seqs']:,} sequences of {seq_len:,} tokens "
        f"({tokens / MILLION:,.0f}M tokens), DeepSeek LLM's compute-optimal batch law "
        "extrapolated far beyond the budgets it was fitted on; the MFU rests on it (`gigawatt "
        "catalog capability batch-tokens-coefficient` compares published runs' batches)."
    )


def _band_held_text(systems: list[str], catalog: Any) -> str:
    """What a compute band holds fixed: the job's size and goodput, whose failure rates are
    the systems' failure models (an estimate where the record says so), so the band's high end
    is not an upper bound."""
    from gigawatt.training import DEFAULT_FAILURE_MODEL

    models = {}
    for sid in dict.fromkeys(systems):
        fm = catalog.failure_model(catalog.system(sid).failure_model or DEFAULT_FAILURE_MODEL)
        models[fm.id] = fm.status
    named = ", ".join(f"{m} (status {st})" for m, st in models.items())
    weak = any(st == "estimate" for st in models.values())
    return (
        "The band covers the step time only: the job's size and goodput are held, and the "
        f"goodput's failure rates come from {named}"
        + (
            ": both ends rest on that estimate, and the high (optimistic) end is not an upper "
            "bound."
            if weak
            else "."
        )
    )


def _summary_bases(years: list[dict[str, Any]]) -> list[str]:
    """What the summary's sums and the capability FLOP rest on, which its titles cannot say:
    capex spent before the first year shown (the money axis starts at the earliest spend), and
    the run length, precision and tokens-per-parameter basis of the Capability table."""
    first, last = years[0], years[-1]
    lines = []
    before = (first.get("cumulative_capex_usd") or 0.0) - (first.get("capex_usd") or 0.0)
    if before > 0.005 * BILLION:
        lines.append(
            f"Capex before {first['year']} (not in the Money table): USD "
            f"{before / BILLION:,.1f}B; cumulative capex to {last['month']}: USD "
            f"{last['cumulative_capex_usd'] / BILLION:,.1f}B."
        )
    marginal = last.get("largest_run_marginal_efficiency")
    ceiling = last.get("largest_run_ceiling_accelerators")
    if marginal and ceiling and last.get("largest_run_flop"):
        spare = last.get("largest_run_spare_accelerators")
        room = (
            f", at most its group's accelerators less the spare pool its fault-tolerance policy "
            f"restarts onto ({last['month']}: {spare:,})"
            if spare
            else ""
        )
        lines.append(
            f"Accel.: the size past which an added accelerator yields less useful time than the "
            f"catalog's operating-point share of the average one's (at this size: "
            f"{marginal:.2f}){room}; in "
            f"{last['month']} the job of highest rate, {ceiling:,.0f} accelerators at goodput "
            f"{last['largest_run_ceiling_goodput']:.2f}, would train "
            f"{last['largest_run_ceiling_flop'] / last['largest_run_flop']:.1f} x the FLOP."
        )
    days, precision = last.get("largest_run_duration_days"), last.get("largest_run_precision")
    if days and precision and last.get("chinchilla_params") and last.get("chinchilla_tokens"):
        per_param = last["chinchilla_tokens"] / last["chinchilla_params"]
        model, source = last.get("largest_run_model"), last.get("largest_run_mfu_source")
        mfu = (
            f"MFU: the {source} figure for {model} at that job size (the reference model), not "
            f"for the Params model, at the global batch of `capability --json`'s "
            f"operating_point.plan (by default the batch law's, compute-optimal for the run and "
            f"larger than the model's own, which `gigawatt perf` uses), in model FLOPs (PaLM's "
            f"convention: recomputation not counted; HFU in `gigawatt perf`); "
            if model and source
            else ""
        )
        lines.append(
            f"Capability FLOP: a {days:g}-day run in {precision} (accelerators x dense peak x "
            f"MFU x goodput x duration; goodput counts checkpoints, restarts and redone work "
            f"only, not stragglers, data stalls or loss-spike rollbacks); {mfu}Params T: the "
            f"compute-optimal size for that FLOP in trillions of parameters ({per_param:.0f} "
            "tokens per parameter)."
        )
    return lines


def _packages_text(years: list[dict[str, Any]], catalog: Any) -> str:
    """What an accelerator count counts: packages, with the reticle-sized compute dies of each
    multi-die type (catalog `compute_dies`) and the fleet's dies in the last year, the unit
    NVIDIA's GTC 2025 rack names counted ("Vera Rubin NVL144", "Rubin Ultra NVL576") before its
    CES 2026 name for the Rubin rack, "Vera Rubin NVL72", counted packages again."""
    last = years[-1]
    types = [t for t, n in last["accelerators_by_type"].items() if n > 0]
    multi = {t: d for t in types if (d := catalog.accelerator(t).compute_dies) and d > 1}
    if not multi:
        return "accelerators are packages"
    each = ", ".join(f"{t} {d}" for t, d in multi.items())
    total = last.get("compute_dies")
    count = f"; {total:,} dies in {last['month']}" if total else ""
    return (
        f"accelerators are packages (reticle-sized compute dies per package: {each}{count}; "
        "NVIDIA's rack names count packages, save GTC 2025's NVL144 and NVL576, which "
        "counted dies)"
    )


def warrant_text(warrants: list[dict[str, Any]], last: dict[str, Any]) -> str | None:
    """What the Money table cannot show of a deal's warrants: they vest shares, not cash, so
    neither Released nor Invested counts them (a deal such as AMD-OpenAI's would read as
    nothing given). Per deal (`Finance.warrant_totals`): shares vested of those it can vest and
    their value at vesting; then the last year's marked value (`warrant_value_usd`), which rests
    on the share price's median path. `last`: the last year of `run --json`."""
    if not warrants:
        return None
    from gigawatt.finance import warrant_vested_text  # deferred: `--help` stays fast

    parts = [warrant_vested_text(w, last["month"]) for w in warrants]
    marked = last.get("warrant_value_usd") or 0.0
    held = (
        f"; vested warrants worth USD {marked / BILLION:,.1f}B at {last['month']}'s share price"
        if marked > 0
        else ""
    )
    return (
        "Warrants (shares, not cash: in neither Released nor Invested): "
        + "; ".join(parts)
        + held
        + ". Share prices follow the median path of their price process, whose drift is an "
        "assumption, not a forecast: whether a price-linked tranche vests rests on it "
        "(`gigawatt finance` lists each tranche)."
    )


def _reference_run_text(catalog: Any) -> str:
    """Which run the Capability table's `x ref` divides by, with its FLOP and provenance."""
    from gigawatt.capability.scaling import REFERENCE_ID

    ref = catalog.get("reference-workloads", REFERENCE_ID)
    run = catalog.get("frontier-runs", ref.comparison_run)
    return (
        f"x ref: times {run.name} ({run.id}, {fmt_sci(run.training_flop)} FLOP, status "
        f"{run.field_statuses().get('training_flop', run.status)}; `gigawatt catalog "
        "frontier-runs` gives its source)."
    )


def summary_table(prefix: str) -> tuple[str, list[Column]]:
    """The `run` table whose title starts with `prefix` (other commands reuse it)."""
    return next(t for t in SUMMARY_TABLES if t[0].startswith(prefix))


@app.command()
def run(
    ctx: typer.Context,
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for results.parquet, summary.json, report.html and manifest.json "
            "(replaced as one set).",
        ),
    ] = Path("gigawatt-out"),
    sensitivity: SensitivityOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Simulate the whole programme; print a yearly summary and write the results."""
    request = api.RunRequest(scenario=scenario, out=out, sensitivity=sensitivity)
    with working("simulating", quiet=as_json):
        results = api.run(request, catalog=_catalog(ctx))
    if as_json:
        emit_json(results.to_json())
        return
    years = results.years()
    sc = results.scenario
    console.print(bold_name(sc.name, sc.title))
    for title, columns in SUMMARY_TABLES:
        if not any(dig(years[0], c.key) is not None for c in columns[1:]):
            continue  # that model did not run
        print_table(title, columns, years, first_left=False)
    if (band := largest_run_band_text(years, _catalog(ctx))) is not None:  # under its table
        console.print(band)
    console.print(
        f"As of each December (or the last month). Phases add power at the "
        f"{FACILITY_BASIS if sc.power_basis == 'facility' else 'racks (IT)'}; "
        f"{_packages_text(years, _catalog(ctx))}; peak FLOP/s are dense. "
        f"Results written to {out}/"
    )
    for line in _summary_bases(years):
        console.print(line)
    if results.finance is not None and (
        warrants := warrant_text(results.finance.warrant_totals(), years[-1])
    ):
        console.print(warrants)
    if any(y.get("largest_run_vs_reference") for y in years):
        console.print(_reference_run_text(_catalog(ctx)))
    for caveat in results.caveats(years):
        console.print(Text("Caveat: ", style="bold yellow") + Text(caveat))


# --- catalog, scenarios, show -----------------------------------------------------------------


@app.command("catalog")
def catalog_cmd(
    ctx: typer.Context,
    kind: Annotated[
        str | None,
        typer.Argument(
            metavar="KIND", help=f"One of: {', '.join(CATALOG_KINDS)}. Omit for all kinds."
        ),
    ] = None,
    record_id: Annotated[
        str | None,
        typer.Argument(
            metavar="ID",
            help="One record of KIND (an id or alias): every field, as YAML to copy and edit.",
        ),
    ] = None,
    brief: Annotated[
        bool,
        typer.Option("--brief", help="With KIND: one line per record, its id and name."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List catalog records with their sources; with an ID, show one record in full."""
    if brief and (not kind or record_id is not None):
        raise InputError(
            "lists a kind's records; allowed: with KIND alone (`gigawatt catalog KIND --brief`)",
            field="brief",
        )
    listing = api.catalog(kind, record_id, catalog=_catalog(ctx))
    if as_json:
        emit_json(listing.to_json())
        return
    if brief:  # the ids to pick from, without the sources
        records = listing.records[kind]
        console.print(bold_name(kind, counted(len(records), "record")))
        for rec in records:
            console.print(Text(f"{rec.id}: {rec.name or ''}".rstrip(": ")))
        console.print(f"`gigawatt catalog {kind} ID` shows one with its sources.")
        return
    if record_id is not None:
        _record_yaml(listing.records[listing.kinds[0]][0])
        return
    if not kind:
        table = Table(title="Catalog kinds", title_justify="left")
        table.add_column("Kind")
        table.add_column("Records", justify="right")
        for k in listing.kinds:
            table.add_row(k, str(len(listing.records[k])))
        console.print(table)
        console.print(
            "`gigawatt catalog KIND` lists a kind's records with their sources (`--brief`: "
            "ids and names only); "
            "`gigawatt catalog KIND ID` shows one in full."
        )
        return
    records = listing.records[kind]
    console.print(bold_name(kind, counted(len(records), "record")))
    for rec in records:
        console.print(_record_text(rec, console.width), soft_wrap=True, markup=False)


def _record_yaml(rec: Any) -> None:
    """One record in full, as YAML: a file of it is what `perf --model/--system FILE` reads,
    and what a `--catalog` folder holds (in a list, under a new id)."""
    import yaml  # deferred: `--help` stays fast

    data = rec.model_dump(mode="json")
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)
    sys.stdout.write(plain_text(text))


def _record_text(rec: Any, width: int) -> str:
    """A record as a few lines: its id and name, then status, as-of date and source wrapped
    between words (a URL longer than the line stays whole, on a line of its own)."""

    def wrapped(label: str, text: str) -> str:
        return textwrap.fill(
            text,
            width,
            initial_indent=f"  {label}: ",
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )

    head = textwrap.fill(
        f"{rec.id}: {rec.name}" if rec.name else rec.id,
        width,
        subsequent_indent="    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    detail = f"{rec.status_detail()}, as of {rec.as_of}"
    lines = [head, wrapped("status", detail), wrapped("source", rec.source)]
    dies = getattr(rec, "compute_dies", None)
    if dies is not None and dies > 1:  # an accelerator counted in packages (DESIGN.md 4)
        lines.append(wrapped("package", f"{dies} reticle-sized compute dies"))
    for precision, how in (getattr(rec, "peak_estimates", None) or {}).items():
        lines.append(wrapped(f"{precision} peak", f"an estimate, {how}"))
    if hasattr(rec, "effective") and hasattr(rec, "metric"):  # a threshold: law today, apart
        import datetime as dt  # from the record's provenance `status`

        from gigawatt.policy import law_status  # deferred: `--help` stays fast

        today = dt.date.today()
        lines.append(
            wrapped(
                "law",
                f"{law_status(rec, today)}, on {today}; threshold: {rec.metric} > {rec.value:g}",
            )
        )
    price = getattr(rec, "price", None)
    if price is not None and hasattr(price, "per"):  # a system's one price (docs/models/money.md)
        from gigawatt.distributions import point  # deferred: `--help` stays fast

        network = f" + {price.network_share:.0%} network share" if price.network_share else ""
        lines.append(
            wrapped(
                "price",
                f"USD {point(price.usd):,.0f} per {price.per}{network} ({price.status}, "
                f"{price.as_of}; --json has its source)",
            )
        )
    return "\n".join(lines)


@app.command()
def scenarios(as_json: JsonOpt = False) -> None:
    """List the built-in scenarios."""
    listing = api.scenarios()
    if as_json:
        emit_json(listing.to_json())
        return
    table = Table(title="Built-in scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("title", overflow="fold")
    for s in listing.scenarios:
        table.add_row(s.name + (" (default)" if s.default else ""), s.title)
    console.print(table)
    console.print("`gigawatt show NAME` prints one to copy and edit.")


@app.command()
def show(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Built-in scenario name or a scenario file.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Print a scenario file (to copy and edit)."""
    shown = api.show(name)
    if as_json:
        emit_json(shown.to_json())
        return
    text = shown.yaml
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- finance ----------------------------------------------------------------------------------


def _bought(t: dict[str, Any]) -> str:
    """What a released tranche bought, for display."""
    if t["stake_share"] is not None:
        return f"{t['stake_share']:.2%} at USD {t['valuation_usd'] / BILLION:,.0f}B"
    if t["shares"] is not None:
        value = "" if t["value_usd"] is None else f", worth USD {t['value_usd'] / BILLION:,.2f}B"
        return f"{t['shares'] / MILLION:,.2f}M shares{value}"
    return ""


#: The yearly tables of `gigawatt finance`.
FINANCE_TABLES: list[tuple[str, list[Column]]] = [
    (
        "Costs by year (USD B at the catalog's quoted prices: not escalated for inflation, "
        "not discounted)",
        [
            _YEAR,
            Column("capex_usd", "Capex", scale=BILLION, digits=1),
            Column("capex_systems_usd", "Systems", scale=BILLION, digits=1),
            Column("opex_usd", "Opex", scale=BILLION, digits=1),
            Column("opex_energy_usd", "Energy", scale=BILLION, digits=1),
            Column("depreciation_usd", "Depreciation", scale=BILLION, digits=1),
            Column("cumulative_capex_usd", "Capex (cum.)", scale=BILLION, digits=1),
        ],
    ),
    (
        "Deals by year (USD B unless a share or a count; released in the year, the rest as "
        "of December; Released: deal money of every kind (a warrant vests shares, not cash, "
        "and adds nothing: its own columns), of which Purchases: the buyer's "
        "purchase commitments or leases paid to the vendor, not investment; Circular: sum of "
        "min(I, P) / sum of I; Vendor-funded: sum of C / sum of P, above 1 while the "
        "investment runs ahead of the purchases; all cumulative)",
        [
            _YEAR,
            Column("tranches_released_usd", "Released", scale=BILLION, digits=1),
            Column("tranches_released_purchases_usd", "Purchases", scale=BILLION, digits=1),
            Column("cumulative_invested_usd", "Invested", scale=BILLION, digits=1),
            Column("invested_cap_usd", "Cap", scale=BILLION),
            Column("circular_share", "Circular", digits=2),
            Column("vendor_funded_share", "Vendor-funded", digits=2),
            Column("warrant_shares_vested", "Warrants vested", "M shares", MILLION, 1),
            Column("warrant_value_usd", "Warrant value", scale=BILLION, digits=1),
        ],
    ),
]


#: The ownership tables of `gigawatt finance`.
STAKE_COLUMNS = [
    Column("holder", "Holder", style=_TEXT),
    Column("company", "Company", style=_TEXT),
    Column("stake_share", "Stake, diluted", digits=2, format=lambda v: f"{v:.2%}"),
    Column("undiluted_stake_share", "Undiluted", format=lambda v: f"{v:.2%}"),
]
WARRANT_COLUMNS = [
    Column("deal", "Deal", style=_TEXT),
    Column("company", "Shares of", style=_TEXT),
    Column("shares_vested", "Vested", "M", MILLION, 1),
    Column("shares_max", "Of up to", "M", MILLION, 1),
    Column("shares_outstanding", "Outstanding", "M", MILLION),
    Column("stake_share_vested", "Stake", style="share"),
    Column("stake_share_max", "At most", style="share"),
]
FLOW_COLUMNS = [
    Column("payer", "From", style=_TEXT),
    Column("payee", "To", style=_TEXT),
    Column("amount_usd", "USD B", scale=BILLION, digits=1),
    Column("kind", "Kind", style=_TEXT),
    Column("what", "What", style=_TEXT),
]
WORLD_COLUMNS = [
    _YEAR,
    Column("programme_flops_per_s", "Programme", "EFLOP/s", FLOPS_PER_EFLOP),
    Column("world_flops_per_s", "World", "EFLOP/s", FLOPS_PER_EFLOP),
    Column(
        "world_share",
        "Share",
        format=lambda v: "" if v is None or not math.isfinite(v) else f"{v:.1%}",
    ),
    Column("hhi", "HHI", "0-10,000"),
    Column("world_hhi_lower_bound", "World HHI >=", "0-10,000", digits=1),
]


def _print_ownership(own: dict[str, Any]) -> None:
    if own["stakes"]:
        print_table("Stakes (diluted by later rounds and tranches)", STAKE_COLUMNS, own["stakes"])
    if own["warrants"]:
        print_table(
            "Warrants as shares of the company (once exercised)", WARRANT_COLUMNS, own["warrants"]
        )
    print_table("Flows between parties over the run", FLOW_COLUMNS, own["flows"])
    from gigawatt.ownership import vendor_payment_note  # deferred: `--help` stays fast

    note = vendor_payment_note(own["flows"])
    if note:
        console.print(note)
    world = own["world_compute"]
    print_table(
        "Share of the world's installed AI compute (dense BF16, as of December)",
        WORLD_COLUMNS,
        own["years"],
        first_left=False,
    )
    console.print(
        f"World: {world['installed_h100e'] / MILLION:,.1f}M H100-equivalents in "
        f"{world['as_of']}, x{world['growth_per_year']:g} a year until "
        f"{world['extrapolated_until']} and not extrapolated after ({world['installed_from']}, "
        f"{world['growth_from']}, {world['horizon_from']}; status {world['status']}). "
        "HHI of compute by owner "
        f"({', '.join(own['owners'])}) where there are several; the world's HHI is at least "
        "the programme owners' squared shares of the world."
    )


@app.command()
def finance(
    ctx: typer.Context,
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    as_json: JsonOpt = False,
) -> None:
    """Capex, opex, tranches released, stakes, warrants and the circular share, by year."""
    report = api.finance(api.ScenarioRequest(scenario=scenario), catalog=_catalog(ctx)).to_json()
    if as_json:
        emit_json(report)
        return
    console.print(bold_name(report["scenario"], f"money from {report['start']}"))
    for deal in report["deals"]:
        ts = [t for t in report["tranches"] if t["deal"] == deal["deal"]]
        specs = [
            Spec("Date", tuple(t["date"] for t in ts), justify="left"),
            Spec("Tranche", tuple(t["name"] for t in ts), text=True, justify="left"),
            Spec(
                "Instrument",
                tuple(f"{t['instrument']}, {t['payer']} to {t['payee']}" for t in ts),
                text=True,
                justify="left",
            ),
            Spec("USD B", tuple(fmt_number(t["amount_usd"], 2, BILLION) for t in ts)),
            Spec("Bought", tuple(_bought(t) for t in ts), text=True, justify="left"),
        ]
        title = f"{deal['deal']} ({deal['stage']}): tranches released"
        print_fitted(console, title, specs)
    pending = report["tranches_pending"]
    if pending:
        specs = [
            Spec("Tranche", tuple(t["name"] for t in pending), text=True, justify="left"),
            Spec("USD B", tuple(fmt_number(t["amount_usd"], 2, BILLION) for t in pending)),
            Spec("Why", tuple(t["reason"] for t in pending), text=True, justify="left"),
        ]
        print_fitted(console, "Not released", specs)
    for title, columns in FINANCE_TABLES:
        print_table(title, columns, report["years"], first_left=False)
    _print_ownership(report["ownership"])
    before = report["capex_before_start_usd"] / BILLION
    console.print(
        f"Capex USD {report['capex_usd'] / BILLION:,.1f}B ({before:,.1f}B before the scenario "
        f"starts); energy from {report['energy_source']}; share prices on their "
        f"{report['price_path']} path. Per investor, cumulative: I = cash invested (equity "
        "and cash tranches); C = I + vested warrants' intrinsic value at vesting; P = systems "
        "capex paid for its own hardware. Circular = sum of min(I, P) / sum of I: whether "
        "purchases have caught up with the cash, not that the cash paid for them; "
        "vendor-funded = sum of C / sum of P, over investors whose hardware is bought. "
        "Facility, power, energy and other vendors' hardware are not counted."
    )
    for caveat in report["caveats"]:
        console.print(Text("Caveat: ", style="bold yellow") + Text(caveat))


# --- capability -------------------------------------------------------------------------------

FRONTIER_RUN_COLUMNS = [
    Column("name", "Run", style=_TEXT),
    Column("start", "Start", style=_TEXT),
    Column("site", "Site", style=_TEXT),
    Column("accelerators", "Accel."),
    Column("training_flop", "FLOP", style="sci"),
    Column("cost_usd", "Own USD B", scale=BILLION, digits=2),
]
CROSSING_COLUMNS = [
    Column("who", "Run or site", style=_TEXT),
    Column("id", "Threshold", style=_TEXT),
    Column("date", "Crossed", style=_TEXT),
    Column("in_force", "", format=lambda v: "" if v else "*"),
    Column("notification_deadline", "Notify by", style=_TEXT),
]


def _frontier_cost_text(runs: list[dict[str, Any]]) -> str:
    """What the frontier runs' two costs are: the owner's cost of the accelerator-hours (the
    first run's rate, as `cost_detail` gives it) and what renting them would cost."""
    detail = next(r["cost_detail"] for r in runs if r["cost_detail"])
    return (
        f"Own USD B: the owner's cost of the run's accelerator-hours, not a price paid "
        f"(first run: {detail}); at market rental: the same hours at the catalog's market "
        "rental rate for the accelerator at the start month (the basis of compute-cost tests, "
        "such as New York RAISE's as passed in 2025, repealed before effect). Neither includes "
        "research, staff, data or earlier runs."
    )


def _site_crossing_texts(site_thresholds: list[dict[str, Any]]) -> list[str]:
    """What crossing each site-level threshold in force brings (its catalog
    `notification_trigger`), once per threshold: a crossing is not by itself a duty (EO 14318's
    is a permitting benefit)."""
    seen: dict[str, str] = {}
    for t in site_thresholds:
        if t["month"] is not None and t["in_force"] and t["note"]:
            seen.setdefault(t["id"], " ".join(t["note"].split()))
    return [f"{tid} (site, in force): {note}" for tid, note in seen.items()]


@app.command()
def capability(
    ctx: typer.Context,
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    as_json: JsonOpt = False,
) -> None:
    """The largest training run by year, the scenario's frontier runs and the thresholds crossed."""
    result = api.capability(api.ScenarioRequest(scenario=scenario), catalog=_catalog(ctx))
    report = result.to_json()
    if as_json:
        emit_json(report)
        return
    sc = result.scenario
    ref = report["reference"]
    console.print(bold_name(sc.name, sc.title))
    print_table(*summary_table("Capability"), report["years"])
    if (band := largest_run_band_text(report["years"], _catalog(ctx))) is not None:
        console.print(band)
    for line in _summary_bases(report["years"]):
        console.print(line)
    print_table(
        "Frontier runs (the scenario's, from their start month)",
        FRONTIER_RUN_COLUMNS,
        report["frontier_runs"],
    )
    if any(run["cost_usd"] is not None for run in report["frontier_runs"]):
        console.print(_frontier_cost_text(report["frontier_runs"]))
    for run in report["frontier_runs"]:
        # The table's FLOP and cost are over the run's own duration and precision, which can
        # differ from the yearly table's reference run: say so beside it.
        basis = f"{run['precision']}, {counted(run['duration_days'], 'day', fmt='g')}"
        if run["cost_usd_market"] is not None:
            basis += f", USD {run['cost_usd_market'] / BILLION:,.2f}B at market rental"
            if run.get("market_rate_caveat"):  # --json's caveat, in short (it names each rate)
                basis += (
                    f" (rate held flat: {run['market_rate_month']} is outside the months of "
                    "rental records it rests on; `market_rate_caveat` in --json)"
                )
        note = f"{basis}; {run['note']}" if run["note"] else basis
        if run["validation"]:  # how far to trust its compute (the plan's validation class)
            band = run["training_flop_band"]
            flop = f"compute band {fmt_sci(band[0])}-{fmt_sci(band[1])} FLOP" if band else None
            note = f"{note}. {validation_text(run['validation'], flop)}"
        if capacity := run.get("capacity_charge_caveat"):  # as --json says, beside its cost
            note = f"{note.rstrip('.')}. Capacity charge in its energy: {capacity}"
        console.print(Text(f"{run['name']}: ", style="bold") + Text(note))
    banded = [r["system"] for r in report["frontier_runs"] if r["training_flop_band"]]
    if banded:
        console.print(_band_held_text(banded, _catalog(ctx)).replace("The band", "A run's band"))
    print_table(
        "Thresholds crossed, in date order (* not in force then)",
        CROSSING_COLUMNS,
        report["crossings"],
    )
    for line in _site_crossing_texts(report["site_thresholds"]):
        console.print(line)
    notified = {c["id"] for c in report["crossings"] if c["notification_deadline"]}
    for t in _catalog(ctx).thresholds():
        if t.id in notified and t.notification_trigger:
            console.print(
                f"Notify by ({t.id}, {t.notification_days} days from the run's start): "
                f"{' '.join(t.notification_trigger.split())}"
            )
    mfu = "perf search" if ref["mfu_fixed"] is None else f"fixed {ref['mfu_fixed']:g}"
    last = report["years"][-1]
    if last["largest_run_ceiling_flop"] > 0:
        console.print(
            f"{last['month']}: the largest run ({last['largest_run_accelerators']:,} "
            f"accelerators, goodput {last['largest_run_goodput']:.2f}, a checkpoint every "
            f"{last['largest_run_checkpoint_interval_s']:,.0f} s of compute, Daly's optimum) "
            f"stops where the marginal "
            f"accelerators add under {ref['marginal_threshold']:.0%} of the average's useful "
            f"time; the ceiling, {last['largest_run_ceiling_accelerators']:,.0f} accelerators "
            f"at goodput {last['largest_run_ceiling_goodput']:.2f}, computes "
            f"{fmt_sci(last['largest_run_ceiling_flop'])} FLOP."
        )
    if (batch := _batch_text(report.get("operating_point"), ref, _catalog(ctx))) is not None:
        console.print(batch)
    compared = _catalog(ctx).get("frontier-runs", ref["comparison_run"])
    flop_status = compared.field_statuses().get("training_flop", compared.status)
    console.print(
        f"Largest run: {ref['model']} in {ref['precision']}, MFU from {mfu}, "
        f"{ref['duration_days']:g} days, fault tolerance {ref['fault_tolerance']}; x ref: "
        f"times {ref['comparison_run']} ({fmt_sci(ref['comparison_flop'])} FLOP, status "
        f"{flop_status}: `gigawatt catalog frontier-runs` gives its source); cross-site from "
        f"{ref['cross_site_from'] or 'never'}. Params/tokens: Chinchilla-optimal unless a run "
        "names its model."
    )
    for caveat in report["caveats"]:
        console.print(Text("Caveat: ", style="bold yellow") + Text(caveat))


# --- report -------------------------------------------------------------------------------------


@app.command()
def report(
    ctx: typer.Context,
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML file to write [default: gigawatt-out/report-NAME.html]."),
    ] = None,
    sweep: Annotated[
        Path | None,
        typer.Option(
            "--sweep", help="Sweep store: adds P10/P50/P90 bands of this scenario's latest sweep."
        ),
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Folder to write each chart to as a PNG.")
    ] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare",
            metavar="<str>",
            help="Another scenario to put side by side with SCENARIO in one report "
            "(repeatable) [default path: gigawatt-out/compare-A-B.html].",
        ),
    ] = None,
    sensitivity: SensitivityOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Write a self-contained HTML report of a scenario (works offline); PNGs with --png;
    with --compare, one side-by-side report of several scenarios."""
    request = api.ReportRequest(
        scenario=scenario,
        out=out,
        sweep=sweep,
        png=png,
        compare=compare or [],
        sensitivity=sensitivity,
    )
    files = api.report(request, catalog=_catalog(ctx))
    if as_json:
        emit_json(files.to_json())
        return
    console.print(f"Report written to {files.report} (sections: {', '.join(files.sections)})")
    if files.png:
        console.print(f"{len(files.png)} charts written as PNG to {png}/")


# --- sweep ------------------------------------------------------------------------------------

#: Headline outputs `gigawatt sweep` prints (a year's key, its P50 above its P10-P90); any key a
#: model adds is in `--json` without being listed here.
SWEEP_COLUMNS: list[Column] = [
    Column("facility_power_gw", "Facility GW", digits=2),
    Column("accelerators", "Accelerators M", scale=MILLION, digits=2),
    Column("energy_twh", "Energy in year", "TWh", digits=1),
    Column("cumulative_capex_usd", "Capex USD B (cum.)", scale=BILLION),
    Column("cumulative_invested_usd", "Invested USD B", scale=BILLION),
    Column("largest_run_flop", "Largest run e27 FLOP", scale=1e27, digits=1),
]


def _band_cell(row: dict[str, Any], col: Column) -> Text:
    p10, p50, p90 = (row.get(f"{col.key}_{q}") for q in ("p10", "p50", "p90"))
    if p50 is None:
        return Text("")
    fmt = [fmt_number(v, col.digits, col.scale) for v in (p50, p10, p90)]
    return Text.assemble(f"{fmt[0]}\n", (f"{fmt[1]}–{fmt[2]}", "dim"))


@app.command()
def sweep(
    ctx: typer.Context,
    scenario: ScenarioArg,
    samples: Annotated[int, typer.Option("--samples", help="Monte Carlo samples (0..N-1).")],
    seed: SeedOpt = None,
    scheduler: SchedulerOpt = None,
    store: Annotated[
        Path, typer.Option("--store", help="DuckDB file the samples are stored in.")
    ] = DEFAULT_STORE,
    workers: WorkersOpt = 1,
    as_json: JsonOpt = False,
) -> None:
    """P10/P50/P90 of every yearly output over the scenario's uncertain inputs (resumable)."""
    request = api.SweepRequest(
        scenario=scenario,
        samples=samples,
        seed=seed,
        scheduler=scheduler,
        store=store,
        workers=workers,
    )
    result = resumable(
        "sweep",
        store,
        "samples",
        lambda progress: api.sweep(request, catalog=_catalog(ctx), progress=progress),
        quiet=as_json,
    )
    data = result.to_json()
    if result.failed:
        err_console.print(
            f"warning: {result.failed} of {counted(result.samples, 'sample')} failed (left out "
            "of the bands; "
            f"retried on a rerun); the first: {result.first_error}"
        )
    if as_json:
        emit_json(data)
        return
    years = data["years"]
    columns = [c for c in SWEEP_COLUMNS if any(y.get(f"{c.key}_p50") is not None for y in years)]
    specs = [
        Spec("Year", tuple(str(y["year"]) for y in years)),
        *(Spec(col.heading(), tuple(_band_cell(y, col) for y in years)) for col in columns),
    ]
    over = counted(result.completed, "sample")
    title = f"{result.scenario}: P50 and P10-P90 over {over} (as of December)"
    print_fitted(console, title, specs)
    from gigawatt.sweep.result import few_samples  # deferred: `--help` stays fast

    inputs = result.uncertain_inputs
    if not inputs:  # every sample is the plain run: no band to read, however many samples
        console.print(
            "The scenario has no uncertain inputs (no field written as a distribution): every "
            "sample is the plain run and every band has zero width. A sweep varies only the "
            "fields a scenario writes as distributions (docs/scenarios.md)."
        )
    elif few_samples(result.completed):
        console.print(
            f"With {over} each P10 and P90 lies between the two lowest or the two highest "
            "draws: read the bands as the spread of a few draws, not as percentiles; run more "
            "--samples."
        )
    if result.completed and inputs:  # how far the bands' ends can be trusted
        console.print(result.confidence.text())
    console.print(
        f"Sweep {result.sweep_id[:12]} (seed {result.seed}): "
        f"{counted(result.computed, 'sample')} computed now, {result.completed:,} of "
        f"{result.samples:,} stored in {result.store}. "
        f"{counted(len(inputs), 'uncertain input')}"
        + (f" ({', '.join(inputs[:3])}{', ...' if len(inputs) > 3 else ''})" if inputs else "")
        + "; --json gives every output and input."
    )
    for name, members in result.shared_groups.items():
        console.print(
            f"Shared group {name}: {counted(len(members), 'input')} drawn together, each at the "
            f"same quantile of its own distribution ({', '.join(members[:3])}"
            f"{', ...' if len(members) > 3 else ''})."
        )
    from gigawatt.sweep.samples import HELD_FIXED, P50_NOT_THE_RUN

    console.print(
        "Bands are per column and per year: a P10 row is not one sample's path. "
        f"{P50_NOT_THE_RUN} Held fixed in "
        f"every sample: {'; '.join(HELD_FIXED)}. Largest run: the largest training run started "
        "in December (catalog reference workload and duration, `gigawatt capability`)."
    )
