"""Build-out: a scenario's phases as a monthly fleet (DESIGN.md section 6, "buildout").

Each phase adds `power_gw` on the scenario's power basis. It comes online in month
`online + delay_months` and ramps to full power over `ramp_months`: in the k-th month after
coming online (k = 0, 1, ...) the online share is x = min((k + 1) / ramp_months, 1), or
3x^2 - 2x^3 for an S-curve (the smoothstep polynomial), and 1 at once when ramp_months = 0.
Facility power = IT power x PUE. Accelerators = floor(IT power / all-in IT power per
accelerator of the phase's system), the system record saying what "all-in" includes
(chip, host and network share). Everything is computed as (phases x months) arrays. These are
the month's closing figures (what is in service at its end); a ramp deploys evenly within each
month, so what a month consumes (energy, running costs) counts the month's average instead
(`Fleet.average_online_share`, `average_accelerators`, `average_facility_power_w`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import PRECISIONS
from gigawatt.scenario import Scenario, month_from_index, month_index
from gigawatt.units import W_PER_GW

#: The precisions whose fleet peak each year of `gigawatt run` shows (`peak_flops_per_s`), and
#: whose peaks that are not published figures `peak_column_caveats` names.
PEAK_COLUMNS = ("bf16", "fp8", "fp4")


def ramp_share(
    months_since_online: np.ndarray, ramp_months: np.ndarray, s_curve: np.ndarray
) -> np.ndarray:
    """Online share of a phase (0-1) by month; arrays broadcast (phases x months)."""
    k = np.asarray(months_since_online, dtype=float)
    r = np.asarray(ramp_months, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(r > 0, np.clip((k + 1) / np.where(r > 0, r, 1), 0, 1), 1.0)
    x = np.where(k < 0, 0.0, x)
    return np.where(s_curve, x * x * (3 - 2 * x), x)


def month_average_share(
    months_since_online: np.ndarray, ramp_months: np.ndarray, s_curve: np.ndarray
) -> np.ndarray:
    """The online share averaged over each month (0-1), arrays broadcast (phases x months).

    `ramp_share` is the share reached by the end of month k; a ramp deploys evenly through each
    of its months, so month k of a ramp over r months holds the average of the ramp's curve
    over x in [k / r, (k + 1) / r]: (a + b) / 2 for a linear ramp, and for the S-curve
    (G(b) - G(a)) / (b - a) with G(x) = x^3 - x^4 / 2 the integral of 3x^2 - 2x^3. A phase
    with ramp_months = 0 is all online from the start of its online month (share 1).
    """
    k = np.asarray(months_since_online, dtype=float)
    r = np.asarray(ramp_months, dtype=float)
    safe_r = np.where(r > 0, r, 1.0)
    a = np.clip(k / safe_r, 0.0, 1.0)
    b = np.clip((k + 1) / safe_r, 0.0, 1.0)
    linear = (a + b) / 2
    width = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        curve = np.where(
            width > 0,
            (b**3 - b**4 / 2 - a**3 + a**4 / 2) / np.where(width > 0, width, 1.0),
            b * b * (3 - 2 * b),
        )
    ramped = np.where(s_curve, curve, linear)
    return np.where(k < 0, 0.0, np.where(r > 0, ramped, 1.0))


def straight_line(in_service: np.ndarray, life_months: int) -> np.ndarray:
    """Per-month write-off of a stock placed in service over time: (s(t) - s(t - L)) / L.

    Each slice placed in service in month k is written off evenly over the L months from k and
    no more after (straight-line, zero residual: IAS 16 paragraphs 55 and 62). `in_service`
    (phases x months) is the cumulative stock in service (a share 0-1, or a count), never
    decreasing, 0 before its first month; L [months] >= 1. Finance depreciates capex with it;
    energy amortises embodied carbon with it, so neither accrues past the hardware's life.
    """
    s = np.asarray(in_service, dtype=float)
    lagged = np.zeros_like(s)
    if life_months < s.shape[1]:
        lagged[:, life_months:] = s[:, :-life_months]
    return (s - lagged) / life_months


@dataclass(frozen=True)
class Fleet:
    """The programme's capacity by phase and month.

    `phases` has one row per phase (site, system, accelerator, region, pue, online month after
    delay, ...), built from `phase_values` when first read (a sweep's samples read the
    `columns` arrays and never the frame). Every array is (phases x months); `months` is numpy
    datetime64[M].
    """

    months: np.ndarray
    #: The phase table's columns as the builder made them: name -> one value per phase.
    phase_values: dict[str, list] = field(repr=False, compare=False)
    power_basis: str
    online_share: np.ndarray
    it_power_w: np.ndarray
    facility_power_w: np.ndarray
    accelerators: np.ndarray
    peak_flops_per_s: dict[str, np.ndarray]
    #: `phases`' columns as arrays when the builder has them (else read from the frame once).
    known_columns: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def phases(self) -> pd.DataFrame:
        """One row per phase (a frame built once, when first read: do not modify)."""
        return pd.DataFrame(self.phase_values)

    @property
    def n_phases(self) -> int:
        return len(self.accelerators)

    @cached_property
    def month_labels(self) -> np.ndarray:
        """Months as "YYYY-MM" strings (computed once: do not modify)."""
        return self.months.astype(str)

    @property
    def sites(self) -> list[str]:
        return list(self._site_rows[0])

    @cached_property
    def _site_rows(self) -> tuple[list[str], np.ndarray]:
        return _site_rows(self.columns["site"])

    @cached_property
    def columns(self) -> dict[str, np.ndarray]:
        """`phases`' columns as read-only NumPy arrays (strings as objects), read once: a
        column read from the frame costs tens of microseconds, and a sample reads many."""
        if self.known_columns is not None:
            return self.known_columns
        out = {}
        for name in self.phases.columns:
            values = self.phases[name].to_numpy()
            values.flags.writeable = False
            out[str(name)] = values
        return out

    def site_sums(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """Sum over each site's phases: {site: (months,)}, sites in order of first appearance
        (`by_site` without the frame)."""
        names, row = self._site_rows
        per_site = np.zeros((len(names), values.shape[1]), dtype=np.result_type(values, np.int64))
        np.add.at(per_site, row, values)
        return dict(zip(names, per_site, strict=True))

    def total(self, values: np.ndarray) -> np.ndarray:
        """Sum over phases: a (months,) array."""
        return values.sum(axis=0)

    def by_site(self, values: np.ndarray) -> pd.DataFrame:
        """Sum over each site's phases: a (months x sites) frame."""
        return _by_site(values, self.month_labels, self.phases["site"])

    @cached_property
    def average_online_share(self) -> np.ndarray:
        """The online share averaged over each month (`month_average_share`): what a month's
        energy and running costs count, where `online_share` (reached by the month's end) is
        what is in service at the month's close."""
        cols = self.columns
        first = month_index(str(self.months[0]))
        online = np.array([month_index(str(m)) for m in cols["online"]])
        since = first + np.arange(len(self.months))[None, :] - online[:, None]
        return month_average_share(
            since, np.asarray(cols["ramp_months"])[:, None], np.asarray(cols["s_curve"])[:, None]
        )

    @cached_property
    def average_accelerators(self) -> np.ndarray:
        """Accelerators in service averaged over each month (floored like `accelerators`, so
        equal to it once a phase is fully online) [count, float]."""
        cols = self.columns
        it_full_w = np.asarray(cols["power_w"], dtype=float)
        if self.power_basis == "facility":
            it_full_w = it_full_w / np.asarray(cols["pue"], dtype=float)
        per_acc = np.asarray(cols["it_power_w_per_accelerator"], dtype=float)
        return np.floor(it_full_w[:, None] * self.average_online_share / per_acc[:, None])

    def accelerators_with_history(self) -> tuple[np.ndarray, int]:
        """`accelerators` on an axis that opens at the earliest phase's online month when that
        precedes the scenario's start (the same ramps before it), and the number of months
        before the start: (phases x (before + months), before). What amortises from the real
        deployment month needs it (embodied carbon)."""
        cols = self.columns
        first = month_index(str(self.months[0]))
        online = np.array([month_index(str(m)) for m in cols["online"]], dtype=int)
        before = int(max(0, first - online.min())) if online.size else 0
        if before == 0:
            return self.accelerators, 0
        since = first - before + np.arange(before)[None, :] - online[:, None]
        share = ramp_share(
            since, np.asarray(cols["ramp_months"])[:, None], np.asarray(cols["s_curve"])[:, None]
        )
        it = np.asarray(cols["power_w"], dtype=float)[:, None] * share  # as build_fleet does
        if self.power_basis == "facility":
            it = it / np.asarray(cols["pue"], dtype=float)[:, None]
        per_acc = np.asarray(cols["it_power_w_per_accelerator"], dtype=float)[:, None]
        early = np.floor(it / per_acc).astype(np.int64)
        return np.concatenate([early, self.accelerators], axis=1), before

    @cached_property
    def average_facility_power_w(self) -> np.ndarray:
        """Facility power averaged over each month [W] (phases x months)."""
        cols = self.columns
        full_w = np.asarray(cols["power_w"], dtype=float)
        if self.power_basis == "it":
            full_w = full_w * np.asarray(cols["pue"], dtype=float)
        return full_w[:, None] * self.average_online_share

    def deployed_gw(self) -> np.ndarray:
        """Cumulative GW deployed on the scenario's power basis, by month (deal triggers)."""
        power = self.facility_power_w if self.power_basis == "facility" else self.it_power_w
        return self.total(power) / W_PER_GW

    def month_position(self, month: str) -> int:
        """Index of `month` in `months`, clipped to the simulated range."""
        i = month_index(month) - month_index(str(self.months[0]))
        return int(np.clip(i, 0, len(self.months) - 1))

    def table(self) -> pd.DataFrame:
        """Long table (month, site, quantity, unit, value); site `total` holds the sums."""
        quantities: list[tuple[str, str, np.ndarray]] = [
            ("facility_power_w", "W", self.facility_power_w),
            ("it_power_w", "W", self.it_power_w),
            ("accelerators", "count", self.accelerators.astype(float)),
        ]
        for p, arr in self.peak_flops_per_s.items():
            quantities.append((f"peak_flops_per_s_{p}", "FLOP/s", arr))
        frames = [long_table(self.month_labels, self.phases["site"], quantities)]
        for acc, rows in self.phases.groupby("accelerator", sort=False).groups.items():
            counts = self.accelerators[np.asarray(rows)].sum(axis=0).astype(float)
            frames.append(
                pd.DataFrame(
                    {
                        "month": self.month_labels,
                        "site": "total",
                        "quantity": f"accelerators[{acc}]",
                        "unit": "count",
                        "value": counts,
                    }
                )
            )
        out = pd.concat(frames, ignore_index=True)
        return out[["month", "site", "quantity", "unit", "value"]]


