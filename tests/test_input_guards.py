"""Resource guards and wrong-word errors (issue 13): absurd flags, model sizes, horizons and
`extends` chains are refused before any work starts, with the flag or field the user wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_cases import cli
from conftest import USER_SCENARIO_YAML
from gigawatt.errors import InputError
from gigawatt.scenario import read_scenario_data
from gigawatt.yamlio import loads_yaml


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["perf", "--model", "gpt3-175b", "--system", "dgx-a100", "--gpus", "1" * 23],
            "error: --gpus: 11111111111111111111111 is not allowed: must be <= 100000000",
        ),
        (
            [
                "train",
                "--model",
                "gpt3-175b",
                "--system",
                "dgx-a100",
                "--gpus",
                "1024",
                "--tokens",
                "1e308",
            ],
            "error: --tokens: 1e308 is not allowed: must be <= 1000000000000000000",
        ),
        (
            [
                "train",
                "--model",
                "gpt3-175b",
                "--system",
                "dgx-a100",
                "--gpus",
                "1024",
                "--tokens",
                "300e9",
                "--cost-usd-per-gpu-hour",
                "inf",
            ],
            "error: --cost-usd-per-gpu-hour: inf is not allowed: must be a finite number",
        ),
        (
            ["energy", "--job-accelerators", "1000"],
            "error: --job-accelerators: applies to a site's power swings: give --swings SITE too",
        ),
    ],
)
def test_flag_guards(capsys, args, expected):
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.splitlines() == [expected]


TRAIN = ["train", "--model", "gpt3-175b", "--system", "dgx-a100", "--gpus", "1024"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([*TRAIN, "--tokens", "1e999"], "--tokens: 1e999 is not allowed: must be a finite number"),
        ([*TRAIN, "--tokens=1e40"], "--tokens: 1e40 is not allowed: must be <= "),
        ([*TRAIN, "--tokens", "0.0e0"], "--tokens: 0.0e0 is not allowed: must be > 0"),
        (
            [*TRAIN, "--tokens", "1e12", "--cost-usd-per-gpu-hour", "1E999"],
            "--cost-usd-per-gpu-hour: 1E999 is not allowed: must be a finite number",
        ),
        (
            ["footprint", "--system", "h100", "--gpu-hours", "1e6", "--pue", "2e999"],
            "--pue: 2e999 is not allowed: must be a finite number",
        ),
        (["reliability", "--gpus", "8", "--days", "1e999"], "--days: 1e999 is not allowed: "),
    ],
)
def test_refused_value_shown_as_typed(capsys, args, expected):
    """A refusal repeats what the user wrote (`1e999`), not what it parsed to (`inf`)."""
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {expected}"), err
    assert "inf" not in err


def test_parse_count_names_the_text_when_it_overflows():
    from gigawatt.training import parse_count

    with pytest.raises(InputError) as exc:
        parse_count("1e999", field="tokens")
    assert str(exc.value) == "tokens: '1e999' is not allowed: must be a finite number"


def test_default_plan_error_blames_gpus_not_plan(capsys):
    code, _, err = cli(
        capsys, "perf", "--model", "gpt3-175b", "--system", "dgx-a100", "--gpus", "1000"
    )
    assert code == 2
    assert err.startswith("error: --gpus: 1000 is not allowed with the default plan")
    assert "--search" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("field", "value", "limit"), [("layers", "1e9", "2000"), ("hidden", "1e12", "1000000")]
)
def test_model_file_sizes_refused_before_search(capsys, tmp_path, field, value, limit):
    from gigawatt.catalog import Catalog

    rec = Catalog.load().model("gpt3-175b").model_dump(mode="json")
    rec[field] = float(value)
    import yaml

    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(rec))
    code, _, err = cli(
        capsys, "perf", "--model", str(path), "--system", "dgx-a100", "--gpus", "1024", "--search"
    )
    assert code == 2
    assert f"{field}:" in err and limit in err.replace(",", "")
    assert "internal error" not in err


def test_horizon_refused(capsys, tmp_path):
    path = tmp_path / "far.yaml"
    path.write_text(USER_SCENARIO_YAML.replace("end: 2027-12", "end: 9999-12"))
    code, _, err = cli(capsys, "energy", str(path))
    assert code == 2
    assert err == "error: end: '9999-12' is not allowed: must be a month from 1990-01 to 2100-12\n"


def test_extends_chain_depth(capsys, tmp_path):
    (tmp_path / "c1499.yaml").write_text(USER_SCENARIO_YAML)
    for i in range(1499):
        (tmp_path / f"c{i}.yaml").write_text(f"extends: c{i + 1}.yaml\n")
    code, _, err = cli(capsys, "energy", str(tmp_path / "c0.yaml"))
    assert code == 2
    assert err.startswith("error: extends: a chain of more than 32 scenarios")
    # a short chain still works
    data = read_scenario_data(str(tmp_path / "c1490.yaml"))
    assert data["sites"][0]["name"] == "s1" and data["name"] == "c1490"  # named as its file


def test_bad_extends_names_extends_not_scenario(capsys, tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text("extends: no-such-scenario\n")
    code, _, err = cli(capsys, "energy", str(path))
    assert code == 2
    assert err.startswith("error: extends: unknown scenario 'no-such-scenario'")


def test_duplicate_yaml_keys():
    with pytest.raises(InputError) as exc:
        loads_yaml("name: a\nstart: 2026-01\nname: b\n", origin="s.yaml")
    assert str(exc.value) == (
        "s.yaml: not valid YAML (line 3, column 1): duplicate key 'name' (first at line 1)"
    )
    with pytest.raises(InputError):
        loads_yaml("a: {x: 1, x: 2}\n", origin="s.yaml")
    assert loads_yaml("base: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n", origin="s.yaml")["c"] == {"x": 2}


def test_every_duplicate_yaml_key_is_named_in_one_pass():
    """Each repeated key of a file is one line, in the file's order, not only the first (an
    anchored mapping used twice is one mapping: its repeated key is said once)."""
    text = "name: a\nsites:\n  - &s {name: x, pue: 1.2, pue: 1.3}\n  - *s\nend: 2030-12\nname: b\n"
    with pytest.raises(InputError) as exc:
        loads_yaml(text, origin="s.yaml")
    assert str(exc.value).splitlines() == [
        "s.yaml: not valid YAML (line 3, column 28): duplicate key 'pue' (first at line 3)",
        "s.yaml: not valid YAML (line 6, column 1): duplicate key 'name' (first at line 1)",
    ]


def test_duplicate_catalog_ids(capsys, tmp_path: Path):
    rec = (
        "- id: my-chip\n  vendor: t\n  source: https://example.org a test chip\n"
        "  as_of: 2025-01-01\n  status: estimate\n  peak_flops_per_s: {bf16: 1e15}\n"
        "  hbm_bytes: 1e11\n  hbm_bandwidth_bytes_per_s: 4e12\n  tdp_w: 800\n"
    )
    (tmp_path / "accelerators.yaml").write_text(rec + rec.replace("my-chip", "My-Chip"))
    code, _, err = cli(capsys, "--catalog", str(tmp_path), "catalog", "accelerators")
    assert code == 2
    assert "accelerators.yaml: duplicate id 'My-Chip' (lines 1, 10)" in err


def test_plan_space_guard_names_the_limit(monkeypatch, tmp_path):
    import importlib

    from gigawatt.perf import search

    module = importlib.import_module("gigawatt.perf.search")
    monkeypatch.setattr(module, "MAX_PLANS", 1000)
    monkeypatch.setenv("GIGAWATT_CACHE_DIR", str(tmp_path))  # a stored result needs no search
    module.clear_cache()
    with pytest.raises(InputError) as exc:
        search("gpt3-175b", "dgx-a100", 1024)
    assert exc.value.field == "gpus"
    assert "the limit is 1,000" in str(exc.value)
    module.clear_cache()


def test_huge_job_search_is_bounded(capsys):
    """100 million accelerators: the idle-size scan looks at the nearest sizes only, so the
    search ends (it used to try a million sizes)."""
    code, _, err = cli(
        capsys, "perf", "--model", "gpt3-175b", "--system", "dgx-h100", "--gpus", "100000000",
        "--search", "--json",
    )  # fmt: skip
    assert code in (0, 2), err
    assert "internal error" not in err


def test_site_values_in_a_run_footprint_are_named_as_scenario_fields():
    """The capability model builds a footprint request from a site's PUE and clean share; an
    error there names `sites[i].pue`, not the footprint command's `--pue`."""
    from gigawatt.capability.runs import _as_site_fields
    from gigawatt.errors import Problem

    err = InputError(problems=[Problem("pue", "0.5 is not allowed: must be >= 1")])
    renamed = _as_site_fields(err, 2)
    assert renamed.render({"pue": "--pue"}) == "sites[2].pue: 0.5 is not allowed: must be >= 1"


def test_library_requests_refuse_booleans_as_numbers():
    from gigawatt import app

    with pytest.raises(InputError) as exc:
        app.perf(model="gpt3-175b", system="dgx-a100", gpus=True)
    assert str(exc.value) == "gpus: True is not allowed: expected a number, not true/false"
