"""Error types: bad input (exit 2 at the CLI) is an `InputError`; other failures exit 1."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GigawattError(Exception):
    """A failure that is not the user's input (exit code 1 at the CLI)."""


class InputError(GigawattError, ValueError):
    """Malformed input: names the field, the value and what is allowed (exit code 2 at the CLI)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


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
    ) -> None:
        known = sorted(known)
        close = difflib.get_close_matches(value.lower(), known, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        singular = kind[:-1] if kind.endswith("s") else kind
        msg = f"unknown {singular} {value!r}{hint}"
        if not close:
            msg += f" (see `{listing or f'gigawatt catalog {kind}'}`)"
        self.kind = kind
        self.value = value
        self.suggestions = close
        super().__init__(msg, field=field)
