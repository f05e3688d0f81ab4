"""Planck radiance and its exact inverse, monochromatic and band-integrated.

Three spectral-radiance conventions are supported, chosen by the radiance unit:

========================  ==========================================  ======================
per                       canonical unit                              spectral coordinate
========================  ==========================================  ======================
wavelength                W m-2 sr-1 um-1                             wavelength
wavenumber                erg s-1 cm-2 sr-1 (cm-1)-1                  wavenumber (cm-1)
frequency                 W m-2 Hz-1 sr-1 (also Jy/sr, MJy/sr)        frequency
========================  ==========================================  ======================

All three share one kernel, B = A q^p / expm1(C q / T), with q = 1/lambda (p = 5),
the wavenumber (p = 3) or the frequency (p = 3); its inverse is
T = C q / log1p(A q^p / B). Everything runs in float64. The Rayleigh-Jeans
``astropy.units.brightness_temperature`` equivalency is never used: in the
mid-infrared x = hc/(lambda k T) is 2-30 and it is wrong by orders of magnitude.

Band-integrated radiance over a filter curve R is the average of B weighted by
R (times lambda for a photon-counting detector) in the measure of the radiance
convention. Its inverse uses a table of exact nodes uniform in g = ln(1 + K/L),
in which 1/T is nearly linear (exactly so for one wavelength). For the VISIR
filters the error is below 1e-5 K at 50-400 K and below 2e-4 K up to 1500 K;
wider filters do worse (a 3-30 um top-hat: 1e-4 K at 50-400 K). Outside the
table (about 10-1500 K) the result is NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from astropy import units as u

from .._blocks import Kernel
from .._units import WAVELENGTH_RADIANCE, WAVENUMBER_RADIANCE, parse_unit
from ..exceptions import UnitError
from ._band import band_kernel, table_for
from ._conventions import CONVENTIONS, Weighting, coordinate, is_filter, radiance_convention

__all__ = [
    "brightness_temperature",
    "planck_radiance",
    "radiance_convention",
    "radiance_to_temperature",
    "temperature_kernel",
    "temperature_to_radiance",
]

# --------------------------------------------------------------------------------------
# Array-level conversions (plain numbers in a given unit)


def temperature_kernel(
    spectral: Any, unit: u.UnitBase, *, weighting: Weighting = "energy", scale: float = 1.0
) -> Kernel:
    """A block kernel turning radiance values into brightness temperature (K).

    Parameters
    ----------
    spectral : Quantity or Filter
        Scalar wavelength/wavenumber/frequency, or a filter (band look-up table).
    unit : Unit
        Radiance unit of ``scale`` times the values.
    weighting : {'energy', 'photon'}
        Band weighting (filters only).
    scale : float
        Factor applied to the values first (e.g. a conversion factor for counts).

    Returns
    -------
    Kernel
        ``func(values_block, temperature_block, *scratch)``; NaN where the
        radiance is not positive and finite (or outside a band table).

    Notes
    -----
    The pipeline chains this kernel with the opacity and palette kernels so a
    render reads each pixel once. Formulas as in :func:`radiance_to_temperature`.
    """
    convention_name = radiance_convention(unit)
    convention = CONVENTIONS[convention_name]
    scale = float(scale) * unit.to(convention.radiance_unit)
    if is_filter(spectral):
        return band_kernel(table_for(spectral, convention_name, weighting), scale)
    q = coordinate(spectral, convention)
    if q.ndim:
        raise UnitError("temperature_kernel needs one spectral coordinate, not an array")
    numerator = float(convention.exponent * q)
    ratio = float(convention.amplitude * q**convention.power / scale)

    def kernel(x, t, buffer):
        _invert(x, numerator, ratio, buffer)
        t[...] = buffer

    return Kernel(kernel, (np.float64,))


def _invert(values, numerator, ratio, out: np.ndarray) -> None:
    """T = numerator / log1p(ratio / I) into float64 ``out``; NaN where I <= 0 or I is not finite."""
    np.divide(ratio, values, out=out, dtype=np.float64)
    np.log1p(out, out=out)
    np.divide(numerator, out, out=out)
    # I <= 0 gives T <= 0 (or NaN, which stays NaN); I = inf gives T = inf.
    np.copyto(out, np.nan, where=(out <= 0) | (out == np.inf))


def radiance_to_temperature(
    values: np.ndarray,
    spectral: Any,
    unit: u.UnitBase,
    *,
    weighting: Weighting = "energy",
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Brightness temperature in K of plain radiance values in ``unit``.

    The array-level core of :func:`brightness_temperature`: no Quantity
    wrapping, optional ``out`` buffer, evaluated block-wise on all cores.

    Parameters
    ----------
    values : ndarray
        Radiance in ``unit``, any shape. float32 input gives float32 output.
    spectral : Quantity or Filter
        Wavelength, wavenumber or frequency (a scalar, or an array that
        broadcasts against ``values``), or a filter.
    unit : Unit
        A spectral radiance unit; it selects the convention.
    weighting : {'energy', 'photon'}
        Band weighting (filters only).
    out : ndarray, optional
        Output buffer of the shape of ``values``.

    Returns
    -------
    ndarray
        T in K; NaN where the radiance is not positive and finite, and, for a
        filter, outside the band table (about 10-1500 K).

    Notes
    -----
    T = C q / log1p(A q^p / B) for one spectral coordinate q (SCIENCE.md 1.2);
    the band inverse interpolates 1/T on exact nodes (:mod:`._band`).
    Domain: B > 0; range: T > 0.
    """
    values = np.asarray(values)
    if out is None:
        out = np.empty(values.shape, dtype=np.float32 if values.dtype == np.float32 else np.float64)
    if not is_filter(spectral) and np.ndim(getattr(spectral, "value", spectral)):
        # one spectral coordinate per value: plain broadcasting
        convention = CONVENTIONS[radiance_convention(unit)]
        q = coordinate(spectral, convention)
        ratio = convention.amplitude * q**convention.power / unit.to(convention.radiance_unit)
        t = np.empty(np.broadcast_shapes(values.shape, q.shape))
        with np.errstate(divide="ignore", invalid="ignore"):
            _invert(values, convention.exponent * q, ratio, t)
        if out.shape != t.shape:
            out = np.empty(t.shape, dtype=out.dtype)
        out[...] = t
        return out
    temperature_kernel(spectral, unit, weighting=weighting).run([values], [out])
    return out


