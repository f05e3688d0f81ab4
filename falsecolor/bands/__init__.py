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
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.io import fits

from .._atomic import write_atomically
from .._units import is_counts, is_radiance
from ..exceptions import FileFormatError, OutputError, warn
from . import _fits, _header
from ._channels import saturation_problem
from ._frames import FRAME_SUFFIXES, FrameSource, open_frames
from ._ser import SerHeader, SerWriter, read_ser_header, write_ser

__all__ = [
    "FRAME_SUFFIXES",
    "Band",
    "FrameSource",
    "SerHeader",
    "SerWriter",
    "Spectral",
    "band_from_header",
    "band_to_hdu",
    "open_frames",
    "read_band",
    "read_ser_header",
    "saturation_problem",
    "write_ser",
]


@dataclass(frozen=True)
class Spectral:
    """A band's spectral identity, resolved once: its filter (band-integrated) or its wavelength.

    Attributes
    ----------
    value : Filter or Quantity
        What the Planck functions integrate over: a filter curve, or one
        wavelength (wavenumber, frequency) for a monochromatic band.
    label : str
        ``"NEII_2 13.04 µm"`` or ``"13.00 µm"``, for keys and metadata.
    micron : float
        The effective wavelength in µm.
    filter_name : str, optional
        The filter's name when the band is band-integrated.
    """

    value: Any
    label: str
    micron: float
    filter_name: str | None = None


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
    spectral : Spectral, optional
        The filter or wavelength, resolved once by the code that uses the
        band (None until then, or when neither is known).
    uncertainty : float or ndarray, optional
        Relative radiance uncertainty sigma_I / I: one fraction, or a plane on
        the band's pixels that follows every change of their grid.
    role : str, optional
        ``"temperature"`` or ``"cloud"`` in a render: which options describe
        it, so that messages name the right ones.

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from falsecolor import Band
    >>> band = Band(np.full((2, 3), 0.0644), u.Unit("W m-2 sr-1 um-1"), filter_name="NEII_2")
    >>> band.kind, band.shape
    ('radiance', (2, 3))
    >>> band.replace(unit=u.K).kind
    'temperature'
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
    spectral: Spectral | None = None
    uncertainty: float | np.ndarray | None = field(default=None, repr=False)
    role: str | None = None

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

    def to_fits(self, path: str | Path) -> Path:
        """Write the band as a FITS file that :func:`read_band` reads back as this band.

        The data (masked pixels as NaN), ``BUNIT``, ``WAVELNTH``/``WAVEUNIT``,
        ``FILTER`` (a curve file by its file name: a header holds no path),
        ``DATE-OBS``, ``CONVFACT``/``CONVUNIT`` and the source header's other
        cards (see :func:`band_to_hdu`). Written as every output is: to a
        temporary file renamed into place, so the file is whole or absent;
        never over the file the band was read from, a folder or a device.

        Parameters
        ----------
        path : str or Path
            ``.fits`` (or ``.fit``, ``.fts``) file; an existing output is replaced.

        Returns
        -------
        Path
            The file written.

        Raises
        ------
        OutputError
            Another suffix, a missing or read-only folder, the band's own source file.

        Warns
        -----
        FalsecolorWarning
            When the band carries an uncertainty: it is not written.

        Examples
        --------
        >>> import tempfile, numpy as np, astropy.units as u
        >>> from falsecolor import Band, read_band
        >>> data = np.full((2, 3), 130.0, np.float32)
        >>> band = Band(data, u.K, filter_name="NEII_2", date_obs="2018-05-24T02:49:57.540")
        >>> path = band.to_fits(tempfile.mkdtemp() + "/t13.fits")
        >>> again = read_band(path)
        >>> again.kind, again.filter_name, again.date_obs, float(again.data[0, 0])
        ('temperature', 'NEII_2', '2018-05-24T02:49:57.540', 130.0)
        """
        target = Path(path)
        if target.suffix.lower() not in (".fits", ".fit", ".fts"):
            raise OutputError(f"{target}: a band is written as FITS; name it .fits")
        if self.uncertainty is not None:
            warn(f"{target.name}: the band's uncertainty is not written (only its data and description)")
        hdu = band_to_hdu(self)
        source = [self.provenance["path"]] if "path" in self.provenance else []
        written = write_atomically(
            [(target, lambda f: hdu.writeto(f, output_verify="silentfix"))], inputs=source
        )
        return written[0]


