"""Shared pieces of the command line: the Typer app, the console, JSON output, formatting."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gigawatt.catalog import Catalog

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
ScenarioArg = Annotated[
    str, typer.Argument(help="Scenario file, or a built-in name (see `gigawatt scenarios`).")
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


def _catalog(ctx: typer.Context) -> Catalog:
    dirs = (ctx.obj or {}).get("catalog_dirs", ())
    return Catalog.load(dirs)


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


def _sci(v: float | None) -> str:
    return "" if v is None else f"{v:.2g}".replace("e+", "e")


def _print_table(title: str, columns: list[tuple[str, str, Any]], rows: list[dict]) -> None:
    table = Table(title=title, title_justify="left")
    for i, (header, _, _) in enumerate(columns):
        table.add_column(header, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for row in rows:
        table.add_row(*(fmt(_dig(row, key)) for _, key, fmt in columns))
    console.print(table)


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
