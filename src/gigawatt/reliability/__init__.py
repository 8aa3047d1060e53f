"""Reliability at scale: failures, checkpointing, goodput and Monte Carlo (DESIGN.md section 6).

- `failures`: a catalog failure model -> a job's Poisson failure processes by cause (scopes
  accelerator/node/rack/job, rack-scale processes, burn-in), spares as a Poisson quantile.
- `checkpoint`: Young's and Daly's intervals, Daly's expected wall time (with planned stops),
  ETTR after Kokolis et al. 2025.
- `montecarlo`: job timelines vectorised over trials and events, and the same model as a plain
  event-by-event loop.
- `job`: `job_reliability` (closed forms for one job), `monte_carlo`, and the CLI report.

Other models use `job_reliability(accelerators, duration_s, failure_model, system,
checkpoint_s, restart_s) -> ReliabilityResult` (goodput, wall time, ...) and
`monte_carlo(result, trials, rng) -> MonteCarloResult`.
"""

from gigawatt.reliability.checkpoint import (
    daly_interval,
    daly_wall_time,
    kokolis_ettr,
    recovery_pressure,
    wall_time,
    young_interval,
)
from gigawatt.reliability.failures import (
    JobFootprint,
    JobRates,
    burn_in_factor,
    compound_poisson_quantile,
    job_rates,
    load_failure_model,
    poisson_quantile,
)
from gigawatt.reliability.job import (
    DEFAULT_SYSTEM,
    ReliabilityReport,
    ReliabilityResult,
    job_reliability,
    monte_carlo,
    reliability_report,
)
from gigawatt.reliability.montecarlo import (
    MonteCarloResult,
    Timeline,
    simulate_job,
    simulate_trial_events,
)

__all__ = [
    "DEFAULT_SYSTEM",
    "JobFootprint",
    "JobRates",
    "MonteCarloResult",
    "ReliabilityReport",
    "ReliabilityResult",
    "Timeline",
    "burn_in_factor",
    "compound_poisson_quantile",
    "daly_interval",
    "daly_wall_time",
    "job_rates",
    "job_reliability",
    "kokolis_ettr",
    "load_failure_model",
    "monte_carlo",
    "poisson_quantile",
    "recovery_pressure",
    "reliability_report",
    "simulate_job",
    "simulate_trial_events",
    "wall_time",
    "young_interval",
]
