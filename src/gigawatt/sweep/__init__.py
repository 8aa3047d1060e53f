"""Monte Carlo sweeps over a scenario's uncertain inputs (DESIGN.md sections 1, 4 and 9).

`run_sweep` draws samples (sample i from `default_rng([seed, i])`), simulates each in this
process, a local process pool or on a Dask cluster, stores every finished sample in a DuckDB file
and summarises the stored samples as P10/P50/P90 bands; `load_sweep` reads a stored sweep back.
"""

from gigawatt.sweep.result import SweepResult
from gigawatt.sweep.run import (
    DEFAULT_STORE,
    canonical_json,
    catalog_sha256,
    list_sweeps,
    load_sweep,
    run_sweep,
    sweep_id,
)
from gigawatt.sweep.samples import METHOD, run_sample, run_samples, sample_rng
from gigawatt.sweep.store import SweepInfo, SweepStore

__all__ = [
    "DEFAULT_STORE",
    "METHOD",
    "SweepInfo",
    "SweepResult",
    "SweepStore",
    "canonical_json",
    "catalog_sha256",
    "list_sweeps",
    "load_sweep",
    "run_sample",
    "run_samples",
    "run_sweep",
    "sample_rng",
    "sweep_id",
]
