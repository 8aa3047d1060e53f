"""Job-level energy, carbon and water footprint (`gigawatt footprint`).

A layered model after Luccioni et al. 2022 (BLOOM, arXiv 2211.02001) and Morrison et al. 2025
(arXiv 2503.05804). The average IT draw per accelerator while training is calibrated on runs
whose whole-system power was measured (Patterson et al. 2021, arXiv 2104.10350, Tables 1 and 4;
`gigawatt.energy.calibration`, catalog `power-calibrations`):

    P_IT   = f x P_ref                                   calibrated draw of a generation [W]
             (P_ref: the chip's TDP or the system's all-in IT power at design load)
    P_acc  = min(P_IT, P_idle + u0 (P_TDP - P_idle))      its accelerator part           [W]
    P_host = P_IT - P_acc                                 host + network part            [W]

For an accelerator no calibration covers, or when a load u is given (`--utilisation`), the
draw is built bottom-up instead:

    P_acc  = P_idle + u (P_TDP - P_idle)                 accelerator draw at load u   [W]
    P_host = P_IT,all-in - P_TDP                          host + network share         [W]

and in both cases:

    E_IT   = H (P_acc + P_host) / 1e6                     IT energy of H acc-hours     [MWh]
    E      = E_IT x PUE                                   facility energy              [MWh]
    CO2e   = E x CI / 1000,  CO2e_market = CO2e (1 - s)   location / market based      [t]
    W_site = E_IT x WUE,  W_gen = E x EWIF                water (MWh x L/kWh = m3)     [m3]
    CO2e_emb = H (C_acc + C_node / n) / (L x 8760 h x f)  amortised embodied carbon   [t]

Reported like Luccioni et al. (BLOOM): "dynamic" (accelerators only), "with idle" (all IT),
the facility (x PUE), and "with embodied". Every result names the grid intensity and its source.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import Field, field_validator, model_validator

from gigawatt.catalog import GRID_FLOOR_PARAMETER, Catalog
from gigawatt.catalog.schema import MIN_TRAINING_W, Accelerator, Country, System
from gigawatt.energy.params import energy_param, power_calibration_for
from gigawatt.errors import InputError
from gigawatt.scenario import DEFAULT_PUE_PARAMETER
from gigawatt.units import G_PER_KG, H_PER_YEAR, KG_PER_T, MWH_PER_TWH, W_PER_KW, W_PER_MW
from gigawatt.validation import Request

#: Region used when neither a region nor an intensity is given (named in every result).
DEFAULT_REGION = "us-average"


# --- the published models: one pure, vectorised function each ---------------------------------


def accelerator_power_w(tdp_w: Any, idle_power_w: Any, utilisation: Any) -> Any:
    """Average accelerator draw at load u: P = P_idle + u (P_TDP - P_idle) [W].

    u is the share of time in the compute phase (near TDP); the rest is communication or
    checkpointing near idle (Choukse et al. 2025, arXiv 2508.14318).
    """
    return idle_power_w + utilisation * (tdp_w - idle_power_w)


def host_power_w(it_power_w_per_accelerator: Any, tdp_w: Any) -> Any:
    """Host, network and storage share per accelerator: all-in IT power minus the chip's TDP [W].

    The systems catalog's all-in figure is at design load; the share is taken as constant
    (hosts, NICs and switches draw much the same whatever the accelerators do).
    """
    return np.maximum(np.asarray(it_power_w_per_accelerator) - tdp_w, 0.0)


def calibrated_draw_w(draw_fraction: Any, reference_w: Any) -> Any:
    """Average IT draw per accelerator while training: P = f x P_ref [W].

    f is fitted on measured runs of a generation (Patterson et al. 2021, arXiv 2104.10350,
    Tables 1 and 4: "measured system average power per accelerator, including memory, network
    interface, fans, host CPU"); P_ref is the chip's TDP or the system's all-in IT power.
    """
    return draw_fraction * reference_w


def energy_mwh(power_w: Any, hours: Any) -> Any:
    """Energy of a constant average power over a duration: E = P t / 1e6 [MWh]."""
    return power_w * hours / W_PER_MW


def co2e_location_t(energy_mwh: Any, grid_gco2_per_kwh: Any) -> Any:
    """Location-based emissions: E [MWh] x CI [gCO2e/kWh] / 1000 = [t CO2e] (GHG Protocol)."""
    return energy_mwh * grid_gco2_per_kwh / KG_PER_T


def co2e_market_t(energy_mwh: Any, grid_gco2_per_kwh: Any, clean_supply_share: Any) -> Any:
    """Market-based emissions: contracted carbon-free supply counts zero [t CO2e].

    The uncontracted share is counted at the grid average: no residual-mix data is shipped.
    The residual mix (the grid less the clean energy others have claimed) is dirtier than the
    average wherever such claims exist, so this understates the GHG Protocol's market-based
    figure (GHG Protocol Scope 2 Guidance, 2015: the market-based method takes the residual
    mix for uncontracted use, the grid average only where none is published): a lower bound.
    """
    return co2e_location_t(energy_mwh, grid_gco2_per_kwh) * (1.0 - clean_supply_share)


def water_m3(energy_mwh: Any, litres_per_kwh: Any) -> Any:
    """Water of an energy use: MWh x L/kWh = m3 (site: IT energy x WUE; generation: x EWIF)."""
    return energy_mwh * litres_per_kwh


def embodied_co2e_t(
    accelerator_hours: Any,
    accelerator_embodied_kg: Any,
    host_embodied_kg_per_node: Any,
    accelerators_per_node: Any,
    life_years: Any,
    use_share: Any,
) -> Any:
    """Embodied carbon amortised over the hours used [t CO2e].

    H (C_acc + C_node / n) / (L x 8760 x f): each accelerator-hour carries its chip's and its
    share of the server's embodied carbon over a life of L years used a share f of the time
    (Luccioni et al. 2022, BLOOM, arXiv 2211.02001, section 4.1: 6 years at 85 %).
    """
    per_accelerator_kg = accelerator_embodied_kg + host_embodied_kg_per_node / accelerators_per_node
    life_hours = life_years * H_PER_YEAR * use_share
    return accelerator_hours * per_accelerator_kg / life_hours / KG_PER_T


#: Countries' generation arrays by the countries asked (a few lists, one per catalog).
_GENERATION: dict[tuple[int, ...], tuple[list[Country], list[Country], np.ndarray]] = {}


def closest_country(energy_twh: float, countries: list[Country]) -> dict[str, Any] | None:
    """The country whose annual electricity generation is nearest in ratio (log distance)."""
    key = tuple(map(id, countries))
    held = _GENERATION.get(key)
    if held is None:
        usable = [c for c in countries if c.electricity_twh > 0]
        if len(_GENERATION) >= 16:
            _GENERATION.clear()
        twh = np.array([c.electricity_twh for c in usable])
        held = _GENERATION[key] = (list(countries), usable, twh)  # held: their ids stay theirs
    _, usable, twh = held
    if energy_twh <= 0 or not usable:
        return None
    # NumPy over all countries, then the first exact minimum among the nearly tied (as min())
    distance = np.abs(np.log(energy_twh / twh))
    near = np.flatnonzero(distance <= distance.min() * (1 + 1e-9) + 1e-12)
    best = min(
        (usable[i] for i in near), key=lambda c: abs(math.log(energy_twh / c.electricity_twh))
    )
    return {
        "id": best.id,
        "name": best.label,
        "electricity_twh": best.electricity_twh,
        "year": best.year,
        "share": energy_twh / best.electricity_twh,
    }


# --- the `gigawatt footprint` request and result -----------------------------------------------


class FootprintRequest(Request):
    """What a user asks about one training job (`gigawatt footprint`)."""

    system: str = Field(description="system id, or an accelerator id (its default system)")
    gpu_hours: Annotated[float, Field(gt=0, le=1e12, description="accelerator-hours [h]")]
    region: str | None = Field(None, description="catalog region id")
    grid_gco2_per_kwh: Annotated[float, Field(ge=0, le=2000)] | None = None
    pue: Annotated[float, Field(ge=1, le=3)] | None = None
    power_w_per_gpu: Annotated[float, Field(le=50_000)] | None = Field(
        None, description="average power per accelerator as a published footprint counts it [W]"
    )
    host_power_w_per_gpu: Annotated[float, Field(ge=0, le=50_000)] | None = Field(
        None, description="IT power besides the accelerator, per accelerator [W]"
    )
    utilisation: Annotated[float, Field(ge=0, le=1)] | None = None
    clean_supply_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    wue_l_per_kwh: Annotated[float, Field(ge=0, le=20)] | None = None
    embodied_life_years: Annotated[float, Field(gt=0, le=30)] | None = None
    embodied_use_share: Annotated[float, Field(gt=0, le=1)] | None = None

    @field_validator("power_w_per_gpu")
    @classmethod
    def _training_power(cls, v: float | None) -> float | None:
        """At least `MIN_TRAINING_W`; a small positive figure reads as kilowatts typed in W."""
        if v is not None and v < MIN_TRAINING_W:
            kw = f" (meant in kW? write {v * W_PER_KW:g})" if v > 0 else ""
            raise ValueError(
                f"must be >= {MIN_TRAINING_W} W, what an accelerator draws at least{kw}"
            )
        return v

    @model_validator(mode="after")
    def _exclusive(self) -> FootprintRequest:
        if self.region is not None and self.grid_gco2_per_kwh is not None:
            raise InputError(
                "{region} and {grid_gco2_per_kwh} are alternatives: give one or neither "
                f"(neither uses the {DEFAULT_REGION} region)",
                refs=("region", "grid_gco2_per_kwh"),
            )
        if self.power_w_per_gpu is not None and self.utilisation is not None:
            raise InputError(
                "{power_w_per_gpu} replaces the power model that {utilisation} drives: give one",
                refs=("power_w_per_gpu", "utilisation"),
            )
        return self


@dataclass(frozen=True)
class Grid:
    """The carbon intensity used and where it came from (always reported)."""

    gco2_per_kwh: float
    source: str
    year: int | None
    region: str | None
    water_intensity_l_per_kwh: float | None
    wue_l_per_kwh: float


def check_grid_intensity(catalog: Catalog, gco2_per_kwh: float | None, field: str) -> None:
    """Refuse a given intensity between 0 and the catalog's floor (IPCC AR5 WGIII Annex III,
    Table A.III.2: no generating technology's life-cycle intensity is below it, so no grid's
    is): such a figure is a kg/kWh value typed where g/kWh goes. 0 stays allowed."""
    if gco2_per_kwh is None or gco2_per_kwh == 0:
        return
    floor = energy_param(catalog, GRID_FLOOR_PARAMETER)
    if gco2_per_kwh < floor:
        raise InputError(
            f"{gco2_per_kwh:g} is not allowed: must be 0 or >= {floor:g} gCO2e/kWh, the lowest "
            "life-cycle intensity of any generating technology (IPCC AR5 WGIII Annex III, Table "
            f"A.III.2) (meant in kg/kWh? write {gco2_per_kwh * G_PER_KG:g})",
            field=field,
        )


def resolve_grid(catalog: Catalog, request: FootprintRequest) -> Grid:
    """The intensity, its source and the water factors for a request."""
    wue = request.wue_l_per_kwh
    check_grid_intensity(catalog, request.grid_gco2_per_kwh, "grid_gco2_per_kwh")
    if request.grid_gco2_per_kwh is not None:
        return Grid(
            gco2_per_kwh=request.grid_gco2_per_kwh,
            source="user value (grid_gco2_per_kwh)",
            year=None,
            region=None,
            water_intensity_l_per_kwh=None,
            wue_l_per_kwh=wue
            if wue is not None
            else energy_param(catalog, "default-wue-l-per-kwh"),
        )
    region_id = request.region or DEFAULT_REGION
    region = catalog.region(region_id, field="region")
    source = f"{region.id}: {region.grid_source}, {region.grid_year} annual average"
    if request.region is None:
        source += " (default region; give a region or grid_gco2_per_kwh)"
    return Grid(
        gco2_per_kwh=region.grid_gco2_per_kwh,
        source=source,
        year=region.grid_year,
        region=region.id,
        water_intensity_l_per_kwh=region.water_intensity_l_per_kwh,
        wue_l_per_kwh=wue if wue is not None else region.wue_l_per_kwh,
    )


def idle_power_of(catalog: Catalog, acc: Accelerator) -> float:
    """The accelerator's idle draw, or the cited share of TDP when its record has none [W]."""
    if acc.idle_power_w is not None:
        return acc.idle_power_w
    return acc.tdp_w * energy_param(catalog, "idle-power-share-of-tdp")


