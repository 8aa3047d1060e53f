"""A newcomer's own scenario and flags, typed the way people type them: a year where a month
goes, a month where a date goes, a folder or an empty file for a scenario, a start month out of
range. Each is one `error:` line naming the field, the value as typed and what is allowed,
exit code 2 (docs/getting-started.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gigawatt
from cli_cases import cli
from conftest import USER_SCENARIO_YAML
from gigawatt.distributions import point


def refused(capsys, *args: str) -> str:
    code, out, err = cli(capsys, *args)
    assert (code, out) == (2, ""), (code, out, err)
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


DEAL = """\
deals:
  - id: my-deal
    source: my assumption
    as_of: {as_of}
    status: estimate
    investor: nvidia
    investee: me
    stage: definitive
    announced: {announced}
    signing: {signing}
    tranches:
      - {{name: first, amount_usd: 1e9, trigger: {{gw_deployed: 1}}, instrument: {{type: cash}}}}
"""


def _scenario(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "start: 2026-01",
            "start: 2026",
            "error: start: 2026 is not allowed: expected a month YYYY-MM (like 2026-07), "
            "not a year alone\n",
        ),
        (
            "online: 2026-06",
            "online: 202606",
            "error: sites[0].phases[0].online: 202606 is not allowed: expected a month YYYY-MM "
            "(like 2026-07)\n",
        ),
    ],
    ids=["start", "online"],
)
def test_a_year_or_number_where_a_month_goes(capsys, tmp_path, old, new, says):
    """YAML reads `2026` as a number: not pydantic's `expected a valid string`."""
    path = _scenario(tmp_path, USER_SCENARIO_YAML.replace(old, new))
    assert refused(capsys, "run", path, "--out", str(tmp_path / "out")) == says


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        (
            {"as_of": "2026-01-01", "announced": "2026-01", "signing": "2026-01"},
            "error: deals[0].announced: '2026-01' is not allowed: expected a date YYYY-MM-DD "
            "(like 2025-09-22)\n",
        ),
        (
            {"as_of": "2026", "announced": "2026-01-15", "signing": "2026-01"},
            "error: deals[0].as_of: 2026 is not allowed: expected a date YYYY-MM-DD "
            "(like 2025-09-22)\n",
        ),
        (
            {"as_of": "2026-01-01", "announced": "2026-01-15", "signing": "2026"},
            "error: deals[0].signing: 2026 is not allowed: expected a month YYYY-MM "
            "(like 2026-07), not a year alone\n",
        ),
    ],
    ids=["announced as a month", "as_of as a year", "signing as a year"],
)
def test_a_deal_date_written_another_way(capsys, tmp_path, fields, says):
    path = _scenario(tmp_path, USER_SCENARIO_YAML + DEAL.format(**fields))
    assert refused(capsys, "finance", path) == says


def test_the_deal_template_of_these_tests_is_read(capsys, tmp_path):
    """The deal above, written right, runs: the refusals are the dates', not the template's."""
    fields = {"as_of": "2026-01-01", "announced": "2026-01-15", "signing": "2026-01"}
    path = _scenario(tmp_path, USER_SCENARIO_YAML + DEAL.format(**fields))
    code, _, err = cli(capsys, "finance", path, "--json")
    assert code == 0, err


@pytest.mark.parametrize(
    ("content", "says"),
    [("", "the file is empty"), ("# to do\n", "the file is empty")],
    ids=["empty", "comments only"],
)
def test_an_empty_scenario_file_is_called_empty(capsys, tmp_path, content, says):
    path = _scenario(tmp_path, content)
    err = refused(capsys, "run", path, "--out", str(tmp_path / "out"))
    assert err.startswith(f"error: {path}: {says}; expected a mapping of scenario fields")
    assert "`gigawatt show`" in err


def test_a_folder_given_as_the_scenario_is_called_a_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my-scenarios").mkdir()
    err = refused(capsys, "run", "my-scenarios", "--out", "out")
    assert err == (
        "error: SCENARIO: 'my-scenarios' is a folder; allowed: a scenario file, or a built-in "
        "name (`gigawatt scenarios`)\n"
    )


@pytest.mark.parametrize("start", ["1980-01", "2101-01-05"])
def test_a_start_month_out_of_range_is_shown_as_typed(capsys, start):
    err = refused(
        capsys, "train", "--model", "llama3-8b", "--system", "h100", "--gpus", "8",
        "--tokens", "1e9", "--start", start,
    )  # fmt: skip
    allowed = "must be a month from 1990-01 to 2100-12"
    assert err == f"error: --start: {start} is not allowed: {allowed}\n"


