"""The scenario schema (DESIGN.md section 4): sites, phases, deals, costs, frontier runs.

A `Scenario` is validated once, against the catalog, and is frozen. Numeric inputs may be
distributions (`gigawatt.distributions`); `Scenario.resolve()` gives the point-value scenario of a
plain run and `Scenario.resolve(rng)` one sample of a sweep. Catalog references are by id;
`{use: ID, ...}` pulls a record and overrides it field by field (mappings merge, lists replace).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from gigawatt.catalog import Catalog
from gigawatt.catalog.schema import (
    ID_PATTERN,
    MAX_VALUATION_USD,
    Deal,
    MonthText,
    Precision,
    Status,
    System,
    checked_as_written,
    unit_problem,
)
from gigawatt.distributions import Distribution, Draws, Uncertain, point, support_problem
from gigawatt.errors import InputError, Problem, UnknownIdError
from gigawatt.validation import (
    allowed_text,
    check_month,
    count,
    format_validation_error,
    line_item,
    month_text,
    quantity,
    said_in_full,
    validation_problems,
)
from gigawatt.yamlio import read_data_file

SCENARIO_DIR = Path(__file__).parent / "scenarios"

#: Limits that catch absurd input (a typo of three zeros), not plausible-but-bold plans.
MAX_PHASE_GW = 50.0
#: The catalog parameter (kind `energy`) a site without a PUE takes.
DEFAULT_PUE_PARAMETER = "default-pue"
MAX_PUE = 3.0
#: The deepest chain of `extends` a scenario may have (each level is one file read).
MAX_EXTENDS_DEPTH = 32


# --- months ---------------------------------------------------------------------------------


def _month_str(v: Any) -> Any:
    """A YAML date (`2026-09-15`) as its month; a number (`2026`) or other non-text refused in
    words (`validation.month_text`)."""
    if isinstance(v, dt.date):
        return f"{v.year:04d}-{v.month:02d}"
    return month_text(v)


MonthStr = Annotated[
    str,
    BeforeValidator(_month_str, json_schema_input_type=MonthText),
    Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="a month, YYYY-MM, 1990-01 to 2100-12"),
    AfterValidator(check_month),
]


def month_index(month: str) -> int:
    """Months since 0000-01, so that month arithmetic is integer arithmetic."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(start: str, end: str) -> np.ndarray:
    """Months from `start` to `end` inclusive, as numpy datetime64[M]."""
    return np.arange(np.datetime64(start, "M"), np.datetime64(end, "M") + 1)


# --- uncertain numbers with limits ------------------------------------------------------------


class _Integer:
    """Marks an uncertain field as a whole number: resolved values are rounded."""


def _limit_check(ge: float | None, gt: float | None, le: float | None) -> AfterValidator:
    def check(v: Any) -> Any:
        problem = support_problem(v, ge=ge, gt=gt, le=le)
        if problem:
            raise ValueError(problem)
        return v

    return AfterValidator(check)


def _whole(v: Any) -> Any:
    if isinstance(v, float) and not v.is_integer():
        raise ValueError("must be a whole number")
    return v


def uncertain(
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    integer: bool = False,
    description: str = "",
) -> Any:
    """An `Uncertain` type whose whole support must satisfy the limits."""
    allowed = allowed_text(gt=gt, ge=ge, le=le)
    extra: list[Any] = [
        _limit_check(ge, gt, le),
        Field(description=f"{description}; allowed: {allowed}" if description else allowed),
    ]
    if integer:
        extra = [AfterValidator(_whole), *extra, _Integer()]
    return Annotated[Uncertain, *extra]


# --- use: ID + overrides ----------------------------------------------------------------------


def _merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else (lists included) replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = _merge(base.get(k), v) if k in base else v
        return out
    return override


def _catalog(info: ValidationInfo) -> Catalog:
    ctx = info.context or {}
    cat = ctx.get("catalog")
    return cat if cat is not None else Catalog.load()


def _use(kind: str, value: Any, catalog: Catalog) -> dict[str, Any]:
    """A catalog record as a mapping, with the scenario's overrides merged in."""
    if isinstance(value, str):
        return catalog.get(kind, value).model_dump(mode="python")
    if isinstance(value, dict) and "use" in value:
        overrides = {k: v for k, v in value.items() if k != "use"}
        base = catalog.get(kind, str(value["use"])).model_dump(mode="python")
        return _merge(base, overrides)
    if isinstance(value, dict):
        return value
    raise ValueError(f"expected a {kind} id or a mapping, got {value!r}")


def _parameter_problems(value: Any, unit: str, path: str) -> tuple[Any, list[Problem]]:
    """A `costs` override as a number or distribution inside its unit's range, or the
    problems with it."""
    try:
        parsed = _UNCERTAIN.validate_python(value)
    except ValidationError as e:
        return value, validation_problems(e, prefix=path)
    problem = unit_problem(parsed, unit)
    if problem:
        shown = "this distribution" if isinstance(parsed, Distribution) else f"{parsed:g}"
        return value, [Problem(path, f"{shown} is not allowed: {problem} (unit {unit})")]
    return parsed, []


_UNCERTAIN: TypeAdapter[Uncertain] = TypeAdapter(Uncertain)


# --- cost overrides taken together --------------------------------------------------------

#: The all-in capex per GW that the capex shares split, and the shares by asset class.
CAPEX_USD_PER_GW = "capex-usd-per-gw"
#: (costs.ASSET_CLASSES, the classes capex is split into, in the same order.)
CAPEX_SHARES = ("capex-share-systems", "capex-share-facility", "capex-share-power")
#: A cost the energy bill no longer takes (a scenario that sets it is refused).
FACILITY_LOAD_FACTOR = "facility-load-factor"
#: Where the sum of the capex shares is refused when no share is given as the scenario wrote
#: it (a sweep's sample): it names all three.
CAPEX_SHARES_FIELD = "costs.capex-share-systems/facility/power"


