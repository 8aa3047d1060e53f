"""Typed records of the cited catalog (DESIGN.md section 5).

Every record has `id` (lowercase kebab-case), `source`, `as_of` and `status`. Values are SI
with the unit in the field name (`tdp_w`, `hbm_bytes`, `peak_flops_per_s`); `*_share` fields are
fractions 0-1. A field's `description` is the one place its meaning is written down: the CLI's
`catalog` listing and the README's glossary read it from here.

Provenance (docs/catalog-provenance.md): `field_status` gives the status of individual fields
(`{restart_s: estimate}`); a record's `status` may not be stronger than any of them, so a record
is as strong as its weakest number. `citation_problems` is the rule every source must pass: a
public reference (URL, DOI, arXiv id or document id, with a publisher or title), never a file
or note of this project.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from gigawatt.distributions import Uncertain, point, support_problem
from gigawatt.validation import (
    FIRST_YEAR,
    LAST_YEAR,
    Date,
    Real,
    allowed_text,
    check_month,
    count,
    month_text,
    quantity,
    said_in_full,
    with_checks,
)

Status = Literal["official", "reported", "analyst", "estimate"]
#: Strongest first: official (the maker or a primary document), reported (the press), analyst (an
#: analyst's or this project's fit), estimate (an assumption).
STATUS_ORDER: tuple[Status, ...] = ("official", "reported", "analyst", "estimate")
Precision = Literal["fp16", "bf16", "fp8", "fp4"]
PRECISIONS: tuple[Precision, ...] = ("fp16", "bf16", "fp8", "fp4")

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

# Bounded numbers (gigawatt.validation): finite, never true/false, within physical limits. The
# generic ones stop absurd magnitudes; fields with a narrower physical range say so below.
Pos = quantity(gt=0)
NonNeg = quantity(ge=0)
Share = quantity("fraction", ge=0, le=1)
PosInt = count(ge=1)
NonNegInt = count(ge=0)
#: A month as text, as the JSON schema (and the generated field tables) show it.
MonthText = Annotated[str, Field(pattern=MONTH_PATTERN)]
Month = Annotated[
    str,
    BeforeValidator(month_text, json_schema_input_type=MonthText),
    Field(pattern=MONTH_PATTERN, description="a month, YYYY-MM"),
    AfterValidator(check_month),
]
Year = count("year", ge=FIRST_YEAR, le=LAST_YEAR)

# Per-accelerator hardware figures: generous around every shipped part (a few hundred W, tens
# of PFLOP/s, hundreds of GB and TB/s), so a typo of three zeros is refused.
AcceleratorWatts = quantity("W", ge=1, le=1e5)
#: The least power an accelerator draws while it trains [W]: below 10 W no accelerator runs, and
#: a tiny figure turns a gigawatt into 1e17 accelerators (or a kW figure typed in W, `0.7` for
#: 700 W, into a footprint a thousand times too small).
MIN_TRAINING_W = 10
#: All-in IT power per accelerator.
ItWatts = quantity("W", ge=MIN_TRAINING_W, le=1e5)
FlopsPerS = quantity("FLOP/s", gt=0, le=1e18)
Bytes = quantity("bytes", gt=0, le=1e15)
BytesPerS = quantity("bytes/s", gt=0, le=1e15)
LatencyS = quantity("s", gt=0, le=10)
#: A checkpoint snapshot's bandwidth may model an effectively free checkpoint (a what-if), so
#: its limit is looser than any link's, still far from overflow.
SnapshotBytesPerS = quantity("bytes/s", gt=0, le=1e18)
DurationS = quantity("s", gt=0, le=1e9)
PackageUsd = quantity("USD", gt=0, le=1e8)
Usd = quantity("USD", ge=0, le=1e14)
#: The largest company valuation accepted [USD], as a scenario's funding-round `post_money_usd`.
MAX_VALUATION_USD = 1e15
#: Events per accelerator-hour: one an hour on every accelerator is already no job at all.
RatePerAccH = quantity("1/(accelerator h)", ge=0, le=1)
LogSigma = quantity("ln units", ge=0, le=3)
# Model shape limits: ten times the largest published model in each dimension; a model of
# `layers: 1e9` is refused here, before any plan search allocates for it.
MAX_LAYERS = 2_000
MAX_HIDDEN = 1_000_000
MAX_SEQ_LEN = 100_000_000
MAX_VOCAB = 100_000_000
MAX_EXPERTS = 100_000


_STATUS: TypeAdapter[Status] = TypeAdapter(Status)


def _get(obj: Any, key: str) -> Any:
    """A field of an input mapping as written, or of a model already built; else None."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _status_or_none(value: Any) -> Status | None:
    """`value` as a status when it reads as one (else its own error says why)."""
    try:
        return None if value is None else _STATUS.validate_python(value)
    except ValidationError:
        return None


