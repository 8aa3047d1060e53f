"""tools/catalog_audit.py lists every record of a kind with its status and sources, and flags
what the provenance rules look at (docs/catalog-provenance.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from gigawatt.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location(
        "catalog_audit", ROOT / "tools" / "catalog_audit.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lists_every_record_of_a_kind_with_its_status(capsys) -> None:
    assert _tool().main(["deals"]) == 0
    out = capsys.readouterr().out
    for deal in Catalog.load().all("deals"):
        assert f"-- {deal.id} [{deal.status_detail()}]" in out
        assert deal.source in out


def test_flags_a_chosen_distribution_and_range(capsys) -> None:
    assert _tool().main(["--flagged", "costs"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "-- capex-usd-per-gw " in x)
    assert line.endswith("RANGE DIST")


def test_an_unknown_kind_is_refused(capsys) -> None:
    assert _tool().main(["nope"]) == 2
    assert "unknown kind nope; allowed: accelerators" in capsys.readouterr().err
