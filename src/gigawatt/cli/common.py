"""Shared pieces of the command line: the Typer app, the console, JSON output, tables, flags.

Only the CLI knows flags. The library names a bad input by its request field (`gpu_hours`);
`FlagCommand` shows each field as the flag or argument that sets it (`--gpu-hours`), from the
command's own Typer declaration, so the mapping cannot drift from the options.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperArgument, TyperCommand, TyperOption

from gigawatt.cli.tables import Spec, print_fitted
from gigawatt.defaults import DEFAULT_SCENARIO
from gigawatt.display import Column, plain_text
from gigawatt.errors import InputError, Problem

if TYPE_CHECKING:
    from gigawatt import app as api
    from gigawatt.catalog import Catalog

#: Options of `gigawatt` itself (before the command).
GLOBAL_FLAGS: dict[str, str] = {"catalog": "--catalog"}

#: Request fields a command names differently from its own options (command -> field -> flag).
FLAG_ALIASES: dict[str, dict[str, str]] = {
    # the report reads a sweep store: the store's errors are about `--sweep`
    "report": {"store": "--sweep"},
    # `show` takes any scenario reference as NAME
    "show": {"scenario": "NAME"},
    # `catalog KIND ID`: the record's id (the library's field `id`)
    "catalog": {"id": "ID"},
}


def flag_names(command: TyperCommand) -> dict[str, str]:
    """The command's field -> flag table: each option by its first flag (`--gpu-hours`), each
    argument by its metavar (`SCENARIO`), the global options, the command's aliases."""
    names = dict(GLOBAL_FLAGS)
    for param in command.params:
        if isinstance(param, TyperOption) and param.name and param.opts:
            names[param.name] = param.opts[0]
        elif isinstance(param, TyperArgument) and param.name:
            names[param.name] = param.name.upper()
    names.update(FLAG_ALIASES.get(command.name or "", {}))
    return names


#: The exit code of a command whose reader went away (128 + SIGPIPE), as a shell reports it.
BROKEN_PIPE = 141


def pipe_closed() -> None:
    """The reader went away (`gigawatt catalog countries | head -1`): stop quietly, exit 141.

    What is still buffered goes to /dev/null, so Python's flush at exit has nothing to fail on."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(BROKEN_PIPE)


def _note_shadowed(ref: Any) -> None:
    """One line on stderr when a folder has a built-in scenario's name: the built-in is used."""
    from gigawatt.scenario import shadowed_builtin  # deferred: `--help` stays fast

    if isinstance(ref, str) and (builtin := shadowed_builtin(ref)) is not None:
        sys.stderr.write(
            f"note: using the built-in scenario {builtin.stem!r}; {plain_text(ref)!r} here is a "
            "folder, not a scenario file\n"
        )


def _given(command: TyperCommand, args: Sequence[str]) -> dict[TyperOption, list[str]]:
    """The text typed for each of the command's value options, in order: `--days 1e999`
    and `--days=1e999` alike (nothing after `--`)."""
    by_flag = {
        opt: param
        for param in command.params
        if isinstance(param, TyperOption) and param.name and not param.is_flag
        for opt in param.opts
    }
    given: dict[TyperOption, list[str]] = {}
    for i, arg in enumerate(args):
        if arg == "--":
            break
        flag, eq, value = arg.partition("=")
        if flag in by_flag and (eq or i + 1 < len(args)):
            given.setdefault(by_flag[flag], []).append(value if eq else args[i + 1])
    return given


def typed_values(command: TyperCommand, args: Sequence[str]) -> dict[str, str]:
    """The text the user typed for each of the command's value options, by field name (the
    last one given): `--days 1e999` -> {"days": "1e999"}."""
    return {str(param.name): values[-1] for param, values in _given(command, args).items()}


def _refuse_repeats(command: TyperCommand, args: Sequence[str]) -> None:
    """An option given twice with different values (`--gpus 8 ... --gpus 16`, a pasted
    command line) is bad input: Click would silently keep the last. Repeatable options
    (`--prices`, `--ticker`) are not repeats."""
    for param, values in _given(command, args).items():
        if not param.multiple and len(set(values)) > 1:
            shown = " and ".join(repr(v) for v in values)
            times = "twice" if len(values) == 2 else f"{len(values)} times"
            raise InputError(f"given {times} ({shown}); give it once", field=str(param.name))


