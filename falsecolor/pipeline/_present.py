"""How a composite is presented: the page (key, text, marks, sheet) and its file metadata."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from astropy import units as u

from .. import __version__
from .._colour import parse_colour
from ..exceptions import InputError
from ..export import AvmBand, avm_xmp
from ..geometry import EQUATORIAL_RADIUS_KM
from ..layout import (
    KEY_POSITIONS,
    KEY_SIZE,
    KeySpec,
    Panel,
    annotate,
    enlargement,
    output_size,
    page,
    resample,
    text_colour,
)
from ..normalise import flatten_onto, grey_image

if TYPE_CHECKING:
    from ._composite import Composite

__all__ = ["LOOK_FIELDS", "Look", "make_look", "metadata", "picture"]


@dataclass(frozen=True)
class Look:
    """Everything about the picture that is not data: key, text, marks, sheet, size.

    Attributes
    ----------
    key : bool
        Draw the colour key (labelled in K and tau).
    key_position : {'right', 'left', 'bottom'}
    key_size : float
        Side of the key's palette square as a fraction of the image height.
    title, credit : str, optional
        Text above and below the picture.
    caption : str, optional
        A line under the picture; ``"auto"`` writes date, instrument and filters.
    background : str or tuple, optional
        Colour behind transparent pixels and the page (``"black"``); default
        the palette's own page colour, else transparent.
    scale_bar, north_arrow : bool
        Draw a scale bar in km / an arrow to the planet's north; they need
        the geometry (from the file, or ``km_per_pixel`` / ``north_angle``).
    km_per_pixel : float, optional
        Size of a data pixel at the planet (overrides the file).
    north_angle : float, optional
        Position angle of the planet's north, degrees from up towards the left.
    temperature_label, cloud_label : str, optional
        Axis titles of the key (e.g. for a cloud axis that is not 5 um opacity).
    sheet : bool
        Put each input band, in grey and labelled, beside the composite.
    size : int, optional
        Longer side of the composite in pixels (resampled); default one
        pixel per data pixel, whole-pixel enlarged to 320 when small.
    """

    key: bool = True
    key_position: str = "right"
    key_size: float = KEY_SIZE
    title: str | None = None
    credit: str | None = None
    caption: str | None = None
    background: str | tuple | None = None
    scale_bar: bool = False
    north_arrow: bool = False
    km_per_pixel: float | None = None
    north_angle: float | None = None
    temperature_label: str | None = None
    cloud_label: str | None = None
    sheet: bool = False
    size: int | None = None

    def __post_init__(self):
        if self.key_position not in KEY_POSITIONS:
            raise InputError(
                f"key position must be one of {', '.join(KEY_POSITIONS)}, got {self.key_position!r}"
            )
        if not 0.05 <= self.key_size <= 2.0:
            raise InputError(f"key size must be 0.05..2 (fraction of the image height), got {self.key_size}")
        if self.km_per_pixel is not None and not (np.isfinite(self.km_per_pixel) and self.km_per_pixel > 0):
            raise InputError(f"km per pixel must be a positive number, got {self.km_per_pixel}")
        if self.size is not None:
            try:
                output_size((1, 1), self.size)
            except ValueError as err:
                raise InputError(str(err)) from None


LOOK_FIELDS = tuple(f.name for f in fields(Look))


def make_look(**options: Any) -> Look:
    """A :class:`Look` from keywords, naming the valid ones when a keyword is unknown."""
    unknown = set(options) - set(LOOK_FIELDS)
    if unknown:
        raise InputError(
            f"unknown picture option(s) {', '.join(sorted(unknown))}; valid: {', '.join(LOOK_FIELDS)}"
        )
    for name, limit in TEXT_LIMITS.items():
        text = options.get(name)
        if isinstance(text, str) and len(text) > limit:
            raise InputError(
                f"the {name.replace('_', ' ')} is {len(text)} characters long; at most {limit} fit on a page"
            )
    return Look(**options)


#: Longest texts a page holds (one line each; a longer one would widen the page without bound).
TEXT_LIMITS = {"title": 200, "credit": 300, "caption": 400, "temperature_label": 120, "cloud_label": 120}


def background_of(composite: Composite, look: Look) -> tuple[float, float, float, float] | None:
    """The page colour: the one asked for, else the palette's, else transparent (None)."""
    value = look.background if look.background is not None else composite.palette.background
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


