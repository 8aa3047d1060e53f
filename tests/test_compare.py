"""`gigawatt compare`: the flattened input diff, and the command end to end (table and JSON,
bad input)."""

from __future__ import annotations

import json

import pytest

from cli_cases import cli, cli_json
from gigawatt.compare import flatten, inputs_differ, unique_labels
from gigawatt.scenario import load_scenario

THREE = ("nvidia-openai-10gw", "amd-openai-6gw", "stargate-10gw")
WIDTH = 80


def test_flatten_paths_and_prose_left_out():
    data = {"a": {"b": 1, "note": "prose"}, "c": [{"d": 2}, {"d": 3}], "e": [], "f": None}
    assert dict(flatten(data)) == {"a.b": 1, "c[0].d": 2, "c[1].d": 3, "e": [], "f": None}


def test_unique_labels():
    assert unique_labels(["a", "b", "a", "a"]) == ["a", "b", "a#2", "a#3"]


def test_inputs_differ_lists_the_deal_changes_only(catalog):
    """The 2026-actual scenario extends the default one: same sites, different deals."""
    default = load_scenario("nvidia-openai-10gw", catalog).resolve()
    actual = load_scenario("nvidia-openai-2026-actual", catalog).resolve()
    rows = inputs_differ(["a", "b"], [default, actual])
    paths = [r["input"] for r in rows]
    assert not any(p.startswith("sites") for p in paths)
    by_path = {r["input"]: r["values"] for r in rows}
    assert by_path["deals[0].stage"] == {"a": "letter-of-intent", "b": "superseded"}
    assert by_path["deals[0].end"] == {"a": None, "b": "2026-02"}
    # a record only one scenario has is one row, its id, not its every field
    assert by_path["deals[1].id"] == {"a": None, "b": "nvidia-openai-equity-2026"}
    assert not any(p.startswith("deals[1].") and p != "deals[1].id" for p in paths)
    assert inputs_differ(["a", "b"], [default, default]) == []


def test_a_list_one_scenario_leaves_empty_is_not_called_missing_in_another(catalog, capsys):
    """The default scenario has `ownership.rounds: []` (a leaf); the 2026-actual one lists the
    rest of the Feb 2026 round there. Its value is that list, not null, and the table says
    `1 item (rows below)`, not `(none)` (which read as "no rounds")."""
    from gigawatt.compare import subtree
    from gigawatt.display import shown_container

    default = load_scenario("nvidia-openai-10gw", catalog).resolve()
    actual = load_scenario("nvidia-openai-2026-actual", catalog).resolve()
    by_path = {r["input"]: r["values"] for r in inputs_differ(["a", "b"], [default, actual])}
    rounds = actual.model_dump(mode="json")["ownership"]["rounds"]
    assert len(rounds) == 1 and by_path["ownership.rounds"] == {"a": [], "b": rounds}
    assert by_path["ownership.rounds[0].company"] == {"a": None, "b": "openai"}
    assert subtree({"x": [{"y": 1}]}, "x[0].y") == 1 and subtree({"x": []}, "x[0].y") is None
    assert shown_container(rounds) == "1 item (rows below)" and shown_container([]) is None
    code, out, err = cli(capsys, "compare", "nvidia-openai-10gw", "nvidia-openai-2026-actual")
    assert code == 0, err
    row = next(line for line in out.splitlines() if " rounds " in line)
    assert "1 item (rows below)" in row and "(none)" not in row


