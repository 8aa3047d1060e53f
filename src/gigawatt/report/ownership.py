"""The report's ownership section: stakes over time (diluted by later rounds), warrants as a
stake, the flows between the parties as a Sankey diagram, the programme's share of the world's
installed AI compute and the concentration of its compute by owner (`gigawatt.ownership`)."""

from __future__ import annotations

import math

import numpy as np

from gigawatt.display import fmt_number
from gigawatt.ownership import Ownership, hhi, run_ownership, vendor_payment_note
from gigawatt.report.base import Chart, Flow, ReportContext, Section, Series, Table, as_list
from gigawatt.units import BILLION, FLOPS_PER_EFLOP, MILLION

PERCENT = 100.0


def _pct(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value * PERCENT:.{digits}f} %"


def flow_chart(own: Ownership, investors: set[str]) -> Chart:
    """Investor -> company -> vendor: a deal's investor paying out is its own node
    (`NAME (investor)`), so money that comes back to it as a vendor draws no loop."""
    flows = tuple(
        Flow(
            f"{f['payer']} (investor)" if f["payer"] in investors else f["payer"],
            f["payee"],
            f["amount_usd"] / BILLION,
            f"cash: {f['what']}" if f["kind"] == "cash" else f["what"],
        )
        for f in own.flows
        if f["amount_usd"] > 0
    )
    bars = Series(
        "flow",
        [f"{f.source} → {f.target}" for f in flows],
        [f.value for f in flows],
        kind="bar",
    )
    return Chart(
        "ownership-flows",
        "Flows between the parties over the run",
        "From → to",
        "Flow [USD B]",
        (bars,),
        x_type="category",
        flows=flows,
        note="Cash paid over the whole run (capex, opex, investments, leases) and warrants at "
        "their intrinsic value when they vest (shares, not cash). A deal's investor that is "
        "also the vendor appears twice: the money it puts in, and the purchases that return "
        "to it (the circular share of the money section)."
        + (f" {note}" if (note := vendor_payment_note(own.flows)) else ""),
    )


def _stake_chart(own: Ownership, months: list[str]) -> Chart | None:
    series = [
        Series(f"{holder} in {company}", months, as_list(path * PERCENT), kind="step")
        for (holder, company), path in own.stakes.items()
    ]
    series += [
        Series(
            f"warrants of deal {deal} (once exercised)",
            months,
            as_list(path * PERCENT),
            kind="step",
            dash=True,
        )
        for deal, path in own.warrant_stakes.items()
    ]
    if not series:
        return None
    return Chart(
        "ownership-stakes",
        "Stakes over time",
        "Month",
        "Stake [%]",
        tuple(series),
        note="Each equity tranche and each listed round issues new shares worth A at a "
        "post-money valuation V: earlier holders keep 1 - sum A / V of their stake. Warrant "
        "shares N are N / (S + N) of the company with S shares outstanding.",
    )


def _world_charts(own: Ownership) -> list[Chart]:
    months = [str(m) for m in own.compute_months.astype(str)]
    charts = [
        Chart(
            "ownership-world-share",
            "Share of the world's installed AI compute",
            "Month",
            "Share [%]",
            (Series("programme / world (dense BF16)", months, as_list(own.world_share * PERCENT)),),
            note=f"World: {own.world['installed_h100e'] / MILLION:,.1f} million H100-equivalents "
            f"in {own.world['as_of']}, growing x{own.world['growth_per_year']:g} a year until "
            f"{own.world['extrapolated_until']}; not extrapolated after (no share shown).",
        )
    ]
    if own.several_owners:
        total = own.programme_flops_per_s
        compute = np.array(list(own.owners.values()))
        charts.append(
            Chart(
                "ownership-hhi",
                "Concentration of the programme's compute by owner",
                "Month",
                "HHI [points, 0-10,000]",
                (
                    Series(
                        "HHI of the programme's owners",
                        months,
                        as_list(np.where(total > 0, hhi(compute), np.nan)),
                    ),
                    Series(
                        "world HHI, lower bound (these owners' shares of the world)",
                        months,
                        as_list(hhi(compute, own.world_flops_per_s)),
                        dash=True,
                    ),
                ),
                note="US DOJ/FTC Merger Guidelines (2023): above 1,800 points is highly "
                "concentrated.",
            )
        )
    return charts


