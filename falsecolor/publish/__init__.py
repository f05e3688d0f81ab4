"""The publish workflow: running recipes and writing what a run makes.

A recipe (a TOML file, an image's embedded recipe, or a
:class:`~falsecolor.Recipe`) is rendered through :mod:`falsecolor.rendering` and
its outputs written all or nothing, after every output was checked: one
picture set (:func:`render_recipe`), a time series with shared limits and a
strip (:func:`render_batch`), the recipe of a run (:func:`write_recipe`), and
the palette catalogue and swatches.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

#: Names loaded on first use, so that checking outputs (a stack's) loads no renderer.
_LAZY = {
    **dict.fromkeys(("check_outputs", "picture_formats"), "._outputs"),
    **dict.fromkeys(("palette_catalogue", "palette_previews", "palette_report"), "._palettes"),
    **dict.fromkeys(
        (
            "as_recipe",
            "composite_of",
            "outputs_of",
            "plan_render",
            "recipe_from_image",
            "recipe_writer",
            "render_recipe",
            "write_recipe",
        ),
        "._run",
    ),
    **dict.fromkeys(("SeriesPlan", "plan_series", "render_batch"), "._series"),
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


if TYPE_CHECKING:
    from ._outputs import check_outputs, picture_formats
    from ._palettes import palette_catalogue, palette_previews, palette_report
    from ._run import (
        as_recipe,
        composite_of,
        outputs_of,
        plan_render,
        recipe_from_image,
        recipe_writer,
        render_recipe,
        write_recipe,
    )
    from ._series import SeriesPlan, plan_series, render_batch

__all__ = [
    "SeriesPlan",
    "as_recipe",
    "check_outputs",
    "composite_of",
    "outputs_of",
    "palette_catalogue",
    "palette_previews",
    "palette_report",
    "picture_formats",
    "plan_render",
    "plan_series",
    "recipe_from_image",
    "recipe_writer",
    "render_batch",
    "render_recipe",
    "write_recipe",
]
