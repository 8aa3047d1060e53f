"""Sliding-window attention: model fields, FLOP counts against hand counts, the flash kernel's
block share, full attention when the window covers the sequence, gpt-oss against its model
card, and `gigawatt perf` with a user model that has a window."""

from __future__ import annotations

import json
import re

import pytest

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model
from gigawatt.cli import main
from gigawatt.perf import estimate
from gigawatt.perf.workload import FLASH_BLOCK, Workload

CAT = Catalog.load()

#: A small dense shape: 4 layers, 2 heads of 8, sequence 16.
SMALL = {
    "id": "small-window",
    "source": "test shape",
    "as_of": "2026-01-01",
    "status": "estimate",
    "layers": 4,
    "hidden": 16,
    "ffn_hidden": 64,
    "heads": 2,
    "head_dim": 8,
    "mlp": "gelu",
    "vocab": 100,
    "seq_len": 16,
    "global_batch_seqs": 8,
}


def _model(**update) -> Model:
    return Model.model_validate({**SMALL, **update})


def _band_entries(s: int, w: int) -> int:
    """Score entries of a causal sliding-window mask, counted one by one: query i sees key j
    when 0 <= i - j < w (gpt-oss reference sdpa: -inf above the diagonal and at i - j >= w)."""
    return sum(1 for i in range(s) for j in range(s) if 0 <= i - j < w)


def test_windowed_attention_flops_match_a_hand_count():
    """4 layers, 2 windowed (w = 4), s = 16, 2 heads of 8 (d_qk + d_v = 16).

    Full convention, keys per query averaged over layers: (2 x 16 + 2 x 4) / 4 = 10.
    Causal convention (continuous, as s^2 / 2 for full attention): a full layer 16^2 / 2 = 128
    entries, a windowed one s w - w^2 / 2 = 64 - 8 = 56, so (2 x 128 + 2 x 56) / 4 / 16 = 5.75
    keys per query. The one-by-one counts exceed the continuous ones by half the diagonal,
    u / 2 for a band of u = min(s, w) keys.
    """
    w = Workload.from_model(_model(sliding_window_tokens=4, sliding_window_layers=2))
    assert (w.window, w.windowed_layers) == (4, 2)
    assert w.attention_keys_full == 10.0
    assert w.attention_keys_causal == 5.75
    assert _band_entries(16, 16) - 16 / 2 == 128
    assert _band_entries(16, 4) - 4 / 2 == 56
    per_key = 2 * 2 * (8 + 8)  # FLOPs per query-key pair, both heads: QK^T and AV
    n = w.params_active
    assert w.model_flops_per_token == 3 * (2 * n + 4 * per_key * 10)
    assert w.model_flops_per_token_causal == 3 * (2 * n + 4 * per_key * 5.75)


