"""The tables of numbers in docs/models/reliability.md and docs/models/capability.md, generated
from the code and the catalog (never typed by hand).

    python tools/model_docs.py          # rewrite the tables between the markers
    python tools/model_docs.py --check  # exit 1 if a table is out of date

A table sits between `<!-- BEGIN generated: NAME -->` and `<!-- END generated: NAME -->`;
tests/test_model_docs.py checks every table against this module.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.perf.workload import Workload
from gigawatt.reliability import (
    RecoveryPlan,
    interruptions,
    job_curve,
    job_reliability,
    monte_carlo,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "models"
DAY, HOUR = 86_400.0, 3_600.0
SCENARIO = "nvidia-openai-10gw"
MC_TRIALS = 600
MC_SEED = 17
MARKER = re.compile(
    r"(<!-- BEGIN generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)"
    r"(<!-- END generated: (?P=name) -->)",
    re.S,
)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _plan(cat: Catalog, system: str, policy: str, model: str = "llama3-405b") -> RecoveryPlan:
    params = Workload.from_model(cat.model(model)).params_total
    return RecoveryPlan.of(cat, cat.system(system), model, params, policy)


# --- reliability.md ------------------------------------------------------------------------------


def policies(cat: Catalog) -> str:
    """Each catalog policy and what it costs a 405B job on 16,384 H100 and 131,072 Rubin."""
    rows = []
    for pol in cat.all("fault-tolerance"):
        p = pol  # a FaultTolerancePolicy
        costs = []
        for system, n in (("meta-h100-roce", 16_384), ("vera-rubin-nvl72", 131_072)):
            plan = _plan(cat, system, p.id)
            r = plan.costs(cat.system(system), [n])
            costs.append(f"{float(r.checkpoint_s[0]):.2f} / {float(r.restart_s[0]):,.0f}")
        rows.append(
            (
                f"`{p.id}`" + (" (default)" if "default" in p.aliases else ""),
                p.checkpoint,  # type: ignore[attr-defined]
                f"{p.restart_fixed_s:,.0f}",  # type: ignore[attr-defined]
                f"{p.init_s:g} s at {p.init_accelerators:,}",  # type: ignore[attr-defined]
                *costs,
                p.status,
            )
        )
    return _table(
        (
            "Policy",
            "Checkpoint",
            "R0 [s]",
            "Initialisation",
            "delta / R, 16,384 H100 [s]",
            "delta / R, 131,072 Rubin [s]",
            "Status",
        ),
        rows,
    )


def causes(cat: Catalog) -> str:
    """Interruptions of a 400,000-package Vera Rubin NVL72 job by category (mature fleet)."""
    system = cat.system("vera-rubin-nvl72")
    ints = interruptions(cat.failure_model(system.failure_model), system, 400_000)
    per_day: dict[str, float] = {}
    for cause, rate in ints.by_cause.items():
        per_day[ints.category[cause]] = per_day.get(ints.category[cause], 0.0) + float(rate) * DAY
    total = sum(per_day.values())
    rows = [
        (cat_, f"{v:,.0f}", f"{v / total:.1%}")
        for cat_, v in sorted(per_day.items(), key=lambda kv: -kv[1])
    ]
    rows.append(("all failures", f"{total:,.0f}", "100.0%"))
    rows.append(("planned stops", f"{float(ints.planned_per_s) * DAY:.2f}", ""))
    return _table(("Category", "Per day", "Share of failures"), rows)


def _llama3(cat: Catalog) -> tuple[float, float, float]:
    system = cat.system("meta-h100-roce")
    fm = cat.failure_model("h100-class")
    plan = _plan(cat, "meta-h100-roce", "meta-llama3-2024")
    first = job_reliability(16_384, 54 * DAY, fm, system, plan)
    r = job_reliability(16_384, 54 * DAY * first.goodput, fm, system, plan)
    return r.failure_per_s * 54 * DAY, r.planned_per_s * 54 * DAY, r.goodput


def _b200_gpu_failures(cat: Catalog) -> float:
    """GPU-category and HBM failures expected on 504 B200 (dgx-b200) over 55 days, as
    test_b200_gpu_failures_on_504_gpus computes them."""
    system = cat.system("dgx-b200")
    fm = cat.failure_model(system.failure_model)
    category = {c.cause: c.category for c in fm.causes}
    by_cause = interruptions(fm, system, 504, 1.0).by_cause
    per_s = sum(float(v) for k, v in by_cause.items() if category.get(k) in ("gpu", "hbm"))
    return per_s * 55 * DAY


def _delta_memory_ratio(cat: Catalog) -> float:
    """The model's H100 over A100 per-GPU HBM failure rate (dgx-h100 and dgx-a100 models)."""

    def hbm(system_id: str) -> float:
        fm = cat.failure_model(cat.system(system_id).failure_model)
        return sum(c.rate_per_accelerator_hour for c in fm.causes if c.category == "hbm")

    return hbm("dgx-h100") / hbm("dgx-a100")


