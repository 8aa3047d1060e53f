"""recompute=none under flash attention and selective recompute of the attention core alone
are one plan (`plan.no_recompute_twin`): the model prices them alike, `canonical_recompute`
writes both one way, and the search keeps one of them (the selective twin)."""

from __future__ import annotations

import numpy as np
from perf_helpers import resolve_plan

from gigawatt.catalog import Catalog
from gigawatt.perf.estimate import evaluate, hardware_for, load_system, result_row
from gigawatt.perf.plan import (
    CODED,
    PlanArrays,
    canonical_recompute,
    module_mask,
    no_recompute_twin,
)
from gigawatt.perf.search import search
from gigawatt.perf.workload import Workload

CAT = Catalog.load()
LLAMA = Workload.from_model(CAT.model("llama3-70b"))
BASE = {"tp": 4, "pp": 4, "sp": True, "flash_attention": True}


def _pair() -> tuple[PlanArrays, PlanArrays]:
    none = resolve_plan({**BASE, "recompute": "none"}, LLAMA, 64)
    core = resolve_plan({**BASE, "recompute_modules": "core_attn"}, LLAMA, 64)
    return none, core


def test_the_twins_are_priced_alike():
    hw = hardware_for(load_system("dgx-h100", CAT), "bf16", CAT)[0]
    none, core = _pair()
    a = result_row(LLAMA, hw, none, evaluate(LLAMA, hw, none), 0, 64).to_json()
    b = result_row(LLAMA, hw, core, evaluate(LLAMA, hw, core), 0, 64).to_json()
    for key in ("step_time_s", "memory_gib_per_gpu", "breakdown_s", "mfu", "hfu"):
        assert a[key] == b[key], key


def test_canonical_recompute_writes_both_one_way():
    none, core = _pair()
    assert no_recompute_twin(none.flash_attention, none.recompute).tolist() == [True]
    assert no_recompute_twin(core.flash_attention, core.recompute).tolist() == [False]
    for f in ("recompute", "recompute_modules"):
        assert np.array_equal(getattr(canonical_recompute(none), f), getattr(core, f))
        assert np.array_equal(getattr(canonical_recompute(core), f), getattr(core, f))
    # without flash attention none recomputes less than core_attn: not a twin
    plain = resolve_plan({**BASE, "flash_attention": False, "recompute": "none"}, LLAMA, 64)
    assert canonical_recompute(plain).recompute.tolist() == [CODED["recompute"].index("none")]


def test_the_search_keeps_the_selective_twin():
    result = search("llama3-8b", "dgx-h100", 8, catalog=CAT, top=10)
    assert result.top
    for plan in result.top:
        assert not (plan["flash_attention"] and plan["recompute"] == "none"), plan
    assert module_mask(("core_attn",)) == canonical_recompute(_pair()[0]).recompute_modules[0]
