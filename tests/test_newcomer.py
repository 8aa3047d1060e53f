"""What a newcomer runs into when following the docs with their own files: a record file where
only ids are read, a record copied from `gigawatt catalog KIND --json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cli_cases import cli
from conftest import USER_SCENARIO_YAML


def _record_file(capsys, tmp_path, kind: str, id_: str, name: str) -> str:
    """One record as `gigawatt catalog KIND --json` prints it (with its `kind`), renamed."""
    code, out, _ = cli(capsys, "catalog", kind, "--json")
    assert code == 0
    record = next(r for r in json.loads(out)["records"] if r["id"] == id_)
    record["id"] = name
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(record), encoding="utf-8")
    return str(path)


def test_a_record_copied_from_catalog_json_is_read(capsys, tmp_path):
    model = _record_file(capsys, tmp_path, "models", "llama3-8b", "my-model")
    system = _record_file(capsys, tmp_path, "systems", "dgx-h100", "my-system")
    code, out, err = cli(capsys, "perf", "--model", model, "--system", system, "--gpus", "8")
    assert code == 0, err
    assert "(my-system)" in out.splitlines()[0]


def test_a_record_of_another_kind_is_named(capsys, tmp_path):
    system = _record_file(capsys, tmp_path, "systems", "dgx-h100", "my-system")
    code, out, err = cli(capsys, "perf", "--model", system, "--system", "h100", "--gpus", "8")
    assert (code, out) == (2, "")
    assert err == (
        f"error: --model: {system!r} holds a record of kind 'systems'; allowed: a models record\n"
    )


@pytest.mark.parametrize(
    ("args", "flag", "kind"),
    [
        (["footprint", "--gpu-hours", "1000", "--system", "mine.yaml"], "--system", "systems"),
        (
            ["reliability", "--gpus", "8", "--days", "1", "--system", "mine.yml"],
            "--system",
            "systems",
        ),
        (
            ["footprint", "--gpu-hours", "1000", "--system", "h100", "--region", "grid.json"],
            "--region",
            "regions",
        ),
    ],
)
def test_a_file_where_only_ids_are_read(capsys, args, flag, kind):
    """Not `unknown system 'mine.yaml'`: the user is told ids are expected, and where their own
    record goes."""
    code, out, err = cli(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {flag}: '{args[-1]}' is not allowed: expected a ")
    assert "not a file" in err and "gigawatt --catalog DIR" in err
    assert f"`gigawatt catalog {kind}`" in err


def test_a_site_without_pue_takes_the_catalog_default(user_scenario_file):
    """docs/scenarios.md: `pue` is optional; a site without one takes `default-pue`, and the
    generated field table shows that record's value as the default."""

    from gigawatt.catalog import Catalog
    from gigawatt.distributions import point
    from gigawatt.scenario import load_scenario

    catalog = Catalog.load()
    assert "pue" not in user_scenario_file.read_text(encoding="utf-8")
    site = load_scenario(str(user_scenario_file), catalog).sites[0]
    default = point(catalog.get("energy", "default-pue").value)
    assert site.pue == default
    fields = Path(__file__).parents[1] / "docs" / "_generated" / "scenario-fields.md"
    table = fields.read_text(encoding="utf-8")
    assert f"| `pue` | number or distribution | catalog `default-pue` ({default:g}) |" in table


