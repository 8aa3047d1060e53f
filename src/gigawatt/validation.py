"""Turn pydantic's errors into one clear line per problem: field path, value, what is allowed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

#: Labels pydantic adds to a location for each member of an `Uncertain` union.
_UNCERTAIN_MEMBERS = {"float", "Triangular", "Uniform", "Normal", "LogNormal", "Choice"}
_UNCERTAIN_HELP = (
    "expected a number or one distribution: {triangular: {low, mode, high}}, "
    "{uniform: {low, high}}, {normal: {mean, sd}}, {lognormal: {median, sigma}} or "
    "{choice: {values, weights}}"
)


def _join(parts: list[Any], prefix: str = "", rename: Callable[[str], str] | None = None) -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part) in {"int", "str", "bool"} or "[" in str(part):
            continue  # union-member labels pydantic adds: not part of the user's path
        else:
            name = rename(str(part)) if rename and not out else str(part)
            out += f".{name}" if out else name
    return out


def as_flag(field: str) -> str:
    """A top-level field as the CLI flag that sets it: `checkpoint_s` -> `--checkpoint-s`."""
    return "--" + field.replace("_", "-")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _line(path: str, etype: str, msg: str, value: Any) -> str:
    """One problem as `path: value is not allowed: reason`."""
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if not path:
        return msg
    if etype == "missing":
        return f"{path}: required field is missing"
    if etype == "extra_forbidden":
        return f"{path}: unknown field"
    if not isinstance(value, dict | list) and _short(value) not in msg:
        return f"{path}: {_short(value)} is not allowed: {msg[0].lower() + msg[1:]}"
    return f"{path}: {msg}"


def format_validation_error(
    err: ValidationError, *, prefix: str = "", rename: Callable[[str], str] | None = None
) -> str:
    """One line per distinct problem, e.g. `sites[0].pue: 0.9 is not allowed: must be >= 1`.

    For an uncertain number (a number or a distribution), only the errors of the distribution
    the user named are shown; a value that is neither gets one line listing what is allowed.
    `rename` maps a top-level field name to what the user typed (e.g. `as_flag`).
    """
    lines: list[str] = []
    generic: list[str] = []
    specific_at: set[str] = set()
    for e in err.errors(include_url=False):
        loc = list(e["loc"])
        member = next((i for i, p in enumerate(loc) if str(p) in _UNCERTAIN_MEMBERS), None)
        if member is None:
            lines.append(_line(_join(loc, prefix, rename), e["type"], e["msg"], e.get("input")))
            continue
        base = _join(loc[:member], prefix, rename)
        rest = loc[member + 1 :]
        label = str(loc[member]).lower()
        if rest and str(rest[0]) == label and e["type"] != "extra_forbidden":
            specific_at.add(base)
            lines.append(
                _line(
                    _join(loc[:member] + rest, prefix, rename), e["type"], e["msg"], e.get("input")
                )
            )
        else:
            generic.append(base)
    for base in dict.fromkeys(generic):
        if base not in specific_at:
            lines.append(f"{base}: {_UNCERTAIN_HELP}")
    return "\n".join(dict.fromkeys(lines))
