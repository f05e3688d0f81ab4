"""Geometry for the pipeline: the ephemeris of an observation and the disc in an image."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import geometry
from ..bands import Band
from ..exceptions import InputError
from ..geometry import DiscGeometry, Ephemeris, LimbFit
from ._observation import NoDisc, Observation, north_angle, observe, pixel_scale

__all__ = [
    "Disc",
    "NoDisc",
    "describe_disc",
    "find_disc",
    "jupiter_ephemeris",
    "north_angle",
    "observation_ephemeris",
    "pixel_scale",
    "rotate_north_up",
    "shift_image",
    "shift_onto",
]


def jupiter_ephemeris(
    time: Any,
    *,
    site: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    height: float | None = None,
    ephemeris: str | None = None,
) -> Ephemeris:
    """Jupiter's apparent geometry at ``time`` (UTC) from a named site, a custom one, or the geocentre.

    Parameters
    ----------
    time : str or astropy.time.Time
        ISO 8601 UTC, or ``JD...`` / ``MJD...``.
    site : str, optional
        ``paranal``, ``mauna kea`` or ``geocentre`` (default).
    lon, lat, height : float, optional
        A custom site: east longitude and geodetic latitude (degrees), height (m).
    ephemeris : str, optional
        A JPL planetary ephemeris file (SPICE SPK ``.bsp``; needs ``jplephem``).
        Default: astropy's built-in ephemeris, within ~0.011° of JPL DE410 in
        central meridian (see :func:`falsecolor.geometry.ephemeris`).

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
    return geometry.ephemeris(time, location, site_name=name, kernel=ephemeris)


@dataclass(frozen=True)
class Disc:
    """The disc found in an image and how it was found.

    Attributes
    ----------
    geometry : DiscGeometry
    source : str
        ``"header"`` (FC_* cards) or ``"limb fit"`` (+ what seeded it).
    oriented : bool
        True when the pole angle is known on the sky (not only the limb's
        shape, which leaves a 180° ambiguity): the image may be turned north up.
    fit : LimbFit, optional
    ephemeris : Ephemeris, optional
    """

    geometry: DiscGeometry
    source: str
    oriented: bool
    fit: LimbFit | None = None
    ephemeris: Ephemeris | None = None


def _site_of(header) -> str | None:
    text = " ".join(str(header.get(k, "")) for k in ("TELESCOP", "INSTRUME", "ORIGIN", "OBSERVAT")).upper()
    if any(word in text for word in ("ESO", "VLT", "VISIR", "PARANAL")):
        return "paranal"
    if any(word in text for word in ("IRTF", "MAUNA", "GEMINI", "KECK", "SUBARU")):
        return "mauna kea"
    return None


def observation_ephemeris(
    band: Band, *, site: str | None = None, observation: Observation | None = None
) -> Ephemeris | None:
    """Jupiter's ephemeris at the observation's time (from the site its header names, else the geocentre).

    None without a time, or when the image shows another body.
    """
    seen = observation or observe(band)
    if not seen.date or not seen.target.modelled:
        return None
    chosen = site if site is not None else _site_of(band.header)
    try:
        return jupiter_ephemeris(seen.date, site=chosen)
    except InputError as err:
        raise InputError(f"{err} ({seen.date_source} of {band.label})") from None


