"""Sensitivity analysis against cases whose indices are known in closed form (issue 12).

The toy system draws 1 kW all-in IT power per accelerator (tests/data/toy-catalog), so:
- additive: two phases of U(a_i, b_i) GW on the facility basis; the end-of-run facility power is
  their sum, Y = X1 + X2, whose first-order and total indices are both Var(X_i) / Var(Y);
- multiplicative: one phase of U(a, b) GW of IT power at PUE U(c, d) on the IT basis; the
  facility power is Y = X1 X2, with V_i = Var(X_i) E[X_j]^2, Var(Y) = E[X1^2] E[X2^2] -
  E[X1]^2 E[X2]^2, S1_i = V_i / Var(Y) and ST_i = 1 - V_j / Var(Y) (Sobol 1993; Saltelli et al.
  2008, Global Sensitivity Analysis: The Primer, Wiley, section 4.4).
The estimates must fall within their bootstrap 95 % confidence interval of the analytic value
(plus 0.03 for the interval's own sampling error at N = 128).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import toy_scenario_data
from gigawatt.errors import InputError
from gigawatt.scenario import parse_scenario
from gigawatt.sweep.headline import decimal_year
from gigawatt.sweep.sensitivity import (
    CONSTANT_NOTE,
    is_constant,
    run_sensitivity,
    sobol_design,
    sobol_indices,
    tornado_design,
)

N = 128
SLACK = 0.03


def _uniform(low: float, high: float) -> dict:
    return {"uniform": {"low": low, "high": high}}


def _var_uniform(a: float, b: float) -> float:
    return (b - a) ** 2 / 12


def _additive(catalog):
    data = toy_scenario_data()
    site = data["sites"][0]
    site["phases"] = [
        {"online": "2026-03", "power_gw": _uniform(0.5, 1.5), "system": "toy-node"},
        {"online": "2026-04", "power_gw": _uniform(1.0, 4.0), "system": "toy-node"},
    ]
    return parse_scenario(data, catalog)


def _multiplicative(catalog):
    data = toy_scenario_data(power_basis="it")
    site = data["sites"][0]
    site["pue"] = _uniform(1.1, 1.5)
    site["phases"][0]["power_gw"] = _uniform(1.0, 3.0)
    return parse_scenario(data, catalog)


def _assert_close(estimate: float, conf: float, expected: float, what: str) -> None:
    assert abs(estimate - expected) <= conf + SLACK, (
        f"{what}: {estimate:.3f} ± {conf:.3f} vs {expected:.3f}"
    )


def test_additive_case_matches_the_analytic_indices(toy_catalog, tmp_path):
    sc = _additive(toy_catalog)
    r = run_sensitivity(
        sc, "sobol", base_samples=N, seed=3, store_path=tmp_path / "s.duckdb", catalog=toy_catalog
    )
    out = r.output("facility_power_gw_end")
    v1, v2 = _var_uniform(0.5, 1.5), _var_uniform(1.0, 4.0)
    p1, p2 = sc.uncertain_inputs()
    s = out.sobol
    assert s is not None
    for path, v in ((p1, v1), (p2, v2)):
        expected = v / (v1 + v2)
        _assert_close(s.first[path], s.first_conf[path], expected, f"S1 {path}")
        _assert_close(s.total[path], s.total_conf[path], expected, f"ST {path}")
    assert out.ranking() == [p2, p1]


def test_multiplicative_case_matches_the_analytic_indices(toy_catalog, tmp_path):
    sc = _multiplicative(toy_catalog)
    r = run_sensitivity(
        sc, "sobol", base_samples=N, seed=5, store_path=tmp_path / "s.duckdb", catalog=toy_catalog
    )
    pue, power = sc.uncertain_inputs()
    (a, b), (c, d) = (1.0, 3.0), (1.1, 1.5)
    e1, e2 = (a + b) / 2, (c + d) / 2
    m1, m2 = _var_uniform(a, b) + e1**2, _var_uniform(c, d) + e2**2
    var = m1 * m2 - (e1 * e2) ** 2
    v_power, v_pue = _var_uniform(a, b) * e2**2, _var_uniform(c, d) * e1**2
    s = r.output("facility_power_gw_end").sobol
    assert s is not None
    _assert_close(s.first[power], s.first_conf[power], v_power / var, "S1 power")
    _assert_close(s.first[pue], s.first_conf[pue], v_pue / var, "S1 pue")
    _assert_close(s.total[power], s.total_conf[power], 1 - v_pue / var, "ST power")
    _assert_close(s.total[pue], s.total_conf[pue], 1 - v_power / var, "ST pue")
    # the IT power does not depend on the PUE at all
    it = r.output("it_power_gw_end").sobol
    assert it is not None and abs(it.total[pue]) <= it.total_conf[pue] + SLACK


def test_tornado_is_one_at_a_time_at_p10_and_p90(toy_catalog, tmp_path):
    sc = _additive(toy_catalog)
    r = run_sensitivity(sc, "tornado", store_path=tmp_path / "s.duckdb", catalog=toy_catalog)
    out = r.output("facility_power_gw_end")
    # base: the midpoints 1.0 + 2.5; each bar moves one phase to its P10 / P90 (uniform: exact)
    assert out.base == pytest.approx(3.5, rel=1e-9)
    by_input = {b.input: b for b in out.tornado}
    p1, p2 = sc.uncertain_inputs()
    # U(0.5, 1.5): P10 0.6, P90 1.4; U(1, 4): P10 1.3, P90 3.7
    assert (by_input[p1].output_low, by_input[p1].output_high) == pytest.approx((3.1, 3.9))
    assert (by_input[p2].output_low, by_input[p2].output_high) == pytest.approx((2.3, 4.7))
    assert [b.input for b in out.tornado] == [p2, p1]  # ranked by swing
    assert out.sobol is None
    # a date output: at its midpoint the first phase alone is 1 GW, online in 2026-03; at its
    # P10 (0.6 GW) the first GW waits for the second phase, in 2026-04
    date = r.output("gw_deployed_date[1]")
    assert date.base == decimal_year("2026-03")
    first = {b.input: b for b in date.tornado}[p1]
    assert (first.output_low, first.output_high) == (decimal_year("2026-04"), date.base)


def test_designs_are_deterministic_and_resume(toy_catalog, tmp_path):
    sc = _multiplicative(toy_catalog)
    a, b = sobol_design(sc, 64, 1), sobol_design(sc, 64, 1)
    assert (a.values == b.values).all() and len(a) == 64 * (2 + 2)
    assert a.method != sobol_design(sc, 128, 1).method
    assert len(tornado_design(sc)) == 2 * 2 + 1
    path = tmp_path / "s.duckdb"
    first = run_sensitivity(
        sc, "both", base_samples=64, seed=1, store_path=path, catalog=toy_catalog
    )
    again = run_sensitivity(
        sc, "both", base_samples=64, seed=1, store_path=path, catalog=toy_catalog
    )
    assert again.to_json() == first.to_json()


def test_outputs_that_do_not_always_happen_get_a_note(toy_catalog, tmp_path):
    data = toy_scenario_data()
    # the phase comes online in 2026-11 or (delayed 2 months) after the scenario ends
    data["sites"][0]["phases"][0].update(
        online="2026-11", delay_months={"choice": {"values": [0, 2]}}
    )
    sc = parse_scenario(data, toy_catalog)
    r = run_sensitivity(
        sc, "sobol", base_samples=16, seed=0, store_path=tmp_path / "s.duckdb", catalog=toy_catalog
    )
    out = r.output("gw_deployed_date[1]")
    assert out.sobol is None and "missing in" in (out.sobol_note or "")
    assert math.isnan(r.output("gw_deployed_date[1]").base or math.nan)


@pytest.mark.parametrize("n", [0, 3, 100, 1 << 20])
def test_sobol_base_must_be_a_power_of_two(toy_catalog, tmp_path, n):
    with pytest.raises(InputError, match="samples"):
        run_sensitivity(
            _additive(toy_catalog),
            "sobol",
            base_samples=n,
            store_path=tmp_path / "s.duckdb",
            catalog=toy_catalog,
        )


def test_a_scenario_without_uncertain_inputs_is_refused(toy_catalog, tmp_path):
    sc = parse_scenario(toy_scenario_data(), toy_catalog)
    with pytest.raises(InputError, match="no uncertain inputs"):
        run_sensitivity(sc, "tornado", store_path=tmp_path / "s.duckdb", catalog=toy_catalog)


def test_confidence_intervals_are_reproducible_with_seed_0(toy_catalog, tmp_path):
    """SALib seeds its bootstrap only for a truthy seed: seed 0 must still repeat."""
    sc = _multiplicative(toy_catalog)
    runs = [
        run_sensitivity(
            sc,
            "sobol",
            base_samples=16,
            seed=0,
            store_path=tmp_path / "s.duckdb",
            catalog=toy_catalog,
        )
        .output("facility_power_gw_end")
        .sobol
        for _ in range(2)
    ]
    assert runs[0] == runs[1]


def _unit_design(d: int, n: int, seed: int):
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0, 1]] * d}
    return sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)


def test_weighted_additive_function():
    """Y = sum a_i X_i, X_i ~ U(0, 1): S1_i = ST_i = a_i^2 / sum a_j^2 (Var X_i all equal); an
    input with a_i = 0 gets 0. The estimator straight on a function, without a scenario."""
    a = (3.0, 2.0, 1.0, 0.0)
    x = _unit_design(len(a), 1024, seed=7)
    s, note = sobol_indices([f"x{i}" for i in range(len(a))], x @ a, seed=7)
    assert note is None and s is not None
    total = sum(w * w for w in a)
    for i, w in enumerate(a):
        name = f"x{i}"
        _assert_close(s.first[name], s.first_conf[name], w * w / total, f"S1 {name}")
        _assert_close(s.total[name], s.total_conf[name], w * w / total, f"ST {name}")


def test_product_function_has_interactions():
    """Y = X1 X2, X_i ~ U(1, 3) (mean 2, variance 1/3, E[X^2] 13/3): Var Y = (13/3)^2 - 16 =
    25/9; S1_i = Var X_i E[X_j]^2 / Var Y = (4/3) / (25/9) = 12/25; ST_i = 1 - S1_j = 13/25:
    the interaction's 1/25 counts in both totals."""
    x = 1.0 + 2.0 * _unit_design(2, 1024, seed=11)
    s, _ = sobol_indices(["x0", "x1"], x[:, 0] * x[:, 1], seed=11)
    assert s is not None
    for name in ("x0", "x1"):
        _assert_close(s.first[name], s.first_conf[name], 12 / 25, f"S1 {name}")
        _assert_close(s.total[name], s.total_conf[name], 13 / 25, f"ST {name}")


