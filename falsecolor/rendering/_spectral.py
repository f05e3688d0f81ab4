"""A band's spectral identity, resolved once: its filter (band-integrated) or its wavelength.

:func:`identify` runs once per band when a render reads it, so an unknown
filter is warned about once; every later step reads ``band.spectral``.
:func:`spectral` returns it where a step cannot go on without it, with a
message naming the option that supplies it.
"""

from __future__ import annotations

from typing import Any

from astropy import units as u

from .. import calibrate, filters
from .._messages import for_band, option
from ..bands import Band, Spectral
from ..exceptions import FileFormatError, FilterError, InputError, UnitError, warn

__all__ = ["REFLECTED_NOTE", "band_label", "identify", "radiance_scale", "reflected", "spectral"]

#: Below this wavelength (µm) a planet's light is mostly reflected sunlight, not thermal emission.
REFLECTED_BELOW_UM = 3.0
REFLECTED_NOTE = (
    f"below {REFLECTED_BELOW_UM:g} µm the light is mostly reflected sunlight: a brightness temperature "
    "computed from it is not the temperature of thermal emission"
)


def reflected(wavelength: u.Quantity) -> bool:
    """Whether a band lies where reflected sunlight, not thermal emission, dominates."""
    return bool(wavelength.to_value(u.um, equivalencies=u.spectral()) < REFLECTED_BELOW_UM)


def _examples(band: Band) -> tuple[str, str]:
    return ("5um", "M-BAND") if band.role == "cloud" else ("13um", "NEII_2")


def _of_filter(filt: filters.Filter) -> Spectral:
    micron = float(filt.wavelength.to_value(u.um))
    return Spectral(filt, f"{filt.name} {micron:.2f} µm", micron, filt.name)


def _of_wavelength(wavelength: u.Quantity) -> Spectral:
    micron = float(wavelength.to_value(u.um, equivalencies=u.spectral()))
    return Spectral(wavelength, f"{micron:.2f} µm", micron)


def identify(band: Band) -> Band:
    """The band with its spectral identity resolved (``band.spectral``; None when nothing says it).

    A filter or wavelength the user gave must be usable (and not both); a
    filter named only by the header that is not known falls back to the
    header's wavelength with a warning, or leaves the identity unknown.
    """
    with for_band(band.role):
        from_options = (
            band.provenance.get("filter") == "option",
            band.provenance.get("wavelength") == "option",
        )
        if all(from_options) and band.filter_name:
            raise InputError(
                f"give either {option('filter')} or {option('wavelength')} for {band.label}, not both"
            )
        found: Spectral | None = None
        if band.filter_name and not from_options[1]:
            try:
                found = _of_filter(filters.get_filter(band.filter_name))
            except (FilterError, FileFormatError) as err:
                if from_options[0] or not str(err).startswith("unknown filter"):
                    raise  # a filter the user named, or a curve file that cannot be used, says why
                if band.wavelength is not None:
                    warn(
                        f"unknown filter {band.filter_name!r} in {band.label}; using its wavelength "
                        f"{band.wavelength} without band integration"
                    )
        if found is None and band.wavelength is not None:
            found = _of_wavelength(band.wavelength)
    if found is not None and band.role != "cloud" and found.micron < REFLECTED_BELOW_UM:
        warn(f"{band.label} is at {found.micron:.2f} µm: {REFLECTED_NOTE}")
    return band.replace(spectral=found)


def spectral(band: Band) -> Any:
    """The filter or wavelength the Planck functions use for this band; an error naming the fix if unknown."""
    if band.spectral is None:
        band = identify(band)
    if band.spectral is not None:
        return band.spectral.value
    wave, filt = _examples(band)
    with for_band(band.role):
        if band.filter_name:
            raise FilterError(
                f"unknown filter {band.filter_name!r} in {band.label}: give {option('filter')} with one of "
                f"{', '.join(filters.list_filters())} or a curve file, or {option('wavelength')} "
                f"(e.g. {wave})"
            )
        raise FilterError(
            f"cannot tell the wavelength of {band.label} (no WAVELNTH or FILTER card): give "
            f"{option('wavelength')} (e.g. {wave}) or {option('filter')} (e.g. {filt})"
        )


def band_label(band: Band) -> str:
    """``"NEII_2 13.04 µm"``, ``"13.00 µm"``, a filter name, or ``""``: the band as far as known."""
    if band.spectral is not None:
        return band.spectral.label
    return band.filter_name or ""


def filter_of(band: Band) -> filters.Filter | None:
    """The band's filter when it is band-integrated through a known one, else None."""
    value = band.spectral.value if band.spectral is not None else None
    return value if isinstance(value, filters.Filter) else None


def radiance_scale(band: Band) -> tuple[float, u.UnitBase]:
    """``(scale, unit)`` such that ``scale * band.data`` is radiance in ``unit``."""
    if band.kind == "radiance":
        return 1.0, band.unit
    with for_band(band.role):
        if band.kind == "counts":
            if band.conversion_factor is None:
                raise InputError(
                    f"{band.label} is in counts: give {option('scale')} with the radiance per count "
                    f"(e.g. '1.2e-5 W m-2 sr-1 um-1'), or {option('unit')} if it is already calibrated"
                )
            return calibrate.conversion(band.conversion_factor, counts_unit=band.unit)
        raise UnitError(
            f"{band.label} is in {band.unit}, not counts or a spectral radiance: "
            f"give the right unit with {option('unit')}"
        )
