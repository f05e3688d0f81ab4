"""Radiance uncertainty, propagated to brightness temperature and to the cloud axis.

A band's radiance uncertainty is given as a fraction (``"5%"``, the Leicester
default for VISIR), as ``"sky"`` (the standard deviation of the sky pixels,
those below a tenth of the mean flux), or as a FITS map of sigma. It is turned
into a *relative* uncertainty sigma_I / I on the band's own pixels, which
survives the multiplicative corrections (limb, profile scale) unchanged and is
carried through the geometric ones (north-up turn, projection) beside the band.
At the end:

* sigma_T = (sigma_I / I) / (d ln B / dT), with B band-averaged for a filter;
* sigma_tau = sigma_I / I of the 5 um band (tau = ln(I_clear / I));
* the aerosol index (a difference of two temperatures) adds the two sigma_T in
  quadrature.

The clear-sky reference is taken as exact (it is a high percentile of many
pixels), and so are the conversion factor and the limb exponent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u

from .. import planck
from .._units import WAVELENGTH_RADIANCE
from ..bands import Band, read_band
from ..exceptions import InputError, UnitError
from ._spectral import spectral

__all__ = ["Uncertainty", "log_slope", "parse_uncertainty", "propagate", "relative_error"]

#: Sky pixels are those below this fraction of the mean flux (GiantPipe's rule).
SKY_FRACTION = 0.1
#: Fewer sky pixels than this give no usable noise estimate.
MIN_SKY_PIXELS = 100


@dataclass(frozen=True)
class Uncertainty:
    """A band's radiance uncertainty as given: ``kind`` is ``"fraction"``, ``"sky"`` or ``"map"``."""

    kind: str
    fraction: float | None = None
    source: str | Path | Band | None = None


def parse_uncertainty(value: Any) -> Uncertainty | None:
    """``None``, ``"none"``, a fraction (``0.05``, ``"5%"``), ``"sky"``, or a sigma map (path or Band).

    Examples
    --------
    >>> parse_uncertainty("5%").fraction, parse_uncertainty("sky").kind
    (0.05, 'sky')
    """
    if value is None or isinstance(value, Uncertainty):
        return value
    if isinstance(value, Band | Path):
        return Uncertainty("map", source=value)
    if isinstance(value, np.floating | np.integer):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(f"uncertainty {value!r}: give a fraction (5% or 0.05), sky, or a FITS sigma map")
    text = str(value).strip()
    if text.lower() == "none":
        return None
    if text.lower() == "sky":
        return Uncertainty("sky")
    number = text[:-1].strip() if text.endswith("%") else text
    try:
        fraction = float(number) / (100.0 if text.endswith("%") else 1.0)
    except ValueError:
        if text.endswith("%") or not text:
            raise InputError(f"uncertainty {value!r}: give a percentage such as 5%") from None
        return Uncertainty("map", source=text)
    if not 0 < fraction < 1:
        raise InputError(f"uncertainty {value!r} must be a fraction between 0 and 1 (e.g. 0.05 or 5%)")
    return Uncertainty("fraction", fraction=fraction)


def relative_error(band: Band, given: Uncertainty) -> tuple[float | np.ndarray, str]:
    """sigma_I / I of ``band`` on its own pixels (a fraction, or an array, NaN where I <= 0), and a note."""
    if given.kind == "fraction":
        assert given.fraction is not None
        return given.fraction, f"{100 * given.fraction:g}% of the radiance"
    data = np.asarray(band.data, dtype=np.float64)
    if given.kind == "sky":
        return _sky_error(band, data)
    assert given.source is not None, "a sigma map names its source"
    sigma = given.source if isinstance(given.source, Band) else read_band(given.source)
    if sigma.shape != band.shape:
        raise InputError(
            f"the sigma map {sigma.label} is {sigma.shape[::-1]} pixels, {band.label} {band.shape[::-1]}: "
            "they must match"
        )
    values = np.asarray(sigma.data, dtype=np.float64)
    if np.any(values < 0):
        raise InputError(f"the sigma map {sigma.label} has negative values: an uncertainty is >= 0")
    note = f"sigma map {sigma.label}"
    with np.errstate(divide="ignore", invalid="ignore"):
        if band.kind == "temperature":
            values = values * _unit_factor(sigma, u.K, band)
            kelvin = (data * band.unit).to_value(u.K, equivalencies=u.temperature())
            return values * log_slope(kelvin, spectral(band)), note
        values = values * _unit_factor(sigma, band.unit, band)
        return np.where(data > 0, values / data, np.nan), note


