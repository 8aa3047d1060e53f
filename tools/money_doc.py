"""Write the generated tables of docs/models/money.md from the catalog and the models.

    .venv/bin/python tools/money_doc.py          # rewrite the tables in place
    .venv/bin/python tools/money_doc.py --check  # exit 1 if the page is out of date

Every number on that page comes from here (tests/test_money_doc.py checks the page is current).
Each table sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from gigawatt.buildout import build_fleet
from gigawatt.catalog import Catalog
from gigawatt.costs import (
    CostParameters,
    capacity_charge,
    capex_usd_per_gw,
    market_rate,
    ownership_usd_per_accelerator_hour,
    quoted_rates,
    rental_yield,
    system_price_usd,
)
from gigawatt.distributions import point
from gigawatt.energy.footprint import training_draw
from gigawatt.finance import run_finance
from gigawatt.scenario import builtin_scenarios, load_scenario
from gigawatt.units import W_PER_MW

PAGE = Path(__file__).parents[1] / "docs" / "models" / "money.md"
DEFAULT_SCENARIO = "nvidia-openai-10gw"
#: The systems the capex and per-hour tables show (rack-scale and the 8-GPU references).
SHOWN = (
    "dgx-h100",
    "dgx-b200",
    "gb200-nvl72",
    "gb300-nvl72",
    "vera-rubin-nvl72",
    "rubin-ultra-nvl576",
    "helios-mi450",
)
PUE = 1.15  # the built-in scenarios' campus PUE (mode)
REGION = "us-ercot"
UNIT_COSTS = (
    "facility-usd-per-w",
    "power-usd-per-w",
    "system-price-scale",
    "depreciation-years-systems",
    "depreciation-years-facility",
    "depreciation-years-power",
    "opex-operations-share-per-year",
    "construction-months",
    "power-construction-months",
    "systems-delivery-lead-months",
    "systems-payment-terms-months",
    "capex-usd-per-gw",
)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _short(text: str, n: int = 140) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _usd(x: float) -> str:
    if x >= 1e9:
        return f"{x / 1e9:,.1f}B"
    if x >= 1e6:
        return f"{x / 1e6:,.2f}M"
    return f"{x:,.0f}"


def system_prices(cat: Catalog) -> str:
    params = CostParameters.of(cat)
    rows = []
    for sys_ in cat.all("systems"):
        pr = sys_.price  # type: ignore[attr-defined]
        per_acc = system_price_usd(sys_, params)  # type: ignore[arg-type]
        rows.append(
            (
                f"`{sys_.id}`",
                f"{_usd(pr.usd_point)} per {pr.per}",
                f"{pr.network_share:.2f}",
                f"{per_acc:,.0f}",
                _usd(per_acc * sys_.accelerators_per_rack),  # type: ignore[attr-defined]
                pr.status,
                pr.as_of.isoformat(),
                _short(pr.source),
            )
        )
    header = (
        "System",
        "Quoted (USD)",
        "Network share",
        "All-in per accelerator (USD)",
        "Per rack (USD)",
        "Status",
        "As of",
        "Source",
    )
    return _table(header, rows)


def unit_costs(cat: Catalog) -> str:
    rows = []
    for pid in UNIT_COSTS:
        rec = cat.parameter(pid)
        fmt = _usd if rec.unit.startswith("usd_per_gw") else "{:g}".format
        value = point(rec.value)
        rng = f"{fmt(rec.low)}-{fmt(rec.high)}" if rec.low is not None and rec.high else ""
        rows.append(
            (
                f"`{pid}`",
                fmt(value),
                rec.unit,
                rng,
                rec.status,
                rec.as_of.isoformat(),
                _short(rec.source),
            )
        )
    return _table(("Parameter", "Value", "Unit", "Range", "Status", "As of", "Source"), rows)


def capex_per_gw(cat: Catalog) -> str:
    params = CostParameters.of(cat)
    rows = []
    for sid in SHOWN:
        sys_ = cat.system(sid)
        it = capex_usd_per_gw(sys_, PUE, params, "it")
        fac = capex_usd_per_gw(sys_, PUE, params, "facility")
        rows.append(
            (
                f"`{sid}`",
                f"{1e9 / sys_.it_power_w_per_accelerator:,.0f}",
                f"{it.systems_usd / 1e9:,.1f}",
                f"{it.facility_usd / 1e9:,.1f}",
                f"{it.power_usd / 1e9:,.1f}",
                f"{it.total_usd / 1e9:,.1f}",
                f"{fac.total_usd / 1e9:,.1f}",
            )
        )
    header = (
        "System",
        "Accelerators per GW of IT",
        "Systems",
        "Facility",
        "Power",
        "Total per GW of IT",
        f"Total per GW at the grid (PUE {PUE:g})",
    )
    override = cat.parameter("capex-usd-per-gw").value
    low, mode, high = (
        (override.triangular.low, override.triangular.mode, override.triangular.high)  # type: ignore[union-attr]
        if hasattr(override, "triangular")
        else (point(override),) * 3
    )
    note = (
        f"\n\nUSD billion. For comparison, the analysts' all-in range per GW at the grid "
        f"(`capex-usd-per-gw`, used only as a scenario override): {low / 1e9:g} / "
        f"{mode / 1e9:g} / {high / 1e9:g}."
    )
    return _table(header, rows) + note


def hourly_costs(cat: Catalog) -> str:
    params = CostParameters.of(cat)
    price_mwh = cat.region(REGION).power_price_usd_per_mwh
    rows = []
    draws: list[float] = []
    for sid in SHOWN:
        sys_ = cat.system(sid)
        # the draw the finance model and `train` bill: the calibrated training draw, not the
        # all-in IT power at full load
        draw = training_draw(cat, sys_, cat.accelerator(sys_.accelerator))
        energy = draw.total_w * PUE / W_PER_MW * price_mwh  # USD per accelerator-hour
        draws.append(draw.total_w / sys_.it_power_w_per_accelerator)
        h = ownership_usd_per_accelerator_hour(sys_, PUE, params, energy)
        m = market_rate(cat, sys_)
        rows.append(
            (
                f"`{sid}`",
                f"{h.systems:.2f}",
                f"{h.facility + h.power:.2f}",
                f"{h.operations:.2f}",
                f"{h.energy:.2f}",
                f"{h.total:.2f}",
                f"{m.usd_per_hour:.2f}",
                "derived" if m.derived else ", ".join(m.records),
                f"{m.usd_per_hour / h.total:.1f}",
            )
        )
    header = (
        "System",
        "Systems",
        "Facility + power",
        "Operations",
        "Energy",
        "Ownership",
        "Market",
        "Market from",
        "Market / ownership",
    )
    ratio, ids = rental_yield(cat)
    low, high = f"{min(draws):.3g}", f"{max(draws):.3g}"
    share = low if low == high else f"{low}-{high}"
    note = (
        f"\n\nUSD per accelerator-hour. Energy at the average training draw the finance model "
        f"and `train` bill ({share} of the all-in IT power: the power calibrations), x PUE "
        f"{PUE:g}, at `{REGION}`'s USD {price_mwh:g}/MWh. Derived market rates: the system price x "
        f"{ratio * 8760:.3f} per year, the median rate-to-price ratio of {', '.join(ids)}."
    )
    return _table(header, rows) + note


def market_rates(cat: Catalog) -> str:
    """Every rental record; `Market basis` marks the records of the tier the market basis reads
    for their accelerator (all its dated records, not only the latest)."""
    tier = {acc: q.records[0].pricing for acc, q in quoted_rates(cat).items()}
    rows = []
    for rec in cat.all("prices"):
        if rec.process != "rental":  # type: ignore[attr-defined]
            continue
        acc = cat.accelerator(rec.accelerator).id  # type: ignore[attr-defined]
        rows.append(
            (
                f"`{rec.id}`",
                f"`{rec.accelerator}`",  # type: ignore[attr-defined]
                rec.pricing or "",  # type: ignore[attr-defined]
                f"{rec.start_usd:.2f}",  # type: ignore[attr-defined]
                rec.start_month,  # type: ignore[attr-defined]
                rec.status,
                "yes" if tier.get(acc) == rec.pricing else "",  # type: ignore[attr-defined]
                _short(rec.source),
            )
        )
    header = ("Record", "Accelerator", "Tier", "USD/h", "Month", "Status", "Market basis", "Source")
    return _table(header, rows)


def default_capex(cat: Catalog) -> str:
    scenario = load_scenario(DEFAULT_SCENARIO, cat).resolve()
    fin = run_finance(scenario, cat, build_fleet(scenario, cat))
    rows = [
        (
            str(y["year"]),
            f"{y['capex_systems_usd'] / 1e9:,.1f}",
            f"{y['capex_facility_usd'] / 1e9:,.1f}",
            f"{y['capex_power_usd'] / 1e9:,.1f}",
            f"{y['capex_usd'] / 1e9:,.1f}",
        )
        for y in fin.years()
    ]
    s = fin.summary()
    note = (
        f"\n\nUSD billion, `{DEFAULT_SCENARIO}` at its point values; the programme starts "
        f"{s['programme_start']} (the letter of intent), money from {s['start']}; "
        f"total {s['capex_usd'] / 1e9:,.1f}."
    )
    return _table(("Year", "Systems", "Facility", "Power", "Capex"), rows) + note


def valuations(cat: Catalog) -> str:
    """The catalog's equity tranches: when they are released (where the record fixes it), the
    valuation they buy at and its spread; the dated ones are the public valuations."""
    rows = []
    for rid in cat.records.get("deals", {}):
        d = cat.get("deals", rid)
        for t in d.tranches:
            v = t.instrument.valuation_usd
            if t.instrument.type != "equity" or v is None:
                continue
            if t.trigger.date:
                when = f"{t.trigger.date} (dated: a public valuation)"
            elif t.trigger.definitive_agreement:
                when = f"{d.signing} (signing, {d.signing_status})"
            else:
                when = f"on {t.trigger.gw_deployed:g} GW deployed"
            spread = getattr(v, "lognormal", None)
            rows.append(
                (
                    f"`{d.id}`",
                    t.name,
                    when,
                    _usd(point(v)),
                    f"lognormal, sigma {spread.sigma:g}" if spread else "fixed",
                    d.investee,
                )
            )
    header = ("Deal", "Tranche", "Month", "Valuation (USD)", "Spread", "Investee")
    return _table(header, rows)


def _share(x: float | None) -> str:
    return "null" if x is None else f"{x:.2f}"


def circularity(cat: Catalog) -> str:
    """Each built-in scenario's investors at the end: I, C, P and the two shares."""
    rows = []
    for name in sorted(builtin_scenarios()):
        scenario = load_scenario(name, cat).resolve()
        fin = run_finance(scenario, cat, build_fleet(scenario, cat))
        for inv in fin.investor_totals():
            rows.append(
                (
                    f"`{name}`",
                    inv["investor"],
                    f"{inv['invested_usd'] / 1e9:,.1f}",
                    f"{inv['credit_usd'] / 1e9:,.1f}",
                    f"{inv['purchases_usd'] / 1e9:,.1f}",
                    _share(inv["circular_share"]),
                    _share(inv["vendor_funded_share"]),
                )
            )
    header = ("Scenario", "Investor", "I", "C", "P", "circular_share", "vendor_funded_share")
    return _table(header, rows) + "\n\nUSD billion, cumulative to each scenario's end."


