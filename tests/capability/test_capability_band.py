"""How far to trust the capability figures: the perf model's validated step-time band
(`perf.accuracy`, catalog `perf-accuracy`) carried to the largest runs' and the frontier runs'
compute (docs/models/capability.md, "How far to trust it"), end to end through the CLI; and
`gigawatt run`'s earlier keys left as they were."""

from __future__ import annotations

import contextlib
import io
import json
from html import unescape

import numpy as np
import pandas as pd
import pytest

from gigawatt.capability.scaling import compute_band, cross_site_efficiency
from gigawatt.capability.stage import LARGEST_KEYS, LATER_KEYS
from gigawatt.catalog import Catalog
from gigawatt.cli import main
from gigawatt.display import fmt_sci
from gigawatt.perf.accuracy import validation

#: Each year's keys of `gigawatt run --json` before the band, in their order (the fleet's, the
#: energy model's, the finance model's, the capability model's): added to, never reordered.
CAPABILITY_YEAR_KEYS = [
    *(key for key, _ in LARGEST_KEYS),
    "largest_run_site",
    "largest_run_system",
    "largest_run_precision",
    "largest_run_duration_days",
    "largest_run_thresholds_crossed",
]
NEW_YEAR_KEYS = [
    "largest_run_validation_class",
    "largest_run_flop_band",
    "largest_run_model",
    "largest_run_mfu_source",
    *(key for key, _ in LATER_KEYS),
]


