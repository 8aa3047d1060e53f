"""gigawatt: plan, simulate and audit gigawatt-scale AI training infrastructure.

The Python API (DESIGN.md section 7): the commands' functions, with the same names and results
as their JSON.

    import gigawatt
    results = gigawatt.run("nvidia-openai-10gw")     # Results: .years(), .table(), .to_json()
    gigawatt.perf(model="llama3-70b", system="dgx-h100", gpus=1024).to_json()
    gigawatt.compare(["nvidia-openai-10gw", "amd-openai-6gw"]).to_json()  # side by side

Each takes its request (`gigawatt.app.PerfRequest`, ...) or the request's fields as keywords; a
bad value raises `InputError` naming the field. `gigawatt.app` has every command's function.
"""

import sys
import types
from collections.abc import Callable
from typing import Any

from gigawatt import simulate as _simulate_module
from gigawatt import sweep as _sweep_package
from gigawatt.app import compare, footprint, perf, reliability, run, train
from gigawatt.app import sweep as _sweep
from gigawatt.catalog import Catalog
from gigawatt.errors import InputError
from gigawatt.scenario import load_scenario
from gigawatt.simulate import Results


class _CommandModule(types.ModuleType):
    """A module that is also called as its command: `gigawatt.sweep(...)` runs a sweep while
    `gigawatt.sweep.load_sweep` stays where it is (the package and the command share a name,
    as `gigawatt.simulate` the module and the function do)."""

    __command__: Callable[..., Any]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__command__(*args, **kwargs)


def _make_callable(module: types.ModuleType, command: Callable[..., Any]) -> None:
    module.__class__ = _CommandModule
    module.__command__ = command  # type: ignore[attr-defined]


_make_callable(_simulate_module, _simulate_module.simulate)
_make_callable(_sweep_package, _sweep)
simulate = sys.modules["gigawatt.simulate"]
sweep = sys.modules["gigawatt.sweep"]

__all__ = [
    "Catalog",
    "InputError",
    "Results",
    "compare",
    "footprint",
    "load_scenario",
    "perf",
    "reliability",
    "run",
    "simulate",
    "sweep",
    "train",
]
