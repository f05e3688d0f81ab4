"""Marks drawn on the picture when its geometry is known: a scale bar in km and a north arrow."""

from __future__ import annotations

import math

import numpy as np

from ._draw import DPI, MIN_FONT, figure, overlay, to_array
from ._draw import text_width as measure


def nice_length(longest: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``longest`` (a round scale-bar length)."""
    if not (math.isfinite(longest) and longest > 0):
        raise ValueError(f"a scale bar needs a positive length, got {longest}")
    power = 10.0 ** math.floor(math.log10(longest))
    return max(m * power for m in (1.0, 2.0, 5.0) if m * power <= longest * (1 + 1e-12))


def _km(value: float) -> str:
    return f"{value:,.0f} km".replace(",", "\u2009") if value >= 1 else f"{value:g} km"


def _outline(ink: str):
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.0, foreground="black" if ink == "white" else "white")]


def scale_bar(km_per_pixel: float, image_width: int, *, ink: str = "white") -> np.ndarray:
    """A transparent tile: a bar of a round number of km (about a fifth of the width) and its label."""
    length_km = nice_length(0.22 * image_width * km_per_pixel)
    length = length_km / km_per_pixel
    font = max(MIN_FONT, image_width / 60.0)
    thickness = max(3, round(image_width / 160))
    pad = round(font * 0.6)
    label = _km(length_km)
    text_width = measure(label, font) + 4.0  # and its outline: the label always fits the tile
    span = max(length, text_width)
    width, height = math.ceil(span) + 2 * pad, round(font * DPI / 72.0 * 2.2) + thickness
    fig = figure(width, height, (0, 0, 0, 0))
    axes = fig.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    effects = _outline(ink)
    bar = axes.fill_between([pad, pad + length], pad, pad + thickness, color=ink, linewidth=0)
    bar.set_path_effects(effects)
    axes.text(
        pad + span / 2 if text_width > length else pad + length / 2,
        pad + thickness + font * 0.3,
        label,
        ha="center",
        va="bottom",
        color=ink,
        fontsize=font,
        path_effects=effects,
    )
    return to_array(fig)


def north_arrow(angle: float, size: int, *, ink: str = "white") -> np.ndarray:
    """A transparent ``size`` x ``size`` tile: an arrow to the planet's north, labelled N.

    ``angle`` is the position angle of north in degrees, from up towards the
    left (as :class:`~falsecolor.geometry.DiscGeometry.pole_angle`).
    """
    fig = figure(size, size, (0, 0, 0, 0))
    axes = fig.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(-1, 1)
    axes.set_ylim(-1, 1)
    theta = math.radians(angle)
    dx, dy = -math.sin(theta), math.cos(theta)
    effects = _outline(ink)
    font = max(MIN_FONT, size / 6.0)
    axes.annotate(
        "",
        xy=(0.45 * dx, 0.45 * dy),
        xytext=(-0.55 * dx, -0.55 * dy),
        arrowprops={"arrowstyle": "-|>", "color": ink, "lw": max(1.5, size / 40), "mutation_scale": size / 5},
    ).arrow_patch.set_path_effects(effects)
    axes.text(
        0.78 * dx,
        0.78 * dy,
        "N",
        ha="center",
        va="center",
        color=ink,
        fontsize=font,
        fontweight="bold",
        path_effects=effects,
    )
    return to_array(fig)


def annotate(
    image: np.ndarray,
    *,
    km_per_pixel: float | None = None,
    north_angle: float | None = None,
    ink: str = "white",
) -> np.ndarray:
    """A copy of ``image`` (row 0 = top) with a scale bar (lower left) and north arrow (upper right)."""
    if km_per_pixel is None and north_angle is None:
        return image
    out = image.copy()
    ny, nx = image.shape[:2]
    margin = max(4, round(0.02 * max(ny, nx)))
    if km_per_pixel is not None:
        if not (math.isfinite(km_per_pixel) and km_per_pixel > 0):
            raise ValueError(f"km per pixel must be positive, got {km_per_pixel}")
        bar = scale_bar(km_per_pixel, nx, ink=ink)
        overlay(out, bar, max(0, ny - margin - bar.shape[0]), margin)
    if north_angle is not None:
        side = max(40, round(0.11 * min(ny, nx)))
        overlay(out, north_arrow(north_angle, side, ink=ink), margin, max(0, nx - margin - side))
    return out