# --- a deal the scenario never signs -----------------------------------------------------------

UNSIGNED = """\
deals:
  - id: my-term-sheet
    source: my assumption
    as_of: 2026-01-01
    status: estimate
    investor: nvidia
    investee: me
    stage: term-sheet
    announced: 2026-01-15
    tranches:
      - {name: first, amount_usd: 5e9, trigger: {gw_deployed: 0.5}, instrument: {type: cash}}
      - {name: second, amount_usd: 7.5e9, trigger: {gw_deployed: 1}, instrument: {type: cash}}
"""


def test_an_unsigned_deal_says_why_it_releases_nothing(capsys, tmp_path):
    """A term sheet without `signing` releases nothing (deals.py: nothing before the definitive
    agreement): `run` and `finance` say so, rather than print zeros as if computed; signed, the
    same deal releases its tranches and the caveat is gone."""
    path = _scenario(tmp_path, USER_SCENARIO_YAML + UNSIGNED)
    code, out, err = cli(capsys, "run", path, "--out", str(tmp_path / "out"), "--json")
    assert code == 0, err
    run = json.loads(out)
    assert sum(y["tranches_released_usd"] for y in run["years"]) == 0
    (caveat,) = [c for c in run["caveats"] if "my-term-sheet" in c]
    assert caveat.startswith("Deal my-term-sheet (term-sheet) is never signed in this scenario")
    assert "its 2 tranches (USD 12.5B) release nothing" in caveat
    assert "`signing: YYYY-MM`" in caveat
    code, out, err = cli(capsys, "finance", path, "--json")
    assert code == 0 and caveat in json.loads(out)["caveats"]

    signed = USER_SCENARIO_YAML + UNSIGNED.replace("stage: term-sheet", "stage: definitive")
    path = _scenario(tmp_path, signed)
    code, out, err = cli(capsys, "run", path, "--out", str(tmp_path / "out2"), "--json")
    assert code == 0, err
    run = json.loads(out)
    assert sum(y["tranches_released_usd"] for y in run["years"]) == pytest.approx(12.5e9)
    assert not [c for c in run["caveats"] if "my-term-sheet" in c]


def test_a_superseded_deal_gets_no_unsigned_caveat(capsys):
    """nvidia-openai-2026-actual ends the letter of intent unsigned, as happened: its caveats
    say nothing of an unsigned deal."""
    code, out, err = cli(capsys, "finance", "nvidia-openai-2026-actual", "--json")
    assert code == 0, err
    assert not [c for c in json.loads(out)["caveats"] if "never signed" in c]


# --- a cost override outside its cited range ---------------------------------------------------


def _costs_run(capsys, tmp_path, costs: str, command: str = "run") -> list[str]:
    path = _scenario(tmp_path, USER_SCENARIO_YAML + f"costs:\n{costs}")
    extra = ["--out", str(tmp_path / "out")] if command == "run" else []
    code, out, err = cli(capsys, command, path, *extra, "--json")
    assert code == 0, err
    return [c for c in json.loads(out)["caveats"] if c.startswith("Costs:")]


def test_a_cost_override_outside_its_cited_range_is_a_caveat(capsys, tmp_path, catalog):
    """`capex_usd_per_gw: 50` (billions meant) made capex all but zero without a word: now run
    and finance name the override, its value and the record's cited range."""
    param = catalog.parameter("capex-usd-per-gw")
    for command in ("run", "finance"):
        (caveat,) = _costs_run(capsys, tmp_path, "  capex_usd_per_gw: 50\n", command)
        assert caveat.startswith("Costs: the scenario's capex-usd-per-gw (50 usd_per_gw) lies ")
        assert f"range, {param.low:.4g} to {param.high:.4g} (status {param.status};" in caveat
    inside = (param.low + param.high) / 2
    assert _costs_run(capsys, tmp_path, f"  capex_usd_per_gw: {inside!r}\n") == []


def test_a_distribution_override_is_judged_by_its_point_value(capsys, tmp_path, catalog):
    param = catalog.parameter("facility-usd-per-w")
    low, high = param.low / 4, param.low / 2
    costs = f"  facility_usd_per_w: {{uniform: {{low: {low!r}, high: {high!r}}}}}\n"
    (caveat,) = _costs_run(capsys, tmp_path, costs)
    assert f"facility-usd-per-w ({(low + high) / 2:.4g} usd_per_w) lies outside" in caveat


