"""falsecolor: false-colour composites of thermal-infrared planetary images.

Brightness temperature on one axis, cloud opacity on the other, read through a
two-axis palette (the look of the ESO/VLT VISIR Jupiter images).

>>> import falsecolor
>>> jupiter = falsecolor.synthetic_jupiter((128, 128))
>>> composite = falsecolor.render(jupiter.temperature_band, jupiter.cloud_band)
>>> composite.rgba.shape
(128, 128, 4)
"""

__version__ = "0.1.0"

from .bands import Band, read_band
from .composite import Composite
from .exceptions import FalsecolorError, FalsecolorWarning
from .filters import Filter, get_filter, list_filters, load_filter
from .opacity import cloud_opacity
from .palette import Palette, get_palette, list_palettes
from .pipeline import compose, describe, render
from .planck import brightness_temperature, planck_radiance
from .synthetic import synthetic_jupiter

__all__ = [
    "Band",
    "Composite",
    "FalsecolorError",
    "FalsecolorWarning",
    "Filter",
    "__version__",
    "brightness_temperature",
    "cloud_opacity",
    "compose",
    "describe",
    "get_filter",
    "get_palette",
    "list_filters",
    "list_palettes",
    "load_filter",
    "planck_radiance",
    "read_band",
    "render",
    "synthetic_jupiter",
]
