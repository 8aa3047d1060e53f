"""Turn pydantic's errors into one clear line per problem: field path, value, what is allowed.

`Request` is the base of the typed requests the application layer takes (`gigawatt.app`): a
frozen pydantic model whose bad values raise an `InputError` naming each field.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from gigawatt.errors import InputError, Problem

#: Labels pydantic adds to a location for each member of an `Uncertain` union.
_UNCERTAIN_MEMBERS = {"float", "Triangular", "Uniform", "Normal", "LogNormal", "Choice"}
_UNCERTAIN_HELP = (
    "expected a number or one distribution: {triangular: {low, mode, high}}, "
    "{uniform: {low, high}}, {normal: {mean, sd}}, {lognormal: {median, sigma}} or "
    "{choice: {values, weights}}"
)


def _join(parts: list[Any], prefix: str = "") -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part) in {"int", "str", "bool"} or "[" in str(part):
            continue  # union-member labels pydantic adds: not part of the user's path
        else:
            out += f".{part}" if out else str(part)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _problem(path: str, etype: str, msg: str, value: Any) -> Problem:
    """One problem as `path: value is not allowed: reason`."""
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if not path:
        return Problem(None, msg)
    if etype == "missing":
        return Problem(path, "required field is missing")
    if etype == "extra_forbidden":
        return Problem(path, "unknown field")
    if not isinstance(value, dict | list) and _short(value) not in msg:
        return Problem(path, f"{_short(value)} is not allowed: {msg[0].lower() + msg[1:]}")
    return Problem(path, msg)


def validation_problems(err: ValidationError, *, prefix: str = "") -> list[Problem]:
    """One problem per distinct error, e.g. (`sites[0].pue`, `0.9 is not allowed: must be >= 1`).

    For an uncertain number (a number or a distribution), only the errors of the distribution
    the user named are kept; a value that is neither gets one problem listing what is allowed.
    """
    problems: list[Problem] = []
    generic: list[str] = []
    specific_at: set[str] = set()
    for e in err.errors(include_url=False):
        loc = list(e["loc"])
        raised = (e.get("ctx") or {}).get("error")
        if isinstance(raised, InputError):  # a validator's own error: keep its fields
            path = _join(loc, prefix) or None
            problems.extend(replace(p, field=p.field or path) for p in raised.problems)
            continue
        member = next((i for i, p in enumerate(loc) if str(p) in _UNCERTAIN_MEMBERS), None)
        if member is None:
            problems.append(_problem(_join(loc, prefix), e["type"], e["msg"], e.get("input")))
            continue
        base = _join(loc[:member], prefix)
        rest = loc[member + 1 :]
        label = str(loc[member]).lower()
        if rest and str(rest[0]) == label and e["type"] != "extra_forbidden":
            specific_at.add(base)
            path = _join(loc[:member] + rest, prefix)
            problems.append(_problem(path, e["type"], e["msg"], e.get("input")))
        else:
            generic.append(base)
    for base in dict.fromkeys(generic):
        if base not in specific_at:
            problems.append(Problem(base, _UNCERTAIN_HELP))
    return list(dict.fromkeys(problems))


def format_validation_error(err: ValidationError, *, prefix: str = "") -> str:
    """One line per distinct problem, e.g. `sites[0].pue: 0.9 is not allowed: must be >= 1`."""
    return InputError(problems=validation_problems(err, prefix=prefix)).render()


def input_error(err: ValidationError, *, prefix: str = "") -> InputError:
    """A pydantic error as an `InputError` with one problem per field."""
    return InputError(problems=validation_problems(err, prefix=prefix))


class Request(BaseModel):
    """A typed, frozen request; a bad value raises an `InputError` naming its field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise input_error(e) from None
