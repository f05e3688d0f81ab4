"""How a composite is presented: the page with its key, texts, marks and sheet."""

from __future__ import annotations

import numpy as np

from .._colour import parse_colour
from .._messages import option
from ..exceptions import InputError
from ..geometry import EQUATORIAL_RADIUS_KM, DiscGeometry
from ..layout import KeySpec, Panel, annotate, enlargement, page, resample, text_colour
from ..normalise import flatten_onto, grey_image
from ..recipe import Look
from ._protocol import CompositeData

__all__ = ["background_of", "caption_of", "check_look", "key_spec", "picture"]

Colour = tuple[float, float, float, float]


def _parsed_background(look: Look) -> Colour | None:
    if look.background is None:
        return None
    try:
        return parse_colour(look.background)
    except ValueError as err:
        raise InputError(f"{option('background', look.background)}: {err}") from None


def check_look(look: Look) -> None:
    """Fail before any work on picture options that need more than their own bounds (the colour)."""
    _parsed_background(look)


def background_of(composite: CompositeData, look: Look) -> Colour | None:
    """The page colour: the one asked for, else the palette's, else transparent (None)."""
    colour = _parsed_background(look)
    own = composite.palette.background
    if colour is None and own is not None:
        r, g, b, *alpha = (float(v) for v in own)
        colour = (r, g, b, alpha[0] if alpha else 1.0)
    if colour is None:
        return None
    return None if colour[3] == 0 else colour


def geometry_of(composite: CompositeData, look: Look) -> tuple[float | None, float | None]:
    """km per data pixel and north's position angle: the look's values, else the file's."""
    # the disc as rendered (after any turn to north up), else the one the file's FC_* cards describe
    disc = composite.geometry or DiscGeometry.from_header(composite.temperature_band.header)
    km = look.km_per_pixel
    if km is None and disc is not None:
        km = EQUATORIAL_RADIUS_KM / disc.equatorial_radius
    north = disc.pole_angle if disc is not None else None  # the user's --north-angle is in it
    if north is None and composite.recipe is not None:
        north = composite.recipe.north_angle
    if look.scale_bar and km is None:
        raise InputError(f"a scale bar needs the pixel scale: give {option('km_per_pixel')} for this image")
    if look.north_arrow and north is None:
        raise InputError(
            f"a north arrow needs the pole's position angle: give {option('north_angle')} for this image"
        )
    return (km if look.scale_bar else None), (north if look.north_arrow else None)


def caption_of(composite: CompositeData, look: Look) -> str | None:
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
    t_band, tau_band = composite.temperature_quantity.band, composite.cloud_quantity.band
    if t_band:
        parts.append(f"temperature: {t_band}")
    if tau_band:
        parts.append(f"cloud: {tau_band}")
    elif composite.cloud_band is not None:
        parts.append("cloud: opacity map")
    return " · ".join(parts) or None


def key_spec(composite: CompositeData, look: Look) -> KeySpec:
    """The colour key: the palette, the limits, the axis titles and bands, and which ends are clipped."""
    t, tau = composite.t_limits, composite.tau_limits
    return KeySpec(
        image=composite.palette.key_image(),
        x_limits=(t.low, t.high),
        y_limits=(tau.low, tau.high),
        x_label=look.temperature_label or composite.temperature_quantity.label,
        y_label=look.cloud_label or composite.cloud_quantity.label,
        x_band=composite.temperature_quantity.band,
        y_band=composite.cloud_quantity.band,
        x_clipped=(t.below, t.above),
        y_clipped=(tau.below, tau.above),
        x_stretch=t.stretch_function,
        y_stretch=tau.stretch_function,
    )


def _display(image: np.ndarray, look: Look, decorated: bool, fill: Colour | None) -> np.ndarray:
    """Data orientation -> display: flip rows, resample or enlarge, flatten onto the page colour."""
    shown = np.ascontiguousarray(image[::-1])
    if look.size is not None:
        shown = resample(shown, look.size)
    elif decorated:
        factor = enlargement(shown.shape)
        if factor > 1:
            shown = np.repeat(np.repeat(shown, factor, axis=0), factor, axis=1)
    return flatten_onto(shown, fill)


def picture(composite: CompositeData, look: Look, *, depth: int = 8) -> np.ndarray:
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
        panels = _band_panels(composite, look, fill, depth) + panels
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


def _band_panels(composite: CompositeData, look: Look, fill: Colour | None, depth: int) -> list[Panel]:
    """Each input band in grey, labelled, for a sheet."""
    dtype = np.uint8 if depth == 8 else np.uint16
    aerosol = (
        composite.cloud_quantity.kind == "aerosol"
    )  # the axis is a difference: label the band by its file
    bands = [
        (composite.temperature_band, composite.temperature_quantity.band),
        (composite.cloud_band, "" if aerosol else composite.cloud_quantity.band),
    ]
    panels = []
    for band, name in bands:
        if band is None:
            continue
        grey = grey_image(band.data, composite.mask, dtype=dtype)
        panels.append(Panel(_display(grey, look, True, fill), _band_label(band, name)))
    return panels


def _band_label(band, name: str) -> str:
    what = {"temperature": "K", "radiance": "radiance", "counts": "counts"}.get(band.kind, "")
    return " · ".join(p for p in (name or band.label, what) if p)