def per_accelerator_embodied_kg(acc: Accelerator, system: System) -> tuple[float, float]:
    """(accelerator, host per node) embodied carbon [kg]; a missing figure counts zero."""
    return acc.embodied_co2e_kg or 0.0, system.host_embodied_co2e_kg_per_node or 0.0


@dataclass(frozen=True)
class TrainingDraw:
    """The average IT draw per accelerator of a training job and where it comes from."""

    accelerator_w: float
    host_w: float
    source: str
    calibration: str | None  # power-calibrations id, None when built bottom-up
    utilisation: float | None  # the load u of the bottom-up model, None when calibrated

    @property
    def total_w(self) -> float:
        return self.accelerator_w + self.host_w


def training_draw(
    catalog: Catalog,
    system: System,
    acc: Accelerator,
    utilisation: float | None = None,
    host_w: float | None = None,
) -> TrainingDraw:
    """Average IT draw per accelerator while training.

    The generation's calibrated fraction of its reference power when a power calibration lists
    the accelerator and neither a load nor a host draw is given; else the bottom-up model at
    load u (default: the catalog's `training-utilisation`).
    """
    cal = power_calibration_for(catalog, acc.id)
    u0 = energy_param(catalog, "training-utilisation")
    device_u0 = float(accelerator_power_w(acc.tdp_w, idle_power_of(catalog, acc), u0))
    if cal is not None and utilisation is None and host_w is None:
        reference = acc.tdp_w if cal.basis == "tdp" else system.it_power_w_per_accelerator
        total = float(calibrated_draw_w(cal.draw_fraction, reference))
        device = min(total, device_u0)
        ref_name = "TDP" if cal.basis == "tdp" else "all-in IT power"
        how = (
            f"transferred from {cal.transferred_from}"
            if cal.transferred_from
            else f"fitted on {len(cal.fitted_on)} measured runs"
        )
        return TrainingDraw(
            accelerator_w=device,
            host_w=total - device,
            # The calibration fixes the total IT draw; the accelerator's part is the bottom-up
            # model at the catalog's load, so say which figure the fraction multiplies.
            source=(
                f"of a calibrated IT draw of {total:,.0f} W = {cal.draw_fraction:.3f} x "
                f"{ref_name} ({reference:,.0f} W), power calibration {cal.id} ({how}; "
                f"{cal.status}); the accelerator's part at load {u0:g}, the rest host + network"
            ),
            calibration=cal.id,
            utilisation=None,
        )
    u = utilisation if utilisation is not None else u0
    device = float(accelerator_power_w(acc.tdp_w, idle_power_of(catalog, acc), u))
    host = (
        host_w
        if host_w is not None
        else float(host_power_w(system.it_power_w_per_accelerator, acc.tdp_w))
    )
    why = "" if cal is not None else " (no power calibration covers this accelerator)"
    return TrainingDraw(
        accelerator_w=device,
        host_w=host,
        source="model: idle + utilisation x (TDP - idle), plus the system's host share" + why,
        calibration=None,
        utilisation=u,
    )


