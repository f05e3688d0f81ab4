"""falsecolor: false-colour composites of thermal-infrared planetary images.

Brightness temperature on one axis, cloud opacity on the other, read through a
two-axis palette (the look of the ESO/VLT VISIR Jupiter images).

>>> import falsecolor
>>> jupiter = falsecolor.synthetic_jupiter((128, 128))
>>> composite = falsecolor.render(jupiter.temperature_band, jupiter.cloud_band)
>>> composite.rgba.shape
(128, 128, 4)

The names below are imported on first use, so ``falsecolor --help`` and
``import falsecolor.cli`` stay fast.
"""

from ._lazy import lazy_exports
from ._version import __version__

_EXPORTS = {
    "Band": ".bands",
    "read_band": ".bands",
    "Composite": ".pipeline",
    "Corrections": ".recipe",
    "FalsecolorError": ".exceptions",
    "FalsecolorWarning": ".exceptions",
    "Filter": ".filters",
    "get_filter": ".filters",
    "list_filters": ".filters",
    "load_filter": ".filters",
    "load_filters": ".filters",
    "cloud_opacity": ".pipeline",
    "Palette": ".palette",
    "get_palette": ".palette",
    "list_palettes": ".palette",
    "compose": ".pipeline",
    "describe": ".pipeline",
    "render": ".pipeline",
    "render_recipe": ".pipeline",
    "stack": ".pipeline",
    "Stacked": ".pipeline",
    "open_frames": ".bands",
    "Recipe": ".recipe",
    "load_recipe": ".recipe",
    "brightness_temperature": ".planck",
    "planck_radiance": ".planck",
    "synthetic_jupiter": ".synthetic",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