def temperature_to_radiance(
    temperature: np.ndarray,
    spectral: Any,
    unit: u.UnitBase,
    *,
    weighting: Weighting = "energy",
) -> np.ndarray:
    """Planck (or band-averaged Planck) radiance in ``unit`` of plain temperatures in K.

    Parameters
    ----------
    temperature : ndarray
        Temperatures in K, any shape.
    spectral : Quantity or Filter
        Wavelength, wavenumber or frequency, or a filter (band average).
    unit : Unit
        Output spectral radiance unit; it selects the convention.
    weighting : {'energy', 'photon'}
        Band weighting (filters only).

    Returns
    -------
    ndarray
        Radiance in ``unit`` (float64); NaN where T <= 0 or, for a filter,
        outside the band table.

    Notes
    -----
    B = A q^p / expm1(C q / T). Domain: T > 0; range: B > 0.
    """
    t = np.asarray(temperature, dtype=np.float64)
    convention_name = radiance_convention(unit)
    convention = CONVENTIONS[convention_name]
    scale = convention.radiance_unit.to(unit)
    if is_filter(spectral):
        return table_for(spectral, convention_name, weighting).radiance(t) * scale
    q = coordinate(spectral, convention)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        radiance = convention.amplitude * q**convention.power / np.expm1(convention.exponent * q / t)
    radiance = np.where(t > 0, radiance, np.nan)
    return radiance * scale


# --------------------------------------------------------------------------------------
# Public, Quantity-level API

_DEFAULT_UNIT = {
    "length": WAVELENGTH_RADIANCE,
    "wavenumber": WAVENUMBER_RADIANCE,
    "frequency": u.Jy / u.sr,
}


