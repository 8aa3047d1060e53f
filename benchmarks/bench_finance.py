"""Speed of the finance stage (`make bench`): the default scenario, plain and sampled."""

from __future__ import annotations

import numpy as np

from gigawatt.buildout import build_fleet
from gigawatt.catalog import Catalog
from gigawatt.finance import run_finance
from gigawatt.scenario import load_scenario


def _inputs(name: str):
    catalog = Catalog.load()
    scenario = load_scenario(name, catalog).resolve()
    return scenario, catalog, build_fleet(scenario, catalog)


def test_finance_default_scenario(benchmark):
    scenario, catalog, fleet = _inputs("nvidia-openai-10gw")
    fin = benchmark(run_finance, scenario, catalog, fleet)
    assert fin.cumulative_invested_usd[-1] == 100e9
    per_s = 1 / benchmark.stats["mean"]
    print(
        f"\nfinance stage, nvidia-openai-10gw ({len(fin.months)} months, 10 phases): "
        f"{benchmark.stats['mean'] * 1e3:.1f} ms per run, {per_s:.0f} runs/s"
    )


def test_finance_sampled_share_prices(benchmark):
    scenario, catalog, fleet = _inputs("amd-openai-6gw")
    rngs = iter(np.random.default_rng([7, i]) for i in range(10**6))

    def sampled():
        return run_finance(scenario, catalog, fleet, rng=next(rngs))

    fin = benchmark(sampled)
    assert fin.summary()["price_path"] == "sampled"
    days = fin.prices["amd"].daily_usd.size
    print(
        f"\nfinance stage, amd-openai-6gw with a sampled AMD path ({days} trading days): "
        f"{benchmark.stats['mean'] * 1e3:.1f} ms per sample, "
        f"{1 / benchmark.stats['mean']:.0f} samples/s"
    )


def test_finance_summary(benchmark):
    scenario, catalog, fleet = _inputs("nvidia-openai-10gw")
    fin = run_finance(scenario, catalog, fleet)
    summary = benchmark(lambda: run_finance(scenario, catalog, fleet).summary())
    assert summary["tranches"]
    assert fin.table().shape[1] == 5
    print(f"\nfinance stage + JSON summary: {benchmark.stats['mean'] * 1e3:.1f} ms")