def override_problems(
    overrides: Mapping[str, Any], catalog: Catalog, written: Mapping[str, str] | None = None
) -> list[Problem]:
    """What is wrong with a scenario's `costs` taken together (point values; each override's
    own range is its unit's): capex shares without the all-in capex they split, shares that do
    not sum to 1, a facility load factor the energy bill no longer takes. `written` maps a
    parameter id to the key the scenario gives it (`capex_share_power`), for the field path.
    Checked when a scenario is read, and again on each sample a sweep draws (`finance`)."""
    written = written or {}

    def field(pid: str) -> str:
        return f"costs.{written.get(pid, pid)}"

    problems: list[Problem] = []
    stray = [pid for pid in CAPEX_SHARES if pid in overrides]
    if stray and CAPEX_USD_PER_GW not in overrides:
        problems.append(
            Problem(
                field(stray[0]),
                "the capex shares split an all-in capex_usd_per_gw, which this scenario does "
                "not set; allowed: set capex_usd_per_gw too, or drop the shares (capex is then "
                "derived from system prices and unit costs)",
            )
        )
    if CAPEX_USD_PER_GW in overrides:
        # the catalog's shares read for this check only: not noted as relied on (a recording
        # catalog's sources), which finance does when it splits the capex
        unnoted = replace(catalog, used=None)
        shares = {
            pid.removeprefix("capex-share-"): float(
                point(overrides[pid] if pid in overrides else unnoted.parameter(pid).value)
            )
            for pid in CAPEX_SHARES
        }
        if abs(sum(shares.values()) - 1) > 1e-6:
            listed = ", ".join(f"{c} {v:g}" for c, v in shares.items())
            given = [pid for pid in CAPEX_SHARES if pid in written]
            catalogs = [
                pid.removeprefix("capex-share-") for pid in CAPEX_SHARES if pid not in overrides
            ]
            problems.append(
                Problem(
                    field(given[0]) if given else CAPEX_SHARES_FIELD,
                    f"the capex shares ({listed}) sum to {sum(shares.values()):g}; allowed: a "
                    "sum of 1" + (f" (the catalog's: {', '.join(catalogs)})" if catalogs else ""),
                )
            )
    if FACILITY_LOAD_FACTOR in overrides:
        value = float(point(overrides[FACILITY_LOAD_FACTOR]))
        problems.append(
            Problem(
                field(FACILITY_LOAD_FACTOR),
                f"{value:g} is not used: the energy bill no longer takes a facility load factor; "
                "it prices the energy model's MWh (accelerators in service x their calibrated "
                "training draw x PUE), the same whether or not the energy stage ran; allowed: "
                "drop facility_load_factor from costs",
            )
        )
    return problems


# --- the schema -----------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Phase(_Model):
    """A tranche of capacity at a site. `power_gw` is what this phase adds on the power basis."""

    name: str | None = Field(None, description="label of the phase; default `<site>-<n>`")
    online: MonthStr = Field(description="month the phase starts coming online (before delay)")
    power_gw: uncertain(gt=0, le=MAX_PHASE_GW, description="power this phase adds [GW]")
    system: System = Field(description="system id, or {use: id, ...overrides}")
    ramp_months: uncertain(ge=0, le=120, integer=True, description="months to full power") = 0
    ramp: Literal["linear", "s-curve"] = Field(
        "linear", description="shape of the climb to full power over `ramp_months`"
    )
    delay_months: uncertain(ge=0, le=240, integer=True, description="delay after `online`") = 0
    construction_months: (
        uncertain(ge=0, le=120, integer=True, description="construction before `online`") | None
    ) = Field(
        None,
        description="months the facility is built (and paid) before the planned `online`; "
        "default the costs catalog's `construction-months`",
    )

    @field_validator("system", mode="before")
    @classmethod
    def _system(cls, v: Any, info: ValidationInfo) -> Any:
        cat = _catalog(info)
        if isinstance(v, str):
            return cat.system(v)
        return _use("systems", v, cat)


class Site(_Model):
    name: Annotated[str, Field(pattern=ID_PATTERN, description="kebab-case site name")]
    region: str = Field(description="catalog region id")
    pue: uncertain(
        ge=1,
        le=MAX_PUE,
        description="power usage effectiveness (default: the catalog's `default-pue`)",
    ) = Field(json_schema_extra={"default_record": ["energy", DEFAULT_PUE_PARAMETER]})
    wue_l_per_kwh: uncertain(ge=0, le=20, description="site water use [L/kWh]") | None = Field(
        None,
        description="water used on site [L/kWh]; allowed: >= 0 and <= 20",
        json_schema_extra={"default_text": "the region's"},
    )
    lat: quantity("degrees", ge=-90, le=90) | None = Field(
        None,
        description="latitude [degrees]: the supply model's solar and wind profiles",
        json_schema_extra={"default_text": "the region's"},
    )
    lon: quantity("degrees", ge=-180, le=180) | None = Field(
        None,
        description="longitude [degrees]: the supply model's solar and wind profiles",
        json_schema_extra={"default_text": "the region's"},
    )
    clean_supply_share: uncertain(
        ge=0, le=1, description="contracted carbon-free supply share (market-based carbon)"
    ) = 0.0
    owner: Annotated[str, Field(pattern=ID_PATTERN)] | None = Field(
        None,
        description="who owns the site's compute and buys its systems "
        "(default: the programme's owner)",
    )
    proxy: bool = Field(
        False,
        description="the site is a stand-in: its name and region place capacity where the "
        "scenario assumes it (a grid zone for energy, carbon, water and prices), not at a campus "
        "announced for this programme; run, finance, energy, capability and report name such "
        "sites in a caveat, so a site's figures are not quoted as a real campus's",
    )
    construction_start: MonthStr | None = Field(
        None,
        description="month construction began at the site (a dated, cited fact): its phases' "
        "facility and power spend opens no earlier, and may open before the programme starts "
        "(finance counts that spend in `capex_before_start_usd`); allowed: a month up to the "
        "site's first `online`",
        json_schema_extra={"default_text": "the programme's start"},
    )
    phases: Annotated[list[Phase], Field(min_length=1)] = Field(
        description="the capacity the site adds, phase by phase"
    )

    @field_validator("region")
    @classmethod
    def _region(cls, v: str, info: ValidationInfo) -> str:
        return _catalog(info).region(v).id

    #: The site named no PUE and took the catalog's `default-pue` (`default_pue_caveats`).
    _pue_from_catalog: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _default_pue(
        cls, data: Any, handler: ModelWrapValidatorHandler[Site], info: ValidationInfo
    ) -> Site:
        """A site that names no PUE takes the catalog's `default-pue`: one cited default for
        sites and for job footprints. The site remembers it (copies and resolved scenarios
        keep it), so a run can say which sites rest on it."""
        defaulted = isinstance(data, dict) and "pue" not in data
        if defaulted:
            record = _catalog(info).get("energy", DEFAULT_PUE_PARAMETER)
            data = {**data, "pue": point(record.value)}  # type: ignore[attr-defined]
        site = handler(data)
        if defaulted:
            site._pue_from_catalog = True
        return site

    @property
    def pue_from_catalog(self) -> bool:
        """Whether the site named no PUE and took the catalog's `default-pue`."""
        return self._pue_from_catalog


