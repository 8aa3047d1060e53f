"""Kokolis et al.'s ETTR is flagged where it departs from Daly's exact goodput.

Both are printed side by side by `gigawatt reliability`; at 332,640 Vera Rubin packages ETTR
reads 0.37 against a goodput of 0.52. The catalog's `ettr-recovery-pressure-limit` (0.25) is where
the first-order form stops agreeing with the exact one to a few per cent; these tests check that
claim on the closed forms and that the command says so.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gigawatt.catalog import Catalog
from gigawatt.cli import app
from gigawatt.distributions import point
from gigawatt.reliability.job import ETTR_PRESSURE_LIMIT_PARAMETER, reliability_report


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def _gap(catalog: Catalog, gpus: int) -> tuple[float, float]:
    r = reliability_report(catalog, gpus=gpus, days=90, system="vera-rubin-nvl72").result
    return r.recovery_pressure, 1.0 - r.ettr / r.goodput


def test_limit_is_where_the_approximation_leaves_a_few_per_cent(catalog):
    limit = float(point(catalog.parameter(ETTR_PRESSURE_LIMIT_PARAMETER).value))
    # below the limit: within 5 % of the exact goodput (the note's "a few per cent")
    for gpus in (16_416, 100_008, 150_000):
        pressure, gap = _gap(catalog, gpus)
        assert pressure < limit
        assert 0.0 <= gap < 0.05, (gpus, pressure, gap)
    # well above it the additive form breaks down (the catalog note's figures, 2 % tolerance)
    pressure, gap = _gap(catalog, 332_640)
    assert pressure > limit
    assert gap == pytest.approx(0.30, abs=0.02)


def test_command_flags_ettr_outside_its_range():
    runner = CliRunner()
    args = ["reliability", "--gpus", "332640", "--days", "90", "--system", "vera-rubin-nvl72"]
    out = runner.invoke(app, [*args, "--json"])
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["ettr_valid"] is False
    text = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert "use goodput" in " ".join(text.stdout.split())  # however the terminal wraps it
    small = json.loads(
        runner.invoke(app, ["reliability", "--gpus", "16384", "--days", "54", "--json"]).stdout
    )
    assert small["ettr_valid"] is True


def test_command_flags_ettr_when_the_job_never_finishes():
    """Goodput 0 (a restart far longer than the job's MTBF) with ETTR flagged: the text output
    says so, exit 0 (it divided by the zero goodput: an internal error)."""
    args = ["reliability", "--gpus", "100000000", "--days", "30", "--restart-s", "360000"]
    data = json.loads(CliRunner().invoke(app, [*args, "--trials", "0", "--json"]).stdout)
    assert data["goodput"] == 0.0 and data["ettr_valid"] is False
    text = CliRunner().invoke(app, [*args, "--trials", "0"], env={"COLUMNS": "200"})
    assert text.exit_code == 0, text.output
    assert "use goodput" in " ".join(text.stdout.split())  # however the terminal wraps it
