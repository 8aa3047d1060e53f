"""Physical bounds as schema (issue 13): non-finite, boolean, absurd and out-of-window inputs are
refused with one line per problem naming the field path, the value and what is allowed; a
distribution must lie inside its field's bounds."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from conftest import toy_scenario_data
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import KINDS, Model, Parameter, System
from gigawatt.distributions import Normal, quantile
from gigawatt.errors import InputError
from gigawatt.scenario import parse_scenario
from gigawatt.validation import input_error


def _site(**fields: Any) -> dict[str, Any]:
    site = toy_scenario_data()["sites"][0]
    return {**site, **fields}


def _phase(**fields: Any) -> dict[str, Any]:
    phase = toy_scenario_data()["sites"][0]["phases"][0]
    return {**phase, **fields}


def _error(catalog: Catalog, **overrides: Any) -> str:
    with pytest.raises(InputError) as exc:
        parse_scenario(toy_scenario_data(**overrides), catalog)
    return str(exc.value)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (math.nan, "nan is not allowed: must be a finite number"),
        (math.inf, "inf is not allowed: must be a finite number"),
        (True, "True is not allowed: expected a number, not true/false"),
        (0.0, "must be > 0"),
        (1e6, "must be > 0 and <= 50"),
    ],
)
def test_power_gw_bounds(toy_catalog, value, says):
    msg = _error(toy_catalog, sites=[_site(phases=[_phase(power_gw=value)])])
    assert msg.startswith("sites[0].phases[0].power_gw: ")
    assert says in msg
    assert "\n" not in msg


@pytest.mark.parametrize("field", ["pue", "wue_l_per_kwh", "clean_supply_share"])
def test_nan_in_site_fields(toy_catalog, field):
    msg = _error(toy_catalog, sites=[_site(**{field: math.nan})])
    assert msg == f"sites[0].{field}: nan is not allowed: must be a finite number"


def test_one_line_per_problem(toy_catalog):
    msg = _error(
        toy_catalog,
        sites=[_site(pue=math.nan, wue_l_per_kwh=math.inf, clean_supply_share=True)],
    )
    assert len(msg.splitlines()) == 3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start": "0000-01"}, "start"),
        ({"end": "9999-12"}, "end"),
        ({"start": "1900-01", "end": "1900-12"}, "start"),
    ],
)
def test_month_window(toy_catalog, overrides, field):
    msg = _error(toy_catalog, **overrides)
    assert msg.startswith(f"{field}: ")
    assert "1990-01 to 2100-12" in msg


def test_phase_online_in_1900(toy_catalog):
    msg = _error(toy_catalog, sites=[_site(phases=[_phase(online="1900-01")])])
    assert msg.startswith("sites[0].phases[0].online: ")


def test_integers_stay_integers(toy_catalog):
    msg = _error(toy_catalog, sites=[_site(phases=[_phase(ramp_months=2.5)])])
    assert "ramp_months" in msg and "whole number" in msg
    assert "seed" in _error(toy_catalog, seed=1.5)


def test_tiny_system_power_override_refused(toy_catalog):
    system = {"use": "toy-node", "it_power_w_per_accelerator": 1e-3}
    msg = _error(toy_catalog, sites=[_site(phases=[_phase(system=system)])])
    assert msg.startswith("sites[0].phases[0].system.it_power_w_per_accelerator: 0.001")
    assert "10" in msg


# --- distributions against the field's bounds ---------------------------------------------------


def test_normal_on_positive_cost_needs_truncation(toy_catalog):
    msg = _error(toy_catalog, costs={"capex_usd_per_gw": {"normal": {"mean": 4e10, "sd": 2e10}}})
    assert msg.startswith("costs.capex_usd_per_gw: ")
    assert "truncate" in msg
    ok = {"normal": {"mean": 4e10, "sd": 2e10, "low": 1e10, "high": 8e10}}
    sc = parse_scenario(toy_scenario_data(costs={"capex_usd_per_gw": ok}), toy_catalog)
    dist = sc.costs["capex-usd-per-gw"]
    draws = [sc.resolve(np.random.default_rng(i)).costs["capex-usd-per-gw"] for i in range(200)]
    assert min(draws) >= 1e10 and max(draws) <= 8e10
    assert isinstance(dist, Normal)
    assert quantile(dist, 0.0) == pytest.approx(1e10) and quantile(dist, 1.0) == pytest.approx(8e10)


def test_normal_on_pue_refused(toy_catalog):
    msg = _error(toy_catalog, sites=[_site(pue={"normal": {"mean": 1.2, "sd": 0.1}})])
    assert msg.startswith("sites[0].pue: ") and "truncate" in msg


def test_lognormal_sigma_bounded(toy_catalog):
    msg = _error(
        toy_catalog,
        sites=[_site(phases=[_phase(delay_months={"lognormal": {"median": 2, "sigma": 1e6}})])],
    )
    assert msg.startswith("sites[0].phases[0].delay_months.lognormal.sigma: ")
    assert "<= 3" in msg


def test_triangular_inf_and_nan_weights(toy_catalog):
    tri = {"triangular": {"low": 1, "mode": 2, "high": math.inf}}
    choice = {"choice": {"values": [1, 2], "weights": [math.nan, 1]}}
    msg = _error(toy_catalog, costs={"facility_usd_per_w": tri, "power_usd_per_w": choice})
    assert msg.splitlines() == [
        "costs.facility_usd_per_w.triangular.high: inf is not allowed: must be a finite number",
        "costs.power_usd_per_w.choice.weights[0]: nan is not allowed: must be a finite number",
    ]


def test_cost_fraction_outside_unit_range(toy_catalog):
    msg = _error(toy_catalog, costs={"capex_share_power": 1.5})
    assert msg.startswith("costs.capex_share_power: 1.5 is not allowed: must be >= 0 and <= 1")


# --- catalog records ----------------------------------------------------------------------------


def _system(**fields: Any) -> dict[str, Any]:
    base = Catalog.load().system("dgx-b200").model_dump(mode="python")
    return {**base, **fields}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("it_power_w_per_accelerator", math.nan),
        ("it_power_w_per_accelerator", True),
        ("scale_up_latency_s", math.inf),
        ("pod_size", 2.5),
        ("accelerators_per_node", 1e12),
    ],
)
def test_system_bounds(field, value):
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as exc:
        System.model_validate(_system(**{field: value}))
    assert input_error(exc.value).field == field


def test_model_size_limits():
    from pydantic import ValidationError

    base = Catalog.load().model("gpt3-175b").model_dump(mode="python")
    for field, value in [("layers", 1e9), ("hidden", 1e12), ("layers", 1e5)]:
        with pytest.raises(ValidationError) as exc:
            Model.model_validate({**base, field: value})
        assert input_error(exc.value).field == field


def test_accelerator_inf_peak_refused(tmp_path):
    (tmp_path / "accelerators.yaml").write_text(
        "- id: inf-chip\n  vendor: t\n  source: https://example.org a test chip\n"
        "  as_of: 2025-01-01\n  status: estimate\n  peak_flops_per_s: {bf16: .inf}\n"
        "  hbm_bytes: 1e11\n  hbm_bandwidth_bytes_per_s: 4e12\n  tdp_w: 800\n"
    )
    with pytest.raises(InputError) as exc:
        Catalog.load([tmp_path])
    assert "peak_flops_per_s.bf16: inf is not allowed" in str(exc.value)


def test_dates_window_in_records():
    from pydantic import ValidationError

    base = Catalog.load().system("dgx-b200").model_dump(mode="python")
    with pytest.raises(ValidationError):
        System.model_validate({**base, "as_of": "1800-01-01"})


def test_parameter_value_in_unit_range():
    from pydantic import ValidationError

    base = Catalog.load().parameter("capex-share-power").model_dump(mode="python")
    with pytest.raises(ValidationError):
        Parameter.model_validate({**base, "value": 2.0})


def test_every_shipped_record_is_within_bounds():
    """The shipped catalog loads (every record passes its bounds) and every numeric field of
    every kind is bounded above (no field takes an unbounded float); uncertain fields are
    checked against their range by a validator."""
    checked = {"value", "capex_usd_per_w", "capex_usd_per_wh", "fixed_om_usd_per_kw_year"}
    cat = Catalog.load()
    assert sum(1 for _ in cat) > 100
    for kind, cls in KINDS.items():
        schema = cls.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            for p in prop.get("anyOf", [prop]):
                if p.get("type") in {"number", "integer"} and name not in checked:
                    assert "maximum" in p or "exclusiveMaximum" in p, (kind, name)