def _tables(own: Ownership) -> list[Table]:
    tables = []
    if own.stakes:
        tables.append(
            Table(
                "Stakes at the end of the run",
                ("Holder", "Company", "Stake, diluted", "Undiluted (sum of A / V)"),
                tuple(
                    (h, c, _pct(float(p[-1])), _pct(own.undiluted.get((h, c))))
                    for (h, c), p in own.stakes.items()
                ),
                (False, False, True, True),
            )
        )
    if own.events:
        tables.append(
            Table(
                "Rounds (equity tranches released and the scenario's later rounds)",
                (
                    "Company",
                    "Month",
                    "New money [USD B]",
                    "Post-money [USD B]",
                    "Bought by",
                    "Source",
                    "Status",
                ),
                tuple(
                    (
                        e.company,
                        e.month,
                        fmt_number(e.amount_usd, 1, BILLION),
                        fmt_number(e.post_money_usd, 0, BILLION),
                        ", ".join(f"{h} {a / BILLION:,.1f}" for h, a in e.bought_usd.items()),
                        e.source,
                        e.status,
                    )
                    for e in own.events
                ),
                (False, False, True, True, False, False, False),
            )
        )
    if own.warrants:
        tables.append(
            Table(
                "Warrants as shares of the company",
                (
                    "Deal",
                    "Holder",
                    "Shares of",
                    "Vested [million]",
                    "Of up to [million]",
                    "Outstanding [million]",
                    "Stake vested",
                    "At most",
                    "Source of shares outstanding",
                ),
                tuple(
                    (
                        w["deal"],
                        w["holder"],
                        w["company"],
                        fmt_number(w["shares_vested"], 1, MILLION),
                        fmt_number(w["shares_max"], 1, MILLION),
                        fmt_number(w["shares_outstanding"], 0, MILLION),
                        _pct(w["stake_share_vested"]),
                        _pct(w["stake_share_max"]),
                        w["source"] or "",
                    )
                    for w in own.warrants
                ),
                (False, False, False, True, True, True, True, True, False),
            )
        )
    tables.append(
        Table(
            "Flows between the parties over the run",
            ("From", "To", "Amount [USD B]", "Kind", "Categories"),
            tuple(
                (
                    f["payer"],
                    f["payee"],
                    fmt_number(f["amount_usd"], 1, BILLION),
                    f["kind"],
                    ", ".join(f["categories"]),
                )
                for f in own.flows
            ),
            (False, False, True, False, False),
        )
    )
    w = own.world
    tables.append(
        Table(
            "The world's installed AI compute",
            ("Quantity", "Value", "From", "Source", "Status"),
            (
                (
                    "Installed",
                    f"{w['installed_h100e'] / MILLION:,.1f} million H100e in {w['as_of']}",
                    w["installed_from"],
                    w["source"],
                    w["installed_status"],
                ),
                (
                    "Growth",
                    f"x{w['growth_per_year']:g} a year",
                    w["growth_from"],
                    "",
                    w["growth_status"],
                ),
                (
                    "Extrapolated until",
                    w["extrapolated_until"],
                    w["horizon_from"],
                    "",
                    w["horizon_status"],
                ),
                (
                    "H100-equivalent",
                    f"{w['flops_per_s_per_h100e'] / 1e12:,.1f} TFLOP/s dense BF16",
                    "h100-sxm",
                    "",
                    w["flops_per_s_per_h100e_status"],
                ),
            ),
        )
    )
    return tables


def ownership_section(ctx: ReportContext) -> Section | None:
    results = ctx.results
    if results.finance is None:
        return None
    own = run_ownership(results.scenario, ctx.catalog, results.fleet, results.finance)
    investors = {d.investor for d in results.finance.deals}
    months = [str(m) for m in results.finance.month_labels]
    charts = [c for c in (_stake_chart(own, months),) if c is not None]
    charts.append(flow_chart(own, investors))
    charts += _world_charts(own)
    known = [y for y in own.years() if math.isfinite(y["world_share"])]
    paragraphs = []
    if known:
        last = known[-1]
        w = own.world
        paragraphs.append(
            f"In {last['month']} the programme holds {last['world_share']:.1%} of the world's "
            f"installed AI compute (dense BF16: "
            f"{last['programme_flops_per_s'] / FLOPS_PER_EFLOP:,.0f} of "
            f"{last['world_flops_per_s'] / FLOPS_PER_EFLOP:,.0f} EFLOP/s). The world figure is "
            f"a projection, not a count: {w['installed_h100e'] / MILLION:,.1f} million "
            f"H100-equivalents in {w['as_of']} ({w['installed_status']}) grown at "
            f"x{w['growth_per_year']:g} a year ({w['growth_status']}), and not extrapolated "
            f"past {w['extrapolated_until']}."
        )
    last = own.years()[-1]
    if own.several_owners and last["hhi"] is not None:
        paragraphs.append(
            f"Its compute is owned by {len(own.owners)} parties ({', '.join(own.owners)}); "
            f"HHI {last['hhi']:,.0f} points."
        )
    return Section(
        id="ownership",
        title="Ownership and concentration",
        paragraphs=tuple(paragraphs),
        charts=tuple(charts),
        tables=tuple(_tables(own)),
    )