def _site_rows(sites: pd.Series | np.ndarray) -> tuple[list[str], np.ndarray]:
    """(sites in order of first appearance, each phase's position in that list)."""
    names, first, inverse = np.unique(
        np.asarray(sites, dtype=object), return_index=True, return_inverse=True
    )
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return [str(x) for x in names[order]], rank[inverse.reshape(-1)]


def _by_site(values: np.ndarray, months: np.ndarray, sites: pd.Series) -> pd.DataFrame:
    """(phases x months) values summed by site: months x sites (first appearance order)."""
    names, row = _site_rows(sites)
    per_site = np.zeros((len(names), values.shape[1]), dtype=np.result_type(values, np.int64))
    np.add.at(per_site, row, values)
    return pd.DataFrame(
        per_site.T, index=pd.Index(months), columns=pd.Index(names, name=sites.name)
    )


def long_table(
    months: np.ndarray,
    sites: pd.Series,
    quantities: list[tuple[str, str, np.ndarray]],
) -> pd.DataFrame:
    """(phases x months) arrays as the long results table: one row per month, site and quantity.

    `sites` names each phase's site; the rows of site `total` hold the sums over all phases.
    Rows run by quantity, then site (in order of first appearance, `total` last), then month.
    The sums are NumPy's over the phases in order, the frame is built once at the end.
    """
    names, site_of_phase = _site_rows(sites)
    n_sites, n_months = len(names), len(months)
    site_labels = [*names, "total"]
    values = []
    for _, _, arr in quantities:
        per_site = np.zeros((n_sites + 1, n_months))
        np.add.at(per_site, site_of_phase, np.asarray(arr, dtype=float))
        per_site[-1] = np.asarray(arr, dtype=float).sum(axis=0)
        values.append(per_site.reshape(-1))
    rows = (n_sites + 1) * n_months
    labels = np.repeat(np.array(site_labels, dtype=object), n_months)
    return pd.DataFrame(
        {
            "month": np.tile(np.asarray(months), (n_sites + 1) * len(quantities)),
            "site": np.tile(labels, len(quantities)),
            "quantity": np.repeat(np.array([q[0] for q in quantities], dtype=object), rows),
            "unit": np.repeat(np.array([q[1] for q in quantities], dtype=object), rows),
            "value": np.concatenate(values) if values else np.zeros(0),
        }
    )


