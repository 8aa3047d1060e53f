"""The model's routed-expert GEMM rate against published grouped-GEMM measurements (issue 9).

DeepGEMM's README (github.com/deepseek-ai/DeepGEMM, commit 8002b769c01c4667b63d3f9fed1d87d8599f298c,
2025-03-25, "Performance": FP8 GEMMs with 1x128 / 128x128 scaling on H800 SXM5, NVCC 12.8)
lists grouped GEMMs for MoE models, contiguous layout (groups x M per group, N, K) and masked
layout, with their TFLOP/s and the speed-up over its authors' CUTLASS 3.6 implementation. The
H800 SXM5 has the H100 SXM's tensor cores and FP8 peak (1,979 TFLOP/s dense). The model's
expert GEMM on an H100 under the Megatron-Bridge profile (the one the fine-grained MoE rows use)
must be no faster than DeepGEMM (5 % tolerance: the README's figures are one measurement) and no
slower than 0.9 of the CUTLASS baseline (DeepGEMM's figure over its speed-up): measured, the
model gives 0.75-1.01 of DeepGEMM and 0.95-1.22 of the baseline.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from gigawatt.catalog import Catalog

CAT = Catalog.load()
est = importlib.import_module("gigawatt.perf.estimate")  # the module, not the function

#: (M per group, N, K, DeepGEMM TFLOP/s, speed-up over CUTLASS 3.6), README commit 8002b769.
DEEPGEMM_GROUPED = [
    (8192, 4096, 7168, 1346, 1.3),  # contiguous, 4 groups
    (8192, 7168, 2048, 1214, 1.3),
    (4096, 4096, 7168, 1346, 1.3),  # contiguous, 8 groups
    (4096, 7168, 2048, 1214, 1.2),
    (1024, 4096, 7168, 1233, 1.2),  # masked, 1 group
    (1024, 7168, 2048, 925, 1.2),
    (512, 4096, 7168, 1040, 1.2),  # masked, 2 groups
    (512, 7168, 2048, 916, 1.2),
    (256, 4096, 7168, 932, 1.1),  # masked, 4 groups
    (256, 7168, 2048, 815, 1.2),
]


def _model_tflops(m: int, n: int, k: int) -> float:
    system = est.load_system("dgx-h100", CAT)
    hw, _ = est.hardware_for(system, "fp8", CAT, "megatron-bridge-2025", None)
    g = est._Gemms(hw, np.array([float(m)]), True)
    seconds = float(np.ravel(g.time(k, n, m=float(m), factor=hw.expert_low_precision_factor))[0])
    return 2.0 * m * n * k / seconds / 1e12


@pytest.mark.parametrize(("m", "n", "k", "measured", "speedup"), DEEPGEMM_GROUPED)
def test_expert_gemm_rate_within_published_grouped_gemm(
    m: int, n: int, k: int, measured: float, speedup: float
) -> None:
    model = _model_tflops(m, n, k)
    assert model <= 1.05 * measured, (m, n, k, model, measured)
    assert model >= 0.9 * measured / speedup, (m, n, k, model, measured / speedup)
