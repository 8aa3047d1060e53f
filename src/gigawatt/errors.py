"""Error types: bad input (exit 2 at the CLI) is an `InputError`; other failures exit 1.

An `InputError` names what was wrong by a field path in the caller's terms (`gpus`,
`sites[0].pue`, `plan`), never by a command-line flag: only the CLI maps a field to the flag
that sets it (`InputError.render(names)`), so a library caller reads `gpus: must be positive`
and a CLI user `--gpus: must be positive`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class GigawattError(Exception):
    """A failure that is not the user's input (exit code 1 at the CLI)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: the field's path and what is wrong with it.

    A message that names other fields writes each as `{field}` and lists it in `refs`, so the
    CLI can show those as flags too.
    """

    field: str | None
    message: str
    refs: tuple[str, ...] = ()

    def render(self, names: Mapping[str, str] | None = None) -> str:
        names = names or {}
        text = self.message
        for ref in self.refs:
            text = text.replace("{" + ref + "}", _shown(ref, names))
        if not self.field:
            return text
        return f"{_shown(self.field, names)}: {text}"


def _shown(field: str, names: Mapping[str, str]) -> str:
    """A field as `names` shows it; a path inside a mapped field keeps its tail (`plan.zero` ->
    `--plan zero`)."""
    if field in names:
        return names[field]
    head, dot, rest = field.partition(".")
    return f"{names[head]} {rest}" if dot and head in names else field


class InputError(GigawattError, ValueError):
    """Malformed input: names the field, the value and what is allowed (exit code 2 at the CLI).

    One problem (`message`, `field`, `refs`) or several (`problems`, one line each).
    """

    def __init__(
        self,
        message: str = "",
        *,
        field: str | None = None,
        refs: Iterable[str] = (),
        problems: Iterable[Problem] | None = None,
    ) -> None:
        found = tuple(problems) if problems is not None else ()
        self.problems = found or (Problem(field, message, tuple(refs)),)
        super().__init__(self.render())

    @property
    def field(self) -> str | None:
        """The (first) problem's field path."""
        return self.problems[0].field

    def render(self, names: Mapping[str, str] | None = None) -> str:
        """The message with each field shown as `names` maps it (unmapped fields as they are)."""
        return "\n".join(p.render(names) for p in self.problems)


#: A record of each kind whose name is not its plural less an `s`: `unknown country 'xx'`,
#: `unknown fault-tolerance policy 'x'`, `unknown energy parameter 'x'`.
_SINGULAR = {
    "countries": "country",
    "supply-technologies": "supply technology",
    "fault-tolerance": "fault-tolerance policy",
    "energy": "energy parameter",
    "capability": "capability parameter",
    "event-study": "event-study setting",
    "perf-accuracy": "perf-accuracy record",
}


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """` (did you mean 's-curve'?)` for a near miss of one of `choices` (the same word in
    another case, or difflib's closest), else empty."""
    choices = list(choices)
    same_case = [c for c in choices if c.lower() == value.strip().lower()]
    close = same_case or difflib.get_close_matches(value.lower(), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def record_noun(kind: str) -> str:
    """What one record of a catalog kind is called: `systems` -> `system`."""
    return _SINGULAR.get(kind) or (kind[:-1] if kind.endswith("s") else kind)


class UnknownIdError(InputError):
    """A catalog id that does not exist, with the closest matches."""

    def __init__(
        self,
        kind: str,
        value: str,
        known: Iterable[str],
        *,
        field: str | None = None,
        listing: str | None = None,
        owner: str | None = None,
    ) -> None:
        """`listing` is the command that lists the known ids; with `owner` (a few ids of one
        thing, like a scenario's sites) the message lists them itself: `allowed: the sites of
        scenario x: a, b`."""
        known = sorted(known)
        close = difflib.get_close_matches(value.lower(), known, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        singular = record_noun(kind)
        if owner is not None:
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            msg = f"unknown {singular} {value!r}{hint}; allowed: the {kind} of {owner}: "
            msg += ", ".join(known)
        else:
            msg = f"unknown {singular} {value!r}{hint}"
            msg += f" (see `{listing or f'gigawatt catalog {kind}'}`)"
        self.kind = kind
        self.value = value
        self.suggestions = close
        super().__init__(msg, field=field)


class InvariantError(GigawattError):
    """A result that breaks a physical invariant (an MFU above 1, a negative count, an infinite
    number): a bug in a model, not the user's input (exit code 1, with the invariant named)."""
