"""Scenario schema: each validation rule gives one clear error naming field, value and rule."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from conftest import toy_scenario, toy_scenario_data
from gigawatt.errors import InputError, UnknownIdError
from gigawatt.scenario import builtin_scenarios, load_scenario, parse_scenario


def _phase_data(**changes):
    data = toy_scenario_data()
    data["sites"][0]["phases"][0].update(changes)
    return data


def _error(catalog, data) -> str:
    with pytest.raises(InputError) as exc:
        parse_scenario(data, catalog)
    return str(exc.value)


def test_unknown_system_suggests_closest(toy_catalog):
    msg = _error(toy_catalog, _phase_data(system="vera-rubn-nvl72"))
    assert "sites[0].phases[0].system" in msg
    assert "unknown system 'vera-rubn-nvl72'; did you mean 'vera-rubin-nvl72'" in msg


def test_unknown_region_suggests_closest(toy_catalog):
    data = toy_scenario_data()
    data["sites"][0]["region"] = "us-ercott"
    msg = _error(toy_catalog, data)
    assert "sites[0].region" in msg and "did you mean 'us-ercot'" in msg


def test_negative_power(toy_catalog):
    msg = _error(toy_catalog, _phase_data(power_gw=-1))
    assert msg == "sites[0].phases[0].power_gw: -1 is not allowed: must be > 0 and <= 50"


def test_absurd_power_is_rejected(toy_catalog):
    # 1,000,000 GW: a billion-accelerator site is a typo, not a plan.
    msg = _error(toy_catalog, _phase_data(power_gw=1e6))
    assert "power_gw: 1000000.0 is not allowed: must be > 0 and <= 50" in msg


def test_pue_below_one(toy_catalog):
    data = toy_scenario_data()
    data["sites"][0]["pue"] = 0.9
    assert _error(toy_catalog, data) == "sites[0].pue: 0.9 is not allowed: must be >= 1 and <= 3"


def test_distribution_outside_limits(toy_catalog):
    data = toy_scenario_data()
    data["sites"][0]["pue"] = {"uniform": {"low": 0.9, "high": 1.3}}
    msg = _error(toy_catalog, data)
    assert "sites[0].pue" in msg and "range (0.9 to 1.3) must be >= 1" in msg


def test_bad_distribution_parameters(toy_catalog):
    msg = _error(
        toy_catalog, _phase_data(power_gw={"triangular": {"low": 2, "mode": 1, "high": 3}})
    )
    assert "power_gw.triangular" in msg and "low <= mode <= high" in msg


def test_not_a_number_or_distribution(toy_catalog):
    msg = _error(toy_catalog, _phase_data(power_gw="lots"))
    assert msg.startswith(
        "sites[0].phases[0].power_gw: 'lots' is not allowed: expected a number or one distribution"
    )


def test_online_after_end(toy_catalog):
    msg = _error(toy_catalog, _phase_data(online="2027-03"))
    assert "sites[0].phases[0].online: 2027-03 is after the scenario end (2026-12)" in msg


def test_a_frontier_run_outside_is_reported_with_the_other_errors(toy_catalog):
    """A frontier run starting outside the scenario was reported only once every other field
    was valid (a second run for the user): it is now one of the errors of the first pass, one
    line per run outside, and a run inside gets none."""
    data = toy_scenario_data()
    data["sites"][0]["pue"] = 0.9
    data["frontier_runs"] = [
        {"name": "inside", "start": "2026-06", "duration_days": 30},
        {"name": "late", "start": "2027-02", "duration_days": 30},
        {"name": "early", "start": "2025-12", "duration_days": 30},
    ]
    assert _error(toy_catalog, data).splitlines() == [
        "sites[0].pue: 0.9 is not allowed: must be >= 1 and <= 3",
        "frontier_runs[1].start: 2027-02 is outside the scenario (2026-01 to 2026-12); "
        "allowed: a month from 2026-01 to 2026-12",
        "frontier_runs[2].start: 2025-12 is outside the scenario (2026-01 to 2026-12); "
        "allowed: a month from 2026-01 to 2026-12",
    ]
    data["sites"][0]["pue"] = 1.2  # the other error fixed: the runs' alone
    assert _error(toy_catalog, data).splitlines()[0].startswith("frontier_runs[1].start: ")
    # start after end: that error, not every run outside a scenario that is not one
    data.update(start="2027-01", end="2026-12")
    assert _error(toy_catalog, data) == (
        "start: 2027-01 is after end (2026-12); allowed: a month up to end"
    )


def test_start_after_end(toy_catalog):
    msg = _error(toy_catalog, toy_scenario_data(start="2027-01", end="2026-12"))
    assert "start: 2027-01 is after end (2026-12); allowed: a month up to end" in msg


def test_bad_month_format(toy_catalog):
    msg = _error(toy_catalog, toy_scenario_data(start="2026-13"))
    assert msg.startswith("start: '2026-13' is not allowed")


def test_unknown_field(toy_catalog):
    msg = _error(toy_catalog, _phase_data(powr_gw=1))
    assert "sites[0].phases[0].powr_gw: unknown field; did you mean 'power_gw'?" in msg


@pytest.mark.parametrize(
    ("typo", "says"),
    [
        ("end: 2027-12", "ned: unknown field; did you mean 'end'?"),
        ("    region:", "sites[0].regoin: unknown field; did you mean 'region'?"),
        ("power_gw", "sites[0].phases[0].power_g: unknown field; did you mean 'power_gw'?"),
    ],
)
def test_a_misspelt_key_gets_the_name_meant(capsys, user_scenario_file, typo, says):
    """A typo in a user's file names the field meant at that place of the file."""
    from gigawatt.cli import main

    misspelt = {"end: 2027-12": "ned: 2027-12", "    region:": "    regoin:", "power_gw": "power_g"}
    text = user_scenario_file.read_text(encoding="utf-8")
    user_scenario_file.write_text(text.replace(typo, misspelt[typo]), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["finance", str(user_scenario_file)])
    assert exc.value.code == 2
    assert says in capsys.readouterr().err


