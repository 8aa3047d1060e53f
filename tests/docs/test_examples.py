"""Every example in the README and docs/ runs, and prints what the page shows.

The conventions are in markdown_blocks.py's docstring and docs/getting-started.md. Each page
runs in its own temporary directory, its blocks in page order, like a reader at a terminal:
commands run as the installed `gigawatt` script (a new process, 80 columns, no colour), Python
blocks in one namespace per page.
"""

from __future__ import annotations

import difflib
import doctest
import io
import os
from pathlib import Path

import pytest
from markdown_blocks import (
    ROOT,
    Block,
    blocks,
    command_env,
    console_commands,
    ellipsis_match,
    mentions_gigawatt_command,
    normalise,
    pages,
    run_command,
    write_titled_file,
)

SHELLS = {"console", "sh", "shell", "bash"}
FILES = {"yaml", "toml", "json", "csv", "text"}


def _diff(expected: str, got: str) -> str:
    return "\n".join(
        difflib.unified_diff(
            expected.splitlines(), got.splitlines(), "shown", "printed", lineterm=""
        )
    )


def _run_console(block: Block, cwd: Path) -> int:
    commands = console_commands(block)
    for c in commands:
        code, got = run_command(c.command, cwd)
        where = f"{block.path.relative_to(ROOT)}:{c.line}"
        if code != 0:
            pytest.fail(f"{where}: `{c.command}` exited {code}:\n{got}")
        expected = normalise(c.expected)
        if not ellipsis_match(expected, got):
            pytest.fail(
                f"{where}: `{c.command}` printed something else (rewrite the shown output with "
                f"`python tools/update_examples.py`):\n{_diff(expected, got)}"
            )
    return len(commands)


def _run_pycon(block: Block, globs: dict) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.text, globs, block.where, str(block.path), block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = io.StringIO()
    runner.run(test, out=report.write, clear_globs=False)
    globs.update(test.globs)
    if runner.failures:
        pytest.fail(f"{block.where}: the example's output differs\n{report.getvalue()}")


def _runnable(path: Path) -> bool:
    return any(b.lang in SHELLS | {"pycon", "python"} or "title" in b.attrs for b in blocks(path))


PAGES = [p for p in pages() if _runnable(p)]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_examples(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    globs: dict = {"__name__": "__docs__"}
    for block in blocks(page):
        if block.skip:
            continue
        if "title" in block.attrs and block.lang in FILES | {"python"}:
            write_titled_file(block, tmp_path)
        elif block.lang in SHELLS:
            ran = _run_console(block, tmp_path)
            assert ran or not mentions_gigawatt_command(block), (
                f"{block.where}: a `gigawatt` command that is not run: write it as "
                "`$ gigawatt ...` with its output, or mark the block "
                "`<!-- docs-test: skip REASON -->`"
            )
        elif block.lang == "pycon":
            _run_pycon(block, globs)
        elif block.lang == "python":
            exec(compile(block.text, block.where, "exec"), globs)


def test_skipped_blocks_say_why():
    for page in pages():
        for block in blocks(page):
            assert block.skip != "no reason given", f"{block.where}: say why it is skipped"


def test_readme_shows_an_executed_cli_and_python_example():
    readme = blocks(ROOT / "README.md")
    assert any(b.lang == "console" and console_commands(b) and not b.skip for b in readme)
    assert any(b.lang == "pycon" and ">>> " in b.text and not b.skip for b in readme)


def test_ellipsis_marker():
    assert ellipsis_match("took ... s", "took 1.25 s")
    assert ellipsis_match("a\n...\nz", "a\nb\nc\nz")
    assert not ellipsis_match("took ... s", "took 1.25 ms!")
    assert not ellipsis_match("ab...ba", "aba")  # head and tail may not overlap
    assert ellipsis_match("exact", "exact") and not ellipsis_match("exact", "exactly")
    assert ellipsis_match("a\n...", "a") and ellipsis_match("...\nz", "z")


def test_commands_run_this_checkout_whatever_the_folder(tmp_path, monkeypatch):
    """Pages run in a temporary folder; a relative PYTHONPATH (`PYTHONPATH=src` in a worktree)
    must still point at this checkout's source, not resolve there and fall back to the
    installed package (the examples once checked another checkout's output)."""
    monkeypatch.chdir(tmp_path)
    entries = [p for p in command_env().get("PYTHONPATH", "").split(os.pathsep) if p]
    assert all(Path(p).is_absolute() for p in entries)
    assert all(tmp_path not in Path(p).parents for p in entries)
