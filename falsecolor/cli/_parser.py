"""The argument parser of the command line (no heavy imports here, so --help is instant)."""

from __future__ import annotations

import argparse

from ._geometry import add_ephemeris, add_map
from ._stack_options import add_stack
from ._types import limb_choice, number

PROG = "falsecolor"


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit status 2) that point to the right --help."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _add_band_options(parser: argparse.ArgumentParser, role: str) -> None:
    """--filter/--wavelength/--unit/--scale (or --t-*) for the temperature band, --cloud-* for the cloud."""
    cloud = role == "cloud"

    def names(option):
        return [f"--cloud-{option}"] if cloud else [f"--{option}", f"--t-{option}"]

    title = (
        "cloud band (~5 µm; overrides its FITS header)"
        if cloud
        else "temperature band (overrides its FITS header; --t-filter etc. are the same options)"
    )
    group = parser.add_argument_group(title)
    wave, filt = ("4.8um", "M-BAND") if cloud else ("13um", "NEII_2")
    group.add_argument(
        *names("filter"),
        dest=f"{role}_filter",
        metavar="NAME",
        help=f"filter name, e.g. {filt} (see 'falsecolor filters'), or a curve file "
        "(.csv, .dat, .fil; FILE.fil:NAME picks one of several)",
    )
    group.add_argument(
        *names("wavelength"),
        dest=f"{role}_wavelength",
        metavar="W",
        help=f"wavelength, wavenumber or frequency, e.g. {wave} or '769 cm-1' (monochromatic)",
    )
    group.add_argument(
        *names("unit"),
        dest=f"{role}_unit",
        metavar="UNIT",
        help="data unit, e.g. 'W m-2 sr-1 um-1', 'erg s-1 cm-2 sr-1 (cm-1)-1', MJy/sr, K, counts",
    )
    group.add_argument(
        *names("scale"),
        dest=f"{role}_scale",
        metavar="Q",
        help="radiance per count for data in counts, e.g. '1.2e-5 W m-2 sr-1 um-1'",
    )
    if cloud:
        group.add_argument("--cloud-hdu", metavar="N", help="HDU of the cloud file (default: --hdu)")
        group.add_argument(
            "--cloud-plane", metavar="N", type=int, help="plane of a 3-D cloud file (default: --plane)"
        )


