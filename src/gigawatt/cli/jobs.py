"""Job-level commands: perf, train, reliability (one training job, without a scenario)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from gigawatt.cli.common import (
    JsonOpt,
    _catalog,
    app,
    console,
    emit_json,
)
from gigawatt.errors import InputError
from gigawatt.perf import estimate as perf_estimate
from gigawatt.perf import search as perf_search
from gigawatt.perf.plan import parse_plan, with_precision
from gigawatt.reliability import DEFAULT_SYSTEM, reliability_report
from gigawatt.training import parse_count, plan_training

# --- reliability ------------------------------------------------------------------------------


def _num(value: Any, fmt: str = ",.3g") -> str:
    return "n/a" if value is None else f"{value:{fmt}}"


def _days_of(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 86400


@app.command()
def reliability(
    ctx: typer.Context,
    gpus: Annotated[int, typer.Option("--gpus", help="Accelerators in the job.")],
    days: Annotated[float, typer.Option("--days", help="Failure-free compute time [days].")],
    system: Annotated[
        str, typer.Option("--system", help="System (failure domains, nodes, racks).")
    ] = DEFAULT_SYSTEM,
    failure_model: Annotated[
        str | None,
        typer.Option(
            "--failure-model",
            help="Failure model id (`gigawatt catalog failures`) or a YAML file; "
            "default: the system's.",
        ),
    ] = None,
    checkpoint_s: Annotated[
        float | None,
        typer.Option(
            "--checkpoint-s", help="Blocking cost of one checkpoint [s] (not an interval)."
        ),
    ] = None,
    restart_s: Annotated[
        float | None, typer.Option("--restart-s", help="Cost of one restart [s].")
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
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo.")] = 0,
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
    report = reliability_report(
        _catalog(ctx),
        gpus=gpus,
        days=days,
        system=system,
        failure_model=failure_model,
        checkpoint_s=checkpoint_s,
        restart_s=restart_s,
        interval_s=interval_s,
        trials=trials,
        seed=seed,
        fleet_age_months=fleet_age_months,
        availability=availability,
    )
    data = report.to_json()
    if as_json:
        emit_json(data)
        return
    table = Table(
        title=f"{data['gpus']:,} accelerators on {data['system']}, {data['days']:g} days of "
        f"compute, failure model {data['failure_model']}",
        title_justify="left",
    )
    for col in ("quantity", "closed form", "P10", "P50", "P90"):
        table.add_column(col, justify="left" if col == "quantity" else "right")
    rows: list[tuple[str, Any, str, Any]] = [
        ("failures per hour", data["failure_rate_per_h"], ".3g", None),
        ("job MTBF (h)", data["job_mtbf_h"], ".3g", None),
        ("Young interval (s)", data["young_interval_s"], ",.0f", None),
        ("Daly interval (s)", data["checkpoint_interval_s"], ",.0f", None),
        ("interruptions", data["interruptions_expected"], ",.1f", "interruptions"),
        ("wall time (days)", _days_of(data["wall_time_s"]), ",.2f", "wall_time_s"),
        ("goodput", data["goodput"], ".3f", "goodput"),
        ("ETTR (Kokolis)", data["ettr"], ".3f", None),
        ("lost GPU-hours", data["lost_gpu_hours"], ",.0f", "lost_gpu_hours"),
    ]
    for label, value, fmt, series in rows:
        qs = [data.get(f"{series}_p{p}") if series else None for p in (10, 50, 90)]
        if series == "wall_time_s":
            qs = [_days_of(q) for q in qs]
        table.add_row(label, _num(value, fmt), *(("" if q is None else _num(q, fmt)) for q in qs))
    console.print(table)
    console.print(
        f"Spares: {_num(data['spares'], ',d')} failure domains of {data['failure_domain']} "
        f"({_num(data['spare_accelerators'], ',d')} accelerators) for "
        f"{data['spares_availability']:.4g} availability; restart {data['restart_s']:g} s, "
        f"checkpoint {data['checkpoint_s']:g} s; planned stops "
        f"{data['planned_rate_per_h'] * 24:.2f}/day."
    )
    if data["monte_carlo_note"]:
        console.print(data["monte_carlo_note"])
    elif data["trials"]:
        console.print(f"Monte Carlo: {data['trials']:,} trials, seed {data['seed']}.")


# --- perf -------------------------------------------------------------------------------------


def _perf_tables(data: dict[str, Any]) -> None:
    plan = data["plan"]
    step = data["step_time_s"]
    console.print(
        f"[bold]{data['model']}[/bold] on {data['gpus']:,} x {data['accelerator']} "
        f"({data['system']}), sequence {data['seq_len']:,}, calibration {data['calibration']}"
    )
    console.print(
        "plan: "
        + ", ".join(f"{k}={v}" for k, v in plan.items() if k not in ("gbs",))
        + f", gbs={plan['gbs']}"
    )
    summary = Table(title_justify="left", show_header=False)
    summary.add_column("")
    summary.add_column("", justify="right")
    mem = data["memory_bytes_per_gpu"]
    rows = [
        ("Step time", f"{step:,.3f} s"),
        ("Tokens/s", f"{data['tokens_per_s']:,.0f}"),
        ("MFU (causal)", f"{data['mfu']:.1%} ({data['mfu_causal']:.1%})"),
        ("HFU", f"{data['hfu']:.1%}"),
        ("Model TFLOP/s per GPU", f"{data['tflops_per_gpu']:,.1f}"),
        (
            "Memory per GPU",
            f"{data['memory_gib_per_gpu']:,.1f} GiB of {mem['usable'] / 2**30:,.1f} usable",
        ),
        ("Fits", "yes" if data["fits"] else "NO"),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    parts = Table(title="Step time breakdown (exposed)", title_justify="left")
    parts.add_column("Part")
    parts.add_column("Seconds", justify="right")
    parts.add_column("Share", justify="right")
    for key, value in data["breakdown_s"].items():
        parts.add_row(key, f"{value:,.3f}", f"{value / step:.1%}")
    console.print(parts)


@app.command()
def perf(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", help="Model id, or a YAML file of one record.")],
    system: Annotated[
        str,
        typer.Option("--system", help="System or accelerator id, or a YAML file of one record."),
    ],
    gpus: Annotated[int, typer.Option("--gpus", min=1, help="Accelerators in the job.")],
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="KEY=V,... of tp pp vp dp cp ep mb gbs zero recompute precision sp "
            "flash_attention tp_overlap dp_overlap (with --search: the knobs to hold).",
        ),
    ] = None,
    search: Annotated[
        bool, typer.Option("--search", help="Search every valid plan; report the best.")
    ] = False,
    seq_len: Annotated[
        int | None, typer.Option("--seq-len", min=1, help="Sequence length [tokens].")
    ] = None,
    precision: Annotated[
        str | None, typer.Option("--precision", help="fp16, bf16 (default), fp8 or fp4.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Predict a training plan's step time, memory and MFU, or search for the best plan."""
    knobs = with_precision(parse_plan(plan), precision)
    if search:
        found = perf_search(
            model, system, gpus, fixed=knobs, seq_len=seq_len, catalog=_catalog(ctx)
        )
        data = found.to_json()
    else:
        data = {
            **perf_estimate(
                model, system, gpus, knobs, seq_len=seq_len, catalog=_catalog(ctx)
            ).to_json(),
            "plans_evaluated": None,
            "plans_fitting": None,
            "top": None,
        }
    if as_json:
        emit_json(data)
        return
    _perf_tables(data)
    if search:
        console.print(
            f"Searched {data['plans_evaluated']:,} valid plans; {data['plans_fitting']:,} fit "
            "in memory." + ("" if data["fits"] else " None fits: the plan above needs least.")
        )
        top = Table(title="Best plans by tokens/s", title_justify="left")
        for col in ("tp", "pp", "vp", "dp", "cp", "ep", "mb", "zero", "recompute"):
            top.add_column(col, justify="right")
        top.add_column("step s", justify="right")
        top.add_column("MFU", justify="right")
        top.add_column("GiB", justify="right")
        for row in data["top"]:
            top.add_row(
                *(str(row[c]) for c in ("tp", "pp", "vp", "dp", "cp", "ep", "mb", "zero")),
                row["recompute"],
                f"{row['step_time_s']:,.3f}",
                f"{row['mfu']:.1%}",
                f"{row['memory_gib_per_gpu']:,.1f}",
            )
        if data["top"]:
            console.print(top)


