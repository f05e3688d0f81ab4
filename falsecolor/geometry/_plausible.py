"""Is a limb fit believable? A fit that is not is never used: it means "no disc", and says why.

A least-squares outline can always be fitted to some edge: a map's border, a
star-like blob, a polar projection's rim. The checks, each with its reason:

- the radius is at least a few pixels and smaller than the frame;
- the centre lies on the frame, or within a quarter of the radius of its edge
  (a disc cut by the frame still has its centre near it);
- the limb points lie on the outline: their RMS distance is at most 5 % of the
  radius (and never needs to be under 1.5 px, a blurred limb's width);
- with a known ephemeris and pixel scale, the radius is within 20 % of the
  one they give (a wrong pixel scale, or another body);
- the outline is filled: at least half of the pixels inside it, on the frame,
  are bright (on the disc). An outline fitted to the edge of a stack's field
  around a small planet holds mostly sky.
"""

from __future__ import annotations

import numpy as np

from ._disc import on_disc_mask
from ._spheroid import AXIS_RATIO, DiscGeometry

__all__ = ["RADIUS_TOLERANCE", "filled_fraction", "implausible_fit"]

#: Largest relative difference between the fitted radius and the ephemeris's.
RADIUS_TOLERANCE = 0.2
_MIN_RADIUS = 4.0
_CENTRE_MARGIN = 0.25
_RMS_FRACTION, _RMS_FLOOR = 0.05, 1.5
#: Least share of bright pixels inside a plausible outline.
_FILLED = 0.5


def implausible_fit(
    centre: tuple[float, float],
    radius: float,
    rms: float,
    shape: tuple[int, int],
    *,
    expected_radius: float | None = None,
    filled: float | None = None,
) -> str | None:
    """Why a fitted disc cannot be right (one phrase), or None when it is plausible.

    Examples
    --------
    >>> implausible_fit((-1114.5, 1355.6), 1475.7, 1.5, (900, 3600))
    'its centre (x 1355.6, y -1114.5) is 1114 px off the 3600 x 900 frame'
    >>> implausible_fit((50.0, 50.0), 40.0, 0.3, (101, 101), expected_radius=30.0)
    'its radius 40.0 px is not the 30.0 px the ephemeris and the pixel scale give (33 % off)'
    >>> implausible_fit((50.0, 50.0), 40.0, 0.3, (101, 101)) is None
    True
    """
    rows, columns = shape
    cy, cx = centre
    if not radius >= _MIN_RADIUS:
        return f"its radius {radius:.1f} px is too small to be a disc"
    if radius > max(rows, columns):
        return f"its radius {radius:.0f} px is larger than the {columns} x {rows} frame"
    margin = _CENTRE_MARGIN * radius
    off = max(-cy, cy - (rows - 1), -cx, cx - (columns - 1), 0.0)
    if off > margin:
        return f"its centre (x {cx:.1f}, y {cy:.1f}) is {off:.0f} px off the {columns} x {rows} frame"
    if rms > max(_RMS_FLOOR, _RMS_FRACTION * radius):
        return f"the limb points lie {rms:.1f} px (RMS) from the outline: no clean limb"
    if filled is not None and filled < _FILLED:
        return (
            f"only {100 * filled:.0f} % of the pixels inside its outline are bright: it is not the planet's"
        )
    if expected_radius is not None and expected_radius > 0:
        error = radius / expected_radius - 1.0
        if abs(error) > RADIUS_TOLERANCE:
            return (
                f"its radius {radius:.1f} px is not the {expected_radius:.1f} px the ephemeris and the "
                f"pixel scale give ({100 * abs(error):.0f} % off)"
            )
    return None


def filled_fraction(image: np.ndarray, geometry: DiscGeometry, *, raw: bool = False) -> float:
    """The share of the pixels inside the disc's outline (on the frame) that are on the disc.

    Evaluated on a grid of at most ~512 x 512 pixels, so it is cheap at any size.
    """
    data = np.asarray(image)
    step = max(1, max(data.shape) // 512)
    rows, columns = np.mgrid[0 : data.shape[0] : step, 0 : data.shape[1] : step]
    angle = np.radians(geometry.pole_angle)
    dy, dx = rows - geometry.centre[0], columns - geometry.centre[1]
    along = dy * np.cos(angle) - dx * np.sin(angle)  # towards the projected pole
    across = dy * np.sin(angle) + dx * np.cos(angle)
    latitude = np.radians(geometry.sub_observer_latitude)
    minor = np.sqrt(np.sin(latitude) ** 2 + (AXIS_RATIO * np.cos(latitude)) ** 2)
    inside = (across / geometry.equatorial_radius) ** 2 + (
        along / (minor * geometry.equatorial_radius)
    ) ** 2 <= 1
    if not inside.any():
        return 0.0
    bright = on_disc_mask(data[::step, ::step], raw=raw)
    return float(bright[inside].mean())
