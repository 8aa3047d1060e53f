"""`gigawatt footprint` and `gigawatt energy`: JSON contracts, exit codes, rendering."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cli_cases import cli

FOOTPRINT_KEYS = {  # DESIGN.md section 7 (a contract) plus the keys this command adds
    "energy_mwh",
    "co2e_t",
    "co2e_market_t",
    "embodied_co2e_t",
    "water_m3",
    "grid_gco2_per_kwh_used",
    "grid_source",
    "energy_dynamic_mwh",
    "energy_idle_mwh",
    "co2e_with_embodied_t",
    "water_generation_m3",
    "country_equivalent",
}


def test_footprint_json_reproduces_llama_65b(capsys) -> None:
    """Touvron et al. 2023 Table 15: 1,022,362 GPU-hours, 400 W, PUE 1.1, 0.385 kg/kWh."""
    code, out, err = cli(
        capsys,
        "footprint",
        "--system",
        "a100",
        "--gpu-hours",
        "1022362",
        "--power-w-per-gpu",
        "400",
        "--pue",
        "1.1",
        "--grid-gco2-per-kwh",
        "385",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= FOOTPRINT_KEYS
    assert data["energy_mwh"] == pytest.approx(449, rel=0.01)
    assert data["co2e_t"] == pytest.approx(173, rel=0.01)
    assert data["grid_gco2_per_kwh_used"] == 385
    assert data["grid_source"] == "user value (grid_gco2_per_kwh)"


def test_footprint_region_and_table(capsys) -> None:
    code, out, err = cli(
        capsys, "footprint", "--system", "gb300", "--gpu-hours", "2e6", "--region", "no-no1"
    )
    assert code == 0, err
    assert "Electricity Maps" in out and "CO2e with embodied" in out and "24 g/kWh" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gpu-hours", "-3"], "--gpu-hours"),
        (["--gpu-hours", "10", "--region", "fr", "--grid-gco2-per-kwh", "50"], "alternatives"),
        (["--gpu-hours", "10", "--region", "mars"], "unknown region 'mars'"),
        (["--gpu-hours", "10", "--clean-supply-share", "2"], "--clean-supply-share"),
        (["--gpu-hours", "ten"], "--gpu-hours: 'ten' is not allowed"),
    ],
)
def test_footprint_bad_input_exit_2(capsys, args, message) -> None:
    code, out, err = cli(capsys, "footprint", "--system", "h100", *args, "--json")
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_energy_json(capsys) -> None:
    code, out, err = cli(capsys, "energy", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"] == "nvidia-openai-10gw"
    assert data["swings"] is None and data["supply"] is None
    last = data["years"][-1]
    for key in (
        "energy_twh",
        "co2e_t",
        "co2e_market_t",
        "embodied_co2e_t",
        "water_m3",
        "country_equivalent",
    ):
        assert key in last
    assert {s["site"] for s in data["sites"]} >= {"tx-abilene", "oh-lordstown"}


def test_energy_swings_table(capsys) -> None:
    code, out, err = cli(capsys, "energy", "--swings", "tx-abilene", "--job-accelerators", "50000")
    assert code == 0, err
    assert "Power swings at tx-abilene" in out and "site-battery" in out


def test_swings_say_a_whole_site_trip_is_a_step_beside_nerc_and_ercot_figures(capsys) -> None:
    """A site trip (or failover to backup power) drops its whole draw at once: the swings
    output sets it beside NERC's reviewed 1,500 MW data-centre load loss (10 Jul 2024) and, at
    an ERCOT site, ERCOT's 2,600 MW largest single loss within its frequency limit, with the
    site's rated facility power as a share of it (2,300 / 2,600 = 88 % at tx-abilene)."""
    from gigawatt.catalog import Catalog
    from gigawatt.energy.sites import step_change_note

    cat = Catalog.load()
    assert cat.get("energy", "grid-load-loss-observed-mw").value == 1500
    assert cat.get("energy", "ercot-load-loss-limit-mw").value == 2600
    code, out, err = cli(
        capsys, "energy", "--swings", "tx-abilene", "--job-accelerators", "50000", "--json"
    )
    assert code == 0, err
    sw = json.loads(out)["swings"]
    note = sw["step_change_note"]
    assert f"up to its {sw['site_facility_power_mw']:,.0f} MW rated facility power" in note
    assert "1,500 MW" in note and "2,600 MW" in note
    assert f"{sw['site_facility_power_mw'] / 2600:.0%} of it" in note
    pjm = step_change_note(cat, "us-pjm", 2300.0, 1500.0)
    assert "1,500 MW" in pjm and "ERCOT" not in pjm


