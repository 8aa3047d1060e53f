"""Fast start (issue 12): `gigawatt --help` and `gigawatt catalog` do not import pandas, plotly or
the models, and the Python API still offers every name (imported when first used).

Each check runs in a fresh interpreter and reads `sys.modules`; how long an import takes is
measured by the benchmarks (benchmarks/bench_startup.py), not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gigawatt.catalog.schema import KINDS
from gigawatt.defaults import CATALOG_KINDS

HEAVY = ("pandas", "plotly", "duckdb", "scipy", "gigawatt.simulate", "gigawatt.perf",
         "gigawatt.capability", "gigawatt.finance", "gigawatt.reliability")  # fmt: skip


def _loaded_after(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    probe = (
        f"import sys, json\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.splitlines()[-1])


def _cli(*args: str) -> str:
    return (
        "from gigawatt.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
    )


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("sweep", "--help")])
def test_help_imports_nothing_heavy(args):
    """Not even NumPy, pydantic or the application layer: only Typer and Rich."""
    assert _loaded_after(_cli(*args), (*HEAVY, "numpy", "pydantic", "gigawatt.app")) == []


@pytest.mark.parametrize("args", [("catalog",), ("catalog", "systems"), ("scenarios",)])
def test_catalog_and_scenarios_import_no_models(args):
    assert _loaded_after(_cli(*args)) == []


def test_kinds_shown_before_loading_are_the_catalogs():
    assert tuple(KINDS) == CATALOG_KINDS


def test_api_names_load_on_first_use():
    code = (
        "import gigawatt\n"
        "import gigawatt.sweep.store\n"  # the package imported before the API asked for it
        "assert callable(gigawatt.sweep) and callable(gigawatt.simulate)\n"
        "from gigawatt import Catalog, InputError, Results, load_scenario, run, perf\n"
        "assert all(hasattr(gigawatt, n) for n in gigawatt.__all__)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
