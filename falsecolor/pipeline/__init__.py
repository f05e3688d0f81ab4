"""High-level API: band images in, composite out. The one place the stages meet.

``render`` turns a temperature band and a ~5 um cloud band (or a ready opacity
map) into a :class:`~falsecolor.Composite`; ``compose`` does the same
from temperature and opacity arrays; ``describe`` reports what the tool reads
from a file.
"""

from ._clear import cloud_opacity
from ._composite import Composite
from ._info import check_outputs, describe, filter_catalogue, palette_catalogue, render_demo
from ._render import compose, render, resolve_band

__all__ = [
    "Composite",
    "check_outputs",
    "cloud_opacity",
    "compose",
    "describe",
    "filter_catalogue",
    "palette_catalogue",
    "render",
    "render_demo",
    "resolve_band",
]
