"""Command line: ``falsecolor render | info | palettes | filters``.

Thin over :mod:`falsecolor.pipeline`. Errors the user can fix end with one line
on stderr and exit status 2; unexpected failures with exit status 1 (the
traceback only with ``--debug``). Heavy modules are imported only when a
command runs, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._parser import PROG, build_parser

__all__ = ["build_parser", "console_main", "main"]


def _band_options(args: argparse.Namespace, role: str) -> dict[str, Any]:
    """read_band keywords for one band; --hdu/--plane/--byteswap apply to every input."""

    def own_or_shared(name):
        value = getattr(args, f"{role}_{name}", None)
        return value if value is not None else getattr(args, name, None)

    return {
        "hdu": own_or_shared("hdu"),
        "plane": own_or_shared("plane"),
        "unit": getattr(args, f"{role}_unit"),
        "wavelength": getattr(args, f"{role}_wavelength"),
        "filter": getattr(args, f"{role}_filter"),
        "scale": getattr(args, f"{role}_scale"),
        "byteswap": True if args.byteswap else None,
    }


_BAND_OPTIONS = ("filter", "wavelength", "unit", "scale")


def _check_render_inputs(args: argparse.Namespace) -> None:
    from ..exceptions import InputError

    if args.demo:
        given = [f"--{o}" for o in ("temperature", "cloud", "opacity") if getattr(args, o)]
        given += [
            f"--{'cloud-' if role == 'cloud' else ''}{o}"
            for role in ("temperature", "cloud")
            for o in _BAND_OPTIONS
            if getattr(args, f"{role}_{o}") is not None
        ]
        if given:
            raise InputError(f"--demo uses the built-in synthetic Jupiter: drop {', '.join(given)}")
        return
    if not args.temperature:
        raise InputError("give --temperature FILE (with --cloud or --opacity), or --demo")
    if not (args.cloud or args.opacity):
        raise InputError("give the cloud axis: --cloud FILE (a ~5 µm image) or --opacity FILE")
    if args.cloud and args.opacity:
        raise InputError("give either --cloud or --opacity, not both")


def _run_render(args: argparse.Namespace) -> int:
    from .. import pipeline
    from ..exceptions import InputError

    _check_render_inputs(args)
    inputs = [p for p in (args.temperature, args.cloud, args.opacity) if p]
    pipeline.check_outputs(args.output, fits_prefix=args.fits_out, inputs=inputs)
    if Path(args.output).suffix.lower() != ".png":
        raise InputError(f"the output {args.output!r} must be a .png file (falsecolor writes PNG)")
    options = dict(
        palette=args.palette,
        t_limits=args.t_limits,
        tau_limits=args.tau_limits,
        t_percentiles=tuple(args.t_percentiles),
        tau_percentiles=tuple(args.tau_percentiles),
        clear_sky=args.clear_sky,
        clear_percentile=args.clear_percentile,
    )
    if args.demo:
        composite = pipeline.render_demo(args.demo_size, **options)
    else:
        composite = pipeline.render(
            args.temperature,
            args.cloud,
            opacity=args.opacity,
            temperature_options=_band_options(args, "temperature"),
            cloud_options=_band_options(args, "cloud"),
            option_style="cli",
            **options,
        )
    written = composite.save(
        args.output,
        key=args.key,
        title=args.title,
        credit=args.credit,
        background=args.background,
        size=args.size,
        fits_prefix=args.fits_out,
        compress_level=args.compress_level,
    )
    if not args.quiet:
        t, tau = composite.t_limits, composite.tau_limits
        print(f"wrote {', '.join(str(p) for p in written)}")
        print(f"  temperature {t.low:.2f} .. {t.high:.2f} K ({t.source})")
        print(f"  cloud opacity {tau.low:.3f} .. {tau.high:.3f} ({tau.source})")
        print(f"  palette {composite.palette.name}")
    return 0


def _run_info(args: argparse.Namespace) -> int:
    from ..exceptions import FalsecolorError
    from ..pipeline import describe

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
            reports.append(describe(path, option_style="cli", **options))
        except FalsecolorError as err:
            status = 2
            if len(args.files) == 1:
                raise
            reports.append({"path": path, "error": str(err)})
            print(f"{PROG}: error: {err}", file=sys.stderr)
    if args.json:
        print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    else:
        print("\n\n".join(_format_info(r) for r in reports if "error" not in r))
    return status


def _format_info(report: dict[str, Any]) -> str:
    shape = " x ".join(str(n) for n in reversed(report["shape"]))
    wavelength = f"{report['wavelength_um']:.4g} µm" if report["wavelength_um"] else "unknown"
    filt = report["filter"] or "none"
    if report["filter"] and not report["filter_known"]:
        filt += " (not built in)"
    lines = [
        f"{report['path']}  [HDU {report['hdu']}]",
        f"  shape        {shape} pixels (nx x ny), {report['dtype']}",
        f"  unit         {report['unit']} -> {report['kind']}  ({report['unit_source']})",
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
    from ..pipeline import palette_catalogue

    rows = palette_catalogue()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        width = max(len(row["name"]) for row in rows) + 2
        for row in rows:
            print(f"{row['name']:{width}s}{row['description']}")
    return 0


def _run_filters(args: argparse.Namespace) -> int:
    from ..pipeline import filter_catalogue

    rows = filter_catalogue()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':8s} {'effective':>10s}  {'top-hat':>15s}   source")
    for row in rows:
        low, high = row["half_maximum_um"]
        span = f"{low:.3f}-{high:.3f}"
        print(f"{row['name']:8s} {row['wavelength_um']:7.3f} µm  {span:>15s} µm  {row['description']}")
    return 0


_COMMANDS = {"render": _run_render, "info": _run_info, "palettes": _run_palettes, "filters": _run_filters}


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, subcommands = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.error("choose a command: render, info, palettes or filters")
    if extra:
        before_command = argv.index(args.command) > argv.index(extra[0]) if extra[0] in argv else False
        (parser if before_command else subcommands[args.command]).error(
            f"unrecognized arguments: {' '.join(extra)}"
        )
    from ..exceptions import FalsecolorError, FalsecolorWarning

    with warnings.catch_warnings():
        if not args.debug:
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", FalsecolorWarning)
        previous = warnings.showwarning
        warnings.showwarning = _show_warning
        try:
            return _COMMANDS[args.command](args)
        except FalsecolorError as err:
            if args.debug:
                traceback.print_exc()
            print(f"{PROG}: error: {err}", file=sys.stderr)
            return 2
        except BrokenPipeError:
            # the reader of our output went away (`falsecolor filters | head -1`): not an error
            _silence_stdout()
            return 0
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except Exception as err:
            if args.debug:
                traceback.print_exc()
            print(
                f"{PROG}: internal error: {type(err).__name__}: {err} "
                "(rerun with --debug for the traceback, and please report it)",
                file=sys.stderr,
            )
            return 1
        finally:
            warnings.showwarning = previous


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file: nothing to silence
        pass


def console_main() -> None:
    """Entry point of the ``falsecolor`` console script."""
    sys.exit(main())
