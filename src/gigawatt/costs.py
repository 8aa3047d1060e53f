"""One price per system, capex derived from it, and compute cost per accelerator-hour.

Every money figure that depends on what hardware costs goes through here, so finance, `train`,
the capability runs and the cost thresholds agree (docs/models/money.md):

- **System price** [USD per accelerator]: the systems catalog's quote (per rack, node or
  accelerator, with its own source and date) x (1 + `network_share`) / accelerators per unit,
  x `system-price-scale` (1.0 unless a scenario varies it).
- **Capex per accelerator**: the system price + `facility-usd-per-w` x IT power per accelerator
  (Cushman & Wakefield's cost guide is per W of critical load) + `power-usd-per-w` x facility
  power per accelerator (IT power x PUE). Per GW, the same sums over GW / power per accelerator.
- **Ownership cost per accelerator-hour**: each capex class over its straight-line life (IAS 16,
  zero residual value), operations (`opex-operations-share-per-year` x capex a year), and energy
  at the region's price; 8,760 hours a year, no idle time (a run pays for the hours it holds).
- **Market rate per accelerator-hour**: the prices catalog's rental records for the accelerator
  (a published index, else a reserved rate, else an on-demand list price; in that tier the value
  at the run's start month, linear in months between dated records and the nearest record held
  flat, with a caveat, outside the months they cover); for an accelerator with no record, its
  system price x the median ratio of rate to system price over the accelerators that have one (a
  rental yield). A market rate includes energy, facility and the provider's margin.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Parameter, PriceProcess, System
from gigawatt.distributions import point
from gigawatt.errors import GigawattError, InputError

if TYPE_CHECKING:
    from gigawatt.scenario import Scenario

HOURS_PER_YEAR = 8760.0
W_PER_GW = 1e9
MONTHS_PER_YEAR = 12
MAX_LIFE_YEARS = 100.0
ASSET_CLASSES = ("systems", "facility", "power")
#: Market tiers, most representative of "the market price of cloud compute" first.
PRICING_ORDER = ("index", "reserved", "on-demand")
#: Limits that catch absurd input (a typo of three zeros), not bold assumptions.
MAX_USD_PER_W = 1e3


def _param(catalog: Catalog, scenario: Scenario | None, pid: str) -> float:
    value = scenario.cost(catalog, pid) if scenario is not None else catalog.parameter(pid).value
    return float(point(value))


def checked(
    catalog: Catalog,
    scenario: Scenario | None,
    pid: str,
    low: float,
    high: float,
    allowed: str,
    *,
    strict: bool = False,
) -> float:
    """A cost parameter's point value (scenario override, else catalog), range-checked."""
    value = _param(catalog, scenario, pid)
    ok = math.isfinite(value) and (value > low if strict else value >= low) and value <= high
    if not ok:
        raise InputError(f"{value:g} is not allowed; allowed: {allowed}", field=f"costs.{pid}")
    return value


@dataclass(frozen=True)
class CostParameters:
    """The catalog numbers costs use, after a scenario's `costs` overrides (point values)."""

    facility_usd_per_w: float
    power_usd_per_w: float
    system_price_scale: float
    life_years: dict[str, float]
    operations_share_per_year: float

    @classmethod
    def of(cls, catalog: Catalog, scenario: Scenario | None = None) -> CostParameters:
        """The cost parameters at their point values (a scenario's `costs` override, else the
        catalog's cited record), each range-checked (`checked`)."""

        def usd_per_w(pid: str) -> float:
            return checked(catalog, scenario, pid, 0, MAX_USD_PER_W, f"0 to {MAX_USD_PER_W:g}")

        def life(cls_: str) -> float:
            pid = f"depreciation-years-{cls_}"
            allowed = f"> 0 and <= {MAX_LIFE_YEARS:g} years"
            return checked(catalog, scenario, pid, 0, MAX_LIFE_YEARS, allowed, strict=True)

        return cls(
            facility_usd_per_w=usd_per_w("facility-usd-per-w"),
            power_usd_per_w=usd_per_w("power-usd-per-w"),
            system_price_scale=checked(
                catalog, scenario, "system-price-scale", 0, 10, "> 0 and <= 10", strict=True
            ),
            life_years={c: life(c) for c in ASSET_CLASSES},
            operations_share_per_year=checked(
                catalog,
                scenario,
                "opex-operations-share-per-year",
                0,
                1,
                "a fraction of capex per year, 0-1",
            ),
        )

    def life_months(self, asset_class: str) -> int:
        """An asset class's straight-line life in whole months (at least one)."""
        return max(1, round(MONTHS_PER_YEAR * self.life_years[asset_class]))