def find_disc(band: Band, *, site: str | None = None, settings: Any = None) -> Disc:
    """The disc of a band: from its FC_* cards, else a plausible limb fit seeded by the ephemeris.

    With a time (DATE-OBS or ``--date``) the ephemeris gives the sub-observer
    latitude and central meridian; with a pixel scale as well it gives the
    radius and the pole angle, which seed the fit and settle the 180°
    ambiguity of the limb's shape (then the disc is ``oriented``). A north
    angle given by the user settles it as well. ``settings`` (a Corrections or
    Recipe) gives the user's target, date, pixel scale, north angle and image
    kind (see :func:`observe`).

    Raises
    ------
    NoDisc
        The image is a map, shows another body than Jupiter, or the fit is not
        plausible (centre off the frame, radius larger than the frame or far
        from the ephemeris's, limb points far from the outline).
    InputError
        When no limb is found at all.
    """
    seen = observe(band, settings)
    why = seen.no_disc(band.label)
    if why is not None:
        raise NoDisc(why)
    known = DiscGeometry.from_header(band.header)
    if known is not None:
        return Disc(known, "header (FC_* cards)", True)
    site = site if site is not None else getattr(settings, "site", None)
    ephem = observation_ephemeris(band, site=site, observation=seen)
    seed, latitude, meridian, oriented, expected = None, 0.0, 0.0, False, None
    source = "limb fit"
    if ephem is not None:
        latitude, meridian = ephem.sub_observer_latitude_centric_deg, ephem.central_meridian_deg
        source += f", ephemeris at {seen.date}" + _named(ephem)
        if seen.scale is not None:
            expected = ephem.angular_diameter_arcsec / 2.0 / seen.scale
            angle = (
                seen.north
                if seen.north is not None
                else ephem.north_pole_angle_deg + north_angle(band.header)
            )
            shape = np.asarray(band.shape, dtype=float)
            seed = DiscGeometry(tuple((shape - 1) / 2.0), expected, latitude, angle, meridian)
            oriented = True
            source += f', {seen.scale:.4g}"/pixel'
    fit = _fit(band, latitude, seed)
    found = fit.geometry(sub_observer_latitude=latitude, central_meridian=meridian)
    implausible = geometry.implausible_fit(
        found.centre,
        found.equatorial_radius,
        fit.rms,
        (band.shape[0], band.shape[1]),
        expected_radius=expected,
        filled=geometry.filled_fraction(band.data, found, raw=band.kind == "counts"),
    )
    if implausible is not None:
        raise NoDisc(f"the limb fit of {band.label} is not plausible: {implausible}")
    if seen.north is not None:  # the user's north wins over the outline's (weak, 180°-ambiguous) angle
        found = dataclasses.replace(found, pole_angle=seen.north)
        oriented = True
        source += f", north {seen.north:g}° given"
    found = dataclasses.replace(found, pole_angle=_wrapped(found.pole_angle))
    return Disc(found, source, oriented, fit, ephem)


def _wrapped(angle: float) -> float:
    """An angle in degrees within [-180, 180)."""
    return (float(angle) + 180.0) % 360.0 - 180.0


def _fit(band: Band, latitude: float, seed: DiscGeometry | None) -> LimbFit:
    data = np.asarray(band.data)
    try:
        return geometry.fit_limb(data, sub_observer_latitude=latitude, seed=seed, mask=band.mask)
    except InputError:
        if not np.isnan(data).any():
            raise
        # NaN off the disc (a product, a masked map): there the limb is where the data end
        return geometry.fit_limb(
            np.nan_to_num(data, nan=0.0), sub_observer_latitude=latitude, seed=seed, mask=band.mask
        )


def _named(ephem: Ephemeris) -> str:
    """``" (de440s.bsp)"`` for a JPL kernel (its file name: notes never hold a path), else nothing."""
    return "" if ephem.source == geometry.BUILT_IN else f" ({ephem.source})"