class FrontierRunSpec(_Model):
    name: str = Field(description="label of the run")
    model: str | None = Field(None, description="catalog model id (optional)")
    start: MonthStr
    duration_days: uncertain(gt=0, le=3650, description="training duration [days]")
    precision: Precision = Field("bf16", description="number format the run trains in")
    cross_site: bool = Field(False, description="may use several sites at once")

    @field_validator("model")
    @classmethod
    def _model(cls, v: str | None, info: ValidationInfo) -> str | None:
        return None if v is None else _catalog(info).model(v).id


class FundingRound(_Model):
    """A financing round of a company that a deal holds shares in: new shares worth
    `amount_usd` at `post_money_usd` dilute every earlier holder (gigawatt.ownership)."""

    company: Annotated[str, Field(pattern=ID_PATTERN, description="the company raising")]
    month: MonthStr
    amount_usd: uncertain(ge=0, le=1e13, description="new money raised [USD]")
    post_money_usd: uncertain(gt=0, le=MAX_VALUATION_USD, description="post-money valuation [USD]")
    investor: Annotated[str, Field(pattern=ID_PATTERN)] = Field(
        "others", description="who buys the new shares"
    )
    source: Annotated[str, Field(min_length=3, description="citation, or why it is assumed")]
    status: Status = "estimate"

    _within_valuation = checked_as_written(
        "_within_valuation_problem", "amount_usd", "post_money_usd", in_full=True
    )

    def _within_valuation_problem(self) -> str | None:
        """`amount_usd` at most `post_money_usd` (point values), said with the round's other
        problems: checked on the values as written whenever those two fields are valid, even
        when another field of the round is not (an after-validator would wait for all)."""
        return _valuation_problem(self.amount_usd, self.post_money_usd)


#: Relative slack of "new money at most the post-money valuation" for rounds taken together (a
#: sum of floats), here and at the finance stage (`gigawatt.ownership`).
VALUATION_RTOL = 1e-9


def _point_usd(value: Any) -> float | None:
    """A money field's point value when it reads as a number or distribution, else None."""
    try:
        return float(point(_UNCERTAIN.validate_python(value)))
    except ValidationError:
        return None


def _round_errors(data: Mapping[str, Any]) -> list[InitErrorDetails]:
    """Funding rounds of one company in one month at one post-money valuation are one round
    (`gigawatt.ownership` groups them so): their new money taken together is at most that
    valuation. Said at the group's last round, naming the others, when the file is read (the
    finance stage checks it again with the equity tranches the deals release). A round joins
    only when its company, month and the two amounts read on their own and it is within its
    own valuation (else its own error says why)."""
    groups: dict[tuple[str, str, float], list[tuple[int, float]]] = {}
    for ri, r in enumerate(_raw_list(_raw(data, "ownership"), "rounds")):
        company, month = _raw(r, "company"), _month_or_none(_raw(r, "month"))
        amount, post = _point_usd(_raw(r, "amount_usd")), _point_usd(_raw(r, "post_money_usd"))
        if not (isinstance(company, str) and re.fullmatch(ID_PATTERN, company)) or month is None:
            continue
        if amount is None or post is None or not 0 <= amount <= post:
            continue
        groups.setdefault((company, month, post), []).append((ri, amount))
    out: list[InitErrorDetails] = []
    for (company, month, post), members in groups.items():
        total = sum(amount for _, amount in members)
        if len(members) < 2 or total <= post * (1 + VALUATION_RTOL):
            continue
        *others, (last, amount) = members
        listed = ", ".join(f"ownership.rounds[{ri}]" for ri, _ in others)
        reason = (
            f"new money in {company} in {month} with {listed} (the same company, month and "
            f"post_money_usd: one round) is USD {total:g} in all, above the post-money "
            f"valuation (USD {post:g}); allowed: at most it in all"
        )
        out.append(said_in_full(("ownership", "rounds", last), amount, reason))
    return out


def _valuation_problem(amount: Any, post_money: Any) -> str | None:
    """Why a round's new money cannot be bought at its post-money valuation, else None (also
    when either does not read as a number or distribution: its own error says why)."""
    try:
        amount_usd = point(_UNCERTAIN.validate_python(amount))
        post_money_usd = point(_UNCERTAIN.validate_python(post_money))
    except ValidationError:
        return None
    if amount_usd <= post_money_usd:
        return None
    return (
        f"amount_usd ({amount_usd:g}) exceeds post_money_usd ({post_money_usd:g}); allowed: at "
        "most the post-money valuation"
    )


class WorldCompute(_Model):
    """The world's installed AI compute the programme is set against: the catalog's dated
    estimate (`world-ai-compute-h100e`, `world-ai-compute-growth-per-year`) unless set here."""

    installed_h100e: uncertain(gt=0, le=1e12, description="installed H100-equivalents") | None = (
        None
    )
    as_of: MonthStr | None = Field(None, description="month `installed_h100e` refers to")
    growth_per_year: uncertain(gt=0, le=100, description="growth factor per year [x]") | None = None
    horizon_years: (
        uncertain(
            gt=0, le=50, description="years after `as_of` the growth path is extrapolated [years]"
        )
        | None
    ) = None
    source: str | None = Field(None, description="citation of the values set here")


class OwnershipInputs(_Model):
    """Inputs of the ownership and concentration view (gigawatt.ownership)."""

    rounds: list[FundingRound] = Field(
        default_factory=list, description="later financing rounds that dilute deal stakes"
    )
    world_compute: WorldCompute = Field(default_factory=WorldCompute)


# --- checks across fields, on the input as written --------------------------------------------

_MONTH: TypeAdapter[str] = TypeAdapter(MonthStr)