def override_caveats(scenario: Scenario, catalog: Catalog) -> tuple[str, ...]:
    """One caveat per `costs` override whose point value (the value a plain run uses; a
    resolved scenario holds only that) lies outside its record's cited range
    (`low` to `high`): every figure that uses it rests on a number of the scenario's own, not a
    published one, and the range shown makes a unit slip plain (USD 50 per GW for USD 50B).
    Overrides inside the range, and parameters without one, get none."""
    out = []
    for pid, value in scenario.costs.items():
        param = catalog.parameter(pid)
        if param.low is None or param.high is None:
            continue
        v = float(point(value))
        if param.low <= v <= param.high:
            continue
        out.append(
            f"Costs: the scenario's {pid} ({v:.4g} {param.unit}) lies outside the "
            f"catalog's cited range, {param.low:.4g} to {param.high:.4g} (status "
            f"{param.status}; `gigawatt catalog costs {pid}` gives the sources): the figures "
            "that use it rest on a value of the scenario's own."
        )
    return tuple(out)


@dataclass(frozen=True)
class CapacityPeriod:
    """One dated capacity price: the months it is for (month indexes, inclusive)."""

    record: str
    first: int
    last: int
    usd_per_mw_day: float


@dataclass(frozen=True)
class CapacityCharge:
    """A region's capacity charge [USD per MW-day of peak load]: each delivery period's price
    (`Region.capacity_charge_dated`, else its `capacity_charge` for every month) less the part
    its power price already carries (`capacity_charge_carried`), at least 0 (no credit where a
    period's price is below the carried level).

    PJM buys capacity per delivery year, 1 June to 31 May, at each Base Residual Auction's
    clearing price, and charges load-serving entities that price on their customers' peak-load
    contributions (PJM Manual 18, "PJM Capacity Market": the Locational Reliability Charge).
    A month before the first period is billed at the first price; a month after the last at
    the last, held flat (not a cleared price: `caveat` says so)."""

    region: str
    periods: tuple[CapacityPeriod, ...]
    carried_usd_per_mw_day: float
    #: the record billed when no month is asked (the region's `capacity_charge`)
    current: str
    #: the periods are dated (else one price for every month, held flat like every price)
    dated: bool

    def period(self, month: int | None) -> CapacityPeriod:
        """The period whose price a month is billed at (None: the current record's)."""
        if month is None:
            return next(p for p in self.periods if p.record == self.current)
        if month < self.periods[0].first:
            return self.periods[0]
        return next((p for p in self.periods if month <= p.last), self.periods[-1])

    def usd_per_mw_day(self, month: int | None = None) -> float:
        """The charge billed in a month (month index: year x 12 + month - 1) [USD/MW-day]."""
        return max(self.period(month).usd_per_mw_day - self.carried_usd_per_mw_day, 0.0)

    def by_month(self, months: np.ndarray) -> np.ndarray:
        """`usd_per_mw_day` of each month index of `months` [USD/MW-day]."""
        lasts = np.array([p.last for p in self.periods])
        prices = np.array([p.usd_per_mw_day for p in self.periods])
        at = np.minimum(np.searchsorted(lasts, np.asarray(months), side="left"), lasts.size - 1)
        return np.maximum(prices[at] - self.carried_usd_per_mw_day, 0.0)

    def caveat(self, months: np.ndarray, where: str = "") -> str | None:
        """Why the months of `months` (month indexes the charge is billed in) outside the
        dated periods are billed at the nearest period's price; None when all are inside or
        the price is not dated."""
        months = np.asarray(months)
        if not self.dated or months.size == 0:
            return None
        first, last = self.periods[0], self.periods[-1]
        parts = []
        after = months[months > last.last]
        if after.size:
            parts.append(
                f"{_span(after)} billed at the last cleared delivery "
                f"year's price ({last.record}, USD {last.usd_per_mw_day:g} per MW-day, to "
                f"{_month_label(last.last)}) held flat, not a cleared price for "
                f"{'it' if after.min() == after.max() else 'them'}"
            )
        before = months[months < first.first]
        if before.size:
            parts.append(
                f"{_span(before)} billed at the first dated price "
                f"({first.record}, USD {first.usd_per_mw_day:g} per MW-day, from "
                f"{_month_label(first.first)})"
            )
        if not parts:
            return None
        return (
            f"{self.region}{where}: its capacity charge is dated by delivery year "
            f"({_month_label(first.first)} to {_month_label(last.last)}); "
            + "; ".join(parts)
            + f"; billed less the USD {self.carried_usd_per_mw_day:g} per MW-day its power "
            "price carries."
        )


