"""Running recipes: the composite a recipe describes, a run that writes its outputs, a re-render from
an image, and the recipe written beside the pictures."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._messages import option
from .._readable import regular_file
from ..bands import Band
from ..exceptions import InputError, RecipeError, warn
from ..recipe import Recipe, load_recipe, parse_recipe
from ..rendering import (
    RECIPE_KEY,
    Composite,
    check_look,
    check_page_memory,
    file_hash,
    fits_product_paths,
    prepare_recipe,
)
from ._outputs import check_outputs, picture_formats

__all__ = [
    "as_recipe",
    "composite_of",
    "outputs_of",
    "plan_render",
    "recipe_from_image",
    "recipe_writer",
    "render_recipe",
    "write_recipe",
]

Bands = Mapping[str, Band]
#: The largest picture whose embedded recipe is read.
IMAGE_FILE_LIMIT = 1 << 30


def as_recipe(recipe: Recipe | str | Path) -> Recipe:
    """A Recipe as given, or read from a TOML file."""
    return recipe if isinstance(recipe, Recipe) else load_recipe(recipe)


def write_recipe(recipe: Recipe, path: str | Path) -> list[Path]:
    """Write a recipe as TOML, its relative paths rewritten for the file's folder (atomically)."""
    from ..export import write_atomically

    return write_atomically([recipe_writer(recipe, path)])


def recipe_writer(recipe: Recipe, path: str | Path) -> tuple[str | Path, Any]:
    """``(path, writer)`` for :func:`~falsecolor.export.write_atomically`: the recipe as TOML there."""
    text = recipe.rebased(Path(path).resolve().parent).to_toml()
    return path, lambda fh: fh.write(text.encode("utf-8"))


def composite_of(recipe: Recipe | str | Path, *, bands: Bands | None = None) -> Composite:
    """The composite a recipe describes (without writing anything).

    ``bands`` gives the inputs as Band objects by role (``temperature``,
    ``cloud``, ...) instead of the files the recipe names: the synthetic demo.
    """
    recipe = as_recipe(recipe)
    if recipe.demo is not None and not bands:
        raise RecipeError(
            "the demo recipe needs the synthetic bands: run it through falsecolor.render_recipe"
        )
    check_look(recipe)
    check_page_memory(recipe)  # a --size too large for memory is refused before the work
    prepared = prepare_recipe(recipe, bands=bands)
    return prepared.finish(recipe.absolute(), recipe=recipe)  # a palette file, from the recipe's folder


def outputs_of(
    recipe: Recipe, files: Sequence[str | Path] | None, fits: str | Path | None
) -> tuple[list[Path], str | Path | None]:
    """The pictures and the FITS prefix of a run: those given, else the recipe's (inside its folder)."""
    given = [Path(f) for f in files or ()]
    chosen = given or [confined(recipe, "files", f) for f in recipe.files]
    if not chosen:
        raise RecipeError(f"the recipe names no output: give {option('files', 'out.png')}")
    prefix = fits if fits is not None else None  # as given: a trailing slash means a folder
    if prefix is None and recipe.fits:
        prefix = confined(recipe, "fits", recipe.fits)
    return chosen, prefix


def confined(recipe: Recipe, name: str, path: str) -> Path:
    """An output a recipe file names: inside the recipe's folder, else refused (the user may give it).

    A recipe from someone else must not write anywhere the user can: not to an
    absolute path, not to ``~``, not out of its folder with ``..``. A recipe
    made in Python is the user's own, and is not confined.
    """
    where = recipe.resolve(path)
    if recipe.source is None or recipe.base is None:
        return where
    folder = os.path.realpath(recipe.base)
    outside = os.path.commonpath([folder, os.path.realpath(where)]) != folder
    if Path(path).is_absolute() or path.startswith("~") or outside:
        raise RecipeError(
            f"{_named(recipe.source)} names the output {path!r}, outside its folder: a recipe writes only "
            f"inside its own folder; to write there, give it yourself ({option(name, path)})"
        )
    return where


def _named(source: Path) -> str:
    return source.name if source.is_file() else "the recipe read from a pipe"


def plan_render(
    recipe: Recipe, *, files: Sequence[str | Path] | None = None, fits: str | Path | None = None
) -> tuple[list[Path], list[Path]]:
    """What running a recipe reads and writes, worked out before any work (``--dry-run`` shows it)."""
    chosen, prefix = outputs_of(recipe, files, fits)
    picture_formats(chosen)
    products = list(fits_product_paths(prefix)) if prefix is not None else []
    return recipe.files_read(), [*chosen, *products]


def render_recipe(
    recipe: Recipe | str | Path,
    *,
    files: Sequence[str | Path] | None = None,
    fits: str | Path | None = None,
    also: Sequence[tuple[str | Path, Any]] = (),
    bands: Bands | None = None,
) -> tuple[Composite, list[Path]]:
    """Run a recipe (a :class:`~falsecolor.Recipe` or a TOML file): render and write its outputs.

    Parameters
    ----------
    recipe : Recipe, str or Path
    files : list of paths, optional
        Outputs instead of the recipe's ``[output] files``.
    fits : str or Path, optional
        FITS product prefix instead of the recipe's ``[output] fits``.
    also : sequence of (path, writer), optional
        Further files for the same all-or-nothing batch (e.g. :func:`recipe_writer`).
    bands : mapping, optional
        Band objects by role instead of the recipe's files (the demo).

    Returns
    -------
    (Composite, list of Path)
        The composite and the files written.
    """
    recipe = as_recipe(recipe)
    chosen, prefix = outputs_of(recipe, files, fits)
    check_outputs([*chosen, *(p for p, _ in also)], fits_prefix=prefix, inputs=recipe.files_read())
    picture_formats(chosen)
    composite = composite_of(recipe, bands=bands)
    return composite, composite.save(chosen, fits_prefix=prefix, recipe=recipe, also=also)


def recipe_from_image(path: str | Path) -> Recipe:
    """The recipe embedded in a falsecolor PNG; its paths are relative to the image's folder.

    A picture may come from anyone: the outputs its recipe might name are
    dropped (falsecolor never embeds them), so where to write comes from the
    caller alone. Warns when an input file differs from the one the image was
    made from.
    """
    from PIL import Image

    path = regular_file(path, "image", limit=IMAGE_FILE_LIMIT, error=InputError)
    try:
        with Image.open(path) as image:
            text = image.info.get(RECIPE_KEY) if image.format == "PNG" else None
            sources = image.info.get("Source", "")
    except FileNotFoundError:
        raise InputError(f"image {path} does not exist") from None
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise InputError(f"cannot read image {path}: {err}") from None
    if not text:
        raise RecipeError(f"{path} carries no falsecolor recipe: only PNGs written by falsecolor do")
    recipe = parse_recipe(text, source=f"{path} (embedded recipe)", base=path.resolve().parent, origin=path)
    _check_sources(recipe, sources, path)
    return recipe.replace(files=(), fits=None, strip=None)  # where to write is the user's choice alone


def _check_sources(recipe: Recipe, sources: str, image: Path) -> None:
    recorded = dict(item.strip().rsplit(" sha256:", 1) for item in sources.split(";") if " sha256:" in item)
    for band in recipe.input_bands():
        source = recipe.resolve(band.path)
        expected = recorded.get(source.name)
        if expected and source.is_file() and file_hash(source) != expected:
            warn(f"{source} differs from the file {image.name} was made from: the picture will differ")