def _raw(obj: Any, key: str) -> Any:
    """A field of an input mapping (or of a model already built), else None."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    if isinstance(obj, BaseModel):
        return getattr(obj, key, None)
    return None


def _raw_list(obj: Any, key: str) -> list[Any]:
    value = _raw(obj, key)
    return list(value) if isinstance(value, list | tuple) else []


def _month_or_none(value: Any) -> str | None:
    """A month field's value as YYYY-MM when it reads on its own (its own error, if any, is
    the field's: this only says whether a check across fields can use it)."""
    if value is None:
        return None
    try:
        return _MONTH.validate_python(value)
    except ValidationError:
        return None


def _order_errors(data: Any) -> list[InitErrorDetails]:
    """The checks across a scenario's fields, on its input as written (`Scenario._every_problem`):
    start not after end; each site's name its own; a site's `construction_start` not after its
    first phase comes online; each phase online, and each frontier run starting, within the
    scenario; funding rounds that are one round within its valuation (`_round_errors`).
    A check is made wherever the values it compares read on their own, whatever else is wrong,
    and skipped where one does not (that value's own error says why). A month is checked against
    the scenario's window only when `start` and `end` both read and are in order (otherwise
    their own error comes first: which of them is wrong is the user's to say)."""
    if not isinstance(data, Mapping):
        return []
    out: list[InitErrorDetails] = []
    start, end = _month_or_none(_raw(data, "start")), _month_or_none(_raw(data, "end"))
    window: tuple[int, int] | None = None
    if start is not None and end is not None:
        if month_index(start) > month_index(end):
            reason = f"{start} is after end ({end}); allowed: a month up to end"
            out.append(said_in_full(("start",), start, reason))
        else:
            window = (month_index(start), month_index(end))
    sites = _raw_list(data, "sites")
    first_named: dict[str, int] = {}
    for si, site in enumerate(sites):
        name = _raw(site, "name")
        if not isinstance(name, str):
            continue
        if name in first_named:
            reason = (
                f"{name!r} is the name of sites[{first_named[name]}] too; allowed: a name of its "
                "own (a site's name labels its results)"
            )
            out.append(said_in_full(("sites", si, "name"), name, reason))
        else:
            first_named[name] = si
    for si, site in enumerate(sites):
        onlines = [_month_or_none(_raw(ph, "online")) for ph in _raw_list(site, "phases")]
        read = [m for m in onlines if m is not None]
        built = _month_or_none(_raw(site, "construction_start"))
        if built is not None and read and len(read) == len(onlines):
            first = min(read, key=month_index)
            if month_index(built) > month_index(first):
                reason = (
                    f"{built} is after the site's first phase comes online ({first}); "
                    f"allowed: a month up to {first}"
                )
                out.append(said_in_full(("sites", si, "construction_start"), built, reason))
        for pi, online in enumerate(onlines):
            if window is not None and online is not None and month_index(online) > window[1]:
                reason = f"{online} is after the scenario end ({end}); allowed: a month up to {end}"
                out.append(said_in_full(("sites", si, "phases", pi, "online"), online, reason))
    for ri, run in enumerate(_raw_list(data, "frontier_runs")):
        begins = _month_or_none(_raw(run, "start"))
        if window is None or begins is None:
            continue
        if not window[0] <= month_index(begins) <= window[1]:
            reason = (
                f"{begins} is outside the scenario ({start} to {end}); allowed: a month "
                f"from {start} to {end}"
            )
            out.append(said_in_full(("frontier_runs", ri, "start"), begins, reason))
    return out + _round_errors(data)


#: The phases each lease covers: (deal index, tranche index, the phase names it gives).
Covers = list[tuple[int, int, list[str]]]


def _cover_errors(phase_names: list[str], covers: Covers) -> list[InitErrorDetails]:
    """A lease's `covers` names phases of the scenario, each covered by one lease at most."""
    out: list[InitErrorDetails] = []
    seen: dict[str, str] = {}
    known = set(phase_names)
    for di, ti, names in covers:
        loc = ("deals", di, "tranches", ti, "instrument", "covers")
        for name in names:
            if name not in known:
                reason = (
                    f"{name!r} is not a phase of this scenario; allowed: {', '.join(phase_names)}"
                )
            elif name in seen:
                reason = (
                    f"phase {name!r} is already leased by {seen[name]}; allowed: each phase in "
                    "one lease at most"
                )
            else:
                seen[name] = f"deals[{di}].tranches[{ti}].instrument.covers"
                continue
            out.append(said_in_full(loc, name, reason))
    return out


def _covers_of(deals: list[Deal]) -> Covers:
    return [
        (di, ti, list(tranche.instrument.covers or ()))
        for di, deal in enumerate(deals)
        for ti, tranche in enumerate(deal.tranches)
    ]


def _share_errors(deals: list[Deal], catalog: Catalog) -> list[InitErrorDetails]:
    """The shares the deals' triggers and warrants name (`deals.share_prices`, which draws
    their paths): a share-price trigger names one, and each named is a share-price process of
    the prices catalog. Looked up without noting them as relied on (the finance stage does)."""
    unnoted = replace(catalog, used=None)
    out: list[InitErrorDetails] = []
    for di, deal in enumerate(deals):
        for ti, tranche in enumerate(deal.tranches):
            trigger, instrument = tranche.trigger, tranche.instrument
            base = ("deals", di, "tranches", ti)
            if trigger.share_price_usd is not None and trigger.share is None:
                reason = (
                    "a share-price trigger needs `share`; allowed: a share-price process id "
                    "(`gigawatt catalog prices`)"
                )
                out.append(said_in_full((*base, "trigger", "share"), None, reason))
            named = [("trigger", trigger.share)]
            if instrument.type == "warrant":
                named.append(("instrument", instrument.share))
            for where, share in named:
                if share is None:
                    continue
                if not unnoted.has("prices", share):
                    known = unnoted.ids("prices")
                    reason = UnknownIdError("prices", share, known).problems[0].message
                else:
                    process = getattr(unnoted.get("prices", share), "process", None)
                    if process == "share-price":
                        continue
                    reason = (
                        f"{share!r} is a {process} price, not a share price; allowed: a "
                        "share-price process id (`gigawatt catalog prices`)"
                    )
                out.append(said_in_full((*base, where, "share"), share, reason))
    return out


