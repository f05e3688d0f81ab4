"""``falsecolor stack``: frames in, one FITS band (and a report) out."""

from __future__ import annotations

import argparse
import glob
import os

from ._render import Progress


def _input_files(patterns: list[str]) -> list[str]:
    """Every existing file the frame arguments name (so no output can replace one)."""
    files = []
    for pattern in patterns:
        if os.path.isdir(pattern):
            files += glob.glob(os.path.join(pattern, "*"))
        elif os.path.exists(pattern):
            files.append(pattern)
        else:
            files += glob.glob(pattern)
    return files


def run_stack(args: argparse.Namespace) -> int:
    from .. import pipeline

    if args.preview is not None and not args.preview.lower().endswith(".png"):
        from ..exceptions import OutputError

        raise OutputError(
            f"--preview {args.preview or 'needs a file name'}: the quick look is a PNG; name it .png"
        )
    inputs = _input_files(args.frames + (args.dark or []) + (args.flat or []))
    report_plot = args.plot or (os.path.splitext(args.report)[0] + ".png" if args.report else None)
    outputs = [p for p in (args.output, args.report, report_plot, args.preview) if p is not None]
    pipeline.check_outputs(outputs, inputs=inputs)
    if not args.output.lower().endswith((".fits", ".fit", ".fts")):
        from ..exceptions import OutputError

        raise OutputError(f"-o {args.output}: the stacked band is written as FITS; name it .fits")
    frames = args.frames  # a Bayer choice other than the headers' is made where the frames are opened
    if args.bayer != "auto":
        frames = pipeline.open_frames(args.frames, channel=args.channel, bayer=args.bayer)
    result = pipeline.stack(
        frames,
        keep=args.keep,
        method=args.method,
        align=args.align,
        metric=args.metric,
        box=args.box,
        local_selection=args.local_selection,
        drizzle=args.drizzle,
        field=args.field,
        clip=args.clip,
        weights=args.weights,
        region=args.region,
        dark=args.dark,
        flat=args.flat,
        channel=args.channel,
        reference_frames=args.reference_frames,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=Progress(args.quiet),
        chop=args.chop,
    )
    written = pipeline.write_stack(
        result, args.output, report=args.report, plot=args.plot, inputs=inputs, preview_to=args.preview
    )
    if not args.quiet:
        s = result.summary
        print(f"wrote {', '.join(str(p) for p in written)}")
        print(
            f"  {s['kept']} of {s['frames']} frames stacked ({s['usable']} usable), {s['method']}, "
            f"{s['align']} alignment, RMS shift {s['shift_rms_px']} px"
        )
        print(
            f"  field {s['field']} (pixels at least {s['min_coverage']} of the {s['kept']} frames cover): "
            f"{100 * s['finite_fraction']:.1f} % of the frame has data (the COVERAGE extension maps it)"
        )
        chop = s.get("chop", {})
        if chop.get("mode") == "pairs":
            print(
                f"  chopped: {chop['pairs']} A/B pairs of {chop['beam_frames']} frames, "
                f"{len(chop['dropped'])} dropped; negative beam NaN: {chop['negative_beam_pixels']} px"
            )
        if result.rgb is not None:
            print("  colour: the FITS holds red, green and blue planes (render one with --plane 0, 1 or 2)")
        if s["left_out"]:
            print(f"  {len(s['left_out'])} selected frames left out: implausible shift (see the warnings)")
        if s["date_obs"]:
            print(f"  mid-time of the kept frames {s['date_obs']}")
    return 0
