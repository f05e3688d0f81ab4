"""Jupiter's apparent geometry at a time: size, distance, sub-observer point, pole angle.

astropy's built-in ephemeris (ERFA epv00 + plan94: no downloads) gives the
apparent direction and distance; the IAU 2015 rotation model (Archinal et al.
2018), evaluated at the emission time t - distance/c, gives the pole and the
System III prime meridian (SCIENCE.md section 4.2). Against JPL's DE410 (SPICE
kernels) the built-in ephemeris puts the central meridian within about 0.011°,
the pole angle within 0.006°, the sub-observer latitude within 0.002° and the
distance within 4e-4 au. A JPL planetary ephemeris (a local SPK ``.bsp`` file,
read by astropy through the optional ``jplephem`` package) can be used instead:
``ephemeris(..., kernel=PATH)``, or :func:`using_ephemeris` for everything
computed within a block.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from astropy import units as u
from astropy.constants import c
from erfa import ErfaError, ErfaWarning

from .._messages import option
from .._readable import regular_file
from ..exceptions import FileFormatError, InputError
from ._spheroid import AXIS_RATIO, EQUATORIAL_RADIUS_KM, POLAR_RADIUS_KM

if TYPE_CHECKING:  # astropy.coordinates and astropy.time load only when a time or a place is used
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

__all__ = [
    "BUILT_IN",
    "SITES",
    "Ephemeris",
    "ephemeris",
    "jpl_kernel",
    "observatory",
    "parse_time",
    "using_ephemeris",
]

#: Observatories known by name (longitude east, latitude, height), so no site registry is downloaded.
SITES = {
    "geocentre": None,
    "paranal": (-70.4045 * u.deg, -24.6272 * u.deg, 2635.0 * u.m),
    "mauna kea": (-155.4719 * u.deg, 19.8262 * u.deg, 4168.0 * u.m),
}
_ALIASES = {
    "geocenter": "geocentre",
    "geocentric": "geocentre",
    "vlt": "paranal",
    "eso": "paranal",
    "maunakea": "mauna kea",
    "mauna-kea": "mauna kea",
    "irtf": "mauna kea",
}


#: The built-in planetary theory (plan94) covers 1800-2050.
_FIRST_JD, _LAST_JD = 2378496.5, 2469807.5
#: How :attr:`Ephemeris.source` names astropy's built-in ephemeris.
BUILT_IN = "built-in (ERFA epv00 + plan94)"
#: The JPL kernel in use within :func:`using_ephemeris` (None: the built-in ephemeris).
_KERNEL: ContextVar[Path | None] = ContextVar("falsecolor_ephemeris", default=None)


@dataclass(frozen=True)
class Ephemeris:
    """Jupiter as seen at one time from one place (angles in degrees).

    Attributes
    ----------
    angular_diameter_arcsec : float
        Apparent equatorial diameter.
    polar_diameter_arcsec : float
        Apparent polar diameter (the projected polar axis).
    distance_au : float
        Observer-Jupiter distance at the observation time.
    sub_observer_latitude_centric_deg, sub_observer_latitude_graphic_deg : float
        Planetocentric (B = D_E) and planetographic latitude of the sub-observer point.
    central_meridian_deg : float
        System III west longitude of the central meridian.
    north_pole_angle_deg : float
        Position angle of the north pole, from celestial north (ICRS) through east.
    time : str
        The observation time, ISO 8601 UTC.
    site : str
        Where from: ``geocentre``, a site name, or ``lon,lat,height``.
    source : str
        The ephemeris: :data:`BUILT_IN`, or a JPL kernel's file name.
    """

    angular_diameter_arcsec: float
    polar_diameter_arcsec: float
    distance_au: float
    sub_observer_latitude_centric_deg: float
    sub_observer_latitude_graphic_deg: float
    central_meridian_deg: float
    north_pole_angle_deg: float
    time: str
    site: str
    source: str = BUILT_IN

    #: The keys of ``falsecolor ephemeris --json``.
    KEYS = (
        "angular_diameter_arcsec",
        "distance_au",
        "sub_observer_latitude_centric_deg",
        "sub_observer_latitude_graphic_deg",
        "central_meridian_deg",
        "north_pole_angle_deg",
    )

    def as_dict(self, *, keys: tuple[str, ...] | None = None) -> dict[str, float | str]:
        values = asdict(self)
        return {k: values[k] for k in keys} if keys is not None else values


def parse_time(value: str | Time) -> Time:
    """A UTC time from ISO 8601 text (``2018-05-24T02:49:57``), ``JD2458262.6`` or ``MJD58262.1``."""
    from astropy.time import Time

    if isinstance(value, Time):
        return value
    text = str(value).strip()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ErfaWarning)  # "dubious year": UTC before 1960 or far future
            return _time(text)
    except (ValueError, ErfaError):
        raise InputError(
            f"cannot read the time {value!r}: write ISO 8601 UTC such as 2018-05-24T02:49:57, "
            "or JD2458262.6 / MJD58262.1"
        ) from None


def _time(text: str) -> Time:
    from astropy.time import Time

    if text.upper().startswith("MJD"):
        return Time(float(text[3:]), format="mjd", scale="utc")
    if text.upper().startswith("JD"):
        return Time(float(text[2:]), format="jd", scale="utc")
    return Time(text, scale="utc")


def observatory(site: str | None = None, *, lon=None, lat=None, height=None) -> EarthLocation | None:
    """The observer: None (geocentre), a named site, or longitude (east) / latitude / height."""
    from astropy.coordinates import EarthLocation

    if lon is not None or lat is not None:
        if lon is None or lat is None:
            raise InputError(
                f"a custom site needs both {option('lon')} and {option('lat')} (degrees; longitude east)"
            )
        if site is not None:
            raise InputError(f"give a site name or {option('lon')} and {option('lat')}, not both")
        if not (-90 <= lat <= 90 and -360 <= lon <= 360):
            raise InputError(
                f"the site's latitude must be within ±90° and its longitude ±360°, got {lat}, {lon}"
            )
        return EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, (height or 0.0) * u.m)
    if height is not None:
        raise InputError(f"{option('height')} goes with {option('lon')} and {option('lat')}")
    if site is None:
        return None
    key = " ".join(str(site).lower().replace("_", " ").split())
    key = _ALIASES.get(key, key)
    if key not in SITES:
        raise InputError(
            f"unknown site {site!r}: choose {', '.join(SITES)}, or give {option('lon')} and {option('lat')}"
        )
    place = SITES[key]
    return None if place is None else EarthLocation.from_geodetic(*place)


def _rotation_model(t_centuries: float, days: float) -> tuple[float, float, float]:
    """IAU 2015 pole (alpha0, delta0) and System III prime meridian W, degrees."""
    ja, jb, jc, jd, je = np.radians(
        [
            99.360714 + 4850.4046 * t_centuries,
            175.895369 + 1191.9605 * t_centuries,
            300.323162 + 262.5475 * t_centuries,
            114.012305 + 6070.2476 * t_centuries,
            49.511251 + 64.3000 * t_centuries,
        ]
    )
    alpha0 = (
        268.056595
        - 0.006499 * t_centuries
        + 0.000117 * np.sin(ja)
        + 0.000938 * np.sin(jb)
        + 0.001432 * np.sin(jc)
        + 0.000030 * np.sin(jd)
        + 0.002150 * np.sin(je)
    )
    delta0 = (
        64.495303
        + 0.002413 * t_centuries
        + 0.000050 * np.cos(ja)
        + 0.000404 * np.cos(jb)
        + 0.000617 * np.cos(jc)
        - 0.000013 * np.cos(jd)
        + 0.000926 * np.cos(je)
    )
    w = 284.95 + 870.5360000 * days
    return float(alpha0), float(delta0), float(np.mod(w, 360.0))


def _unit_vector(ra: float, dec: float) -> np.ndarray:
    return np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])


#: How a SPICE SPK file (a DAF of the SPK kind, or the older NAIF/DAF) begins.
_SPK_MAGIC = (b"DAF/SPK", b"NAIF/DAF")


def jpl_kernel(path: str | os.PathLike[str]) -> Path:
    """The absolute path of a JPL planetary ephemeris (SPICE SPK ``.bsp``) that can be used.

    Raises
    ------
    FileFormatError
        Not a regular file, or not an SPK file (said without quoting it).
    InputError
        The ``jplephem`` package, which astropy reads kernels with, is missing.
    """
    file = regular_file(path, "JPL ephemeris")
    try:
        with open(file, "rb") as handle:
            head = handle.read(8)
    except OSError as err:
        raise FileFormatError(
            f"cannot read JPL ephemeris {file}: {(err.strerror or str(err)).lower()}"
        ) from None
    if not head.startswith(_SPK_MAGIC):
        raise FileFormatError(
            f"{file} is not a JPL ephemeris: {option('ephemeris')} takes a SPICE SPK kernel (.bsp), "
            "such as de440s.bsp"
        )
    try:
        import jplephem  # noqa: F401  (astropy reads the kernel with it)
    except ImportError:
        raise InputError(
            f"{option('ephemeris')} needs the jplephem package: pip install jplephem (or install "
            "falsecolor with its extra: pip install '.[jpl]')"
        ) from None
    # absolute: astropy takes a relative name such as "de440s.bsp" for a kernel to download
    return Path(os.path.abspath(file))


@contextlib.contextmanager
def using_ephemeris(path: str | os.PathLike[str] | None) -> Iterator[None]:
    """Within the block, :func:`ephemeris` uses the JPL kernel at ``path`` (None changes nothing).

    The kernel is checked on entry (see :func:`jpl_kernel`). The front ends
    set it once for a run (``--ephemeris``), as the option's spelling is set.
    """
    if path is None:
        yield
        return
    token = _KERNEL.set(jpl_kernel(path))
    try:
        yield
    finally:
        _KERNEL.reset(token)


def ephemeris(
    time: str | Time,
    location: EarthLocation | None = None,
    *,
    site_name: str = "",
    kernel: str | os.PathLike[str] | None = None,
) -> Ephemeris:
    """Jupiter's apparent geometry at ``time`` from ``location`` (geocentric when None).

    Parameters
    ----------
    time : str or Time
        Observation time (UTC), ISO 8601 or JD/MJD text (see :func:`parse_time`).
    location : EarthLocation, optional
        The observer; default the Earth's centre.
    site_name : str
        Name recorded in the result.
    kernel : str or path, optional
        A JPL planetary ephemeris (SPICE SPK ``.bsp`` file, e.g. ``de440s.bsp``;
        needs the ``jplephem`` package). Default: the one set by
        :func:`using_ephemeris`, else astropy's built-in ephemeris.

    Returns
    -------
    Ephemeris

    Notes
    -----
    The rotation model is evaluated at the emission time, t minus the light
    time (about 36-52 min, which moves the central meridian by about 25°).
    With s the unit vector from Jupiter to the observer, P the pole, Q the
    ascending node of the equator on the ICRF equator and Y = P x Q:
    B = asin(s.P), CML = W - atan2(s.Y, s.Q) (west longitude), and the pole
    angle follows from the pole and apparent directions.

    The built-in ephemeris (ERFA epv00 + plan94) agrees with JPL's DE410
    within about 0.011° in central meridian, 0.006° in pole angle, 0.002° in
    sub-observer latitude and 4e-4 au in distance.

    Examples
    --------
    >>> e = ephemeris("2018-05-09T00:00:00")
    >>> round(e.distance_au, 3), round(e.central_meridian_deg, 1)
    (4.4, 101.2)
    """
    t = parse_time(time)
    jpl = jpl_kernel(kernel) if kernel is not None else _KERNEL.get()
    if jpl is None and not _FIRST_JD <= t.jd1 + t.jd2 <= _LAST_JD:
        raise InputError(f"the built-in ephemeris covers 1800-2050, not {time}")
    body = _apparent_jupiter(t, location, jpl)
    tdb = t.tdb
    ra, dec = body.ra.radian, body.dec.radian
    distance = body.distance.to(u.km)
    light_days = (distance / c).to_value(u.day)
    days = (tdb.jd1 - 2451545.0) + tdb.jd2 - light_days
    alpha0, delta0, w = _rotation_model(days / 36525.0, days)
    a0, d0 = np.radians(alpha0), np.radians(delta0)
    pole = _unit_vector(a0, d0)
    node = np.cross([0.0, 0.0, 1.0], pole)
    node /= np.linalg.norm(node)
    third = np.cross(pole, node)
    s = -_unit_vector(ra, dec)
    centric = np.degrees(np.arcsin(np.clip(s @ pole, -1.0, 1.0)))
    graphic = np.degrees(np.arctan(np.tan(np.radians(centric)) / AXIS_RATIO**2))
    cml = np.mod(w - np.degrees(np.arctan2(s @ third, s @ node)), 360.0)
    pa = np.degrees(
        np.arctan2(
            np.cos(d0) * np.sin(a0 - ra),
            np.sin(d0) * np.cos(dec) - np.cos(d0) * np.sin(dec) * np.cos(a0 - ra),
        )
    )
    km = distance.to_value(u.km)
    radians_to_arcsec = 180.0 * 3600.0 / np.pi
    b = np.radians(centric)
    polar = 2.0 * np.hypot(POLAR_RADIUS_KM * np.cos(b), EQUATORIAL_RADIUS_KM * np.sin(b)) / km
    return Ephemeris(
        angular_diameter_arcsec=float(2.0 * EQUATORIAL_RADIUS_KM / km * radians_to_arcsec),
        polar_diameter_arcsec=float(polar * radians_to_arcsec),
        distance_au=float(distance.to_value(u.au)),
        sub_observer_latitude_centric_deg=float(centric),
        sub_observer_latitude_graphic_deg=float(graphic),
        central_meridian_deg=float(cml),
        north_pole_angle_deg=float(np.mod(pa, 360.0)),
        time=t.utc.isot,
        site=site_name or ("geocentre" if location is None else "custom"),
        source=BUILT_IN if jpl is None else jpl.name,
    )


def _apparent_jupiter(t: Time, location: EarthLocation | None, jpl: Path | None):
    """Jupiter's apparent place (GCRS) from the built-in ephemeris or a JPL kernel."""
    from astropy.coordinates import get_body, solar_system_ephemeris

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ErfaWarning)
        if jpl is None:
            with solar_system_ephemeris.set("builtin"):
                return get_body("jupiter", t, location)
        try:
            with solar_system_ephemeris.set(str(jpl)):
                return get_body("jupiter", t, location)
        except KeyError:  # no segment for a body it needs
            raise InputError(
                f"the JPL ephemeris {jpl.name} lacks Jupiter, the Earth or the Sun: give a planetary "
                f"kernel (such as de440s.bsp) with {option('ephemeris')}"
            ) from None
        except ValueError as err:
            from jplephem.exceptions import OutOfRangeError

            if isinstance(err, OutOfRangeError):
                raise InputError(f"the JPL ephemeris {jpl.name} does not cover {t.utc.isot}") from None
            raise FileFormatError(
                f"cannot use the JPL ephemeris {jpl.name}: jplephem cannot read it (a damaged file, or "
                "segments of a kind it does not know)"
            ) from None
