"""Drawing primitives: matplotlib Agg tiles (no pyplot, no global state), text, compositing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DPI = 100.0
#: Text is never set smaller than this (points at 100 dpi: about 11 pixels tall).
MIN_FONT = 8.0
DARK_PANEL = (0.06, 0.06, 0.07, 1.0)


def text_colour(background: tuple[float, ...] | None) -> str:
    """Black or white, whichever reads on ``background`` (white on transparent)."""
    if background is None or background[3] == 0:
        return "white"
    r, g, b = background[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"


def figure(width: int, height: int, facecolor):
    """A matplotlib Figure of ``width`` x ``height`` pixels on its own Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=facecolor)
    FigureCanvasAgg(fig)
    return fig


def to_array(fig) -> np.ndarray:
    """Draw a figure; its pixels as 8-bit RGBA, row 0 = top."""
    fig.canvas.draw()
    return np.array(fig.canvas.buffer_rgba(), dtype=np.uint8)


def crop(tile: np.ndarray, fill: np.ndarray, *, margin: int) -> np.ndarray:
    """Cut a tile down to the pixels that differ from ``fill``, plus a margin."""
    if tile.dtype == np.uint8 and tile.shape[-1] == 4 and tile.flags.c_contiguous:
        # one comparison of 32-bit pixels, not four of bytes and a reduction over them (0.15 s less
        # for a press key)
        drawn = tile.view(np.uint32)[..., 0] != np.ascontiguousarray(fill, np.uint8).view(np.uint32)[0]
    else:
        drawn = np.any(tile != fill, axis=-1)
    rows, cols = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    if rows.size == 0:
        return tile
    r0, r1 = max(rows[0] - margin, 0), min(rows[-1] + margin + 1, tile.shape[0])
    c0, c1 = max(cols[0] - margin, 0), min(cols[-1] + margin + 1, tile.shape[1])
    return np.ascontiguousarray(tile[r0:r1, c0:c1])


def text_width(text: str, fontsize: float, *, weight: str = "normal") -> float:
    """Width in pixels of one line of text at ``fontsize`` points (at the layout's 100 dpi)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), text, size=fontsize, prop=FontProperties(weight=weight))
    return path.get_extents().width * DPI / 72.0


def render_text(
    text: str,
    *,
    width: int,
    height: int,
    fontsize: float | None = None,
    colour: str = "white",
    align: str = "center",
    weight: str = "normal",
) -> np.ndarray:
    """One line of text on a transparent tile ``(height, width, 4)``, row 0 = top.

    ``fontsize`` is in points; by default it follows the tile height.
    """
    from matplotlib import patheffects

    fig = figure(width, height, (0, 0, 0, 0))
    font = fontsize if fontsize is not None else height / DPI * 72.0 * 0.55
    x = {"left": 0.01, "center": 0.5, "right": 0.99}[align]
    # A contrasting outline keeps the text readable over any page colour.
    outline = "black" if colour == "white" else "white"
    fig.text(
        x,
        0.5,
        text,
        ha=align,
        va="center",
        color=colour,
        fontsize=font,
        fontweight=weight,
        path_effects=[patheffects.withStroke(linewidth=max(1.0, font / 10), foreground=outline)],
    )
    return to_array(fig)


@dataclass(frozen=True)
class Line:
    """A line of text on the page: its text, strip height, weight and alignment."""

    text: str
    height: int
    weight: str = "normal"
    align: str = "center"

    @property
    def nominal(self) -> float:
        return self.height / DPI * 72.0 * 0.55

    def fontsize(self, width: int) -> float:
        """The nominal size, shrunk to fit ``width`` pixels but not below the minimum."""
        needed = text_width(self.text, self.nominal, weight=self.weight)
        return max(MIN_FONT, min(self.nominal, self.nominal * 0.96 * width / max(needed, 1.0)))

    def width_needed(self, width: int) -> int:
        """Page width the line needs: ``width``, or more when even the minimum size is too wide."""
        at_minimum = text_width(self.text, MIN_FONT, weight=self.weight) / 0.96
        return max(width, int(np.ceil(at_minimum)))

    def tile(self, width: int, colour: str) -> np.ndarray:
        return render_text(
            self.text,
            width=width,
            height=self.height,
            fontsize=self.fontsize(width),
            colour=colour,
            align=self.align,
            weight=self.weight,
        )


def to_depth(tile: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """An 8-bit tile as ``dtype`` (uint16 multiplies by 257, so 255 becomes 65535)."""
    if tile.dtype == dtype:
        return tile
    if np.dtype(dtype) == np.uint16 and tile.dtype == np.uint8:
        return tile.astype(np.uint16) * np.uint16(257)
    raise ValueError(f"cannot convert a {tile.dtype} tile to {dtype}")


def overlay(canvas: np.ndarray, tile: np.ndarray, row: int, column: int) -> None:
    """Alpha-composite an 8-bit tile onto the canvas (8- or 16-bit) in place, straight alpha."""
    h = min(tile.shape[0], canvas.shape[0] - row)
    w = min(tile.shape[1], canvas.shape[1] - column)
    if h <= 0 or w <= 0:
        return
    full = float(np.iinfo(canvas.dtype).max)
    target = canvas[row : row + h, column : column + w]
    region = target.astype(np.float32) / full
    src = tile[:h, :w].astype(np.float32) / 255.0
    sa, da = src[..., 3:4], region[..., 3:4]
    out_a = sa + da * (1.0 - sa)
    with np.errstate(invalid="ignore", divide="ignore"):
        rgb = np.where(out_a > 0, (src[..., :3] * sa + region[..., :3] * da * (1.0 - sa)) / out_a, 0.0)
    target[..., :3] = np.round(rgb * full).astype(canvas.dtype)
    target[..., 3] = np.round(out_a[..., 0] * full).astype(canvas.dtype)


def paste(canvas: np.ndarray, tile: np.ndarray, row: int, column: int) -> None:
    """Copy a tile (converted to the canvas depth) into the canvas."""
    h, w = tile.shape[:2]
    canvas[row : row + h, column : column + w] = to_depth(tile, canvas.dtype)
