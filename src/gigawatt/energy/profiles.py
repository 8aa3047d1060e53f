"""Hourly capacity factors of solar and wind at a site, synthesised offline (no weather data).

Solar: pvlib's solar position and Ineichen-Perez clear-sky irradiance (Ineichen and Perez 2002,
Solar Energy 73(3)) for the site's coordinates, transposed to a fixed plane tilted at the
latitude and facing the equator (isotropic sky), then dimmed by a daily clear-sky index

    k_d = clip(k_mean + k_sd z_d, 0.05, 1),   z_d = rho z_(d-1) + sqrt(1 - rho^2) e_d

(a documented cloudiness model, not a climatology), and converted to AC output per W_ac:

    cf(h) = min(1, POA(h) k_d / 1000 [W/m2] x ILR x PR).

Wind: hub-height speeds with a Weibull marginal (Justus et al. 1978) and hour-to-hour
persistence from a Gaussian AR(1) driver mapped through the normal CDF (a Gaussian copula),

    v(h) = lambda (-ln(1 - Phi(z_h)))^(1/k),   lambda = v_mean / Gamma(1 + 1/k),

through a generic power curve: 0 below cut-in and above cut-out, (v^3 - v_in^3) /
(v_rated^3 - v_in^3) up to rated, 1 from rated to cut-out. Both draw from an explicit
`numpy.random.Generator`, so a seed fixes them. pvlib and SciPy come with the `supply` extra.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigawatt.catalog import Catalog
from gigawatt.energy.params import energy_param
from gigawatt.units import H_PER_DAY

STC_IRRADIANCE_W_PER_M2 = 1000.0  # standard test conditions: the W_p rating's irradiance


@dataclass(frozen=True)
class SolarModel:
    linke_turbidity: float
    clear_sky_index_mean: float
    clear_sky_index_sd: float
    clear_sky_index_persistence: float
    performance_ratio: float
    inverter_loading_ratio: float

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> SolarModel:
        """The solar model's parameters, each a cited `energy` catalog record."""
        p = lambda i: energy_param(catalog, i)  # noqa: E731
        return cls(
            linke_turbidity=p("solar-linke-turbidity"),
            clear_sky_index_mean=p("solar-clear-sky-index-mean"),
            clear_sky_index_sd=p("solar-clear-sky-index-sd"),
            clear_sky_index_persistence=p("solar-clear-sky-index-persistence"),
            performance_ratio=p("solar-performance-ratio"),
            inverter_loading_ratio=p("solar-inverter-loading-ratio"),
        )


@dataclass(frozen=True)
class WindModel:
    mean_speed_m_per_s: float
    weibull_shape: float
    hourly_persistence: float
    cut_in_m_per_s: float
    rated_m_per_s: float
    cut_out_m_per_s: float

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> WindModel:
        """The wind model's parameters, each a cited `energy` catalog record."""
        p = lambda i: energy_param(catalog, i)  # noqa: E731
        return cls(
            mean_speed_m_per_s=p("wind-mean-speed-m-per-s"),
            weibull_shape=p("wind-weibull-shape"),
            hourly_persistence=p("wind-hourly-persistence"),
            cut_in_m_per_s=p("wind-cut-in-m-per-s"),
            rated_m_per_s=p("wind-rated-m-per-s"),
            cut_out_m_per_s=p("wind-cut-out-m-per-s"),
        )


def ar1(n: int, rho: float, rng: np.random.Generator) -> np.ndarray:
    """A stationary unit-variance AR(1) series: z_t = rho z_(t-1) + sqrt(1 - rho^2) e_t."""
    e = rng.standard_normal(n)
    if n == 0 or rho == 0:
        return e
    # pandas' exponential filter y_t = rho y_(t-1) + (1 - rho) x_t runs it without a Python loop.
    x = e * math.sqrt(1 - rho * rho) / (1 - rho)
    x[0] = e[0]  # start in the stationary distribution
    return pd.Series(x).ewm(alpha=1 - rho, adjust=False).mean().to_numpy()


