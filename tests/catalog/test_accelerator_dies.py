"""Packages vs dies (catalog `compute_dies`): every count the tool prints is in packages; the
dies are stated per accelerator and agree with NVIDIA's die-counted rack names."""

from __future__ import annotations

import re

from gigawatt.catalog import Catalog
from gigawatt.scenario import load_scenario
from gigawatt.simulate import simulate


def test_die_counted_rack_names_match_packages_times_dies():
    """NVIDIA's GTC 2025 rack names counted dies ("NVL144" = 72 two-die Rubin packages,
    "NVL576" = 144 four-die Rubin Ultra packages, GTC 2025 keynote; at CES 2026 the Rubin rack
    became "Vera Rubin NVL72", counting packages again): a system whose id or alias
    carries such a name holds that many dies, packages per rack x `compute_dies`."""
    cat = Catalog.load()
    checked = 0
    for system in cat.all("systems"):
        acc = cat.accelerator(system.accelerator)
        for name in (system.id, *system.aliases):
            m = re.search(r"nvl(\d+)", name)
            if m is None or int(m.group(1)) == system.accelerators_per_rack:
                continue  # a package-counted name (GB200 NVL72) or none
            assert system.accelerators_per_rack * acc.compute_dies == int(m.group(1)), name
            checked += 1
    assert checked >= 2  # vera-rubin-nvl144 and rubin-ultra-nvl576 at least


def test_run_counts_dies_beside_packages(capsys, tmp_path):
    """`run --json`'s `compute_dies` is each type's packages x its dies; the summary's caption
    gives the per-package dies and the last year's total instead of a fixed phrase."""
    from gigawatt.cli import main

    cat = Catalog.load()
    years = simulate(load_scenario("stargate-10gw", cat), cat, until="energy").years()
    for y in years:
        by_type = y["accelerators_by_type"]
        assert y["compute_dies"] == sum(
            n * cat.accelerator(t).compute_dies for t, n in by_type.items()
        )
        assert y["accelerators"] <= y["compute_dies"] <= 4 * y["accelerators"]
    try:
        main(["run", "stargate-10gw", "--out", str(tmp_path / "o"), "--no-sensitivity"])
    except SystemExit as e:
        assert e.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"{years[-1]['compute_dies']:,} dies in {years[-1]['month']}" in out
    assert "vera-rubin 2" in out and "two GPU dies" not in out
    # NVIDIA counted dies in its GTC 2025 names only: its CES 2026 Vera Rubin NVL72 counts the
    # 72 packages (the caption said "NVIDIA counts each die as a GPU from Rubin on")
    assert "NVIDIA's rack names count packages, save GTC 2025's NVL144 and NVL576, which " in out


def test_catalog_listing_shows_dies_and_estimated_peaks(capsys):
    """`gigawatt catalog accelerators` states each multi-die package's dies and each peak the
    vendor has not published, with how it was estimated, beside the record's status."""
    from gigawatt.cli import main

    cat = Catalog.load()
    try:
        main(["catalog", "accelerators"])
    except SystemExit as e:
        assert e.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for acc in cat.all("accelerators"):
        if acc.compute_dies and acc.compute_dies > 1:
            assert f"package: {acc.compute_dies} reticle-sized compute dies" in out, acc.id
        for precision, how in acc.peak_estimates.items():
            assert f"{precision} peak: an estimate, {' '.join(how.split())}" in out, acc.id
    assert "package: 1 reticle" not in out
