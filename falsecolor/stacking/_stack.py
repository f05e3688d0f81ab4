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

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from .. import lucky
from ..bands import Band, FrameSource
from ..exceptions import InputError, warn
from ._calibration import calibration as master_calibration
from ._chop import chop_frames, mask_negative_beam, record_chop
from ._colour import check_colour, colour_hdu
from ._finish import finish, fitted_boxes, quality_weights, warn_left_out, warn_rejected
from ._reference import build_reference
from ._region import first_frame, frame_source, quality_region
from ._registration import planet_samples
from ._result import reason_summary, stack_result
from ._runner import Runner
from ._tasks import Context, Partial, StackOptions, accumulate_chunk, measure_chunk, settle_weights

__all__ = ["StackOptions", "Stacked", "stack"]

Progress = Callable[[int, int, str], None]
#: The default keep (``keep=None``): this fraction, but at least this many frames when there are.
DEFAULT_KEEP, DEFAULT_KEEP_AT_LEAST = "10%", 10


@dataclass
class Stacked:
    """The result of :func:`stack`: the band image, its coverage, and what happened to every frame.

    Attributes
    ----------
    band : Band
        The stacked image (float32; row 0 at the bottom) with header cards
        ``NFRAMES``, ``NUSABLE``, ``NKEPT``, ``KEEPFRAC``, ``STACKMTH``,
        ``ALIGN``, ``DRIZZLE``, ``QMETRIC``, ``FIELD`` and the mid-time of the
        kept frames. NaN where no stacked frame covered the pixel (or, with
        ``field='common'``, where not every one did).
    frames : list of dict
        Per frame: ``index``, ``name``, ``time``, ``quality``, ``flux``,
        ``status`` (``kept``, ``not selected``, the rejection reason, or why a
        selected frame was left out), ``kept`` (stacked), ``dy``, ``dx``,
        ``correlation``, ``planet_dy``, ``planet_dx`` (the planet's own
        displacement, which picks and checks the shift), ``planet_match``
        (how well the aligned frame shows the reference's planet), ``weight``.
    reference : ndarray
        The reference the frames were registered to.
    options : StackOptions
    summary : dict
        Counts, the field's finite fraction, the coverage range and the frames left out.
    coverage : ndarray
        How many stacked frames cover each pixel of the band (int32, the band's shape).
    rgb : ndarray or None
        A colour stack (``channel='rgb'``): red, green and blue ``(ny, nx, 3)``,
        float32, NaN where the band is; the band is then their luminance.
    """

    band: Band
    frames: list[dict[str, Any]] = field(repr=False)
    reference: np.ndarray = field(repr=False)
    options: StackOptions
    summary: dict[str, Any] = field(default_factory=dict)
    coverage: np.ndarray | None = field(default=None, repr=False)
    rgb: np.ndarray | None = field(default=None, repr=False)

    @property
    def data(self) -> np.ndarray:
        return self.band.data

    def hdus(self):
        """The band as a FITS HDU list: the image (a colour stack's red, green and blue planes), then
        its coverage map (EXTNAME ``COVERAGE``)."""
        from astropy.io import fits

        from ..bands import band_to_hdu

        hdus = [band_to_hdu(self.band) if self.rgb is None else colour_hdu(band_to_hdu(self.band), self.rgb)]
        if self.coverage is not None:
            extension = fits.ImageHDU(self.coverage, name="COVERAGE")
            extension.header["COMMENT"] = "number of stacked frames that covered each pixel of the band"
            hdus.append(extension)
        return fits.HDUList(hdus)

    def to_fits(self, path: str | Path, *, inputs: Sequence[str | Path] = ()) -> Path:
        """Write the band and its coverage map as FITS (atomically; never over one of ``inputs``)."""
        from .._atomic import write_atomically

        hdul = self.hdus()
        return write_atomically(
            [(path, lambda f: hdul.writeto(f, output_verify="silentfix"))], inputs=inputs
        )[0]

    def report(self) -> dict[str, Any]:
        """The JSON-ready report: options, summary and per-frame records."""
        options = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self.options).items()}
        return {"options": options, "summary": self.summary, "frames": self.frames}