def test_flash_block_share_matches_a_block_count():
    """s = 1,024 in 128 x 128 tiles (n = 8), window 128: the first block row computes its
    diagonal block, the 7 others the diagonal and the block to its left, 15 of 64; a full
    causal layer 36 of 64 (lower triangle with the diagonal)."""
    model = _model(seq_len=1024, sliding_window_tokens=128, sliding_window_layers=4)
    w = Workload.from_model(model)
    n = 1024 // FLASH_BLOCK
    touched = {
        (qb, kb)
        for i in range(1024)
        for j in range(max(0, i - 127), i + 1)
        for qb, kb in [(i // FLASH_BLOCK, j // FLASH_BLOCK)]
    }
    assert len(touched) == 15
    assert w.flash_fraction() == pytest.approx(15 / n**2, rel=1e-12)
    half = Workload.from_model(model.model_copy(update={"sliding_window_layers": 2}))
    assert half.flash_fraction() == pytest.approx((15 + 36) / 2 / n**2, rel=1e-12)
    assert w.causal_fraction() == pytest.approx(36 / n**2, rel=1e-12)


@pytest.mark.parametrize("seq_len", [16, 1000, 4096])
@pytest.mark.parametrize("extra", [0, 1, 7, 10**6])
@pytest.mark.parametrize("layers", [1, 3, "every-other"])
def test_window_covering_the_sequence_is_full_attention_exactly(seq_len, extra, layers):
    plain = _model(seq_len=seq_len)
    windowed = _model(
        seq_len=seq_len, sliding_window_tokens=seq_len + extra, sliding_window_layers=layers
    )
    assert Workload.from_model(windowed) == Workload.from_model(plain)
    a = estimate(plain, "dgx-h100", 8, {"tp": 2}, catalog=CAT).to_json()
    b = estimate(windowed, "dgx-h100", 8, {"tp": 2}, catalog=CAT).to_json()
    a.pop("model"), b.pop("model")
    assert a == b


def test_a_window_makes_flash_attention_cheaper_and_leaves_unfused_attention_alone():
    """The flash kernel skips the blocks outside the band; without it the mask is applied to
    the whole score matrix, which is still computed and stored."""
    plain = _model(seq_len=8192, hidden=2048, heads=16, head_dim=128, ffn_hidden=8192)
    windowed = plain.model_copy(
        update={"sliding_window_tokens": 512, "sliding_window_layers": "every-other"}
    )
    for flash, cheaper in ((True, True), (False, False)):
        plan = {"tp": 1, "flash_attention": flash, "recompute": "none"}
        a = estimate(plain, "dgx-h100", 8, plan, catalog=CAT)
        b = estimate(windowed, "dgx-h100", 8, plan, catalog=CAT)
        assert (b.step_time_s < a.step_time_s) is cheaper
        assert b.memory_gib_per_gpu == a.memory_gib_per_gpu
        assert b.mfu < a.mfu  # fewer model FLOPs per token in the same or less time
    wp, ww = Workload.from_model(plain), Workload.from_model(windowed)
    assert ww.executed_flops_per_token(False) == wp.executed_flops_per_token(False)
    assert ww.executed_flops_per_token(True) < wp.executed_flops_per_token(True)


@pytest.mark.parametrize(
    ("update", "needle"),
    [
        ({"sliding_window_tokens": 128, "sliding_window_layers": 5}, "at most layers (4), got 5"),
        ({"sliding_window_layers": 2}, "needs sliding_window_tokens"),
        ({"sliding_window_tokens": 128}, "needs sliding_window_layers"),
        ({"sliding_window_tokens": 0, "sliding_window_layers": 2}, "sliding_window_tokens"),
        ({"sliding_window_tokens": 8, "sliding_window_layers": "alternate"}, "every-other"),
        ({"sliding_window_tokens": 8, "sliding_window_layers": -1}, "sliding_window_layers"),
    ],
)
def test_bad_window_fields_are_refused_with_field_value_and_allowed(update, needle):
    with pytest.raises(ValueError, match=re.escape(needle)):
        _model(**update)


def test_every_other_layer_is_gpt_oss_layer_idx_mod_2():
    """gpt-oss windows layers 0, 2, 4, ... (reference AttentionBlock: layer_idx % 2 == 0)."""
    assert _model(sliding_window_tokens=4, sliding_window_layers="every-other").windowed_layers == 2
    odd = _model(layers=5, sliding_window_tokens=4, sliding_window_layers="every-other")
    assert odd.windowed_layers == 3


@pytest.mark.parametrize(
    ("model_id", "total", "active", "layers"),
    [
        # Model card (arXiv 2508.10925) section 2.1: 116.8B / 5.1B and 20.9B / 3.6B; biases,
        # norms and the attention sinks are not counted.
        ("gpt-oss-120b", 116.8e9, 5.1e9, 36),
        ("gpt-oss-20b", 20.9e9, 3.6e9, 24),
    ],
)
def test_gpt_oss_matches_its_model_card(model_id, total, active, layers):
    model = CAT.model(model_id)
    w = Workload.from_model(model)
    assert w.params_total == pytest.approx(total, rel=0.002)
    assert w.params_active == pytest.approx(active, rel=0.01)
    assert (w.layers, w.window, w.windowed_layers) == (layers, 128, layers // 2)
    assert (w.q_heads, w.kv_heads, w.head_dim_qk, w.hidden, w.vocab) == (64, 8, 64, 2880, 201088)
    # Half the layers see 128 keys instead of 4,096: the attention term of 6N + attention
    # falls from 36 x 4,096 to 18 x 4,096 + 18 x 128 keys per query.
    assert w.attention_keys_full == (4096 + 128) / 2


def _perf(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["perf", *args, "--json"])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_cli_perf_with_a_user_model_with_a_window(capsys, tmp_path):
    text = (
        "id: my-swa\nsource: my notes\nas_of: 2026-01-01\nstatus: estimate\nlayers: 8\n"
        "hidden: 1024\nffn_hidden: 4096\nheads: 8\nmlp: gelu\nvocab: 32000\nseq_len: 8192\n"
        "global_batch_seqs: 64\n"
    )
    plain, windowed = tmp_path / "plain.yaml", tmp_path / "swa.yaml"
    plain.write_text(text)
    windowed.write_text(text + "sliding_window_tokens: 256\nsliding_window_layers: every-other\n")
    args = ("--system", "dgx-h100", "--gpus", "8", "--plan", "tp=1,flash_attention=true")
    code, out, err = _perf(capsys, "--model", str(windowed), *args)
    assert code == 0, err
    data = json.loads(out)
    code, out_plain, err = _perf(capsys, "--model", str(plain), *args)
    assert code == 0, err
    base = json.loads(out_plain)
    assert data["model"] == "my-swa" and data["plan"]["flash_attention"] is True
    assert data["step_time_s"] < base["step_time_s"]
    assert data["model_flops_per_token"] < base["model_flops_per_token"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(text + "sliding_window_tokens: 256\nsliding_window_layers: 9\n")
    code, out, err = _perf(capsys, "--model", str(bad), *args)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "sliding_window_layers" in err and "9" in err
