"""Limb (emission-angle) correction of thermal radiance: I0 = I / mu^b (SCIENCE.md 3.3).

The correction works in radiance space, before the inverse Planck function.
Exponents per VISIR filter are those used by the Leicester group for VISIR
data (GiantPipe ``MuNormalization``); where none is published (5 um) the
exponent is fitted from the image as the slope of ln I against ln mu within
latitude bands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._messages import option
from ..exceptions import InputError

__all__ = [
    "DEFAULT_MU_MIN",
    "LIMB_EXPONENTS",
    "LimbExponent",
    "default_limb_exponent",
    "fit_limb_exponent",
    "limb_correct",
    "limb_weight",
]

#: b of I = I0 mu^b per VISIR filter (SCIENCE.md 3.3: GiantPipe, VISIR May 2018).
LIMB_EXPONENTS = {
    "J7.9": 0.0,
    "PAH1": 0.30,
    "ARIII": 0.30,
    "SIV": 0.20,
    "SIV_1": 0.20,
    "SIV_2": 0.20,
    "NEII_1": 0.20,
    "NEII_2": 0.20,
    "Q1": 0.18,
    "Q2": 0.18,
    "Q3": 0.18,
}

#: Below this mu (emission angle above ~78°) corrected values are not trusted (SCIENCE.md 3.4).
DEFAULT_MU_MIN = 0.2


def default_limb_exponent(filter_name: str | None, wavelength_um: float | None) -> float | None:
    """The published exponent for a filter, else one by wavelength range, else None (fit it).

    By wavelength: 7.5-8.3 um (stratospheric methane) 0, 8.3-10 um 0.30,
    10-15 um 0.20, 15-25 um 0.18; none for the 5 um window, where the
    exponent depends on the clouds and must be fitted.
    """
    if filter_name:
        key = filter_name.strip().upper().replace("-", "_")
        for name, exponent in LIMB_EXPONENTS.items():
            if key == name.upper():
                return exponent
    if wavelength_um is None:
        return None
    for low, high, exponent in ((7.5, 8.3, 0.0), (8.3, 10.0, 0.30), (10.0, 15.0, 0.20), (15.0, 25.0, 0.18)):
        if low <= wavelength_um < high:
            return exponent
    return None


def limb_correct(
    radiance: np.ndarray, mu: np.ndarray, exponent: float, *, mu_min: float = DEFAULT_MU_MIN
) -> np.ndarray:
    """I / mu^b; NaN where mu <= ``mu_min`` or mu is NaN (off the disc).

    Parameters
    ----------
    radiance : ndarray
        Radiance (or counts: the correction is a ratio) per pixel.
    mu : ndarray
        Cosine of the emission angle, same shape.
    exponent : float
        b in I = I0 mu^b.
    mu_min : float
        Pixels at or below this mu are NaN.

    Returns
    -------
    ndarray
        float32 for float32 input, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> limb_correct(np.array([0.5, 1.0]), np.array([0.25, 1.0]), 0.5)
    array([1., 1.])
    """
    if not np.isfinite(exponent) or not 0 <= exponent <= 5:
        raise InputError(f"the limb-darkening exponent must be within 0..5, got {exponent}")
    if not 0 <= mu_min < 1:
        raise InputError(f"the mu cut must be within 0..1, got {mu_min}")
    values = np.asarray(radiance)
    dtype = np.float32 if values.dtype == np.float32 else np.float64
    mu = np.asarray(mu, dtype=dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = values / mu**exponent
        out[~(mu > mu_min)] = np.nan
    return out.astype(dtype, copy=False)


def limb_weight(mu: np.ndarray, mu_min: float, *, fade: float = 0.1) -> np.ndarray:
    """Opacity for fading the limb: 0 at or below ``mu_min``, 1 above ``mu_min + fade``, linear between."""
    with np.errstate(invalid="ignore"):
        weight = np.clip((np.asarray(mu, dtype=np.float32) - mu_min) / fade, 0.0, 1.0)
    return np.nan_to_num(weight, nan=0.0)


@dataclass(frozen=True)
class LimbExponent:
    """A fitted limb-darkening exponent.

    Attributes
    ----------
    value : float
        b, the weighted mean of the per-band slopes.
    uncertainty : float
        Standard error of that mean (from the scatter of the slopes).
    bands : int
        Latitude bands that gave a slope.
    """

    value: float
    uncertainty: float
    bands: int


def fit_limb_exponent(
    radiance: np.ndarray,
    mu: np.ndarray,
    latitude: np.ndarray,
    *,
    mu_min: float = DEFAULT_MU_MIN,
    latitude_bands: tuple[tuple[float, float], ...] = ((-30.0, -5.0), (5.0, 30.0)),
    bin_width: float = 2.0,
    min_points: int = 20,
) -> LimbExponent:
    """b from the slope of ln I against ln mu within narrow latitude bins.

    Within a latitude bin the atmosphere is roughly the same at every
    longitude, so the fall of radiance with mu is limb darkening. Each bin of
    ``bin_width`` degrees inside ``latitude_bands`` (default 5-30° N and S,
    away from the equator's and the poles' own structure) gives a least-squares
    slope; the result is their mean weighted by the number of pixels.

    Parameters
    ----------
    radiance, mu, latitude : ndarray
        Radiance (or counts), cosine of the emission angle and latitude
        (degrees) per pixel; NaN = no data.
    mu_min : float
        Pixels at or below this mu are not used.
    latitude_bands : sequence of (float, float)
        Latitude ranges to use.
    bin_width : float
        Width of a latitude bin, degrees.
    min_points : int
        Bins with fewer usable pixels, or a mu range under 0.3, are skipped.

    Returns
    -------
    LimbExponent

    Raises
    ------
    InputError
        When no bin has enough pixels over a wide enough range of mu.
    """
    radiance = np.asarray(radiance, dtype=np.float64).ravel()
    mu = np.asarray(mu, dtype=np.float64).ravel()
    latitude = np.asarray(latitude, dtype=np.float64).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        use = (mu > mu_min) & (radiance > 0) & np.isfinite(latitude)
    x, y, lat = np.log(mu[use]), np.log(radiance[use]), latitude[use]
    starts = np.concatenate(
        [np.arange(low, high - bin_width + 1e-9, bin_width) for low, high in sorted(latitude_bands)]
    )
    edges = np.unique(np.concatenate([starts, starts + bin_width]))
    wanted = np.isin(edges[:-1], starts) & np.isclose(np.diff(edges), bin_width)  # not the gaps between bands
    index = np.digitize(lat, edges) - 1
    inside = (index >= 0) & (index < len(edges) - 1)
    inside[inside] = wanted[index[inside]]
    slopes, counts = _binned_slopes(x[inside], y[inside], index[inside], len(edges), min_points)
    if slopes.size == 0:
        raise InputError(
            "cannot fit the limb-darkening exponent: too few disc pixels over a range of emission angle "
            f"in the 5-30° latitude bands (give the exponent instead, e.g. {option('limb_correction', 0.2)})"
        )
    weights = counts / counts.sum()
    value = float(np.sum(weights * slopes))
    spread = np.sqrt(np.sum(weights * (slopes - value) ** 2))
    uncertainty = float(spread / np.sqrt(slopes.size)) if slopes.size > 1 else float("nan")
    return LimbExponent(value, uncertainty, int(slopes.size))


def _binned_slopes(x, y, index, nbins, min_points):
    """Least-squares slope of y on x in every bin with enough points spanning ln mu over ~0.3 in mu."""
    n = np.bincount(index, minlength=nbins).astype(np.float64)
    sx, sy = np.bincount(index, x, nbins), np.bincount(index, y, nbins)
    sxx, sxy = np.bincount(index, x * x, nbins), np.bincount(index, x * y, nbins)
    low = np.full(nbins, np.inf)
    high = np.full(nbins, -np.inf)
    np.minimum.at(low, index, x)
    np.maximum.at(high, index, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = sxx - sx * sx / n
        slope = (sxy - sx * sy / n) / variance
        wide = np.exp(high) - np.exp(low) >= 0.3
    good = (n >= min_points) & wide & np.isfinite(slope) & (variance > 0)
    return slope[good], n[good]