def build_fleet(scenario: Scenario, catalog: Catalog) -> Fleet:
    """The monthly fleet of a resolved scenario (call `scenario.resolve()` first)."""
    if not scenario.is_resolved():
        raise ValueError("build_fleet needs a resolved scenario: call scenario.resolve() first")
    months = scenario.months
    start = month_index(scenario.start)
    m_idx = start + np.arange(len(months))

    columns: dict[str, list] = {}  # phase columns, built as lists (one frame at the end)

    def add(**values: object) -> None:
        for key, value in values.items():
            columns.setdefault(key, []).append(value)

    for site in scenario.sites:
        region = catalog.region(site.region)
        for i, ph in enumerate(site.phases):
            acc = catalog.accelerator(ph.system.accelerator)
            online = month_index(ph.online) + int(ph.delay_months)
            construction = (
                ph.construction_months
                if ph.construction_months is not None
                else scenario.cost(catalog, "construction-months")
            )
            add(
                site=site.name,
                phase=ph.name or f"{site.name}-{i + 1}",
                region=region.id,
                system=ph.system.id,
                accelerator=acc.id,
                pue=float(site.pue),
                power_w=float(ph.power_gw) * W_PER_GW,
                online_planned=ph.online,
                online=month_from_index(online),
                delay_months=int(ph.delay_months),
                ramp_months=int(ph.ramp_months),
                s_curve=ph.ramp == "s-curve",
                construction_months=round(float(construction)),
                it_power_w_per_accelerator=ph.system.it_power_w_per_accelerator,
                _online_index=online,
                **{f"_peak_{p}": acc.peak(p) for p in PRECISIONS},
            )

    def col(name: str) -> np.ndarray:
        return np.asarray(columns[name])[:, None]

    since = m_idx[None, :] - col("_online_index")
    share = ramp_share(since, col("ramp_months"), col("s_curve"))
    nominal = col("power_w") * share
    pue = col("pue")
    if scenario.power_basis == "facility":
        facility, it = nominal, nominal / pue
    else:
        facility, it = nominal * pue, nominal
    accelerators = np.floor(it / col("it_power_w_per_accelerator"))
    accelerators = accelerators.astype(np.int64)
    peaks = {p: accelerators * col(f"_peak_{p}") for p in PRECISIONS}
    public = {k: v for k, v in columns.items() if not k.startswith("_")}
    arrays = {}
    for name, values in public.items():  # as the frame's to_numpy() gives them
        array = np.asarray(values)
        if array.dtype.kind == "U":
            array = np.array(values, dtype=object)
        array.flags.writeable = False
        arrays[name] = array
    return Fleet(
        months=months,
        phase_values=public,
        power_basis=scenario.power_basis,
        online_share=share,
        it_power_w=it,
        facility_power_w=facility,
        accelerators=accelerators,
        peak_flops_per_s=peaks,
        known_columns=arrays,
    )


