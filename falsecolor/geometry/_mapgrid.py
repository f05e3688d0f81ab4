"""Cylindrical latitude-longitude grids: what each row and column of a map is, from FITS cards or ranges.

Map convention: row 0 is the bottom (south, FITS order); longitudes are System
III west, and may run either way (360 -> 0 puts west longitude increasing to
the left, as on the sky).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._messages import option
from ..exceptions import InputError
from ._spheroid import centric_to_graphic, graphic_to_centric

__all__ = ["MapGrid"]

LATITUDE_KINDS = ("graphic", "centric")
# Relative tolerance when checking that a header's step and span agree.
_STEP_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class MapGrid:
    """A cylindrical latitude-longitude grid.

    Row ``i`` is at ``latitudes[i]`` (row 0 = bottom = south, FITS order) and
    column ``j`` at ``longitudes[j]`` (System III west longitude, degrees).

    Parameters
    ----------
    latitudes : array_like
        Row centres in degrees, strictly monotonic, within -90..90.
    longitudes : array_like
        Column centres in degrees (System III west), strictly monotonic; they
        may decrease (360 -> 0: west longitude increasing to the left, as on
        the sky) and may leave 0..360 (a map across the prime meridian).
    latitude_kind : {'graphic', 'centric'}
        Whether ``latitudes`` are planetographic or planetocentric.

    Examples
    --------
    >>> grid = MapGrid.regular(1.0)
    >>> grid.shape, grid.latitudes[:2].tolist(), grid.longitudes[[0, -1]].tolist()
    ((180, 360), [-89.5, -88.5], [359.5, 0.5])
    """

    latitudes: np.ndarray
    longitudes: np.ndarray
    latitude_kind: str = "graphic"

    def __post_init__(self):
        if self.latitude_kind not in LATITUDE_KINDS:
            raise InputError(f"latitude_kind must be 'graphic' or 'centric', not {self.latitude_kind!r}")
        for name in ("latitudes", "longitudes"):
            values = np.array(getattr(self, name), dtype=np.float64)
            _check_axis(values, name)
            values.setflags(write=False)
            object.__setattr__(self, name, values)
        if np.abs(self.latitudes).max() > 90.0 + 1e-9:
            raise InputError(f"map latitudes must lie within -90..90, got {_span_text(self.latitudes)}")

    def __repr__(self) -> str:
        return (
            f"MapGrid({len(self.latitudes)} latitudes {_span_text(self.latitudes)} ({self.latitude_kind}), "
            f"{len(self.longitudes)} longitudes {_span_text(self.longitudes)} W)"
        )

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)`` of a map on this grid."""
        return len(self.latitudes), len(self.longitudes)

    def graphic_latitudes(self) -> np.ndarray:
        """Planetographic latitude of each row (degrees), converted if the grid is planetocentric."""
        if self.latitude_kind == "graphic":
            return self.latitudes.copy()
        return np.asarray(centric_to_graphic(self.latitudes))

    def centric_latitudes(self) -> np.ndarray:
        """Planetocentric latitude of each row (degrees), converted if the grid is planetographic."""
        if self.latitude_kind == "centric":
            return self.latitudes.copy()
        return np.asarray(graphic_to_centric(self.latitudes))

    @classmethod
    def regular(
        cls,
        resolution: float = 1.0,
        *,
        lat_range: tuple[float, float] = (-90.0, 90.0),
        lon_range: tuple[float, float] = (360.0, 0.0),
        latitude_kind: str = "graphic",
    ) -> MapGrid:
        """A grid of square cells spanning the ranges, with centres half a cell inside the edges.

        Parameters
        ----------
        resolution : float
            Cell size in degrees; it must divide both ranges.
        lat_range : (float, float)
            Latitude of the bottom and top edges.
        lon_range : (float, float)
            West longitude of the left and right edges; ``(360, 0)`` puts west
            longitude increasing to the left.
        latitude_kind : {'graphic', 'centric'}

        Returns
        -------
        MapGrid

        Examples
        --------
        >>> MapGrid.regular(0.5, lat_range=(-30, 0), lon_range=(90, 30))
        MapGrid(60 latitudes -29.75..-0.25 (graphic), 120 longitudes 89.75..30.25 W)
        """
        if not (np.isfinite(resolution) and resolution > 0):
            raise InputError(f"the map resolution must be a positive number of degrees, got {resolution}")
        axes = []
        for bounds, what in ((lat_range, "latitude"), (lon_range, "longitude")):
            start, stop = _finite_pair(bounds, what)
            cells = abs(stop - start) / resolution
            if abs(cells - round(cells)) > _STEP_TOLERANCE * max(cells, 1.0):
                raise InputError(
                    f"a {resolution}° map resolution does not divide the {what} range {start:g}..{stop:g}: "
                    f"choose a resolution that does or change {_range_option(what)}"
                )
            step = np.copysign(resolution, stop - start)
            axes.append(_axis(start + step / 2, step, round(cells)))
        return cls(axes[0], axes[1], latitude_kind)

    @classmethod
    def from_header(
        cls,
        header: Mapping[str, Any] | None,
        shape: tuple[int, ...],
        *,
        lat_range: tuple[float, float] | None = None,
        lon_range: tuple[float, float] | None = None,
        latitude_kind: str | None = None,
    ) -> MapGrid | None:
        """The grid of a map from its FITS cards, or from ranges given by the user.

        Parameters
        ----------
        header : Mapping or None
            FITS header (``astropy.io.fits.Header`` or a dict of cards).
        shape : (int, int)
            Map shape ``(rows, columns)``.
        lat_range, lon_range : (float, float), optional
            Override the header, axis by axis (``--lat-range``, ``--lon-range``):
            latitude of the bottom and top, west longitude of the left and right
            of the map. See Notes for whether these are cell centres or edges.
        latitude_kind : {'graphic', 'centric'}, optional
            Overrides the kind the header implies (default planetographic, also
            when ``lat_range`` replaces the header's latitudes).

        Returns
        -------
        MapGrid or None
            None when neither the header nor the ranges describe the grid.

        Raises
        ------
        InputError
            Cards that are not numbers, a zero span, a step that does not fit
            the span, or a range given for only one axis of a header-less map.

        Notes
        -----
        Cards understood, by precedence:

        - ``FC_LAT0``/``FC_DLAT``/``FC_LON0``/``FC_DLON``/``FC_LATK``: this
          package's own (:meth:`to_header`): first centre and step per row/column.
        - ``LATS``/``LATN``/``LONW``/``LONE`` (+ ``LATSTEP``/``LONSTEP``), as in
          Leicester VISIR retrievals: column 0 is ``LONW`` and longitude decreases
          to the right, row 0 is ``LATS``; end points are centres when
          (n-1)·step fits the span, edges when n·step does; latitude is
          planetocentric unless the ``LATS`` comment says planetographic.
        - ``XMIN``/``XMAX``/``YMIN``/``YMAX``, as in IRTF/TEXES maps: longitude
          of the first/last column and latitude of the first/last row
          (inclusive centres), planetographic.

        Ranges: both ends are cell *centres* (inclusive, step span/(n-1)) or
        cell *edges* (centres half a cell inside, step span/n), whichever gives
        a round step (a whole number of millidegrees); when both or neither do,
        centres for an odd count, edges for an even one. So -90..90 over 181
        rows is 1° with rows at ±90, over 360 rows 0.5° cells centred at ±89.75.

        Examples
        --------
        >>> MapGrid.from_header({"XMIN": 0.0, "XMAX": 360.0, "YMIN": -90.0, "YMAX": 90.0}, (181, 361))
        MapGrid(181 latitudes -90..90 (graphic), 361 longitudes 0..360 W)
        >>> MapGrid.from_header({}, (360, 720), lat_range=(-90, 90), lon_range=(360, 0))
        MapGrid(360 latitudes -89.75..89.75 (graphic), 720 longitudes 359.75..0.25 W)
        >>> MapGrid.from_header({}, (360, 720)) is None
        True
        """
        rows, columns = _check_shape(shape)
        cards = header if header is not None else {}
        # A range replaces its axis's cards unread, so that it can fix damaged ones.
        latitudes, kind = _latitudes_from_cards(cards, rows) if lat_range is None else (None, None)
        if lat_range is not None:
            latitudes = _axis_from_range(lat_range, rows, "latitude")
        if lon_range is None:
            longitudes = _longitudes_from_cards(cards, columns)
        else:
            longitudes = _axis_from_range(lon_range, columns, "longitude")
        if latitudes is None and longitudes is None:
            return None
        for axis, what in ((latitudes, "latitude"), (longitudes, "longitude")):
            if axis is None:
                raise InputError(f"the map header does not give its {what}s: add {_range_option(what)}")
        assert latitudes is not None and longitudes is not None
        try:
            return cls(latitudes, longitudes, latitude_kind or kind or "graphic")
        except InputError as err:
            raise InputError(
                f"{err}: fix the map grid with {option('lat_range')} and {option('lon_range')}"
            ) from err

    def to_header(self) -> list[tuple[str, Any, str]]:
        """FITS cards ``(keyword, value, comment)`` that :meth:`from_header` reads back.

        Raises
        ------
        InputError
            The grid is not regular (no first-centre-plus-step description).

        Examples
        --------
        >>> cards = MapGrid.regular(2.0).to_header()
        >>> [card[:2] for card in cards[:5]]
        [('FC_LAT0', -89.0), ('FC_DLAT', 2.0), ('FC_LON0', 359.0), ('FC_DLON', -2.0), ('FC_LATK', 'graphic')]
        >>> MapGrid.from_header(dict(card[:2] for card in cards), (90, 180))
        MapGrid(90 latitudes -89..89 (graphic), 180 longitudes 359..1 W)
        """
        lat_step = _regular_step(self.latitudes, "latitudes")
        lon_step = _regular_step(self.longitudes, "longitudes")
        return [
            ("FC_LAT0", float(self.latitudes[0]), "[deg] latitude of the centre of row 0"),
            ("FC_DLAT", lat_step, "[deg] latitude step per row"),
            ("FC_LON0", float(self.longitudes[0]), "[deg] Sys III W longitude of column 0"),
            ("FC_DLON", lon_step, "[deg] longitude step per column"),
            ("FC_LATK", self.latitude_kind, "latitudes planetographic or planetocentric"),
            ("COMMENT", "falsecolor cylindrical map: row 0 is south; FC_* give cell centres", ""),
        ]


