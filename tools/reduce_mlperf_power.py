"""Reduce MLPerf Training power logs to a mean draw per GPU per run (run by hand, once).

    python tools/reduce_mlperf_power.py GIT_DIR RESULTS_DIR [GPUS_PER_NODE]

GIT_DIR is a clone (a bare one will do) of an MLCommons results repository, e.g.
github.com/mlcommons/training_results_v5.0; RESULTS_DIR a benchmark's folder in it, e.g.
Lenovo/results/SR780aV3-8xB200_SXM_180GB/bert. For every run with a power/<run>/ folder it
averages each node_*.txt log's `power_reading` values between the run's `run_start` and
`run_stop` (from <run>.txt), sums the nodes and divides by the GPUs, and prints one JSON line:
the run, nodes, minutes, W per node and W per GPU. Switch logs (sw_*.txt) and total_power.txt are
not counted. This is how the MLPerf rows of tests/validation/data/measured_power.csv and
modern_power_checks.csv were obtained (docs/models/energy-calibration.md).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator

MARK = ":::MLLOG"


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", git_dir, *args], capture_output=True, text=True, check=True
    ).stdout


def _events(text: str) -> Iterator[dict]:
    for line in text.splitlines():
        i = line.find(MARK)
        if i >= 0:
            try:
                yield json.loads(line[i + len(MARK) :])
            except json.JSONDecodeError:
                continue


def reduce(git_dir: str, results_dir: str, gpus_per_node: int = 8) -> list[dict]:
    files = _git(git_dir, "ls-tree", "-r", "--name-only", "HEAD", results_dir).splitlines()
    node_logs: dict[str, list[str]] = defaultdict(list)
    for f in files:
        m = re.match(rf"{re.escape(results_dir)}/power/([^/]+)/node_[^/]+\.txt$", f)
        if m:
            node_logs[m.group(1)].append(f)
    out = []
    for run, logs in sorted(node_logs.items()):
        events = list(_events(_git(git_dir, "show", f"HEAD:{results_dir}/{run}.txt")))
        start = min(e["time_ms"] for e in events if e.get("key") == "run_start")
        stop = max(e["time_ms"] for e in events if e.get("key") == "run_stop")
        node_w = []
        for log in sorted(logs):
            readings = [
                float(e["value"])
                for e in _events(_git(git_dir, "show", f"HEAD:{log}"))
                if e.get("key") == "power_reading" and start <= e["time_ms"] <= stop
            ]
            if readings:
                node_w.append(sum(readings) / len(readings))
            else:
                print(f"{run}: {log} has no reading in the run; left out", file=sys.stderr)
        total = sum(node_w)
        out.append(
            {
                "run": run,
                "nodes": len(node_w),
                # a node log with no reading inside the run is left out of the average, not
                # counted as 0 W: compare with `nodes` (the GPUs divided by are nodes x GPUs)
                "node_logs": len(logs),
                "minutes": round((stop - start) / 60_000, 4),
                "w_per_node": round(total / len(node_w), 1),
                "w_per_gpu": round(total / (len(node_w) * gpus_per_node), 2),
            }
        )
    return out


if __name__ == "__main__":
    gpus = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    for row in reduce(sys.argv[1], sys.argv[2], gpus):
        print(json.dumps(row))
