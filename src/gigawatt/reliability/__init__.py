"""Reliability at scale: failures, fault-tolerance policies, checkpointing, goodput and Monte
Carlo (DESIGN.md section 6; docs/models/reliability.md).

- `failures`: a job's footprint (nodes, racks, failure domains), burn-in, spares as a Poisson
  quantile, user failure models.
- `recovery`: a fault-tolerance policy's costs for jobs of N accelerators (checkpoint blocking
  time, lag to durable, restart growing with N) and the job's interruptions by cause and by
  class (failures, planned stops).
- `checkpoint`: Young's and Daly's intervals, Daly's expected wall time and its extension to
  interruption classes and asynchronous checkpoints, ETTR after Kokolis et al. 2025.
- `montecarlo`: job timelines vectorised over trials and events, and the same model as a plain
  event-by-event loop.
- `job`: `job_curve` (closed forms for every job size at once), `job_reliability` (one job),
  `monte_carlo`, and the CLI report.
- `limit`: the job-size limit (`job_size_limit`: where the marginal accelerator's useful time
  falls below the catalog's share of the average one's), used by capability and train alike.

Other models use `RecoveryPlan.of(catalog, system, model, params, policy)`, then
`job_curve(sizes, duration_s, failure_model, system, plan) -> JobCurve` (goodput for all sizes
in one call) or `job_reliability(accelerators, duration_s, failure_model, system, plan) ->
ReliabilityResult`, and `monte_carlo(result, trials, rng) -> MonteCarloResult`.
"""

from gigawatt.reliability.checkpoint import (
    daly_interval,
    daly_wall_time,
    expected_wall_time,
    kokolis_ettr,
    recovery_pressure,
    wall_time,
    young_interval,
)
from gigawatt.reliability.failures import (
    JobFootprint,
    burn_in_factor,
    compound_poisson_quantile,
    load_failure_model,
    poisson_quantile,
)
from gigawatt.reliability.job import (
    DEFAULT_SYSTEM,
    JobCurve,
    RecoveryPlan,
    ReliabilityReport,
    ReliabilityResult,
    default_plan,
    job_curve,
    job_reliability,
    monte_carlo,
    reliability_report,
    spare_domains,
    spare_means,
)
from gigawatt.reliability.limit import (
    efficient_limit,
    job_size_limit,
    job_sizes,
    marginal_threshold,
)
from gigawatt.reliability.montecarlo import (
    MonteCarloResult,
    Timeline,
    simulate_job,
    simulate_trial_events,
)
from gigawatt.reliability.recovery import (
    Interruptions,
    Recovery,
    interruptions,
    recovery_costs,
)

__all__ = [
    "DEFAULT_SYSTEM",
    "Interruptions",
    "JobCurve",
    "JobFootprint",
    "MonteCarloResult",
    "Recovery",
    "RecoveryPlan",
    "ReliabilityReport",
    "ReliabilityResult",
    "Timeline",
    "burn_in_factor",
    "compound_poisson_quantile",
    "daly_interval",
    "daly_wall_time",
    "default_plan",
    "efficient_limit",
    "expected_wall_time",
    "interruptions",
    "job_curve",
    "job_reliability",
    "job_size_limit",
    "job_sizes",
    "kokolis_ettr",
    "load_failure_model",
    "marginal_threshold",
    "monte_carlo",
    "poisson_quantile",
    "recovery_costs",
    "recovery_pressure",
    "reliability_report",
    "simulate_job",
    "simulate_trial_events",
    "spare_domains",
    "spare_means",
    "wall_time",
    "young_interval",
]
