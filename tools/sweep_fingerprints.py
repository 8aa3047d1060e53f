"""Fingerprints of sweep samples, to check that a speed change leaves every output the same.

    .venv/bin/python tools/sweep_fingerprints.py write /tmp/before.json   # on the old code
    .venv/bin/python tools/sweep_fingerprints.py check /tmp/before.json   # on the new code

For each shipped scenario: a sha256 of samples 0-24, 500 and 1234 of seeds 0 and 7 (drawn
inputs, error, and the output frame's columns byte for byte, dtypes included), of one
sensitivity-design row, and of the point-value `run --json` and long table. `check` exits 1
and names the first differences when any fingerprint differs.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.scenario import load_scenario
from gigawatt.simulate import simulate
from gigawatt.sweep.samples import Design, SampleRecord, run_sample, template_of

SCENARIOS = ("nvidia-openai-10gw", "amd-openai-6gw", "stargate-10gw", "nvidia-openai-2026-actual")
SEEDS = (0, 7)
SAMPLES = (*range(25), 500, 1234)


def _record_digest(record: SampleRecord) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(record.inputs).encode())
    h.update(repr(record.error).encode())
    out = record.outputs
    for name in ("year", "key", "value"):
        column = out[name]
        h.update(str(column.dtype).encode())
        if name == "key":
            h.update("\x00".join(column.tolist()).encode())
        else:
            h.update(column.to_numpy().tobytes())
    return h.hexdigest()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprints() -> dict[str, str]:
    catalog = Catalog.load()
    out: dict[str, str] = {}
    for name in SCENARIOS:
        scenario = load_scenario(name, catalog)
        for seed in SEEDS:
            for i in SAMPLES:
                out[f"{name}/{seed}/{i}"] = _record_digest(run_sample(scenario, catalog, seed, i))
        results = simulate(scenario, catalog)
        out[f"{name}/point/json"] = _sha(json.dumps(results.to_json(), default=str))
        out[f"{name}/point/table"] = _sha(results.table().to_csv())
        template = template_of(scenario)
        row = np.array([[float(v) for v in template.values(np.random.default_rng(3))]])
        design = Design("fingerprint", template.paths, row)
        out[f"{name}/design"] = _record_digest(run_sample(scenario, catalog, 0, 0, design))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("write", "check"):
        print(__doc__)
        return 2
    mode, path = argv[0], Path(argv[1])
    found = fingerprints()
    if mode == "write":
        path.write_text(json.dumps(found, indent=0), encoding="utf-8")
        print(f"{len(found)} fingerprints written to {path}")
        return 0
    expected = json.loads(path.read_text(encoding="utf-8"))
    differ = [k for k in expected if expected[k] != found.get(k)]
    print(f"{len(expected) - len(differ)} of {len(expected)} identical; differ: {differ[:10]}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
