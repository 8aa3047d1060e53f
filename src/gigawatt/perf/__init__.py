"""Training performance model and parallelism search (DESIGN.md sections 6 and 7).

Library API:

- `estimate(model, system, gpus, plan=None, *, seq_len=None, catalog=None) -> PerfResult`:
  step time with a breakdown, memory per accelerator, tokens/s, MFU/HFU of one plan.
- `search(model, system, gpus, *, fixed=None, seq_len=None, precision="bf16", catalog=None,
  top=10) -> SearchResult`: every valid plan evaluated at once as NumPy arrays; the best plan
  that fits by tokens/s, with the top plans. Results are cached by (model, system, gpus,
  precision, fixed knobs).
- `fixed_plan_changes(model, system, gpus, plan=None, *, seq_len=None, framework=None,
  catalog=None)`: for a plan `estimate` predicts not to fit, the nearest single-knob changes
  that make it fit, fastest first (empty when it fits): `fithint`.

`model` is a catalog `Model`, its id or a YAML file of one record; `system` a `System`, a
system or accelerator id, or a YAML file. Modules: `workload` (shapes, parameters, FLOPs),
`plan` (knobs, validity rules, plans as arrays), `hardware` (calibrated rates), `memory`,
`comm` (alpha-beta collectives), `estimate` (the evaluator), `search`, `fithint`.
"""

from gigawatt.perf.estimate import BREAKDOWN_KEYS, Evaluation, PerfResult, estimate, evaluate
from gigawatt.perf.fithint import fixed_plan_changes
from gigawatt.perf.plan import Plan, PlanArrays
from gigawatt.perf.search import SearchResult, search
from gigawatt.perf.workload import Workload

__all__ = [
    "BREAKDOWN_KEYS",
    "Evaluation",
    "PerfResult",
    "Plan",
    "PlanArrays",
    "SearchResult",
    "Workload",
    "estimate",
    "evaluate",
    "fixed_plan_changes",
    "search",
]
