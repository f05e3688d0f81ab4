"""Unit parsing and the radiance units shared by every stage."""

from __future__ import annotations

import re

from astropy import units as u

from .exceptions import UnitError

__all__ = [
    "FREQUENCY_RADIANCE",
    "RADIANCE_UNITS",
    "WAVELENGTH_RADIANCE",
    "WAVENUMBER_RADIANCE",
    "is_counts",
    "is_radiance",
    "parse_quantity",
    "parse_unit",
]

WAVELENGTH_RADIANCE = u.W / (u.m**2 * u.sr * u.um)
#: erg s-1 cm-2 sr-1 (cm-1)-1, which astropy reduces to erg / (s cm sr).
WAVENUMBER_RADIANCE = u.erg / (u.s * u.cm**2 * u.sr) * u.cm
FREQUENCY_RADIANCE = u.W / (u.m**2 * u.Hz * u.sr)
RADIANCE_UNITS = {
    "wavelength": WAVELENGTH_RADIANCE,
    "wavenumber": WAVENUMBER_RADIANCE,
    "frequency": FREQUENCY_RADIANCE,
}

# Unit spellings seen in real headers that astropy does not parse as written.
_ALIASES = {
    "counts": u.count,
    "count": u.count,
    "cts": u.count,
    "ct": u.count,
    "adu": u.adu,
    "dn": u.adu,
    "kelvin": u.K,
    "k": u.K,
    "none": u.dimensionless_unscaled,
    "dimensionless": u.dimensionless_unscaled,
    "": u.dimensionless_unscaled,
}
# "(cm-1)-1" and "(cm^-1)^-1" mean "per wavenumber", i.e. times cm.
_PER_WAVENUMBER = re.compile(r"\(\s*([A-Za-z]+)\s*\^?\s*-1\s*\)\s*\^?\s*-1")
# Detector words inside compound units ("ADU/s", "counts / s").
_DETECTOR_WORDS = re.compile(r"\b(counts|count|cts|ADU|DN)\b")
_DETECTOR_UNITS = {"counts": "ct", "count": "ct", "cts": "ct", "ADU": "adu", "DN": "adu"}


def parse_unit(text: str | u.UnitBase) -> u.UnitBase:
    """Parse a unit written as in FITS headers or on the command line.

    Accepts astropy and FITS spellings plus the per-wavenumber form
    ``(cm-1)-1`` and common header words (``counts``, ``ADU``, ``DN``,
    ``Kelvin``).

    Raises
    ------
    UnitError
        When the text is not a unit.

    Examples
    --------
    >>> parse_unit("erg s-1 cm-2 sr-1 (cm-1)-1")
    Unit("erg / (cm s sr)")
    """
    if isinstance(text, u.UnitBase):
        return text
    cleaned = str(text).strip()
    alias = _ALIASES.get(cleaned.lower())
    if alias is not None:
        return alias
    rewritten = _PER_WAVENUMBER.sub(r"\1", cleaned)
    rewritten = _DETECTOR_WORDS.sub(lambda m: _DETECTOR_UNITS[m.group(1)], rewritten)
    for candidate in dict.fromkeys((cleaned, rewritten)):
        for fmt in ("fits", None):
            try:
                return u.Unit(candidate, format=fmt, parse_strict="raise")
            except ValueError:
                continue
    raise UnitError(
        f"unknown unit {text!r}: write it as astropy does, e.g. 'W m-2 sr-1 um-1', "
        "'erg s-1 cm-2 sr-1 (cm-1)-1', 'MJy/sr', 'K' or 'counts'"
    )


def is_counts(unit: u.UnitBase) -> bool:
    """True for uncalibrated detector units: count, adu, their multiples and rates (ct/s)."""
    return any(x.is_equivalent(d) for x in (unit, unit * u.s) for d in (u.count, u.adu))


def is_radiance(unit: u.UnitBase) -> bool:
    """True for a spectral radiance per wavelength, wavenumber or frequency."""
    return any(unit.is_equivalent(r) for r in RADIANCE_UNITS.values())


_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def parse_quantity(text: str | float | u.Quantity) -> u.Quantity:
    """A number with an optional unit, spelled as :func:`parse_unit` accepts (``'250K'``,
    ``'2e-5 W m-2 sr-1 um-1'``, ``'1 erg s-1 cm-2 sr-1 (cm-1)-1'``, ``'5000 counts'``).

    A bare number comes back dimensionless.

    Raises
    ------
    UnitError
        When the text is not a number followed by a unit.
    """
    if isinstance(text, u.Quantity):
        return text
    if isinstance(text, int | float):
        return float(text) * u.dimensionless_unscaled
    match = _QUANTITY.match(str(text))
    if match is None:
        raise UnitError(f"{text!r} is not a number with a unit, e.g. 250K or '2e-5 W m-2 sr-1 um-1'")
    return float(match.group(1)) * parse_unit(match.group(2))
