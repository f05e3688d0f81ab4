"""The argument parser of the command line (no heavy imports here, so --help is instant)."""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

from ..recipe import Corrections, declared
from ._geometry import OBSERVATION, add_ephemeris, add_map
from ._options import Once, add_band_options, add_option, add_render_options
from ._stack_options import add_stack
from ._studio import add_studio

PROG = "falsecolor"


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit status 2) that point to the right --help.

    A negative number in scientific notation (``--north-angle -1.5e-3``) is a value, not an
    option: argparse's own pattern knows only ``-12`` and ``-1.5``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


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
    add_render_options(render)
    run = render.add_argument_group("run")
    run.add_argument(
        "--demo", dest="use_demo", action="store_true", help="the built-in synthetic Jupiter (no files)"
    )
    run.add_argument(
        "--from-image",
        metavar="PNG",
        action=Once,
        help="re-render from the recipe embedded in a falsecolor PNG",
    )
    run.add_argument(
        "--inputs",
        metavar="GLOB",
        action=Once,
        help="time series: run over every directory matching GLOB (quote it), input paths relative to "
        "each, with limits shared by all; outputs get {name} (the directory name) or -NAME",
    )
    run.add_argument("--recipe-out", metavar="TOML", action=Once, help="also write the recipe of this run")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be read and written, check it all, and write nothing",
    )
    run.add_argument(
        "--print-width",
        metavar="LENGTH",
        action=Once,
        help="with --dpi: size the composite for a print width, e.g. 20cm",
    )
    run.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


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
    add_band_options(info, ("single",))
    observation = info.add_argument_group("what the header lacks")
    declarations = {o.name: o for o in declared(Corrections)}
    for name in (*OBSERVATION, "lat_range", "lon_range", "site", "ephemeris"):
        add_option(observation, declarations[name])


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser, and the subcommand parsers by name (for their error messages)."""
    from .._version import __version__

    common = Parser(add_help=False)
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
    add_studio(commands, common)
    palettes = commands.add_parser(
        "palettes",
        parents=[common],
        help="list, check and preview palettes",
        allow_abbrev=False,
        description="List the built-in palettes (or the named ones / palette files), check their "
        "perceptual quality, and write preview swatches.",
    )
    palettes.add_argument("names", nargs="*", metavar="NAME|FILE", help="palettes to show (default: all)")
    palettes.add_argument(
        "--check",
        action="store_true",
        help="quality report: CIEDE2000 steps, lightness order, corners under colour-vision deficiency, "
        "greyscale",
    )
    palettes.add_argument("--preview", metavar="DIR", help="write a swatch PNG per palette into DIR")
    palettes.add_argument("--json", action="store_true", help="machine-readable output")
    filters = commands.add_parser("filters", parents=[common], help="list the built-in filters")
    filters.add_argument("--json", action="store_true", help="machine-readable output")
    return parser, dict(commands.choices)
