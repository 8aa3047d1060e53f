"""The search: its candidates against a brute-force loop, its best plan against a brute-force
evaluation of every knob value, its evaluator against the scalar path (exact match), the
dominance it prunes with, ranking, adaptive batch, caching."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools

import numpy as np
import pytest
from perf_helpers import software

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model
from gigawatt.errors import InputError
from gigawatt.perf import BREAKDOWN_KEYS, estimate, evaluate, search
from gigawatt.perf.estimate import hardware_for, load_system
from gigawatt.perf.plan import CODED, SWITCHES, PlanArrays, interleaved_split_ok, valid_mask
from gigawatt.perf.search import enumerate_plans
from gigawatt.perf.workload import Workload

CAT = Catalog.load()


def _toy(**update) -> Model:
    base = {
        "id": "toy",
        "source": "test",
        "as_of": dt.date(2026, 1, 1),
        "status": "estimate",
        "layers": 6,
        "hidden": 256,
        "ffn_hidden": 1024,
        "heads": 4,
        "kv_heads": 2,
        "mlp": "swiglu",
        "vocab": 1000,
        "seq_len": 64,
        "global_batch_seqs": 16,
    }
    return Model.model_validate({**base, **update})


def _plain_valid(w: Workload, n, tp, pp, vp, dp, cp, ep, mb, gbs) -> bool:
    """DESIGN.md section 7's rules, written out plainly (flash attention on)."""
    if tp * pp * cp * dp != n or w.q_heads % tp or pp * vp > w.layers:
        return False
    if w.kv_heads % tp and tp % w.kv_heads:
        return False
    if gbs % (dp * mb) or w.seq_len % cp:
        return False
    if vp > 1 and (pp == 1 or (gbs // (dp * mb)) % pp):
        return False
    if vp > 1 and w.layers % (pp * vp):  # Megatron-Core: vp divides the layers per stage
        return False
    return max(w.experts, 1) % ep == 0 and (dp * cp) % ep == 0


PINNED = {
    "zero": 1,
    "recompute": "selective",
    "recompute_modules": ("core_attn",),
    "flash_attention": True,
    "sp": True,
    "pp_balance": False,
    "vocab_parallel": True,
    "offload": "none",
}


@pytest.mark.parametrize(
    "model", [_toy(), _toy(experts=4, top_k=2, moe_ffn_hidden=512, dense_layers=1)]
)
@pytest.mark.parametrize("gpus", [8, 12])
def test_candidates_match_a_brute_force_loop(model, gpus):
    w = Workload.from_model(model)
    expected = set()
    for tp, pp, cp, dp in itertools.product(range(1, gpus + 1), repeat=4):
        if tp * pp * cp * dp != gpus:
            continue
        for vp, mb, ep in itertools.product(
            range(1, w.layers + 1), range(1, w.global_batch_seqs + 1), range(1, gpus + 1)
        ):
            if _plain_valid(w, gpus, tp, pp, vp, dp, cp, ep, mb, w.global_batch_seqs):
                expected.add((tp, pp, vp, dp, cp, ep, mb))
    plans = enumerate_plans(w, gpus, PINNED, software())
    found = set(
        zip(
            *(getattr(plans, k).tolist() for k in ("tp", "pp", "vp", "dp", "cp", "ep", "mb")),
            strict=True,
        )
    )
    assert len(found) == len(plans)  # no duplicates
    assert found == expected
    assert expected


def _every_plan(w: Workload, gpus: int, sw) -> PlanArrays:
    """Every structural split with every value of every software knob the framework offers
    (dominated and redundant ones included), filtered by the rules: the brute force."""
    cols: dict[str, list] = {f: [] for f in PlanArrays.__dataclass_fields__}
    knobs = {k: sw.choices[k] for k in sw.choices}
    names = list(knobs)
    for tp, pp, cp in itertools.product((1, 2, 4, 8), (1, 2, 3), (1, 2)):
        if gpus % (tp * pp * cp):
            continue
        dp = gpus // (tp * pp * cp)
        gbs = w.global_batch_seqs
        for vp, mb, values in itertools.product(
            (1, 2, 3), (1, 2, 4), itertools.product(*knobs.values())
        ):
            for k, v in (("tp", tp), ("pp", pp), ("cp", cp), ("dp", dp), ("vp", vp)):
                cols[k].append(v)
            cols["mb"].append(mb)
            cols["ep"].append(1)
            cols["etp"].append(tp)
            cols["gbs"].append(gbs)
            cols["pp_first"].append(0)  # uneven stages only where pinned
            cols["pp_last"].append(0)
            for name, value in zip(names, values, strict=True):
                cols[name].append(CODED[name].index(value) if name in CODED else value)
    # selective plans take each module set the framework offers
    selective = CODED["recompute"].index("selective")
    del cols["recompute_modules"]
    rows = [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]
    rows = [
        {**row, "recompute_modules": mask if row["recompute"] == selective else 0}
        for row in rows
        for mask in (sw.module_sets if row["recompute"] == selective else (0,))
    ]
    cols = {f: [row[f] for row in rows] for f in PlanArrays.__dataclass_fields__}
    plans = PlanArrays.from_columns(cols)
    return plans.take(valid_mask(w, gpus, plans) & interleaved_split_ok(w, plans))


@pytest.mark.parametrize(
    ("framework", "system", "precision"),
    [
        ("nemo-2025", "dgx-h100", "bf16"),
        ("nemo-2025", "gb200-nvl72", "fp8"),
        ("megatron-core-2025", "dgx-a100", "bf16"),
        ("megatron-lm-2021", "dgx-a100", "bf16"),
    ],
)
def test_search_best_equals_brute_force_over_every_knob(framework, system, precision):
    """The staged search (memory first, offload only where nothing else fits, time-only knobs
    assembled per plan, dominated values left out) finds exactly the best tokens/s of a plain
    evaluation of every combination."""
    model = _toy(layers=12, hidden=2048, ffn_hidden=8192, heads=16, kv_heads=4, seq_len=2048)
    w = Workload.from_model(model.model_copy(update={"global_batch_seqs": 48}))
    gpus = 24
    hw, sw = hardware_for(load_system(system, CAT), precision, CAT, framework)
    brute = _every_plan(w, gpus, sw)
    ev = evaluate(w, hw, brute)
    assert ev.fits.any()
    best = ev.tokens_per_s[ev.fits].max()
    fixed = {"precision": precision, "vp": 1} if framework == "megatron-lm-2021" else {}
    found = search(
        model.model_copy(update={"global_batch_seqs": 48}),
        system,
        gpus,
        fixed={"precision": precision},
        framework=framework,
        catalog=CAT,
    )
    assert found.best is not None
    # The search also tries vp and mb values the brute force above does not; it can only
    # be faster, and its plan must be one the evaluator agrees on.
    assert found.best.tokens_per_s >= best * (1 - 1e-12)
    restricted = search(
        model.model_copy(update={"global_batch_seqs": 48}),
        system,
        gpus,
        fixed={**fixed, "precision": precision},
        framework=framework,
        catalog=CAT,
    )
    same = [
        i
        for i in range(len(brute))
        if ev.fits[i]
        and brute.row(i, precision)["vp"] == restricted.best.plan["vp"]
        and brute.row(i, precision)["mb"] == restricted.best.plan["mb"]
        and brute.row(i, precision)["tp"] == restricted.best.plan["tp"]
        and brute.row(i, precision)["pp"] == restricted.best.plan["pp"]
        and brute.row(i, precision)["cp"] == restricted.best.plan["cp"]
    ]
    assert max(ev.tokens_per_s[same]) == pytest.approx(restricted.best.tokens_per_s, rel=1e-12)


@pytest.mark.parametrize("model_id", ["llama3-70b", "gpt-oss-120b"])
def test_vectorised_evaluation_matches_scalar_estimates_exactly(model_id):
    """A sample of 60 plans from a full enumeration, evaluated in one batch and one by one
    through `estimate` (pydantic plan, framework check, one-row arrays): identical numbers.
    gpt-oss-120b: mixture of experts with alternating sliding-window attention."""
    model = CAT.model(model_id)
    w = Workload.from_model(model)
    hw, sw = hardware_for(load_system("dgx-h100", CAT), "bf16", CAT)
    plans = enumerate_plans(w, 256, {}, sw)
    batch = evaluate(w, hw, plans)
    rng = np.random.default_rng(20261129)
    for i in rng.choice(len(plans), size=60, replace=False):
        row = plans.row(int(i), "bf16")
        one = estimate(model, "dgx-h100", 256, row, catalog=CAT)
        assert one.plan == row
        assert one.step_time_s == batch.step_time_s[i]
        assert one.memory_gib_per_gpu * 2**30 == batch.memory.total[i]
        assert (one.mfu, one.hfu, one.fits) == (batch.mfu[i], batch.hfu[i], batch.fits[i])
        for key in BREAKDOWN_KEYS:
            assert one.breakdown_s[key] == batch.breakdown_s[key][i]


def _layer_arrays(layer) -> list[np.ndarray]:
    out = []
    for name in layer.__dataclass_fields__:
        value = getattr(layer, name)
        if isinstance(value, dict):  # per recipe or module: arrays or pairs of arrays
            value = [x for v in value.values() for x in (v if isinstance(v, tuple) else (v,))]
        out.extend(value if isinstance(value, (tuple, list)) else [value])
    return out


def test_layer_cost_is_shared_by_plans_of_the_same_layer_shape():
    """The evaluator computes a layer's cost once per distinct value of the columns it reads
    (`estimate._LAYER_COLUMNS`) and spreads it: identical to computing it for every plan
    (MoE and dense layers, fp8 recipes, every plan of a full enumeration), and the layer cost
    reads no other column (else the evaluator silently computes every plan: add the column
    to `_LAYER_COLUMNS`)."""
    est = importlib.import_module("gigawatt.perf.estimate")  # the module, not the function
    model = _toy(
        layers=8,
        hidden=1024,
        ffn_hidden=4096,
        heads=16,
        kv_heads=4,
        seq_len=1024,
        experts=8,
        top_k=2,
        moe_ffn_hidden=2048,
        dense_layers=1,
        global_batch_seqs=64,
    )
    w = Workload.from_model(model)
    hw, sw = hardware_for(load_system("dgx-h100", CAT), "fp8", CAT, "megatron-core-2025")
    plans = enumerate_plans(w, 64, {}, sw)
    recipes = tuple(CODED["fp8_recipe"].index(r) for r in ("delayed", "current"))
    by_shape = 1e-5 * plans.tp * plans.mb / plans.cp  # as time_parts' TP unit: by layer shape
    uneven = np.linspace(1e-4, 2e-4, len(plans))  # not: every plan computed
    shapes = np.unique(np.stack([getattr(plans, c) for c in est._LAYER_COLUMNS]), axis=1)
    assert shapes.shape[1] * 10 < len(plans)  # the shared path is the one taken
    for moe in (False, True):
        for tp_unit in (by_shape, uneven):
            reads = est._Reads(plans)
            whole = est._layer_cost(w, hw, reads, moe, tp_unit, recipes)  # type: ignore[arg-type]
            assert reads.read <= set(est._LAYER_COLUMNS)
            shared = est._distinct_layer_cost(w, hw, plans, moe, tp_unit, recipes)
            for x, y in zip(_layer_arrays(whole), _layer_arrays(shared), strict=True):
                assert np.array_equal(np.broadcast_to(x, len(plans)), y)


def test_pruned_values_never_win():
    """What the search leaves out cannot be faster or smaller: ZeRO-0 against ZeRO-1, DP
    and EP overlap off against on, current against delayed fp8 scaling, on every plan of a
    full enumeration (MoE, fp8, H100)."""
    model = _toy(
        layers=8,
        hidden=1024,
        ffn_hidden=4096,
        heads=16,
        kv_heads=4,
        seq_len=1024,
        experts=8,
        top_k=2,
        moe_ffn_hidden=2048,
        global_batch_seqs=64,
    )
    w = Workload.from_model(model)
    hw, sw = hardware_for(load_system("dgx-h100", CAT), "fp8", CAT, "megatron-core-2025")
    plans = enumerate_plans(w, 64, {}, sw)
    plans = plans.take(np.arange(0, len(plans), max(len(plans) // 4000, 1)))
    one = plans.replace(zero=1)
    zero0 = plans.replace(zero=0)
    ev1, ev0 = evaluate(w, hw, one), evaluate(w, hw, zero0)
    assert np.all(ev1.step_time_s <= ev0.step_time_s * (1 + 1e-12))
    assert np.all(ev1.memory.total <= ev0.memory.total * (1 + 1e-12))
    for knob in ("dp_overlap", "ep_overlap"):
        on, off = plans.replace(**{knob: True}), plans.replace(**{knob: False})
        mask = valid_mask(w, 64, on)
        ev_on, ev_off = evaluate(w, hw, on), evaluate(w, hw, off)
        assert np.all(ev_on.step_time_s[mask] <= ev_off.step_time_s[mask] * (1 + 1e-12))
    delayed = plans.replace(fp8_recipe=CODED["fp8_recipe"].index("delayed"))
    current = plans.replace(fp8_recipe=CODED["fp8_recipe"].index("current"))
    assert np.all(evaluate(w, hw, delayed).step_time_s <= evaluate(w, hw, current).step_time_s)


def test_search_ranks_fitting_plans_by_throughput():
    result = search("gpt3-175b", "dgx-a100", 256, catalog=CAT)
    assert result.fits and result.best.fits
    assert result.plans_fitting <= result.plans_evaluated
    rates = [t["tokens_per_s"] for t in result.top]
    assert rates == sorted(rates, reverse=True) and len(rates) == 10
    assert result.best.tokens_per_s == rates[0]
    again = estimate("gpt3-175b", "dgx-a100", 256, result.best.plan, catalog=CAT)
    assert again.step_time_s == result.best.step_time_s
    assert result.best.framework == "megatron-lm-2022"
    assert not result.best.plan["flash_attention"]  # the A100 calibration's software


def test_fixed_knobs_are_held():
    result = search("gpt3-175b", "dgx-a100", 512, fixed={"tp": 8, "recompute": "full"}, catalog=CAT)
    assert all(t["tp"] == 8 and t["recompute"] == "full" for t in result.top)
    assert result.best.plan["tp"] == 8


def test_software_knobs_are_searched():
    """With a modern framework the search chooses overlap, flash attention and SP itself."""
    result = search("gpt3-175b", "dgx-h100", 256, framework="nemo-2025", catalog=CAT)
    plan = result.best.plan
    assert plan["flash_attention"] and plan["dp_overlap"]
    assert plan["tp"] == 1 or plan["sp"]
    assert len({tuple(sorted(t.items())) for t in result.top}) == len(result.top) > 1


def test_precision_flag_and_moe_search():
    result = search("deepseek-v3", "hgx-h800", 2048, precision="fp8", fixed={"pp": 16}, catalog=CAT)
    assert result.best.plan["precision"] == "fp8"
    assert result.fits
    assert result.best.params_active < result.best.params_total / 10


def test_nothing_fits_is_a_result_not_an_error():
    result = search("megatron-1t", "dgx-a100", 8, catalog=CAT)
    assert not result.fits and result.best is None
    assert result.plans_fitting == 0 and result.top == ()
    assert result.plans_evaluated > 0
    data = result.to_json()
    assert data["fits"] is False and data["plan"] is None
    assert data["nearest_feasible"][-1]["gpus"] > 8
    overflow = search("megatron-1t", "dgx-a100", 8, catalog=CAT, allow_overflow=True)
    assert overflow.best is not None and not overflow.best.fits


def test_allow_overflow_reports_the_least_memory_plan_offload_included():
    """With nothing fitting, the plan `allow_overflow` returns needs no more memory than any
    plan the search tried, CPU offload included. It was the least of the plans without
    offload: for Llama 3.1 405B on 8 H100s a 944.9 GiB plan (zero=0, no offload) was called
    the one "needing least memory" while the same search had tried optimizer offload."""
    overflow = search("llama3-405b", "dgx-h100", 8, catalog=CAT, allow_overflow=True)
    assert not overflow.fits and overflow.best is not None
    offloaded = {"tp": 4, "cp": 2, "zero": 3, "recompute": "full", "offload": "optimizer"}
    hand = estimate("llama3-405b", "dgx-h100", 8, offloaded, catalog=CAT)
    assert overflow.best.memory_gib_per_gpu <= hand.memory_gib_per_gpu
    assert overflow.best.plan["offload"] != "none"


def test_no_valid_plan_is_an_input_error():
    with pytest.raises(InputError, match="no valid plan"):
        search("gpt3-175b", "dgx-a100", 1024, fixed={"tp": 5}, catalog=CAT)
    # tp 3 has no split of 1,024 GPUs but one of 1,023 (tp 3, pp 31, dp 11): used, 1 idle.
    found = search("gpt3-175b", "dgx-a100", 1024, fixed={"tp": 3}, catalog=CAT)
    assert found.gpus_used < 1024 and found.best.plan["tp"] == 3


def test_adaptive_batch_keeps_within_five_percent():
    result = search("gpt3-175b", "dgx-a100", 1000, catalog=CAT)
    gbs = result.best.plan["gbs"]
    assert gbs != 1536 and abs(gbs / 1536 - 1) <= 0.05
    assert gbs % result.best.plan["dp"] == 0
    pinned = search("gpt3-175b", "dgx-a100", 1024, fixed={"gbs": 1536}, catalog=CAT)
    assert pinned.best.plan["gbs"] == 1536


def test_repeated_searches_come_from_the_cache():
    a = search("llama3-8b", "gb200-nvl72", 576, fixed={"tp": 1}, catalog=CAT)
    b = search("llama3-8b", "gb200-nvl72", 576, fixed={"tp": 1}, catalog=CAT)
    assert a is b
    c = search("llama3-8b", "gb200-nvl72", 576, fixed={"tp": 1}, precision="fp8", catalog=CAT)
    assert c is not a


def test_switches_are_booleans_in_the_plan():
    result = search("llama3-8b", "dgx-h100", 64, fixed={"tp": 1, "pp": 1}, catalog=CAT)
    for key in SWITCHES:
        assert isinstance(result.best.plan[key], bool)


def test_search_cache_key_covers_units_and_the_catalog_schema(monkeypatch):
    """A cached search is stale when units or the schema's defaults change, not only perf/."""
    import importlib
    from pathlib import Path

    search_mod = importlib.import_module("gigawatt.perf.search")

    search_mod.code_digest.cache_clear()
    before = search_mod.code_digest()
    real = Path.read_bytes
    for name in ("units.py", "schema.py"):

        def edited(self, name=name):
            data = real(self)
            return data + b"# edited" if self.name == name else data

        monkeypatch.setattr(Path, "read_bytes", edited)
        search_mod.code_digest.cache_clear()
        assert search_mod.code_digest() != before, name
        monkeypatch.setattr(Path, "read_bytes", real)
    search_mod.code_digest.cache_clear()
    assert search_mod.code_digest() == before


def test_two_profiles_with_one_framework_id_do_not_share_a_cached_search():
    """A user's catalog may override a built-in framework id: the in-process cache keys on the
    whole profile, not the id."""
    from gigawatt.perf.framework import Software
    from gigawatt.perf.search import search_plans

    system = load_system("dgx-h100", CAT)
    w = Workload.from_model(CAT.model("llama3-8b"))
    hw, sw = hardware_for(system, "bf16", CAT, "nemo-2025")
    fw = sw.framework
    no_flash = fw.model_copy(
        update={"knobs": fw.knobs.model_copy(update={"flash_attention": [False]})}
    )
    acc = CAT.accelerator(system.accelerator)
    sw_no_flash = Software.build(no_flash, acc, system, "bf16")
    assert sw_no_flash.framework.id == sw.framework.id and sw_no_flash.digest != sw.digest
    a = search_plans(w, hw, sw, 64, {"tp": 1, "pp": 1})
    b = search_plans(w, hw, sw_no_flash, 64, {"tp": 1, "pp": 1})
    assert a.best.plan["flash_attention"] and not b.best.plan["flash_attention"]


def test_search_proposes_only_vp_that_divides_the_layers_per_stage():
    """Megatron-Core builds an interleaved split only where vp divides the layers per stage,
    (L + embedding + loss) / pp (transformer_block.py get_num_layers_to_build): 94 layers (as
    Qwen3 235B-A22B) over pp 8 x vp 3 would need a hand-written layout. Every proposed vp > 1
    plan divides exactly; interleaved plans are still proposed."""
    w = Workload.from_model(_toy(layers=94))
    plans = enumerate_plans(w, 16, {"tp": 1, "cp": 1, "ep": 1}, software())
    vp, pp, bal = plans.vp, plans.pp, plans.pp_balance.astype(np.int64)
    inter = vp > 1
    assert inter.any()
    assert np.all((w.layers + 2 * bal[inter]) % (pp[inter] * vp[inter]) == 0)
    # pp 8: interleaving only with balancing, 96 / 8 = 12 slots per stage
    at8 = plans.pp == 8
    assert at8.any()
    assert set(plans.vp[at8].tolist()) <= {1, 2, 3, 4, 6, 12}
    assert 3 in plans.vp[at8].tolist()
    assert not np.any(at8 & (plans.vp > 1) & ~plans.pp_balance)
    # pp 2: 47 layers per stage (prime), 48 with balancing
    at2 = plans.pp == 2
    assert set(plans.vp[at2 & ~plans.pp_balance].tolist()) <= {1, 47}
    assert 5 not in plans.vp[at2].tolist()


def test_interleaved_split_rule_on_a_toy_model():
    """6 layers over 2 stages: 3 layers per stage, so vp 3 splits and vp 2 does not; with
    pipeline balancing 8 slots, 4 per stage, vp 2 and 4 split. A pinned vp is the caller's."""
    w = Workload.from_model(_toy())
    sw = software()
    plans = enumerate_plans(w, 2, {**PINNED, "tp": 1, "pp": 2}, sw)
    assert set(plans.vp.tolist()) == {1, 3}
    balanced = enumerate_plans(w, 2, {**PINNED, "tp": 1, "pp": 2, "pp_balance": True}, sw)
    assert set(balanced.vp.tolist()) <= {1, 2, 4} and 2 in balanced.vp.tolist()
    pinned = enumerate_plans(w, 2, {**PINNED, "tp": 1, "pp": 2, "vp": 2}, sw)
    assert len(pinned) and set(pinned.vp.tolist()) == {2}


def test_interleaved_split_rule_with_uneven_first_and_last_stages():
    """Megatron-Core TransformerConfig: with num_layers_in_first/last_pipeline_stage, vp
    divides the first and last stages' layers and each middle stage's even share."""
    w = Workload.from_model(_toy(layers=20))

    def ok(pp, vp, first, last):
        arrays = PlanArrays.from_columns(
            {
                **{f: [0] for f in PlanArrays.__dataclass_fields__},
                "pp": [pp],
                "vp": [vp],
                "pp_first": [first],
                "pp_last": [last],
            }
        )
        return bool(interleaved_split_ok(w, arrays)[0])

    assert ok(4, 2, 4, 4)  # middle 12 over 2 stages: 6 each, vp 2 divides
    assert not ok(4, 2, 3, 5)  # vp 2 does not divide 3
    assert not ok(4, 4, 4, 4)  # 6 per middle stage, vp 4 does not divide
    assert ok(2, 2, 10, 10) and not ok(2, 4, 10, 10)
    assert ok(4, 1, 3, 5)  # no interleaving: any split the other rules allow


def test_search_leaves_up_to_one_percent_idle_when_a_split_of_fewer_is_faster(capsys):
    """57,528 = 2^3 x 7,191 Rubin packages for Llama 3.1 405B at its 2,048-sequence batch:
    tp and cp divide 128 heads and 8,192 tokens, so tp x cp <= 8 and only a 17-stage pipeline
    of 5 micro-batches splits all of them (MFU about 10 %, three quarters bubble). 57,344 =
    2^13 x 7, 0.3 % fewer, shards the batch; a planner leaves 184 idle. Invariant: the search
    at N is never slower than at its power-of-two neighbour within 1 % below."""
    from gigawatt.perf.search import IDLE_FASTER, _power_of_two_neighbour

    assert _power_of_two_neighbour(57_528) == 57_344
    assert _power_of_two_neighbour(1024) is None  # nothing within 1 % below has more twos
    assert _power_of_two_neighbour(1000) == 992
    odd = search("llama3-405b", "vera-rubin-nvl72", 57_528, catalog=CAT)
    near = search("llama3-405b", "vera-rubin-nvl72", 57_344, catalog=CAT)
    assert odd.best is not None and near.best is not None
    assert odd.best.tokens_per_s >= near.best.tokens_per_s
    assert odd.gpus_used == 57_344 and odd.gpus_idle_reason == IDLE_FASTER
    assert odd.to_json()["gpus_idle_reason"] == IDLE_FASTER
    assert odd.best.plan["pp"] < 17
    # both sizes' plans were computed and count (57,528's alone plus 57,344's)
    assert odd.plans_evaluated > near.plans_evaluated and odd.plans_fitting > near.plans_fitting
    whole = search("gpt3-175b", "dgx-h100", 1024, catalog=CAT)
    assert whole.gpus_used == 1024 and whole.to_json()["gpus_idle_reason"] is None


def test_a_tpu_pod_searches_its_own_software_stack():
    """NeMo/Megatron-Core does not run on TPUs, yet the default calibration's framework
    (nemo-2025) once set PaLM 540B on 6,144 TPU v4 to an interleaved 8-stage pipeline
    (tp=12, pp=8, vp=15). The TPU pod's record names JAX/XLA with sharded weights, PaLM's stack
    (no pipeline, arXiv 2204.02311 section 4): its default here; --framework still overrides."""
    system = CAT.system("tpu-v4-pod")
    assert system.framework == "jax-xla-fsdp"
    found = search("palm-540b", "tpu-v4-pod", 6144, catalog=CAT)
    assert found.framework == "jax-xla-fsdp" and found.best is not None
    assert found.best.plan["pp"] == 1 and found.best.plan["zero"] == 3
    forced = search("palm-540b", "tpu-v4-pod", 6144, catalog=CAT, framework="nemo-2025")
    assert forced.framework == "nemo-2025"
    # V100: no FlashAttention (Ampere and newer only): Megatron-LM 2022, fused attention off
    volta = search("megatron-7-5b", "dgx-v100", 512, catalog=CAT, precision="fp16")
    assert volta.framework == "megatron-lm-2022" and volta.best is not None
    assert volta.best.plan["flash_attention"] is False
    # systems without one keep their calibration's (H100: nemo-2025)
    assert CAT.system("dgx-h100").framework is None
    assert search("gpt3-175b", "dgx-h100", 1024, catalog=CAT).framework == "nemo-2025"
