"""Expert tensor parallelism (`etp`, Megatron-Core's MoE parallel folding): etp = tp changes
nothing; expert state split by etp x ep and sharded over edp = tp cp dp / (etp ep); expert
collectives over the expert groups; the rules; the scalar and vectorised paths agree; the
search holds etp = tp unless pinned; a published pair of runs that differ in etp."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from perf_helpers import resolve_plan

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model
from gigawatt.cli import main
from gigawatt.errors import InputError
from gigawatt.perf import BREAKDOWN_KEYS, comm, estimate, evaluate, search
from gigawatt.perf.estimate import hardware_for, load_system, time_parts
from gigawatt.perf.hardware import ACTIVATION_BYTES
from gigawatt.perf.memory import expert_data_parallel, stage_params
from gigawatt.perf.plan import stage_layers
from gigawatt.perf.search import enumerate_plans
from gigawatt.perf.workload import Workload

CAT = Catalog.load()
MOE = Model.model_validate(
    {
        "id": "toy-moe",
        "source": "test model",
        "as_of": dt.date(2026, 1, 1),
        "status": "estimate",
        "layers": 8,
        "hidden": 2048,
        "ffn_hidden": 8192,
        "heads": 16,
        "kv_heads": 4,
        "mlp": "swiglu",
        "vocab": 32000,
        "seq_len": 2048,
        "global_batch_seqs": 128,
        "experts": 16,
        "top_k": 2,
        "moe_ffn_hidden": 2048,
        "shared_experts": 1,
    }
)
W = Workload.from_model(MOE)
FOLDED = {"tp": 4, "pp": 2, "ep": 8, "etp": 1, "mb": 1, "sp": True, "zero": 1}


def _same(a, b) -> None:
    assert a.step_time_s == b.step_time_s
    assert a.memory_bytes == b.memory_bytes
    assert a.breakdown_s == b.breakdown_s


def test_etp_equal_to_tp_is_the_default_exactly():
    """Omitting etp and giving etp = tp are the same plan, bit for bit."""
    for model, system, gpus, plan in [
        (MOE, "dgx-h100", 64, {"tp": 4, "pp": 2, "ep": 8}),
        ("deepseek-v3", "gb200-nvl72", 1024, {"tp": 2, "pp": 8, "vp": 2, "ep": 32}),
    ]:
        omitted = estimate(model, system, gpus, plan, catalog=CAT)
        given = estimate(model, system, gpus, {**plan, "etp": plan["tp"]}, catalog=CAT)
        assert omitted.plan["etp"] == plan["tp"]
        _same(omitted, given)


def test_expert_state_split_by_etp_and_ep_and_sharded_over_edp():
    """Routed expert parameters per accelerator: moe layers x E / ep x params per expert / etp
    (the dense part, shared expert included, stays / tp); ZeRO shards them over
    edp = tp cp dp / (etp ep) (Megatron-Core parallel_state: world / (etp ep pp))."""
    gpus = 64
    folded = resolve_plan(FOLDED, W, gpus)
    plain = resolve_plan({**FOLDED, "etp": 4}, W, gpus)
    for p, etp in ((folded, 1), (plain, 4)):
        params = stage_params(W, p, stage_layers(W, p))
        moe_layers = stage_layers(W, p).moe["first"][0]
        expected = moe_layers * W.experts / 8 * W.expert_params / etp
        assert params.expert["first"][0] == pytest.approx(expected, rel=1e-12)
        assert expert_data_parallel(p)[0] == 4 * 1 * 8 / (etp * 8)
    dense_f = stage_params(W, folded, stage_layers(W, folded)).dense["first"][0]
    dense_p = stage_params(W, plain, stage_layers(W, plain)).dense["first"][0]
    assert dense_f == dense_p
    # etp 1 holds 4x the expert weights of etp 4 but shards their optimizer state over 4x
    # the expert replicas: ZeRO-1 optimizer bytes equal, weights and gradients larger.
    one, four = evaluate(W, _hw(), folded).memory, evaluate(W, _hw(), plain).memory
    assert one.weights[0] > four.weights[0] and one.grads[0] > four.grads[0]
    assert one.optimizer[0] == pytest.approx(four.optimizer[0], rel=1e-12)


def _hw(system: str = "dgx-h100", precision: str = "bf16"):
    return hardware_for(load_system(system, CAT), precision, CAT)[0]


def test_expert_collectives_run_over_the_expert_groups():
    """The all-to-alls span ep ranks etp apart; with etp = 1 the routed experts have no TP
    collective (only the shared expert's stays on tp), so TP time falls; the GEMM FLOPs of the
    step do not change (balanced routing)."""
    hw = _hw()
    folded = resolve_plan(FOLDED, W, 64)
    plain = resolve_plan({**FOLDED, "etp": 4}, W, 64)
    tokens = 1 * W.seq_len
    moved = tokens * W.top_k * W.hidden * ACTIVATION_BYTES / 4
    for p, etp in ((folded, 1), (plain, 4)):
        a2a = time_parts(W, hw, p).moe.a2a[0]
        assert a2a == pytest.approx(2 * comm.all_to_all_s(hw.network, moved, 8, etp), rel=1e-12)
    one, four = evaluate(W, hw, folded), evaluate(W, hw, plain)
    assert one.breakdown_s["tp_comm"][0] < four.breakdown_s["tp_comm"][0]
    # 8 ranks 1 apart stay in an 8-GPU node; 4 apart they span 4 nodes
    assert one.breakdown_s["ep_comm"][0] < four.breakdown_s["ep_comm"][0]


@pytest.mark.parametrize(
    ("model", "gpus", "plan", "needle"),
    [
        (MOE, 8, {"tp": 4, "ep": 8, "etp": 4}, "etp x ep must divide tp x cp x dp"),
        (MOE, 64, {"tp": 4, "ep": 8, "etp": 1, "sp": False}, "etp != tp needs sequence"),
        (MOE, 64, {"tp": 4, "ep": 32, "etp": 1}, "ep must divide the expert count"),
        ("gpt3-175b", 1024, {"tp": 8, "etp": 1}, "a dense model needs etp = tp"),
        (MOE, 64, {"etp": 0}, "plan.etp"),
    ],
)
def test_bad_etp_is_an_input_error(model, gpus, plan, needle):
    with pytest.raises(InputError) as e:
        estimate(model, "dgx-h100", gpus, plan, catalog=CAT)
    assert needle in str(e.value)


def test_cli_parses_etp_and_rejects_a_bad_one(capsys, tmp_path):
    path = tmp_path / "toy-moe.yaml"
    path.write_text(MOE.model_dump_json())
    base = ["perf", "--model", str(path), "--system", "dgx-h100", "--gpus", "64", "--json"]
    with pytest.raises(SystemExit) as ok:
        main([*base, "--plan", "tp=4,ep=8,etp=1"])
    out, _ = capsys.readouterr()
    assert ok.value.code == 0 and '"etp": 1' in out
    with pytest.raises(SystemExit) as bad:
        main([*base, "--plan", "tp=4,ep=16,etp=8"])
    out, err = capsys.readouterr()
    assert bad.value.code == 2 and out == "" and "etp x ep must divide" in err
    assert "Traceback" not in err
    # the text output's plan line shows etp where it differs from tp (its default)
    text = [a for a in base if a != "--json"]
    for plan, shown in (("tp=4,ep=8,etp=1", True), ("tp=4,ep=8", False)):
        with pytest.raises(SystemExit) as done:
            main([*text, "--plan", plan])
        out, _ = capsys.readouterr()
        assert done.value.code == 0 and ("etp=1" in out) == shown and ("etp=4" not in out)


def test_vectorised_evaluation_matches_scalar_estimates_with_folding():
    """Plans with etp pinned to 1 (and to 2), evaluated in one batch and one by one through
    `estimate`: identical numbers."""
    hw, sw = hardware_for(load_system("dgx-h100", CAT), "bf16", CAT)
    rng = np.random.default_rng(20261206)
    for etp in (1, 2):
        plans = enumerate_plans(W, 64, {"etp": etp}, sw)
        assert len(plans) and np.all(plans.etp == etp) and np.any(plans.tp != etp)
        batch = evaluate(W, hw, plans)
        for i in rng.choice(len(plans), size=min(25, len(plans)), replace=False):
            row = plans.row(int(i), "bf16")
            one = estimate(MOE, "dgx-h100", 64, row, catalog=CAT)
            assert one.plan == row
            assert one.step_time_s == batch.step_time_s[i]
            assert one.memory_gib_per_gpu * 2**30 == batch.memory.total[i]
            for key in BREAKDOWN_KEYS:
                assert one.breakdown_s[key] == batch.breakdown_s[key][i]


def test_search_holds_etp_to_tp_unless_pinned():
    free = search(MOE, "dgx-h100", 64, catalog=CAT)
    assert all(t["etp"] == t["tp"] for t in free.top)
    pinned = search(MOE, "dgx-h100", 64, fixed={"etp": 1, "tp": 4}, catalog=CAT)
    assert pinned.best is not None and pinned.best.plan["etp"] == 1
    again = estimate(MOE, "dgx-h100", 64, pinned.best.plan, catalog=CAT)
    assert again.step_time_s == pinned.best.step_time_s


def test_grok1_h100_folding_against_published_runs():
    """NVIDIA's dgxc-benchmarking Grok-1 314B recipe on 512 H100 (tp 4, pp 8, vp 8, cp 2,
    ep 8, gbs 1024, BF16) ran 20.83 s per step with experts split like tp (release v25.01,
    NeMo 24.09: DX17) and 16.93 s with etp 1 (v25.05.01, NeMo 25.04: DX35), 0.81 of it. The
    releases differ in more than etp (kernels, framework), so the pair bounds the effect of
    folding alone: on DX35's plan the model's etp 1 / etp 4 step-time ratio must show a gain
    (below 1) no larger than the whole published one (at least 0.81)."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "validation"))
    from perf_rows import load_rows, predict

    rows = {r.id: r for r in load_rows(CAT) if r.id in ("DX17", "DX35")}
    published = rows["DX35"].published_step_s / rows["DX17"].published_step_s
    assert published == pytest.approx(0.813, abs=0.001)
    folded = predict(rows["DX35"], CAT)
    plain = predict(replace(rows["DX35"], plan={**rows["DX35"].plan, "etp": 4}), CAT)
    assert folded.fits and plain.fits
    assert published <= folded.step_time_s / plain.step_time_s < 1.0