def test_allowed_fields_follow_the_location():
    from gigawatt.scenario import Phase, Scenario, Site
    from gigawatt.validation import allowed_fields

    assert allowed_fields(Scenario, []) == sorted(Scenario.model_fields)
    assert allowed_fields(Scenario, ["sites", 0]) == sorted(Site.model_fields)
    assert allowed_fields(Scenario, ["sites", 2, "phases", 0]) == sorted(Phase.model_fields)
    assert allowed_fields(Scenario, ["no-such-field"]) == []


def test_fractional_months_rejected(toy_catalog):
    msg = _error(toy_catalog, _phase_data(ramp_months=1.5))
    assert "ramp_months: 1.5 is not allowed: must be a whole number" in msg


def test_duplicate_site_names(toy_catalog):
    data = toy_scenario_data()
    data["sites"].append(copy.deepcopy(data["sites"][0]))
    assert _error(toy_catalog, data) == (
        "sites[1].name: 'site-a' is the name of sites[0] too; allowed: a name of its own (a "
        "site's name labels its results)"
    )


def test_not_yaml(tmp_path, toy_catalog):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsites: [unclosed\n")
    with pytest.raises(InputError, match=r"bad\.yaml: not valid YAML \(line"):
        load_scenario(str(bad), toy_catalog)


def test_yaml_not_a_mapping(tmp_path, toy_catalog):
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="expected a mapping"):
        load_scenario(str(bad), toy_catalog)


def test_unknown_builtin_scenario(toy_catalog):
    with pytest.raises(UnknownIdError, match="did you mean 'nvidia-openai-10gw'"):
        load_scenario("nvidia-openai-10g", toy_catalog)


