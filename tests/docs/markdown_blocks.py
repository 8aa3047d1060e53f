"""Fenced code blocks and marked tables of the documentation (README.md and docs/**/*.md).

Used by test_examples.py (runs the examples) and test_json_contracts.py (checks the key lists).
The conventions, written for authors in docs/getting-started.md ("Examples are tests"):

- A `console` (or `sh`) block runs each line that starts with `$ ` in a shell, in the page's
  own temporary directory; the lines up to the next `$ ` are its expected output (stdout and
  stderr together, 80 columns). `...` in an expected output stands for any text (as doctest's
  ELLIPSIS): use it for volatile parts such as timings and paths.
- A `pycon` block is a doctest (`>>> ` prompts, expected output below), a `python` block is
  run; all Python blocks of a page share one namespace, in page order.
- A block with `title="PATH"` (a scenario, a catalog file) is written to PATH in the page's
  directory, so later commands can use it.
- `<!-- docs-test: skip REASON -->` on the line before a block leaves it out; a `gigawatt`
  command in a block is either run or skipped with a reason, never silently ignored.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_SKIP = re.compile(r"^\s*<!--\s*docs-test:\s*skip\b\s*(?P<reason>.*?)\s*-->\s*$")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    attrs: dict[str, str]
    text: str
    skip: str | None  # the reason, when marked `docs-test: skip`
    indent: str = ""  # the fence's indentation (a block inside a list item)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """Every hand-written page: the README and docs/ (the generated snippets have no examples)."""
    docs = sorted(p for p in DOCS.rglob("*.md") if "_generated" not in p.parts)
    return [ROOT / "README.md", *docs]


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m["indent"], m["fence"], m["info"].strip()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not (
            lines[j].strip().startswith(fence) and lines[j].strip().strip(fence[0]) == ""
        ):
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            j += 1
        lang = info.split()[0].lstrip("{.").rstrip("}") if info else ""
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        skip = _SKIP.match(lines[k]) if k >= 0 else None
        out.append(
            Block(
                path=path,
                line=i + 1,
                lang=lang,
                attrs=dict(_ATTR.findall(info)),
                text="\n".join(body) + "\n",
                skip=(skip["reason"] or "no reason given") if skip else None,
                indent=indent,
            )
        )
        i = j + 1
    return out


@dataclass(frozen=True)
class Command:
    line: int  # 1-based line of the `$ ` in the file
    command: str
    expected: str
    output_line: int  # 1-based line of the first output line (tools/update_examples.py)
    output_lines: int


def console_commands(block: Block) -> list[Command]:
    """The `$ ` commands of a console block, each with the output shown under it.

    A command continues on the next line when its line ends with a backslash.
    """
    out: list[Command] = []
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        start = i
        command = lines[i][2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1] + " " + lines[i].strip()
        i += 1
        expected: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        out.append(
            Command(
                block.line + 1 + start,
                command.strip(),
                "\n".join(expected),
                block.line + 1 + i - len(expected),
                len(expected),
            )
        )
    return out


COMMAND_TIMEOUT_S = 300


#: The caller's PYTHONPATH made absolute where the test session started. Commands run in a
#: temporary folder (tests chdir there first): a relative one (`PYTHONPATH=src`, how a worktree
#: puts its own source first) would resolve there and silently run the installed package.
_PYTHONPATH = os.pathsep.join(
    str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
)


def command_env() -> dict[str, str]:
    """A reader's terminal, made reproducible: 80 columns, no colour, this environment's
    `gigawatt` first on PATH."""
    env = {k: v for k, v in os.environ.items() if k != "GIGAWATT_DEBUG"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if _PYTHONPATH:
        env["PYTHONPATH"] = _PYTHONPATH
    env.update(COLUMNS="80", LINES="50", TERM="dumb", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return env


def run_command(command: str, cwd: Path) -> tuple[int, str]:
    """Run one `$ ` command in a shell; its exit code and its output (stdout and stderr)."""
    proc = subprocess.run(
        command,
        shell=True,
        cwd=cwd,
        env=command_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
    )
    return proc.returncode, normalise(proc.stdout)


def write_titled_file(block: Block, cwd: Path) -> None:
    """A block with `title="PATH"` becomes the file PATH (relative, inside `cwd`)."""
    target = (cwd / block.attrs["title"]).resolve()
    if cwd.resolve() not in target.parents:
        raise ValueError(f"{block.where}: title must be a relative path inside the page's folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(block.text, encoding="utf-8")


def mentions_gigawatt_command(block: Block) -> bool:
    """True when a line of the block invokes the `gigawatt` command (after an optional `$ `)."""
    for line in block.text.splitlines():
        words = line.removeprefix("$ ").split()
        if words and words[0] == "gigawatt":
            return True
    return False


def ellipsis_match(expected: str, got: str) -> bool:
    """doctest's ELLIPSIS: `...` in `expected` matches any text, newlines included; a `...`
    line first or last also matches no line at all."""
    return any(_match(expected, g) for g in (got, got + "\n", "\n" + got))


def _match(expected: str, got: str) -> bool:
    if "..." not in expected:
        return expected == got
    pieces = expected.split("...")
    head, tail = pieces[0], pieces[-1]
    if not got.startswith(head) or not got.endswith(tail) or len(head) + len(tail) > len(got):
        return False
    pos, end = len(head), len(got) - len(tail)
    for piece in pieces[1:-1]:
        found = got.find(piece, pos, end)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def normalise(text: str) -> str:
    """Trailing spaces and leading/trailing blank lines are not part of an example's output."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip("\n")


# --- marked tables (docs/json.md) --------------------------------------------------------------

_JSON_MARK = re.compile(r"^<!--\s*json-keys:\s*(?P<args>[^|]*?)\s*(?:\|\s*(?P<at>\S*)\s*)?-->$")


@dataclass(frozen=True)
class KeyTable:
    path: Path
    line: int
    args: tuple[str, ...]  # the gigawatt command line (without `gigawatt`)
    at: str  # where the keys live: "" (the object), "years[]", "years[].peak_flops_per_s"
    keys: tuple[str, ...]  # the documented keys; `*` in a key is a wildcard


def key_tables(path: Path) -> list[KeyTable]:
    """Tables announced by `<!-- json-keys: ARGS | AT -->`: their first column's `keys`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        m = _JSON_MARK.match(line.strip())
        if not m:
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("|"):
            j += 1
        keys: list[str] = []
        j += 2  # the header and its separator
        while j < len(lines) and lines[j].startswith("|"):
            first_cell = lines[j].split("|")[1]
            keys.extend(re.findall(r"`([^`]+)`", first_cell))
            j += 1
        out.append(KeyTable(path, i + 1, tuple(shlex.split(m["args"])), m["at"] or "", tuple(keys)))
    return out