def test_the_built_in_scenarios_overrides_lie_in_their_ranges(capsys):
    """Every built-in scenario's `costs` are inside the catalog's cited ranges: no caveat."""
    code, out, _ = cli(capsys, "scenarios", "--json")
    for entry in json.loads(out)["scenarios"]:
        code, out, err = cli(capsys, "finance", entry["name"], "--json")
        assert code == 0, err
        assert not [c for c in json.loads(out)["caveats"] if c.startswith("Costs:")]


# --- a power per accelerator in the wrong unit -------------------------------------------------


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("0.7", "0.7 is not allowed: must be >= 10 W, what an accelerator draws at least "
         "(meant in kW? write 700)"),
        ("0", "0 is not allowed: must be >= 10 W, what an accelerator draws at least"),
    ],
    ids=["kW typed", "zero"],
)  # fmt: skip
def test_footprint_power_per_accelerator_in_kw_is_refused(capsys, given, says):
    """`--power-w-per-gpu 0.7` (kW meant) printed a footprint a thousand times too small, its
    power rounded to `1 W`; below the catalog's floor for a training accelerator it is refused."""
    err = refused(
        capsys, "footprint", "--system", "h100", "--gpu-hours", "1e6", "--power-w-per-gpu", given
    )
    assert err == f"error: --power-w-per-gpu: {says}\n"


