"""run_sweep: reproducible whatever runs it, resumable, keyed by what changes the results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sweep_cases import POWER_HIGH, POWER_LOW, POWER_MODE, uncertain_data, uncertain_scenario

from conftest import TOY_CATALOG, toy_scenario, toy_scenario_data
from gigawatt.catalog import Catalog
from gigawatt.errors import GigawattError, InputError
from gigawatt.scenario import parse_scenario
from gigawatt.simulate import simulate
from gigawatt.sweep import SweepStore, list_sweeps, load_sweep, run_sweep, sweep_id
from gigawatt.sweep import samples as samples_mod
from gigawatt.sweep.samples import flatten_years


def stored(path: Path, sid: str, samples: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    with SweepStore(path, read_only=True) as store:
        return store.inputs(sid, samples), store.outputs(sid, samples)


def assert_same_samples(a: Path, b: Path, sid: str, samples: int | None = None) -> None:
    for x, y in zip(stored(a, sid, samples), stored(b, sid, samples), strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_same_seed_same_samples_whatever_the_executor(toy_catalog, tmp_path):
    """In-process by one or by three, and a pool of two processes: identical stored samples."""
    sc = uncertain_scenario(toy_catalog)
    one = run_sweep(sc, 12, 3, tmp_path / "one.duckdb", catalog=toy_catalog)
    three = run_sweep(sc, 12, 3, tmp_path / "three.duckdb", catalog=toy_catalog, chunk_size=5)
    pool = run_sweep(sc, 12, 3, tmp_path / "pool.duckdb", catalog=toy_catalog, workers=2)
    assert one.sweep_id == three.sweep_id == pool.sweep_id
    assert one.computed == three.computed == pool.computed == 12
    assert_same_samples(tmp_path / "one.duckdb", tmp_path / "three.duckdb", one.sweep_id)
    assert_same_samples(tmp_path / "one.duckdb", tmp_path / "pool.duckdb", one.sweep_id)
    pd.testing.assert_frame_equal(one.bands, pool.bands)
    assert one.to_json() | {"store": None} == pool.to_json() | {"store": None}


def test_resume_after_interruption(toy_catalog, tmp_path):
    """Interrupted after k samples, a rerun computes only the other N - k; the result is the
    fresh run's."""
    sc = uncertain_scenario(toy_catalog)
    path, k, n = tmp_path / "s.duckdb", 4, 10

    def stop_after_k(done: int, total: int) -> None:
        if done >= k:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(sc, n, 0, path, catalog=toy_catalog, progress=stop_after_k)
    resumed = run_sweep(sc, n, 0, path, catalog=toy_catalog)
    assert resumed.computed == n - k and resumed.completed == n
    fresh = run_sweep(sc, n, 0, tmp_path / "fresh.duckdb", catalog=toy_catalog)
    assert_same_samples(path, tmp_path / "fresh.duckdb", fresh.sweep_id)
    pd.testing.assert_frame_equal(resumed.bands, fresh.bands)
    # nothing left to do; fewer samples: the first ones, as a fresh run of that many
    assert run_sweep(sc, n, 0, path, catalog=toy_catalog).computed == 0
    fewer = run_sweep(sc, 6, 0, path, catalog=toy_catalog)
    assert (fewer.computed, fewer.completed, fewer.samples) == (0, 6, 6)
    fresh6 = run_sweep(sc, 6, 0, tmp_path / "fresh6.duckdb", catalog=toy_catalog)
    pd.testing.assert_frame_equal(fewer.bands, fresh6.bands)


KILLED_RUN = textwrap.dedent(
    """
    import sys
    import gigawatt.sweep.run
    from gigawatt.catalog import Catalog
    from gigawatt.sweep import run_sweep

    gigawatt.sweep.run.FLUSH_S = 0  # commit every sample, so "5 done" means 5 stored

    def report(done, total):
        print(done, flush=True)

    catalog = Catalog.load([sys.argv[3]])
    run_sweep(sys.argv[1], 100000, 0, sys.argv[2], catalog=catalog, progress=report)
    """
)


