"""Names the command line shows before anything is loaded: the default scenario, system and
sweep store, and the catalog's kinds.

This module imports nothing, so `gigawatt --help` does not pay for pydantic, NumPy or pandas;
the modules that use these names import them from here (`app.DEFAULT_SCENARIO`,
`reliability.job.DEFAULT_SYSTEM`, `sweep.DEFAULT_STORE`; `catalog.schema.KINDS` has exactly
these kinds, in this order, which a test checks).
"""

from __future__ import annotations

from pathlib import Path

#: The scenario a command uses when none is named.
DEFAULT_SCENARIO = "nvidia-openai-10gw"
#: The system `gigawatt reliability` assumes when none is named.
DEFAULT_SYSTEM = "dgx-h100"
#: Where `gigawatt sweep` stores its samples when no store is named.
DEFAULT_STORE = Path("gigawatt-out") / "sweeps.duckdb"
#: Base samples N of the Sobol design of `gigawatt sensitivity` (N (D + 2) simulations); a power
#: of two, as the Sobol' sequence needs for its balance properties.
DEFAULT_SOBOL_BASE = 256
#: The fewest scenarios `gigawatt compare` puts side by side.
MIN_COMPARED_SCENARIOS = 2
#: The catalog's kinds of record, as `gigawatt catalog KIND` takes them.
CATALOG_KINDS = (
    "accelerators",
    "systems",
    "models",
    "regions",
    "countries",
    "deals",
    "thresholds",
    "failures",
    "fault-tolerance",
    "storage-tiers",
    "costs",
    "energy",
    "frontier-runs",
    "supply-technologies",
    "prices",
    "calibrations",
    "frameworks",
    "capability",
    "reference-workloads",
    "power-calibrations",
    "market-events",
    "event-study",
    "perf-accuracy",
)
