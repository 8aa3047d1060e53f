"""`gigawatt cache info|clear`: the persistent search cache."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from gigawatt.cli import energy, jobs, programme  # noqa: F401  (listed before `cache` in --help)
from gigawatt.cli.common import JsonOpt, api, app, console, emit_json
from gigawatt.units import MILLION


class CacheAction(StrEnum):
    info = "info"
    clear = "clear"


@app.command()
def cache(
    action: Annotated[
        CacheAction,
        typer.Argument(
            metavar="ACTION", help="info: where it is and what it holds; clear: empty it."
        ),
    ] = CacheAction.info,
    as_json: JsonOpt = False,
) -> None:
    """Show or clear the persistent cache: perf searches (run, capability, train, sweeps), the
    parsed catalog and the report's pieces that are the same from run to run.

    It lives in the user's cache folder (`GIGAWATT_CACHE_DIR` overrides); an entry's key holds
    everything its value depends on, so entries never go stale, and clearing only costs time.
    """
    report = api.cache_clear() if action is CacheAction.clear else api.cache_info()
    if as_json:
        emit_json(report.to_json())
        return
    if report.removed is not None:
        console.print(f"Removed {report.removed:,} entries.")
    console.print(f"Cache: {report.path}")
    console.print(
        f"{report.entries:,} entries, {report.size_bytes / MILLION:.1f} MB"
        + "".join(f"; {ns}: {n:,}" for ns, n in report.namespaces.items())
    )