@dataclass(frozen=True)
class TrainingWaveform:
    """One accelerator's draw in a synchronous job as two levels around the training draw.

    The energy stage counts `draw.total_w` per accelerator; the swing trace alternates the
    accelerator between `busy_w` (a step's compute phase) and `idle_w` (its communication,
    checkpoints and restarts) over a constant `host_w`, and `busy_w` is set so that the
    trace's expected mean is that same draw (`training_waveform`).
    """

    idle_w: float
    busy_w: float
    host_w: float
    compute_share: float  # the share of a step at busy_w the levels were set for
    draw: TrainingDraw

    @property
    def mean_w(self) -> float:
        """Mean IT draw per accelerator over a step: P_idle + s (P_busy - P_idle) + P_host [W]."""
        return float(
            accelerator_power_w(self.busy_w, self.idle_w, self.compute_share) + self.host_w
        )


def training_waveform(
    catalog: Catalog, system: System, acc: Accelerator, compute_share: float
) -> TrainingWaveform:
    """The two-level draw whose mean at the expected compute share s is the training draw.

    P_busy = P_idle + (P_acc - P_idle) / s, within [P_idle, P_TDP]: P_acc and P_host are
    `training_draw`'s split (the calibrated whole-run average of measured runs, Patterson et
    al. 2021, arXiv 2104.10350, Tables 1 and 4, which includes the runs' communication,
    checkpoints and restarts), and the square wave of duty s between P_busy and P_idle is the
    shape Choukse et al. 2025 (arXiv 2508.14318, section III) measure: a compute phase near
    the chip's working power, a communication phase near idle. s is the busy share of a
    training step (the perf model's breakdown), so a step averages the draw; checkpoints and
    restarts, idle in the trace, are not in s. At the capped level (P_busy = P_TDP) the mean
    falls short of the draw, and `mean_w` says by how much.
    """
    draw = training_draw(catalog, system, acc)
    idle = idle_power_of(catalog, acc)
    share = min(max(compute_share, 1e-9), 1.0)
    busy = float(np.clip(idle + (draw.accelerator_w - idle) / share, idle, acc.tdp_w))
    return TrainingWaveform(
        idle_w=idle, busy_w=busy, host_w=draw.host_w, compute_share=share, draw=draw
    )


