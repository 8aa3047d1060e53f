"""How far to trust a step time (gigawatt.perf.accuracy; docs/models/perf.md): the band's sign
convention, the class lookup, and `gigawatt perf`'s validation line and JSON."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import PerfAccuracy
from gigawatt.cli import main
from gigawatt.cli.common import runs_between_percentiles
from gigawatt.cli.jobs import validation_text
from gigawatt.perf.accuracy import step_time_band, validation

VALIDATION_KEYS = {
    "class",
    "calibration",
    "kind",
    "checks",
    "min_checks",
    "median_error",
    "median_abs_error",
    "error_p10",
    "error_p90",
    "step_time_band_s",
    "rows",
    "precision",
    "mfu",
    "published_mfu_max",
    "published_mfu_max_row",
    "mfu_above_published",
    "gpus",
    "checked_gpus_max",
    "checked_gpus_max_row",
    "gpus_beyond_checked",
}


def test_band_sign_convention_on_synthetic_runs():
    """A model that is 20 % too fast (error -0.2) on one run and 10 % too slow (+0.1) on another:
    a 10 s estimate stands for published runs of 10 / 0.8 = 12.5 s and 10 / 1.1 = 9.09 s."""
    predicted_s = 10.0
    published_s = np.array([12.5, 10.0, 10 / 1.1])
    errors = predicted_s / published_s - 1  # the validation table's convention
    assert errors == pytest.approx([-0.2, 0.0, 0.1])
    lo, hi = step_time_band(predicted_s, errors.min(), errors.max())
    assert (lo, hi) == pytest.approx((published_s.min(), published_s.max()))
    # an optimistic class (every error negative) puts the whole band above the estimate
    lo, hi = step_time_band(predicted_s, -0.3, -0.1)
    assert predicted_s < lo < hi and hi == pytest.approx(predicted_s / 0.7)


def _record(cal: str, kind: str, lo: int, below: int | None, checks: int, **stats) -> PerfAccuracy:
    return PerfAccuracy(
        id=f"{cal}-{kind}",
        source="synthetic test record",
        as_of=dt.date(2026, 12, 6),
        status="analyst",
        calibration=cal,
        model_kind=kind,  # type: ignore[arg-type]
        experts_min=lo,
        experts_below=below,
        checks=checks,
        min_checks=3,
        rows=tuple(f"X{i}" for i in range(checks)),
        **stats,
    )


def _hopper_dense(**stats) -> PerfAccuracy:
    """A Hopper dense class of five checks, errors -5 % to +4 % (10th-90th percentiles)."""
    return _record(
        "hopper",
        "dense",
        0,
        2,
        5,
        median_error=-0.01,
        median_abs_error=0.03,
        error_p10=-0.05,
        error_p90=0.04,
        **stats,
    )


class _Cat:
    def __init__(self, records: list[PerfAccuracy]) -> None:
        self.records = records

    def all(self, kind: str) -> list[PerfAccuracy]:
        assert kind == "perf-accuracy"
        return self.records


def test_class_lookup_band_and_too_few_checks():
    cat = Catalog.load()
    dense, fine = cat.get("models", "llama3-70b"), cat.get("models", "deepseek-v3")
    records = [
        _hopper_dense(),
        _record("hopper", "moe-fine", 64, None, 2),
    ]
    v = validation(dense.experts, "hopper", 2.0, _Cat(records))  # type: ignore[arg-type]
    assert v.kind == "dense" and v.checks == 5 and v.has_band
    assert v.band_s == pytest.approx((2.0 / 1.04, 2.0 / 0.95))
    text = validation_text(v.to_json())
    assert "Validated on 5 published runs of this class (hopper, dense)" in text
    assert "-5.0% (model faster) and +4.0% (model slower)" in text
    # five checks: the interpolated 10th-90th percentiles hold 3 of them, not "80 %"
    assert "80%" not in text and "(3 of the 5 runs between them)" in text
    assert "1.923-2.105 s" in text
    # two checks: a class, no band
    v = validation(fine.experts, "hopper", 2.0, _Cat(records))  # type: ignore[arg-type]
    data = v.to_json()
    assert v.kind == "moe-fine" and not v.has_band and data["checks"] == 2
    assert data["step_time_band_s"] is None and data["error_p10"] is None
    assert "Too few validation runs of this class (hopper, moe-fine)" in validation_text(data)
    # no record for the calibration: the kind still comes from the records' expert ranges
    v = validation(fine.experts, "rubin", 2.0, _Cat(records))  # type: ignore[arg-type]
    assert v.kind == "moe-fine" and v.checks == 0 and v.to_json()["min_checks"] is None
    assert validation_text(v.to_json()) == (
        "No validation runs of this class (rubin, moe-fine): an estimate."
    )


def test_a_band_that_leaves_the_estimate_out_says_so():
    """Both percentile errors of one sign put the estimate outside its band (DeepSeek-V3 on
    2,048 H800 in fp8: 24.046 s against a band of 24.176-44.504 s, errors -46.0 % and -0.5 %);
    the line says on which side and why. A band around the estimate says nothing of it."""
    faster = _record(
        "hopper", "moe-fine", 64, None, 14,
        median_error=-0.2, median_abs_error=0.2, error_p10=-0.46, error_p90=-0.005,
    )  # fmt: skip
    v = validation(256, "hopper", 24.0, _Cat([faster]))  # type: ignore[arg-type]
    lo, hi = v.band_s
    assert 24.0 < lo < hi
    text = " ".join(validation_text(v.to_json()).split())
    assert "The estimate lies below the whole band: at both percentiles the model ran faster" in (
        text
    )
    slower = _record(
        "hopper", "moe-fine", 64, None, 14,
        median_error=0.1, median_abs_error=0.1, error_p10=0.02, error_p90=0.2,
    )  # fmt: skip
    v = validation(256, "hopper", 24.0, _Cat([slower]))  # type: ignore[arg-type]
    assert v.band_s[1] < 24.0
    assert "The estimate lies above the whole band" in " ".join(
        validation_text(v.to_json()).split()
    )
    around = validation(0, "hopper", 2.0, _Cat([_hopper_dense()]))  # type: ignore[arg-type]
    assert "whole band" not in validation_text(around.to_json())


def _perf_json(capsys, *args: str) -> dict:
    with pytest.raises(SystemExit) as exc:
        main(["perf", *args, "--json"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return json.loads(out)


def test_perf_json_validation_of_the_shipped_classes(capsys):
    cat = Catalog.load()
    data = _perf_json(
        capsys, "--model", "llama3-70b", "--system", "dgx-h100", "--gpus", "1024", "--search"
    )
    v = data["validation"]
    assert set(v) == VALIDATION_KEYS and v["class"] == "hopper-dense"
    rec = cat.get("perf-accuracy", "hopper-dense")
    assert v["checks"] == rec.checks >= 3 and v["error_p10"] == rec.error_p10
    lo, hi = v["step_time_band_s"]
    step = data["step_time_s"]
    assert lo == pytest.approx(step / (1 + rec.error_p90)) and hi == pytest.approx(
        step / (1 + rec.error_p10)
    )
    # fine-grained MoE on Blackwell: the model is optimistic there (median error < 0), so the
    # band reaches further above the estimate than below it
    data = _perf_json(
        capsys,
        "--model",
        "deepseek-v3",
        "--system",
        "gb200-nvl72",
        "--gpus",
        "1024",
        "--plan",
        "tp=1,pp=2,vp=16,ep=64,mb=1,recompute=selective",
    )
    v = data["validation"]
    assert v["class"] == "blackwell-moe-fine" and v["median_error"] < 0
    lo, hi = v["step_time_band_s"]
    assert hi - data["step_time_s"] > data["step_time_s"] - lo > 0


def test_perf_prints_the_validation_line(capsys):
    # A class with fewer checks than a band needs (V100, the default calibration: one check)
    # says so; GB300 dense has a band since the MLPerf rows ML8, ML13, ML15 became checks.
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "perf",
                "--model",
                "llama3-70b",
                "--system",
                "dgx-v100",
                "--precision",
                "fp16",
                "--gpus",
                "1024",
                "--search",
            ]
        )
    out, _ = capsys.readouterr()
    assert exc.value.code == 0
    text = " ".join(out.split())
    assert "validation runs of this class (default, dense)" in text
    assert "an estimate." in text
    with pytest.raises(SystemExit):
        main(
            [
                "perf",
                "--model",
                "llama3-70b",
                "--system",
                "gb300-nvl72",
                "--gpus",
                "1024",
                "--search",
            ]
        )
    out, _ = capsys.readouterr()
    text = " ".join(out.split())
    assert "published runs of this class (blackwell-ultra, dense)" in text
    with pytest.raises(SystemExit):
        main(
            ["perf", "--model", "llama3-70b", "--system", "dgx-h100", "--gpus", "1024", "--search"]
        )
    out, _ = capsys.readouterr()
    text = " ".join(out.split())
    assert "Validated on" in text and "published runs of this class (hopper, dense)" in text
    assert "step time band" in text


def test_runs_between_percentiles_counts_what_numpy_percentiles_hold():
    """The count printed beside a class's 10th and 90th percentile errors is the number of its
    errors NumPy's interpolated percentiles enclose: 1 of 3 for a three-run class (the
    blackwell-ultra dense class once printed "80% of errors between" its two ends)."""
    rng = np.random.default_rng(0)
    for n in range(1, 60):
        errors = rng.normal(size=n)
        lo, hi = np.percentile(errors, [10, 90])
        assert runs_between_percentiles(n) == int(((errors >= lo) & (errors <= hi)).sum()), n
    assert runs_between_percentiles(3) == 1


def test_an_mfu_above_every_published_run_of_its_class_says_so():
    """The class's highest published MFU at the estimate's peak (fp16 and bf16 one peak) is in
    the JSON; an estimate above it (a search's best plan often is: DeepSeek-V3 on H800 at
    35 % against 31.5 % for the best published fine-grained MoE run on Hopper) carries a
    caveat on the validation line, one at or below it none."""
    rec = _hopper_dense(
        published_mfu_max={"16-bit": 0.45, "fp8": 0.30},
        published_mfu_max_rows={"16-bit": "X1", "fp8": "X2"},
    )
    above = validation(0, "hopper", 2.0, _Cat([rec]), mfu=0.50, precision="bf16")  # type: ignore[arg-type]
    data = above.to_json()
    assert data["published_mfu_max"] == 0.45 and data["published_mfu_max_row"] == "X1"
    assert data["mfu_above_published"] is True
    text = " ".join(validation_text(data).split())
    assert "Caveat: MFU 50.0% is above every published run of this class at the bf16 peak" in text
    assert "(highest 45.0%, row X1" in text
    below = validation(0, "hopper", 2.0, _Cat([rec]), mfu=0.28, precision="fp8")  # type: ignore[arg-type]
    assert below.to_json()["mfu_above_published"] is False
    assert "Caveat" not in validation_text(below.to_json())
    fp16 = validation(0, "hopper", 2.0, _Cat([rec]), mfu=0.46, precision="fp16")  # type: ignore[arg-type]
    assert fp16.mfu_above_published is True  # same 16-bit peak as bf16
    none = validation(0, "hopper", 2.0, _Cat([rec]), mfu=0.9, precision="fp4")  # type: ignore[arg-type]
    assert none.to_json()["published_mfu_max"] is None and none.mfu_above_published is None
    # a class with no published run at the estimate's peak says so (GB300 in bf16: its class's
    # runs are fp8 and fp4)
    assert "None of the class's published runs is at the fp4 peak" in " ".join(
        validation_text(none.to_json()).split()
    )


def test_shipped_highest_published_mfu_and_a_search_above_it(capsys):
    """Each shipped class names a row for each highest published MFU; a search whose best plan
    is above its class's highest is flagged end to end (GPT-3 175B on 1,024 GB200 in bf16, the
    search's best against the Blackwell dense runs' highest)."""
    cat = Catalog.load()
    for rec in cat.all("perf-accuracy"):
        assert set(rec.published_mfu_max) == set(rec.published_mfu_max_rows), rec.id
        for key, mfu in rec.published_mfu_max.items():
            assert 0.05 < mfu < 0.75, (rec.id, key, mfu)
    top = cat.get("perf-accuracy", "blackwell-dense").published_mfu_max["16-bit"]
    data = _perf_json(
        capsys, "--model", "gpt3-175b", "--system", "gb200-nvl72", "--gpus", "1024", "--search"
    )
    v = data["validation"]
    assert v["class"] == "blackwell-dense" and v["published_mfu_max"] == top
    assert v["mfu"] == data["mfu"] and v["mfu_above_published"] is (data["mfu"] > top)
    widest = cat.get("perf-accuracy", "blackwell-dense").checked_gpus_max
    assert v["checked_gpus_max"] == widest and v["gpus"] == data["gpus_used"]
    assert v["gpus_beyond_checked"] is (data["gpus_used"] > widest)


def test_a_job_larger_than_every_checked_run_says_so():
    """The Blackwell dense class was checked on jobs of at most 512 accelerators, yet its band
    was printed alone for Llama 3.1 405B on 16,384 GB200: a job beyond the class's largest
    checked run says how far beyond, and one within it says nothing."""
    rec = _record(
        "blackwell",
        "dense",
        0,
        2,
        5,
        median_error=0.03,
        median_abs_error=0.07,
        error_p10=-0.13,
        error_p90=0.11,
        checked_gpus_max=512,
        checked_gpus_max_row="X3",
    )
    big = validation(0, "blackwell", 2.5, _Cat([rec]), mfu=0.4, precision="bf16", gpus=16_384)  # type: ignore[arg-type]
    data = big.to_json()
    assert data["gpus_beyond_checked"] is True and data["checked_gpus_max_row"] == "X3"
    text = " ".join(validation_text(data).split())
    assert "Scale: 16,384 accelerators, 32.0 x the class's largest checked run (512, row X3)" in (
        text
    )
    small = validation(0, "blackwell", 2.5, _Cat([rec]), mfu=0.4, precision="bf16", gpus=512)  # type: ignore[arg-type]
    assert small.gpus_beyond_checked is False and "Scale:" not in validation_text(small.to_json())
