"""Workload shapes: parameter counts against published figures, FLOP conventions."""

from __future__ import annotations

import pytest

from gigawatt.perf.workload import Workload


@pytest.mark.parametrize(
    ("model_id", "published", "rel"),
    [
        # Rounded published totals; norms and biases are not counted (< 0.1 %).
        ("gpt3-175b", 175e9, 0.01),
        ("llama3-405b", 405.9e9, 0.005),  # released config
        ("llama3-70b", 70.6e9, 0.01),
        ("nemotron-4-340b", 340e9, 0.02),
        ("palm-540b", 540.35e9, 0.005),
        ("deepseek-v3", 671e9, 0.01),  # without the multi-token-prediction module
    ],
)
def test_total_parameters_match_published(catalog, model_id, published, rel):
    assert Workload.from_model(catalog.model(model_id)).params_total == pytest.approx(
        published, rel=rel
    )


def test_deepseek_v3_active_parameters(catalog):
    """37B activated per token (DeepSeek-V3 report); ours counts the output projection but
    not the input embedding (0.9B), hence 2 %."""
    w = Workload.from_model(catalog.model("deepseek-v3"))
    assert w.params_active == pytest.approx(37e9, rel=0.02)
    assert w.is_moe and w.moe_layers == 58 and w.mla


def test_palm_model_flops_convention(catalog):
    """PaLM App. B: 6N + 12 L H Q T with N the parameters (shared embedding counted once)."""
    w = Workload.from_model(catalog.model("palm-540b"))
    expected = 6 * w.params_active + 12 * 118 * 48 * 256 * 2048
    assert w.model_flops_per_token == pytest.approx(expected, rel=1e-12)
    causal = 6 * w.params_active + 6 * 118 * 48 * 256 * 2048
    assert w.model_flops_per_token_causal == pytest.approx(causal, rel=1e-12)


def test_gqa_and_gated_mlp_shapes(catalog):
    w = Workload.from_model(catalog.model("llama3-8b"))
    h, kv, d = 4096, 8, 128
    assert w.attn_params == h * (32 * d + 2 * kv * d) + 32 * d * h
    assert w.mlp_params == 3 * h * 14336
    assert w.gated and w.kv_heads == 8


def test_sequence_length_override(catalog):
    w = Workload.from_model(catalog.model("llama3-8b"), seq_len=32768)
    base = Workload.from_model(catalog.model("llama3-8b"))
    assert w.seq_len == 32768
    assert w.params_total == base.params_total
    assert w.model_flops_per_token > base.model_flops_per_token


def test_recompute_flops(catalog):
    w = Workload.from_model(catalog.model("gpt3-175b"))
    attention = w.layers * w.attention_flops_per_token_layer
    assert w.recompute_flops_per_token("selective", flash_attention=False) == attention
    assert w.recompute_flops_per_token("selective", flash_attention=True) == 0
    assert w.recompute_flops_per_token("none", flash_attention=False) == 0
    full = w.recompute_flops_per_token("full", flash_attention=True)
    # Executed FLOPs: a causal flash kernel computes the lower triangle and the diagonal tiles.
    linear = w.model_flops_per_token / 3 - 2 * w.vocab * w.hidden - attention
    assert w.causal_fraction() == pytest.approx(0.5 + 128 / (2 * 2048))
    assert full == pytest.approx(linear + attention * w.causal_fraction())