@pytest.mark.parametrize("given", ["notes.txt", "./notes.txt"])
def test_a_refused_output_path_is_shown_as_typed(capsys, tmp_path, monkeypatch, given):
    """`--out notes.txt` is refused as 'notes.txt', not as /the/absolute/path/notes.txt; the
    user's file is left as it was."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    code, out, err = cli(capsys, "run", "--out", given, "--no-sensitivity")
    assert (code, out) == (2, "")
    assert err == f"error: --out: {given!r} is a file; allowed: a folder\n"
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_python_dash_m_gigawatt_is_the_command_line():
    """`python -m gigawatt` (a notebook's kernel, a venv not on the PATH) runs the same command
    line: one JSON object on stdout; bad input exit 2 with one line on stderr."""
    import subprocess
    import sys

    ok = subprocess.run(
        [sys.executable, "-m", "gigawatt", "scenarios", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "nvidia-openai-10gw" in json.dumps(json.loads(ok.stdout))
    bad = subprocess.run(
        [sys.executable, "-m", "gigawatt", "perf", "--gpus", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.startswith("error: ") and len(bad.stderr.splitlines()) == 1


def test_catalog_kind_id_shows_one_record_to_copy(capsys, tmp_path):
    """`gigawatt catalog systems dgx-h100` prints the record in full as YAML; saved under a new
    id it is a record file that perf reads; --json gives the one record."""
    code, out, err = cli(capsys, "catalog", "systems", "HGX-H100")  # an alias, any case
    assert code == 0, err
    record = yaml.safe_load(out)
    assert record["id"] == "dgx-h100" and record["source"] and record["status"]
    record["id"] = "my-h100"
    path = tmp_path / "my-h100.yaml"
    path.write_text(yaml.safe_dump(record), encoding="utf-8")
    code, out, err = cli(
        capsys, "perf", "--model", "llama3-8b", "--system", str(path), "--gpus", "8"
    )
    assert code == 0, err
    code, out, _ = cli(capsys, "catalog", "systems", "dgx-h100", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)["records"]] == ["dgx-h100"]


def test_catalog_unknown_id_is_named_as_the_argument(capsys):
    code, out, err = cli(capsys, "catalog", "systems", "dgx-h10")
    assert (code, out) == (2, "")
    assert err.startswith("error: ID: unknown system 'dgx-h10'; did you mean 'dgx-h100'")


@pytest.mark.parametrize("command", [["sweep", "nvidia-openai-10gw", "--samples", "1"]])
def test_a_file_of_the_users_as_store_is_not_called_damaged(capsys, tmp_path, command):
    """--store notes.html (not a DuckDB file) is 'not a sweep store', not a 'damaged' one, and
    is left as it was."""
    notes = tmp_path / "notes.html"
    notes.write_text("<p>mine</p>\n" * 100, encoding="utf-8")
    code, out, err = cli(capsys, *command, "--store", str(notes))
    assert (code, out) == (2, "")
    assert f"{str(notes)!r} is not a sweep store (not a DuckDB database file)" in err
    assert "damaged" not in err
    assert notes.read_text(encoding="utf-8") == "<p>mine</p>\n" * 100


def test_a_variant_is_not_labelled_as_the_scenario_it_extends(tmp_path):
    """`extends: nvidia-openai-10gw` + `power_basis: facility` in my_variant.yaml is named
    my-variant and titled as the base changed in that file, not as the announced programme."""
    from gigawatt.catalog import Catalog
    from gigawatt.scenario import load_scenario

    catalog = Catalog.load()
    base = load_scenario("nvidia-openai-10gw", catalog)
    path = tmp_path / "my_variant.yaml"
    path.write_text("extends: nvidia-openai-10gw\npower_basis: facility\n", encoding="utf-8")
    variant = load_scenario(str(path), catalog)
    assert variant.name == "my-variant"
    assert variant.title == f"{base.title} (changed in my_variant.yaml: power_basis)"
    named = tmp_path / "named.yaml"
    named.write_text("extends: nvidia-openai-10gw\nname: mine\ntitle: Mine\n", encoding="utf-8")
    assert (load_scenario(str(named), catalog).name, load_scenario(str(named), catalog).title) == (
        "mine",
        "Mine",
    )


def test_a_variant_whose_file_name_is_no_name_must_name_itself(capsys, tmp_path):
    path = tmp_path / "variant (copy).yaml"
    path.write_text("extends: nvidia-openai-10gw\npower_basis: facility\n", encoding="utf-8")
    code, out, err = cli(capsys, "finance", str(path))
    assert (code, out) == (2, "")
    assert err.startswith("error: name: a scenario that extends 'nvidia-openai-10gw' gives its")


def test_an_edited_copy_that_keeps_the_builtin_name_gets_a_note(capsys, tmp_path):
    """`gigawatt show NAME > mine.yaml`, edited but not renamed: its results would be labelled
    as the built-in's, so a note on stderr says so; an unedited copy gets none."""
    code, text, _ = cli(capsys, "show", "nvidia-openai-10gw")
    assert code == 0
    copy = tmp_path / "copy.yaml"
    copy.write_text(text, encoding="utf-8")
    code, out, err = cli(capsys, "finance", str(copy), "--json")
    assert code == 0 and err == ""
    edited = tmp_path / "edited.yaml"
    edited.write_text(text.replace("power_gw: 1.0", "power_gw: 2.0"), encoding="utf-8")
    code, out, err = cli(capsys, "finance", str(edited), "--json")
    assert code == 0 and json.loads(out)["scenario"] == "nvidia-openai-10gw"
    assert err == (
        f"note: {str(edited)!r} differs from the built-in scenario 'nvidia-openai-10gw' but has "
        "its name, so its results are labelled as that scenario's: give it a `name` (and "
        "`title`) of its own\n"
    )


def test_a_record_from_catalog_kind_id_goes_in_a_catalog_folder(capsys, tmp_path):
    """The YAML `gigawatt catalog systems dgx-h100` prints, saved as systems.yaml in a folder
    under a new id (and without the original's aliases), is a record of `--catalog DIR`."""
    code, out, _ = cli(capsys, "catalog", "systems", "dgx-h100")
    assert code == 0
    record = yaml.safe_load(out)
    folder = tmp_path / "mine"
    folder.mkdir()
    record.update(id="my-h100", aliases=[])
    (folder / "systems.yaml").write_text(yaml.safe_dump(record), encoding="utf-8")
    code, out, err = cli(capsys, "--catalog", str(folder), "catalog", "systems", "my-h100")
    assert code == 0, err
    assert yaml.safe_load(out)["id"] == "my-h100"


def test_a_copied_record_may_not_take_its_originals_aliases(capsys, tmp_path):
    """Kept, `hgx-h100` would silently name the copy instead of the shipped dgx-h100."""
    code, out, _ = cli(capsys, "catalog", "systems", "dgx-h100")
    record = yaml.safe_load(out)
    assert "hgx-h100" in record["aliases"]
    folder = tmp_path / "mine"
    folder.mkdir()
    record["id"] = "my-h100"
    (folder / "systems.yaml").write_text(yaml.safe_dump(record), encoding="utf-8")
    code, out, err = cli(capsys, "--catalog", str(folder), "catalog", "systems", "hgx-h100")
    assert (code, out) == (2, "")
    assert err == (
        f"error: {folder / 'systems.yaml'}: alias 'hgx-h100' of 'my-h100' already names systems "
        "'dgx-h100'; give the record aliases of its own (or none)\n"
    )


def test_the_python_api_commands_stay_callable():
    """`gigawatt.perf`, `gigawatt.reliability` and `gigawatt.compare` share their names with
    modules: once those modules are imported (by any call) the name must still run the command,
    not be 'module object is not callable' on the second call of a notebook."""
    import importlib

    import gigawatt

    for module in ("gigawatt.perf.search", "gigawatt.reliability.job", "gigawatt.compare"):
        importlib.import_module(module)
    for _ in range(2):
        perf = gigawatt.perf(model="llama3-8b", system="h100", gpus=8).to_json()
        rel = gigawatt.reliability(gpus=8, days=1).to_json()
        both = gigawatt.compare(["nvidia-openai-10gw", "amd-openai-6gw"]).to_json()
        assert 0 < perf["mfu"] < 1 and rel["goodput"] > 0 and both
    from gigawatt import perf as perf_command

    assert perf_command(model="llama3-8b", system="h100", gpus=8).to_json() == perf
    assert callable(gigawatt.perf.search)  # the package's own names are still there


@pytest.mark.parametrize(
    ("sites", "says"),
    [
        (
            "sites:\n  name: s1\n  region: us-ercot\n",
            "sites: {'name': 's1', 'region': 'us-ercot'} is not allowed: expected a list (in "
            "YAML, each item on a line of its own starting with `- `)",
        ),
        (
            "sites:\n  - s1\n",
            "sites[0]: 's1' is not allowed: expected a mapping of fields (in YAML, `field: value` "
            "lines)",
        ),
    ],
)
def test_a_wrong_yaml_shape_says_how_to_write_it(capsys, tmp_path, sites, says):
    path = tmp_path / "s.yaml"
    path.write_text(f"name: t\nstart: 2026-01\nend: 2027-12\n{sites}", encoding="utf-8")
    code, out, err = cli(capsys, "finance", str(path))
    assert (code, out) == (2, "")
    assert err == f"error: {says}\n"


def test_a_catalog_file_named_for_no_kind_gets_the_name_meant(capsys, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "system.yaml").write_text("[]\n", encoding="utf-8")
    code, out, err = cli(capsys, "--catalog", str(folder), "catalog")
    assert (code, out) == (2, "")
    assert "catalog file 'system.yaml' is not a known kind (did you mean systems.yaml?)" in err
    assert "allowed: accelerators.yaml, systems.yaml," in err


def test_train_takes_the_sequence_length_perf_takes(capsys):
    """`train --seq-len` as `perf --seq-len`: the run is planned at that length (the same best
    plan and step as `perf --search`), and its training FLOP counts attention at it."""
    job = ["--model", "llama3-8b", "--system", "h100", "--gpus", "64"]
    code, out, err = cli(capsys, "train", *job, "--tokens", "1e11", "--seq-len", "4096", "--json")
    assert code == 0, err
    short = json.loads(out)
    code, out, _ = cli(capsys, "perf", *job, "--seq-len", "4096", "--search", "--json")
    searched = json.loads(out)
    assert short["seq_len"] == searched["seq_len"] == 4096
    assert short["step_time_s"] == searched["step_time_s"]
    code, out, _ = cli(capsys, "train", *job, "--tokens", "1e11", "--json")
    default = json.loads(out)
    assert default["seq_len"] == 8192 and default["training_flop"] > short["training_flop"]


def test_an_unknown_deal_is_named_where_it_is_written(capsys, user_scenario_file):
    text = user_scenario_file.read_text(encoding="utf-8")
    deals = "deals:\n  - use: nvidia-openai-loi-2025\n  - use: nvidia-openai-loi-2024\n"
    user_scenario_file.write_text(text + deals, encoding="utf-8")
    code, out, err = cli(capsys, "finance", str(user_scenario_file))
    assert (code, out) == (2, "")
    assert err.startswith(
        "error: deals[1].use: unknown deal 'nvidia-openai-loi-2024'; did you mean "
        "'nvidia-openai-loi-2025'"
    )


def test_results_render_as_a_table_in_a_notebook(catalog):
    """DESIGN.md section 7: results render as tables in Jupyter (`_repr_html_`): the yearly
    summary, every year and key of `run --json`, and the caveats, with user text escaped."""
    import gigawatt
    from gigawatt.scenario import parse_scenario
    from gigawatt.simulate import simulate

    results = gigawatt.run("nvidia-openai-10gw")
    page = results._repr_html_()
    years = results.years()
    assert page.count("<table") == 1 and all(f"<th>{y['year']}</th>" in page for y in years)
    assert "<th>it_power_gw</th>" in page and "<th>peak_flops_per_s.bf16</th>" in page
    for caveat in results.caveats(years):
        assert caveat.split("'")[0] in page
    data = yaml.safe_load(USER_SCENARIO_YAML)
    data["title"] = "<script>alert(1)</script>"
    page = simulate(parse_scenario(data, catalog), catalog)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
