"""`gigawatt perf`: JSON contract (DESIGN.md section 7), exit codes, tables."""

from __future__ import annotations

import json
import re

import pytest

from cli_cases import cli

KEYS = {
    "step_time_s",
    "mfu",
    "mfu_causal",
    "hfu",
    "tokens_per_s",
    "tflops_per_gpu",
    "memory_gib_per_gpu",
    "fits",
    "plan",
    "breakdown_s",
    "plans_evaluated",
    "plans_fitting",
    "top",
    "framework",
    "gbs_used",
    "gpus_used",
    "nearest_feasible",
}
BREAKDOWN = {
    "compute",
    "recompute",
    "tp_comm",
    "cp_comm",
    "ep_comm",
    "pp_comm",
    "dp_comm",
    "bubble",
    "optimizer",
    "offload",
}
PLAN = {
    "tp",
    "pp",
    "vp",
    "dp",
    "cp",
    "ep",
    "etp",
    "mb",
    "gbs",
    "zero",
    "recompute",
    "precision",
    "sp",
    "flash_attention",
    "tp_overlap",
    "dp_overlap",
    "ep_overlap",
    "pp_balance",
    "vocab_parallel",
    "fp8_recipe",
    "offload",
    "optimizer_dtype",
    "moe_dispatcher",
}


def _perf(capsys, *args: str) -> tuple[int, dict, str]:
    code, out, err = cli(capsys, "perf", *args, "--json")
    return code, (json.loads(out) if out else {}), err


def test_perf_json_contract(capsys):
    code, data, err = _perf(
        capsys,
        "--model",
        "gpt3-175b",
        "--system",
        "dgx-a100",
        "--gpus",
        "1024",
        "--plan",
        "tp=8,pp=8,mb=1,recompute=full",
    )
    assert code == 0, err
    assert set(data) >= KEYS
    assert set(data["breakdown_s"]) == BREAKDOWN
    assert set(data["plan"]) >= PLAN
    assert data["plan"]["dp"] == 16 and data["plan"]["recompute"] == "full"
    assert sum(data["breakdown_s"].values()) == pytest.approx(data["step_time_s"], rel=1e-12)
    assert 0 < data["mfu"] < data["hfu"] < 1 and data["fits"] is True
    assert data["plans_evaluated"] is None and data["top"] is None
    assert data["tflops_per_gpu"] == pytest.approx(data["mfu"] * 312, rel=1e-9)
    assert data["framework"] == "megatron-lm-2022"  # the A100 calibration's software
    assert data["plan"]["flash_attention"] is False and data["gbs_used"] == 1536
    assert data["nearest_feasible"] is None


def test_perf_search_json(capsys):
    code, data, err = _perf(
        capsys,
        "--model",
        "llama3-70b",
        "--system",
        "h100",
        "--gpus",
        "512",
        "--search",
        "--precision",
        "fp8",
    )
    assert code == 0, err
    assert set(data) >= KEYS
    assert data["plans_evaluated"] >= data["plans_fitting"] > 0
    assert 1 <= len(data["top"]) <= 10
    assert data["plan"]["precision"] == "fp8" and data["fits"] is True
    assert data["system"] == "dgx-h100"  # an accelerator id means its default system


def test_search_where_nothing_fits_exits_0(capsys):
    code, data, err = _perf(
        capsys, "--model", "megatron-1t", "--system", "dgx-a100", "--gpus", "8", "--search"
    )
    assert code == 0, err
    assert data["fits"] is False and data["plans_fitting"] == 0 and data["top"] == []
    # No "best" plan when nothing fits: the plan keys are null, the nearest change is given.
    assert data["plan"] is None and data["step_time_s"] is None
    # what the job is does not need a plan: it is named (it was null with the plan's keys)
    assert (data["model"], data["system"], data["accelerator"]) == (
        "megatron-1t",
        "dgx-a100",
        "a100-sxm-80gb",
    )
    assert data["seq_len"] == 2048 and data["params_total"] > 1e12 and data["calibration"]
    near = data["nearest_feasible"]
    assert near and near[-1]["change"].startswith("gpus=") and near[-1]["gpus"] > 8
    code, data, err = _perf(
        capsys,
        "--model",
        "megatron-1t",
        "--system",
        "dgx-a100",
        "--gpus",
        "8",
        "--search",
        "--allow-overflow",
    )
    assert code == 0 and data["fits"] is False and data["plan"]["tp"] >= 1


