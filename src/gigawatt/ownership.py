"""Ownership and concentration (issue 15): who ends up owning what, and how much of the world's
AI compute the programme holds.

Built from a finance stage that already ran (`run_ownership(scenario, catalog, fleet, finance)`),
never by simulating again:

- **Stakes, diluted.** Each released equity tranche and each funding round the scenario lists
  (`ownership.rounds`) issues new shares worth A at a post-money valuation V. Holders before the
  round keep the fraction 1 - sum A / V of their stake and each buyer gains A_h / V
  (`dilute`; the standard cap-table arithmetic, e.g. Metrick and Yasuda, "Venture Capital and
  the Finance of Innovation", 2nd ed., ch. 9). Money at the same month and valuation is one
  round. `gigawatt finance`'s `stake_share` of a deal stays the undiluted sum of A / V.
- **Warrants as a stake.** Vested warrant shares N over the company's shares outstanding S
  (catalog `prices` record, `shares_outstanding`): N / (S + N) once exercised, other issuance
  ignored.
- **Flows.** Cash between parties over the whole run (the finance stage's cash-flow table,
  summed by payer and payee) plus each warrant's intrinsic value at vesting, as links of a
  Sankey diagram: investor -> company -> vendor and the company's other payees.
- **Share of the world's compute.** The world's installed AI compute is a dated estimate in
  H100-equivalents (catalog `world-ai-compute-h100e`) growing by a factor g a year
  (`world-ai-compute-growth-per-year`): W(t) = W0 g^((t - t0) / 12 months) H100e, converted at
  the H100's dense BF16 peak. The programme's share is its dense BF16 peak P(t) / W(t).
- **Concentration.** With compute by owner c_i (a site's `owner`, default the programme's
  owner), the Herfindahl-Hirschman index HHI = sum (100 c_i / sum c)^2, 0-10,000 (US DOJ and
  FTC, Merger Guidelines 2023, section 2.1: above 1,800 is highly concentrated). Set against the
  world, sum (100 c_i / W)^2 is a lower bound of the world's HHI (the rest of the world's
  owners only add to it). Reported where the scenario lists at least two owners.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigawatt.buildout import Fleet
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import STATUS_ORDER, PriceProcess, weakest_status
from gigawatt.distributions import point
from gigawatt.errors import InputError
from gigawatt.finance import Finance
from gigawatt.scenario import VALUATION_RTOL, Scenario, month_from_index, month_index
from gigawatt.units import MONTHS_PER_YEAR

#: Catalog records of the world's installed AI compute (kind `capability`).
WORLD_H100E = "world-ai-compute-h100e"
WORLD_GROWTH = "world-ai-compute-growth-per-year"
WORLD_HORIZON = "world-ai-compute-trend-horizon-years"
#: The accelerator an H100-equivalent is converted at (its dense BF16 peak).
H100 = "h100-sxm"
HHI_MAX = 10_000.0
#: An owner of the whole of a market has HHI 10,000 = (100 %)^2.
PERCENT = 100.0


# --- the published models: pure, vectorised ----------------------------------------------------


def dilute(stakes: np.ndarray, bought_usd: np.ndarray, post_money_usd: float) -> np.ndarray:
    """Stakes after a round: s' = s (1 - sum A / V) + A / V  (fractions 0-1).

    stakes (holders,) before the round; bought_usd (holders,) new money from each holder [USD];
    post_money_usd V [USD], at least sum A. Cap-table arithmetic: new shares worth A at a
    post-money V are A / V of the company afterwards.
    """
    bought = np.asarray(bought_usd, dtype=float)
    new_share = bought.sum() / post_money_usd
    return np.asarray(stakes, dtype=float) * (1.0 - new_share) + bought / post_money_usd


def warrant_stake(shares: np.ndarray, outstanding: float) -> np.ndarray:
    """Warrant shares as a stake once exercised, N / (S + N)  (fraction 0-1)."""
    n = np.asarray(shares, dtype=float)
    return n / (outstanding + n)


def hhi(compute: np.ndarray, total: np.ndarray | None = None) -> np.ndarray:
    """Herfindahl-Hirschman index sum (100 c_i / T)^2 over owners (axis 0), T = sum c unless
    given (0-10,000; US DOJ/FTC Merger Guidelines 2023, section 2.1). NaN where T is 0."""
    c = np.asarray(compute, dtype=float)
    t = c.sum(axis=0) if total is None else np.asarray(total, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(t > 0, PERCENT * c / np.where(t > 0, t, 1.0), np.nan)
    return (shares**2).sum(axis=0)


def compound_growth(start: float, growth_per_year: float, months: np.ndarray) -> np.ndarray:
    """x(t) = x0 g^(t / 12), t in months from the reference month (negative before it)."""
    return start * np.power(growth_per_year, np.asarray(months, dtype=float) / MONTHS_PER_YEAR)


# --- the result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StakeEvent:
    """A round in a company: new money at a post-money valuation, who bought, the source."""

    company: str
    month: str
    post_money_usd: float
    bought_usd: dict[str, float]
    source: str
    status: str

    @property
    def amount_usd(self) -> float:
        return float(sum(self.bought_usd.values()))


@dataclass(frozen=True)
class Ownership:
    """Stakes, warrants, flows, world share and concentration on the finance month axis
    (`months`); compute series on the scenario's months (`compute_months`)."""

    months: np.ndarray
    events: tuple[StakeEvent, ...]
    stakes: dict[tuple[str, str], np.ndarray]  # (holder, company) -> stake by month
    undiluted: dict[tuple[str, str], float]
    warrants: tuple[dict[str, Any], ...]
    warrant_stakes: dict[str, np.ndarray]  # deal -> N / (S + N) by month
    flows: tuple[dict[str, Any], ...]
    compute_months: np.ndarray
    owners: dict[str, np.ndarray]  # owner -> dense BF16 peak FLOP/s by scenario month
    world_flops_per_s: np.ndarray
    world: dict[str, Any]

    @property
    def programme_flops_per_s(self) -> np.ndarray:
        """The programme's dense BF16 peak FLOP/s by month, all its owners together."""
        return sum(self.owners.values(), np.zeros(self.compute_months.size))

    @property
    def world_share(self) -> np.ndarray:
        """The programme's share of the world's AI compute by month (NaN past the world
        estimate's horizon)."""
        return self.programme_flops_per_s / self.world_flops_per_s

    @property
    def several_owners(self) -> bool:
        return len(self.owners) >= 2

    def _stake_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "holder": holder,
                "company": company,
                "stake_share": float(series[-1]),
                "undiluted_stake_share": self.undiluted.get((holder, company), 0.0),
            }
            for (holder, company), series in self.stakes.items()
        ]

    def years(self) -> list[dict[str, Any]]:
        """As of each December of the scenario: stakes, warrant stakes, world share, HHI."""
        first = month_index(str(self.compute_months[0]))
        last = month_index(str(self.compute_months[-1]))
        fin_first = month_index(str(self.months[0]))
        rows = []
        for year in range(first // 12, last // 12 + 1):
            m = min(year * MONTHS_PER_YEAR + 11, last)
            i, j = m - first, m - fin_first
            owners = {o: float(c[i]) for o, c in self.owners.items()}
            total = sum(owners.values())
            rows.append(
                {
                    "year": year,
                    "month": month_from_index(m),
                    "stakes": {f"{h}:{c}": float(s[j]) for (h, c), s in self.stakes.items()},
                    "warrant_stake_share": {d: float(s[j]) for d, s in self.warrant_stakes.items()},
                    "programme_flops_per_s": total,
                    "world_flops_per_s": float(self.world_flops_per_s[i]),
                    "world_share": total / float(self.world_flops_per_s[i]),  # NaN: past horizon
                    "compute_by_owner_flops_per_s": owners,
                    "hhi": float(hhi(np.array(list(owners.values()))))
                    if (self.several_owners and total > 0)
                    else None,
                    "world_hhi_lower_bound": float(
                        hhi(np.array(list(owners.values())), self.world_flops_per_s[i])
                    ),
                }
            )
        return rows

    def summary(self) -> dict[str, Any]:
        """The `ownership` object of `gigawatt finance --json`."""
        return {
            "stakes": self._stake_rows(),
            "rounds": [
                {
                    "company": e.company,
                    "month": e.month,
                    "amount_usd": e.amount_usd,
                    "post_money_usd": e.post_money_usd,
                    "bought_usd": e.bought_usd,
                    "source": e.source,
                    "status": e.status,
                }
                for e in self.events
            ],
            "warrants": list(self.warrants),
            "flows": list(self.flows),
            "owners": list(self.owners),
            "world_compute": self.world,
            "years": self.years(),
        }


# --- building it ------------------------------------------------------------------------------


def _events(scenario: Scenario, finance: Finance) -> list[StakeEvent]:
    """Equity tranches released and the scenario's rounds, grouped into rounds by company,
    month and valuation, in month order (tranches before listed rounds within a month)."""
    raw: list[tuple[str, str, float, str, float, str, str]] = []
    for t in finance.released():
        if t.instrument == "equity" and t.valuation_usd and t.released_usd > 0 and t.month:
            deal = next(d for d in finance.deals if d.id == t.deal)
            raw.append(
                (
                    t.payee,
                    t.month,
                    t.valuation_usd,
                    t.payer,
                    t.released_usd,
                    f"deal {t.deal}: {t.name}",
                    deal.field_statuses().get("tranches", deal.status),
                )
            )
    for ri, r in enumerate(scenario.ownership.rounds):
        raw.append(
            (
                r.company,
                r.month,
                float(point(r.post_money_usd)),
                r.investor,
                float(point(r.amount_usd)),
                f"ownership.rounds[{ri}]: {r.source}",
                r.status,
            )
        )
    grouped: dict[tuple[str, str, float], StakeEvent] = {}
    for company, month, post, holder, amount, source, status in raw:
        key = (company, month, post)
        if key not in grouped:
            grouped[key] = StakeEvent(company, month, post, {}, source, status)
        else:
            prev = grouped[key]
            weakest = max(prev.status, status, key=STATUS_ORDER.index)  # a round is as sure
            grouped[key] = StakeEvent(  # as its least sure part
                company, month, post, prev.bought_usd, f"{prev.source}; {source}", weakest
            )
        bought = grouped[key].bought_usd
        bought[holder] = bought.get(holder, 0.0) + amount
    events = sorted(grouped.values(), key=lambda e: month_index(e.month))
    for e in events:
        if e.amount_usd > e.post_money_usd * (1 + VALUATION_RTOL):
            raise InputError(
                f"new money in {e.company} in {e.month} (USD {e.amount_usd:g}) exceeds the "
                f"post-money valuation (USD {e.post_money_usd:g}); allowed: at most it",
                field="ownership.rounds",
            )
    return events


def stake_paths(
    events: Sequence[StakeEvent], month_idx: np.ndarray
) -> tuple[dict[tuple[str, str], np.ndarray], dict[tuple[str, str], float]]:
    """Each (holder, company) stake by month after the rounds of `events` (a round before the
    axis counts from its first month), and the undiluted sum of A / V."""
    companies = list(dict.fromkeys(e.company for e in events))
    out: dict[tuple[str, str], np.ndarray] = {}
    undiluted: dict[tuple[str, str], float] = {}
    for company in companies:
        mine = [e for e in events if e.company == company]
        holders = list(dict.fromkeys(h for e in mine for h in e.bought_usd))
        stakes = np.zeros(len(holders))
        path = np.zeros((len(holders), month_idx.size))
        for e in mine:
            bought = np.array([e.bought_usd.get(h, 0.0) for h in holders])
            stakes = dilute(stakes, bought, e.post_money_usd)
            path[:, month_idx >= month_index(e.month)] = stakes[:, None]
            for h, a in e.bought_usd.items():
                undiluted[(h, company)] = undiluted.get((h, company), 0.0) + a / e.post_money_usd
        for k, h in enumerate(holders):
            out[(h, company)] = path[k]
    return out, undiluted


def _warrants(
    finance: Finance, catalog: Catalog, month_idx: np.ndarray
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    rows, stakes = [], {}
    for deal in finance.deals:
        mine = [t for t in finance.tranches if t.deal == deal.id and t.instrument == "warrant"]
        if not mine:
            continue
        share = next((t.share for t in mine if t.share), None)
        vested = np.zeros(month_idx.size)
        for t in mine:
            if t.released and t.shares:
                vested += np.where(month_idx >= month_index(t.month or ""), t.shares, 0.0)
        process = catalog.get("prices", share) if share else None
        outstanding = process.shares_outstanding if isinstance(process, PriceProcess) else None
        total = float(sum(t.shares or 0.0 for t in mine))
        if outstanding:
            stakes[deal.id] = warrant_stake(vested, outstanding)
        rows.append(
            {
                "deal": deal.id,
                "holder": deal.investee,
                "company": deal.investor,
                "share": share,
                "shares_max": total,
                "shares_vested": float(vested[-1]),
                "tranches_vested": sum(1 for t in mine if t.released),
                "tranches": len(mine),
                "shares_outstanding": outstanding,
                "stake_share_vested": None
                if not outstanding
                else float(warrant_stake(vested[-1:], outstanding)[0]),
                "stake_share_max": None
                if not outstanding
                else float(warrant_stake(np.array([total]), outstanding)[0]),
                "value_at_vesting_usd": float(sum(t.value_usd or 0.0 for t in mine)),
                "source": process.source if process is not None else None,
            }
        )
    return rows, stakes


#: The cash-flow category of the payments for systems, which go to the hardware's vendor.
SYSTEMS_CATEGORY = "capex-systems"
#: Why such a payment is more than the vendor's own revenue (the `finance` table and the report).
VENDOR_PAYMENT_NOTE = (
    "A payment to a hardware vendor (capex-systems) is the all-in price of its systems as the "
    "systems catalog quotes them: the racks with their memory and assembly, plus the network "
    "and storage share outside them, parts of which assemblers and other suppliers sell; the "
    "vendor's own revenue from them is less (NVIDIA's own content of a GW: catalog costs "
    "`vendor-content-usd-per-gw`; AMD's: the note of catalog systems `helios-mi450`)."
)


#: What each cash-flow category pays for, as a flow's row says it (`flow_what`): a flow read
#: alone must not pass for something else (systems at the all-in price for the vendor's revenue).
FLOW_WHAT = {
    SYSTEMS_CATEGORY: "systems at the all-in price (vendor's own revenue is less)",
    "capex-facility": "facility construction",
    "capex-power": "power assets",
    "opex-energy": "energy",
    "opex-capacity": "capacity charges",
    "opex-operations": "operations (estimated share of capex)",
    "equity": "equity investment",
    "cash": "cash tranches as released (committed, not necessarily spent)",
    "lease": "lease payments for systems",
    "warrant": "warrant shares at their value on vesting (no cash)",
}


def flow_what(categories: list[str] | tuple[str, ...]) -> str:
    """What a flow pays for, from its categories (`FLOW_WHAT`; an unknown one by its name)."""
    return "; ".join(FLOW_WHAT.get(c, c) for c in categories)


def vendor_payment_note(flows: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> str | None:
    """`VENDOR_PAYMENT_NOTE` when a flow pays for systems, else None."""
    paid = any(SYSTEMS_CATEGORY in f.get("categories", ()) for f in flows)
    return VENDOR_PAYMENT_NOTE if paid else None


def sankey_flows(finance: Finance) -> list[dict[str, Any]]:
    """Cash by payer -> payee over the whole run (the finance cash flows summed), then each
    deal's warrants at their intrinsic value at vesting (shares, not cash)."""
    rows = []
    grouped = finance.flows.groupby(["payer", "payee"], sort=False)
    for (payer, payee), group in grouped:
        rows.append(
            {
                "payer": str(payer),
                "payee": str(payee),
                "amount_usd": float(group["amount_usd"].sum()),
                "kind": "cash",
                "categories": sorted(set(group["category"])),
                "what": flow_what(sorted(set(group["category"]))),
            }
        )
    for deal in finance.deals:
        value = sum(
            t.value_usd or 0.0
            for t in finance.tranches
            if t.deal == deal.id and t.instrument == "warrant" and t.released
        )
        if value > 0:
            rows.append(
                {
                    "payer": deal.investor,
                    "payee": deal.investee,
                    "amount_usd": float(value),
                    "kind": "warrant-value",
                    "categories": ["warrant"],
                    "what": flow_what(["warrant"]),
                }
            )
    return rows


def _world(
    scenario: Scenario, catalog: Catalog, month_idx: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]]:
    wc = scenario.ownership.world_compute
    base = catalog.get("capability", WORLD_H100E)
    growth_rec = catalog.get("capability", WORLD_GROWTH)
    h100e = (
        float(point(wc.installed_h100e))
        if wc.installed_h100e is not None
        else float(
            point(base.value)  # type: ignore[attr-defined]
        )
    )
    growth = (
        float(point(wc.growth_per_year))
        if wc.growth_per_year is not None
        else float(
            point(growth_rec.value)  # type: ignore[attr-defined]
        )
    )
    ref = wc.as_of or f"{base.as_of.year:04d}-{base.as_of.month:02d}"
    h100 = catalog.accelerator(H100)
    per_h100 = h100.peak_flops_per_s.bf16
    horizon_rec = catalog.get("capability", WORLD_HORIZON)
    horizon = float(
        point(wc.horizon_years) if wc.horizon_years is not None else point(horizon_rec.value)  # type: ignore[attr-defined]
    )
    since = month_idx - month_index(ref)
    # Past the horizon the trend is not extrapolated: no world total, no share (NaN -> null).
    world = np.where(
        since <= horizon * MONTHS_PER_YEAR,
        compound_growth(h100e * per_h100, growth, since),
        np.nan,
    )
    last_month = month_index(ref) + int(horizon * MONTHS_PER_YEAR)
    info = {
        "installed_h100e": h100e,
        "as_of": ref,
        "growth_per_year": growth,
        "flops_per_s_per_h100e": per_h100,
        "precision": "bf16",
        "installed_from": "scenario" if wc.installed_h100e is not None else WORLD_H100E,
        "growth_from": "scenario" if wc.growth_per_year is not None else WORLD_GROWTH,
        "extrapolated_until": month_from_index(last_month),
        "horizon_from": "scenario" if wc.horizon_years is not None else WORLD_HORIZON,
        "source": wc.source if wc.source else f"{base.source} {growth_rec.source}",
        "status": growth_rec.status if wc.source is None else "estimate",
    }
    # Each figure's own provenance (a record's status is the weakest of its fields): a figure
    # the scenario sets is its own estimate; the world total is as sure as the least sure.
    info["installed_status"] = "estimate" if wc.installed_h100e is not None else base.status
    info["growth_status"] = "estimate" if wc.growth_per_year is not None else growth_rec.status
    info["horizon_status"] = "estimate" if wc.horizon_years is not None else horizon_rec.status
    info["flops_per_s_per_h100e_status"] = h100.field_statuses().get(
        "peak_flops_per_s", h100.status
    )
    info["status"] = weakest_status(
        (info["status"], info["installed_status"], info["growth_status"])
    )
    return world, info


def run_ownership(
    scenario: Scenario, catalog: Catalog, fleet: Fleet, finance: Finance
) -> Ownership:
    """Stakes, warrants, flows, share of the world's compute and HHI of a resolved scenario."""
    month_idx = finance.first_index + np.arange(len(finance.months))
    events = _events(scenario, finance)
    stakes, undiluted = stake_paths(events, month_idx)
    warrants, warrant_stakes = _warrants(finance, catalog, month_idx)
    site_owner = {s.name: s.owner or finance.owner for s in scenario.sites}
    bf16 = fleet.peak_flops_per_s["bf16"]
    owners: dict[str, np.ndarray] = {}
    for k, site in enumerate(fleet.phases["site"]):
        owner = site_owner[str(site)]
        owners[owner] = owners.get(owner, np.zeros(bf16.shape[1])) + bf16[k]
    compute_idx = month_index(scenario.start) + np.arange(bf16.shape[1])
    world, info = _world(scenario, catalog, compute_idx)
    return Ownership(
        months=finance.months,
        events=tuple(events),
        stakes=stakes,
        undiluted=undiluted,
        warrants=tuple(warrants),
        warrant_stakes=warrant_stakes,
        flows=tuple(sankey_flows(finance)),
        compute_months=fleet.months,
        owners=owners,
        world_flops_per_s=world,
        world=info,
    )