def _deals_alone(data: Any, info: ValidationInfo) -> list[Deal] | None:
    """The scenario's deals validated on their own (each with its catalog record, `use:`), for
    the checks on deals when another field is wrong; None when they are not valid (their own
    errors say why)."""
    deals = _raw(data, "deals")
    if deals is None:
        return []
    if not isinstance(deals, list | tuple):
        return None
    try:
        return [
            d if isinstance(d, Deal) else Deal.model_validate(_use("deals", d, _catalog(info)))
            for d in deals
        ]
    except (ValidationError, ValueError):  # (an InputError is a ValueError)
        return None


def _raw_phase_names(data: Mapping[str, Any]) -> list[str] | None:
    """`Scenario.phase_names` of the input as written, or None when a name does not read."""
    names: list[str] = []
    sites = _raw(data, "sites")
    if not isinstance(sites, list | tuple):
        return None
    for site in sites:
        site_name, phases = _raw(site, "name"), _raw(site, "phases")
        if not isinstance(site_name, str) or not isinstance(phases, list | tuple):
            return None
        for i, ph in enumerate(phases):
            name = _raw(ph, "name")
            if not isinstance(name, str | None):
                return None
            names.append(name or f"{site_name}-{i + 1}")
    return names


def _file_order(item: InitErrorDetails) -> tuple[int, int]:
    """Where a problem is in a scenario as a file is written: the scenario as a whole first,
    then its fields in the schema's order (each list by item), unknown fields last; a stable
    sort keeps pydantic's own order within an item."""
    loc = item["loc"]
    if not loc:
        return (-1, -1)
    fields = list(Scenario.model_fields)
    top = fields.index(loc[0]) if loc[0] in fields else len(fields)
    return (top, loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1)


class Scenario(_Model):
    name: Annotated[str, Field(pattern=ID_PATTERN)] = Field(
        description="kebab-case name that labels the results (`my-campus`)"
    )
    title: str = Field("", description="one line printed beside the name")
    description: str = Field("", description="free text")
    sources: list[str] = Field(default_factory=list, description="citations for the scenario")
    start: MonthStr = Field(description="first month simulated, YYYY-MM, 1990-01 to 2100-12")
    end: MonthStr = Field(description="last month simulated, YYYY-MM, 1990-01 to 2100-12")
    power_basis: Literal["facility", "it"] = Field(
        "facility",
        description="what a phase's `power_gw` counts: `facility`, the facility's power (IT x "
        "the site's annual-average PUE; the grid connection's peak on the hottest hours is "
        "higher), or `it`, power at the racks",
    )
    sites: Annotated[list[Site], Field(min_length=1)] = Field(
        description="the campuses, each with its phases of capacity"
    )
    deals: list[Deal] = Field(
        default_factory=list,
        description="financing deals: catalog records (`use: ID`, fields overridable) or records "
        "of your own; a tranche is released once the deal is signed and its trigger holds",
    )
    costs: dict[str, Uncertain] = Field(
        default_factory=dict, description="overrides of `costs` catalog parameters by id"
    )
    frontier_runs: list[FrontierRunSpec] = Field(
        default_factory=list, description="planned training runs for the capability model"
    )
    ownership: OwnershipInputs = Field(
        default_factory=OwnershipInputs, description="funding rounds, world compute"
    )
    seed: count(ge=0, le=2**63 - 1) = Field(
        0, description="seed for sampled quantities (share prices, sweeps)"
    )

    @field_validator("deals", mode="before")
    @classmethod
    def _deals(cls, v: Any, info: ValidationInfo) -> Any:
        if not isinstance(v, list):
            return v
        out = []
        problems: list[Problem] = []  # every deal's, not the first one's alone
        for i, deal in enumerate(v):
            try:
                out.append(_use("deals", deal, _catalog(info)))
            except InputError as e:  # named where it is written: deals[1].use
                where = f"deals[{i}].use" if isinstance(deal, dict) else f"deals[{i}]"
                problems += [replace(p, field=p.field or where) for p in e.problems]
        if problems:
            raise InputError(problems=problems)
        return out

    @field_validator("costs", mode="before")
    @classmethod
    def _costs(cls, v: Any, info: ValidationInfo) -> Any:
        if not isinstance(v, dict):
            return v
        cat = _catalog(info)
        out = {}
        problems: list[Problem] = []
        written: dict[str, str] = {}  # parameter id -> the key as the scenario gives it
        failed: set[str] = set()  # parameter ids whose value is refused on its own
        for key, value in v.items():
            pid = str(key).replace("_", "-").lower()
            if not cat.has("costs", pid):  # said with the other keys' problems
                unknown = UnknownIdError("costs", pid, cat.ids("costs"), field=f"costs.{key}")
                problems += unknown.problems
                continue
            param = cat.parameter(pid)
            if isinstance(value, dict) and "value" in value:
                value = value["value"]
            parsed, found = _parameter_problems(value, param.unit, f"costs.{key}")
            out[param.id] = parsed
            problems += found
            if found:
                failed.add(param.id)
            else:
                written[param.id] = str(key)
        # the overrides taken together (capex shares, retired parameters): said now, not by the
        # finance stage once every other problem is fixed; the shares only when each reads
        capex = {CAPEX_USD_PER_GW, *CAPEX_SHARES}
        together = {pid: out[pid] for pid in written if not (failed & capex and pid in capex)}
        problems += override_problems(together, cat, written)
        if problems:
            raise InputError(problems=problems)
        return out

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(
        cls, data: Any, handler: ModelWrapValidatorHandler[Scenario], info: ValidationInfo
    ) -> Scenario:
        """Every problem of a scenario in one pass. The checks across fields (start before
        end, a site's construction before its first phase, phases and frontier runs inside
        the scenario, unique site names, the phases a lease covers, the shares deals name,
        the rounds of one company in one month within their valuation) are made on the input
        as written, each wherever the values it compares read on their own (`_order_errors`;
        the deals validated alone, `_deals_alone`), and reported with the fields' own errors:
        a model validator would run only once every field is valid, so a user would meet them
        one run at a time."""
        try:
            scenario = handler(data)
        except ValidationError as e:
            field_errors: ValidationError | None = e
        else:
            field_errors = None
        order = _order_errors(data)
        if field_errors is None:
            deals: list[Deal] | None = list(scenario.deals)
            names = scenario.phase_names()
        else:
            bad_deals = any(err["loc"][:1] == ("deals",) for err in field_errors.errors())
            deals = None if bad_deals else _deals_alone(data, info)
            names = _raw_phase_names(data) if isinstance(data, Mapping) else None
        if deals is not None:
            order += _share_errors(deals, _catalog(info))
            if names is not None:
                order += _cover_errors(names, _covers_of(deals))
        if not order:
            if field_errors is not None:
                raise field_errors
            return scenario
        items = [line_item(d) for d in field_errors.errors()] if field_errors else []
        raise ValidationError.from_exception_data(
            cls.__name__, sorted([*items, *order], key=_file_order)
        )

    def phase_names(self) -> list[str]:
        """Each phase's name, as the fleet names it (`<site>-<n>` for an unnamed phase)."""
        return [
            ph.name or f"{site.name}-{i + 1}"
            for site in self.sites
            for i, ph in enumerate(site.phases)
        ]

    # --- resolution of uncertain inputs ---

    def resolve(self, rng: np.random.Generator | None = None) -> Scenario:
        """Every distribution replaced by its point value (rng None) or by one draw (a `shared`
        group's members together, `distributions.Draws`)."""
        return _resolve(self, None if rng is None else Draws(rng))

    def with_inputs(self, values: Mapping[str, float]) -> Scenario:
        """Resolved with the uncertain inputs at `values` (path -> value, paths as
        `uncertain_inputs()` names them; integer fields rounded) and the others at their point
        values: one row of a sensitivity design."""
        unknown = set(values) - set(self.uncertain_inputs())
        if unknown:
            raise InputError(
                f"{', '.join(sorted(unknown))} are not uncertain inputs of this scenario",
                field="inputs",
            )
        return _resolve_at(self, values, "")

    def is_resolved(self) -> bool:
        return not _holds_distribution(self)

    def uncertain_inputs(self) -> list[str]:
        """Paths of the inputs that are distributions (what a sweep varies)."""
        # A scenario is frozen, so its paths are walked once (a tornado asks for each row).
        held = _PATHS_HELD.get(id(self))
        if held is not None and held[0] is self:
            return list(held[1])
        paths = tuple(path for path, _ in _distributions(self))
        if len(_PATHS_HELD) >= PATHS_MEMO:
            _PATHS_HELD.clear()  # (atomic, unlike evicting one: sweeps may run in threads)
        _PATHS_HELD[id(self)] = (self, paths)
        return list(paths)

    def distributions(self) -> list[tuple[str, Distribution]]:
        """(path, distribution) of each uncertain input, in `uncertain_inputs` order."""
        return list(_distributions(self))

    def cost(self, catalog: Catalog, parameter_id: str) -> Uncertain:
        """A cost parameter: the scenario's override, else the catalog's value."""
        if parameter_id in self.costs:
            return self.costs[parameter_id]
        return catalog.parameter(parameter_id).value

    @property
    def months(self) -> np.ndarray:
        return month_range(self.start, self.end)


