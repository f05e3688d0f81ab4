"""Calibration: detector counts to spectral radiance.

Absolute calibration multiplies counts by a conversion factor (radiance per
count) measured on a standard star in the same filter (SCIENCE.md 3.2).
"""

from __future__ import annotations

from astropy import units as u

from ._units import is_radiance
from .exceptions import UnitError

__all__ = ["conversion"]


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