@dataclass(frozen=True)
class FootprintResult:
    """The footprint of one job; `to_json()` is the `gigawatt footprint --json` object."""

    system: str
    accelerator: str
    gpu_hours: float
    power_source: str
    power_calibration: str | None
    utilisation: float | None
    power_w_per_gpu: float
    host_power_w_per_gpu: float
    pue: float
    energy_dynamic_mwh: float
    energy_idle_mwh: float
    energy_it_mwh: float
    energy_mwh: float
    co2e_dynamic_t: float
    co2e_with_idle_t: float
    co2e_t: float
    co2e_market_t: float
    embodied_co2e_t: float
    co2e_with_embodied_t: float
    water_m3: float
    water_generation_m3: float | None
    grid_gco2_per_kwh_used: float
    grid_source: str
    grid_year: int | None
    region: str | None
    clean_supply_share: float
    wue_l_per_kwh_used: float
    embodied_life_years: float
    embodied_use_share: float
    country_equivalent: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def footprint(catalog: Catalog, request: FootprintRequest) -> FootprintResult:
    """Energy, carbon (location, market, embodied) and water of `request.gpu_hours`."""
    system = catalog.system(request.system, field="system")
    acc = catalog.accelerator(system.accelerator)
    if request.power_w_per_gpu is not None:
        # A published footprint's own power figure: count only what it counted.
        source, u = "given (power_w_per_gpu)", None
        p_acc = request.power_w_per_gpu
        p_host = request.host_power_w_per_gpu or 0.0
        calibration = None
    else:
        draw = training_draw(
            catalog, system, acc, request.utilisation, request.host_power_w_per_gpu
        )
        source, u, calibration = draw.source, draw.utilisation, draw.calibration
        p_acc, p_host = draw.accelerator_w, draw.host_w
    pue = request.pue if request.pue is not None else energy_param(catalog, DEFAULT_PUE_PARAMETER)
    grid = resolve_grid(catalog, request)
    life = request.embodied_life_years or energy_param(catalog, "embodied-life-years")
    use = request.embodied_use_share or energy_param(catalog, "embodied-use-share")

    hours = request.gpu_hours
    e_dyn = energy_mwh(p_acc, hours)
    e_idle = energy_mwh(p_host, hours)
    e_it = e_dyn + e_idle
    e_fac = e_it * pue
    co2 = co2e_location_t(e_fac, grid.gco2_per_kwh)
    acc_kg, host_kg = per_accelerator_embodied_kg(acc, system)
    emb = embodied_co2e_t(hours, acc_kg, host_kg, system.accelerators_per_node, life, use)
    gen_water = (
        None
        if grid.water_intensity_l_per_kwh is None
        else float(water_m3(e_fac, grid.water_intensity_l_per_kwh))
    )
    return FootprintResult(
        system=system.id,
        accelerator=acc.id,
        gpu_hours=hours,
        power_source=source,
        power_calibration=calibration,
        utilisation=u,
        power_w_per_gpu=p_acc,
        host_power_w_per_gpu=p_host,
        pue=pue,
        energy_dynamic_mwh=e_dyn,
        energy_idle_mwh=e_idle,
        energy_it_mwh=e_it,
        energy_mwh=e_fac,
        co2e_dynamic_t=co2e_location_t(e_dyn, grid.gco2_per_kwh),
        co2e_with_idle_t=co2e_location_t(e_it, grid.gco2_per_kwh),
        co2e_t=co2,
        co2e_market_t=co2e_market_t(e_fac, grid.gco2_per_kwh, request.clean_supply_share),
        embodied_co2e_t=emb,
        co2e_with_embodied_t=co2 + emb,
        water_m3=water_m3(e_it, grid.wue_l_per_kwh),
        water_generation_m3=gen_water,
        grid_gco2_per_kwh_used=grid.gco2_per_kwh,
        grid_source=grid.source,
        grid_year=grid.year,
        region=grid.region,
        clean_supply_share=request.clean_supply_share,
        wue_l_per_kwh_used=grid.wue_l_per_kwh,
        embodied_life_years=life,
        embodied_use_share=use,
        country_equivalent=closest_country(e_fac / MWH_PER_TWH, catalog.all("countries")),  # type: ignore[arg-type]
    )


def job_footprint(catalog: Catalog, **fields: Any) -> FootprintResult:
    """The footprint of a job given as `FootprintRequest` fields (validated)."""
    return footprint(catalog, FootprintRequest(**fields))