def test_toml_scenario(tmp_path, toy_catalog):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "toml-case"\nstart = "2026-01"\nend = "2026-06"\n'
        '[[sites]]\nname = "a"\nregion = "us-pjm"\n'
        '[[sites.phases]]\nonline = "2026-02"\npower_gw = 0.5\nsystem = "toy-node"\n'
        "[sites.phases.delay_months.triangular]\nlow = 0\nmode = 1\nhigh = 3\n"
    )
    sc = load_scenario(str(path), toy_catalog)
    assert sc.name == "toml-case"
    assert sc.resolve().sites[0].phases[0].delay_months == 1


def test_point_values_and_integer_rounding(toy_catalog):
    sc = toy_scenario(toy_catalog)
    data = _phase_data(delay_months={"lognormal": {"median": 2.4, "sigma": 0.5}})
    data["sites"][0]["pue"] = {"triangular": {"low": 1.1, "mode": 1.2, "high": 1.4}}
    sc = parse_scenario(data, toy_catalog)
    assert sc.uncertain_inputs() == ["sites[0].pue", "sites[0].phases[0].delay_months"]
    plain = sc.resolve()
    assert plain.sites[0].pue == 1.2
    assert plain.sites[0].phases[0].delay_months == 2  # median 2.4, rounded
    assert plain.is_resolved() and not sc.is_resolved()


def test_sampling_is_seeded_and_within_bounds(toy_catalog):
    data = toy_scenario_data()
    data["sites"][0]["pue"] = {"triangular": {"low": 1.1, "mode": 1.2, "high": 1.4}}
    sc = parse_scenario(data, toy_catalog)
    draws = [sc.resolve(np.random.default_rng([7, i])).sites[0].pue for i in range(50)]
    again = [sc.resolve(np.random.default_rng([7, i])).sites[0].pue for i in range(50)]
    assert draws == again
    assert all(1.1 <= d <= 1.4 for d in draws)
    assert len(set(draws)) == 50


def test_use_merges_overrides(catalog):
    sc = load_scenario("nvidia-openai-10gw", catalog)
    data = sc.model_dump(mode="json")
    base = catalog.deal("nvidia-openai-loi-2025")
    data["deals"] = [{"use": "nvidia-openai-loi-2025", "signing": "2027-01"}]
    changed = parse_scenario(data, catalog)
    assert changed.deals[0].signing == "2027-01"
    assert changed.deals[0].cap_usd == base.cap_usd  # untouched fields come from the record
    assert len(changed.deals[0].tranches) == len(base.tranches)


def test_system_use_override(toy_catalog):
    data = _phase_data(system={"use": "toy-node", "it_power_w_per_accelerator": 2000})
    sc = parse_scenario(data, toy_catalog)
    assert sc.sites[0].phases[0].system.it_power_w_per_accelerator == 2000
    assert sc.sites[0].phases[0].system.accelerator == "toy-chip"


def test_cost_override_by_id(toy_catalog):
    sc = toy_scenario(toy_catalog, costs={"capex_usd_per_gw": 40e9})
    assert sc.cost(toy_catalog, "capex-usd-per-gw") == 40e9
    msg = _error(toy_catalog, toy_scenario_data(costs={"capex_usd_per_gwh": 1}))
    assert "costs.capex_usd_per_gwh: unknown cost 'capex-usd-per-gwh'" in msg


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_builtin_scenarios_validate(name, catalog):
    sc = load_scenario(name, catalog)
    assert sc.name == name
    assert sc.sources, "a built-in scenario cites its sources"


def test_extends_overrides_a_base_scenario(tmp_path, catalog):
    path = tmp_path / "mine.yaml"
    path.write_text("extends: nvidia-openai-10gw\nname: mine\npower_basis: facility\n")
    sc = load_scenario(str(path), catalog)
    base = load_scenario("nvidia-openai-10gw", catalog)
    assert sc.name == "mine" and sc.power_basis == "facility"
    assert sc.sites == base.sites  # lists and mappings not mentioned come from the base


def test_extends_cycle_is_an_error(tmp_path, catalog):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    with pytest.raises(InputError, match="extends itself"):
        load_scenario(str(tmp_path / "a.yaml"), catalog)