def geometry_of(composite: Composite, look: Look) -> tuple[float | None, float | None]:
    """km per data pixel and north's position angle: the look's values, else the file's."""
    header = composite.temperature_band.header
    km = look.km_per_pixel
    if km is None and header is not None and header.get("FC_REQ"):
        km = EQUATORIAL_RADIUS_KM / float(header["FC_REQ"])
    north = look.north_angle
    if north is None and header is not None and header.get("FC_PA") is not None:
        north = float(header["FC_PA"])
    if look.scale_bar and km is None:
        raise InputError(
            "a scale bar needs the pixel scale: give km_per_pixel (--km-per-pixel) for this image"
        )
    if look.north_arrow and north is None:
        raise InputError(
            "a north arrow needs the pole's position angle: give north_angle (--north-angle) for this image"
        )
    return (km if look.scale_bar else None), (north if look.north_arrow else None)


def caption_of(composite: Composite, look: Look) -> str | None:
    """The caption line; ``"auto"`` is built from the date, instrument and bands."""
    if look.caption != "auto":
        return look.caption or None
    band = composite.temperature_band
    header = band.header if band.header is not None else {}
    parts = []
    if band.date_obs:
        parts.append(band.date_obs[:16].replace("T", " ") + (" UT" if len(band.date_obs) > 10 else ""))
    instrument = " ".join(str(header.get(k, "")).strip() for k in ("TELESCOP", "INSTRUME")).strip()
    if instrument:
        parts.append(instrument)
    t_band, tau_band = composite.notes.get("temperature_band"), composite.notes.get("opacity_band")
    if t_band:
        parts.append(f"temperature: {t_band}")
    if tau_band:
        parts.append(f"cloud: {tau_band}")
    elif "opacity" in composite.notes:
        parts.append("cloud: opacity map")
    return " · ".join(parts) or None


def key_spec(composite: Composite, look: Look) -> KeySpec:
    t, tau = composite.t_limits, composite.tau_limits
    return KeySpec(
        image=composite.palette.key_image(),
        x_limits=(t.low, t.high),
        y_limits=(tau.low, tau.high),
        x_label=look.temperature_label or "brightness temperature (K)",
        y_label=look.cloud_label or composite.cloud_axis,
        x_band=composite.notes.get("temperature_band", ""),
        y_band=composite.notes.get("opacity_band", ""),
        x_clipped=(t.below, t.above),
        y_clipped=(tau.below, tau.above),
    )


def _display(image: np.ndarray, look: Look, decorated: bool, fill) -> np.ndarray:
    """Data orientation -> display: flip rows, resample or enlarge, flatten onto the page colour."""
    shown = np.ascontiguousarray(image[::-1])
    if look.size is not None:
        shown = resample(shown, look.size)
    elif decorated:
        factor = enlargement(shown.shape)
        if factor > 1:
            shown = np.repeat(np.repeat(shown, factor, axis=0), factor, axis=1)
    return flatten_onto(shown, fill)


