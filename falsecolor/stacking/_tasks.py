"""The chunk tasks of ``stack``: measure frames (pass 1), register and accumulate them (pass 2).

Plain functions of picklable arguments, so a thread pool or a dask cluster can run them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from .. import lucky
from .._messages import option
from ..bands import FrameSource, saturation_problem
from ..exceptions import InputError, warn
from ._calibration import Calibration
from ._colour import PlaneSums, check_colour
from ._region import tracked_region
from ._registration import displacement, judge_match, register

__all__ = [
    "ALIGNMENTS",
    "FIELDS",
    "WEIGHTS",
    "Context",
    "Partial",
    "StackOptions",
    "accumulate_chunk",
    "measure_chunk",
    "settle_weights",
]


ALIGNMENTS = ("global", "local", "none")
#: supported: pixels at least half the stacked frames cover; whole: every pixel some stacked frame
#: covers; common: only those every stacked frame covers.
FIELDS = ("supported", "whole", "common")
#: Frame weights of the weighted mean: quality (sharpness) or snr (noise-aware: brightness against the
#: reference over the square of the noise about it, the weights of the best signal-to-noise).
WEIGHTS = ("quality", "snr")
#: A noise-aware weight is at most this many times the reference frames' median (a frame that fits
#: the reference suspiciously well, a saturated one, does not dominate the stack).
MAX_SNR_WEIGHT = 10.0


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
    field: str = "supported"
    keep_at_least: int = 0  # the default keep stacks at least this many frames (when there are)
    weights: str = "quality"
    chop: str = "auto"  # auto: A - B pairs when the header says chopped (see _chop.py); pairs; none

    def check(self) -> None:
        lucky.parse_keep(self.keep)
        if self.method not in lucky.METHODS:
            raise InputError(f"unknown stacking method {self.method!r}: choose {', '.join(lucky.METHODS)}")
        if self.align not in ALIGNMENTS:
            raise InputError(f"unknown alignment {self.align!r}: choose {', '.join(ALIGNMENTS)}")
        if self.metric not in lucky.METRICS:
            raise InputError(f"unknown sharpness metric {self.metric!r}: choose {', '.join(lucky.METRICS)}")
        if self.weights not in WEIGHTS:
            raise InputError(f"{option('weights', self.weights)}: choose {', '.join(WEIGHTS)}")
        if self.weights == "snr" and (self.method != "weighted" or self.align == "none"):
            raise InputError(
                f"{option('weights', 'snr')} weighs registered frames in the weighted mean: drop "
                f"{option('method', self.method) if self.method != 'weighted' else option('align', 'none')}"
            )
        if self.field not in FIELDS:
            raise InputError(f"{option('field', self.field)}: choose {', '.join(FIELDS)}")
        if self.drizzle not in (1.0, 1.5, 2.0):
            raise InputError(f"{option('drizzle', self.drizzle)}: choose 1 (off), 1.5 or 2")
        if not 8 <= self.box <= 1024:
            raise InputError(f"{option('box', self.box)}: alignment boxes must be 8 to 1024 pixels")
        check_colour(self)
        if self.local_selection and self.align != "local":
            raise InputError(f"per-region selection needs local alignment: add {option('align', 'local')}")
        if self.chop not in ("auto", "none", "pairs"):
            raise InputError(f"{option('chop', self.chop)}: choose auto, none or pairs")
        if self.clip <= 0:
            raise InputError(f"{option('clip', self.clip)}: the clipping threshold must be positive (sigma)")


@dataclass
class Context:
    """What a chunk task needs (pickled once per task on a cluster)."""

    source: FrameSource
    options: StackOptions
    calibration: Calibration
    region: tuple[slice, slice]
    colour: Calibration | None = None  # a colour stack's: calibrates the planes the luminance leads
    region_anchor: tuple[float, float] | None = None  # the planet's position where region was found
    boxes: tuple[int, int] | None = None
    positions: np.ndarray | None = None  # (n, 2): the planet in each frame (pass 1)
    anchor: int = 0  # the frame the reference is aligned to
    planet: tuple[np.ndarray, np.ndarray] | None = None  # sampled pixels around the reference's planet
    baseline: float = math.nan  # how well the reference frames show that planet (median disc match)
    snr_norm: float = math.nan  # the reference frames' median noise-aware weight
    members: frozenset[int] = frozenset()  # the frames averaged into the reference
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
    positions: np.ndarray
    transparent: list[int] = field(default_factory=list)  # frames whose alpha is not opaque everywhere


#: Pass 1 reads frames in blocks of about this many bytes and finds the planet in a whole block at
#: once: fewer, larger numpy calls, which let the threads run side by side.
BLOCK_BYTES = 1 << 22


def measure_chunk(ctx: Context, indices: Sequence[int]) -> Measured:
    source, n = ctx.source, len(indices)
    count = max(1, min(n, BLOCK_BYTES // (4 * math.prod(source.shape))))  # frames per block
    block = np.zeros((count, *source.shape), np.float32)
    rows, cols = ctx.region
    meter = lucky.QualityMeter(
        (rows.stop - rows.start, cols.stop - cols.start), ctx.options.metric, ctx.boxes
    )
    quality, flux = np.zeros(n), np.zeros(n)
    positions = np.full((n, 2), np.nan)
    boxes = np.zeros((n, *ctx.boxes)) if ctx.boxes else None
    reasons: list[str | None] = []
    transparent: list[int] = []
    for start in range(0, n, len(block)):
        members = range(start, min(n, start + len(block)))
        for k in members:
            frame = block[k - start]
            # saturated samples are counted as stored: a colour frame measured on its luminance is
            # saturated when any of its colours is
            reason, saturated, clear = source.read_checked(indices[k], frame)
            if clear:
                transparent.append(indices[k])
            if reason is None:
                total = float(frame.sum())  # NaN and inf survive the sum: one pass checks every pixel
                if not math.isfinite(total):
                    reason = "NaN or infinite values"
                else:
                    reason = saturation_problem(saturated, frame.size)
            if reason is None:
                ctx.calibration.apply(frame)
            reasons.append(reason)
        found = lucky.planet_positions(block[: len(members)])
        for k in members:
            if reasons[k] is not None:
                continue
            positions[k] = found[k - start]
            where = tracked_region(ctx.region, ctx.region_anchor, tuple(positions[k]), source.shape)
            q, f, per_box = meter(block[k - start][where])
            if q <= 0 or f <= 0:
                calibrated = ctx.calibration.dark is not None or ctx.calibration.flat_inverse is not None
                reasons[k] = "blank (no signal or constant" + (
                    ", after the dark and flat)" if calibrated else ")"
                )
            else:
                quality[k], flux[k] = q, f
                if boxes is not None:
                    boxes[k] = per_box
    return Measured(quality, flux, reasons, boxes, positions, transparent)


@dataclass
class Partial:
    indices: list[int] = field(default_factory=list)
    shifts: list[tuple[float, float, float]] = field(default_factory=list)  # dy, dx, correlation
    coarse: list[tuple[float, float]] = field(default_factory=list)  # the planet's displacement
    problems: list[str | None] = field(default_factory=list)  # why a frame was left out
    matches: list[float] = field(default_factory=list)  # how well each shows the reference's planet
    weights: list[float] = field(default_factory=list)  # the weight each frame was added with
    coverage: lucky.Coverage | None = None
    sums: lucky.SumAccumulator | None = None
    median: lucky.HistogramMedian | None = None
    drizzle: lucky.Drizzle | None = None
    drizzle_coverage: lucky.Coverage | None = None
    colour: PlaneSums | None = None
    local: list[float] = field(default_factory=list)  # RMS local shift (NaN: not locally aligned)
    local_sum: np.ndarray | None = None  # sum of the box-shift grids (the reference's own distortion)

    def merge(self, other: Partial) -> None:
        for name in ("indices", "shifts", "coarse", "problems", "matches", "weights", "local"):
            getattr(self, name).extend(getattr(other, name))
        if self.local_sum is not None and other.local_sum is not None:
            self.local_sum += other.local_sum
        for name in ("coverage", "sums", "median", "drizzle", "drizzle_coverage", "colour"):
            mine = getattr(self, name)
            if mine is not None:
                mine.merge(getattr(other, name))

    @property
    def stacked(self) -> list[int]:
        return [i for i, problem in zip(self.indices, self.problems, strict=True) if problem is None]


def settle_weights(ctx: Context, snr_norm: float, members: tuple[int, ...]) -> None:
    """Noise-aware weights are relative to the reference frames' own: without two of them fitted,
    they cannot be measured, and the quality weights are used, with a warning."""
    ctx.snr_norm, ctx.members = snr_norm, frozenset(members)
    if ctx.options.weights == "snr" and not math.isfinite(snr_norm):
        warn(
            f"{option('weights', 'snr')} needs at least two reference frames that show the planet: "
            f"the quality weights are used (keep more frames, or raise {option('reference-frames')})"
        )
        ctx.options = dataclasses.replace(ctx.options, weights="quality")


def _partial(ctx: Context) -> Partial:
    shape, options = ctx.source.shape, ctx.options
    partial = Partial(coverage=lucky.Coverage(shape))
    if options.method == "median":
        assert ctx.pilot is not None
        partial.median = lucky.HistogramMedian(shape, ctx.pilot, ctx.median_limit)
    else:
        partial.sums = lucky.SumAccumulator(
            shape, ctx.pilot if options.method == "clipped" else None, options.clip
        )
    if options.drizzle != 1.0:
        partial.drizzle = lucky.Drizzle(shape, options.drizzle)
        partial.drizzle_coverage = lucky.Coverage(shape, options.drizzle)
    if ctx.aligner is not None:
        partial.local_sum = np.zeros((*ctx.aligner.grid, 2))
    if ctx.colour is not None:
        partial.colour = PlaneSums(shape)
    return partial


def accumulate_chunk(ctx: Context, work: Sequence[tuple[int, float, np.ndarray | None]]) -> Partial:
    """Register and accumulate ``(index, weight, box_weights)`` frames; implausible ones are left out."""
    source = ctx.source
    assert ctx.registrar is not None and ctx.positions is not None, "the reference is built before pass 2"
    frame = np.empty(source.shape, np.float32)
    planes = None if ctx.colour is None else np.empty((3, *source.shape), np.float32)
    partial = _partial(ctx)
    for index, weight, box_weights in work:
        problem = source.read(index, frame) if planes is None else source.read_rgb(index, planes, frame)
        if problem is not None:  # readable in pass 1: the file changed since
            raise InputError(f"frame {source.name(index)} can no longer be read: did the input change?")
        ctx.calibration.apply(frame)
        ctx.calibration.repair(frame)
        if ctx.colour is not None and planes is not None:
            ctx.colour.apply(planes)
            ctx.colour.repair(planes)
        aligned = _registered(ctx, partial, frame, index)
        if ctx.options.weights == "snr":
            weight = partial.weights[-1]
        else:
            partial.weights[-1] = weight
        if aligned is not None:
            _add(ctx, partial, frame, aligned, index, weight, box_weights, planes)
    return partial


def _registered(ctx: Context, partial: Partial, frame: np.ndarray, index: int) -> np.ndarray | None:
    """The frame aligned on the reference, its shift and checks recorded; None when implausible."""
    registrar, shape = ctx.registrar, ctx.source.shape
    assert registrar is not None and ctx.positions is not None and partial.coverage is not None
    coarse = displacement(ctx.positions, index, ctx.anchor)
    match, problem, snr_weight = math.nan, None, math.nan
    if ctx.options.align == "none":
        aligned, dy, dx, corr = frame, 0.0, 0.0, 0.0
    else:
        spectrum = registrar.spectrum(frame)
        result = register(registrar, spectrum, coarse)
        dy, dx, corr, problem = result.dy, result.dx, result.correlation, result.problem
        lucky.shift_spectrum(spectrum, shape, -dy, -dx)
        aligned = scipy.fft.irfft2(spectrum, s=shape, workers=1)
        window = partial.coverage.window(dy, dx)
        if problem is None and window is not None and ctx.planet is not None:
            match, problem, snr_weight = judge_match(
                aligned, registrar.reference, ctx.planet, window, ctx.baseline
            )
    partial.indices.append(index)
    partial.coarse.append(coarse)
    partial.shifts.append((dy, dx, corr))
    partial.matches.append(match)
    if index in ctx.members:  # fitted to a mean it is part of, it looks 1/N less noisy than it is
        snr_weight *= 1 - 1 / len(ctx.members)
    relative = snr_weight / ctx.snr_norm  # NaN when either is unknown: the median frame's weight
    partial.weights.append(min(relative, MAX_SNR_WEIGHT) if math.isfinite(relative) else 1.0)
    partial.problems.append(problem)
    partial.local.append(math.nan)
    return aligned if problem is None else None


def _add(
    ctx: Context,
    partial: Partial,
    frame: np.ndarray,
    aligned: np.ndarray,
    index: int,
    weight: float,
    box_weights: np.ndarray | None,
    planes: np.ndarray | None = None,
) -> None:
    """Add an aligned frame (locally warped first, if asked) inside the window it covers; in a colour
    stack, its ``planes`` moved as it was."""
    dy, dx, _ = partial.shifts[-1]
    local_y: float | np.ndarray = 0.0
    local_x: float | np.ndarray = 0.0
    margin = (0.0, 0.0)
    if ctx.aligner is not None:
        assert partial.local_sum is not None
        box_shifts = ctx.aligner.shifts(aligned)
        partial.local[-1] = float(np.sqrt(np.mean(np.sum(box_shifts**2, axis=-1))))
        partial.local_sum += box_shifts
        aligned = ctx.aligner.warp(aligned, box_shifts)
        # the warp pulls pixels from up to this far: keep the wrapped-round edge out of the window
        margin = (_reach(box_shifts[..., 0]), _reach(box_shifts[..., 1]))
        if partial.drizzle is not None:
            local_y = ctx.aligner.field(box_shifts[..., 0])
            local_x = ctx.aligner.field(box_shifts[..., 1])
    assert partial.coverage is not None
    window = partial.coverage.window(dy, dx, margin)
    if window is None:  # the local warp's margin took the last of a sliver
        partial.problems[-1] = f"implausible shift: ({dy:+.0f}, {dx:+.0f}) px leaves no overlap"
        return
    partial.coverage.add(window)
    w: float | np.ndarray = weight
    if ctx.options.local_selection:
        assert ctx.aligner is not None and box_weights is not None
        w = ctx.aligner.pixel_weights(box_weights) * weight
    if partial.median is not None:
        partial.median.add(aligned, index, window)
    else:
        assert partial.sums is not None
        partial.sums.add(aligned, w, window)
    if partial.colour is not None and planes is not None:
        partial.colour.add(planes, dy, dx, w, window)
    if partial.drizzle is not None and partial.drizzle_coverage is not None:
        partial.drizzle.add(frame, dy + local_y, dx + local_x, weight)
        drizzled = partial.drizzle_coverage.window(dy, dx, (margin[0] - 0.5, margin[1] - 0.5))
        if drizzled is not None:
            partial.drizzle_coverage.add(drizzled)


def _reach(shifts: np.ndarray) -> float:
    """How far (whole pixels) a warp by these shifts reaches."""
    return float(math.ceil(float(np.abs(shifts).max())))