#: `Scenario.uncertain_inputs` of the last few scenarios asked, by id (the scenario is held, so
#: its id is not reused while the entry lives).
_PATHS_HELD: dict[int, tuple[Scenario, tuple[str, ...]]] = {}
PATHS_MEMO = 16


def is_integer_field(model: BaseModel, name: str) -> bool:
    """Whether a field of a scenario model holds whole numbers (a draw there is rounded)."""
    return _integer_names(type(model))[name]


@functools.cache
def _fields(cls: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """(name, holds whole numbers) of each field of a scenario model class, in order: read
    once per class (a tornado or a sweep resolves the scenario's tree once per run)."""
    return tuple(
        (name, any(isinstance(m, _Integer) for m in info.metadata))
        for name, info in cls.model_fields.items()
    )


@functools.cache
def _integer_names(cls: type[BaseModel]) -> dict[str, bool]:
    return dict(_fields(cls))


def _draw(value: Any, rng: Draws | None, integer: bool) -> Any:
    if isinstance(value, Distribution):
        x = point(value) if rng is None else rng.draw(value)
        return round(x) if integer else x
    if integer and isinstance(value, float):
        return round(value)
    return value


def _resolve_value(value: Any, rng: Draws | None, integer: bool) -> Any:
    if isinstance(value, Distribution):
        return _draw(value, rng, integer)
    if isinstance(value, BaseModel):
        return _resolve(value, rng)
    if isinstance(value, list):
        return [_resolve_value(v, rng, integer) for v in value]
    if isinstance(value, dict):
        return {k: _resolve_value(v, rng, integer) for k, v in value.items()}
    return _draw(value, rng, integer)


def _resolve(model: Any, rng: Draws | None) -> Any:
    update = {}
    for name, integer in _fields(type(model)):
        value = getattr(model, name)
        new = _resolve_value(value, rng, integer)
        if new is not value:
            update[name] = new
    return model.model_copy(update=update) if update else model


def _at_value(value: Any, values: Mapping[str, float], path: str, integer: bool) -> Any:
    if isinstance(value, Distribution):
        x = values.get(path, point(value))
        return round(x) if integer else x
    if isinstance(value, BaseModel):
        return _resolve_at(value, values, path + ".")
    if isinstance(value, list):
        return [_at_value(v, values, f"{path}[{i}]", integer) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _at_value(v, values, f"{path}.{k}", integer) for k, v in value.items()}
    return _draw(value, None, integer)


def _resolve_at(model: Any, values: Mapping[str, float], prefix: str) -> Any:
    """`_resolve` with the distributions at `values` by path (see `Scenario.with_inputs`)."""
    update = {}
    for name, integer in _fields(type(model)):
        value = getattr(model, name)
        new = _at_value(value, values, f"{prefix}{name}", integer)
        if new is not value:
            update[name] = new
    return model.model_copy(update=update) if update else model


_PLAIN = (str, int, float, bool, type(None))


def _holds_distribution(value: Any) -> bool:
    """Whether any distribution is inside `value` (`_walk` without the paths, for speed; a
    model's fields whose type admits no distribution, such as catalog records', are skipped)."""
    if isinstance(value, _PLAIN):
        return False
    if isinstance(value, Distribution):
        return True
    if isinstance(value, BaseModel):
        return any(
            _holds_distribution(getattr(value, name)) for name in _distribution_fields(type(value))
        )
    if isinstance(value, list):
        return any(_holds_distribution(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_distribution(v) for v in value.values())
    return False


#: Types whose values are never distributions nor hold one.
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), dt.date})


