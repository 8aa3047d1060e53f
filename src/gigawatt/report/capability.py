"""The report's capability section: the largest run the fleet allows, month by month (the
operating point a planner launches and the ceiling that maximises compute), against published
runs; the curve behind it for every fault-tolerance policy and how it moves with the
reliability inputs; the scenario's frontier runs with the thresholds they cross."""

from __future__ import annotations

from typing import Any

import numpy as np

from gigawatt.capability.stage import CapabilityResult
from gigawatt.catalog.schema import FrontierRun
from gigawatt.display import fmt_number, fmt_sci
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
            # the compute's own provenance (an Epoch AI estimate is analyst, not ours)
            f"{r.label} ({r.training_flop:.1e} FLOP, "
            f"{r.field_statuses().get('training_flop', r.status)})",
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
            f"{r['accelerators_available']:,}",
            fmt_number(r["mfu"], 2) if r["mfu"] is not None else "",
            fmt_number(r["goodput"], 2) if r["goodput"] is not None else "",
            fmt_sci(r["training_flop"], 3),
            _band_cell(r["training_flop_band"], r["validation"]),
            ", ".join(r["thresholds_crossed"]) or "none",
            r["note"] or "",
        )
        for r in runs
    )
    return Table(
        "The scenario's frontier runs",
        ("Run", "Start", "Days", "Site", "Accelerators", "Available", "MFU", "Goodput",
         "Compute [FLOP]", "p10-p90 band [FLOP]", "Thresholds crossed (in force)", "Note"),
        rows,
        numeric=(False, False, True, False, True, True, True, True, True, False, False, False),
        note="Accelerators: the job the run launches, its operating point (the size past which "
        "an added accelerator yields less than the catalog's share of the average one's useful "
        "time), inside the largest homogeneous group online at the start month (Available; all "
        "sites' group too when the run allows cross-site training). MFU from the performance "
        "search of the run's model "
        "(the reference workload's unless the run names one) at that scale, in model FLOPs "
        "over the dense peak (PaLM's convention: recomputed FLOPs not counted); goodput from "
        "the reliability model. p10-p90 band: the compute if the step took the 10th to 90th "
        "percentile of the perf model's errors on the published runs of its class (calibration "
        "x dense / MoE, docs/models/perf.md); an estimate where too few runs check the class.",
    )  # fmt: skip


def _band_cell(band: list[float] | None, check: dict[str, Any] | None) -> str:
    """A compute band as `low-high` (with the class's largest checked job when the run is
    larger), or why there is none."""
    if band:
        scale = (
            f" (checked on jobs of at most {check['checked_gpus_max']:,} accelerators)"
            if check and check.get("gpus_beyond_checked")
            else ""
        )
        return f"{fmt_sci(band[0], 3)}-{fmt_sci(band[1], 3)}{scale}"
    return f"an estimate ({check['class']})" if check else ""


def _band_series(cap: CapabilityResult, months: list[str]) -> tuple[Series, ...]:
    """The largest run's compute at the two ends of its validated band (dashed), over the
    months that have one."""
    bands = [cap.flop_band(i) for i in range(len(months))]
    have = [i for i, b in enumerate(bands) if b is not None]
    return tuple(
        Series(
            f"Largest run, validated p10-p90 band ({end})",
            [months[i] for i in have],
            [bands[i][j] / FLOP_UNIT for i in have],  # type: ignore[index]
            dash=True,
        )
        for j, end in enumerate(("low", "high"))
        if have
    )


def _estimated_failures(cap: CapabilityResult) -> bool:
    """True when a system of the largest runs takes its failure rates from a failure model of
    status `estimate`."""
    from gigawatt.training import DEFAULT_FAILURE_MODEL

    for sid in {str(s) for s in cap.largest_system if s}:
        model = cap.catalog.system(sid).failure_model or DEFAULT_FAILURE_MODEL
        if cap.catalog.failure_model(model).status == "estimate":
            return True
    return False


def _band_note(cap: CapabilityResult, months: list[str], drawn: bool) -> str:
    """What the chart says of the validated band: what the dashed band is, and the classes of
    largest runs with too few published runs for one."""
    unbanded: dict[str, None] = {}
    for i in range(len(months)):
        check = cap.validation_at(i)
        if check is not None and check.factors is None:
            unbanded[check.name] = None
    out = ""
    if drawn:
        out += (
            " Dashed band: the largest run's compute if its step took the 10th to 90th "
            "percentile of the perf model's errors on published runs of its class "
            "(docs/models/perf.md). It covers the step time only: the job's size and goodput "
            "are held"
            + (
                ", and the goodput's failure rates are an estimate, so its upper (optimistic) "
                "end is not an upper bound."
                if _estimated_failures(cap)
                else "."
            )
        )
    if unbanded:
        out += (
            f" No band for class {', '.join(unbanded)}: too few published runs check it, so "
            "its compute is an estimate."
        )
    return out