def stack(
    frames: str | Path | Sequence[str | Path] | np.ndarray | FrameSource,
    *,
    keep: str | float | int | None = None,
    method: str = "weighted",
    align: str = "global",
    metric: str = "gradient",
    box: int = 64,
    local_selection: bool = False,
    drizzle: float = 1.0,
    field: str = "supported",
    clip: float = 3.0,
    region: tuple[int, int, int, int] | None = None,
    dark: Any = None,
    flat: Any = None,
    channel: str | None = None,
    reference_frames: int = 16,
    upsample: int = 20,
    workers: int | None = None,
    scheduler: Any = None,
    chunk: int = 64,
    weights: str = "quality",
    progress: Progress | None = None,
    chop: str = "auto",
) -> Stacked:
    """Stack lucky-imaging frames into one sharp band image.

    Parameters
    ----------
    frames
        FITS cubes or images, SER videos, PNG/TIFF frames, directories or glob
        patterns of them, an array ``(n, ny, nx)`` or a :class:`FrameSource`.
    keep : str, float or int, optional
        ``'10%'``, a fraction ``0.1`` or a number of frames ``200``. By default
        10 %, but at least 10 frames (all of them in a shorter sequence).
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
    field : str
        Which pixels have a value, each from the frames that cover it (see
        :attr:`Stacked.coverage`): ``'supported'`` (default) those at least
        half the stacked frames cover (noise at most ~1.4 times the best
        covered); ``'whole'`` every pixel some stacked frame covers;
        ``'common'`` only those every stacked frame covers.
    clip : float
        Threshold of ``method='clipped'`` in robust sigma.
    weights : str
        Frame weights of ``method='weighted'``: ``'quality'`` (sharpness,
        default) or ``'snr'`` (noise-aware: each registered frame's brightness
        against the reference over the square of its spread about it, the
        weights that maximise the signal-to-noise of the kept frames' mean).
    region : (x0, x1, y0, y1), optional
        Where sharpness is measured; default the bounding box of the disc.
    dark, flat
        Calibration frames (paths, patterns or arrays), read as the frames are
        (the same channel; mosaics demosaiced with the same pattern);
        ``(frame - dark) / flat`` with the flat normalised to its median.
    channel : str, optional
        For colour frames: ``'luminance'``, ``'red'``, ``'green'`` or ``'blue'``;
        or ``'rgb'``, frames chosen and registered on their luminance and all
        three colours stacked (:attr:`Stacked.rgb`; ``method`` weighted or
        mean, ``align`` global or none, no drizzle). By default a
        :class:`FrameSource`'s own channel, else luminance.
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
    chop : str
        Chopped thermal-infrared bursts: ``'pairs'`` stacks each A/B pair's
        difference (on - off beam; the negative beam is NaN in the result),
        ``'none'`` the frames as they are, ``'auto'`` (default) pairs only
        when the header says chopped (``HIERARCH ESO DET CHOP ST = T``); see
        :mod:`falsecolor.stacking._chop` for the rule.

    Returns
    -------
    Stacked

    Raises
    ------
    InputError
        No usable frame, no frame registered plausibly, or an impossible option.

    Notes
    -----
    A shift measured by FFT correlation is known modulo the frame size; the
    planet's position in each frame picks the real one, so a drift of more
    than half the frame does not wrap. Selected frames whose shift is
    implausible are left out with a warning and named in the report.

    Examples
    --------
    >>> from falsecolor.synthetic import synthetic_frames
    >>> lucky = synthetic_frames(40, (96, 96), seed=3)
    >>> result = falsecolor.stack(lucky.frames, keep="25%")  # doctest: +SKIP
    """
    options = StackOptions(
        DEFAULT_KEEP if keep is None else keep,
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
        channel=channel or str(getattr(frames, "channel", "luminance")),  # a FrameSource's own by default
        chunk=chunk,
        field=field,
        keep_at_least=DEFAULT_KEEP_AT_LEAST if keep is None else 0,
        weights=weights,
        chop=chop,
    )
    options.check()
    source = chop_frames(frame_source(frames, options.channel), chop, dark=dark is not None)
    options = fitted_boxes(options, source.shape)
    check_colour(options, source)
    calibration = master_calibration(dark, flat, source)
    first = first_frame(source, calibration)
    ctx = Context(source, options, calibration, quality_region(options, source, first))
    if options.channel == "rgb":
        ctx.colour = master_calibration(dark, flat, source, planes=True)
    if first is not None and options.region is None and options.align != "local":
        ctx.region_anchor = lucky.planet_position(first)  # the sharpness region follows the planet
    if options.align == "local":
        ctx.boxes = (max(1, source.shape[0] // options.box), max(1, source.shape[1] // options.box))
    report = progress or (lambda done, total, stage: None)
    # The registration's small matrix products must not start BLAS threads of their own beside the
    # chunk threads (on two cores that made stacking 3x slower); a cluster client is closed on failure.
    with Runner(workers, scheduler) as runner, threadpool_limits(limits=1, user_api="blas"):
        quality, flux, reasons, box_quality = _measure(runner, ctx, report)
        usable = np.array([r is None for r in reasons])
        count = lucky.keep_count(
            lucky.parse_keep(options.keep), int(usable.sum()), at_least=options.keep_at_least
        )
        kept = lucky.select_best(quality, usable, count)
        box_kept = None
        if local_selection and box_quality is not None:
            box_kept = lucky.select_best(box_quality, usable, count)
        reading = kept | box_kept.any(axis=(1, 2)) if box_kept is not None else kept
        order = np.argsort(-np.where(kept, quality, -np.inf), kind="stable")
        reference = _prepare_pass_2(ctx, order[: max(1, min(reference_frames, count))])
        options = ctx.options  # snr weights that cannot be measured are the quality weights
        frame_weights = quality_weights(method, quality, reading)
        work = [
            (int(i), float(frame_weights[i]), None if box_kept is None else box_kept[i].astype(np.float32))
            for i in np.flatnonzero(reading)
        ]
        total = _accumulate(runner, ctx, work, report)
    if options.weights == "snr":  # the weights the frames were added with, for the report
        used = np.array(total.weights)
        frame_weights = np.zeros_like(frame_weights)
        frame_weights[total.indices] = used / np.mean(used) if len(used) and np.mean(used) > 0 else used
    warn_left_out(source, total, int(usable.sum()))
    image, coverage = mask_negative_beam(source, *finish(total, options, ctx.aligner))
    band, records, summary = stack_result(
        source, options, image, coverage, quality, flux, reasons, kept, reading, frame_weights, total
    )
    record_chop(source, band.header, summary)
    rgb = None if total.colour is None else total.colour.result(np.isnan(image))
    return Stacked(band, records, reference.astype(np.float32), options, summary, coverage, rgb)


def _measure(runner: Runner, ctx: Context, report: Progress):
    """Pass 1: quality, flux and the planet's position of every frame; the unusable ones, and why."""
    source = ctx.source
    n = len(source)
    size = even_chunk(n, ctx.options.chunk)
    chunks = [list(range(i, min(n, i + size))) for i in range(0, n, size)]
    quality, flux = np.zeros(n), np.zeros(n)
    ctx.positions = np.full((n, 2), np.nan)
    reasons: list[str | None] = []
    box_quality = np.zeros((n, *ctx.boxes)) if ctx.boxes else None
    transparent: list[int] = []
    done = 0
    for indices, measured in zip(chunks, runner.map(measure_chunk, ctx, chunks), strict=True):
        quality[indices], flux[indices] = measured.quality, measured.flux
        ctx.positions[indices] = measured.positions
        if box_quality is not None:
            box_quality[indices] = measured.boxes
        reasons += measured.reasons
        transparent += measured.transparent
        done += len(indices)
        report(done, n, "measuring")
    usable = np.array([r is None for r in reasons])
    faint, bright = lucky.brightness_outliers(flux, usable)
    for index in np.flatnonzero(faint):
        reasons[index] = "much fainter than the median frame (cloud?)"
    for index in np.flatnonzero(bright):
        reasons[index] = "much brighter than the median frame"
    usable &= ~faint & ~bright
    found = usable & np.isfinite(ctx.positions).all(axis=1)
    if 2 * found.sum() >= usable.sum():  # most frames show a planet: one that does not is empty
        for index in np.flatnonzero(usable & ~found):
            reasons[index] = "no planet in the frame (empty, noise, or the target drifted out)"
    if not any(r is None for r in reasons):  # the error says it all: no warning per frame before it
        raise InputError(f"no usable frame among {n}: {reason_summary(reasons)}")
    warn_rejected(source, reasons)
    if transparent:
        warn(
            f"{len(transparent)} of {n} frames are transparent in places (their alpha channel, first "
            f"{source.name(transparent[0])}): their colours there are stacked as stored; flatten them "
            "onto their background first if those parts hold no image"
        )
    return quality, flux, reasons, box_quality


def _prepare_pass_2(ctx: Context, best: np.ndarray) -> np.ndarray:
    """The reference from the best frames, and what pass 2 registers and combines with."""
    options, shape = ctx.options, ctx.source.shape
    reference = build_reference(ctx, best)
    ctx.anchor, ctx.baseline = reference.anchor, reference.baseline
    settle_weights(ctx, reference.snr_norm, reference.members)
    ctx.planet = planet_samples(reference.mask)
    ctx.registrar = lucky.Registrar(reference.image, options.upsample, options.max_frequency)
    if options.align == "local":
        ctx.aligner = lucky.LocalAligner(reference.image, options.box)
    if options.method in ("clipped", "median"):
        ctx.pilot = lucky.Pilot.from_frames(reference.aligned)
        ctx.median_limit = max(1, options.median_memory // (4 * shape[0] * shape[1]))
    return reference.image


def even_chunk(count: int, chunk: int) -> int:
    """The size of chunks of at most ``chunk`` items that split ``count`` evenly (200 frames in
    chunks of 64: four of 50, not 64, 64, 64 and 8, which left one thread idle for a quarter of the
    pass). It does not depend on the number of workers, so a cluster adds in the same order."""
    pieces = max(1, math.ceil(count / max(1, chunk)))
    return max(1, math.ceil(count / pieces))


def _accumulate(runner: Runner, ctx: Context, work: list, report: Progress) -> Partial:
    """Pass 2: register and add the kept frames, chunk by chunk, merged in chunk order."""
    chunk = even_chunk(len(work), ctx.options.chunk)
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
    return total