def test_footprint_power_at_the_floor_is_taken(capsys, catalog):
    from gigawatt.catalog.schema import MIN_TRAINING_W

    code, out, err = cli(
        capsys, "footprint", "--system", "h100", "--gpu-hours", "1e6",
        "--power-w-per-gpu", str(MIN_TRAINING_W), "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["power_w_per_gpu"] == MIN_TRAINING_W


# --- a grid intensity in the wrong unit ---------------------------------------------------------


def test_footprint_grid_intensity_in_kg_is_refused(capsys, catalog):
    """`--grid-gco2-per-kwh 0.4` (kg/kWh meant) printed a footprint a thousand times too small;
    below the catalog's floor (the lowest life-cycle intensity of any technology, IPCC AR5
    WGIII Table A.III.2) it is refused, naming the figure it meant."""
    floor = catalog.get("energy", "grid-intensity-floor-gco2-per-kwh").value
    assert floor > 0.4
    err = refused(
        capsys, "footprint", "--system", "h100", "--gpu-hours", "1e6", "--grid-gco2-per-kwh", "0.4"
    )
    assert err.startswith(
        f"error: --grid-gco2-per-kwh: 0.4 is not allowed: must be 0 or >= {floor:g} gCO2e/kWh"
    )
    assert err.endswith("(meant in kg/kWh? write 400)\n")


@pytest.mark.parametrize("given", ["0", "floor"])
def test_footprint_grid_intensity_zero_or_at_the_floor_is_taken(capsys, catalog, given):
    """0 (a zero-carbon what-if) stays allowed, as does the floor itself."""
    floor = catalog.get("energy", "grid-intensity-floor-gco2-per-kwh").value
    value = 0.0 if given == "0" else floor
    code, out, err = cli(
        capsys, "footprint", "--system", "h100", "--gpu-hours", "1e6",
        "--grid-gco2-per-kwh", f"{value:g}", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["grid_gco2_per_kwh_used"] == value
    assert data["co2e_t"] == pytest.approx(data["energy_mwh"] * value / 1e3)


def _user_region(tmp_path, catalog, gco2_per_kwh: float) -> Path:
    """A user catalog folder with one region, a copy of us-ercot at `gco2_per_kwh`."""
    record = catalog.region("us-ercot").model_dump(mode="json", exclude_none=True)
    record.update(id="my-grid", name="My grid", aliases=[], grid_gco2_per_kwh=gco2_per_kwh)
    folder = tmp_path / "mycat"
    folder.mkdir()
    (folder / "regions.yaml").write_text(json.dumps([record]))  # JSON is YAML
    return folder


def test_user_region_grid_intensity_in_kg_is_refused_at_load(capsys, tmp_path, catalog):
    """A user region with `grid_gco2_per_kwh: 0.4` (kg/kWh meant) gave footprints a thousand
    times too small; below the catalog's floor it is refused when the catalog is loaded, the
    error naming the file, record, field, value and floor, and the figure it meant."""
    from gigawatt.catalog import Catalog
    from gigawatt.errors import InputError

    floor = catalog.get("energy", "grid-intensity-floor-gco2-per-kwh").value
    assert floor > 0.4
    folder = _user_region(tmp_path, catalog, 0.4)
    err = refused(
        capsys, "--catalog", str(folder), "footprint", "--system", "h100", "--gpu-hours", "1e6",
        "--region", "my-grid",
    )  # fmt: skip
    assert "regions.yaml[my-grid].grid_gco2_per_kwh" in err
    assert f"0.4 is not allowed: must be 0 or >= {floor:g} gCO2e/kWh" in err
    assert err.endswith("(meant in kg/kWh? write 400)\n")
    with pytest.raises(InputError, match="meant in kg/kWh"):
        Catalog.load([folder])


@pytest.mark.parametrize("given", ["0", "floor"])
def test_user_region_grid_intensity_zero_or_at_the_floor_is_taken(capsys, tmp_path, catalog, given):
    """0 (a zero-carbon what-if, as `footprint --grid-gco2-per-kwh 0` allows) and the floor
    itself load, and the footprint uses the region's figure."""
    floor = catalog.get("energy", "grid-intensity-floor-gco2-per-kwh").value
    value = 0.0 if given == "0" else floor
    folder = _user_region(tmp_path, catalog, value)
    code, out, err = cli(
        capsys, "--catalog", str(folder), "footprint", "--system", "h100", "--gpu-hours", "1e6",
        "--region", "my-grid", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["grid_gco2_per_kwh_used"] == value
    assert data["co2e_t"] == pytest.approx(data["energy_mwh"] * value / 1e3)


# --- compare: a scenario without cost overrides against one with them ---------------------------


def test_compare_shows_the_catalog_cost_a_scenario_does_not_override(capsys, tmp_path, catalog):
    """My scenario (no `costs`) against amd-openai-6gw (its `costs` equal the catalog's point
    values) listed `costs: {} | (none)` and `facility-usd-per-w: (none) | 11.7`, a difference
    that is none: both runs use the catalog's 11.7. Overridden differently, the row shows the
    catalog's value for the scenario without the override."""
    mine = _scenario(tmp_path, USER_SCENARIO_YAML)
    code, out, err = cli(capsys, "compare", mine, "amd-openai-6gw", "--json")
    assert code == 0, err
    paths = [row["input"] for row in json.loads(out)["inputs_differ"]]
    assert not [p for p in paths if p == "costs" or p.startswith("costs.")]

    other = tmp_path / "other.yaml"
    price = catalog.parameter("facility-usd-per-w")
    other.write_text(
        USER_SCENARIO_YAML.replace("name: t", "name: u")
        + f"costs:\n  facility_usd_per_w: {price.high!r}\n",
        encoding="utf-8",
    )
    code, out, err = cli(capsys, "compare", mine, str(other), "--json")
    assert code == 0, err
    (row,) = json.loads(out)["inputs_differ"]
    assert row == {
        "input": "costs.facility-usd-per-w",
        "values": {"t": point(price.value), "u": price.high},
    }


# --- an output folder named like a file --------------------------------------------------------


def test_run_out_named_like_a_file_is_refused(capsys, tmp_path, monkeypatch):
    """`run --out results.json` made a folder called results.json; a new --out ending in a file
    type gigawatt writes is refused, and an existing folder of such a name is still used."""
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, "run", "nvidia-openai-10gw", "--out", "results.json")
    assert err == (
        "error: --out: 'results.json' is a file name; allowed: a folder, which gets "
        "results.parquet, summary.json, report.html and manifest.json\n"
    )
    assert not (tmp_path / "results.json").exists()
    (tmp_path / "mine.json").mkdir()
    code, _, err = cli(capsys, "run", "nvidia-openai-10gw", "--out", "mine.json", "--json")
    assert code == 0, err
    assert (tmp_path / "mine.json" / "summary.json").is_file()


# --- gigawatt --version ------------------------------------------------------------------------


def test_version_prints_the_version_the_manifest_records(capsys, tmp_path):
    """`gigawatt --version` was 'no such option'; it prints what a run's manifest.json records."""
    code, out, err = cli(capsys, "--version")
    assert (code, err) == (0, "")
    code, _, err = cli(capsys, "run", "nvidia-openai-10gw", "--out", str(tmp_path / "o"), "--json")
    assert code == 0, err
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert out == f"gigawatt {manifest['gigawatt_version']}\n"


def test_version_after_a_command_says_where_it_goes(capsys):
    err = refused(capsys, "run", "--version")
    assert err.startswith(
        "error: --version: an option of gigawatt itself, without a command (`gigawatt --version`)"
    )


@pytest.mark.parametrize("tokens", ["-15T", "-15e12"])
def test_negative_tokens_are_told_they_must_be_positive(capsys, tokens):
    """Not 'expected a number like 15.6e12 or 15.6T': -15T is a number, just not a count."""
    err = refused(
        capsys, "train", "--model", "llama3-8b", "--system", "h100", "--gpus", "8",
        "--tokens", tokens,
    )  # fmt: skip
    assert err.startswith("error: --tokens: ") and err.endswith(" is not allowed: must be > 0\n")
    assert tokens in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "--scenario", "x.yaml"], "--scenario: no such option; SCENARIO is an argument: "
         "`gigawatt run SCENARIO`"),
        (["finance", "--scenario=x.yaml"], "--scenario: no such option; SCENARIO is an argument: "
         "`gigawatt finance SCENARIO`"),
        (["catalog", "--kind", "regions"], "--kind: no such option; KIND is an argument: "
         "`gigawatt catalog KIND`"),
    ],
    ids=["run --scenario", "finance --scenario=", "catalog --kind"],
)  # fmt: skip
def test_an_argument_given_as_an_option_says_it_is_an_argument(capsys, args, says):
    err = refused(capsys, *args)
    assert err == f"error: {says} (see `gigawatt {args[0]} --help`)\n"