def _widest_check(cap: CapabilityResult) -> int:
    """The largest job among the perf checks of any class (the band's reach in scale)."""
    return max((r.checked_gpus_max or 0) for r in cap.catalog.all("perf-accuracy"))


def _brings(crossing: dict[str, Any], record: Any) -> str:
    """What a crossing brings: the threshold's `notification_trigger` while in force; before
    its effective date, nothing from the crossing (the rule may still cover a model released
    later); once revoked, or never in force, nothing."""
    if crossing["in_force"]:
        return " ".join((record.notification_trigger or "").split())
    never = record.revoked is not None and record.revoked <= record.effective
    if not never and crossing["date"] < record.effective.isoformat()[: len(crossing["date"])]:
        return f"nothing yet (in force from {record.effective.isoformat()})"
    return "nothing"


def _crossings_table(crossings: list[dict[str, Any]], records: dict[str, Any]) -> Table:
    """The crossings, each with what it brings (`_brings`)."""
    rows = tuple(
        (
            c["date"],
            c["who"],
            c["id"],
            "yes" if c["in_force"] else "no",
            c["notification_deadline"] or "",
            _brings(c, records[c["id"]]),
        )
        for c in crossings
    )
    return Table(
        "Thresholds crossed, in date order",
        ("Date", "Run or site", "Threshold", "In force then", "Notify by", "What it brings"),
        rows,
        note="A run crosses when its cumulative compute (accruing linearly) passes the "
        "threshold; a site when its facility load first exceeds a site-load threshold. A "
        "crossing is the rule's test, not by itself a duty: what it brings is the catalog's "
        "`notification_trigger` (some are benefits); a threshold not yet in force brings "
        "nothing from the crossing (it may cover a model released later), a revoked one "
        "nothing.",
    )


def _size(n: float) -> str:
    return f"{int(n):,}"


def _curve_charts(curve: dict[str, Any]) -> tuple[Chart, Chart]:
    """Sustained rate and goodput against job size (a log axis), one line per policy, with each
    policy's operating point (diamond) on the rate chart."""
    labels = [int(n) for n in curve["accelerators"]]
    rate_series: list[Series] = []
    good_series: list[Series] = []
    for p in curve["policies"]:
        name = p["policy"] + (" (default)" if p["default"] else "")
        rate_series.append(Series(name, labels, as_list(np.array(p["flops_per_s"]), EFLOPS)))
        good_series.append(Series(name, labels, [float(g) for g in p["goodput"]]))
    ops = [p["operating_point"] for p in curve["policies"]]
    rate_series.append(
        Series(
            "Largest run of each policy (operating point)",
            [o["accelerators"] for o in ops],
            [o["flops_per_s"] / EFLOPS for o in ops],
            kind="markers",
            hover=[
                f"{p['policy']}: {o['accelerators']:,} accelerators, goodput {o['goodput']:.2f}"
                for p, o in zip(curve["policies"], ops, strict=True)
            ],
        )
    )
    where = f"{curve['site']}, {curve['system']}, {curve['month']}"
    rate = Chart(
        "capability-curve-rate",
        f"Sustained rate of one job against its size ({where})",
        "Job size [accelerators]",
        "Sustained rate [EFLOP/s]",
        tuple(rate_series),
        x_type="log",
        note="Peak x MFU (perf search) x goodput (reliability model) x cross-site efficiency, "
        f"for a {curve['duration_days']:g}-day run of the reference workload; one line per "
        "fault-tolerance policy (catalog fault-tolerance). Diamonds: each policy's largest "
        "run under the operating-point rule.",
    )
    good = Chart(
        "capability-curve-goodput",
        f"Goodput of one job against its size ({where})",
        "Job size [accelerators]",
        "Goodput [fraction]",
        tuple(good_series),
        x_type="log",
        note="Failure-free compute time over expected wall time (Daly's model extended to "
        "planned stops and asynchronous checkpoints; docs/models/reliability.md).",
    )
    return rate, good


def _policies_table(curve: dict[str, Any]) -> Table:
    rows = tuple(
        (
            p["policy"] + (" (default)" if p["default"] else ""),
            p["checkpoint"],
            _size(p["operating_point"]["accelerators"]),
            fmt_number(p["operating_point"]["goodput"], 2),
            fmt_sci(p["operating_point"]["flop"], 3),
            _size(p["ceiling"]["accelerators"]),
            fmt_number(p["ceiling"]["goodput"], 2),
            fmt_sci(p["ceiling"]["flop"], 3),
        )
        for p in curve["policies"]
    )
    return Table(
        f"Largest run and ceiling by fault-tolerance policy ({curve['site']}, "
        f"{curve['month']}, {_size(curve['group_accelerators'])} accelerators available)",
        ("Policy", "Checkpoint", "Largest run", "Goodput", "Compute [FLOP]", "Ceiling",
         "Goodput", "Compute [FLOP]"),
        rows,
        numeric=(False, False, True, True, True, True, True, True),
        note=f"Largest run: the best job up to the size where the marginal accelerators add "
        f"less than {curve['marginal_threshold']:.0%} of the average accelerator's useful time "
        "(catalog operating-point-marginal-efficiency). Ceiling: the job of highest sustained "
        "rate, whatever its goodput.",
    )  # fmt: skip