def test_search_where_nothing_fits_says_so_in_text(capsys):
    """Issue 9: without --json the answer is a sentence and the nearest changes, exit 0, no
    plan table; with --allow-overflow the plan needing least memory, said to not fit."""
    args = ("perf", "--model", "megatron-1t", "--system", "dgx-a100", "--gpus", "8", "--search")
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    flat = " ".join(out.split())
    assert "No plan fits in memory on 8 accelerators" in flat
    assert "for megatron-1t, sequence 2,048, on a100-sxm-80gb (dgx-a100)." in flat
    assert "Nearest changes that fit" in flat and "gpus=" in flat
    assert "plan: " not in out
    code, out, err = cli(capsys, *args, "--allow-overflow")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "plan: tp=" in flat and "None fits: the plan above needs least memory." in flat


def test_pinned_knobs_that_stop_a_fit_are_reported(capsys):
    code, data, err = _perf(
        capsys,
        "--model",
        "gpt3-175b",
        "--system",
        "dgx-a100",
        "--gpus",
        "64",
        "--search",
        "--plan",
        "recompute=none,mb=8",
    )
    assert code == 0, err
    assert data["fits"] is False
    changes = {n["change"].split("=")[0] for n in data["nearest_feasible"]}
    assert {"recompute", "mb"} & changes


def test_adaptive_batch_and_idle_accelerators(capsys):
    """5,128 = 8 x 641 A100 for GPT-3 (96 heads, 96 layers, sequence 2,048): no split uses
    all of them; the search uses 5,120 or fewer within 1 % and a batch within 5 % of 1,536
    that the data-parallel size divides."""
    code, data, err = _perf(
        capsys, "--model", "gpt3-175b", "--system", "dgx-a100", "--gpus", "5128", "--search"
    )
    assert code == 0, err
    assert data["fits"] is True
    assert 5077 <= data["gpus_used"] < 5128
    assert abs(data["gbs_used"] / 1536 - 1) <= 0.05
    assert data["gbs_used"] % data["plan"]["dp"] == 0


def test_adaptive_batch_is_stated_in_the_text_output(capsys):
    """Issue 9: the search says which global batch it used when it is not the model's."""
    code, out, err = cli(
        capsys,
        "perf",
        "--model",
        "gpt3-175b",
        "--system",
        "dgx-a100",
        "--gpus",
        "1000",
        "--search",
    )
    assert code == 0, err
    flat = " ".join(out.split())
    assert "the model's 1,536 does not divide by this data-parallel size" in flat
    code, data, err = _perf(
        capsys, "--model", "gpt3-175b", "--system", "dgx-a100", "--gpus", "1000", "--search"
    )
    assert data["gbs_default"] == 1536 and data["gbs_used"] != 1536
    assert f"global batch {data['gbs_used']:,} sequences" in flat


