"""Invariants at the result boundary (issue 13): MFU, HFU, goodput and shares in [0, 1]; counts
non-negative; nothing infinite leaves a model. A violation is a bug report: exit 1 naming it."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt import app
from gigawatt.catalog import Catalog
from gigawatt.cli import main
from gigawatt.errors import InvariantError
from gigawatt.validation import check_result, result_problems

CAT = Catalog.load()


def test_result_problems_name_each_invariant():
    bad = {
        "best": {"mfu_causal": 1.08, "hfu": 1.08, "mfu": 2.5},
        "years": [{"goodput": -0.1, "clean_supply_share": 0.5, "gpus": -3}],
        "hours": {"goodput": math.inf},
    }
    problems = result_problems(bad)
    assert len(problems) == 6
    assert problems[0].startswith("best.mfu_causal = 1.08: a fraction")
    assert any(p.startswith("years[0].gpus = -3: a count") for p in problems)
    assert any(p.startswith("hours.goodput = inf") for p in problems)


def test_undefined_and_ratio_keys_pass():
    ok = {"goodput": math.nan, "mfu": 1.01, "vendor_funded_share": 3.2, "warrant_shares_vested": 5}
    assert result_problems(ok) == []


def test_country_equivalent_ratio_may_exceed_one(capsys):
    """A job's energy over the generation of the country nearest to it in ratio is a ratio,
    not a fraction: Llama 3.1 405B's 22.8 million H100-hours (24 GWh) sit nearest the Falkland
    Islands (0.02 TWh), 1.2 x. `gigawatt footprint` once exited 1 with 'invariant broken'."""
    assert result_problems({"country_equivalent": {"share": 1.2}}) == []
    assert result_problems({"interruptions_by_cause": [{"share": 1.2}]})  # still a fraction
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "footprint",
                "--system",
                "meta-h100-roce",
                "--gpu-hours",
                "22842594",
                "--region",
                "us-average",
                "--json",
            ]
        )
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    country = json.loads(out)["country_equivalent"]
    assert country["share"] > 1
    assert country["share"] == pytest.approx(
        json.loads(out)["energy_mwh"] / 1e6 / country["electricity_twh"]
    )


def test_violation_raises_naming_the_invariant():
    class Broken:
        def to_json(self):
            return {"hfu": 1.08}

    with pytest.raises(InvariantError, match=r"perf: invariant broken .* hfu = 1.08"):
        check_result(Broken(), "perf")


def test_cli_violation_exit_1(capsys, monkeypatch):
    def broken(*args, **kwargs):
        return check_result({"hfu": 1.08}, "perf")

    monkeypatch.setattr(app, "perf", broken)
    with pytest.raises(SystemExit) as exc:
        main(["perf", "--model", "gpt3-175b", "--system", "dgx-a100", "--gpus", "1024"])
    err = capsys.readouterr().err
    assert exc.value.code == 1
    assert "invariant broken" in err and "hfu = 1.08" in err and len(err.splitlines()) == 1


def test_issue_case_long_sequence_is_physical():
    """The issue's case: GPT-3 175B, 1,024 A100, 131,072 tokens, searched. Achieved FLOP/s
    (HFU) never exceeds the A100's peak; the app's boundary check passes."""
    r = app.perf(model="gpt3-175b", system="dgx-a100", gpus=1024, seq_len=131072, search=True)
    best = r.best
    assert best is not None
    assert best.mfu_causal <= best.hfu <= 1
    assert best.tflops_per_gpu * 1e12 <= CAT.accelerator("a100-sxm-80gb").peak("bf16")


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["gpt3-175b", "llama3-8b", "llama3-70b"]),
    st.sampled_from(["dgx-a100", "dgx-h100", "gb200-nvl72"]),
    st.sampled_from([2048, 8192, 32768, 131072]),
    st.sampled_from([1, 2, 4, 8]),
)
def test_perf_results_keep_invariants(model, system, seq_len, tp):
    r = app.perf(
        model=model,
        system=system,
        gpus=64 * tp,
        seq_len=seq_len,
        plan={"tp": tp, "gbs": 64, "recompute": "full"},
        catalog=CAT,
    )
    assert result_problems(r.to_json()) == []
    assert 0 < r.best.hfu <= 1