# --- a site on the catalog's PUE ---------------------------------------------------------------


def test_a_site_without_pue_is_named_in_a_caveat(capsys, tmp_path, catalog):
    """The default PUE (an efficient campus's) was used without a word; run, energy and finance
    now name the sites that rest on it, with the record's value, status and range. A site that
    gives its own PUE, even the same number, gets none."""
    record = catalog.get("energy", "default-pue")
    path = _scenario(tmp_path, USER_SCENARIO_YAML)
    code, out, err = cli(capsys, "run", path, "--out", str(tmp_path / "o"), "--json")
    assert code == 0, err
    (caveat,) = [c for c in json.loads(out)["caveats"] if "no pue" in c]
    assert caveat.startswith(
        f"Site s1 gives no pue and takes the catalog's default-pue, {point(record.value):g} "
        f"(status {record.status}, cited range {record.low:g} to {record.high:g};"
    )
    assert caveat.endswith("and so do the accelerators its power holds.")  # facility basis

    code, out, err = cli(capsys, "energy", path, "--json")  # energy's figures rest on it too
    assert code == 0, err
    assert [c for c in json.loads(out)["caveats"] if "no pue" in c] == [caveat]
    code, out, err = cli(capsys, "finance", path, "--json")  # it bills that energy, and capex
    assert code == 0, err  # buys the accelerators it counts: finance names it as run does
    assert [c for c in json.loads(out)["caveats"] if "no pue" in c] == [caveat]

    own = USER_SCENARIO_YAML.replace(
        "region: us-ercot", f"region: us-ercot\n    pue: {point(record.value)!r}"
    )
    path = _scenario(tmp_path, own)
    code, out, err = cli(capsys, "run", path, "--out", str(tmp_path / "o2"), "--json")
    assert code == 0, err
    assert not [c for c in json.loads(out)["caveats"] if "no pue" in c]


def test_run_and_finance_list_the_same_input_caveats(capsys, tmp_path, catalog):
    """`Results.input_caveats` is the one list of the scenario's inputs' caveats: run and
    finance show it whole and in the same order (here a cost override outside its cited range,
    a power price that is an estimate and a site on the catalog's PUE)."""
    estimated = next(
        r.id
        for r in catalog.all("regions")
        if (r.field_status or {}).get("power_price_usd_per_mwh") == "estimate"
    )
    text = USER_SCENARIO_YAML.replace("region: us-ercot", f"region: {estimated}")
    path = _scenario(tmp_path, text + "costs:\n  capex_usd_per_gw: 50\n")
    inputs = gigawatt.run(path).input_caveats()
    assert [c[:6] for c in inputs] == ["Costs:", "Region", "Site s"]
    shown = {}
    for command in ("run", "finance"):
        extra = ["--out", str(tmp_path / "o")] if command == "run" else []
        code, out, err = cli(capsys, command, path, *extra, "--json")
        assert code == 0, err
        shown[command] = [c for c in json.loads(out)["caveats"] if c in inputs]
    assert shown["run"] == shown["finance"] == inputs


# --- a region whose power price is an estimate -------------------------------------------------


