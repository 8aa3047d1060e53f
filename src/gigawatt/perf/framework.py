"""Framework profiles: which software knob values a plan may take, and their defaults.

A profile (catalog kind `frameworks`) lists, per knob, the values its stack offers; the first
is its default. `Software.build` narrows those to what the hardware and the precision allow
(fp8 recipes only for fp8; MXFP8/NVFP4 only on accelerators with block-scaled tensor cores;
CPU offload only on systems whose record gives the host link and memory), and `resolve` turns
a user's `Plan` into one-row `PlanArrays`: knobs the user left out take the framework's
default where it applies to the plan's shape (TP overlap only with tp > 1, pipeline balancing
only with pp > 1, ...), knobs the user set must be offered, and the structural rules of
`plan.RULES` must hold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gigawatt.catalog.schema import Accelerator, Framework, System
from gigawatt.errors import InputError
from gigawatt.perf.plan import (
    BLOCK_SCALED,
    CODED,
    FP8_RECIPES,
    MODULE_BIT,
    RECOMPUTE_MODES,
    SOFTWARE_KNOBS,
    SWITCHES,
    Plan,
    PlanArrays,
    check_rules,
    module_mask,
    module_names,
    structural_dp,
)
from gigawatt.perf.workload import Workload


def _fmt(values: tuple[Any, ...]) -> str:
    return ", ".join(str(v).lower() for v in values)


@dataclass(frozen=True)
class Software:
    """The knob values one framework offers on one system at one precision (first = default).

    `choices[knob]` is a tuple of plain values (bools, ints, strings)."""

    framework: Framework
    precision: str
    choices: dict[str, tuple[Any, ...]]
    #: `PlanArrays.recompute_modules` masks of the module sets the framework offers for
    #: selective recomputation (the first is the default; the search tries each).
    module_sets: tuple[int, ...] = (MODULE_BIT["core_attn"],)

    @cached_property
    def digest(self) -> str:
        """sha256 of the whole profile (every field of the framework record, the precision and
        the choices): the in-process search cache keys on it, so two catalogs that override the
        same framework id never share a result. Computed once per object (the repr is ~50 us)."""
        return hashlib.sha256(
            repr((self.framework, self.precision, self.choices)).encode()
        ).hexdigest()

    @classmethod
    def build(
        cls, framework: Framework, accelerator: Accelerator, system: System, precision: str
    ) -> Software:
        k = framework.knobs
        choices: dict[str, tuple[Any, ...]] = {
            name: tuple(getattr(k, name))
            for name in (*SWITCHES, "zero", "recompute", "moe_dispatcher")
        }
        block_scaled = accelerator.peak_flops_per_s.fp4 is not None
        if precision == "fp8":
            recipes = tuple(
                r for r in (k.fp8_recipe or ()) if block_scaled or r not in BLOCK_SCALED
            )
            if not recipes:
                raise InputError(
                    f"framework {framework.id} offers no fp8 recipe on {accelerator.id} "
                    f"(offered: {_fmt(k.fp8_recipe or ()) or 'none'})",
                    field="precision",
                )
        elif precision == "fp4":
            recipes = tuple(k.fp4_recipe or ()) if block_scaled else ()
            if not recipes:
                raise InputError(
                    f"framework {framework.id} offers no fp4 recipe on {accelerator.id}",
                    field="precision",
                )
        else:
            recipes = ("none",)
        choices["fp8_recipe"] = recipes
        host = system.host_link_bandwidth_bytes_per_s is not None and (
            system.host_memory_bytes is not None
            and system.host_memory_bandwidth_bytes_per_s is not None
        )
        choices["offload"] = tuple(o for o in k.offload if o == "none" or host) or ("none",)
        sets = (MODULE_BIT["core_attn"],)
        if k.recompute_modules:
            try:
                sets = tuple(
                    dict.fromkeys(module_mask(module_names(x)) for x in k.recompute_modules)
                )
            except ValueError as e:
                raise InputError(
                    str(e), field=f"framework {framework.id} recompute_modules"
                ) from None
        return cls(framework=framework, precision=precision, choices=choices, module_sets=sets)

    @property
    def interleaving(self) -> bool:
        return self.framework.knobs.interleaving

    def default(self, knob: str) -> Any:
        return self.choices[knob][0]

    def check(self, knob: str, value: Any) -> None:
        if value not in self.choices[knob]:
            offered = self.choices[knob]
            why = ""
            if knob == "fp8_recipe" and value in FP8_RECIPES | BLOCK_SCALED:
                why = f" at precision {self.precision}"
            if knob == "offload" and value != "none" and offered == ("none",):
                why = " (the system record gives no host link and memory)"
            raise InputError(
                f"{str(value).lower()} is not offered by framework {self.framework.id}{why}; "
                f"allowed: {_fmt(offered)}",
                field=f"plan.{knob}",
            )


def resolve(plan: Plan, w: Workload, gpus: int, sw: Software) -> PlanArrays:
    """A user plan as one-row arrays, defaults filled from the framework; an InputError if a
    knob is not offered or a rule is broken."""
    dp = structural_dp(plan, gpus)
    if plan.vp > 1 and not sw.interleaving:
        raise InputError(
            f"vp={plan.vp}: framework {sw.framework.id} has no interleaved pipeline schedule; "
            "allowed: 1",
            field="plan.vp",
        )
    given = plan.model_dump()
    values: dict[str, Any] = {}
    for knob in SOFTWARE_KNOBS:
        if given[knob] is not None:
            sw.check(knob, given[knob])
            values[knob] = given[knob]
    replicas = dp * plan.cp

    def default(knob: str, applies: bool, off: Any) -> Any:
        if knob in values:
            return values[knob]
        first = sw.default(knob)
        return first if applies else (off if off in sw.choices[knob] else first)

    values["sp"] = default("sp", plan.tp > 1, False)
    values["flash_attention"] = default("flash_attention", True, False)
    if plan.cp > 1 and given["flash_attention"] is None and True in sw.choices["flash_attention"]:
        values["flash_attention"] = True  # ring attention needs the fused kernel
    values["tp_overlap"] = default("tp_overlap", plan.tp > 1 and values["sp"], False)
    values["dp_overlap"] = default("dp_overlap", replicas > 1, False)
    values["pp_balance"] = default("pp_balance", plan.pp > 1, False)
    values["vocab_parallel"] = default("vocab_parallel", True, True)
    values["zero"] = default("zero", True, 0)
    values["recompute"] = default("recompute", True, "none")
    modules = plan.recompute_modules
    if modules and "mla_up_proj" in modules and not w.mla:
        # Megatron-Core TransformerConfig.__post_init__ raises the same
        raise InputError(
            f"mla_up_proj needs multi-latent attention; model {w.name} has none "
            f"(got recompute_modules={','.join(modules)})",
            field="plan.recompute_modules",
        )
    values["ep_overlap"] = default(
        "ep_overlap",
        plan.ep > 1 and values["recompute"] != "full" and (plan.pp == 1 or plan.vp > 1),
        False,
    )
    values["fp8_recipe"] = default("fp8_recipe", True, "none")
    values["offload"] = default("offload", True, "none")
    values["moe_dispatcher"] = default("moe_dispatcher", True, "alltoall")
    columns: dict[str, Any] = {
        **plan.model_dump(include={"tp", "pp", "vp", "cp", "ep", "mb", "pp_first", "pp_last"}),
        "etp": plan.tp if plan.etp is None else plan.etp,
        "dp": dp,
        "gbs": plan.gbs or w.global_batch_seqs,
        "recompute_modules": (
            (sw.module_sets[0] if modules is None else module_mask(modules))
            if values["recompute"] == "selective"
            else 0
        ),
        **{k: v for k, v in values.items() if k not in CODED},
        **{k: CODED[k].index(values[k]) for k in CODED},
    }
    arrays = PlanArrays.from_columns(columns)
    check_rules(w, gpus, arrays, plan.precision)
    return arrays


__all__ = ["RECOMPUTE_MODES", "Software", "resolve"]
