"""Published training runs (data/perf_runs*.csv) as inputs to `gigawatt.perf.estimate`.

Used by test_perf_runs.py, by tools/fit_perf_calibration.py and by the generator of the
validation table in docs/models/perf.md (tools/perf_validation_table.py). Every row is
compared on step time [s] and named by its source, table, framework and settings (the CSVs'
columns; data/README_perf_v2.md).

Published step time:
- K, T, N, D, NA, DX, NB rows: the step time as published or as the CSV derives it from the
  published tokens/s (perf_runs_v2.csv `step_time_basis`).
- M rows publish TFLOP/s per GPU counted with Megatron's formula, which includes the full
  recompute (Narayanan et al. 2021 eq. 3): F = 96 B s l h^2 (1 + s / 6h + V / 16 l h) per step,
  so the published step time is F / (TFLOP/s x N).
- P1 publishes 238.3k tokens/s (Chowdhery et al. 2022 Table 3 and section 4): step time =
  2,048 sequences x 2,048 tokens / 238.3k.

Framework of each row (frameworks.yaml): M megatron-lm-2021 (Narayanan et al. 2021); K
megatron-lm-2022 (Korthikanti et al. 2022: sequence parallelism, no data parallelism but K5,
no distributed optimizer); T deepspeed-2022 (MT-NLG: Megatron layers in DeepSpeed's pipeline
engine, ZeRO-1); N1, D, NA and the NeMo 24.x DX rows nemo-2024; LC (NeMo 24.03.01)
nemo-2024-03; NeMo 2 rows of NeMo 25.02-25.07 (DX25-DX36, NB) nemo-2025; the Megatron-Bridge
rows of the NeMo 25.09, 25.11 and 26.04 containers (MB) megatron-bridge-2025 (25.09 is the
first container whose performance recipes are Megatron-Bridge's scripts/performance, and its
Llama 3 70B FP8 H100 plan ran within 1 % of 25.11's: 1,619 against 1,602 tokens/s/GPU); P1
and the MaxText DX rows jax-xla-fsdp. Knobs a row does not state take its framework's defaults;
the ones a row states (sp, tp_overlap, dp_overlap, ZeRO stage, recompute, fp8 recipe, flash
attention) are pinned from the CSV.

Expert tensor parallelism (the CSV's `etp`, plan key `etp`; blank = tp): DX35 and DX36 run
Grok-1 on H100 with ETP 1 beside TP 4 (NVIDIA dgxc-benchmarking grok1/README.md, commit
60d6fd33, H100 table column ETP; grok1/launch.sh sets ET=1 for h100 and passes it as `-et`,
the expert_tensor_parallel_size option of NeMo's scripts/performance argument parser). MB20
and MB31 run Qwen3 235B-A22B on 256 H100 with ep 32 beside tp 2 and pp 8: Megatron-Core needs
the world size to divide by etp x ep x pp (megatron/core/parallel_state.py), so etp = 1 is the
only value the published layout allows, and Megatron-Bridge's H100 recipe for it sets
expert_tensor_parallel_size = 1 (src/megatron/bridge/recipes/qwen/h100/qwen3_moe.py,
qwen3_235b_a22b_pretrain_256gpu_h100_bf16_config, commit 067f987d, on which
perf_recipes/qwen/h100/qwen3_moe.py builds its FP8 preset).

Expert all-to-all overlap (no CSV column; set in STATED): MB20 and MB31 run with `ep_overlap`.
The 25.11 release's performance scripts (Megatron-Bridge v0.2.1, commit 1c43b392) set
moe_a2a_overlap=True for this layout (scripts/performance/configs/qwen3/workload_base_configs.py
lines 135-144, QWEN3_235B_A22B_H100_FP8_CS_BASE_CONFIG: 256 GPUs, tp 2, pp 8, vp 4, ep 32, gbs
2048), which qwen3_235b_a22b_h100_config applies (configs/qwen3/qwen3_llm_pretrain.py line
160, set_workload_base_configs; utils/helpers.py lines 76-77 and 183-187:
overlap_moe_expert_parallel_comm = True, delay_wgrad_compute = True). The 26.04.01 release's
(v0.4.2, commit c8101293) sets it for QWEN3_235B_A22B_PRETRAIN_CONFIG_H100_FP8_CS_V1
(configs/qwen/qwen3_workload_base_configs.py lines 175-184), which the V2 layout of MB31
extends with gbs 8192 (lines 275-278); utils/overrides.py lines 155-159 and 221 apply it the
same way.

DeepSeek-V3 (MB11, MB15, MB28, MB29, MB30): layer placement, multi-token prediction and
expert all-to-all overlap from the release's scripts (Megatron-Bridge; 25.11 = v0.2.1, commit
1c43b392; 26.04.01 = v0.4.2, commit c8101293), set in STATED and MODEL_FACTS:
- The recipe places layers by a pipeline_model_parallel_layout keyed by (pp, vp)
  (src/megatron/bridge/recipes/deepseek/deepseek_v3.py, v0.2.1 lines 233-250, v0.4.2 lines
  29-49; Megatron-Core assigns model chunk c to stage c mod pp,
  megatron/core/transformer/pipeline_parallel_layer_layout.py): (16, 1) is
  [E t*4] [t*4]*14 [t mtp L] -> first stage 4 layers, last 1 (MB15); (4, 4) is the same 16
  chunks -> first 16, last 13 (MB11, MB29). The 26.04.01 GB300 and B200 MXFP8 presets set
  pp_layout "Et*4|(t*4|)*14tmL" (scripts/performance/configs/deepseek/
  deepseek_workload_base_configs.py lines 41-54 and 203-214): with pp 2 x vp 8 the first
  stage holds 32 layers and the last 29 (MB28), with pp 8 x vp 2 8 and 5 (MB30).
- MTP: the recipe trains one MTP layer (mtp_num_layers = 1; v0.2.1 line 174, v0.4.2 line
  84); the 25.11 table names MB15 "DeepSeekV3 (w/ MTP)" and MB4, MB5, MB11, MB12 "w/o MTP"
  (mtp_layers 0 for those).
- Expert all-to-all overlap: MB30's preset sets moe_a2a_overlap=True (lines 203-214); the
  others False (v0.2.1 workload_base_configs.py lines 45-71; v0.4.2 lines 41-119).
- Recompute: set_deepseek_v3_common_configs sets recompute_granularity "selective" (v0.2.1
  scripts/performance/configs/deepseek/deepseek_llm_pretrain.py line 37, v0.4.2 line 39) and
  the presets recompute_modules: MB11 ["mla_up_proj"] (v0.2.1 workload_base_configs.py line
  54), MB15 ["mla_up_proj"] (line 69), MB28 ["mla_up_proj"] (v0.4.2
  deepseek_workload_base_configs.py line 53), MB29 ["mlp"] (line 81), MB30 ["mla_up_proj",
  "mlp"] (line 213).

DeepSeek-V3 in the NeMo 25.09 container (MB37, MB45, MB46, MB52; MB38 is not representable):
the scripts of the container's Megatron-Bridge r0.1.0 branch (cherry-pick a2884419 "Cherry pick
perf 2509", 2025-10-15; tag v0.1.0rc4, commit 6725f704), which set the table's layouts. At
fa0315ae (main, the table's commit) run_script.py lines 69-78 and the preset YAML (line 23) set
the 32-chunk layout "Et|(tt|)*30mL" for every GPU with GB200 pp 4 x vp 8 and B200 tp 2 x pp
16: Megatron-Core requires vp = chunks / pp (core_v0.14.0 transformer_config.py lines
985-997), 8 at pp 4 and 2 at pp 16 against the table's 4 and 1. At v0.1.0rc4:
- Layout: run_script.py lines 64-66 set (pp, vp) gb200 (4, 4), b200 (16, 1), h100 (8, 4) and
  the layout "Et|(tt|)*30mL" on H100 only; otherwise the recipe's map (src/megatron/bridge/
  recipes/deepseek/deepseek_v3.py lines 117-144; (16, 1) line 128 and (4, 4) line 130, both
  [E t*4] [t*4]*14 [t mtp L]). With chunk c on stage c mod pp: MB37 16 / 13 (as MB11), MB45
  and MB46 4 / 1 (as MB15); MB52's 32 chunks [E t] [t t]*30 [mtp L] at pp 8 x vp 4 put
  chunks 0, 8, 16, 24 (7 layers) on the first stage and 7, 15, 23, 31 (6 and the MTP layer)
  on the last. The presets match (configs/deepseek/deepseek_v3_llm_pretrain.yaml lines
  59-76, 77-94, 95-112).
- MTP: one layer (pretrain_config mtp_num_layers = 1, line 174; the layouts end in mtp, line
  116); the catalog record's default.
- Recompute: selective (YAML line 22) with run_script.py lines 90-98: h100 mla_up_proj and
  mlp, b200 mla_up_proj, gb200 with token drop mla_up_proj.
- Dispatch: B200 and GB200 drop tokens (lines 57-61, 79-80: apply_moe_token_drop, capacity
  factor 1.0 padded, alltoall only, moe_token_drop.py lines 18-42); H100 runs DeepEP (lines
  56, 77-78 and deepseek_v3.py lines 146-149: flex dispatcher, moe_enable_deepep) with
  force-balanced routing. Expert all-to-all overlap on H100 only (lines 82-89).
- MB52 also has no TP comm overlap (deepseek_v3.py lines 314-317 build
  CommOverlapConfig(tp_comm_overlap=False) and COMM_OVERLAP_CONFIG_MAP has no DeepSeek entry,
  run_script.py lines 120-125) and no overlapped gradient reduce on H100 (lines 101-102);
  perf_runs_v2.csv states both.
- MB38's parenthesised layout (pp 8, vp 2, GA 64) with EP 64 needs etp x ep x pp = 512 GPUs.

MoE token dispatcher (plan key `moe_dispatcher`, set in STATED from the release's presets;
rows not listed take the framework's default, alltoall). Megatron-Bridge's
apply_flex_dispatcher_backend (src/megatron/bridge/training/flex_dispatcher_backend.py, v0.2.1
and v0.4.2) sets moe_token_dispatcher_type "flex" with the preset's moe_flex_dispatcher_backend
where the GPU supports it (HybridEP on GB200/GB300, DeepEP on Hopper and B200/B300); a preset
without a backend leaves the provider's "alltoall" (src/megatron/bridge/models/deepseek/
deepseek_provider.py line 76 at v0.2.1).
- DeepSeek-V3: MB11 hybridep (v0.2.1 scripts/performance/configs/deepseek/
  workload_base_configs.py line 52, DEEPSEEK_V3_GB200_BASE_CONFIG); MB15 alltoall (the B200
  preset, lines 63-71, sets no backend); MB28 and MB29 hybridep (v0.4.2
  deepseek_workload_base_configs.py lines 50 and 79, the GB300 and GB200 V1 presets the V2
  ones extend); MB30 deepep (line 205, DEEPSEEK_V3_PRETRAIN_CONFIG_B200_FP8_MX_V2).
- Qwen3: 26.04.01's Qwen3 235B H100 script sets moe_token_dispatcher_type "alltoall" (v0.4.2
  scripts/performance/configs/qwen/qwen3_llm_pretrain.py line 169: MB31, the framework's
  default). The 25.11 rows keep the default too: every Qwen3 GB300/GB200 preset of v0.2.1
  sets hybridep (scripts/performance/configs/qwen3/workload_base_configs.py lines 49, 62, 77,
  89, 154-197), but none of those presets has the table's layout (MB7: micro-batch 8 against
  4; MB8, MB13: 64 GPUs against 256), and, as for their recompute and CUDA graphs
  (docs/models/perf-evidence.md), the data does not take settings from presets of another layout.

- gpt-oss-120b on NeMo AutoModel (AM5): hybridep. Its benchmark configuration at the summary's
  commit sets the backend's dispatcher to HybridEP (NVIDIA-NeMo/Automodel commit e4581201,
  examples/llm_benchmark/gpt_oss/gptoss_120b_te_deepep.yaml: `dispatcher: hybridep`,
  `dispatcher_num_sms: 64`), and the first version of that file, of the table's date, to DeepEP
  (commit 79d0ccfd, 2025-10-02, examples/benchmark/configs/gptoss_120b_te_deepep.yaml:
  `enable_deepep: true`): node-deduplicated dispatch either way, whose bytes the model gives
  both backends alike.

Token dropping (the NeMo 25.09 Qwen3 rows MB39-MB42, MB47-MB49, MB53, MB54): Megatron-Bridge's
run_script.py (commit fa0315ae, lines 101-114) applies apply_moe_token_drop with its defaults,
moe_expert_capacity_factor 1.0 and moe_pad_expert_input_to_capacity True
(src/megatron/bridge/training/utils/moe_token_drop.py lines 18-21), with the alltoall
dispatcher. Megatron-Core then gives every expert exactly its capacity, ceil(tokens x top_k /
experts x 1.0) (megatron/core/transformer/moe/moe_utils.py get_capacity), dropping tokens over it
and padding those under it: the expert GEMMs and the all-to-all carry the balanced load, which is
what the model assumes for every MoE row, so no knob is needed (a capacity factor c would scale
both by c).

Rows added in December 2026 from the NeMo 26.04.01 tables (MB55-MB63; Megatron-Bridge v0.4.2,
commit c8101293; each row's `notes` cites preset file and lines): the release's preset of the
table's layout states what the CSV has no column for, set in STATED:
- GPT-OSS 120B (MB55 GB200, MB56 B200): selective recompute of layernorm and moe_act
  (scripts/performance/configs/gpt_oss/gpt_oss_workload_base_configs.py lines 54-59, 71-76,
  applied as recompute_granularity "selective" by utils/overrides.py lines 148-150); MB55's
  preset sets moe_a2a_overlap (line 105; overrides.py lines 155-160); no dispatcher backend, so
  alltoall (overrides.py lines 230-233).
- Qwen3 30B-A3B (MB57-MB60) and 235B-A22B on GB300 / GB200 (MB61, MB62): the presets name
  HybridEP (scripts/performance/configs/qwen/qwen3_workload_base_configs.py lines 67-77,
  96-105, 330-431); 235B on B200 (MB63) has none and its script sets alltoall
  (configs/qwen/qwen3_llm_pretrain.py line 143). No a2a overlap in any of them.
- Qwen3 235B-A22B (MB61-MB63): the recipe counts the embedding and the loss in the pipeline
  split (src/megatron/bridge/recipes/qwen/qwen3_moe.py lines 166-167,
  account_for_embedding_in_pipeline_split / account_for_loss_in_pipeline_split): pp_balance,
  96 slots, which pp 4 x vp 12, pp 8 x vp 3 and pp 8 split evenly.
- The earlier Qwen3 235B-A22B rows with pp > 1 (MB8, MB13, MB16, MB20, MB31, MB48, MB49, MB54)
  take the same pp_balance: the recipe of each release sets both flags (v0.1.0rc4
  src/megatron/bridge/recipes/qwen/qwen3_235b_a22b.py lines 70-71; fa0315ae and v0.2.1
  src/megatron/bridge/recipes/qwen/qwen3_moe.py lines 117-118 and 160-161, which the
  performance scripts call without overriding them: fa0315ae scripts/performance/run_script.py
  lines 108-113, v0.2.1 scripts/performance/configs/qwen3/qwen3_llm_pretrain.py lines 81-86 and
  153-158), and without them 94 layers do not split over the published pp x vp chunks.
- MB64, MB65 (NeMo 26.02.01, Megatron-Bridge v0.3.1, commit 9c9dd848): Qwen3 235B-A22B MXFP8 on
  256 GB300 at pp 4 and 256 GB200 at pp 8 without interleaving, HybridEP, pp_balance (the same
  recipe lines); the interleaved runs of 26.04.01 (MB61, MB62) are the same plans with vp 12 / 3.
- MB66 (NeMo 26.04, v0.4.0, commit 0fbfe7d3): DeepSeek-V3 MXFP8 on 256 B200 at pp 16, ep 8, gbs
  4096: the B200 preset (scripts/performance/configs/deepseek/deepseek_workload_base_configs.py
  lines 110-122, 195-198) sets mla_up_proj recompute and HybridEP, no a2a overlap, and no
  pp_layout, so the recipe's (16, 1) layout applies (src/megatron/bridge/recipes/deepseek/
  deepseek_v3.py line 42: first stage 4 layers, last 1 and the MTP layer), as MB15's at gbs 2048.

- MB67-MB72 (NeMo 26.08, listed in NOT_REPRESENTABLE, not compared): STATED gives the Qwen3
  rows their 26.04.01 twins' settings (MB57, MB61, MB62) and the DeepSeek-V3 and GPT-OSS rows
  those of the v0.6.0 perf_recipes (src/megatron/bridge/perf_recipes/deepseek/common.py lines
  49-77 and gpt_oss/common.py lines 23-49: HybridEP, expert all-to-all overlap; MB70
  recompute_modules mla_up_proj, deepseek/gb200/deepseek_v3.py line 149; MB72 none,
  deepseek/gb300/deepseek_v3.py line 148; layouts as MB29 and MB28).

Megatron-MoE-ModelZoo (MZ1-MZ5, framework megatron-core-2025: plain Megatron-LM with the
repository's command lines): Qwen3 235B-A22B BF16 on 256 H100, the published step times of
examples/qwen3/readme.md at commit 8017e112 (2025-05-27). The same commit's
examples/qwen3/run_235b.sh gives each solution's command and model_configs/benchmarking/
Qwen3-235B-A22B.yaml the common settings (distributed optimizer with overlapped gradient reduce
and parameter gather, account-for-embedding/loss-in-pipeline-split, sequence parallelism, flash
attention, flex dispatcher with DeepEP); runtime.conf counts 96 layers, so no uneven-stage flags.
Set in STATED: MZ1, MZ2 selective recompute of layernorm and moe_act, DeepEP, pp_balance, MZ2
with the 1F1B expert all-to-all overlap (--combined-1f1b --combined-1f1b-recipe ep_a2a); MZ3
Megatron-FSDP (CSV zero 3) with full recompute, DeepEP; MZ4 the table's A2A dispatcher (the
config of the commit says DeepEP: marked uncertain), pp_balance, selective layernorm and
moe_act; MZ5 DeepEP, pp_balance, no recompute. Every command forces routing balance.

MLPerf Training (ML12-ML17, Llama 3.1 8B; framework nemo-2025: NVIDIA's MLPerf implementation
is NeMo 2 on Megatron-Core in the NeMo 25.09 container): the step time is measured in the
submission logs (MLLOG tracked_stats train_step_time, the wall time between consecutive
optimizer steps), the median over each run and then over the round's runs; the layout, batch
and software are in the submission's config_*.sh and conf/custom.yaml (each row's notes). No
Llama 3.1 405B step time is a row (docs/validation.md, "Held-out sources"). ML16, ML17 (8B on 8
GPUs) run FP8 attention: not compared.

Assumptions where the source is silent (each marked in ASSUMED with the reason):
- N1: interleaving not published; NeMo's Nemotron-4 340B recipes use VP 12 at PP 8 (one layer
  per chunk, NVIDIA dgxc-benchmarking nemotron/README_340b.md), so vp = 96 / 12 / 12 = 8.
- P1: the 12-way model parallelism is 2-D weight sharding over the TPU torus, mapped as
  tp = 12 over the ICI domain with ZeRO-3 over dp = 512 (the same bytes move: activations over
  the model axis, weights gathered and gradients reduce-scattered over the data axis), one
  micro-batch of 4 sequences per replica, full recompute, no flash attention, no pipeline.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Model

DATA_DIR = Path(__file__).parent / "data"
FILES = ("perf_runs.csv", "perf_runs_extra.csv", "perf_runs_v2.csv")

#: Framework profile of each row, by id prefix (longest prefix wins) or id.
FRAMEWORK_OF_PREFIX = {
    "M": "megatron-lm-2021",
    "K": "megatron-lm-2022",
    "T": "deepspeed-2022",
    "N": "nemo-2024",
    "D": "nemo-2024",
    "P": "jax-xla-fsdp",
    "NA": "nemo-2024",
    "NB": "nemo-2025",
    "DX": "nemo-2024",
    "MB": "megatron-bridge-2025",
    "LC": "nemo-2024-03",
    "MS": "megascale-2024",
    "AM": "nemo-automodel-2025",
    "TT": "torchtitan-2025",
    "MZ": "megatron-core-2025",
    "ML": "nemo-2025",
}
FRAMEWORK_OF_ROW = {
    **{f"DX{i}": "jax-xla-fsdp" for i in range(21, 25)},
    **{f"DX{i}": "nemo-2025" for i in range(25, 37)},
}
#: Catalog model of the rows of perf_runs.csv / perf_runs_extra.csv (v2 rows name theirs).
MODEL_OF_ROW = {
    "M1": "megatron-1-7b",
    "M2": "megatron-3-6b",
    "M3": "megatron-7-5b",
    "M4": "megatron-18-4b",
    "M5": "megatron-39-1b",
    "M6": "megatron-76-1b",
    "M7": "megatron-145-6b",
    "M8": "megatron-310-1b",
    "M9": "megatron-529-6b",
    "M10": "megatron-1t",
    "K1": "megatron-22b",
    "K2": "gpt3-175b",
    "K3": "mt-nlg-530b",
    "K4": "megatron-1t",
    "K5": "mt-nlg-530b",
    "T1": "mt-nlg-530b",
    "T2": "mt-nlg-530b",
    "T3": "mt-nlg-530b",
    "N1": "nemotron-4-340b",
    "P1": "palm-540b",
    "D1": "nemotron-4-340b",
    "D2": "nemotron-4-340b",
    "D3": "nemotron-4-340b",
    "D4": "nemotron-4-340b",
}
SYSTEM_OF_ACCELERATOR = {
    "A100-SXM-80GB": "dgx-a100",
    "TPU-v4": "tpu-v4-pod",
    "H100-SXM": "dgx-h100",
    "B200": "dgx-b200",
    "GB200": "gb200-nvl72",
    "GB300": "gb300-nvl72",
}
#: Systems by row where the accelerator alone does not say (Nemotron-4 ran on Eos).
SYSTEM_OF_ROW = {"N1": "eos-h100"}
#: Knobs the sources leave blank, with the reason in the module docstring.
ASSUMED: dict[str, dict[str, Any]] = {
    "N1": {"vp": 8},
    "P1": {"mb": 4, "tp": 12, "zero": 3},
    # NeMo 24.07's Nemotron-4 340B recipe: as D1-D4 (the same 340B YAML of that period).
    "NA8": {"optimizer_dtype": "bf16", "tp_overlap": False},
    # Megatron-Bridge's Llama 3 70B FSDP recipes on GB200/GB300 offload 20-40 of the 80
    # layers' activations to host memory (perf_recipes/llama/gb200|gb300/llama3.py
    # cpu_offloading_num_layers); the model offloads as few as make the plan fit. Megatron-Core
    # runs CPU activation offloading only without recomputation (transformer_config.py
    # __post_init__ raises otherwise), so these runs had none.
    **{
        rid: {"offload": "activations", "recompute": "none"}
        for rid in ("MB3", "MB10", "MB21", "MB24")
    },
}


def _SELECTIVE(*modules: str) -> dict[str, Any]:
    """Megatron-Core selective recomputation of the named recompute_modules."""
    return {"recompute": "selective", "recompute_modules": "+".join(modules)}


#: Knobs the CSV has no column for, as the row's release recipe states them (module docstring).
STATED: dict[str, dict[str, Any]] = {
    # DeepSeek-V3 layer placement (first / last stage layers) and a2a overlap (see module).
    # MoE dispatcher as the release's preset sets it (see module).
    "MB11": {
        "pp_first": 16,
        "pp_last": 13,
        "ep_overlap": False,
        "moe_dispatcher": "hybridep",
        **_SELECTIVE("mla_up_proj"),
    },
    "MB15": {
        "pp_first": 4,
        "pp_last": 1,
        "ep_overlap": False,
        "moe_dispatcher": "alltoall",
        **_SELECTIVE("mla_up_proj"),
    },
    "MB28": {
        "pp_first": 32,
        "pp_last": 29,
        "ep_overlap": False,
        "moe_dispatcher": "hybridep",
        **_SELECTIVE("mla_up_proj"),
    },
    "MB29": {
        "pp_first": 16,
        "pp_last": 13,
        "ep_overlap": False,
        "moe_dispatcher": "hybridep",
        **_SELECTIVE("mlp"),
    },
    "MB30": {
        "pp_first": 8,
        "pp_last": 5,
        "ep_overlap": True,
        "moe_dispatcher": "deepep",
        **_SELECTIVE("mla_up_proj", "mlp"),
    },
    # NeMo 25.09 DeepSeek-V3 (the r0.1.0 scripts, v0.1.0rc4; see module): token drop with the
    # alltoall dispatcher on GB200 / B200, DeepEP with a2a overlap on H100.
    "MB37": {
        "pp_first": 16,
        "pp_last": 13,
        "ep_overlap": False,
        "moe_dispatcher": "alltoall",
        **_SELECTIVE("mla_up_proj"),
    },
    **{
        rid: {
            "pp_first": 4,
            "pp_last": 1,
            "ep_overlap": False,
            "moe_dispatcher": "alltoall",
            **_SELECTIVE("mla_up_proj"),
        }
        for rid in ("MB45", "MB46")
    },
    "MB52": {
        "pp_first": 7,
        "pp_last": 6,
        "ep_overlap": True,
        "moe_dispatcher": "deepep",
        **_SELECTIVE("mla_up_proj", "mlp"),
    },
    # NeMo AutoModel's gpt-oss-120b benchmark dispatches with HybridEP (DeepEP in the
    # configuration of the table's date; see module).
    "AM5": {"moe_dispatcher": "hybridep"},
    # Megatron-Bridge's Qwen3 235B-A22B H100 FP8-CS layout sets moe_a2a_overlap=True
    # (overlap_moe_expert_parallel_comm and delay_wgrad_compute) at v0.2.1 and v0.4.2.
    **{rid: {"ep_overlap": True, "pp_balance": True} for rid in ("MB20", "MB31")},
    # Qwen3 235B-A22B with pp > 1: every release's recipe counts the embedding and the loss in
    # the pipeline split (see module), 96 slots that the published (pp, vp) split evenly.
    **{rid: {"pp_balance": True} for rid in ("MB8", "MB13", "MB16", "MB48", "MB49", "MB54")},
    # NeMo 26.04.01 rows added in December 2026 (Megatron-Bridge v0.4.2 presets; see module).
    "MB55": {
        "ep_overlap": True,
        "moe_dispatcher": "alltoall",
        **_SELECTIVE("layernorm", "moe_act"),
    },
    "MB56": {
        "ep_overlap": False,
        "moe_dispatcher": "alltoall",
        **_SELECTIVE("layernorm", "moe_act"),
    },
    **{
        rid: {"ep_overlap": False, "moe_dispatcher": "hybridep"}
        for rid in ("MB57", "MB58", "MB59", "MB60")
    },
    **{
        rid: {"ep_overlap": False, "moe_dispatcher": "hybridep", "pp_balance": True}
        for rid in ("MB61", "MB62")
    },
    "MB63": {"ep_overlap": False, "moe_dispatcher": "alltoall", "pp_balance": True},
    # NeMo 26.02.01 Qwen3 235B without interleaving (Megatron-Bridge v0.3.1) and NeMo 26.04
    # DeepSeek-V3 on B200 at pp 16 (v0.4.0; layout (16, 1) as MB15; see module).
    **{
        rid: {"ep_overlap": False, "moe_dispatcher": "hybridep", "pp_balance": True}
        for rid in ("MB64", "MB65")
    },
    # NeMo 26.08 rows (not compared: NOT_REPRESENTABLE) with their 26.04.01 twins' settings.
    **{rid: {"ep_overlap": False, "moe_dispatcher": "hybridep"} for rid in ("MB67",)},
    **{
        rid: {"ep_overlap": False, "moe_dispatcher": "hybridep", "pp_balance": True}
        for rid in ("MB68", "MB69")
    },
    "MB70": {
        "pp_first": 16,
        "pp_last": 13,
        "ep_overlap": True,
        "moe_dispatcher": "hybridep",
        **_SELECTIVE("mla_up_proj"),
    },
    "MB71": {"ep_overlap": True, "moe_dispatcher": "hybridep"},
    "MB72": {
        "pp_first": 32,
        "pp_last": 29,
        "ep_overlap": True,
        "moe_dispatcher": "hybridep",
        "recompute": "none",
    },
    "MB66": {
        "pp_first": 4,
        "pp_last": 1,
        "ep_overlap": False,
        "moe_dispatcher": "hybridep",
        **_SELECTIVE("mla_up_proj"),
    },
    # Megatron-MoE-ModelZoo Qwen3 235B on 256 H100 (commit 8017e11 run_235b.sh and model config;
    # see module): pp_balance from account-for-embedding/loss, the table's dispatcher.
    **{
        rid: {
            "moe_dispatcher": "deepep",
            "ep_overlap": rid == "MZ2",
            "pp_balance": True,
            **_SELECTIVE("layernorm", "moe_act"),
        }
        for rid in ("MZ1", "MZ2")
    },
    "MZ3": {"moe_dispatcher": "deepep", "ep_overlap": False},
    "MZ4": {
        "moe_dispatcher": "alltoall",
        "ep_overlap": False,
        "pp_balance": True,
        **_SELECTIVE("layernorm", "moe_act"),
    },
    "MZ5": {"moe_dispatcher": "deepep", "ep_overlap": False, "pp_balance": True},
    # MaxText's custom remat policy of dgxc-benchmarking v25.01 maxtext/configure.sh: the
    # q/k/v/qkv/out projections (bf16: and mlpwo) saved, the rest of base.yml's tensors
    # (context, mlpwi) rematerialised; the modules it recomputes are save_dot_except_mlp's.
    **{f"DX{i}": {"recompute_modules": "save_dot_except_mlp"} for i in range(21, 25)},
}
#: Rows the model cannot represent, with the reason; they are listed, not compared.
NOT_REPRESENTABLE = {
    **{
        f"TT{i}": "torchtitan's H100 96 GB HBM2e at 500 W: its peak is unpublished (the source "
        "says so); no catalog accelerator"
        for i in (*range(1, 8), *range(12, 18))  # TT8-TT11: not in the data (held out)
    },
    **{
        rid: "DeepSeek-V3 at pp 2 x vp 4 (MB4, MB5) or pp 8 x vp 4 (MB12): 61 layers do not split "
        "evenly over the model chunks and the 25.11 scripts (Megatron-Bridge v0.2.1) have no "
        "layout for it (the recipe's layout map covers (4, 1), (8, 1), (4, 2), (16, 1), (8, 2), "
        "(4, 4); the GB300 / GB200 presets are pp 4 x vp 4, ep 64, gbs 2048): the layer "
        "placement and the recompute modules of the table's run are not stated"
        for rid in ("MB4", "MB5", "MB12")
    },
    **{
        rid: "NeMo AutoModel shards expert weights and optimizer state with FSDP2 inside the "
        "expert-parallel group; the model shards them over the expert data-parallel ranks only "
        "(edp = dp / ep = "
        + edp
        + "). Layer split (AutoModel pipelining/functional.py: the first L mod stages get one "
        "more) and no MTP (Hugging Face model) are modelled"
        for rid, edp in (("AM1", "4"), ("AM2", "1"))
    },
    "MB38": "DeepSeek-V3 MXFP8 on 256 GB200 in the NeMo 25.09 table: its parenthesised layout "
    "(pp 8, vp 2, GA 64) with the row's EP 64 is impossible (Megatron-Core needs the world size "
    "to divide by etp x ep x pp = 512, megatron/core/parallel_state.py), and the release's "
    "scripts set pp 4 x vp 4 for every GB200 precision (Megatron-Bridge v0.1.0rc4, commit "
    "6725f704, scripts/performance/configs/deepseek/deepseek_v3_llm_pretrain.yaml lines "
    "95-112): the run's expert layout is not stated",
    **{
        rid: "NeMo 26.08 (Megatron-Bridge v0.6.0 perf_recipes): the whole step replayed as one "
        "full-iteration CUDA graph (cuda_graph_impl full_iteration, in these presets since 26.06); "
        "no framework profile describes this release (megatron-bridge-2025 spans NeMo "
        "25.09-26.04.01): " + why
        for rid, why in (
            ("MB67", "the same plan ran 40 % faster than in 26.04.01 (MB57)"),
            ("MB68", "the same plan ran 27 % faster than in 26.04.01 (MB61)"),
            ("MB69", "the same plan ran 28 % faster than in 26.04.01 (MB62)"),
            (
                "MB70",
                "the same layout ran 15 % faster than in 26.04.01 (MB29, which recomputed mlp); "
                "it also pages MoE activations (moe_paged_stash) and caps tokens per expert rank",
            ),
            (
                "MB71",
                "26.04.01 has no MXFP8 run of this model to compare with; it also runs the "
                "attention core in FP8 (fp8_dot_product_attention), which the model does not",
            ),
            (
                "MB72",
                "26.04.01 ran this layout at MBS 2 (MB28), 26 % slower; it also runs the "
                "attention core in FP8 (fp8_dot_product_attention), which the model does not",
            ),
        )
    },
    **{
        rid: "MLPerf Training v5.1 Llama 3.1 8B on 8 GPUs: the attention core runs in FP8 "
        "(config_common_fp8attn.sh, FP8_DPA=True), a precision the model does not give attention"
        for rid in ("ML16", "ML17")
    },
    "AM4": "NeMo AutoModel shards expert weights and optimizer state with FSDP2 inside the "
    "expert-parallel group; the model shards them over the expert data-parallel ranks only",
    **{f"MS{i}": "published as MFU only (Figure 9), no step time" for i in range(9, 12)},
}
#: Model facts of rows whose model is not in the catalog (from the row's source).
MODEL_FACTS = {
    # MegaScale's parallel transformer block (Jiang et al. 2024 section 3.1).
    **{f"MS{i}": {"parallel_block": True} for i in range(9, 12)},
    # DeepSeek-V3 rows the 25.11 table names "w/o MTP"; AutoModel trains the Hugging Face
    # model, which has no MTP module. The others train one MTP layer (catalog record).
    **{rid: {"mtp_layers": 0} for rid in ("MB4", "MB5", "MB11", "MB12", "AM1", "AM2")},
}
#: Published tokens/s where the CSV gives utilisation only (PaLM Table 3).
TOKENS_PER_S = {"P1": 238.3e3}
#: Families trained with dropout (models.yaml `dropout`), for v2 rows not in the catalog.
DROPOUT_FAMILIES = ("gpt3-", "megatron-", "mt-nlg-")
_RECIPES = (("mxfp8", "mxfp8"), ("nvfp4", "nvfp4"), ("current", "current"), ("delayed", "delayed"))


@dataclass(frozen=True)
class Row:
    id: str
    model: Model
    system: str
    gpus: int
    framework: str
    plan: dict[str, Any]
    published_step_s: float
    raw: dict[str, str]

    @property
    def source(self) -> str:
        table = self.raw.get("source_table") or ""
        return f"{self.raw['source']}{', ' + table if table else ''}"


def framework_of(rid: str) -> str:
    if rid in FRAMEWORK_OF_ROW:
        return FRAMEWORK_OF_ROW[rid]
    return FRAMEWORK_OF_PREFIX.get(rid[:2]) or FRAMEWORK_OF_PREFIX[rid[:1]]


def _megatron_step_s(r: dict[str, str]) -> float:
    b, s, n_layers, h, v = (
        float(r[k]) for k in ("global_batch_seqs", "seq_len", "layers", "hidden", "vocab")
    )
    flops = 96 * b * s * n_layers * h**2 * (1 + s / (6 * h) + v / (16 * n_layers * h))
    return flops / (float(r["tflops_per_gpu"]) * 1e12 * float(r["gpus"]))


def _published_step_s(r: dict[str, str]) -> float:
    if r["step_time_s"]:
        return float(r["step_time_s"])
    if r["id"] in TOKENS_PER_S:
        return float(r["global_batch_seqs"]) * float(r["seq_len"]) / TOKENS_PER_S[r["id"]]
    return _megatron_step_s(r)


def _int(r: dict[str, str], key: str, default: int = 0) -> int:
    value = (r.get(key) or "").strip()
    return int(float(value)) if value else default


def _model(r: dict[str, str], catalog: Catalog) -> Model:
    """The row's model shape as the CSV gives it, on the catalog record where there is one."""
    mid = MODEL_OF_ROW.get(r["id"]) or r.get("model") or r["id"].lower()
    shape: dict[str, Any] = {
        "layers": _int(r, "layers"),
        "hidden": _int(r, "hidden"),
        "heads": _int(r, "heads"),
        "kv_heads": _int(r, "kv_heads"),
        "head_dim": _int(r, "head_dim"),
        "ffn_hidden": _int(r, "ffn_hidden"),
        "seq_len": _int(r, "seq_len"),
        "vocab": _int(r, "vocab"),
        "global_batch_seqs": _int(r, "global_batch_seqs"),
    }
    if r.get("mlp"):
        shape["mlp"] = r["mlp"]
    experts = _int(r, "experts")
    if experts:
        moe_layers = _int(r, "moe_layers", shape["layers"])
        shape.update(
            experts=experts,
            top_k=_int(r, "top_k"),
            moe_ffn_hidden=_int(r, "moe_ffn_hidden") or shape["ffn_hidden"],
            shared_experts=_int(r, "shared_experts"),
            dense_layers=shape["layers"] - moe_layers,
        )
    shape.update(MODEL_FACTS.get(r["id"], {}))
    if catalog.has("models", mid):
        return catalog.model(mid).model_copy(update=shape)
    attention = r.get("attention") or ("gqa" if shape["kv_heads"] < shape["heads"] else "mha")
    return Model.model_validate(
        {
            "id": mid,
            "source": r["source"],
            "as_of": "2025-01-01",
            "status": "reported",
            "attention": attention,
            "dropout": mid.startswith(DROPOUT_FAMILIES),
            **shape,
        }
    )


