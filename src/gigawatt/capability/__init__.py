"""Capability: the largest training run the programme allows, month by month, and the scenario's
frontier runs (DESIGN.md section 6, "capability"; `gigawatt capability`).

A run of N accelerators of one system sustains

    R = N x peak(precision) x MFU x goodput x cross-site efficiency        [FLOP/s]

(the "hardware-based" estimate the EU Guidelines accept: accelerators x peak x utilisation x
time; European Commission, Guidelines on the scope of obligations for providers of
general-purpose AI models, C(2025) 7719, training-compute annex), and a run of wall time T
computes C = R T [FLOP].

- MFU is the perf search's best plan (`gigawatt.perf.search`) for the reference workload
  (catalog `reference-workloads`: a dense 405B model) on at most the job's N accelerators, over
  all N: the search runs at four plan sizes per doubling, 2^d x (1, 5/4, 3/2, 7/4), and a job
  runs the best of those at or below it in its doubling, the rest idle. The global batch is
  DeepSeek LLM's compute-optimal batch B = k C^e tokens for that size's compute (rounded down
  to a power of two of sequences), so a million-accelerator job is not held to a 2024 batch
  that leaves a few tokens per accelerator. Searches are cached, so a whole programme
  costs a few dozen of them.
- Goodput is Daly's closed form for a job of N accelerators (`reliability.job_reliability`) with
  the system's failure model and a frontier-scale restart cost (`frontier-restart-s`). Failures
  grow with N, so beyond some size a synchronous job computes less, not more: the largest run
  of a group of N accelerators is the best job of at most N, over job sizes 32 per doubling in
  whole failure domains (so more accelerators never give less). Under a policy that restarts
  onto standbys, the job also leaves room among the N for the spare pool the reliability
  model sizes for it (`RunCurve.room`).
- A cross-site run is one synchronous data-parallel job over the sites: each site as one
  cluster, plus a bidirectional ring all-reduce of the 16-bit gradients over the wide-area links
  every step, not overlapped with compute (Epoch AI 2025's design; catalog `cross-site-*`).
- Chinchilla (Hoffmann et al. 2022): C = 6 N D with D = 20 N gives the compute-optimal
  parameters and tokens; their parametric fit the loss that allocation reaches.

Modules: `scaling` (the published formulas and the catalog settings), `curve` (the best job of
at most N accelerators; groups of accelerators), `runs` (the scenario's frontier runs: cost,
energy, thresholds) and `stage` (the `gigawatt run` stage and the `gigawatt capability` report).
"""

from gigawatt.capability.curve import RunCurve, job_sizes
from gigawatt.capability.runs import FrontierRunResult
from gigawatt.capability.scaling import (
    Settings,
    chinchilla_loss,
    chinchilla_optimal,
    cross_site_efficiency,
    optimal_batch_tokens,
    ring_allreduce_s,
    sustained_flops_per_s,
)
from gigawatt.capability.stage import CapabilityResult, run_capability

__all__ = [
    "CapabilityResult",
    "FrontierRunResult",
    "RunCurve",
    "Settings",
    "chinchilla_loss",
    "chinchilla_optimal",
    "cross_site_efficiency",
    "job_sizes",
    "optimal_batch_tokens",
    "ring_allreduce_s",
    "run_capability",
    "sustained_flops_per_s",
]
