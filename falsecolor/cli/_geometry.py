"""``falsecolor ephemeris`` and ``falsecolor map``: Jupiter's geometry and cylindrical maps."""

from __future__ import annotations

import argparse
import json

from ._types import number

__all__ = ["add_ephemeris", "run_ephemeris"]


def add_ephemeris(commands, common) -> None:
    parser = commands.add_parser(
        "ephemeris",
        parents=[common],
        help="Jupiter's apparent geometry at a time",
        allow_abbrev=False,
        description="Jupiter's apparent equatorial diameter, distance, sub-observer latitude "
        "(planetocentric and planetographic), System III central meridian (west longitude) and "
        "north-pole position angle (from celestial north through east), light-time corrected. "
        "astropy's built-in ephemeris and the IAU 2015 rotation model: no downloads.",
        epilog="examples:\n"
        "  falsecolor ephemeris 2018-05-24T02:49:57 --site paranal\n"
        "  falsecolor ephemeris 2016-03-08T12:00 --json\n"
        "  falsecolor ephemeris MJD57455.5 --lon -155.47 --lat 19.83 --height 4168",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("time", metavar="TIME", help="UTC, ISO 8601 (2018-05-24T02:49:57), JD... or MJD...")
    parser.add_argument(
        "--site", metavar="NAME", help="paranal, 'mauna kea' or geocentre (default: the Earth's centre)"
    )
    parser.add_argument("--lon", type=number, metavar="DEG", help="custom site: longitude, east positive")
    parser.add_argument("--lat", type=number, metavar="DEG", help="custom site: geodetic latitude")
    parser.add_argument("--height", type=number, metavar="M", help="custom site: height above the ellipsoid")
    parser.add_argument("--json", action="store_true", help="machine-readable output (the six keys)")


def run_ephemeris(args: argparse.Namespace) -> int:
    from ..pipeline import jupiter_ephemeris

    e = jupiter_ephemeris(args.time, site=args.site, lon=args.lon, lat=args.lat, height=args.height)
    if args.json:
        print(json.dumps(e.as_dict(keys=e.KEYS), indent=2))
        return 0
    print(f"Jupiter at {e.time} UTC from {e.site}")
    print(f"  distance            {e.distance_au:.6f} au")
    diameters = f'{e.angular_diameter_arcsec:.3f}" equatorial, {e.polar_diameter_arcsec:.3f}" polar'
    print(f"  diameter            {diameters}")
    print(
        f"  sub-observer lat.   {e.sub_observer_latitude_centric_deg:+.4f}° planetocentric, "
        f"{e.sub_observer_latitude_graphic_deg:+.4f}° planetographic"
    )
    print(f"  central meridian    {e.central_meridian_deg:.3f}° (System III, west longitude)")
    print(f"  north pole angle    {e.north_pole_angle_deg:.3f}° (from celestial north through east)")
    return 0
