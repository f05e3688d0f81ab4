"""The sections of options that shape the picture and its files: axes, look, output."""

from __future__ import annotations

from dataclasses import dataclass

from ._files import FileName, FileNames, PaletteName
from ._kinds import Choice, Flag, Integer, Number, Pair, Text
from ._option import Options, option

__all__ = ["KEY_POSITIONS", "Axes", "Look", "Output"]

KEY_POSITIONS = ("right", "left", "bottom")
#: Stretches of a palette axis between its limits (the astropy.visualization ones of the same names).
STRETCHES = ("linear", "sqrt", "asinh", "log")


@dataclass(frozen=True, kw_only=True)
class Axes(Options):
    """The palette, and the values at the ends of its two axes."""

    TITLE = "colour axes"

    palette: str = option(
        "visir",
        PaletteName(),
        section="axes",
        short="-p",
        metavar="NAME|FILE",
        help="palette name (see 'falsecolor palettes'), TOML file or PNG table",
    )
    t_limits: tuple[float, float] | None = option(
        None,
        Pair(above=0.0),
        section="axes",
        metavar=("COLD", "WARM"),
        unit="K",
        help="temperatures (K) at the cold and warm edges (default: on-disc percentiles)",
    )
    tau_limits: tuple[float, float] | None = option(
        None,
        Pair(0.0),
        section="axes",
        metavar=("CLEAR", "CLOUDY"),
        help="cloud opacities (or aerosol indices, K) at the clear and cloudy edges (default: on-disc "
        "percentiles)",
    )
    t_percentiles: tuple[float, float] = option(
        (2.0, 98.0),
        Pair(0.0, 100.0),
        section="axes",
        metavar=("LO", "HI"),
        help="on-disc percentiles for the temperature axis when no limits are given",
    )
    tau_percentiles: tuple[float, float] = option(
        (2.0, 98.0),
        Pair(0.0, 100.0),
        section="axes",
        metavar=("LO", "HI"),
        help="on-disc percentiles for the cloud axis when no limits are given",
    )
    t_stretch: str = option(
        "linear",
        Choice(STRETCHES),
        section="axes",
        help="how the temperature axis spreads the values between its limits (astropy.visualization "
        "stretches: sqrt and asinh give the low end more colours, log most of all)",
    )
    tau_stretch: str = option(
        "linear",
        Choice(STRETCHES),
        section="axes",
        help="how the cloud axis spreads the values between its limits (as for temperature)",
    )


@dataclass(frozen=True, kw_only=True)
class Look(Options):
    """Everything about the picture that is not data: key, texts, marks, sheet, size."""

    TITLE = "picture"

    title: str | None = option(None, Text(200), section="annotations", help="title above the image")
    credit: str | None = option(
        None, Text(300), section="annotations", help="credit line below the image, e.g. 'ESO/L. N. Fletcher'"
    )
    caption: str | None = option(
        None,
        Text(400),
        section="annotations",
        metavar="TEXT",
        help="a line under the image; 'auto' gives date, instrument and bands",
    )
    key: bool = option(True, Flag(), section="annotations", help="draw the colour key labelled in K and τ")
    key_position: str = option(
        "right", Choice(KEY_POSITIONS), section="annotations", help="where the key goes"
    )
    key_size: float = option(
        0.34,
        Number(0.05, 2.0),
        section="annotations",
        metavar="F",
        help="key square as a fraction of the image height",
    )
    background: str | None = option(
        None,
        Text(60),
        section="annotations",
        metavar="COLOUR",
        help="page and off-disc colour, e.g. black (default: the palette's, else transparent)",
    )
    scale_bar: bool = option(
        False,
        Flag(),
        section="annotations",
        help="draw a scale bar in km (needs the pixel scale: from the file or --km-per-pixel)",
    )
    north_arrow: bool = option(
        False,
        Flag(),
        section="annotations",
        help="draw an arrow to the planet's north (from the file or --north-angle)",
    )
    km_per_pixel: float | None = option(
        None,
        Number(1e-6, 1e9),
        section="annotations",
        metavar="KM",
        unit="km",
        help="size of a data pixel at the planet",
    )
    temperature_label: str | None = option(
        None,
        Text(120),
        section="annotations",
        flag="--t-label",
        metavar="TEXT",
        help="title of the key's temperature axis",
    )
    cloud_label: str | None = option(
        None, Text(120), section="annotations", metavar="TEXT", help="title of the key's cloud axis"
    )
    sheet: bool = option(
        False, Flag(), section="annotations", help="show each input band in grey beside the composite"
    )
    size: int | None = option(
        None,
        Integer(16, 16384),
        section="output",
        metavar="PX",
        unit="px",
        help="resample the composite so its longer side is PX pixels (default: as the data)",
    )


@dataclass(frozen=True, kw_only=True)
class Output(Options):
    """The files a run writes, and how."""

    TITLE = "output"

    files: tuple[str, ...] = option(
        (),
        FileNames(),
        section="output",
        flag="--output",
        short="-o",
        metavar="FILE",
        help="file to write; repeat for several: .png (8-bit, with metadata and recipe), .tif "
        "(16-bit master), .jpg (web); default: the recipe's files, inside its folder",
    )
    fits: str | None = option(
        None,
        FileName(),
        section="output",
        flag="--fits-out",
        metavar="PREFIX",
        help="also write PREFIX_temperature.fits and PREFIX_opacity.fits",
    )
    strip: str | None = option(
        None,
        FileName(),
        section="output",
        metavar="PNG",
        help="with --inputs: every epoch side by side, one key",
    )
    dpi: float | None = option(
        None, Number(1.0, 100000.0), section="output", metavar="DPI", help="resolution recorded in the files"
    )
    compress_level: int = option(
        4,
        Integer(0, 9),
        section="output",
        metavar="0-9",
        help="PNG zlib level (level 4 is within 10% of level 6 in size, and twice as fast)",
    )
    jpeg_quality: int = option(92, Integer(1, 100), section="output", metavar="1-100", help="JPEG quality")
    timestamp: bool = option(
        False,
        Flag(),
        section="output",
        help="record the creation time (breaks byte-identical repeats unless SOURCE_DATE_EPOCH is set)",
    )