def planck_radiance(
    temperature: u.Quantity,
    spectral: u.Quantity | Any,
    *,
    unit: u.UnitBase | str | None = None,
    weighting: Weighting = "energy",
) -> u.Quantity:
    """Planck spectral radiance of a black body at ``temperature``.

    Parameters
    ----------
    temperature : Quantity
        Temperature (K, or any unit convertible to K), any shape.
    spectral : Quantity or Filter
        Wavelength, wavenumber or frequency (scalar, or an array broadcasting
        against ``temperature``), or a filter with a transmission curve for the
        band-averaged radiance. The inverse is :func:`brightness_temperature`
        ``(radiance, spectral)``.
    unit : unit or str, optional
        Output radiance unit; it selects the convention (per wavelength, per
        wavenumber or per frequency). Default: per the kind of ``spectral``
        (W m-2 sr-1 um-1 for a wavelength or filter, erg s-1 cm-2 sr-1
        (cm-1)-1 for a wavenumber, Jy/sr for a frequency).
    weighting : {'energy', 'photon'}
        Band average weighted by R (energy-integrating detector) or by
        R times wavelength (photon counter). Only used with a filter.

    Returns
    -------
    Quantity
        Radiance in ``unit``; NaN where T <= 0.

    Notes
    -----
    B_lambda = c1 / (lambda^5 (exp(c2 / (lambda T)) - 1)), c1 = 2 h c^2,
    c2 = h c / k. Domain: T > 0 K; range: B > 0.

    References
    ----------
    Planck, M. 1901, Annalen der Physik 309, 553. doi:10.1002/andp.19013090310

    Examples
    --------
    >>> import astropy.units as u
    >>> planck_radiance(130 * u.K, 13 * u.um).round(8)
    <Quantity 0.06440857 W / (sr um m2)>
    """
    if (
        isinstance(spectral, u.Quantity)
        and spectral.unit.is_equivalent(u.K)
        and isinstance(temperature, u.Quantity)
        and not temperature.unit.is_equivalent(u.K)
    ):
        raise UnitError("the arguments are planck_radiance(temperature, spectral): they look swapped")
    if unit is None:
        if is_filter(spectral):
            unit = WAVELENGTH_RADIANCE
        else:
            kind = (
                "length"
                if u.Quantity(spectral).unit.is_equivalent(u.m)
                else ("frequency" if u.Quantity(spectral).unit.is_equivalent(u.Hz) else "wavenumber")
            )
            unit = _DEFAULT_UNIT[kind]
    unit = parse_unit(unit)
    t = _kelvin(temperature, "temperature")
    return temperature_to_radiance(t, spectral, unit, weighting=weighting) * unit


def brightness_temperature(
    radiance: u.Quantity,
    spectral: u.Quantity | Any,
    *,
    weighting: Weighting = "energy",
) -> u.Quantity:
    """Brightness temperature: the exact inverse of the Planck function.

    Parameters
    ----------
    radiance : Quantity
        Spectral radiance per wavelength, wavenumber or frequency (the unit
        selects the convention), any shape. float32 stays float32.
    spectral : Quantity or Filter
        Wavelength, wavenumber or frequency, or a filter for the band-averaged
        inverse (look-up table over about 10-1500 K, NaN outside; error
        < 1e-5 K at 50-400 K for the VISIR filters).
    weighting : {'energy', 'photon'}
        Band weighting, as in :func:`planck_radiance`.

    Returns
    -------
    Quantity
        Temperature in K; NaN where the radiance is <= 0 or not finite.

    Notes
    -----
    T = c2 / (lambda ln(1 + c1 / (lambda^5 B))). Not the Rayleigh-Jeans
    ``astropy.units.brightness_temperature``, which gives 0.22 K instead of
    130 K at 13 um. Domain: B > 0; range: T > 0 K.

    Examples
    --------
    >>> import astropy.units as u
    >>> brightness_temperature(0.06440857 * u.Unit("W m-2 sr-1 um-1"), 13 * u.um).round(4)
    <Quantity 130. K>
    """
    if not isinstance(radiance, u.Quantity):
        raise UnitError("radiance needs a unit: pass e.g. values * u.Unit('W m-2 sr-1 um-1')")
    values = radiance.value
    temperature = radiance_to_temperature(values, spectral, radiance.unit, weighting=weighting)
    return u.Quantity(temperature, u.K, copy=False)


def _kelvin(value: u.Quantity, name: str) -> np.ndarray:
    if not isinstance(value, u.Quantity):
        raise UnitError(f"{name} needs a unit: pass e.g. 130 * u.K")
    try:
        return np.asarray(value.to_value(u.K, equivalencies=u.temperature()), dtype=np.float64)
    except u.UnitConversionError as err:
        raise UnitError(f"{name} must be a temperature, got {value.unit}") from err
