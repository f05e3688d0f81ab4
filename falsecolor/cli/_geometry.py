"""``falsecolor ephemeris`` and ``falsecolor map``: Jupiter's geometry and cylindrical maps."""

from __future__ import annotations

import argparse
import json

from ..recipe import BandInput, Corrections, declared
from ._options import add_band_options, add_option, given
from ._types import number

__all__ = ["add_ephemeris", "add_map", "run_ephemeris", "run_map"]


def add_ephemeris(commands, common) -> None:
    parser = commands.add_parser(
        "ephemeris",
        parents=[common],
        help="Jupiter's apparent geometry at a time",
        allow_abbrev=False,
        description="Jupiter's apparent equatorial diameter, distance, sub-observer latitude "
        "(planetocentric and planetographic), System III central meridian (west longitude) and "
        "north-pole position angle (from celestial north through east), light-time corrected. "
        "astropy's built-in ephemeris (within ~0.011 deg of JPL DE410 in central meridian, 0.006 deg "
        "in pole angle, 0.002 deg in latitude, 4e-4 au) and the IAU 2015 rotation model: no "
        "downloads; --ephemeris takes a local JPL kernel instead.",
        epilog="examples:\n"
        "  falsecolor ephemeris 2018-05-24T02:49:57 --site paranal\n"
        "  falsecolor ephemeris 2016-03-08T12:00 --json\n"
        "  falsecolor ephemeris MJD57455.5 --lon -155.47 --lat 19.83 --height 4168\n"
        "  falsecolor ephemeris 2018-05-24T02:49:57 --ephemeris de440s.bsp",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("time", metavar="TIME", help="UTC, ISO 8601 (2018-05-24T02:49:57), JD... or MJD...")
    parser.add_argument(
        "--site", metavar="NAME", help="paranal, 'mauna kea' or geocentre (default: the Earth's centre)"
    )
    parser.add_argument("--lon", type=number, metavar="DEG", help="custom site: longitude, east positive")
    parser.add_argument("--lat", type=number, metavar="DEG", help="custom site: geodetic latitude")
    parser.add_argument("--height", type=number, metavar="M", help="custom site: height above the ellipsoid")
    add_option(parser, {o.name: o for o in declared(Corrections)}["ephemeris"])
    parser.add_argument(
        "--json", action="store_true", help="machine-readable output (the six keys; and ephemeris with one)"
    )


def run_ephemeris(args: argparse.Namespace) -> int:
    from ..pipeline import jupiter_ephemeris

    kernel = given(args, ["ephemeris"]).get("ephemeris")
    e = jupiter_ephemeris(
        args.time, site=args.site, lon=args.lon, lat=args.lat, height=args.height, ephemeris=kernel
    )
    if args.json:
        keys = e.KEYS if kernel is None else (*e.KEYS, "source")
        report = e.as_dict(keys=keys)
        if kernel is not None:
            report["ephemeris"] = report.pop("source")
        print(json.dumps(report, indent=2))
        return 0
    print(f"Jupiter at {e.time} UTC from {e.site}, {e.source} ephemeris")
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


#: What a user may tell about an observation its header lacks (render, info and map take them).
OBSERVATION = ("target", "date", "pixel_scale", "north_angle", "image_kind")


def add_map(commands, common) -> None:
    parser = commands.add_parser(
        "map",
        parents=[common],
        help="disc image(s) -> cylindrical latitude-longitude map (FITS)",
        allow_abbrev=False,
        description="Reproject disc images onto one cylindrical map: planetographic latitude up, System III "
        "west longitude decreasing to the right (360 at the left edge). The disc comes from FC_* cards "
        "or a limb fit, seeded by the ephemeris at DATE-OBS when the pixel scale is known. Cells seen "
        "at mu <= --mu-min are empty; overlapping images (hemispheres, epochs within a rotation) are "
        "averaged with weight mu. Extensions: MU (best mu per cell) and COUNT (images per cell).",
        epilog="examples:\n"
        "  falsecolor map north.fits south.fits -o map.fits --resolution 0.5\n"
        "  falsecolor map stack13.fits -o map13.fits --site paranal --mu-min 0.3",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="disc images (FITS)")
    parser.add_argument("--output", "-o", required=True, metavar="FITS", help="the map to write")
    options = {o.name: o for o in declared(Corrections)}
    add_option(parser, options["map_resolution"], flags=("--map-resolution", "--resolution"))
    add_option(
        parser,
        options["mu_min"],
        help=f"leave out what mu = cos(emission angle) <= MU sees (default {options['mu_min'].default:g})",
    )
    add_option(parser, options["site"])
    for name in OBSERVATION:
        add_option(parser, options[name])
    add_option(parser, options["ephemeris"])
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    add_band_options(parser, ("single",))


def run_map(args: argparse.Namespace) -> int:
    import numpy as np

    from .. import pipeline
    from ..exceptions import OutputError

    if not args.output.lower().endswith((".fits", ".fit", ".fts")):
        raise OutputError(f"-o {args.output}: the map is written as FITS; name it .fits")
    chosen = Corrections(**given(args, ["mu_min", "map_resolution", "site", "ephemeris", *OBSERVATION]))
    read = BandInput("-", **given(args, [o.name for o in declared(BandInput)[1:]])).read_options()
    pipeline.check_outputs([args.output], inputs=args.images)
    result = pipeline.make_map(
        args.images,
        resolution=chosen.map_resolution,
        mu_min=chosen.mu_min,
        site=chosen.site,
        read_options={k: v for k, v in read.items() if v is not None},
        **{name: getattr(chosen, name) for name in OBSERVATION},
        ephemeris=chosen.ephemeris,
    )
    written = result.write(args.output, inputs=args.images)
    if not args.quiet:
        seen = float(np.isfinite(result.values).mean())
        ny, nx = result.grid.shape
        print(f"wrote {written[0]}: {nx} x {ny} cells, {100 * seen:.1f} % seen")
        for note in result.notes:
            print(f"  {note}")
    return 0
