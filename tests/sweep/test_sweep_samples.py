"""One sample: seeded draws independent of order and grouping, outputs flattened, failures kept."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sweep_cases import uncertain_data, uncertain_scenario

from gigawatt.distributions import Distribution, groups
from gigawatt.scenario import load_scenario, parse_scenario
from gigawatt.simulate import simulate
from gigawatt.sweep import run_sample, run_samples, sample_rng, sweep_id
from gigawatt.sweep import samples as samples_mod
from gigawatt.sweep.run import canonical_json
from gigawatt.sweep.samples import flatten_years, value_at


def _same(a, b) -> None:
    assert a.sample == b.sample and a.inputs == b.inputs and a.error == b.error
    pd.testing.assert_frame_equal(a.outputs, b.outputs)


def test_sample_rng_is_seed_and_sample_only():
    a = sample_rng(7, 3).random(4)
    assert np.array_equal(a, np.random.default_rng([7, 3]).random(4))
    assert not np.array_equal(a, sample_rng(7, 4).random(4))
    assert not np.array_equal(a, sample_rng(8, 3).random(4))


def test_sample_independent_of_order_and_grouping(toy_catalog):
    sc = uncertain_scenario(toy_catalog)
    forward = run_samples(sc, toy_catalog, 11, [0, 1, 2, 3])
    backward = run_samples(sc, toy_catalog, 11, [3, 2, 1, 0])[::-1]
    alone = [run_sample(sc, toy_catalog, 11, i) for i in (0, 1, 2, 3)]
    for a, b, c in zip(forward, backward, alone, strict=True):
        _same(a, b)
        _same(a, c)
    # ... and the samples do differ from one another
    assert len({r.inputs["sites[0].phases[0].power_gw"] for r in forward}) == 4


def test_inputs_are_the_drawn_values(toy_catalog):
    sc = uncertain_scenario(toy_catalog)
    for rec in run_samples(sc, toy_catalog, 0, range(5)):
        assert rec.ok
        assert set(rec.inputs) == set(sc.uncertain_inputs())
        assert rec.inputs["sites[0].phases[0].delay_months"] in (0, 1, 2)
        # facility basis, online by December: the grid power that December is the drawn power
        out = rec.outputs.set_index(["year", "key"]).value
        power = rec.inputs["sites[0].phases[0].power_gw"]
        assert out[(2026, "facility_power_gw")] == pytest.approx(power, rel=1e-12)
        pue = rec.inputs["sites[0].pue"]
        assert out[(2026, "it_power_gw")] == pytest.approx(power / pue, rel=1e-12)
        # the same draw as simulate with that sample's generator
        resolved = simulate(sc, toy_catalog, sample_rng(0, rec.sample)).scenario
        assert resolved.sites[0].pue == pue


def test_value_at_every_path_of_the_default_scenario(catalog):
    sc = load_scenario("nvidia-openai-10gw", catalog)
    resolved = sc.resolve(sample_rng(0, 0))
    for path in sc.uncertain_inputs():
        assert isinstance(value_at(sc, path), Distribution), path
        assert isinstance(value_at(resolved, path), int | float), path


def test_flatten_picks_up_any_numeric_key():
    years = [
        {
            "year": 2030,
            "month": "2030-12",
            "facility_power_gw": 2.0,
            "accelerators": 7,
            "largest_run_flop": 3e27,  # a key a later stage adds
            "peak_flops_per_s": {"bf16": 1.0, "fp8": 2.0},
            "nested": {"a": {"b": 4.0}},
            "not_computed": None,
            "non_finite": math.inf,
            "country_equivalent": "Belgium",
            "crossed": True,
            "thresholds": ["eu-ai-act"],
            "numpy_value": np.float64(5.5),
        }
    ]
    flat = flatten_years(years).set_index("key").value
    assert list(flat.index) == [
        "facility_power_gw",
        "accelerators",
        "largest_run_flop",
        "peak_flops_per_s.bf16",
        "peak_flops_per_s.fp8",
        "nested.a.b",
        "not_computed",
        "non_finite",
        "numpy_value",
    ]
    assert flat["largest_run_flop"] == 3e27 and flat["numpy_value"] == 5.5
    assert np.isnan(flat["not_computed"]) and np.isnan(flat["non_finite"])


def test_flatten_covers_every_numeric_key_of_a_run(toy_catalog):
    years = simulate(uncertain_scenario(toy_catalog), toy_catalog).years()
    keys = set(flatten_years(years).key)
    for key, value in years[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool) and key != "year":
            assert key in keys
        elif isinstance(value, dict):
            assert {f"{key}.{k}" for k in value} <= keys


def test_a_failing_sample_is_recorded_not_raised(toy_catalog, monkeypatch):
    sc = uncertain_scenario(toy_catalog)
    real = samples_mod.run_stages

    def flaky(scenario, catalog, rng):  # rng: the stages' child of the sample's generator
        if rng.bit_generator.seed_seq.entropy == [0, 1]:
            raise ValueError("odd draw")
        return real(scenario, catalog, rng)

    monkeypatch.setattr(samples_mod, "run_stages", flaky)
    ok, bad = run_samples(sc, toy_catalog, 0, [0, 1])
    assert ok.ok and not bad.ok
    assert bad.error == "ValueError: odd draw"
    assert bad.outputs.empty and bad.inputs == {}


def test_work_pickles_for_other_processes(toy_catalog):
    """Pool and Dask workers get the scenario and catalog pickled: same sample after the trip."""
    sc = uncertain_scenario(toy_catalog)
    sc2, cat2 = pickle.loads(pickle.dumps((sc, toy_catalog)))
    assert sc2 == sc
    _same(run_sample(sc, toy_catalog, 5, 2), run_sample(sc2, cat2, 5, 2))


def shared_scenario(catalog, group: str = "cooling"):
    """The uncertain toy scenario with its PUE (uniform 1.1-1.3) and its phase's power
    (triangular 0.5/1/2) in one `shared` group; the delay (choice 0, 1, 2) on its own."""
    data = uncertain_data()
    site = data["sites"][0]
    site["pue"] = site["pue"] | {"shared": group}
    site["phases"][0]["power_gw"] = site["phases"][0]["power_gw"] | {"shared": group}
    return parse_scenario(data, catalog)


@pytest.mark.parametrize("name", ["toy", "shared", "nvidia-openai-10gw"])
def test_template_equals_resolve(toy_catalog, name):
    """A sample's inputs put into the point-value scenario (`SampleTemplate`) give exactly the
    scenario `Scenario.resolve` draws with the same generator, and the same generator state
    after, so the stages' child generators are the same too."""
    if name in ("toy", "shared"):
        sc = (uncertain_scenario if name == "toy" else shared_scenario)(toy_catalog)
    else:
        sc = load_scenario(name, toy_catalog)
    template = samples_mod.template_of(sc)
    assert template.paths == tuple(sc.uncertain_inputs()) and len(template.paths) >= 3
    for i in range(5):
        a, b = sample_rng(4, i), sample_rng(4, i)
        fast, slow = template.at(template.values(a)), sc.resolve(b)
        assert fast == slow
        assert fast.model_dump(mode="json") == slow.model_dump(mode="json")
        assert a.random() == b.random()
    row = dict(zip(template.paths, template.values(sample_rng(4, 9)), strict=True))
    assert template.at(template.design_values(row)) == sc.with_inputs(row)