def hourly_index(year: int, hours: int) -> pd.DatetimeIndex:
    """Hour-beginning timestamps (UTC) from 1 January of `year`."""
    return pd.date_range(f"{year}-01-01", periods=hours, freq="h", tz="UTC")


def clear_sky_poa_w_per_m2(
    lat: float, lon: float, times: pd.DatetimeIndex, turbidity: float
) -> np.ndarray:
    """Clear-sky irradiance on a plane tilted at |lat| facing the equator, hour means [W/m2]:
    pvlib's Ineichen-Perez clear sky (Ineichen and Perez 2002, Solar Energy 73(3)) at the
    catalog's Linke turbidity."""
    import pvlib

    mid = times + pd.Timedelta(minutes=30)  # the sun at mid-hour stands for the hour
    sun = pvlib.solarposition.get_solarposition(mid, lat, lon)
    airmass = pvlib.atmosphere.get_absolute_airmass(
        pvlib.atmosphere.get_relative_airmass(sun["apparent_zenith"])
    )
    sky = pvlib.clearsky.ineichen(sun["apparent_zenith"], airmass, turbidity)
    poa = pvlib.irradiance.get_total_irradiance(
        surface_tilt=abs(lat),
        surface_azimuth=180.0 if lat >= 0 else 0.0,
        solar_zenith=sun["apparent_zenith"],
        solar_azimuth=sun["azimuth"],
        dni=sky["dni"],
        ghi=sky["ghi"],
        dhi=sky["dhi"],
    )["poa_global"]
    return np.nan_to_num(poa.to_numpy(dtype=float), nan=0.0).clip(min=0.0)


def daily_clear_sky_index(days: int, model: SolarModel, rng: np.random.Generator) -> np.ndarray:
    """k_d = clip(mean + sd z_d, 0.05, 1) with z an AR(1) series of daily persistence rho."""
    z = ar1(days, model.clear_sky_index_persistence, rng)
    return np.clip(model.clear_sky_index_mean + model.clear_sky_index_sd * z, 0.05, 1.0)


def solar_capacity_factor(
    lat: float, lon: float, times: pd.DatetimeIndex, model: SolarModel, rng: np.random.Generator
) -> np.ndarray:
    """Hourly AC output per W_ac: min(1, POA k_d / 1000 x ILR x PR) [0-1]."""
    poa = clear_sky_poa_w_per_m2(lat, lon, times, model.linke_turbidity)
    days = -(-len(times) // H_PER_DAY)
    k = np.repeat(daily_clear_sky_index(days, model, rng), H_PER_DAY)[: len(times)]
    cf = poa * k / STC_IRRADIANCE_W_PER_M2 * model.inverter_loading_ratio * model.performance_ratio
    return np.clip(cf, 0.0, 1.0)


def weibull_speeds(hours: int, model: WindModel, rng: np.random.Generator) -> np.ndarray:
    """Hourly wind speeds: Weibull marginal (Justus et al. 1978) of the catalog's mean speed
    and shape, Gaussian-copula AR(1) persistence [m/s]."""
    from scipy.special import ndtr

    z = ar1(hours, model.hourly_persistence, rng)
    k = model.weibull_shape
    scale = model.mean_speed_m_per_s / math.gamma(1 + 1 / k)
    u = np.clip(ndtr(z), 0.0, 1 - 1e-12)
    return scale * (-np.log1p(-u)) ** (1 / k)


def power_curve(speed_m_per_s: np.ndarray, model: WindModel) -> np.ndarray:
    """Generic turbine output per W rated: cubic from cut-in to rated, flat to cut-out [0-1]."""
    v = np.asarray(speed_m_per_s, dtype=float)
    cin, rated, cout = model.cut_in_m_per_s, model.rated_m_per_s, model.cut_out_m_per_s
    rising = (v**3 - cin**3) / (rated**3 - cin**3)
    return np.where(v < cin, 0.0, np.where(v < rated, rising, np.where(v < cout, 1.0, 0.0)))


def wind_capacity_factor(hours: int, model: WindModel, rng: np.random.Generator) -> np.ndarray:
    """Hourly output per W rated of the synthetic wind model [0-1]."""
    return power_curve(weibull_speeds(hours, model, rng), model)