def cost_tests(cat: Catalog) -> str:
    rows = [
        (
            f"`{t.id}`",
            f"{t.value:.0e}",
            _usd(t.cost_usd) if t.cost_usd else "none",
            t.cost_basis if t.cost_usd else "",
            t.effective.isoformat(),
            t.revoked.isoformat() if t.revoked else "",
        )
        for t in cat.thresholds()
        if t.metric == "training_flop" and t.jurisdiction == "US-NY"
    ]
    header = ("Threshold", "Operations", "Cost test (USD)", "Cost basis", "Effective", "Revoked")
    return _table(header, rows)


def capacity_charges(cat: Catalog) -> str:
    """Each dated capacity price a region bills (PJM's by delivery year), what finance bills
    of it (less the level the power price carries), and the default scenario's total."""
    rows = []
    notes = []
    for region in cat.all("regions"):
        charge = capacity_charge(cat, region.id)
        if charge is None or not charge.dated:
            continue
        carried = cat.parameter(region.capacity_charge_carried)
        for p in charge.periods:
            rec = cat.parameter(p.record)
            rows.append(
                (
                    f"`{region.id}`",
                    f"{rec.applies_from} to {rec.applies_to}",
                    f"`{p.record}`",
                    f"{p.usd_per_mw_day:,.2f}",
                    f"{charge.usd_per_mw_day(p.first):,.2f}",
                    rec.field_statuses().get("value", rec.status),
                    _short(rec.source),
                )
            )
        last = charge.periods[-1]
        notes.append(
            f"`{region.id}` bills each price less `{carried.id}` (USD {carried.value:,.2f} per "
            f"MW-day, what its power price carries), at least 0; after {last.record}'s last "
            "month its price is held flat, with a caveat."
        )
    scenario = load_scenario(DEFAULT_SCENARIO, cat).resolve()
    fin = run_finance(scenario, cat, build_fleet(scenario, cat))
    s = fin.summary()
    notes.append(
        f"`{DEFAULT_SCENARIO}` at its point values bills USD "
        f"{float(fin.opex_capacity_usd.sum()) / 1e9:,.2f} billion of capacity charges "
        f"(`opex_capacity_usd`) of USD {s['opex_usd'] / 1e9:,.1f} billion of opex."
    )
    header = (
        "Region",
        "Delivery months",
        "Record",
        "Price (USD/MW-day)",
        "Billed (USD/MW-day)",
        "Status",
        "Source",
    )
    return _table(header, rows) + "\n\n" + " ".join(notes)


BLOCKS: dict[str, Callable[[Catalog], str]] = {
    "cost-tests": cost_tests,
    "capacity-charges": capacity_charges,
    "system-prices": system_prices,
    "unit-costs": unit_costs,
    "capex-per-gw": capex_per_gw,
    "hourly-costs": hourly_costs,
    "market-rates": market_rates,
    "default-capex": default_capex,
    "valuations": valuations,
    "circularity": circularity,
}


def update(text: str, cat: Catalog) -> str:
    """`text` with every generated block rewritten."""
    for name, make in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", flags=re.S
        )
        if not pattern.search(text):
            raise SystemExit(f"{PAGE}: no block {name!r}")
        body = make(cat)
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    text = PAGE.read_text(encoding="utf-8")
    new = update(text, Catalog.load())
    if "--check" in argv:
        return 0 if new == text else 1
    if new != text:
        PAGE.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