def test_a_region_whose_power_price_is_an_estimate_is_a_caveat(capsys, tmp_path, catalog):
    """A site in a region whose power price has status estimate (field_status) gets a caveat in
    run and finance naming the region, its sites and the price; a region with a sourced price
    gets none."""
    estimated = [
        r
        for r in catalog.all("regions")
        if (r.field_status or {}).get("power_price_usd_per_mwh") == "estimate"
    ]
    sourced = [
        r
        for r in catalog.all("regions")
        if (r.field_status or {}).get("power_price_usd_per_mwh") not in (None, "estimate")
    ]
    assert estimated and sourced
    for region, caveats in ((estimated[0], 1), (sourced[0], 0)):
        text = USER_SCENARIO_YAML.replace("region: us-ercot", f"region: {region.id}")
        path = _scenario(tmp_path, text)
        for command in ("run", "finance"):
            extra = ["--out", str(tmp_path / "o")] if command == "run" else []
            code, out, err = cli(capsys, command, path, *extra, "--json")
            assert code == 0, err
            found = [c for c in json.loads(out)["caveats"] if c.startswith("Region ")]
            assert len(found) == caveats
            if caveats:
                price = f"USD {region.power_price_usd_per_mwh:g} per MWh, has status estimate"
                assert found[0].startswith(f"Region {region.id} (s1): its industrial power price")
                assert price in found[0]


def test_train_cost_names_an_estimated_power_price(capsys, catalog):
    """train's cost basis names the region's power price when it is an estimate, as it names
    the systems price's status; a sourced price is named by its region alone."""
    regions = catalog.all("regions")
    status = {r.id: (r.field_status or {}).get("power_price_usd_per_mwh") for r in regions}
    estimated = next(r for r in regions if status[r.id] == "estimate")
    sourced = next(r for r in regions if status[r.id] not in (None, "estimate"))
    for region, said in (
        (estimated, f"({estimated.id}, USD {estimated.power_price_usd_per_mwh:g} per MWh, "
                    "estimate)"),
        (sourced, f"({sourced.id})"),
    ):  # fmt: skip
        code, out, err = cli(
            capsys, "train", "--model", "llama3-8b", "--system", "h100", "--gpus", "8",
            "--tokens", "1e9", "--region", region.id, "--json",
        )  # fmt: skip
        assert code == 0, err
        assert json.loads(out)["cost_detail"].endswith(said)


@pytest.mark.parametrize(
    ("power", "hint"),
    [("200", " (meant in MW? 200 MW is 0.2 GW)"), ("60000", "")],
    ids=["megawatts typed", "too large either way"],
)
def test_a_phase_power_in_megawatts_gets_a_hint(capsys, tmp_path, power, hint):
    path = _scenario(tmp_path, USER_SCENARIO_YAML.replace("power_gw: 1.0", f"power_gw: {power}"))
    err = refused(capsys, "run", path, "--out", str(tmp_path / "o"))
    assert err == (
        f"error: sites[0].phases[0].power_gw: {power} is not allowed: must be > 0 and <= 50{hint}\n"
    )


# --- the Python API ----------------------------------------------------------------------------


def test_simulate_takes_a_scenario_name_or_file(catalog, user_scenario_file):
    """`simulate("nvidia-openai-10gw")` raised AttributeError ('str' object has no attribute
    'resolve'); a name or a file is read with load_scenario, as gigawatt.app's functions do."""
    from gigawatt.scenario import load_scenario
    from gigawatt.simulate import simulate

    by_name = simulate("nvidia-openai-10gw", catalog, until="energy")
    loaded = simulate(load_scenario("nvidia-openai-10gw", catalog), catalog, until="energy")
    assert by_name.years() == loaded.years()
    assert simulate(str(user_scenario_file), catalog, until="energy").scenario.name == "t"


def test_sweep_takes_the_scenario_as_text_like_the_other_scenario_commands(tmp_path):
    """gigawatt.app.sweep("x.yaml", samples=...) said 'give a SweepRequest or its fields as
    keywords, not both', where run, finance, energy, capability and sensitivity take the
    scenario as their first argument."""
    import gigawatt.app as gw

    store = tmp_path / "s.duckdb"
    by_text = gw.sweep("nvidia-openai-10gw", samples=1, store=store).to_json()
    by_field = gw.sweep(scenario="nvidia-openai-10gw", samples=1, store=store).to_json()
    assert by_text["sweep_id"] == by_field["sweep_id"]


@pytest.mark.parametrize(
    ("given", "region"),
    [("United Arab Emirates", "ae"), ("us_ercot", "us-ercot"), ("New South Wales", "au-nsw")],
)
def test_a_region_written_as_its_name_is_found(capsys, catalog, given, region):
    """A record's display name or a spaced/underscored id finds the record, as an alias does;
    'United Arab Emirates', the name `gigawatt catalog regions` prints, was an unknown region."""
    assert catalog.region(given).id == region and catalog.has("regions", given)
    code, out, err = cli(
        capsys, "footprint", "--system", "a100", "--gpu-hours", "1e6", "--region", given, "--json"
    )
    assert code == 0, err
    assert json.loads(out)["region"] == region


