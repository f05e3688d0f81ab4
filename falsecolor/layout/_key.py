"""The two-axis colour key: the palette square labelled in physical units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._draw import DARK_PANEL, crop, figure, text_colour, to_array


@dataclass(frozen=True)
class KeySpec:
    """What the colour key shows.

    Attributes
    ----------
    image : ndarray
        Palette table as an image, float RGBA ``(n_y, n_x, 4)``, row 0 = low y
        value (clear), column 0 = low x value (cold).
    x_limits, y_limits : (float, float)
        Values at the left/right and bottom/top edges.
    x_label, y_label : str
        Axis titles, e.g. ``"brightness temperature (K)"``.
    x_band, y_band : str
        The band behind each axis, e.g. ``"NEII_2 13.04 µm"``.
    x_ends, y_ends : (str, str)
        Words for the ends of each axis, e.g. ``("cold", "warm")``.
    x_clipped, y_clipped : (float, float), optional
        Fractions of the pixels beyond the low and high end of each axis
        (drawn in the edge colour); shown beside the square when given.
    x_stretch, y_stretch : callable, optional
        How each axis spreads its values (a stretch of [0, 1] with an
        ``inverse``, as astropy.visualization's); the ticks follow it.
        Default linear.
    """

    image: np.ndarray
    x_limits: tuple[float, float]
    y_limits: tuple[float, float]
    x_label: str = "brightness temperature (K)"
    y_label: str = "cloud opacity τ"
    x_band: str = ""
    y_band: str = ""
    x_ends: tuple[str, str] = ("cold", "warm")
    y_ends: tuple[str, str] = ("clear", "cloudy")
    x_clipped: tuple[float, float] | None = None
    y_clipped: tuple[float, float] | None = None
    x_stretch: Any = None
    y_stretch: Any = None


def _percent(fraction: float) -> str:
    if fraction <= 0:
        return "0 %"
    if fraction < 0.001:
        return "<0.1 %"
    return f"{100 * fraction:.1f} %"


def render_key(spec: KeySpec, *, size: int, background: tuple[float, ...] | None = None) -> np.ndarray:
    """Draw the two-axis colour key: the palette square with axes in physical units.

    Parameters
    ----------
    spec : KeySpec
        Palette image, limits and labels.
    size : int
        Side of the palette square in pixels; the tile adds room for labels.
    background : RGBA tuple, optional
        Panel colour; default a near-black opaque panel, readable on any page.

    Returns
    -------
    ndarray
        Opaque 8-bit RGBA tile, row 0 = top, cropped to its content plus a margin.
    """
    panel = background if background is not None and background[3] > 0 else DARK_PANEL
    ink = text_colour(panel)
    font = max(7.0, size / 20.0)
    # Draw on a generous canvas, then crop to what was drawn.
    left, bottom, right, top = (round(size * f) for f in (0.9, 0.6, 0.6, 0.25))
    width, height = left + size + right, bottom + size + top
    fig = figure(width, height, panel)
    axes = fig.add_axes((left / width, bottom / height, size / width, size / height))
    # A stretched axis spans 0..1 (the table's own spacing) and carries its ticks on a secondary
    # axis that maps positions to values; a linear one spans its values directly.
    (x0, x1) = (0.0, 1.0) if spec.x_stretch is not None else spec.x_limits
    (y0, y1) = (0.0, 1.0) if spec.y_stretch is not None else spec.y_limits
    axes.imshow(spec.image, origin="lower", extent=(x0, x1, y0, y1), aspect="auto", interpolation="nearest")
    axes.set_xlim(x0, x1)
    axes.set_ylim(y0, y1)
    for side in axes.spines.values():
        side.set_color(ink)
    ticks = {"colors": ink, "labelsize": font * 0.85, "length": font * 0.35, "width": 0.8}
    axes.tick_params(**ticks)
    axes.locator_params(nbins=4)  # few, readable ticks even on a small key
    x_band = f"{spec.x_band}: " if spec.x_band else ""
    y_band = f"{spec.y_band}: " if spec.y_band else ""
    label = {"color": ink, "fontsize": font, "linespacing": 1.4}
    x_axis = _stretched(axes, "x", spec.x_limits, spec.x_stretch, ticks) or axes
    y_axis = _stretched(axes, "y", spec.y_limits, spec.y_stretch, ticks) or axes
    x_axis.set_xlabel(f"{spec.x_label}\n{x_band}{spec.x_ends[0]} → {spec.x_ends[1]}", **label)
    y_axis.set_ylabel(f"{spec.y_label}\n{y_band}{spec.y_ends[0]} → {spec.y_ends[1]}", **label)
    _clipped_labels(axes, spec, ink, max(7.0, font * 0.8))
    tile = to_array(fig)
    return crop(tile, np.round(np.asarray(panel) * 255).astype(np.uint8), margin=round(font * 1.2))


def _stretched(axes, which: str, limits: tuple[float, float], stretch: Any, ticks: dict) -> Any:
    """For a stretched axis: a secondary axis with ticks at the values' stretched positions (else None)."""
    if stretch is None:
        return None
    low, high = limits
    inverse = stretch.inverse

    def to_value(position):
        with np.errstate(invalid="ignore", divide="ignore"):
            return low + (high - low) * inverse(np.clip(position, 0.0, 1.0), clip=False)

    def to_position(value):
        with np.errstate(invalid="ignore", divide="ignore"):
            return stretch(np.clip((np.asarray(value) - low) / (high - low), 0.0, 1.0), clip=False)

    if which == "x":
        axes.set_xticks([])
        secondary = axes.secondary_xaxis("bottom", functions=(to_value, to_position))
    else:
        axes.set_yticks([])
        secondary = axes.secondary_yaxis("left", functions=(to_value, to_position))
    from matplotlib.ticker import FixedLocator, MaxNLocator

    # Round values, spread by their position on the axis (a stretch crowds them at one end).
    span = abs(high - low)
    values = np.asarray(MaxNLocator(nbins=16).tick_values(low, high), dtype=float)
    values = values[(values >= low - 1e-9 * span) & (values <= high + 1e-9 * span)]
    chosen: list[float] = []
    for value in values:
        if not chosen or to_position(value) - to_position(chosen[-1]) >= 0.2:
            chosen.append(float(value))
    secondary.tick_params(**ticks)
    (secondary.xaxis if which == "x" else secondary.yaxis).set_major_locator(FixedLocator(chosen))
    for side in secondary.spines.values():
        side.set_color(ticks["colors"])
    return secondary


def _clipped_labels(axes, spec: KeySpec, ink: str, font: float) -> None:
    """The share of pixels beyond each end (drawn in the edge colour): above the square for x,
    right of it for y."""
    style = {"color": ink, "fontsize": font, "transform": axes.transAxes}
    if spec.x_clipped is not None:
        low, high = spec.x_clipped
        axes.text(0.0, 1.02, f"◂ {_percent(low)} clipped", ha="left", va="bottom", **style)
        axes.text(1.0, 1.02, f"clipped {_percent(high)} ▸", ha="right", va="bottom", **style)
    if spec.y_clipped is not None:
        low, high = spec.y_clipped
        axes.text(1.03, 0.0, f"◂ {_percent(low)} clipped", ha="left", va="bottom", rotation=90, **style)
        axes.text(1.03, 1.0, f"clipped {_percent(high)} ▸", ha="left", va="top", rotation=90, **style)
