"""What a FITS header says about a band: unit, wavelength, filter, calibration, time."""

from __future__ import annotations

import datetime
import re

import numpy as np
from astropy import units as u

from .._messages import option
from .._units import parse_quantity, parse_unit
from ..exceptions import InputError, UnitError, warn

_FILTER_KEYS = ("FILTER", "ESO INS FILT1 NAME", "FILTER1", "FILTNAME")


def unit(header, override, name, provenance) -> u.UnitBase:
    if override is not None:
        provenance["unit"] = "option"
        return parse_unit(override)
    for key, note in (("BUNIT", "BUNIT"), ("UNITS", "UNITS card (non-standard)")):
        text = header.get(key)
        if text is None:
            continue
        text = str(text).strip()
        if text.startswith("="):
            # An unquoted value ("UNITS = Kelvin / Units") comes back with its "=" and comment.
            text = text[1:].split(" /")[0].strip().strip("'\"")
        if not text:
            if key == "BUNIT":
                provenance["unit"] = "BUNIT (empty: dimensionless)"
                return u.dimensionless_unscaled
            continue
        try:
            unit = parse_unit(str(text))
        except UnitError as err:
            raise UnitError(
                f"unknown unit {text!r} in the {key} card of {name}: give the unit with "
                f"{option('unit')} (e.g. 'W m-2 sr-1 um-1', K, counts)"
            ) from err
        provenance["unit"] = note
        return unit
    provenance["unit"] = "default: no BUNIT card, taken as counts"
    return u.count


def wavelength(header, override, name, provenance) -> u.Quantity | None:
    if override is not None:
        provenance["wavelength"] = "option"
        return spectral_quantity(override, "wavelength option")
    value = header.get("WAVELNTH")
    if value is None:
        return _wave_card(header, name, provenance)
    unit_card = header.get("WAVEUNIT", "um")
    try:
        if isinstance(unit_card, int | float) and not isinstance(unit_card, bool):
            quantity = float(value) * 10.0 ** float(unit_card) * u.m  # power-of-ten convention
        else:
            quantity = float(value) * parse_unit(str(unit_card))
        result = spectral_quantity(quantity, "WAVELNTH")
    except (UnitError, InputError, ValueError, TypeError):
        warn(f"ignoring unreadable WAVELNTH={value!r} WAVEUNIT={unit_card!r} in {name}")
        return None
    provenance["wavelength"] = "WAVELNTH"
    return result


def _wave_card(header, name, provenance) -> u.Quantity | None:
    """A ``WAVE`` card whose comment says what it is (IRTF/TEXES: ``WAVE = 1165 / Wavenumber (cm-1)``)."""
    try:
        value, comment = header.get("WAVE"), str(header.comments["WAVE"]).lower()
    except (KeyError, AttributeError):
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if "wavenumber" in comment or "cm-1" in comment:
        unit = u.Unit("cm-1")
    elif "micron" in comment or "(um)" in comment or "µm" in comment:
        unit = u.um
    else:
        return None
    try:
        result = spectral_quantity(float(value) * unit, "WAVE")
    except InputError:
        warn(f"ignoring unreadable WAVE={value!r} in {name}")
        return None
    provenance["wavelength"] = f"WAVE card ({comment.strip()})"
    return result


def spectral_quantity(value: str | u.Quantity, what: str) -> u.Quantity:
    try:
        quantity = u.Quantity(value)
    except (TypeError, ValueError) as err:
        raise InputError(f"{what} {value!r} is not a quantity: write e.g. 13um or '769 cm-1'") from err
    if quantity.unit == u.dimensionless_unscaled:
        raise InputError(f"{what} {value!r} needs a unit: write e.g. 13um or '769 cm-1'")
    number = np.asarray(quantity.value, dtype=float)
    if not (number.ndim == 0 and np.isfinite(number) and float(number) > 0):
        raise InputError(f"{what} {value!r} must be one positive number with a unit")
    try:
        quantity.to(u.um, equivalencies=u.spectral())
    except u.UnitConversionError as err:
        raise InputError(f"{what} {value!r} is not a wavelength, wavenumber or frequency") from err
    return quantity


def filter_name(header, override, provenance) -> str | None:
    if override is not None:
        provenance["filter"] = "option"
        return str(override)
    for key in _FILTER_KEYS:
        value = header.get(key)
        if isinstance(value, str) and value.strip():
            provenance["filter"] = "HIERARCH " + key if key.startswith("ESO") else key
            return value.strip()
    return None


def conversion_factor(header, override, name, provenance) -> u.Quantity | None:
    """Radiance per count from ``--scale`` or the CONVFACT/CONVUNIT cards (None if neither)."""
    if override is not None:
        provenance["conversion_factor"] = "option"
        factor = _scale_quantity(override, option("scale"))
    elif header.get("CONVFACT") is not None:
        if not str(header.get("CONVUNIT", "")).strip():
            warn(
                f"ignoring CONVFACT in {name}: there is no CONVUNIT card (give {option('scale')} with a unit)"
            )
            return None
        try:
            factor = float(header["CONVFACT"]) * parse_unit(str(header["CONVUNIT"]))
        except (TypeError, ValueError, UnitError):
            warn(f"ignoring unreadable CONVFACT/CONVUNIT in {name} (give {option('scale')} instead)")
            return None
        provenance["conversion_factor"] = "CONVFACT/CONVUNIT"
    else:
        return None
    if not (np.isfinite(factor.value) and factor.value > 0):
        raise InputError(f"the conversion factor of {name} must be positive, got {factor}")
    return factor


def _scale_quantity(text: str | u.Quantity, option: str) -> u.Quantity:
    try:
        factor = parse_quantity(text)
    except UnitError as err:
        raise InputError(f"{option} {text!r} is not a quantity: write e.g. '1.2e-5 W m-2 sr-1 um-1'") from err
    if factor.unit == u.dimensionless_unscaled:
        raise UnitError(f"{option} {text!r} needs the radiance unit per count, e.g. '1.2e-5 W m-2 sr-1 um-1'")
    return factor


#: A date as astropy's ``Time(...).isot`` writes it (a stack's mid-time is written so): it is returned
#: as it is, without loading astropy.time (70 ms of a short stack's start).
_CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}")


def _valid_date(text: str) -> bool:
    try:
        datetime.datetime.fromisoformat(text)  # a leap second (:60) is left to astropy
    except ValueError:
        return False
    return True


def date_obs(header, name, provenance) -> str | None:
    candidates = []
    if header.get("DATE-OBS"):
        candidates.append(("DATE-OBS", str(header["DATE-OBS"])))
    if header.get("DATE_OBS"):
        text = str(header["DATE_OBS"])
        if header.get("TIME_OBS") and "T" not in text:
            text = f"{text}T{header['TIME_OBS']}"
        candidates.append(("DATE_OBS/TIME_OBS", text))
    for key, text in candidates:
        if _CANONICAL.fullmatch(text.strip()) and _valid_date(text.strip()):  # already astropy's isot
            provenance["date_obs"] = key
            return text.strip()
        try:
            from astropy.time import Time

            time = Time(text.strip(), scale="utc")
            provenance["date_obs"] = key
            return time.isot
        except ValueError:
            provenance["date_obs"] = f"{key} {text!r} is not ISO 8601 (ignored)"
    if header.get("MJD-OBS") is not None:
        try:
            provenance["date_obs"] = "MJD-OBS"
            from astropy.time import Time

            return Time(float(header["MJD-OBS"]), format="mjd", scale="utc").isot
        except (TypeError, ValueError):
            pass
    return None
