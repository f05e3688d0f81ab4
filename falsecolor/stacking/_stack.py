"""``stack``: thousands of short frames → one sharp band image, in two passes over the frames.

Pass 1 reads every frame once: calibration (dark, flat), checks (unreadable,
NaN, blank, saturated) and sharpness, globally and per alignment box. Between
the passes, frames too faint or bright are rejected, the best are selected,
and a reference is built from the sharpest few (re-read, registered to the
best one and averaged; hot and dead pixels are found on it). Pass 2 reads the
kept frames once: registration against the reference, local alignment if
asked, and accumulation. Memory is a few frames per worker and the
accumulators, whatever the number of frames.

The per-chunk work is plain functions of picklable arguments, run by a thread
pool on one machine or as tasks on a dask.distributed cluster
(``scheduler=``); partial results are merged in chunk order, so both give the
same image.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from .. import lucky
from .._messages import option
from ..bands import Band, FrameSource, open_frames
from ..exceptions import InputError, warn
from ._result import reason_summary, stack_result
from ._runner import Runner
from ._tasks import (
    Calibration,
    Context,
    Partial,
    StackOptions,
    accumulate_chunk,
    build_reference,
    first_frame,
    master_frame,
    measure_chunk,
    quality_region,
)

__all__ = ["StackOptions", "Stacked", "stack"]

Progress = Callable[[int, int, str], None]
ALIGNMENTS = ("global", "local", "none")
MAX_FRAME_WARNINGS = 10
_LAYOUT = {
    "SIMPLE",
    "BITPIX",
    "NAXIS",
    "NAXIS1",
    "NAXIS2",
    "NAXIS3",
    "EXTEND",
    "BSCALE",
    "BZERO",
    "BLANK",
    "PCOUNT",
    "GCOUNT",
    "XTENSION",
    "CHECKSUM",
    "DATASUM",
    "END",
    "",
}


@dataclass
class Stacked:
    """The result of :func:`stack`: the band image and what happened to every frame.

    Attributes
    ----------
    band : Band
        The stacked image (float32; row 0 at the bottom) with header cards
        ``NFRAMES``, ``NUSABLE``, ``NKEPT``, ``KEEPFRAC``, ``STACKMTH``,
        ``ALIGN``, ``DRIZZLE``, ``QMETRIC`` and the mid-time of the kept frames.
    frames : list of dict
        Per frame: ``index``, ``name``, ``time``, ``quality``, ``flux``,
        ``status`` (``kept``, ``not selected`` or the rejection reason),
        ``kept``, ``dy``, ``dx``, ``correlation``, ``weight``.
    reference : ndarray
        The reference the frames were registered to.
    options : StackOptions
    """

    band: Band
    frames: list[dict[str, Any]] = field(repr=False)
    reference: np.ndarray = field(repr=False)
    options: StackOptions
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> np.ndarray:
        return self.band.data

    def to_fits(self, path: str | Path, *, inputs: Sequence[str | Path] = ()) -> Path:
        """Write the band as FITS (atomically; never over one of ``inputs``)."""
        from ..bands import band_to_hdu
        from ..export import write_atomically

        hdu = band_to_hdu(self.band)
        return write_atomically([(path, lambda f: hdu.writeto(f, output_verify="silentfix"))], inputs=inputs)[
            0
        ]

    def report(self) -> dict[str, Any]:
        """The JSON-ready report: options, summary and per-frame records."""
        options = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self.options).items()}
        return {"options": options, "summary": self.summary, "frames": self.frames}


def stack(
    frames: str | Path | Sequence[str | Path] | np.ndarray | FrameSource,
    *,
    keep: str | float | int = "10%",
    method: str = "weighted",
    align: str = "global",
    metric: str = "gradient",
    box: int = 64,
    local_selection: bool = False,
    drizzle: float = 1.0,
    clip: float = 3.0,
    region: tuple[int, int, int, int] | None = None,
    dark: Any = None,
    flat: Any = None,
    channel: str = "luminance",
    reference_frames: int = 16,
    upsample: int = 20,
    workers: int | None = None,
    scheduler: Any = None,
    chunk: int = 64,
    progress: Progress | None = None,
) -> Stacked:
    """Stack lucky-imaging frames into one sharp band image.

    Parameters
    ----------
    frames
        FITS cubes or images, SER videos, PNG/TIFF frames, directories or glob
        patterns of them, an array ``(n, ny, nx)`` or a :class:`FrameSource`.
    keep : str, float or int
        ``'10%'`` (default), a fraction ``0.1`` or a number of frames ``200``.
    method : str
        ``'weighted'`` (quality-weighted mean, default), ``'mean'``,
        ``'median'`` or ``'clipped'`` (sigma-clipped mean).
    align : str
        ``'global'`` (one sub-pixel shift per frame, default), ``'local'``
        (then a warp from shifts in ``box``-pixel alignment boxes) or ``'none'``.
    metric : str
        Sharpness measure: ``'gradient'`` (default) or ``'laplacian'``.
    box : int
        Alignment box size for local alignment (pixels).
    local_selection : bool
        With local alignment, keep the best frames per box rather than globally.
    drizzle : float
        1 (off), 1.5 or 2: output grid this many times finer.
    clip : float
        Threshold of ``method='clipped'`` in robust sigma.
    region : (x0, x1, y0, y1), optional
        Where sharpness is measured; default the bounding box of the disc.
    dark, flat
        Calibration frames (paths, patterns or arrays); ``(frame - dark) / flat``
        with the flat normalised to its median.
    channel : str
        For colour frames: ``'luminance'``, ``'red'``, ``'green'`` or ``'blue'``.
    reference_frames : int
        How many of the best frames make the registration reference.
    upsample : int
        Registration refinement grid, 1/upsample pixel.
    workers : int, optional
        Threads on this machine (default: up to 2).
    scheduler : str, Client or cluster, optional
        A dask.distributed scheduler address (``'tcp://host:8786'``), Client or
        cluster: the chunks run there.
    chunk : int
        Frames per task.
    progress : callable, optional
        Called as ``progress(done, total, stage)``.

    Returns
    -------
    Stacked

    Raises
    ------
    InputError
        No usable frame, or an impossible option.

    Examples
    --------
    >>> from falsecolor.synthetic import synthetic_frames
    >>> lucky = synthetic_frames(40, (96, 96), seed=3)
    >>> result = falsecolor.stack(lucky.frames, keep="25%")  # doctest: +SKIP
    """
    options = StackOptions(
        keep,
        method,
        align,
        metric,
        box,
        local_selection,
        float(drizzle),
        clip,
        reference_frames,
        upsample,
        region=region,
        channel=channel,
        chunk=chunk,
    )
    options.check()
    if isinstance(frames, FrameSource):
        source = frames
    elif isinstance(frames, np.ndarray):
        source = FrameSource.from_array(frames)
    else:
        source = open_frames(frames if isinstance(frames, str | Path) else list(frames), channel=channel)
    ny, nx = source.shape
    if min(ny, nx) < MIN_FRAME:
        raise InputError(
            f"the frames are {nx} x {ny} pixels: too small to stack (at least {MIN_FRAME} x {MIN_FRAME})"
        )
    options = _fitted_boxes(options, source.shape)
    box = options.box
    calibration = Calibration()
    if dark is not None:
        calibration.dark = master_frame(dark, source.shape, "dark")
    if flat is not None:
        master = master_frame(flat, source.shape, "flat")
        if calibration.dark is not None:
            master = master - calibration.dark
        level = float(np.median(master))
        if not level > 0:
            raise InputError(f"the flat frames have no positive level: check {option('flat')}")
        with np.errstate(divide="ignore"):
            calibration.flat_inverse = np.where(master > 0.05 * level, level / master, 0).astype(np.float32)
    ctx = Context(
        source, options, calibration, quality_region(options, source, first_frame(source, calibration))
    )
    if options.align == "local":
        ctx.boxes = (max(1, ny // box), max(1, nx // box))
    report = progress or (lambda done, total, stage: None)
    # The registration's small matrix products must not start BLAS threads of their own beside the
    # chunk threads (on two cores that made stacking 3x slower); a cluster client is closed on failure.
    with Runner(workers, scheduler) as runner, threadpool_limits(limits=1, user_api="blas"):
        n = len(source)
        chunks = [list(range(i, min(n, i + chunk))) for i in range(0, n, chunk)]

        # pass 1 -----------------------------------------------------------------------------
        quality, flux = np.zeros(n), np.zeros(n)
        reasons: list[str | None] = []
        box_quality = np.zeros((n, *ctx.boxes)) if ctx.boxes else None
        done = 0
        for indices, measured in zip(chunks, runner.map(measure_chunk, ctx, chunks), strict=True):
            quality[indices], flux[indices] = measured.quality, measured.flux
            if box_quality is not None:
                box_quality[indices] = measured.boxes
            reasons += measured.reasons
            done += len(indices)
            report(done, n, "measuring")
        usable = np.array([r is None for r in reasons])
        faint, bright = lucky.brightness_outliers(flux, usable)
        for index in np.flatnonzero(faint):
            reasons[index] = "much fainter than the median frame (cloud?)"
        for index in np.flatnonzero(bright):
            reasons[index] = "much brighter than the median frame"
        usable &= ~faint & ~bright
        _warn_rejected(source, reasons)
        if not usable.any():
            raise InputError(f"no usable frame among {n}: {reason_summary(reasons)}")

        # selection and reference --------------------------------------------------------------
        count = lucky.keep_count(lucky.parse_keep(keep), int(usable.sum()))
        kept = lucky.select_best(quality, usable, count)
        box_kept = None
        if local_selection and box_quality is not None:
            box_kept = lucky.select_best(box_quality, usable, count)
        reading = kept | box_kept.any(axis=(1, 2)) if box_kept is not None else kept
        order = np.argsort(-np.where(kept, quality, -np.inf), kind="stable")
        best = order[: max(1, min(reference_frames, count))]
        reference, aligned_best = build_reference(ctx, best)
        ctx.registrar = lucky.Registrar(reference, upsample, options.max_frequency)
        if options.align == "local":
            ctx.aligner = lucky.LocalAligner(reference, box)
        if method in ("clipped", "median"):
            ctx.pilot = lucky.Pilot.from_frames(aligned_best)
            ctx.median_limit = max(1, options.median_memory // (4 * source.shape[0] * source.shape[1]))
        del aligned_best

        # pass 2 -----------------------------------------------------------------------------
        weights = _weights(method, quality, reading)
        work = [
            (int(i), float(weights[i]), box_kept[i].astype(np.float32) if box_kept is not None else None)
            for i in np.flatnonzero(reading)
        ]
        work_chunks = [work[i : i + chunk] for i in range(0, len(work), chunk)]
        total: Partial | None = None
        done = 0
        for part in runner.map(accumulate_chunk, ctx, work_chunks):
            if total is None:
                total = part
            else:
                total.merge(part)
            done += len(part.indices)
            report(done, len(work), "stacking")
    assert total is not None, "a usable frame was kept"
    image = _finish(total, options, source.shape, ctx.aligner)
    band, records, summary = stack_result(
        source, options, image, reference, quality, flux, reasons, kept, reading, weights, total
    )
    return Stacked(band, records, reference.astype(np.float32), options, summary)


#: The smallest frame side that can be measured and registered.
MIN_FRAME = 8
#: Local alignment needs this many boxes across the frame, each at least MIN_BOX pixels.
MIN_BOXES, MIN_BOX = 3, 16


def _fitted_boxes(options: StackOptions, shape: tuple[int, int]) -> StackOptions:
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


def _weights(method: str, quality: np.ndarray, reading: np.ndarray) -> np.ndarray:
    weights = np.where(reading, 1.0, 0.0)
    if method == "weighted" and reading.any():
        weights = np.where(reading, quality / np.mean(quality[reading]), 0.0)
    return weights


def _finish(total: Partial, options: StackOptions, shape: tuple[int, int], aligner) -> np.ndarray:
    if total.spectral is not None:
        image = total.spectral.result()
    elif total.median is not None:
        image = total.median.result()
    else:
        assert total.sums is not None
        image = total.sums.result()
    if aligner is not None and total.local is not None and total.local_sum is not None and len(total.local):
        # Frames were warped onto the reference, which carries the mean distortion of the few
        # frames it was made from; the mean local shift of all frames is minus that distortion.
        image = _undistort(image, aligner, total.local_sum / len(total.local))
    if options.align != "none" and len(total.shifts):
        ny, nx = shape
        dy, dx = total.shifts[:, 0], total.shifts[:, 1]
        top, bottom = math.ceil(max(0.0, dy.max())), math.ceil(max(0.0, -dy.min()))
        right, left = math.ceil(max(0.0, dx.max())), math.ceil(max(0.0, -dx.min()))
        image = image.copy()
        # pixels some frame did not cover (its content wrapped round in the Fourier shift)
        if top:
            image[ny - top :] = np.nan
        if right:
            image[:, nx - right :] = np.nan
        image[:bottom] = np.nan
        image[:, :left] = np.nan
    if total.drizzle is not None:
        image = total.drizzle.result(image)
    return image


def _undistort(image: np.ndarray, aligner, mean_shifts: np.ndarray) -> np.ndarray:
    missing = ~np.isfinite(image)
    corrected = aligner.warp(np.where(missing, np.nanmedian(image), image).astype(np.float32), -mean_shifts)
    corrected[missing] = np.nan
    return corrected


def _warn_rejected(source: FrameSource, reasons: list[str | None]) -> None:
    rejected = [(i, r) for i, r in enumerate(reasons) if r is not None]
    for index, reason in rejected[:MAX_FRAME_WARNINGS]:
        warn(f"frame {source.name(index)}: {reason}; skipped", stacklevel=4)
    if len(rejected) > MAX_FRAME_WARNINGS:
        warn(f"{len(rejected) - MAX_FRAME_WARNINGS} more frames were skipped (see the report)", stacklevel=4)
