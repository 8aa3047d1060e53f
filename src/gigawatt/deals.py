"""Milestone-linked deals: when each tranche is released and what it buys (DESIGN.md section 6).

A tranche is released in the first month all its conditions hold: its trigger (a date, the
definitive agreement, cumulative GW deployed on the scenario's power basis or the systems for it
delivered, a share price at or above a hurdle for some trading days; several conditions must all
hold) and the deal's gate:
nothing before the definitive agreement (`signing`, or `announced` for a definitive deal), so a
letter of intent or term sheet that is never signed releases nothing, and nothing after the
deal's `end` (a superseded deal stops there). A deal's releases never exceed its `cap_usd`.

Instruments: equity at a post-money valuation buys a stake (amount / valuation, dilution by later
rounds ignored); a warrant vests shares whose intrinsic value is N max(S - K, 0); cash is money
invested; a purchase commitment and a lease are paid by the buyer (investee) to the vendor, the
opposite way, and are not investment. Share prices are geometric Brownian motions on trading
days: the median path in a plain run, a sampled path when an rng is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Deal, PriceProcess, Tranche
from gigawatt.distributions import point
from gigawatt.errors import InputError
from gigawatt.scenario import month_from_index, month_index
from gigawatt.units import BILLION, MILLION, MONTHS_PER_YEAR, W_PER_GW

#: Instruments whose money counts as invested (investor to investee).
INVESTED = ("equity", "cash")
#: Instruments paid by the buyer (investee) to the vendor.
BUYER_PAYS = ("purchase-commitment", "lease")
#: Relative tolerance on GW thresholds, so that 1.0 + 1.0 GW of ramped phases counts as 2 GW.
GW_TOLERANCE = 1e-9


# --- the published models: pure, vectorised ----------------------------------------------------


def gbm_median_path(start_usd: float, drift_per_year: float, t_years: np.ndarray) -> np.ndarray:
    """Median of a geometric Brownian motion, S0 e^(mu t)  [USD].

    ln S(t) is normal with mean ln S0 + mu t and variance sigma^2 t, mu being the drift of ln S
    (Hull, Options, Futures and Other Derivatives, "the lognormal property of stock prices",
    where this mu is Hull's mu - sigma^2/2), so the median is S0 e^(mu t). t [years].
    """
    return start_usd * np.exp(drift_per_year * t_years)


def gbm_sample_path(
    start_usd: float,
    drift_per_year: float,
    volatility_per_year: float,
    t_years: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One path of a geometric Brownian motion on the grid t (t[0] = 0)  [USD].

    ln S(t_i) - ln S(t_i-1) ~ N(mu dt, sigma^2 dt), independent steps (Hull, as above);
    mu [1/year], sigma [1/sqrt(year)], t [years].
    """
    dt = np.diff(t_years, prepend=t_years[:1])
    steps = drift_per_year * dt + volatility_per_year * np.sqrt(dt) * rng.standard_normal(dt.size)
    return start_usd * np.exp(np.cumsum(steps))


def hurdle_reached(price_usd: np.ndarray, hurdle_usd: float, days: int) -> np.ndarray:
    """True from the first day the price has closed at or above the hurdle `days` days running.

    Once reached the condition stays met, as a market condition of a vesting schedule is
    achieved once. price_usd [USD] by trading day; days >= 1.
    """
    above = price_usd >= hurdle_usd
    i = np.arange(price_usd.size)
    last_below = np.maximum.accumulate(np.where(above, -1, i))
    return np.logical_or.accumulate(i - last_below >= days)


def first_month(conditions: np.ndarray) -> np.ndarray:
    """Index of the first month where each row is true, -1 where it never is (rows x months)."""
    hit = conditions.any(axis=1)
    return np.where(hit, conditions.argmax(axis=1), -1)


def capped_amounts(
    amount_usd: np.ndarray, release_index: np.ndarray, cap_usd: float | None
) -> np.ndarray:
    """What each tranche releases when a deal's cumulative releases may not exceed the cap [USD].

    Releases count in month order (list order within a month); the tranche that crosses the cap
    releases the remainder, later ones nothing. Unreleased tranches (index -1) release 0.
    """
    released = release_index >= 0
    amount = np.where(released, np.asarray(amount_usd, dtype=float), 0.0)
    if cap_usd is None:
        return amount
    order = np.lexsort((np.arange(amount.size), np.where(released, release_index, 0)))
    before = np.cumsum(amount[order]) - amount[order]
    out = np.empty_like(amount)
    out[order] = np.clip(cap_usd - before, 0.0, amount[order])
    return out


def warrant_intrinsic_value(
    shares: float, price_usd: np.ndarray | float, strike_usd: float
) -> np.ndarray:
    """Intrinsic value of vested warrants, N max(S - K, 0)  [USD] (Hull, as above)."""
    return shares * np.maximum(np.asarray(price_usd, dtype=float) - strike_usd, 0.0)


# --- share prices -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SharePricePath:
    """A share's closing prices on trading days from its process's start month (day 0)."""

    process: PriceProcess
    start_index: int
    days_per_month: float
    daily_usd: np.ndarray
    sampled: bool

    @classmethod
    def build(
        cls,
        process: PriceProcess,
        end_index: int,
        trading_days_per_year: float,
        rng: np.random.Generator | None,
    ) -> SharePricePath:
        """The path up to month `end_index`: the median one, or one drawn with `rng`."""
        start = month_index(process.start_month)
        per_month = trading_days_per_year / MONTHS_PER_YEAR
        t = (
            np.arange(max(0, math.ceil(per_month * (end_index - start + 1))))
            / trading_days_per_year
        )
        drift, volatility = process.gbm()
        if rng is None:
            daily = gbm_median_path(process.start_usd, drift, t)
        else:
            daily = gbm_sample_path(process.start_usd, drift, volatility, t, rng)
        return cls(process, start, per_month, daily, rng is not None)

    def _last_day(self, month_idx: np.ndarray) -> np.ndarray:
        """Index of each month's last trading day; -1 before the process starts."""
        j = np.asarray(month_idx) - self.start_index
        last = np.floor(self.days_per_month * (j + 1)).astype(int) - 1
        return np.where(
            (j >= 0) & (self.daily_usd.size > 0), np.minimum(last, self.daily_usd.size - 1), -1
        )

    def month_end_usd(self, month_idx: np.ndarray) -> np.ndarray:
        """Closing price on each month's last trading day; NaN before the process starts."""
        last = self._last_day(month_idx)
        prices = (
            self.daily_usd[np.maximum(last, 0)] if self.daily_usd.size else np.zeros(last.shape)
        )
        return np.where(last >= 0, prices, np.nan)

    def hurdle_by_month(self, month_idx: np.ndarray, hurdle_usd: float, days: int) -> np.ndarray:
        """Whether the hurdle has been reached by the end of each month."""
        last = self._last_day(month_idx)
        if not self.daily_usd.size:
            return np.zeros(last.shape, dtype=bool)
        reached = hurdle_reached(self.daily_usd, hurdle_usd, days)
        return np.where(last >= 0, reached[np.maximum(last, 0)], False)


def price_process(catalog: Catalog, share: str, where: str) -> PriceProcess:
    """A share-price process by id, or an InputError naming the field."""
    process = catalog.get("prices", share, field=where)
    if not isinstance(process, PriceProcess) or process.process != "share-price":
        raise InputError(f"{share!r} is a {process.process} price, not a share price", field=where)
    return process


def _warrant_share(deal: Deal, tranche: Tranche, catalog: Catalog) -> str | None:
    """The shares a warrant is on: its own `share`, its price trigger's, else the investor's."""
    ref = tranche.instrument.share or tranche.trigger.share
    if ref is None and catalog.has("prices", deal.investor):
        ref = deal.investor
    return ref


def share_prices(
    deals: Iterable[Deal],
    catalog: Catalog,
    end_index: int,
    trading_days_per_year: float,
    rng: np.random.Generator | None,
) -> dict[str, SharePricePath]:
    """One path per share a trigger or a warrant refers to, drawn in id order (reproducible)."""
    needed: dict[str, PriceProcess] = {}
    for di, deal in enumerate(deals):
        for ti, t in enumerate(deal.tranches):
            where = f"deals[{di}].tranches[{ti}]"
            if t.trigger.share_price_usd is not None and t.trigger.share is None:
                raise InputError(
                    "a share-price trigger needs `share` (a prices catalog id)",
                    field=f"{where}.trigger.share",
                )
            refs = [(t.trigger.share, f"{where}.trigger.share")]
            if t.instrument.type == "warrant":
                refs.append((_warrant_share(deal, t, catalog), f"{where}.instrument.share"))
            for ref, field_path in refs:
                if ref is not None:
                    process = price_process(catalog, ref, field_path)
                    needed[process.id] = process
    return {
        pid: SharePricePath.build(needed[pid], end_index, trading_days_per_year, rng)
        for pid in sorted(needed)
    }


# --- tranches ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrancheOutcome:
    """One tranche: released (month, amount) or pending (why), with what it bought."""

    deal: str
    name: str
    instrument: str
    payer: str
    payee: str
    trigger: str
    amount_usd: float
    released_usd: float
    month: str | None
    valuation_usd: float | None = None
    stake_share: float | None = None
    shares: float | None = None
    strike_usd: float | None = None
    share: str | None = None
    value_usd: float | None = None
    term_years: float | None = None
    reason: str | None = None
    #: a lease's phases (their racks are paid by the lease, not bought); empty: none named
    covers: tuple[str, ...] = ()

    @property
    def released(self) -> bool:
        return self.month is not None

    @property
    def invested(self) -> bool:
        return self.instrument in INVESTED

    def to_dict(self) -> dict[str, Any]:
        """A JSON row: `date`, `amount_usd`, `trigger`, `deal` first (DESIGN.md section 7)."""
        out = {
            "date": self.month,
            "amount_usd": self.released_usd if self.released else self.amount_usd,
            "trigger": self.trigger,
            "deal": self.deal,
            "name": self.name,
            "instrument": self.instrument,
            "payer": self.payer,
            "payee": self.payee,
            "invested": self.invested,
            "valuation_usd": self.valuation_usd,
            "stake_share": self.stake_share,
            "shares": self.shares,
            "strike_usd": self.strike_usd,
            "share": self.share,
            "value_usd": self.value_usd,
            "covers": list(self.covers) if self.covers else None,
        }
        if not self.released:
            out["reason"] = self.reason
        return out


def parties(deal: Deal, tranche: Tranche) -> tuple[str, str]:
    """(payer, payee): a buyer's payment runs investee -> vendor, the opposite way to equity."""
    if tranche.instrument.type in BUYER_PAYS:
        default = (deal.investee, deal.vendor or deal.investor)
    else:
        default = (deal.investor, deal.investee)
    return tranche.payer or default[0], tranche.payee or default[1]


def agreement_month(deal: Deal) -> int | None:
    """When the definitive agreement holds: `signing`, or `announced` for a definitive deal."""
    if deal.signing is not None:
        return month_index(deal.signing)
    if deal.stage == "definitive":
        return deal.announced.year * MONTHS_PER_YEAR + deal.announced.month - 1
    return None


def money_months(deals: Iterable[Deal]) -> list[int]:
    """Earliest months a dated or signing tranche can move money (none for an unsigned deal)."""
    out = []
    for deal in deals:
        agreement = agreement_month(deal)
        if agreement is None:
            continue
        for t in deal.tranches:
            if t.trigger.date is not None:
                out.append(max(month_index(t.trigger.date), agreement))
            elif t.trigger.definitive_agreement:
                out.append(agreement)
    return out


@dataclass(frozen=True)
class DealContext:
    """What triggers look at, by month: month indices, cumulative GW deployed, share prices, and
    cumulative GW whose systems are delivered (those deployed `delivery_lead_months` later; the
    deployed GW when not given)."""

    month_idx: np.ndarray
    deployed_gw: np.ndarray
    prices: dict[str, SharePricePath]
    end_label: str
    delivered_gw: np.ndarray | None = None


Condition = tuple[str, np.ndarray]


def _gates(deal: Deal, m: np.ndarray) -> tuple[list[Condition], Condition]:
    """The deal's gates (agreement, end) and the definitive-agreement condition."""
    agreement = agreement_month(deal)
    if agreement is None:
        never = np.zeros(m.shape, dtype=bool)
        signed = (f"a definitive agreement (never signed; stage {deal.stage})", never)
    else:
        status = f", {deal.signing_status}" if deal.signing_status else ""
        signed = (
            f"definitive agreement signed ({month_from_index(agreement)}{status})",
            m >= agreement,
        )
    gates = [signed]
    if deal.end is not None:
        gates.append((f"before the deal's end ({deal.end})", m <= month_index(deal.end)))
    return gates, signed


def _conditions(
    tranche: Tranche, signed: Condition, ctx: DealContext, catalog: Catalog, where: str
) -> list[Condition]:
    trig, m = tranche.trigger, ctx.month_idx
    conds: list[Condition] = []
    if trig.date is not None:
        conds.append((f"on or after {trig.date}", m >= month_index(trig.date)))
    if trig.definitive_agreement:
        conds.append(signed)
    if trig.gw_deployed is not None:
        reached = ctx.deployed_gw >= trig.gw_deployed * (1 - GW_TOLERANCE)
        conds.append((f"{trig.gw_deployed:g} GW deployed", reached))
    if trig.gw_delivered is not None:
        delivered = ctx.deployed_gw if ctx.delivered_gw is None else ctx.delivered_gw
        reached = delivered >= trig.gw_delivered * (1 - GW_TOLERANCE)
        conds.append((f"{trig.gw_delivered:g} GW delivered", reached))
    if trig.share_price_usd is not None and trig.share is not None:
        path = ctx.prices[price_process(catalog, trig.share, f"{where}.share").id]
        days = trig.share_price_days or 1
        running = f" for {days} trading days" if trig.share_price_days else ""
        label = f"{path.process.id} at or above USD {trig.share_price_usd:g}{running}"
        conds.append((label, path.hurdle_by_month(m, trig.share_price_usd, days)))
    return conds


def _why_not(conds: list[Condition], gates: list[Condition], ctx: DealContext) -> str:
    """Why a tranche is not released: what never held, or which gate was shut when it did."""
    never = list(dict.fromkeys(label for label, c in conds + gates if not c.any()))
    if never:
        return f"not met by {ctx.end_label}: " + "; ".join(never)
    met = (
        np.logical_and.reduce([c for _, c in conds])
        if conds
        else np.ones(ctx.month_idx.shape, bool)
    )
    if met.any():
        i = int(met.argmax())
        shut = [label for label, c in gates if not c[i]]
        when = month_from_index(int(ctx.month_idx[i]))
        return f"conditions first met {when}, but not " + "; ".join(shut)
    return f"conditions never held together by {ctx.end_label}"


def evaluate_deal(deal: Deal, di: int, ctx: DealContext, catalog: Catalog) -> list[TrancheOutcome]:
    """Every tranche of one deal: the month it is released (or why not) and what it buys."""
    gates, signed = _gates(deal, ctx.month_idx)
    rows, triggers, reasons = [], [], []
    for ti, tranche in enumerate(deal.tranches):
        conds = _conditions(tranche, signed, ctx, catalog, f"deals[{di}].tranches[{ti}].trigger")
        rows.append(np.logical_and.reduce([c for _, c in conds + gates]))
        triggers.append(" and ".join(label for label, _ in conds))
        reasons.append(_why_not(conds, gates, ctx))
    if not rows:
        return []
    release = first_month(np.array(rows))
    amounts = np.array([t.amount_usd for t in deal.tranches], dtype=float)
    released = capped_amounts(amounts, release, deal.cap_usd)
    return [
        _outcome(deal, t, ctx, catalog, triggers[i], reasons[i], int(release[i]), released[i])
        for i, t in enumerate(deal.tranches)
    ]


def _outcome(
    deal: Deal,
    tranche: Tranche,
    ctx: DealContext,
    catalog: Catalog,
    trigger: str,
    reason: str,
    release: int,
    released: float,
) -> TrancheOutcome:
    inst = tranche.instrument
    payer, payee = parties(deal, tranche)
    capped = release >= 0 and tranche.amount_usd > 0 and released <= 0
    month = month_from_index(int(ctx.month_idx[release])) if release >= 0 and not capped else None
    valuation = point(inst.valuation_usd) if inst.valuation_usd is not None else None
    stake = float(released) / valuation if inst.type == "equity" and valuation and month else None
    share, value = None, None
    if inst.type == "warrant":
        ref = _warrant_share(deal, tranche, catalog)
        share = price_process(catalog, ref, "instrument.share").id if ref else None
        if share is not None and month is not None and inst.shares is not None:
            price = ctx.prices[share].month_end_usd(ctx.month_idx[release : release + 1])[0]
            value = float(warrant_intrinsic_value(inst.shares, price, inst.strike_usd or 0.0))
    if not month:
        reason = f"cap of USD {deal.cap_usd:g} reached" if capped else reason
    return TrancheOutcome(
        deal=deal.id,
        name=tranche.name,
        instrument=inst.type,
        payer=payer,
        payee=payee,
        trigger=trigger,
        amount_usd=float(tranche.amount_usd),
        released_usd=float(released) if month else 0.0,
        month=month,
        valuation_usd=valuation,
        stake_share=stake,
        shares=inst.shares,
        strike_usd=inst.strike_usd,
        share=share,
        value_usd=value,
        term_years=inst.term_years,
        reason=None if month else reason,
        covers=tuple(inst.covers or ()),
    )


def superseded_caveats(deals: Iterable[Deal], catalog: Catalog) -> tuple[str, ...]:
    """One caveat per deal that the catalog records as superseded (`superseded_by`) but that
    the scenario still releases as announced (neither stage `superseded` nor an `end`): its
    figures are the announced terms, not what happened. Names the built-in scenario that
    models the supersession, where one does."""
    out = []
    for deal in deals:
        if deal.superseded_by is None or deal.stage == "superseded" or deal.end is not None:
            continue
        later = (
            catalog.get("deals", deal.superseded_by)
            if catalog.has("deals", deal.superseded_by)
            else None
        )
        successor = (
            f"{later.id} ({later.name}, announced {later.announced})"
            if later
            else (deal.superseded_by)
        )
        modelled = _scenarios_superseding(deal.id)
        see = f"; `gigawatt run {modelled[0]}` models what happened" if modelled else ""
        out.append(
            f"Deal {deal.id} ({deal.stage}) was superseded by {successor}: this scenario "
            f"releases its tranches on the announced terms, not as events turned out{see}."
        )
    return tuple(out)


def gw_by_vendor(
    accelerators: Iterable[str], power_w: Iterable[float], catalog: Catalog
) -> dict[str, float]:
    """GW the phases add by their accelerator's vendor (lower case), from each phase's
    `power_w` on the scenario's power basis."""
    out: dict[str, float] = {}
    for acc, watts in zip(accelerators, power_w, strict=True):
        vendor = catalog.accelerator(acc).vendor.lower()
        out[vendor] = out.get(vendor, 0.0) + float(watts) / W_PER_GW
    return out


def superseded_buildout_caveats(
    deals: Iterable[Deal], vendor_gw: dict[str, float], catalog: Catalog
) -> tuple[str, ...]:
    """One caveat per deal that a scenario ends as superseded (stage `superseded`) and that
    covered gigawatts of a vendor's systems (`gw`), while the scenario's phases still deploy
    that vendor's hardware and no live deal of the scenario commits to gigawatts of it. The
    tranches of such a deal stop, but the build-out it described does not: the phases, the
    purchases from the vendor and everything computed from them (energy, capability) are then
    the scenario's assumption, not a term of what was agreed. `vendor_gw` is the GW the phases
    add, on the scenario's power basis, by vendor (lower case)."""
    deals = tuple(deals)
    live = {(d.vendor or "").lower() for d in deals if d.stage != "superseded" and d.gw is not None}
    out = []
    for deal in deals:
        vendor = (deal.vendor or "").lower()
        built = vendor_gw.get(vendor, 0.0)
        if deal.stage != "superseded" or deal.gw is None or built <= 0 or vendor in live:
            continue
        successor = (
            catalog.get("deals", deal.superseded_by)
            if deal.superseded_by and catalog.has("deals", deal.superseded_by)
            else None
        )
        instead = (
            f"; {successor.id}, which replaced it, carries no gigawatt terms"
            if successor is not None and successor.gw is None
            else ""
        )
        ended = f", ended {deal.end}" if deal.end else ""
        out.append(
            f"Deal {deal.id} (superseded{ended}) covered {deal.gw:g} GW of {deal.vendor} "
            f"systems, yet this scenario's phases still deploy {built:.3g} GW of {deal.vendor} "
            f"hardware and no deal of the scenario commits to them{instead}: the build-out, the "
            f"purchases from {deal.vendor} and the energy and capability that follow are this "
            "scenario's assumption, not what was agreed."
        )
    return tuple(out)


def unsigned_caveats(deals: Iterable[Deal]) -> tuple[str, ...]:
    """One caveat per deal whose tranches can never be released because it is never signed: a
    letter of intent or a term sheet without a `signing` month releases nothing (the deal's gate,
    module docstring), so its figures are zeros a reader must not take for a computed result. A
    deal the scenario ends as superseded (what happened to it) and one without tranches get
    none."""
    out = []
    for deal in deals:
        if deal.stage == "superseded" or not deal.tranches or agreement_month(deal) is not None:
            continue
        n = len(deal.tranches)
        total = sum(t.amount_usd for t in deal.tranches)
        amount = f" ({_usd(total)})" if total > 0 else ""
        out.append(
            f"Deal {deal.id} ({deal.stage}) is never signed in this scenario (no `signing` "
            f"month), and nothing is released before the definitive agreement: its {n} "
            f"tranche{'s' if n > 1 else ''}{amount} release nothing. Give the deal "
            "`signing: YYYY-MM` (or stage `definitive`) to model it signed; `gigawatt finance` "
            "lists each tranche's conditions."
        )
    return tuple(out)


def intention_caveats(deals: Iterable[Deal]) -> tuple[str, ...]:
    """One caveat per deal whose invested amounts are a stated intention (`Deal.intention`):
    the Invested figures (`cumulative_invested_usd`) are that commitment released on the
    scenario's schedule, each tranche with its month or condition, not money spent."""
    out = []
    for deal in deals:
        if not deal.intention:
            continue
        invested = [t for t in deal.tranches if t.instrument.type in INVESTED]
        schedule = "; ".join(
            f"{_usd(t.amount_usd)} {'in ' + t.trigger.date if t.trigger.date else 'on its trigger'}"
            f" ({t.name})"
            for t in invested
        )
        total = sum(t.amount_usd for t in invested)
        out.append(
            f"Deal {deal.id}: its Invested figures (`cumulative_invested_usd`), up to "
            f"{_usd(total)}, are a stated commitment released on this scenario's schedule, not "
            f"money spent: {deal.intention.strip().rstrip('.')}. Schedule: {schedule}."
        )
    return tuple(out)


def deal_caveats(deals: Iterable[Deal], catalog: Catalog) -> tuple[str, ...]:
    """The caveats of a scenario's deals themselves, in the order `run` and `finance` list
    them: released on terms that were superseded (`superseded_caveats`), never signed
    (`unsigned_caveats`), invested amounts that are a stated intention (`intention_caveats`)."""
    deals = tuple(deals)
    return superseded_caveats(deals, catalog) + unsigned_caveats(deals) + intention_caveats(deals)


def _usd(amount: float) -> str:
    """An amount in words of its size: `USD 20B`, `USD 250M`, `USD 10`."""
    if amount >= BILLION:
        return f"USD {amount / BILLION:.3g}B"
    if amount >= MILLION:
        return f"USD {amount / MILLION:.3g}M"
    return f"USD {amount:,.0f}"


def _scenarios_superseding(deal_id: str) -> tuple[str, ...]:
    """The built-in scenarios that end `deal_id` as superseded."""
    return _superseding_scenarios().get(deal_id, ())


@cache
def _superseding_scenarios() -> dict[str, tuple[str, ...]]:
    """Deal id -> the built-in scenarios that end it as superseded: the package's scenario
    files, read once per process as plain YAML (no scenario is validated for a caption), not
    again for every `caveats` call of a run, its summary and its report."""
    import yaml

    from gigawatt.scenario import builtin_scenarios

    found: dict[str, list[str]] = {}
    for name, path in builtin_scenarios().items():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("deals") or []:
            if isinstance(entry, dict) and entry.get("stage") == "superseded":
                found.setdefault(str(entry.get("use")), []).append(name)
    return {deal: tuple(names) for deal, names in found.items()}