META_100K_GPUS = 100_000
META_100K_RESTART_S = 600.0  # "stall time due to failure recovery" of 10 minutes
META_100K_ETT = 0.44


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The x in [lo, hi] where the decreasing f(x) crosses META_100K_ETT (60 halvings)."""
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > META_100K_ETT else (lo, mid)
    return (lo + hi) / 2


def meta_100k(cat: Catalog) -> tuple[float, float, float, float]:
    """Meta's synchronous training at O(100K) GPUs (Salpekar et al., arXiv:2602.00277,
    abstract: a 10-minute stall per failure recovery, 44 % effective training time) as the
    model sees it: 100,000 GPUs on dgx-h100 (h100-class rates), the default policy's
    checkpoint costs with a 600 s restart, 30 days. Returns the model's goodput at Daly's
    interval, the multiple of every h100-class rate that brings it to 0.44 (and the job
    MTBF in minutes there), and the checkpoint interval in minutes that brings it to 0.44 at
    h100-class rates. Shared with tests/validation/test_reliability_published.py."""
    system = cat.system("dgx-h100")
    fm = cat.failure_model(system.failure_model)
    plan = _plan(cat, "dgx-h100", "default")

    def job(scale: float = 1.0, interval_s: float | None = None):
        causes = [
            c.model_copy(update={"rate_per_accelerator_hour": c.rate_per_accelerator_hour * scale})
            for c in fm.causes
        ]
        return job_reliability(
            META_100K_GPUS, 30 * DAY, fm.model_copy(update={"causes": causes}), system, plan,
            restart_s=META_100K_RESTART_S, interval_s=interval_s,
        )  # fmt: skip

    scale = _bisect(lambda k: job(scale=k).goodput, 1.0, 10.0)
    interval_s = _bisect(lambda t: job(interval_s=t).goodput, 1.0, 6 * HOUR)
    return job().goodput, scale, job(scale=scale).job_mtbf_s / 60, interval_s / 60


def published(cat: Catalog) -> str:
    """The model against each published figure (tests/validation/test_reliability_published.py
    holds the same checks, with their tolerances)."""
    failures, planned, goodput = _llama3(cat)
    h100 = cat.failure_model("h100-class")
    dgx = cat.system("dgx-h100")
    ampere = cat.system("dgx-a100")  # MegaScale's cluster: NVIDIA Ampere GPUs, 8 per node
    mega = job_reliability(
        12_288,
        21 * DAY * 0.93,
        cat.failure_model(ampere.failure_model),
        ampere,
        _plan(cat, "dgx-a100", "megascale-2024", "gpt3-175b"),
    )
    failure_free = mega.duration_s * (1 + mega.checkpoint_s / mega.interval_s)
    failure_free += mega.planned_expected * mega.restart_s
    catch_up_min = (mega.wall_time_s - failure_free) / mega.failures_expected / 60
    byte = job_reliability(9_600, 90 * DAY * 0.97, h100, dgx, _plan(cat, "dgx-h100", "default"))
    tpu = cat.system("tpu-v4-pod")
    sizes = np.unique(np.round(2.0 ** np.linspace(12, 17, 81) / 64) * 64)
    params = 540e9

    def tpu_curve(policy: str) -> np.ndarray:
        plan = RecoveryPlan.of(cat, tpu, "x", params, policy)
        fm = cat.failure_model(tpu.failure_model)
        return job_curve(sizes, 60 * DAY, fm, tpu, plan).goodput

    sync, memory = tpu_curve("sync-checkpoint-requeue"), tpu_curve("in-memory-hot-spare")
    at = np.interp(0.85, sync[::-1], np.log(sizes)[::-1])
    gemini = float(memory[np.argmin(np.abs(np.log(sizes) - at))])
    restarts = mega.failure_per_s * 21 * DAY
    b200, delta = _b200_gpu_failures(cat), _delta_memory_ratio(cat)
    meta_g, meta_k, _, meta_iv = meta_100k(cat)
    # Role: the Llama 3 counts are what the h100-class rates are derived from (a fit, not a
    # check); the others are checks of the rates and policies against figures not fitted on.
    fit = "fit: the h100-class rates are these counts"
    rows = [
        ("Llama 3: unexpected interruptions, 54 days, 16,384 H100", "419", f"{failures:.1f}", fit),
        ("Llama 3: planned interruptions", "47", f"{planned:.1f}", fit),
        ("Llama 3: effective training time (meta-llama3-2024)", "> 0.90", f"{goodput:.3f}"),
        ("MegaScale: restarts, 3 weeks on 12,288 A100 (dgx-a100)", "> 100", f"{restarts:.0f}"),
        ("MegaScale: effective training time (megascale-2024)", "> 0.90", f"{mega.goodput:.3f}"),
        ("MegaScale: minutes a failure costs (restart + redone work)", "< 15",
         f"{catch_up_min:.1f}"),
        ("ByteRobust: ETTR, 3 months on 9,600 GPUs (in-memory)", "0.97", f"{byte.goodput:.3f}"),
        ("Gemini: goodput where storage checkpoints give 0.85", "0.97", f"{gemini:.3f}"),
        ("B200 HGX: XID GPU failures, 55 days, 504 GPUs (dgx-b200)", "10", f"{b200:.1f}",
         f"check: {'pass' if 4.7954 <= b200 <= 18.3904 else 'MISS'} (Poisson 95 %: 4.8-18.4)"),
        ("Delta: per-GPU memory MTBE, A100 over H100", "3.2", f"{delta:.2f}",
         f"check: {'pass' if abs(delta / 3.2 - 1) <= 0.25 else 'MISS'} (+-25 %; see below)"),
        ("Meta: effective training time, synchronous, O(100K) GPUs, 10-min recovery (dgx-h100)",
         f"{META_100K_ETT:.2f}", f"{meta_g:.3f}",
         f"check: {'upper bound' if meta_g >= META_100K_ETT else 'MISS'}; 0.44 needs rates "
         f"x{meta_k:.2f} or a {meta_iv:.0f}-min interval (see below)"),
    ]  # fmt: skip
    rows = [r if len(r) == 4 else (*r, "check") for r in rows]
    return _table(("Published figure", "Published", "Model", "Role"), rows)


def monte_carlo_table(cat: Catalog) -> str:
    """Monte Carlo mean wall time against the closed form, every policy, two jobs."""
    rows = []
    jobs = (("meta-h100-roce", 16_384, 54.0), ("vera-rubin-nvl72", 65_520, 30.0))
    for pol in cat.all("fault-tolerance"):
        for system, n, days in jobs:
            sys_ = cat.system(system)
            fm = cat.failure_model(sys_.failure_model)
            r = job_reliability(n, days * DAY, fm, sys_, _plan(cat, system, pol.id))
            mc = monte_carlo(r, MC_TRIALS, np.random.default_rng(MC_SEED))
            mean = float(mc.wall_time_s.mean())
            sem = float(mc.wall_time_s.std(ddof=1)) / math.sqrt(MC_TRIALS)
            rows.append(
                (
                    f"`{pol.id}`",
                    f"{n:,} {system}, {days:g} d",
                    f"{r.goodput:.4f}",
                    f"{r.wall_time_s / DAY:.3f}",
                    f"{mean / DAY:.3f}",
                    f"{100 * (mean / r.wall_time_s - 1):+.2f} %",
                    f"{abs(mean - r.wall_time_s) / sem:.1f}",
                )
            )  # fmt: skip
    return _table(
        (
            "Policy",
            "Job",
            "Goodput",
            "Closed form [days]",
            f"Monte Carlo mean, {MC_TRIALS} trials [days]",
            "Error",
            "Standard errors",
        ),
        rows,
    )


# --- capability.md -------------------------------------------------------------------------------


def _capability(cat: Catalog):
    from gigawatt.scenario import load_scenario
    from gigawatt.simulate import simulate

    return simulate(load_scenario(SCENARIO, cat), cat).capability


def largest_run(cat: Catalog) -> str:
    """The default scenario's largest run and ceiling in its last month, every policy."""
    curve = _capability(cat).curve()
    rows = []
    for p in curve["policies"]:
        op, top = p["operating_point"], p["ceiling"]
        rows.append(
            (
                f"`{p['policy']}`" + (" (default)" if p["default"] else ""),
                f"{op['accelerators']:,}",
                f"{op['goodput']:.3f}",
                f"{op['mfu']:.3f}",
                f"{op['flop']:.2e}",
                f"{top['accelerators']:,}",
                f"{top['goodput']:.3f}",
                f"{top['flop']:.2e}",
            )
        )
    head = (
        "Policy",
        "Largest run",
        "Goodput",
        "MFU",
        "Compute [FLOP]",
        "Ceiling",
        "Goodput",
        "Compute [FLOP]",
    )
    where = (
        f"{SCENARIO}, {curve['month']}, {curve['site']} ({curve['group_accelerators']:,} "
        f"{curve['system']} packages), {curve['duration_days']:g}-day runs:\n\n"
    )
    return where + _table(head, rows)


