"""Turn pydantic's errors into one clear line per problem: field path, value, what is allowed."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part) in {"float", "int", "str", "bool"} or "[" in str(part):
            continue  # union-member labels pydantic adds: not part of the user's path
        else:
            out += f".{part}" if out else str(part)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_validation_error(err: ValidationError, *, prefix: str = "") -> str:
    """One line per distinct problem, e.g. `sites[0].pue: 0.9 is not allowed: must be >= 1`."""
    lines: list[str] = []
    seen: set[str] = set()
    for e in err.errors(include_url=False):
        path = _path(tuple(e["loc"]))
        full = f"{prefix}.{path}" if prefix and path else (prefix or path or "input")
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if e["type"] == "missing":
            line = f"{full}: required field is missing"
        elif e["type"] == "extra_forbidden":
            line = f"{full}: unknown field"
        elif "input" in e and not isinstance(e["input"], dict | list):
            line = f"{full}: {_short(e['input'])} is not allowed: {msg[0].lower() + msg[1:]}"
        else:
            line = f"{full}: {msg}"
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return "\n".join(lines)
