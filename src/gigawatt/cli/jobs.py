"""Job-level commands: perf, train, reliability (one training job, without a scenario)."""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from gigawatt.cli.common import (
    FrameworkOpt,
    GpusOpt,
    JsonOpt,
    ModelOpt,
    PolicyOpt,
    PrecisionOpt,
    RegionOpt,
    SeqLenOpt,
    SystemOpt,
    _catalog,
    api,
    app,
    bold_name,
    console,
    emit_json,
    print_prose,
    validation_text,
)
from gigawatt.cli.progress import working
from gigawatt.cli.tables import Spec, print_fitted
from gigawatt.defaults import DEFAULT_SYSTEM
from gigawatt.display import counted
from gigawatt.units import BYTES_PER_GIB, MILLION, S_PER_DAY

# --- reliability ------------------------------------------------------------------------------


def _num(value: Any, fmt: str = ",.3g") -> str:
    """A figure as `fmt` writes it; not computed is `n/a`, and so is a share of a time that
    has none (nan); a job that never finishes has `unbounded` days and interruptions (inf)."""
    if value is None or value != value:
        return "n/a"
    return "unbounded" if value in (math.inf, -math.inf) else f"{value:{fmt}}"


def _counted_or_na(value: int | None, noun: str) -> str:
    return f"n/a {noun}s" if value is None else counted(value, noun)


