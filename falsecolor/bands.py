"""Band images and FITS reading.

A :class:`Band` is one image of the planet in one filter: the data, its unit
(counts, spectral radiance, brightness temperature or dimensionless opacity),
what is known of its wavelength or filter, the observation time, and where each
of those facts came from. :func:`read_band` reads one from a FITS file and is
forgiving of real archives (unparsable header cards, a broken END card,
non-standard unit cards) while refusing what cannot be trusted (truncated
files, byte-swapped data unless asked).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.time import Time

from ._units import is_counts, is_radiance, parse_unit
from .exceptions import FileFormatError, InputError, UnitError, warn

__all__ = ["Band", "band_to_hdu", "read_band"]

_IMAGE_HDUS = (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)
_FILTER_KEYS = ("FILTER", "ESO INS FILT1 NAME", "FILTER1", "FILTNAME")
_NON_PRINTABLE = re.compile(r"[^\x20-\x7e]")


@dataclass(frozen=True, eq=False)
class Band:
    """One image in one band, with what is known about it.

    Parameters
    ----------
    data : ndarray
        Image ``(ny, nx)``; FITS row 0 is the bottom of the image. NaN = no data.
    unit : Unit
        ``count``/``adu`` (uncalibrated), a spectral radiance, ``K``, or
        dimensionless (an opacity map).
    wavelength : Quantity, optional
        Effective wavelength (or wavenumber/frequency) of the band.
    filter_name : str, optional
        Filter name as found in the header or given by the user.
    date_obs : str, optional
        Observation time, ISO 8601 (UTC).
    conversion_factor : Quantity, optional
        Radiance per count for uncalibrated data (``CONVFACT``/``CONVUNIT``
        cards or ``--scale``).
    mask : ndarray of bool, optional
        True where a pixel is excluded.
    header : Header
        The readable cards of the source header.
    source : str, optional
        File the band was read from (``path[hdu]``).
    provenance : dict
        Where each fact came from, e.g. ``{"unit": "BUNIT"}``.
    """

    data: np.ndarray = field(repr=False)
    unit: u.UnitBase
    wavelength: u.Quantity | None = None
    filter_name: str | None = None
    date_obs: str | None = None
    conversion_factor: u.Quantity | None = None
    mask: np.ndarray | None = field(default=None, repr=False)
    header: fits.Header = field(default_factory=fits.Header, repr=False)
    source: str | None = None
    provenance: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def kind(self) -> str:
        """``'counts'``, ``'radiance'``, ``'temperature'``, ``'opacity'`` or ``'other'``."""
        if is_counts(self.unit):
            return "counts"
        if self.unit.is_equivalent(u.K):
            return "temperature"
        if self.unit.is_equivalent(u.dimensionless_unscaled):
            return "opacity"
        if is_radiance(self.unit):
            return "radiance"
        return "other"

    @property
    def label(self) -> str:
        """Short description for messages: file name or filter."""
        return self.source or self.filter_name or "band"

    def replace(self, **changes: Any) -> Band:
        """A copy with some fields changed (the data array is shared, not copied)."""
        return dataclasses.replace(self, **changes)


def read_band(
    path: str | Path,
    *,
    hdu: int | str | None = None,
    plane: int | None = None,
    unit: str | u.UnitBase | None = None,
    wavelength: str | u.Quantity | None = None,
    filter: str | None = None,  # noqa: A002 - the option is called --filter
    scale: str | u.Quantity | None = None,
    byteswap: bool | None = None,
    option_prefix: str = "--",
) -> Band:
    """Read a band image from a FITS file.

    Parameters
    ----------
    path : str or Path
        FITS file (optionally gzip-compressed).
    hdu : int or str, optional
        HDU index or EXTNAME. Default: the first HDU holding an image.
    plane : int, optional
        Plane to take from a 3-D cube.
    unit : str or Unit, optional
        Overrides ``BUNIT``. Without either, the data are taken as counts.
    wavelength : str or Quantity, optional
        Overrides ``WAVELNTH``/``WAVEUNIT``; e.g. ``"13um"``, ``"769 cm-1"``.
    filter : str, optional
        Overrides ``FILTER`` / ``HIERARCH ESO INS FILT1 NAME``.
    scale : str or Quantity, optional
        Radiance per count, e.g. ``"1.2e-5 W m-2 sr-1 um-1"``; overrides
        ``CONVFACT``/``CONVUNIT``.
    byteswap : bool, optional
        Integer data whose bytes look swapped (little-endian despite the
        standard) are an error unless ``True`` (swap them) or ``False``
        (do not check).
    option_prefix : str
        How options are spelled in error messages (``"--t-"`` names
        ``--t-wavelength`` for the temperature band).

    Returns
    -------
    Band

    Raises
    ------
    FileFormatError
        Missing, empty, truncated or non-FITS file; no image HDU; byte-swapped data.
    UnitError
        Unknown unit in the header or in ``unit``.
    """
    path = Path(path)
    _check_readable(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            hdul = fits.open(path, memmap=False, ignore_missing_end=True,
                             do_not_scale_image_data=True)
        except (OSError, ValueError, TypeError, IndexError) as err:
            raise FileFormatError(_open_error(path, err)) from err
        try:
            index = _choose_hdu(hdul, hdu, path, option_prefix)
            chosen = hdul[index]
            header = _readable_header(chosen.header)
            raw = _read_data(chosen, path, caught)
        finally:
            hdul.close()
    name = f"{path.name}[{index}]" if index else path.name
    data = _to_float(raw, header, byteswap, name, option_prefix)
    data = _select_plane(data, plane, name, option_prefix)
    provenance: dict[str, str] = {"path": str(path), "hdu": str(index)}
    band_unit = _unit(header, unit, name, option_prefix, provenance)
    band_wavelength = _wavelength(header, wavelength, name, provenance)
    filter_name = _filter_name(header, filter, provenance)
    factor = _conversion_factor(header, scale, name, option_prefix, provenance)
    date = _date_obs(header, name, provenance)
    return Band(data, band_unit, band_wavelength, filter_name, date, factor, None, header,
                name, provenance)


# --------------------------------------------------------------------------------------


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise FileFormatError(f"{path} does not exist: check the path")
    if path.is_dir():
        raise FileFormatError(f"{path} is a directory, not a FITS file")
    if path.stat().st_size == 0:
        raise FileFormatError(f"{path} is empty (0 bytes): not a FITS file")


def _open_error(path: Path, err: Exception) -> str:
    text = str(err)
    if "SIMPLE" in text:
        return f"{path} is not a FITS file (it does not start with a SIMPLE card)"
    if "Empty or corrupt" in text:
        return f"{path} is not a readable FITS file: empty or corrupt header"
    return f"{path} is not a readable FITS file: {text.splitlines()[0]}"


def _has_image(h: Any) -> bool:
    return isinstance(h, _IMAGE_HDUS) and (h.header.get("NAXIS", 0) or 0) >= 2 and all(
        (h.header.get(f"NAXIS{i}", 0) or 0) > 0 for i in range(1, h.header["NAXIS"] + 1))


def _choose_hdu(hdul: fits.HDUList, hdu: int | str | None, path: Path, prefix: str) -> int:
    try:
        count = len(hdul)
    except (OSError, ValueError) as err:
        raise FileFormatError(f"{path} is a damaged FITS file: {err}") from err
    if hdu is None:
        for index, h in enumerate(hdul):
            if _has_image(h):
                return index
        raise FileFormatError(f"{path} has no image HDU (it holds {count} HDU(s) without a 2-D image)")
    if isinstance(hdu, str) and not hdu.lstrip("-").isdigit():
        try:
            index = hdul.index_of(hdu)
        except KeyError as err:
            names = [h.name for h in hdul]
            raise FileFormatError(f"{path} has no HDU named {hdu!r} (it has {names})") from err
    else:
        index = int(hdu)
        if not 0 <= index < count:
            raise FileFormatError(
                f"{path} has {count} HDU(s), numbered 0..{count - 1}: {prefix}hdu {index} is out of range")
    if not _has_image(hdul[index]):
        raise FileFormatError(f"HDU {index} of {path} holds no image: choose another with {prefix}hdu")
    return index


def _readable_header(header: fits.Header) -> fits.Header:
    """Copy of the cards that parse; unparsable ones are repaired or dropped."""
    clean = fits.Header()
    for card in header.cards:
        try:
            keyword, value, comment = card.keyword, card.value, card.comment
            if isinstance(value, str) and _NON_PRINTABLE.search(value):
                value = _NON_PRINTABLE.sub("", value).strip()
            clean.append(fits.Card(keyword, value, comment), end=True)
        except (ValueError, fits.VerifyError, UnicodeError):
            # The card as it stood in the file (astropy keeps it privately).
            image = getattr(card, "_image", None)
            if not isinstance(image, str):
                continue
            repaired = _NON_PRINTABLE.sub(" ", image)
            try:
                fixed = fits.Card.fromstring(repaired)
                clean.append(fits.Card(fixed.keyword, fixed.value.strip()
                                       if isinstance(fixed.value, str) else fixed.value,
                                       fixed.comment), end=True)
            except (ValueError, fits.VerifyError, UnicodeError):
                continue
    return clean


def _read_data(h: Any, path: Path, caught: list) -> np.ndarray:
    truncated = [str(w.message) for w in caught if "truncated" in str(w.message)]
    try:
        data = h.data
    except (ValueError, OSError, TypeError, IndexError, MemoryError) as err:
        if truncated:
            raise FileFormatError(f"{path} is truncated: {truncated[0].split(': ', 1)[-1]}") from err
        raise FileFormatError(f"cannot read the image data of {path}: {err}") from err
    if data is None:
        raise FileFormatError(f"{path} has no image data")
    return np.array(data)  # detach from the file


def _to_float(raw: np.ndarray, header: fits.Header, byteswap: bool | None, name: str,
              prefix: str) -> np.ndarray:
    if raw.dtype.kind in "iu":
        if byteswap is None and _looks_byteswapped(raw):
            raise FileFormatError(
                f"the integer data of {name} look byte-swapped (little-endian despite BITPIX): "
                f"rerun with {prefix}byteswap to read them swapped")
        if byteswap:
            raw = raw.byteswap()
    elif raw.dtype.kind != "f":
        raise FileFormatError(f"{name} holds {raw.dtype} data, not numbers")
    blank = header.get("BLANK") if raw.dtype.kind in "iu" else None
    small = raw.dtype.itemsize <= 2 or (raw.dtype.kind == "f" and raw.dtype.itemsize == 4)
    dtype = np.float32 if small else np.float64
    data = raw.astype(dtype)
    if blank is not None:
        data[raw == blank] = np.nan
    bscale, bzero = header.get("BSCALE", 1.0), header.get("BZERO", 0.0)
    if bscale != 1.0 or bzero != 0.0:
        data = data.astype(np.float64) * bscale + bzero
    return np.ascontiguousarray(data.astype(data.dtype.newbyteorder("=")))


def _looks_byteswapped(raw: np.ndarray) -> bool:
    """True when swapping the bytes makes the image far smoother (a real picture)."""
    if raw.dtype.itemsize < 2 or raw.ndim < 2 or raw.shape[-1] < 8 or raw.size < 64:
        return False
    plane = raw.reshape(-1, raw.shape[-1])[: 512].astype(np.float64)
    swapped = raw.reshape(-1, raw.shape[-1])[: 512].byteswap().astype(np.float64)
    as_read = np.mean(np.abs(np.diff(plane, axis=-1)))
    if as_read == 0:
        return False
    return float(np.mean(np.abs(np.diff(swapped, axis=-1)))) * 20 < as_read


def _select_plane(data: np.ndarray, plane: int | None, name: str, prefix: str) -> np.ndarray:
    while data.ndim > 2 and data.shape[0] == 1:
        data = data[0]
    if data.ndim == 2:
        if plane not in (None, 0):
            raise InputError(f"{name} is a 2-D image: {prefix}plane {plane} does not exist")
        return data
    cube = data.reshape(-1, *data.shape[-2:])
    if plane is None:
        raise InputError(
            f"{name} is a cube of {cube.shape[0]} planes {data.shape}: choose one with "
            f"{prefix}plane N, or combine frames with `falsecolor stack`")
    if not 0 <= plane < cube.shape[0]:
        raise InputError(f"{name} has planes 0..{cube.shape[0] - 1}: {prefix}plane {plane} does not exist")
    return np.ascontiguousarray(cube[plane])


def _unit(header, override, name, prefix, provenance) -> u.UnitBase:
    if override is not None:
        provenance["unit"] = f"{prefix}unit"
        return parse_unit(override)
    for key, note in (("BUNIT", "BUNIT"), ("UNITS", "UNITS card (non-standard)")):
        text = header.get(key)
        if text is None:
            continue
        # An unquoted value ("UNITS = Kelvin / Units") comes back with its "=" and comment.
        text = re.sub(r"^\s*=\s*", "", str(text)).split("/ ")[0].strip().strip("'\"")
        if not text:
            continue
        try:
            unit = parse_unit(str(text))
        except UnitError as err:
            raise UnitError(
                f"unknown unit {text!r} in the {key} card of {name}: give the unit with "
                f"{prefix}unit (e.g. 'W m-2 sr-1 um-1', K, counts)") from err
        provenance["unit"] = note
        return unit
    provenance["unit"] = "default: no BUNIT card, taken as counts"
    return u.count


def _wavelength(header, override, name, provenance) -> u.Quantity | None:
    if override is not None:
        provenance["wavelength"] = "option"
        return _spectral_quantity(override, "wavelength option")
    value = header.get("WAVELNTH")
    if value is None:
        return None
    unit_card = header.get("WAVEUNIT", "um")
    try:
        if isinstance(unit_card, int | float) and not isinstance(unit_card, bool):
            quantity = float(value) * 10.0 ** float(unit_card) * u.m  # power-of-ten convention
        else:
            quantity = float(value) * parse_unit(str(unit_card))
        result = _spectral_quantity(quantity, "WAVELNTH")
    except (UnitError, InputError, ValueError, TypeError):
        warn(f"ignoring unreadable WAVELNTH={value!r} WAVEUNIT={unit_card!r} in {name}")
        return None
    provenance["wavelength"] = "WAVELNTH"
    return result


def _spectral_quantity(value: str | u.Quantity, what: str) -> u.Quantity:
    try:
        quantity = u.Quantity(value)
    except (TypeError, ValueError) as err:
        raise InputError(f"{what} {value!r} is not a quantity: write e.g. 13um or '769 cm-1'") from err
    if quantity.unit == u.dimensionless_unscaled:
        raise InputError(f"{what} {value!r} needs a unit: write e.g. 13um or '769 cm-1'")
    try:
        quantity.to(u.um, equivalencies=u.spectral())
    except u.UnitConversionError as err:
        raise InputError(f"{what} {value!r} is not a wavelength, wavenumber or frequency") from err
    if not (np.isscalar(quantity.value) and np.isfinite(quantity.value) and quantity.value > 0):
        raise InputError(f"{what} {value!r} must be one positive number with a unit")
    return quantity


def _filter_name(header, override, provenance) -> str | None:
    if override is not None:
        provenance["filter"] = "option"
        return str(override)
    for key in _FILTER_KEYS:
        value = header.get(key)
        if isinstance(value, str) and value.strip():
            provenance["filter"] = "HIERARCH " + key if key.startswith("ESO") else key
            return value.strip()
    return None


def _conversion_factor(header, override, name, prefix, provenance) -> u.Quantity | None:
    if override is not None:
        provenance["conversion_factor"] = f"{prefix}scale"
        try:
            factor = u.Quantity(override)
        except (TypeError, ValueError) as err:
            raise InputError(
                f"{prefix}scale {override!r} is not a quantity: write e.g. '1.2e-5 W m-2 sr-1 um-1'"
            ) from err
    elif header.get("CONVFACT") is not None:
        provenance["conversion_factor"] = "CONVFACT/CONVUNIT"
        try:
            factor = float(header["CONVFACT"]) * parse_unit(str(header.get("CONVUNIT", "")))
        except (TypeError, ValueError) as err:
            raise InputError(f"unreadable CONVFACT in {name}: give {prefix}scale instead") from err
    else:
        return None
    if factor.unit == u.dimensionless_unscaled:
        raise UnitError(
            f"{prefix}scale {override!r} needs the radiance unit per count, "
            "e.g. '1.2e-5 W m-2 sr-1 um-1'")
    if not (np.isscalar(factor.value) and np.isfinite(factor.value) and factor.value > 0):
        raise InputError(f"the conversion factor of {name} must be positive, got {factor}")
    return factor


def _date_obs(header, name, provenance) -> str | None:
    candidates = []
    if header.get("DATE-OBS"):
        candidates.append(("DATE-OBS", str(header["DATE-OBS"])))
    if header.get("DATE_OBS"):
        text = str(header["DATE_OBS"])
        if header.get("TIME_OBS") and "T" not in text:
            text = f"{text}T{header['TIME_OBS']}"
        candidates.append(("DATE_OBS/TIME_OBS", text))
    for key, text in candidates:
        try:
            time = Time(text.strip(), scale="utc")
            provenance["date_obs"] = key
            return time.isot
        except ValueError:
            provenance["date_obs"] = f"{key} {text!r} is not ISO 8601 (ignored)"
    if header.get("MJD-OBS") is not None:
        try:
            provenance["date_obs"] = "MJD-OBS"
            return Time(float(header["MJD-OBS"]), format="mjd", scale="utc").isot
        except (TypeError, ValueError):
            pass
    return None


def band_to_hdu(band: Band, *, primary: bool = True) -> fits.PrimaryHDU | fits.ImageHDU:
    """A FITS HDU holding the band's data with BUNIT, WAVELNTH, FILTER and DATE-OBS."""
    cls = fits.PrimaryHDU if primary else fits.ImageHDU
    h = cls(np.asarray(band.data))
    if band.unit != u.dimensionless_unscaled:
        h.header["BUNIT"] = band.unit.to_string("fits") if band.kind != "counts" else "count"
    if band.wavelength is not None:
        h.header["WAVELNTH"] = (float(band.wavelength.to_value(u.um, equivalencies=u.spectral())),
                                "effective wavelength")
        h.header["WAVEUNIT"] = "um"
    if band.filter_name:
        h.header["FILTER"] = band.filter_name
    if band.date_obs:
        h.header["DATE-OBS"] = band.date_obs
    return h