# --- train --------------------------------------------------------------------------------------


def _month_start(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text + "-01" if len(text) == 7 else text)
    except ValueError:
        raise InputError(
            f"{text!r} is not allowed: expected YYYY-MM or YYYY-MM-DD", field="--start"
        ) from None


@app.command()
def train(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", help="Model id, or a YAML file of one record.")],
    tokens: Annotated[str, typer.Option("--tokens", help="Training tokens: 15.6e12 or 15.6T.")],
    system: Annotated[
        str,
        typer.Option("--system", help="System or accelerator id, or a YAML file of one record."),
    ],
    gpus: Annotated[int, typer.Option("--gpus", min=1, help="Accelerators in the job.")],
    precision: Annotated[
        str | None, typer.Option("--precision", help="fp16, bf16 (default), fp8 or fp4.")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Grid region (default us-average).")
    ] = None,
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
        str | None, typer.Option("--plan", help="KEY=V,... plan knobs to hold (as in perf).")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Start month YYYY-MM: dates threshold crossings."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Time, accelerator-hours, energy, cost and regulatory thresholds of one training run."""
    result = plan_training(
        model,
        parse_count(tokens, field="--tokens"),
        system,
        gpus,
        precision=precision,
        region=region,
        cost_usd_per_gpu_hour=cost_usd_per_gpu_hour,
        cost_basis=cost_basis,
        start=_month_start(start),
        fixed=parse_plan(plan),
        catalog=_catalog(ctx),
    )
    data = result.to_json()
    if as_json:
        emit_json(data)
        return
    _perf_tables(data)
    if data["wall_time_s"] is None:
        console.print("No plan fits in memory: the run cannot be timed or costed.")
        return
    table = Table(title="The run", title_justify="left", show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    rows = [
        ("Tokens", f"{data['tokens']:.3g}"),
        ("Training compute (model FLOP)", f"{data['training_flop']:.3g}"),
        ("Failure-free compute", f"{data['compute_time_s'] / 86400:,.1f} days"),
        ("Expected wall time", f"{data['wall_time_s'] / 86400:,.1f} days"),
        ("Goodput", f"{data['goodput']:.1%}"),
        ("Interruptions expected", f"{data['interruptions_expected']:,.0f}"),
        ("Accelerator-hours", f"{data['gpu_hours']:,.0f}"),
        ("Energy", f"{data['energy_mwh']:,.0f} MWh"),
        ("CO2e (location-based)", f"{data['co2e_t']:,.0f} t"),
        ("Cost", f"USD {data['cost_usd'] / 1e6:,.1f} M"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print(f"Cost basis: {data['cost_detail']}. Grid: {data['grid_source']}.")
    crossed = data["thresholds_crossed"]
    console.print("Thresholds crossed (in force): " + (", ".join(crossed) if crossed else "none"))
