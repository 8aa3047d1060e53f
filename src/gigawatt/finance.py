"""Money: capex, opex, depreciation, deals and cash flows (DESIGN.md section 6, "finance").

Capex (docs/models/money.md). Each phase's capex is derived from cited unit costs
(`gigawatt.costs`): systems = accelerators at full power x the system's all-in price per
accelerator; facility = `facility-usd-per-w` x IT power; power = `power-usd-per-w` x facility
power. A scenario may instead set `capex-usd-per-gw` (an analyst's all-in figure per GW at the
grid connection), split by the `capex-share-*` parameters. Cash follows the hardware:
- systems are paid as racks arrive: the slice of a phase's accelerators that comes online in
  month m (the build-out ramp, from the *actual* online month) is delivered
  `systems-delivery-lead-months` earlier and paid `systems-payment-terms-months` after delivery,
  rounded to whole months; a delay moves the payments with the racks;
- the facility is spent over the phase's `construction_months` and power assets over
  `power-construction-months`, both ending at the *planned* online month (a delay is mostly a
  wait for grid power: the building is done), each with the S-curve 3x^2 - 2x^3;
- nothing is spent before the programme starts (the scenario's start or its earliest deal's
  announcement, whichever is first), or, at a site with a `construction_start`, before that
  month (which may precede the programme: money spent before the scenario's start is counted
  in `capex_before_start_usd`): a window that would open earlier is compressed to start then.
  Only dated tranches move money earlier.

Opex. Energy: the energy stage's facility MWh (each phase's accelerators in service x their
calibrated training draw x PUE x hours; run here when the caller did not), at the region's
`power_price_usd_per_mwh`, so that every path bills the same energy; a capacity charge where
the region names one (`Region.capacity_charge`, PJM's): its price less the part the power price
already carries, per MW-day of each month's average facility draw; plus operations,
`opex-operations-share-per-year` x capex as capacity comes online (both count the capacity in
service on average over each month: a ramp deploys evenly within its months). Depreciation is
straight line by asset class over the catalog lives, from the month capacity comes online.

Deals (`gigawatt.deals`) release tranches as the fleet deploys; the circular share compares an
investor's money with the purchases of its hardware (systems capex of the phases whose accelerator
it makes). Money is USD, undiscounted: deal amounts as announced (nominal); costs at each
catalog record's quoted price, held flat (not escalated for inflation). The finance month axis
starts when money first moves (the earliest spend or dated tranche), which may be before the
scenario's start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.buildout import (
    Fleet,
    long_table,
    month_average_share,
    ramp_share,
    straight_line,
)
from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import Deal, System
from gigawatt.costs import (
    ASSET_CLASSES,
    CostParameters,
    capacity_charge,
    capex_per_accelerator,
    checked,
    system_price_usd,
)
from gigawatt.deals import (
    BUYER_PAYS,
    INVESTED,
    DealContext,
    SharePricePath,
    TrancheOutcome,
    agreement_month,
    evaluate_deal,
    money_months,
    share_prices,
    warrant_intrinsic_value,
)
from gigawatt.distributions import point
from gigawatt.energy.programme import EnergyResult, run_energy
from gigawatt.errors import GigawattError, InputError
from gigawatt.scenario import Scenario, month_from_index, month_index, override_problems
from gigawatt.units import (
    BILLION,
    DAYS_PER_YEAR,
    H_PER_DAY,
    MILLION,
    MONTHS_PER_YEAR,
    W_PER_GW,
    W_PER_MW,
)

#: Limits that catch absurd cost input (a typo of three zeros), not bold assumptions.
MAX_CAPEX_USD_PER_GW = 1e13
MAX_MONTHS = 120
#: Payees of capex and opex that are not a deal's parties (the cash-flow table).
CONTRACTORS, UTILITIES, OPERATIONS = "contractors", "utilities", "operations"
#: The keys the finance stage adds to each year of `gigawatt run --json` (always present).
YEAR_KEYS = (
    "capex_usd",
    "capex_systems_usd",
    "capex_facility_usd",
    "capex_power_usd",
    "cumulative_capex_usd",
    "opex_usd",
    "opex_energy_usd",
    "opex_operations_usd",
    "depreciation_usd",
    "tranches_released_usd",
    "tranches_released_purchases_usd",
    "cumulative_invested_usd",
    "invested_cap_usd",
    "warrant_shares_vested",
    "warrant_value_usd",
    "circular_share",
    "vendor_funded_share",
    # added after the keys above (DESIGN.md section 7)
    "opex_capacity_usd",
)


# --- the published models: pure, vectorised ----------------------------------------------------


def smoothstep(x: np.ndarray) -> np.ndarray:
    """S-curve F(x) = 3x^2 - 2x^3 on [0, 1] (DESIGN.md section 4; the build-out's ramp)."""
    return x * x * (3 - 2 * x)


def construction_spend(
    total_usd: np.ndarray,
    end_index: np.ndarray,
    construction_months: np.ndarray,
    month_idx: np.ndarray,
) -> np.ndarray:
    """Capex spent in each month of a window of n months ending the month before `end_index`.

    Cumulative share spent by the end of month m: F(clip((m - s + 1) / n, 0, 1)), s = end - n, F
    the S-curve; with n = 0 all of it is spent in month `end`. A 4-month window spends 15.625 %,
    34.375 %, 34.375 %, 15.625 %.

    total_usd [USD] (phases,); end_index, construction_months [months] (phases,); month_idx
    [months since 0000-01] (months,). Returns [USD per month] (phases x months).
    """
    n = np.asarray(construction_months, dtype=float)[:, None]
    k = month_idx[None, :] - (np.asarray(end_index) - np.asarray(construction_months))[:, None]
    safe_n = np.where(n > 0, n, 1.0)
    done = np.where(n > 0, smoothstep(np.clip((k + 1) / safe_n, 0, 1)), k >= 0)
    before = np.where(n > 0, smoothstep(np.clip(k / safe_n, 0, 1)), k >= 1)
    return np.asarray(total_usd, dtype=float)[:, None] * (done - before)


def straight_line_depreciation(
    cost_usd: np.ndarray, in_service_share: np.ndarray, life_months: int
) -> np.ndarray:
    """Straight-line depreciation D(t) = C (s(t) - s(t - L)) / L  [USD per month].

    Each slice of an asset placed in service in month k is written off evenly over the L months
    from k, to a zero residual value (IAS 16 paragraph 62, the straight-line method; paragraph
    55: depreciation begins when the asset is available for use). C [USD] (phases,); s the
    cumulative share in service, 0-1 (phases x months), 0 before the first month; L [months].
    """
    return np.asarray(cost_usd, dtype=float)[:, None] * straight_line(in_service_share, life_months)


def circular_share(invested_usd: np.ndarray, purchases_usd: np.ndarray) -> np.ndarray:
    """Of the investor's money, the share that returns as purchases of its hardware, min(I, P)/I.

    I = cash invested, P = purchases of the investor's systems, both cumulative to date [USD];
    NaN where nothing is invested (the "circular financing" critique: Bernstein, S. Rasgon,
    note of 22 Sep 2025, via Bloomberg; FTC staff 6(b) report on AI partnerships, 17 Jan 2025).
    """
    invested = np.asarray(invested_usd, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(invested > 0, np.minimum(invested, purchases_usd) / invested, np.nan)


def vendor_funded_share(credit_usd: np.ndarray, purchases_usd: np.ndarray) -> np.ndarray:
    """Vendor equity or credit over the purchases that flow back to the vendor, C/P.

    NewStreet Research (via Bloomberg, Sep 2025): each USD 10B NVIDIA invests returns as about
    USD 35B of purchases, about 29 %. C = cash invested + warrants' value at vesting,
    P = purchases, cumulative [USD]; NaN where nothing was bought.
    """
    purchases = np.asarray(purchases_usd, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(purchases > 0, credit_usd / purchases, np.nan)


# --- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinanceParameters:
    """The catalog numbers the model uses, after the scenario's `costs` overrides."""

    costs: CostParameters
    capex_usd_per_gw: float | None  # the analyst override; None: capex derived bottom-up
    capex_share: dict[str, float]
    life_months: dict[str, int]
    trading_days_per_year: float
    lease_months: int
    power_construction_months: int
    payment_shift_months: int  # systems paid this many months after they come online
    delivery_lead_months: int = 0  # racks ship this many months before they come online

    @property
    def operations_share_per_year(self) -> float:
        return self.costs.operations_share_per_year

    @property
    def capex_basis(self) -> str:
        return "derived" if self.capex_usd_per_gw is None else "capex-usd-per-gw"

    @classmethod
    def of(cls, scenario: Scenario, catalog: Catalog) -> FinanceParameters:
        """Point values (catalog distributions at their point; vary them via scenario costs)."""

        def get(pid: str, low: float, high: float, allowed: str, strict: bool = False) -> float:
            return checked(catalog, scenario, pid, low, high, allowed, strict=strict)

        def months(pid: str, low: float = 0) -> float:
            return get(pid, low, MAX_MONTHS, f"{low:g} to {MAX_MONTHS} months")

        costs = CostParameters.of(catalog, scenario)
        override = None
        shares = {c: 0.0 for c in ASSET_CLASSES}
        # said when the scenario was read; again here for a sweep's sample, drawn since
        problems = override_problems(scenario.costs, catalog)
        if problems:
            raise InputError(problems=problems)
        if "capex-usd-per-gw" in scenario.costs:
            override = get(
                "capex-usd-per-gw",
                0,
                MAX_CAPEX_USD_PER_GW,
                f">= 0 and <= {MAX_CAPEX_USD_PER_GW:g} USD per GW",
            )
            shares = {c: get(f"capex-share-{c}", 0, 1, "a fraction 0-1") for c in ASSET_CLASSES}
        lead = months("systems-delivery-lead-months")
        terms = months("systems-payment-terms-months")
        lease_allowed = "> 0 and <= 100 years"
        return cls(
            costs=costs,
            capex_usd_per_gw=override,
            capex_share=shares,
            life_months={c: costs.life_months(c) for c in ASSET_CLASSES},
            trading_days_per_year=get("trading-days-per-year", 1, 366, "1 to 366 days"),
            lease_months=max(
                1, round(MONTHS_PER_YEAR * get("gpu-lease-years", 0, 100, lease_allowed, True))
            ),
            power_construction_months=round(months("power-construction-months")),
            payment_shift_months=round(terms - lead),
            delivery_lead_months=round(lead),
        )


# --- the stage result -------------------------------------------------------------------------


@dataclass(frozen=True)
class Finance:
    """Money by phase and month on the finance axis (`months`, datetime64[M]), which runs from
    the first month money moves to the scenario's end; `offset` is the axis index of the
    scenario's first month. Arrays are (phases x months) or (months,); money in USD."""

    months: np.ndarray
    offset: int
    #: The fleet (its phases) and this stage's per-phase columns (`phases` joins them on demand).
    phase_parts: tuple[Fleet, dict[str, np.ndarray]]
    params: FinanceParameters
    owner: str
    capex_usd: dict[str, np.ndarray]
    depreciation_usd: np.ndarray
    energy_mwh: np.ndarray
    opex_energy_usd: np.ndarray
    opex_operations_usd: np.ndarray
    energy_source: str
    deals: tuple[Deal, ...]
    tranches: tuple[TrancheOutcome, ...]
    invested_usd: np.ndarray
    released_usd: np.ndarray
    # Of `released_usd`: the buyer's purchase commitments and leases paid to the vendor
    # (deals.BUYER_PAYS), money for hardware rather than investment.
    released_purchases_usd: np.ndarray
    warrant_shares: np.ndarray
    warrant_value_usd: np.ndarray
    investors: dict[str, dict[str, np.ndarray]]
    circular: np.ndarray
    vendor_funded: np.ndarray
    prices: dict[str, SharePricePath]
    #: The columns of `flows` (a frame is built only when asked for).
    flow_columns: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    programme_start: str = ""
    system_prices: tuple[dict[str, Any], ...] = ()
    #: Capacity charges billed on the average facility draw (phases x months) [USD].
    opex_capacity_usd: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @cached_property
    def phases(self) -> pd.DataFrame:
        """One row per phase: the fleet's columns, then vendor, GW, accelerators at full power,
        system price and capex."""
        fleet, added = self.phase_parts
        fleet_phases = fleet.phases
        return pd.concat([fleet_phases, pd.DataFrame(added, index=fleet_phases.index)], axis=1)

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Monthly cash between parties: (month, category, payer, payee, amount_usd)."""
        return pd.DataFrame(self.flow_columns)

    @property
    def month_labels(self) -> np.ndarray:
        return self.months.astype(str)

    @property
    def first_index(self) -> int:
        return month_index(str(self.months[0]))

    @property
    def capex_total_usd(self) -> np.ndarray:
        return self.capex_usd["systems"] + self.capex_usd["facility"] + self.capex_usd["power"]

    @property
    def opex_usd(self) -> np.ndarray:
        return self.opex_energy_usd + self.opex_operations_usd + self.opex_capacity_usd

    @cached_property
    def _party_net(self) -> tuple[list[str], np.ndarray]:
        """(parties in name order, net cash received by each, months x parties [USD]): each
        flow added to its payee and taken from its payer, in the flows' order."""
        flows = self.flow_columns
        payee = np.asarray(flows["payee"], dtype=object)
        payer = np.asarray(flows["payer"], dtype=object)
        parties, who = np.unique(np.concatenate([payee, payer]), return_inverse=True)
        labels = np.asarray(self.month_labels, dtype=object)
        where = np.argsort(labels, kind="stable")
        months = np.asarray(flows["month"], dtype=object)
        pos = where[np.searchsorted(labels, months, sorter=where)]
        amount = np.asarray(flows["amount_usd"], dtype=float)
        net = np.zeros((len(labels), len(parties)))
        rows = np.concatenate([pos, pos])
        np.add.at(net, (rows, who.reshape(-1)), np.concatenate([amount, -amount]))
        return [str(p) for p in parties], net

    @property
    def party_net_usd(self) -> pd.DataFrame:
        """Net cash received (paid, if negative) by each party, by month (months x parties)."""
        parties, net = self._party_net
        return pd.DataFrame(
            net,
            index=pd.Index(self.month_labels, name="month"),
            columns=pd.Index(parties, name="party"),
        )

    @property
    def cumulative_invested_usd(self) -> np.ndarray:
        return np.cumsum(self.invested_usd)

    @property
    def invested_cap_usd(self) -> float | None:
        """The caps of the deals that can invest money, summed (None when none has a cap); a
        deal never signed (an unsigned letter of intent, or one superseded before) adds nothing."""
        caps = [
            d.cap_usd
            for d in self.deals
            if d.cap_usd and _invests(d) and agreement_month(d) is not None
        ]
        return float(sum(caps)) if caps else None

    def released(self) -> list[TrancheOutcome]:
        """Released tranches in date order."""
        return sorted((t for t in self.tranches if t.released), key=lambda t: t.month or "")

    def pending(self) -> list[TrancheOutcome]:
        return [t for t in self.tranches if not t.released]

    # --- yearly figures ---

    @cached_property
    def _year_inputs(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, float | None]:
        """What every year's `_at` reads, computed once: (first_index, capex_total_usd,
        opex_usd, cumulative_invested_usd, invested_cap_usd)."""
        return (
            self.first_index,
            self.capex_total_usd,
            self.opex_usd,
            self.cumulative_invested_usd,
            self.invested_cap_usd,
        )

    def _at(self, year: int, pos: int) -> dict[str, Any]:
        """Flows in `year` up to axis month `pos`, and stocks at `pos`."""
        first_index, capex_total, opex, cumulative_invested, invested_cap = self._year_inputs
        span = slice(max(year * MONTHS_PER_YEAR - first_index, 0), pos + 1)
        capex = {c: float(self.capex_usd[c][:, span].sum()) for c in ASSET_CLASSES}
        return {
            "capex_usd": sum(capex.values()),
            **{f"capex_{c}_usd": v for c, v in capex.items()},
            "cumulative_capex_usd": float(capex_total[:, : pos + 1].sum()),
            "opex_usd": float(opex[:, span].sum()),
            "opex_energy_usd": float(self.opex_energy_usd[:, span].sum()),
            "opex_operations_usd": float(self.opex_operations_usd[:, span].sum()),
            "opex_capacity_usd": float(self.opex_capacity_usd[:, span].sum()),
            "depreciation_usd": float(self.depreciation_usd[:, span].sum()),
            "tranches_released_usd": float(self.released_usd[span].sum()),
            "tranches_released_purchases_usd": float(self.released_purchases_usd[span].sum()),
            "cumulative_invested_usd": float(cumulative_invested[pos]),
            "invested_cap_usd": invested_cap,
            "warrant_shares_vested": float(self.warrant_shares[pos]),
            "warrant_value_usd": float(self.warrant_value_usd[pos]),
            "circular_share": _finite(self.circular[pos]),
            "vendor_funded_share": _finite(self.vendor_funded[pos]),
            "net_cash_by_party_usd": dict(
                zip(self._party_net[0], self._party_net[1][span].sum(axis=0).tolist(), strict=True)
            ),
        }

    def year_summary(self, year: int, position: int) -> dict[str, Any]:
        """YEAR_KEYS for a year reported at scenario month `position` (the run's years)."""
        return self._at(year, position + self.offset)

    def years(self) -> list[dict[str, Any]]:
        """One row per calendar year of the finance axis, as of December (or the last month)."""
        last = len(self.months) - 1
        rows = []
        for year in range(self.first_index // 12, (self.first_index + last) // 12 + 1):
            pos = min(year * MONTHS_PER_YEAR + 11 - self.first_index, last)
            rows.append({"year": year, "month": str(self.month_labels[pos]), **self._at(year, pos)})
        return rows

    # --- totals ---

    def party_totals(self) -> list[dict[str, Any]]:
        """Cash paid, received and net by party over the whole axis."""
        paid = self.flows.groupby("payer")["amount_usd"].sum()
        got = self.flows.groupby("payee")["amount_usd"].sum()
        return [
            {
                "party": p,
                "paid_usd": float(paid.get(p, 0.0)),
                "received_usd": float(got.get(p, 0.0)),
                "net_usd": float(got.get(p, 0.0) - paid.get(p, 0.0)),
            }
            for p in dict.fromkeys([*paid.index, *got.index])
        ]

    def warrant_totals(self) -> list[dict[str, Any]]:
        """Per deal with warrants: the issuer's share (`share`), the shares vested by the end
        and those its warrant tranches can vest at most, and the vested ones' intrinsic value at
        vesting [USD]. Warrants vest shares, not cash: neither released nor invested money
        counts them, so a reader of those alone sees none (run's note, the report's Money)."""
        by_deal: dict[str, list[TrancheOutcome]] = {}
        for t in self.tranches:
            if t.instrument == "warrant" and t.shares:
                by_deal.setdefault(t.deal, []).append(t)
        return [
            {
                "deal": deal,
                "share": ws[0].share,
                "shares_vested": float(sum(t.shares or 0.0 for t in ws if t.released)),
                "shares_max": float(sum(t.shares or 0.0 for t in ws)),
                "value_at_vesting_usd": float(sum(t.value_usd or 0.0 for t in ws if t.released)),
            }
            for deal, ws in by_deal.items()
        ]

    def deal_totals(self) -> list[dict[str, Any]]:
        rows = []
        for deal in self.deals:
            mine = [t for t in self.tranches if t.deal == deal.id and t.released]
            stakes = [t.stake_share for t in mine if t.stake_share is not None]
            warrants = [t for t in mine if t.instrument == "warrant"]
            rows.append(
                {
                    "deal": deal.id,
                    "stage": deal.stage,
                    "investor": deal.investor,
                    "investee": deal.investee,
                    "vendor": deal.vendor,
                    "cap_usd": deal.cap_usd,
                    "released_usd": float(sum(t.released_usd for t in mine)),
                    "invested_usd": float(sum(t.released_usd for t in mine if t.invested)),
                    "stake_share": sum(stakes) if stakes else None,
                    "warrant_shares_vested": float(sum(t.shares or 0.0 for t in warrants)),
                    "warrant_value_at_vesting_usd": float(
                        sum(t.value_usd or 0.0 for t in warrants)
                    ),
                    "tranches_released": len(mine),
                    "tranches": len(deal.tranches),
                }
            )
        return rows

    def investor_totals(self) -> list[dict[str, Any]]:
        """Per investor at the end: money in, purchases of its hardware, the two shares."""
        return [
            {
                "investor": name,
                "invested_usd": float(s["invested"][-1]),
                "credit_usd": float(s["credit"][-1]),
                "purchases_usd": float(s["purchases"][-1]),
                "circular_share": _finite(circular_share(s["invested"], s["purchases"])[-1]),
                "vendor_funded_share": _finite(
                    vendor_funded_share(s["credit"], s["purchases"])[-1]
                ),
            }
            for name, s in self.investors.items()
        ]

    def summary(self) -> dict[str, Any]:
        """The `gigawatt finance --json` object, without `scenario` (README, "finance")."""
        end = self._at(self.first_index // 12, len(self.months) - 1)
        return {
            "start": str(self.month_labels[0]),
            "end": str(self.month_labels[-1]),
            "owner": self.owner,
            "price_path": "sampled" if any(p.sampled for p in self.prices.values()) else "median",
            "energy_source": self.energy_source,
            "programme_start": self.programme_start,
            "capex_basis": self.params.capex_basis,
            "system_prices": list(self.system_prices),
            "capex_usd": float(self.capex_total_usd.sum()),
            "capex_before_start_usd": float(self.capex_total_usd[:, : self.offset].sum()),
            "opex_usd": float(self.opex_usd.sum()),
            "depreciation_usd": float(self.depreciation_usd.sum()),
            "tranches_released_usd": float(self.released_usd.sum()),
            "tranches_released_purchases_usd": float(self.released_purchases_usd.sum()),
            "cumulative_invested_usd": end["cumulative_invested_usd"],
            "invested_cap_usd": end["invested_cap_usd"],
            "circular_share": end["circular_share"],
            "vendor_funded_share": end["vendor_funded_share"],
            "tranches": [t.to_dict() for t in self.released()],
            "tranches_pending": [t.to_dict() for t in self.pending()],
            "deals": self.deal_totals(),
            "investors": self.investor_totals(),
            "parties": self.party_totals(),
            "years": self.years(),
        }

    def table(self) -> pd.DataFrame:
        """Long table (month, site, quantity, unit, value) on the finance axis."""
        labels = self.month_labels
        frames = []
        per_phase = {
            **{f"capex_{c}_usd": self.capex_usd[c] for c in ASSET_CLASSES},
            "opex_energy_usd": self.opex_energy_usd,
            "opex_operations_usd": self.opex_operations_usd,
            "opex_capacity_usd": self.opex_capacity_usd,
            "depreciation_usd": self.depreciation_usd,
        }
        frames.append(
            long_table(labels, self.phases["site"], [(n, "USD", a) for n, a in per_phase.items()])
        )
        totals: list[tuple[str, str, np.ndarray]] = [
            ("invested_usd", "USD", self.invested_usd),
            ("cumulative_invested_usd", "USD", self.cumulative_invested_usd),
            ("tranches_released_usd", "USD", self.released_usd),
            ("tranches_released_purchases_usd", "USD", self.released_purchases_usd),
            ("warrant_shares_vested", "shares", self.warrant_shares),
            ("warrant_value_usd", "USD", self.warrant_value_usd),
            ("circular_share", "fraction", self.circular),
            ("vendor_funded_share", "fraction", self.vendor_funded),
        ]
        month_idx = self.first_index + np.arange(len(labels))
        for pid, path in self.prices.items():
            totals.append((f"share_price_usd[{pid}]", "USD", path.month_end_usd(month_idx)))
        for (cat, payer, payee), group in self.flows.groupby(["category", "payer", "payee"]):
            monthly = group.groupby("month")["amount_usd"].sum().reindex(labels, fill_value=0.0)
            totals.append((f"cash_flow_usd[{cat}:{payer}->{payee}]", "USD", monthly.to_numpy()))
        for name, unit, arr in totals:
            frames.append(
                pd.DataFrame(
                    {"month": labels, "site": "total", "quantity": name, "unit": unit, "value": arr}
                )
            )
        return pd.concat(frames, ignore_index=True)[["month", "site", "quantity", "unit", "value"]]


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _invests(deal: Deal) -> bool:
    return any(t.instrument.type in INVESTED for t in deal.tranches)


# --- the stage --------------------------------------------------------------------------------


def _online_share(
    fleet: Fleet,
    month_idx: np.ndarray,
    offset: int,
    ph: dict[str, np.ndarray] | None = None,
    *,
    average: bool = False,
) -> np.ndarray:
    """Online share on the finance axis: the fleet's, preceded by the same ramp before start
    (`ph`: the fleet's phase columns as arrays, when the caller has them). `average`: the
    share averaged over each month (what running costs count), else reached by its end."""
    ph = fleet.columns if ph is None else ph
    online = np.array([month_index(m) for m in ph["online"]])
    before = (month_average_share if average else ramp_share)(
        month_idx[None, :offset] - online[:, None],
        ph["ramp_months"][:, None],
        ph["s_curve"][:, None],
    )
    after = fleet.average_online_share if average else fleet.online_share
    return np.concatenate([before, after], axis=1)


def _energy_mwh(fleet: Fleet, energy_stage: EnergyResult) -> tuple[np.ndarray, str]:
    """Facility energy by phase and scenario month [MWh]: the energy stage's."""
    energy = np.asarray(energy_stage.energy_mwh_by_phase, dtype=float)
    if energy.shape != fleet.online_share.shape:
        raise GigawattError(
            f"energy stage: energy_mwh_by_phase has shape {energy.shape}, "
            f"expected (phases, months) = {fleet.online_share.shape}"
        )
    return energy, "energy stage"


def warrant_vested_text(warrant: dict[str, Any], end: str) -> str:
    """One deal's warrants in words (a row of `Finance.warrant_totals`), as run's note and the
    report's Money paragraph say them: the shares vested by `end` of those it can vest, and
    their value at vesting when any vested."""
    w = warrant
    value = (
        f" (USD {w['value_at_vesting_usd'] / BILLION:,.1f}B at vesting)"
        if w["shares_vested"] > 0
        else ""
    )
    return (
        f"{w['deal']} vested {w['shares_vested'] / MILLION:,.1f}M of up to "
        f"{w['shares_max'] / MILLION:,.1f}M {w['share'] or 'issuer'} shares by {end}{value}"
    )


def capacity_by_month(
    catalog: Catalog, regions: Any, month_idx: np.ndarray, scenario: Scenario | None = None
) -> np.ndarray:
    """The capacity charge each phase's region bills in each month [USD per MW-day]: phases x
    months (`costs.CapacityCharge.by_month`: the month's delivery-year price, the scenario's
    `costs` override where it has one, less what the power price carries; 0 where the region
    names none)."""
    regions = list(regions)
    out = np.zeros((len(regions), np.asarray(month_idx).size))
    for rid in dict.fromkeys(regions):
        charge = capacity_charge(catalog, rid, scenario)
        if charge is not None:
            out[[i for i, r in enumerate(regions) if r == rid]] = charge.by_month(month_idx)
    return out


def capacity_charge_caveats(
    finance: Finance, catalog: Catalog, scenario: Scenario | None = None
) -> tuple[str, ...]:
    """One caveat per region whose dated capacity charge (`Region.capacity_charge_dated`) is
    billed in months outside its delivery years, where the sites there draw power: those
    months are billed at the nearest delivery year's price (`costs.CapacityCharge.caveat`),
    after the last cleared auction held flat."""
    ph = finance.phases
    regions = np.asarray(ph["region"], dtype=object)
    sites = np.asarray(ph["site"], dtype=object)
    months = finance.first_index + np.arange(finance.months.size)
    out = []
    for rid in dict.fromkeys(regions.tolist()):
        charge = capacity_charge(catalog, rid, scenario)
        if charge is None:
            continue
        rows = regions == rid
        drawn = months[finance.energy_mwh[rows].sum(axis=0) > 0]
        names = ", ".join(dict.fromkeys(sites[rows].tolist()))
        caveat = charge.caveat(drawn, f" ({names})")
        if caveat:
            out.append(caveat)
    return tuple(out)


def unbilled_charge_caveats(fleet: Fleet, catalog: Catalog) -> tuple[str, ...]:
    """One caveat per charge a region lists as unbilled (`Region.unbilled_charges`: a price per
    MW-day of peak load that its `power_price_usd_per_mwh` does not carry), for the scenario's
    sites in that region: what it would add a year at their rated facility power once all
    their phases are online (USD per MW-day x MW x 365), at the charge's catalog price."""
    regions = np.asarray(fleet.phases["region"], dtype=object)
    sites = np.asarray(fleet.phases["site"], dtype=object)
    out = []
    for rid in dict.fromkeys(regions.tolist()):
        region = catalog.region(rid)
        rows = regions == rid
        rated_w = float(fleet.facility_power_w[rows].sum(axis=0).max())
        names = ", ".join(dict.fromkeys(sites[rows].tolist()))
        for pid in region.unbilled_charges:
            charge = catalog.parameter(pid)
            if charge.unit != "usd_per_mw_day":
                raise GigawattError(
                    f"region {region.id}: unbilled charge {pid} has unit {charge.unit!r}; "
                    "allowed: usd_per_mw_day"
                )
            per_day = float(point(charge.value))
            yearly = per_day * rated_w / W_PER_MW * DAYS_PER_YEAR
            status = charge.field_statuses().get("value", charge.status)
            out.append(
                f"{region.id} ({names}): its power price "
                f"(USD {region.power_price_usd_per_mwh:g}/MWh) does not carry the {charge.name} "
                f"(USD {per_day:g}/MW-day, {pid}, {status}), about USD {yearly / BILLION:.2f}B "
                f"a year at these sites' {rated_w / W_PER_GW:.2f} GW of rated facility power, "
                "not billed: their energy cost is understated by nearly that (the price carries "
                "only the lower charges of its own year; the region's note)."
            )
    return tuple(out)


def site_owner_caveats(scenario: Scenario, finance: Finance) -> tuple[str, ...]:
    """One caveat when sites name an `owner` other than the programme's owner: each buys its
    sites' systems, while the facility, power, energy and operations are billed to the
    programme's owner, and what the compute's user pays the site owners for it (capacity
    contracts, leases) is not modelled, so their net cash in `parties` is spending only."""
    owners = {s.name: s.owner for s in scenario.sites if s.owner and s.owner != finance.owner}
    if not owners:
        return ()
    by_owner: dict[str, list[str]] = {}
    for site, who in owners.items():
        by_owner.setdefault(who, []).append(site)
    named = "; ".join(f"{who}: {', '.join(sites)}" for who, sites in by_owner.items())
    return (
        f"Site owners other than {finance.owner} ({named}; the sites' `owner`) buy those sites' "
        f"systems, while their facility, power, energy and operations are billed to "
        f"{finance.owner}; payments for the compute between them and its user (capacity "
        "contracts, leases of buildings or systems) are not modelled, so each owner's net cash "
        "in the flows between parties (`parties`) is its spending only, with no revenue.",
    )


def phase_systems(scenario: Scenario) -> list[System]:
    """Each phase's system (with the scenario's overrides), in the fleet's phase order."""
    return [ph.system for site in scenario.sites for ph in site.phases]


def programme_start(scenario: Scenario) -> int:
    """Month index the programme starts: the scenario's start or its earliest deal's
    announcement, whichever is first. No capex is spent before it, except at a site whose
    `construction_start` is earlier (`construction_opens`)."""
    announced = [d.announced.year * MONTHS_PER_YEAR + d.announced.month - 1 for d in scenario.deals]
    return min([month_index(scenario.start), *announced])


def construction_opens(scenario: Scenario, begins: int) -> np.ndarray:
    """Month index before which no phase's facility or power is spent, in the fleet's phase
    order: its site's `construction_start` where the scenario gives one (a dated fact, which
    may precede the programme's start), else `begins`, the programme's start."""
    return np.array(
        [
            begins if site.construction_start is None else month_index(site.construction_start)
            for site in scenario.sites
            for _ in site.phases
        ],
        dtype=int,
    )


def system_price_rows(systems: list[System], costs: CostParameters) -> list[dict[str, Any]]:
    """The price each system was bought at, with its source (one row per system)."""
    rows = {}
    for sys_ in systems:
        pr = sys_.price
        rows[sys_.id] = {
            "system": sys_.id,
            "usd_per_accelerator": system_price_usd(sys_, costs),
            "usd_per_rack": system_price_usd(sys_, costs) * sys_.accelerators_per_rack,
            "quoted_usd": pr.usd_point,
            "quoted_per": pr.per,
            "network_share": pr.network_share,
            "source": pr.source,
            "as_of": pr.as_of.isoformat(),
            "status": pr.status,
            "includes": pr.includes,
        }
    return list(rows.values())


def system_price_caveats(finance: Finance) -> tuple[str, ...]:
    """One caveat per system bought at a price of status `estimate` (not a published quote):
    the all-in price per accelerator and per rack the systems capex rests on, and what that
    price covers (`SystemPrice.includes`) where the record says."""
    out = []
    for row in finance.system_prices:
        if row["status"] != "estimate":
            continue
        covers = f" It covers {row['includes'].rstrip('.')}." if row.get("includes") else ""
        out.append(
            f"{row['system']}: its price is an estimate, not a published quote: USD "
            f"{row['usd_per_accelerator']:,.0f} per accelerator all-in (USD "
            f"{row['usd_per_rack'] / 1e6:,.2f}M a rack), on which its systems capex rests "
            f"(`gigawatt catalog systems {row['system']}` gives the source and range).{covers}"
        )
    return tuple(out)


def delivered_gw(deployed_gw: np.ndarray, lead_months: int) -> np.ndarray:
    """Cumulative GW whose systems are delivered by each month: those deployed (online)
    `lead_months` later, D(m) = G(m + L) (`systems-delivery-lead-months`, the systems payments'
    own delivery month). Past the axis's end the last month's GW is held: a delivery for
    capacity online after the scenario's end is not counted. [GW] (months,)."""
    g = np.asarray(deployed_gw, dtype=float)
    lead = max(0, int(lead_months))
    if lead == 0 or g.size == 0:
        return g.copy()
    return np.concatenate([g[lead:], np.full(min(lead, g.size), g[-1])])


def _clip_window(
    end: np.ndarray, months: np.ndarray, begins: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A spend window of `months` ending before `end`, compressed to open no earlier than
    `begins` (per phase; spent at once in `begins` if it would close before it)."""
    end = np.maximum(end, begins)
    return end, np.clip(months, 0, end - begins)


def _phase_capex(
    ph: dict[str, np.ndarray], systems: list[System], power_basis: str, params: FinanceParameters
) -> dict[str, np.ndarray]:
    """Capex of each phase by class [USD] (phases,), and the per-phase columns it rests on.

    Derived: accelerators at full power x the all-in system price; facility per W of IT power;
    power per W of facility power. With a `capex-usd-per-gw` override: that x facility GW, split
    by the capex shares.
    """
    pue = ph["pue"]
    it_w = ph["power_w"] / (pue if power_basis == "facility" else 1.0)
    ph["it_gw"] = it_w / W_PER_GW
    ph["facility_gw"] = it_w * pue / W_PER_GW
    ph["accelerators_full"] = it_w / ph["it_power_w_per_accelerator"]
    if params.capex_usd_per_gw is not None:
        total = params.capex_usd_per_gw * ph["facility_gw"]
        return {c: total * params.capex_share[c] for c in ASSET_CLASSES}
    unit = [capex_per_accelerator(s, p, params.costs) for s, p in zip(systems, pue, strict=True)]
    ph["system_usd_per_accelerator"] = np.array([u.systems_usd for u in unit])
    n = ph["accelerators_full"]
    return {c: n * np.array([u.by_class()[c] for u in unit]) for c in ASSET_CLASSES}


def run_finance(
    scenario: Scenario,
    catalog: Catalog,
    fleet: Fleet,
    energy: EnergyResult | None = None,
    *,
    rng: np.random.Generator | None = None,
) -> Finance:
    """The finance stage of a resolved scenario: costs, deals and cash flows.

    Prices the energy stage's `energy_mwh_by_phase`: the one given, else the stage run here on
    the same fleet, so that a library call bills what `gigawatt run` bills. With `rng`, share
    prices follow a sampled path instead of the median one.
    """
    params = FinanceParameters.of(scenario, catalog)
    if energy is None:
        energy = run_energy(scenario, catalog, fleet)
    fleet_columns = fleet.columns
    ph = dict(fleet_columns)  # the fleet's columns and this stage's, as arrays; a frame at the end
    vendors = [catalog.accelerator(a).vendor.lower() for a in ph["accelerator"]]
    ph["vendor"] = np.array(vendors, dtype=object)
    totals = _phase_capex(ph, phase_systems(scenario), fleet.power_basis, params)
    # the hardware operated, bought or leased: what the operations share is a share of
    operated_usd = sum(totals.values())
    planned = np.array([month_index(m) for m in ph["online_planned"]])
    actual = np.array([month_index(m) for m in ph["online"]])

    deals = tuple(scenario.deals)
    start, end = month_index(scenario.start), month_index(scenario.end)
    begins = programme_start(scenario)
    opens = construction_opens(scenario, begins)
    phases = len(planned)
    facility_end, facility_n = _clip_window(planned, ph["construction_months"], opens)
    power_end, power_n = _clip_window(
        planned, np.full(phases, params.power_construction_months), opens
    )
    first_paid = actual + params.payment_shift_months
    first = min(
        start,
        *(facility_end - facility_n),
        *(power_end - power_n),
        *first_paid,
        *(m for m in money_months(deals) if m <= end),
    )
    month_idx = np.arange(first, end + 1)
    months = np.datetime64(month_from_index(first), "M") + np.arange(month_idx.size)
    offset = start - first

    paid = ramp_share(
        month_idx[None, :] - first_paid[:, None],
        ph["ramp_months"][:, None],
        ph["s_curve"][:, None],
    )
    share = _online_share(fleet, month_idx, offset, fleet_columns)
    energy_window, energy_source = _energy_mwh(fleet, energy)
    energy_mwh = np.concatenate([np.zeros((phases, offset)), energy_window], axis=1)
    price = np.array([catalog.region(r).power_price_usd_per_mwh for r in ph["region"]])
    opex_ops = params.operations_share_per_year / MONTHS_PER_YEAR * operated_usd
    # running costs accrue with the capacity in service on average over each month
    opex_ops = opex_ops[:, None] * _online_share(
        fleet, month_idx, offset, fleet_columns, average=True
    )

    # before the scenario starts, GW deployed follows the same ramps as the fleet
    deployed_before = ph["power_w"] @ share[:, :offset] / W_PER_GW
    deployed = np.concatenate([deployed_before, fleet.deployed_gw()])
    prices = share_prices(deals, catalog, end, params.trading_days_per_year, rng)
    ctx = DealContext(
        month_idx,
        deployed,
        prices,
        scenario.end,
        delivered_gw=delivered_gw(deployed, params.delivery_lead_months),
    )
    tranches = tuple(t for di, d in enumerate(deals) for t in evaluate_deal(d, di, ctx, catalog))

    # a released lease of the phases' own racks pays for them: they are not also bought
    ship = actual - params.delivery_lead_months
    leases = _lease_payments(tranches, list(ph["phase"]), ship, month_idx, params)
    leased = np.isin(ph["phase"], [p for i in leases for p in tranches[i].covers])
    ph["leased_systems_usd"] = np.where(leased, totals["systems"], 0.0)
    totals["systems"] = np.where(leased, 0.0, totals["systems"])
    ph["capex_usd"] = sum(totals.values())
    capex = {
        "systems": totals["systems"][:, None] * np.diff(paid, axis=1, prepend=0.0),
        "facility": construction_spend(totals["facility"], facility_end, facility_n, month_idx),
        "power": construction_spend(totals["power"], power_end, power_n, month_idx),
    }
    depreciation = sum(
        straight_line_depreciation(totals[c], share, params.life_months[c]) for c in ASSET_CLASSES
    )

    owner = deals[0].investee if deals else "programme"
    # who buys each phase's systems: its site's owner (who owns the compute), else the owner
    site_owner = {site.name: site.owner or owner for site in scenario.sites}
    buyers = np.array([site_owner[str(site)] for site in ph["site"]], dtype=object)
    series = _deal_series(tranches, month_idx, prices)
    investors = _investor_series(tranches, month_idx, ph["vendor"], capex["systems"], leases)
    opex_energy = energy_mwh * price[:, None]
    # PJM's capacity price of each month's delivery year above what its power price carries,
    # per MW-day of average draw
    capacity = capacity_by_month(catalog, ph["region"], month_idx, scenario)
    opex_capacity = energy_mwh * capacity / H_PER_DAY
    added = {k: v for k, v in ph.items() if k not in fleet_columns}
    return Finance(
        months=months,
        offset=offset,
        phase_parts=(fleet, added),
        params=params,
        owner=owner,
        capex_usd=capex,
        depreciation_usd=depreciation,
        energy_mwh=energy_mwh,
        opex_energy_usd=opex_energy,
        opex_operations_usd=opex_ops,
        opex_capacity_usd=opex_capacity,
        energy_source=energy_source,
        deals=deals,
        tranches=tranches,
        invested_usd=series["invested"],
        released_usd=series["released"],
        released_purchases_usd=series["purchases"],
        warrant_shares=series["warrant_shares"],
        warrant_value_usd=series["warrant_value"],
        investors=investors,
        circular=_programme_share(investors, month_idx.size, circular=True),
        vendor_funded=_programme_share(investors, month_idx.size, circular=False),
        prices=prices,
        flow_columns=_cash_flows(
            ph["vendor"],
            buyers,
            capex,
            opex_energy,
            opex_ops,
            tranches,
            owner,
            months,
            leases,
            opex_capacity,
        ),
        programme_start=month_from_index(begins),
        system_prices=tuple(system_price_rows(phase_systems(scenario), params.costs)),
    )


def _deal_series(
    tranches: tuple[TrancheOutcome, ...], month_idx: np.ndarray, prices: dict[str, SharePricePath]
) -> dict[str, np.ndarray]:
    """Monthly money released, invested and paid for hardware (purchase commitments, leases);
    cumulative vested warrant shares and their value."""
    names = ("invested", "released", "purchases", "warrant_shares")
    out = {k: np.zeros(month_idx.size) for k in names}
    out["warrant_value"] = np.zeros(month_idx.size)
    for t in tranches:
        if not t.released:
            continue
        i = month_index(t.month) - int(month_idx[0])
        out["released"][i] += t.released_usd
        out["invested"][i] += t.released_usd if t.invested else 0.0
        out["purchases"][i] += t.released_usd if t.instrument in BUYER_PAYS else 0.0
        if t.instrument == "warrant" and t.shares:
            vested = np.arange(month_idx.size) >= i
            out["warrant_shares"] += np.where(vested, t.shares, 0.0)
            if t.share is not None:
                price = prices[t.share].month_end_usd(month_idx)
                value = warrant_intrinsic_value(t.shares, price, t.strike_usd or 0.0)
                out["warrant_value"] += np.where(vested, np.nan_to_num(value), 0.0)
    return out


def _lease_payments(
    tranches: tuple[TrancheOutcome, ...],
    phases: list[str],
    ship: np.ndarray,
    month_idx: np.ndarray,
    params: FinanceParameters,
) -> dict[int, np.ndarray]:
    """Each released lease's monthly payments [USD]: its amount evenly over its term (the
    tranche's, else `gpu-lease-years`), from its release month, or, for a lease of the phases'
    own racks (`covers`), from the month the first of them ships if that is later (`ship`: each
    phase's first shipping month index). Payments past the horizon are not counted. Keyed by
    the tranche's position in `tranches`."""
    out: dict[int, np.ndarray] = {}
    first = int(month_idx[0])
    for k, t in enumerate(tranches):
        if not t.released or t.released_usd <= 0 or t.instrument != "lease":
            continue
        i = month_index(t.month) - first
        if t.covers:
            i = max(i, int(min(ship[phases.index(p)] for p in t.covers)) - first)
        term = round(MONTHS_PER_YEAR * t.term_years) if t.term_years else params.lease_months
        amounts = np.zeros(month_idx.size)
        amounts[i : i + term] = t.released_usd / term
        out[k] = amounts
    return out


def _investor_series(
    tranches: tuple[TrancheOutcome, ...],
    month_idx: np.ndarray,
    vendors: np.ndarray,
    systems_capex: np.ndarray,
    leases: dict[int, np.ndarray] | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """Per investor, cumulative: cash invested, credit (cash + warrants' value at vesting) and
    purchases of its hardware (systems capex of the phases whose accelerator it makes, and the
    payments of the leases of the phases' own racks that it receives)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for t in tranches:
        if not (t.invested or t.instrument == "warrant"):
            continue
        s = out.setdefault(t.payer, {k: np.zeros(month_idx.size) for k in ("invested", "credit")})
        if t.released:
            i = month_index(t.month) - int(month_idx[0])
            s["invested"][i] += t.released_usd if t.invested else 0.0
            s["credit"][i] += t.released_usd if t.invested else (t.value_usd or 0.0)
    for name, s in out.items():
        s["invested"], s["credit"] = np.cumsum(s["invested"]), np.cumsum(s["credit"])
        mine = vendors == name.lower()
        leased = sum(
            (
                a
                for k, a in (leases or {}).items()
                if tranches[k].covers and tranches[k].payee.lower() == name.lower()
            ),
            np.zeros(month_idx.size),
        )
        s["purchases"] = np.cumsum(systems_capex[mine].sum(axis=0) + leased)
    return out


def _programme_share(
    investors: dict[str, dict[str, np.ndarray]], months: int, *, circular: bool
) -> np.ndarray:
    """Over all investors: the circular share, sum min(I, P) / sum I; or the vendor-funded
    share over the investors whose hardware is bought, sum C / sum P."""
    series = list(investors.values())
    zero = np.zeros(months)
    if circular:
        invested = sum((s["invested"] for s in series), zero)
        returned = sum((np.minimum(s["invested"], s["purchases"]) for s in series), zero)
        return circular_share(invested, returned)
    vendors = [s for s in series if s["purchases"][-1] > 0]
    credit = sum((s["credit"] for s in vendors), zero)
    return vendor_funded_share(credit, sum((s["purchases"] for s in vendors), zero))


def _cash_flows(
    vendors: np.ndarray,
    buyers: np.ndarray,
    capex: dict[str, np.ndarray],
    opex_energy: np.ndarray,
    opex_ops: np.ndarray,
    tranches: tuple[TrancheOutcome, ...],
    owner: str,
    months: np.ndarray,
    leases: dict[int, np.ndarray],
    opex_capacity: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Monthly cash between parties: (month, category, payer, payee, amount_usd), nonzero rows
    (the columns of `Finance.flows`).

    The owner (the first deal's investee) pays capex and opex, except that each phase's
    systems are bought by `buyers` (the phase's site `owner`, who owns its compute; default the
    owner) from the accelerator's vendor. A purchase commitment adds nothing (the systems capex
    already pays the vendor); warrants move shares, not cash; a lease is paid as
    `_lease_payments` says.
    """
    flows: list[tuple[str, str, str, np.ndarray]] = []
    pairs = dict.fromkeys(zip(buyers.tolist(), vendors.tolist(), strict=True))
    for buyer, vendor in pairs:  # in order of first appearance
        rows = np.flatnonzero((buyers == buyer) & (vendors == vendor))
        flows.append(("capex-systems", str(buyer), str(vendor), capex["systems"][rows].sum(axis=0)))
    flows.append(("capex-facility", owner, CONTRACTORS, capex["facility"].sum(axis=0)))
    flows.append(("capex-power", owner, CONTRACTORS, capex["power"].sum(axis=0)))
    flows.append(("opex-energy", owner, UTILITIES, opex_energy.sum(axis=0)))
    flows.append(("opex-operations", owner, OPERATIONS, opex_ops.sum(axis=0)))
    if opex_capacity is not None:
        flows.append(("opex-capacity", owner, UTILITIES, opex_capacity.sum(axis=0)))
    first = month_index(str(months[0]))
    for k, t in enumerate(tranches):
        if k in leases:
            flows.append((t.instrument, t.payer, t.payee, leases[k]))
            continue
        if not t.released or t.released_usd <= 0 or t.instrument not in INVESTED:
            continue
        amounts = np.zeros(len(months))
        amounts[month_index(t.month) - first] = t.released_usd
        flows.append((t.instrument, t.payer, t.payee, amounts))
    labels = months.astype(str)
    nonzero = [a != 0 for _, _, _, a in flows]
    counts = [int(m.sum()) for m in nonzero]
    column = {  # one frame at the end, not one per flow
        "month": np.concatenate([labels[m] for m in nonzero]),
        "category": np.repeat(np.array([f[0] for f in flows], dtype=object), counts),
        "payer": np.repeat(np.array([f[1] for f in flows], dtype=object), counts),
        "payee": np.repeat(np.array([f[2] for f in flows], dtype=object), counts),
        "amount_usd": np.concatenate([f[3][m] for f, m in zip(flows, nonzero, strict=True)]),
    }
    return column
