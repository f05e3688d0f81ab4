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

    [axes]
    x = "temperature: cold -> warm"
    y = "cloud: clear -> cloudy"

    [colors]                         # sRGB, "#rrggbb" or "#rrggbbaa" or a name
    cold_clear = "#5095ff"
    warm_clear = "#fffcf6"
    cold_cloudy = "#272735"
    warm_cloudy = "#ffad38"
    bad = "#00000000"                # NaN and off-disc pixels (optional)
"""

from ._core import CORNERS, DEFAULT_PALETTE, INTERPOLATIONS, Palette
from ._files import get_palette, list_palettes, load_palette

__all__ = [
    "CORNERS",
    "DEFAULT_PALETTE",
    "INTERPOLATIONS",
    "Palette",
    "get_palette",
    "list_palettes",
    "load_palette",
]