def test_compare_three_programmes_json(tmp_path, capsys):
    out = tmp_path / "three.html"
    code, stdout, err = cli(capsys, "compare", *THREE, "--out", str(out), "--json")
    assert code == 0, err
    data = json.loads(stdout)  # exactly one JSON object
    assert set(data) >= {"scenarios", "years", "inputs_differ"}
    assert [s["name"] for s in data["scenarios"]] == list(THREE)
    years = [y["year"] for y in data["years"]]
    assert years == list(range(2025, 2033))  # Stargate starts in 2025, AMD ends in 2031
    first, last = data["years"][0], data["years"][-1]
    assert first["scenarios"]["nvidia-openai-10gw"] is None
    assert last["scenarios"]["amd-openai-6gw"] is None
    end = data["years"][5]["scenarios"]  # 2030: every phase online
    assert end["nvidia-openai-10gw"]["it_power_gw"] == pytest.approx(10.0)
    assert end["amd-openai-6gw"]["it_power_gw"] == pytest.approx(6.0)
    # Abilene at its 400,000 GPUs' 0.851 GW, not its 1.2 GW of capacity: 10 - 0.349
    assert end["stargate-10gw"]["facility_power_gw"] == pytest.approx(9.651)
    assert end["stargate-10gw"]["cumulative_invested_usd"] == pytest.approx(500e9)
    differ = {r["input"]: r["values"] for r in data["inputs_differ"]}
    assert differ["power_basis"] == dict(zip(THREE, ("it", "it", "facility"), strict=True))
    assert differ["deals[0].id"]["amd-openai-6gw"] == "amd-openai-2025"
    inputs = [r["input"] for r in data["inputs_differ"]]
    first_site = next(i for i, p in enumerate(inputs) if p.startswith("sites"))
    assert all(p.startswith("sites") for p in inputs[first_site:])  # the sites' details last
    assert "eu-ai-act-systemic-risk" in data["thresholds_first_crossed"]
    # only rules in force count (the revoked US EO 14110 never appears), and the titles say so
    assert "us-eo-14110-model" not in data["thresholds_first_crossed"]
    page = out.read_text(encoding="utf-8")
    assert 'id="compare-facility-power"' in page and 'id="inputs"' in page
    # many inputs differ: the page and the JSON say the outputs' differences are not split
    assert "does not say which of them causes which difference" in data["attribution"]
    assert "does not say which of them causes which difference" in page
    # each run's caveats once, with the scenarios they apply to, in the JSON and on the page
    caveats = data["caveats"]
    assert caveats and all(set(c["scenarios"]) <= set(THREE) for c in caveats)
    assert len({c["caveat"] for c in caveats}) == len(caveats)
    assert any("amd-openai-6gw" in c["scenarios"] and "mi455x" in c["caveat"] for c in caveats)
    assert "Caveat (amd-openai-6gw): Build-out: mi455x" in page.replace("&#39;", "'")


def test_compare_table_fits_80_columns(capsys):
    code, stdout, err = cli(capsys, "compare", "amd-openai-6gw", "nvidia-openai-2026-actual")
    assert code == 0, err
    lines = stdout.splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    assert "Inputs that differ" in stdout and "Facility power GW" in stdout
    assert "amd-openai-6gw" in stdout and "nvidia-openai-2026-actual" in stdout
    assert "writes a report" in stdout
    assert "crosses each threshold (in force then)" in stdout
    # a USD row quoted alone needs its dollar basis, as run's Money caption gives it
    flat = " ".join(stdout.split())
    assert "USD: costs at the catalog's quoted prices, not escalated for inflation" in flat
    assert "Deal money released in the year (investment, purchase commitments, leases)" in flat


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("amd-openai-6gw",), "SCENARIOS"),
        (("amd-openai-6gw", "no-such-scenario"), "no-such-scenario"),
        (("amd-openai-6gw", "stargate-10gw", "--out", "x.txt"), "--out"),
    ],
)
def test_compare_bad_input(capsys, args, needle):
    code, stdout, err = cli(capsys, "compare", *args)
    assert code == 2
    assert stdout == ""
    assert needle in err and "Traceback" not in err


def test_long_names_become_lettered_columns():
    from gigawatt.cli.compare import _headers

    short = ["nvidia-openai-10gw", "amd-openai-6gw", "stargate-10gw"]
    assert _headers(short) == short
    long = [f"a-rather-long-scenario-name-{i}" for i in range(4)]
    assert _headers(long) == ["A", "B", "C", "D"]


def test_three_programmes_at_80_columns_cut_no_id(capsys):
    """Issue 12: tables fit 80 columns without cutting a value (a deal or threshold id)."""
    code, stdout, err = cli(
        capsys, "compare", "nvidia-openai-10gw", "amd-openai-6gw", "stargate-10gw"
    )
    assert code == 0, err
    assert max(len(line) for line in stdout.splitlines()) <= WIDTH
    for whole in ("nvidia-openai-loi-2025", "eu-ai-act-systemic-risk", "eu-ai-act-gpai-indicative"):
        assert whole in stdout, whole
    assert "A = nvidia-openai-10gw" in stdout  # lettered columns, named once above