def test_supply_says_its_wind_is_a_generic_site(capsys, catalog):
    """`energy --supply` printed 'wind CF 0.47' for Abu Dhabi from a mean wind speed that is
    one generic onshore site's for every site; it now names that speed and where it is from."""
    pytest.importorskip("pypsa")
    speed = point(catalog.get("energy", "wind-mean-speed-m-per-s").value)
    args = ["energy", "nvidia-openai-10gw", "--supply", "tx-abilene", "--hours", "24"]
    code, out, err = cli(capsys, *args, "--json")
    assert code == 0, err
    assert json.loads(out)["supply"]["wind_mean_speed_m_per_s"] == speed
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    flat = " ".join(out.split())
    assert f"(a synthetic wind at a mean {speed:g} m/s, the catalog's generic onshore site," in flat
    share = point(catalog.get("energy", "supply-grid-import-cap-share").value)
    assumed = f"Grid import limit: the catalog's supply-grid-import-cap-share, {share:.2g} of"
    assert assumed in flat  # the default limit is named as an assumption ...
    code, out, err = cli(capsys, *args, "--grid-import-mw", "100")
    assert code == 0, err
    assert "Grid import limit" not in " ".join(out.split())  # ... a limit given is the user's


@pytest.mark.parametrize("form", ["--out=~/runs", "--out ~/runs"])
def test_a_tilde_in_an_output_path_is_the_home_folder(capsys, tmp_path, monkeypatch, form):
    """`--out=~/runs` reaches the command unexpanded (a shell expands `~` only at a word's
    start) and made a folder called `~` in the current one; it is the home folder."""
    home, here = tmp_path / "home", tmp_path / "here"
    home.mkdir()
    here.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(here)
    code, _, err = cli(capsys, "run", "nvidia-openai-10gw", *form.split(), "--json")
    assert code == 0, err
    assert (home / "runs" / "summary.json").is_file()
    assert not (here / "~").exists()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_scenario_saved_as_utf16_says_so(capsys, tmp_path, encoding):
    """Windows Notepad's "Unicode" is UTF-16 with a byte-order mark: 'not a text file' told the
    user nothing they could act on."""
    path = tmp_path / "mine.yaml"
    path.write_bytes(USER_SCENARIO_YAML.encode(encoding))
    err = refused(capsys, "run", str(path), "--out", str(tmp_path / "o"))
    name = encoding.upper()
    assert err == f"error: {path}: {name} text; allowed: UTF-8 (save the file as UTF-8)\n"


def test_gigawatts_own_json_given_as_a_scenario_says_what_it_is(capsys, tmp_path):
    """`gigawatt show NAME --json > s.json` or a run's summary.json given back as a scenario
    printed a note that it differs from the built-in and five missing or unknown fields."""
    code, out, _ = cli(capsys, "show", "nvidia-openai-10gw", "--json")
    shown = tmp_path / "s.json"
    shown.write_text(out, encoding="utf-8")
    err = refused(capsys, "run", str(shown), "--out", str(tmp_path / "o"))
    assert err.startswith(f"error: {shown}: holds `gigawatt show --json` output")

    code, _, err = cli(capsys, "run", "nvidia-openai-10gw", "--out", str(tmp_path / "o"), "--json")
    assert code == 0, err
    summary = tmp_path / "o" / "summary.json"
    err = refused(capsys, "finance", str(summary))
    assert err.startswith(f"error: {summary}: holds the results of a run")


def test_a_sweep_of_a_scenario_without_distributions_says_so(capsys, tmp_path):
    """A sweep of a scenario with no distributions ran its samples and advised 'run more
    --samples'; every sample is the plain run, and it now says that instead."""
    path = _scenario(tmp_path, USER_SCENARIO_YAML)
    store = str(tmp_path / "s.duckdb")
    code, out, err = cli(capsys, "sweep", path, "--samples", "2", "--store", store)
    assert code == 0, err
    flat = " ".join(out.split())
    assert "The scenario has no uncertain inputs (no field written as a distribution)" in flat
    assert "run more --samples" not in flat


@pytest.mark.parametrize("command", [[], ["run"], ["footprint"]])
def test_help_as_a_command_is_the_help(capsys, command):
    """`gigawatt help` and `gigawatt help run` were 'no such command'."""
    code, by_word, err = cli(capsys, "help", *command)
    assert (code, err) == (0, "")
    code, by_flag, _ = cli(capsys, *command, "--help")
    assert code == 0 and by_word == by_flag and by_word.startswith("Usage: gigawatt")


