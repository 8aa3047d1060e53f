"""The generated pages (docs/cli.md, docs/_generated/*.md) are what the code produces now
(sqlite-utils' cog check): the CLI reference, the field tables, the module table and the
validation tables. After changing a command, a schema, a model or validation data, run
`python tools/gendocs.py`. The benchmark figures are written by `make bench` (they vary from
run to run, so only their provenance and coverage are checked here).
"""

from __future__ import annotations

import importlib.util
import re

import pytest
from markdown_blocks import DOCS, ROOT

_spec = importlib.util.spec_from_file_location("gendocs", ROOT / "tools" / "gendocs.py")
gendocs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gendocs)

GENERATED = DOCS / "_generated"


@pytest.mark.parametrize("name", list(gendocs.FILES))
def test_generated_file_is_current(name):
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == gendocs.FILES[name](), (
        f"docs/{name} is out of date: run `python tools/gendocs.py {name}`"
    )


def test_every_generated_file_is_included_somewhere():
    pages = "".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    included = set(re.findall(r'^--8<-- "_generated/([^"]+)"$', pages, flags=re.M))
    on_disk = {p.name for p in GENERATED.glob("*.md")}
    assert on_disk <= included, f"generated but shown nowhere: {sorted(on_disk - included)}"


def test_every_command_is_in_the_reference():
    """sqlite-utils' test_docs: every command of the app has its section."""
    import typer.main

    from gigawatt.cli import app

    group = typer.main.get_command(app)
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name in group.commands:
        assert f"## `gigawatt {name}`" in reference


#: Benchmarks of tools that are not dependencies of gigawatt: they skip where the tool is
#: missing, so a page written there has no figures of theirs.
OPTIONAL_TOOLS = {"bench_calculon.py": "calculon"}


def test_benchmark_figures_come_from_make_bench():
    page = (GENERATED / "benchmarks.md").read_text(encoding="utf-8")
    assert page.startswith("<!-- Written by `make bench`")
    for bench in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        tool = OPTIONAL_TOOLS.get(bench.name)
        if tool and importlib.util.find_spec(tool) is None:
            continue
        assert f"`{bench.name}::" in page, f"no figures from {bench.name}: run `make bench`"