@cache
def _field_reader(cls: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """A validator of the field `name` of `cls` alone: its type and its constraints."""
    field = cls.model_fields[name]
    if not field.metadata:
        return TypeAdapter(field.annotation)
    return TypeAdapter(Annotated[(field.annotation, *field.metadata)])  # type: ignore[misc]


def _as_written(cls: type[BaseModel], data: Mapping[str, Any], reads: tuple[str, ...]) -> Any:
    """A model of `cls` holding the fields `reads` of an input as written, each validated on
    its own (absent: its default), the others left out; None when one of them is refused on
    its own, or required and absent (its own error says why)."""
    values = {}
    for name in reads:
        if name not in data:
            if cls.model_fields[name].is_required():
                return None
            continue
        try:
            values[name] = _field_reader(cls, name).validate_python(data[name])
        except ValidationError:
            return None
    return cls.model_construct(**values)


def _one_pass(
    cls: type[BaseModel],
    data: Any,
    handler: ModelWrapValidatorHandler[Any],
    problem: Callable[[Any], str | None],
    *,
    reads: tuple[str, ...] | None = None,
    in_full: bool = False,
) -> Any:
    """`handler(data)`, with the check across fields `problem(obj)` (why `obj` is refused,
    returned or raised as a ValueError; None: it is not) made on the input as written when a
    field is wrong, and said beside that field's error: an after-validator would run only
    once every field is valid, so a file's problems would come one run at a time. With
    `reads`, `obj` holds those fields as written (`_as_written`: the check is skipped when one
    does not read); without, `obj` is the input mapping itself and `problem` reads each value
    it compares where it reads on its own. On valid input it is the model validator it always
    was (a refusal raised as a ValueError; with `in_full`, said as the reason says it,
    `said_in_full`, as it is beside other errors)."""
    try:
        built = handler(data)
    except ValidationError as e:
        if not isinstance(data, Mapping):
            raise
        obj = data if reads is None else _as_written(cls, data, reads)
        try:
            reason = None if obj is None else problem(obj)
        except ValueError as refused:  # (a check that refuses as it reads)
            reason = str(refused)
        if reason is None:
            raise
        raise with_checks(cls.__name__, e, [said_in_full((), data, reason)]) from None
    reason = problem(built)
    if reason is None:
        return built
    if in_full:
        raise ValidationError.from_exception_data(cls.__name__, [said_in_full((), data, reason)])
    raise ValueError(reason)


def checked_as_written(problem: str, *reads: str, in_full: bool = False) -> Any:
    """A model validator for the check across the fields `reads` that the class's method
    `problem` makes (`_one_pass`, `in_full` as there): made on those fields as written when
    another field is refused, so said beside the record's other errors; on valid input, on the
    record."""

    def check(cls: type[BaseModel], data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        return _one_pass(cls, data, handler, getattr(cls, problem), reads=reads, in_full=in_full)

    return model_validator(mode="wrap")(check)


def status_rank(status: str) -> int:
    """0 for official ... 3 for estimate: a larger rank is a weaker status."""
    return STATUS_ORDER.index(status)  # type: ignore[arg-type]


def weakest_status(statuses: Iterable[str]) -> Status:
    """The weakest of `statuses` (official if there are none)."""
    return STATUS_ORDER[max((status_rank(s) for s in statuses), default=0)]


#: Fields that describe the record rather than carry a figure: they have no status of their own.
META_FIELDS = frozenset(
    {"id", "name", "aliases", "source", "as_of", "status", "note", "prelaunch", "field_status"}
)

# --- the citation rule ------------------------------------------------------------------------

_URL = re.compile(r"\bhttps?://[^\s,;)\]]+|\bwww\.[^\s,;)\]]+", re.IGNORECASE)
#: A bare domain with a path, as sources often write them: "eia.gov/electricity/annual".
_DOMAIN_PATH = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:com|org|gov|net|edu|io|ai|eu|int|de|fr|uk|jp|kr|tw|sg|in|ca|au|"
    r"br|cl|no|se|fi|dk|ie|nl|es|it|pl|is|my|sa|ae|qa|cn|ch|be|at)/[^\s,;)\]]*",
    re.IGNORECASE,
)
_IDENTIFIERS = {
    "DOI": re.compile(r"\b10\.\d{4,9}/\S+"),
    "arXiv id": re.compile(r"\barXiv[: ]?\s?\d{4}\.\d{4,5}", re.IGNORECASE),
    # Document ids a reader can look up where they are registered: EU acts, US executive
    # orders and Federal Register documents, bills and statutes, SEC filings, standards.
    "document id": re.compile(
        r"Regulation \(EU\) \d{4}/\d+|CELEX[: ]\w+|C\(\d{4}\) ?\d+|"
        r"Executive Order \d{5}|\bEO \d{5}|\d{2,3} FR \d+|FR Doc\.? [\d-]+|"
        r"\b[SA] ?\d{3,5}-?[A-Z]?\b.*(?:Senate|Assembly|Act)|\bSB ?\d+\b|\bS\.B\. ?\d+|"
        r"\bForm (?:8-K|10-K|10-Q|S-1)\b|\bCIK \d+|\bISBN[- ]|\bISSN |\bIEC \d{4,5}|"
        r"\bISO(?:/IEC)? \d{4,5}|\bNREL/TP-[\d-]+|\bLBNL-\d+|\bOSTI \d+",
        re.IGNORECASE,
    ),
}
#: Names of this project's own files and notes, which a reader of the catalog cannot follow.
_INTERNAL = re.compile(
    r"\b(?:energy|reliability|deals_and_policy|defaults|training_performance|anchor_codebases|"
    r"DESIGN|STYLE|README)\.md\b|"
    r"\b(?:perf_runs(?:_extra)?|footprints|reliability|training_totals)\.csv\b|"
    r"\bshared/(?:reference|validation|data)\b|\.\./shared\b|\btests/|\btools/|"
    r"\bresearch notes?\b|\bnotes? sections?\b|\bNotes: |\(this file\)|\bthis file\b|"
    # the catalog's own data files
    r"\b(?:accelerators|calibrations|capability|costs|deals|energy|event-study|failures|"
    r"fault-tolerance|frameworks|frontier-runs|market-events|models|perf_accuracy|"
    r"power-calibrations|prices|reference-workloads|regions|storage-tiers|supply-technologies|"
    r"systems|thresholds)\.yaml\b",
    re.IGNORECASE,
)
_MD_FILE = re.compile(r"\b[\w./-]+\.md\b", re.IGNORECASE)


def citation_problems(source: str) -> list[str]:
    """Why `source` is not a public citation (empty: it is one).

    A citation names a public document a reader can follow: a URL, DOI, arXiv id or document id
    (an EU act, an executive order, a bill, an SEC filing, a standard), with a publisher or title
    beside it. It never names a file or research note of this project ("energy.md section 4",
    "perf_runs.csv", "defaults.md"): those are not published. A Markdown file counts only as
    part of a URL (a public repository's README, say).
    """
    problems: list[str] = []
    without_urls = _URL.sub(" ", source)
    without_urls = _DOMAIN_PATH.sub(" ", without_urls)
    internal = sorted({m.group(0) for m in _INTERNAL.finditer(source)})
    internal += sorted({m.group(0) for m in _MD_FILE.finditer(without_urls)} - set(internal))
    if internal:
        problems.append(f"names this project's own files or notes: {', '.join(internal)}")
    has_id = bool(_URL.search(source) or _DOMAIN_PATH.search(source)) or any(
        p.search(source) for p in _IDENTIFIERS.values()
    )
    if not has_id:
        problems.append("has no URL, DOI, arXiv id or document id")
    words = re.findall(r"[A-Za-z]{3,}", without_urls)
    if len(words) < 3:
        problems.append("has no publisher or title beside its identifier")
    return problems


class Record(BaseModel):
    """Fields every catalog record carries."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: Annotated[str, Field(pattern=ID_PATTERN, description="lowercase kebab-case identifier")]
    name: str | None = Field(None, description="display name")
    aliases: tuple[str, ...] = Field((), description="other ids that find this record")
    source: Annotated[
        str,
        Field(
            min_length=3,
            description="public citation: publisher, title, date, table or page, and a URL, "
            "DOI, arXiv id or document id",
        ),
    ]
    as_of: Date = Field(description="date the figures were true or published")
    status: Status = Field(
        description="provenance: official, reported, analyst or estimate; the weakest of the "
        "record's fields"
    )
    field_status: dict[str, Status] = Field(
        default_factory=dict,
        description="status of individual fields where they differ, e.g. {restart_s: estimate}; "
        "`status` may not be stronger than any of them",
    )
    note: str | None = Field(None, description="caveats")
    prelaunch: bool = Field(
        False,
        description="figures are the vendor's announcements, not yet measured on shipped "
        "hardware (before, or in the first months of, volume shipments)",
    )

    @field_validator("aliases")
    @classmethod
    def _lower_aliases(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(a.lower() for a in v)

    def field_statuses(self) -> Mapping[str, Status]:
        """The status of each field that states one (`field_status`, and for deals the
        `signing_status` of the signing month)."""
        return self._stated(self)

    @classmethod
    def _stated(cls, obj: Any) -> dict[str, Status]:
        """`field_statuses` of a record, or of its input as written (`obj` a mapping: each
        status that reads on its own)."""
        given = _get(obj, "field_status")
        if not isinstance(given, Mapping):
            return {}
        read = {k: _status_or_none(v) for k, v in given.items() if isinstance(k, str)}
        return {k: v for k, v in read.items() if v is not None}

    def status_detail(self) -> str:
        """`status`, then the fields that state their own, grouped by status: "estimate
        (official: power_price_usd_per_mwh; estimate: wue_l_per_kwh)"."""
        fields = self.field_statuses()
        groups = [
            f"{st}: {', '.join(k for k, v in fields.items() if v == st)}"
            for st in STATUS_ORDER
            if st in fields.values()
        ]
        return f"{self.status} ({'; '.join(groups)})" if groups else self.status

    @model_validator(mode="wrap")
    @classmethod
    def _status_is_the_weakest(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        """`field_status` names fields of the record, and `status` is not stronger than any
        field's: checked on the input as written too, so said beside an error anywhere else
        in the record (a deal's tranche, say) in one pass (`_one_pass`)."""
        return _one_pass(cls, data, handler, cls._status_problem)

    @classmethod
    def _status_problem(cls, obj: Any) -> str | None:
        allowed = sorted(set(cls.model_fields) - META_FIELDS)
        given = _get(obj, "field_status")
        named = [k for k in given if isinstance(k, str)] if isinstance(given, Mapping) else []
        unknown = sorted(set(named) - set(allowed))
        if unknown:
            return (
                f"field_status names {', '.join(unknown)}, not a field of this record; "
                f"allowed: {', '.join(allowed)}"
            )
        status = _status_or_none(_get(obj, "status"))
        if status is None:
            return None
        weaker = {k: s for k, s in cls._stated(obj).items() if status_rank(s) > status_rank(status)}
        if weaker:
            listed = ", ".join(f"{k} is {s}" for k, s in sorted(weaker.items()))
            return (
                f"status {status!r} is stronger than its fields ({listed}): a record's "
                f"status is the weakest of its fields, so it must be "
                f"{weakest_status(weaker.values())!r} or weaker"
            )
        return None

    @property
    def label(self) -> str:
        return self.name or self.id


class PeakFlops(BaseModel):
    """Dense (no 2:4 sparsity) peak tensor FLOP/s per precision; null where unsupported."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    fp16: FlopsPerS | None = None
    bf16: FlopsPerS | None = None
    fp8: FlopsPerS | None = None
    fp4: FlopsPerS | None = None

    def get(self, precision: str) -> float | None:
        return getattr(self, precision)


class Accelerator(Record):
    """One accelerator package (a GPU or TPU chip as sold; `compute_dies` says how many
    reticle-sized dies it holds: two for Blackwell and Rubin, four for Rubin Ultra)."""

    vendor: str
    peak_flops_per_s: PeakFlops = Field(description="dense peak per precision [FLOP/s]")
    hbm_bytes: Bytes = Field(description="usable HBM capacity [bytes]")
    hbm_bandwidth_bytes_per_s: BytesPerS = Field(description="HBM bandwidth [bytes/s]")
    tdp_w: AcceleratorWatts = Field(description="board power limit (TDP/TGP) [W]")
    idle_power_w: AcceleratorWatts | None = Field(
        None, description="power when idle but powered [W]"
    )
    price_usd: PackageUsd | None = Field(None, description="estimated price of one package [USD]")
    embodied_co2e_kg: quantity("kg", gt=0, le=1e5) | None = Field(
        None, description="embodied carbon of one package [kg]"
    )
    launch: Month | None = Field(None, description="first volume shipments")
    peak_estimates: dict[Precision, str] = Field(
        default_factory=dict,
        description="precisions whose peak the vendor has not published, each with how it "
        "was estimated (a run at that precision gets a caveat)",
    )
    compute_dies: int | None = Field(
        None,
        ge=1,
        le=16,
        description="reticle-sized compute dies per package (Blackwell and Rubin 2, Rubin "
        "Ultra 4; NVIDIA's GTC 2025 rack names, Vera Rubin NVL144 and Rubin Ultra NVL576, "
        "counted dies, its CES 2026 Vera Rubin NVL72 counts packages); null: not stated",
    )
    default_system: str | None = Field(
        None, description="system id that `--system <accelerator>` means"
    )

    def supported_precision(self, precision: str) -> str:
        """`precision`, or the next wider precision this accelerator has a tensor path for."""
        order = {"fp4": ("fp4", "fp8", "bf16", "fp16"), "fp8": ("fp8", "bf16", "fp16")}
        for p in order.get(precision, (precision, "bf16", "fp16")):
            if self.peak_flops_per_s.get(p) is not None:
                return p
        raise ValueError(f"{self.id} has no peak FLOP/s for {precision}")

    def peak(self, precision: str) -> float:
        """Dense peak for `precision`, falling back to the next wider precision supported."""
        return float(getattr(self.peak_flops_per_s, self.supported_precision(precision)))


class SystemPrice(BaseModel):
    """A system's price as quoted (per rack, node or accelerator) with its own provenance.

    `network_share` adds what the quote leaves out, the scale-out network and storage a
    cluster of these systems needs, as a fraction of the quoted price.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    usd: Uncertain = Field(description="price of one `per` unit as quoted [USD]")
    per: Literal["rack", "node", "accelerator"] = Field(description="the unit `usd` is for")
    network_share: Share = Field(
        0.0, description="scale-out network and storage added, fraction of `usd`"
    )
    includes: str | None = Field(
        None, description="what the all-in price covers (said in run's caveat when an estimate)"
    )
    source: Annotated[str, Field(min_length=3, description="citation of the price")]
    as_of: Date = Field(description="date of the price")
    status: Status = Field(description="provenance of the price")
    note: str | None = None

    @field_validator("usd")
    @classmethod
    def _positive(cls, v: Uncertain) -> Uncertain:
        problem = support_problem(v, gt=0, le=1e10)
        if problem:
            raise ValueError(problem)
        return v

    @property
    def usd_point(self) -> float:
        return float(point(self.usd))


class System(Record):
    """What a site deploys: accelerators in nodes/racks with a scale-up and a scale-out network."""

    accelerator: str = Field(description="accelerator id")
    accelerators_per_node: count(ge=1, le=10_000) = Field(
        description="accelerators per server/tray"
    )
    accelerators_per_rack: count(ge=1, le=100_000) = Field(description="accelerators per rack")
    scale_up_domain: count(ge=1, le=1_000_000) = Field(
        description="accelerators in one NVLink/ICI/IF domain"
    )
    scale_up_bandwidth_bytes_per_s: BytesPerS = Field(
        description="scale-up bandwidth per accelerator, one direction [bytes/s]"
    )
    scale_up_latency_s: LatencyS = Field(description="per-hop latency in the scale-up domain [s]")
    scale_out_bandwidth_bytes_per_s: BytesPerS = Field(
        description="scale-out (IB/Ethernet) bandwidth per accelerator, one direction [bytes/s]"
    )
    scale_out_latency_s: LatencyS = Field(description="per-message latency across scale-out [s]")
    pod_size: count(ge=1, le=100_000_000) = Field(
        description="accelerators below full-bisection scale-out (a pod)"
    )
    oversubscription: quantity("ratio", ge=1, le=1000) = Field(
        description="scale-out oversubscription above a pod (7 means 1:7)"
    )
    it_power_w_per_accelerator: ItWatts = Field(
        description="all-in IT power per accelerator: chip + host + network share [W]"
    )
    failure_domain: count(ge=1, le=1_000_000) = Field(
        description="accelerators lost together when one unit fails (a node, or an NVL72 rack)"
    )
    price: SystemPrice = Field(description="what the system costs, with its own source")
    host_embodied_co2e_kg_per_node: NonNeg | None = Field(
        None, description="embodied carbon of a node without its accelerators [kg]"
    )
    failure_model: str | None = Field(None, description="default failure model id")
    framework: str | None = Field(
        None,
        description="framework profile id (frameworks.yaml) jobs on this system use by "
        "default; null: the one its accelerator's calibration was fitted with. For systems "
        "that calibration's software does not run on (NeMo/Megatron-Core on a TPU)",
    )
    storage_tier: str | None = Field(
        None, description="storage-tiers id checkpoints go to; default: the tier `default`"
    )
    host_link_bandwidth_bytes_per_s: BytesPerS | None = Field(
        None,
        description="accelerator-to-host link per accelerator, one direction (PCIe, "
        "NVLink-C2C) [bytes/s]; null: CPU offload is not modelled on this system",
    )
    host_memory_bandwidth_bytes_per_s: BytesPerS | None = Field(
        None, description="host DRAM bandwidth per accelerator (the CPUs' share) [bytes/s]"
    )
    host_memory_bytes: Bytes | None = Field(
        None, description="host DRAM per accelerator (the node's share) [bytes]"
    )

    @model_validator(mode="before")
    @classmethod
    def _simple_price(cls, data: Any) -> Any:
        """`price_usd_per_accelerator: X` (all-in, the record's own source) as a price block."""
        if isinstance(data, dict) and "price_usd_per_accelerator" in data:
            data = dict(data)
            usd = data.pop("price_usd_per_accelerator")
            data["price"] = {
                "usd": usd,
                "per": "accelerator",
                "source": data.get("source", "not given"),
                "as_of": data.get("as_of"),
                "status": data.get("status", "estimate"),
            }
        return data

    @classmethod
    def _stated(cls, obj: Any) -> dict[str, Status]:
        """`field_status`, and the price block's own status as the status of `price`."""
        out = super()._stated(obj)
        price = _status_or_none(_get(_get(obj, "price"), "status"))
        return out if price is None else {**out, "price": price}

    @property
    def price_usd_per_accelerator(self) -> float:
        """All-in price per accelerator: the quoted unit price plus the network share [USD]."""
        per = {"accelerator": 1, "node": self.accelerators_per_node}
        count = per.get(self.price.per, self.accelerators_per_rack)
        return self.price.usd_point * (1 + self.price.network_share) / count

    @property
    def price_usd_per_rack(self) -> float:
        """All-in price of one rack's accelerators (with their network share) [USD]."""
        return self.price_usd_per_accelerator * self.accelerators_per_rack


class Model(Record):
    """A decoder-only transformer shape (dense or mixture-of-experts)."""

    family: str | None = None
    layers: count(ge=1, le=MAX_LAYERS)
    hidden: count(ge=1, le=MAX_HIDDEN)
    ffn_hidden: count(ge=1, le=8 * MAX_HIDDEN) = Field(description="FFN width of dense layers")
    heads: count(ge=1, le=MAX_HIDDEN)
    kv_heads: count(ge=1, le=MAX_HIDDEN) | None = Field(
        None, description="key/value heads (GQA/MQA); null = heads"
    )
    head_dim: count(ge=1, le=MAX_HIDDEN) | None = Field(
        None, description="per-head dimension; null = hidden/heads"
    )
    mlp: Literal["gelu", "relu", "squared-relu", "swiglu", "geglu"] = Field(
        description="FFN activation; swiglu/geglu are gated (three matrices)"
    )
    attention: Literal["mha", "gqa", "mqa", "mla"] = "mha"
    vocab: count(ge=1, le=MAX_VOCAB)
    seq_len: count(ge=1, le=MAX_SEQ_LEN) = Field(description="training sequence length [tokens]")
    global_batch_seqs: count(ge=1, le=MAX_SEQ_LEN) = Field(description="global batch [sequences]")
    tied_embeddings: bool = False
    parallel_block: bool = Field(False, description="attention and MLP in parallel (PaLM, GPT-J)")
    dropout: bool = Field(
        False, description="trained with dropout (GPT-3 era): dropout masks are stored"
    )
    experts: count(ge=0, le=MAX_EXPERTS) = Field(
        0, description="routed experts per MoE layer (0 = dense)"
    )
    top_k: count(ge=0, le=MAX_EXPERTS) = Field(0, description="routed experts per token")
    shared_experts: count(ge=0, le=MAX_EXPERTS) = 0
    moe_ffn_hidden: count(ge=1, le=8 * MAX_HIDDEN) | None = Field(
        None, description="FFN width of one expert"
    )
    dense_layers: count(ge=0, le=MAX_LAYERS) = Field(
        0, description="leading dense layers before MoE layers"
    )
    q_lora_rank: count(ge=1, le=MAX_HIDDEN) | None = Field(
        None, description="MLA query compression rank"
    )
    kv_lora_rank: count(ge=1, le=MAX_HIDDEN) | None = Field(
        None, description="MLA key/value compression rank"
    )
    qk_rope_head_dim: count(ge=1, le=MAX_HIDDEN) | None = Field(
        None, description="MLA decoupled RoPE dimension"
    )
    v_head_dim: count(ge=1, le=MAX_HIDDEN) | None = Field(
        None, description="MLA value head dimension"
    )
    mtp_layers: count(ge=0, le=MAX_LAYERS) = Field(
        0,
        description="multi-token-prediction depth trained beside the main model (DeepSeek-V3 "
        "section 2.2): one extra transformer block, projection and shared output head each",
    )
    router_groups: count(ge=1, le=MAX_EXPERTS) | None = Field(
        None,
        description="group-limited routing: experts split into this many equal groups "
        "(Megatron-Core moe_router_num_groups, Hugging Face n_group); null: no groups",
    )
    router_group_topk: count(ge=1, le=MAX_EXPERTS) | None = Field(
        None,
        description="groups a token's experts may come from (moe_router_group_topk, "
        "topk_group; DeepSeek-V3: each token sent to at most this many nodes)",
    )
    sliding_window_tokens: count(ge=1, le=MAX_SEQ_LEN) | None = Field(
        None,
        description="keys a query attends to in a sliding-window (local, banded) attention "
        "layer, itself included [tokens]; null = no sliding-window layers",
    )
    sliding_window_layers: count(ge=0, le=MAX_LAYERS) | Literal["every-other"] = Field(
        0,
        description="how many layers use the sliding window: a count, or every-other (layers "
        "0, 2, 4, ...: ceil(layers / 2), as gpt-oss); the others attend to the whole sequence",
    )
    params_published: Pos | None = Field(None, description="total parameters as published")
    active_params_published: Pos | None = Field(None, description="active parameters per token")
    training_tokens: Pos | None = Field(None, description="tokens of the published run")

    _moe_consistent = checked_as_written(
        "_moe_consistent_problem",
        "experts",
        "top_k",
        "dense_layers",
        "layers",
        "shared_experts",
        "router_groups",
        "router_group_topk",
        "kv_heads",
        "heads",
        "sliding_window_layers",
        "sliding_window_tokens",
    )

    def _moe_consistent_problem(self) -> None:
        if self.experts:
            if not 0 < self.top_k <= self.experts:
                raise ValueError(f"top_k must be in 1..experts ({self.experts}), got {self.top_k}")
            if self.dense_layers > self.layers:
                raise ValueError("dense_layers exceeds layers")
        elif self.top_k or self.shared_experts:
            raise ValueError("top_k/shared_experts need experts > 0")
        if (self.router_groups is None) != (self.router_group_topk is None):
            raise ValueError("router_groups and router_group_topk are set together")
        if self.router_groups is not None:
            if not self.experts or self.experts % self.router_groups:
                raise ValueError(
                    f"router_groups ({self.router_groups}) must divide experts ({self.experts})"
                )
            if self.router_group_topk > self.router_groups:  # type: ignore[operator]
                raise ValueError(
                    f"router_group_topk ({self.router_group_topk}) exceeds router_groups "
                    f"({self.router_groups})"
                )
        if self.kv_heads is not None and self.heads % self.kv_heads:
            raise ValueError(f"kv_heads ({self.kv_heads}) must divide heads ({self.heads})")
        windowed = self.windowed_layers
        if windowed > self.layers:
            raise ValueError(
                f"sliding_window_layers must be at most layers ({self.layers}), got {windowed}"
            )
        if windowed and self.sliding_window_tokens is None:
            raise ValueError(
                f"sliding_window_layers ({self.sliding_window_layers!r}) needs "
                "sliding_window_tokens (a window of at least 1 token)"
            )
        if self.sliding_window_tokens is not None and not windowed:
            raise ValueError(
                f"sliding_window_tokens ({self.sliding_window_tokens}) needs "
                "sliding_window_layers: a count of 1..layers or every-other"
            )

    @property
    def is_moe(self) -> bool:
        return self.experts > 0

    @property
    def windowed_layers(self) -> int:
        """Layers that attend through the sliding window (`sliding_window_layers`)."""
        if self.sliding_window_layers == "every-other":
            return (self.layers + 1) // 2
        return int(self.sliding_window_layers)


class Region(Record):
    """A grid zone: carbon intensity, electricity price, water and location."""

    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
    grid_zone: str | None = Field(None, description="Electricity Maps zone key")
    grid_gco2_per_kwh: quantity("gCO2e/kWh", ge=0, le=2000) = Field(
        description="annual average grid intensity [gCO2e/kWh]"
    )
    grid_year: Year = Field(description="year of the intensity figure")
    grid_source: str = Field(description="dataset the intensity comes from")
    carbon_free_share: Share | None = Field(None, description="grid carbon-free share 0-1")
    power_price_usd_per_mwh: quantity("USD/MWh", gt=0, le=10_000) = Field(
        description="industrial electricity price [USD/MWh]"
    )
    power_price_source: str
    wue_l_per_kwh: quantity("L/kWh", ge=0, le=20) = Field(
        description="typical site water use per IT kWh [L/kWh]"
    )
    water_intensity_l_per_kwh: quantity("L/kWh", ge=0, le=1000) | None = Field(
        None, description="water consumed by generation per kWh (off-site) [L/kWh]"
    )
    unbilled_charges: tuple[str, ...] = Field(
        (),
        description="costs parameters (USD per MW-day of peak load) a large load here pays "
        "that power_price_usd_per_mwh does not carry; not billed, each stated as a caveat",
    )
    capacity_charge: str | None = Field(
        None,
        description="costs parameter (USD per MW-day of peak load): the capacity price a large "
        "load here pays, billed by finance on each month's average facility draw above what "
        "`capacity_charge_carried` says the power price already carries; with "
        "`capacity_charge_dated`, the current delivery year's (billed when no month is asked)",
    )
    capacity_charge_carried: str | None = Field(
        None,
        description="costs parameter (USD per MW-day): the capacity price already in "
        "power_price_usd_per_mwh (that of the price's year); required with capacity_charge",
    )
    capacity_charge_dated: tuple[str, ...] = Field(
        (),
        description="costs parameters (USD per MW-day), one per delivery period "
        "(`applies_from` to `applies_to`, contiguous), capacity_charge among them: each month "
        "is billed at the price of its period, months before the first at the first, months "
        "after the last at the last held flat (with a caveat); empty: capacity_charge for "
        "every month",
    )
    lat: quantity("degrees", ge=-90, le=90)
    lon: quantity("degrees", ge=-180, le=180)

    _capacity_pair = checked_as_written(
        "_capacity_pair_problem",
        "capacity_charge",
        "capacity_charge_carried",
        "unbilled_charges",
        "capacity_charge_dated",
    )

    def _capacity_pair_problem(self) -> None:
        if (self.capacity_charge is None) != (self.capacity_charge_carried is None):
            raise ValueError(
                "capacity_charge and capacity_charge_carried go together (the price billed and "
                "the part of it the power price already carries); allowed: both or neither"
            )
        if self.capacity_charge is not None and self.capacity_charge in self.unbilled_charges:
            raise ValueError(
                f"{self.capacity_charge} is both billed (capacity_charge) and listed under "
                "unbilled_charges; allowed: one of the two"
            )
        if self.capacity_charge_dated and self.capacity_charge not in self.capacity_charge_dated:
            raise ValueError(
                f"capacity_charge_dated does not list capacity_charge {self.capacity_charge}; "
                "allowed: a dated series that includes it (the current delivery year's price)"
            )


class Country(Record):
    """A country's annual electricity generation (the consumption proxy for comparisons)."""

    iso3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    electricity_twh: quantity("TWh", ge=0, le=100_000) = Field(
        description="annual electricity generation [TWh]"
    )
    year: Year
    grid_gco2_per_kwh: quantity("gCO2e/kWh", ge=0, le=2000) | None = None


class Threshold(Record):
    """A regulatory threshold on training compute, cost, cluster size or site load.

    Site-level thresholds (`site_load_w`, `cluster_flops_per_s`) apply to a site when its
    catalog region is listed in `applies_to_regions`, or (no regions listed) when the region's
    country is in `applies_to_countries`; with both empty they apply everywhere. Training-compute
    thresholds attach to a model wherever it is trained (they follow the developer or the
    market), so they list no territory.
    """

    jurisdiction: str
    instrument: str = Field(description="the law or order, with article")
    metric: Literal["training_flop", "cluster_flops_per_s", "site_load_w"]
    value: Pos = Field(description="threshold, in the unit the metric names")
    comparison: Literal[">", ">="] = Field(
        ">", description="crossed when the quantity is above (>) or at least (>=) the value"
    )
    applies_to_countries: tuple[str, ...] = Field(
        (), description="ISO 3166-1 alpha-3 countries whose sites it covers (empty: any)"
    )
    applies_to_regions: tuple[str, ...] = Field(
        (), description="catalog region ids whose sites it covers (empty: any in the countries)"
    )
    cost_usd: Pos | None = Field(None, description="additional compute-cost test [USD]")
    cost_basis: Literal["market", "ownership"] = Field(
        "market", description="how the cost test prices compute (market: cloud rates)"
    )
    revenue_usd: Pos | None = Field(None, description="developer revenue test")
    counts: str = Field(description="what the compute count includes")
    notification_days: NonNegInt | None = Field(None, description="days to notify once known")
    notification_trigger: str | None = None
    effective: Date
    revoked: Date | None = None
    in_force: bool


#: What failed, for the report of interruptions by cause (Llama 3 Table 5's categories, with
#: the NIC split from other host hardware and the NVL72 rack as its own domain).
FailureCategory = Literal["gpu", "hbm", "nic", "host", "switch", "rack", "maintenance", "software"]


class FailureCause(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    cause: str
    category: FailureCategory | None = Field(
        None, description="what failed: gpu, hbm, nic, host, switch, rack, maintenance, software"
    )
    rate_per_accelerator_hour: RatePerAccH = Field(
        description="job-interrupting events [1/(acc h)]"
    )
    scope: Literal["accelerator", "node", "rack", "job"] = Field(
        description="unit that fails: the job loses this unit when the event hits"
    )
    low: RatePerAccH | None = Field(None, description="low end of the published range")
    high: RatePerAccH | None = Field(None, description="high end of the published range")
    hardware_share: Share = Field(
        0.5, description="share of events that need a hardware swap (the rest are transient)"
    )
    repair_median_s: DurationS = Field(3600.0, description="median repair time of the unit [s]")
    repair_sigma: LogSigma = Field(1.0, description="sigma of ln(repair time)")


class FailureModel(Record):
    """Job-interrupting failure rates by cause (per accelerator-hour of a running job)."""

    causes: Annotated[list[FailureCause], Field(min_length=1)]
    planned_per_job_day: NonNeg = Field(0.0, description="planned interruptions per job-day")
    rack_failures_per_rack_month: NonNeg = Field(
        0.0, description="whole-rack (scale-up fabric) failures per rack-month"
    )
    rack_repair_median_s: DurationS | None = Field(
        None, description="median repair time of a whole-rack failure [s] (lognormal)"
    )
    rack_repair_sigma: LogSigma | None = Field(
        None, description="sigma of ln(whole-rack repair time)"
    )
    burn_in_multiplier: quantity("ratio", ge=1, le=100) = 1.0
    burn_in_months: quantity("months", ge=0, le=120) = 0.0

    _rack_repair_given = checked_as_written(
        "_rack_repair_given_problem",
        "rack_failures_per_rack_month",
        "rack_repair_median_s",
        "rack_repair_sigma",
    )

    def _rack_repair_given_problem(self) -> None:
        if self.rack_failures_per_rack_month > 0 and (
            self.rack_repair_median_s is None or self.rack_repair_sigma is None
        ):
            raise ValueError(
                "rack_failures_per_rack_month > 0 needs rack_repair_median_s and rack_repair_sigma"
            )

    @property
    def rate_per_accelerator_hour(self) -> float:
        return sum(c.rate_per_accelerator_hour for c in self.causes)


class StorageTier(Record):
    """Where checkpoints are written: bandwidth per accelerator of the cluster it serves."""

    write_bytes_per_s_per_accelerator: BytesPerS = Field(
        description="sustained write bandwidth per accelerator served [bytes/s]"
    )
    read_bytes_per_s_per_accelerator: BytesPerS = Field(
        description="sustained read bandwidth per accelerator served [bytes/s]"
    )


class FaultTolerancePolicy(Record):
    """How a job checkpoints and recovers (gigawatt.reliability.recovery gives its costs).

    Checkpoint `storage-sync` blocks for the write to the storage tier; `storage-async` blocks
    for a device-to-host snapshot and persists in the background; `memory` snapshots to host
    memory and replicates to a peer over the scale-out network (restores from there). A restart
    costs `restart_fixed_s` + init(N) + checkpoint load, init(N) = init_s (N / init_accelerators)
    ^ init_exponent. `replacement` says whether restarts swap in standbys held beside the job
    (whose spare pool the capability model's largest run then leaves room for).
    """

    checkpoint: Literal["storage-sync", "storage-async", "memory"] = Field(
        description="storage-sync, storage-async or memory (in-memory with a peer copy)"
    )
    checkpoint_bytes_per_param: quantity("bytes/parameter", gt=0, le=1000) = Field(
        description="bytes a checkpoint holds per model parameter (weights + optimizer state)"
    )
    checkpoint_fixed_s: quantity("s", ge=0, le=1e6) = Field(
        description="fixed blocking cost of one checkpoint [s]"
    )
    snapshot_bandwidth_bytes_per_s: SnapshotBytesPerS | None = Field(
        None, description="device-to-host snapshot bandwidth per accelerator [bytes/s]"
    )
    restart_fixed_s: quantity("s", ge=0, le=1e6) = Field(
        description="restart cost that does not grow with the job: detection, replacement, "
        "launch, warm-up [s]"
    )
    init_s: quantity("s", ge=0, le=1e6) = Field(
        description="process-group/communicator initialisation [s] at..."
    )
    init_accelerators: count(ge=1, le=100_000_000) = Field(description="...this many accelerators")
    init_exponent: quantity(ge=0, le=4) = Field(
        1.0, description="init grows as (N / init_accelerators)^this"
    )
    replacement: Literal["standby", "requeue"] = Field(
        "requeue",
        description="how a restart replaces failed failure domains: standby (swapped for warm "
        "standbys held idle beside the job, so the job needs that spare pool; the capability "
        "model's largest run leaves room for it) or requeue (the scheduler requeues the job "
        "onto healthy accelerators; no pool is held for it)",
    )

    _snapshot_bandwidth = checked_as_written(
        "_snapshot_bandwidth_problem", "checkpoint", "snapshot_bandwidth_bytes_per_s"
    )

    def _snapshot_bandwidth_problem(self) -> None:
        if self.checkpoint != "storage-sync" and self.snapshot_bandwidth_bytes_per_s is None:
            raise ValueError(f"checkpoint {self.checkpoint!r} needs snapshot_bandwidth_bytes_per_s")


class Trigger(BaseModel):
    """When a tranche is released. Several conditions on one trigger must all hold."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    date: Month | None = Field(None, description="on or after this month")
    definitive_agreement: bool = Field(False, description="when the definitive agreement is signed")
    gw_deployed: quantity("GW", gt=0, le=10_000) | None = Field(
        None, description="cumulative GW deployed at or above"
    )
    gw_delivered: quantity("GW", gt=0, le=10_000) | None = Field(
        None,
        description=(
            "cumulative GW of systems delivered at or above (deployed"
            " `systems-delivery-lead-months` later)"
        ),
    )
    share_price_usd: quantity("USD", gt=0, le=1e7) | None = Field(
        None, description="share price at or above"
    )
    share_price_days: count(ge=1, le=10_000) | None = Field(
        None, description="...for this many trading days"
    )
    share: str | None = Field(None, description="price process id (prices catalog)")

    @model_validator(mode="wrap")
    @classmethod
    def _any(cls, data: Any, handler: ModelWrapValidatorHandler[Trigger]) -> Trigger:
        """At least one condition, said beside the trigger's other errors (`_one_pass`): a
        condition written counts even when its value is refused (its own error says why)."""
        return _one_pass(cls, data, handler, _no_condition)


_BOOL: TypeAdapter[bool] = TypeAdapter(bool)


def _no_condition(obj: Any) -> str | None:
    """Why a trigger (or its input as written) releases on nothing, else None."""
    for key in ("date", "gw_deployed", "gw_delivered", "share_price_usd"):
        if _get(obj, key) is not None:
            return None
    agreed = _get(obj, "definitive_agreement")
    try:
        if agreed is not None and _BOOL.validate_python(agreed):
            return None
    except ValidationError:
        return None  # written, and refused on its own
    return "a trigger needs at least one condition"


class Instrument(BaseModel):
    """What the money buys."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    type: Literal["equity", "warrant", "purchase-commitment", "lease", "cash"] = Field(
        description="equity or cash: money invested; warrant: shares that vest; "
        "purchase-commitment or lease: the buyer pays the vendor for hardware"
    )
    valuation_usd: Uncertain | None = Field(
        None,
        description="post-money valuation (equity) [USD]; allowed: "
        f"{allowed_text(gt=0, le=MAX_VALUATION_USD)}",
    )
    voting: bool | None = None
    shares: Pos | None = Field(None, description="shares (warrants)")
    strike_usd: quantity("USD", ge=0, le=1e7) | None = Field(
        None, description="exercise price per share (warrants)"
    )
    term_years: quantity("years", gt=0, le=100) | None = Field(
        None, description="lease or commitment term"
    )
    share: str | None = Field(
        None,
        description="price process id of the shares (prices catalog) that value a warrant; "
        "default: the tranche's price-trigger share, else a process whose id is the investor",
    )
    covers: list[str] | None = Field(
        None,
        description="lease: the scenario's phases whose racks it leases (phase names; an "
        "unnamed phase is `<site>-<n>`); their systems are paid by the lease, not bought, and "
        "the lease is paid from the month their first racks ship. Absent: hardware outside "
        "the phases",
    )

    @field_validator("valuation_usd")
    @classmethod
    def _positive_valuation(cls, v: Uncertain | None) -> Uncertain | None:
        """A valuation prices the shares the money buys (amount / valuation): zero or below
        gives no stake or a negative one, so its whole support must be positive."""
        problem = None if v is None else support_problem(v, gt=0, le=MAX_VALUATION_USD)
        if problem:
            raise ValueError(problem)
        return v

    @model_validator(mode="wrap")
    @classmethod
    def _covers(cls, data: Any, handler: ModelWrapValidatorHandler[Instrument]) -> Instrument:
        """`covers` only on a lease, and not empty; said beside the instrument's other errors
        (`_one_pass`)."""
        return _one_pass(cls, data, handler, _covers_problem)


_INSTRUMENT_TYPE: TypeAdapter[str] = TypeAdapter(Instrument.model_fields["type"].annotation)


def _covers_problem(obj: Any) -> str | None:
    """Why an instrument's `covers` (as built or as written) is refused, else None."""
    covers = _get(obj, "covers")
    if covers is None:
        return None
    try:
        kind = _INSTRUMENT_TYPE.validate_python(_get(obj, "type"))
    except ValidationError:
        kind = None  # its own error says why
    if kind is not None and kind != "lease":
        return f"covers is for a lease; this instrument is {kind!r}"
    if isinstance(covers, list | tuple) and not covers:
        return "covers: an empty list; allowed: one or more phase names"
    return None


class Tranche(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    name: str
    amount_usd: Usd = Field(0.0, description="cash released [USD]")
    trigger: Trigger = Field(description="the conditions that release it, all of them")
    instrument: Instrument = Field(description="what the money buys")
    payer: str | None = Field(
        None,
        description="who pays: default the investor (equity, cash, warrant: the issuer of the "
        "shares), the investee for a purchase commitment or a lease (buyer to vendor)",
    )
    payee: str | None = Field(
        None,
        description="who receives: default the investee (equity, cash, warrant), the vendor "
        "(else the investor) for a purchase commitment or a lease",
    )


class Deal(Record):
    """A financing deal as tranches with triggers and instruments."""

    investor: str = Field(description="who puts the money in (e.g. nvidia)")
    investee: str = Field(
        description="who receives it; the first deal's investee owns the programme and pays "
        "its capex and opex"
    )
    vendor: str | None = Field(None, description="whose hardware the programme buys")
    stage: Literal["letter-of-intent", "term-sheet", "definitive", "superseded"] = Field(
        description="letter-of-intent or term-sheet: nothing released before `signing`; "
        "definitive: signed at `announced` unless `signing` says otherwise"
    )
    announced: Date = Field(description="date the deal was announced")
    signing: Month | None = Field(None, description="month the definitive agreement is signed")
    signing_status: Status | None = Field(None, description="provenance of the signing month")
    end: Month | None = Field(None, description="nothing is released after this month")
    superseded_by: str | None = None
    cap_usd: quantity("USD", gt=0, le=1e14) | None = Field(
        None, description="most the deal can release [USD]"
    )
    gw: quantity("GW", gt=0, le=10_000) | None = Field(
        None, description="gigawatts the deal covers"
    )
    tranches: list[Tranche] = Field(
        default_factory=list, description="the releases of money, each on its trigger"
    )
    intention: str | None = Field(
        None,
        description="the invested amounts are a stated intention, not a contract or cash paid: "
        "what was said, cited (run and finance print it in a caveat)",
    )

    @classmethod
    def _stated(cls, obj: Any) -> dict[str, Status]:
        """`field_status`, and `signing_status` as the status of `signing` (a ValueError when
        the two give it differently)."""
        out = super()._stated(obj)
        signing = _status_or_none(_get(obj, "signing_status"))
        if signing is not None:
            given = out.setdefault("signing", signing)
            if given != signing:
                raise ValueError(
                    f"field_status gives signing {given!r} but signing_status is "
                    f"{signing!r}: give one"
                )
        return out


#: The physical range of a parameter's value by its unit (ge, gt, le); a unit not listed takes
#: any finite value. A scenario's `costs` override is held to the same range.
UNIT_BOUNDS: dict[str, dict[str, float]] = {
    "fraction": {"ge": 0, "le": 1},
    "fraction_per_year": {"ge": 0, "le": 1},
    "fraction_per_s": {"ge": 0, "le": 1},
    "ratio": {"gt": 0, "le": 1000},
    "usd_per_w": {"ge": 0, "le": 1000},
    "usd_per_gw": {"ge": 0, "le": 1e13},
    "usd_per_accelerator_hour": {"ge": 0, "le": 1000},
    "usd_per_share": {"gt": 0, "le": 1e7},
    "usd_per_mw_day": {"ge": 0, "le": 1e7},
    "years": {"gt": 0, "le": 200},
    "months": {"ge": 0, "le": 1200},
    "days": {"ge": 0, "le": 36_500},
    "days_per_year": {"ge": 0, "le": 366},
    "s": {"ge": 0, "le": 1e9},
    "hz": {"gt": 0, "le": 1e6},
    "m_per_s": {"ge": 0, "le": 100},
    "l_per_kwh": {"ge": 0, "le": 20},
    "g_per_kwh": {"ge": 0, "le": 2000},
    "bytes_per_s": {"gt": 0, "le": 1e15},
    "j_per_accelerator": {"ge": 0, "le": 1e12},
    "tokens": {"gt": 0, "le": 1e18},
    "tokens_per_parameter": {"gt": 0, "le": 1e6},
    "nats_per_token": {"ge": 0, "le": 1e4},
}


def unit_problem(value: Uncertain, unit: str) -> str | None:
    """Why `value` is outside the physical range of `unit` (None: it is inside)."""
    return support_problem(value, **UNIT_BOUNDS.get(unit, {}))


class Parameter(Record):
    """One cited number (a cost, a share, a life) with an optional range for sweeps. Its
    value must lie in the range its unit allows (`UNIT_BOUNDS`: a fraction in 0-1, a price
    non-negative and finite)."""

    value: Uncertain
    unit: str = Field(description="unit of value, e.g. usd_per_w, years, fraction, months")
    low: quantity() | None = None
    high: quantity() | None = None
    applies_from: Month | None = Field(
        None,
        description="first month of the period a dated price is for (a PJM delivery year: "
        "June to May); with applies_to",
    )
    applies_to: Month | None = Field(
        None, description="last month of the period a dated price is for; with applies_from"
    )

    _in_unit_range = checked_as_written(
        "_in_unit_range_problem", "value", "unit", "applies_from", "applies_to"
    )

    def _in_unit_range_problem(self) -> None:
        problem = unit_problem(self.value, self.unit)
        if problem:
            raise ValueError(f"value: {problem} (unit {self.unit})")
        if (self.applies_from is None) != (self.applies_to is None):
            raise ValueError(
                "applies_from and applies_to go together (the first and last month of the "
                "period the price is for); allowed: both or neither"
            )
        if self.applies_from and self.applies_to and self.applies_to < self.applies_from:
            raise ValueError(
                f"applies_to {self.applies_to} is before applies_from {self.applies_from}; "
                "allowed: a month at or after it"
            )


class SupplyTechnology(Record):
    """An on-site supply technology for the least-cost supply model."""

    carrier: Literal["solar", "wind", "battery", "gas", "grid"]
    capex_usd_per_w: Uncertain | None = Field(None, description="overnight capex [USD/W]")
    capex_usd_per_wh: Uncertain | None = Field(None, description="storage capex [USD/Wh]")
    fixed_om_usd_per_kw_year: Uncertain | None = None
    variable_om_usd_per_mwh: NonNeg | None = None
    fuel_usd_per_mwh_th: NonNeg | None = Field(None, description="fuel price per MWh thermal")
    efficiency: Share | None = Field(None, description="electric efficiency or round-trip")
    co2_t_per_mwh_th: NonNeg | None = None
    life_years: quantity("years", gt=0, le=200)
    max_hours: quantity("h", gt=0, le=10_000) | None = Field(
        None, description="battery energy/power ratio [h]"
    )
    delivery_lead_years: quantity("years", ge=0, le=20) | None = Field(
        None,
        description="time from ordering the main equipment to its delivery, as quoted at the "
        "source's date [years]; the plant's own construction follows",
    )

    _costs_in_range = checked_as_written(
        "_costs_in_range_problem", "capex_usd_per_w", "capex_usd_per_wh", "fixed_om_usd_per_kw_year"
    )

    def _costs_in_range_problem(self) -> None:
        for name, le in _SUPPLY_COST_LIMITS.items():
            value = getattr(self, name)
            problem = None if value is None else support_problem(value, ge=0, le=le)
            if problem:
                raise ValueError(f"{name}: {problem}")


#: Upper limits of the uncertain supply costs: tens of times the dearest published figure.
_SUPPLY_COST_LIMITS = {
    "capex_usd_per_w": 1000.0,
    "capex_usd_per_wh": 100.0,
    "fixed_om_usd_per_kw_year": 10_000.0,
}


class FrontierRun(Record):
    """A published (or estimated) training run, for comparison."""

    developer: str
    date: Month
    training_flop: Pos
    params: Pos | None = None
    tokens: Pos | None = None
    accelerator: str | None = None
    accelerators: PosInt | None = None


class ReferenceWorkload(Record):
    """What stands for a frontier training run in the capability model (`gigawatt capability`).

    Its MFU is the perf search's best plan for `model` at the job's size, with the global batch
    from the capability batch law and the `plan` knobs held; or `mfu` when given.
    """

    model: str = Field(description="catalog model id whose best plan gives the MFU")
    precision: Precision = Field("bf16", description="precision of the largest run per month")
    plan: dict[str, int | str | bool] = Field(
        default_factory=dict, description="plan knobs held in the search (as `--plan`)"
    )
    mfu: Annotated[Real, Field(gt=0, le=1)] | None = Field(
        None, description="a fixed MFU instead of the perf search (0-1)"
    )
    comparison_run: str = Field(
        description="frontier-runs id results are compared with (`largest_run_vs_reference`)"
    )
    fault_tolerance: str = Field(
        "default", description="fault-tolerance policy id of the largest run"
    )


class Calibration(Record):
    """Efficiency factors of the training performance model (gigawatt.perf) for one accelerator
    generation, fitted once with one software stack (`framework`).

    A calibration applies to the accelerators it lists; the record with an empty list is the
    default for every other accelerator. `framework` names the framework profile the factors
    were fitted with; it is the default `--framework` on these accelerators. `fitted_on` names
    the validation rows (ids in tests/validation/data/) the factors were fitted on; every other
    row checks them.
    """

    accelerators: tuple[str, ...] = Field(
        (), description="accelerator ids this applies to; empty = default for all others"
    )
    framework: str = Field(
        description="framework profile id the factors were fitted with (the default here)"
    )
    gemm_efficiency: Annotated[Real, Field(gt=0, le=1)] = Field(
        description="fraction of dense peak reached by large 16-bit matrix multiplications"
    )
    kernel_overhead_s: NonNeg = Field(
        description="fixed time per kernel (launch and tail) [s]; makes small GEMMs less "
        "efficient: efficiency(x) = gemm_efficiency x / (x + x_half), "
        "x_half = gemm_efficiency x peak x kernel_overhead_s"
    )
    flash_attention_efficiency: Annotated[Real, Field(gt=0, le=1)] = Field(
        description="fraction of 16-bit peak a fused (flash) attention kernel reaches on the "
        "FLOPs it executes (causal blocks skipped, backward recomputation included)"
    )
    fp8_gemm_factor: Annotated[Real, Field(gt=0, le=1)] = Field(
        description="multiplies gemm_efficiency for fp8 GEMMs (fraction of the fp8 peak)"
    )
    fp4_gemm_factor: Annotated[Real, Field(gt=0, le=1)] = Field(
        description="multiplies gemm_efficiency for fp4 GEMMs (fraction of the fp4 peak)"
    )
    mxfp8_gemm_factor: Annotated[Real, Field(gt=0, le=1.5)] = Field(
        1.0,
        description="multiplies the fp8 GEMM rate under the MXFP8 recipe (block-scaled GEMMs "
        "against per-tensor scaled fp8), from a published MXFP8 / per-tensor FP8 step-time "
        "ratio of the same plan",
    )
    expert_low_precision_factor: Annotated[Real, Field(gt=0, le=1.5)] = Field(
        1.0,
        description="multiplies the fp8/fp4 GEMM rate for routed-expert GEMMs (per-expert "
        "quantisation and grouped GEMMs against a dense layer's GEMMs), from a published "
        "FP8 / BF16 step-time ratio of the same MoE plan",
    )
    memory_bound_efficiency: Annotated[Real, Field(gt=0, le=1)] = Field(
        description="fraction of HBM bandwidth reached by element-wise ops and the optimizer"
    )
    scale_up_efficiency: Annotated[Real, Field(gt=0, le=1)] = Field(
        description="collective bus bandwidth / link bandwidth inside the scale-up domain"
    )
    scale_out_efficiency: Annotated[Real, Field(gt=0, le=1)] = Field(
        description="collective bus bandwidth / link bandwidth across the scale-out network"
    )
    overlap_sm_share: Annotated[Real, Field(ge=0, lt=1)] = Field(
        description="share of compute throughput a collective takes while it runs beside "
        "compute (the SMs its kernels occupy): overlapped work is slowed by this share"
    )
    memory_reserve_bytes: NonNeg = Field(
        description="HBM a training process cannot use for tensors: CUDA context, NCCL and "
        "communication buffers, library workspaces [bytes]"
    )
    fitted_on: tuple[str, ...] = Field(
        (), description="validation row ids the factors were fitted on (empty: not fitted)"
    )


KnobBool = Annotated[tuple[bool, ...], Field(min_length=1)]


class FrameworkKnobs(BaseModel):
    """The values a framework offers for each software knob of a plan; the FIRST value of each
    list is the framework's default (what `gigawatt perf` uses when the plan omits the knob)
    and the search tries every listed value unless the user pins the knob."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    sp: KnobBool = Field(description="sequence parallelism with tp > 1")
    flash_attention: KnobBool = Field(description="fused (flash) attention kernel")
    tp_overlap: KnobBool = Field(description="TP collectives overlapped with GEMMs")
    dp_overlap: KnobBool = Field(description="DP gradient/parameter collectives overlapped")
    ep_overlap: KnobBool = Field(description="expert all-to-alls overlapped with compute")
    pp_balance: KnobBool = Field(
        description="embedding and loss each count as a layer in the pipeline split"
    )
    vocab_parallel: KnobBool = Field(
        description="output layer and cross-entropy sharded over TP (logits never gathered)"
    )
    zero: Annotated[tuple[Annotated[int, Field(ge=0, le=3)], ...], Field(min_length=1)] = Field(
        description="ZeRO stages: 0 none, 1 optimizer (distributed optimizer), 2 + gradients, "
        "3 + weights (FSDP)"
    )
    recompute: Annotated[tuple[Literal["none", "selective", "full"], ...], Field(min_length=1)] = (
        Field(description="activation recomputation modes")
    )
    recompute_modules: Annotated[tuple[str, ...], Field(min_length=1)] | None = Field(
        None,
        description="module sets selective recomputation replays, each Megatron-Core "
        "recompute_modules names joined by '+' or a MaxText remat policy (perf/plan.py "
        "RECOMPUTE_MODULES); the first is the default of recompute=selective and the search "
        "tries each (null: core_attn only)",
    )
    offload: Annotated[
        tuple[Literal["none", "optimizer", "activations"], ...], Field(min_length=1)
    ] = Field(description="CPU offload of optimizer state or of activations")
    fp8_recipe: (
        Annotated[tuple[Literal["delayed", "current", "mxfp8"], ...], Field(min_length=1)] | None
    ) = Field(None, description="fp8 scaling recipes (null: no fp8 training)")
    fp4_recipe: Annotated[tuple[Literal["nvfp4"], ...], Field(min_length=1)] | None = Field(
        None, description="fp4 recipes (null: no fp4 training)"
    )
    interleaving: bool = Field(description="interleaved pipeline schedule (vp > 1) available")
    moe_dispatcher: Annotated[
        tuple[Literal["alltoall", "deepep", "hybridep"], ...], Field(min_length=1)
    ] = Field(
        ("alltoall",),
        description="MoE token dispatchers: alltoall (every routed copy), deepep / hybridep "
        "(Megatron-Core flex dispatcher backends: a token sent once per destination node)",
    )


class OptimizerBytes(BaseModel):
    """Gradient and optimizer bytes per parameter with a 16-bit optimizer state."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    grad_bytes_per_param: Pos = Field(description="main-gradient buffer [bytes/parameter]")
    optimizer_bytes_per_param: Pos = Field(description="optimizer state [bytes/parameter]")
    grad_reduce_bytes_per_param: Pos = Field(
        description="bytes per gradient element in the data-parallel reduction"
    )
    optimizer_step_extra_bytes_per_param: NonNeg = Field(
        0.0, description="transient bytes per parameter during the optimizer step"
    )


class Framework(Record):
    """A training software stack as a profile: the knobs it offers and their defaults, and
    how it stores and moves model state (`gigawatt perf --framework ID`).

    Bytes per parameter follow the framework's implementation: `weight_bytes_per_param` the
    16-bit working weights, `grad_bytes_per_param` the main-gradient buffer, and
    `optimizer_bytes_per_param` the optimizer state (fp32 master weights + Adam's two moments,
    plus an fp32 gradient copy where the main gradients are 16-bit), as in Megatron-Core's
    distributed-optimizer table (docs/user-guide/features/dist_optimizer.md).
    """

    knobs: FrameworkKnobs
    weight_bytes_per_param: Pos = Field(description="16-bit working weights [bytes/parameter]")
    grad_bytes_per_param: Pos = Field(description="main-gradient buffer [bytes/parameter]")
    optimizer_bytes_per_param: Pos = Field(
        description="optimizer state per parameter (master weights, moments, gradient copy)"
    )
    grad_reduce_bytes_per_param: Pos = Field(
        description="bytes per gradient element in the data-parallel reduction"
    )
    optimizer_step_extra_bytes_per_param: NonNeg = Field(
        0.0,
        description="transient bytes per parameter made for the optimizer step (an fp32 copy "
        "of 16-bit gradients), sharded like the optimizer state; not held during the "
        "forward and backward passes",
    )
    bf16_optimizer: OptimizerBytes | None = Field(
        None,
        description="bytes with the optimizer state in bf16 (`plan optimizer_dtype=bf16`); "
        "null: the framework keeps fp32 optimizer state only",
    )
    gather_bytes_per_param: Pos | None = Field(
        None,
        description="bytes per weight element in a ZeRO-3 / FSDP weight all-gather when the "
        "framework casts the sharded weights before gathering them (null: the working "
        "weights' bytes)",
    )
    fp8_param_gather: bool = Field(
        description="with fp8 the working weights are stored and gathered in fp8 (1 byte); "
        "else an fp8 copy is cast and kept beside the 16-bit weights"
    )
    dp_bucket_params: Pos | None = Field(
        None,
        description="parameters per gradient-reduction bucket: the last bucket's reduction "
        "cannot overlap the backward pass (null: one bucket per transformer layer, FSDP)",
    )
    zeroes_grad_buffer: bool = Field(
        False,
        description="the training loop zeroes the contiguous main-gradient buffer of every "
        "local parameter once per step (Megatron-LM / Megatron-Core DDP `zero_grad_buffer`), "
        "a memory-bound write the optimizer part charges; false where gradients are freed "
        "(`zero_grad(set_to_none=True)`) or never held (JAX)",
    )
    tp_async_backward: bool = Field(
        description="the backward's column-parallel collectives (input all-gather, input-"
        "gradient reduce-scatter or all-reduce) overlap the GEMMs beside them even without "
        "TP overlap (Megatron-LM's asynchronous tensor-parallel backward, 2022 on)"
    )
    pp_comm_overlap: bool = Field(
        description="pipeline sends/receives overlapped with compute in the interleaved schedule"
    )
    activation_fragmentation: Annotated[Real, Field(ge=0, lt=1)] = Field(
        description="allocator fragmentation: extra share of the activation memory the "
        "caching allocator holds but cannot reuse"
    )
    kernel_efficiency: Annotated[Real, Field(gt=0, le=1.5)] = Field(
        1.0,
        description="speed of the framework's compute kernels relative to the framework each "
        "calibration was fitted with (multiplies the GEMM, attention and element-wise rates); "
        "1 unless fitted on the rows in `fitted_on`",
    )
    kernel_efficiency_by_calibration: dict[str, Annotated[Real, Field(gt=0, le=1.5)]] = Field(
        default_factory=dict,
        description="`kernel_efficiency` relative to the named calibrations (calibration id -> "
        "factor), where the release's kernels gained differently on different accelerator "
        "generations; calibrations not named use `kernel_efficiency`",
    )
    fitted_on: tuple[str, ...] = Field(
        (), description="validation row ids `kernel_efficiency` was fitted on"
    )

    def kernel_efficiency_on(self, calibration_id: str) -> float:
        """The kernel efficiency relative to calibration `calibration_id`."""
        return float(
            self.kernel_efficiency_by_calibration.get(calibration_id, self.kernel_efficiency)
        )


class PowerCalibration(Record):
    """Average IT draw per accelerator while training, as a fraction of a reference power.

    P = draw_fraction x reference, the reference being the chip's TDP (`basis: tdp`) or the
    system's all-in IT power at design load (`basis: it-power`, `it_power_w_per_accelerator`).
    The draw is everything the accelerator's share of the IT load takes during a training run:
    the device, its share of the host (CPUs, memory, fans, conversion), NICs and storage, as
    Patterson et al. 2021 (arXiv 2104.10350, Tables 1 and 4) measured it. A fraction is fitted
    (gigawatt.energy.calibration) on the measured runs named in `fitted_on` (ids of
    tests/validation/data/measured_power.csv) and checked on those in `checked_on`; a record
    with `transferred_from` was not fitted on its own generation but carries another's fraction.
    """

    generation: str = Field(description="hardware generation the measured runs ran on")
    accelerators: tuple[str, ...] = Field(
        (), description="catalog accelerator ids it applies to (empty: none in the catalog)"
    )
    basis: Literal["tdp", "it-power"] = Field(
        description="reference power: the chip's TDP or the system's all-in IT power"
    )
    reference_power_w: Pos | None = Field(
        None,
        description="the reference power of the hardware the fitted runs ran on, when it is not "
        "a catalog record [W]",
    )
    draw_fraction: Annotated[Real, Field(gt=0, le=1.5)] = Field(
        description="average training draw / reference power"
    )
    low: Annotated[Real, Field(gt=0, le=1.5)] | None = Field(
        None, description="lowest fraction among the generation's measured runs"
    )
    high: Annotated[Real, Field(gt=0, le=1.5)] | None = Field(
        None, description="highest fraction among the generation's measured runs"
    )
    fitted_on: tuple[str, ...] = Field((), description="measured-run ids the fraction is fitted on")
    checked_on: tuple[str, ...] = Field(
        (), description="measured-run ids of the same generation not used to fit (checks)"
    )
    transferred_from: str | None = Field(
        None, description="the calibration whose fraction this record carries"
    )
    measured_on: tuple[str, ...] = Field(
        (),
        description="catalog accelerator ids the fitted runs ran on (a record carrying this "
        "fraction to them carries it within their own generation)",
    )

    _fitted_or_transferred = checked_as_written(
        "_fitted_or_transferred_problem",
        "fitted_on",
        "transferred_from",
        "checked_on",
        "low",
        "high",
    )

    def _fitted_or_transferred_problem(self) -> None:
        if bool(self.fitted_on) == bool(self.transferred_from):
            raise ValueError("a power calibration is either fitted_on runs or transferred_from one")
        if set(self.fitted_on) & set(self.checked_on):
            raise ValueError("a run cannot be both fitted on and checked")
        if self.low is not None and self.high is not None and not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")


#: The fields of a geometric Brownian motion, which only a share-price process has.
GBM_FIELDS = ("drift_per_year", "volatility_per_year")


class PriceProcess(Record):
    """A share-price process (geometric Brownian motion) or a market price.

    A share price carries the motion's drift and volatility (gigawatt.deals reads them for its
    paths). A rental record is one dated rate: the market cost basis (gigawatt.costs) reads its
    value and month only, interpolating between dated records, so a rental record carries no
    drift or volatility (a value there would be a number nothing reads).
    """

    process: Literal["share-price", "rental"]
    ticker: str | None = None
    accelerator: str | None = Field(None, description="accelerator id a rental price is for")
    pricing: Literal["index", "reserved", "on-demand"] | None = Field(
        None, description="what a rental price is: a published index, reserved or on-demand"
    )
    start_usd: Pos = Field(description="price at `start_month`")
    start_month: Month
    drift_per_year: quantity("1/year", ge=-10, le=10) | None = Field(
        None,
        description="annual drift mu of ln price; required for a share price, refused on a "
        "rental record",
    )
    volatility_per_year: quantity("1/year", ge=0, le=10) | None = Field(
        None,
        description="annual volatility sigma; required for a share price, refused on a rental "
        "record",
    )
    unit: str = "usd_per_share"
    shares_outstanding: Pos | None = Field(
        None, description="the company's common shares outstanding (warrants as a stake) [shares]"
    )

    _gbm_fields_only_on_share_prices = checked_as_written(
        "_gbm_fields_only_on_share_prices_problem",
        "process",
        "drift_per_year",
        "volatility_per_year",
    )

    def _gbm_fields_only_on_share_prices_problem(self) -> None:
        if self.process == "rental":
            for name in GBM_FIELDS:
                value = getattr(self, name)
                if value is not None:
                    raise ValueError(
                        f"{name} ({value}) is given on a rental record: a rental record is one "
                        "dated rate, which the market cost basis reads by its value and month "
                        "only (add a dated record for another month); drift and volatility are "
                        "allowed on process share-price only"
                    )
        else:
            missing = [name for name in GBM_FIELDS if getattr(self, name) is None]
            if missing:
                raise ValueError(
                    f"a share-price process needs {' and '.join(missing)} (the drift and "
                    "volatility of its geometric Brownian motion, each with its source or "
                    "marked an estimate in field_status)"
                )

    def gbm(self) -> tuple[float, float]:
        """(drift_per_year, volatility_per_year) of a share-price process [1/year]."""
        if self.drift_per_year is None or self.volatility_per_year is None:
            raise ValueError(f"{self.id} is not a share-price process: it has no drift")
        return self.drift_per_year, self.volatility_per_year


class MarketMove(BaseModel):
    """A share-price move on one trading day as the press reported it, with its own citation."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ticker: str = Field(description="exchange ticker as price files name it, e.g. NVDA, ^GSPC")
    company: str = Field(description="company or index name")
    day: Date = Field(description="trading day of the move")
    change_fraction: Annotated[Real, Field(ge=-1, le=10)] | None = Field(
        None,
        description="close-to-close change on `day` as reported, a fraction (0.04 = +4 %); "
        "null: no public figure was found (the note says so)",
    )
    basis: Literal["close", "intraday-high", "intraday"] = Field(
        "close",
        description="close: close-to-close; intraday-high: the day's peak; intraday: "
        "at the time of the report",
    )
    source: Annotated[str, Field(min_length=3, description="public citation of the figure")]
    as_of: Date = Field(description="date the figure was published")
    status: Status = Field(description="provenance of the figure")
    note: str | None = None


#: predicted / published - 1: above -1 (a positive prediction), at most 10 (11 times too slow).
SignedError = Annotated[Real, Field(gt=-1, le=10)]


class PerfAccuracy(Record):
    """How far the training performance model (gigawatt.perf) was from published runs of one
    class: one calibration and one kind of model (dense, or mixture-of-experts with few or many
    routed experts). Generated by tools/perf_validation_table.py from the rows that check the
    model (never the fitted ones); errors are signed, predicted / published step time - 1
    (negative: the model was faster than the published run).
    """

    calibration: str = Field(description="calibration id (calibrations.yaml) of the class")
    model_kind: Literal["dense", "moe-coarse", "moe-fine"] = Field(
        description="dense; moe-coarse: fewer than `experts_below` routed experts; moe-fine: "
        "at least `experts_min`"
    )
    experts_min: NonNegInt = Field(description="fewest routed experts per MoE layer in the class")
    experts_below: PosInt | None = Field(
        None, description="routed experts per MoE layer the class stays below (null: no bound)"
    )
    checks: NonNegInt = Field(description="published runs of the class that check the model")
    min_checks: PosInt = Field(description="fewest checks for which a band is given")
    median_error: SignedError | None = Field(
        None, description="median signed error (bias); null with fewer than `min_checks`"
    )
    median_abs_error: Annotated[Real, Field(ge=0, le=10)] | None = Field(
        None, description="median |error|"
    )
    error_p10: SignedError | None = Field(None, description="10th percentile of the signed error")
    error_p90: SignedError | None = Field(None, description="90th percentile of the signed error")
    rows: tuple[str, ...] = Field((), description="ids of the checking rows (tests/validation)")
    checked_gpus_max: PosInt | None = Field(
        None, description="accelerators of the largest job among the checking rows"
    )
    checked_gpus_max_row: str | None = Field(None, description="that row (tests/validation)")
    published_mfu_max: dict[Literal["16-bit", "fp8", "fp4"], Share] = Field(
        default_factory=dict,
        description="highest MFU of the class's published runs (fitted ones too) by the peak it "
        "is over (16-bit: fp16 and bf16), in the model's convention (PaLM's model FLOPs per "
        "published step time)",
    )
    published_mfu_max_rows: dict[Literal["16-bit", "fp8", "fp4"], str] = Field(
        default_factory=dict, description="the row (tests/validation) of each highest MFU"
    )

    def covers(self, calibration: str, experts: int) -> bool:
        """Whether a model with `experts` routed experts under `calibration` is in the class."""
        return (
            self.calibration == calibration
            and experts >= self.experts_min
            and (self.experts_below is None or experts < self.experts_below)
        )

    @property
    def has_band(self) -> bool:
        return self.checks >= self.min_checks and self.error_p10 is not None


class EventStudyMethod(Record):
    """The defaults of the announcement event study (gigawatt.markets, MacKinlay 1997).

    Days are trading days relative to the event day 0; windows include both ends.
    """

    estimation_window: tuple[int, int] = Field(
        description="first and last day of the estimation window, e.g. [-250, -11]"
    )
    windows: tuple[tuple[int, int], ...] = Field(
        min_length=1, description="cumulative abnormal return windows, e.g. [[0, 0], [-1, 1]]"
    )
    model: Literal["market", "constant-mean"] = Field(
        description="normal-return model: market (OLS on the index) or constant-mean"
    )
    returns: Literal["simple", "log"] = Field(description="daily return definition")
    index: str = Field(description="default index ticker")
    max_gap_days: PosInt = Field(
        description="most calendar days between consecutive trading days before a price file "
        "is said to have a gap (a closure longer than this is a missing stretch)"
    )
    calendar: Literal["nyse", "index"] = Field(
        "nyse",
        description="trading calendar a price file is checked against: nyse (weekdays less NYSE "
        "holidays and `closures`; a missing one is an error) or index (the index's own dates)",
    )
    closures: tuple[Date, ...] = Field(
        (), description="unscheduled full-day NYSE closures (days of mourning, emergencies)"
    )
    mlk_day_from: PosInt = Field(
        description="first year the NYSE closed for Martin Luther King Jr. Day"
    )
    juneteenth_from: PosInt = Field(description="first year the NYSE closed for Juneteenth")

    _ordered = checked_as_written("_ordered_problem", "estimation_window", "windows")

    def _ordered_problem(self) -> None:
        lo, hi = self.estimation_window
        if not lo < hi:
            raise ValueError(f"estimation_window {self.estimation_window} must be [first, last]")
        for a, b in self.windows:
            if a > b:
                raise ValueError(f"window {[a, b]} must be [first, last]")


class MarketEvent(Record):
    """A dated announcement of a deal, the tickers whose reaction is studied and the moves
    the press reported (`gigawatt market`)."""

    announced: Date = Field(description="date of the announcement (US Eastern)")
    event_day: Date = Field(
        description="trading day 0: the first session that could react (the next session for "
        "news after the close or on a non-trading day)"
    )
    deals: tuple[str, ...] = Field((), description="deals catalog ids the event concerns")
    tickers: tuple[str, ...] = Field(min_length=1, description="tickers whose returns to study")
    index: str | None = Field(None, description="index ticker (default: the method's)")
    moves: tuple[MarketMove, ...] = Field((), description="day moves as reported, cited")

    @classmethod
    def _stated(cls, obj: Any) -> dict[str, Status]:
        """`field_status`, and the weakest of the moves' statuses as the status of `moves`."""
        out = super()._stated(obj)
        moves = _get(obj, "moves")
        listed = moves if isinstance(moves, list | tuple) else ()
        read = [_status_or_none(_get(m, "status")) for m in listed]
        if read and None not in read:
            out.setdefault("moves", weakest_status(s for s in read if s is not None))
        return out


KINDS: dict[str, type[Record]] = {
    "accelerators": Accelerator,
    "systems": System,
    "models": Model,
    "regions": Region,
    "countries": Country,
    "deals": Deal,
    "thresholds": Threshold,
    "failures": FailureModel,
    "fault-tolerance": FaultTolerancePolicy,
    "storage-tiers": StorageTier,
    "costs": Parameter,
    "energy": Parameter,
    "frontier-runs": FrontierRun,
    "supply-technologies": SupplyTechnology,
    "prices": PriceProcess,
    "calibrations": Calibration,
    "frameworks": Framework,
    "capability": Parameter,
    "reference-workloads": ReferenceWorkload,
    "power-calibrations": PowerCalibration,
    "market-events": MarketEvent,
    "event-study": EventStudyMethod,
    "perf-accuracy": PerfAccuracy,
}
