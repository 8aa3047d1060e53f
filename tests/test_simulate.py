"""The stage pipeline: stages run in data-flow order; `until` stops after a named stage."""

from __future__ import annotations

import pytest

from gigawatt.scenario import load_scenario
from gigawatt.simulate import STAGES, simulate


def test_until_runs_the_stages_up_to_the_named_one(catalog):
    sc = load_scenario("nvidia-openai-10gw", catalog)
    names = [n for n, _ in STAGES]
    partial = simulate(sc, catalog, until="finance")
    assert list(partial.stages) == names[: names.index("finance") + 1]
    full = simulate(sc, catalog)
    assert list(full.stages) == names
    # A stage's results do not depend on the stages after it.
    assert partial.stages["finance"].summary() == full.stages["finance"].summary()


def test_until_an_unknown_stage_is_an_error(catalog):
    sc = load_scenario("nvidia-openai-10gw", catalog)
    with pytest.raises(ValueError, match="unknown stage 'money'"):
        simulate(sc, catalog, until="money")
