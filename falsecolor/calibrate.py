"""Calibration: detector counts to spectral radiance.

Absolute calibration multiplies counts by a conversion factor (radiance per
count) measured on a standard star in the same filter (SCIENCE.md 3.2).
"""

from __future__ import annotations

import numpy as np
from astropy import units as u

from ._units import is_radiance
from .exceptions import UnitError

__all__ = ["apply_conversion_factor"]


def apply_conversion_factor(
    counts: np.ndarray, factor: u.Quantity, *, counts_unit: u.UnitBase = u.count
) -> tuple[np.ndarray, u.UnitBase]:
    """Radiance = counts x factor.

    Parameters
    ----------
    counts : ndarray
        Uncalibrated image. float32 stays float32.
    factor : Quantity
        Radiance per count, e.g. ``1.2e-5 W m-2 sr-1 um-1`` (per count, or
        with ``/ ct`` in the unit).
    counts_unit : Unit
        Unit of ``counts`` (count or adu); divided out of ``factor`` if present.

    Returns
    -------
    (ndarray, Unit)
        Radiance values and their unit.

    Raises
    ------
    UnitError
        When ``factor`` times one count is not a spectral radiance.
    """
    unit = factor.unit * counts_unit if not is_radiance(factor.unit) else factor.unit
    unit = u.Unit(unit)
    if not is_radiance(unit):
        raise UnitError(
            f"the conversion factor {factor} does not turn counts into a spectral radiance: "
            "give it as e.g. '1.2e-5 W m-2 sr-1 um-1' (per count)"
        )
    data = np.asarray(counts)
    scale = np.asarray(factor.value, dtype=np.float64)
    return (data * scale).astype(data.dtype, copy=False), unit
