"""A sweep's summary: P10/P50/P90 of every yearly output, as of each December, and of the inputs.

A key `k` of `run --json`'s years becomes `k_p10`, `k_p50`, `k_p90`; a nested mapping keeps its
shape (`peak_flops_per_s_p50: {"bf16": ..., "fp8": ...}`). The top level repeats the last year's
bands. `headline` holds the whole-run figures (sweep/headline.py), dates as decimal years with
their month alongside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gigawatt.scenario import month_from_index, month_index
from gigawatt.sweep.confidence import CONFIDENCE, BandConfidence
from gigawatt.sweep.headline import is_date_key, month_of
from gigawatt.sweep.samples import HEADLINE_YEAR, HELD_FIXED

QUANTILES = ("p10", "p50", "p90")
#: The outer quantile level [%]: P10 and P90.
OUTER_LEVEL_PCT = 10


def few_samples(samples: int) -> bool:
    """Whether each P10 and P90 of `samples` draws lies between the two lowest or the two
    highest of them: h = (n - 1) q / 100 < 1 for q = 10 (Hyndman and Fan 1996, definition 7,
    docs/models/sweeps.md), that is n <= 10. Such bands are the spread of a few draws, not
    percentiles of the inputs' uncertainty."""
    return 0 < samples <= math.ceil(100 / OUTER_LEVEL_PCT)


def _value(v: Any) -> float | None:
    return None if v is None or pd.isna(v) or not math.isfinite(v) else float(v)


def _put(row: dict[str, Any], key: str, bands: dict[str, float | None]) -> None:
    """row[f"{key}_p10"] = ...; `outer.inner` keys go to row[f"outer_p10"]["inner"]."""
    head, *rest = key.split(".")
    for q in QUANTILES:
        if not rest:
            row[f"{head}_{q}"] = bands[q]
            continue
        node = row.setdefault(f"{head}_{q}", {})
        for part in rest[:-1]:
            node = node.setdefault(part, {})
        node[rest[-1]] = bands[q]


@dataclass(frozen=True)
class SweepResult:
    """What `run_sweep` and `load_sweep` return."""

    sweep_id: str
    scenario: str
    seed: int
    method: str
    #: Samples requested: the sweep is samples 0..samples-1.
    samples: int
    #: Samples this call computed successfully (0 when loading, or when all were stored).
    computed: int
    #: Samples stored as done (the bands are over these).
    completed: int
    #: Samples whose simulation raised (stored with their error; retried on a rerun).
    failed: int
    first_error: str | None
    store: Path
    #: Scenario end month, "YYYY-MM": the last year is reported as of it.
    end: str
    uncertain_inputs: tuple[str, ...]
    #: `year, key, n, p10, p50, p90, never`, one row per year and output key (headline outputs
    #: under HEADLINE_YEAR; `never`: a headline date's draws where its event does not happen).
    bands: pd.DataFrame
    #: `path, n, p10, p50, p90, never`, one row per uncertain input.
    input_bands: pd.DataFrame
    #: Each `shared` group's name and its members' paths (drawn together, comonotone).
    shared_groups: dict[str, list[str]] = field(default_factory=dict)

    def month(self, year: int) -> str:
        """The month a year is reported at: its December, or the scenario's last month."""
        return month_from_index(min(year * 12 + 11, month_index(self.end)))

    @property
    def yearly_bands(self) -> pd.DataFrame:
        return self.bands[self.bands.year != HEADLINE_YEAR]

    def band(self, key: str, year: int | None = None) -> tuple[float | None, ...]:
        """(P10, P50, P90) of an output (nested keys as `outer.inner`); year None: the last."""
        frame = self.yearly_bands[self.yearly_bands.key == key]
        if year is None and not frame.empty:
            year = int(frame.year.max())
        row = frame[frame.year == year]
        if row.empty:
            raise KeyError(f"no output {key!r} in {year}")
        return tuple(_value(row.iloc[0][q]) for q in QUANTILES)

    def years(self) -> list[dict[str, Any]]:
        """One dict per year: `year`, `month` and `KEY_p10/_p50/_p90` of every output."""
        rows: dict[int, dict[str, Any]] = {}
        for rec in self.yearly_bands.itertuples(index=False):
            year = int(rec.year)
            row = rows.setdefault(year, {"year": year, "month": self.month(year)})
            _put(row, str(rec.key), {q: _value(getattr(rec, q)) for q in QUANTILES})
        return [rows[y] for y in sorted(rows)]

    def headline(self) -> dict[str, dict[str, Any]]:
        """Each headline output's `n`, `p10`, `p50`, `p90`; a date also as `p10_month`, ... and
        `never`, the draws where its event does not happen inside the scenario: they count in
        `n` as later than every date, and a quantile among them is null ("not by the end")."""
        out: dict[str, dict[str, Any]] = {}
        for rec in self.bands[self.bands.year == HEADLINE_YEAR].itertuples(index=False):
            key = str(rec.key)
            row: dict[str, Any] = {"n": int(rec.n)}
            row.update({q: _value(getattr(rec, q)) for q in QUANTILES})
            if is_date_key(key):
                # null: the quantile falls among the draws where the event never happens
                row.update({f"{q}_month": month_of(row[q] or math.nan) for q in QUANTILES})
                row["never"] = int(rec.never)
            out[key] = row
        return out

    def inputs(self) -> list[dict[str, Any]]:
        """Each uncertain input's path, the P10/P50/P90 of its drawn values and its `shared`
        group (None: drawn on its own)."""
        by_path = {
            str(r.path): {q: _value(getattr(r, q)) for q in QUANTILES}
            for r in self.input_bands.itertuples(index=False)
        }
        group = {p: name for name, members in self.shared_groups.items() for p in members}
        return [
            {"path": p, **by_path.get(p, dict.fromkeys(QUANTILES)), "shared": group.get(p)}
            for p in self.uncertain_inputs
        ]

    @property
    def confidence(self) -> BandConfidence:
        """What the stored samples say about each output's true P10 and P90 (order statistics,
        sweep/confidence.py)."""
        bands = self.yearly_bands
        short = bands[(bands.n > 0) & (bands.n < self.completed)].sort_values(["year", "key"])
        fewer = tuple((int(r.year), str(r.key), int(r.n)) for r in short.itertuples(index=False))
        return BandConfidence(self.completed, OUTER_LEVEL_PCT / 100, CONFIDENCE, fewer)

    def to_json(self) -> dict[str, Any]:
        """The `gigawatt sweep --json` object (DESIGN.md section 7)."""
        years = self.years()
        last = years[-1] if years else {"year": None, "month": None}
        return {
            "sweep_id": self.sweep_id,
            "scenario": self.scenario,
            "samples": self.samples,
            "computed": self.computed,
            "completed": self.completed,
            "failed": self.failed,
            "seed": self.seed,
            "method": self.method,
            "store": str(self.store),
            **last,
            "inputs": self.inputs(),
            "shared_groups": [
                {"name": name, "members": list(members)}
                for name, members in self.shared_groups.items()
            ],
            "held_fixed": list(HELD_FIXED),
            "headline": self.headline(),
            "years": years,
            "band_confidence": self.confidence.to_json(),
        }
