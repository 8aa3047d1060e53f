"""docs/models/money.md: every number on the page is generated (tools/money_doc.py) and current."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("money_doc", ROOT / "tools" / "money_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_money_page_tables_are_current(catalog):
    tool = _tool()
    text = tool.PAGE.read_text(encoding="utf-8")
    assert tool.update(text, catalog) == text, (
        "docs/models/money.md is out of date: run .venv/bin/python tools/money_doc.py"
    )


def test_money_page_prose_types_no_figures():
    """Outside the generated blocks, no money or price figure is typed by hand."""
    text = (ROOT / "docs" / "models" / "money.md").read_text(encoding="utf-8")
    prose = re.sub(r"<!-- generated:(\S+) -->.*?<!-- /generated:\1 -->", "", text, flags=re.S)
    assert not re.findall(r"USD\s*[0-9]|\$\s*[0-9]|[0-9]+(\.[0-9]+)?\s*(B|M|k)\b", prose)