def test_superseded_letter_in_the_actual_scenario(catalog):
    sc = load_scenario("nvidia-openai-2026-actual", catalog)
    loi, equity = sc.deals
    assert loi.stage == "superseded" and loi.signing is None and loi.end == "2026-02"
    assert equity.id == "nvidia-openai-equity-2026"


def test_uncertain_inputs_are_walked_once_and_handed_out_as_copies(toy_catalog):
    """`uncertain_inputs` is remembered per (frozen) scenario: each call still gets its own list,
    and a resolved copy, a new object, reports none."""
    data = toy_scenario_data()
    data["sites"][0]["pue"] = {"triangular": {"low": 1.1, "mode": 1.2, "high": 1.4}}
    sc = parse_scenario(data, toy_catalog)
    first = sc.uncertain_inputs()
    first.append("changed by the caller")
    assert sc.uncertain_inputs() == ["sites[0].pue"]
    assert sc.resolve().uncertain_inputs() == []
    assert sc.with_inputs({"sites[0].pue": 1.3}).sites[0].pue == 1.3


def test_builtin_scenarios_cite_no_private_notes():
    """`gigawatt show` prints a scenario's comments to the user: they cite public sources, not
    this project's research notes (`deals_and_policy.md 1.4`, `energy.md 3.1`), which a reader
    cannot open."""
    import re

    from gigawatt.scenario import builtin_scenarios

    notes = re.compile(
        r"\b(?:energy|reliability|deals_and_policy|defaults|training_performance|"
        r"anchor_codebases)\.md\b|\bshared/(?:reference|validation)\b|\bresearch notes?\b"
    )
    for name, path in builtin_scenarios().items():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not notes.search(line), f"{name}:{n}: {line.strip()}"


# --- every problem in one pass ------------------------------------------------------------------

FOUR_MISTAKES = """\
name: four-mistakes
start: 2026-01
end: 2030-12
sites:
  - name: site-a
    region: us-ercot
    pue: 0.9
    phases:
      - {online: 2026-06, power_gw: 1.0, system: dgx-b200}
  - name: site-b
    region: us-pjm
    construction_start: 2028-01
    phases:
      - {online: 2027-06, power_gw: 1.0, system: dgx-b200}
frontier_runs:
  - {name: late-run, start: 2032-01, duration_days: 90}
seeed: 3
"""


def test_a_file_with_four_mistakes_reports_all_four_in_one_run(capsys, tmp_path):
    """A value error in one site, a date out of order in another, a frontier run after the
    scenario's end and a misspelt key: one run names all four, in the file's order, each with
    its field path, and exits 2 without a traceback."""
    from gigawatt.cli import main

    path = tmp_path / "four.yaml"
    path.write_text(FOUR_MISTAKES, encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["run", str(path)])
    captured = capsys.readouterr()
    assert exc.value.code == 2 and captured.out == ""
    assert "Traceback" not in captured.err
    assert captured.err.splitlines() == [
        "error: sites[0].pue: 0.9 is not allowed: must be >= 1 and <= 3",
        "error: sites[1].construction_start: 2028-01 is after the site's first phase comes "
        "online (2027-06); allowed: a month up to 2027-06",
        "error: frontier_runs[0].start: 2032-01 is outside the scenario (2026-01 to 2030-12); "
        "allowed: a month from 2026-01 to 2030-12",
        "error: seeed: unknown field; did you mean 'seed'?",
    ]


def test_a_date_order_error_is_reported_beside_an_error_in_the_same_site(toy_catalog):
    """A site's own bad value does not hide its construction start after its first phase, nor
    a phase online after the scenario's end beside that phase's own bad power."""
    data = toy_scenario_data()
    site = data["sites"][0]
    site.update(pue=0.9, construction_start="2026-05")
    site["phases"].append({"online": "2027-02", "power_gw": -1, "system": "toy-node"})
    assert _error(toy_catalog, data).splitlines() == [
        "sites[0].pue: 0.9 is not allowed: must be >= 1 and <= 3",
        "sites[0].phases[1].power_gw: -1 is not allowed: must be > 0 and <= 50",
        "sites[0].construction_start: 2026-05 is after the site's first phase comes online "
        "(2026-03); allowed: a month up to 2026-03",
        "sites[0].phases[1].online: 2027-02 is after the scenario end (2026-12); allowed: a "
        "month up to 2026-12",
    ]


