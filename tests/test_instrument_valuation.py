"""A deal instrument's `valuation_usd` prices the shares its money buys: it must be positive,
like the other money fields (a funding round's `post_money_usd`); a negative one was accepted
and bought a negative stake."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_cases import cli
from conftest import USER_SCENARIO_YAML
from gigawatt.catalog.schema import MAX_VALUATION_USD, Instrument
from gigawatt.distributions import LogNormal, support_problem

DEAL = """\
deals:
  - use: nvidia-openai-equity-2026
    tranches:
      - name: t1
        amount_usd: 30e9
        trigger: {date: 2026-02}
        instrument: {type: equity, valuation_usd: VALUE}
"""


def _run(capsys, tmp_path: Path, value: str) -> tuple[int, str, str]:
    path = tmp_path / "deal.yaml"
    path.write_text(USER_SCENARIO_YAML + DEAL.replace("VALUE", value), encoding="utf-8")
    return cli(capsys, "finance", str(path), "--json")


@pytest.mark.parametrize("value", ["-840e9", "0", "2e15"])
def test_a_valuation_outside_its_bound_is_refused_with_the_field_named(capsys, tmp_path, value):
    code, out, err = _run(capsys, tmp_path, value)
    assert (code, out) == (2, "")
    assert err.startswith("error: deals[0].tranches[0].instrument.valuation_usd: ")
    assert f"{float(value)}" in err or value in err
    assert f"must be > 0 and <= {MAX_VALUATION_USD:g}" in err
    assert "Traceback" not in err


def test_a_negative_valuation_distribution_is_refused(capsys, tmp_path):
    code, out, err = _run(capsys, tmp_path, "{uniform: {low: -1e11, high: 9e11}}")
    assert (code, out) == (2, "")
    assert "valuation_usd: " in err and "must be > 0" in err


@pytest.mark.parametrize(
    "value",
    ["840e9", "{lognormal: {median: 840e9, sigma: 0.8}}", "{uniform: {low: 5e11, high: 9e11}}"],
)
def test_a_positive_valuation_is_accepted(capsys, tmp_path, value):
    """A lognormal's support is open at 0, so every draw is positive: it meets `> 0` (the
    catalog's NVIDIA letter prices its later tranches so)."""
    code, _out, err = _run(capsys, tmp_path, value)
    assert code == 0, err


def test_the_bound_is_the_models_own():
    with pytest.raises(ValueError, match="valuation_usd"):
        Instrument.model_validate({"type": "equity", "valuation_usd": -1.0})
    assert Instrument.model_validate({"type": "equity"}).valuation_usd is None
    assert support_problem(0.0, gt=0) is not None  # a plain 0 is still refused
    lognormal = LogNormal.model_validate({"lognormal": {"median": 840e9, "sigma": 0.8}})
    assert support_problem(lognormal, gt=0) is None  # support (0, inf): every draw positive
    assert support_problem(lognormal, gt=1) is not None  # draws below 1 remain possible
