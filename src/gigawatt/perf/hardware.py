"""The machine a plan runs on: accelerator, system and calibration at one precision.

`Hardware.build(system, accelerator, calibration, precision)` folds the calibrated
efficiencies into effective rates, so the time formulas read as work / rate + overheads:

- GEMMs at `gemm_flops_per_s` = peak(precision) x gemm_efficiency (x low_precision_gemm_factor
  for fp8/fp4), plus `kernel_overhead_s` per kernel. Per GEMM of x FLOPs this is a
  size-dependent efficiency e(x) = gemm_efficiency x / (x + x_half) with
  x_half = gemm_flops_per_s x kernel_overhead_s (the Calculon-style curve, Isaev et al. 2023,
  SC'23, as one smooth function).
- The attention core at `attention_flops_per_s` = 16-bit peak x attention_efficiency
  (attention stays in 16-bit in fp8 recipes).
- Element-wise ops and the optimizer at `memory_bytes_per_s` = HBM bandwidth x
  memory_bound_efficiency.
"""

from __future__ import annotations

from dataclasses import dataclass

from gigawatt.catalog.schema import Accelerator, Calibration, System
from gigawatt.perf.comm import Network

#: Bytes per element of each number format (the format's definition, not a default).
FORMAT_BYTES = {"fp16": 2.0, "bf16": 2.0, "fp8": 1.0, "fp4": 0.5}
#: Activations and communicated activations stay 16-bit in every recipe modelled here.
ACTIVATION_BYTES = 2.0
LOW_PRECISION = frozenset({"fp8", "fp4"})


@dataclass(frozen=True)
class Hardware:
    """Effective rates [FLOP/s, bytes/s], capacities [bytes] and byte sizes per parameter.

    `weight_bytes_per_param` counts every stored copy of a weight (16-bit + fp8/fp4 copy);
    `gather_bytes_per_param` what a ZeRO all-gather moves (the 16-bit weight).
    """

    system_id: str
    accelerator_id: str
    calibration_id: str
    precision: str
    peak_flops_per_s: float
    gemm_flops_per_s: float
    attention_flops_per_s: float
    memory_bytes_per_s: float
    kernel_overhead_s: float
    hbm_bytes: float
    usable_hbm_bytes: float
    weight_bytes_per_param: float
    gather_bytes_per_param: float
    grad_bytes_per_param: float
    optimizer_bytes_per_param: float
    network: Network

    @classmethod
    def build(
        cls, system: System, accelerator: Accelerator, cal: Calibration, precision: str
    ) -> Hardware:
        peak = accelerator.peak(precision)
        gemm = peak * cal.gemm_efficiency
        if precision in LOW_PRECISION:
            gemm *= cal.low_precision_gemm_factor
        # fp8/fp4 recipes keep 16-bit weights and add a low-precision copy for the GEMMs.
        low_copy = FORMAT_BYTES[precision] if precision in LOW_PRECISION else 0.0
        return cls(
            system_id=system.id,
            accelerator_id=accelerator.id,
            calibration_id=cal.id,
            precision=precision,
            peak_flops_per_s=peak,
            gemm_flops_per_s=gemm,
            attention_flops_per_s=accelerator.peak("bf16") * cal.attention_efficiency,
            memory_bytes_per_s=accelerator.hbm_bandwidth_bytes_per_s * cal.memory_bound_efficiency,
            kernel_overhead_s=cal.kernel_overhead_s,
            hbm_bytes=accelerator.hbm_bytes,
            usable_hbm_bytes=accelerator.hbm_bytes * cal.memory_usable_share,
            weight_bytes_per_param=cal.weight_bytes_per_param + low_copy,
            gather_bytes_per_param=cal.weight_bytes_per_param,
            grad_bytes_per_param=cal.grad_bytes_per_param,
            optimizer_bytes_per_param=cal.optimizer_bytes_per_param,
            network=Network.from_system(system, cal),
        )

    @property
    def optimizer_step_bytes_per_param(self) -> float:
        """HBM traffic of one Adam step per local parameter [bytes]: read and write the
        optimizer state, read the gradient, write the weights."""
        return (
            2 * self.optimizer_bytes_per_param
            + self.grad_bytes_per_param
            + self.weight_bytes_per_param
        )
