"""The `gigawatt` command line (DESIGN.md section 7): thin, one library call per command.

Every command takes `--json` and then prints exactly one JSON object on stdout. Bad input is a
message on stderr and exit code 2; any other failure exits 1; never a traceback (set
GIGAWATT_DEBUG=1 to see one).
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import KINDS
from gigawatt.errors import GigawattError, InputError
from gigawatt.perf import estimate as perf_estimate
from gigawatt.perf import search as perf_search
from gigawatt.perf.plan import parse_plan, with_precision
from gigawatt.scenario import builtin_scenarios, scenario_path
from gigawatt.simulate import run_scenario

DEFAULT_SCENARIO = "nvidia-openai-10gw"

app = typer.Typer(
    name="gigawatt",
    help="Plan, simulate and audit gigawatt-scale AI training infrastructure.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
console = Console(highlight=False, soft_wrap=False)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


# --- shared helpers ---------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """JSON-safe: non-finite floats become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(_clean(obj), default=str) + "\n")


def _catalog(ctx: typer.Context) -> Catalog:
    dirs = (ctx.obj or {}).get("catalog_dirs", ())
    return Catalog.load(dirs)


def _si(value: float, unit: str = "", digits: int = 3) -> str:
    """Human-readable engineering notation for display only."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}".strip()
    prefixes = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
    for scale, p in prefixes:
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {p}{unit}".strip()
    return f"{value:.{digits}g} {unit}".strip()


@app.callback()
def _global(
    ctx: typer.Context,
    catalog: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalog",
            help="Folder of extra catalog YAML files (override shipped records by id). Repeatable.",
        ),
    ] = None,
) -> None:
    ctx.obj = {"catalog_dirs": tuple(str(p) for p in (catalog or []))}


# --- run --------------------------------------------------------------------------------------


def _dig(row: dict[str, Any], key: str) -> Any:
    """`a.b` looks up row["a"]["b"]; missing keys give None."""
    value: Any = row
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _fixed(digits: int, scale: float = 1.0) -> Any:
    return lambda v: "" if v is None else f"{v / scale:,.{digits}f}"


#: The yearly tables `gigawatt run` prints: (title, [(header, key in a year, format)]).
#: A model that adds keys to the years adds its table here.
SUMMARY_TABLES: list[tuple[str, list[tuple[str, str, Any]]]] = [
    (
        "Build-out (as of December)",
        [
            ("Year", "year", str),
            ("Facility GW", "facility_power_gw", _fixed(2)),
            ("IT GW", "it_power_gw", _fixed(2)),
            ("Accelerators", "accelerators", _fixed(0)),
            ("BF16 EFLOP/s", "peak_flops_per_s.bf16", _fixed(0, 1e18)),
            ("FP8 EFLOP/s", "peak_flops_per_s.fp8", _fixed(0, 1e18)),
            ("FP4 EFLOP/s", "peak_flops_per_s.fp4", _fixed(0, 1e18)),
        ],
    ),
]


@app.command()
def run(
    ctx: typer.Context,
    scenario: Annotated[
        str, typer.Argument(help="Scenario file, or a built-in name (see `gigawatt scenarios`).")
    ] = DEFAULT_SCENARIO,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for results.parquet, summary.json, report.html.")
    ] = Path("gigawatt-out"),
    as_json: JsonOpt = False,
) -> None:
    """Simulate the whole programme; print a yearly summary and write the results."""
    results = run_scenario(scenario, _catalog(ctx), out_dir=out)
    years = results.years()
    if as_json:
        emit_json({"scenario": results.scenario.name, "years": years})
        return
    sc = results.scenario
    console.print(f"[bold]{sc.name}[/bold]: {sc.title}" if sc.title else f"[bold]{sc.name}[/bold]")
    for title, columns in SUMMARY_TABLES:
        if not any(_dig(years[0], key) is not None for _, key, _ in columns[1:]):
            continue  # that model did not run
        table = Table(title=title, title_justify="left")
        for header, _, _ in columns:
            table.add_column(header, justify="right")
        for y in years:
            table.add_row(*(fmt(_dig(y, key)) for _, key, fmt in columns))
        console.print(table)
    console.print(
        f"As of each December (or the last month). Phases add power at the "
        f"{'grid connection' if sc.power_basis == 'facility' else 'racks (IT)'}; peak FLOP/s are "
        f"dense. Results written to {out}/"
    )


# --- catalog, scenarios, show -----------------------------------------------------------------


@app.command("catalog")
def catalog_cmd(
    ctx: typer.Context,
    kind: Annotated[
        str | None, typer.Argument(help=f"One of: {', '.join(KINDS)}. Omit for all kinds.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List catalog records with their sources."""
    cat = _catalog(ctx)
    kinds = [kind] if kind else list(KINDS)
    if kind and kind not in KINDS:
        cat.all(kind)  # raises the did-you-mean error
    if as_json:
        records = []
        for k in kinds:
            for rec in cat.all(k):
                records.append({"id": rec.id, "kind": k, **rec.model_dump(mode="json")})
        emit_json({"records": records})
        return
    if not kind:
        table = Table(title="Catalog kinds", title_justify="left")
        table.add_column("Kind")
        table.add_column("Records", justify="right")
        for k in kinds:
            table.add_row(k, str(len(cat.all(k))))
        console.print(table)
        console.print("`gigawatt catalog KIND` lists a kind's records with their sources.")
        return
    table = Table(title=kind, title_justify="left", show_lines=False)
    for col in ("id", "name", "status", "as of", "source"):
        table.add_column(col, overflow="fold")
    for rec in cat.all(kind):
        table.add_row(rec.id, rec.name or "", rec.status, str(rec.as_of), rec.source)
    console.print(table)