def _yes(value: str) -> bool | None:
    v = (value or "").strip().lower()
    if not v:
        return None
    return v.startswith("yes")


def _software(r: dict[str, str]) -> dict[str, Any]:
    """Knobs the v2 CSV states for the row."""
    out: dict[str, Any] = {}
    tp = _int(r, "tp", 1)
    for knob in ("sp", "tp_overlap", "dp_overlap"):
        value = _yes(r.get(knob, ""))
        if value is not None and (tp > 1 or knob == "dp_overlap"):
            out[knob] = value
    flash = _yes(r.get("flash_attention", ""))
    if flash is not None:
        out["flash_attention"] = flash
    if r.get("zero_stage"):
        out["zero"] = int(r["zero_stage"])
    recipe = (r.get("precision_recipe") or "").lower()
    if r["precision"] in ("fp8", "fp4"):
        for needle, name in _RECIPES:
            if needle in recipe:
                out["fp8_recipe"] = name
                break
        else:
            out["fp8_recipe"] = "current" if "tensorwise" in recipe else "delayed"
    if _yes(r.get("cpu_offload", "")):
        out["offload"] = "activations"
    return out


#: Knobs of the rows of perf_runs.csv / perf_runs_extra.csv, from the papers (not fitted).
LEGACY_SOFTWARE: dict[str, dict[str, Any]] = {
    "M": {"zero": 0},
    "K": {"sp": True, "zero": 0},
    "T": {"zero": 1},
    "N": {},
    # NeMo 24.11 nemotron/nemotron4-340b-synth.yaml (dgxc-benchmarking v25.01): optimizer state
    # and gradient reduction in bf16, no userbuffer TP overlap.
    "D": {"optimizer_dtype": "bf16", "tp_overlap": False},
    "P": {"flash_attention": False, "sp": True},
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_rows(catalog: Catalog, include: frozenset[str] = frozenset()) -> list[Row]:
    """The rows the model can represent, plus the not-representable ones named in `include`
    (for comparisons that do not count them as checks)."""
    rows = []
    for name in FILES:
        path = DATA_DIR / name
        if not path.is_file():
            continue
        for r in _read(path):
            rid = r["id"]
            if rid in NOT_REPRESENTABLE and rid not in include:
                continue
            plan: dict[str, Any] = {
                "tp": _int(r, "tp"),
                "pp": _int(r, "pp"),
                "dp": _int(r, "dp"),
                "vp": _int(r, "virtual_stages", 1) or 1,
                "gbs": _int(r, "global_batch_seqs"),
                "precision": r["precision"],
            }
            if r["recompute"]:
                plan["recompute"] = r["recompute"]
            if r.get("cp"):
                plan["cp"] = _int(r, "cp", 1)
            if r.get("ep"):
                plan["ep"] = _int(r, "ep", 1)
            if r.get("etp"):
                plan["etp"] = _int(r, "etp")
            if r["microbatch"]:
                plan["mb"] = _int(r, "microbatch")
            if name == "perf_runs_v2.csv":
                plan.update(_software(r))
            else:
                plan.update(LEGACY_SOFTWARE[rid[0]])
            plan.update(STATED.get(rid, {}))
            plan.update(ASSUMED.get(rid, {}))
            system = (
                SYSTEM_OF_ROW.get(rid) or r.get("system") or SYSTEM_OF_ACCELERATOR[r["accelerator"]]
            )
            rows.append(
                Row(
                    id=rid,
                    model=_model(r, catalog),
                    system=system,
                    gpus=int(r["gpus"]),
                    framework=framework_of(rid),
                    plan=plan,
                    published_step_s=_published_step_s(r),
                    raw=r,
                )
            )
    return rows


def _resolved(row: Row, catalog: Catalog) -> tuple[Any, Any, Any, Any, Any, Any]:
    """A row's plan, workload, system, hardware, software and plan arrays, as the model reads
    them (the framework's defaults filled)."""
    from gigawatt.perf.estimate import hardware_for, load_system
    from gigawatt.perf.framework import resolve
    from gigawatt.perf.plan import make_plan
    from gigawatt.perf.workload import Workload

    plan = make_plan(row.plan)
    w = Workload.from_model(row.model)
    system = load_system(row.system, catalog)
    hw, sw = hardware_for(system, plan.precision, catalog, row.framework, plan.optimizer_dtype)
    return plan, w, system, hw, sw, resolve(plan, w, row.gpus, sw)


def predict(row: Row, catalog: Catalog, calibration: Any = None) -> Any:
    """The model's prediction for a row (`calibration` overrides the catalog's record)."""
    from gigawatt.perf.estimate import evaluate, result_row
    from gigawatt.perf.hardware import Hardware

    plan, w, system, hw, _, arrays = _resolved(row, catalog)
    if calibration is not None:
        acc = catalog.accelerator(system.accelerator)
        fw = catalog.framework(row.framework)
        hw = Hardware.build(system, acc, calibration, fw, plan.precision, plan.optimizer_dtype)
    return result_row(w, hw, arrays, evaluate(w, hw, arrays), 0, row.gpus)


def model_inputs(row: Row, catalog: Catalog) -> tuple[Any, ...]:
    """Everything the model reads for a row, hashable: its workload shape, system, framework
    and the plan with the framework's defaults filled. Two rows with equal inputs get the same
    predicted step whatever the model's terms, so their published times bound its accuracy."""
    from dataclasses import fields

    from gigawatt.perf.plan import canonical_recompute

    plan, w, _, _, _, arrays = _resolved(row, catalog)
    # recompute=none under flash attention is selective recompute of the attention core
    # alone, written one way as the search writes it (plan.no_recompute_twin)
    arrays = canonical_recompute(arrays)
    planned = {f.name: getattr(arrays, f.name).tolist() for f in fields(arrays)}
    inputs = tuple((k, repr(v)) for k, v in planned.items())
    return (repr(w), row.system, row.framework, row.gpus, plan.precision, inputs)


def calibration_of(row: Row, catalog: Catalog) -> str:
    return catalog.calibration(catalog.system(row.system).accelerator).id
