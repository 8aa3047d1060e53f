from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from gigawatt.catalog import Catalog
from gigawatt.scenario import Scenario, parse_scenario

DATA = Path(__file__).parent / "data"

# The persistent search cache (gigawatt.cache) goes to a folder of this test session, never the
# user's home; set at import so that every CLI subprocess a test starts inherits it.
os.environ["GIGAWATT_CACHE_DIR"] = tempfile.mkdtemp(prefix="gigawatt-test-cache-")
atexit.register(shutil.rmtree, os.environ["GIGAWATT_CACHE_DIR"], ignore_errors=True)
TOY_CATALOG = DATA / "toy-catalog"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.fixture(scope="session")
def toy_catalog() -> Catalog:
    """The shipped catalog plus a made-up accelerator with round numbers (1 kW all-in IT)."""
    return Catalog.load([TOY_CATALOG])


#: A small scenario file as a user writes one (a site, a phase, a shipped system), for tests that
#: feed the CLI a file; tests change it with `str.replace` (`"power_gw: 1.0"`, `"end: 2027-12"`).
USER_SCENARIO_YAML = """\
name: t
start: 2026-01
end: 2027-12
sites:
  - name: s1
    region: us-ercot
    phases:
      - {online: 2026-06, power_gw: 1.0, system: dgx-b200}
"""


@pytest.fixture
def user_scenario_file(tmp_path: Path) -> Path:
    """USER_SCENARIO_YAML written to `s.yaml` in the test's folder."""
    path = tmp_path / "s.yaml"
    path.write_text(USER_SCENARIO_YAML, encoding="utf-8")
    return path


def toy_scenario_data(**overrides: Any) -> dict[str, Any]:
    """A one-site, one-phase scenario on the toy system; overrides replace top-level keys."""
    data: dict[str, Any] = {
        "name": "toy",
        "start": "2026-01",
        "end": "2026-12",
        "power_basis": "facility",
        "sites": [
            {
                "name": "site-a",
                "region": "us-ercot",
                "pue": 1.25,
                "phases": [{"online": "2026-03", "power_gw": 1.0, "system": "toy-node"}],
            }
        ],
    }
    data.update(overrides)
    return data


def toy_scenario(catalog: Catalog, **overrides: Any) -> Scenario:
    return parse_scenario(toy_scenario_data(**overrides), catalog)