def test_ep_overlap_hides_only_the_steady_state():
    """Megatron-Core's combined 1F1B overlap pairs a forward with another micro-batch's
    backward only in the steady state (Megatron-LM schedules.py get_pp_rank_microbatches,
    commit d98e8a6): about pp micro-batches' worth of warm-up forwards and cool-down backwards
    per rank run their all-to-alls alone. With no more micro-batches than that, nothing is
    hidden; beyond it each further micro-batch adds the overlapped (smaller) exposure."""
    base = {"tp": 1, "pp": 4, "vp": 2, "ep": 8, "mb": 1, "zero": 1}
    gpus = 32  # dp 8

    def ep_s(gbs: int, overlap: bool) -> float:
        model = MOE.model_copy(update={"global_batch_seqs": gbs})
        r = estimate(model, "dgx-h100", gpus, {**base, "ep_overlap": overlap}, catalog=CAT)
        return r.breakdown_s["ep_comm"]

    m_pp = 8 * base["pp"]  # gbs giving m = pp micro-batches per replica
    assert ep_s(m_pp, True) == pytest.approx(ep_s(m_pp, False), rel=1e-12)
    plain_per_mb = ep_s(m_pp, False) / base["pp"]
    hidden_per_mb = (ep_s(2 * m_pp, True) - ep_s(m_pp, True)) / base["pp"]
    assert 0 < hidden_per_mb < plain_per_mb
    # m = 4 pp: pp micro-batches alone, 3 pp overlapped.
    assert ep_s(4 * m_pp, True) == pytest.approx(
        base["pp"] * plain_per_mb + 3 * base["pp"] * hidden_per_mb, rel=1e-9
    )
