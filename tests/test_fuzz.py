"""Fuzzing the input schemas (issue 13): generated scenarios and catalog records either fail with
one line per problem naming what the user wrote, or pass and give finite, bounded results.
Never a traceback: any exception other than `InputError` fails the test (and warnings are
errors in this suite, so a NumPy overflow warning fails it too).

The bulk calls the library in process (thousands of cases in seconds); a corpus of the issue's
cases runs through the CLI, a few of them in a subprocess.
"""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import TOY_CATALOG, toy_scenario_data
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Accelerator, Model, Region, System
from gigawatt.cli import main
from gigawatt.errors import InputError
from gigawatt.scenario import parse_scenario
from gigawatt.simulate import simulate
from gigawatt.validation import check_result, input_error, result_problems

CAT = Catalog.load()
TOY = Catalog.load([TOY_CATALOG])
FUZZ = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies -------------------------------------------------------------------------------

#: Numbers a careless user or script writes: non-finite, boolean, huge, tiny, negative, text.
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-10, max_value=100),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.sampled_from([0, 1, -1, 0.5, 1e-300, 1e300, True, False, "1", "nan", None]),
)


def _dist(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    return {kind: params}


distributions = st.one_of(
    st.builds(
        lambda a, b, c: _dist("triangular", {"low": a, "mode": b, "high": c}),
        numbers,
        numbers,
        numbers,
    ),
    st.builds(lambda a, b: _dist("uniform", {"low": a, "high": b}), numbers, numbers),
    st.builds(lambda a, b: _dist("normal", {"mean": a, "sd": b}), numbers, numbers),
    st.builds(
        lambda a, b, lo, hi: _dist("normal", {"mean": a, "sd": b, "low": lo, "high": hi}),
        numbers,
        numbers,
        numbers,
        numbers,
    ),
    st.builds(lambda a, b: _dist("lognormal", {"median": a, "sigma": b}), numbers, numbers),
    st.builds(
        lambda v, w: _dist("choice", {"values": v, "weights": w}),
        st.lists(numbers, max_size=3),
        st.one_of(st.none(), st.lists(numbers, max_size=3)),
    ),
    st.builds(lambda k: {k: 1}, st.sampled_from(["triangular", "gamma", "normal"])),
)
values = st.one_of(numbers, distributions)
months = st.one_of(
    st.builds(
        lambda y, m: f"{y:04d}-{m:02d}",
        st.integers(min_value=0, max_value=9999),
        st.integers(min_value=1, max_value=12),
    ),
    st.sampled_from(["2026-13", "2026-1", "soon", "1989-12", "2101-01", "2100-12"]),
)

#: (path, setter) of every field the fuzz may change; the path is what an error must name.
SITE_FIELDS = ["pue", "wue_l_per_kwh", "clean_supply_share", "lat", "lon"]
PHASE_FIELDS = ["power_gw", "ramp_months", "delay_months", "construction_months"]
COST_FIELDS = ["capex_usd_per_gw", "facility_usd_per_w", "capex_share_power", "system_price_scale"]
SYSTEM_FIELDS = ["it_power_w_per_accelerator", "accelerators_per_rack", "scale_up_latency_s"]


#: Values a schema may well accept: what a sweep of plausible inputs looks like.
plausible = st.one_of(
    st.floats(min_value=0, max_value=60),
    st.builds(
        lambda lo, width: {"triangular": {"low": lo, "mode": lo + width / 2, "high": lo + width}},
        st.floats(min_value=0, max_value=20),
        st.floats(min_value=0.01, max_value=20),
    ),
    st.builds(
        lambda m, s: {"lognormal": {"median": m, "sigma": s}},
        st.floats(min_value=0.01, max_value=20),
        st.floats(min_value=0, max_value=3),
    ),
)
plausible_months = st.builds(
    lambda y, m: f"{y}-{m:02d}",
    st.integers(min_value=2024, max_value=2029),
    st.integers(min_value=1, max_value=12),
)


@st.composite
def scenarios(
    draw: st.DrawFn, numbers: Any = numbers, values: Any = values, months: Any = months
) -> tuple[dict[str, Any], list[str]]:
    """A toy scenario with a few fields replaced by generated values, and their paths."""
    data = copy.deepcopy(toy_scenario_data(end="2027-12"))
    site = data["sites"][0]
    phase = site["phases"][0]
    changed: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = draw(st.sampled_from(["site", "phase", "cost", "system", "month", "seed"]))
        if where == "site":
            name = draw(st.sampled_from(SITE_FIELDS))
            site[name] = draw(numbers if name in {"lat", "lon"} else values)
            changed.append(f"sites[0].{name}")
        elif where == "phase":
            name = draw(st.sampled_from(PHASE_FIELDS))
            phase[name] = draw(values)
            changed.append(f"sites[0].phases[0].{name}")
        elif where == "cost":
            name = draw(st.sampled_from(COST_FIELDS))
            data.setdefault("costs", {})[name] = draw(values)
            changed.append(f"costs.{name}")
        elif where == "system":
            name = draw(st.sampled_from(SYSTEM_FIELDS))
            phase["system"] = {"use": "toy-node", name: draw(numbers)}
            changed.append(f"sites[0].phases[0].system.{name}")
        elif where == "month":
            name = draw(st.sampled_from(["start", "end", "online"]))
            if name == "online":
                phase["online"] = draw(months)
                changed.append("sites[0].phases[0].online")
            else:
                data[name] = draw(months)
                changed.append(name)
        else:
            data["seed"] = draw(numbers)
            changed.append("seed")
    return data, changed


def _names_what_changed(line: str, changed: list[str]) -> bool:
    """An error line names a changed field: by path, or (a rule across fields, such as start
    after end) by the field's own name."""
    leaves = {c.rsplit(".", 1)[-1].split("[")[0] for c in changed} | {"start", "end", "online"}
    return any(line.startswith(c) for c in changed) or any(leaf in line for leaf in leaves)


def _assert_clean_error(err: InputError, changed: list[str]) -> None:
    text = str(err)
    lines = text.splitlines()
    assert lines and all(line.strip() for line in lines), text
    assert len(lines) == len(set(lines)), text  # one line per problem, none repeated
    assert "Traceback" not in text
    for line in lines:
        assert _names_what_changed(line, changed), (line, changed)


# --- the scenario schema ------------------------------------------------------------------------


@settings(FUZZ, max_examples=2000)
@given(case=scenarios())
def test_scenario_fuzz_parses_or_names_the_field(case):
    data, changed = case
    try:
        sc = parse_scenario(data, TOY)
    except InputError as e:
        _assert_clean_error(e, changed)
        return
    resolved = sc.resolve()
    for path, dist in sc.distributions():
        assert math.isfinite(float(dist.point())), path
    assert resolved.is_resolved()


@settings(FUZZ, max_examples=40)
@given(case=scenarios(plausible, plausible, plausible_months))
def test_valid_fuzzed_scenarios_give_bounded_results(case):
    """A scenario the schema accepts simulates to finite, bounded results (the invariants)."""
    data, changed = case
    try:
        sc = parse_scenario(data, TOY)
    except InputError as e:
        _assert_clean_error(e, changed)
        return
    results = simulate(sc, TOY, until="energy")
    check_result(results, "run")
    VALID.append(1)


VALID: list[int] = []


def test_the_plausible_fuzz_simulates_some_scenarios():
    """Runs after the fuzz above (file order): enough generated scenarios were valid to
    exercise the models, not only the schema."""
    assert len(VALID) >= 5


# --- the catalog schemas ------------------------------------------------------------------------

RECORDS = {
    System: CAT.system("dgx-b200").model_dump(mode="python"),
    Model: CAT.model("gpt3-175b").model_dump(mode="python"),
    Accelerator: CAT.accelerator("h100-sxm").model_dump(mode="python"),
    Region: CAT.region("us-ercot").model_dump(mode="python"),
}


def _numeric_fields(record: dict[str, Any]) -> list[str]:
    return [k for k, v in record.items() if isinstance(v, int | float) and not isinstance(v, bool)]


@settings(FUZZ, max_examples=1000)
@given(st.sampled_from(list(RECORDS)), st.data())
def test_catalog_record_fuzz(cls, data):
    record = dict(RECORDS[cls])
    fields = data.draw(
        st.lists(st.sampled_from(_numeric_fields(record)), min_size=1, max_size=3, unique=True)
    )
    for name in fields:
        record[name] = data.draw(numbers)
    try:
        rec = cls.model_validate(record)
    except ValidationError as e:
        err = input_error(e)
        for p in err.problems:
            assert p.field is None or p.field.split(".")[0] in fields, (p, fields)
        return
    dumped = rec.model_dump(mode="python")
    for name in fields:
        value = dumped[name]
        assert value is None or (not isinstance(value, bool) and math.isfinite(value)), name
    assert result_problems(dumped) == [] or cls is Model


# --- a corpus of the issue's cases through the CLI ------------------------------------------------

BASE = toy_scenario_data(end="2027-12")


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


CORPUS = {
    "power-nan": _with(["sites", 0, "phases", 0, "power_gw"], math.nan),
    "power-true": _with(["sites", 0, "phases", 0, "power_gw"], True),
    "pue-nan": _with(["sites", 0, "pue"], math.nan),
    "wue-nan": _with(["sites", 0, "wue_l_per_kwh"], math.nan),
    "clean-nan": _with(["sites", 0, "clean_supply_share"], math.nan),
    "start-0000": _with(["start"], "0000-01"),
    "online-1900": _with(["sites", 0, "phases", 0, "online"], "1900-01"),
    "end-9999": _with(["end"], "9999-12"),
    "tiny-power": _with(
        ["sites", 0, "phases", 0, "system"], {"use": "toy-node", "it_power_w_per_accelerator": 1e-9}
    ),
    "normal-capex": _with(["costs"], {"capex_usd_per_gw": {"normal": {"mean": 4e10, "sd": 3e10}}}),
    "lognormal-sigma": _with(
        ["sites", 0, "phases", 0, "delay_months"], {"lognormal": {"median": 2, "sigma": 1e6}}
    ),
    "triangular-inf": _with(
        ["costs"], {"facility_usd_per_w": {"triangular": {"low": 1, "mode": 2, "high": math.inf}}}
    ),
    "choice-nan": _with(
        ["costs"], {"power_usd_per_w": {"choice": {"values": [1, 2], "weights": [math.nan, 1]}}}
    ),
}


def _write(tmp_path, name: str, data: dict[str, Any]) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_issue_corpus_exit_2_one_line(capsys, tmp_path, name):
    path = _write(tmp_path, name, CORPUS[name])
    with pytest.raises(SystemExit) as exc:
        main(["--catalog", str(toy_catalog_dir()), "energy", path])
    out, err = capsys.readouterr()
    assert exc.value.code == 2, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "internal error" not in err


def toy_catalog_dir() -> Path:
    return TOY_CATALOG


@pytest.mark.parametrize("name", ["power-nan", "normal-capex"])
def test_issue_corpus_in_a_subprocess(tmp_path, name):
    path = _write(tmp_path, name, CORPUS[name])
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("gigawatt")),
            "--catalog",
            str(toy_catalog_dir()),
            "energy",
            path,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