def read_band(
    path: str | Path,
    *,
    hdu: int | str | None = None,
    plane: int | None = None,
    unit: str | u.UnitBase | None = None,
    wavelength: str | u.Quantity | None = None,
    filter: str | None = None,
    scale: str | u.Quantity | None = None,
    byteswap: bool | None = None,
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
    Returns
    -------
    Band

    Raises
    ------
    FileFormatError
        Missing, empty, truncated or non-FITS file; no image HDU; byte-swapped data.
    UnitError
        Unknown unit in the header or in ``unit``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from astropy.io import fits
    >>> from falsecolor import read_band
    >>> path = tempfile.mkdtemp() + "/t13.fits"
    >>> hdu = fits.PrimaryHDU(np.full((4, 5), 0.0644, np.float32))
    >>> hdu.header["BUNIT"], hdu.header["FILTER"] = "W m-2 sr-1 um-1", "NEII_2"
    >>> hdu.writeto(path)
    >>> band = read_band(path)
    >>> band.kind, band.filter_name, band.shape
    ('radiance', 'NEII_2', (4, 5))
    """
    path = Path(path)
    _fits.check_readable(path)
    with warnings.catch_warnings(record=True) as caught, open(path, "rb") as handle:
        warnings.simplefilter("always")
        try:  # our own handle: closed even when astropy gives up on a damaged header
            hdul = fits.open(handle, memmap=False, ignore_missing_end=True, do_not_scale_image_data=True)
        except (OSError, ValueError, TypeError, IndexError, KeyError) as err:
            raise FileFormatError(_fits.open_error(path, err)) from err
        try:
            _fits.scan(hdul, path)
            index = _fits.choose_hdu(hdul, hdu, path)
            _fits.check_layout(hdul, index, path)
            chosen = hdul[index]
            header = _fits.readable_header(chosen.header)
            _fits.check_memory(chosen, plane, path)
            _, one_plane = _fits.planned_read(chosen, plane)
            raw = _fits.read_data(chosen, path, caught, plane)
        finally:
            hdul.close()
    name = f"{path.name}[{index}]" if index else path.name
    data = _fits.to_float(raw, header, byteswap, name)
    data = _fits.select_plane(data, None if one_plane else plane, name)
    provenance: dict[str, str] = {"path": str(path), "hdu": str(index), "dtype": raw.dtype.name}
    band_unit = _header.unit(header, unit, name, provenance)
    band_wavelength = _header.wavelength(header, wavelength, name, provenance)
    filter_name = _header.filter_name(header, filter, provenance)
    factor = _header.conversion_factor(header, scale, name, provenance)
    date = _header.date_obs(header, name, provenance)
    return Band(data, band_unit, band_wavelength, filter_name, date, factor, None, header, name, provenance)


def band_from_header(data: np.ndarray, header: fits.Header, *, source: str | None = None) -> Band:
    """A band made in memory (e.g. a stack) described by a FITS header, read as :func:`read_band` would."""
    provenance: dict[str, str] = {}
    name = source or "image"
    return Band(
        data,
        _header.unit(header, None, name, provenance),
        _header.wavelength(header, None, name, provenance),
        _header.filter_name(header, None, provenance),
        _header.date_obs(header, name, provenance),
        _header.conversion_factor(header, None, name, provenance),
        None,
        header,
        source,
        provenance,
    )


# --------------------------------------------------------------------------------------


#: Header keywords that describe how the array is stored, never copied from one file to another.
_LAYOUT_KEYWORDS = {
    "SIMPLE",
    "XTENSION",
    "BITPIX",
    "EXTEND",
    "PCOUNT",
    "GCOUNT",
    "BSCALE",
    "BZERO",
    "BLANK",
    "BUNIT",
    "CHECKSUM",
    "DATASUM",
    "END",
    "ZIMAGE",
    "ZBITPIX",
    "ZCMPTYPE",
    "WAVELNTH",
    "WAVEUNIT",
    "FILTER",
    "DATE-OBS",
    "CONVFACT",
    "CONVUNIT",
    "",
}


def band_to_hdu(band: Band, *, primary: bool = True) -> fits.PrimaryHDU | fits.ImageHDU:
    """A FITS HDU holding the band's data with BUNIT, WAVELNTH, FILTER, DATE-OBS and CONVFACT.

    The band's other header cards (object, instrument, geometry) are kept;
    those describing the array layout or scaling are not. Masked pixels are
    NaN (no data); a filter curve file is named by its file name, not its path.
    """
    cls = fits.PrimaryHDU if primary else fits.ImageHDU
    data = np.asarray(band.data)
    if band.mask is not None and np.any(band.mask):
        data = np.where(band.mask, np.nan, data.astype(np.result_type(data.dtype, np.float32)))
    h = cls(data)
    if band.header is not None:
        for card in band.header.cards:
            if card.keyword not in _LAYOUT_KEYWORDS and not card.keyword.startswith("NAXIS"):
                h.header.append(card)
    if band.unit != u.dimensionless_unscaled:
        h.header["BUNIT"] = band.unit.to_string("fits") if band.kind != "counts" else "count"
    if band.wavelength is not None:
        h.header["WAVELNTH"] = (
            float(band.wavelength.to_value(u.um, equivalencies=u.spectral())),
            "effective wavelength",
        )
        h.header["WAVEUNIT"] = "um"
    if band.filter_name:
        named = band.filter_name
        h.header["FILTER"] = Path(named).name if "/" in named or "\\" in named else named
    if band.date_obs:
        h.header["DATE-OBS"] = band.date_obs
    if band.conversion_factor is not None:
        h.header["CONVFACT"] = (float(band.conversion_factor.value), "radiance per count")
        h.header["CONVUNIT"] = band.conversion_factor.unit.to_string("fits")
    return h
