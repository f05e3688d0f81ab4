"""Geometry for the pipeline: the ephemeris of an observation and the disc in an image."""

from __future__ import annotations

from .. import geometry
from ..geometry import Ephemeris

__all__ = ["jupiter_ephemeris"]


def jupiter_ephemeris(
    time, *, site: str | None = None, lon: float | None = None, lat: float | None = None,
    height: float | None = None,
) -> Ephemeris:  # fmt: skip
    """Jupiter's apparent geometry at ``time`` (UTC) from a named site, a custom one, or the geocentre.

    Parameters
    ----------
    time : str or astropy.time.Time
        ISO 8601 UTC, or ``JD...`` / ``MJD...``.
    site : str, optional
        ``paranal``, ``mauna kea`` or ``geocentre`` (default).
    lon, lat, height : float, optional
        A custom site: east longitude and geodetic latitude (degrees), height (m).

    Returns
    -------
    Ephemeris

    Examples
    --------
    >>> e = jupiter_ephemeris("2018-05-24T02:49:57.54", site="paranal")
    >>> round(e.central_meridian_deg, 2), round(e.north_pole_angle_deg, 2)
    (303.75, 17.41)
    """
    location = geometry.observatory(site, lon=lon, lat=lat, height=height)
    name = "custom site" if lon is not None else (site or "geocentre")
    return geometry.ephemeris(time, location, site_name=name)
