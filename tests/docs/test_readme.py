"""The README is the front door: short, the two commands, every command, links that resolve.
Its examples run in test_examples.py."""

from __future__ import annotations

import re

import typer.main
from markdown_blocks import ROOT

from gigawatt.cli import app

README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
MAX_BYTES = 10_240  # DESIGN.md section 3: a front door, <= 10 KB


def test_readme_is_short():
    assert len(TEXT.encode("utf-8")) <= MAX_BYTES


def test_the_two_commands():
    block = re.search(r"## Two commands\n.*?```sh\n(.*?)```", TEXT, flags=re.S)
    assert block, "the README shows the two commands"
    commands = [line.split("#")[0].strip() for line in block[1].splitlines()]
    assert commands == ["make run", "make test"]


def test_every_command_is_listed_with_its_reference():
    group = typer.main.get_command(app)
    for name in group.commands:
        assert f"(docs/cli.md#gigawatt-{name})" in TEXT, f"README: no row for `gigawatt {name}`"


def test_relative_links_resolve():
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", TEXT):
        assert (ROOT / target).exists(), f"README links to {target}, which does not exist"


def test_money_section_states_the_price_basis():
    """Issue 11: the README's money section states the price basis and its sources."""
    section = re.search(r"## Money: the price basis\n(.*?)\n## ", TEXT, flags=re.S)
    assert section, "the README has a money section"
    assert "(docs/models/money.md#the-price-basis)" in section[1]
    assert "gigawatt catalog systems" in section[1]


def test_the_programme_figures_are_the_deal_records():
    """The opening's figures (the letter of intent and what replaced it) are the catalog deal
    records', which carry their sources (`gigawatt catalog deals`); the README names the scenario
    that models what happened."""
    from gigawatt.catalog import Catalog

    cat = Catalog.load()
    loi = cat.get("deals", "nvidia-openai-loi-2025")
    equity = cat.get("deals", "nvidia-openai-equity-2026")
    flat = " ".join(TEXT.split())
    words = {10: "ten"}
    assert f"letter of intent of {loi.announced:%-d %B %Y}: at least {words[int(loi.gw)]}" in flat
    assert "up to a hundred billion dollars" in flat and loi.cap_usd == 100e9
    (tranche,) = [t for t in equity.tranches if t.instrument.type == "equity"]
    assert (
        f"replaced in {equity.announced:%b %Y} by USD {tranche.amount_usd / 1e9:g}B of equity: "
        "scenario `nvidia-openai-2026-actual`" in flat
    )
