"""Rewrite the output shown under each `$ gigawatt ...` example with what the code prints now.

    python tools/update_examples.py [PAGE.md ...]   # default: README.md and every docs/ page

Runs each page's examples as tests/docs/test_examples.py does (same terminal, same order, its
titled files written first). An output shown in full is replaced; an output cut with `...`
is left alone when it still matches, and otherwise listed for a hand edit (which parts to cut
is an author's choice). Python (`pycon`) outputs are not rewritten: rerun the tests for them.
Review the diff before committing: a changed figure is a changed result.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "docs"))

from markdown_blocks import (  # noqa: E402
    blocks,
    console_commands,
    ellipsis_match,
    normalise,
    pages,
    run_command,
    write_titled_file,
)


def update_page(path: Path) -> list[str]:
    """Rewrite `path` in place; return the commands that need a hand edit."""
    lines = path.read_text(encoding="utf-8").splitlines()
    edits: list[tuple[int, int, list[str]]] = []
    by_hand: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        for block in blocks(path):
            if block.skip:
                continue
            if "title" in block.attrs:
                write_titled_file(block, cwd)
                continue
            for c in console_commands(block):
                code, got = run_command(c.command, cwd)
                where = f"{path.relative_to(ROOT)}:{c.line}"
                if code != 0:
                    by_hand.append(f"{where}: `{c.command}` exited {code}")
                elif ellipsis_match(normalise(c.expected), got):
                    continue
                elif "..." in c.expected:
                    by_hand.append(f"{where}: `{c.command}` (its output is cut with `...`)")
                else:
                    new = [block.indent + line for line in got.splitlines()]
                    edits.append((c.output_line - 1, c.output_lines, new))
    for start, count, new in sorted(edits, reverse=True):
        lines[start : start + count] = new
    if edits:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {len(edits)} output(s) rewritten")
    return by_hand


def main(argv: list[str]) -> int:
    targets = [Path(a).resolve() for a in argv] or pages()
    by_hand = [item for path in targets for item in update_page(path)]
    for item in by_hand:
        print(f"edit by hand: {item}", file=sys.stderr)
    return 1 if by_hand else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
