"""The page: panels (each with an optional label), the colour key, title, caption and credit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._draw import Line, overlay, paste, text_colour
from ._key import KeySpec, render_key

#: Where the key may go, relative to the row of panels.
KEY_POSITIONS = ("right", "left", "bottom")
#: Default side of the key's palette square, as a fraction of the panel height.
KEY_SIZE = 0.34
#: The key's square is never smaller than this (its labels stay readable in print).
KEY_MIN = 200


@dataclass(frozen=True)
class Panel:
    """One picture on the page (8- or 16-bit RGBA, row 0 = top) and the label under it."""

    image: np.ndarray
    label: str = ""


def page(
    panels: list[Panel],
    *,
    key: KeySpec | None = None,
    key_size: float = KEY_SIZE,
    key_position: str = "right",
    title: str | None = None,
    caption: str | None = None,
    credit: str | None = None,
    background: tuple[float, float, float, float] | None = None,
) -> np.ndarray:
    """Lay out panels in a row, the key beside or below them, and the lines of text.

    Parameters
    ----------
    panels : list of Panel
        Pictures of one dtype (uint8 or uint16), copied unchanged into the page.
    key : KeySpec, optional
        Colour key to draw; ``None`` for none.
    key_size : float
        Side of the key's palette square as a fraction of the tallest panel
        (kept between 200 and 1200 pixels).
    key_position : {'right', 'left', 'bottom'}
    title, caption, credit : str, optional
        Bold title above; caption (date, instrument, filters) and credit below.
    background : RGBA tuple, optional
        Page colour; ``None`` keeps it transparent.

    Returns
    -------
    ndarray
        RGBA page of the panels' dtype, row 0 = top. A single unlabelled
        panel with no key and no text is returned as it is.
    """
    if not panels:
        raise ValueError("a page needs at least one panel")
    dtype = panels[0].image.dtype
    if any(p.image.dtype != dtype for p in panels):
        raise ValueError("all panels must have one dtype")
    if key_position not in KEY_POSITIONS:
        raise ValueError(f"key position must be one of {', '.join(KEY_POSITIONS)}, got {key_position!r}")
    if not 0.05 <= key_size <= 2.0:
        raise ValueError(f"key size must be 0.05..2 (fraction of the image height), got {key_size}")
    labelled = any(p.label for p in panels)
    if len(panels) == 1 and key is None and not (title or caption or credit or labelled):
        return panels[0].image
    ny = max(p.image.shape[0] for p in panels)
    nx = max(p.image.shape[1] for p in panels)
    ink = text_colour(background)
    margin = max(8, round(0.03 * max(ny, nx)))
    label_line = Line("", int(np.clip(0.05 * ny, 26, 64))) if labelled else None
    label_height = label_line.height if label_line else 0
    row_width = sum(p.image.shape[1] for p in panels) + margin * (len(panels) - 1)
    row_height = ny + label_height
    key_tile = None
    if key is not None:
        key_tile = render_key(key, size=int(np.clip(key_size * ny, KEY_MIN, 1200)), background=background)
    if key_tile is None:
        body_width, body_height = row_width, row_height
    elif key_position == "bottom":
        body_width = max(row_width, key_tile.shape[1])
        body_height = row_height + margin + key_tile.shape[0]
    else:
        body_width = row_width + margin + key_tile.shape[1]
        body_height = max(row_height, key_tile.shape[0])
    lines = {
        "title": Line(title, int(np.clip(0.07 * ny, 28, 120)), "bold", "center") if title else None,
        "caption": Line(caption, int(np.clip(0.035 * ny, 18, 60)), "normal", "left") if caption else None,
        "credit": Line(credit, int(np.clip(0.035 * ny, 18, 60)), "normal", "right") if credit else None,
    }
    # Text that would not fit shrinks, down to a readable size; then the page widens instead.
    needed = [line.width_needed(body_width) for line in lines.values() if line]
    width = max([body_width, *needed]) + 2 * margin
    heights = {name: line.height if line else 0 for name, line in lines.items()}
    height = heights["title"] + body_height + heights["caption"] + heights["credit"] + 2 * margin
    canvas = np.empty((height, width, 4), dtype=dtype)
    fill = np.asarray(background if background is not None else (0, 0, 0, 0), dtype=np.float64)
    canvas[...] = np.round(fill * np.iinfo(dtype).max).astype(dtype)
    top = margin + heights["title"]
    body_left = margin + (width - 2 * margin - body_width) // 2
    row_left = body_left
    if key_tile is not None:
        if key_position == "left":
            row_left += key_tile.shape[1] + margin
            key_at = (top + (body_height - key_tile.shape[0]) // 2, body_left)
        elif key_position == "right":
            key_at = (top + (body_height - key_tile.shape[0]) // 2, body_left + row_width + margin)
        else:
            key_at = (top + row_height + margin, body_left + (body_width - key_tile.shape[1]) // 2)
        if key_position == "bottom":
            row_left = body_left + (body_width - row_width) // 2
        paste(canvas, key_tile, *key_at)
    row_top = top + ((body_height - row_height) // 2 if key_position != "bottom" else 0)
    column = row_left
    for panel in panels:
        h, w = panel.image.shape[:2]
        canvas[row_top + (ny - h) // 2 : row_top + (ny - h) // 2 + h, column : column + w] = panel.image
        if panel.label:
            tile = Line(panel.label, label_height).tile(w, ink)
            overlay(canvas, tile, row_top + ny, column)
        column += w + margin
    inner = width - 2 * margin
    rows = {
        "title": margin,
        "caption": height - margin - heights["credit"] - heights["caption"],
        "credit": height - margin - heights["credit"],
    }
    for name, line in lines.items():
        if line:
            overlay(canvas, line.tile(inner, ink), rows[name], margin)
    return canvas


def assemble(
    image: np.ndarray,
    *,
    key: KeySpec | None = None,
    title: str | None = None,
    credit: str | None = None,
    background: tuple[float, float, float, float] | None = None,
    **options,
) -> np.ndarray:
    """One composite on a page: :func:`page` with a single unlabelled panel.

    Without key, title, caption and credit the result is ``image`` itself.
    """
    return page([Panel(image)], key=key, title=title, credit=credit, background=background, **options)
