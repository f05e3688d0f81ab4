"""What the studio makes from a session: a pixel's values, a preview of the page, and the saved files.

Save runs the recipe exactly as ``falsecolor render`` does
(:func:`falsecolor.publish.render_recipe`: every output checked before any
work, written all or nothing, never over an input), with the outputs the user
chose in the page and the recipe written in the same batch, so that
``falsecolor render saved.toml`` makes the same files again.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._messages import readable, spelled_by
from ..exceptions import InputError
from ..geometry import MapGrid, backplanes
from ..publish import recipe_writer, render_recipe
from ..recipe import Recipe
from ..rendering import fits_product_paths
from ._session import Session

__all__ = ["PREVIEW_SIDE", "pixel_info", "preview_png", "save"]

#: Longest side of the page preview's composite (the saved page keeps the recipe's size).
PREVIEW_SIDE = 1024


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def pixel_info(session: Session, x: int, y: int) -> dict[str, Any]:
    """T, the cloud axis and (when the geometry is known) latitude and longitude of a page pixel.

    ``x`` and ``y`` count from the page's top-left corner (north up when the data are).
    """
    recipe, _, composite = session.snapshot()
    if composite is None:
        raise InputError("the composite is not ready yet")
    ny, nx = composite.mask.shape
    if not (0 <= x < nx and 0 <= y < ny):
        raise InputError(f"pixel ({x}, {y}) is outside the {nx} x {ny} image")
    row = ny - 1 - y  # array rows count from the bottom (FITS order)
    info: dict[str, Any] = {"x": x, "y": y, "on_disc": not bool(composite.mask[row, x])}
    info["t"] = _finite(composite.temperature.value[row, x])
    info["tau"] = _finite(composite.opacity[row, x])
    if composite.geometry is not None:
        planes = backplanes(composite.mask.shape, composite.geometry, rows=np.array([row]))
        info.update(
            latitude=_finite(planes.latitude[0, x]),
            longitude=_finite(planes.longitude[0, x]),
            mu=_finite(planes.mu[0, x]),
        )
        return info
    grid = _map_grid(composite, recipe)
    if grid is not None:
        info.update(latitude=_finite(grid.graphic_latitudes()[row]), longitude=_finite(grid.longitudes[x]))
    return info


def _map_grid(composite, recipe: Recipe) -> MapGrid | None:
    """The grid of a composite that is a map (from its band's cards or the ranges given), else None."""
    try:
        return MapGrid.from_header(
            composite.temperature_band.header,
            composite.mask.shape,
            lat_range=recipe.lat_range,
            lon_range=recipe.lon_range,
        )
    except Exception:  # no map, or a header that says nothing usable: no coordinates shown
        return None


def preview_png(session: Session) -> bytes:
    """The page as it will be saved (key, texts, marks, background), its composite at most PREVIEW_SIDE."""
    from PIL import Image

    recipe, prepared, _ = session.snapshot()
    if prepared is None:
        raise InputError("the composite is not ready yet")
    with spelled_by(session.speller):
        composite = prepared.finish(recipe.absolute(), palette=session.palette(recipe), recipe=recipe)
    longest = max(composite.mask.shape)
    size = recipe.size
    if (size or longest) > PREVIEW_SIDE:
        size = PREVIEW_SIDE
    with spelled_by(session.speller):
        page = composite.image(size=size)
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _paths(values: Sequence[str] | None) -> list[str]:
    return [os.path.abspath(os.path.expanduser(v)) for v in values or () if str(v).strip()]


def save(
    session: Session,
    files: Sequence[str],
    *,
    fits: str | None = None,
    recipe_path: str | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Write the pictures, the FITS products and the recipe the user chose, as ``render`` writes them.

    Paths are relative to the folder the studio started in. Existing files are
    replaced only with ``replace``; otherwise they are listed for the page to ask.
    """
    pictures = _paths(files)
    prefix = None
    if fits and fits.strip():  # a trailing slash means a folder, as for --fits-out
        prefix = os.path.abspath(os.path.expanduser(fits)) + (os.sep if fits.endswith(("/", os.sep)) else "")
    written_recipe = _paths([recipe_path] if recipe_path else [])
    if not pictures:
        raise InputError("give at least one picture to write (.png, .tif or .jpg)")
    recipe = session.snapshot()[0]
    # The outputs are the user's; the recipe that started the studio (read at the start) may be
    # saved over, which is the point of tuning it.
    run = recipe.replace(files=(), fits=None, strip=None, source=None)
    also = []
    if written_recipe:
        kept = run.replace(
            files=tuple(run.relative(p) for p in pictures),
            fits=run.relative(prefix) + (os.sep if prefix.endswith(os.sep) else "") if prefix else None,
        )
        also = [recipe_writer(kept, written_recipe[0])]
    products = [str(p) for p in fits_product_paths(prefix)] if prefix else []
    existing = [p for p in [*pictures, *products, *written_recipe] if os.path.lexists(p)]
    if existing and not replace:
        return {"written": [], "replace": existing}
    with spelled_by(session.speller):
        _, written = render_recipe(run, files=pictures, fits=prefix, also=also, bands=session.bands(run))
    result: dict[str, Any] = {"written": [str(p) for p in written], "replace": []}
    if written_recipe:
        result["command"] = _render_command(written_recipe[0], pictures, prefix)
    return result


def _render_command(recipe_path: str, pictures: list[str], prefix: str | None) -> str:
    """The command that makes the saved files again, and whether the recipe alone can name them."""
    folder = os.path.realpath(os.path.dirname(recipe_path))
    written = [*pictures, *([prefix] if prefix else [])]
    inside = all(os.path.commonpath([folder, os.path.realpath(p)]) == folder for p in written)
    shown = readable(str(Path(recipe_path)))
    if inside:
        return f"falsecolor render {shown}"
    return f"falsecolor render {shown} " + " ".join(f"-o {readable(p)}" for p in pictures)
