"""Absolute calibration: detector counts to spectral radiance.

Counts times a conversion factor (radiance per count) measured on a standard
star in the same filter (SCIENCE.md 3.2): I = F_star / (C_star * Omega_pix) * C.
"""

from __future__ import annotations

import numpy as np
from astropy import units as u

from .._units import is_radiance
from ..exceptions import InputError, UnitError

__all__ = ["conversion", "conversion_from_star", "star_counts"]


def conversion(factor: u.Quantity, *, counts_unit: u.UnitBase = u.count) -> tuple[float, u.UnitBase]:
    """The number and radiance unit that turn one count into radiance.

    Parameters
    ----------
    factor : Quantity
        Radiance per count, e.g. ``1.2e-5 W m-2 sr-1 um-1`` (per count
        implied) or ``1.2e-5 W m-2 sr-1 um-1 / ct``.
    counts_unit : Unit
        Unit of the counts (count or adu); divided out of ``factor`` if present.

    Raises
    ------
    UnitError
        When ``factor`` times one count is not a spectral radiance.
    """
    unit = u.Unit(factor.unit if is_radiance(factor.unit) else factor.unit * counts_unit)
    if not is_radiance(unit):
        raise UnitError(
            f"the conversion factor {factor} does not turn counts into a spectral radiance: "
            "give it as e.g. '1.2e-5 W m-2 sr-1 um-1' (per count)"
        )
    return float(factor.value), unit


def star_counts(image: np.ndarray, *, aperture: float | None = None) -> float:
    """Background-subtracted counts of the star in a standard-star image.

    The star is the brightest point after a 3x3 median; the aperture (radius
    in pixels, default a tenth of the smaller image side) is summed and the
    median of an annulus from 1.5 to 2 aperture radii, times the aperture's
    pixel count, is subtracted.

    Raises
    ------
    InputError
        When the image has no finite peak above its background or the
        aperture does not fit.
    """
    from scipy.ndimage import median_filter

    data = np.asarray(image, dtype=np.float64)
    finite = np.isfinite(data)
    if not finite.any():
        raise InputError("the standard-star image has no finite pixel")
    clean = median_filter(np.where(finite, data, np.nanmedian(data)), size=3)
    cy, cx = np.unravel_index(int(np.argmax(clean)), clean.shape)
    radius = aperture if aperture is not None else max(3.0, min(data.shape) / 10.0)
    rows, cols = np.ogrid[: data.shape[0], : data.shape[1]]
    r = np.hypot(rows - cy, cols - cx)
    inner, ring = (r <= radius) & finite, (r >= 1.5 * radius) & (r <= 2.0 * radius) & finite
    if ring.sum() < 8:
        raise InputError(
            f"the star at pixel ({cx}, {cy}) is too near the edge for a {radius:g}-pixel aperture "
            "and its background annulus: give a smaller aperture"
        )
    total = float(data[inner].sum() - np.median(data[ring]) * inner.sum())
    if not total > 0:
        raise InputError("the standard star is not brighter than its background: check the image")
    return total


def conversion_from_star(
    counts: float, flux_density: u.Quantity, pixel_scale: u.Quantity, *, wavelength: u.Quantity | None = None
) -> u.Quantity:
    """Radiance per count from a standard star: I = F_star / (counts_star * pixel solid angle).

    Parameters
    ----------
    counts : float
        Background-subtracted counts of the star (see :func:`star_counts`),
        for the same exposure time per frame as the planet.
    flux_density : Quantity
        Catalogue flux density of the star in the filter (e.g. ``12.3 * u.Jy``,
        or per wavelength with ``wavelength`` given).
    pixel_scale : Quantity
        Angular size of a pixel (e.g. ``0.0453 * u.arcsec``).
    wavelength : Quantity, optional
        Needed to convert a flux density per wavelength to Jy.

    Returns
    -------
    Quantity
        Radiance per count in Jy/sr.

    Examples
    --------
    >>> from astropy import units as u
    >>> f = conversion_from_star(1.0e6, 10 * u.Jy, 0.0453 * u.arcsec)
    >>> round(float(f.to_value(u.MJy / u.sr)), 1)
    207.3
    """
    if not (np.isfinite(counts) and counts > 0):
        raise InputError(f"the star's counts must be positive, got {counts}")
    try:
        jansky = flux_density.to(
            u.Jy, equivalencies=u.spectral_density(wavelength) if wavelength is not None else []
        )
    except u.UnitConversionError:
        raise UnitError(
            f"the star's flux density {flux_density} is not in Jy (or give its wavelength to convert it)"
        ) from None
    solid_angle = (pixel_scale.to(u.rad) ** 2).to(u.sr, equivalencies=u.dimensionless_angles())
    if not (np.isfinite(jansky.value) and jansky.value > 0 and solid_angle.value > 0):
        raise InputError("the star's flux density and the pixel scale must be positive")
    return (jansky / (counts * solid_angle)).to(u.Jy / u.sr)