def _add_render(commands, common) -> None:
    render = commands.add_parser(
        "render",
        parents=[common],
        help="band images -> false-colour PNG",
        allow_abbrev=False,
        description="Render a false-colour composite: a thermal band (brightness temperature)\n"
        "and a ~5 µm band (cloud opacity) through a two-axis palette, with a colour key.\n"
        "Every choice can come from a recipe (TOML); options given here change it.",
        epilog="examples:\n"
        "  falsecolor render --demo -o jupiter.png\n"
        "  falsecolor render --temperature T13.fits --cloud M5.fits -o out.png -o master.tif\n"
        "  falsecolor render -t T13.fits --opacity tau.fits --t-limits 120 135 -o out.png\n"
        "  falsecolor render recipe.toml                    # outputs named in the recipe\n"
        "  falsecolor render recipe.toml --inputs 'epoch*/' -o 'out/{name}.png' --strip strip.png\n"
        "  falsecolor render --from-image old.png -o again.png",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    render.add_argument(
        "recipe", nargs="?", metavar="RECIPE.toml", help="a recipe holding every choice (see README)"
    )
    _add_inputs(render)
    _add_band_options(render, "temperature")
    _add_band_options(render, "cloud")
    _add_axes(render)
    _add_geometry(render)
    _add_picture(render)
    _add_output(render)


def _add_inputs(render: argparse.ArgumentParser) -> None:
    source = render.add_argument_group("inputs")
    source.add_argument(
        "--temperature", "-t", metavar="FITS", help="thermal band (e.g. 13 µm): counts, radiance or K"
    )
    source.add_argument("--cloud", "-c", metavar="FITS", help="~5 µm band: counts, radiance or K")
    source.add_argument("--opacity", metavar="FITS", help="a ready cloud-opacity map instead of --cloud")
    source.add_argument(
        "--aerosol", metavar="FITS",
        help="no 5 µm image: an aerosol-sensitive thermal band (8.6 µm) instead of --cloud; the cloud axis "
        "is then the aerosol index dT_clear - (T_aerosol - T) in K (--cloud-* options describe it)",
    )  # fmt: skip
    source.add_argument("--demo", action="store_true", help="the built-in synthetic Jupiter (no files)")
    source.add_argument(
        "--demo-size", type=int, metavar="PX", help="side of the synthetic image (default 720)"
    )
    source.add_argument(
        "--from-image", metavar="PNG", help="re-render from the recipe embedded in a falsecolor PNG"
    )
    source.add_argument(
        "--inputs", metavar="GLOB",
        help="time series: run over every directory matching GLOB (quote it), input paths relative to "
        "each, with limits shared by all; outputs get {name} (the directory name) or -NAME",
    )  # fmt: skip
    source.add_argument(
        "--hdu", metavar="N", help="HDU index or EXTNAME of every input (default: first image)"
    )
    source.add_argument("--plane", metavar="N", type=int, help="plane of every 3-D input")
    source.add_argument(
        "--byteswap",
        action="store_true",
        help="read integer data whose bytes are swapped (non-standard FITS)",
    )


def _add_axes(render: argparse.ArgumentParser) -> None:
    axes = render.add_argument_group("colour axes")
    axes.add_argument(
        "--palette", "-p", metavar="NAME|FILE",
        help="palette name (see 'falsecolor palettes'), TOML file or PNG table (default visir)",
    )  # fmt: skip
    axes.add_argument(
        "--t-limits", nargs=2, type=number, metavar=("COLD", "WARM"),
        help="temperatures (K) at the cold and warm edges (default: on-disc percentiles)",
    )  # fmt: skip
    axes.add_argument(
        "--tau-limits", nargs=2, type=number, metavar=("CLEAR", "CLOUDY"),
        help="cloud opacities at the clear and cloudy edges (default: on-disc percentiles)",
    )  # fmt: skip
    for axis in ("t", "tau"):
        axes.add_argument(
            f"--{axis}-percentiles", nargs=2, type=number, metavar=("LO", "HI"),
            help=f"on-disc percentiles for the {'temperature' if axis == 't' else 'cloud'} axis "
            "when no limits are given (default 2 98)",
        )  # fmt: skip
    axes.add_argument(
        "--clear-sky", metavar="VALUE",
        help="clear-sky 5 µm reference: a temperature (250K), a radiance with its unit, or a number "
        "in the band's unit (default: a high on-disc percentile, the hot spots)",
    )  # fmt: skip
    axes.add_argument(
        "--clear-percentile", type=number, metavar="P",
        help="percentile of the on-disc 5 µm radiance taken as clear sky (default 99.5)",
    )  # fmt: skip
    axes.add_argument(
        "--uncertainty", metavar="5%|sky|FITS",
        help="radiance uncertainty, propagated to T and tau and written as UNCERT extensions with "
        "--fits-out: a fraction (5%% or 0.05), sky (noise of the pixels below 0.1 of the mean flux) "
        "or a sigma map of the temperature band",
    )  # fmt: skip
    axes.add_argument(
        "--cloud-uncertainty", metavar="5%|sky|FITS",
        help="the same for the cloud band (default: as --uncertainty, unless that is a map)",
    )  # fmt: skip


def _add_geometry(render: argparse.ArgumentParser) -> None:
    group = render.add_argument_group(
        "geometry and corrections (the disc comes from FC_* cards or a limb fit, seeded by the ephemeris "
        "at DATE-OBS when the pixel scale is known)"
    )
    group.add_argument(
        "--limb-correct", nargs="?", const="auto", type=limb_choice, dest="limb_correction", metavar="B|fit",
        help="limb correction I0 = I/mu^b of the temperature band: the filter's exponent (no value: auto), "
        "'fit' (from the image), or b; the cloud band's exponent is then fitted",
    )  # fmt: skip
    group.add_argument(
        "--cloud-limb-correct", type=limb_choice, dest="cloud_limb_correction", metavar="B|fit|none",
        help="limb correction of the cloud band (default: fit when --limb-correct is given)",
    )  # fmt: skip
    group.add_argument(
        "--mu-min", type=number, metavar="MU",
        help="mask the limb-corrected disc where mu = cos(emission angle) <= MU (default 0.2)",
    )  # fmt: skip
    group.add_argument(
        "--limb-fade", action="store_true", default=None, help="fade to transparent over mu = MU..MU+0.1"
    )
    group.add_argument(
        "--profile", metavar="TABLE",
        help="scale the temperature band to a zonal-mean profile table (latitude, then T in K per filter)",
    )  # fmt: skip
    group.add_argument("--profile-column", metavar="NAME", help="the table's column (default: the filter)")
    group.add_argument(
        "--orientation", choices=("north", "sky"),
        help="north: turn the planet north up when the sky geometry is known (default); sky: keep the "
        "detector frame",
    )  # fmt: skip
    group.add_argument(
        "--site", metavar="NAME", help="observatory for the ephemeris: paranal, 'mauna kea' or geocentre"
    )
    group.add_argument(
        "--subtract-sky", action="store_true", default=None,
        help="subtract each raw band's sky or bias level (measured off the disc) before anything else",
    )  # fmt: skip
    group.add_argument(
        "--coalign", action="store_true", default=None,
        help="shift the cloud band so its disc (limb fit) sits on the temperature band's: for bands "
        "stacked or reduced separately",
    )  # fmt: skip
    group.add_argument(
        "--project", choices=("none", "map", "disc"),
        help="map: render disc images as a cylindrical map; disc: render maps as a disc seen at --view-time",
    )  # fmt: skip
    group.add_argument("--map-resolution", type=number, metavar="DEG", help="degrees per map pixel (1)")
    group.add_argument("--view-time", metavar="UTC", help="time of the disc view of a map (its CML and B)")
    group.add_argument(
        "--lat-range", nargs=2, type=number, metavar=("FIRST", "LAST"),
        help="latitudes of a map's first and last rows when its header does not say, e.g. -90 90",
    )  # fmt: skip
    group.add_argument(
        "--lon-range", nargs=2, type=number, metavar=("FIRST", "LAST"),
        help="System III west longitudes of a map's first and last columns, e.g. 360 0",
    )  # fmt: skip


def _add_picture(render: argparse.ArgumentParser) -> None:
    picture = render.add_argument_group("picture")
    picture.add_argument(
        "--key", action=argparse.BooleanOptionalAction, default=None,
        help="draw the colour key labelled in K and τ (default on)",
    )  # fmt: skip
    picture.add_argument("--key-position", choices=("right", "left", "bottom"), help="where the key goes")
    picture.add_argument(
        "--key-size", type=number, metavar="F", help="key square as a fraction of the image height (0.34)"
    )
    picture.add_argument("--title", help="title above the image")
    picture.add_argument("--credit", help="credit line below the image, e.g. 'ESO/L. N. Fletcher'")
    picture.add_argument(
        "--caption", metavar="TEXT", help="a line under the image; 'auto' gives date, instrument and bands"
    )
    picture.add_argument(
        "--background", metavar="COLOUR",
        help="page and off-disc colour, e.g. black (default: the palette's, else transparent)",
    )  # fmt: skip
    picture.add_argument(
        "--scale-bar", action="store_true", default=None,
        help="draw a scale bar in km (needs the pixel scale: from the file or --km-per-pixel)",
    )  # fmt: skip
    picture.add_argument(
        "--north-arrow", action="store_true", default=None,
        help="draw an arrow to the planet's north (from the file or --north-angle)",
    )  # fmt: skip
    picture.add_argument(
        "--km-per-pixel", type=number, metavar="KM", help="size of a data pixel at the planet"
    )
    picture.add_argument(
        "--north-angle", type=number, metavar="DEG", help="position angle of north, from up towards the left"
    )
    picture.add_argument("--t-label", metavar="TEXT", help="title of the key's temperature axis")
    picture.add_argument("--cloud-label", metavar="TEXT", help="title of the key's cloud axis")
    picture.add_argument(
        "--sheet", action="store_true", default=None, help="show each input band in grey beside the composite"
    )
    picture.add_argument(
        "--size", type=int, metavar="PX",
        help="resample the composite so its longer side is PX pixels (default: as the data)",
    )  # fmt: skip


def _add_output(render: argparse.ArgumentParser) -> None:
    output = render.add_argument_group("output")
    output.add_argument(
        "--output", "-o", action="append", metavar="FILE",
        help="file to write; repeat for several: .png (8-bit, with metadata and recipe), .tif "
        "(16-bit master), .jpg (web); default: the recipe's [output] files",
    )  # fmt: skip
    output.add_argument(
        "--fits-out", metavar="PREFIX", help="also write PREFIX_temperature.fits and PREFIX_opacity.fits"
    )
    output.add_argument("--strip", metavar="PNG", help="with --inputs: every epoch side by side, one key")
    output.add_argument("--recipe-out", metavar="TOML", help="also write the recipe of this run")
    output.add_argument("--dpi", type=number, metavar="DPI", help="resolution recorded in the files")
    output.add_argument(
        "--print-width", metavar="LENGTH", help="with --dpi: size the composite for a print width, e.g. 20cm"
    )
    output.add_argument(
        "--compress-level", type=int, default=None, choices=range(10), metavar="0-9",
        help="PNG zlib level (default 4: within 10%% of level 6 in size, twice as fast)",
    )  # fmt: skip
    output.add_argument(
        "--jpeg-quality", type=int, choices=range(1, 101), metavar="1-100", help="JPEG quality (default 92)"
    )
    output.add_argument(
        "--timestamp", action="store_true", default=None,
        help="record the creation time (breaks byte-identical repeats unless SOURCE_DATE_EPOCH is set)",
    )  # fmt: skip
    output.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


def _add_info(commands, common) -> None:
    info = commands.add_parser(
        "info",
        parents=[common],
        help="what falsecolor reads from FITS files",
        allow_abbrev=False,
        description="Show what falsecolor reads from each file: shape, unit, filter/wavelength, "
        "date and on-disc fraction, and anything odd about the file.",
    )
    info.add_argument("files", nargs="+", metavar="FILE")
    info.add_argument(
        "--json", action="store_true", help="machine-readable output (a list for several files)"
    )
    info.add_argument("--hdu", metavar="N", help="HDU index or EXTNAME to read (default: first image)")
    info.add_argument("--plane", type=int, metavar="N", help="plane of a 3-D cube (default 0)")
    info.add_argument("--unit", metavar="UNIT", help="override BUNIT")
    info.add_argument("--wavelength", metavar="W", help="override WAVELNTH, e.g. 13um")
    info.add_argument("--filter", metavar="NAME", help="override FILTER")
    info.add_argument("--byteswap", action="store_true", help="read integer data byte-swapped")


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser, and the subcommand parsers by name (for their error messages)."""
    from .. import __version__

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of errors"
    )
    parser = Parser(
        prog=PROG,
        allow_abbrev=False,
        description="False-colour composites of thermal-infrared planetary images: brightness "
        "temperature on one axis, cloud opacity on the other, through a two-axis palette.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    _add_render(commands, common)
    add_stack(commands, common)
    _add_info(commands, common)
    add_ephemeris(commands, common)
    add_map(commands, common)
    palettes = commands.add_parser(
        "palettes", parents=[common], help="list, check and preview palettes", allow_abbrev=False,
        description="List the built-in palettes (or the named ones / palette files), check their "
        "perceptual quality, and write preview swatches.",
    )  # fmt: skip
    palettes.add_argument("names", nargs="*", metavar="NAME|FILE", help="palettes to show (default: all)")
    palettes.add_argument(
        "--check", action="store_true",
        help="quality report: CIEDE2000 steps, lightness order, corners under colour-vision deficiency, "
        "greyscale",
    )  # fmt: skip
    palettes.add_argument("--preview", metavar="DIR", help="write a swatch PNG per palette into DIR")
    palettes.add_argument("--json", action="store_true", help="machine-readable output")
    filters = commands.add_parser("filters", parents=[common], help="list the built-in filters")
    filters.add_argument("--json", action="store_true", help="machine-readable output")
    return parser, dict(commands.choices)
