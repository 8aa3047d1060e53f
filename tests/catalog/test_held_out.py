"""The held-out published figures stay out of the project's data and docs.

docs/validation.md ("Held-out sources") lists them: they are kept for independent checks of
what the tool predicts, so they are never fitted, tested or shipped. This test looks for the
stated whole-run figures as their publishers printed them (Llama 3.1 405B's 30.84M H100
GPU-hours, DeepSeek-V3's 2.788M H800 GPU-hours and its 180K GPU-hours per trillion tokens,
Patterson et al. 2021 Table 4's GPT-3 row: 1,287 MWh, 552 tCO2e, 10,000 V100 and the GPU-hours
they imply) in the catalog, the
validation data and the docs. The patterns are written so that they cannot match themselves
in this file's text when read as data elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SEARCHED = [
    *sorted((ROOT / "src" / "gigawatt" / "catalog").glob("*.yaml")),
    *sorted((ROOT / "src" / "gigawatt" / "scenarios").glob("*.yaml")),
    *sorted(p for p in (ROOT / "tests" / "validation" / "data").rglob("*") if p.is_file()),
    *sorted((ROOT / "docs").rglob("*.md")),
    ROOT / "README.md",
    *sorted((ROOT / "src").rglob("*.py")),
    *sorted((ROOT / "tools").glob("*.py")),
    *sorted(p for p in (ROOT / "tests").rglob("*.py") if p != Path(__file__)),
]

#: Each held-out figure, in the forms it is printed in (M, K, full digits, scientific).
HELD_OUT = {
    "Llama 3.1 405B whole-run GPU-hours": r"30[.,]84\s*M\b|30[,.]?84\d[,.]?\d{3}\b|3\.084e\+?7",
    "DeepSeek-V3 whole-run GPU-hours": r"2[.,]788\s*M\b|2[,.]?788\s*K\b|2[,.]788[,.]000\b"
    r"|2\.788e\+?6",
    "DeepSeek-V3 GPU-hours per trillion tokens": r"180\s*K\s+(H800\s+)?GPU[ -]hours",
    "Patterson 2021 GPT-3 energy": r"1[,.]?287\s*MWh",
    "Patterson 2021 GPT-3 emissions": r"\b552(\.\d)?\s*(t|tonnes?)\s*(of\s*)?CO2",
    # its processor count and days, and the GPU-hours they multiply to
    "Patterson 2021 GPT-3 processors": r"\b10[,.]?000\s*V100",
    "Patterson 2021 GPT-3 GPU-hours": r"\b3[,.]?552[,.]?000\b|3\.552\s*M\b",
}


@pytest.mark.parametrize("what", sorted(HELD_OUT))
def test_held_out_figure_is_nowhere_in_data_or_docs(what: str) -> None:
    pattern = re.compile(HELD_OUT[what], re.IGNORECASE)
    hits = []
    for path in SEARCHED:
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not hits, f"{what} (held out, docs/validation.md) found:\n" + "\n".join(hits)


def test_patterns_catch_the_printed_forms() -> None:
    """Guard against a pattern that silently matches nothing."""
    samples = {
        "Llama 3.1 405B whole-run GPU-hours": "30.84M H100 GPU-hours",
        "DeepSeek-V3 whole-run GPU-hours": "2.788M H800 GPU hours",
        "DeepSeek-V3 GPU-hours per trillion tokens": "180K H800 GPU hours per trillion",
        "Patterson 2021 GPT-3 energy": "1,287 MWh",
        "Patterson 2021 GPT-3 emissions": "552 tCO2e",
        "Patterson 2021 GPT-3 processors": "assumed 10,000 V100s",
        "Patterson 2021 GPT-3 GPU-hours": "V100-SXM2,,3552000,14.8",
    }
    for what, sample in samples.items():
        assert re.search(HELD_OUT[what], sample, re.IGNORECASE), what


def _validation_rows() -> list[dict[str, str]]:
    import csv

    rows = []
    for path in sorted((ROOT / "tests" / "validation" / "data").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows += [{k: v or "" for k, v in row.items() if k} for row in csv.DictReader(fh)]
    return rows


def _is_held_out_perf_row(row: dict[str, str]) -> str | None:
    """Which held-out source a validation row is from, if any (docs/validation.md)."""
    text = " ".join(row.values()).lower()
    source = " ".join((row.get("source", ""), row.get("source_table", ""))).lower()
    if "dgx cloud" in source and re.search(r"405\s*b", text):
        return "DGX Cloud recipes for Llama 3.1 405B"
    # No row of the table that holds the baseline rows, MegaScale's own included
    if "megascale" in source and "table 2" in source:
        return "MegaScale Table 2 (holds the Megatron-LM baseline rows)"
    if re.search(r"2407\.21783|llama 3 herd", source) and "table 4" in source:
        return "Llama 3 paper Table 4"
    return None


def test_no_validation_row_is_from_a_held_out_source() -> None:
    """The held-out perf sources (the Llama 3 paper's Table 4 MFU rows, MegaScale's Megatron-LM
    baseline rows, DGX Cloud's Llama 3.1 405B recipes) are not validation rows."""
    rows = _validation_rows()
    assert len(rows) > 150  # the data was read
    hits = [(row.get("id"), why) for row in rows if (why := _is_held_out_perf_row(row))]
    assert not hits, hits


def test_held_out_row_detector_catches_each_source() -> None:
    """Guard against a detector that matches nothing: one made-up row per held-out source."""
    made_up = [
        {"source": "NVIDIA DGX Cloud benchmarking recipes", "model": "llama3.1-405b"},
        {"source": "MegaScale", "source_table": "Table 2", "framework": "Megatron-LM"},
        {"source": "Dubey et al. 2024, arXiv 2407.21783", "source_table": "Table 4"},
    ]
    assert all(_is_held_out_perf_row(row) for row in made_up)
    # MegaScale's own rows of that table are refused too; its Figure 9 rows are not from it
    own = {
        "source": "Jiang et al., MegaScale",
        "source_table": "Table 2 (strong scaling, 175B), MegaScale rows",
        "framework": "MegaScale (ByteDance; built on Megatron-LM commit 285068c8)",
    }
    assert _is_held_out_perf_row(own)
    weak = {"source": "Jiang et al., MegaScale", "source_table": "Figure 9 (weak scaling, 530B)"}
    assert _is_held_out_perf_row(weak) is None