def test_framework_profile_decides_the_searched_knobs(capsys):
    """`--framework` picks the profile whose knob values the search may use: Megatron-LM
    2021 (Narayanan et al. 2021) has no sequence parallelism, no selective recompute, no
    distributed optimizer and no fused attention, so its best plan has none of them; the
    profile is named in the JSON and the text output."""
    args = ("--model", "gpt3-175b", "--system", "dgx-a100", "--gpus", "1024", "--search")
    code, data, err = _perf(capsys, *args, "--framework", "megatron-lm-2021")
    assert code == 0, err
    assert data["framework"] == "megatron-lm-2021"
    plan = data["plan"]
    assert plan["sp"] is False and plan["flash_attention"] is False and plan["zero"] == 0
    assert plan["recompute"] in ("full", "none")
    assert all(t["recompute"] in ("full", "none") and t["zero"] == 0 for t in data["top"])
    code, data_2022, err = _perf(capsys, *args, "--framework", "megatron-lm-2022")
    assert code == 0 and data_2022["framework"] == "megatron-lm-2022"
    assert data_2022["plan"] != plan
    code, out, err = cli(capsys, "perf", *args, "--framework", "megatron-lm-2021")
    assert "framework megatron-lm-2021" in " ".join(out.split())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--plan", "tp=64"], "tp must divide the attention heads"),
        (["--plan", "tp=8,pp=8,dp=3"], "must equal the accelerator count"),
        (["--plan", "recompute=sometimes"], "--plan recompute:"),
        (["--plan", "bogus=1"], "unknown key 'bogus'"),
        (["--precision", "fp8"], "no fp8 tensor path"),
        (["--precision", "bf16", "--plan", "precision=fp16"], "contradicts"),
        (["--plan", "flash_attention=true"], "--plan flash_attention: true is not offered"),
        (["--framework", "megatron-9"], "--framework: unknown framework"),
        (["--plan", "zero=3"], "--plan zero"),
    ],
)
def test_bad_input_exits_2_with_nothing_on_stdout(capsys, args, needle):
    code, out, err = cli(
        capsys,
        "perf",
        "--model",
        "gpt3-175b",
        "--system",
        "dgx-a100",
        "--gpus",
        "1024",
        *args,
        "--json",
    )
    assert code == 2
    assert out == ""
    assert needle in err and "Traceback" not in err


def test_unknown_model_suggests(capsys):
    code, out, err = cli(
        capsys, "perf", "--model", "gpt3-157b", "--system", "dgx-a100", "--gpus", "8"
    )
    assert code == 2 and out == ""
    assert "did you mean 'gpt3-175b'" in err


def test_model_and_system_from_yaml_files(capsys, tmp_path):
    model = tmp_path / "my-model.yaml"
    model.write_text(
        "id: my-model\nsource: my notes\nas_of: 2026-01-01\nstatus: estimate\nlayers: 8\n"
        "hidden: 1024\nffn_hidden: 4096\nheads: 8\nmlp: gelu\nvocab: 32000\nseq_len: 1024\n"
        "global_batch_seqs: 64\n"
    )
    code, data, err = _perf(
        capsys,
        "--model",
        str(model),
        "--system",
        "gb200-nvl72",
        "--gpus",
        "8",
        "--plan",
        "tp=2",
        "--seq-len",
        "2048",
    )
    assert code == 0, err
    assert data["model"] == "my-model" and data["seq_len"] == 2048 and data["plan"]["dp"] == 4
    missing = tmp_path / "missing.yaml"
    code, _out, err = cli(
        capsys, "perf", "--model", str(missing), "--system", "dgx-a100", "--gpus", "8"
    )
    assert code == 2 and "no such file" in err


def test_perf_tables(capsys):
    code, out, err = cli(
        capsys,
        "perf",
        "--model",
        "llama3-8b",
        "--system",
        "dgx-h100",
        "--gpus",
        "64",
        "--search",
        "--plan",
        "tp=1",
    )
    assert code == 0, err
    for text in ("Step time", "MFU", "breakdown", "Best plans by tokens/s", "fit in memory"):
        assert text in out


