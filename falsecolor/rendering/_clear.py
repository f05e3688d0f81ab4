"""The clear-sky 5 um reference in any unit, and the public cloud_opacity()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from astropy import units as u

from .. import filters, planck
from .. import opacity as opacity_stage
from .._units import is_counts, is_radiance, parse_quantity
from ..bands import Band
from ..exceptions import InputError, UnitError


def clear_reference(
    value: u.Quantity | float | str,
    *,
    scale: float,
    radiance_unit: u.UnitBase | None,
    number_unit: u.UnitBase | None,
    data_in_counts: bool,
    spectral: Callable[[], Any],
    what: str,
    scale_option: str = "a conversion factor",
) -> float:
    """A clear-sky reference in the units of the values the opacity kernel reads.

    Parameters
    ----------
    value : Quantity, float or str
        A brightness temperature, a radiance (any convention), counts, or a
        plain number (in ``number_unit`` if given, else in the data's own unit).
    scale, radiance_unit : float, Unit or None
        ``scale * data`` is radiance in ``radiance_unit``; None for
        uncalibrated counts.
    number_unit : Unit or None
        The unit a plain number is in (K for a band given in K).
    data_in_counts : bool
        Whether the data are detector counts (a reference in counts is then direct).
    spectral : callable
        Returns the band's filter or wavelength (called only when needed).
    what : str
        The band, for messages.
    scale_option : str
        How the user gives a conversion factor, for messages.

    Notes
    -----
    A radiance in another convention (per wavenumber against per wavelength,
    say) is converted through its brightness temperature, which is exact for
    band averages.
    """
    quantity = parse_quantity(value)
    if not (np.all(np.isfinite(quantity.value)) and np.all(quantity.value > 0)):
        raise InputError(f"the clear-sky reference must be a positive number, got {value}")
    if quantity.unit == u.dimensionless_unscaled:
        if number_unit is None:
            return float(quantity.value)
        quantity = quantity.value * number_unit
    if is_counts(quantity.unit):
        if not data_in_counts:
            raise UnitError(f"clear-sky reference {value} is in counts but {what} is not")
        return float(quantity.value)
    if radiance_unit is None:
        raise UnitError(
            f"a clear-sky temperature or radiance ({value}) needs {what} calibrated, but it is in "
            f"uncalibrated counts: give {scale_option}, give the reference in counts, or leave it out"
        )
    if quantity.unit.is_equivalent(u.K):
        kelvin = quantity.to_value(u.K, equivalencies=u.temperature())
        return float(planck.temperature_to_radiance(kelvin, spectral(), radiance_unit)) / scale
    if not is_radiance(quantity.unit):
        raise UnitError(f"clear-sky reference {value} is not a temperature, a radiance or counts")
    if quantity.unit.is_equivalent(radiance_unit):
        return float(quantity.to_value(radiance_unit)) / scale
    kelvin = planck.radiance_to_temperature(np.array(quantity.value), spectral(), quantity.unit)
    return float(planck.temperature_to_radiance(kelvin, spectral(), radiance_unit)) / scale


def cloud_opacity(
    radiance: u.Quantity | np.ndarray,
    *,
    clear: u.Quantity | float | None = None,
    percentile: float = opacity_stage.CLEAR_SKY_PERCENTILE,
    mask: np.ndarray | None = None,
    spectral: Any = None,
) -> np.ndarray:
    """Cloud opacity tau = -ln(I / I_clear) from a ~5 um image.

    Parameters
    ----------
    radiance : Band, Quantity or ndarray
        5 um spectral radiance (any convention), a brightness-temperature map
        (Quantity in K; needs ``spectral``), plain counts, or a Band (whose
        filter or wavelength then serves as ``spectral``).
    clear : Quantity or float, optional
        Clear-sky reference: a brightness temperature, a radiance (any
        convention; needs ``spectral`` to cross conventions), or a number in
        the unit of ``radiance``. Default: the ``percentile`` of the positive
        values where ``mask`` is False.
    percentile : float
        Percentile used when ``clear`` is not given (the hot spots: 99.5).
    mask : ndarray of bool, optional
        True where a pixel is off the disc (left out of the percentile).
    spectral : Quantity or Filter, optional
        Wavelength or filter of the image.

    Returns
    -------
    ndarray
        tau >= 0, NaN where the radiance is not positive and finite; float32
        for float32 input.

    Notes
    -----
    tau = ln(I_clear / I): an effective absorption optical depth of the cloud
    column above the ~1-5 bar level. With a percentile reference it is
    relative to the clearest columns (the 5 um hot spots), and the detector
    gain cancels. Domain: I > 0; range: [0, inf).

    Examples
    --------
    >>> import astropy.units as u
    >>> from falsecolor import cloud_opacity, planck_radiance
    >>> radiance = planck_radiance([210, 200] * u.K, 4.8 * u.um)
    >>> cloud_opacity(radiance, clear=250 * u.K, spectral=4.8 * u.um).round(2)
    array([2.28, 3.  ])
    """

    def need_spectral():
        if spectral is None:
            raise InputError("give spectral= (the wavelength or filter of the image)")
        return spectral

    if isinstance(radiance, Band):
        if spectral is None and (radiance.filter_name or radiance.wavelength is not None):
            spectral = (
                filters.get_filter(radiance.filter_name) if radiance.filter_name else radiance.wavelength
            )
        radiance = radiance.data * radiance.unit
    unit = radiance.unit if isinstance(radiance, u.Quantity) else None
    values = np.asarray(getattr(radiance, "value", radiance))
    if unit is not None and unit.is_equivalent(u.K):
        kelvin = (values * unit).to_value(u.K, equivalencies=u.temperature())
        unit = u.W / (u.m**2 * u.sr * u.um)
        values = planck.temperature_to_radiance(kelvin, need_spectral(), unit).astype(values.dtype)
    elif unit is not None and not (is_radiance(unit) or is_counts(unit)):
        raise UnitError(f"radiance in {unit} is not a spectral radiance, a temperature or counts")
    if clear is None:
        reference = opacity_stage.clear_sky_radiance(values, percentile=percentile, mask=mask)
    else:
        calibrated = unit if unit is not None and is_radiance(unit) else None
        reference = clear_reference(
            clear,
            scale=1.0,
            radiance_unit=calibrated,
            number_unit=None,
            data_in_counts=calibrated is None,
            spectral=need_spectral,
            what="the image",
        )
    return opacity_stage.opacity_from_radiance(values, reference)
