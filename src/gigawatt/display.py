"""Numbers for people: the one number formatter and the column spec of every table.

The CLI's tables and the HTML report's tables are lists of `Column`s (key, header, unit, scale,
digits): values arrive in SI units under their JSON keys and are scaled here, at the edge. The
CLI shows a column's unit after its header (`Facility GW`), the report in brackets
(`Facility [GW]`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gigawatt.units import (
    BILLION,
    FLOPS_PER_EFLOP,
    FLOPS_PER_PFLOP,
    FLOPS_PER_TFLOP,
    MILLION,
    W_PER_GW,
    W_PER_KW,
    W_PER_MW,
    WH_PER_GWH,
    WH_PER_KWH,
    WH_PER_MWH,
    WH_PER_TWH,
)

#: Control characters (C0 but tab and newline, DEL, C1): a terminal would act on them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: str) -> str:
    """User text safe for a terminal: each control character (an ANSI escape's ESC, a bell, a
    carriage return) shown as its escape (`\\x1b`), so a title cannot move the cursor, change
    colours or rewrite the screen. Markup is handled by the console, which reads none."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def fmt_number(value: float | None, digits: int = 1, scale: float = 1.0) -> str:
    """`value / scale` with thousands separators and `digits` decimals; empty when missing."""
    if value is None or not math.isfinite(value):
        return ""
    text = f"{value / scale:,.{digits}f}"
    # a tiny negative (a solver's -1e-9) rounds to "-0": show it as the zero it is
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def fmt_reported_pct(fraction: float | None) -> str:
    """A reported fraction as a percentage with the decimals it was reported to: 0.237 (AP's
    "23.7%") -> `23.7`, 0.0397 -> `3.97`, 0.36 -> `36`; not `23.70` or `36.00`, which would
    claim a precision the source does not give (and read 23.70 where the close-to-close move
    was 23.71). The decimals are those of the shortest repr of the catalog's fraction, less
    two; empty when missing."""
    if fraction is None or not math.isfinite(fraction):
        return ""
    text = repr(float(fraction))
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2].rstrip("0")) - int(exponent or 0)
    return fmt_number(fraction * 100, max(decimals - 2, 0))


def fmt_sci(value: float | None, digits: int = 2) -> str:
    """A count of wide range in short scientific form: `3.8e25`; empty when missing."""
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.{digits}g}".replace("e+", "e")


def fmt_share(value: float | None) -> str:
    """A fraction as a whole percentage: `0.42` -> `42%`; empty when missing."""
    return "" if value is None or not math.isfinite(value) else f"{value:.0%}"


def fmt_value(value: float) -> str:
    """An input value as written: whole numbers with separators, others to 4 digits."""
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def counted(n: float, noun: str, plural: str | None = None, fmt: str = ",") -> str:
    """A count with its noun in the right number: `1 accelerator`, `2,048 accelerators`,
    `1 day`, `1.5 days` (`plural` for nouns not made plural by an `s`: `1 GPU-hour`)."""
    word = noun if n == 1 else plural or f"{noun}s"
    return f"{n:{fmt}} {word}"


def dig(row: Mapping[str, Any], key: str) -> Any:
    """`a.b` looks up row["a"]["b"]; a missing key gives None."""
    value: Any = row
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


Style = Literal["number", "sci", "share", "text"]


@dataclass(frozen=True)
class Column:
    """One column of a table: the row's `key` (`a.b` for nested), its `header`, the display
    `unit` (empty when the header or the title says it), `scale` (display value = value / scale)
    and `digits`. `style` picks the formatter; `format` replaces it for an odd column."""

    key: str
    header: str
    unit: str = ""
    scale: float = 1.0
    digits: int = 0
    style: Style = "number"
    format: Callable[[Any], str] | None = None

    def cell(self, row: Mapping[str, Any]) -> str:
        value = dig(row, self.key)
        if self.format is not None:
            return self.format(value)
        if self.style == "text":
            return "" if value is None else str(value)
        if self.style == "sci":
            return fmt_sci(value if value is None else value / self.scale)
        if self.style == "share":
            return fmt_share(value)
        return fmt_number(value, self.digits, self.scale)

    def heading(self, *, brackets: bool = False) -> str:
        """`Facility GW` (the CLI) or, with `brackets`, `Facility [GW]` (the report)."""
        if not self.unit:
            return self.header
        return f"{self.header} [{self.unit}]" if brackets else f"{self.header} {self.unit}"

    @property
    def numeric(self) -> bool:
        return self.style != "text"


def cells(columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The display strings of `rows`, one list per row."""
    return [[c.cell(row) for c in columns] for row in rows]


#: A key's SI unit suffix -> its display units, largest first: (unit, scale). An amount is
#: shown in the largest unit it reaches (`amount_usd` 8e10 -> 80 `USD B`), per row of values.
_KEY_UNITS: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = (
    ("_usd", (("USD B", BILLION), ("USD M", MILLION), ("USD", 1.0))),
    (
        "_wh",
        (
            ("TWh", WH_PER_TWH),
            ("GWh", WH_PER_GWH),
            ("MWh", WH_PER_MWH),
            ("kWh", WH_PER_KWH),
            ("Wh", 1.0),
        ),
    ),
    ("_w", (("GW", W_PER_GW), ("MW", W_PER_MW), ("kW", W_PER_KW), ("W", 1.0))),
    (
        "_flops_per_s",
        (
            ("EFLOP/s", FLOPS_PER_EFLOP),
            ("PFLOP/s", FLOPS_PER_PFLOP),
            ("TFLOP/s", FLOPS_PER_TFLOP),
            ("FLOP/s", 1.0),
        ),
    ),
)


def key_unit(key: str, values: Sequence[Any]) -> tuple[str, float] | None:
    """The display unit and scale of the numbers `values` under a key named with its SI unit
    (`amount_usd`, `power_w`, `energy_wh`, `peak_flops_per_s`): the largest unit the largest
    magnitude reaches, so one row of values shares one unit. None for a key without such a
    suffix or without a number among `values`."""
    numbers = [abs(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    numbers = [v for v in numbers if math.isfinite(v)]
    for suffix, units in _KEY_UNITS:
        if key.endswith(suffix) and numbers:
            top = max(numbers)
            return next(((u, s) for u, s in units if top >= s), units[-1])
    return None


def shown_container(value: Any) -> str | None:
    """How a list or mapping value of an input row reads (its items are rows of their own):
    `1 item (rows below)`; None for any other value."""
    if isinstance(value, list | dict) and value:
        n = len(value)
        return f"{n} item{'s' if n != 1 else ''} (rows below)"
    return None