def picture(composite: Composite, look: Look, *, depth: int = 8) -> np.ndarray:
    """The published picture (8- or 16-bit RGBA, row 0 = top)."""
    fill = background_of(composite, look)
    caption = caption_of(composite, look)
    decorated = look.key or look.sheet or bool(look.title or look.credit or caption)
    rgba = composite.rgba if depth == 8 else composite.rgba16()
    shown = _display(rgba, look, decorated, fill)
    km, north = geometry_of(composite, look)
    if km is not None or north is not None:
        scale = rgba.shape[1] / shown.shape[1]
        shown = annotate(
            shown, km_per_pixel=None if km is None else km * scale, north_angle=north, ink=text_colour(fill)
        )
    panels = [Panel(shown, "false colour" if look.sheet else "")]
    if look.sheet:
        dtype = np.uint8 if depth == 8 else np.uint16
        cloud_note = "opacity_band" if "cloud_axis" not in composite.notes else ""  # aerosol: a difference
        bands = [(composite.temperature_band, "temperature_band"), (composite.cloud_band, cloud_note)]
        greys = [
            Panel(_display(grey_image(band.data, composite.mask, dtype=dtype), look, True, fill),
                  _band_label(band, composite.notes.get(note, "") if note else ""))
            for band, note in bands if band is not None
        ]  # fmt: skip
        panels = greys + panels
    return page(
        panels,
        key=key_spec(composite, look) if look.key else None,
        key_size=look.key_size,
        key_position=look.key_position,
        title=look.title,
        caption=caption,
        credit=look.credit,
        background=fill,
    )


def _band_label(band, name: str) -> str:
    what = {"temperature": "K", "radiance": "radiance", "counts": "counts"}.get(band.kind, "")
    return " · ".join(p for p in (name or band.label, what) if p)


# -- metadata ------------------------------------------------------------------------------


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def creation_time() -> str:
    """Now (or ``SOURCE_DATE_EPOCH``, for reproducible builds) as RFC 3339 UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        if epoch and epoch.isdigit()
        else dt.datetime.now(dt.UTC)
    )
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def description(composite: Composite) -> str:
    t, tau = composite.t_limits, composite.tau_limits
    t_band = " ".join(filter(None, ["brightness temperature", composite.notes.get("temperature_band")]))
    axis = composite.cloud_axis.replace("τ", "tau")
    tau_band = " ".join(filter(None, [axis, composite.notes.get("opacity_band")]))
    return (
        f"False-colour composite. Horizontal axis: {t_band}, {t.low:.2f}-{t.high:.2f} K "
        f"({t.source}). Vertical axis: {tau_band}, {tau.low:.3f}-{tau.high:.3f} "
        f"({tau.source}). Palette: {composite.palette.name}."
    )


def metadata(composite: Composite, look: Look, *, timestamp: bool = False) -> dict[str, Any]:
    """Text entries (PNG tEXt keywords) and the AVM XMP packet of a composite."""
    text = {"Software": f"falsecolor {__version__}", "Description": description(composite)}
    if look.title:
        text["Title"] = look.title
    if look.credit:
        text["Author"] = look.credit
    sources = [f"{Path(p).name} sha256:{file_hash(p)}" for p in composite.inputs]
    if sources:
        text["Source"] = "; ".join(sources)
    elif composite.recipe is not None and composite.recipe.demo is not None:
        text["Source"] = f"falsecolor synthetic Jupiter ({composite.recipe.demo} px)"
    if timestamp:
        text["Creation Time"] = creation_time()
    bands = []
    for band, colour in ((composite.temperature_band, "Pseudocolor"), (composite.cloud_band, "Pseudocolor")):
        if band is None:
            continue
        header = band.header if band.header is not None else {}
        wavelength = (
            None if band.wavelength is None
            else float(band.wavelength.to_value(u.nm, equivalencies=u.spectral()))
        )  # fmt: skip
        bands.append(AvmBand(
            name=Path(band.filter_name).name if band.filter_name else band.label, wavelength_nm=wavelength,
            colour=colour, instrument=str(header.get("INSTRUME", "")).strip(),
            facility=str(header.get("TELESCOP", "")).strip(),
        ))  # fmt: skip
    starts = sorted(
        {b.date_obs for b in (composite.temperature_band, composite.cloud_band) if b and b.date_obs}
    )
    xmp = avm_xmp(
        title=look.title, description=text["Description"], credit=look.credit, bands=bands, start_times=starts
    )
    return {"text": text, "xmp": xmp}
