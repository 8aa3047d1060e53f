"""Turn pydantic's errors into one clear line per problem: field path, value, what is allowed.

`Request` is the base of the typed requests the application layer takes (`gigawatt.app`): a
frozen pydantic model whose bad values raise an `InputError` naming each field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import reprlib
import types
import typing
from dataclasses import replace
from pathlib import PurePath
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, PydanticKnownError

from gigawatt.errors import InputError, InvariantError, Problem, did_you_mean
from gigawatt.units import MW_PER_GW, W_PER_KW

#: Labels pydantic adds to a location for each member of an `Uncertain` union.
_UNCERTAIN_MEMBERS = {"float", "Triangular", "Uniform", "Normal", "LogNormal", "Choice"}
_UNCERTAIN_HELP = (
    "expected a number or one distribution: {triangular: {low, mode, high}}, "
    "{uniform: {low, high}}, {normal: {mean, sd}}, {lognormal: {median, sigma}} or "
    "{choice: {values, weights}}"
)


# --- bounded numbers: the physical limits of every input --------------------------------------

#: The window of calendar dates any input may name (a typo of a century, not a bold plan).
FIRST_YEAR = 1990
LAST_YEAR = 2100
#: The largest magnitude a number without a narrower physical bound may take: far above any
#: real quantity in SI (1e30 FLOP, W or USD), far below float overflow in products of a few.
MAX_MAGNITUDE = 1e30
#: The largest count without a narrower bound (accelerators, tokens per batch, ...).
MAX_COUNT = 10**12

#: Accelerators in one job or request: a hundred times the largest cluster announced.
MAX_ACCELERATORS = 100_000_000
#: Local worker processes of a sweep: far more than the cores of one machine.
MAX_WORKERS = 1024
#: Training tokens of one run: ten thousand times the largest published run's.
MAX_TOKENS = 1e18

#: A finite number; `true`/`false` are not numbers (strict: a bool is refused, an int accepted).
Real = Annotated[float, Strict(), Field(allow_inf_nan=False)]


def _whole_number(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError("must be a whole number, not true/false")
    if isinstance(v, float):
        if not math.isfinite(v) or not v.is_integer():
            raise ValueError("must be a whole number")
        if abs(v) > MAX_COUNT:
            raise ValueError(f"must be at most {MAX_COUNT:g}")
        return int(v)
    return v


def allowed_text(
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
) -> str:
    """`> 0 and <= 50`: what a bounded field allows, in words the error and the docs share."""
    parts = [
        f"{op} {b:g}" for op, b in ((">", gt), (">=", ge), ("<", lt), ("<=", le)) if b is not None
    ]
    return " and ".join(parts) or "a finite number"


def _described(description: str, unit: str) -> str | None:
    """`what [unit]`; the bounds themselves reach the docs through the JSON schema (the
    field's type column), so they are not repeated here. A field's own description, where it
    gives one, replaces this."""
    if not description:
        return f"[{unit}]" if unit else None
    return f"{description} [{unit}]" if unit else description


def quantity(
    unit: str = "",
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = MAX_MAGNITUDE,
    description: str = "",
) -> Any:
    """A finite number in `unit` within physical bounds, never true/false. The bounds reach the
    docs through the JSON schema (the field tables' type column), the unit through the
    description. Default upper bound: `MAX_MAGNITUDE`."""
    if ge is None and gt is None:
        ge = -MAX_MAGNITUDE
    return Annotated[
        float,
        Strict(),
        Field(
            gt=gt,
            ge=ge,
            lt=lt,
            le=le,
            allow_inf_nan=False,
            description=_described(description, unit),
        ),
    ]


def count(
    unit: str = "",
    *,
    ge: int = 0,
    le: int = MAX_COUNT,
    description: str = "",
) -> Any:
    """A whole number in [ge, le] (a whole float such as `1e3` is read as an int; `2.5`,
    `true` and non-finite values are refused)."""
    return Annotated[
        int,
        Field(ge=ge, le=le, description=_described(description, unit)),
        BeforeValidator(_whole_number),
    ]


def _date_window(v: dt.date) -> dt.date:
    if not FIRST_YEAR <= v.year <= LAST_YEAR:
        raise ValueError(f"must be a date from {FIRST_YEAR} to {LAST_YEAR}")
    return v


#: A calendar date within FIRST_YEAR..LAST_YEAR.
Date = Annotated[dt.date, AfterValidator(_date_window)]


#: How a month is written, in the words every month field's message uses.
MONTH_WORDS = "expected a month YYYY-MM (like 2026-07)"
#: How a date is written (a record's `as_of`, a deal's `announced`).
DATE_WORDS = "expected a date YYYY-MM-DD (like 2025-09-22)"
#: Pydantic's error types for a date that could not be read (not one outside its window).
_DATE_UNREADABLE = {
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
}


def month_text(v: Any) -> Any:
    """A month field's value before its pattern is checked: text passes; a number (`2026`, a
    year alone, which YAML reads as a number) or anything else is refused in the words the
    pattern uses, not pydantic's `expected a valid string`."""
    if isinstance(v, str):
        return v
    if isinstance(v, int) and not isinstance(v, bool) and len(str(v)) == len("YYYY"):
        raise ValueError(f"{MONTH_WORDS}, not a year alone")
    raise ValueError(MONTH_WORDS)


def check_month(v: str) -> str:
    """A YYYY-MM month within FIRST_YEAR..LAST_YEAR (its pattern is checked by the field)."""
    if not FIRST_YEAR <= int(v[:4]) <= LAST_YEAR:
        raise ValueError(f"must be a month from {FIRST_YEAR}-01 to {LAST_YEAR}-12")
    return v


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


#: A value as a message shows it: bounded however large it is (a YAML file's aliases can make
#: a list of a billion items that a plain repr would spell out in full).
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 3, 10, 10, 6
_REPR.maxstring = _REPR.maxother = 60


def _short(value: Any) -> str:
    if isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = _REPR.repr(str(value) if isinstance(value, PurePath) else value)
    return text if len(text) <= 60 else text[:57] + "..."


_COMPARISONS = (
    ("greater than or equal to", ">="),
    ("less than or equal to", "<="),
    ("greater than", ">"),
    ("less than", "<"),
)


_LIST_TOO_SHORT = re.compile(r"List should have at least (\d+) items? after validation, not (\d+)")


#: The text patterns of ids and months (catalog.schema's ID_PATTERN and MONTH_PATTERN, the
#: ISO country codes) in words: a user is told what to write, not shown a regular expression.
PATTERN_WORDS = {
    r"^[a-z0-9]+(-[a-z0-9]+)*$": (
        "expected lowercase letters and digits, words joined by single hyphens (like site-a)"
    ),
    r"^\d{4}-(0[1-9]|1[0-2])$": MONTH_WORDS,
    r"^[A-Z]{3}$": "expected three capital letters, an ISO 3166-1 alpha-3 code (like USA)",
}
_PATTERN_MISMATCH = re.compile(r"[Ss]tring should match pattern '(.*)'")


def _plain_pattern(msg: str) -> str:
    found = _PATTERN_MISMATCH.search(msg)
    words = PATTERN_WORDS.get(found.group(1)) if found else None
    return msg if found is None or words is None else msg.replace(found.group(0), words)


#: Pydantic's words for a text that is no number, said with what to write instead.
_NOT_A_NUMBER = {
    "Input should be a valid integer, unable to parse string as an integer": (
        "expected a whole number like 1024 (digits only: no separators, no suffix)"
    ),
    "Input should be a valid number, unable to parse string as a number": (
        "expected a number like 1000000 or 1e6 (no separators, no suffix)"
    ),
}


#: Pydantic's words for a wrong shape, said in the file's terms (YAML, which most users write).
_WRONG_SHAPE = (
    (
        re.compile(r"Input should be a valid list\b"),
        "expected a list (in YAML, each item on a line of its own starting with `- `)",
    ),
    (
        re.compile(r"Input should be a valid dictionary( or instance of \w+)?"),
        "expected a mapping of fields (in YAML, `field: value` lines)",
    ),
)


def _plain_number(msg: str) -> str:
    for words, plain in _NOT_A_NUMBER.items():
        msg = msg.replace(words, plain)
    for pattern, shape in _WRONG_SHAPE:
        msg = pattern.sub(shape, msg)
    return msg


def plain_message(msg: str) -> str:
    """Pydantic's wording said plainly: `Input should be greater than or equal to 1` ->
    `must be >= 1`; `Value error, X` -> `X`; a too-short list -> `expected at least N, got M`."""
    msg = _plain_number(_plain_pattern(msg.removeprefix("Value error, ")))
    for words, op in _COMPARISONS:
        msg = msg.replace(f"Input should be {words}", f"must be {op}")
    msg = _LIST_TOO_SHORT.sub(r"expected at least \1, got \2", msg)
    return msg.replace("Input should be", "expected")


# --- unknown fields: the names that were meant -------------------------------------------------


def _members(tp: Any) -> list[Any]:
    """The types a field's annotation admits: `Annotated` unwrapped, unions split."""
    if typing.get_origin(tp) is Annotated:
        return _members(typing.get_args(tp)[0])
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _names(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def _step(types_: list[Any], part: Any) -> list[Any]:
    """The types at `part` of a location (a field, a list index, a mapping key, or a label
    pydantic adds for a union member, which narrows the types without moving)."""
    out: list[Any] = []
    for tp in types_:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if _is_model(tp) and isinstance(part, str):
            fields = {f.alias or n: f for n, f in tp.model_fields.items()}
            if part in fields:
                out += _members(fields[part].annotation)
            elif part == tp.__name__:
                out.append(tp)
        elif origin in (list, tuple, set, frozenset) and isinstance(part, int) and args:
            out += _members(args[0])
        elif origin is dict and len(args) == 2:
            out += _members(args[1])
    if not out and isinstance(part, str) and ("[" in part or part in {"int", "str", "bool"}):
        return types_  # a label of pydantic's own (`function-after[...]`)
    return out


def allowed_fields(model: Any, loc: list[Any]) -> list[str]:
    """The field names a mapping at `loc` (a pydantic location) of `model` may hold, sorted;
    empty when the location does not lead to a model."""
    types_ = _members(model)
    for part in loc:
        types_ = _step(types_, part)
    return sorted({n for tp in types_ if _is_model(tp) for n in _names(tp)})


#: The most field names an unknown-field message lists when none is close to the one given.
MAX_LISTED_FIELDS = 20


def _meant_fields(key: Any, allowed: list[str]) -> list[str]:
    """The allowed field names closest to an unknown `key`, best first (at most three)."""
    return difflib.get_close_matches(str(key).lower(), allowed, n=3, cutoff=0.6)


def unknown_field(key: Any, allowed: list[str]) -> str:
    """`unknown field` with the names meant: `did you mean 'start'?`, or the allowed ones."""
    close = _meant_fields(key, allowed)
    if close:
        return f"unknown field; did you mean {' or '.join(repr(c) for c in close)}?"
    if allowed and len(allowed) <= MAX_LISTED_FIELDS:
        return f"unknown field; allowed: {', '.join(allowed)}"
    return "unknown field"


#: What a required field left out says.
MISSING = "required field is missing"


#: The error type of a check whose message names the value itself and what is allowed (a
#: check across fields: `2028-01 is after the site's first phase comes online (2027-06)`),
#: shown as it is, without `VALUE is not allowed:` before it.
SAID_IN_FULL = "said_in_full"


def said_in_full(loc: tuple[str | int, ...], value: Any, reason: str) -> InitErrorDetails:
    """One problem of a check across fields as a pydantic line item at `loc` (a field path;
    empty for a problem of the object as a whole), shown as `reason` says it (`SAID_IN_FULL`):
    raised beside the fields' own errors, it is said with them in one pass."""
    return InitErrorDetails(
        type=PydanticCustomError(SAID_IN_FULL, "{reason}", {"reason": reason}),
        loc=loc,
        input=value,
    )


def line_item(error: Any) -> InitErrorDetails:
    """A line item of a pydantic error as it can be raised again beside others (an error type
    of pydantic's own keeps its type and context; any other keeps its words)."""
    item = InitErrorDetails(type=error["type"], loc=error["loc"], input=error.get("input"))
    if "ctx" in error:
        item["ctx"] = error["ctx"]
    try:
        PydanticKnownError(error["type"], error.get("ctx"))
    except (KeyError, TypeError, ValueError):
        item["type"] = PydanticCustomError(error["type"], "{reason}", {"reason": error["msg"]})
        item.pop("ctx", None)
    return item


def with_checks(
    title: str, field_errors: ValidationError, checks: list[InitErrorDetails]
) -> ValidationError:
    """`field_errors` with the problems of the checks across fields before them (each a
    `said_in_full` item), as one error: every problem of an object in one pass."""
    items = [line_item(d) for d in field_errors.errors()]
    return ValidationError.from_exception_data(title, [*checks, *items])


def _problem(path: str, etype: str, msg: str, value: Any) -> Problem:
    """One problem as `path: value is not allowed: reason`."""
    msg = _LIST_TOO_SHORT.sub(r"expected at least \1, got \2", msg.removeprefix("Value error, "))
    msg = _plain_number(msg)
    if isinstance(value, bool) and etype in {"float_type", "int_type"}:
        msg = "expected a number, not true/false"
    elif etype == "finite_number":
        msg = "must be a finite number"
    elif etype in _DATE_UNREADABLE:
        msg = DATE_WORDS
    for words, op in _COMPARISONS:
        msg = msg.replace(f"Input should be {words}", f"must be {op}")
    msg = _plain_pattern(msg).replace("Input should be", "expected")
    if etype == "literal_error" and isinstance(value, str):
        msg += did_you_mean(value, re.findall(r"'([^']*)'", msg))
    if not path:
        return Problem(None, msg)
    if etype == "missing":
        return Problem(path, MISSING)
    if etype == "invalid_key" and isinstance(value, int | float) and not isinstance(value, bool):
        # YAML's `{power_gw: 0,5}` is `power_gw: 0` and a key `5`: a comma ends a {...} entry
        where = path.rsplit("[", 1)[0] if path.endswith("]") else path
        return Problem(
            where or None,
            f"{_short(value)} is not allowed as a field name: in a {{...}} mapping a comma ends "
            f"an entry, so a decimal comma (`x: 1,{_short(value)}`) reads as `x: 1` and a field "
            f"{_short(value)}; write a decimal point",
        )
    if etype == "extra_forbidden":
        return Problem(path, "unknown field")
    if etype == SAID_IN_FULL:
        return Problem(path, msg)
    # a mapping or list is shown when it is the wrong type; otherwise the message says it
    shown = not isinstance(value, dict | list) or etype.endswith("_type")
    hint = (
        _percent_hint(msg, value)
        or _megawatt_hint(path, msg, value)
        or _kilowatt_hint(path, msg, value)
        or decimal_comma_hint(value)
    )
    if shown and not names_value(msg, _short(value)):
        return Problem(path, f"{_short(value)} is not allowed: {msg[0].lower() + msg[1:]}{hint}")
    return Problem(path, msg + hint)


#: A fraction's upper bound as pydantic words it, once plain (`must be <= 1`, `must be < 1`).
_FRACTION_BOUND = re.compile(r"must be (?:>=? 0 and )?<=? 1(?:\.0)?$")


def _percent_hint(msg: str, value: Any) -> str:
    """` (a fraction: 0.8 for 80 %)` when a fraction's field got what reads as a percentage."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if _FRACTION_BOUND.search(msg) and 1 < value <= 100:
        return f" (a fraction: {value / 100:g} for {value:g} %)"
    return ""


#: An upper bound as the plain message words it (`must be > 0 and <= 50`).
_UPPER_BOUND = re.compile(r"<= ([0-9.e+]+)$")


def _megawatt_hint(path: str, msg: str, value: Any) -> str:
    """` (meant in MW? 200 MW is 0.2 GW)` when a field in GW got a number above its bound that
    fits as megawatts (`power_gw: 200` for a 200 MW phase)."""
    if not path.endswith("_gw") or isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    bound = _UPPER_BOUND.search(msg)
    if bound is None or not float(bound.group(1)) < value <= float(bound.group(1)) * MW_PER_GW:
        return ""
    return f" (meant in MW? {value:g} MW is {value / MW_PER_GW:g} GW)"


#: A number written with a decimal comma (`1,3`, `0,200`): digits, one comma, digits; with
#: three digits after the comma and a leading digit other than 0 it may be a thousands
#: separator (`1,000`), which the messages already refuse as a separator.
_DECIMAL_COMMA = re.compile(r"^\s*(-?\d+),(\d+)\s*$")


def decimal_comma_hint(value: Any) -> str:
    """` (a decimal point, not a comma: 1.3)` when text reads as a decimal-comma number."""
    found = _DECIMAL_COMMA.match(value) if isinstance(value, str) else None
    if found is None:
        return ""
    whole, fraction = found.groups()
    if len(fraction) == len("000") and whole.lstrip("-") != "0":
        return ""  # `1,000`: a thousands separator as likely as a decimal comma
    return f" (a decimal point, not a comma: {whole}.{fraction})"


#: A lower bound as the plain message words it (`must be >= 10`, `must be >= 10 and <= 1e+05`).
_LOWER_BOUND = re.compile(r"must be >=? ([0-9.e+]+)")


def _kilowatt_hint(path: str, msg: str, value: Any) -> str:
    """` (meant in kW? write 2100)` when a field in W got a positive number below its lower
    bound that fits as kilowatts (`it_power_w_per_accelerator: 2.1` for 2.1 kW)."""
    name = path.rsplit(".", 1)[-1]
    if "_w_" not in f"{name}_" or isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    bound = _LOWER_BOUND.search(msg)
    if bound is None or "kW" in msg or not 0 < value < float(bound.group(1)) <= value * W_PER_KW:
        return ""
    return f" (meant in kW? write {value * W_PER_KW:g})"


def names_value(msg: str, value: str) -> bool:
    """Whether `msg` already says the value: as a word of its own, not as a bound (`0` in
    `must be > 0 and <= 50` is the limit, not the power_gw the user gave)."""
    for m in re.finditer(re.escape(value), msg):
        before, after = msg[: m.start()].rstrip(), msg[m.end() : m.end() + 1]
        if before.endswith(("<", ">", "=", "most", "least", "from", "to", "and")):
            continue
        if (before[-1:].isalnum() and before == msg[: m.start()]) or after.isalnum():
            continue  # part of a longer word or number
        if after == "-" and msg[m.end() + 1 : m.end() + 2].isdigit():
            continue  # part of a month or date (`2026` in `like 2026-07`)
        return True
    return False


def validation_problems(
    err: ValidationError, *, prefix: str = "", model: Any = None
) -> list[Problem]:
    """One problem per distinct error, e.g. (`sites[0].pue`, `0.9 is not allowed: must be >= 1`).

    With `model` (the type validated), an unknown field names the fields meant at its place
    (`strat: unknown field; did you mean 'start'?`), and the field it most likely meant is not
    also said to be missing.

    For an uncertain number (a number or a distribution), only the errors of the distribution
    the user named are kept; a value that is neither gets one problem listing what is allowed.
    """
    problems: list[Problem] = []
    meant: list[str] = []  # the field an unknown one was most likely meant as, by path
    generic: dict[str, Any] = {}  # each field's value, when no member's error is specific
    specific_at: set[str] = set()
    member_errors: dict[tuple[str, str], list[bool]] = {}  # whether each error is of `shared`
    for e in err.errors(include_url=False):
        loc = list(e["loc"])
        raised = (e.get("ctx") or {}).get("error")
        if isinstance(raised, InputError):  # a validator's own error: keep its fields
            path = _join(loc, prefix) or None
            problems.extend(replace(p, field=p.field or path) for p in raised.problems)
            continue
        member = next((i for i, p in enumerate(loc) if str(p) in _UNCERTAIN_MEMBERS), None)
        if member is None:
            problem = _problem(_join(loc, prefix), e["type"], e["msg"], e.get("input"))
            if e["type"] == "extra_forbidden" and model is not None and loc:
                allowed = allowed_fields(model, loc[:-1])
                problem = replace(problem, message=unknown_field(loc[-1], allowed))
                meant += [
                    _join([*loc[:-1], m], prefix) for m in _meant_fields(loc[-1], allowed)[:1]
                ]
            problems.append(problem)
            continue
        base = _join(loc[:member], prefix)
        rest = loc[member + 1 :]
        label = str(loc[member]).lower()
        value = e.get("input")
        shared = bool(rest) and str(rest[0]) == "shared"
        if label != "float":
            member_errors.setdefault((base, label), []).append(shared)
        if shared and e["type"] not in ("extra_forbidden", "missing"):
            # every distribution member reports its `shared` the same: said once (deduplicated)
            path = _join(loc[:member] + rest, prefix)
            problems.append(_problem(path, e["type"], e["msg"], e.get("input")))
            continue
        plain = label == "float" and not isinstance(value, dict)
        if plain and (e["type"] != "float_type" or isinstance(value, bool)):
            specific_at.add(base)  # a number that is not allowed: say why, not what else is
            problems.append(_problem(base, e["type"], e["msg"], value))
        elif (
            rest
            and str(rest[0]) == label
            # an unknown key beside the member's name is another member's error (`pert:` is
            # unknown to `uniform`); one inside the named member's fields is the user's
            and (e["type"] != "extra_forbidden" or len(rest) > 1)
            and not (e["type"] == "missing" and len(rest) == 1)  # a member the user did not name
        ):
            specific_at.add(base)
            path = _join(loc[:member] + rest, prefix)
            problem = _problem(path, e["type"], e["msg"], e.get("input"))
            if e["type"] == "extra_forbidden":  # `{uniform: {low, hihg}}`: the fields meant
                allowed = _distribution_fields(str(loc[member]))
                problem = replace(problem, message=unknown_field(rest[-1], allowed))
                meant += [_join([*loc[:member], *rest[:-1], m], prefix)
                          for m in _meant_fields(rest[-1], allowed)[:1]]  # fmt: skip
            problems.append(problem)
        else:
            generic.setdefault(base, value)
    # a member whose only errors are its `shared` is the distribution the user wrote: its
    # other members' errors (fields they lack) say nothing more
    specific_at.update(base for (base, _), errs in member_errors.items() if all(errs))
    for base, value in generic.items():
        if base not in specific_at:
            hint = decimal_comma_hint(value)
            problems.append(
                Problem(base, f"{_given(value)} is not allowed: {_UNCERTAIN_HELP}{hint}")
            )
    # a misspelt required field is one mistake: its `did you mean` line says it, not also a
    # `required field is missing` line for the field meant
    return [p for p in dict.fromkeys(problems) if not (p.message == MISSING and p.field in meant)]


#: Each distribution's parameter fields, by its class name (`Uniform` -> high, low): filled by
#: `gigawatt.distributions`, which builds on this module (so it cannot be imported here).
DISTRIBUTION_FIELDS: dict[str, list[str]] = {}


def _distribution_fields(member: str) -> list[str]:
    """The fields of a distribution's parameters (`Uniform` -> high, low)."""
    return DISTRIBUTION_FIELDS.get(member, [])


def _given(value: Any) -> str:
    """What the user wrote, short: a value, or a mapping by its keys."""
    if isinstance(value, dict):
        return f"a mapping of {', '.join(map(str, value)) or 'nothing'}"
    return _short(value)


def format_validation_error(err: ValidationError, *, prefix: str = "", model: Any = None) -> str:
    """One line per distinct problem, e.g. `sites[0].pue: 0.9 is not allowed: must be >= 1`."""
    return InputError(problems=validation_problems(err, prefix=prefix, model=model)).render()


def input_error(err: ValidationError, *, prefix: str = "", model: Any = None) -> InputError:
    """A pydantic error as an `InputError` with one problem per field (`model`: the type
    validated, whose field names an unknown field's message suggests)."""
    return InputError(problems=validation_problems(err, prefix=prefix, model=model))


class Request(BaseModel):
    """A typed, frozen request; a bad value raises an `InputError` naming its field."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def __init__(self, /, **data: Any) -> None:
        fields = type(self).model_fields
        problems = [
            Problem(name, f"{value!r} is not allowed: expected a number, not true/false")
            for name, value in data.items()
            if isinstance(value, bool)
            and name in fields
            and not _takes_bool(fields[name].annotation)
        ]
        # `--region ""` is a mistake (an unset shell variable), not a request for the default
        problems += [
            Problem(name, f"{value!r} is not allowed: expected a value" + (
                "" if fields[name].is_required() else f" (leave {{{name}}} out for the default)"
            ), refs=(name,))
            for name, value in data.items()
            if isinstance(value, str) and not value.strip() and name in fields
        ]  # fmt: skip
        if problems:
            raise InputError(problems=problems)
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise input_error(e, model=type(self)) from None


def _takes_bool(annotation: Any) -> bool:
    """Whether a field's type admits a bool (`bool`, `bool | None`, `Any`)."""
    if annotation is bool or annotation is Any:
        return True
    return any(_takes_bool(a) for a in typing.get_args(annotation))


# --- invariants at the result boundary ----------------------------------------------------------

#: Keys of a result that are fractions of a whole: 0 <= x <= 1 (None or NaN: not defined).
#: `mfu` itself (the PaLM convention) counts the masked half of causal attention, so it may
#: reach 2 x the causal MFU; `mfu_causal` and `hfu` are executed FLOPs over peak.
_UNIT_KEYS = re.compile(
    r"^(?:.*_)?(?:mfu_causal|hfu|goodput|share|availability|utilisation)$|^mfu$|_mfu$"
)
#: Ratios named `*_share` that are not fractions of one whole (vendor credit over purchases).
_NOT_FRACTIONS = frozenset({"vendor_funded_share"})
#: Ratios named `share` under a parent that are not fractions either: a job's or a year's
#: energy over the annual generation of the country nearest to it in ratio, which may generate
#: less (`energy.footprint.closest_country`).
_NOT_FRACTION_PATHS = ("country_equivalent.share",)
#: Keys that count things: never negative.
_COUNT_KEYS = re.compile(
    r"^(?:gpus|gpus_used|accelerators|samples|plans_evaluated|plans_fitting|interruptions)$"
    r"|_(?:count|accelerators|gpus)$|^accelerators_"
)


def result_problems(obj: Any, path: str = "") -> list[str]:
    """The invariants a result (its JSON form) breaks: MFU, HFU, goodput and shares in [0, 1]
    (the PaLM-convention MFU in [0, 2]), never infinite; counts non-negative.

    NaN (undefined: no purchases, no job) and +inf in times and counts (a job that never
    finishes) are results the models define and JSON shows as null; the inputs that could make
    them by accident (non-finite, absurd numbers) are refused by the schemas."""
    out: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += result_problems(v, f"{path}.{k}" if path else str(k))
        return out
    if isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            out += result_problems(v, f"{path}[{i}]")
        return out
    if isinstance(obj, bool) or not isinstance(obj, int | float):
        if hasattr(obj, "item") and not isinstance(obj, str):  # a numpy scalar
            return result_problems(obj.item(), path)
        return out
    x = float(obj)
    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    if key in {"mfu"} or key.endswith("_mfu"):
        if not 0 <= x <= 2:
            out.append(f"{path} = {x:g}: MFU (PaLM convention) must be within [0, 2]")
    elif (
        _UNIT_KEYS.match(key)
        and key not in _NOT_FRACTIONS
        and not path.endswith(_NOT_FRACTION_PATHS)
    ):
        if not math.isnan(x) and not -1e-9 <= x <= 1 + 1e-9:
            out.append(f"{path} = {x:g}: a fraction (MFU, HFU, goodput, share) is within [0, 1]")
    elif _COUNT_KEYS.search(key) and not math.isnan(x) and x < 0:
        out.append(f"{path} = {x:g}: a count is never negative")
    return out


def check_result(result: Any, what: str) -> Any:
    """`result` unchanged when its JSON form keeps every invariant, else an `InvariantError`
    naming each broken one (a bug report: exit 1)."""
    problems = result_problems(result.to_json() if hasattr(result, "to_json") else result)
    if problems:
        raise InvariantError(
            f"{what}: invariant broken (a bug, please report it): " + "; ".join(problems[:5])
        )
    return result