@functools.cache
def _distribution_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model class whose declared type admits a distribution somewhere inside
    (a validated field holds a value of its type), in order; read once per class."""
    return tuple(
        name for name, info in cls.model_fields.items() if _admits_distribution(info.annotation)
    )


def _admits_distribution(tp: Any) -> bool:
    """Whether a value of type `tp` may be or hold a distribution (True when unsure)."""
    if tp in _PLAIN_TYPES:
        return False
    origin = get_origin(tp)
    if origin is Literal:
        return False
    if origin is Annotated:
        return _admits_distribution(get_args(tp)[0])
    if origin is not None:  # unions, list[...], dict[...], tuple[...]
        return any(_admits_distribution(a) for a in get_args(tp) if a is not Ellipsis)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return issubclass(tp, Distribution) or bool(_distribution_fields(tp))
    return True  # Any, numbers.Real, anything else: walked


def _distributions(model: Any, prefix: str = "") -> Iterator[tuple[str, Distribution]]:
    """(path, distribution) for every uncertain input, in a fixed order."""
    for name, _ in _fields(type(model)):
        yield from _walk(getattr(model, name), f"{prefix}{name}")


def _walk(value: Any, path: str) -> Iterator[tuple[str, Distribution]]:
    if isinstance(value, Distribution):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from _distributions(value, path + ".")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")


# --- loading --------------------------------------------------------------------------------


def builtin_scenarios() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.yaml"))}


def scenario_path(ref: str) -> Path:
    """A file path when such a file exists, else a built-in scenario name (even where a folder
    has that name: `shadowed_builtin` tells the CLI to say so)."""
    if not ref.strip():  # an unset shell variable: an empty path would be read as `.`
        raise InputError(
            f"{ref!r} is not allowed: expected a scenario file, or a built-in name "
            "(`gigawatt scenarios`)",
            field="scenario",
        )
    path = Path(ref)
    if path.is_file():
        return path
    builtins = builtin_scenarios()
    key = ref.lower().removesuffix(".yaml")
    if key in builtins:  # a folder of that name (an output folder, say) is not a scenario
        return builtins[key]
    if path.exists():
        what = "a folder" if path.is_dir() else "not a regular file"
        raise InputError(
            f"{ref!r} is {what}; allowed: a scenario file, or a built-in name "
            "(`gigawatt scenarios`)",
            field="scenario",
        )
    looks_like_file = path.suffix.lower() in {".yaml", ".yml", ".toml"} or len(path.parts) > 1
    if looks_like_file and not difflib.get_close_matches(key, builtins, n=1):
        # a file name, not a misspelt built-in one: say the file is missing
        raise InputError(
            f"no such file {ref!r} (a scenario file, or a built-in name: `gigawatt scenarios`)",
            field="scenario",
        )
    raise UnknownIdError(
        "scenarios", ref, builtins.keys(), field="scenario", listing="gigawatt scenarios"
    )


def borrowed_builtin_name(ref: str) -> str | None:
    """The built-in name a scenario file carries while saying something else (a copy of
    `gigawatt show NAME` edited but not renamed), else None: its results would be labelled as
    the built-in scenario's, so the CLI says so."""
    path = Path(ref)
    if not path.is_file():
        return None
    builtin = builtin_scenarios()
    try:
        data = read_data_file(path)
        name = data.get("name") if isinstance(data, dict) else None
        if not isinstance(name, str) or name not in builtin or "sites" not in data:
            return None  # (no sites: not an edited copy, and the command says what it is)
        if path.resolve() == builtin[name].resolve():
            return None
        return None if data == read_data_file(builtin[name]) else name
    except (InputError, OSError):
        return None  # the command itself reports an unreadable file


def shadowed_builtin(ref: str) -> Path | None:
    """The built-in scenario `ref` names when a folder of the same name is in the way, else
    None: `scenario_path` uses the built-in, and the user should hear which was used."""
    path = Path(ref)
    if path.is_file() or not path.exists():
        return None
    return builtin_scenarios().get(ref.lower().removesuffix(".yaml"))


def parse_scenario(data: Any, catalog: Catalog, *, origin: str = "scenario") -> Scenario:
    if not isinstance(data, dict):
        raise InputError("expected a mapping of scenario fields at the top level", field=origin)
    try:
        return Scenario.model_validate(data, context={"catalog": catalog})
    except ValidationError as e:
        raise InputError(format_validation_error(e, prefix="", model=Scenario)) from None


#: The top-level keys of gigawatt's own JSON outputs that a user may save and give back as a
#: scenario: `show --json` (the scenario's text under `yaml`) and `run --json` / summary.json.
_SHOW_JSON_KEYS = frozenset({"name", "path", "yaml"})
_RUN_JSON_KEYS = frozenset({"scenario", "years"})


def _not_an_output(data: dict[str, Any], path: Path) -> None:
    """Refuse a file of gigawatt's own output given as a scenario, saying what it is, rather
    than listing every scenario field it lacks."""
    if "sites" in data:
        return
    if set(data) == _SHOW_JSON_KEYS:
        raise InputError(
            "holds `gigawatt show --json` output, whose `yaml` is the scenario; allowed: a "
            "scenario file (`gigawatt show NAME > FILE.yaml` writes one)",
            field=str(path),
        )
    if set(data) >= _RUN_JSON_KEYS:
        raise InputError(
            "holds the results of a run (`gigawatt run --json`, summary.json), not a scenario; "
            "allowed: the scenario file they came from",
            field=str(path),
        )


