"""The result of a render: colours, the physical maps behind them, and how to write them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.io import fits

from .. import __version__
from .._colour import parse_colour
from ..bands import Band
from ..exceptions import InputError
from ..export import PNG_COMPRESS_LEVEL, encode_png, write_atomically
from ..layout import KeySpec, assemble, enlarge, resample
from ..normalise import AxisLimits, flatten_onto
from ..palette import Palette

__all__ = ["Composite", "fits_product_paths"]


@dataclass(frozen=True, eq=False)
class Composite:
    """A false-colour composite and the calibrated maps it shows.

    Attributes
    ----------
    rgba : ndarray
        8-bit sRGB RGBA ``(ny, nx, 4)`` in array orientation (row 0 = FITS
        bottom row); excluded and undefined pixels carry the palette's bad
        colour (transparent by default).
    temperature : Quantity
        Brightness temperature (K) of the temperature band; NaN where undefined.
    opacity : ndarray
        Cloud opacity tau; NaN where undefined.
    mask : ndarray of bool
        True where a pixel is excluded (off the disc).
    palette : Palette
    t_limits, tau_limits : AxisLimits
        Values at the ends of the palette axes.
    temperature_band, cloud_band : Band
        The inputs (``cloud_band`` is the opacity map when one was given).
    notes : dict
        How each quantity was obtained (filter, clear-sky reference, ...).
    """

    rgba: np.ndarray = field(repr=False)
    temperature: u.Quantity = field(repr=False)
    opacity: np.ndarray = field(repr=False)
    mask: np.ndarray = field(repr=False)
    palette: Palette = field(repr=False)
    t_limits: AxisLimits
    tau_limits: AxisLimits
    temperature_band: Band = field(repr=False)
    cloud_band: Band | None = field(repr=False)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def inputs(self) -> list[str]:
        """Source files of the bands (for never-overwrite checks and metadata)."""
        return [
            b.provenance["path"]
            for b in (self.temperature_band, self.cloud_band)
            if b is not None and "path" in b.provenance
        ]

    # -- pictures -------------------------------------------------------------------------

    def key_spec(self) -> KeySpec:
        """What the colour key shows for this composite."""
        return KeySpec(
            image=self.palette.key_image(),
            x_limits=(self.t_limits.low, self.t_limits.high),
            y_limits=(self.tau_limits.low, self.tau_limits.high),
            x_band=self.notes.get("temperature_band", ""),
            y_band=self.notes.get("opacity_band", ""),
        )

    def image(
        self,
        *,
        key: bool = True,
        title: str | None = None,
        credit: str | None = None,
        background: str | tuple | None = None,
        size: int | None = None,
    ) -> np.ndarray:
        """The picture as published: 8-bit RGBA, row 0 = top (north up when the data are).

        Parameters
        ----------
        key : bool
            Draw the colour key (labelled in K and tau) beside the composite.
        title, credit : str, optional
            Text above and below.
        background : str or tuple, optional
            Colour behind transparent pixels (``"black"``, ``"#102030"``);
            default transparent.
        size : int, optional
            Resample the composite (not the key) so its longer side has this
            many pixels. Default: one pixel per data pixel, except that an image
            smaller than 320 pixels drawn with a key, title or credit has its
            pixels repeated a whole number of times to reach that size.
        """
        fill = _background(background)
        display = np.ascontiguousarray(self.rgba[::-1])
        if size is not None:
            try:
                display = resample(display, size)
            except ValueError as err:
                raise InputError(str(err)) from err
        elif key or title or credit:
            display = enlarge(display)
        display = flatten_onto(display, fill)
        return assemble(
            display, key=self.key_spec() if key else None, title=title, credit=credit, background=fill
        )

    def png_text(self, *, title: str | None = None, credit: str | None = None) -> dict[str, str]:
        """PNG text chunks describing the composite."""
        t, tau = self.t_limits, self.tau_limits
        t_band = " ".join(filter(None, ["brightness temperature", self.notes.get("temperature_band")]))
        tau_band = " ".join(filter(None, ["cloud opacity tau", self.notes.get("opacity_band")]))
        text = {
            "Software": f"falsecolor {__version__}",
            "Description": (
                f"False-colour composite. Horizontal axis: {t_band}, {t.low:.2f}-{t.high:.2f} K "
                f"({t.source}). Vertical axis: {tau_band}, {tau.low:.3f}-{tau.high:.3f} "
                f"({tau.source}). Palette: {self.palette.name}."
            ),
        }
        if self.inputs:
            text["Source"] = ", ".join(Path(p).name for p in self.inputs)
        if title:
            text["Title"] = title
        if credit:
            text["Author"] = credit
        return text

    def save(
        self,
        path: str | Path,
        *,
        key: bool = True,
        title: str | None = None,
        credit: str | None = None,
        background: str | tuple | None = None,
        size: int | None = None,
        compress_level: int | None = None,
        fits_prefix: str | Path | None = None,
    ) -> list[Path]:
        """Write the PNG (and optionally the FITS products) atomically.

        Nothing is written unless every file can be; inputs are never overwritten.
        ``key``, ``title``, ``credit``, ``background`` and ``size`` are as in
        :meth:`image`; ``fits_prefix`` also writes the FITS products.

        Returns
        -------
        list of Path
            The files written.
        """
        picture = self.image(key=key, title=title, credit=credit, background=background, size=size)
        level = PNG_COMPRESS_LEVEL if compress_level is None else compress_level
        data = encode_png(picture, text=self.png_text(title=title, credit=credit), compress_level=level)
        files = [(path, lambda fh: fh.write(data))]
        if fits_prefix is not None:
            files += self._fits_writers(fits_prefix)
        return write_atomically(files, inputs=self.inputs)

    def to_fits(self, prefix: str | Path) -> list[Path]:
        """Write ``<prefix>_temperature.fits`` and ``<prefix>_opacity.fits`` atomically."""
        return write_atomically(self._fits_writers(prefix), inputs=self.inputs)

    def _fits_writers(self, prefix):
        temperature_path, opacity_path = fits_product_paths(prefix)
        products = (
            (temperature_path, self.temperature.to_value(u.K), "K", "brightness temperature"),
            (opacity_path, self.opacity, "", "cloud opacity tau = ln(I_clear/I)"),
        )
        writers = []
        for path, data, unit, what in products:
            hdul = fits.HDUList([self._product_hdu(np.asarray(data, dtype=np.float32), unit, what)])
            writers.append((path, lambda fh, h=hdul: h.writeto(fh)))
        return writers

    def _product_hdu(self, data: np.ndarray, unit: str, what: str) -> fits.PrimaryHDU:
        hdu = fits.PrimaryHDU(data)
        header = hdu.header
        header["BUNIT"] = (unit, "kelvin" if unit == "K" else "empty: dimensionless")
        header["CONTENT"] = (what[:60], "falsecolor product")
        source = self.temperature_band if unit == "K" else self.cloud_band
        if source is not None:
            if source.filter_name:  # a curve file is named by its file name
                header["FILTER"] = _ascii(Path(source.filter_name).name)[:68]
            if source.wavelength is not None:
                header["WAVELNTH"] = float(source.wavelength.to_value(u.um, equivalencies=u.spectral()))
                header["WAVEUNIT"] = "um"
        if self.temperature_band.date_obs:
            header["DATE-OBS"] = self.temperature_band.date_obs
        header["ORIGIN"] = f"falsecolor {__version__}"
        for key, value in sorted(self.notes.items()):
            if value:
                header.add_history(_ascii(f"{key}: {value}"))
        return hdu

    def _repr_png_(self) -> bytes:
        return encode_png(self.image(key=True), text=self.png_text())


def _ascii(text: str) -> str:
    """FITS headers hold printable ASCII only."""
    text = text.replace("µ", "u").replace("τ", "tau").replace("→", "->")
    return text.encode("ascii", "replace").decode("ascii")


def fits_product_paths(prefix: str | Path) -> tuple[Path, Path]:
    """``<prefix>_temperature.fits`` and ``<prefix>_opacity.fits`` (a ``.fits`` suffix is dropped)."""
    text = str(prefix)
    if text.lower().endswith(".fits"):
        text = text[:-5]
    if not text or text.endswith(("/", "\\")):
        raise InputError(f"FITS prefix {prefix!r} needs a file-name part, e.g. out/jupiter")
    return Path(f"{text}_temperature.fits"), Path(f"{text}_opacity.fits")


def _background(value: str | Sequence[float] | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            colour = parse_colour(value)
        except ValueError as err:
            raise InputError(f"background {err}") from err
    else:
        colour = tuple(float(v) for v in value) + (1.0,) * (4 - len(value))
    return None if colour[3] == 0 else colour
