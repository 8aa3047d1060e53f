"""A progress bar on stderr for long work (sweeps, sensitivity runs): samples done, rate, ETA;
a spinner for work whose length is not known (plan searches, a whole run and its report).

Shown only when stderr is a terminal and the command was not asked for `--json`: a pipe, a
log file or a script reading JSON gets nothing on stderr but warnings and errors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from gigawatt.cli.common import err_console

#: `callback(done, total)`, as the sweep engine calls it.
Callback = Callable[[int, int], None]


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal (a function, so tests can force either answer)."""
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


class RateColumn(ProgressColumn):
    """Samples per second over the recent updates (Rich's own speed estimate)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.1f}/s", style="progress.data.speed")


def progress_columns(label: str) -> tuple[ProgressColumn, ...]:
    return (
        TextColumn(label),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )


@contextmanager
def progress_bar(label: str, *, quiet: bool = False) -> Iterator[Callback | None]:
    """A callback that moves a bar on stderr, or None (no bar) under `quiet` (`--json`) or when
    stderr is not a terminal. The bar disappears when the work ends."""
    if quiet or not stderr_is_terminal():
        yield None
        return
    console = Console(stderr=True, highlight=False, force_terminal=True)
    bar = Progress(*progress_columns(label), console=console, transient=True)
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


@contextmanager
def working(label: str, *, quiet: bool = False) -> Iterator[None]:
    """A spinner with `label` and the time elapsed on stderr while the block runs (plan
    searches have no count to show); nothing under `quiet` or when stderr is not a terminal."""
    if quiet or not stderr_is_terminal():
        yield
        return
    console = Console(stderr=True, highlight=False, force_terminal=True)
    with console.status(label):
        yield


T = TypeVar("T")


def resumable(
    label: str, store: Path, what: str, run: Callable[[Callback | None], T], *, quiet: bool
) -> T:
    """`run(progress)` under a progress bar; Ctrl-C ends with one line saying where the finished
    `what` (samples, runs) are kept and exit 130 (the store resumes on the same command)."""
    try:
        with progress_bar(label, quiet=quiet) as progress:
            return run(progress)
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: finished {what} are in {store}; rerun the same command to resume"
        )
        raise SystemExit(130) from None
