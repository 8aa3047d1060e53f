"""Programme-level policy: which sites a site-level threshold covers, and when a site crosses it."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Threshold
from gigawatt.policy import covers, first_crossing

CAT = Catalog.load()


def _threshold(tid: str) -> Threshold:
    return next(t for t in CAT.thresholds() if t.id == tid)


@pytest.mark.parametrize(
    ("tid", "region", "expected"),
    [
        ("tx-sb6-large-load", "us-ercot", True),
        ("tx-sb6-large-load", "us-spp", False),  # multi-state, not ERCOT
        ("us-eo-14318-data-center", "us-pjm", True),
        ("us-eo-14318-data-center", "de", False),
        ("us-eo-14110-cluster", "us-miso", True),
        ("us-eo-14110-cluster", "ie", False),
        ("eu-ai-act-systemic-risk", "us-ercot", True),  # no territory: follows the market
    ],
)
def test_territory(tid, region, expected):
    assert covers(_threshold(tid), CAT.region(region)) is expected


def test_texas_and_the_federal_order_both_need_more_than_their_value():
    """SB 6's Utilities Code section 37.0561(c): the standards apply where a site's load "would
    exceed" the 75 MW threshold; EO 14318 sec. 2(a): "greater than 100 MW" of new load."""
    assert _threshold("tx-sb6-large-load").comparison == ">"
    assert _threshold("us-eo-14318-data-center").comparison == ">"
    load = np.array([50e6, 75e6, 100e6, 120e6])
    assert first_crossing(load, 75e6, ">=") == 1
    assert first_crossing(load, 75e6, ">") == 2
    assert first_crossing(load, 100e6, ">") == 3
    assert first_crossing(load, 200e6, ">") is None


def test_site_level_thresholds_name_their_territory():
    for th in CAT.thresholds():
        if th.metric in ("site_load_w", "cluster_flops_per_s"):
            assert th.applies_to_countries or th.applies_to_regions, th.id
        for region in th.applies_to_regions:
            CAT.region(region)
