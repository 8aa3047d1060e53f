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


def test_figures_in_the_meanings_are_the_codes():
    """The figures a key's meaning quotes: the sweep's band-confidence settings, the
    sensitivity's levels, the deal amount given as an example (a catalog input)."""
    from gigawatt.catalog import Catalog
    from gigawatt.sweep.confidence import CONFIDENCE, samples_needed
    from gigawatt.sweep.result import OUTER_LEVEL_PCT
    from gigawatt.sweep.sensitivity import CONF_LEVEL, TORNADO_LEVELS

    page = " ".join(PAGE.read_text(encoding="utf-8").split())
    p = OUTER_LEVEL_PCT / 100
    assert f"`p90_above_highest_draw` ({1 - p:g}^n)" in page
    assert f"with probability at least `level` ({CONFIDENCE:g})" in page
    assert f"(null below `samples_for_ranks`, {samples_needed(p, CONFIDENCE)})" in page
    levels = ", ".join(f"{x:g}" for x in TORNADO_LEVELS)
    assert f"the input quantiles of the tornado (`[{levels}]`)" in page
    assert f"the confidence level of the Sobol intervals ({CONF_LEVEL:g})" in page
    deal = Catalog.load().get("deals", "amd-openai-2025")
    purchase = next(t for t in deal.tranches if t.instrument.type == "purchase-commitment")
    assert f"AMD-OpenAI's USD {purchase.amount_usd / 1e9:g}B for the first GW" in page
    assert "ESTIMATE" in deal.note and "an estimate in the catalog's deal" in page
    from gigawatt.energy.params import energy_param
    from gigawatt.perf.search import IDLE_TOLERANCE

    assert f"with `--search` up to {100 * IDLE_TOLERANCE:g} % of the accelerators may stay" in page
    cat = Catalog.load()
    low, high = (energy_param(cat, f"grid-band-{e}-hz") for e in ("low", "high"))
    assert f"the swing in the {low:g}-{high:g} Hz band" in page


def test_facility_power_is_not_called_the_grid_connection():
    """run's Build-out caption says facility GW is IT x the annual-average PUE, so the grid
    connection's peak is higher; the JSON page must not call `facility_power_gw` the power at
    the grid connection, or an analyst reading the key alone sizes the connection from it."""
    page = " ".join(PAGE.read_text(encoding="utf-8").split())
    assert (
        "| `facility_power_gw`, `it_power_gw` | facility power (IT × each site's annual-"
        "average PUE, at design load: the grid connection's peak on the hottest hours is "
        "higher)" in page
    )


#: The same commands without the options the page's examples give (no `--search`, no
#: `--trials`, no `--swings`/`--supply`, no `--prices`, another scenario): DESIGN.md section 7
#: says listed keys are always present (null when not computed), so each documented key of an
#: object printed at all must be there too.
VARIANTS = {
    "perf": ("perf", "--model", "llama3-8b", "--system", "dgx-h100", "--gpus", "8", "--json"),
    "reliability": ("reliability", "--gpus", "1024", "--days", "10", "--json"),
    "energy": ("energy", "amd-openai-6gw", "--json"),
    "market": ("market", "--json"),
    "footprint": ("footprint", "--system", "a100", "--gpu-hours", "1000",
                  "--grid-gco2-per-kwh", "100", "--json"),
    "train": ("train", "--model", "llama3-8b", "--tokens", "1T", "--system", "dgx-h100",
              "--gpus", "64", "--region", "fr", "--json"),
    "finance": ("finance", "stargate-10gw", "--json"),
    "capability": ("capability", "amd-openai-6gw", "--json"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_documented_keys_are_always_present(name, tmp_path_factory, capsys):
    data = _output(VARIANTS[name], tmp_path_factory, capsys)
    checked = 0
    for (args, at), documented in GROUPS.items():
        if args[0] != name:
            continue
        plain = {k for k in documented if "*" not in k}
        try:
            objects = _objects_at(data, at)
        except (KeyError, TypeError):  # an object not printed here (null): nothing to hold
            continue
        for obj in objects:
            if isinstance(obj, dict):
                missing = plain - set(obj)
                assert not missing, f"`gigawatt {' '.join(VARIANTS[name])}` at {at!r}: {missing}"
                checked += 1
    assert checked, f"no documented object printed by {name}"