def test_energy_supply_short_horizon_json(capsys) -> None:
    pytest.importorskip("pypsa")
    code, out, err = cli(
        capsys, "energy", "--supply", "tx-abilene", "--hours", "48", "--co2-cap-t", "2e6", "--json"
    )
    assert code == 0, err
    supply = json.loads(out)["supply"]  # exactly one JSON object: HiGHS's banner went elsewhere
    assert supply["termination_condition"] == "optimal"
    assert supply["co2_t_per_year"] <= 2e6 * (1 + 1e-6)
    assert supply["load_mw"] > 1000
    from gigawatt.catalog import Catalog

    gas = Catalog.load().get("supply-technologies", "gas-ccgt")
    assert supply["gas_delivery_lead_years"] == gas.delivery_lead_years > 0


def test_supply_summary_says_gas_has_no_reserve_and_a_delivery_lead_time():
    """The least-cost gas plant is sized to the hours it must run and costed at a steady state:
    an analyst must not read it as a firm plant a 2026 campus could have. The line says both,
    with the catalog's quoted turbine lead time; without gas in the optimum it says nothing."""
    from gigawatt.cli.energy import _gas_line

    line = _gas_line({"capacity_mw": {"gas": 1569.0}, "gas_delivery_lead_years": 4.5})
    assert "no reserve for outages or maintenance" in line
    assert "wait about 4.5 years for delivery" in line and "steady-state cost" in line
    unquoted = _gas_line({"capacity_mw": {"gas": 1569.0}, "gas_delivery_lead_years": None})
    assert "no reserve" in unquoted and "years" not in unquoted
    assert _gas_line({"capacity_mw": {"gas": 0.0}, "gas_delivery_lead_years": 4.5}) == ""


def test_gas_lead_time_is_an_order_at_the_end_of_2026():
    """GE Vernova's heavy-duty turbine slots: orders of April 2025 delivered in 2028 (3 years);
    at its Dec 2025 investor update, booked through 2028 and expected sold out through 2030 by
    the end of 2026, so an order then waits for a 2031 slot: 4.5 years, an analyst figure."""
    from gigawatt.catalog import Catalog

    gas = Catalog.load().get("supply-technologies", "gas-ccgt")
    assert gas.delivery_lead_years == 4.5
    assert gas.field_statuses()["delivery_lead_years"] == "analyst"
    assert "sold out through 2030" in gas.source


ENTRY = "from gigawatt_entry import main; main()"  # the `gigawatt` script, in a fresh process


