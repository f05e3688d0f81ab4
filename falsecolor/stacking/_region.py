"""The frames as a source, and where their sharpness is measured: around the disc, following the
planet as it drifts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from scipy import ndimage

from .._messages import option
from ..bands import FrameSource, open_frames
from ..exceptions import InputError
from ._calibration import Calibration

__all__ = ["first_frame", "frame_source", "quality_region", "tracked_region"]

Region = tuple[slice, slice]
#: The smallest frame side that can be measured and registered.
MIN_FRAME = 8


def frame_source(frames, channel: str) -> FrameSource:
    """The frames as a source, read as ``channel``; refused when too small to stack."""
    if isinstance(frames, FrameSource):
        source = frames
        if source.channel != channel:
            raise InputError(
                f"the frames were opened as {source.channel}: open them with channel={channel!r}"
            )
    elif isinstance(frames, np.ndarray):
        source = FrameSource.from_array(frames, channel=channel)
    else:
        source = open_frames(frames if isinstance(frames, str | Path) else list(frames), channel=channel)
    ny, nx = source.shape
    if min(ny, nx) < MIN_FRAME:
        raise InputError(
            f"the frames are {nx} x {ny} pixels: too small to stack (at least {MIN_FRAME} x {MIN_FRAME})"
        )
    return source


def quality_region(options, source: FrameSource, first: np.ndarray | None) -> Region:
    """``--region``, the alignment boxes' tiling, or the bounding box of the disc in the first frame."""
    ny, nx = source.shape
    if options.region is not None:
        x0, x1, y0, y1 = options.region
        if not (0 <= x0 < x1 <= nx and 0 <= y0 < y1 <= ny and x1 - x0 >= 8 and y1 - y0 >= 8):
            raise InputError(
                f"{option('region', f'{x0}:{x1},{y0}:{y1}')} is not inside the {nx} x {ny} frames "
                "(or under 8 pixels)"
            )
        return slice(y0, y1), slice(x0, x1)
    if options.align == "local":  # the alignment boxes' tiling, so box sharpness matches the boxes
        b = options.box
        nby, nbx = max(1, ny // b), max(1, nx // b)
        oy, ox = (ny - nby * b) // 2, (nx - nbx * b) // 2
        return slice(oy, oy + min(ny, nby * b)), slice(ox, ox + min(nx, nbx * b))
    if first is None:
        return slice(0, ny), slice(0, nx)
    smooth = ndimage.uniform_filter(np.nan_to_num(first), 5)
    top = np.percentile(smooth, 99.5)
    on = smooth > 0.2 * top if top > 0 else np.ones_like(smooth, bool)
    if not on.any():
        return slice(0, ny), slice(0, nx)
    rows, cols = np.flatnonzero(on.any(axis=1)), np.flatnonzero(on.any(axis=0))
    margin = max(8, int(0.05 * max(ny, nx)))
    y0, y1 = max(0, rows[0] - margin), min(ny, rows[-1] + 1 + margin)
    x0, x1 = max(0, cols[0] - margin), min(nx, cols[-1] + 1 + margin)
    if y1 - y0 < 16 or x1 - x0 < 16:
        return slice(0, ny), slice(0, nx)
    return slice(y0, y1), slice(x0, x1)


def tracked_region(
    region: Region, anchor: tuple[float, float] | None, position: tuple[float, float], shape: tuple[int, int]
) -> Region:
    """``region`` (found around the planet at ``anchor``) moved to follow the planet to ``position``.

    The region keeps its size and stays inside the frame; without both positions it does not move.
    """
    if anchor is None or not all(math.isfinite(v) for v in (*anchor, *position)):
        return region
    moved = []
    for axis, (part, n) in enumerate(zip(region, shape, strict=True)):
        size = part.stop - part.start
        start = min(max(0, part.start + round(position[axis] - anchor[axis])), n - size)
        moved.append(slice(start, start + size))
    return moved[0], moved[1]


def first_frame(source: FrameSource, calibration: Calibration) -> np.ndarray | None:
    frame = np.empty(source.shape, np.float32)
    for i in range(min(len(source), 50)):
        if source.read(i, frame) is None and np.isfinite(frame).all():
            calibration.apply(frame)
            return frame
    return None
