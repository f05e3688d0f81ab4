"""The FITS products of a composite: brightness temperature and the cloud axis, with their uncertainty
and, when the disc is known, its geometry and backplanes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.io import fits

from .._version import __version__
from ..exceptions import InputError
from ..geometry import MapGrid, backplanes_float32
from ._protocol import CompositeData

__all__ = ["fits_product_paths", "fits_writers"]


def fits_product_paths(prefix: str | Path) -> tuple[Path, Path]:
    """``<prefix>_temperature.fits`` and ``<prefix>_opacity.fits`` (a ``.fits`` suffix is dropped).

    A folder (``.``, ``out/``, or an existing directory) holds ``temperature.fits``
    and ``opacity.fits``.
    """
    text = str(prefix)
    if not text:
        raise InputError("the FITS products need a prefix, e.g. out/jupiter, or a folder")
    if text.endswith(("/", os.sep)) or os.path.isdir(text):
        folder = Path(text)
        return folder / "temperature.fits", folder / "opacity.fits"
    if text.lower().endswith(".fits"):
        text = text[:-5]
    return Path(f"{text}_temperature.fits"), Path(f"{text}_opacity.fits")


def fits_writers(composite: CompositeData, prefix: str | Path) -> list[tuple[Path, Any]]:
    """``(path, writer)`` of both products, for an all-or-nothing write."""
    temperature_path, opacity_path = fits_product_paths(prefix)
    products = (
        (temperature_path, composite.temperature.to_value(u.K), True),
        (opacity_path, composite.opacity, False),
    )
    writers = []
    for path, data, is_temperature in products:
        hdu = _product_hdu(composite, np.asarray(data, dtype=np.float32), is_temperature)
        hdul = fits.HDUList([hdu, *_extra_hdus(composite, is_temperature)])
        writers.append((path, lambda fh, h=hdul: h.writeto(fh)))
    return writers


def _extra_hdus(composite: CompositeData, is_temperature: bool) -> list[fits.ImageHDU]:
    """Uncertainty of the product, and with the temperature the backplanes (when the disc is known)."""
    extra = []
    quantity = composite.temperature_quantity if is_temperature else composite.cloud_quantity
    error = composite.temperature_error if is_temperature else composite.opacity_error
    if error is not None:
        hdu = fits.ImageHDU(np.asarray(error, dtype=np.float32), name="UNCERT")
        hdu.header["BUNIT"] = (quantity.unit, "1-sigma uncertainty, propagated from the radiance")
        extra.append(hdu)
    if is_temperature and composite.geometry is not None:
        planes = backplanes_float32(composite.temperature.shape, composite.geometry)
        for name, plane, what, bunit in (
            ("LAT_GRAPHIC", planes.latitude, "planetographic latitude", "deg"),
            ("LAT_CENTRIC", planes.centric_latitude, "planetocentric latitude", "deg"),
            ("LON_SYS3", planes.longitude, "System III west longitude", "deg"),
            ("MU", planes.mu, "cosine of the emission angle", ""),
        ):
            hdu = fits.ImageHDU(plane.astype(np.float32), name=name)
            hdu.header["BUNIT"] = (bunit, what)
            extra.append(hdu)
    return extra


def _product_hdu(composite: CompositeData, data: np.ndarray, is_temperature: bool) -> fits.PrimaryHDU:
    quantity = composite.temperature_quantity if is_temperature else composite.cloud_quantity
    hdu = fits.PrimaryHDU(data)
    header = hdu.header
    header["BUNIT"] = (quantity.unit, "kelvin" if quantity.unit == "K" else "empty: dimensionless")
    header["CONTENT"] = (quantity.content[:60], "falsecolor product")
    source = composite.temperature_band if is_temperature else composite.cloud_band
    if source is not None:
        if source.filter_name:  # a curve file is named by its file name
            header["FILTER"] = ascii_text(Path(source.filter_name).name)[:68]
        if source.wavelength is not None:
            header["WAVELNTH"] = float(source.wavelength.to_value(u.um, equivalencies=u.spectral()))
            header["WAVEUNIT"] = "um"
    if composite.temperature_band.date_obs:
        header["DATE-OBS"] = composite.temperature_band.date_obs
    if composite.geometry is not None:
        for card in composite.geometry.to_header():
            header[card[0]] = card[1:]
    # a map keeps its grid (read from cards, never an assumed one)
    band = composite.temperature_band
    if band.data.ndim == 2 and band.shape == data.shape:
        try:
            grid = MapGrid.from_header(band.header, band.shape)
        except InputError:
            grid = None
        for key, value, comment in grid.to_header() if grid is not None else ():
            header[key] = (value, comment)
    header["ORIGIN"] = f"falsecolor {__version__}"
    for key, value in sorted(composite.notes.items()):
        if value:
            header.add_history(ascii_text(f"{key}: {value}"))
    return hdu


#: How a FITS header (printable ASCII only) spells the symbols of the package's texts.
_ASCII = {
    "µ": "u",
    "τ": "tau",
    "σ": "sigma",
    "Δ": "d",
    "→": "->",
    "−": "-",
    "–": "-",
    "—": "-",
    "±": "+/-",
    "°": " deg",
    "²": "^2",
    "×": "x",
    "≤": "<=",
    "≥": ">=",
    "≈": "~",
    "’": "'",
    "″": '"',
}


def ascii_text(text: str) -> str:
    """FITS headers hold printable ASCII only."""
    for symbol, spelled in _ASCII.items():
        text = text.replace(symbol, spelled)
    return "".join(ch if " " <= ch <= "~" else "?" for ch in text)
