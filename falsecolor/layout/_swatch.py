"""A palette swatch: the palette square, how it looks with colour-vision deficiencies, its notes."""

from __future__ import annotations

import textwrap

import numpy as np

from ._draw import DARK_PANEL, figure, text_colour, to_array


def swatch(
    name: str,
    description: str,
    table: np.ndarray,
    variants: dict[str, np.ndarray] | None = None,
    *,
    x_label: str = "temperature: cold → warm",
    y_label: str = "cloud: clear → cloudy",
    notes: list[str] | None = None,
    background: tuple[float, float, float, float] | None = None,
) -> np.ndarray:
    """Draw a palette preview as an 8-bit RGBA image (row 0 = top).

    Parameters
    ----------
    name, description : str
        Shown as the title and a wrapped paragraph.
    table : ndarray
        Palette image ``(n, n, 3|4)`` float, row 0 = clear, column 0 = cold.
    variants : dict, optional
        Smaller squares beside it, e.g. ``{"deuteranopia": table, ...}``.
    x_label, y_label : str
        Axis meanings.
    notes : list of str, optional
        Lines printed under the description (e.g. quality warnings).
    background : RGBA tuple, optional
        Page colour (default a near-black panel).
    """
    variants = variants or {}
    panel = background if background is not None and background[3] > 0 else DARK_PANEL
    ink = text_colour(panel)
    text = textwrap.fill(description, 100)
    note_text = "\n".join(textwrap.fill(f"• {n}", 100) for n in notes or [])
    lines = text.count("\n") + 1 + (note_text.count("\n") + 1 if note_text else 0)
    width, height = 900, 420 + 16 * lines
    fig = figure(width, height, panel)
    top = 1 - 40 / height
    fig.text(20 / width, top + 8 / height, name, color=ink, fontsize=16, fontweight="bold", va="bottom")
    main = fig.add_axes((70 / width, top - 280 / height, 280 / width, 280 / height))
    main.imshow(table, origin="lower", extent=(0, 1, 0, 1), interpolation="nearest")
    main.set_xticks([])
    main.set_yticks([])
    main.set_xlabel(x_label, color=ink, fontsize=10)
    main.set_ylabel(y_label, color=ink, fontsize=10)
    for index, (label, image) in enumerate(variants.items()):
        column, row = index % 2, index // 2
        left = (420 + column * 230) / width
        bottom = top - (125 + row * 155) / height
        axes = fig.add_axes((left, bottom, 120 / width, 120 / height))
        axes.imshow(image, origin="lower", extent=(0, 1, 0, 1), interpolation="nearest")
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(label, color=ink, fontsize=9)
    for axes in fig.axes:
        for side in axes.spines.values():
            side.set_color(ink)
    y = top - 340 / height
    fig.text(20 / width, y, text, color=ink, fontsize=9.5, va="top", linespacing=1.35)
    if note_text:
        y -= 16 * (text.count("\n") + 1.6) / height
        fig.text(
            20 / width,
            y,
            note_text,
            color="#ffb347" if ink == "white" else "#8a4b00",
            fontsize=9.5,
            va="top",
            linespacing=1.35,
        )
    return to_array(fig)
