"""High-level API: band images in, composite out. The one place the stages meet.

``render`` turns a temperature band and a ~5 um cloud band (or a ready opacity
map) into a :class:`~falsecolor.Composite`; ``compose`` does the same
from temperature and opacity arrays; ``render_recipe`` and ``render_batch``
run recipes; ``describe`` reports what the tool reads from a file.
"""

from ._clear import cloud_opacity
from ._compose import compose
from ._composite import RECIPE_KEY, Composite
from ._corrections import Corrections
from ._geometry import jupiter_ephemeris
from ._info import check_outputs, describe, filter_catalogue, render_demo
from ._inputs import resolve_band
from ._lucky_frames import LuckyFrames, synthetic_frames
from ._mapping import CylindricalMap, make_map
from ._palettes import palette_catalogue, palette_previews, palette_report
from ._present import Look
from ._recipes import (
    BandInput,
    Recipe,
    composite_of,
    load_recipe,
    names_file,
    recipe_from_image,
    recipe_writer,
    render_batch,
    render_recipe,
    write_recipe,
)
from ._render import Prepared, prepare, render
from ._stack import Stacked, StackOptions, stack
from ._stack_report import write_stack

__all__ = [
    "RECIPE_KEY",
    "BandInput",
    "Composite",
    "Corrections",
    "CylindricalMap",
    "Look",
    "LuckyFrames",
    "Prepared",
    "Recipe",
    "StackOptions",
    "Stacked",
    "check_outputs",
    "cloud_opacity",
    "compose",
    "composite_of",
    "describe",
    "filter_catalogue",
    "jupiter_ephemeris",
    "load_recipe",
    "make_map",
    "names_file",
    "palette_catalogue",
    "palette_previews",
    "palette_report",
    "prepare",
    "recipe_from_image",
    "recipe_writer",
    "render",
    "render_batch",
    "render_demo",
    "render_recipe",
    "resolve_band",
    "stack",
    "synthetic_frames",
    "write_recipe",
    "write_stack",
]