def test_a_decimal_comma_gets_a_hint(capsys, tmp_path):
    """`pue: 1,3` or `--pue 1,2` (a decimal comma, as much of Europe writes) is refused with the
    number meant; `1,000` may be a thousands separator and gets no guess."""
    block = "- online: 2026-06\n        power_gw: 0,5\n        system: dgx-b200"
    text = USER_SCENARIO_YAML.replace("- {online: 2026-06, power_gw: 1.0, system: dgx-b200}", block)
    err = refused(capsys, "run", _scenario(tmp_path, text), "--out", str(tmp_path / "o"))
    assert err.startswith("error: sites[0].phases[0].power_gw: '0,5' is not allowed: ")
    assert err.endswith(" (a decimal point, not a comma: 0.5)\n")
    footprint = ["footprint", "--system", "h100", "--gpu-hours", "1e6", "--pue"]
    assert "(a decimal point, not a comma: 1.2)" in refused(capsys, *footprint, "1,2")
    assert "decimal point" not in refused(capsys, *footprint, "1,000")


def test_a_decimal_comma_in_a_flow_mapping_is_explained(capsys, tmp_path):
    """In `{online: 2026-06, power_gw: 1,25, ...}` YAML reads `power_gw: 1` and a key 25: the
    refusal said 'phases[0][25]: 25 is not allowed: keys should be strings'."""
    text = USER_SCENARIO_YAML.replace("power_gw: 1.0", "power_gw: 1,25")
    code, out, err = cli(capsys, "run", _scenario(tmp_path, text), "--out", str(tmp_path / "o"))
    assert (code, out) == (2, "")
    assert err == (
        "error: sites[0].phases[0]: 25 is not allowed as a field name: in a {...} mapping a "
        "comma ends an entry, so a decimal comma (`x: 1,25`) reads as `x: 1` and a field 25; "
        "write a decimal point\n"
    )


def test_catalog_brief_lists_ids_and_names(capsys, catalog):
    """`gigawatt catalog regions` prints some 900 lines of sources; --brief gives the ids to
    pick from, one line each, with their names."""
    code, out, err = cli(capsys, "catalog", "regions", "--brief")
    assert code == 0, err
    lines = out.splitlines()
    regions = catalog.all("regions")
    assert lines[0] == f"regions: {len(regions)} records"
    assert lines[1 : 1 + len(regions)] == [f"{r.id}: {r.name}" for r in regions]
    assert lines[-1] == "`gigawatt catalog regions ID` shows one with its sources."


@pytest.mark.parametrize("args", [["catalog", "--brief"], ["catalog", "regions", "ae", "--brief"]])
def test_catalog_brief_without_a_kind_alone_is_refused(capsys, args):
    err = refused(capsys, *args)
    assert err == (
        "error: --brief: lists a kind's records; allowed: with KIND alone "
        "(`gigawatt catalog KIND --brief`)\n"
    )


def test_a_power_in_kilowatts_where_watts_go_gets_a_hint(capsys, tmp_path):
    """A system override `it_power_w_per_accelerator: 2.1` (2.1 kW meant) is below the 10 W
    floor: the refusal names the watts meant."""
    phase = (
        "{online: 2026-06, power_gw: 1.0, system: {use: dgx-b200, it_power_w_per_accelerator: 2.1}}"
    )
    text = USER_SCENARIO_YAML.replace("{online: 2026-06, power_gw: 1.0, system: dgx-b200}", phase)
    err = refused(capsys, "run", _scenario(tmp_path, text), "--out", str(tmp_path / "o"))
    assert err == (
        "error: sites[0].phases[0].system.it_power_w_per_accelerator: 2.1 is not allowed: "
        "must be >= 10 (meant in kW? write 2100)\n"
    )


def test_tokens_with_a_decimal_comma_get_the_number_meant(capsys):
    err = refused(
        capsys, "train", "--model", "llama3-8b", "--system", "h100", "--gpus", "8",
        "--tokens", "1,5T",
    )  # fmt: skip
    assert err.endswith("15.6T (a decimal point, not a comma: 1.5T)\n")


@pytest.mark.parametrize(("extra", "named"), [([], True), (["--ramp-limit-mw-per-s", "1"], False)])
def test_swings_name_their_default_ramp_limit_as_an_estimate(capsys, extra, named):
    args = ["energy", "nvidia-openai-10gw", "--swings", "tx-abilene", *extra]
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    flat = " ".join(out.split())
    said = (
        "(the catalog's grid-ramp-limit-share-per-s, an estimate,",
        "--ramp-limit-mw-per-s sets",
    )
    assert all(s in flat for s in said) is named