def sensitivity(cat: Catalog) -> str:
    """How the default scenario's largest run moves with restart cost, checkpoint bandwidth and
    the rack failure rate."""
    sens = _capability(cat).sensitivity()
    rows = [
        (
            r["label"] if r["input"] == "baseline" else f"{r['label']} x {r['factor']:g}",
            f"{r['accelerators']:,}",
            f"{r['goodput']:.3f}",
            f"{r['flop']:.2e}",
            f"{r['ceiling_accelerators']:,}",
            f"{r['ceiling_goodput']:.3f}",
            f"{r['ceiling_flop']:.2e}",
        )
        for r in sens["rows"]
    ]
    head = ("Input", "Largest run", "Goodput", "Compute [FLOP]", "Ceiling", "Goodput", "Compute")
    return f"Policy `{sens['policy']}`, {sens['site']}, {sens['month']}:\n\n" + _table(head, rows)


TABLES: dict[str, dict[str, Callable[[Catalog], str]]] = {
    "reliability.md": {
        "policies": policies,
        "causes": causes,
        "published": published,
        "monte-carlo": monte_carlo_table,
    },
    "capability.md": {"largest-run": largest_run, "sensitivity": sensitivity},
}


def render(path: Path, tables: dict[str, Callable[[Catalog], str]], cat: Catalog) -> str:
    """The file's text with every generated table replaced by its current value."""
    text = path.read_text(encoding="utf-8")
    found = {m.group("name") for m in MARKER.finditer(text)}
    missing = set(tables) - found
    if missing:
        raise SystemExit(f"{path.name}: no markers for {sorted(missing)}")
    values = {name: fn(cat) for name, fn in tables.items()}
    return MARKER.sub(lambda m: m.group(1) + values[m.group("name")] + m.group(4), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a table is out of date")
    args = parser.parse_args(argv)
    cat = Catalog.load()
    stale = []
    for name, tables in TABLES.items():
        path = DOCS / name
        new = render(path, tables, cat)
        if new != path.read_text(encoding="utf-8"):
            stale.append(name)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)} (run python tools/model_docs.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