def _number_text(text: str) -> bool:
    try:
        float(text.strip("'\""))
    except ValueError:
        return False
    return True


def _as_typed_path(message: str, given: str) -> str:
    """`message` with a leading quoted path that is `given` made absolute shown as `given`."""
    if not message.startswith("'"):
        return message
    end = message.find("' ", 1)
    shown = message[1:end] if end > 0 else ""
    if shown and shown != given and shown == os.path.abspath(given):
        return f"{given!r}{message[end + 1 :]}"
    return message


def as_typed(error: InputError, typed: Mapping[str, str]) -> InputError:
    """`error` with each refused value shown as the user typed it: `--tokens 1e999` is
    refused as `1e999`, not as the `inf` it parses to (nor `1e+40` for `1e40`), and
    `--out notes.txt` as `'notes.txt'`, not as its absolute path."""
    problems = []
    for p in error.problems:
        given = typed.get(p.field or "")
        if given is None:
            problems.append(p)
            continue
        shown, sep, rest = p.message.partition(" is not allowed")
        if sep and shown != given and _number_text(shown):
            p = replace(p, message=f"{given}{sep}{rest}")
        problems.append(replace(p, message=_as_typed_path(p.message, given)))
    return InputError(problems=problems)


def _note_borrowed_name(ref: Any) -> None:
    """One line on stderr when an edited copy of a built-in scenario still has its name."""
    from gigawatt.scenario import borrowed_builtin_name  # deferred: `--help` stays fast

    if isinstance(ref, str) and (name := borrowed_builtin_name(ref)) is not None:
        sys.stderr.write(
            f"note: {plain_text(ref)!r} differs from the built-in scenario {name!r} but has its "
            "name, so its results are labelled as that scenario's: give it a `name` (and "
            "`title`) of its own\n"
        )


#: The parameters that name scenarios (a file or a built-in name): `SCENARIO`, report's
#: `--compare`, compare's `SCENARIOS`, market's `--scenario`.
SCENARIO_PARAMS = ("scenario", "compare", "scenarios")


def _scenario_refs(command: TyperCommand, ctx: Any) -> list[tuple[str, str]]:
    """The scenarios the command line names, as typed, each with the parameter naming it
    (read without converting any option, so a refused option does not hide them); a default
    scenario is not named."""
    args = list(ctx.meta.get("gigawatt.args", ()))
    try:
        typed, _, _ = command.make_parser(ctx).parse_args(args=args)
    except Exception:  # a command line the parser refuses: it names no scenario to read
        return []
    refs: list[tuple[str, str]] = []
    for name in SCENARIO_PARAMS:
        value = typed.get(name)
        values = [value] if isinstance(value, str) else list(value or ())
        refs += [(v, name) for v in values if isinstance(v, str)]
    return refs


def scenario_file_problems(command: TyperCommand, ctx: Any) -> list[Problem]:
    """The problems of the scenario files the command line names, read on their own (with the
    `--catalog` folders), each led by its file (`bad.yaml: sites[0].pue: ...`): said beside a
    refused option, so that a bad option and a bad file are both said in one run. Empty when
    the files read, and when what stops them is not a mistake in them (the command says it
    once its options are right)."""
    refs = _scenario_refs(command, ctx)
    if not refs:
        return []
    from gigawatt.catalog import Catalog  # deferred, see `_Deferred`
    from gigawatt.scenario import load_scenarios

    try:
        catalog = Catalog.load((ctx.obj or {}).get("catalog_dirs", ()))
        load_scenarios([ref for ref, _ in refs], catalog, [name for _, name in refs])
    except InputError as e:
        return list(e.problems)
    except Exception:  # not bad input of a file: said by the command once its options are right
        return []
    return []


def _option_fields(command: TyperCommand) -> set[str]:
    """The request fields the command's own options set, but those naming scenarios."""
    names = {
        str(param.name)
        for param in command.params
        if isinstance(param, TyperOption) and param.name not in SCENARIO_PARAMS
    }
    return names | set(FLAG_ALIASES.get(command.name or "", {})) - set(SCENARIO_PARAMS)


