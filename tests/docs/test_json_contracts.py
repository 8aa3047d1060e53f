"""docs/json.md's key lists against the real `--json` output of each command.

Each table announced by `<!-- json-keys: ARGS | AT -->` lists the keys of the object at AT in
the output of `gigawatt ARGS`; tables with the same ARGS and AT add up. The keys the page
lists and the keys the command prints must be the same set, so that neither can drift: a
renamed or dropped key fails, and so does a new key nobody documented. Commands run in this
process (the JSON does not depend on the terminal), each once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from fnmatch import fnmatchcase
from typing import Any

import pytest
from markdown_blocks import DOCS, key_tables

from gigawatt.cli import main

PAGE = DOCS / "json.md"
TEST_DATA = DOCS.parent / "tests" / "data"
TABLES = key_tables(PAGE)
_OUTPUT: dict[tuple[str, ...], Any] = {}


def _grouped() -> dict[tuple[tuple[str, ...], str], list[str]]:
    grouped: dict[tuple[tuple[str, ...], str], list[str]] = defaultdict(list)
    for t in TABLES:
        grouped[(t.args, t.at)].extend(t.keys)
    return grouped


GROUPS = _grouped()


def _output(args: tuple[str, ...], tmp_path_factory, capsys) -> Any:
    if args not in _OUTPUT:
        folder = tmp_path_factory.mktemp("json")
        # outputs (--out, --store) go to a fresh folder; --prices files are test data
        argv = [str(folder / a) if i and args[i - 1] in ("--out", "--store")
                else str(TEST_DATA / a) if i and args[i - 1] == "--prices" else a
                for i, a in enumerate(args)]  # fmt: skip
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(argv)
        out, err = capsys.readouterr()
        assert exc.value.code == 0, f"gigawatt {' '.join(args)}: exit {exc.value.code}\n{err}"
        _OUTPUT[args] = json.loads(out)
    return _OUTPUT[args]


def _objects_at(data: Any, at: str) -> list[dict[str, Any]]:
    """The objects at a path like `years[].peak_flops_per_s` (every element of a list)."""
    objects = [data]
    for part in filter(None, at.split(".")):
        is_list = part.endswith("[]")
        name = part.removesuffix("[]")
        nxt = []
        for obj in objects:
            value = obj[name]
            nxt.extend(value if is_list else [value])
        objects = nxt
    return objects


def test_every_table_is_announced():
    """A table under a `## gigawatt ...` heading without its marker would go unchecked."""
    text = PAGE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(text):
        if line.startswith("| Key |"):
            previous = next(t for t in reversed(text[:i]) if t.strip())
            assert previous.startswith("<!-- json-keys:"), f"json.md:{i + 1}: table without marker"
    assert len(TABLES) >= 20


@pytest.mark.parametrize(
    ("args", "at"), list(GROUPS), ids=[f"{' '.join(a[:1])}:{at or '.'}" for a, at in GROUPS]
)
def test_documented_keys_are_the_printed_keys(args, at, tmp_path_factory, capsys):
    documented = GROUPS[(args, at)]
    patterns = [k for k in documented if "*" in k]
    plain = {k for k in documented if "*" not in k}
    objects = _objects_at(_output(args, tmp_path_factory, capsys), at)
    assert objects, f"`gigawatt {' '.join(args)}` prints no object at {at!r} to check"
    where = f"json.md, `gigawatt {' '.join(args)}` at {at or 'the top'}"
    for obj in objects:
        assert isinstance(obj, dict), f"{where}: not an object"
        printed = set(obj)
        missing = plain - printed
        assert not missing, f"{where}: documented but not printed: {sorted(missing)}"
        undocumented = {k for k in printed - plain if not any(fnmatchcase(k, p) for p in patterns)}
        assert not undocumented, f"{where}: printed but not documented: {sorted(undocumented)}"
        for p in patterns:
            assert any(fnmatchcase(k, p) for k in printed), f"{where}: {p} matches nothing"
