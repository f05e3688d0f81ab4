"""Command line: ``falsecolor render | info | palettes | filters``.

Thin over :mod:`falsecolor.pipeline`. Errors the user can fix end with one line
on stderr and exit status 2; unexpected failures with exit status 1 (the
traceback only with ``--debug``). Heavy modules are imported only when a
command runs, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from collections.abc import Sequence
from typing import Any

__all__ = ["build_parser", "console_main", "main"]

PROG = "falsecolor"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit status 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _pair(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _add_band_options(parser: argparse.ArgumentParser, prefix: str, role: str) -> None:
    group = parser.add_argument_group(f"{role} band (override its FITS header)")
    group.add_argument(
        f"--{prefix}filter",
        metavar="NAME",
        help=("filter name (see 'falsecolor filters') or a curve file (.csv, .fil, .dat)"),
    )
    group.add_argument(
        f"--{prefix}wavelength",
        metavar="W",
        help=("wavelength, wavenumber or frequency, e.g. 13um, '769 cm-1' (monochromatic)"),
    )
    group.add_argument(
        f"--{prefix}unit",
        metavar="UNIT",
        help=("data unit, e.g. 'W m-2 sr-1 um-1', 'erg s-1 cm-2 sr-1 (cm-1)-1', MJy/sr, K, counts"),
    )
    group.add_argument(
        f"--{prefix}scale",
        metavar="Q",
        help=("radiance per count for data in counts, e.g. '1.2e-5 W m-2 sr-1 um-1'"),
    )
    group.add_argument(f"--{prefix}hdu", metavar="N", help="HDU index or EXTNAME to read")
    group.add_argument(f"--{prefix}plane", metavar="N", type=int, help="plane of a 3-D cube")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all subcommands."""
    from . import __version__

    parser = _Parser(
        prog=PROG,
        allow_abbrev=False,
        description=(
            "False-colour composites of thermal-infrared planetary images: brightness temperature "
            "on one axis, cloud opacity on the other, through a two-axis palette."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    render = commands.add_parser(
        "render",
        help="band images -> false-colour PNG",
        allow_abbrev=False,
        description="Render a false-colour composite: a thermal band (brightness temperature) "
        "and a ~5 µm band (cloud opacity) through a two-axis palette.",
        epilog="examples:\n"
        "  falsecolor render --demo -o jupiter.png\n"
        "  falsecolor render --temperature T13.fits --cloud M5.fits -o out.png\n"
        "  falsecolor render --temperature T13.fits --opacity tau.fits --t-limits 120 135 "
        "-o out.png",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = render.add_argument_group("inputs")
    source.add_argument(
        "--temperature", "-t", metavar="FITS", help="thermal band (e.g. 13 µm): counts, radiance or K"
    )
    source.add_argument("--cloud", "-c", metavar="FITS", help="~5 µm band: counts, radiance or K")
    source.add_argument("--opacity", metavar="FITS", help="ready cloud-opacity map instead of --cloud")
    source.add_argument(
        "--demo", action="store_true", help="use the built-in synthetic Jupiter (no input files)"
    )
    source.add_argument(
        "--demo-size",
        type=int,
        default=720,
        metavar="PX",
        help="side of the synthetic image in pixels (default 720)",
    )
    source.add_argument("--hdu", metavar="N", help="HDU of every input (per band: --t-hdu, --cloud-hdu)")
    source.add_argument("--plane", metavar="N", type=int, help="plane of every 3-D input")
    source.add_argument(
        "--byteswap",
        action="store_true",
        help="read integer data whose bytes are swapped (non-standard FITS)",
    )
    _add_band_options(render, "t-", "temperature")
    _add_band_options(render, "cloud-", "cloud")

    axes = render.add_argument_group("colour axes")
    axes.add_argument(
        "--palette",
        "-p",
        default="visir",
        metavar="NAME|FILE",
        help="palette name (see 'falsecolor palettes') or TOML file (default visir)",
    )
    axes.add_argument(
        "--t-limits",
        nargs=2,
        type=_pair,
        metavar=("COLD", "WARM"),
        help="temperatures (K) at the cold and warm edges (default: percentiles)",
    )
    axes.add_argument(
        "--tau-limits",
        nargs=2,
        type=_pair,
        metavar=("CLEAR", "CLOUDY"),
        help="cloud opacities at the clear and cloudy edges (default: percentiles)",
    )
    axes.add_argument(
        "--t-percentiles",
        nargs=2,
        type=_pair,
        default=(2.0, 98.0),
        metavar=("LO", "HI"),
        help="on-disc percentiles for the temperature axis (default 2 98)",
    )
    axes.add_argument(
        "--tau-percentiles",
        nargs=2,
        type=_pair,
        default=(2.0, 98.0),
        metavar=("LO", "HI"),
        help="on-disc percentiles for the cloud axis (default 2 98)",
    )
    axes.add_argument(
        "--clear-sky",
        metavar="VALUE",
        help=(
            "clear-sky 5 µm reference: a temperature (250K), a radiance with unit, or a number in "
            "the band's unit (default: a high on-disc percentile)"
        ),
    )
    axes.add_argument(
        "--clear-percentile",
        type=_pair,
        default=99.5,
        metavar="P",
        help="percentile of on-disc 5 µm radiance taken as clear sky (default 99.5)",
    )

    output = render.add_argument_group("output")
    output.add_argument("--output", "-o", required=True, metavar="PNG", help="PNG file to write")
    output.add_argument(
        "--key",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="draw the colour key labelled in K and τ (default on)",
    )
    output.add_argument("--title", help="title above the image")
    output.add_argument("--credit", help="credit line below the image, e.g. 'ESO/L. N. Fletcher'")
    output.add_argument(
        "--background",
        metavar="COLOUR",
        help="colour behind off-disc pixels (default transparent), e.g. black",
    )
    output.add_argument(
        "--fits-out", metavar="PREFIX", help="also write PREFIX_temperature.fits and PREFIX_opacity.fits"
    )
    output.add_argument(
        "--compress-level",
        type=int,
        default=None,
        choices=range(10),
        metavar="0-9",
        help="PNG zlib level (default 4: within 10%% of level 6 in size, twice as fast)",
    )
    output.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    render.set_defaults(run=_run_render)

    info = commands.add_parser(
        "info",
        help="what falsecolor reads from FITS files",
        allow_abbrev=False,
        description="Show what falsecolor reads from each file: shape, "
        "unit, filter/wavelength, date, on-disc fraction.",
    )
    info.add_argument("files", nargs="+", metavar="FILE")
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.add_argument("--hdu", metavar="N")
    info.add_argument("--plane", type=int, metavar="N")
    info.add_argument("--unit", metavar="UNIT")
    info.add_argument("--wavelength", metavar="W")
    info.add_argument("--filter", metavar="NAME")
    info.add_argument("--byteswap", action="store_true")
    info.set_defaults(run=_run_info)

    palettes = commands.add_parser("palettes", help="list the built-in palettes", allow_abbrev=False)
    palettes.add_argument("--json", action="store_true", help="machine-readable output")
    palettes.set_defaults(run=_run_palettes)

    filters = commands.add_parser("filters", help="list the built-in filters", allow_abbrev=False)
    filters.add_argument("--json", action="store_true", help="machine-readable output")
    filters.set_defaults(run=_run_filters)
    return parser


# --------------------------------------------------------------------------------------


def _band_options(args: argparse.Namespace, prefix: str) -> dict[str, Any]:
    def pick(name):
        value = getattr(args, f"{prefix}{name}", None)
        return value if value is not None else getattr(args, name, None)

    return {
        "hdu": pick("hdu"),
        "plane": pick("plane"),
        "unit": getattr(args, f"{prefix}unit"),
        "wavelength": getattr(args, f"{prefix}wavelength"),
        "filter": getattr(args, f"{prefix}filter"),
        "scale": getattr(args, f"{prefix}scale"),
        "byteswap": True if args.byteswap else None,
    }


def _quantity_or_number(text: str | None):
    if text is None:
        return None
    from astropy import units as u

    from .exceptions import InputError

    try:
        value = u.Quantity(text)
    except (TypeError, ValueError) as err:
        raise InputError(f"--clear-sky {text!r} is not a number or quantity (e.g. 250K)") from err
    return value.value.item() if value.unit == u.dimensionless_unscaled else value


def _run_render(args: argparse.Namespace) -> int:
    from . import pipeline
    from .exceptions import InputError

    if args.demo == bool(args.temperature):
        raise InputError("give either --demo or --temperature FILE (with --cloud or --opacity)")
    if not args.demo and not (args.cloud or args.opacity):
        raise InputError("give the cloud axis: --cloud FILE (a ~5 µm image) or --opacity FILE")
    if args.cloud and args.opacity:
        raise InputError("give either --cloud or --opacity, not both")
    inputs = [p for p in (args.temperature, args.cloud, args.opacity) if p]
    pipeline.check_outputs(args.output, fits_prefix=args.fits_out, inputs=inputs)
    options = dict(
        palette=args.palette,
        t_limits=args.t_limits,
        tau_limits=args.tau_limits,
        t_percentiles=tuple(args.t_percentiles),
        tau_percentiles=tuple(args.tau_percentiles),
        clear_sky=_quantity_or_number(args.clear_sky),
        clear_percentile=args.clear_percentile,
    )
    if args.demo:
        composite = pipeline.render_demo(args.demo_size, **options)
    else:
        composite = pipeline.render(
            args.temperature,
            args.cloud,
            opacity=args.opacity,
            temperature_options=_band_options(args, "t_"),
            cloud_options=_band_options(args, "cloud_"),
            **options,
        )
    written = composite.save(
        args.output,
        key=args.key,
        title=args.title,
        credit=args.credit,
        background=args.background,
        fits_prefix=args.fits_out,
        compress_level=args.compress_level,
    )
    if not args.quiet:
        t, tau = composite.t_limits, composite.tau_limits
        print(
            f"wrote {', '.join(str(p) for p in written)}: T {t.low:.2f}-{t.high:.2f} K, "
            f"tau {tau.low:.2f}-{tau.high:.2f} ({t.source}), palette {composite.palette.name}"
        )
    return 0


def _run_info(args: argparse.Namespace) -> int:
    from .exceptions import FalsecolorError
    from .pipeline import describe

    options = {
        "hdu": args.hdu,
        "plane": args.plane,
        "unit": args.unit,
        "wavelength": args.wavelength,
        "filter": args.filter,
        "byteswap": True if args.byteswap else None,
    }
    reports, status = [], 0
    for path in args.files:
        try:
            reports.append(describe(path, **options))
        except FalsecolorError as err:
            status = 2
            if len(args.files) == 1:
                raise
            reports.append({"path": path, "error": str(err)})
            print(f"{PROG}: error: {err}", file=sys.stderr)
    if args.json:
        print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    else:
        for report in reports:
            if "error" not in report:
                print(_format_info(report))
    return status


def _format_info(report: dict[str, Any]) -> str:
    shape = " x ".join(str(n) for n in reversed(report["shape"]))
    wavelength = f"{report['wavelength_um']:.4g} µm" if report["wavelength_um"] else "unknown"
    if report["filter"]:
        known = "" if report["filter_known"] else " (not built in)"
        filt = f"{report['filter']}{known}"
    else:
        filt = "none"
    lines = [
        f"{report['path']}  [HDU {report['hdu']}]",
        f"  shape        {shape} pixels (nx x ny), {report['dtype']}",
        f"  unit         {report['unit']}  ({report['unit_source']}) -> {report['kind']}",
        f"  filter       {filt}",
        f"  wavelength   {wavelength}",
        f"  date         {report['date_obs'] or 'unknown'}",
        f"  finite       {100 * report['finite_fraction']:.1f} % of pixels",
        f"  on disc      {100 * report['on_disc_fraction']:.1f} % of pixels",
    ]
    if report["min"] is not None:
        lines.append(f"  values       {report['min']:.6g} .. {report['max']:.6g}")
    lines += [f"  note         {note}" for note in report["notes"]]
    return "\n".join(lines)


def _run_palettes(args: argparse.Namespace) -> int:
    from .pipeline import palette_catalogue

    rows = palette_catalogue()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['name']:14s} {row['description']}")
    return 0


def _run_filters(args: argparse.Namespace) -> int:
    from .pipeline import filter_catalogue

    rows = filter_catalogue()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        low, high = row["half_maximum_um"]
        print(
            f"{row['name']:8s} {row['wavelength_um']:7.3f} µm   {low:.3f}-{high:.3f} µm   "
            f"{row['description']}"
        )
    return 0


# --------------------------------------------------------------------------------------


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from .exceptions import FalsecolorError, FalsecolorWarning

    with warnings.catch_warnings():
        if not args.debug:
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", FalsecolorWarning)
        previous = warnings.showwarning
        warnings.showwarning = _show_warning
        try:
            return args.run(args)
        except FalsecolorError as err:
            if args.debug:
                raise
            print(f"{PROG}: error: {err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except Exception as err:
            if args.debug:
                raise
            print(
                f"{PROG}: internal error: {type(err).__name__}: {err} "
                f"(rerun with --debug for the traceback, and please report it)",
                file=sys.stderr,
            )
            return 1
        finally:
            warnings.showwarning = previous


def console_main() -> None:
    """Entry point of the ``falsecolor`` console script."""
    sys.exit(main())
