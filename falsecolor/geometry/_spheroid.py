"""Jupiter's disc: which pixels are on it, and latitude, longitude and emission angle.

Backplanes come from intersecting each pixel's line of sight with the oblate
spheroid (SCIENCE.md section 4.3): planetographic and planetocentric latitude,
System III west longitude and mu = cos(emission angle).

Image convention: array row 0 is the bottom (FITS); with ``pole_angle = 0``
north is up (increasing row) and celestial east is to the left (decreasing
column), the usual sky orientation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import InputError

__all__ = [
    "AXIS_RATIO",
    "BLOCK_PIXELS",
    "EQUATORIAL_RADIUS_KM",
    "FLATTENING",
    "POLAR_RADIUS_KM",
    "Backplanes",
    "DiscGeometry",
    "backplanes",
    "backplanes_float32",
    "centric_to_graphic",
    "graphic_to_centric",
    "row_blocks",
]

#: IAU 2015 (Archinal et al. 2018, doi:10.1007/s10569-017-9805-5).
EQUATORIAL_RADIUS_KM = 71492.0
POLAR_RADIUS_KM = 66854.0
AXIS_RATIO = POLAR_RADIUS_KM / EQUATORIAL_RADIUS_KM
FLATTENING = 1.0 - AXIS_RATIO
_AXIS_RATIO = AXIS_RATIO


def graphic_to_centric(latitude: np.ndarray | float) -> np.ndarray | float:
    """Planetographic to planetocentric latitude (degrees): tan phi_c = (b/a)^2 tan phi_g."""
    return np.degrees(np.arctan(_AXIS_RATIO**2 * np.tan(np.radians(latitude))))


def centric_to_graphic(latitude: np.ndarray | float) -> np.ndarray | float:
    """Planetocentric to planetographic latitude (degrees): tan phi_g = (a/b)^2 tan phi_c."""
    return np.degrees(np.arctan(np.tan(np.radians(latitude)) / _AXIS_RATIO**2))


@dataclass(frozen=True)
class DiscGeometry:
    """Where the disc is in the image and how the planet is seen.

    Parameters
    ----------
    centre : (float, float)
        Disc centre ``(y, x)`` in pixels (array order).
    equatorial_radius : float
        Equatorial radius in pixels.
    sub_observer_latitude : float
        Planetocentric latitude of the sub-observer point (degrees), B = D_E.
    pole_angle : float
        Position angle of the north pole, degrees from image up towards the
        left (celestial north through east).
    central_meridian : float
        System III west longitude of the central meridian (degrees).
    """

    centre: tuple[float, float]
    equatorial_radius: float
    sub_observer_latitude: float = 0.0
    pole_angle: float = 0.0
    central_meridian: float = 0.0

    def __post_init__(self):
        if not (np.isfinite(self.equatorial_radius) and self.equatorial_radius > 0):
            raise InputError(f"the equatorial radius must be positive, got {self.equatorial_radius}")

    def to_header(self) -> list[tuple[str, float, str]]:
        """FITS cards ``(keyword, value, comment)`` (``FC_*``) that :meth:`from_header` reads back.

        Examples
        --------
        >>> disc = DiscGeometry((99.5, 120.25), 80.0, 3.1, 12.5, 290.0)
        >>> DiscGeometry.from_header(dict(card[:2] for card in disc.to_header())) == disc
        True
        """
        return [
            ("FC_CY", round(float(self.centre[0]), 6), "disc centre row (0-based, row 0 at the bottom)"),
            ("FC_CX", round(float(self.centre[1]), 6), "disc centre column (0-based)"),
            ("FC_REQ", round(float(self.equatorial_radius), 6), "equatorial radius, pixels"),
            (
                "FC_B",
                round(float(self.sub_observer_latitude), 6),
                "sub-observer planetocentric latitude, deg",
            ),
            ("FC_PA", round(float(self.pole_angle), 6), "pole angle, deg from up towards the left"),
            ("FC_CML", round(float(self.central_meridian), 6), "central meridian, System III W, deg"),
        ]

    @classmethod
    def from_header(cls, header: Any) -> DiscGeometry | None:
        """The disc written in ``FC_*`` cards (:meth:`to_header`); None when absent or damaged."""
        if header is None or header.get("FC_REQ") is None:
            return None
        try:
            return cls(
                (float(header["FC_CY"]), float(header["FC_CX"])),
                float(header["FC_REQ"]),
                float(header.get("FC_B", 0.0)),
                float(header.get("FC_PA", 0.0)),
                float(header.get("FC_CML", 0.0)),
            )
        except (KeyError, TypeError, ValueError, InputError):
            return None


@dataclass(frozen=True, eq=False)
class Backplanes:
    """Per-pixel geometry; NaN off the disc.

    Attributes
    ----------
    latitude : ndarray
        Planetographic latitude (degrees).
    centric_latitude : ndarray
        Planetocentric latitude (degrees).
    longitude : ndarray
        System III west longitude (degrees, 0-360).
    mu : ndarray
        Cosine of the emission angle.
    """

    latitude: np.ndarray
    centric_latitude: np.ndarray
    longitude: np.ndarray
    mu: np.ndarray

    @property
    def on_disc(self) -> np.ndarray:
        return np.isfinite(self.mu)


def backplanes(
    shape: tuple[int, ...], geometry: DiscGeometry, *, rows: slice | np.ndarray | None = None
) -> Backplanes:
    """Latitude, longitude and mu of every pixel by ray-ellipsoid intersection.

    Parameters
    ----------
    shape : (int, int)
        Image shape ``(ny, nx)``.
    geometry : DiscGeometry
        Disc position and viewing geometry.
    rows : slice or array of int, optional
        Only these rows (the planes are then ``(len(rows), nx)``): a large
        image is done block by block, or sampled, without full-size planes.

    Returns
    -------
    Backplanes
        float64 planes; NaN off the disc.

    Notes
    -----
    Lengths are in units of the equatorial radius a; the polar radius is
    b = 0.93513 a. The sky offset (x', y') of a pixel, with y' along the
    projected pole, gives the point p = (-y' sin B, x', y' cos B) in the body
    frame (X to the sub-observer meridian, Z north, Y east); the visible
    intersection of p + t s, s = (cos B, 0, sin B), with
    (X^2 + Y^2)/a^2 + Z^2/b^2 = 1 is the surface point.
    """
    ny, nx = shape[:2]
    cy, cx = geometry.centre
    radius = geometry.equatorial_radius
    row = np.arange(ny, dtype=np.float64)[rows if rows is not None else slice(None)][:, None]
    column = np.arange(nx, dtype=np.float64)[None, :]
    east = -(column - cx) / radius  # celestial east is left
    north = (row - cy) / radius
    pa = np.radians(geometry.pole_angle)
    x_sky = -east * np.cos(pa) + north * np.sin(pa)
    y_sky = east * np.sin(pa) + north * np.cos(pa)
    b = np.radians(geometry.sub_observer_latitude)
    sin_b, cos_b = np.sin(b), np.cos(b)
    inv_q2 = 1.0 / _AXIS_RATIO**2
    px, py, pz = -y_sky * sin_b, x_sky, y_sky * cos_b
    a_coef = cos_b**2 + sin_b**2 * inv_q2
    b_coef = 2.0 * (px * cos_b + pz * sin_b * inv_q2)
    c_coef = px**2 + py**2 + pz**2 * inv_q2 - 1.0
    discriminant = b_coef**2 - 4.0 * a_coef * c_coef
    on = discriminant >= 0
    t = np.where(on, (-b_coef + np.sqrt(np.where(on, discriminant, 0.0))) / (2.0 * a_coef), np.nan)
    x, y, z = px + t * cos_b, py, pz + t * sin_b
    horizontal = np.hypot(x, y)
    centric = np.degrees(np.arctan2(z, horizontal))
    graphic = np.degrees(np.arctan2(z * inv_q2, horizontal))
    longitude = np.mod(geometry.central_meridian - np.degrees(np.arctan2(y, x)), 360.0)
    normal = np.sqrt(x**2 + y**2 + (z * inv_q2) ** 2)
    mu = np.clip((x * cos_b + z * inv_q2 * sin_b) / normal, 0.0, 1.0)
    for plane in (centric, graphic, longitude, mu):
        plane[~on] = np.nan
    return Backplanes(graphic, centric, longitude, mu)


#: Pixels of one block when a large image's planes are made block by block.
BLOCK_PIXELS = 1 << 20


def row_blocks(shape: tuple[int, ...], pixels: int = BLOCK_PIXELS) -> list[slice]:
    """Slices of rows covering an image, each about ``pixels`` pixels."""
    ny, nx = shape[:2]
    step = max(1, pixels // max(1, nx))
    return [slice(start, min(ny, start + step)) for start in range(0, ny, step)]


def backplanes_float32(shape: tuple[int, ...], geometry: DiscGeometry) -> Backplanes:
    """:func:`backplanes` of the whole image in float32, made block by block (a quarter of the memory)."""
    planes = [np.empty(shape[:2], np.float32) for _ in range(4)]
    for rows in row_blocks(shape):
        block = backplanes(shape, geometry, rows=rows)
        for out, values in zip(
            planes, (block.latitude, block.centric_latitude, block.longitude, block.mu), strict=True
        ):
            out[rows] = values
    return Backplanes(*planes)
