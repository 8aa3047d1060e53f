"""The machine a plan runs on: accelerator, system, calibration and framework at one precision.

`Hardware.build(...)` folds the calibrated efficiencies into effective rates, so the time
formulas read as work / rate + overheads:

- GEMMs: a roofline, max(FLOPs / `gemm_flops_per_s`, bytes / `memory_bytes_per_s`) plus
  `kernel_overhead_s` per kernel. The 16-bit rate is peak(bf16) x gemm_efficiency; fp8 and
  fp4 GEMMs run at peak(fp8/fp4) x gemm_efficiency x fp8/fp4_gemm_factor, and under the MXFP8
  recipe at mxfp8_gemm_factor of that fp8 rate. Per GEMM of x FLOPs
  the fixed overhead gives a size-dependent efficiency e(x) = e x / (x + x_half),
  x_half = rate x kernel_overhead_s (the Calculon-style curve, Isaev et al. 2023, SC'23, as
  one smooth function); thin GEMMs become bandwidth-bound through the roofline.
- Fused (flash) attention at `flash_flops_per_s` = 16-bit peak x flash_attention_efficiency
  on the FLOPs the kernel executes (attention stays 16-bit in the fp8 recipes modelled here).
- Element-wise ops and the optimizer at `memory_bytes_per_s` = HBM bandwidth x
  memory_bound_efficiency.
"""

from __future__ import annotations

from dataclasses import dataclass

from gigawatt.catalog.schema import Accelerator, Calibration, Framework, System
from gigawatt.errors import InputError
from gigawatt.perf.comm import Network

#: Bytes per element of each number format (the format's definition, not a default).
FORMAT_BYTES = {"fp16": 2.0, "bf16": 2.0, "fp8": 1.0, "fp4": 0.5}
#: Activations and communicated activations stay 16-bit in every recipe modelled here.
ACTIVATION_BYTES = 2.0
LOW_PRECISION = frozenset({"fp8", "fp4"})
#: Low-precision weight copies per parameter: the quantised weights and their transposed copy
#: (Hopper's fp8 tensor cores take one operand layout only, so Transformer Engine keeps both
#: for the forward and the backward GEMMs; MXFP8/NVFP4 keep row- and column-wise copies).
LOW_PRECISION_COPIES = 2


@dataclass(frozen=True)
class Hardware:
    """Effective rates [FLOP/s, bytes/s], capacities [bytes] and bytes per parameter.

    `weight_bytes_per_param` counts every stored copy of a weight (16-bit, or the framework's
    fp8 weights, plus the low-precision copies); `gather_bytes_per_param` what a ZeRO-3
    all-gather moves per weight.
    """

    system_id: str
    accelerator_id: str
    calibration_id: str
    framework_id: str
    precision: str
    optimizer_dtype: str
    peak_flops_per_s: float
    gemm16_flops_per_s: float
    gemm_flops_per_s: float
    flash_flops_per_s: float
    memory_bytes_per_s: float
    kernel_overhead_s: float
    mxfp8_gemm_factor: float
    expert_low_precision_factor: float
    overlap_sm_share: float
    hbm_bytes: float
    reserve_bytes: float
    fragmentation: float
    weight_bytes_per_param: float
    gather_bytes_per_param: float
    grad_bytes_per_param: float
    grad_reduce_bytes_per_param: float
    optimizer_bytes_per_param: float
    optimizer_step_extra_bytes_per_param: float
    gemm_input_bytes: float
    dp_bucket_params: float | None
    zeroes_grad_buffer: bool
    pp_comm_overlap: bool
    tp_async_backward: bool
    host_link_bytes_per_s: float
    host_memory_bytes_per_s: float
    host_memory_bytes: float
    network: Network

    @classmethod
    def build(
        cls,
        system: System,
        accelerator: Accelerator,
        cal: Calibration,
        framework: Framework,
        precision: str,
        optimizer_dtype: str = "fp32",
    ) -> Hardware:
        peak16 = accelerator.peak("bf16")
        peak = accelerator.peak(precision)
        factor = {"fp8": cal.fp8_gemm_factor, "fp4": cal.fp4_gemm_factor}.get(precision, 1.0)
        low = precision in LOW_PRECISION
        weights = framework.weight_bytes_per_param
        gather = framework.gather_bytes_per_param or weights
        if low:
            copies = LOW_PRECISION_COPIES * FORMAT_BYTES[precision]
            if framework.fp8_param_gather:
                weights, gather = copies, FORMAT_BYTES[precision]
            else:
                weights = weights + copies
        state = framework.bf16_optimizer if optimizer_dtype == "bf16" else framework
        kernels = framework.kernel_efficiency_on(cal.id)
        if state is None:
            raise InputError(
                f"framework {framework.id} keeps fp32 optimizer state only; allowed: fp32",
                field="plan.optimizer_dtype",
            )
        return cls(
            system_id=system.id,
            accelerator_id=accelerator.id,
            calibration_id=cal.id,
            framework_id=framework.id,
            precision=precision,
            optimizer_dtype=optimizer_dtype,
            peak_flops_per_s=peak,
            gemm16_flops_per_s=peak16 * cal.gemm_efficiency * kernels,
            gemm_flops_per_s=peak * cal.gemm_efficiency * factor * kernels,
            flash_flops_per_s=peak16 * cal.flash_attention_efficiency * kernels,
            memory_bytes_per_s=accelerator.hbm_bandwidth_bytes_per_s
            * cal.memory_bound_efficiency
            * kernels,
            kernel_overhead_s=cal.kernel_overhead_s,
            mxfp8_gemm_factor=cal.mxfp8_gemm_factor,
            expert_low_precision_factor=cal.expert_low_precision_factor if low else 1.0,
            overlap_sm_share=cal.overlap_sm_share,
            hbm_bytes=accelerator.hbm_bytes,
            reserve_bytes=cal.memory_reserve_bytes,
            fragmentation=framework.activation_fragmentation,
            weight_bytes_per_param=weights,
            gather_bytes_per_param=gather,
            grad_bytes_per_param=state.grad_bytes_per_param,
            grad_reduce_bytes_per_param=state.grad_reduce_bytes_per_param,
            optimizer_bytes_per_param=state.optimizer_bytes_per_param,
            optimizer_step_extra_bytes_per_param=state.optimizer_step_extra_bytes_per_param,
            gemm_input_bytes=FORMAT_BYTES[precision],
            dp_bucket_params=framework.dp_bucket_params,
            zeroes_grad_buffer=framework.zeroes_grad_buffer,
            pp_comm_overlap=framework.pp_comm_overlap,
            tp_async_backward=framework.tp_async_backward,
            host_link_bytes_per_s=system.host_link_bandwidth_bytes_per_s or 0.0,
            host_memory_bytes_per_s=system.host_memory_bandwidth_bytes_per_s or 0.0,
            host_memory_bytes=system.host_memory_bytes or 0.0,
            network=Network.from_system(system, cal),
        )

    @property
    def usable_hbm_bytes(self) -> float:
        """HBM left for tensors once the runtime's reserve is taken [bytes]."""
        return self.hbm_bytes - self.reserve_bytes

    @property
    def optimizer_step_bytes_per_param(self) -> float:
        """Memory traffic of one Adam step per local parameter [bytes]: read and write the
        optimizer state, read the gradient, write the 16-bit weights."""
        return 2 * self.optimizer_bytes_per_param + self.grad_bytes_per_param + 2.0
