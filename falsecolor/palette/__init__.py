"""Two-axis palettes: temperature (cold -> warm) x cloud (clear -> cloudy) -> colour.

A palette is a TOML file naming four corner colours and the colour space to
blend them in (OKLab by default). It builds its look-up table once; mapping an
image is then integer arithmetic and one gather from a packed RGBA table, with
no per-pixel Python.

Palette file format (``palettes/*.toml``)::

    name = "visir"
    description = "..."
    interpolation = "oklab"          # or "linear-rgb", "srgb"
    credit = "..."                   # optional
    license = "CC0-1.0"              # optional
    background = "#000000"           # optional: the page it is designed for

    [axes]
    x = "temperature: cold -> warm"
    y = "cloud: clear -> cloudy"

    [colors]                         # sRGB, "#rrggbb" or "#rrggbbaa" or a name
    cold_clear = "#5095ff"
    warm_clear = "#fffcf6"
    cold_cloudy = "#272735"
    warm_cloudy = "#ffad38"
    # optional control points: clear_middle, cloudy_middle, cold_middle, warm_middle, centre
    bad = "#00000000"                # NaN and off-disc pixels (optional)

A palette may also be a square PNG image of the table itself: columns cold
(left) to warm (right), rows cloudy (top) to clear (bottom).
"""

from ._core import CORNERS, DEFAULT_PALETTE, FINE_LUT_SIZE, INTERPOLATIONS, MIDPOINTS, Palette
from ._files import get_palette, list_palettes, load_palette
from ._quality import PaletteQuality, assess, simulate

__all__ = [
    "CORNERS",
    "DEFAULT_PALETTE",
    "FINE_LUT_SIZE",
    "INTERPOLATIONS",
    "MIDPOINTS",
    "Palette",
    "PaletteQuality",
    "assess",
    "get_palette",
    "list_palettes",
    "load_palette",
    "simulate",
]
