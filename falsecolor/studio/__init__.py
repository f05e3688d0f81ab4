"""The studio: tune a composite live in a local web page.

``falsecolor studio`` (or :func:`falsecolor.pipeline.studio`, or
:meth:`Composite.studio` in a notebook) serves one page on 127.0.0.1: the
composite with zoom and pan, the 2-D colour key with the disc's pixels drawn
over it and a rectangle that sets the limits, a control for every render
option (generated from the option model), the values under the pointer, and
Save, which writes what ``falsecolor render`` writes.

The page colours the composite itself from 16-bit T and cloud planes and the
palette's table (:mod:`._planes`), so limits, stretch and palette redraw
without the server; a change of inputs or corrections prepares the bands
again in the background (:mod:`._session`). Only the page that holds the
session's token, served on the loopback interface under its own name, may
talk to the server (:mod:`._guard`).

The web parts (Starlette, uvicorn, wsproto) are the optional extra
``studio``; without them :func:`studio_for` raises one clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from .._messages import Speller
from .._readable import regular_file
from ..exceptions import InputError
from ..recipe import Recipe
from ._session import BandsFor, Session

if TYPE_CHECKING:
    from ._server import Studio

__all__ = ["REQUIRED", "Session", "missing", "studio_for"]

#: The packages of the extra ``studio``, by import name.
REQUIRED = ("starlette", "uvicorn", "wsproto")


def missing() -> list[str]:
    """The packages the studio needs that are not installed."""
    return [name for name in REQUIRED if find_spec(name) is None]


def studio_for(
    recipe: Recipe,
    *,
    bands_for: BandsFor | None = None,
    speller: Speller | None = None,
    save: Mapping[str, Any] | None = None,
    port: int = 0,
    framed: bool = False,
) -> Studio:
    """A studio server for ``recipe``, bound to its port on 127.0.0.1 but not yet serving.

    Raises
    ------
    InputError
        The extra ``studio`` is not installed, or the port cannot be had.
    FileFormatError
        A file the recipe reads is missing or is not a regular file.
    """
    absent = missing()
    if absent:
        raise InputError(
            f"the studio needs {', '.join(absent)}: pip install 'falsecolor-ir[studio]' "
            f"(from a checkout: pip install '.[studio]'), or pip install {' '.join(absent)}"
        )
    from ._server import Studio

    for path in recipe.files_read():  # a missing or unreadable input is one line now, not a page later
        regular_file(path, "file")
    session = Session(recipe, bands_for=bands_for, speller=speller, save=save)
    return Studio(session, port=port, framed=framed)