def test_a_frontier_run_outside_is_not_hidden_by_a_sibling_runs_error(toy_catalog):
    data = toy_scenario_data()
    data["frontier_runs"] = [
        {"name": "late", "start": "2027-02", "duration_days": 30},
        {"name": "bad", "start": "2026-06", "duration_days": -3},
    ]
    lines = _error(toy_catalog, data).splitlines()
    assert lines[0].startswith("frontier_runs[0].start: 2027-02 is outside the scenario")
    assert lines[1].startswith("frontier_runs[1].duration_days: -3 is not allowed")
    assert len(lines) == 2


def test_start_after_end_and_repeated_site_names_come_with_the_other_errors(toy_catalog):
    """Each at its field, in the fields' order; a phase or run is not also said to lie outside
    a scenario whose start is after its end (which of the two is wrong is the user's to say)."""
    data = toy_scenario_data(start="2027-01", end="2026-12")
    data["sites"].append(copy.deepcopy(data["sites"][0]))
    data["sites"][1]["region"] = "us-ercott"
    data["sites"][0]["phases"][0]["online"] = "2028-01"
    data["frontier_runs"] = [{"name": "r", "start": "2029-01", "duration_days": 30}]
    lines = _error(toy_catalog, data).splitlines()
    assert lines[0] == "start: 2027-01 is after end (2026-12); allowed: a month up to end"
    assert lines[1].startswith("sites[1].region: unknown region 'us-ercott'")
    assert lines[2] == (
        "sites[1].name: 'site-a' is the name of sites[0] too; allowed: a name of its own (a "
        "site's name labels its results)"
    )
    assert len(lines) == 3


def test_a_check_across_fields_waits_for_the_months_it_compares(toy_catalog):
    """A month that does not read gets its own error and no guess from a check that needs it:
    an unreadable phase month may be the site's first, and an unreadable end leaves no window."""
    data = toy_scenario_data(end="2026-13")
    site = data["sites"][0]
    site["construction_start"] = "2026-05"
    site["phases"].append({"online": "March", "power_gw": 1.0, "system": "toy-node"})
    data["frontier_runs"] = [{"name": "r", "start": "2030-01", "duration_days": 30}]
    lines = _error(toy_catalog, data).splitlines()
    assert [line.split(":")[0] for line in lines] == ["end", "sites[0].phases[1].online"]


def test_a_yaml_date_is_read_as_its_month_by_the_checks_across_fields(toy_catalog):
    import datetime as dt

    data = toy_scenario_data()
    data["sites"][0]["phases"][0]["online"] = dt.date(2027, 3, 15)
    data["sites"][0]["pue"] = 0.9
    lines = _error(toy_catalog, data).splitlines()
    assert lines[1] == (
        "sites[0].phases[0].online: 2027-03 is after the scenario end (2026-12); allowed: a "
        "month up to 2026-12"
    )


def test_every_unknown_deal_and_cost_is_named_in_one_pass(toy_catalog):
    """An unknown deal or cost id no longer hides the next one's, nor a bad cost value."""
    data = toy_scenario_data(
        deals=[{"use": "nvidia-openai-loi-2025x"}, "amd-openai-2025y"],
        costs={"facility_usd_per_ww": 10, "power_usd_per_ww": 2, "system_price_scale": -1},
    )
    fields = [line.split(":")[0] for line in _error(toy_catalog, data).splitlines()]
    assert fields == [
        "deals[0].use",
        "deals[1]",
        "costs.facility_usd_per_ww",
        "costs.power_usd_per_ww",
        "costs.system_price_scale",
    ]