def launch_caveats(fleet: Fleet, catalog: Catalog, *, money: bool = False) -> tuple[str, ...]:
    """One caveat per phase that comes online (after its delay) before its accelerator's first
    volume shipments (the accelerator record's `launch` month): such capacity cannot be
    installed then, so the months before launch overstate the fleet. Phases of hardware
    without a `launch` month are not checked. With `money` (the caller shows the Money table,
    which starts at the scenario's start, the fleet's first month), a phase online before
    that start also says that its capex spent before then is in the pre-start total
    (`capex_before_start_usd`; `run` prints it as "Capex before <year>"), not in the table."""
    out = []
    start = str(fleet.months[0])
    columns = fleet.columns
    for phase, site, acc_id, online in zip(
        columns["phase"], columns["site"], columns["accelerator"], columns["online"], strict=True
    ):
        launch = catalog.accelerator(str(acc_id)).launch
        if launch is None or month_index(str(online)) >= month_index(launch):
            continue
        note = (
            f" Online before the scenario's start ({start}): its capex spent before then is in "
            f'the capex before the start ("Capex before {start[:4]}", '
            "`capex_before_start_usd`), not in the Money table."
            if money and month_index(str(online)) < month_index(start)
            else ""
        )
        out.append(
            f"{site} phase {phase}: online {online}, before {acc_id}'s first volume shipments "
            f"({launch}, catalog accelerators `launch`): its capacity before then cannot be "
            f"installed, so those months overstate the fleet.{note}"
        )
    return tuple(out)


def peak_column_caveats(fleet: Fleet, catalog: Catalog) -> tuple[str, ...]:
    """One caveat per accelerator type of the fleet whose peak in a column of the build-out
    (BF16, FP8, FP4) is not its published figure at that precision: a precision it has no
    tensor path for (counted at the next wider one), or a peak the vendor has not published
    (the accelerator's `peak_estimates`). Every figure at such a precision rests on it."""
    out = []
    for acc_id in dict.fromkeys(str(a) for a in fleet.columns["accelerator"]):
        acc = catalog.accelerator(acc_id)
        parts = []
        for precision in PEAK_COLUMNS:
            used = acc.supported_precision(precision)
            if used != precision:
                parts.append(f"{precision} is counted at its {used} peak (no {precision} path)")
            elif (how := acc.peak_estimates.get(precision)) is not None:  # type: ignore[call-overload]
                parts.append(f"{precision} peak is an estimate, {how}")
        if parts:
            out.append(
                f"Build-out: {acc_id}'s {'; '.join(parts)}. Every figure at that precision (its "
                "peak column, runs in it) rests on this."
            )
    return tuple(out)
