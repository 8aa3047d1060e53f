"""The published models of the capability stage, one pure vectorised function each, and the
catalog settings they take (`capability` parameters, the `reference-workloads` record)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import FrontierRun, Model, ReferenceWorkload
from gigawatt.distributions import point
from gigawatt.perf.plan import make_plan
from gigawatt.reliability.job import SPARES_AVAILABILITY_PARAMETER
from gigawatt.reliability.limit import marginal_threshold
from gigawatt.units import S_PER_DAY

#: FLOPs per parameter per training token, C = 6 N D (Kaplan et al. 2020; Hoffmann et al. 2022).
FLOP_PER_PARAM_TOKEN = 6.0
#: The reference workload record used.
REFERENCE_ID = "default"


def sustained_flops_per_s(
    accelerators: Any, peak_flops_per_s: Any, mfu: Any, goodput: Any, efficiency: Any = 1.0
) -> Any:
    """R = N x peak x MFU x goodput x cross-site efficiency [FLOP/s].

    The hardware-based estimate of training compute (accelerators x peak x utilisation; EU
    Commission GPAI Guidelines C(2025) 7719, training-compute annex; Regulation (EU) 2024/1689
    Art. 51(2)), with utilisation split into
    the step's MFU and the share of wall time spent on useful steps (goodput, Daly 2006).
    """
    return accelerators * peak_flops_per_s * mfu * goodput * efficiency


def chinchilla_optimal(compute_flop: Any, tokens_per_parameter: float) -> tuple[Any, Any]:
    """Compute-optimal parameters N and tokens D for a budget C [FLOP] ([parameters], [tokens]).

    Hoffmann et al. 2022 ("Chinchilla", arXiv 2203.15556): C = 6 N D and D = r N with r about
    20 tokens per parameter (Table 3), so N = sqrt(C / 6r) and D = r N.
    """
    c = np.asarray(compute_flop, float)
    params = np.sqrt(c / (FLOP_PER_PARAM_TOKEN * tokens_per_parameter))
    return params, tokens_per_parameter * params


def chinchilla_loss(
    params: Any, tokens: Any, e: float, a: float, b: float, alpha: float, beta: float
) -> Any:
    """L(N, D) = E + A / N^alpha + B / D^beta [nats/token], N and D > 0.

    Hoffmann et al. 2022 section 3.3, approach 3 (E = 1.69, A = 406.4, B = 410.7, alpha = 0.34,
    beta = 0.28, fitted on MassiveText).
    """
    return e + a / np.power(params, alpha) + b / np.power(tokens, beta)


def optimal_batch_tokens(compute_flop: Any, coefficient: float, exponent: float) -> Any:
    """Compute-optimal global batch B = k C^e [tokens] for a budget C [FLOP].

    DeepSeek-AI 2024, "DeepSeek LLM" (arXiv 2401.02954) section 3.1: k = 0.2920, e = 0.3271.
    """
    return coefficient * np.power(np.asarray(compute_flop, float), exponent)


def ring_allreduce_s(
    payload_bytes: Any, sites: Any, bandwidth_bytes_per_s: Any, latency_s: Any
) -> Any:
    """Time of a bidirectional ring all-reduce of M bytes over S sites [s].

    Reduce-scatter then all-gather: 2 (S - 1) steps, each moving M / S bytes per link, half
    each way round the ring, so (S - 1) / S x M / bandwidth + 2 (S - 1) x latency (Patarasuk and
    Yuan 2009, J. Parallel Distrib. Comput. 69(2); Epoch AI 2025 for cross-site training). Zero
    for one site.
    """
    s = np.asarray(sites, float)
    return (s - 1.0) / s * payload_bytes / bandwidth_bytes_per_s + 2.0 * (s - 1.0) * latency_s


def cross_site_efficiency(step_time_s: Any, sync_s: Any) -> Any:
    """Share of a step spent computing when the cross-site sync is not overlapped [fraction]:
    T_step / (T_step + T_sync); 0 where the step time is not finite (nothing runs)."""
    step = np.asarray(step_time_s, float)
    safe = np.where(np.isfinite(step), step, 0.0)
    return np.where(np.isfinite(step) & (step > 0), safe / (safe + sync_s), 0.0)


def compute_band(
    flop: float, efficiency: float, factors: tuple[float, float]
) -> tuple[float, float]:
    """(low, high) compute of a run of fixed wall time whose step computes `factors` (low,
    high) times as long as estimated (the perf model's validated band, `perf.accuracy`), the
    job held (its size, goodput and cross-site sync) [FLOP].

    The sustained rate is proportional to 1 / (T_step + T_sync); with the cross-site
    efficiency e = T_step / (T_step + T_sync), a step k times as long gives the rate
    R / (1 - e + k e) (R / k at one site, e = 1). The longer step is the lower compute."""
    k_low, k_high = factors
    e = efficiency
    return flop / (1 - e + k_high * e), flop / (1 - e + k_low * e)


def capability_param(catalog: Catalog, parameter_id: str) -> float:
    """The point value of a `capability` catalog parameter (a plain run's value)."""
    return float(point(catalog.get("capability", parameter_id).value))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Settings:
    """The capability model's inputs, resolved from the catalog once per run."""

    reference: ReferenceWorkload
    model: Model
    comparison: FrontierRun
    duration_s: float
    batch_coefficient: float
    batch_exponent: float
    planning_mfu: float
    tokens_per_parameter: float
    loss_fit: tuple[float, ...]
    policy: str
    marginal_threshold: float
    cross_site_bandwidth_bytes_per_s: float
    cross_site_latency_s: float
    #: the probability of full size the spare pool of a standby policy's run is sized for
    #: (catalog `spares-availability-target`, as `gigawatt reliability` uses it)
    spares_availability: float

    @classmethod
    def of(cls, catalog: Catalog) -> Settings:
        """The settings from the catalog: the reference workload with its model, fault
        tolerance and comparison run, and the cited parameters (run duration, batch-size
        fit, planning MFU, Chinchilla tokens per parameter and loss fit, marginal threshold,
        cross-site link, spares availability target)."""
        ref: ReferenceWorkload = catalog.get("reference-workloads", REFERENCE_ID)  # type: ignore[assignment]
        where = f"reference-workloads[{ref.id}]"
        make_plan(ref.plan)  # a bad knob is an input error naming it
        comparison: FrontierRun = catalog.get(  # type: ignore[assignment]
            "frontier-runs", ref.comparison_run, field=f"{where}.comparison_run"
        )

        def param(pid: str) -> float:
            return capability_param(catalog, pid)

        return cls(
            reference=ref,
            model=catalog.model(ref.model, field=f"{where}.model"),
            comparison=comparison,
            duration_s=param("run-duration-days") * S_PER_DAY,
            batch_coefficient=param("batch-tokens-coefficient"),
            batch_exponent=param("batch-tokens-exponent"),
            planning_mfu=param("batch-planning-mfu"),
            tokens_per_parameter=param("chinchilla-tokens-per-parameter"),
            loss_fit=tuple(param(f"chinchilla-loss-{k}") for k in ("e", "a", "b", "alpha", "beta")),
            policy=catalog.fault_tolerance(
                ref.fault_tolerance, field=f"{where}.fault_tolerance"
            ).id,
            marginal_threshold=marginal_threshold(catalog),
            cross_site_bandwidth_bytes_per_s=param("cross-site-bandwidth-bytes-per-s"),
            cross_site_latency_s=param("cross-site-latency-s"),
            spares_availability=float(
                point(catalog.parameter(SPARES_AVAILABILITY_PARAMETER).value)
            ),
        )

    def chinchilla(self, compute_flop: np.ndarray) -> dict[str, np.ndarray]:
        """Compute-optimal parameters and tokens, and the fitted loss there (nan where C = 0)."""
        params, tokens = chinchilla_optimal(compute_flop, self.tokens_per_parameter)
        positive = params > 0
        safe_n, safe_d = np.where(positive, params, 1.0), np.where(positive, tokens, 1.0)
        loss = np.where(positive, chinchilla_loss(safe_n, safe_d, *self.loss_fit), np.nan)
        return {"chinchilla_params": params, "chinchilla_tokens": tokens, "chinchilla_loss": loss}
