"""The cited catalog: YAML records with typed loaders (DESIGN.md section 5).

Each `<kind>.yaml` in this folder holds a list of records of one kind. Users add folders
(`gigawatt --catalog DIR`) whose records override the shipped ones by id. Lookups are
case-insensitive and accept aliases; an unknown id is an error that names the closest matches.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import platform
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pydantic
from pydantic import ValidationError

from gigawatt import cache as disk_cache
from gigawatt.catalog.schema import (
    KINDS,
    Accelerator,
    Calibration,
    Country,
    Deal,
    FailureModel,
    FaultTolerancePolicy,
    Framework,
    Model,
    Parameter,
    Record,
    Region,
    StorageTier,
    System,
    Threshold,
)
from gigawatt.distributions import point
from gigawatt.errors import InputError, Problem, UnknownIdError, record_noun
from gigawatt.units import G_PER_KG
from gigawatt.validation import input_error
from gigawatt.yamlio import parser_version, read_data_file

PACKAGE_DIR = Path(__file__).parent
DATA_DIR = PACKAGE_DIR / "data"
COUNTRIES_FILE = DATA_DIR / "global_energy_mix.json"
#: The persistent cache's namespace for parsed catalogs (`gigawatt cache info`).
CACHE_NAMESPACE = "catalog"
R = TypeVar("R", bound=Record)


def _kind_of_file(path: Path) -> str:
    kind = path.stem.replace("_", "-")
    if kind not in KINDS:
        close = difflib.get_close_matches(kind, KINDS, n=1)
        hint = f" (did you mean {close[0]}{path.suffix}?)" if close else ""
        raise InputError(
            f"catalog file {path.name!r} is not a known kind{hint}; allowed: "
            f"{', '.join(f'{k}{path.suffix}' for k in KINDS)}",
            field=str(path),
        )
    return kind


def _read_yaml(path: Path) -> Any:
    return read_data_file(path)


def _id_lines(path: Path, key: str) -> list[int]:
    """Line numbers (from 1) where `id: KEY` is written in a catalog file."""
    pattern = re.compile(rf"^\s*-?\s*id:\s*[\"']?{re.escape(key)}[\"']?\s*(?:#.*)?$", re.I)
    text = path.read_text(encoding="utf-8")
    return [n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)]


def _parse_records(kind: str, raw: Any, origin: str, path: Path | None = None) -> list[Record]:
    """The records of one catalog file; every record's problems in one error (not the first
    bad record's alone: a file with several mistakes says all of them in one run)."""
    if raw is None:
        return []
    if isinstance(raw, dict) and "records" in raw:
        raw = raw["records"]
    if isinstance(raw, dict) and "id" in raw:
        raw = [raw]  # one record, as `gigawatt catalog KIND ID` prints it
    if not isinstance(raw, list):
        raise InputError(
            "expected a list of records (each `- id: ...`), or one record's fields",
            field=origin,
        )
    cls = KINDS[kind]
    out = []
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, item in enumerate(raw):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            key = item["id"].strip().lower()
            if key in first:
                lines = _id_lines(path, key) if path else []
                where = (
                    f"lines {', '.join(map(str, lines))}"
                    if len(lines) > 1
                    else f"records {first[key]} and {i}, counting from 0"
                )
                message = f"duplicate id {item['id']!r} ({where}): one file gives each id once"
                if Problem(origin, message) not in problems:  # (a third copy: said once)
                    problems.append(Problem(origin, message))
            else:
                first[key] = i
        where = f"{origin}[{i}]"
        if isinstance(item, dict) and "id" in item:
            where = f"{origin}[{item['id']}]"
        try:
            out.append(cls.model_validate(item))
        except ValidationError as e:
            problems += input_error(e, prefix=where, model=cls).problems
    if problems:
        raise InputError(problems=problems)
    return out


