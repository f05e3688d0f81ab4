"""The published picture: composite, colour key labelled in physical units, title, caption,
credit, scale bar and north arrow, multi-panel sheets, and palette swatches.

Text and the key are drawn with matplotlib's Agg renderer (no pyplot, no global
state) into small RGBA tiles; the composite itself is copied pixel for pixel,
never resampled here unless asked. All arrays are display-ordered (row 0 =
top); pages may be 8-bit or 16-bit (the tiles are promoted).
"""

from ._draw import MIN_FONT, render_text, text_colour, text_width
from ._key import KeySpec, render_key
from ._marks import annotate, nice_length, north_arrow, scale_bar
from ._page import KEY_POSITIONS, KEY_SIZE, Panel, assemble, page
from ._resize import MAX_SIDE, enlarge, enlargement, output_size, resample
from ._swatch import swatch

__all__ = [
    "KEY_POSITIONS",
    "KEY_SIZE",
    "MAX_SIDE",
    "MIN_FONT",
    "KeySpec",
    "Panel",
    "annotate",
    "assemble",
    "enlarge",
    "enlargement",
    "nice_length",
    "north_arrow",
    "output_size",
    "page",
    "render_key",
    "render_text",
    "resample",
    "scale_bar",
    "swatch",
    "text_colour",
    "text_width",
]
