"""The result of a render: colours, the physical maps behind them, and how to write them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.io import fits

from .. import __version__
from ..bands import Band
from ..exceptions import InputError
from ..export import (
    JPEG_QUALITY,
    PNG_COMPRESS_LEVEL,
    encode_jpeg,
    encode_png,
    encode_tiff,
    format_of,
    write_atomically,
)
from ..geometry import DiscGeometry, backplanes
from ..normalise import AxisLimits, flatten_onto
from ..palette import Palette
from ..recipe import Recipe
from ._present import LOOK_FIELDS, Look, background_of, make_look, metadata, picture

__all__ = ["RECIPE_KEY", "Composite", "fits_product_paths"]

#: PNG iTXt keyword holding the recipe that made the image.
RECIPE_KEY = "falsecolor:recipe"


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
        Cloud opacity tau (or, from an aerosol band, the aerosol index in K:
        see :attr:`cloud_axis`); NaN where undefined.
    mask : ndarray of bool
        True where a pixel is excluded (off the disc).
    palette : Palette
    t_limits, tau_limits : AxisLimits
        Values at the ends of the palette axes.
    temperature_band, cloud_band : Band
        The inputs (``cloud_band`` is the opacity map when one was given).
    notes : dict
        How each quantity was obtained (filter, clear-sky reference, ...).
    recipe : Recipe, optional
        The inputs and choices that made it (embedded in the PNG it saves).
    geometry : DiscGeometry, optional
        The disc in this image's pixel frame, when known (after any turn to
        north up); :meth:`to_fits` then adds latitude, longitude and mu planes.
    temperature_error, opacity_error : ndarray, optional
        1-sigma uncertainty of T (K) and tau, propagated from a radiance
        uncertainty; written as UNCERT extensions.
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
    recipe: Recipe | None = field(default=None, repr=False)
    geometry: DiscGeometry | None = field(default=None, repr=False)
    temperature_error: np.ndarray | None = field(default=None, repr=False)
    opacity_error: np.ndarray | None = field(default=None, repr=False)

    @property
    def cloud_axis(self) -> str:
        """What the vertical axis shows: ``"cloud opacity τ"`` or ``"aerosol index (K)"``."""
        return self.notes.get("cloud_axis", "cloud opacity τ")

    @property
    def inputs(self) -> list[str]:
        """Source files of the bands (for never-overwrite checks and metadata)."""
        return [
            b.provenance["path"]
            for b in (self.temperature_band, self.cloud_band)
            if b is not None and "path" in b.provenance
        ]

    # -- pictures -------------------------------------------------------------------------

    def rgba16(self) -> np.ndarray:
        """The composite as 16-bit sRGB RGBA (array orientation), from a finer palette table.

        The 8-bit image uses a 256-cell table; this one a 1024-cell table in
        16 bits, so a print master shows no steps where the 8-bit one has them.
        """
        fine = self.palette.fine()
        t, tau = self.t_limits, self.tau_limits
        return fine.lookup(
            self.temperature.to_value(u.K), self.opacity, x_range=(t.low, t.high),
            y_range=(tau.low, tau.high), mask=self.mask, depth=16,
        )  # fmt: skip

    def image(self, **look: Any) -> np.ndarray:
        """The picture as published: 8-bit RGBA, row 0 = top (north up when the data are).

        Parameters
        ----------
        **look
            Picture options (:class:`~falsecolor.pipeline.Look`): ``key``,
            ``key_position``, ``key_size``, ``title``, ``credit``, ``caption``
            (``"auto"`` for date, instrument and bands), ``background``,
            ``scale_bar``, ``north_arrow``, ``km_per_pixel``, ``north_angle``,
            ``temperature_label``, ``cloud_label``, ``sheet`` (the input bands
            in grey beside the composite) and ``size`` (longer side of the
            composite in pixels; by default one pixel per data pixel, except
            that an image under 320 pixels drawn with a key or text has its
            pixels repeated a whole number of times to reach that size).
        """
        return picture(self, make_look(**look))

    def save(
        self,
        path: str | Path | Sequence[str | Path],
        *,
        fits_prefix: str | Path | None = None,
        compress_level: int | None = None,
        jpeg_quality: int | None = None,
        dpi: float | None = None,
        timestamp: bool = False,
        recipe: Recipe | None = None,
        also: Sequence[tuple[str | Path, Any]] = (),
        **look: Any,
    ) -> list[Path]:
        """Write the picture (PNG, 16-bit TIFF master, JPEG) and optionally the FITS products.

        Nothing is written unless every file can be; inputs are never
        overwritten. The format follows each file's suffix: ``.png`` (8-bit
        sRGB with ICC profile, text chunks, AVM XMP and the recipe), ``.tif``
        or ``.tiff`` (16-bit master with ICC profile and AVM XMP), ``.jpg``
        (web copy, flattened onto the background or black).

        Parameters
        ----------
        path : str, Path or list of them
            Output file(s).
        fits_prefix : str or Path, optional
            Also write ``<prefix>_temperature.fits`` and ``<prefix>_opacity.fits``.
        compress_level : int, optional
            PNG zlib level 0-9 (default 4).
        jpeg_quality : int, optional
            JPEG quality 1-100 (default 92).
        dpi : float, optional
            Resolution recorded in the files (pixels per inch).
        timestamp : bool
            Record the creation time (``SOURCE_DATE_EPOCH`` when set); off by
            default so that a render can be repeated byte for byte.
        recipe : Recipe, optional
            The recipe to embed; default the one this composite was made with,
            plus these picture and output options.
        also : sequence of (path, writer), optional
            Further files written in the same all-or-nothing batch (``writer``
            gets the open binary file).
        **look
            Picture options, as for :meth:`image`.

        Returns
        -------
        list of Path
            The files written.
        """
        paths = [path] if isinstance(path, str | Path) else list(path)
        if not paths:
            raise InputError("give at least one output file")
        try:
            formats = [format_of(p) for p in paths]
        except ValueError as err:
            raise InputError(str(err)) from None
        chosen = make_look(**look)
        level = PNG_COMPRESS_LEVEL if compress_level is None else compress_level
        quality = JPEG_QUALITY if jpeg_quality is None else jpeg_quality
        described = metadata(self, chosen, timestamp=timestamp)
        embedded = self._embedded_recipe(recipe, chosen, level, quality, dpi, timestamp)
        pictures: dict[int, np.ndarray] = {}

        def page(depth: int) -> np.ndarray:
            if depth not in pictures:
                pictures[depth] = picture(self, chosen, depth=depth)
            return pictures[depth]

        files = []
        text, xmp = described["text"], described["xmp"]
        for target, kind in zip(paths, formats, strict=True):
            if kind == "png":
                recipe_text = embedded(target)
                data = encode_png(
                    page(8), text=text, xmp=xmp, dpi=dpi, compress_level=level,
                    compressed_text={RECIPE_KEY: recipe_text} if recipe_text else None,
                )  # fmt: skip
            elif kind == "tiff":
                data = encode_tiff(
                    page(16), description=text["Description"], software=text["Software"],
                    artist=chosen.credit, xmp=xmp, dpi=dpi,
                )  # fmt: skip
            else:
                opaque = flatten_onto(page(8), background_of(self, chosen) or (0.0, 0.0, 0.0, 1.0))
                data = encode_jpeg(opaque, xmp=xmp, comment=text["Description"], dpi=dpi, quality=quality)
            files.append((target, lambda fh, d=data: fh.write(d)))
        if fits_prefix is not None:
            files += self._fits_writers(fits_prefix)
        return write_atomically([*files, *also], inputs=self.inputs)

    def _embedded_recipe(self, recipe, look: Look, level: int, quality: int, dpi, timestamp: bool):
        """A function: PNG path -> the recipe text to embed in it (paths relative to its folder)."""
        base = recipe if recipe is not None else self.recipe
        if base is None:
            return lambda target: None
        background = look.background
        if background is not None and not isinstance(background, str):
            from matplotlib.colors import to_hex

            background = to_hex(background, keep_alpha=True)
        full = base.replace(
            **{name: getattr(look, name) for name in LOOK_FIELDS if name != "background"},
            background=background, compress_level=level, jpeg_quality=quality, dpi=dpi, timestamp=timestamp,
            files=(), fits=None, strip=None,
        )  # fmt: skip
        return lambda target: full.rebased(Path(target).resolve().parent).to_toml()

    def to_fits(self, prefix: str | Path) -> list[Path]:
        """Write ``<prefix>_temperature.fits`` and ``<prefix>_opacity.fits`` atomically."""
        return write_atomically(self._fits_writers(prefix), inputs=self.inputs)

    def _fits_writers(self, prefix):
        temperature_path, opacity_path = fits_product_paths(prefix)
        aerosol = "aerosol" in self.cloud_axis
        products = (
            (temperature_path, self.temperature.to_value(u.K), "K", "brightness temperature", True),
            (opacity_path, self.opacity, "K" if aerosol else "", _AXIS_CONTENT[aerosol], False),
        )
        writers = []
        for path, data, unit, what, is_temperature in products:
            hdu = self._product_hdu(np.asarray(data, dtype=np.float32), unit, what, is_temperature)
            hdul = fits.HDUList([hdu, *self._extra_hdus(unit, is_temperature)])
            writers.append((path, lambda fh, h=hdul: h.writeto(fh)))
        return writers

    def _extra_hdus(self, unit: str, is_temperature: bool) -> list[fits.ImageHDU]:
        """Uncertainty of the product, and with the temperature the backplanes (when the disc is known)."""
        extra = []
        error = self.temperature_error if is_temperature else self.opacity_error
        if error is not None:
            hdu = fits.ImageHDU(np.asarray(error, dtype=np.float32), name="UNCERT")
            hdu.header["BUNIT"] = (unit, "1-sigma uncertainty, propagated from the radiance")
            extra.append(hdu)
        if is_temperature and self.geometry is not None:
            planes = backplanes(self.temperature.shape, self.geometry)
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

    def _product_hdu(self, data: np.ndarray, unit: str, what: str, is_temperature: bool) -> fits.PrimaryHDU:
        hdu = fits.PrimaryHDU(data)
        header = hdu.header
        header["BUNIT"] = (unit, "kelvin" if unit == "K" else "empty: dimensionless")
        header["CONTENT"] = (what[:60], "falsecolor product")
        source = self.temperature_band if is_temperature else self.cloud_band
        if source is not None:
            if source.filter_name:  # a curve file is named by its file name
                header["FILTER"] = _ascii(Path(source.filter_name).name)[:68]
            if source.wavelength is not None:
                header["WAVELNTH"] = float(source.wavelength.to_value(u.um, equivalencies=u.spectral()))
                header["WAVEUNIT"] = "um"
        if self.temperature_band.date_obs:
            header["DATE-OBS"] = self.temperature_band.date_obs
        if self.geometry is not None:
            g = self.geometry
            for key, value, comment in (
                ("FC_CY", g.centre[0], "disc centre row (0-based, row 0 at the bottom)"),
                ("FC_CX", g.centre[1], "disc centre column (0-based)"),
                ("FC_REQ", g.equatorial_radius, "equatorial radius, pixels"),
                ("FC_B", g.sub_observer_latitude, "sub-observer planetocentric latitude, deg"),
                ("FC_PA", g.pole_angle, "pole angle, deg from up towards the left"),
                ("FC_CML", g.central_meridian, "central meridian, System III W, deg"),
            ):
                header[key] = (round(float(value), 6), comment)
        header["ORIGIN"] = f"falsecolor {__version__}"
        for key, value in sorted(self.notes.items()):
            if value:
                header.add_history(_ascii(f"{key}: {value}"))
        return hdu

    def _repr_png_(self) -> bytes:
        return encode_png(self.image(key=True))


#: CONTENT card of the cloud-axis product, by whether it is the aerosol index.
_AXIS_CONTENT = {False: "cloud opacity tau = ln(I_clear/I)", True: "aerosol index dT_clear - dT, K"}


def _ascii(text: str) -> str:
    """FITS headers hold printable ASCII only."""
    text = text.replace("µ", "u").replace("τ", "tau").replace("→", "->").replace("°", " deg")
    return text.encode("ascii", "replace").decode("ascii")


def fits_product_paths(prefix: str | Path) -> tuple[Path, Path]:
    """``<prefix>_temperature.fits`` and ``<prefix>_opacity.fits`` (a ``.fits`` suffix is dropped)."""
    text = str(prefix)
    if text.lower().endswith(".fits"):
        text = text[:-5]
    if not text or text.endswith(("/", "\\")):
        raise InputError(f"FITS prefix {prefix!r} needs a file-name part, e.g. out/jupiter")
    return Path(f"{text}_temperature.fits"), Path(f"{text}_opacity.fits")