def test_outputs_that_barely_vary_get_no_indices(toy_catalog, tmp_path):
    """A power drawn within a billionth of 2 GW: the end-of-run power varies by rounding-scale
    amounts only, so its indices would be noise; it is reported as not varying."""
    data = toy_scenario_data()
    data["sites"][0]["phases"][0]["power_gw"] = _uniform(2.0, 2.0 + 2e-9)
    sc = parse_scenario(data, toy_catalog)
    r = run_sensitivity(
        sc, "sobol", base_samples=16, seed=0, store_path=tmp_path / "s.duckdb", catalog=toy_catalog
    )
    out = r.output("facility_power_gw_end")
    assert out.sobol is None and out.sobol_note == CONSTANT_NOTE
    assert "facility_power_gw_end" in r.to_json()["constant_outputs"]
    assert r.to_json()["outputs"][0]["sobol"] is None


def test_constant_threshold_is_relative_to_the_output():
    x = np.linspace(0.0, 1.0, 64)
    assert is_constant(np.full(64, 7.0)) and is_constant(np.zeros(64))
    assert is_constant(1e12 * (1 + 1e-9 * x))  # a spread of 1e-9 of the value
    assert not is_constant(1e-6 * (1 + 1e-3 * x))  # small values, but a 1e-3 spread
    paths = ["a", "b"]
    y = 3.0 + 1e-10 * np.arange(16 * 4)
    assert sobol_indices(paths, y, seed=0) == (None, CONSTANT_NOTE)