def test_resume_after_kill(toy_catalog, tmp_path):
    """A sweep killed with SIGKILL (no clean-up at all) keeps every committed sample."""
    scenario_file = tmp_path / "toy.yaml"
    scenario_file.write_text(json.dumps(uncertain_data()))
    path = tmp_path / "s.duckdb"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(scenario_file), str(path), str(TOY_CATALOG)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        while int(child.stdout.readline() or -1) < 5:
            assert child.poll() is None, "the sweep ended early"
        with pytest.raises(GigawattError, match="open in another process"):
            SweepStore(path)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    with SweepStore(path) as store:
        (sid,) = [s.sweep_id for s in store.sweeps()]
        kept = len(store.status(sid))
    assert kept >= 5
    n = kept + 3
    resumed = run_sweep(str(scenario_file), n, 0, path, catalog=toy_catalog)
    assert resumed.sweep_id == sid and resumed.computed == 3
    run_sweep(str(scenario_file), n, 0, tmp_path / "fresh.duckdb", catalog=toy_catalog)
    assert_same_samples(path, tmp_path / "fresh.duckdb", sid, n)


def test_sweep_id_changes_with_scenario_seed_method_catalog_only(toy_catalog, tmp_path):
    sc = uncertain_scenario(toy_catalog)
    base = sweep_id(sc, 0, toy_catalog)
    assert len(base) == 64 and int(base, 16) >= 0
    # the same scenario, written differently (key order, JSON, YAML with comments, TOML)
    data = uncertain_data()
    reordered = dict(reversed(list(data.items())))
    assert sweep_id(parse_scenario(reordered, toy_catalog), 0, toy_catalog) == base
    yaml_file = tmp_path / "toy.yaml"
    yaml_file.write_text("# a comment\n" + json.dumps(data, indent=4))
    toml_file = tmp_path / "toy.toml"
    toml_file.write_text(_toml(data))
    for f in (yaml_file, toml_file):
        r = run_sweep(str(f), 1, 0, tmp_path / "ids.duckdb", catalog=toy_catalog)
        assert r.sweep_id == base
    # what changes the results changes the id
    other_pue = uncertain_data()
    other_pue["sites"][0]["pue"] = {"uniform": {"low": 1.1, "high": 1.4}}
    assert sweep_id(parse_scenario(other_pue, toy_catalog), 0, toy_catalog) != base
    assert sweep_id(sc, 1, toy_catalog) != base
    assert sweep_id(sc, 0, toy_catalog, method="latin-hypercube") != base
    extra = Catalog.load([TOY_CATALOG, Path(__file__).parent / "data" / "cheaper-chip"])
    assert sweep_id(sc, 0, extra) != base
    # the number of samples and the store do not
    a = run_sweep(sc, 2, 0, tmp_path / "a.duckdb", catalog=toy_catalog)
    b = run_sweep(sc, 3, 0, tmp_path / "b.duckdb", catalog=toy_catalog)
    assert a.sweep_id == b.sweep_id == base


def _toml(data: dict) -> str:
    """Just enough TOML for the toy scenario: JSON values are TOML inline values here."""
    site = data["sites"][0]
    phase = site["phases"][0]

    def inline(d: dict) -> str:
        return "{" + ", ".join(f"{k} = {_val(v)}" for k, v in d.items()) + "}"

    def _val(v):
        return inline(v) if isinstance(v, dict) else json.dumps(v)

    top = "\n".join(f"{k} = {_val(v)}" for k, v in data.items() if k != "sites")
    site_lines = "\n".join(f"{k} = {_val(v)}" for k, v in site.items() if k != "phases")
    phase_lines = "\n".join(f"{k} = {_val(v)}" for k, v in phase.items())
    return f"{top}\n[[sites]]\n{site_lines}\n[[sites.phases]]\n{phase_lines}\n"


def test_no_distributions_gives_zero_width_bands_at_the_plain_run(toy_catalog, tmp_path):
    sc = toy_scenario(toy_catalog)
    assert sc.uncertain_inputs() == []
    result = run_sweep(sc, 5, 0, tmp_path / "s.duckdb", catalog=toy_catalog)
    plain = flatten_years(simulate(sc, toy_catalog).years())
    bands = result.bands.merge(plain, on=["year", "key"], validate="one_to_one")
    assert len(bands) == len(plain)
    finite = bands.value.notna()
    for q in ("p10", "p50", "p90"):
        np.testing.assert_array_equal(bands[q][finite], bands.value[finite])
        assert bands[q][~finite].isna().all()


