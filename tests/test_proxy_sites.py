"""Sites marked `proxy: true`: a location the scenario assumes is said in a caveat.

The default scenario places the letter's 10 GW at sites named after OpenAI's campuses although
the letter names no sites; `run` printed "tx-abilene" with 2 GW of IT power and no word that
the place is an assumption (the real Abilene campus is 1.2 GW at the grid).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gigawatt
from cli_cases import cli
from conftest import USER_SCENARIO_YAML
from gigawatt.scenario import load_scenario, proxy_site_caveats

TWO_SITES = USER_SCENARIO_YAML + (
    "  - name: s2\n"
    "    region: us-pjm\n"
    "    phases:\n"
    "      - {online: 2026-09, power_gw: 0.5, system: dgx-b200}\n"
)


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _proxy_caveats(caveats: list[str]) -> list[str]:
    return [c for c in caveats if "`proxy: true`" in c]


def test_a_proxy_site_is_named_in_every_command_that_shows_sites(capsys, tmp_path):
    """run, finance, energy and capability name the proxy site (and only it), in one caveat."""
    path = _file(tmp_path, TWO_SITES.replace("region: us-pjm", "region: us-pjm\n    proxy: true"))
    seen = {}
    for command in ("run", "finance", "energy", "capability"):
        extra = ["--out", str(tmp_path / "o")] if command == "run" else []
        code, out, err = cli(capsys, command, path, *extra, "--json")
        assert code == 0, err
        seen[command] = _proxy_caveats(json.loads(out)["caveats"])
    (caveat,) = seen["run"]
    assert caveat.startswith("Site s2 is a proxy (`proxy: true`): its location is an assumption")
    assert "s1" not in caveat
    assert seen["finance"] == seen["energy"] == seen["capability"] == [caveat]


def test_sites_without_proxy_get_no_caveat(capsys, tmp_path, catalog):
    path = _file(tmp_path, TWO_SITES)
    assert all(not site.proxy for site in load_scenario(path, catalog).sites)
    code, out, err = cli(capsys, "run", path, "--out", str(tmp_path / "o"), "--json")
    assert code == 0, err
    assert _proxy_caveats(json.loads(out)["caveats"]) == []


def test_proxy_takes_a_boolean_only(capsys, tmp_path):
    path = _file(
        tmp_path,
        USER_SCENARIO_YAML.replace("region: us-ercot", "region: us-ercot\n    proxy: maybe"),
    )
    code, out, err = cli(capsys, "run", path, "--json")
    assert (code, out) == (2, "")
    assert "sites[0].proxy" in err and "maybe" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "proxies"),
    [
        # the letter names no sites: every site is the scenario's assumption (its header)
        ("nvidia-openai-10gw", "all"),
        ("nvidia-openai-2026-actual", "all"),  # extends the default's build-out
        ("amd-openai-6gw", "all"),  # "Sites ... are assumptions of this scenario"
        ("stargate-10gw", ["later-site"]),  # the only site no announcement names
    ],
)
def test_built_in_scenarios_mark_their_assumed_sites(catalog, name, proxies):
    scenario = load_scenario(name, catalog)
    names = [site.name for site in scenario.sites]
    marked = [site.name for site in scenario.sites if site.proxy]
    assert marked == (names if proxies == "all" else proxies)
    (caveat,) = proxy_site_caveats(scenario)
    for site in marked:
        assert site in caveat
    for site in set(names) - set(marked):
        assert site not in caveat


def test_the_default_run_and_its_report_say_the_sites_are_proxies(catalog):
    """`run` lists it with the scenario's inputs' caveats, and the report shows every caveat
    `Results.caveats` gives (tests/report/test_report.py), so it is in both."""
    results = gigawatt.run("nvidia-openai-10gw")
    (caveat,) = proxy_site_caveats(results.scenario)
    assert caveat.startswith("Sites tx-abilene, ")
    assert caveat in results.input_caveats()
    assert caveat in results.caveats()