def test_ungrouped_inputs_draw_as_each_distribution_samples(toy_catalog):
    """Without `shared`, a sample draws each input with its own `sample(rng)`, in path order
    (the scheme before groups existed), and the scenario dumps without a `shared` key (its
    canonical JSON, hence its sweep id, unchanged)."""
    sc = uncertain_scenario(toy_catalog)
    template = samples_mod.template_of(sc)
    for i in range(5):
        rng = sample_rng(3, i)
        expected = [d.sample(rng) for _, d in sc.distributions()]
        expected[2] = round(expected[2])  # the delay, a whole number of months
        assert template.values(sample_rng(3, i)) == expected
    assert "shared" not in canonical_json(sc)
    assert '"shared":"cooling"' in canonical_json(shared_scenario(toy_catalog))
    # grouping is part of the sweep id: grouped, and grouped under another name, are new sweeps
    ids = {
        sweep_id(s, 0, toy_catalog)
        for s in (sc, shared_scenario(toy_catalog), shared_scenario(toy_catalog, "power"))
    }
    assert len(ids) == 3


def test_shared_inputs_move_together_with_their_own_marginals(toy_catalog):
    """Members of a group are comonotone (rank correlation 1: one uniform u, each at its own
    inverse CDF); each keeps its own distribution (the share of draws under its P10, P50 and
    P90 within 4 binomial standard deviations of 0.1, 0.5, 0.9); the ungrouped delay stays
    independent of them."""
    sc = shared_scenario(toy_catalog)
    template = samples_mod.template_of(sc)
    n = 4000
    draws = np.array([template.values(sample_rng(0, i)) for i in range(n)])
    pue, power, delay = draws.T
    assert np.array_equal(np.argsort(pue, kind="stable"), np.argsort(power, kind="stable"))
    assert spearmanr(pue, power).statistic == pytest.approx(1.0)
    for (_, dist), x in zip(sc.distributions()[:2], (pue, power), strict=True):
        for q in (0.1, 0.5, 0.9):
            assert abs((x <= dist.quantile(q)).mean() - q) < 4 * math.sqrt(q * (1 - q) / n)
    assert abs(spearmanr(pue, delay).statistic) < 4 / math.sqrt(n)
    # independent, the same two inputs are not comonotone
    free = samples_mod.template_of(uncertain_scenario(toy_catalog))
    alone = np.array([free.values(sample_rng(0, i)) for i in range(200)])
    assert abs(spearmanr(alone[:, 0], alone[:, 1]).statistic) < 4 / math.sqrt(200)


def test_groups_lists_each_group_and_its_members(toy_catalog):
    sc = shared_scenario(toy_catalog)
    assert groups(sc.distributions()) == {
        "cooling": ["sites[0].pue", "sites[0].phases[0].power_gw"]
    }
    assert groups(uncertain_scenario(toy_catalog).distributions()) == {}