# --------------------------------------------------------------------------------------


def _axis(first: float, step: float, count: int) -> np.ndarray:
    return first + step * np.arange(count)


def _check_axis(values: np.ndarray, name: str) -> None:
    if values.ndim != 1 or values.size < 2:
        raise InputError(f"map {name} must be a 1-D array of at least 2 values, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise InputError(f"map {name} must be finite numbers")
    steps = np.diff(values)
    if not ((steps > 0).all() or (steps < 0).all()):
        raise InputError(f"map {name} must be strictly increasing or strictly decreasing")


def _check_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 2:
        raise InputError(f"a map must be 2-D with at least 2 rows and 2 columns, got shape {tuple(shape)}")
    return int(shape[0]), int(shape[1])


def _span_text(values: np.ndarray) -> str:
    return f"{values[0]:g}..{values[-1]:g}"


def _regular_step(values: np.ndarray, name: str) -> float:
    step = (values[-1] - values[0]) / (len(values) - 1)
    # The step rounded to 12 digits recovers e.g. 0.25 exactly from rounding noise, and a few ulps either
    # way recover e.g. 1/3 exactly; keep whichever rebuilds the axis best.
    candidates = [float(f"{step:.12g}")] + [float(step + k * np.spacing(step)) for k in range(-2, 3)]
    misfits = [np.abs(_axis(values[0], candidate, len(values)) - values).max() for candidate in candidates]
    if min(misfits) > 1e-9:
        raise InputError(f"the map {name} are not evenly spaced, so the grid cannot be written as FITS cards")
    return candidates[int(np.argmin(misfits))]


def _finite_pair(bounds: Any, what: str) -> tuple[float, float]:
    try:
        start, stop = (float(value) for value in bounds)
    except (TypeError, ValueError) as err:
        raise InputError(f"{_range_option(what)} needs two numbers, got {bounds!r}") from err
    if not (np.isfinite(start) and np.isfinite(stop)) or start == stop:
        raise InputError(f"{_range_option(what)} needs two different finite numbers, got {start:g} {stop:g}")
    return start, stop


def _is_round(step: float) -> bool:
    millidegrees = abs(step) * 1000.0
    return abs(millidegrees - round(millidegrees)) < _STEP_TOLERANCE * max(millidegrees, 1.0)


def _axis_from_range(bounds: Any, count: int, what: str) -> np.ndarray:
    start, stop = _finite_pair(bounds, what)
    centred, edged = (stop - start) / (count - 1), (stop - start) / count
    centred_round, edged_round = _is_round(centred), _is_round(edged)
    # A round step decides; if both or neither are round, an odd count (like 181) means inclusive centres.
    if centred_round if centred_round != edged_round else count % 2 == 1:
        return _axis(start, centred, count)
    return _axis(start + edged / 2, edged, count)


def _card(cards: Mapping[str, Any], key: str, what: str) -> float | None:
    value = cards.get(key)
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = np.nan
    if not np.isfinite(number):
        raise InputError(
            f"the map header card {key} = {value!r} is not a finite number: give {_range_option(what)}"
        )
    return number


def _axis_from_ends(
    first: float, last: float, step: float | None, count: int, keys: str, what: str
) -> np.ndarray:
    """Centres from the first and last cards: inclusive, or edges when only count * step fits the span."""
    span = last - first
    if span == 0 or (step is not None and step == 0):
        raise InputError(f"the map header cards {keys} give a zero {what} span: give {_range_option(what)}")
    if step is None or abs((count - 1) * abs(step) - abs(span)) <= _STEP_TOLERANCE * abs(span):
        return _axis(first, span / (count - 1), count)
    if abs(count * abs(step) - abs(span)) <= _STEP_TOLERANCE * abs(span):
        edged = span / count
        return _axis(first + edged / 2, edged, count)
    raise InputError(
        f"the map header cards {keys} ({first:g}..{last:g} in steps of {step:g}) do not fit "
        f"{count} {what}s: give {_range_option(what)}"
    )


def _latitudes_from_cards(cards: Mapping[str, Any], rows: int) -> tuple[np.ndarray | None, str | None]:
    first, step = _card(cards, "FC_LAT0", "latitude"), _card(cards, "FC_DLAT", "latitude")
    if first is not None and step is not None:
        if step == 0:
            raise InputError(f"the map header card FC_DLAT is zero: give {option('lat_range')}")
        kind = str(cards.get("FC_LATK", "graphic")).strip().lower()
        return _axis(first, step, rows), kind
    south, north = _card(cards, "LATS", "latitude"), _card(cards, "LATN", "latitude")
    if south is not None and north is not None:
        step = _card(cards, "LATSTEP", "latitude")
        kind = "graphic" if "graphic" in _comment(cards, "LATS") else "centric"
        return _axis_from_ends(south, north, step, rows, "LATS/LATN/LATSTEP", "latitude"), kind
    first, last = _card(cards, "YMIN", "latitude"), _card(cards, "YMAX", "latitude")
    if first is not None and last is not None:
        return _axis_from_ends(first, last, None, rows, "YMIN/YMAX", "latitude"), "graphic"
    return None, None


def _longitudes_from_cards(cards: Mapping[str, Any], columns: int) -> np.ndarray | None:
    first, step = _card(cards, "FC_LON0", "longitude"), _card(cards, "FC_DLON", "longitude")
    if first is not None and step is not None:
        if step == 0:
            raise InputError(f"the map header card FC_DLON is zero: give {option('lon_range')}")
        return _axis(first, step, columns)
    west, east = _card(cards, "LONW", "longitude"), _card(cards, "LONE", "longitude")
    if west is not None and east is not None:
        # West longitude decreases from LONW (left) to LONE (right), possibly across 0.
        span = np.mod(west - east, 360.0) or 360.0
        step = _card(cards, "LONSTEP", "longitude")
        return _axis_from_ends(west, west - span, step, columns, "LONW/LONE/LONSTEP", "longitude")
    first, last = _card(cards, "XMIN", "longitude"), _card(cards, "XMAX", "longitude")
    if first is not None and last is not None:
        return _axis_from_ends(first, last, None, columns, "XMIN/XMAX", "longitude")
    return None


def _comment(cards: Mapping[str, Any], key: str) -> str:
    comments = getattr(cards, "comments", None)
    try:
        return str(comments[key]).lower() if comments is not None else ""
    except (KeyError, IndexError):
        return ""


def _range_option(what: str) -> str:
    """How the user gives a map's latitude or longitude range."""
    return option("lat_range" if what == "latitude" else "lon_range")
