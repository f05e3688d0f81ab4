"""The options of ``falsecolor stack`` (no heavy imports here, so --help is instant)."""

from __future__ import annotations

import argparse
import re

from ._types import number

__all__ = ["add_stack"]


def _keep(text: str) -> str:
    """--keep: a percentage (10%) or a number of frames (200)."""
    if not re.fullmatch(r"\s*(\d+(\.\d*)?|\.\d+)\s*%\s*|\s*\d+\s*", text):
        raise argparse.ArgumentTypeError(f"{text!r}: give a percentage (10%) or a number of frames (200)")
    return text.strip()


def _region(text: str) -> tuple[int, int, int, int]:
    """--region X0:X1,Y0:Y1 in pixels."""
    match = re.fullmatch(r"\s*(\d+):(\d+)\s*,\s*(\d+):(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: give X0:X1,Y0:Y1 in pixels, e.g. 100:400,80:380")
    x0, x1, y0, y1 = (int(g) for g in match.groups())
    return x0, x1, y0, y1


def _bayer(text: str) -> str:
    """--bayer auto|none|RGGB|GRBG|GBRG|BGGR (any case)."""
    word = text.strip()
    if word.upper() not in ("AUTO", "NONE", "RGGB", "GRBG", "GBRG", "BGGR"):
        raise argparse.ArgumentTypeError(f"{text!r}: choose auto, none, RGGB, GRBG, GBRG or BGGR")
    return word.lower() if word.upper() in ("AUTO", "NONE") else word.upper()