def test_a_date_one_month_late_in_one_of_thousands_of_samples_varies():
    """A date's spread is measured against a year, not against the year number: one sample in
    8,192 a month late is a spread of 9e-4 years (while 5e-7 of the year number 2027)."""
    y = np.full(8192, decimal_year("2027-07"))
    y[100] += 1 / 12
    assert not is_constant(y, "gw_deployed_date[1]")
    assert is_constant(y)  # against the year number, it would be taken for constant
    assert is_constant(np.full(8192, decimal_year("2027-07")), "gw_deployed_date[1]")


def test_tornado_only_has_no_constant_outputs(toy_catalog, tmp_path):
    sc = _additive(toy_catalog)
    r = run_sensitivity(sc, "tornado", store_path=tmp_path / "s.duckdb", catalog=toy_catalog)
    assert r.to_json()["constant_outputs"] is None


def _grouped(catalog):
    """Three phases: the first two's power (U(0.5, 1.5), U(1, 4)) in one `shared` group, the
    third's (U(0.5, 2.5)) on its own. Facility power is their sum: the group's part is
    1.5 + 4u (variance 16/12), the third's has variance 4/12."""
    data = toy_scenario_data()
    data["sites"][0]["phases"] = [
        {"online": "2026-03", "power_gw": _uniform(0.5, 1.5) | {"shared": "supply"}},
        {"online": "2026-04", "power_gw": _uniform(1.0, 4.0) | {"shared": "supply"}},
        {"online": "2026-05", "power_gw": _uniform(0.5, 2.5)},
    ]
    for phase in data["sites"][0]["phases"]:
        phase["system"] = "toy-node"
    return parse_scenario(data, catalog)


