"""The result of a render: colours, the physical maps behind them, and how to write them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u

from .._hooks import STUDIO
from .._memory import require
from .._messages import option
from ..bands import Band
from ..exceptions import InputError, RecipeError, warn
from ..export import Staging, encode_jpeg, encode_png, encode_tiff, format_of, write_atomically
from ..geometry import DiscGeometry
from ..normalise import AxisLimits, flatten_onto
from ..palette import Palette
from ..recipe import Look, Output, Recipe
from ._limits import stretches
from ._metadata import metadata
from ._picture import background_of, check_look, picture
from ._products import fits_writers
from ._provenance import AxisQuantity, Provenance

__all__ = ["RECIPE_KEY", "Composite", "check_page_memory"]

#: PNG iTXt keyword holding the recipe that made the image.
RECIPE_KEY = "falsecolor:recipe"
#: Options of a recipe that name where a run writes: never embedded in a picture.
_OUTPUT_NAMES = {"files": (), "fits": None, "strip": None}


@dataclass(frozen=True, kw_only=True)
class _Saved(Look, Output):
    """The options :meth:`Composite.save` takes: the picture's and those of its files."""

    WHAT = "save()"


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
        The cloud axis: cloud opacity tau, or the aerosol index in K (see
        :attr:`cloud_quantity`); NaN where undefined.
    mask : ndarray of bool
        True where a pixel is excluded (off the disc).
    palette : Palette
    t_limits, tau_limits : AxisLimits
        Values at the ends of the palette axes.
    temperature_band, cloud_band : Band
        The inputs as rendered (``cloud_band`` is the opacity map when one was given).
    provenance : Provenance
        What each axis shows, from which band and how; each correction made.
    recipe : Recipe, optional
        The inputs and choices that made it (embedded in the PNG it saves).
    geometry : DiscGeometry, optional
        The disc in this image's pixel frame, when known (after any turn to
        north up); :meth:`to_fits` then adds latitude, longitude and mu planes.
    temperature_error, opacity_error : ndarray, optional
        1-sigma uncertainty of T (K) and of the cloud axis, propagated from a
        radiance uncertainty; written as UNCERT extensions.
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
    provenance: Provenance
    recipe: Recipe | None = field(default=None, repr=False)
    geometry: DiscGeometry | None = field(default=None, repr=False)
    temperature_error: np.ndarray | None = field(default=None, repr=False)
    opacity_error: np.ndarray | None = field(default=None, repr=False)

    @property
    def temperature_quantity(self) -> AxisQuantity:
        """What the horizontal axis shows: brightness temperature, from which band, and how."""
        return self.provenance.temperature

    @property
    def cloud_quantity(self) -> AxisQuantity:
        """What the vertical axis shows (``kind``: ``"opacity"`` or ``"aerosol"``), from which band, how."""
        return self.provenance.cloud

    @property
    def cloud_axis(self) -> str:
        """The vertical axis' title: ``"cloud opacity τ"`` or ``"aerosol index (K)"``."""
        return self.cloud_quantity.label

    @property
    def notes(self) -> dict[str, str]:
        """How each quantity was obtained and each correction made, as a flat dict by name."""
        return self.provenance.notes()

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
            self.temperature.to_value(u.K),
            self.opacity,
            x_range=(t.low, t.high),
            y_range=(tau.low, tau.high),
            mask=self.mask,
            depth=16,
            **stretches(t, tau),
        )

    def _options(self, recipe: Recipe | None, changes: dict[str, Any], section: type = Look) -> Recipe:
        """The options of a picture: the recipe's (or this composite's), changed by ``changes``.

        ``changes`` may name the options of ``section`` only (the picture's, or those of the files).
        """
        section().replace(**{k: v for k, v in changes.items() if k not in _OUTPUT_NAMES})
        base = recipe if recipe is not None else self.recipe
        chosen = (base if base is not None else Recipe()).replace(**changes)
        check_look(chosen)
        return chosen

    def image(self, **options: Any) -> np.ndarray:
        """The picture as published: 8-bit RGBA, row 0 = top (north up when the data are).

        Parameters
        ----------
        **options
            Picture options (:class:`~falsecolor.recipe.Look`): ``key``,
            ``key_position``, ``key_size``, ``title``, ``credit``, ``caption``
            (``"auto"`` for date, instrument and bands), ``background``,
            ``scale_bar``, ``north_arrow``, ``km_per_pixel``,
            ``temperature_label``, ``cloud_label``, ``sheet`` (the input bands
            in grey beside the composite) and ``size`` (longer side of the
            composite in pixels; by default one pixel per data pixel, except
            that an image under 320 pixels drawn with a key or text has its
            pixels repeated a whole number of times to reach that size).
            Default: those this composite was rendered with.
        """
        return picture(self, self._options(None, options).look)

    def save(
        self,
        path: str | Path | Sequence[str | Path],
        *,
        fits_prefix: str | Path | None = None,
        recipe: Recipe | None = None,
        also: Sequence[tuple[str | Path, Any]] = (),
        staging: Staging | None = None,
        **options: Any,
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
        recipe : Recipe, optional
            The options to draw with and to embed; default the recipe this
            composite was rendered with.
        also : sequence of (path, writer), optional
            Further files written in the same all-or-nothing batch (``writer``
            gets the open binary file).
        staging : Staging, optional
            A larger batch (a time series): the files are written to its
            temporaries and committed when it is.
        **options
            Picture options (as for :meth:`image`) and ``compress_level``
            (PNG zlib level 0-9, default 4), ``jpeg_quality`` (1-100, default
            92), ``dpi`` (resolution recorded in the files) and ``timestamp``
            (record the creation time, ``SOURCE_DATE_EPOCH`` when set; off by
            default so that a render can be repeated byte for byte).

        Returns
        -------
        list of Path
            The files written.
        """
        named = sorted(set(options) & set(_OUTPUT_NAMES))
        if named:
            raise TypeError(
                f"save() writes the files it is given: pass them as its first argument, not {named[0]}="
            )
        paths = [path] if isinstance(path, str | Path) else list(path)
        if not paths:
            raise InputError("give at least one output file")
        try:
            formats = [format_of(p) for p in paths]
        except ValueError as err:
            raise InputError(str(err)) from None
        chosen = self._options(recipe, {**options, **_OUTPUT_NAMES}, _Saved)
        look = chosen.look
        check_page_memory(look, self.rgba.shape, sixteen_bit="tiff" in formats)
        described = metadata(self, look, timestamp=chosen.timestamp)
        embedded = recipe is not None or self.recipe is not None
        pictures: dict[int, np.ndarray] = {}

        def page(depth: int) -> np.ndarray:
            if depth not in pictures:
                pictures[depth] = picture(self, look, depth=depth)
            return pictures[depth]

        files: list[tuple[str | Path, Any]] = []
        text, xmp = described["text"], described["xmp"]
        for target, kind in zip(paths, formats, strict=True):
            if kind == "png":
                recipe_text = _embedded_text(chosen, target) if embedded else None
                data = encode_png(
                    page(8),
                    text=text,
                    xmp=xmp,
                    dpi=chosen.dpi,
                    compress_level=chosen.compress_level,
                    compressed_text={RECIPE_KEY: recipe_text} if recipe_text else None,
                )
            elif kind == "tiff":
                data = encode_tiff(
                    page(16),
                    description=text["Description"],
                    software=text["Software"],
                    artist=look.credit,
                    xmp=xmp,
                    dpi=chosen.dpi,
                )
            else:
                opaque = flatten_onto(page(8), background_of(self, look) or (0.0, 0.0, 0.0, 1.0))
                data = encode_jpeg(
                    opaque, xmp=xmp, comment=text["Description"], dpi=chosen.dpi, quality=chosen.jpeg_quality
                )
            files.append((target, lambda fh, d=data: fh.write(d)))
        if fits_prefix is not None:
            files += fits_writers(self, fits_prefix)
        if staging is not None:  # part of a larger all-or-nothing batch, committed by the caller
            return [staging.add(target, writer) for target, writer in [*files, *also]]
        return write_atomically([*files, *also], inputs=self.inputs)

    def to_fits(self, prefix: str | Path) -> list[Path]:
        """Write ``<prefix>_temperature.fits`` and ``<prefix>_opacity.fits`` atomically."""
        return write_atomically(fits_writers(self, prefix), inputs=self.inputs)

    def studio(self, **options: Any) -> Any:
        """Tune this composite live in the studio page; in a notebook the page shows inline.

        Needs the extra ``studio``. ``options`` are those of :func:`falsecolor.pipeline.studio`
        (``port``, ``browser``, and render options to start from).
        """
        if not STUDIO:  # falsecolor.pipeline installs it (a workflow above this one)
            import_module("falsecolor.pipeline")
        return STUDIO[0](self, **options)

    def _repr_png_(self) -> bytes:
        return encode_png(self.image(key=True))


#: Bytes per pixel of a page being made: the resampled composite (float32 RGBA), the page, its encoding.
PAGE_BYTES_PER_PIXEL = 28


def _embedded_text(recipe: Recipe, target: str | Path) -> str | None:
    """The recipe to embed in a PNG, its paths relative to it; None (with a warning) if it cannot be text."""
    try:
        return recipe.rebased(Path(target).resolve().parent, private=True).to_toml()
    except RecipeError as err:
        warn(f"{Path(target).name} carries no recipe: {err}")
        return None


def check_page_memory(look: Look, shape: tuple[int, ...] | None = None, *, sixteen_bit: bool = True) -> None:
    """Refuse, before drawing, a picture that will not fit in memory (a huge ``--size``, a sheet).

    Without the composite's ``shape`` (before the render), only a ``size`` can be checked.
    """
    if shape is None:
        if look.size is None:
            return
        shape = (look.size, look.size)
    ny, nx = shape[:2]
    if look.size is not None:
        scale = look.size / max(ny, nx)
        ny, nx = round(ny * scale), round(nx * scale)
    pixels = ny * nx * (3 if look.sheet else 1)
    per_pixel = PAGE_BYTES_PER_PIXEL * (2 if sixteen_bit else 1)
    require(pixels * per_pixel, f"a picture of {nx} x {ny} pixels", f"give a smaller {option('size')}")
