"""Disc images to cylindrical maps and back, and the merging of maps.

A map cell (latitude, System III west longitude) is placed on the oblate
spheroid and seen from the sub-observer direction (SCIENCE.md section 4.3), the
exact inverse of :func:`~falsecolor.geometry.backplanes`: the pixel whose
backplanes report (latitude, longitude) is the pixel :func:`pixel_coordinates`
returns for them. Images are sampled bilinearly; a sample that touches a pixel
without data (NaN) is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .._memory import require
from .._messages import option
from ..exceptions import InputError
from ._mapgrid import LATITUDE_KINDS, MapGrid
from ._spheroid import AXIS_RATIO, DiscGeometry, backplanes, graphic_to_centric

__all__ = [
    "PixelCoordinates",
    "check_map_memory",
    "merge_maps",
    "pixel_coordinates",
    "project_to_disc",
    "project_to_map",
]

#: Peak memory of projecting one image onto a map, in bytes per map cell (coordinates, mu, masks),
#: and what each further image adds while maps are merged (its values and weights). Measured:
#: 70 B per cell for one 3600 x 1800 map.
MAP_BYTES_PER_CELL, MAP_BYTES_PER_IMAGE_CELL = 96, 24


def check_map_memory(grid: MapGrid, images: int = 1) -> None:
    """Refuse, before the work, a map too large for the free memory (naming the resolution option)."""
    ny, nx = grid.shape
    need = ny * nx * (MAP_BYTES_PER_CELL + MAP_BYTES_PER_IMAGE_CELL * images)
    require(need, f"a map of {nx} x {ny} cells", f"give a coarser {option('map_resolution')}")


# A bilinear sample is kept only if its weight on valid pixels is 1 to this tolerance.
_FULL_WEIGHT = 1.0 - 1e-9


class PixelCoordinates(NamedTuple):
    """Where surface points fall in the image: fractional ``row``, ``column`` and ``mu`` (< 0: far side)."""

    row: np.ndarray
    column: np.ndarray
    mu: np.ndarray


def pixel_coordinates(
    latitude: np.ndarray | float,
    longitude: np.ndarray | float,
    geometry: DiscGeometry,
    *,
    latitude_kind: str = "graphic",
) -> PixelCoordinates:
    """Image position and emission-angle cosine of surface points (the inverse of backplanes).

    Parameters
    ----------
    latitude, longitude : array_like
        Latitude and System III west longitude in degrees; they broadcast.
    geometry : DiscGeometry
        Disc position and viewing geometry.
    latitude_kind : {'graphic', 'centric'}
        Whether ``latitude`` is planetographic or planetocentric.

    Returns
    -------
    PixelCoordinates
        ``row``, ``column`` (array order, row 0 at the bottom) and ``mu``;
        points with ``mu <= 0`` are on the far side.

    Notes
    -----
    With a = 1, b = 0.93513 and planetocentric latitude φc, the surface point
    is r (cos φc cos η, cos φc sin η, sin φc) with η = CML - λ and
    r = ab / sqrt(b² cos² φc + a² sin² φc); its sky offsets are x' = Y and
    y' = -X sin B + Z cos B, rotated by the pole angle into pixels (celestial
    east to the left), and μ = n·s with n ∝ (X/a², Y/a², Z/b²), s = (cos B, 0, sin B).

    Examples
    --------
    >>> geometry = DiscGeometry((50.0, 60.0), 40.0, central_meridian=100.0)
    >>> row, column, mu = pixel_coordinates(0.0, 130.0, geometry)  # 30° east of the CM
    >>> print(f"{float(row):.6f} {float(column):.6f} {float(mu):.6f}")
    50.000000 40.000000 0.866025
    """
    if latitude_kind not in LATITUDE_KINDS:
        raise InputError(f"latitude_kind must be 'graphic' or 'centric', not {latitude_kind!r}")
    latitude = np.asarray(latitude, dtype=np.float64)
    centric = latitude if latitude_kind == "centric" else graphic_to_centric(latitude)
    phi = np.radians(centric)
    cos_phi, sin_phi = np.cos(phi), np.sin(phi)
    radius = AXIS_RATIO / np.sqrt(AXIS_RATIO**2 * cos_phi**2 + sin_phi**2)
    eta = np.radians(geometry.central_meridian - np.asarray(longitude, dtype=np.float64))
    horizontal, z = radius * cos_phi, radius * sin_phi
    x, y = horizontal * np.cos(eta), horizontal * np.sin(eta)
    b = np.radians(geometry.sub_observer_latitude)
    sin_b, cos_b = np.sin(b), np.cos(b)
    inv_q2 = 1.0 / AXIS_RATIO**2
    mu = (x * cos_b + z * inv_q2 * sin_b) / np.sqrt(x**2 + y**2 + (z * inv_q2) ** 2)
    x_sky, y_sky = y, -x * sin_b + z * cos_b
    # backplanes() rotates (east, north) by a matrix that is its own inverse.
    pa = np.radians(geometry.pole_angle)
    east = -x_sky * np.cos(pa) + y_sky * np.sin(pa)
    north = x_sky * np.sin(pa) + y_sky * np.cos(pa)
    cy, cx = geometry.centre
    return PixelCoordinates(
        cy + north * geometry.equatorial_radius, cx - east * geometry.equatorial_radius, mu
    )


def project_to_map(
    image: np.ndarray, geometry: DiscGeometry, grid: MapGrid, *, mu_min: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Resample a disc image onto a cylindrical map.

    Parameters
    ----------
    image : ndarray
        2-D image (row 0 at the bottom); NaN marks pixels without data.
    geometry : DiscGeometry
        Where the disc is in ``image`` and how it is seen.
    grid : MapGrid
        The map's rows and columns.
    mu_min : float
        Cells seen at μ <= ``mu_min`` are left empty (0 <= mu_min < 1).

    Returns
    -------
    values : ndarray
        Map of shape ``grid.shape``, bilinearly sampled; NaN where the cell is
        hidden, at μ <= ``mu_min``, outside the image, or where the sample
        touches a NaN pixel.
    mu : ndarray
        Emission-angle cosine of each cell; NaN where hidden or μ <= ``mu_min``
        (finite where the image merely lacks data, e.g. outside the frame).

    Examples
    --------
    >>> geometry = DiscGeometry((50.0, 50.0), 40.0)
    >>> values, mu = project_to_map(np.ones((101, 101)), geometry, MapGrid.regular(10.0))
    >>> values.shape, int(np.isfinite(values).sum()), float(np.nanmax(mu)) > 0.99
    ((18, 36), 324, True)
    """
    image = _as_image(image, "image")
    if not (np.isfinite(mu_min) and 0.0 <= mu_min < 1.0):
        raise InputError(f"mu_min must be in [0, 1), got {mu_min}")
    check_map_memory(grid)
    row, column, mu = pixel_coordinates(
        grid.latitudes[:, None], grid.longitudes[None, :], geometry, latitude_kind=grid.latitude_kind
    )
    visible = mu > mu_min
    ny, nx = image.shape
    inside = visible & (row >= 0) & (row <= ny - 1) & (column >= 0) & (column <= nx - 1)
    values = np.full(grid.shape, np.nan)
    values[inside] = _sample(image, row[inside], column[inside])
    return values, np.where(visible, mu, np.nan)