def with_file_problems(command: TyperCommand, ctx: Any, error: InputError) -> InputError:
    """`error`, when it refuses the command's options alone, with the problems of the scenario
    files the command line names after it (`scenario_file_problems`): the files do not depend
    on the options, so their mistakes need not wait for another run."""
    fields = _option_fields(command)
    if not all(p.field in fields for p in error.problems):
        return error  # about a file, the catalog, or the scenario read: nothing to add
    extra = [p for p in scenario_file_problems(command, ctx) if p not in error.problems]
    return InputError(problems=[*error.problems, *extra]) if extra else error


class FlagCommand(TyperCommand):
    """A command whose library errors name flags instead of request fields, and show a refused
    value as the user typed it. A refused option is said with the problems of the scenario
    files given beside it (`with_file_problems`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["gigawatt.args"] = list(args)
        try:
            _refuse_repeats(self, args)
        except InputError as e:
            raise InputError(with_file_problems(self, ctx, e).render(flag_names(self))) from None
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        for param in ("scenario", "name"):
            _note_shadowed(ctx.params.get(param))
            _note_borrowed_name(ctx.params.get(param))
        try:
            return super().invoke(ctx)
        except InputError as e:
            typed = typed_values(self, ctx.meta.get("gigawatt.args", ()))
            shown = with_file_problems(self, ctx, as_typed(e, typed))
            raise InputError(shown.render(flag_names(self))) from None
        except BrokenPipeError:  # before Typer, which would exit 1
            pipe_closed()


#: Each command's line in `gigawatt --help`: whole at 80 columns (Click would cut the
#: docstring's first sentence there, with "...").
SHORT_HELP: dict[str, str] = {
    "run": "The whole programme: yearly summary, results, report.",
    "catalog": "The cited catalog: kinds, records, one record in full.",
    "scenarios": "List the built-in scenarios.",
    "show": "Print a scenario file (to copy and edit).",
    "finance": "Tranches, capex, opex, stakes, warrants, by year.",
    "capability": "The largest run by year; frontier runs; thresholds.",
    "report": "Write a scenario's self-contained HTML report.",
    "sweep": "P10/P50/P90 of every yearly output (resumable).",
    "footprint": "Energy, carbon and water of one training job.",
    "energy": "Yearly energy, carbon, water; site swings and supply.",
    "reliability": "Interruptions, checkpoints, goodput, spares of a job.",
    "perf": "A plan's step time, memory and MFU; the best plan.",
    "train": "One training run: time, cost, energy, thresholds.",
    "cache": "Show or clear the persistent cache.",
    "compare": "Scenarios side by side: inputs, then outputs.",
    "market": "Deal announcements: share moves; event studies.",
    "sensitivity": "Which uncertain input moves each headline output.",
}


class _Typer(typer.Typer):
    def command(self, name: str | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", FlagCommand)
        register = super().command

        def decorator(f: Any) -> Any:
            key = name or f.__name__.replace("_", "-")
            kwargs.setdefault("short_help", SHORT_HELP.get(key))
            return register(name, **kwargs)(f)

        return decorator


app = _Typer(
    name="gigawatt",
    help="Plan, simulate and audit gigawatt-scale AI training infrastructure.\n\n"
    f"Start with `gigawatt run` (the default scenario, {DEFAULT_SCENARIO}) or `gigawatt "
    "scenarios`; `gigawatt COMMAND --help` gives a command's options.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class SafeConsole(Console):
    """A console that prints text as written: it reads no Rich markup or emoji codes, and shows
    control characters escaped (`gigawatt.display.plain_text`), so a title like `Plan [/oops]`,
    a unit `[usd/gw]` or an ANSI escape in a catalog source prints as the user wrote it.
    Styling is explicit, with `rich.text.Text` (`bold_name`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def on_broken_pipe(self) -> None:
        self.quiet = True
        pipe_closed()  # as every other write to a closed pipe (Rich would exit 1)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs.update(markup=False, emoji=False)
        return super().render_str(plain_text(text), **kwargs)


def print_prose(text: str) -> None:
    """A paragraph wrapped at the terminal's width between words, never inside one: a URL
    longer than the line stays whole on a line of its own, so it can be copied."""
    import textwrap

    wrapped = textwrap.fill(text, console.width, break_long_words=False, break_on_hyphens=False)
    console.print(wrapped, soft_wrap=True)


def bold_name(name: str, rest: str | None = None, sep: str = ": ") -> Text:
    """`NAME: rest` (or `NAME rest` with `sep=" "`) with the name in bold, as plain text."""
    text = Text(plain_text(name), style="bold")
    if rest:
        text.append(sep + plain_text(rest))
    return text


console = SafeConsole(soft_wrap=False)
#: Notes, warnings and progress on stderr.
err_console = SafeConsole(stderr=True, soft_wrap=True)  # a message is one line

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
ScenarioArg = Annotated[
    str,
    typer.Argument(
        metavar="SCENARIO", help="Scenario file, or a built-in name (see `gigawatt scenarios`)."
    ),
]
# The options of the commands that run a scenario many times through the sweep engine.
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Seed; default: the scenario's `seed`.")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler, tcp://HOST:PORT (default: run here)."),
]
WorkersOpt = Annotated[
    int, typer.Option("--workers", help="Local processes (without --scheduler).")
]
# The options shared by the commands about one training job (perf, train, reliability,
# footprint).
ModelOpt = Annotated[str, typer.Option("--model", help="Model id, or a YAML file of one record.")]
SystemOpt = Annotated[
    str,
    typer.Option("--system", help="System or accelerator id, or a YAML file of one record."),
]
GpusOpt = Annotated[int, typer.Option("--gpus", min=1, help="Accelerators in the job.")]
SeqLenOpt = Annotated[
    int | None, typer.Option("--seq-len", min=1, help="Sequence length [tokens].")
]
PrecisionOpt = Annotated[
    str | None, typer.Option("--precision", help="fp16, bf16 (default), fp8 or fp4.")
]
FrameworkOpt = Annotated[
    str | None,
    typer.Option(
        "--framework",
        help="Framework profile (`gigawatt catalog frameworks`); default: the system's "
        "(a TPU pod: jax-xla-fsdp), else the one its accelerator's calibration was fitted "
        "with.",
    ),
]
PolicyOpt = Annotated[
    str | None,
    typer.Option(
        "--policy",
        help="Fault-tolerance policy (`gigawatt catalog fault-tolerance`); default: the "
        "catalog's `default`.",
    ),
]
RegionOpt = Annotated[
    str | None,
    typer.Option("--region", help="Grid region (`gigawatt catalog regions`); default us-average."),
]


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