def rotate_north_up(disc: DiscGeometry, *bands: Band) -> tuple[DiscGeometry, list[Band]]:
    """Turn bands (their masks and uncertainty planes) so the planet's north pole points up; the new disc.

    The output grows to hold the whole turned image; pixels from outside the
    input are NaN. Bilinear, so a pixel next to a NaN one is NaN.
    """
    from scipy import ndimage

    angle = np.radians(disc.pole_angle)
    cos, sin = np.cos(angle), np.sin(angle)
    ny, nx = bands[0].shape
    corners = np.array([[0, 0], [0, nx - 1], [ny - 1, 0], [ny - 1, nx - 1]], dtype=float) - disc.centre
    # output offsets (dy, dx) -> input offsets: row = dy cos + dx sin, col = -dy sin + dx cos
    matrix = np.array([[cos, sin], [-sin, cos]])
    out_offsets = corners @ matrix  # inverse (transpose) of the input mapping
    low, high = np.floor(out_offsets.min(axis=0)), np.ceil(out_offsets.max(axis=0))
    shape = tuple(int(n) for n in high - low + 1)
    centre_out = -low
    offset = np.asarray(disc.centre) - matrix @ centre_out

    def turn(plane: np.ndarray) -> np.ndarray:
        data = np.asarray(plane, dtype=np.float32 if plane.dtype.itemsize <= 4 else np.float64)
        return ndimage.affine_transform(
            data, matrix, offset, output_shape=shape, order=1, cval=np.nan, prefilter=False
        )

    turned = []
    for band in bands:
        mask = None
        if band.mask is not None:
            moved = ndimage.affine_transform(
                np.asarray(band.mask, np.float32), matrix, offset, output_shape=shape, order=1, cval=1.0
            )
            mask = moved > 0.5
        uncertainty = turn(band.uncertainty) if isinstance(band.uncertainty, np.ndarray) else band.uncertainty
        turned.append(band.replace(data=turn(band.data), mask=mask, uncertainty=uncertainty))
    new = dataclasses.replace(disc, centre=(float(centre_out[0]), float(centre_out[1])), pole_angle=0.0)
    return new, turned


def shift_onto(
    band: Band, target: DiscGeometry, *, site: str | None = None, settings: Any = None
) -> tuple[Band, tuple[float, float]]:
    """``band`` (and its uncertainty plane) moved so its disc sits on ``target``'s centre; the shift (dy, dx).

    Two bands stacked separately are each registered to their own reference,
    so their discs can differ by a pixel or two; this puts the second on the
    first. Cubic-spline shift; pixels brought in from outside the frame, or
    next to NaN, become NaN.
    """
    from scipy import ndimage

    own = find_disc(band, site=site, settings=settings).geometry
    dy, dx = (float(t - o) for t, o in zip(target.centre, own.centre, strict=True))
    if abs(dy) < 1e-3 and abs(dx) < 1e-3:
        return band, (0.0, 0.0)
    moved = shift_image(band.data, (dy, dx))
    mask = None
    if band.mask is not None:
        mask = ndimage.shift(np.asarray(band.mask, np.float32), (dy, dx), order=1, cval=1.0) > 0.5
    uncertainty = band.uncertainty
    if isinstance(uncertainty, np.ndarray):
        uncertainty = shift_image(uncertainty, (dy, dx))
    return band.replace(data=moved, mask=mask, uncertainty=uncertainty), (dy, dx)


def shift_image(image: np.ndarray, shift: tuple[float, float]) -> np.ndarray:
    """``image`` moved by ``(dy, dx)`` pixels: cubic spline, NaN where the data came from outside the
    frame or from next to a NaN pixel."""
    from scipy import ndimage

    data = np.asarray(image, dtype=np.float32 if np.asarray(image).dtype.itemsize <= 4 else np.float64)
    missing = ~np.isfinite(data)
    moved = ndimage.shift(np.where(missing, 0, data), shift, order=3, mode="nearest")
    gone = ndimage.shift(missing.astype(np.float32), shift, order=1, mode="constant", cval=1.0) > 0.01
    moved[gone] = np.nan
    return moved.astype(data.dtype, copy=False)


def describe_disc(disc: Disc) -> str:
    """One line for the notes: where the disc is and where it came from."""
    g = disc.geometry
    return (
        f"{disc.source}: centre x {g.centre[1]:.2f}, y {g.centre[0]:.2f}, equatorial radius "
        f"{g.equatorial_radius:.2f} px, pole angle {g.pole_angle:.2f}°, B {g.sub_observer_latitude:.3f}°, "
        f"CML {g.central_meridian:.2f}°"
    )
