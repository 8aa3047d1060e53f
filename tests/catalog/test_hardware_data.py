"""Hardware, model and frontier-run catalog data: units, cross-references and sanity checks.

The catalog is loaded with `Catalog.load()`. Other kinds are written in parallel; if the full
catalog cannot load because of another file, these tests fall back to parsing the four files
they cover (accelerators, systems, models, frontier-runs) so a problem elsewhere does not hide
theirs (the failing file is then reported by tests/catalog/test_catalog.py).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from gigawatt.catalog import PACKAGE_DIR, Catalog, _parse_records, _read_yaml
from gigawatt.catalog.schema import Accelerator, FrontierRun, Model, System
from gigawatt.errors import InputError

KINDS = ("accelerators", "systems", "models", "frontier-runs")


@dataclass(frozen=True)
class Data:
    accelerators: dict[str, Accelerator]
    systems: dict[str, System]
    models: dict[str, Model]
    runs: dict[str, FrontierRun]


@pytest.fixture(scope="module")
def data() -> Data:
    try:
        cat = Catalog.load()
        by_kind = {k: {r.id: r for r in cat.all(k)} for k in KINDS}
    except InputError:
        by_kind = {}
        for k in KINDS:
            path = PACKAGE_DIR / f"{k}.yaml"
            by_kind[k] = {r.id: r for r in _parse_records(k, _read_yaml(path), path.name)}
    return Data(
        accelerators=by_kind["accelerators"],  # type: ignore[arg-type]
        systems=by_kind["systems"],  # type: ignore[arg-type]
        models=by_kind["models"],  # type: ignore[arg-type]
        runs=by_kind["frontier-runs"],  # type: ignore[arg-type]
    )


# --- accelerators -------------------------------------------------------------------------


def test_every_accelerator_has_a_16_bit_peak(data):
    for acc in data.accelerators.values():
        p = acc.peak_flops_per_s
        assert p.bf16 or p.fp16, f"{acc.id} has neither a bf16 nor an fp16 peak"
        assert acc.peak("bf16") > 0


def test_peaks_are_dense_and_ordered(data):
    """Narrower formats are at least as fast; no dense peak beyond 100 PF per package."""
    for acc in data.accelerators.values():
        p = acc.peak_flops_per_s
        sixteen = p.bf16 or p.fp16
        assert 50e12 <= sixteen <= 30e15, acc.id
        if p.fp8:
            assert p.fp8 >= sixteen, acc.id
        if p.fp4:
            assert p.fp4 >= (p.fp8 or sixteen), acc.id
            assert p.fp4 <= 100e15, f"{acc.id}: fp4 looks like a sparse headline figure"


def test_hbm_capacity_and_bandwidth_are_sane(data):
    for acc in data.accelerators.values():
        assert 16e9 <= acc.hbm_bytes <= 2e12, acc.id
        assert 0.5e12 <= acc.hbm_bandwidth_bytes_per_s <= 50e12, acc.id
        # Bandwidth / capacity: each generation can sweep its HBM 10-100 times a second.
        sweeps = acc.hbm_bandwidth_bytes_per_s / acc.hbm_bytes
        assert 10 <= sweeps <= 100, f"{acc.id}: {sweeps:.1f} HBM sweeps per second"


def test_power_price_and_carbon_are_sane(data):
    for acc in data.accelerators.values():
        assert 150 <= acc.tdp_w <= 5000, acc.id
        if acc.idle_power_w is not None:
            assert acc.idle_power_w < 0.5 * acc.tdp_w, acc.id
        if acc.price_usd is not None:
            assert 5e3 <= acc.price_usd <= 2e5, acc.id
        assert acc.embodied_co2e_kg is not None, acc.id
        assert 50 <= acc.embodied_co2e_kg <= 2000, acc.id
    assert data.accelerators["a100-sxm-80gb"].embodied_co2e_kg == 150  # Luccioni et al. 2022
    assert data.accelerators["a100-sxm-80gb"].idle_power_w == 50


def test_embodied_carbon_of_h100_and_b200_is_nvidias_hgx_footprint_per_gpu(data):
    """NVIDIA's cradle-to-gate product carbon footprints (ISO 14067) of an 8-GPU HGX baseboard:
    HGX H100 1,312 kg, HGX B200 2,274 kg; one GPU carries an eighth (the host server is the
    system's own `host_embodied_co2e_kg_per_node`), status reported. The H800 (same silicon)
    and the GB200's Blackwell package (no PCF of its own) carry the H100's and the B200's."""
    a = data.accelerators
    for acc_id, hgx_kg in (("h100-sxm", 1312), ("b200", 2274)):
        assert a[acc_id].embodied_co2e_kg == pytest.approx(hgx_kg / 8, abs=0.5)
        assert a[acc_id].field_statuses()["embodied_co2e_kg"] == "reported"
    assert a["h800-sxm"].embodied_co2e_kg == a["h100-sxm"].embodied_co2e_kg
    assert a["gb200"].embodied_co2e_kg == a["b200"].embodied_co2e_kg


def test_known_dense_peaks(data):
    """Spot checks against the vendor tables (dense, no sparsity)."""
    a = data.accelerators
    assert a["h100-sxm"].peak("bf16") == pytest.approx(989.4e12)
    assert a["h100-sxm"].peak("fp8") == pytest.approx(1978.9e12)
    assert a["a100-sxm-80gb"].peak("bf16") == pytest.approx(312e12)
    assert a["a100-sxm-80gb"].peak("fp8") == pytest.approx(312e12)  # falls back to bf16
    assert a["b200"].peak("bf16") == pytest.approx(2.25e15)
    assert a["tpu-v4"].peak("bf16") == pytest.approx(275e12)
    assert a["vera-rubin"].peak("fp4") == pytest.approx(35e15)  # NVFP4 training figure


# --- systems --------------------------------------------------------------------------------


def test_systems_reference_existing_accelerators(data):
    for sys_ in data.systems.values():
        assert sys_.accelerator in data.accelerators, f"{sys_.id} -> {sys_.accelerator}"
    for acc in data.accelerators.values():
        assert acc.default_system in data.systems, f"{acc.id} -> {acc.default_system}"
        assert data.systems[acc.default_system].accelerator == acc.id


def test_system_shapes_are_consistent(data):
    for s in data.systems.values():
        acc = data.accelerators[s.accelerator]
        assert s.accelerators_per_rack % s.accelerators_per_node == 0, s.id
        assert s.failure_domain >= s.accelerators_per_node, s.id
        assert s.failure_domain <= max(s.scale_up_domain, s.accelerators_per_rack), s.id
        assert s.scale_up_domain >= s.accelerators_per_node, s.id
        assert s.pod_size >= s.scale_up_domain, s.id
        assert s.oversubscription >= 1
        # All-in IT power covers the chip plus host and network, but not three chips' worth.
        assert acc.tdp_w < s.it_power_w_per_accelerator <= 3 * acc.tdp_w, s.id
        assert s.price_usd_per_accelerator >= (acc.price_usd or 0), s.id
        # One direction per accelerator: scale-up beats scale-out, both below 10 TB/s.
        assert s.scale_out_bandwidth_bytes_per_s < s.scale_up_bandwidth_bytes_per_s <= 10e12
        assert s.scale_up_latency_s < s.scale_out_latency_s < 1e-3, s.id


def test_bandwidths_are_one_direction(data):
    s = data.systems
    assert s["dgx-h100"].scale_up_bandwidth_bytes_per_s == pytest.approx(450e9)  # "900 GB/s"
    assert s["gb200-nvl72"].scale_up_bandwidth_bytes_per_s == pytest.approx(900e9)  # "1.8 TB/s"
    assert s["vera-rubin-nvl72"].scale_up_bandwidth_bytes_per_s == pytest.approx(1.8e12)
    assert s["dgx-h100"].scale_out_bandwidth_bytes_per_s == pytest.approx(400e9 / 8)
    assert s["dgx-a100"].scale_out_bandwidth_bytes_per_s == pytest.approx(200e9 / 8)


def test_failure_domains(data):
    s = data.systems
    for sid in ("dgx-a100", "dgx-h100", "meta-h100-roce", "mi300x-node"):
        assert s[sid].failure_domain == 8
        assert s[sid].failure_model == "h100-class"
    for sid in ("gb200-nvl72", "gb300-nvl72", "vera-rubin-nvl72", "helios-mi450"):
        assert s[sid].failure_domain == s[sid].scale_up_domain == 72
        assert s[sid].failure_model == "gb200-class"
    assert s["rubin-ultra-nvl576"].scale_up_domain == 144  # packages, not the 576 dies


def test_llama3_cluster_is_oversubscribed_above_a_pod(data):
    meta = data.systems["meta-h100-roce"]
    assert (meta.pod_size, meta.oversubscription, meta.accelerators_per_rack) == (3072, 7, 16)


def test_prelaunch_flags(data):
    for acc_id in ("vera-rubin", "rubin-ultra", "mi455x"):
        assert data.accelerators[acc_id].prelaunch, acc_id
    for sys_id in ("vera-rubin-nvl72", "rubin-ultra-nvl576", "helios-mi450"):
        assert data.systems[sys_id].prelaunch, sys_id
    for acc_id in ("a100-sxm-80gb", "h100-sxm", "gb200", "gb300", "mi355x", "tpu-v4"):
        assert not data.accelerators[acc_id].prelaunch, acc_id


def _packages(system: System, facility_w: float, pue: float) -> float:
    return facility_w / pue / system.it_power_w_per_accelerator


def test_huang_check_on_blackwell(data):
    """Huang (Sep 2025): 10 GW ~ 4-5 M GPUs; true of Blackwell-era racks at PUE 1.2."""
    for sid in ("gb200-nvl72", "gb300-nvl72"):
        n = _packages(data.systems[sid], 10e9, 1.2)
        assert 3.5e6 <= n <= 5e6, f"{sid}: {n / 1e6:.2f} M"


def test_vera_rubin_power_follows_the_evidence(data):
    """Rubin TGP is reported at 1.8-2.3 kW; with host and network the package cannot be all-in
    below about 2.3 kW, and the reported 190-230 kW racks cap it near 3.5 kW."""
    vr = data.systems["vera-rubin-nvl72"]
    assert 2300 <= vr.it_power_w_per_accelerator <= 3500
    n = _packages(vr, 10e9, 1.2)
    assert 2.3e6 <= n <= 3.7e6
    assert vr.it_power_w_per_accelerator > data.systems["gb300-nvl72"].it_power_w_per_accelerator


def test_huang_check_on_vera_rubin_packages(data):
    """Huang (CNBC, 22 Sep 2025): "10 gigawatts, or roughly 4 million or 5 million GPUs".

    The letter counts "10 GW of NVIDIA systems", i.e. the systems' (IT) power: at about 2.8 kW
    all-in per Vera Rubin package that is about 3.6 M packages, at the low end of the claim.
    Counted at the grid connection (PUE 1.2) it would be about 3.0 M (see the system's note).
    """
    n = data.systems["vera-rubin-nvl72"]
    assert 3.5e6 <= 10e9 / n.it_power_w_per_accelerator <= 5e6


# --- models -----------------------------------------------------------------------------------


def count_params(m: Model) -> tuple[float, float]:
    """(total, active) parameters from the shape: the weight matrices of attention and MLP
    (and MoE experts and router) in every layer plus the embedding (and unembedding when untied).

    Biases, norms and learned position embeddings are left out (under 0.5 % except for the
    smallest Megatron shape). A standalone helper for the data check; the performance module
    has its own count.
    """
    h = m.hidden
    hd = m.head_dim or h // m.heads
    kv = m.kv_heads or m.heads
    if m.attention == "mla":
        assert m.kv_lora_rank and m.qk_rope_head_dim and m.v_head_dim
        qk = hd + m.qk_rope_head_dim
        q = h * m.q_lora_rank + m.q_lora_rank * m.heads * qk if m.q_lora_rank else h * m.heads * qk
        kv_proj = h * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank * m.heads * (
            hd + m.v_head_dim
        )
        attn = q + kv_proj + m.heads * m.v_head_dim * h
    else:
        attn = 2 * h * m.heads * hd + 2 * h * kv * hd  # Q and O, then K and V
    mats = 3 if m.mlp in ("swiglu", "geglu") else 2
    embed = m.vocab * h * (1 if m.tied_embeddings else 2)
    if not m.is_moe:
        total = m.layers * (attn + mats * h * m.ffn_hidden) + embed
        return total, total
    assert m.moe_ffn_hidden
    moe_layers = m.layers - m.dense_layers
    expert = mats * h * m.moe_ffn_hidden
    shared = m.layers * attn + m.dense_layers * mats * h * m.ffn_hidden + embed
    shared += moe_layers * m.experts * h  # router
    total = shared + moe_layers * (m.experts + m.shared_experts) * expert
    active = shared + moe_layers * (m.top_k + m.shared_experts) * expert
    return total, active


def _published_rounding(x: float) -> float:
    """Half a unit in the last digit of a published figure (1.7e9 -> 0.05e9)."""
    mantissa, exponent = f"{x:.6e}".split("e")
    decimals = len(mantissa.rstrip("0").split(".")[1]) if "." in mantissa.rstrip("0") else 0
    return 0.5 * 10 ** (int(exponent) - decimals)


def _within(computed: float, published: float) -> bool:
    return abs(computed - published) <= 0.03 * published + _published_rounding(published)


def test_model_shapes_match_published_parameter_counts(data):
    """Within 3 % of the published count, plus the rounding of the published figure (the
    Megatron 1.7B shape has 1.65B parameters)."""
    rows = []
    for m in data.models.values():
        assert m.params_published, m.id
        total, _ = count_params(m)
        rows.append((m.id, total, m.params_published))
        assert _within(total, m.params_published), (
            f"{m.id}: shape gives {total / 1e9:.2f}B, published {m.params_published / 1e9:.2f}B"
        )
    assert len(rows) >= 20


def test_deepseek_v3_total_and_active(data):
    m = data.models["deepseek-v3"]
    total, active = count_params(m)
    assert total == pytest.approx(671e9, rel=0.01)  # without the 14B MTP module
    assert active == pytest.approx(37e9, rel=0.03)
    assert m.active_params_published == 37e9


def test_validation_shapes_are_catalogued(data):
    """Every Megatron Table 1 row of perf_runs.csv has a model with its shape."""
    table1 = [  # (layers, hidden, heads, batch) of rows M1-M10
        (24, 2304, 24, 512),
        (30, 3072, 32, 512),
        (36, 4096, 32, 512),
        (40, 6144, 48, 1024),
        (48, 8192, 64, 1536),
        (60, 10240, 80, 1792),
        (80, 12288, 96, 2304),
        (96, 16384, 128, 2160),
        (105, 20480, 128, 2520),
        (128, 25600, 160, 3072),
    ]
    shapes = {(m.layers, m.hidden, m.heads, m.global_batch_seqs) for m in data.models.values()}
    for row in table1:
        assert row in shapes, row


def test_catalogued_models_match_the_validation_rows_that_name_them(data):
    """A perf validation row (tests/validation/data/perf_runs*.csv) that names a catalog model
    carries that model's shape; Mixtral 8x7B and 8x22B and the Qwen3 MoE models, checked there
    on NVIDIA's benchmarks, are catalogued (`gigawatt perf --model mixtral-8x7b` once failed as
    an unknown model)."""
    named: set[str] = set()
    for path in sorted((Path(__file__).parents[1] / "validation" / "data").glob("perf_runs*.csv")):
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                m = data.models.get(row.get("model") or "")
                if m is None:
                    continue
                named.add(m.id)
                shape = (m.layers, m.hidden, m.heads, m.kv_heads or m.heads, m.vocab, m.experts)
                assert shape == (
                    int(row["layers"]),
                    int(row["hidden"]),
                    int(row["heads"]),
                    int(row["kv_heads"] or row["heads"]),
                    int(row["vocab"]),
                    int(row["experts"] or 0),
                ), row["id"]
                if m.experts:
                    assert (m.top_k, m.moe_ffn_hidden) == (
                        int(row["top_k"]),
                        int(row["moe_ffn_hidden"]),
                    ), row["id"]
    assert {
        "mixtral-8x7b",
        "mixtral-8x22b",
        "qwen3-235b-a22b",
        "qwen3-30b-a3b",
        "llama2-70b",
    } <= named


# --- frontier runs -------------------------------------------------------------------------


def test_frontier_runs(data):
    for r in data.runs.values():
        assert 1e23 <= r.training_flop <= 1e27, r.id
        if r.accelerator:
            assert r.accelerator in data.accelerators, r.id
    # Official dense runs agree with 6ND within 5 %.
    for rid in ("gpt-3", "palm-540b", "llama-3-1-405b"):
        r = data.runs[rid]
        assert r.params and r.tokens
        assert 6 * r.params * r.tokens == pytest.approx(r.training_flop, rel=0.05), rid
    assert sum(1e26 <= r.training_flop <= 5e26 for r in data.runs.values()) >= 2


def test_announced_hbm_is_not_taken_as_usable_where_a_sibling_shows_less(data):
    """hbm_bytes is the usable capacity. GB300 is announced with 288 GB of HBM and shows 279
    usable; Rubin, announced with the same 288 GB, once kept all 288 as usable (9 GiB more room
    than a GB300 of the same HBM) and Rubin Ultra its announced 1 TB."""
    gb300, rubin = data.accelerators["gb300"], data.accelerators["vera-rubin"]
    share = gb300.hbm_bytes / (288 * 2**30)
    assert rubin.hbm_bytes <= gb300.hbm_bytes
    ultra = data.accelerators["rubin-ultra"]
    assert ultra.hbm_bytes == pytest.approx(1024 * 2**30 * share)