def test_energy_supply_text_mode_prints_no_solver_banner(tmp_path) -> None:
    """HiGHS prints its banner when a process builds its first solver object, before options
    can silence it; in a fresh process (as a user runs it) neither stdout nor stderr carries
    it, and stdout starts with gigawatt's own output."""
    pytest.importorskip("pypsa")
    run = subprocess.run(
        [sys.executable, "-c", ENTRY, "energy", "--supply", "tx-abilene", "--hours", "24"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        env={**os.environ, "GIGAWATT_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert run.returncode == 0, run.stderr
    assert "Running HiGHS" not in run.stdout and "Copyright" not in run.stdout
    assert "Running HiGHS" not in run.stderr
    assert run.stdout.startswith("nvidia-openai-10gw")
    assert "Least-cost supply for tx-abilene" in run.stdout


def test_energy_unknown_site_exit_2(capsys) -> None:
    code, out, err = cli(capsys, "energy", "--supply", "tx-abilen", "--json")
    assert code == 2 and out == "" and "did you mean 'tx-abilene'" in err


@pytest.mark.parametrize("flag", ["--swings", "--supply"])
def test_energy_unknown_site_lists_the_scenarios_sites(capsys, flag) -> None:
    """A name with no close match still tells the user what to write: the scenario's sites."""
    from gigawatt.catalog import Catalog
    from gigawatt.scenario import load_scenario

    sites = sorted(s.name for s in load_scenario("nvidia-openai-10gw", Catalog.load()).sites)
    code, out, err = cli(capsys, "energy", flag, "nope")
    assert code == 2 and out == ""
    assert err == (
        f"error: {flag}: unknown site 'nope'; allowed: the sites of scenario "
        f"nvidia-openai-10gw: {', '.join(sites)}\n"
    )


def test_energy_supply_without_pypsa_exit_1(capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pypsa", None)
    code, out, err = cli(capsys, "energy", "--supply", "tx-abilene", "--json")
    assert code == 1 and out == ""
    assert "gigawatt[supply]" in err and "Traceback" not in err


def test_run_prints_the_energy_table(capsys, tmp_path) -> None:
    code, out, err = cli(capsys, "run", "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert "Energy (calendar year" in out and "Mt CO2e" in out
    # the 2030s' CO2e uses today's grid: the caption must say the intensity is held flat
    assert "latest annual life-cycle grid intensity, held flat for later years" in " ".join(
        out.split()
    )
    # run's summary shows the generators' water beside the site's, under the same label
    assert "gen. water: consumed off site to generate the facility energy" in " ".join(out.split())


def test_energy_table_shows_generation_water_beside_site_water(capsys) -> None:
    """The water consumed to generate the campus's electricity (life-cycle, at the
    generators and in their fuel supply) is most of its water: the text table prints it per
    year, as --json has it, next to the site's, so a reader of the table alone sees both.
    Stargate's Oracle sites are closed-loop (no cooling water), so there the generation
    column is several times the site column."""
    code, out, err = cli(capsys, "energy", "stargate-10gw", "--json")
    assert code == 0, err
    years = {y["year"]: y for y in json.loads(out)["years"]}
    code, out, err = cli(capsys, "energy", "stargate-10gw")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    header = [line for line in out.splitlines() if line.startswith("┃")]
    assert any("Gen." in line for line in header)
    flat = " ".join(out.split())
    assert "gen. water: consumed off site to generate the facility energy" in flat
    assert "life-cycle consumption factors of Meldrum et al. 2013" in flat
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("│").split("│")]
        if line.startswith("│") and cells[0].isdigit() and int(cells[0]) in years:
            rows[int(cells[0])] = cells
    assert set(rows) == set(years)
    for year, cells in rows.items():
        site, gen = float(cells[5]), float(cells[6])
        assert site == pytest.approx(years[year]["water_m3"] / 1e6, abs=0.051)
        assert gen == pytest.approx(years[year]["water_generation_m3"] / 1e6, abs=0.051)
    last = max(years)
    assert years[last]["water_generation_m3"] > 3 * years[last]["water_m3"] > 0


def test_energy_text_gives_each_sites_water_as_json_does(capsys) -> None:
    """--json and the report give each site's site water and generation water; the text
    printed neither. Beside the sites table's eight columns the two do not fit 80 columns, so a
    table of them, one line per site, follows it, labelled as the yearly table's."""
    code, out, err = cli(capsys, "energy", "stargate-10gw", "--json")
    assert code == 0, err
    sites = {s["site"]: s for s in json.loads(out)["sites"]}
    code, out, err = cli(capsys, "energy", "stargate-10gw")
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    start = next(i for i, line in enumerate(lines) if line.startswith("Water by site"))
    assert start > next(i for i, line in enumerate(lines) if line.startswith("Sites ("))
    header = next(line for line in lines[start:] if line.startswith("┃"))
    assert [c.strip() for c in header.strip("┃").split("┃")] == [
        "Site",
        "Site water Mm3",
        "Gen. water Mm3",
    ]
    rows = {}
    for line in lines[start:]:
        if line.startswith("└"):
            break
        cells = [c.strip() for c in line.strip("│").split("│")]
        if line.startswith("│"):
            rows[cells[0]] = cells
    assert set(rows) == set(sites)
    for name, (_, site, gen) in rows.items():
        assert float(site) == pytest.approx(sites[name]["water_m3"] / 1e6, abs=0.051)
        assert float(gen) == pytest.approx(sites[name]["water_generation_m3"] / 1e6, abs=0.051)
    # a closed-loop site draws no cooling water; what generates its power does
    assert any(sites[n]["water_m3"] == 0 < sites[n]["water_generation_m3"] for n in sites)


def test_swing_caption_says_when_a_step_falls_short_of_the_draw() -> None:
    """At a low busy share the compute phase is capped at TDP and a step averages less than
    the energy stage's draw: the caption says so (it claimed the step averaged the draw)."""
    from gigawatt.cli.energy import _power_note

    levels = {
        "busy_power_w_per_accelerator": 700.0,
        "idle_power_w_per_accelerator": 90.0,
        "host_power_w_per_accelerator": 250.0,
        "training_draw_w_per_accelerator": 991.0,
    }
    capped = _power_note({**levels, "utilisation": 0.5})  # 90 + 0.5 x 610 + 250 = 645 W
    assert "a step averages 645 W, below the energy stage's 991 W" in capped
    exact = _power_note({**levels, "utilisation": (991.0 - 340.0) / 610.0})
    assert "a step averages the energy stage's 991 W;" in exact


def test_embodied_column_names_its_unit_as_co2e(capsys) -> None:
    """Every carbon column reads `Mt CO2e ...` (`Mt embodied` left the gas out)."""
    code, out, err = cli(capsys, "energy")
    assert code == 0, err
    header = [line for line in out.splitlines() if line.startswith("┃")]
    assert sum(line.count("Mt CO2e") for line in header) >= 3
    assert "Mt embodied" not in out
    # quoted alone, the operational column must say it is location-based (as the market one
    # says market): the yearly table's and the sites table's
    assert sum(line.count("location") for line in header) == 2


def test_swing_plan_note_says_the_accelerators_the_plan_uses():
    """A plan that multiplies to fewer accelerators than the traced job (no split uses them
    all; the rest idle) must say so, not leave a plan that does not add up to the job."""
    from gigawatt.cli.energy import _plan_note

    plan = {"tp": 4, "pp": 4, "cp": 1, "ep": 1, "dp": 2048}
    note = ", plan tp=4,pp=4,dp=2048 (on 32,768 of 32,800, the rest idle)"
    assert _plan_note(plan, 32800) == note
    assert _plan_note(plan, 32768) == ", plan tp=4,pp=4,dp=2048"


def test_the_supply_summary_names_the_capacity_charge_on_the_peak_import():
    """Where the region bills a capacity charge the summary says what it is billed on (the
    peak grid import), what it comes to a year and its held-flat caveat; elsewhere nothing."""
    from gigawatt.cli.energy import _capacity_line

    s = {
        "capacity_charge_usd_per_mw_day": 292.7,
        "grid_peak_import_mw": 152.7,
        "capacity_charge_usd_per_year": 152.7 * 292.7 * 365,
        "capacity_charge_caveat": "us-pjm (x, 2029): held flat.",
    }
    line = _capacity_line(s)
    assert "USD 292.70 per MW-day" in line and "153 MW" in line
    assert f"{152.7 * 292.7 * 365 / 1e6:,.1f} M USD/yr" in line
    assert line.endswith("us-pjm (x, 2029): held flat.")
    assert _capacity_line({**s, "capacity_charge_usd_per_mw_day": 0.0}) == ""


def test_energy_says_its_carbon_is_average_not_marginal_and_what_embodied_leaves_out(capsys):
    """An energy analyst reads a campus's CO2e as consequential unless told otherwise: the
    output says the intensity is the annual average (GHG Protocol location-based), not the
    marginal emissions of the added load, that market-based without a residual mix is a lower
    bound, and what embodied carbon leaves out (it said none of these)."""
    code, out, err = cli(capsys, "energy", "--json")
    assert code == 0, err
    (scope,) = [c for c in json.loads(out)["caveats"] if c.startswith("Carbon is attributional")]
    assert "annual average grid intensity" in scope and "not the marginal emissions" in scope
    # location-based in method, but life-cycle factors: more than a Scope 2 inventory counts
    assert "though life-cycle" in scope and "Scope 2 inventory's direct factors" in scope
    assert "residual mix, so it is a lower bound" in scope
    # no default-scenario site contracts clean supply, so its two columns are equal: say why
    assert "equals the location-based one" in scope
    assert "not the scale-out network, storage, buildings" in scope
    code, out, err = cli(capsys, "energy")
    assert code == 0 and "Carbon is attributional" in " ".join(out.split())


def test_scope_caveat_drops_the_equal_columns_note_when_a_site_contracts_clean_supply():
    from gigawatt.catalog import Catalog
    from gigawatt.energy.programme import scope_caveats
    from gigawatt.scenario import load_scenario

    cat = Catalog.load()
    sc = load_scenario("nvidia-openai-10gw", cat)
    site = sc.sites[0].model_copy(update={"clean_supply_share": 0.5})
    (text,) = scope_caveats(sc.model_copy(update={"sites": [site, *sc.sites[1:]]}))
    assert "lower bound" in text and "equals the location-based" not in text


def test_sites_rated_power_says_it_uses_the_annual_pue(capsys):
    """`Rated` is IT at design load x the annual-average PUE; a grid connection is sized for
    the hottest hours' PUE, so the caption must say the connection's peak is higher (as the
    build-out table's does), or an analyst reads Rated as the interconnection size."""
    code, out, err = cli(capsys, "energy")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "Rated: facility power at design load = IT x the site's annual-average PUE" in flat
    assert "grid connection's peak on the hottest hours is higher; Draw" in flat


def test_footprint_rows_say_average_not_marginal_and_market_is_a_lower_bound(capsys):
    """The footprint's two operational rows name their basis as the energy command does: the
    grid's annual average, not the marginal rate, and market-based without a residual mix."""
    code, out, err = cli(
        capsys, "footprint", "--system", "dgx-h100", "--gpu-hours", "1e6", "--region", "us-pjm"
    )
    assert code == 0, err
    flat = " ".join(out.replace("│", " ").split())
    assert "annual average (not the marginal rate)" in flat
    assert "not the residual mix: a lower bound" in flat
    # a user's own intensity may be marginal or residual: the rows then claim neither
    code, out, err = cli(
        capsys,
        "footprint",
        "--system",
        "dgx-h100",
        "--gpu-hours",
        "1e6",
        "--grid-gco2-per-kwh",
        "385",
    )
    assert code == 0, err
    assert "marginal" not in out and "residual" not in out


def test_a_region_without_a_generation_water_factor_is_named_not_counted_silently(tmp_path):
    """A user catalog's region may leave out `water_intensity_l_per_kwh`: its sites' generation
    water then counts zero in the Gen. water column and --json, and a caveat names them. The
    shipped regions all carry the factor, so the built-in scenarios print no such caveat."""
    import yaml

    from gigawatt.catalog import Catalog
    from gigawatt.energy.programme import generation_water_caveats
    from gigawatt.scenario import load_scenario

    shipped = Catalog.load()
    ercot = shipped.region("us-ercot").model_dump(mode="json", exclude_none=True)
    ercot.pop("water_intensity_l_per_kwh")
    ercot["field_status"].pop("water_intensity_l_per_kwh", None)
    ercot["id"] = "test-no-water-factor"
    ercot.pop("aliases", None)
    (tmp_path / "regions.yaml").write_text(yaml.safe_dump([ercot], sort_keys=False))
    cat = Catalog.load([tmp_path])
    assert cat.region("test-no-water-factor").water_intensity_l_per_kwh is None

    sc = load_scenario("stargate-10gw", shipped)
    assert generation_water_caveats(sc, shipped) == ()
    moved = sc.sites[0].model_copy(update={"region": "test-no-water-factor"})
    sc = sc.model_copy(update={"sites": [moved, *sc.sites[1:]]})
    (text,) = generation_water_caveats(sc, cat)
    assert f"Generation water leaves out {moved.name} (test-no-water-factor)" in text
    assert "counts zero" in text
    # run prints the Gen. water column too: its caveats say the same
    from gigawatt.simulate import simulate

    assert text in simulate(sc, cat, until="energy").caveats()


def test_each_sites_generation_water_sums_to_the_programmes(capsys, catalog) -> None:
    """`sites[].water_generation_m3` is the site's facility energy x its region's life-cycle
    generation water intensity over the horizon, as each year's key counts it: the sites sum
    to the years' total, and each site agrees with its own energy and region (Stargate's sites
    span five regions, so a site given another's intensity would show)."""
    code, out, err = cli(capsys, "energy", "stargate-10gw", "--json")
    assert code == 0, err
    data = json.loads(out)
    years_total = sum(y["water_generation_m3"] for y in data["years"])
    sites_total = sum(s["water_generation_m3"] for s in data["sites"])
    assert years_total > 0
    assert sites_total == pytest.approx(years_total, rel=1e-9)
    assert len({s["region"] for s in data["sites"]}) > 1
    for s in data["sites"]:
        intensity_l_per_kwh = catalog.region(s["region"]).water_intensity_l_per_kwh
        kwh = s["energy_twh"] * 1e9
        assert s["water_generation_m3"] == pytest.approx(kwh * intensity_l_per_kwh / 1e3, rel=1e-9)