@app.command()
def scenarios(as_json: JsonOpt = False) -> None:
    """List the built-in scenarios."""
    rows = []
    for name, path in builtin_scenarios().items():
        first = path.read_text(encoding="utf-8")
        title = next(
            (ln.split(":", 1)[1].strip() for ln in first.splitlines() if ln.startswith("title:")),
            "",
        )
        rows.append(
            {"name": name, "title": title.strip("\"'"), "default": name == DEFAULT_SCENARIO}
        )
    if as_json:
        emit_json({"scenarios": rows})
        return
    table = Table(title="Built-in scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("title", overflow="fold")
    for r in rows:
        table.add_row(r["name"] + (" (default)" if r["default"] else ""), r["title"])
    console.print(table)
    console.print("`gigawatt show NAME` prints one to copy and edit.")


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="Built-in scenario name or a scenario file.")],
    as_json: JsonOpt = False,
) -> None:
    """Print a scenario file (to copy and edit)."""
    path = scenario_path(name)
    text = path.read_text(encoding="utf-8")
    if as_json:
        emit_json({"name": path.stem, "path": str(path), "yaml": text})
        return
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- perf -------------------------------------------------------------------------------------


def _perf_tables(data: dict[str, Any]) -> None:
    plan = data["plan"]
    step = data["step_time_s"]
    console.print(
        f"[bold]{data['model']}[/bold] on {data['gpus']:,} x {data['accelerator']} "
        f"({data['system']}), sequence {data['seq_len']:,}, calibration {data['calibration']}"
    )
    console.print(
        "plan: "
        + ", ".join(f"{k}={v}" for k, v in plan.items() if k not in ("gbs",))
        + f", gbs={plan['gbs']}"
    )
    summary = Table(title_justify="left", show_header=False)
    summary.add_column("")
    summary.add_column("", justify="right")
    mem = data["memory_bytes_per_gpu"]
    rows = [
        ("Step time", f"{step:,.3f} s"),
        ("Tokens/s", f"{data['tokens_per_s']:,.0f}"),
        ("MFU (causal)", f"{data['mfu']:.1%} ({data['mfu_causal']:.1%})"),
        ("HFU", f"{data['hfu']:.1%}"),
        ("Model TFLOP/s per GPU", f"{data['tflops_per_gpu']:,.1f}"),
        (
            "Memory per GPU",
            f"{data['memory_gib_per_gpu']:,.1f} GiB of {mem['usable'] / 2**30:,.1f} usable",
        ),
        ("Fits", "yes" if data["fits"] else "NO"),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    parts = Table(title="Step time breakdown (exposed)", title_justify="left")
    parts.add_column("Part")
    parts.add_column("Seconds", justify="right")
    parts.add_column("Share", justify="right")
    for key, value in data["breakdown_s"].items():
        parts.add_row(key, f"{value:,.3f}", f"{value / step:.1%}")
    console.print(parts)


@app.command()
def perf(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", help="Model id, or a YAML file of one record.")],
    system: Annotated[
        str,
        typer.Option("--system", help="System or accelerator id, or a YAML file of one record."),
    ],
    gpus: Annotated[int, typer.Option("--gpus", min=1, help="Accelerators in the job.")],
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="KEY=V,... of tp pp vp dp cp ep mb gbs zero recompute precision sp "
            "flash_attention tp_overlap dp_overlap (with --search: the knobs to hold).",
        ),
    ] = None,
    search: Annotated[
        bool, typer.Option("--search", help="Search every valid plan; report the best.")
    ] = False,
    seq_len: Annotated[
        int | None, typer.Option("--seq-len", min=1, help="Sequence length [tokens].")
    ] = None,
    precision: Annotated[
        str | None, typer.Option("--precision", help="fp16, bf16 (default), fp8 or fp4.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Predict a training plan's step time, memory and MFU, or search for the best plan."""
    knobs = with_precision(parse_plan(plan), precision)
    if search:
        found = perf_search(
            model, system, gpus, fixed=knobs, seq_len=seq_len, catalog=_catalog(ctx)
        )
        data = found.to_json()
    else:
        data = {
            **perf_estimate(
                model, system, gpus, knobs, seq_len=seq_len, catalog=_catalog(ctx)
            ).to_json(),
            "plans_evaluated": None,
            "plans_fitting": None,
            "top": None,
        }
    if as_json:
        emit_json(data)
        return
    _perf_tables(data)
    if search:
        console.print(
            f"Searched {data['plans_evaluated']:,} valid plans; {data['plans_fitting']:,} fit "
            "in memory." + ("" if data["fits"] else " None fits: the plan above needs least.")
        )
        top = Table(title="Best plans by tokens/s", title_justify="left")
        for col in ("tp", "pp", "vp", "dp", "cp", "ep", "mb", "zero", "recompute"):
            top.add_column(col, justify="right")
        top.add_column("step s", justify="right")
        top.add_column("MFU", justify="right")
        top.add_column("GiB", justify="right")
        for row in data["top"]:
            top.add_row(
                *(str(row[c]) for c in ("tp", "pp", "vp", "dp", "cp", "ep", "mb", "zero")),
                row["recompute"],
                f"{row['step_time_s']:,.3f}",
                f"{row['mfu']:.1%}",
                f"{row['memory_gib_per_gpu']:,.1f}",
            )
        if data["top"]:
            console.print(top)


# --- entry point ------------------------------------------------------------------------------


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: maps errors to exit codes without tracebacks.

    Typer handles usage errors itself (exit 2); the library's exceptions arrive here.
    """
    debug = bool(os.environ.get("GIGAWATT_DEBUG"))
    try:
        app(args=argv, prog_name="gigawatt")
    except InputError as e:
        if debug:
            raise
        _fail(str(e), 2)
    except (GigawattError, OSError) as e:
        if debug:
            raise
        _fail(str(e), 1)
    except Exception as e:  # a bug: still no traceback unless asked for
        if debug:
            raise
        _fail(f"internal error ({type(e).__name__}): {e}; rerun with GIGAWATT_DEBUG=1", 1)