def test_text_names_which_mfu_is_causal(capsys):
    """`MFU (causal) 52.0% (50.0%)` read as if 52.0% were the causal figure: the causal one is
    now named beside its own number, and both agree with --json."""
    args = ("perf", "--model", "gpt3-175b", "--system", "dgx-a100", "--gpus", "1024")
    args += ("--plan", "tp=8,pp=8")
    code, out, err = cli(capsys, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    assert f"{data['mfu']:.1%} (causal {data['mfu_causal']:.1%})" in out
    assert "MFU (causal)" not in out


@pytest.mark.parametrize("precision", ["fp4", "fp8"])
def test_fp4_recipe_is_named_for_what_it_is(capsys, precision):
    """An fp4 plan keeps its NVFP4 recipe under the contract key `plan.fp8_recipe`; the additive
    `fp4_recipe` names it (null for other precisions) and so does the printed plan."""
    args = ("perf", "--model", "llama3-70b", "--system", "dgx-b200", "--gpus", "64")
    args += ("--precision", precision)
    code, data, err = _perf(capsys, *args[1:])
    assert code == 0, err
    recipe = data["plan"]["fp8_recipe"]
    assert data["fp4_recipe"] == (recipe if precision == "fp4" else None)
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    flat = " ".join(out.split())
    if precision == "fp4":
        assert recipe == "nvfp4" and f"fp4_recipe={recipe}" in flat
        assert "fp8_recipe" not in flat
    else:
        assert f"fp8_recipe={recipe}" in flat and "fp4_recipe" not in flat


def test_a_printed_fp4_plan_pastes_into_plan(capsys):
    """perf printed an fp4 plan as "fp4 recipe=nvfp4", which --plan refused: the printed plan of
    an fp4 search, pasted into --plan, now gives the search's step time; `fp4_recipe` is the
    plan's `fp8_recipe` knob, refused on a plan that is not fp4 or beside an fp8_recipe that
    differs (exit 2, naming both)."""
    args = ("--model", "llama3-70b", "--system", "dgx-b200", "--gpus", "64")
    code, found, err = _perf(capsys, *args, "--precision", "fp4", "--search")
    assert code == 0, err
    code, out, err = cli(capsys, "perf", *args, "--precision", "fp4", "--search")
    assert code == 0, err
    flat = " ".join(out.split())
    printed = re.search(r"plan: (.*?) (?:┌|global batch)", flat)
    assert printed and "fp4_recipe=nvfp4" in printed[1]
    code, pasted, err = _perf(capsys, *args, "--plan", printed[1].replace(", ", ","))
    assert code == 0, err
    assert pasted["plan"] == found["plan"]
    assert pasted["step_time_s"] == pytest.approx(found["step_time_s"], rel=1e-12)
    code, held, err = _perf(capsys, *args, "--plan", "precision=fp4,fp4_recipe=nvfp4", "--search")
    assert code == 0, err
    assert held["plan"]["fp8_recipe"] == "nvfp4" and held["step_time_s"] == found["step_time_s"]
    refusals = {
        "fp4_recipe=nvfp4": "fp4_recipe=nvfp4 applies to fp4 plans, and this plan's precision "
        "is bf16",
        "precision=fp8,fp4_recipe=nvfp4": "this plan's precision is fp8",
        "precision=fp4,fp4_recipe=nvfp4,fp8_recipe=none": "fp4_recipe=nvfp4 contradicts "
        "fp8_recipe=none",
    }
    for plan, says in refusals.items():
        code, data, err = _perf(capsys, *args, "--plan", plan)
        assert (code, data) == (2, {}), plan
        assert err.startswith("error: --plan: ") and says in err and "Traceback" not in err


def test_best_plans_name_no_empty_recompute_modules(capsys):
    """A best plan with recompute none (shown in the table's recompute column) has no modules to
    recompute; the line of knobs outside the table left `recompute_modules=` empty beside it
    (GPT-3 175B on 1,024 A100: "#2 recompute_modules=; #4 recompute_modules=; ...")."""
    code, out, _ = cli(capsys, "perf", "--model", "gpt3-175b", "--system", "dgx-a100",
                       "--gpus", "1024", "--search")  # fmt: skip
    assert code == 0
    assert re.search(r"│\s+none\s+│", out)  # a best plan without recomputation is listed
    assert not re.search(r"recompute_modules=\s*[;,.]", out)
