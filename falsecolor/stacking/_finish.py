"""From the merged accumulators to the stacked image and its coverage map, and the checks around a
stack: alignment boxes that fit, quality weights, and warnings about what was left out."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .._messages import option
from ..bands import FrameSource
from ..exceptions import InputError, warn
from ._tasks import Partial, StackOptions

__all__ = [
    "MIN_FRAMES",
    "finish",
    "fitted_boxes",
    "minimum_coverage",
    "quality_weights",
    "warn_left_out",
    "warn_rejected",
]

#: A stack of fewer frames is warned about: it does not average out noise or seeing.
MIN_FRAMES = 3
#: At most this many frames are named in warnings; the report names them all.
MAX_FRAME_WARNINGS = 10
#: Local alignment needs this many boxes across the frame, each at least MIN_BOX pixels.
MIN_BOXES, MIN_BOX = 3, 16


def finish(total: Partial, options: StackOptions, aligner) -> tuple[np.ndarray, np.ndarray]:
    """The stacked image and the number of stacked frames behind each pixel (its coverage).

    Every pixel takes the frames that covered it; it is NaN where fewer than
    :func:`minimum_coverage` did.
    """
    assert total.coverage is not None
    if total.median is not None:
        image = total.median.result()
    else:
        assert total.sums is not None
        image = total.sums.result()
    local = np.asarray(total.local)
    aligned_locally = int(np.isfinite(local).sum()) if local.size else 0
    if aligner is not None and total.local_sum is not None and aligned_locally:
        # Frames were warped onto the reference, which carries the mean distortion of the few
        # frames it was made from; the mean local shift of all frames is minus that distortion.
        image = _undistort(image, aligner, total.local_sum / aligned_locally)
    stacked = len(total.stacked)
    coverage = total.coverage.count
    need = minimum_coverage(options.field, stacked)
    image = np.where(coverage >= need, image, np.nan)
    if total.drizzle is not None and total.drizzle_coverage is not None:
        coverage = total.drizzle_coverage.count
        image = np.where(coverage >= need, total.drizzle.result(image), np.nan)
    return image.astype(np.float32), coverage


def minimum_coverage(field: str, stacked: int) -> int:
    """How many of the ``stacked`` frames must cover a pixel for it to have a value.

    ``supported``: half of them (rounded up), so no pixel is noisier than about
    1.4 times the best covered (a pixel one frame of ten covers is 3 times as
    noisy, and its noise reads as planet in a render); ``whole``: one;
    ``common``: all.

    Examples
    --------
    >>> [minimum_coverage(field, 10) for field in ("supported", "whole", "common")]
    [5, 1, 10]
    """
    return {"whole": 1, "common": stacked}.get(field, max(1, math.ceil(stacked / 2)))


def _undistort(image: np.ndarray, aligner, mean_shifts: np.ndarray) -> np.ndarray:
    missing = ~np.isfinite(image)
    corrected = aligner.warp(np.where(missing, np.nanmedian(image), image).astype(np.float32), -mean_shifts)
    corrected[missing] = np.nan
    return corrected


def fitted_boxes(options: StackOptions, shape: tuple[int, int]) -> StackOptions:
    """Local alignment's boxes made to fit the frames (at least three across), or a clear refusal."""
    if options.align != "local":
        return options
    side = min(shape)
    if side // options.box >= MIN_BOXES:
        return options
    box = side // MIN_BOXES
    if box < MIN_BOX:
        raise InputError(
            f"the frames are {shape[1]} x {shape[0]} pixels: too small for local alignment (it needs "
            f"{MIN_BOXES} boxes of {MIN_BOX} px across); use {option('align', 'global')}"
        )
    warn(
        f"{option('box', options.box)} gives fewer than {MIN_BOXES} boxes across {side}-pixel frames: "
        f"using {box}-pixel boxes"
    )
    return dataclasses.replace(options, box=box)


def quality_weights(method: str, quality: np.ndarray, reading: np.ndarray) -> np.ndarray:
    weights = np.where(reading, 1.0, 0.0)
    if method == "weighted" and reading.any():
        weights = np.where(reading, quality / np.mean(quality[reading]), 0.0)
    return weights


def warn_rejected(source: FrameSource, reasons: list[str | None]) -> None:
    """One warning per frame skipped in pass 1 (the first few), then how many more."""
    rejected = [(i, r) for i, r in enumerate(reasons) if r is not None]
    for index, reason in rejected[:MAX_FRAME_WARNINGS]:
        warn(f"frame {source.name(index)}: {reason}; skipped", stacklevel=4)
    if len(rejected) > MAX_FRAME_WARNINGS:
        warn(f"{len(rejected) - MAX_FRAME_WARNINGS} more frames were skipped (see the report)", stacklevel=4)


def warn_left_out(source: FrameSource, total: Partial, usable: int) -> None:
    """Warn about selected frames left out as implausibly registered, and about a stack of few frames."""
    left_out = [(i, p) for i, p in zip(total.indices, total.problems, strict=True) if p is not None]
    for index, problem in left_out[:MAX_FRAME_WARNINGS]:
        warn(f"frame {source.name(index)}: {problem}; left out of the stack", stacklevel=4)
    if len(left_out) > MAX_FRAME_WARNINGS:
        warn(f"{len(left_out) - MAX_FRAME_WARNINGS} more frames were left out (see the report)", stacklevel=4)
    stacked = len(total.stacked)
    if not stacked:
        raise InputError(
            f"none of the {len(total.indices)} selected frames could be registered plausibly "
            f"({left_out[0][1]}): check the frames, or stack with {option('align', 'none')}"
        )
    if stacked < MIN_FRAMES:
        why = f"only {usable} usable" if usable < MIN_FRAMES else f"keep more with {option('keep', '100%')}"
        frames = "1 frame" if stacked == 1 else f"{stacked} frames"
        warn(
            f"only {frames} stacked: fewer than {MIN_FRAMES} frames do not average out noise and seeing "
            f"({why})",
            stacklevel=4,
        )