def test_a_shared_group_is_one_input_of_the_tornado_and_of_sobol(toy_catalog, tmp_path):
    sc = _grouped(toy_catalog)
    first, second, third = sc.uncertain_inputs()
    r = run_sensitivity(
        sc, "both", base_samples=N, seed=3, store_path=tmp_path / "s.duckdb", catalog=toy_catalog
    )
    assert r.shared_groups == {"supply": [first, second]}
    data = r.to_json()
    assert data["shared_groups"] == [{"name": "supply", "members": [first, second]}]
    assert [i["shared"] for i in data["inputs"]] == ["supply", "supply", None]
    assert any("`shared` group" in h for h in data["held_fixed"])
    out = r.output("facility_power_gw_end")
    assert out.base == pytest.approx(5.0, rel=1e-9)
    bars = {b.input: b for b in out.tornado}
    assert set(bars) == {"supply", third}
    # the group: both members at their own P10 (0.6, 1.3), then P90 (1.4, 3.7), together
    supply = bars["supply"]
    assert (supply.output_low, supply.output_high) == pytest.approx((3.4, 6.6))
    assert supply.input_low is None and [m[0] for m in supply.members] == [first, second]
    assert [m[1:] for m in supply.members] == [pytest.approx((0.6, 1.4)), pytest.approx((1.3, 3.7))]
    assert (bars[third].output_low, bars[third].output_high) == pytest.approx((4.2, 5.8))
    assert bars[third].input_low == pytest.approx(0.7) and len(bars[third].members) == 1
    # Sobol of the group as one input: 16/20 and 4/20 of the variance (additive: S1 = ST)
    s = out.sobol
    assert s is not None and set(s.total) == {"supply", third}
    for name, expected in (("supply", 0.8), (third, 0.2)):
        _assert_close(s.first[name], s.first_conf[name], expected, f"S1 {name}")
        _assert_close(s.total[name], s.total_conf[name], expected, f"ST {name}")
    assert out.ranking() == ["supply", third]
    # the Sobol design moves the members together: comonotone columns
    design = sobol_design(sc, N, 3)
    assert np.array_equal(np.argsort(design.values[:, 0]), np.argsort(design.values[:, 1]))
    assert tornado_design(sc).values.shape == (5, 3)


def test_the_reports_tornado_moves_a_group_together(toy_catalog):
    """The report's tornado (no store) has one bar for the group; its inputs table lists each
    member with its own P10 and P90, marked with the group."""
    from gigawatt.report.sensitivity import _inputs_table
    from gigawatt.sweep.sensitivity import tornado

    sc = _grouped(toy_catalog)
    first, second, third = sc.uncertain_inputs()
    outputs = tornado(sc, toy_catalog, keys=["facility_power_gw_end"])
    bars = {b.input: b for b in outputs[0].tornado}
    assert (bars["supply"].output_low, bars["supply"].output_high) == pytest.approx((3.4, 6.6))
    rows = {row[0]: row[1:] for row in _inputs_table(outputs, sc).rows}
    assert rows == {
        f"{first} (shared: supply)": ("0.6", "1.4"),
        f"{second} (shared: supply)": ("1.3", "3.7"),
        third: ("0.7", "2.3"),
    }
