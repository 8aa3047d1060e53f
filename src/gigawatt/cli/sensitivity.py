"""`gigawatt sensitivity`: which uncertain input moves each headline output."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
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
)
from gigawatt.cli.progress import resumable
from gigawatt.defaults import DEFAULT_SOBOL_BASE, DEFAULT_STORE
from gigawatt.display import counted

if TYPE_CHECKING:
    from gigawatt.sweep.sensitivity import OutputSensitivity, SensitivityResult

#: Inputs shown per output unless `--top` says otherwise (`--json` has them all).
DEFAULT_TOP = 5


def _index(value: float | None, conf: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    half = "" if conf is None or not math.isfinite(conf) else f"±{conf:.2f}"
    return f"{value:.2f}{half}"


def _short(value: float) -> str:
    """An input value in at most 8 characters: 4 significant digits (`8.4e11`, `1.15`)."""
    return f"{value:.4g}".replace("e+", "e")


def _as_used(value: float, whole_number: bool) -> str:
    """A quantile as the runs use it: a whole-number input (months) is rounded, its quantile
    shown after it."""
    if not whole_number or round(value) == value:
        return _short(value)
    return f"{round(value)} ({_short(value)})"


def _title(out: OutputSensitivity) -> Text:
    from gigawatt.sweep.headline import headline_column

    col = headline_column(out.key)
    unit = f" [{col.unit}]" if col.unit else ""
    base = col.cell({out.key: out.base}) if out.base is not None else ""
    return bold_name(f"{col.header}{unit}", f"{base} at point values" if base else None)


def _movers(out: OutputSensitivity) -> list[str]:
    """The inputs that move the output, ranked: those with a tornado swing above rounding error
    (`sensitivity.moves`) or a total Sobol index (or its interval) other than zero."""
    from gigawatt.sweep.sensitivity import moves

    swing = {b.input: b.swing for b in out.tornado if moves(out.key, b)}
    s = out.sobol
    return [
        name
        for name in out.ranking()
        if swing.get(name, 0.0) > 0
        or (s is not None and (s.total[name] != 0 or s.total_conf[name] != 0))
    ]


def _output_table(out: OutputSensitivity, names: list[str]) -> Table:
    """One output's inputs, ranked: the output with the input at its P10 and at its P90, the
    first-order and the total index. With both methods, each pair is a two-line cell, so that
    the longest input path still fits 80 columns."""
    from gigawatt.sweep.headline import headline_column
    from gigawatt.sweep.sensitivity import TORNADO_LEVELS

    col = headline_column(out.key)
    low, high = (round(q * 100) for q in TORNADO_LEVELS)
    tornado = {b.input: b for b in out.tornado}
    pairs: list[tuple[str, str]] = []
    if tornado:
        pairs.append((f"at P{low}", f"at P{high}"))
    if out.sobol is not None:
        pairs.append(("S1", "ST"))
    stacked = len(pairs) > 1
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Input", no_wrap=True)
    headers = [f"{a}\n{b}" for a, b in pairs] if stacked else [h for p in pairs for h in p]
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True)
    for name in names:
        values: list[tuple[str, str]] = []
        if tornado:
            bar = tornado[name]
            values.append(
                (col.cell({out.key: bar.output_low}), col.cell({out.key: bar.output_high}))
            )
        if out.sobol is not None:
            s = out.sobol
            values.append(
                (
                    _index(s.first[name], s.first_conf[name]),
                    _index(s.total[name], s.total_conf[name]),
                )
            )
        cells = [f"{a}\n{b}" for a, b in values] if stacked else [v for p in values for v in p]
        table.add_row((name), *cells)
    return table


def render(result: SensitivityResult, top: int, out: Console = console) -> None:
    """The human-readable report: the inputs, then each output's ranking."""
    from gigawatt.sweep.headline import headline_column
    from gigawatt.sweep.samples import HELD_FIXED_SENSITIVITY
    from gigawatt.sweep.sensitivity import CONSTANT_NOTE, TORNADO_LEVELS

    low, high = (round(q * 100) for q in TORNADO_LEVELS)
    runs = " and ".join(counted(n, f"{name} run") for name, n in result.samples.items())
    out.print(bold_name(result.scenario, f"which uncertain input moves each output ({runs})"))
    inputs = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    inputs.add_column("Uncertain input", no_wrap=True)
    for name in (f"P{low}", "Point", f"P{high}"):
        inputs.add_column(name, justify="right", no_wrap=True)
    for i in result.inputs:
        ends = (_as_used(i["p10"], i["whole_number"]), _as_used(i["p90"], i["whole_number"]))
        inputs.add_row((i["path"]), ends[0], _short(i["point"]), ends[1])
    out.print(inputs)
    for name, members in result.shared_groups.items():
        out.print(
            f"Shared group {name} ({', '.join(members)}): these move together, one input of "
            f"the ranking named {name} (each member at its own P{low} and P{high} in the "
            "tornado; Sobol indices of the group)."
        )
    still, constant = [], []
    for o in result.outputs:
        movers = _movers(o)
        if not movers:
            constant_too = o.key in (result.constant_outputs() or [])
            (constant if constant_too else still).append(headline_column(o.key).header)
            continue
        out.print(_title(o))
        out.print(_output_table(o, movers[:top]))
        notes = []
        if len(movers) > top:
            notes.append(f"{len(movers) - top} more inputs")
        if o.sobol is None and o.sobol_note and result.sobol_base is not None:
            notes.append(f"no Sobol indices: {o.sobol_note}")
        if notes:
            out.print("; ".join(notes))
        out.print()
    if still:
        out.print(f"No input moves: {', '.join(still)}.")
    if constant:
        out.print(f"{CONSTANT_NOTE.capitalize()} (no Sobol indices): {', '.join(constant)}.")
    if _indices_out_of_range(result):
        out.print(
            f"Note: some Sobol indices fall outside [0, 1] (or S1 above ST) by more than "
            f"their sampling error allows at N = {result.sobol_base}: the estimates are noise "
            "at this N; rerun with a larger --samples (the default is "
            f"{DEFAULT_SOBOL_BASE})."
        )
    conf = round(result.to_json()["conf_level"] * 100)
    out.print(
        f"Ranked by the total Sobol index ST where computed, else by the swing between the "
        f"output with the input at its P{low} and at its P{high}, the others at their point "
        "values. S1: the share of the output's variance the input explains alone; ST: with "
        f"its interactions; ± a {conf}% confidence interval. --json has every input and output."
    )
    out.print(
        f"Not varied: {'; '.join(HELD_FIXED_SENSITIVITY)}. The ranges are quantiles of the "
        "scenario's own distributions, cited in its file (`gigawatt show NAME` prints a "
        "built-in one)."
    )


