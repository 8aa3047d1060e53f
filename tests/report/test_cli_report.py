"""`gigawatt report` and the report `gigawatt run` writes: the JSON contract, PNG export, bad
input (exit 2, nothing on stdout, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_cases import cli
from gigawatt.io import sha256_file
from gigawatt.report.base import Chart, Series
from gigawatt.report.png import render_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: A scenario with uncertain inputs gets the sensitivity (tornado) section.
SECTIONS = [
    "scenario",
    "buildout",
    "money",
    "market",
    "ownership",
    "energy",
    "capability",
    "sensitivity",
    "sources",
]


def _documented_manifest_keys() -> set[str]:
    """The keys of the manifest.json table in docs/cli.md."""
    text = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## Output sets")[1].split("\n\n")
    table = next(block for block in section if block.startswith("| Key |"))
    return {line.split("`")[1] for line in table.splitlines()[2:]}


def test_report_json_contract_and_pngs(capsys, tmp_path):
    out = tmp_path / "r" / "amd.html"
    png = tmp_path / "png"
    code, stdout, err = cli(
        capsys, "report", "amd-openai-6gw", "--out", str(out), "--png", str(png), "--json"
    )
    assert code == 0, err
    data = json.loads(stdout)  # exactly one JSON object
    assert set(data) == {"report", "sections", "png"}
    assert data["report"] == str(out) and out.is_file()
    assert data["sections"] == SECTIONS
    assert len(data["png"]) >= 9
    for path in data["png"]:
        assert path.startswith(str(png)) and path.endswith(".png")
        content = Path(path).read_bytes()
        assert content.startswith(PNG_SIGNATURE) and len(content) > 10_000
    names = sorted(p.split("/")[-1] for p in data["png"])
    assert sorted(p.name for p in png.iterdir()) == sorted([*names, "manifest.json"])
    # the charts are one output set (issue 13): the manifest lists each with its sha256
    manifest = json.loads((png / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario"] == "amd-openai-6gw"
    assert sorted(f["name"] for f in manifest["files"]) == names
    assert set(manifest) == _documented_manifest_keys()  # docs/cli.md, generated
    assert {k for f in manifest["files"] for k in f} == {"name", "bytes", "sha256"}
    page = out.read_text(encoding="utf-8")
    for chart_file in data["png"]:
        chart_id = chart_file.split("/")[-1].removesuffix(".png")
        assert f'id="{chart_id}"' in page  # the same charts as the page


def test_report_default_path_and_table(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, err = cli(capsys, "report")
    assert code == 0, err
    path = tmp_path / "gigawatt-out" / "report-nvidia-openai-10gw.html"
    assert path.is_file()
    assert "report-nvidia-openai-10gw.html" in stdout and "sources" in stdout


def test_run_writes_the_report(capsys, tmp_path):
    out_dir = tmp_path / "o"
    code, _, err = cli(capsys, "run", "stargate-10gw", "--out", str(out_dir), "--json")
    assert code == 0, err
    page = (out_dir / "report.html").read_text(encoding="utf-8")
    for sid in SECTIONS:
        assert f'<section id="{sid}"' in page
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "manifest.json",
        "report.html",
        "results.parquet",
        "summary.json",
    ]
    # the set's manifest (issue 13): what wrote it and each file's sha256
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario"] == "stargate-10gw"
    assert len(manifest["catalog_sha256"]) == 64 and manifest["gigawatt_version"]
    names = [f["name"] for f in manifest["files"]]
    assert names == ["results.parquet", "summary.json", "report.html"]
    for f in manifest["files"]:
        assert sha256_file(out_dir / f["name"]) == f["sha256"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--sweep", "sweeps.duckdb"], "--sweep"),
        (["--out", "report.txt"], "--out"),
        (["--out", "."], "--out"),
        (["--png", "a-file.txt"], "--png"),
        (["--png", "charts", "--out", "charts/r.html"], "--out"),
        (["no-such-scenario"], "SCENARIO"),
    ],
)
def test_bad_input_exit_2_nothing_written(capsys, tmp_path, monkeypatch, args, field):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file.txt").write_text("x")
    code, stdout, err = cli(capsys, "report", *args, "--json")
    assert code == 2
    assert stdout == ""
    assert field in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file.txt"]


def test_report_never_overwrites_its_scenario(capsys, tmp_path):
    scenario = tmp_path / "mine.html"  # an odd name, but a YAML scenario all the same
    code, text, _ = cli(capsys, "show", "amd-openai-6gw")
    assert code == 0
    scenario.write_text(text)
    code, stdout, err = cli(capsys, "report", str(scenario), "--out", str(scenario))
    assert code == 2 and stdout == "" and "input file" in err
    assert scenario.read_text() == text


def test_png_draws_every_series_kind(tmp_path):
    """Stacked bars with gaps (NaN), grouped bars, areas, steps, dashed lines and markers."""
    months = ["2026-01", "2026-02", "2026-03"]
    nan = float("nan")
    charts = [
        Chart(
            "kinds",
            "All kinds",
            "Month",
            "Value [unit]",
            (
                Series("area", months, [1, 2, 3], "area"),
                Series("step", months, [0, 1, 1], "step"),
                Series("cap", months, [3, 3, 3], "line", dash=True),
                Series("marks", months[:1], [1], "markers", text=["+1"], hover=["why"]),
                Series("bars", months, [1, 1, 1], "bar"),
            ),
        ),
        Chart(
            "stacked",
            "Stacked categories with gaps",
            "",
            "Energy [TWh]",
            (
                Series("a", ["x", "y", "z"], [1, nan, 2], "bar"),
                Series("b", ["x", "y", "z"], [nan, 5, 1], "bar"),
            ),
            x_type="category",
            stacked=True,
        ),
    ]
    for chart in charts:
        content = render_png(chart)
        assert content.startswith(PNG_SIGNATURE) and len(content) > 5_000


def test_report_compare_writes_one_side_by_side_page(capsys, tmp_path):
    out = tmp_path / "side.html"
    png = tmp_path / "png"
    code, stdout, err = cli(
        capsys, "report", "amd-openai-6gw", "--compare", "nvidia-openai-2026-actual",
        "--out", str(out), "--png", str(png), "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(stdout)
    assert data["sections"] == ["inputs", "outputs", "sources"]
    page = out.read_text(encoding="utf-8")
    assert "amd-openai-6gw vs nvidia-openai-2026-actual" in page
    assert len(data["png"]) == 9 and all(Path(p).is_file() for p in data["png"])
    manifest = json.loads((png / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == _documented_manifest_keys()
    assert manifest["scenario"] == "amd-openai-6gw vs nvidia-openai-2026-actual"


def test_report_compare_refuses_sweep_bands(capsys, tmp_path):
    code, stdout, err = cli(
        capsys, "report", "amd-openai-6gw", "--compare", "stargate-10gw",
        "--sweep", str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "x.html"),
    )  # fmt: skip
    assert code == 2 and stdout == ""
    assert "--sweep" in err and "--compare" in err
    assert not (tmp_path / "x.html").exists()


def test_png_folder_of_the_users_refused_before_anything_is_written(capsys, tmp_path):
    """PNG export's preconditions are checked first: a --png folder holding a file gigawatt did
    not write is refused (exit 2) and no HTML is left behind; the user's file is untouched."""
    png = tmp_path / "charts"
    png.mkdir()
    (png / "notes.txt").write_text("mine")
    out = tmp_path / "r.html"
    code, stdout, err = cli(
        capsys, "report", "amd-openai-6gw", "--out", str(out), "--png", str(png), "--json"
    )
    assert code == 2 and stdout == ""
    assert "--png" in err and "notes.txt" in err and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["charts"]
    assert [p.name for p in png.iterdir()] == ["notes.txt"]
    assert (png / "notes.txt").read_text() == "mine"


def test_png_without_matplotlib_writes_nothing(capsys, tmp_path, monkeypatch):
    """When PNG export cannot run, the command fails (exit 1) before writing the HTML."""
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    out = tmp_path / "r.html"
    code, stdout, err = cli(
        capsys, "report", "amd-openai-6gw", "--out", str(out), "--png", str(tmp_path / "p")
    )
    assert code == 1 and stdout == ""
    assert "matplotlib" in err and "nothing was written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_png_keeps_the_charts_caption():
    """A PNG travels without the page: its caption (a caveat, a source) is drawn under it."""
    from gigawatt.report.png import chart_figure

    note = "Countries: annual electricity generation in 2023, a proxy for consumption."
    chart = Chart("c", "A chart", "Year", "Energy [TWh]", (Series("s", [2026], [1.0], "bar"),))
    assert chart_figure(chart).get_supxlabel() == ""
    with_note = Chart("c", "A chart", "Year", "Energy [TWh]", chart.series, note=note)
    assert chart_figure(with_note).get_supxlabel().replace("\n", " ") == note
    assert render_png(with_note).startswith(PNG_SIGNATURE)
