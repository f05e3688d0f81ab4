"""Is an image a map? Cards, header history, a projection's name, the shape, or the user's word.

A cylindrical or polar map has no limb: fitting one as a disc gives a radius
of 156 px to a 720 x 360 map, or 58,611 px to a polar one, and a garbled
re-projection. So an image is recognised as a map before any disc is looked
for, and a map is never limb-fitted. The evidence, strongest first:

1. latitude/longitude cards (:meth:`MapGrid.from_header`) or the user's
   ``--lat-range``/``--lon-range``: a map with a known grid;
2. the header says so: ``HISTORY``/``COMMENT`` or another card mentions a
   re-mapping, a cylindrical or polar projection (``Cylidrically Re-mapped``,
   Juno/JIRAM's ``EXT_0 = 'M projection'``);
3. the shape of a global cylindrical map: twice as wide as high (720 x 360,
   or 361 x 181 with both poles and both ends of the longitude range).

With evidence 2 or 3 and a 2:1 shape the grid is taken as global (latitude
-90..90, west longitude 360..0 from left to right), which is said in a note;
otherwise the grid stays unknown until the user gives the ranges.
``image_kind='disc'`` overrides all but the user's ranges; ``'map'`` makes
any image a map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ._mapgrid import MapGrid

__all__ = ["MapRecognition", "recognise_map"]

_SAYS_MAP = re.compile(r"re-?mapped|cylindric|cylidric|polar\s+map|projection", re.I)
_TEXT_CARDS = ("HISTORY", "COMMENT")


@dataclass(frozen=True)
class MapRecognition:
    """A map, its grid when known, and why it is taken as a map.

    Attributes
    ----------
    grid : MapGrid or None
        The rows' latitudes and the columns' longitudes; None when unknown.
    reason : str
        What showed it is a map (for notes and messages).
    assumed : bool
        True when the grid was assumed from the shape, not read.
    """

    grid: MapGrid | None
    reason: str
    assumed: bool = False


def _said(header: Any) -> str | None:
    """The first card that says the image is a map (its text), else None."""
    if header is None:
        return None
    try:
        cards = list(header.cards)
    except AttributeError:  # a plain mapping
        cards = [(k, v, "") for k, v in dict(header).items()]
    for card in cards:
        keyword, value = card[0], card[1]
        if not isinstance(value, str):
            continue
        if keyword in _TEXT_CARDS or keyword.startswith(("EXT_", "PROJ", "MAPTYPE")):
            found = _SAYS_MAP.search(value)
            if found:
                return f"{keyword} {value.strip()[:60]!r}"
    return None


def _global_shape(shape: tuple[int, ...]) -> bool:
    if len(shape) != 2:
        return False
    rows, columns = shape
    return rows >= 8 and (columns == 2 * rows or columns - 1 == 2 * (rows - 1))


def recognise_map(
    header: Any,
    shape: tuple[int, ...],
    *,
    image_kind: str = "auto",
    lat_range: tuple[float, float] | None = None,
    lon_range: tuple[float, float] | None = None,
) -> MapRecognition | None:
    """Whether an image is a map (and its grid), or None for a disc image.

    Raises
    ------
    InputError
        Damaged latitude/longitude cards, or ranges that do not fit the shape.

    Examples
    --------
    >>> recognise_map({"HISTORY": "Cylidrically Re-mapped"}, (360, 720)).reason
    "HISTORY 'Cylidrically Re-mapped'"
    >>> recognise_map({}, (181, 361)).assumed  # a global map by its shape
    True
    >>> recognise_map({}, (512, 512)) is None
    True
    """
    if len(shape) != 2 or min(shape) < 2:
        return None
    given = lat_range is not None or lon_range is not None
    if image_kind == "disc" and not given:
        return None
    grid = MapGrid.from_header(header, shape, lat_range=lat_range, lon_range=lon_range)
    if grid is not None:
        return MapRecognition(grid, "the latitude/longitude ranges given" if given else "its map cards")
    said = _said(header)
    whole = _global_shape(shape)
    if said is None and not whole and image_kind != "map":
        return None
    reason = said or ("its 2:1 shape" if whole else "--image-kind map")
    if whole:
        assumed = MapGrid.from_header({}, shape, lat_range=(-90.0, 90.0), lon_range=(360.0, 0.0))
        return MapRecognition(assumed, reason, assumed=True)
    return MapRecognition(None, reason)
