"""The chunk tasks of ``stack``: measure frames (pass 1), register and accumulate them (pass 2).

Plain functions of picklable arguments, so a thread pool or a dask cluster can run them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.fft
from scipy import ndimage

from .. import lucky
from .._messages import option
from ..bands import FrameSource, open_frames
from ..exceptions import InputError

__all__ = [
    "ALIGNMENTS",
    "Calibration",
    "Context",
    "Partial",
    "StackOptions",
    "accumulate_chunk",
    "build_reference",
    "first_frame",
    "master_frame",
    "measure_chunk",
    "quality_region",
]


ALIGNMENTS = ("global", "local", "none")


@dataclass(frozen=True)
class StackOptions:
    """Every choice of a stack (recorded in the output header and report)."""

    keep: str | float | int = "10%"
    method: str = "weighted"
    align: str = "global"
    metric: str = "gradient"
    box: int = 64
    local_selection: bool = False
    drizzle: float = 1.0
    clip: float = 3.0
    reference_frames: int = 16
    upsample: int = 20
    max_frequency: float = 0.25
    median_memory: int = 256 * 2**20
    region: tuple[int, int, int, int] | None = None  # x0, x1, y0, y1 (FITS orientation, 0-based)
    channel: str = "luminance"
    chunk: int = 64

    def check(self) -> None:
        lucky.parse_keep(self.keep)
        if self.method not in lucky.METHODS:
            raise InputError(f"unknown stacking method {self.method!r}: choose {', '.join(lucky.METHODS)}")
        if self.align not in ALIGNMENTS:
            raise InputError(f"unknown alignment {self.align!r}: choose {', '.join(ALIGNMENTS)}")
        if self.metric not in lucky.METRICS:
            raise InputError(f"unknown sharpness metric {self.metric!r}: choose {', '.join(lucky.METRICS)}")
        if self.drizzle not in (1.0, 1.5, 2.0):
            raise InputError(f"{option('drizzle', self.drizzle)}: choose 1 (off), 1.5 or 2")
        if not 8 <= self.box <= 1024:
            raise InputError(f"{option('box', self.box)}: alignment boxes must be 8 to 1024 pixels")
        if self.local_selection and self.align != "local":
            raise InputError(f"per-region selection needs local alignment: add {option('align', 'local')}")
        if self.clip <= 0:
            raise InputError(f"{option('clip', self.clip)}: the clipping threshold must be positive (sigma)")


# --------------------------------------------------------------------------------------


@dataclass
class Calibration:
    """Dark, flat and bad-pixel repair, applied in place to each frame."""

    dark: np.ndarray | None = None
    flat_inverse: np.ndarray | None = None
    bad: np.ndarray | None = None  # flat indices of bad pixels
    neighbours: np.ndarray | None = None  # (nbad, 4) flat indices
    neighbour_weights: np.ndarray | None = None  # (nbad, 4)

    def apply(self, frame: np.ndarray) -> None:
        if self.dark is not None:
            frame -= self.dark
        if self.flat_inverse is not None:
            frame *= self.flat_inverse

    def repair(self, frame: np.ndarray) -> None:
        if self.bad is None or not len(self.bad):
            return
        flat = frame.reshape(-1)
        flat[self.bad] = np.sum(flat[self.neighbours] * self.neighbour_weights, axis=1)


@dataclass
class Context:
    """What a chunk task needs (pickled once per task on a cluster)."""

    source: FrameSource
    options: StackOptions
    calibration: Calibration
    region: tuple[slice, slice]
    boxes: tuple[int, int] | None = None
    registrar: lucky.Registrar | None = None
    aligner: lucky.LocalAligner | None = None
    pilot: lucky.Pilot | None = None
    median_limit: int = 0


@dataclass
class Measured:
    quality: np.ndarray
    flux: np.ndarray
    reasons: list[str | None]
    boxes: np.ndarray | None


def measure_chunk(ctx: Context, indices: Sequence[int]) -> Measured:
    source, n = ctx.source, len(indices)
    frame = np.empty(source.shape, np.float32)
    rows, cols = ctx.region
    meter = lucky.QualityMeter(
        (rows.stop - rows.start, cols.stop - cols.start), ctx.options.metric, ctx.boxes
    )
    quality, flux = np.zeros(n), np.zeros(n)
    boxes = np.zeros((n, *ctx.boxes)) if ctx.boxes else None
    reasons: list[str | None] = []
    for k, index in enumerate(indices):
        reason = source.read(index, frame)
        if reason is None:
            saturation = source.saturation(index)
            total = float(frame.sum())  # NaN and inf survive the sum: one pass checks every pixel
            if not math.isfinite(total):
                reason = "NaN or infinite values"
            elif saturation is not None and np.count_nonzero(frame >= saturation) > 1e-3 * frame.size:
                reason = "saturated (more than 0.1 % of pixels at the maximum)"
        if reason is None:
            ctx.calibration.apply(frame)
            q, f, per_box = meter(frame[rows, cols])
            if q <= 0 or f <= 0:
                reason = "blank (no signal or constant)"
            else:
                quality[k], flux[k] = q, f
                if boxes is not None:
                    boxes[k] = per_box
        reasons.append(reason)
    return Measured(quality, flux, reasons, boxes)


@dataclass
class Partial:
    indices: list[int]
    shifts: np.ndarray  # (n, 3): dy, dx, correlation
    spectral: lucky.SpectralSum | None = None
    sums: lucky.SumAccumulator | None = None
    median: lucky.HistogramMedian | None = None
    drizzle: lucky.Drizzle | None = None
    local: np.ndarray | None = None  # (n,) RMS local shift
    local_sum: np.ndarray | None = None  # sum of the box-shift grids (the reference's own distortion)

    def merge(self, other: Partial) -> None:
        self.indices += other.indices
        self.shifts = np.concatenate([self.shifts, other.shifts])
        if self.local is not None and other.local is not None:
            assert self.local_sum is not None and other.local_sum is not None
            self.local = np.concatenate([self.local, other.local])
            self.local_sum += other.local_sum
        for name in ("spectral", "sums", "median", "drizzle"):
            mine = getattr(self, name)
            if mine is not None:
                mine.merge(getattr(other, name))


def accumulate_chunk(ctx: Context, work: Sequence[tuple[int, float, np.ndarray | None]]) -> Partial:
    """Register and accumulate ``(index, weight, box_weights)`` frames."""
    source, options, registrar = ctx.source, ctx.options, ctx.registrar
    assert registrar is not None, "the reference is built before pass 2"
    shape = source.shape
    frame = np.empty(shape, np.float32)
    real_space = options.method in ("median", "clipped") or options.align == "local"
    per_pixel = options.local_selection
    partial = Partial([], np.zeros((len(work), 3)))
    if options.method == "median":
        assert ctx.pilot is not None
        partial.median = lucky.HistogramMedian(shape, ctx.pilot, ctx.median_limit)
    elif real_space or per_pixel:
        partial.sums = lucky.SumAccumulator(
            shape, ctx.pilot if options.method == "clipped" else None, options.clip
        )
    else:
        partial.spectral = lucky.SpectralSum(shape)
    if options.drizzle != 1.0:
        partial.drizzle = lucky.Drizzle(shape, options.drizzle)
    if ctx.aligner is not None:
        partial.local = np.zeros(len(work))
        partial.local_sum = np.zeros((*ctx.aligner.grid, 2))
    aligned = np.empty(shape, np.float32) if real_space or per_pixel else None
    for k, (index, weight, box_weights) in enumerate(work):
        if source.read(index, frame) is not None:  # readable in pass 1: the file changed since
            raise InputError(f"frame {source.name(index)} can no longer be read: did the input change?")
        ctx.calibration.apply(frame)
        ctx.calibration.repair(frame)
        spectrum = registrar.spectrum(frame)
        if options.align == "none":
            dy = dx = corr = 0.0
        else:
            dy, dx, corr = registrar.shift(spectrum)
            lucky.shift_spectrum(spectrum, shape, -dy, -dx)
        partial.indices.append(index)
        partial.shifts[k] = dy, dx, corr
        local_y: float | np.ndarray = 0.0
        local_x: float | np.ndarray = 0.0
        if aligned is None:
            assert partial.spectral is not None
            partial.spectral.add(spectrum, weight)
        else:
            aligned[...] = scipy.fft.irfft2(spectrum, s=shape, workers=1)
            if ctx.aligner is not None:
                assert partial.local is not None and partial.local_sum is not None
                box_shifts = ctx.aligner.shifts(aligned)
                partial.local[k] = float(np.sqrt(np.mean(np.sum(box_shifts**2, axis=-1))))
                partial.local_sum += box_shifts
                warped = ctx.aligner.warp(aligned, box_shifts)
                aligned[...] = warped
                if partial.drizzle is not None:
                    local_y = ctx.aligner.field(box_shifts[..., 0])
                    local_x = ctx.aligner.field(box_shifts[..., 1])
            w: float | np.ndarray = weight
            if per_pixel:
                assert ctx.aligner is not None and box_weights is not None
                w = ctx.aligner.pixel_weights(box_weights) * weight
            if partial.median is not None:
                partial.median.add(aligned, index)
            else:
                assert partial.sums is not None
                partial.sums.add(aligned, w)
        if partial.drizzle is not None:
            partial.drizzle.add(frame, dy + local_y, dx + local_x, weight)
    return partial


def _bad_pixels(mean: np.ndarray) -> np.ndarray:
    """Hot and dead pixels: far from their 3x3 median in the unregistered mean of the best frames."""
    median = ndimage.median_filter(mean, 3, mode="nearest")
    difference = mean - median
    noise = 1.4826 * float(np.median(np.abs(difference - np.median(difference))))
    local = np.abs(ndimage.median_filter(mean, 5, mode="nearest"))
    return np.abs(difference) > np.maximum(10 * noise, 0.5 * local) + 1e-12


def _repair_plan(bad: np.ndarray, calibration: Calibration) -> None:
    ny, nx = bad.shape
    ys, xs = np.nonzero(bad)
    neighbours = np.zeros((len(ys), 4), np.intp)
    weights = np.zeros((len(ys), 4), np.float32)
    for j, (oy, ox) in enumerate(((-1, 0), (1, 0), (0, -1), (0, 1))):
        y, x = np.clip(ys + oy, 0, ny - 1), np.clip(xs + ox, 0, nx - 1)
        good = ~bad[y, x]
        neighbours[:, j] = y * nx + x
        weights[:, j] = good
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total > 0, weights / np.maximum(total, 1), 0.25)
    calibration.bad = ys * nx + xs
    calibration.neighbours = neighbours
    calibration.neighbour_weights = weights.astype(np.float32)


def build_reference(ctx: Context, best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference image from the best frames, and those frames aligned to it (for the pilot)."""
    source = ctx.source
    frames = np.empty((len(best), *source.shape), np.float32)
    for k, index in enumerate(best):
        source.read(int(index), frames[k])
        ctx.calibration.apply(frames[k])
    _repair_plan(_bad_pixels(frames.mean(axis=0)), ctx.calibration)
    for k in range(len(frames)):
        ctx.calibration.repair(frames[k])
    registrar = lucky.Registrar(frames[0], ctx.options.upsample, ctx.options.max_frequency)
    for k in range(1, len(frames)):
        if ctx.options.align != "none":
            spectrum = registrar.spectrum(frames[k])
            dy, dx, _ = registrar.shift(spectrum)
            lucky.shift_spectrum(spectrum, source.shape, -dy, -dx)
            frames[k] = scipy.fft.irfft2(spectrum, s=source.shape)
    return frames.mean(axis=0), frames


def master_frame(inputs, shape: tuple[int, int], what: str) -> np.ndarray:
    """Mean of calibration frames (a path, list of paths or an array)."""
    if isinstance(inputs, np.ndarray):
        frames = FrameSource.from_array(inputs[None] if inputs.ndim == 2 else inputs)
    else:
        frames = open_frames(inputs)
    if frames.shape != shape:
        raise InputError(f"the {what} frames are {frames.shape}, the frames {shape}: they must match")
    total = np.zeros(shape, np.float64)
    buffer = np.empty(shape, np.float32)
    count = 0
    for i in range(len(frames)):
        if frames.read(i, buffer) is None and np.isfinite(buffer).all():
            total += buffer
            count += 1
    if not count:
        raise InputError(f"no usable {what} frame")
    return (total / count).astype(np.float32)


def quality_region(
    options: StackOptions, source: FrameSource, first: np.ndarray | None
) -> tuple[slice, slice]:
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


def first_frame(source: FrameSource, calibration: Calibration) -> np.ndarray | None:
    frame = np.empty(source.shape, np.float32)
    for i in range(min(len(source), 50)):
        if source.read(i, frame) is None and np.isfinite(frame).all():
            calibration.apply(frame)
            return frame
    return None
