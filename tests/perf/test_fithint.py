"""Issue 9: a fixed plan that does not fit gets the nearest single-knob changes that fit."""

from __future__ import annotations

import json

import pytest

from gigawatt.cli import main
from gigawatt.perf import estimate
from gigawatt.perf.fithint import fixed_plan_changes

# Llama 3 405B on 16,384 H100 with the paper's tp=8, pp=16 (Dubey et al. 2024, section 3.3.2)
# and this framework's defaults: predicted not to fit (79.9 GiB of 77.2 usable at commit
# 676cc96); Meta's own settings fit (tests/validation: zero=2, sp, no recompute).
ARGS_405B = ("--model", "llama3-405b", "--system", "dgx-h100", "--gpus", "16384")
PLAN_405B = "tp=8,pp=16"
ENTRY = {"change", "gpus", "plan", "step_time_s", "memory_gib_per_gpu"}


def _cli(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(["perf", *args])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return exc.value.code, out


def _json(capsys, *args: str) -> dict:
    return json.loads(_cli(capsys, *args, "--json")[1])


@pytest.fixture(scope="module")
def hint_405b() -> tuple[dict, ...]:
    return fixed_plan_changes("llama3-405b", "dgx-h100", 16384, {"tp": 8, "pp": 16})


def test_405b_fixed_plan_that_does_not_fit_gets_nearest_changes(capsys):
    data = _json(capsys, *ARGS_405B, "--plan", PLAN_405B)
    assert data["fits"] is False and data["plan"]["tp"] == 8 and data["plan"]["pp"] == 16
    near = data["nearest_feasible"]
    assert near, "a plan that does not fit must come with the changes that make it fit"
    assert all(set(n) == ENTRY for n in near)
    times = [n["step_time_s"] for n in near]
    assert times == sorted(times)  # ranked by the changed plan's predicted step time
    usable = data["memory_bytes_per_gpu"]["usable"] / 2**30
    assert all(n["memory_gib_per_gpu"] <= usable for n in near)
    knobs = [n["change"].split("=")[0] for n in near]
    assert len(knobs) == len(set(knobs))  # one (the nearest) value per knob
    # a higher ZeRO stage is Meta's own way to fit this plan; more accelerators always help
    assert "zero" in knobs and "gpus" in knobs
    # single-knob: every other structural knob of the plan is unchanged
    for n in near:
        knob = n["change"].split("=")[0]
        for other in ("tp", "pp", "cp", "mb", "zero", "recompute"):
            if other != knob and not (knob == "recompute_modules" and other == "recompute"):
                assert n["plan"][other] == data["plan"][other], (n["change"], other)


def test_each_suggested_plan_fits_when_estimated(hint_405b):
    assert hint_405b
    for n in hint_405b:
        res = estimate("llama3-405b", "dgx-h100", n["gpus"], n["plan"])
        assert res.fits, n["change"]
        assert res.memory_gib_per_gpu == pytest.approx(n["memory_gib_per_gpu"], rel=1e-12)
        assert res.step_time_s == pytest.approx(n["step_time_s"], rel=1e-12)


def test_each_change_is_the_nearest_value_that_fits(hint_405b):
    """One step less than the suggested value does not fit (the nearest fitting value)."""
    by_knob = {n["change"].split("=")[0]: n for n in hint_405b}
    zero = by_knob["zero"]["plan"]["zero"]
    assert zero > 1
    below = estimate("llama3-405b", "dgx-h100", 16384, {"tp": 8, "pp": 16, "zero": zero - 1})
    assert not below.fits


def test_fitting_plan_gets_no_hint_and_keys_are_unchanged(capsys):
    fits = _json(capsys, *ARGS_405B, "--plan", "tp=8,pp=16,zero=2,recompute=full")
    assert fits["fits"] is True and fits["nearest_feasible"] is None
    tight = _json(capsys, *ARGS_405B, "--plan", PLAN_405B)
    assert set(tight) == set(fits)  # the same keys whether it fits or not (add, never rename)
    assert set(tight["plan"]) == set(fits["plan"])
    _, out = _cli(capsys, *ARGS_405B, "--plan", "tp=8,pp=16,zero=2,recompute=full")
    assert "Nearest changes" not in out


def test_text_output_lists_the_changes(capsys):
    _, out = _cli(capsys, *ARGS_405B, "--plan", PLAN_405B)
    flat = " ".join(out.split())
    assert "NO" in out.split("Fits", 1)[1].split("\n", 1)[0]  # the summary row says so
    assert "Nearest changes that fit" in flat and "zero=" in flat and "gpus=" in flat


def test_no_hint_when_no_single_change_fits(capsys):
    """A 1T model on 8 A100 (dp = 8): 2 TB of bf16 weights alone; no single knob, nor 64
    times the accelerators with the same knobs, fits it (the text says so, the key is null)."""
    args = ("--model", "megatron-1t", "--system", "dgx-a100", "--gpus", "8")
    data = _json(capsys, *args)
    assert data["fits"] is False and data["nearest_feasible"] is None
    _, out = _cli(capsys, *args)
    assert "no change of one knob makes it fit" in " ".join(out.split())


def test_vp_changes_only_where_megatron_splits_the_layers():
    """The nearest-change list proposes deeper interleaving only where vp divides the layers
    per pipeline stage (Megatron-Core get_num_layers_to_build; plan.interleaved_split_ok):
    Llama 3 405B's 126 layers over pp 16 split evenly only with the embedding and the loss
    counted (128 / 16 = 8 per stage: vp 2, 4, 8); over pp 2, 63 per stage."""
    from gigawatt.catalog import Catalog
    from gigawatt.perf.estimate import hardware_for, load_model, load_system
    from gigawatt.perf.fithint import _candidates
    from gigawatt.perf.framework import resolve
    from gigawatt.perf.plan import make_plan
    from gigawatt.perf.workload import Workload

    cat = Catalog.load()
    w = Workload.from_model(load_model("llama3-405b", cat))
    _hw, sw = hardware_for(load_system("dgx-h100", cat), "bf16", cat)
    assert sw.interleaving

    def vps(**plan) -> list[int]:
        now = resolve(make_plan({"tp": 8, **plan}), w, 16384, sw).row(0, "bf16")
        return [
            step[1]["vp"]
            for steps in _candidates(w, sw, 16384, plan, now)
            for step in steps
            if step[0].startswith("vp=")
        ]

    assert vps(pp=16, pp_balance=True) == [2, 4, 8]
    assert vps(pp=16, pp_balance=False) == []  # 126 / 16 is not whole
    assert vps(pp=2, pp_balance=False) == [3, 7, 9, 21, 63]  # 63 layers per stage