def test_bands_ordered_for_the_default_scenario(catalog, tmp_path):
    result = run_sweep("nvidia-openai-10gw", 6, 0, tmp_path / "s.duckdb", catalog=catalog)
    b = result.bands.dropna(subset=["p50"])
    assert len(b) > 100
    assert (b.p10 <= b.p50).all() and (b.p50 <= b.p90).all()
    assert (b.p10 < b.p90).any()  # the inputs do vary the outputs


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), samples=st.integers(1, 6))
def test_bands_ordered_any_seed(toy_catalog, tmp_path_factory, seed, samples):
    path = tmp_path_factory.mktemp("h") / "s.duckdb"
    result = run_sweep(uncertain_scenario(toy_catalog), samples, seed, path, catalog=toy_catalog)
    b = result.bands.dropna(subset=["p50"])
    assert (b.p10 <= b.p50).all() and (b.p50 <= b.p90).all()
    yearly = result.yearly_bands.dropna(subset=["p50"])
    assert (yearly.n == samples).all()
    # a headline date is null in a sample where the event does not happen
    assert (b.n <= samples).all()


def _triangular_quantile(q: float, low: float, mode: float, high: float) -> float:
    """Inverse CDF of the triangular distribution (closed form)."""
    cut = (mode - low) / (high - low)
    if q <= cut:
        return low + np.sqrt(q * (high - low) * (mode - low))
    return high - np.sqrt((1 - q) * (high - low) * (high - mode))


def test_monte_carlo_bands_against_closed_form(toy_catalog, tmp_path):
    """The drawn power is a triangular(0.5, 1, 2) GW: at December, facility power's P10/P50/P90
    over 300 samples must match the inverse CDF. The standard error of a sample quantile is
    sqrt(q(1-q)/N)/f(x_q), at most 0.024 GW here (P10, where the density is lowest); the
    tolerance is 4 of those, 0.1 GW (the seed is fixed, so the check is deterministic)."""
    result = run_sweep(
        uncertain_scenario(toy_catalog), 300, 0, tmp_path / "s.duckdb", catalog=toy_catalog
    )
    got = result.band("facility_power_gw", 2026)
    for q, value in zip((0.1, 0.5, 0.9), got, strict=True):
        expected = _triangular_quantile(q, POWER_LOW, POWER_MODE, POWER_HIGH)
        assert value == pytest.approx(expected, abs=0.1), q
    # the input bands are the drawn values' own quantiles
    inputs = {i["path"]: i for i in result.inputs()}
    power = inputs["sites[0].phases[0].power_gw"]
    assert (power["p10"], power["p50"], power["p90"]) == pytest.approx(got, rel=1e-12)