def merge_maps(maps: Sequence[np.ndarray], weights: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Weighted mean of maps on the same grid, e.g. weighted by μ.

    Parameters
    ----------
    maps : sequence of ndarray
        Maps of one shape; NaN where a map has no data.
    weights : sequence of ndarray, optional
        One weight map per map (e.g. the ``mu`` of :func:`project_to_map`);
        NaN, zero and negative weights are ignored. Default: equal weights.

    Returns
    -------
    ndarray
        sum(w·v) / sum(w) over the maps with data and positive weight at each
        cell; NaN where no map covers the cell.

    Examples
    --------
    >>> a, b = np.array([[1.0, np.nan, 3.0]]), np.array([[3.0, 2.0, np.nan]])
    >>> merge_maps([a, b], [np.full((1, 3), 1.0), np.array([[3.0, 1.0, 1.0]])])
    array([[2.5, 2. , 3. ]])
    """
    maps = [_as_image(values, "each map") for values in maps]
    if not maps:
        raise InputError("merge_maps needs at least one map")
    weights = [np.ones_like(maps[0])] * len(maps) if weights is None else list(weights)
    if len(weights) != len(maps):
        raise InputError(f"merge_maps needs one weight map per map: {len(maps)} maps, {len(weights)} weights")
    total, norm = np.zeros_like(maps[0]), np.zeros_like(maps[0])
    for values, weight in zip(maps, weights, strict=True):
        weight = np.asarray(weight, dtype=np.float64)
        if values.shape != maps[0].shape or weight.shape != maps[0].shape:
            raise InputError(
                f"maps and weights must all have shape {maps[0].shape}, got {values.shape} and {weight.shape}"
            )
        use = np.isfinite(values) & np.isfinite(weight) & (weight > 0)
        used_weight = np.where(use, weight, 0.0)
        total += used_weight * np.where(use, values, 0.0)
        norm += used_weight
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, total / norm, np.nan)


def project_to_disc(
    values: np.ndarray, grid: MapGrid, shape: tuple[int, int], geometry: DiscGeometry
) -> np.ndarray:
    """Orthographic view of a map: each pixel samples the map at its backplanes' (latitude, longitude).

    Parameters
    ----------
    values : ndarray
        Map of shape ``grid.shape``; NaN where it has no data.
    grid : MapGrid
        The map's rows and columns.
    shape : (int, int)
        Shape of the image to make.
    geometry : DiscGeometry
        Where the disc is in the image and how it is seen.

    Returns
    -------
    ndarray
        Image of ``shape``: bilinear samples of the map, NaN off the disc,
        outside the map's cells and where a sample touches a NaN cell.
        Longitude wraps around for a map that covers 360°.

    Examples
    --------
    >>> grid = MapGrid.regular(5.0)
    >>> image = project_to_disc(np.full(grid.shape, 7.0), grid, (64, 64), DiscGeometry((31.5, 31.5), 30.0))
    >>> bool(np.allclose(image[32, 32], 7.0)), bool(np.isnan(image[0, 0]))
    (True, True)
    """
    values = _as_image(values, "values")
    if values.shape != grid.shape:
        raise InputError(f"the map has shape {values.shape} but its grid has shape {grid.shape}")
    planes = backplanes(tuple(shape), geometry)
    latitude = planes.latitude if grid.latitude_kind == "graphic" else planes.centric_latitude
    on = planes.on_disc
    row, row_ok = _latitude_index(grid.latitudes, latitude[on])
    column, column_ok, values = _longitude_index(grid.longitudes, planes.longitude[on], values)
    ok = row_ok & column_ok
    sampled = np.full(row.shape, np.nan)
    sampled[ok] = _sample(values, row[ok], column[ok])
    image = np.full(planes.mu.shape, np.nan)
    image[on] = sampled
    return image


# --------------------------------------------------------------------------------------


def _as_image(array: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 2:
        raise InputError(f"{name} must be a 2-D array, got shape {array.shape}")
    return array


def _sample(array: np.ndarray, row: np.ndarray, column: np.ndarray) -> np.ndarray:
    """Bilinear samples at in-range positions; NaN where any pixel with weight > 0 is NaN."""
    from scipy.ndimage import map_coordinates  # loaded when a projection runs

    coordinates = np.vstack([row, column])
    valid = np.isfinite(array)
    if valid.all():
        return map_coordinates(array, coordinates, order=1, mode="nearest")
    # Sample data with NaN set to 0 and the valid mask alike; a full mask weight means no NaN was touched,
    # and dividing by it removes any rounding-level pull of the zeros.
    total = map_coordinates(np.where(valid, array, 0.0), coordinates, order=1, mode="nearest")
    weight = map_coordinates(valid.astype(np.float64), coordinates, order=1, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight >= _FULL_WEIGHT, total / weight, np.nan)


def _latitude_index(latitudes: np.ndarray, latitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fractional row of each latitude and whether it lies within the map's cells (half a step out)."""
    ascending = latitudes if latitudes[-1] > latitudes[0] else latitudes[::-1]
    low = ascending[0] - (ascending[1] - ascending[0]) / 2
    high = ascending[-1] + (ascending[-1] - ascending[-2]) / 2
    index = np.interp(latitude, ascending, np.arange(len(ascending), dtype=np.float64))
    if ascending is not latitudes:
        index = len(latitudes) - 1 - index
    return index, (latitude >= low) & (latitude <= high)


def _longitude_index(
    longitudes: np.ndarray, longitude: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fractional column of each longitude, whether it is within the map, and the map to sample.

    Longitudes are measured from the first column in the grid's direction,
    modulo 360. A map covering 360° gets column 0 repeated at 360° so that
    samples between the last and first columns wrap around.
    """
    direction = 1.0 if longitudes[-1] > longitudes[0] else -1.0
    offsets = (longitudes - longitudes[0]) * direction
    first_half, last_half = offsets[1] / 2, (offsets[-1] - offsets[-2]) / 2
    if offsets[-1] + 2 * last_half >= 360.0 - 1e-9:
        if offsets[-1] < 360.0:
            offsets = np.append(offsets, 360.0)
            values = np.concatenate([values, values[:, :1]], axis=1)
        relative = np.mod((longitude - longitudes[0]) * direction, 360.0)
        within = np.ones(longitude.shape, dtype=bool)
    else:
        relative = np.mod((longitude - longitudes[0]) * direction + first_half, 360.0) - first_half
        within = relative <= offsets[-1] + last_half
    index = np.interp(relative, offsets, np.arange(len(offsets), dtype=np.float64))
    return index, within, values