def test_lettered_columns_when_a_threshold_id_would_not_fit():
    from gigawatt.cli.compare import _headers

    names = ["nvidia-openai-10gw", "amd-openai-6gw", "stargate-10gw"]
    assert _headers(names, ("ca-sb53-frontier",)) == names
    assert _headers(names, ("eu-ai-act-gpai-indicative",)) == ["A", "B", "C"]


def test_attribution_says_when_the_outputs_can_be_put_down_to_one_input(toy_catalog):
    """One input differs: the output differences are its. Several: the comparison says it
    cannot split them."""
    from conftest import toy_scenario_data
    from gigawatt.compare import compare_results
    from gigawatt.scenario import parse_scenario
    from gigawatt.simulate import simulate

    base = toy_scenario_data()
    one = toy_scenario_data()
    one["sites"][0]["pue"] = 1.35
    two = toy_scenario_data()
    two["sites"][0]["pue"] = one["sites"][0]["pue"]
    two["sites"][0]["phases"][0]["power_gw"] = 2 * base["sites"][0]["phases"][0]["power_gw"]
    runs = [parse_scenario(d, toy_catalog) for d in (base, one, two)]
    results = [simulate(sc, toy_catalog) for sc in runs]
    single = compare_results(["a", "b"], runs[:2], results[:2])
    assert [r["input"] for r in single.inputs_differ] == ["sites[0].pue"]
    assert single.attribution().startswith("One input differs (sites[0].pue): every difference")
    assert single.to_json()["attribution"] == single.attribution()
    several = compare_results(["a", "c"], [runs[0], runs[2]], [results[0], results[2]])
    assert len(several.inputs_differ) == 2
    assert "does not say which of them causes which difference" in several.attribution()
    same = compare_results(["a", "a"], runs[:1] * 2, results[:1] * 2)
    assert same.attribution().startswith("No input differs")


def test_each_runs_caveats_are_composed_once(catalog, monkeypatch):
    """`to_json` and the report both list the runs' caveats: each run composes its own once
    per comparison, and every call returns a list of its own (the same rows)."""
    from gigawatt.compare import compare_results
    from gigawatt.simulate import Results, simulate

    names = ("nvidia-openai-10gw", "nvidia-openai-2026-actual")
    inputs = [load_scenario(n, catalog) for n in names]
    comparison = compare_results(names, inputs, [simulate(sc, catalog) for sc in inputs])
    calls: list[str] = []
    compose = Results.caveats

    def counted(self: Results, years=None) -> list[str]:
        calls.append(self.scenario.name)
        return compose(self, years)

    monkeypatch.setattr(Results, "caveats", counted)
    first = comparison.to_json()["caveats"]
    first[0]["scenarios"].append("changed by a caller")
    again = comparison.caveats()
    assert calls == list(names)  # once per run, not once per call
    assert again != first and again == comparison.to_json()["caveats"]
    # the letter released on superseded terms (the default); ended as superseded with its
    # build-out kept (2026-actual): one caveat each, each for its own scenario
    letter = "Deal nvidia-openai-loi-2025 ("
    superseded = [c for c in again if c["caveat"].startswith(letter)]
    assert [c["scenarios"] for c in superseded] == [[n] for n in names]
    assert any(c["scenarios"] == list(names) for c in again)  # shared caveats: once, both names


def test_a_status_is_provenance_not_an_input():
    """Two scenarios whose only difference is a figure's status have no input that differs
    (and the attribution must not put the outputs' differences down to a label)."""
    data = {"rounds": [{"amount_usd": 1.0, "status": "official", "signing_status": "reported"}]}
    assert dict(flatten(data)) == {"rounds[0].amount_usd": 1.0}


def test_amounts_are_shown_in_a_unit_named_in_the_row_label(capsys):
    """An input amount reads `80` under `amount_usd (USD B)`, never `8e+10`: the unit is in the
    row label, the value scaled to it (the JSON keeps SI dollars)."""
    pair = ("nvidia-openai-10gw", "nvidia-openai-2026-actual")
    code, stdout, err = cli(capsys, "compare", *pair, "--json")
    assert code == 0, err
    rows = {r["input"]: r["values"] for r in json.loads(stdout)["inputs_differ"]}
    amount = rows["ownership.rounds[0].amount_usd"][pair[1]]
    assert amount >= 1e9
    code, stdout, err = cli(capsys, "compare", *pair)
    assert code == 0, err
    assert "e+" not in stdout
    cells = {}
    for line in stdout.splitlines():
        row = [c.strip() for c in line.strip("│ ").split("│")]
        cells[row[0]] = row[1:]
    assert cells["amount_usd (USD B)"] == ["(none)", f"{amount / 1e9:.4g}"]