def test_failed_samples_are_kept_out_and_retried(toy_catalog, tmp_path, monkeypatch):
    sc = uncertain_scenario(toy_catalog)
    path = tmp_path / "s.duckdb"
    real = samples_mod.run_stages

    def odd_fail(scenario, catalog, rng):  # rng: the stages' child of the sample's generator
        if rng.bit_generator.seed_seq.entropy[1] % 2:
            raise ValueError("odd sample")
        return real(scenario, catalog, rng)

    monkeypatch.setattr(samples_mod, "run_stages", odd_fail)
    r = run_sweep(sc, 6, 0, path, catalog=toy_catalog)
    assert (r.computed, r.completed, r.failed) == (3, 3, 3)
    assert r.first_error == "ValueError: odd sample"
    assert (r.yearly_bands.n[r.yearly_bands.p50.notna()] == 3).all()
    monkeypatch.setattr(samples_mod, "run_stages", lambda *a: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(GigawattError, match="all 6 samples failed"):
        run_sweep(sc, 6, 1, tmp_path / "t.duckdb", catalog=toy_catalog)
    monkeypatch.undo()
    again = run_sweep(sc, 6, 0, path, catalog=toy_catalog)
    assert (again.computed, again.completed, again.failed) == (3, 6, 0)


def test_load_sweep_reads_what_run_wrote(toy_catalog, tmp_path):
    sc = uncertain_scenario(toy_catalog)
    path = tmp_path / "s.duckdb"
    ran = run_sweep(sc, 7, 2, path, catalog=toy_catalog)
    loaded = load_sweep(path, ran.sweep_id[:10])
    assert loaded.computed == 0
    assert loaded.to_json() | {"computed": 7} == ran.to_json()
    assert [s.sweep_id for s in list_sweeps(path)] == [ran.sweep_id]
    with pytest.raises(InputError, match="unknown sweep"):
        load_sweep(path, "0" * 64)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"samples": 0}, "samples"),
        ({"samples": 2.5}, "samples"),
        ({"seed": -1}, "seed"),
        ({"workers": 0}, "workers"),
        ({"workers": 2, "scheduler": "tcp://127.0.0.1:8786"}, "workers"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_bad_arguments(toy_catalog, tmp_path, kwargs, field):
    args = {"samples": 3, "store_path": tmp_path / "s.duckdb", "catalog": toy_catalog} | kwargs
    with pytest.raises(InputError, match=f"^{field}: "):  # the field, not a flag
        run_sweep(uncertain_scenario(toy_catalog), **args)


def test_store_is_not_the_scenario(toy_catalog, tmp_path):
    scenario_file = tmp_path / "toy.yaml"
    scenario_file.write_text(json.dumps(uncertain_data()))
    before = scenario_file.read_text()
    with pytest.raises(InputError, match=r"^store: "):
        run_sweep(str(scenario_file), 2, 0, scenario_file, catalog=toy_catalog)
    assert scenario_file.read_text() == before


def _children(pid: int) -> set[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_pool_workers_end_when_the_sweep_is_killed(tmp_path):
    """kill -9 of `sweep --workers 2` leaves no worker behind (issue 13): each worker watches
    its parent and exits when it is gone."""
    scenario_file = tmp_path / "toy.yaml"
    scenario_file.write_text(json.dumps(uncertain_data()))
    gigawatt = Path(sys.executable).with_name("gigawatt")
    child = subprocess.Popen(
        [
            str(gigawatt),
            "--catalog",
            str(TOY_CATALOG),
            "sweep",
            str(scenario_file),
            "--samples",
            "1000000",
            "--workers",
            "2",
            "--store",
            str(tmp_path / "s.duckdb"),
            "--json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while len(workers) < 2:
            assert child.poll() is None and time.monotonic() < deadline, "no workers started"
            workers = {p for p in _children(child.pid) if "spawn_main" in _cmdline(p)}
            time.sleep(0.2)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_gw_not_reached_in_some_samples_is_never_not_left_out(toy_catalog, tmp_path):
    """The drawn power is a triangular(0.5, 1, 2) GW, below 1 GW with probability 1/3: those
    samples never deploy GW 1. Its month's P90 is then "not by the end" (null, with `never`
    counting them), and its P50 is a month: leaving them out would band the month over the
    samples that reach 1 GW alone, whose P90 is a month."""
    n = 30
    result = run_sweep(
        uncertain_scenario(toy_catalog), n, 0, tmp_path / "s.duckdb", catalog=toy_catalog
    )
    inputs, _ = stored(tmp_path / "s.duckdb", result.sweep_id)
    power = inputs[inputs.path == "sites[0].phases[0].power_gw"].value
    short = int((power < 1.0).sum())
    assert 0.1 * n < short < 0.5 * n  # (seed fixed) enough to reach P90, not P50
    band = result.to_json()["headline"]["gw_deployed_date[1]"]
    assert band["n"] == n and band["never"] == short
    assert band["p90"] is None and band["p90_month"] is None
    assert band["p50_month"] is not None and band["p10"] <= band["p50"]


def test_inputs_are_independent_and_the_plain_run_can_leave_the_band(toy_catalog, tmp_path):
    """What `held_fixed` and the P50 note say is so: eight sites of 1 GW at the grid connection,
    each with its own PUE triangular(1.08, 1.15, 1.3) (the built-in scenarios'). The PUEs are
    drawn independently (sample correlation within 3 standard errors of 0, 3/sqrt(200) = 0.21),
    so IT power, the sum of 1/PUE, gathers near 8 / E[PUE] = 8 / 1.1767 = 6.80 GW: its P90 lies
    below the plain run's 8 / 1.15 = 6.96 GW (the mode; the sum's sd is about 0.07 GW, so P90 is
    about 6.89, one sd under)."""
    pue = {"triangular": {"low": 1.08, "mode": 1.15, "high": 1.3}}
    site = toy_scenario_data()["sites"][0]
    sites = [site | {"name": f"site-{i}", "pue": pue} for i in range(8)]
    sc = parse_scenario(toy_scenario_data(sites=sites), toy_catalog)
    result = run_sweep(sc, 200, 0, tmp_path / "s.duckdb", catalog=toy_catalog)
    assert any("drawn independently" in h for h in result.to_json()["held_fixed"])
    inputs, _ = stored(tmp_path / "s.duckdb", result.sweep_id)
    draws = inputs.pivot(index="sample", columns="path", values="value")
    r = np.corrcoef(draws["sites[0].pue"], draws["sites[1].pue"])[0, 1]
    assert abs(r) < 3 / np.sqrt(200)
    plain = simulate(sc, toy_catalog).years()[-1]["it_power_gw"]
    assert plain == pytest.approx(8 / 1.15)
    p10, p50, p90 = result.band("it_power_gw", 2026)
    assert p10 < p50 < p90 < plain and p50 == pytest.approx(8 / 1.1767, abs=0.03)
    # were the eight PUEs one (all moving together), IT power's P10-P90 would be that of 8 / PUE,
    # three times as wide as the independent sum's (docs/models/sweeps.md): 2.97 against 400,000
    # draws of the sum (sampling error under 0.01); this sweep's 200 samples give 3.37, their
    # P10-P90 13 % narrower than the sum's by chance
    one = parse_scenario(toy_scenario_data(sites=[site | {"pue": pue}]), toy_catalog)
    dist = one.sites[0].pue
    together = 8 / dist.quantile(0.1) - 8 / dist.quantile(0.9)
    draws = np.random.default_rng(0).triangular(1.08, 1.15, 1.3, size=(400_000, 8))
    q10, q90 = np.percentile((1 / draws).sum(axis=1), [10, 90])
    assert together / (q90 - q10) == pytest.approx(2.97, abs=0.02)
    assert 2.5 < together / (p90 - p10) < 3.5


def test_a_shared_group_draws_its_members_together(toy_catalog, tmp_path):
    """The eight sites above with their PUEs in one `shared` group: every sample draws one
    quantile for all eight (their draws are equal), so IT power is 8 / PUE and its band is that
    of 8 / PUE at the PUE's quantiles (P10 of IT power at the PUE's P90, within interpolation
    between 200 draws), about three times the independent sum's width. The sweep's JSON lists
    the group and each input's group, and a stored sweep loads with them."""
    pue = {"triangular": {"low": 1.08, "mode": 1.15, "high": 1.3}, "shared": "cooling"}
    site = toy_scenario_data()["sites"][0]
    sites = [site | {"name": f"site-{i}", "pue": pue} for i in range(8)]
    sc = parse_scenario(toy_scenario_data(sites=sites), toy_catalog)
    result = run_sweep(sc, 200, 0, tmp_path / "s.duckdb", catalog=toy_catalog)
    paths = [f"sites[{i}].pue" for i in range(8)]
    data = result.to_json()
    assert data["shared_groups"] == [{"name": "cooling", "members": paths}]
    assert all(i["shared"] == "cooling" for i in data["inputs"])
    assert load_sweep(tmp_path / "s.duckdb", result.sweep_id).to_json() == data | {"computed": 0}
    inputs, _ = stored(tmp_path / "s.duckdb", result.sweep_id)
    draws = inputs.pivot(index="sample", columns="path", values="value")
    assert (draws[paths].nunique(axis=1) == 1).all()
    p10, _, p90 = result.band("it_power_gw", 2026)
    dist = sc.sites[0].pue
    assert p10 == pytest.approx(8 / dist.quantile(0.9), rel=0.01)
    assert p90 == pytest.approx(8 / dist.quantile(0.1), rel=0.01)
    independent = [s | {"pue": {"triangular": pue["triangular"]}} for s in sites]
    alone = run_sweep(
        parse_scenario(toy_scenario_data(sites=independent), toy_catalog),
        200,
        0,
        tmp_path / "s.duckdb",
        catalog=toy_catalog,
    )
    assert alone.sweep_id != result.sweep_id and alone.to_json()["shared_groups"] == []
    q10, _, q90 = alone.band("it_power_gw", 2026)
    assert 2.5 < (p90 - p10) / (q90 - q10) < 3.5