def _span(months: np.ndarray) -> str:
    """`the month 2029-03 is` or `the months from 2028-06 to 2032-12 are`."""
    lo, hi = _month_label(int(months.min())), _month_label(int(months.max()))
    return f"the month {lo} is" if lo == hi else f"the months from {lo} to {hi} are"


def capacity_charge(
    catalog: Catalog, region_id: str, scenario: Scenario | None = None
) -> CapacityCharge | None:
    """The region's capacity charge (None where it names none), each price the scenario's
    `costs` override of its record where it has one. Its dated records must have unit
    usd_per_mw_day and contiguous periods (`applies_from` to `applies_to`)."""
    region = catalog.region(region_id)
    if region.capacity_charge is None or region.capacity_charge_carried is None:
        return None

    def price(pid: str) -> Parameter:
        charge = catalog.parameter(pid)
        if charge.unit != "usd_per_mw_day":
            raise GigawattError(
                f"region {region.id}: capacity charge {pid} has unit {charge.unit!r}; "
                "allowed: usd_per_mw_day"
            )
        return charge

    carried = _param(catalog, scenario, price(region.capacity_charge_carried).id)
    if not region.capacity_charge_dated:
        only = price(region.capacity_charge)
        period = CapacityPeriod(only.id, -(10**9), 10**9, _param(catalog, scenario, only.id))
        return CapacityCharge(region.id, (period,), carried, only.id, dated=False)
    periods = []
    for pid in region.capacity_charge_dated:
        rec = price(pid)
        if rec.applies_from is None or rec.applies_to is None:
            raise GigawattError(
                f"region {region.id}: dated capacity charge {pid} has no applies_from and "
                "applies_to; allowed: a costs parameter with the months its price is for"
            )
        periods.append(
            CapacityPeriod(
                rec.id,
                _month_index(rec.applies_from),
                _month_index(rec.applies_to),
                _param(catalog, scenario, rec.id),
            )
        )
    periods.sort(key=lambda p: p.first)
    for a, b in itertools.pairwise(periods):
        if b.first != a.last + 1:
            raise GigawattError(
                f"region {region.id}: dated capacity charges {a.record} (to "
                f"{_month_label(a.last)}) and {b.record} (from {_month_label(b.first)}) "
                "overlap or leave a gap; allowed: contiguous periods"
            )
    current = catalog.parameter(region.capacity_charge).id
    return CapacityCharge(region.id, tuple(periods), carried, current, dated=True)


@dataclass(frozen=True)
class BilledCapacityCharge:
    """The capacity charge a region bills in one month and, when that month is outside its
    dated delivery years, why it is billed at the nearest one's price (`CapacityCharge.caveat`)."""

    usd_per_mw_day: float
    caveat: str | None


