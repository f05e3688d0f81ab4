"""The three spectral-radiance conventions and their shared Planck kernel constants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from astropy import constants as const
from astropy import units as u

from .._units import FREQUENCY_RADIANCE, WAVELENGTH_RADIANCE, WAVENUMBER_RADIANCE
from ..exceptions import InputError, UnitError

Weighting = Literal["energy", "photon"]

_TWO_H_C2 = 2 * const.h * const.c**2


@dataclass(frozen=True)
class Convention:
    """B = amplitude * q**power / expm1(exponent * q / T), B in ``radiance_unit``."""

    name: str
    radiance_unit: u.UnitBase
    coordinate_unit: u.UnitBase
    amplitude: float
    power: int
    exponent: float


CONVENTIONS = {
    "wavelength": Convention(
        "wavelength",
        WAVELENGTH_RADIANCE,
        1 / u.um,
        _TWO_H_C2.to_value(u.W * u.um**4 / u.m**2),
        5,
        (const.h * const.c / const.k_B).to_value(u.um * u.K),
    ),
    "wavenumber": Convention(
        "wavenumber",
        WAVENUMBER_RADIANCE,
        1 / u.cm,
        _TWO_H_C2.to_value(u.erg / u.s * u.cm**2),
        3,
        (const.h * const.c / const.k_B).to_value(u.cm * u.K),
    ),
    "frequency": Convention(
        "frequency",
        FREQUENCY_RADIANCE,
        u.Hz,
        (2 * const.h / const.c**2).to_value(u.W / u.m**2 / u.Hz**4),
        3,
        (const.h / const.k_B).to_value(u.K / u.Hz),
    ),
}


def radiance_convention(unit: u.UnitBase) -> str:
    """Return ``'wavelength'``, ``'wavenumber'`` or ``'frequency'`` for a radiance unit.

    Raises
    ------
    UnitError
        When ``unit`` is not a spectral radiance (per steradian).
    """
    for name, convention in CONVENTIONS.items():
        if unit.is_equivalent(convention.radiance_unit):
            return name
    raise UnitError(
        f"{unit.to_string() or 'dimensionless'!s} is not a spectral radiance: use e.g. "
        "'W m-2 sr-1 um-1', 'erg s-1 cm-2 sr-1 (cm-1)-1' or 'MJy/sr'"
    )


def is_filter(spectral: Any) -> bool:
    return hasattr(spectral, "transmission") and hasattr(spectral, "curve_wavelength")


def coordinate(spectral: u.Quantity, convention: Convention) -> np.ndarray:
    """Spectral coordinate q of the kernel (1/um, 1/cm or Hz) as float64."""
    if not isinstance(spectral, u.Quantity):
        raise UnitError(
            f"a wavelength, wavenumber or frequency needs a unit (got {spectral!r}): "
            "pass e.g. 13 * u.um, 769.2 / u.cm or a filter"
        )
    try:
        q = spectral.to(convention.coordinate_unit, equivalencies=u.spectral())
    except u.UnitConversionError as err:
        raise UnitError(f"{spectral} is not a wavelength, wavenumber or frequency") from err
    values = np.asarray(q.value, dtype=np.float64)
    if np.any(~np.isfinite(values)) or np.any(values <= 0):
        raise InputError(f"the spectral coordinate must be positive and finite, got {spectral}")
    return values
