"""The published picture: composite, colour key labelled in physical units, title, credit.

Text and the key are drawn with matplotlib's Agg renderer (no pyplot, no global
state) into small RGBA tiles; the composite itself is copied pixel for pixel,
never resampled. All arrays here are display-ordered (row 0 = top).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["KeySpec", "assemble", "enlarge", "render_key", "render_text", "resample"]

_DPI = 100.0
#: Largest side of a resampled composite (16384^2 RGBA is 1 GiB).
MAX_SIDE = 16384
_DARK_PANEL = (0.06, 0.06, 0.07, 1.0)


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


def _text_colour(background: tuple[float, ...]) -> str:
    r, g, b = background[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"


def _figure(width: int, height: int, facecolor):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, facecolor=facecolor)
    FigureCanvasAgg(figure)
    return figure


def _to_array(figure) -> np.ndarray:
    figure.canvas.draw()
    return np.array(figure.canvas.buffer_rgba(), dtype=np.uint8)


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
    panel = background if background is not None and background[3] > 0 else _DARK_PANEL
    ink = _text_colour(panel)
    font = max(7.0, size / 20.0)
    # Draw on a generous canvas, then crop to what was drawn.
    left, bottom, right, top = (round(size * f) for f in (0.9, 0.6, 0.6, 0.2))
    width, height = left + size + right, bottom + size + top
    figure = _figure(width, height, panel)
    axes = figure.add_axes((left / width, bottom / height, size / width, size / height))
    (x0, x1), (y0, y1) = spec.x_limits, spec.y_limits
    axes.imshow(spec.image, origin="lower", extent=(x0, x1, y0, y1), aspect="auto", interpolation="nearest")
    axes.set_xlim(x0, x1)
    axes.set_ylim(y0, y1)
    for side in axes.spines.values():
        side.set_color(ink)
    axes.tick_params(colors=ink, labelsize=font * 0.85, length=font * 0.35, width=0.8)
    axes.locator_params(nbins=4)  # few, readable ticks even on a small key
    x_band = f"{spec.x_band}: " if spec.x_band else ""
    y_band = f"{spec.y_band}: " if spec.y_band else ""
    axes.set_xlabel(
        f"{spec.x_label}\n{x_band}{spec.x_ends[0]} → {spec.x_ends[1]}",
        color=ink,
        fontsize=font,
        linespacing=1.4,
    )
    axes.set_ylabel(
        f"{spec.y_label}\n{y_band}{spec.y_ends[0]} → {spec.y_ends[1]}",
        color=ink,
        fontsize=font,
        linespacing=1.4,
    )
    tile = _to_array(figure)
    return _crop(tile, np.round(np.asarray(panel) * 255).astype(np.uint8), margin=round(font * 1.2))


def _crop(tile: np.ndarray, fill: np.ndarray, *, margin: int) -> np.ndarray:
    """Cut a tile down to the pixels that differ from ``fill``, plus a margin."""
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
    return path.get_extents().width * _DPI / 72.0


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

    figure = _figure(width, height, (0, 0, 0, 0))
    font = fontsize if fontsize is not None else height / _DPI * 72.0 * 0.55
    x = {"left": 0.01, "center": 0.5, "right": 0.99}[align]
    # A contrasting outline keeps the text readable over any page colour.
    outline = "black" if colour == "white" else "white"
    figure.text(
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
    return _to_array(figure)


def resample(image: np.ndarray, longest_side: int) -> np.ndarray:
    """Resize an 8-bit RGBA image so its longer side is ``longest_side`` pixels.

    Lanczos filtering on premultiplied alpha (Pillow), so transparent pixels do
    not bleed their colour into the planet's edge.
    """
    from PIL import Image

    if not 16 <= longest_side <= MAX_SIDE:
        raise ValueError(f"the output size must be 16..{MAX_SIDE} pixels, got {longest_side}")
    ny, nx = image.shape[:2]
    scale = longest_side / max(ny, nx)
    size = (max(1, round(nx * scale)), max(1, round(ny * scale)))
    if size == (nx, ny):
        return image
    resized = Image.fromarray(np.ascontiguousarray(image), "RGBA").resize(size, Image.Resampling.LANCZOS)
    return np.asarray(resized)


def enlarge(image: np.ndarray, minimum: int = 320) -> np.ndarray:
    """Repeat each pixel (a whole number of times) until the longer side reaches ``minimum``.

    Small images (a 60 x 55 archival disc) are enlarged this way before a key
    and text are drawn beside them, so the picture is not dwarfed by its key;
    every data pixel stays a uniform square, nothing is interpolated.
    """
    factor = int(np.ceil(minimum / max(image.shape[:2])))
    if factor <= 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def assemble(
    image: np.ndarray,
    *,
    key: KeySpec | None = None,
    title: str | None = None,
    credit: str | None = None,
    background: tuple[float, float, float, float] | None = None,
) -> np.ndarray:
    """Place the composite, the key (to its right), a title (above) and a credit (below).

    Parameters
    ----------
    image : ndarray
        8-bit RGBA composite, row 0 = top. Copied unchanged into the canvas.
    key : KeySpec, optional
        Colour key to draw; ``None`` for none.
    title, credit : str, optional
        Text above and below the composite.
    background : RGBA tuple, optional
        Canvas colour; ``None`` keeps the canvas transparent.

    Returns
    -------
    ndarray
        8-bit RGBA canvas, row 0 = top. Without key, title and credit it is
        ``image`` itself.
    """
    if key is None and not title and not credit:
        return image
    ny, nx = image.shape[:2]
    ink = _text_colour(background) if background is not None and background[3] > 0 else "white"
    margin = max(8, round(0.03 * max(ny, nx)))
    key_tile = None
    if key is not None:
        key_tile = render_key(key, size=int(np.clip(0.34 * ny, 150, 700)), background=background)
    body_width = nx + (margin + key_tile.shape[1] if key_tile is not None else 0)
    body_height = max(ny, key_tile.shape[0] if key_tile is not None else 0)
    lines = [
        _Line(title, int(np.clip(0.07 * ny, 28, 120)), "bold", "center") if title else None,
        _Line(credit, int(np.clip(0.035 * ny, 18, 60)), "normal", "right") if credit else None,
    ]
    # Text that would not fit shrinks, down to a readable size; then the page widens instead.
    width = max([body_width] + [line.width_needed(body_width) for line in lines if line]) + 2 * margin
    title_height = lines[0].height if lines[0] else 0
    credit_height = lines[1].height if lines[1] else 0
    height = title_height + body_height + credit_height + 2 * margin
    fill = np.round(np.asarray(background if background is not None else (0, 0, 0, 0)) * 255)
    canvas = np.empty((height, width, 4), dtype=np.uint8)
    canvas[...] = fill.astype(np.uint8)
    left = margin + (width - 2 * margin - body_width) // 2
    top = margin + title_height + (body_height - ny) // 2
    canvas[top : top + ny, left : left + nx] = image
    if key_tile is not None:
        key_top = margin + title_height + (body_height - key_tile.shape[0]) // 2
        key_left = left + nx + margin
        canvas[key_top : key_top + key_tile.shape[0], key_left : key_left + key_tile.shape[1]] = key_tile
    inner = width - 2 * margin
    for line, row in ((lines[0], margin), (lines[1], height - margin - credit_height)):
        if line:
            tile = render_text(
                line.text, width=inner, height=line.height, fontsize=line.fontsize(inner),
                colour=ink, align=line.align, weight=line.weight,
            )  # fmt: skip
            _overlay(canvas, tile, row, margin)
    return canvas


#: Text is never set smaller than this (points at 100 dpi: about 11 pixels tall).
_MIN_FONT = 8.0


@dataclass(frozen=True)
class _Line:
    """A title or credit line: its text, strip height, weight and alignment."""

    text: str
    height: int
    weight: str
    align: str

    @property
    def nominal(self) -> float:
        return self.height / _DPI * 72.0 * 0.55

    def fontsize(self, width: int) -> float:
        """The nominal size, shrunk to fit ``width`` pixels but not below the minimum."""
        needed = text_width(self.text, self.nominal, weight=self.weight)
        return max(_MIN_FONT, min(self.nominal, self.nominal * 0.96 * width / max(needed, 1.0)))

    def width_needed(self, width: int) -> int:
        """Page width the line needs: ``width``, or more when even the minimum size is too wide."""
        at_minimum = text_width(self.text, _MIN_FONT, weight=self.weight) / 0.96
        return max(width, int(np.ceil(at_minimum)))


def _overlay(canvas: np.ndarray, tile: np.ndarray, row: int, column: int) -> None:
    """Alpha-composite a tile onto the canvas in place (straight alpha)."""
    h, w = tile.shape[:2]
    region = canvas[row : row + h, column : column + w].astype(np.float32) / 255.0
    src = tile.astype(np.float32) / 255.0
    sa, da = src[..., 3:4], region[..., 3:4]
    out_a = sa + da * (1.0 - sa)
    with np.errstate(invalid="ignore", divide="ignore"):
        rgb = np.where(out_a > 0, (src[..., :3] * sa + region[..., :3] * da * (1.0 - sa)) / out_a, 0.0)
    canvas[row : row + h, column : column + w, :3] = np.round(rgb * 255.0).astype(np.uint8)
    canvas[row : row + h, column : column + w, 3] = np.round(out_a[..., 0] * 255.0).astype(np.uint8)