def cli(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return out


def test_compute_band_matches_a_step_k_times_as_long():
    """C / (1 - e + k e) is the compute of the same job with its step k times as long: MFU / k
    and the cross-site efficiency of the longer step (scaling.cross_site_efficiency), worked
    out directly."""
    step_s, sync_s, flop = 2.0, 0.5, 1e27
    e = float(cross_site_efficiency(step_s, sync_s))
    lo, hi = compute_band(flop, e, (0.8, 1.25))
    for k, got in ((1.25, lo), (0.8, hi)):  # the longer step is the lower compute
        e_k = float(cross_site_efficiency(k * step_s, sync_s))
        assert got == pytest.approx(flop / k * e_k / e, rel=1e-12)
    # one site (e = 1): in proportion to 1 / k
    assert compute_band(flop, 1.0, (0.8, 1.25)) == pytest.approx((flop / 1.25, flop / 0.8))


@pytest.fixture(scope="module")
def stargate() -> dict:
    """`capability stargate-10gw --json`: GB200 (class blackwell-dense, checked by published
    runs) until 2026, Vera Rubin (no published run) from 2027."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        main(["capability", "stargate-10gw", "--json"])
    assert exc.value.code == 0
    return json.loads(out.getvalue())


def test_capability_json_band_of_each_year_and_run(stargate):
    cat = Catalog.load()
    rec = cat.get("perf-accuracy", "blackwell-dense")
    assert rec.checks >= rec.min_checks  # the class has a band
    years = {y["year"]: y for y in stargate["years"]}
    for year in (2025, 2026):  # GB200 at one site: the compute scales as 1 + error exactly
        y = years[year]
        assert y["largest_run_system"] == "gb200-nvl72" and y["largest_run_site"] != "all"
        assert y["largest_run_validation_class"] == "blackwell-dense"
        lo, hi = y["largest_run_flop_band"]
        assert lo == pytest.approx(y["largest_run_flop"] * (1 + rec.error_p10), rel=1e-12)
        assert hi == pytest.approx(y["largest_run_flop"] * (1 + rec.error_p90), rel=1e-12)
    for year in range(2027, 2033):  # Vera Rubin: no published run checks the class
        y = years[year]
        assert y["largest_run_validation_class"] == "rubin-dense"
        assert y["largest_run_flop_band"] is None and y["largest_run_flop"] > 0
    (run,) = stargate["frontier_runs"]
    v = run["validation"]
    # the same object as `gigawatt perf --json`'s (its keys pinned in tests/perf/test_accuracy.py)
    perf_keys = validation(0, "blackwell", 1.0, cat).to_json()
    assert set(v) == set(perf_keys) and v["class"] == "blackwell-dense"
    assert v["checks"] == rec.checks and v["error_p10"] == rec.error_p10
    lo, hi = run["training_flop_band"]
    assert lo == pytest.approx(run["training_flop"] * (1 + rec.error_p10), rel=1e-12)
    assert hi == pytest.approx(run["training_flop"] * (1 + rec.error_p90), rel=1e-12)
    # the step-time band is that of the plan behind the run (perf's convention)
    s_lo, s_hi = v["step_time_band_s"]
    assert s_lo < s_hi and s_lo * (1 + rec.error_p90) == pytest.approx(
        s_hi * (1 + rec.error_p10), rel=1e-12
    )


def test_capability_prints_the_band_or_an_estimate(capsys, stargate):
    out = " ".join(cli(capsys, "capability", "stargate-10gw").split())
    y = next(y for y in stargate["years"] if y["year"] == 2025)
    lo, hi = (fmt_sci(v) for v in y["largest_run_flop_band"])
    assert f"2025-2026 {lo}-{hi} FLOP (blackwell-dense; checked on jobs of at most" in out
    assert "2027-2032 an estimate (rubin-dense: no validation runs of this class)" in out
    (run,) = stargate["frontier_runs"]
    lo, hi = (fmt_sci(v) for v in run["training_flop_band"])
    checks = run["validation"]["checks"]
    assert f"Validated on {checks} published runs of this class (blackwell, dense)" in out
    assert f"compute band {lo}-{hi} FLOP." in out


def test_default_scenario_says_an_estimate(capsys, tmp_path):
    """The default scenario trains on Vera Rubin, which no published run checks: no band, and
    the text says so as `gigawatt perf` does."""
    out = " ".join(cli(capsys, "capability").split())
    assert "2026-2032 an estimate (rubin-dense: no validation runs of this class)" in out
    assert "No validation runs of this class (rubin, dense): an estimate." in out
    # the operating point's batch in tokens, and that the batch law is extrapolated
    op = json.loads(cli(capsys, "capability", "--json"))["operating_point"]
    seq = Catalog.load().get("models", "llama3-405b").seq_len
    tokens = op["gbs_seqs"] * seq
    assert (
        f"Its global batch: {op['gbs_seqs']:,} sequences of {seq:,} tokens "
        f"({tokens / 1e6:,.0f}M tokens), DeepSeek LLM's compute-optimal batch law extrapolated"
    ) in out
    out = " ".join(cli(capsys, "run", "--out", str(tmp_path / "o")).split())
    assert "2026-2032 an estimate (rubin-dense" in out


def test_run_json_keys_before_the_band_are_unchanged(capsys, tmp_path):
    """`run --json`: each year's capability keys in their earlier order with the band's keys
    after them, and every earlier capability figure exactly the results table's (results.parquet,
    which the band does not touch)."""
    data = json.loads(cli(capsys, "run", "stargate-10gw", "--out", str(tmp_path / "o"), "--json"))
    table = pd.read_parquet(tmp_path / "o" / "results.parquet")
    total = table[table.site == "total"].set_index(["month", "quantity"])["value"]
    for y in data["years"]:
        keys = list(y)
        at = keys.index(CAPABILITY_YEAR_KEYS[0])
        assert keys[at:] == CAPABILITY_YEAR_KEYS + NEW_YEAR_KEYS
        for key, _ in LARGEST_KEYS + LATER_KEYS:
            value = y[key]
            if value is None:  # a figure that means nothing without a run
                continue
            assert value == total[(y["month"], key)], key  # exactly, not approximately
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary == data
    assert np.isfinite(data["years"][0]["largest_run_flop_band"]).all()


def test_perf_and_train_read_the_model_once(monkeypatch):
    """The validation class needs the model's routed experts: they come with the estimate
    (`PerfResult.experts`), so the model record is read once per command."""
    from gigawatt import app

    reads: list[str] = []
    original = Catalog.model

    def counting(self, model_id, *args, **kwargs):
        reads.append(model_id)
        return original(self, model_id, *args, **kwargs)

    monkeypatch.setattr(Catalog, "model", counting)
    cat = Catalog.load()
    found = app.perf(model="llama3-70b", system="dgx-h100", gpus=1024, search=True, catalog=cat)
    assert reads == ["llama3-70b"] and found.validation.name == "hopper-dense"
    reads.clear()
    moe = app.perf(
        model="deepseek-v3",
        system="gb200-nvl72",
        gpus=1024,
        plan="tp=1,pp=2,vp=16,ep=64,mb=1,recompute=selective",
        catalog=cat,
    )
    assert reads == ["deepseek-v3"]
    assert moe.best.experts == 256 and moe.validation.name == "blackwell-moe-fine"
    reads.clear()
    trained = app.train(model="llama3-70b", tokens=1e12, system="dgx-h100", gpus=1024, catalog=cat)
    assert reads == ["llama3-70b"] and trained.validation.name == "hopper-dense"


def test_largest_run_names_the_model_behind_its_mfu(capsys, stargate):
    """The largest run's MFU is the perf search's for the reference workload's model, not for
    the compute-optimal model of `chinchilla_params`: `run --json` names it and where the MFU
    comes from, and the summary says so beside the Capability table."""
    cat = Catalog.load()
    reference = cat.get("reference-workloads", "default")
    years = stargate["years"]
    assert all(y["largest_run_flop"] > 0 for y in years)
    for y in years:
        assert y["largest_run_model"] == reference.model == stargate["reference"]["model"]
        assert y["largest_run_mfu_source"] == "perf search" == stargate["reference"]["mfu_source"]
        assert y["chinchilla_params"] > 0  # a different model: its size is not the reference's
    out = " ".join(cli(capsys, "capability", "stargate-10gw").split())
    assert f"MFU: the perf search figure for {reference.model} at that job size" in out
    # its batch is the batch law's, not the model's (which `perf` uses): the two MFUs differ
    assert "at the global batch of `capability --json`'s operating_point.plan" in out


def test_band_says_what_it_holds_and_that_its_high_end_is_no_bound(capsys, stargate, tmp_path):
    """A compute band covers the step time's error only: the summary says the job's goodput is
    held, names the failure model behind it with its status, and, where that is an estimate,
    that the optimistic end is not an upper bound; `capability` says it of the frontier runs'
    bands too, and the HTML report of the chart's band."""
    cat = Catalog.load()
    systems = {y["largest_run_system"] for y in stargate["years"] if y["largest_run_flop_band"]}
    (system,) = systems
    fm = cat.failure_model(cat.system(system).failure_model)
    out = " ".join(cli(capsys, "capability", "stargate-10gw").split())
    held = (
        "The band covers the step time only: the job's size and goodput are held, and the "
        f"goodput's failure rates come from {fm.id} (status {fm.status})"
    )
    assert held in out
    assert ("the high (optimistic) end is not an upper bound" in out) == (fm.status == "estimate")
    assert "A run's band covers the step time only" in out  # stargate's frontier run has a band
    cli(capsys, "run", "stargate-10gw", "--out", str(tmp_path / "o"), "--no-sensitivity")
    html = " ".join(unescape((tmp_path / "o" / "report.html").read_text()).split())
    assert "It covers the step time only: the job's size and goodput are held" in html
    # the frontier run's band cell names the class's largest checked job (57,344 > 512)
    widest = cat.get("perf-accuracy", "blackwell-dense").checked_gpus_max
    assert f"(checked on jobs of at most {widest:,} accelerators)" in html
    top = max(r.checked_gpus_max or 0 for r in cat.all("perf-accuracy"))
    assert f"The checks are published benchmark jobs of at most {top:,} accelerators" in html


def test_band_text_names_the_class_largest_check_when_the_run_is_larger():
    """A compute band carried to a job larger than every run that checked its class says how
    far its evidence reaches: the Blackwell dense class was checked on at most 512
    accelerators, the stargate scenario's largest runs are 57,528."""
    from gigawatt.cli.programme import largest_run_band_text

    cat = Catalog.load()
    widest = cat.get("perf-accuracy", "blackwell-dense").checked_gpus_max

    def year(y: int, accelerators: int) -> dict:
        return {
            "year": y,
            "largest_run_validation_class": "blackwell-dense",
            "largest_run_flop_band": [3.3e26, 4.2e26],
            "largest_run_accelerators": accelerators,
            "largest_run_system": "gb200-nvl72",
        }

    big = " ".join(largest_run_band_text([year(2025, 57_528)], cat).split())
    assert f"(blackwell-dense; checked on jobs of at most {widest:,} accelerators)" in big
    small = " ".join(largest_run_band_text([year(2025, widest)], cat).split())
    assert "(blackwell-dense)" in small and "checked on jobs" not in small