def test_a_round_above_its_valuation_is_said_with_the_rounds_other_errors(toy_catalog):
    """A funding round whose new money exceeds its post-money valuation is refused whatever
    else is wrong in the round, and is not judged when one of the two does not read."""
    round_ = {"company": "openai", "month": "2026-02", "amount_usd": 9e11,
              "post_money_usd": 8e11, "source": "x"}  # fmt: skip
    data = toy_scenario_data(ownership={"rounds": [round_]})
    assert _error(toy_catalog, data).splitlines() == [
        "ownership.rounds[0]: amount_usd (9e+11) exceeds post_money_usd (8e+11); allowed: at "
        "most the post-money valuation",
        "ownership.rounds[0].source: 'x' is not allowed: string should have at least 3 characters",
    ]
    round_["source"] = "a citation"
    assert _error(toy_catalog, data).startswith("ownership.rounds[0]: amount_usd (9e+11)")
    round_["post_money_usd"] = "lots"
    assert _error(toy_catalog, data).startswith("ownership.rounds[0].post_money_usd: 'lots'")
    assert "exceeds" not in _error(toy_catalog, data)


def _set(path: str, value):
    """A change of the toy scenario at a dotted path (`sites.0.phases.0.ramp`)."""

    def change(data):
        *head, last = path.split(".")
        target = data
        for part in head:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        _set("name", "My Plan"),  # pattern
        _set("power_basis", "Facility"),  # literal, with a near miss
        _set("sites.0.phases.0.ramp", "scurve"),
        _set("sites.0.pue", {"triangular": {"low": 1.3, "mode": 1.2, "high": 1.4}}),
        _set("sites.0.phases.0.power_gw", "0,5"),  # decimal comma
        _set("sites.0.phases.0.power_gw", True),
        _set("sites.0.phases.0.ramp_months", 2.5),
        _set("sites.0.phases", []),  # too short
        _set("sites.0.region", "us-ercott"),  # the catalog's own error
        _set("sites.0.phases.0.system", {"use": "toy-nod"}),
        _set("sites.0.lat", 95),
        _set("seed", -1),
        _set("costs", {"facility_usd_per_w": -2}),
        _set("sites.0.phases.0.colour", "red"),  # unknown field
        _set("ownership", {"rounds": "none"}),  # a list expected
    ],
)
def test_a_check_across_fields_leaves_the_other_lines_as_they_were(toy_catalog, change):
    """Adding a problem of a check across fields (a frontier run after the end) adds its line
    and changes none of the others (each error is raised again as pydantic gave it)."""
    data = toy_scenario_data()
    change(data)
    alone = _error(toy_catalog, data).splitlines()
    data["frontier_runs"] = [{"name": "late", "start": "2027-06", "duration_days": 30}]
    both = _error(toy_catalog, data).splitlines()
    late = "frontier_runs[0].start: 2027-06 is outside the scenario (2026-01 to 2026-12)"
    assert sorted(both) == sorted([*alone, next(line for line in both if line.startswith(late))])


def test_a_misspelt_required_field_is_one_line_not_two(toy_catalog):
    """`duraton_days` for the required `duration_days`: the `did you mean` line says it all,
    without `duration_days: required field is missing` beside it; a required field left out
    with no near miss is still said to be missing."""
    data = toy_scenario_data(frontier_runs=[{"name": "r", "start": "2026-06", "duraton_days": 9}])
    assert _error(toy_catalog, data) == (
        "frontier_runs[0].duraton_days: unknown field; did you mean 'duration_days'?"
    )
    data["frontier_runs"][0].pop("duraton_days")
    assert _error(toy_catalog, data) == "frontier_runs[0].duration_days: required field is missing"
    data["frontier_runs"][0]["colour"] = "red"  # nothing like the missing field
    assert _error(toy_catalog, data).splitlines() == [
        "frontier_runs[0].duration_days: required field is missing",
        "frontier_runs[0].colour: unknown field; allowed: cross_site, duration_days, model, name, "
        "precision, start",
    ]
