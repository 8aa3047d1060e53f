"""`gigawatt compare`: the flattened input diff, and the command end to end (table and JSON,
bad input)."""

from __future__ import annotations

import json

import pytest

from gigawatt.cli import main
from gigawatt.compare import flatten, inputs_differ, unique_labels
from gigawatt.scenario import load_scenario

THREE = ("nvidia-openai-10gw", "amd-openai-6gw", "stargate-10gw")
WIDTH = 80


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


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
    assert end["stargate-10gw"]["facility_power_gw"] == pytest.approx(10.0)
    assert end["stargate-10gw"]["cumulative_invested_usd"] == pytest.approx(500e9)
    differ = {r["input"]: r["values"] for r in data["inputs_differ"]}
    assert differ["power_basis"] == dict(zip(THREE, ("it", "it", "facility"), strict=True))
    assert differ["deals[0].id"]["amd-openai-6gw"] == "amd-openai-2025"
    inputs = [r["input"] for r in data["inputs_differ"]]
    first_site = next(i for i, p in enumerate(inputs) if p.startswith("sites"))
    assert all(p.startswith("sites") for p in inputs[first_site:])  # the sites' details last
    assert "eu-ai-act-systemic-risk" in data["thresholds_first_crossed"]
    page = out.read_text(encoding="utf-8")
    assert 'id="compare-facility-power"' in page and 'id="inputs"' in page
    # caveats: each scenario's run caveats, an identical one said once
    texts = [c for g in data["caveats"] for c in g["caveats"]]
    assert texts and len(texts) == len(set(texts))
    code, run_out, err = cli(capsys, "run", "amd-openai-6gw", "--json")
    assert code == 0, err
    amd = [c for g in data["caveats"] if "amd-openai-6gw" in g["scenarios"] for c in g["caveats"]]
    assert sorted(amd) == sorted(set(json.loads(run_out)["caveats"]))


def test_compare_table_fits_80_columns(capsys):
    code, stdout, err = cli(capsys, "compare", "amd-openai-6gw", "nvidia-openai-2026-actual")
    assert code == 0, err
    lines = stdout.splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    assert "Inputs that differ" in stdout and "Facility power GW" in stdout
    assert "amd-openai-6gw" in stdout and "nvidia-openai-2026-actual" in stdout
    assert "writes a report" in stdout


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


def test_caveats_grouped_by_the_scenarios_that_carry_them():
    from types import SimpleNamespace

    from gigawatt.compare import Comparison

    def run(*caveats: str) -> SimpleNamespace:
        return SimpleNamespace(caveats=lambda: list(caveats))

    results = [
        run("only a", "shared", "a and c"),
        run("shared", "only b"),
        run("a and c", "shared"),
    ]
    groups = Comparison(["a", "b", "c"], [], results, []).caveats()  # type: ignore[arg-type]
    assert groups == [
        {"scenarios": ["a", "b", "c"], "caveats": ["shared"]},
        {"scenarios": ["a"], "caveats": ["only a"]},
        {"scenarios": ["a", "c"], "caveats": ["a and c"]},
        {"scenarios": ["b"], "caveats": ["only b"]},
    ]
    none = Comparison(["a", "b"], [], [run(), run()], []).caveats()  # type: ignore[arg-type]
    assert none == []


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
    assert "Caveats (" in stdout  # each scenario's caveats, grouped by who carries them


def test_lettered_columns_when_a_threshold_id_would_not_fit():
    from gigawatt.cli.compare import _headers

    names = ["nvidia-openai-10gw", "amd-openai-6gw", "stargate-10gw"]
    assert _headers(names, ("ca-sb53-frontier",)) == names
    assert _headers(names, ("eu-ai-act-gpai-indicative",)) == ["A", "B", "C"]