def _days_of(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / S_PER_DAY


@app.command()
def reliability(
    ctx: typer.Context,
    gpus: GpusOpt,
    days: Annotated[
        float,
        typer.Option(
            "--days",
            help="Failure-free compute time [days]: the work the job must do. Wall-clock time "
            "is longer (checkpoints, restarts, rework): see wall_time_days.",
        ),
    ],
    system: Annotated[
        str,
        typer.Option(
            "--system",
            help="System id, or an accelerator id (its default system): failure domains, "
            "nodes, racks.",
        ),
    ] = DEFAULT_SYSTEM,
    failure_model: Annotated[
        str | None,
        typer.Option(
            "--failure-model",
            help="Failure model id (`gigawatt catalog failures`) or a YAML file; "
            "default: the system's.",
        ),
    ] = None,
    policy: PolicyOpt = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Model whose checkpoint the job saves (sizes checkpoint and restart costs); "
            "default: the capability reference workload's.",
        ),
    ] = None,
    checkpoint_s: Annotated[
        float | None,
        typer.Option(
            "--checkpoint-s",
            help="Blocking cost of one checkpoint [s] (not an interval); default: the policy's.",
        ),
    ] = None,
    restart_s: Annotated[
        float | None,
        typer.Option("--restart-s", help="Cost of one restart [s]; default: the policy's."),
    ] = None,
    interval_s: Annotated[
        float | None,
        typer.Option(
            "--interval-s", help="Compute between checkpoints [s]; default Daly's optimum."
        ),
    ] = None,
    trials: Annotated[
        int, typer.Option("--trials", help="Monte Carlo trials (0: closed forms only).")
    ] = 0,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the Monte Carlo (default 0).")
    ] = None,
    fleet_age_months: Annotated[
        float | None,
        typer.Option(
            "--fleet-age-months", help="Fleet age at the job's start (burn-in); default mature."
        ),
    ] = None,
    availability: Annotated[
        float | None,
        typer.Option("--availability", help="Probability of full size that sizes the spares."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Interruptions, checkpoint interval, goodput and spares of one training job."""
    from gigawatt.reliability.job import ReliabilityRequest  # deferred: `--help` stays fast

    request = ReliabilityRequest(
        gpus=gpus,
        days=days,
        system=system,
        failure_model=failure_model,
        policy=policy,
        model=model,
        checkpoint_s=checkpoint_s,
        restart_s=restart_s,
        interval_s=interval_s,
        trials=trials,
        **({} if seed is None else {"seed": seed}),
        fleet_age_months=fleet_age_months,
        availability=availability,
    )
    data = api.reliability(request, catalog=_catalog(ctx)).to_json()
    if as_json:
        emit_json(data)
        return
    table = Table(
        title=f"{counted(data['gpus'], 'accelerator')} on {data['system']}, "
        f"{counted(data['days'], 'day', fmt='g')} of "
        f"failure-free compute, failure model {data['failure_model']} "
        f"({data['failure_model_status']}), policy {data['policy']} ({data['policy_status']})",
        title_justify="left",
    )
    # P10/P50/P90 come from the Monte Carlo: without trials they would be empty columns
    bands = ("P10", "P50", "P90") if data["trials"] else ()
    rows: list[tuple[str, Any, str, Any]] = [
        ("failures per hour", data["failure_rate_per_h"], ".3g", None),
        ("job MTBF (h)", data["job_mtbf_h"], ".3g", None),
        ("Young interval (s)", data["young_interval_s"], ",.0f", None),
        ("Daly interval (s)", data["checkpoint_interval_s"], ",.0f", None),
        ("interval used (s)", data["interval_used_s"], ",.0f", None),
        ("interruptions", data["interruptions_expected"], ",.1f", "interruptions"),
        ("wall-clock days", data["wall_time_days"], ",.2f", "wall_time_s"),
        ("goodput", data["goodput"], ".3f", "goodput"),
        ("ETTR (Kokolis)", data["ettr"], ".3f", None),
        ("lost accelerator-hours", data["lost_gpu_hours"], ",.0f", "lost_gpu_hours"),
        ("  days restarting", data["restart_time_s"] / S_PER_DAY, ",.2f", None),
        ("  days in checkpoints", data["checkpoint_time_s"] / S_PER_DAY, ",.2f", None),
        ("  days redoing lost work", data["rework_time_s"] / S_PER_DAY, ",.2f", None),
    ]
    cells = []
    for label, value, fmt, series in rows:
        qs = [data.get(f"{series}_p{p}") if series else None for p in (10, 50, 90)]
        if series == "wall_time_s":
            qs = [_days_of(q) for q in qs]
        shown = [("" if q is None else _num(q, fmt)) for q in qs]
        cells.append((label, _num(value, fmt), *shown[: len(bands)]))
    for i, col in enumerate(("quantity", "closed form", *bands)):
        # a figure keeps its width (at 80 columns, 15,879,539,767 lost accelerator-hours were
        # cut to 15,879,539,7…); the quantities' words wrap, and fold rather than lose letters
        widest = max(len(row[i]) for row in cells) if i else None
        table.add_column(
            col, justify="right" if i else "left", min_width=widest, no_wrap=bool(i),
            overflow="ellipsis" if i else "fold",
        )  # fmt: skip
    for row in cells:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"Spares: {_counted_or_na(data['spares'], 'failure domain')} of "
        f"{data['failure_domain']} ({_counted_or_na(data['spare_accelerators'], 'accelerator')}) "
        "for "
        f"{data['spares_availability']:.4g} availability; restart {data['restart_s']:,.0f} s "
        f"(fixed {data['restart_fixed_s']:,.0f}, init {data['restart_init_s']:,.0f}, load "
        f"{data['restart_load_s']:,.1f}), checkpoint {data['checkpoint_s']:.3g} s "
        f"({data['checkpoint_method']}, {data['checkpoint_bytes'] / 1e12:,.2f} TB of "
        f"{data['model']}); planned stops {data['planned_rate_per_h'] * 24:.2f}/day; "
        f"{_fleet_text(data)}."
    )
    if data["spares_sla_bound"] is not None:
        verdict = (
            "above that bound: the model takes a whole rack out for every tray-level hardware "
            "event, so its count is an upper estimate"
            if data["spares"] is not None and data["spares"] > data["spares_sla_bound"]
            else "within it"
        )
        console.print(
            f"Rack spares: a {data['rack_uptime_sla']:.0%} rack-uptime SLA (catalog "
            f"rack-uptime-sla) needs at most {data['spares_sla_bound']:,} spare racks of "
            f"{data['racks']:,} for this availability; the model's racks are up "
            f"{data['rack_availability']:.1%} of the time and its {data['spares']:,} spares are "
            f"{verdict}."
        )
    if not data["ettr_valid"]:
        gap = (  # a job that never finishes has goodput 0: no ratio to state
            f"falls short of Daly's exact goodput by {1 - data['ettr'] / data['goodput']:.0%}"
            if data["goodput"] > 0
            else "departs from Daly's exact goodput (0: the job never finishes)"
        )
        console.print(
            f"ETTR (Kokolis) is a small-loss approximation: at a recovery pressure of "
            f"{data['recovery_pressure']:.2f} it {gap}; use goodput."
        )
    if data["monte_carlo_note"]:
        console.print(data["monte_carlo_note"])
    elif data["trials"]:
        console.print(
            f"P10/P50/P90: percentiles over {counted(data['trials'], 'simulated timeline')} "
            "of this job "
            f"(Monte Carlo, seed {data['seed']}): the spread from when failures strike at "
            "these rates, not the uncertainty of the rates or costs themselves."
        )
    console.print(GOODPUT_LEAVES_OUT)


# --- perf -------------------------------------------------------------------------------------


def _calibration_status(ctx: typer.Context, calibration_id: str) -> str:
    """The calibration record's status, shown beside its id: `estimate` means no published run
    of that accelerator generation was fitted (e.g. `default` for an unmeasured accelerator)."""
    return str(_catalog(ctx).get("calibrations", calibration_id).status)


def _peak_notes(ctx: typer.Context, data: dict[str, Any]) -> tuple[str, ...]:
    """Caveats on the peak the MFU and step time rest on (`capability.caveats`), by the run's
    accelerator: its system may be a user's record file, not a catalog id. An accelerator that
    is itself a user's record carries no catalog note on its peaks."""
    from gigawatt.capability.caveats import accelerator_peak_caveats

    catalog = _catalog(ctx)
    if not catalog.has("accelerators", data["accelerator"]):
        return ()
    return tuple(
        accelerator_peak_caveats(
            catalog, data["system"], data["accelerator"], data["plan"]["precision"]
        )
    )


def _perf_tables(
    data: dict[str, Any], calibration_status: str, peak_notes: tuple[str, ...] = ()
) -> None:
    plan = data["plan"]
    step = data["step_time_s"]
    used = data.get("gpus_used") or data["gpus"]
    idle = (
        f" (using {used:,}; {data['gpus'] - used:,} idle: "
        f"{data.get('gpus_idle_reason') or 'no split uses all'})"
        if used != data["gpus"]
        else ""
    )
    console.print(
        bold_name(
            data["model"],
            f"on {data['gpus']:,} x {data['accelerator']} ({data['system']}){idle}, sequence "
            f"{data['seq_len']:,}, framework {data['framework']}, calibration "
            f"{data['calibration']} (status {calibration_status})",
            sep=" ",
        )
    )
    # Keys shown only where they differ from what the plan implies without them: etp from tp
    # (MoE parallel folding), recompute_modules where selective recompute has them (in --plan
    # syntax, a+b), uneven first/last pipeline stages (0: the even split), and the MoE
    # dispatcher other than the all-to-all default (deepep / hybridep).
    implied = {
        "etp": plan.get("tp"),
        "recompute_modules": None,
        "pp_first": None,
        "pp_last": None,
        "moe_dispatcher": "alltoall",
    }
    shown = {
        k: "+".join(v) if k == "recompute_modules" else v
        for k, v in plan.items()
        if k not in implied or (v or None) != implied[k]  # empty / 0 count as unset
    }
    label = {"fp8_recipe": recipe_label(plan)}
    console.print("plan: " + ", ".join(f"{label.get(k, k)}={v}" for k, v in shown.items()))
    if data.get("gbs_default") and plan["gbs"] != data["gbs_default"]:
        console.print(
            f"global batch {plan['gbs']:,} sequences (the model's {data['gbs_default']:,} does "
            "not divide by this data-parallel size; nearest multiple within 5 %)"
        )
    summary = Table(title_justify="left", show_header=False)
    summary.add_column("")
    summary.add_column("", justify="right")
    mem = data["memory_bytes_per_gpu"]
    rows = [
        ("Step time", f"{step:,.3f} s"),
        ("Tokens/s", f"{data['tokens_per_s']:,.0f}"),
        ("MFU", f"{data['mfu']:.1%} (causal {data['mfu_causal']:.1%})"),
        ("HFU", f"{data['hfu']:.1%}"),
        ("Model TFLOP/s per accelerator", f"{data['tflops_per_gpu']:,.1f}"),
        (
            "Memory per accelerator",
            f"{data['memory_gib_per_gpu']:,.1f} GiB of {mem['usable'] / BYTES_PER_GIB:,.1f} usable",
        ),
        ("Fits", "yes" if data["fits"] else "NO"),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    console.print(utilisation_text(data))
    for note in peak_notes:
        console.print(Text("Caveat: ", style="bold yellow") + Text(note))
    if data.get("validation"):
        console.print(validation_text(data["validation"]))
    parts = Table(title="Step time breakdown (exposed)", title_justify="left")
    parts.add_column("Part")
    parts.add_column("Seconds", justify="right")
    parts.add_column("Share", justify="right")
    for key, value in data["breakdown_s"].items():
        parts.add_row(key, f"{value:,.3f}", f"{value / step:.1%}")
    console.print(parts)


def utilisation_text(data: dict[str, Any]) -> str:
    """What MFU and HFU count (DESIGN.md section 7; docs/models/perf.md, "Utilisation"), with
    this plan's recomputation, so that neither is read as the other."""
    plan = data["plan"]
    recompute = plan["recompute"]
    redone = {
        "none": "no recomputation",
        "selective": "selective recomputation ("
        + ("+".join(plan.get("recompute_modules") or ()) or "attention")
        + ")",
        "full": "full recomputation (a second forward pass)",
    }.get(recompute, f"recompute={recompute}")
    return (
        f"MFU: model FLOPs (6 x active parameters + attention counted in full, PaLM's "
        f"convention; causal: attention halved) per second over the dense {plan['precision']} "
        f"peak; recomputed FLOPs never count. HFU: the FLOPs the kernels execute (attention's "
        f"computed causal half, any flash-attention backward recompute, and here {redone}) "
        "over the same peak."
    )


#: Where each command that searches plans sends a user for the plan needing least memory
#: (only `perf` has --allow-overflow).
_OVERFLOW_HINT = {
    "perf": "Use --allow-overflow to see the plan needing least memory.",
    "train": "`gigawatt perf --search --allow-overflow` with the same --model, --system and "
    "--gpus shows the plan needing least memory.",
}


def _nearest_table(data: dict[str, Any], command: str) -> None:
    job = (
        f" for {data['model']}, sequence {data['seq_len']:,}, on {data['accelerator']} "
        f"({data['system']})"
        if data.get("model")
        else ""
    )
    console.print(
        f"No plan fits in memory on {counted(data['gpus'], 'accelerator')} "
        f"({data['plans_evaluated']:,} assessed){job}. {_OVERFLOW_HINT[command]}"
    )
    near = data.get("nearest_feasible") or []
    if not near:
        console.print("No nearby change makes a plan fit.")
        return
    table = Table(title="Nearest changes that fit (each found by a search)", title_justify="left")
    for col in ("change", "step s", "GiB per GPU"):
        table.add_column(col, justify="right" if col != "change" else "left")
    for n in near:
        table.add_row(n["change"], f"{n['step_time_s']:,.3f}", f"{n['memory_gib_per_gpu']:,.1f}")
    console.print(table)


def _fixed_plan_changes(data: dict[str, Any]) -> None:
    """A fixed plan that does not fit: the nearest single-knob changes that make it fit."""
    near = data.get("nearest_feasible") or []
    if not near:
        console.print("The plan does not fit in memory; no change of one knob makes it fit.")
        return
    table = Table(
        title="The plan does not fit. Nearest changes that fit (one knob each, fastest first)",
        title_justify="left",
    )
    for col in ("change", "was", "step s", "GiB per GPU"):
        table.add_column(col, justify="left" if col in ("change", "was") else "right")
    for n in near:
        knob = n["change"].split("=")[0]
        was = data["gpus"] if knob == "gpus" else data["plan"].get(knob)
        if isinstance(was, (list, tuple)):
            was = "+".join(was) or "-"
        table.add_row(
            n["change"], str(was), f"{n['step_time_s']:,.3f}", f"{n['memory_gib_per_gpu']:,.1f}"
        )
    console.print(table)


@app.command()
def perf(
    ctx: typer.Context,
    model: ModelOpt,
    system: SystemOpt,
    gpus: GpusOpt,
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="KEY=V,... of tp pp vp dp cp ep etp mb gbs zero recompute recompute_modules "
            "precision sp flash_attention tp_overlap dp_overlap ep_overlap pp_balance pp_first "
            "pp_last vocab_parallel fp8_recipe (fp4_recipe for fp4) offload optimizer_dtype "
            "moe_dispatcher (with --search: the knobs to hold; recompute_modules=core_attn,mlp "
            "lists modules up to the next KEY=V).",
        ),
    ] = None,
    search: Annotated[
        bool, typer.Option("--search", help="Search every valid plan; report the best.")
    ] = False,
    seq_len: SeqLenOpt = None,
    precision: PrecisionOpt = None,
    framework: FrameworkOpt = None,
    allow_overflow: Annotated[
        bool,
        typer.Option(
            "--allow-overflow",
            help="With --search: when nothing fits, report the plan needing least memory.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Predict a training plan's step time, memory and MFU, or search for the best plan."""
    request = api.PerfRequest(
        model=model,
        system=system,
        gpus=gpus,
        plan=plan,
        search=search,
        seq_len=seq_len,
        precision=precision,
        framework=framework,
        allow_overflow=allow_overflow,
    )
    with working("searching plans" if search else "estimating", quiet=as_json):
        data = api.perf(request, catalog=_catalog(ctx)).to_json()
    if as_json:
        emit_json(data)
        return
    if data["plan"] is None:
        _nearest_table(data, "perf")
        return
    _perf_tables(data, _calibration_status(ctx, data["calibration"]), _peak_notes(ctx, data))
    if not search and not data["fits"]:
        _fixed_plan_changes(data)
    if search:
        console.print(
            f"Evaluated {counted(data['plans_evaluated'], 'plan')}; "
            f"{data['plans_fitting']:,} {'fits' if data['plans_fitting'] == 1 else 'fit'} in "
            "memory (a fitting plan counted once per time-only knob combination)."
            + ("" if data["fits"] else " None fits: the plan above needs least memory.")
        )
        _top_table(data["top"])


def recipe_label(plan: dict[str, Any]) -> str:
    """What a printed plan calls its `fp8_recipe` knob (the JSON key, named when only fp8 had
    scaling recipes): `fp4_recipe` when the plan's GEMMs are fp4 (NVFP4), the JSON's name for
    it and a key `--plan` takes, so that the printed plan pastes back."""
    return "fp4_recipe" if plan.get("precision") == "fp4" else "fp8_recipe"


#: The plan knobs the table of best plans always shows.
TOP_KNOBS = ("tp", "pp", "vp", "dp", "cp", "ep", "mb", "zero", "recompute")
#: A `top` row's figures (the rest of its keys are plan knobs).
TOP_FIGURES = ("step_time_s", "tokens_per_s", "mfu", "memory_gib_per_gpu")


def _shown_cells(row: dict[str, Any]) -> tuple[Any, ...]:
    """What the table of best plans shows of a row without extra columns."""
    return (
        *(row[k] for k in TOP_KNOBS),
        f"{row['step_time_s']:,.3f}",
        f"{row['mfu']:.1%}",
        f"{row['memory_gib_per_gpu']:,.1f}",
    )


def distinct_top(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """The best plans as a reader can tell them apart: rows with the same shown knobs, step time
    and memory are one row (the first: they differ only in knobs that changed nothing here, as
    `pp_balance` can), and a knob that tells apart rows that would still print alike is a
    column. Returns (rows, the knobs merged away, the extra knob columns)."""
    kept: dict[tuple[Any, ...], dict[str, Any]] = {}
    merged: set[str] = set()
    for row in rows:
        key = (*(row[k] for k in TOP_KNOBS), row["step_time_s"], row["memory_gib_per_gpu"])
        first = kept.setdefault(key, row)
        merged.update(k for k in row if k not in TOP_FIGURES and row[k] != first[k])
    distinct = list(kept.values())
    alike: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in distinct:
        alike.setdefault(_shown_cells(row), []).append(row)
    hidden = [k for k in (distinct[0] if distinct else {}) if k not in (*TOP_KNOBS, *TOP_FIGURES)]
    extra = [
        k
        for k in hidden
        if any(len({repr(r[k]) for r in group}) > 1 for group in alike.values() if len(group) > 1)
    ]
    return distinct, sorted(merged), extra


def _top_table(plans: list[dict[str, Any]]) -> None:
    """`perf --search`'s best plans by tokens/s: rows a reader could not tell apart are one
    (`distinct_top`), a knob every row shares is said once in the title so that the table fits
    a terminal, and a knob without a column in which a row differs from #1 is named under it."""
    rows, merged, extra = distinct_top(plans)
    if not rows:
        return
    columns = (*TOP_KNOBS, *extra)
    same = [c for c in columns if len(rows) > 1 and len({str(r[c]) for r in rows}) == 1]
    specs = [
        Spec("#", tuple(str(i) for i in range(1, len(rows) + 1))),
        *(
            Spec(recipe_label(rows[0]) if c == "fp8_recipe" else c, tuple(str(r[c]) for r in rows))
            for c in columns
            if c not in same
        ),
        Spec("step s", tuple(f"{r['step_time_s']:,.3f}" for r in rows)),
        Spec("MFU", tuple(f"{r['mfu']:.1%}" for r in rows)),
        Spec("GiB", tuple(f"{r['memory_gib_per_gpu']:,.1f}" for r in rows)),
    ]
    shared = f" (every one: {', '.join(f'{c}={rows[0][c]}' for c in same)})" if same else ""
    print_fitted(console, f"Best plans by tokens/s{shared}", specs)
    others = [
        f"#{i} {changed}"
        for i, row in enumerate(rows[1:], 2)
        if (changed := _other_knobs(row, rows[0], columns))
    ]
    if others:
        print_prose(
            "Knobs not in the table where a plan differs from #1: " + "; ".join(others) + "."
        )
    if merged:
        print_prose(
            f"{len(plans) - len(rows)} of the {len(plans)} best plans are not shown: each "
            f"differs from a row above only in {', '.join(merged)}, with the same step time and "
            "memory (--json lists every plan)."
        )


def _other_knobs(row: dict[str, Any], first: dict[str, Any], columns: tuple[str, ...]) -> str:
    """`pp_balance=False, sp=False`: the knobs outside the table's `columns` in which `row`
    differs from `first` (etp where it merely follows tp, as it does unless pinned, and
    recompute_modules where the row's recompute is not selective, so that it has none, are
    left out)."""
    changed = [
        f"{k}={'+'.join(v) if isinstance(v, list | tuple) else v}"
        for k, v in row.items()
        if k not in columns
        and k not in TOP_FIGURES
        and v != first.get(k)
        and not (k == "etp" and v == row["tp"] and first.get("etp") == first["tp"])
        and not (k == "recompute_modules" and row.get("recompute") != "selective")
    ]
    return ", ".join(changed)


# --- train --------------------------------------------------------------------------------------


GOODPUT_LEAVES_OUT = (
    "Goodput counts checkpoints, restarts and redone work only: not data-loading stalls, "
    "stragglers, uncaught hangs, loss-spike rollbacks or manual restarts "
    "(docs/models/reliability.md)."
)


def _every(hours: float) -> str:
    """A mean spacing between events in the unit a reader takes in: minutes below an hour,
    hours below two days, else days."""
    if hours < 1.0:
        return f"{hours * 60:,.0f} min"
    if hours < 48.0:
        return f"{hours:,.1f} h"
    return f"{hours / 24:,.1f} days"


def _reliability_inputs(data: dict[str, Any]) -> str:
    """What the run's goodput and interruptions rest on: the failure model and the
    fault-tolerance policy, each with its catalog status, and the policy's costs at this size
    (the policy moves a large job's goodput most: `gigawatt catalog fault-tolerance`), and
    where the wall time beyond the compute goes."""
    lost = data["wall_time_s"] - data["compute_time_s"]
    return (
        f"Reliability: failure model {data['failure_model']} "
        f"({data['failure_model_status']}), {_fleet_text(data)}; fault-tolerance policy "
        f"{data['fault_tolerance']} "
        f"({data['policy_status']}): a checkpoint blocks {data['checkpoint_s']:,.2f} s, a "
        f"restart costs {data['restart_s']:,.0f} s (`--policy` to change it). Of the "
        f"{lost / S_PER_DAY:,.2f} days beyond the failure-free compute, "
        f"{data['restart_time_s'] / S_PER_DAY:,.2f} go to restarts, "
        f"{data['checkpoint_time_s'] / S_PER_DAY:,.2f} to blocking checkpoints and "
        f"{data['rework_time_s'] / S_PER_DAY:,.2f} to redoing work lost to failures."
    )


def _fleet_text(data: dict[str, Any]) -> str:
    """The fleet's age and the burn-in factor its failure rates carry over the run."""
    age, factor = data["fleet_age_months"], data["burn_in_factor"]
    if age is None:
        return "a mature fleet (no burn-in; `--fleet-age-months` for a new one)"
    if factor <= 1.0:
        return f"a fleet {age:g} months old at the start, past its burn-in"
    return (
        f"a fleet {age:g} months old at the start, inside its burn-in: hardware failure rates "
        f"x{factor:.2f} over the run (an estimate: `gigawatt catalog failures`)"
    )


def _spares_text(data: dict[str, Any]) -> str:
    """The spare failure domains that keep a run at full size: those among the accelerators
    the plan leaves idle (paid for), and the rest, which the run's accelerator-hours and cost
    leave out (empty when not computed)."""
    if data.get("spares") is None:
        return ""
    domain, spares, extra = data["failure_domain"], data["spares"], data["spare_accelerators"]
    bound = data.get("spares_sla_bound")
    rack = (
        f"; at most {bound:,} racks under the catalog's rack-uptime SLA: the model takes a whole "
        "rack out for every tray-level hardware event, so its count is an upper estimate"
        if bound is not None
        else ""
    )
    idle, outside = data["idle_spares"], spares - data["idle_spares"]
    added = f"held for the whole run they add {data['spare_gpu_hours']:,.0f} accelerator-hours"
    counted_idle = "the accelerators the plan leaves idle, which the accelerator-hours above count"
    if not idle:
        where = f"the accelerator-hours and cost above leave them out: {added}"
    elif not outside:
        where = f"all are among {counted_idle}"
    else:
        where = (
            f"{counted(idle, 'whole domain')} {'is' if idle == 1 else 'are'} among "
            f"{counted_idle}; the accelerator-hours and cost above leave out the other "
            f"{outside:,} ({outside * domain:,} accelerators): {added}"
        )
    return (
        f"Spares: running at full size with probability {data['spares_availability']:g} while "
        f"failed units are repaired takes {counted(spares, 'spare failure domain')} of "
        f"{domain:,} accelerators ({extra:,}, {extra / data['gpus']:.1%} of the job{rack}): "
        f"{where}."
    )


def _interval_text(data: dict[str, Any]) -> str:
    """The checkpoint interval in seconds and, when known, in whole training steps."""
    text = f"{data['checkpoint_interval_s']:,.0f} s"
    steps = data.get("checkpoint_interval_steps")
    return text if steps is None else f"{text} ({counted(steps, 'step')})"


@app.command()
def train(
    ctx: typer.Context,
    model: ModelOpt,
    tokens: Annotated[str, typer.Option("--tokens", help="Training tokens: 15.6e12 or 15.6T.")],
    system: SystemOpt,
    gpus: GpusOpt,
    precision: PrecisionOpt = None,
    region: RegionOpt = None,
    cost_usd_per_gpu_hour: Annotated[
        float | None,
        typer.Option(
            "--cost-usd-per-gpu-hour",
            help="Rental price per accelerator-hour; default: ownership cost plus energy.",
        ),
    ] = None,
    cost_basis: Annotated[
        str | None,
        typer.Option(
            "--cost-basis",
            help="ownership (default: capex over its life, operations, energy) or market "
            "(cloud rate per accelerator-hour at --start).",
        ),
    ] = None,
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="KEY=V,... the plan knobs to hold (the keys of `gigawatt perf --plan`); the "
            "others are searched.",
        ),
    ] = None,
    seq_len: SeqLenOpt = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Start month YYYY-MM: dates threshold crossings."),
    ] = None,
    policy: PolicyOpt = None,
    framework: FrameworkOpt = None,
    fleet_age_months: Annotated[
        float | None,
        typer.Option(
            "--fleet-age-months",
            help="Age of the accelerators at the run's start [months] (burn-in); default mature.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Time, accelerator-hours, energy, cost and regulatory thresholds of one training run."""
    request = api.TrainRequest(
        model=model,
        tokens=tokens,
        system=system,
        gpus=gpus,
        precision=precision,
        region=region,
        cost_usd_per_gpu_hour=cost_usd_per_gpu_hour,
        cost_basis=cost_basis,
        plan=plan,
        seq_len=seq_len,
        start=start,
        policy=policy,
        framework=framework,
        fleet_age_months=fleet_age_months,
    )
    with working("searching plans", quiet=as_json):
        data = api.train(request, catalog=_catalog(ctx)).to_json()
    if as_json:
        emit_json(data)
        return
    if data["plan"] is None:
        _nearest_table(data, "train")
        console.print("The run cannot be timed or costed.")
        return
    _perf_tables(data, _calibration_status(ctx, data["calibration"]), _peak_notes(ctx, data))
    table = Table(title="The run", title_justify="left", show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    rows = [
        ("Tokens", f"{data['tokens']:.3g}"),
        ("Training compute (model FLOP)", f"{data['training_flop']:.3g}"),
        ("Failure-free compute", f"{data['compute_time_s'] / S_PER_DAY:,.1f} days"),
        ("Expected wall time", f"{data['wall_time_s'] / S_PER_DAY:,.1f} days"),
        ("Goodput", f"{data['goodput']:.1%}"),
        (
            "Interruptions expected",
            f"{data['interruptions_expected']:,.0f} (one per {_every(data['job_mtti_h'])})",
        ),
        ("Checkpoint interval", _interval_text(data)),
        ("Accelerator-hours", f"{data['gpu_hours']:,.0f}"),
        ("Energy", f"{data['energy_mwh']:,.0f} MWh"),
        ("CO2e (location-based)", f"{data['co2e_t']:,.0f} t"),
        ("Cost", f"USD {data['cost_usd'] / MILLION:,.1f} M"),
    ]
    # the step time's validated 10th-90th percentile band, carried to the compute time, and
    # to the wall time and cost of the same run re-timed at its ends (rows inserted last first)
    if cost := data.get("cost_usd_band"):
        rows.insert(
            11, ("  validated band", f"USD {cost[0] / MILLION:,.1f}-{cost[1] / MILLION:,.1f} M")
        )
    if wall := data.get("wall_time_band_s"):
        rows.insert(
            4, ("  validated band", f"{wall[0] / S_PER_DAY:,.1f}-{wall[1] / S_PER_DAY:,.1f} days")
        )
    if band := data.get("compute_time_band_s"):
        rows.insert(
            3, ("  validated band", f"{band[0] / S_PER_DAY:,.1f}-{band[1] / S_PER_DAY:,.1f} days")
        )
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if data.get("wall_time_band_s"):
        print_prose(
            "Validated bands: the run re-timed at its step time's band (the perf model's "
            "errors on published runs of its class), failure rates, policy and prices held; "
            "they do not carry the uncertainty of those."
        )
    print_prose(
        " ".join(filter(None, (_reliability_inputs(data), _spares_text(data), GOODPUT_LEAVES_OUT)))
    )
    print_prose(f"Cost basis: {data['cost_detail']}. Grid: {data['grid_source']}.")
    if data["cost_basis"] == "ownership" and (capacity := data.get("capacity_charge_caveat")):
        print_prose(f"Capacity charge in the energy: {capacity}")  # as --json says
    records = _catalog(ctx).thresholds()
    triggers = {t.id: t.notification_trigger for t in records}
    for line in threshold_lines(data["thresholds"], dated=start is not None, triggers=triggers):
        console.print(line)
    compute_only = {t.id for t in records if t.cost_usd is None}
    for line in (hardware_count_line(data, compute_only), six_nd_count_line(data, compute_only)):
        if line is not None:
            console.print(line)
    limit, used = data["job_size_limit_accelerators"], data["gpus_used"]
    if limit is not None and limit < used:
        console.print(
            f"Past the job-size limit: beyond {limit:,} accelerators each added one yields "
            f"under {data['marginal_threshold']:.0%} of the average one's useful time at this "
            f"failure rate and policy (the rule `gigawatt capability` sizes the largest run "
            f"by); this job uses {used:,}."
        )


def threshold_lines(
    checks: list[dict[str, Any]], *, dated: bool, triggers: dict[str, str | None] | None = None
) -> list[str]:
    """The training-compute thresholds a run exceeds, split by whether each is law when it is
    crossed (`dated`: the run has a start; else the law of the day the check ran), so that a
    rule not yet in force, revoked or never in force does not read as a duty; a notification
    deadline comes with what triggers it and whom it binds (`triggers`: the catalog's
    `notification_trigger` by threshold id)."""
    exceeded = [c for c in checks if c["exceeded"]]
    now = [c for c in exceeded if c["in_force"]]
    when = "when crossed" if dated else "today (--start dates a planned run)"
    lines = [
        f"Thresholds exceeded and in force {when}: "
        + (", ".join(c["id"] for c in now) if now else "none")
        + "."
    ]
    deadlines = [c for c in now if c["notification_deadline"]]
    if now:
        due = "; ".join(
            f"{c['id']} notification due {c['notification_deadline']}" for c in deadlines
        )
        lines.append(
            "Exceeding a threshold in force makes the model one its rule covers; what the rule "
            "requires, of whom and when is its own (`gigawatt catalog thresholds`)"
            + (f": {due}." if due else ".")
        )
        for c in deadlines:
            if (why := (triggers or {}).get(c["id"])) is not None:
                lines.append(f"{c['id']} notification: {' '.join(why.split())}")
    when = "when crossed" if dated else "today"
    later = [c for c in exceeded if not c["in_force"]]
    pending = [c for c in later if _status(c).startswith("in force from")]
    if pending:
        lines.append(
            f"Exceeded, not yet in force {when}: "
            + ", ".join(f"{c['id']} ({_status(c)})" for c in pending)
            + ": no duty from the crossing itself, but a rule in force when the model is "
            "released or deployed may still cover it."
        )
    gone = [c for c in later if c not in pending]
    if gone:
        lines.append(
            f"Exceeded, but not law {when} (no duty from them): "
            + ", ".join(f"{c['id']} ({_status(c)})" for c in gone)
            + "."
        )
    return lines


def _compute_checks(data: dict[str, Any], compute_only: set[str]) -> list[dict[str, Any]]:
    """The run's checks of training-compute thresholds in force that have no cost test: the
    ones another way of counting the FLOP could move across the line."""
    return [
        c
        for c in data["thresholds"]
        if c["metric"] == "training_flop" and c["id"] in compute_only and c["in_force"]
    ]


def hardware_count_line(data: dict[str, Any], compute_only: set[str]) -> str | None:
    """The compute thresholds in force that the run's model-FLOP count stays under but a
    hardware count exceeds (accelerators x peak x HFU x time = training FLOP x HFU / MFU: the
    recomputed and executed FLOPs included), which a regulator may also accept; None when
    there are none. `compute_only`: the ids of thresholds without a cost test."""
    if not data["mfu"] or not data["hfu"]:
        return None
    hardware = data["training_flop"] * data["hfu"] / data["mfu"]
    near = [
        c["id"]
        for c in _compute_checks(data, compute_only)
        if not c["exceeded"] and c["value"] < hardware
    ]
    if not near:
        return None
    return (
        f"Counted from the hardware (accelerators x peak x HFU x time: the executed operations, "
        f"recomputation included, as the EU Guidelines' hardware-based method estimates them), "
        f"the run computes {hardware:.3g} FLOP, over {', '.join(near)}; the model-FLOP count "
        "above is under it, so which count the rule takes decides the crossing."
    )


def six_nd_count_line(data: dict[str, Any], compute_only: set[str]) -> str | None:
    """The compute thresholds in force that the run's model-FLOP count exceeds but the count
    developers usually publish, 6 x active parameters x tokens, does not (the model-FLOP count
    adds the attention term in full, PaLM's convention); None when there are none.
    `compute_only`: the ids of thresholds without a cost test."""
    six_nd = data.get("training_flop_6nd")
    if not six_nd:
        return None
    under = [
        c["id"]
        for c in _compute_checks(data, compute_only)
        if c["exceeded"] and c["value"] >= six_nd
    ]
    if not under:
        return None
    return (
        f"Counted as 6 x active parameters x tokens (the count developers usually publish), "
        f"the run computes {six_nd:.3g} FLOP, not over {', '.join(under)}; the model-FLOP "
        "count above adds the attention term in full "
        "(PaLM's convention), so which count the rule takes decides the crossing."
    )


def _status(check: dict[str, Any]) -> str:
    """`ThresholdCheck.status` from a check's JSON."""
    effective, revoked, on = check["effective"], check["revoked"], check["checked_on"]
    if effective and revoked and revoked <= effective:
        return "never in force"
    if revoked and on and on >= revoked:
        return f"revoked {revoked}"
    return f"in force from {effective}" if effective else "not in force"
