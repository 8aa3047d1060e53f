"""Terminal tables that fit the terminal without cutting a value.

Rich shrinks a table wider than the terminal by cutting cells ("Accelerat…", "11.43–11…").
Here every column gets at least the width of its longest value (numbers, ids and dates are
never wrapped; text wraps between words, never inside one) and headers wrap between words.
When the columns do not fit side by side, the table is split: the first `keys` columns (the
row labels) are repeated in each part.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

#: Width a bordered table adds per column (a border and a space each side) and once.
PER_COLUMN = 3
EDGE = 1


def _lines(cell: str) -> list[str]:
    return cell.split("\n")  # the consoles read no markup: a cell shows as written


def _longest_word(texts: Sequence[str]) -> int:
    return max((len(w) for t in texts for line in _lines(t) for w in line.split()), default=0)


@dataclass(frozen=True)
class Spec:
    """One column: its header, its cells (plain text, "\\n" for a second line), whether
    it is text (wraps between words) or a value (never wraps), its alignment."""

    header: str
    cells: tuple[str, ...]
    text: bool = False
    justify: str = "right"

    @property
    def min_width(self) -> int:
        if self.text:
            return max(_longest_word([*self.cells, self.header]), 1)
        value = max((len(line) for c in self.cells for line in _lines(c)), default=0)
        return max(value, _longest_word([self.header]), 1)

    @property
    def max_width(self) -> int:
        lines = [line for c in (*self.cells, self.header) for line in _lines(c)]
        return max(max((len(line) for line in lines), default=1), self.min_width)


def _groups(specs: Sequence[Spec], keys: int, width: int) -> list[list[int]]:
    """Column indices of each part: the key columns, then as many others as fit."""
    key_cols = list(range(min(keys, len(specs))))
    base = sum(specs[i].min_width + PER_COLUMN for i in key_cols) + EDGE
    groups: list[list[int]] = []
    current: list[int] = []
    used = base
    for i in range(len(key_cols), len(specs)):
        need = specs[i].min_width + PER_COLUMN
        if current and used + need > width:
            groups.append(key_cols + current)
            current, used = [], base
        current.append(i)
        used += need
    if current or not groups:
        groups.append(key_cols + current)
    return groups


def _widths(specs: Sequence[Spec], width: int) -> list[int]:
    """Minimum widths, then the spare room to the columns that need least to show their header
    and values on one line (so that as many as possible do), then to the rest."""
    widths = [s.min_width for s in specs]
    spare = width - sum(widths) - PER_COLUMN * len(specs) - EDGE
    for i in sorted(range(len(specs)), key=lambda i: specs[i].max_width - widths[i]):
        if spare <= 0:
            break
        extra = min(spare, specs[i].max_width - widths[i])
        widths[i] += extra
        spare -= extra
    return widths


def _wrap(header: str, width: int) -> str:
    """A header on as many lines as its width needs, broken between words (a value column
    does not wrap, its header included, so the lines are made here)."""
    return "\n".join(textwrap.wrap(header, width, break_long_words=False)) or header


def fitted_tables(
    title: str | None, specs: Sequence[Spec], *, width: int, keys: int = 1, **table_kw: object
) -> list[Table]:
    """The table as one or more Rich tables no wider than `width`, no value cut."""
    tables = []
    groups = _groups(specs, keys, width)
    rows = len(specs[0].cells) if specs else 0
    for n, group in enumerate(groups):
        part = [specs[i] for i in group]
        suffix = f" ({n + 1} of {len(groups)})" if len(groups) > 1 else ""
        table = Table(
            title=None if title is None else f"{title}{suffix}",
            title_justify="left",
            **table_kw,  # type: ignore[arg-type]
        )
        for s, w in zip(part, _widths(part, width), strict=True):
            table.add_column(
                _wrap(s.header, w),
                justify=s.justify,  # type: ignore[arg-type]
                width=w,
                no_wrap=not s.text,
                overflow="fold",
            )
        for r in range(rows):
            table.add_row(*(s.cells[r] for s in part))
        tables.append(table)
    return tables


def print_fitted(
    console: Console, title: str | None, specs: Sequence[Spec], *, keys: int = 1, **kw: object
) -> None:
    for table in fitted_tables(title, specs, width=console.width, keys=keys, **kw):
        caption = table.title
        if isinstance(caption, str) and len(caption) > console.measure(table).maximum:
            # A narrow part keeps its caption on full lines, not squeezed into its own width.
            table.title = None
            console.print(caption, style="italic", soft_wrap=False)
        console.print(table)