def _countries() -> list[Record]:
    """Countries from the shipped OWID/Ember table (via CodeCarbon), see data/README.md."""
    raw = json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))
    out: list[Record] = []
    for iso3, row in sorted(raw.items()):
        if len(iso3) != 3 or not iso3.isalpha():
            continue
        out.append(
            Country(
                id=iso3.lower(),
                name=row["country_name"],
                aliases=(row["country_name"].lower().replace(" ", "-"),),
                source=(
                    "Our World in Data, energy data (CC BY 4.0), https://github.com/owid/"
                    "energy-data, annual electricity generation as compiled by CodeCarbon "
                    "(MIT), https://github.com/mlco2/codecarbon/blob/b05965e/codecarbon/data/"
                    "private_infra/global_energy_mix.json"
                ),
                as_of=f"{row['year']}-12-31",
                # a compilation (OWID from Ember and the Energy Institute), not the national
                # statistics themselves: reported, never official
                status="reported",
                iso3=iso3.upper(),
                electricity_twh=row["total_TWh"],
                year=row["year"],
                grid_gco2_per_kwh=row.get("carbon_intensity"),
            )
        )
    return out


#: An empty table (`Catalog.get` of a kind without records).
_NO_RECORDS: dict[str, Record] = {}


#: Names that look like a record file, not an id: a command that takes only ids says so.
RECORD_FILE_SUFFIXES = (".yaml", ".yml", ".toml", ".json")