def read_scenario_data(ref: str, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A scenario's raw data, with `extends: NAME` resolved.

    `extends` names another scenario (file or built-in) whose data this one overrides key by
    key, the way `use:` overrides a catalog record: mappings merge, lists replace.
    """
    if len(_seen) > MAX_EXTENDS_DEPTH:
        raise InputError(
            f"a chain of more than {MAX_EXTENDS_DEPTH} scenarios extending each other is not "
            "allowed",
            field="extends",
        )
    if _seen:  # a base named by `extends`, not by the user's argument
        try:
            path = scenario_path(ref)
        except InputError as e:
            raise InputError(e.problems[0].message, field="extends") from None
    else:
        path = scenario_path(ref)
    data = read_data_file(path)
    if data is None:  # an empty file, or one of comments only
        raise InputError(
            "the file is empty; expected a mapping of scenario fields (name, start, end, "
            "sites, ...: `gigawatt show` prints one to copy)",
            field=str(path),
        )
    if not isinstance(data, dict):
        raise InputError("expected a mapping of scenario fields at the top level", field=str(path))
    _not_an_output(data, path)
    base_ref = data.pop("extends", None)
    if base_ref is None:
        return data
    if not isinstance(base_ref, str):
        raise InputError(f"{base_ref!r} is not allowed: expected a scenario name", field="extends")
    key = str(path.resolve())
    if key in _seen:
        raise InputError(
            f"{base_ref!r} extends itself (directly or through others)", field="extends"
        )
    if Path(base_ref).suffix and not Path(base_ref).is_absolute():
        candidate = path.parent / base_ref  # relative to the file that extends it
        if candidate.is_file():
            base_ref = str(candidate)
    base = read_scenario_data(base_ref, (*_seen, key))
    return _merge(base, {**_own_labels(data, base, path), **data})


#: Top-level keys that label a scenario rather than change what it models.
_LABELS = frozenset({"name", "title", "description", "sources"})


def _own_labels(data: dict[str, Any], base: dict[str, Any], path: Path) -> dict[str, Any]:
    """The name and title of a scenario that extends `base` without giving its own: it is not
    `base` any more, so its results are not labelled as `base`'s. The name is the file's
    (`my-variant.yaml` -> my-variant); the title is the base's with what the file changes."""
    out: dict[str, Any] = {}
    if "name" not in data:
        stem = path.stem.lower().replace("_", "-").replace(" ", "-")
        if re.fullmatch(ID_PATTERN, stem) is None:
            raise InputError(
                f"a scenario that extends {base.get('name')!r} gives its own name (the file's, "
                f"{path.stem!r}, is not one: lowercase letters and digits, words joined by "
                "hyphens)",
                field="name",
            )
        out["name"] = stem
    if "title" not in data:
        changed = sorted(k for k in data if k not in _LABELS)
        what = f": {', '.join(changed)}" if changed else ""
        out["title"] = f"{base.get('title') or base.get('name')} (changed in {path.name}{what})"
    return out


def load_scenario(ref: str, catalog: Catalog | None = None) -> Scenario:
    """Read and validate a scenario file (YAML or TOML) or a built-in scenario by name."""
    catalog = catalog or Catalog.load()
    return parse_scenario(read_scenario_data(ref), catalog, origin=ref)


def load_scenarios(
    refs: list[str], catalog: Catalog | None = None, fields: list[str] | None = None
) -> list[Scenario]:
    """`load_scenario` of each of `refs` (a comparison), every file's problems in one pass: a
    problem inside a file is led by the file as given (`b.yaml: sites[0].pue: ...`), so two
    files' `sites[0]` are told apart; one that already names the file is kept as it is, and
    one about the reference itself (an unknown name) names the field it came from, `fields`
    (one per ref; default `scenario`)."""
    catalog = catalog or Catalog.load()
    out: list[Scenario] = []
    problems: list[Problem] = []
    for ref, field in zip(refs, fields or ["scenario"] * len(refs), strict=True):
        try:
            out.append(load_scenario(ref, catalog))
        except InputError as e:
            problems += [p for found in e.problems for p in _in_file(found, ref, field)]
    if problems:
        raise InputError(problems=problems)
    return out


def _in_file(problem: Problem, ref: str, field: str = "scenario") -> list[Problem]:
    """`problem` of the scenario `ref`, each of its lines led by `ref` unless it names it;
    one about the reference itself, led by `field`."""
    if problem.field == "scenario":
        return [Problem(field, problem.message, problem.refs)]
    if problem.field is not None and Path(problem.field).name == Path(ref).name:
        return [problem]
    return [Problem(ref, line) for line in problem.render().splitlines()]


def proxy_site_caveats(scenario: Scenario) -> tuple[str, ...]:
    """One caveat naming the sites marked `proxy: true`: where the scenario's sources name no
    sites, each such site is an assumption of the scenario (a grid zone that sets its region's
    energy, carbon, water and prices), so its power, accelerators and runs are the scenario's
    split of the programme, not a campus's announced size (the Abilene campus is 1.2 GW, Crusoe
    release, 18 Mar 2025; the default scenario's 2 GW at tx-abilene is not that campus)."""
    sites = [site.name for site in scenario.sites if site.proxy]
    if not sites:
        return ()
    one = len(sites) == 1
    named = f"Site {sites[0]} is a proxy" if one else f"Sites {', '.join(sites)} are proxies"
    its, them = ("its", "it") if one else ("their", "them")
    return (
        f"{named} (`proxy: true`): {its} location is an assumption of this scenario, a grid "
        f"zone for {its} region's energy, carbon, water and prices, not a campus announced "
        f"for this programme; the power, accelerators and runs shown at {them} are the "
        "scenario's split of the programme, not a real site's size.",
    )


def default_pue_caveats(scenario: Scenario, catalog: Catalog) -> tuple[str, ...]:
    """One caveat naming the sites that give no `pue` and take the catalog's `default-pue`: a
    cited figure of efficient campuses, which a site's own climate and cooling may not meet, and
    on which its facility-to-IT ratio rests (energy, carbon, water; its accelerators when power
    is counted at the facility)."""
    sites = [site.name for site in scenario.sites if site.pue_from_catalog]
    if not sites:
        return ()
    record = catalog.get("energy", DEFAULT_PUE_PARAMETER)
    value = point(record.value)  # type: ignore[attr-defined]
    low, high = getattr(record, "low", None), getattr(record, "high", None)
    cited = f", cited range {low:g} to {high:g}" if low is not None and high is not None else ""
    one = len(sites) == 1
    named = f"Site {sites[0]} gives" if one else f"Sites {', '.join(sites)} give"
    its = "its" if one else "their"
    held = f", and so do the accelerators {its} power holds"
    basis = "" if scenario.power_basis == "it" else held
    return (
        f"{named} no pue and take{'s' if one else ''} the catalog's {record.id}, {value:g} "
        f"(status {record.status}{cited}; `gigawatt catalog energy {record.id}` gives its "
        f"sources): {its} energy, carbon and water rest on it{basis}.",
    )