def add_stack(commands, common) -> None:
    stack = commands.add_parser(
        "stack",
        parents=[common],
        help="lucky imaging: stack the sharpest of many short frames into one band image",
        allow_abbrev=False,
        description="Measure the sharpness of every frame, keep the best, register them with "
        "sub-pixel accuracy against a reference built from the sharpest, and combine them into one "
        "FITS band image that 'falsecolor render' reads. Frames are streamed (two passes), so memory "
        "does not grow with their number.",
        epilog="examples:\n  falsecolor stack video.ser -o m_band.fits --keep 10% --report report.json\n"
        "  falsecolor stack 'night1/*.fits' -o n.fits --align local --method clipped\n"
        "  falsecolor stack cube.fits -o n.fits --scheduler tcp://10.0.0.5:8786\n"
        "  falsecolor stack chopped.fits -o n.fits --chop pairs\n"
        "  falsecolor stack capture.avi -o m.fits --channel red      # a video (extra: video)\n"
        "  falsecolor stack colour.ser -o m.fits --bayer auto        # a colour sensor (extra: bayer)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stack.add_argument(
        "frames",
        nargs="+",
        metavar="FRAMES",
        help="FITS cubes/images, SER videos, AVI/MOV/MP4/MKV videos (extra: video), PNG/TIFF frames, "
        "directories or glob patterns",
    )
    stack.add_argument("-o", "--output", required=True, metavar="BAND.fits", help="the stacked band (FITS)")
    stack.add_argument(
        "--keep",
        type=_keep,
        default=None,
        metavar="N|P%",
        help="how many of the usable frames to keep: a percentage or a count "
        "(default 10%%, but at least 10 frames, all of a shorter sequence)",
    )
    stack.add_argument(
        "--report",
        metavar="REPORT.json",
        help="per-frame quality, shift and kept flag as JSON, with a quality plot beside it (REPORT.png)",
    )
    stack.add_argument(
        "--plot", metavar="PLOT.png", help="write the quality plot here (default: beside --report)"
    )
    stack.add_argument(
        "--preview",
        metavar="LOOK.png",
        help="a quick look of the stack (grey, or colour with --channel rgb; linear from the sky, "
        "0.5 %% of its values, to its maximum)",
    )
    group = stack.add_argument_group("steps")
    group.add_argument(
        "--method",
        choices=("weighted", "mean", "median", "clipped"),
        default="weighted",
        help="combination: quality-weighted mean (default), mean, median, sigma-clipped mean",
    )
    group.add_argument(
        "--align",
        choices=("global", "local", "none"),
        default="global",
        help="registration: one sub-pixel shift per frame (default), plus a local warp "
        "from alignment boxes, or none",
    )
    group.add_argument(
        "--box", type=int, default=64, metavar="PX", help="alignment box size for --align local (default 64)"
    )
    group.add_argument(
        "--local-selection",
        action="store_true",
        help="with --align local: keep the best frames per alignment box",
    )
    group.add_argument(
        "--metric",
        choices=("gradient", "laplacian"),
        default="gradient",
        help="sharpness measure (normalised, after a pre-blur; default gradient)",
    )
    group.add_argument(
        "--region",
        type=_region,
        metavar="X0:X1,Y0:Y1",
        help="measure sharpness here (default: around the disc)",
    )
    group.add_argument(
        "--drizzle",
        type=float,
        choices=(1.0, 1.5, 2.0),
        default=1.0,
        metavar="{1,1.5,2}",
        help="output grid this many times finer (default 1: off)",
    )
    group.add_argument(
        "--field",
        choices=("supported", "whole", "common"),
        default="supported",
        help="which pixels get a value, each from the stacked frames that cover it (the COVERAGE "
        "extension counts them): supported (default) those at least half the frames cover, whole "
        "every covered pixel (noisier edges), common only those every frame covers",
    )
    group.add_argument(
        "--weights",
        choices=("quality", "snr"),
        default="quality",
        help="frame weights of --method weighted: quality (sharpness, default) or snr (noise-aware: "
        "each frame's brightness against the reference over its squared noise about it; a lower-noise "
        "stack of the same frames)",
    )
    group.add_argument(
        "--clip", type=number, default=3.0, metavar="SIGMA", help="threshold of --method clipped (default 3)"
    )
    group.add_argument(
        "--chop",
        choices=("auto", "none", "pairs"),
        default="auto",
        help="thermal-IR chopping: pairs stacks each A/B frame pair's difference A - B (in nod position "
        "B, B - A), dropping an odd last frame; the negative beam is kept out of the disc and NaN in the "
        "band; none stacks the frames as they are; auto (default) pairs only when the header says "
        "chopped (HIERARCH ESO DET CHOP ST or ESO TEL CHOP ST = T, or CHOPBEAM = 'AB'/'BA'; nod "
        "position from HIERARCH ESO SEQ NODPOS), never guessed from the pixels",
    )
    group.add_argument(
        "--reference-frames",
        type=int,
        default=16,
        metavar="N",
        help="best frames averaged into the registration reference (default 16)",
    )
    group = stack.add_argument_group("calibration")
    group.add_argument(
        "--dark",
        action="append",
        metavar="FILE",
        help="dark frame(s), averaged and subtracted (repeat the option, or give a quoted glob)",
    )
    group.add_argument(
        "--flat",
        action="append",
        metavar="FILE",
        help="flat frame(s), averaged, normalised, divided (repeat the option, or give a quoted glob)",
    )
    group.add_argument(
        "--channel",
        choices=("luminance", "red", "green", "blue", "rgb"),
        default="luminance",
        help="for colour frames, videos and demosaiced mosaics (default luminance: Rec. 709 weights); "
        "rgb selects and registers on luminance and stacks all three colours into a FITS cube of red, "
        "green and blue planes (--method weighted or mean, --align global or none)",
    )
    group.add_argument(
        "--bayer",
        type=_bayer,
        default="auto",
        metavar="PATTERN|none|auto",
        help="colour-sensor mosaics: auto (default) demosaics frames whose header names the pattern "
        "(SER colour ID, FITS BAYERPAT); none stacks the raw mosaic; RGGB, GRBG, GBRG or BGGR "
        "demosaics every single-plane frame with that pattern (its top-left 2x2 pixels as read "
        "out; needs the extra bayer)",
    )
    group = stack.add_argument_group("running")
    group.add_argument("--workers", type=int, metavar="N", help="threads on this machine (default 2)")
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a dask.distributed cluster (needs the dask extra: pip install '.[dask]')",
    )
    group.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