def _indices_out_of_range(result: SensitivityResult) -> bool:
    """Whether an index lies outside [0, 1], or S1 above ST, beyond its confidence interval:
    Saltelli's and Jansen's estimators are unbiased but noisy at small N (Saltelli 2010)."""
    for o in result.outputs:
        s = o.sobol
        if s is None:
            continue
        for name, st in s.total.items():
            s1 = s.first.get(name, math.nan)
            c1, ct = s.first_conf.get(name, 0.0), s.total_conf.get(name, 0.0)
            if not (math.isfinite(s1) and math.isfinite(st)):
                continue
            if s1 - c1 > 1 or st - ct > 1 or s1 + c1 < 0 or st + ct < 0 or s1 - c1 > st + ct:
                return True
    return False


@app.command()
def sensitivity(
    ctx: typer.Context,
    scenario: ScenarioArg,
    method: Annotated[str, typer.Option("--method", help="tornado, sobol or both.")] = "both",
    samples: Annotated[
        int,
        typer.Option(
            "--samples",
            help="Sobol base samples N, a power of two: N (inputs + 2) runs.",
        ),
    ] = DEFAULT_SOBOL_BASE,
    seed: SeedOpt = None,
    scheduler: SchedulerOpt = None,
    store: Annotated[
        Path, typer.Option("--store", help="DuckDB file the runs are stored in.")
    ] = DEFAULT_STORE,
    workers: WorkersOpt = 1,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Inputs shown per output (--json: all).")
    ] = DEFAULT_TOP,
    as_json: JsonOpt = False,
) -> None:
    """Which uncertain input moves each headline output: tornado and Sobol indices (resumable)."""
    given = {}  # the Sobol base when typed (its default is no request of the tornado's)
    source = ctx.get_parameter_source("samples")  # (Typer's own copy of Click's enum)
    if source is not None and source.name != "DEFAULT":
        given["samples"] = samples
    request = api.SensitivityRequest(
        scenario=scenario,
        method=method,
        seed=seed,
        scheduler=scheduler,
        store=store,
        workers=workers,
        **given,
    )
    result = resumable(
        "sensitivity",
        store,
        "runs",
        lambda progress: api.sensitivity(request, catalog=_catalog(ctx), progress=progress),
        quiet=as_json,
    )
    if as_json:
        emit_json(result.to_json())
        return
    render(result, top)