def capacity_charge_at(
    catalog: Catalog,
    region_id: str,
    when: dt.date | None = None,
    scenario: Scenario | None = None,
    where: str = "",
) -> BilledCapacityCharge:
    """The capacity charge a region bills per MW-day of peak load in the month of `when`
    [USD per MW-day] (`CapacityCharge`, each price the scenario's `costs` override of its
    record where it has one; None: the region's current `capacity_charge`, no caveat); 0
    where the region names none. Per MWh of a flat draw it is this / 24 (a flat training
    load's share of the grid's peak is about its average draw: PJM allocates capacity on each
    load's contribution to the summer peaks). `where` follows the region's id in the caveat."""
    charge = capacity_charge(catalog, region_id, scenario)
    if charge is None:
        return BilledCapacityCharge(0.0, None)
    if when is None:
        return BilledCapacityCharge(charge.usd_per_mw_day(None), None)
    month = when.year * MONTHS_PER_YEAR + when.month - 1
    return BilledCapacityCharge(
        charge.usd_per_mw_day(month), charge.caveat(np.array([month]), where)
    )


def power_price_caveats(scenario: Scenario, catalog: Catalog) -> tuple[str, ...]:
    """One caveat per region of the scenario's sites whose industrial power price has status
    `estimate` (the regions catalog's `field_status`: a figure not checked against a primary
    source): the energy bill, and so opex, rest on it."""
    out = []
    for region_id in dict.fromkeys(site.region for site in scenario.sites):
        region = catalog.region(region_id)
        if (region.field_status or {}).get("power_price_usd_per_mwh") != "estimate":
            continue
        sites = ", ".join(s.name for s in scenario.sites if s.region == region_id)
        out.append(
            f"Region {region.id} ({sites}): its industrial power price, USD "
            f"{region.power_price_usd_per_mwh:g} per MWh, has status estimate (`gigawatt catalog "
            f"regions {region.id}` gives its source): the energy bill and opex rest on it."
        )
    return tuple(out)


# --- one price per system and the capex it implies ------------------------------------------


def system_price_usd(system: System, params: CostParameters) -> float:
    """All-in price per accelerator [USD]: quote x (1 + network share) / units x scale."""
    return system.price_usd_per_accelerator * params.system_price_scale


@dataclass(frozen=True)
class Capex:
    """Capex per accelerator by class [USD]."""

    systems_usd: float
    facility_usd: float
    power_usd: float

    @property
    def total_usd(self) -> float:
        return self.systems_usd + self.facility_usd + self.power_usd

    def by_class(self) -> dict[str, float]:
        return {"systems": self.systems_usd, "facility": self.facility_usd, "power": self.power_usd}


def capex_per_accelerator(system: System, pue: float, params: CostParameters) -> Capex:
    """Systems, facility (per W of IT load) and power (per W of facility load) [USD]."""
    it_w = system.it_power_w_per_accelerator
    return Capex(
        systems_usd=system_price_usd(system, params),
        facility_usd=params.facility_usd_per_w * it_w,
        power_usd=params.power_usd_per_w * it_w * pue,
    )


def capex_usd_per_gw(system: System, pue: float, params: CostParameters, basis: str) -> Capex:
    """Capex of one GW on `basis` ("it": at the racks; "facility": at the grid) [USD]."""
    it_w = W_PER_GW / pue if basis == "facility" else W_PER_GW
    n = it_w / system.it_power_w_per_accelerator
    one = capex_per_accelerator(system, pue, params)
    return Capex(n * one.systems_usd, n * one.facility_usd, n * one.power_usd)


# --- ownership cost per accelerator-hour -----------------------------------------------------


@dataclass(frozen=True)
class HourlyCost:
    """Ownership cost of one accelerator-hour by component [USD/h]."""

    systems: float
    facility: float
    power: float
    operations: float
    energy: float

    @property
    def capital(self) -> float:
        return self.systems + self.facility + self.power

    @property
    def total(self) -> float:
        return self.capital + self.operations + self.energy


def ownership_usd_per_accelerator_hour(
    system: System, pue: float, params: CostParameters, energy_usd_per_h: float
) -> HourlyCost:
    """Capex by class over its life, operations on total capex, plus the energy given.

    c = sum_k C_k / (L_k x 8,760) + s_ops x sum_k C_k / 8,760 + e, with C_k the capex per
    accelerator of class k, L_k its life in years, s_ops the operations share a year, e the
    energy cost per accelerator-hour. Equals the finance model's depreciation + operations per
    accelerator-hour at full output within every class's life.
    """
    capex = capex_per_accelerator(system, pue, params).by_class()
    per_class = {k: v / (params.life_years[k] * HOURS_PER_YEAR) for k, v in capex.items()}
    ops = params.operations_share_per_year * sum(capex.values()) / HOURS_PER_YEAR
    return HourlyCost(
        systems=per_class["systems"],
        facility=per_class["facility"],
        power=per_class["power"],
        operations=ops,
        energy=energy_usd_per_h,
    )


