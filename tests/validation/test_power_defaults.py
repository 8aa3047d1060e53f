"""The power model's defaults against published measured figures.

Morrison et al. (ICLR 2025, arXiv 2503.05804) measured OLMo training power "fluctuating between
15 % and 85 % of our hardware's maximum power draw": a training job's average
accelerator draw must lie inside that range. The default load (catalog `training-utilisation`)
must put every accelerator of the catalog there.
"""

from __future__ import annotations

import pytest

from gigawatt.distributions import point
from gigawatt.energy.footprint import accelerator_power_w, idle_power_of
from gigawatt.energy.params import energy_param

MEASURED_LOW, MEASURED_HIGH = 0.15, 0.85  # Morrison et al. 2025, share of maximum power


def test_default_average_draw_is_inside_the_measured_range(catalog) -> None:
    u = energy_param(catalog, "training-utilisation")
    for acc in catalog.all("accelerators"):
        share = accelerator_power_w(acc.tdp_w, idle_power_of(catalog, acc), u) / acc.tdp_w
        assert MEASURED_LOW <= share <= MEASURED_HIGH, f"{acc.id}: {share:.2f} of TDP"


def test_sweep_range_stays_inside_for_the_a100(catalog) -> None:
    """The A100's idle figure is measured (BLOOM LCA, 50 W); its whole sweep range fits."""
    rec = catalog.get("energy", "training-utilisation")
    acc = catalog.accelerator("a100")
    for u in (rec.low, point(rec.value), rec.high):
        share = accelerator_power_w(acc.tdp_w, acc.idle_power_w, u) / acc.tdp_w
        assert MEASURED_LOW <= share <= MEASURED_HIGH


def test_starcoder_assumed_average_is_close(catalog) -> None:
    """StarCoder (Li et al. 2023) assumed 280 W average on a 400 W A100 (arXiv 2305.06161)."""
    acc = catalog.accelerator("a100")
    u = energy_param(catalog, "training-utilisation")
    assert accelerator_power_w(acc.tdp_w, acc.idle_power_w, u) == pytest.approx(280, rel=0.1)


def test_every_energy_default_cites_its_source(catalog) -> None:
    for rec in catalog.all("energy"):
        assert rec.note, f"{rec.id} has no note saying how the value is used"
        if rec.low is not None and rec.high is not None:
            assert rec.low <= point(rec.value) <= rec.high, rec.id


def test_default_pue_is_in_the_notes_range(catalog) -> None:
    """Meta's Llama footprints assume PUE 1.1 (Touvron et al. 2023, arXiv 2302.13971, Table 15)."""
    assert 1.05 <= energy_param(catalog, "default-pue") <= 1.15
