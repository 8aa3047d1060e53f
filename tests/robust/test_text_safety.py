"""User text is printed as written (issue 13): never read as Rich markup, emoji codes or
terminal control sequences, in scenario titles and names and in `--catalog` sources."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import gigawatt
from cli_cases import cli
from conftest import TOY_CATALOG, toy_scenario_data
from gigawatt.display import plain_text

TITLE = "Plan [/oops] for 2026 in [usd/gw] :thumbs_up: \x1b[2J\x1b[31mred\x07"


def test_plain_text_escapes_control_characters():
    assert plain_text("a\x1b[31mb\x07c\x9b") == "a\\x1b[31mb\\x07c\\x9b"
    assert plain_text("tab\tnew\nline [b]") == "tab\tnew\nline [b]"


@pytest.fixture
def titled(tmp_path):
    path = tmp_path / "titled.yaml"
    data = toy_scenario_data(title=TITLE)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", ["energy", "capability"])
def test_a_title_with_markup_prints_as_written(capsys, titled, command):
    code, out, err = cli(capsys, "--catalog", str(TOY_CATALOG), command, titled)
    assert code == 0, err
    assert "Plan [/oops] for 2026 in [usd/gw] :thumbs_up: \\x1b[2J\\x1b[31mred\\x07" in out
    assert "\x1b" not in out and "\x07" not in out


def test_markup_in_a_catalog_source_prints_as_written(capsys, tmp_path):
    folder = tmp_path / "cat"
    folder.mkdir()
    shipped = Path(gigawatt.__file__).parent / "catalog" / "regions.yaml"
    record = next(
        r for r in yaml.safe_load(shipped.read_text(encoding="utf-8")) if r["id"] == "us-ercot"
    )
    record.pop("aliases", None)
    record.update(
        id="odd-region", name="Odd [/name]", source="A report [/oops] \x1b]0;pwned\x07 [bold]x"
    )
    (folder / "regions.yaml").write_text(yaml.safe_dump([record]), encoding="utf-8")
    code, out, err = cli(capsys, "--catalog", str(folder), "catalog", "regions")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "Odd [/name]" in flat
    assert "[/oops]" in flat and "[bold]x" in flat.replace(" ", "")
    assert "\x1b" not in out and "\x07" not in out
