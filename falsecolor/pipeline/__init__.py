"""The public API in one place: the workflows' names, and the synthetic demo wired into recipe runs.

The work is done by the workflow packages: :mod:`falsecolor.rendering` (bands in,
a :class:`Composite` out), :mod:`falsecolor.publish` (recipes run and their
outputs written), :mod:`falsecolor.stacking` (lucky imaging),
:mod:`falsecolor.synthetic` and :mod:`falsecolor.mapping`. This facade
re-exports their public names and does the one thing none of them may do
alone: give a recipe that asks for the built-in demo its synthetic bands.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._hooks import STUDIO
from .._lazy import lazy_exports
from ..exceptions import RecipeError
from ..recipe import DEFAULT_DEMO_SIZE, BandInput, Corrections, Look, Recipe, load_recipe, names_file

#: Names loaded on first use, by the module that holds them: a stack loads neither the renderer nor
#: matplotlib, a render neither the stacker (scipy's FFT) nor the mapper.
_LAZY = {
    **dict.fromkeys(
        (
            "check_outputs",
            "palette_catalogue",
            "palette_previews",
            "palette_report",
            "plan_render",
            "plan_series",
            "recipe_from_image",
            "recipe_writer",
            "render_batch",
            "write_recipe",
        ),
        "..publish",
    ),
    **dict.fromkeys(
        (
            "RECIPE_KEY",
            "Composite",
            "Prepared",
            "cloud_opacity",
            "compose",
            "describe",
            "jupiter_ephemeris",
            "prepare",
            "render",
            "resolve_band",
        ),
        "..rendering",
    ),
    "filter_catalogue": "..filters",
    "CylindricalMap": "..mapping",
    "make_map": "..mapping",
    "Stacked": "..stacking",
    "StackOptions": "..stacking",
    "stack": "..stacking",
    "write_stack": "..stacking",
    "open_frames": "..bands",
    "LuckyFrames": "..synthetic",
    "synthetic_frames": "..synthetic",
    "synthetic_jupiter": "..synthetic",
}
#: Where a lazy name is found under another name.
_RENAMED = {"filter_catalogue": "catalogue"}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, _RENAMED)


if TYPE_CHECKING:
    from ..publish import (
        check_outputs,
        palette_catalogue,
        palette_previews,
        palette_report,
        plan_render,
        plan_series,
        recipe_from_image,
        recipe_writer,
        render_batch,
        write_recipe,
    )
    from ..rendering import (
        RECIPE_KEY,
        Composite,
        Prepared,
        cloud_opacity,
        compose,
        describe,
        jupiter_ephemeris,
        prepare,
        render,
        resolve_band,
    )
    from ..stacking import Stacked, StackOptions, stack, write_stack
    from ..studio._server import Studio

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
    "open_frames",
    "palette_catalogue",
    "palette_previews",
    "palette_report",
    "plan_render",
    "plan_series",
    "prepare",
    "recipe_from_image",
    "recipe_writer",
    "render",
    "render_batch",
    "render_demo",
    "render_recipe",
    "resolve_band",
    "stack",
    "studio",
    "studio_for",
    "synthetic_frames",
    "write_recipe",
    "write_stack",
]


def demo_bands(size: int) -> dict[str, Any]:
    """The built-in synthetic Jupiter's two bands (``size`` x ``size`` pixels), by role."""
    from ..synthetic import synthetic_jupiter

    jupiter = synthetic_jupiter((size, size))
    return {"temperature": jupiter.temperature_band, "cloud": jupiter.cloud_band}


def _bands(recipe: Recipe) -> dict[str, Any] | None:
    return demo_bands(recipe.demo) if recipe.demo is not None else None


def render_demo(size: int = DEFAULT_DEMO_SIZE, **options: Any) -> Composite:
    """Render the built-in synthetic Jupiter (``size`` x ``size`` pixels) with :func:`render` options."""
    from ..rendering import render

    recipe = Recipe(demo=size)  # checks the size
    bands = demo_bands(size)
    composite = render(bands["temperature"], bands["cloud"], **options)
    assert composite.recipe is not None
    return dataclasses.replace(composite, recipe=composite.recipe.replace(demo=recipe.demo))


def composite_of(recipe: Recipe | str | Path) -> Composite:
    """The composite a recipe (a :class:`Recipe` or a TOML file) describes, without writing anything."""
    from .. import publish

    chosen = publish.as_recipe(recipe)
    return publish.composite_of(chosen, bands=_bands(chosen))


def render_recipe(
    recipe: Recipe | str | Path,
    *,
    files: Sequence[str | Path] | None = None,
    fits: str | Path | None = None,
    also: Sequence[tuple[str | Path, Any]] = (),
) -> tuple[Composite, list[Path]]:
    """Run a recipe (a :class:`Recipe` or a TOML file): render it and write its outputs.

    See :func:`falsecolor.publish.render_recipe`; a recipe asking for the demo
    gets the built-in synthetic Jupiter.
    """
    from .. import publish

    chosen = publish.as_recipe(recipe)
    return publish.render_recipe(chosen, files=files, fits=fits, also=also, bands=_bands(chosen))


def studio_for(recipe: Recipe, **options: Any) -> Studio:
    """A studio server for a recipe, not yet serving (the command line runs it): see
    :func:`falsecolor.studio.studio_for`; a recipe asking for the demo gets the synthetic Jupiter."""
    from .. import studio as studio_package

    return studio_package.studio_for(recipe, bands_for=_bands, **options)


def studio(
    source: Recipe | str | Path | Composite | None = None,
    *,
    bands: Mapping[str, Any] | None = None,
    port: int = 0,
    browser: bool = False,
    **options: Any,
) -> Studio:
    """Tune a composite live in the studio page, served from a background thread (a notebook shows it).

    Parameters
    ----------
    source : Recipe, recipe file, Composite or None
        What to start from: a recipe, a composite (the recipe that made it), or
        nothing for the built-in synthetic Jupiter.
    bands : mapping, optional
        Band objects by role (``temperature``, ``cloud``, ...) instead of files.
    port : int
        Port on 127.0.0.1 (0: a free one).
    browser : bool
        Also open the page in the web browser.
    **options
        Render options to change first (``palette="visir-cvd"``, ...).

    Returns
    -------
    Studio
        Shows the page in an IFrame in a notebook; ``.url``; ``.stop()``.
    """
    from .. import publish
    from ..rendering import Composite

    if isinstance(source, Composite):
        recipe = source.recipe if source.recipe is not None else Recipe(base=Path.cwd())
        if bands is None and recipe.demo is None and recipe.temperature is None:
            raise RecipeError(
                "this composite was made from Band objects, which a recipe cannot name: give them, "
                "falsecolor.pipeline.studio(bands={'temperature': ..., 'cloud': ...})"
            )
    elif source is None:
        recipe = Recipe(base=Path.cwd()) if bands else Recipe(demo=DEFAULT_DEMO_SIZE, base=Path.cwd())
    else:
        recipe = publish.as_recipe(source)
    if options:
        recipe = recipe.replace(**options)
    from .. import studio as studio_package

    given = dict(bands) if bands else None
    opened = studio_package.studio_for(
        recipe, bands_for=(lambda _: given) if given else _bands, port=port, framed=True
    ).start()
    if browser:
        import webbrowser

        webbrowser.open(opened.url)
    return opened


STUDIO[:] = [studio]
