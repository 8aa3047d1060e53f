"""The package's shape (DESIGN.md section 3): imports point down the layer order, no module
imports itself through others, and only the CLI names command-line flags.

Read from the source with `ast` (nothing is imported), every import counted, deferred ones
inside functions included.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gigawatt"

#: Bottom to top; a module may import its own layer and the layers below. Models never import
#: simulate, sweep, report, app or cli.
LAYERS: list[set[str]] = [
    {"units", "errors", "defaults"},
    {"yamlio", "io", "validation", "distributions", "display", "cache"},
    {"catalog"},
    {"scenario"},
    {"buildout", "costs"},
    {"perf", "reliability", "policy"},
    {"energy"},
    {"training"},
    {"deals"},
    {"finance", "ownership"},
    {"capability"},
    {"markets"},
    {"simulate"},
    {"sweep", "compare"},
    {"report"},
    {"app"},
    {"cli"},
    {"gigawatt"},  # the package's own __init__: the Python API
    {"__main__"},  # `python -m gigawatt`: the console script's entry (gigawatt_entry)
]
LAYER = {unit: i for i, units in enumerate(LAYERS) for unit in units}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_of(name: str) -> set[str]:
    """The gigawatt modules `name` imports (`from pkg import mod` counts as pkg.mod)."""
    path = MODULES[name]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "gigawatt")
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", node.level, name, path.name == "__init__.py")
            if target.split(".")[0] != "gigawatt":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in MODULES else target)
    return {m for m in out if m in MODULES} - {name}


GRAPH = {name: imports_of(name) for name in MODULES}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_every_unit_has_a_layer():
    assert {_unit(m) for m in MODULES} <= set(LAYER)


def test_imports_point_down_the_layers():
    upward = [
        f"{name} imports {dep}"
        for name, deps in GRAPH.items()
        for dep in sorted(deps)
        if LAYER[_unit(dep)] > LAYER[_unit(name)]
    ]
    assert upward == []


def _cycle() -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(GRAPH[node]):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(GRAPH):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle():
    assert _cycle() is None


def test_the_cycle_finder_finds_a_cycle(monkeypatch):
    monkeypatch.setitem(GRAPH, "gigawatt.units", {"gigawatt.errors"})
    monkeypatch.setitem(GRAPH, "gigawatt.errors", {"gigawatt.units"})
    assert _cycle() == ["gigawatt.errors", "gigawatt.units", "gigawatt.errors"]


#: A flag as a user types it: `--gpu-hours`. Backticked commands (`gigawatt perf --plan`) in
#: messages are examples a reader can run, not flags the library claims to have read.
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
BACKTICKED = re.compile(r"`[^`]*`")


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of each string literal but docstrings; an f-string as one text."""
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            out.append((node.lineno, text))
    return out


@pytest.mark.parametrize("name", sorted(m for m in MODULES if _unit(m) != "cli"))
def test_only_the_cli_names_flags(name):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    flags = [
        f"line {line}: {text!r}"
        for line, text in _strings(tree)
        if FLAG.search(BACKTICKED.sub("", text))
    ]
    assert flags == []


#: The research notes behind the project are not published: code cites the public sources
#: they name (the guide's rule for every source), never the notes themselves.
_NOTES = re.compile(
    r"\b(?:deals_and_policy|defaults|training_performance|anchor_codebases)\.md\b|"
    r"(?<!models/)\b(?:energy|reliability)\.md (?:\d|section)|"
    r"\bshared/reference\b"
)


def test_code_cites_public_sources_not_the_research_notes():
    src = Path(__file__).resolve().parents[1] / "src" / "gigawatt"
    cited = [
        f"{path.relative_to(src)}:{n}"
        for path in sorted(src.rglob("*.py"))
        if path != src / "catalog" / "schema.py"  # states the same rule for catalog sources
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if _NOTES.search(line)
    ]
    assert not cited, cited