class _Deferred:
    """A module imported when first used: the commands call `api.X`, and only the command
    that runs pays for importing the application (pandas, the models); `--help` does not."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


if not TYPE_CHECKING:
    api = _Deferred("gigawatt.app")


def _catalog(ctx: typer.Context) -> Catalog:
    from gigawatt.catalog import Catalog  # deferred, see `_Deferred`

    dirs = (ctx.obj or {}).get("catalog_dirs", ())
    return Catalog.load(dirs)


def print_table(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, Any]],
    *,
    first_left: bool = True,
) -> None:
    """A Rich table of `rows` under `columns`, fitted to the terminal: split in parts that repeat
    the first column rather than cut a value. Numbers are right-aligned (digits line up), text
    (names, ids, sites, dates) left-aligned, as is the first column (a label) with `first_left`."""
    specs = [
        Spec(
            col.heading(),
            tuple(col.cell(row) for row in rows),
            text=not col.numeric and i > 0,
            justify="left" if (first_left and i == 0) or not col.numeric else "right",
        )
        for i, col in enumerate(columns)
    ]
    print_fitted(console, title, specs)


def _print_version(value: bool) -> None:
    """`gigawatt --version`: the installed version (the one each run's manifest records)."""
    if value:
        from gigawatt.app import gigawatt_version

        typer.echo(f"gigawatt {gigawatt_version()}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    catalog: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalog",
            metavar="<path>",
            help="Folder of extra catalog YAML files (override shipped records by id). Repeatable.",
        ),
    ] = None,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_print_version,
            help="Print the installed version (as each run's manifest.json records it) and exit.",
        ),
    ] = False,
) -> None:
    ctx.obj = {"catalog_dirs": tuple(str(p) for p in (catalog or []))}


# --- how far to trust an estimate -------------------------------------------------------------


