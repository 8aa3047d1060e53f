"""gigawatt: plan, simulate and audit gigawatt-scale AI training infrastructure.

The Python API (DESIGN.md section 7): the commands' functions, with the same names and results
as their JSON.

    import gigawatt
    results = gigawatt.run("nvidia-openai-10gw")     # Results: .years(), .table(), .to_json()
    gigawatt.perf(model="llama3-70b", system="dgx-h100", gpus=1024).to_json()
    gigawatt.sensitivity("nvidia-openai-10gw", method="tornado").to_json()
    gigawatt.market(event="amd-openai-2025-10-06", prices=frame).to_json()  # an event study
    gigawatt.compare(["nvidia-openai-10gw", "amd-openai-6gw"]).to_json()  # side by side

Each takes its request (`gigawatt.app.PerfRequest`, ...) or the request's fields as keywords; a
bad value raises `InputError` naming the field. `gigawatt.app` has every command's function.
"""

import importlib
import sys
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gigawatt.app import (
        compare,
        footprint,
        market,
        perf,
        reliability,
        run,
        sensitivity,
        train,
    )
    from gigawatt.catalog import Catalog
    from gigawatt.errors import InputError
    from gigawatt.scenario import load_scenario
    from gigawatt.simulate import Results

#: The API's names and the modules that define them, imported on first use: the command line
#: imports this package first, and `gigawatt --help` must not pay for pandas and the models.
_LAZY = {
    "Catalog": "gigawatt.catalog",
    "InputError": "gigawatt.errors",
    "Results": "gigawatt.simulate",
    "footprint": "gigawatt.app",
    "load_scenario": "gigawatt.scenario",
    "market": "gigawatt.app",
    "run": "gigawatt.app",
    "sensitivity": "gigawatt.app",
    "train": "gigawatt.app",
}


class _CommandModule(types.ModuleType):
    """A module that is also called as its command: `gigawatt.sweep(...)` runs a sweep while
    `gigawatt.sweep.load_sweep` stays where it is (the package and the command share a name,
    as `gigawatt.simulate` the module and the function do)."""

    __command__: Callable[..., Any]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__command__(*args, **kwargs)


def _app_command(name: str) -> Callable[..., Any]:
    """`gigawatt.app.NAME`, looked up when called."""

    def command(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module("gigawatt.app"), name)(*args, **kwargs)

    command.__name__ = name
    return command


def _simulate_command(*args: Any, **kwargs: Any) -> Any:
    return sys.modules["gigawatt.simulate"].__dict__["simulate"](*args, **kwargs)


#: The commands whose names are also modules of this package (`gigawatt.perf` the package,
#: `gigawatt.compare` the module): importing any of their modules, as a call of another command
#: does, sets the module as the package's attribute, so the module itself must be the command.
_COMMANDS: dict[str, Callable[..., Any]] = {
    "simulate": _simulate_command,
    "sweep": _app_command("sweep"),
    "perf": _app_command("perf"),
    "reliability": _app_command("reliability"),
    "compare": _app_command("compare"),
}


class _Package(types.ModuleType):
    """This package: however `gigawatt.sweep` or `gigawatt.simulate` is first imported (by
    `gigawatt.sweep(...)` here, or `import gigawatt.sweep.store` anywhere), the import system
    sets it as an attribute of the package, and that is when it becomes callable."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _COMMANDS and isinstance(value, types.ModuleType):
            if not isinstance(value, _CommandModule):
                value.__class__ = _CommandModule
            value.__command__ = _COMMANDS[name]  # type: ignore[attr-defined]
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _COMMANDS:
        return importlib.import_module(f"gigawatt.{name}")  # the import sets the attribute
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gigawatt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Catalog",
    "InputError",
    "Results",
    "compare",
    "footprint",
    "load_scenario",
    "market",
    "perf",
    "reliability",
    "run",
    "sensitivity",
    "simulate",
    "sweep",
    "train",
]