# --- market rates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketRate:
    """A market rate per accelerator-hour and where it comes from."""

    usd_per_hour: float
    records: tuple[str, ...]
    derived: bool
    detail: str
    #: the month priced (None: no month asked, the latest records)
    as_of_month: str | None = None
    #: set when the month is outside the months the records cover and the rate is held flat
    caveat: str | None = None

    @property
    def status(self) -> str:
        return "estimate" if self.derived else "reported"


def _month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * MONTHS_PER_YEAR + int(mon) - 1


def _month_label(index: int) -> str:
    return f"{index // MONTHS_PER_YEAR}-{index % MONTHS_PER_YEAR + 1:02d}"


@dataclass(frozen=True)
class QuotedRate:
    """A rental rate at a month from one tier's dated records [USD per accelerator-hour]:
    linear in months between the two records around the month, the record itself on its
    month, held flat at the nearest record outside the covered months (with a caveat)."""

    usd_per_hour: float
    records: tuple[PriceProcess, ...]
    as_of_month: str
    caveat: str | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.records)


def _dated(records: list[PriceProcess], when: dt.date | None) -> QuotedRate:
    """The rate of one tier's records at the month of `when` (None: the latest record)."""
    ordered = sorted(records, key=lambda r: _month_index(r.start_month))
    first, last = ordered[0], ordered[-1]
    if when is None:
        return QuotedRate(last.start_usd, (last,), last.start_month)
    at = when.year * MONTHS_PER_YEAR + when.month - 1
    month = _month_label(at)
    lo, hi = _month_index(first.start_month), _month_index(last.start_month)
    if at < lo or at > hi:
        held = first if at < lo else last
        span = first.start_month if lo == hi else f"{first.start_month} to {last.start_month}"
        caveat = (
            f"{month} is outside the months the {held.pricing} records cover ({span}): the "
            f"rate is held flat at {held.start_month}'s USD {held.start_usd:.2f}, not a "
            f"value for {month}"
        )
        return QuotedRate(held.start_usd, (held,), month, caveat)
    same = [r for r in ordered if _month_index(r.start_month) == at]
    if same:
        return QuotedRate(same[-1].start_usd, (same[-1],), month)
    before = [r for r in ordered if _month_index(r.start_month) < at][-1]
    after = next(r for r in ordered if _month_index(r.start_month) > at)
    a, b = _month_index(before.start_month), _month_index(after.start_month)
    rate = before.start_usd + (after.start_usd - before.start_usd) * (at - a) / (b - a)
    return QuotedRate(rate, (before, after), month)


def quoted_rates(catalog: Catalog, when: dt.date | None = None) -> dict[str, QuotedRate]:
    """For each accelerator with rental records: its rate at `when` in its most representative
    tier (index, then reserved, then on-demand)."""
    by_acc: dict[str, list[PriceProcess]] = {}
    for rec in catalog.all("prices"):
        proc: PriceProcess = rec  # type: ignore[assignment]
        if proc.process == "rental" and proc.accelerator:
            key = catalog.accelerator(proc.accelerator).id
            by_acc.setdefault(key, []).append(proc)
    out = {}
    for acc, recs in by_acc.items():
        tier = min(recs, key=lambda r: PRICING_ORDER.index(r.pricing or "on-demand")).pricing
        out[acc] = _dated([r for r in recs if r.pricing == tier], when)
    return out


def rental_yield(catalog: Catalog, when: dt.date | None = None) -> tuple[float, list[str]]:
    """Median over quoted accelerators of rate / price of its default system [1/h] and the
    records behind it."""
    ratio, ids, _ = _rental_yield(catalog, when)
    return ratio, ids


