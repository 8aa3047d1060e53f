"""Peaks that are not the published figure at the run's precision (catalog `peak_estimates`,
and precisions an accelerator has no tensor path for) are flagged wherever a run uses them;
MFU and HFU say what they count."""

from __future__ import annotations

import pytest

from gigawatt.capability.caveats import peak_caveats
from gigawatt.catalog import Catalog
from gigawatt.cli import main


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return Catalog.load()


def test_an_estimated_peak_is_flagged_at_its_precision_only(cat):
    system = cat.system("vera-rubin-nvl72")
    acc = cat.accelerator(system.accelerator)
    assert acc.peak_estimates  # Rubin's BF16 is derived, not announced
    for precision in ("fp16", "bf16", "fp8", "fp4"):
        notes = peak_caveats(cat, [(system.id, precision)])
        how = acc.peak_estimates.get(precision)
        if how is None:
            assert notes == (), precision
        else:
            (note,) = notes
            assert f"{acc.id}'s {precision} peak" in note and how in note
    # a repeated run is one caveat; a run without a system none
    assert len(peak_caveats(cat, [(system.id, "bf16")] * 3 + [(None, "bf16")])) == 1


def test_a_precision_without_a_tensor_path_is_flagged(cat):
    """A100 has no FP8: a run asked for in FP8 is counted at its BF16 peak, and says so."""
    system = cat.system("dgx-a100")
    acc = cat.accelerator(system.accelerator)
    assert acc.peak_flops_per_s.fp8 is None
    used = acc.supported_precision("fp8")
    (note,) = peak_caveats(cat, [(system.id, "fp8")])
    assert f"{acc.id} has no fp8 tensor path" in note and f"counted at its {used} peak" in note


def test_published_peaks_need_no_caveat(cat):
    for system in ("dgx-h100", "gb200-nvl72"):
        assert peak_caveats(cat, [(system, "bf16"), (system, "fp8")]) == ()


def _out(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    assert exc.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_perf_says_what_mfu_and_hfu_count_and_flags_the_peak(capsys, cat):
    acc = cat.accelerator("vera-rubin")
    out = _out(
        capsys, "perf", "--model", "llama3-8b", "--system", "vera-rubin-nvl72", "--gpus", "64",
        "--plan", "tp=2,recompute=full",
    )  # fmt: skip
    assert "MFU: model FLOPs (6 x active parameters + attention counted in full" in out
    assert "recomputed FLOPs never count" in out
    assert "and here full recomputation (a second forward pass)) over the same peak" in out
    assert "Caveat: vera-rubin-nvl72: vera-rubin's bf16 peak" in out
    assert acc.peak_estimates["bf16"] in out
    out = _out(capsys, "perf", "--model", "llama3-8b", "--system", "dgx-h100", "--gpus", "64")
    assert "here selective recomputation (" in out and "Caveat:" not in out