@dataclass(frozen=True)
class Catalog:
    """All records by kind, then by lowercase id (aliases resolve to the same record)."""

    records: dict[str, dict[str, Record]]
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    origins: tuple[str, ...] = ()
    #: Ids looked up, by kind, when this is a recording view (`recording()`); "*" marks a kind
    #: read as a whole list. None: not recording.
    used: dict[str, set[str]] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def load(cls, extra_dirs: Iterable[str | Path] = ()) -> Catalog:
        """The shipped catalog, overridden by id by each folder in `extra_dirs`, in order."""
        extra = tuple(str(Path(d)) for d in extra_dirs)
        return _load_cached(extra)

    def recording(self) -> Catalog:
        """The same records, noting in `used` each one looked up: what a run relied on (the
        report's table of sources)."""
        return replace(self, used={})

    def _note(self, kind: str, id_: str) -> None:
        if self.used is not None:
            self.used.setdefault(kind, set()).add(id_)

    def kinds(self) -> list[str]:
        return list(KINDS)

    def all(self, kind: str) -> list[Record]:
        self._check_kind(kind)
        self._note(kind, "*")
        return list(self.records.get(kind, {}).values())

    def ids(self, kind: str) -> list[str]:
        return list(self.records.get(kind, {}))

    def get(self, kind: str, id_: str, *, field: str | None = None) -> Record:
        """The record of `kind` with id or alias `id_` (case-insensitive)."""
        found = self.records.get(kind, _NO_RECORDS).get(id_) if type(id_) is str else None
        if found is not None:  # an exact id (ids are stored lowercase): what most callers give
            self._note(kind, id_)
            return found
        self._check_kind(kind)
        key = self._key(kind, id_)
        table = self.records.get(kind, {})
        if key not in table:
            key = self.aliases.get(kind, {}).get(key, key)
        if key in table:
            self._note(kind, key)
            return table[key]
        if key.endswith(RECORD_FILE_SUFFIXES):
            raise InputError(
                f"{str(id_)!r} is not allowed: expected a {record_noun(kind)} id, not a "
                f"file; a record of your own goes in a folder given as `gigawatt --catalog DIR` "
                f"(`gigawatt catalog {kind}` lists the ids)",
                field=field,
            )
        raise UnknownIdError(kind, str(id_), table.keys(), field=field)

    def has(self, kind: str, id_: str) -> bool:
        key = self._key(kind, id_)
        return key in self.records.get(kind, {}) or key in self.aliases.get(kind, {})

    def _key(self, kind: str, id_: str) -> str:
        """`id_` as ids are stored: lowercase; a name written with spaces or underscores
        (`United Arab Emirates`, `us_ercot`) in kebab case when only that form is known, else a
        record's display name (`New South Wales`) when one record alone has it."""
        key = str(id_).strip().lower()
        known = self.records.get(kind, {}), self.aliases.get(kind, {})
        if any(key in table for table in known):
            return key
        kebab = re.sub(r"[\s_]+", "-", key)
        if any(kebab in table for table in known):
            return kebab
        named = [i for i, r in known[0].items() if (r.name or "").strip().lower() == key]
        return named[0] if len(named) == 1 else key  # a record's display name, when unique

    # Typed accessors: one per kind the models use.
    def accelerator(self, id_: str, *, field: str | None = None) -> Accelerator:
        return self.get("accelerators", id_, field=field)  # type: ignore[return-value]

    def system(self, id_: str, *, field: str | None = None) -> System:
        """A system by id; an accelerator id means that accelerator's default system."""
        if not self.has("systems", id_) and self.has("accelerators", id_):
            acc = self.accelerator(id_)
            if acc.default_system:
                return self.get("systems", acc.default_system, field=field)  # type: ignore[return-value]
        return self.get("systems", id_, field=field)  # type: ignore[return-value]

    def model(self, id_: str, *, field: str | None = None) -> Model:
        return self.get("models", id_, field=field)  # type: ignore[return-value]

    def region(self, id_: str, *, field: str | None = None) -> Region:
        return self.get("regions", id_, field=field)  # type: ignore[return-value]

    def deal(self, id_: str, *, field: str | None = None) -> Deal:
        return self.get("deals", id_, field=field)  # type: ignore[return-value]

    def failure_model(self, id_: str, *, field: str | None = None) -> FailureModel:
        return self.get("failures", id_, field=field)  # type: ignore[return-value]

    def fault_tolerance(self, id_: str, *, field: str | None = None) -> FaultTolerancePolicy:
        return self.get("fault-tolerance", id_, field=field)  # type: ignore[return-value]

    def storage_tier(self, id_: str, *, field: str | None = None) -> StorageTier:
        return self.get("storage-tiers", id_, field=field)  # type: ignore[return-value]

    def framework(self, id_: str, *, field: str | None = None) -> Framework:
        return self.get("frameworks", id_, field=field)  # type: ignore[return-value]

    def thresholds(self) -> list[Threshold]:
        return self.all("thresholds")  # type: ignore[return-value]

    def calibration(self, accelerator_id: str) -> Calibration:
        """The perf calibration that lists `accelerator_id` (or the accelerator an alias names),
        else the default (empty list)."""
        key = accelerator_id.strip().lower()
        if key not in self.records.get("accelerators", {}) and self.has("accelerators", key):
            key = self.aliases["accelerators"][key]  # `mi450` is the mi455x record
        default = None
        for rec in self.records.get("calibrations", {}).values():
            cal: Calibration = rec  # type: ignore[assignment]
            if key in cal.accelerators:
                self._note("calibrations", cal.id)
                return cal
            if not cal.accelerators:
                default = cal
        if default is None:
            raise InputError(
                f"no calibration lists {accelerator_id!r} and there is no default "
                "(a record with an empty `accelerators` list)",
                field="calibrations",
            )
        self._note("calibrations", default.id)
        return default

    def parameter(self, id_: str) -> Parameter:
        return self.get("costs", id_)  # type: ignore[return-value]

    def __iter__(self) -> Iterator[Record]:
        for kind in KINDS:
            yield from self.records.get(kind, {}).values()

    def _check_kind(self, kind: str) -> None:
        if kind not in KINDS:
            close = difflib.get_close_matches(kind.lower(), KINDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            if kind.lower() in ("scenario", "scenarios"):
                hint = "scenarios are not a catalog kind: `gigawatt scenarios` lists them; "
            raise InputError(
                f"unknown kind {kind!r}; {hint}allowed: {', '.join(KINDS)}", field="kind"
            )


#: The alias a kind's default record carries (a fault-tolerance policy, a storage tier); a
#: user's record that names it replaces the shipped default.
DEFAULT_ALIAS = "default"


def _add(
    records: dict[str, dict[str, Record]],
    aliases: dict[str, dict[str, str]],
    kind: str,
    new: list[Record],
    origin: str | None = None,
) -> None:
    table = records.setdefault(kind, {})
    amap = aliases.setdefault(kind, {})
    for rec in new:
        table[rec.id] = rec
        for a in rec.aliases:
            # a copied record keeps its original's aliases: they would silently send the
            # original's name to the copy (an alias equal to an id never resolves at all)
            other = a if a in table and a != rec.id else amap.get(a)
            # except `default`: a record of one's own takes it to become its kind's default
            if other is not None and other != rec.id and a != DEFAULT_ALIAS:
                raise InputError(
                    f"alias {a!r} of {rec.id!r} already names {kind} {other!r}; give the "
                    "record aliases of its own (or none)",
                    field=origin or kind,
                )
            amap[a] = rec.id


def _yaml_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


@cache
def _load_cached(extra: tuple[str, ...]) -> Catalog:
    """The catalog of the shipped files and the folders `extra`: parsed and validated once,
    then read back from the persistent cache (`gigawatt.cache`) while the files, the package's
    code and version, and the Python and pydantic versions are the same."""
    key = _cache_key(extra)
    if key is not None:
        found = disk_cache.get(CACHE_NAMESPACE, key)
        if isinstance(found, tuple) and len(found) == 2:
            return Catalog(records=found[0], aliases=found[1], origins=extra)
    catalog = _parse_catalog(extra)
    if key is not None and _cache_key(extra) == key:  # (not if a file changed while parsed)
        disk_cache.put(CACHE_NAMESPACE, key, (catalog.records, catalog.aliases))
    return catalog


def _cache_key(extra: tuple[str, ...]) -> str | None:
    """sha256 of everything a parsed catalog depends on: each file read (its path and bytes),
    the package's source and version, Python's and pydantic's versions, and the YAML parser's
    (`gigawatt.yamlio.parser_version`: PyYAML's version, and libyaml's when it parses). None
    when a file cannot be read (the parse then says what is wrong)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        gigawatt_version = version("gigawatt")
    except PackageNotFoundError:
        gigawatt_version = "unknown"
    h = hashlib.sha256()
    for part in (
        "gigawatt-catalog-1",
        gigawatt_version,
        disk_cache.source_digest(),
        platform.python_version(),
        pydantic.VERSION,
        parser_version(),
        *extra,
    ):
        h.update(part.encode())
        h.update(b"\0")
    files = [COUNTRIES_FILE, *sorted(PACKAGE_DIR.glob("*.yaml"))]
    for d in extra:
        folder = Path(d)
        if not folder.is_dir():
            return None
        files += _yaml_files(folder)
    try:
        for path in files:
            data = path.read_bytes()
            h.update(f"{path}\0{len(data)}\0".encode())
            h.update(data)
    except OSError:
        return None
    return h.hexdigest()


def _parse_catalog(extra: tuple[str, ...]) -> Catalog:
    records: dict[str, dict[str, Record]] = {}
    aliases: dict[str, dict[str, str]] = {}
    _add(records, aliases, "countries", _countries())
    for path in sorted(PACKAGE_DIR.glob("*.yaml")):
        kind = _kind_of_file(path)
        _add(
            records,
            aliases,
            kind,
            _parse_records(kind, _read_yaml(path), path.name, path),
            path.name,
        )
    user_records: list[tuple[str, str, Record]] = []  # (file, kind, record)
    problems: list[Problem] = []  # every user file's, not the first bad file's alone
    failed: set[str | None] = set()  # the kinds of the files refused
    for d in extra:
        folder = Path(d)
        if not folder.is_dir():
            raise InputError(f"not a folder: {d!r}", field="catalog")
        files = _yaml_files(folder)
        if not files:
            raise InputError(
                f"{str(d)!r} holds no catalog file; allowed: a folder of KIND.yaml files, "
                "KIND one of `gigawatt catalog`'s kinds",
                field="catalog",
            )
        for path in files:
            kind = None
            try:
                kind = _kind_of_file(path)
                parsed = _parse_records(kind, _read_yaml(path), str(path), path)
                _add(records, aliases, kind, parsed, str(path))
            except InputError as e:
                problems += e.problems
                failed.add(kind)
                continue
            user_records += [(str(path), kind, r) for r in parsed]
    if "energy" not in failed:  # (else the floor may be one the user's file gives)
        user_regions = [(f, r) for f, k, r in user_records if k == "regions"]
        problems += _grid_floor_problems(records, user_regions)
    catalog = Catalog(records=records, aliases=aliases, origins=extra)
    problems += _reference_problems(catalog, user_records, failed)
    if problems:
        raise InputError(problems=problems)
    return catalog


#: The fields of a record that name a record of another kind (or its own): (kind, field) ->
#: the kind named. A user's record naming one that does not exist is refused where it is
#: written, not when a command first looks it up (`unknown accelerator 'x'`, with no file).
REFERENCES: dict[tuple[str, str], str] = {
    ("systems", "accelerator"): "accelerators",
    ("systems", "failure_model"): "failures",
    ("systems", "framework"): "frameworks",
    ("accelerators", "default_system"): "systems",
    ("deals", "superseded_by"): "deals",
}


def _reference_problems(
    catalog: Catalog, user_records: list[tuple[str, str, Record]], failed: set[str | None]
) -> list[Problem]:
    """A problem for each reference of a user's record (`REFERENCES`) that names no record of
    the catalog it joins (a kind whose user file was refused is not judged against)."""
    problems: list[Problem] = []
    for origin, kind, rec in user_records:
        for (of, name), target in REFERENCES.items():
            value = getattr(rec, name, None) if of == kind else None
            if value is None or target in failed:
                continue
            try:
                catalog.get(target, value, field=f"{origin}[{rec.id}].{name}")
            except InputError as e:
                problems += e.problems
    return problems


#: Energy parameter: the lowest life-cycle intensity any grid can have [gCO2e/kWh].
GRID_FLOOR_PARAMETER = "grid-intensity-floor-gco2-per-kwh"


def _grid_floor_problems(
    records: dict[str, dict[str, Record]], regions: list[tuple[str, Record]]
) -> list[Problem]:
    """A problem for each user region whose `grid_gco2_per_kwh` is between 0 and the floor
    (`grid-intensity-floor-gco2-per-kwh`, IPCC AR5 WGIII Annex III Table A.III.2: no
    generating technology's life-cycle intensity is below it, so no grid's is): such a figure
    is a kg/kWh value written where g/kWh goes. 0 stays allowed, as `footprint
    --grid-gco2-per-kwh` allows it (a zero-carbon what-if)."""
    found = records.get("energy", {}).get(GRID_FLOOR_PARAMETER)
    if found is None or not regions:
        return []
    floor = point(found.value)  # type: ignore[attr-defined]
    return [
        Problem(
            f"{origin}[{region.id}].grid_gco2_per_kwh",
            f"{value:g} is not allowed: must be 0 or >= {floor:g} gCO2e/kWh, the lowest "
            "life-cycle intensity of any generating technology (catalog energy "
            f"`{GRID_FLOOR_PARAMETER}`, IPCC AR5 WGIII Annex III, Table A.III.2) (meant in "
            f"kg/kWh? write {value * G_PER_KG:g})",
        )
        for origin, region in regions
        if 0 < (value := region.grid_gco2_per_kwh) < floor  # type: ignore[attr-defined]
    ]
