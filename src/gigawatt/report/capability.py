"""The report's capability section: the largest run the fleet allows, month by month, against
published runs, and the scenario's frontier runs with the thresholds they cross."""

from __future__ import annotations

from typing import Any

from gigawatt.capability.stage import CapabilityResult
from gigawatt.catalog.schema import FrontierRun
from gigawatt.display import fmt_number
from gigawatt.report.base import Chart, ReportContext, Section, Series, Table, as_list

#: The compute axis is shown in units of 1e27 FLOP (GPT-4, ~2e25, is 0.02).
FLOP_UNIT = 1e27
EFLOPS = 1e18
#: Published runs drawn as reference lines: the largest few, so the lines stay readable.
REFERENCE_LINES = 3


def _reference_series(cap: CapabilityResult, months: list[str]) -> tuple[Series, ...]:
    runs: list[FrontierRun] = cap.catalog.all("frontier-runs")  # type: ignore[assignment]
    largest = sorted(runs, key=lambda r: r.training_flop, reverse=True)[:REFERENCE_LINES]
    return tuple(
        Series(
            f"{r.label} ({r.training_flop:.1e} FLOP, {r.status})",
            [months[0], months[-1]],
            [r.training_flop / FLOP_UNIT] * 2,
            dash=True,
        )
        for r in largest
    )


def _runs_table(runs: list[dict[str, Any]]) -> Table:
    rows = tuple(
        (
            r["name"],
            r["start"],
            f"{r['duration_days']:g}",
            r["site"] or "",
            f"{r['accelerators']:,}",
            fmt_number(r["mfu"], 2) if r["mfu"] is not None else "",
            fmt_number(r["goodput"], 2) if r["goodput"] is not None else "",
            f"{r['training_flop']:.2e}",
            ", ".join(r["thresholds_crossed"]) or "none",
        )
        for r in runs
    )
    return Table(
        "The scenario's frontier runs",
        ("Run", "Start", "Days", "Site", "Accelerators", "MFU", "Goodput", "Compute [FLOP]",
         "Thresholds crossed (in force)"),
        rows,
        numeric=(False, False, True, False, True, True, True, True, False),
        note="Accelerators: the largest homogeneous group at the start month (all sites when the "
        "run allows cross-site training). MFU from the performance search of the reference "
        "workload at that scale; goodput from the reliability model.",
    )  # fmt: skip


def _crossings_table(crossings: list[dict[str, Any]]) -> Table:
    rows = tuple(
        (
            c["date"],
            c["who"],
            c["id"],
            "yes" if c["in_force"] else "no",
            c["notification_deadline"] or "",
        )
        for c in crossings
    )
    return Table(
        "Thresholds crossed, in date order",
        ("Date", "Run or site", "Threshold", "In force then", "Notify by"),
        rows,
        note="A run crosses when its cumulative compute (accruing linearly) passes the "
        "threshold; a site when its facility load first exceeds a site-load threshold.",
    )


def capability_section(ctx: ReportContext) -> Section | None:
    cap = ctx.results.capability
    if cap is None:
        return None
    months = [str(m) for m in cap.months]
    ref = cap.reference()
    days = ref["duration_days"]
    flop = Chart(
        "capability-largest-run",
        f"Compute of the largest {days:g}-day run started each month",
        "Month",
        "Training compute [1e27 FLOP]",
        (
            Series("Largest run", months, as_list(cap.largest["largest_run_flop"], FLOP_UNIT)),
            *_reference_series(cap, months),
        ),
        note=f"Reference workload {ref['workload']} ({ref['model']}, {ref['precision']}); "
        "dashed: published or estimated runs (catalog frontier-runs).",
    )
    rate = Chart(
        "capability-rate",
        "Sustained rate of the largest run (MFU x goodput x peak)",
        "Month",
        "Sustained rate [EFLOP/s]",
        (Series("Largest run", months, as_list(cap.largest["largest_run_flops_per_s"], EFLOPS)),),
    )
    summary = cap.summary(ctx.results.year_positions())
    tables = [_crossings_table(summary["crossings"])]
    if summary["frontier_runs"]:
        tables.insert(0, _runs_table(summary["frontier_runs"]))
    return Section(
        "capability",
        "Capability and regulatory thresholds",
        paragraphs=(
            "The largest single training job the fleet allows each month: the accelerators of "
            "the largest group, the performance model's MFU for the reference workload at that "
            "scale and the reliability model's goodput for a job of that size. Beyond a few "
            "hundred thousand accelerators, failures and restarts cap a synchronous job.",
        ),
        charts=(flop, rate),
        tables=tuple(tables),
    )
