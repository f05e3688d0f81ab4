"""Calibration: counts to radiance, calibration against the planet, and limb correction.

- absolute: a conversion factor (radiance per count), e.g. from a standard star;
- against the planet: scale to a reference zonal-mean profile (the Leicester practice);
- limb (emission-angle) correction I0 = I / mu^b, with per-filter or fitted b.
"""

from ._conversion import conversion, conversion_from_star, star_counts
from ._limb import (
    DEFAULT_MU_MIN,
    LIMB_EXPONENTS,
    LimbExponent,
    default_limb_exponent,
    fit_limb_exponent,
    limb_correct,
    limb_weight,
)
from ._profile import ZonalProfile, central_meridian_profile, profile_scale, read_profile_table

__all__ = [
    "DEFAULT_MU_MIN",
    "LIMB_EXPONENTS",
    "LimbExponent",
    "ZonalProfile",
    "central_meridian_profile",
    "conversion",
    "conversion_from_star",
    "default_limb_exponent",
    "fit_limb_exponent",
    "limb_correct",
    "limb_weight",
    "profile_scale",
    "read_profile_table",
    "star_counts",
]