def _unit_factor(sigma: Band, unit: u.UnitBase, band: Band) -> float:
    """Factor taking the sigma map's values to ``unit`` (no BUNIT: the band's own unit)."""
    if sigma.provenance.get("unit", "").startswith("default") or sigma.unit == unit:
        return 1.0
    try:
        return float(sigma.unit.to(unit))
    except u.UnitConversionError:
        raise UnitError(
            f"the sigma map {sigma.label} is in {sigma.unit}, {band.label} in {unit}: give it in {unit}"
        ) from None


def _sky_error(band: Band, data: np.ndarray) -> tuple[np.ndarray, str]:
    if band.kind not in ("counts", "radiance"):
        raise InputError(
            f"{band.label} is in {band.unit}: sky noise needs the raw image (counts or radiance with sky "
            "around the disc); give a fraction (e.g. 5%) or a sigma map instead"
        )
    finite = np.isfinite(data)
    mean = float(data[finite].mean()) if finite.any() else 0.0
    sky = finite & (data < SKY_FRACTION * mean)
    if mean <= 0 or np.count_nonzero(sky) < MIN_SKY_PIXELS:
        raise InputError(
            f"{band.label} has fewer than {MIN_SKY_PIXELS} sky pixels (below {SKY_FRACTION:g} of the mean "
            "flux) to measure the noise: give a fraction (e.g. 5%) or a sigma map"
        )
    from astropy.stats import sigma_clipped_stats

    _, _, sigma = sigma_clipped_stats(data[sky], sigma=3.0)
    shown = f"{sigma:.4g} {band.unit}" if band.unit != u.dimensionless_unscaled else f"{sigma:.4g}"
    note = (
        f"sky noise {shown} (3-sigma-clipped std of {np.count_nonzero(sky)} pixels below "
        f"{SKY_FRACTION:g} of the mean)"
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(data > 0, sigma / data, np.nan), note


def log_slope(kelvin: np.ndarray, spectral) -> np.ndarray:
    """d ln B / dT (per K) at ``kelvin``, band-averaged for a filter; float32, NaN outside 10-2000 K.

    Tabulated once per call on a 0.25 K grid (central differences of the exact
    Planck function) and interpolated: the slope is smooth, so the table is
    exact to a few parts in 1e5 above 30 K, and a 4096^2 image costs one
    interpolation instead of two band integrals per pixel.
    """
    grid = np.arange(10.0, 2000.0, 0.25)
    step = 1e-3 * grid
    high = planck.temperature_to_radiance(grid + step, spectral, WAVELENGTH_RADIANCE)
    low = planck.temperature_to_radiance(grid - step, spectral, WAVELENGTH_RADIANCE)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = (np.log(high) - np.log(low)) / (2 * step)
    usable = np.isfinite(table)
    t = np.asarray(kelvin, dtype=np.float32)
    return np.interp(t, grid[usable], table[usable], left=np.nan, right=np.nan).astype(np.float32)


def propagate(
    temperature: Band,
    axis: Band,
    role: str,
    kelvin: np.ndarray,
    axis_values: np.ndarray,
    axis_kelvin: np.ndarray | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """1-sigma uncertainty of T (K) and of the cloud axis from the bands' relative uncertainties.

    ``role`` is ``"cloud"`` (a 5 um band: sigma_tau = sigma_I / I),
    ``"aerosol"`` (a second thermal band: the two sigma_T in quadrature, with
    ``axis_kelvin`` its brightness temperature) or ``"opacity"`` (a map given
    ready: nothing to propagate). NaN where the quantities are undefined.
    """
    sigma_t = sigma_axis = None
    if temperature.uncertainty is not None:
        slope = log_slope(kelvin, spectral(temperature))
        sigma_t = (temperature.uncertainty / slope).astype(np.float32)
    if axis.uncertainty is not None and role == "cloud":
        sigma_axis = np.where(np.isnan(axis_values), np.nan, axis.uncertainty).astype(np.float32)
    elif axis.uncertainty is not None and role == "aerosol" and axis_kelvin is not None:
        sigma_cloud = axis.uncertainty / log_slope(axis_kelvin, spectral(axis))
        other = sigma_t if sigma_t is not None else 0.0
        sigma_axis = np.hypot(sigma_cloud, other).astype(np.float32)
        sigma_axis[np.isnan(axis_values)] = np.nan
    return sigma_t, sigma_axis
