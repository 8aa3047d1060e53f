"""The stage pipeline: stages run in data-flow order; `until` stops after a named stage."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.scenario import load_scenario
from gigawatt.simulate import STAGES, simulate


def test_until_runs_the_stages_up_to_the_named_one(catalog):
    sc = load_scenario("nvidia-openai-10gw", catalog)
    partial = simulate(sc, catalog, until="finance")
    assert list(partial.stages) == ["energy", "finance"]
    assert partial.capability is None
    full = simulate(sc, catalog)
    assert list(full.stages) == list(STAGES) == ["energy", "finance", "capability"]
    # A stage's results do not depend on the stages after it.
    assert partial.finance is not None and full.finance is not None
    assert partial.finance.summary() == full.finance.summary()
    pairs = zip(full.years(), partial.years(), strict=True)
    assert all(p == {k: v for k, v in f.items() if k in p} for f, p in pairs)


def test_until_an_unknown_stage_is_an_error(catalog):
    sc = load_scenario("nvidia-openai-10gw", catalog)
    with pytest.raises(ValueError, match="unknown stage 'money'"):
        simulate(sc, catalog, until="money")


def test_a_sample_is_a_function_of_its_generator(catalog):
    """Explicit randomness: equal seeds, equal samples (share-price paths included); the stages
    draw from child generators, so stopping early does not change what earlier stages drew."""
    sc = load_scenario("nvidia-openai-10gw", catalog)
    a = simulate(sc, catalog, np.random.default_rng([7, 3]), until="finance")
    b = simulate(sc, catalog, np.random.default_rng([7, 3]), until="finance")
    c = simulate(sc, catalog, np.random.default_rng([7, 4]), until="finance")
    assert a.years() == b.years()
    assert a.years() != c.years()
    energy_only = simulate(sc, catalog, np.random.default_rng([7, 3]), until="energy")
    assert energy_only.scenario == a.scenario