def _sensitivity_table(sens: dict[str, Any]) -> Table:
    rows = tuple(
        (
            r["label"] if r["input"] == "baseline" else f"{r['label']} x {r['factor']:g}",
            _size(r["accelerators"]),
            fmt_number(r["goodput"], 2),
            fmt_sci(r["flop"], 3),
            _size(r["ceiling_accelerators"]),
            fmt_sci(r["ceiling_flop"], 3),
        )
        for r in sens["rows"]
    )
    return Table(
        f"How the largest run moves with the reliability inputs ({sens['site']}, "
        f"{sens['month']}, policy {sens['policy']})",
        ("Input", "Largest run", "Goodput", "Compute [FLOP]", "Ceiling", "Ceiling [FLOP]"),
        rows,
        numeric=(False, True, True, True, True, True),
        note="Each input scaled with the others at their catalog values: the restart cost "
        "(its fixed part and the initialisation that grows with the job), every checkpoint "
        "bandwidth (storage, snapshot, peer copy) and the NVL72-class whole-rack failure rate.",
    )


def capability_section(ctx: ReportContext) -> Section | None:
    cap = ctx.results.capability
    if cap is None:
        return None
    months = [str(m) for m in cap.months]
    ref = cap.reference()
    days = ref["duration_days"]
    band = _band_series(cap, months)
    flop = Chart(
        "capability-largest-run",
        f"Compute of the largest {days:g}-day run started each month",
        "Month",
        "Training compute [1e27 FLOP]",
        (
            Series("Largest run", months, as_list(cap.largest["largest_run_flop"], FLOP_UNIT)),
            Series(
                "Ceiling (most compute, any goodput)",
                months,
                as_list(cap.largest["largest_run_ceiling_flop"], FLOP_UNIT),
            ),
            *band,
            *_reference_series(cap, months),
        ),
        note=f"Reference workload {ref['workload']} ({ref['model']}, {ref['precision']}), "
        f"fault-tolerance policy {ref['fault_tolerance']}; dashed: published or estimated runs "
        f"(catalog frontier-runs).{_band_note(cap, months, bool(band))}",
    )
    rate = Chart(
        "capability-rate",
        "Sustained rate of the largest run (MFU x goodput x peak)",
        "Month",
        "Sustained rate [EFLOP/s]",
        (Series("Largest run", months, as_list(cap.largest["largest_run_flops_per_s"], EFLOPS)),),
    )
    summary = cap.summary(ctx.results.year_positions())
    records = {t.id: t for t in cap.catalog.thresholds()}
    tables = [_crossings_table(summary["crossings"], records)]
    if summary["frontier_runs"]:
        tables.insert(0, _runs_table(summary["frontier_runs"]))
    charts: list[Chart] = [flop, rate]
    curve, sens = summary["curve"], summary["operating_point_sensitivity"]
    if curve is not None:
        charts.extend(_curve_charts(curve))
        tables.insert(0, _policies_table(curve))
    if sens is not None:
        tables.insert(1, _sensitivity_table(sens))
    threshold = ref["marginal_threshold"]
    return Section(
        "capability",
        "Capability and regulatory thresholds",
        paragraphs=(
            "The largest single training job the fleet allows each month: a job inside the "
            "largest group of one system online (its size set by the rule below, not the whole "
            "group), the performance model's MFU for the reference workload at that "
            "scale (model FLOPs, PaLM's convention, so recomputation adds time but no FLOP) "
            "and the reliability model's goodput for a job of that size under the "
            f"fault-tolerance policy {ref['fault_tolerance']}.",
            "Failures grow with a synchronous job's size and each one stops all of it, so "
            "beyond some size the added accelerators mostly wait. The largest run is the size "
            "a planner would launch: the best job up to the size where the marginal "
            f"accelerators add less than {threshold:.0%} of the average one's useful time. The "
            "ceiling is the job that maximises compute whatever its goodput; the restart cost "
            "moves both most.",
            "How far to trust the compute: the MFU comes from the performance model, whose "
            "step times were checked against published runs of the same class (calibration x "
            "dense / mixture-of-experts); the p10-p90 band is the compute at the 10th and 90th "
            "percentile of those errors, the job held. A class with too few checks has no "
            "band: its compute is an estimate. The checks are published benchmark jobs of at "
            f"most {_widest_check(cap):,} accelerators (`gigawatt catalog perf-accuracy`: "
            "checked_gpus_max, per class), so a band carried to a larger run does not cover "
            "what grows with the job.",
        ),
        charts=tuple(charts),
        tables=tuple(tables),
    )