def test_key_unit_picks_the_largest_unit_a_row_reaches():
    from gigawatt.display import key_unit

    assert key_unit("amount_usd", [None, 8e10, 3e8]) == ("USD B", 1e9)
    assert key_unit("strike_usd", [0.01, 4.5]) == ("USD", 1.0)
    assert key_unit("it_power_w", [2.5e8]) == ("MW", 1e6)
    assert key_unit("energy_wh", [3e12]) == ("TWh", 1e12)
    assert key_unit("stage", ["letter-of-intent"]) is None
    assert key_unit("amount_usd", [None, "x"]) is None


def test_compare_takes_scenarios_one_after_another_or_as_a_list(toy_catalog, tmp_path):
    """`gigawatt.compare("a", "b")` is `gigawatt.compare(["a", "b"])` (and a tuple); a list
    and more scenarios besides is refused, as is a single scenario."""
    import yaml

    from conftest import toy_scenario_data
    from gigawatt import app
    from gigawatt.errors import InputError

    files = []
    for name, pue in (("low", 1.2), ("high", 1.4)):
        data = toy_scenario_data()
        data["name"] = name
        data["sites"][0]["pue"] = pue
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        files.append(str(path))
    listed = app.compare(files, catalog=toy_catalog).to_json()
    assert app.compare(*files, catalog=toy_catalog).to_json() == listed
    assert app.compare(tuple(files), catalog=toy_catalog).to_json() == listed
    assert [r["input"] for r in listed["inputs_differ"]] == ["sites[0].pue"]
    with pytest.raises(TypeError, match="not both"):
        app.compare(files[:1], files[1], catalog=toy_catalog)
    with pytest.raises(InputError, match="scenarios"):
        app.compare(files[0], catalog=toy_catalog)


def test_warrants_have_a_row_where_a_scenario_has_them(capsys):
    """Side by side, AMD-OpenAI's 'Invested, cumulative 0.0' beside NVIDIA's 100 hides its
    warrant; compare adds the vested warrants' value (run's `warrant_value_usd`) as a table,
    only when a scenario has warrants."""
    data = cli_json(capsys, "compare", "nvidia-openai-10gw", "amd-openai-6gw", "--json")
    amd = {y["year"]: (y["scenarios"]["amd-openai-6gw"] or {}) for y in data["years"]}
    assert amd[2031]["warrant_value_usd"] > 0 and amd[2031]["warrant_shares_vested"] > 0
    code, out, err = cli(capsys, "compare", "nvidia-openai-10gw", "amd-openai-6gw")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "Warrants vested (shares, not cash: not in Invested)" in flat
    assert f"│ 2031 │ 0.0 │ {amd[2031]['warrant_value_usd'] / 1e9:.1f} │" in flat
    code, out, err = cli(capsys, "compare", "nvidia-openai-10gw", "nvidia-openai-2026-actual")
    assert code == 0, err
    assert "Warrants vested" not in out


def test_compare_names_every_files_problems_each_led_by_its_file(capsys, tmp_path):
    """Two scenario files with mistakes: one run says all of them, each line led by the file
    it is in (both have a `sites[0]`), and a missing scenario as before."""
    text = (
        "name: {name}\nstart: 2026-01\nend: 2027-12\nsites:\n  - name: s1\n    region: us-ercot\n"
        "    pue: {pue}\n    phases:\n"
        "      - {{online: 2026-06, power_gw: 1.0, system: dgx-b200}}\n"
    )
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(text.format(name="a", pue=0.9), encoding="utf-8")
    b.write_text(text.format(name="b", pue=4) + "seeed: 1\n", encoding="utf-8")
    code, stdout, err = cli(capsys, "compare", str(a), str(b), "no-such-scenario")
    assert (code, stdout) == (2, "")
    assert err.splitlines() == [
        f"error: {a}: sites[0].pue: 0.9 is not allowed: must be >= 1 and <= 3",
        f"error: {b}: sites[0].pue: 4 is not allowed: must be >= 1 and <= 3",
        f"error: {b}: seeed: unknown field; did you mean 'seed'?",
        "error: SCENARIOS: unknown scenario 'no-such-scenario' (see `gigawatt scenarios`)",
    ]