def _signed_pct(error: float) -> str:
    side = "model faster" if error < 0 else "model slower"
    return f"{error * 100:+.1f}% ({side})"


def validation_text(v: dict[str, Any], band: str | None = None) -> str:
    """How an estimate's class fared against published runs (a `validation` object of `perf`,
    `train` or `capability --json`; docs/models/perf.md, "How far to trust a step time"),
    ending with `band`, the quantity the band carries to (default: the step time's)."""
    cls = f"({v['calibration']}, {v['kind']})"
    if v["step_time_band_s"] is None:
        if not v["checks"]:
            return f"No validation runs of this class {cls}: an estimate."
        runs = f"{v['checks']} published run{'s' if v['checks'] != 1 else ''}"
        return (
            f"Too few validation runs of this class {cls}: {runs} checked, a band needs "
            f"{v['min_checks']}; an estimate.{_above_published(v)}{_beyond_checked(v)}"
        )
    lo, hi = v["step_time_band_s"]
    n = v["checks"]
    return (
        f"Validated on {n} published runs of this class {cls}: median |error| "
        f"{v['median_abs_error'] * 100:.1f}%, 10th and 90th percentile errors "
        f"{_signed_pct(v['error_p10'])} and {_signed_pct(v['error_p90'])} "
        f"({runs_between_percentiles(n)} of the {n} runs between them); "
        f"{band or f'step time band {lo:,.3f}-{hi:,.3f} s'}.{_one_sided(v)}"
        f"{_above_published(v)}{_beyond_checked(v)}"
    )


def _one_sided(v: Mapping[str, Any]) -> str:
    """The caveat of a band that leaves the estimate out: both percentile errors of one sign
    (empty otherwise)."""
    if v["error_p90"] < 0:
        side, faster = "below", "faster"
    elif v["error_p10"] > 0:
        side, faster = "above", "slower"
    else:
        return ""
    return (
        f" The estimate lies {side} the whole band: at both percentiles the model ran {faster} "
        "than the published runs of this class (a one-sided bias, not a spread around the "
        "estimate)."
    )


def _beyond_checked(v: Mapping[str, Any]) -> str:
    """The caveat of a job larger than every run that checked its class (empty otherwise)."""
    if not v.get("gpus_beyond_checked"):
        return ""
    times = v["gpus"] / v["checked_gpus_max"]
    return (
        f" Scale: {v['gpus']:,} accelerators, {times:,.1f} x the class's largest checked run "
        f"({v['checked_gpus_max']:,}, row {v['checked_gpus_max_row']}); the errors were "
        "measured at smaller scale, so the band does not cover what grows with the job "
        "(data-parallel and pipeline communication, stragglers)."
    )


def _above_published(v: Mapping[str, Any]) -> str:
    """The caveat of an MFU above every published run of its class at its precision's peak,
    or of a class none of whose published runs is at that peak (empty otherwise)."""
    if v.get("checks") and v.get("precision") and v.get("published_mfu_max") is None:
        return (
            f" None of the class's published runs is at the {v['precision']} peak: the "
            f"estimate carries their errors to a precision they did not measure."
        )
    if not v.get("mfu_above_published"):
        return ""
    return (
        f" Caveat: MFU {v['mfu'] * 100:.1f}% is above every published run of this class at "
        f"the {v['precision']} peak (highest {v['published_mfu_max'] * 100:.1f}%, row "
        f"{v['published_mfu_max_row']}, same FLOP convention): no measurement backs an MFU "
        "this high on this hardware (a search's best plan is often here: it is where the "
        "model's errors favour a plan most)."
    )


def runs_between_percentiles(checks: int, low: float = 0.1, high: float = 0.9) -> int:
    """How many of `checks` distinct errors lie between their `low` and `high` quantiles
    interpolated linearly (NumPy's default, as tools/perf_validation_table.py computes them):
    the sorted errors at ranks ceil(low (n - 1)) .. floor(high (n - 1)). With many checks about
    80 %; with few, far fewer (3 checks: only the middle one), so the band is no 80 % claim."""
    if checks < 1:
        return 0
    first = math.ceil(round(low * (checks - 1), 9))
    last = math.floor(round(high * (checks - 1), 9))
    return max(last - first + 1, 0)