def _rental_yield(
    catalog: Catalog, when: dt.date | None = None
) -> tuple[float, list[str], list[str]]:
    """Median over quoted accelerators of rate / price of its default system [1/h], the
    records behind it and the caveats of rates held flat outside their records' months."""
    ratios, ids, caveats = [], [], []
    for acc_id, quoted in sorted(quoted_rates(catalog, when).items()):
        acc = catalog.accelerator(acc_id)
        if not acc.default_system:
            continue
        system = catalog.system(acc.default_system)
        ratios.append(quoted.usd_per_hour / system.price_usd_per_accelerator)
        ids.extend(quoted.ids)
        if quoted.caveat:
            caveats.append(f"{acc_id}: {quoted.caveat}")
    if not ratios:
        raise InputError(
            "no rental record with an accelerator that has a default system: the market rate "
            "of other accelerators cannot be derived",
            field="prices",
        )
    return statistics.median(ratios), ids, caveats


#: `market_rate` answers by catalog, (weak reference, {(accelerator, system price, month):
#: rate}): a sweep's samples ask the same few, each of which reads every price record.
_MARKET_RATES: dict[int, tuple[weakref.ref[Catalog], dict[tuple[Any, ...], MarketRate]]] = {}
#: Answers kept per catalog before they are all forgotten (a memory bound, not a model input).
MARKET_RATE_MEMO = 4096


def market_rate(catalog: Catalog, system: System, when: dt.date | None = None) -> MarketRate:
    """The market rate per accelerator-hour of `system`'s accelerator at `when` [USD/h]: a
    function of the catalog, the accelerator, the system's price and the month of `when`,
    remembered per catalog (not for a recording view, which notes each record read)."""
    if catalog.used is not None:
        return _market_rate(catalog, system, when)
    held = _MARKET_RATES.get(id(catalog))
    if held is None or held[0]() is not catalog:
        for k in [k for k, (ref, _) in _MARKET_RATES.items() if ref() is None]:
            del _MARKET_RATES[k]
        held = _MARKET_RATES[id(catalog)] = (weakref.ref(catalog), {})
    memo = held[1]
    month = None if when is None else (when.year, when.month)
    key = (system.accelerator, system.price_usd_per_accelerator, month)
    found = memo.get(key)
    if found is None:
        if len(memo) >= MARKET_RATE_MEMO:
            memo.clear()
        found = memo[key] = _market_rate(catalog, system, when)
    return found


def _market_rate(catalog: Catalog, system: System, when: dt.date | None) -> MarketRate:
    acc = catalog.accelerator(system.accelerator)
    quoted = quoted_rates(catalog, when)
    if acc.id in quoted:
        q = quoted[acc.id]
        rec = q.records[0]
        # a record's name often ends with its month already ("..., 2026-09"): not said twice
        source = " and ".join(
            r.label if r.label.endswith(str(r.start_month)) else f"{r.label}, {r.start_month}"
            for r in q.records
        )
        how = "interpolated between " if len(q.records) > 1 else ""
        detail = (
            f"market: USD {q.usd_per_hour:.2f} per accelerator-hour at {q.as_of_month} "
            f"({rec.pricing}, {how}{source})"
        )
        if q.caveat:
            detail += f"; caveat: {q.caveat}"
        return MarketRate(q.usd_per_hour, q.ids, False, detail, q.as_of_month, q.caveat)
    ratio, ids, caveats = _rental_yield(catalog, when)
    price = system.price_usd_per_accelerator
    rate = ratio * price
    month = None if when is None else _month_label(when.year * MONTHS_PER_YEAR + when.month - 1)
    detail = (
        f"market: USD {rate:.2f} per accelerator-hour, derived: no quoted rate for {acc.id}, so "
        f"its system price USD {price:,.0f} x the median rate-to-price ratio "
        f"{ratio * HOURS_PER_YEAR:.3f} per year of {', '.join(ids)}"
    )
    if month:
        detail += f" at {month}"
    caveat = "; ".join(caveats) or None
    if caveat:
        detail += f"; caveat: {caveat}"
    return MarketRate(rate, tuple(ids), True, detail, month, caveat)
