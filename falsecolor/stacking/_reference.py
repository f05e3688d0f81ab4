"""The registration reference: the best frames, registered to an anchor frame and averaged.

The anchor is the sharpest frame unless the other best frames match one of the
next sharpest clearly better (it is then the odd one: another scene, a
glitch). Frames that disagree with the anchor are left out of the reference. Each frame counts only where it
covers the anchor's field, so a frame that drifted far does not wrap its far
edge into the reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.fft

from .. import lucky
from ._calibration import find_bad_pixels
from ._colour import colour_bad_pixels
from ._registration import Registered, displacement, register

__all__ = ["Reference", "build_reference"]

#: How many of the sharpest frames may serve as the anchor.
ANCHOR_CANDIDATES = 3
#: A candidate whose score is within this of the best candidate's is as good (the sharper is chosen).
SURE_MARGIN = 0.02


@dataclass
class Reference:
    """The reference image, its anchor frame, the aligned frames (NaN outside their window; kept only
    for a method that needs a pilot), the region around its planet, and how well the reference
    frames show that planet (their median :func:`~falsecolor.lucky.disc_match`; NaN with one frame)."""

    image: np.ndarray
    anchor: int
    aligned: np.ndarray
    mask: np.ndarray
    baseline: float
    snr_norm: float = math.nan  # the reference frames' median noise-aware weight (``a / s**2``)
    members: tuple[int, ...] = ()  # the frames averaged into the image


def build_reference(ctx, best: np.ndarray) -> Reference:
    """Reference image from the best frames (sharpest first); hot and dead pixels are found on them."""
    source, options = ctx.source, ctx.options
    frames = np.empty((len(best), *source.shape), np.float32)
    for k, index in enumerate(best):
        source.read(int(index), frames[k])
        ctx.calibration.apply(frames[k])
    also = [m for m in (ctx.calibration.dead, ctx.colour and ctx.colour.dead) if m is not None]
    if ctx.colour is not None:
        also.append(colour_bad_pixels(ctx.source, ctx.colour, best))
    find_bad_pixels(frames.mean(axis=0), ctx.calibration, np.logical_or.reduce(also) if also else None)
    if ctx.colour is not None:
        ctx.colour.repair_as(ctx.calibration)
    for k in range(len(frames)):
        ctx.calibration.repair(frames[k])
    if options.align == "none" or len(frames) == 1:
        image = frames.mean(axis=0)
        return Reference(image, int(best[0]), frames, lucky.planet_region(image), math.nan)
    spectra = [scipy.fft.rfft2(frame, workers=1) for frame in frames]
    # the sharpest candidate the others match about as well as the best-matched one; one the others
    # match to 0.98 or better is chosen whatever the next ones score, so they are not tried
    trials = [_trial(ctx, frames, spectra, best, 0)]
    if _score(trials[0][1]) < 1 - SURE_MARGIN:
        trials += [
            _trial(ctx, frames, spectra, best, k) for k in range(1, min(ANCHOR_CANDIDATES, len(frames)))
        ]
    scores = [_score(results) for _, results in trials]
    top = max(scores)
    candidate, results = next(
        t for t, score in zip(trials, scores, strict=True) if score >= top - max(SURE_MARGIN, 1 - top)
    )
    total, count = np.zeros(source.shape), np.zeros(source.shape, np.int32)
    windows: dict[int, tuple[slice, slice]] = {}
    for k, result in enumerate(results):  # each frame aligned in place, NaN where it does not cover
        if k == candidate:
            window = (slice(None), slice(None))
        elif result is None or result.problem is not None:
            continue
        else:
            found = lucky.covered_window(source.shape, result.dy, result.dx)
            assert found is not None, "a plausible shift overlaps the anchor"
            window = found
            spectrum = lucky.shift_spectrum(spectra[k], source.shape, -result.dy, -result.dx)
            shifted = scipy.fft.irfft2(spectrum, s=source.shape, workers=1)
            frames[k] = np.nan
            frames[k][window] = shifted[window]
        total[window] += frames[k][window]
        count[window] += 1
        windows[k] = window
    del spectra
    image = (total / count).astype(np.float32)  # the anchor covers every pixel
    region = lucky.planet_region(image)
    fits = [lucky.disc_fit(frames[k][w], image[w], region[w]) for k, w in sorted(windows.items())]
    finite = [m for m, _, _ in fits if math.isfinite(m)]
    baseline = float(np.median(finite)) if len(finite) > 1 else math.nan
    used = sorted(windows)
    # each frame is in the mean it is fitted to, which hides 1/N of its noise: s**2 / (1 - 1/N)
    weights = [a / s**2 * (1 - 1 / len(used)) for _, a, s in fits if a > 0 and s > 0]  # NaN: left out
    aligned = frames[used] if options.method in ("clipped", "median") else frames[:0]
    snr_norm = float(np.median(weights)) if len(used) > 1 and weights else math.nan
    members = tuple(int(best[k]) for k in used)
    return Reference(image, int(best[candidate]), aligned, region, baseline, snr_norm, members)


def _trial(ctx, frames, spectra, best, candidate: int) -> tuple[int, list[Registered | None]]:
    """Every best frame registered to frame ``candidate`` (None for itself), judged against it."""
    registrar = lucky.Registrar(frames[candidate], ctx.options.upsample, ctx.options.max_frequency)
    results: list[Registered | None] = []
    for k in range(len(frames)):
        if k == candidate:
            results.append(None)
            continue
        coarse = displacement(ctx.positions, int(best[k]), int(best[candidate]))
        results.append(register(registrar, spectra[k], coarse))
    correlations = [r.correlation for r in results if r is not None and r.problem is None]
    if correlations:  # the same relative test as in pass 2, against this anchor
        floor = 0.5 * float(np.median(correlations))
        results = [
            r if r is None or r.problem is not None or r.correlation >= floor else _poor(r) for r in results
        ]
    return candidate, results


def _poor(result: Registered) -> Registered:
    problem = f"implausible shift: the frame matches the anchor poorly (correlation {result.correlation:.2f})"
    return Registered(result.dy, result.dx, result.correlation, result.coarse, problem)


def _score(results: list[Registered | None]) -> float:
    """How well the other frames match a candidate anchor: their median correlation with it."""
    return float(np.median([r.correlation for r in results if r is not None]))
