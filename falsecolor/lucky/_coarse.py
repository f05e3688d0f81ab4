"""Checks on a registration that cannot wrap: where the planet is in a frame, which of the periodic
shifts an FFT correlation allows is the real one, and whether a frame shows the reference's planet.

An FFT cross-correlation is periodic: a shift of -387 px in a 640-px frame and
one of +253 px give the same peak. The fine registration (:class:`Registrar`)
is exact modulo the frame size; the planet's position, measured on each frame
alone, picks the multiple. It is found on an even subsample of the frame
(about 64 px across): pixels clearly above the sky (the frame's median) are
weighted by their brightness above it, and the position is the weighted
median of their rows and columns, so a few hot pixels or a faint moon barely
move it.

Whether an aligned frame shows the same planet as the reference is judged
around the reference's planet (:func:`planet_region`: its limb and some sky
give even a featureless disc a shape) by :func:`disc_match`: a correlation
after a linear fit, leaving out the pixels far off it, so a satellite trail
or a cosmic ray does not make a frame "another scene".
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "disc_fit",
    "disc_match",
    "planet_mask",
    "planet_position",
    "planet_positions",
    "planet_region",
    "position_step",
    "shift_tolerance",
    "unwrap_shift",
]

#: Side (pixels) of the subsample the position is measured on.
SUBSAMPLE_SIDE = 64
#: A pixel is planet when it is this many robust sigmas above the sky ...
SIGMAS = 5.0
#: ... and above this fraction of the way from the sky to the brightest pixels (this percentile).
CONTRAST, TOP_PERCENTILE = 0.2, 99.9
#: A planet pixel weighs its brightness above the sky, at most this percentile of the planet's: a
#: satellite trail or a moon brighter than the disc counts no more than its area.
WEIGHT_CAP_PERCENTILE = 75.0


def position_step(shape: tuple[int, int]) -> int:
    """The subsampling step :func:`planet_position` uses on frames of ``shape`` (its precision)."""
    return max(1, round(min(shape) / SUBSAMPLE_SIDE))


def shift_tolerance(shape: tuple[int, int]) -> float:
    """How far (pixels) a registered shift may stray from the planet's coarse displacement: the
    position's precision, a planet partly out of the frame, a moon beside it."""
    return max(8.0, 4.0 * position_step(shape), 0.1 * min(shape))


def _weighted_medians(positions: np.ndarray, weights: np.ndarray, step: int) -> np.ndarray:
    """The median of ``positions`` weighted by each row of ``weights``, each sample a bin ``step`` wide
    (NaN for a row of no weight)."""
    cumulative = np.cumsum(weights, axis=1)
    half = np.float32(0.5) * cumulative[:, -1]
    index = np.count_nonzero(cumulative < half[:, None], axis=1)  # each row's searchsorted
    rows = np.arange(len(weights))
    before = np.where(index > 0, cumulative[rows, index - 1], np.float32(0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return positions[index] - 0.5 * step + step * (half - before) / weights[rows, index]


def _ranks(n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ranks of the lower quartile, the median (the sky) and the top among ``n`` values."""
    return n // 4, n // 2, np.minimum(n - 1, (TOP_PERCENTILE / 100 * n).astype(np.int64))


def _threshold(low: np.ndarray, sky: np.ndarray, top: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether a planet stands above the sky, and the level planet pixels are above, from the
    values (float64) at :func:`_ranks`."""
    sigma = 1.4826 * (sky - low)  # the median distance below the median
    found = (top - sky > SIGMAS * sigma) & (top > sky)
    return found, sky + np.maximum(SIGMAS * sigma, CONTRAST * (top - sky))


def _planet_threshold(values: np.ndarray) -> tuple[float, float] | None:
    """``(sky, threshold)`` of an image's finite values; None when nothing stands above the sky."""
    if values.size < 16:
        return None
    ranks = [int(r) for r in _ranks(np.array(values.size))]
    ordered = np.partition(values, ranks)  # one partial sort for every level
    found, threshold = _threshold(*(np.array(ordered[r], np.float64) for r in ranks))
    return (float(ordered[ranks[1]]), float(threshold)) if found else None


def planet_position(frame: np.ndarray) -> tuple[float, float]:
    """``(y, x)`` of the planet (the bright target) in a frame, in pixels; NaN when none stands out.

    The sky is the frame's median and its noise the robust spread of the
    values below it; planet pixels are above both ``sky + 5 sigma`` and
    ``sky + 0.2 (top - sky)``, with ``top`` the 99.9th percentile, and weigh
    their brightness above the sky up to the planet's 75th percentile.
    Accurate to about the subsampling step (:func:`position_step`), which is
    ample to choose between periodic shifts a frame apart.

    Examples
    --------
    >>> import numpy as np
    >>> y, x = np.mgrid[:200, :300]
    >>> frame = 10 + 100.0 * (((y - 50) ** 2 + (x - 220) ** 2) < 15**2)
    >>> [round(v) for v in planet_position(frame)]
    [50, 220]
    """
    y, x = planet_positions(np.asarray(frame)[None])[0]
    return float(y), float(x)


def planet_positions(frames: np.ndarray) -> np.ndarray:
    """:func:`planet_position` of each of a stack of frames ``(k, ny, nx)``, as ``(k, 2)``, in one
    pass of a few whole-stack operations (a frame at a time costs a dozen small ones each)."""
    step = position_step(frames.shape[1:])
    sample = np.asarray(frames[:, step // 2 :: step, step // 2 :: step], np.float32)
    if not sample.size:
        return np.full((len(sample), 2), np.nan)
    with np.errstate(over="ignore"):  # frames near the float32 limits: rows without a planet
        return _positions(sample, step)


def _positions(sample: np.ndarray, step: int) -> np.ndarray:
    k, ny, nx = sample.shape
    finite = np.isfinite(sample).reshape(k, -1)
    values = np.where(finite, sample.reshape(k, -1), np.float32(np.nan))
    ordered = np.sort(values, axis=1)  # the finite values first, in order
    counts = finite.sum(axis=1)
    rows = np.arange(k)
    low, sky, top = (ordered[rows, r].astype(np.float64) for r in _ranks(counts))
    found, threshold = _threshold(low, sky, top)
    found &= counts >= 16
    planet = finite & (values > threshold.astype(np.float32)[:, None])
    members = np.count_nonzero(planet, axis=1)
    found &= members > 0
    # the cap is the planet's 75th percentile: the planet is the finite values above the threshold,
    # the last ``members`` of each row's finite ones
    rank = (WEIGHT_CAP_PERCENTILE / 100 * (members - 1)).astype(np.int64)
    sky32 = sky.astype(np.float32)
    cap = ordered[rows, np.clip(counts - members + rank, 0, ordered.shape[1] - 1)] - sky32
    excess = values - sky32[:, None]
    weight = np.where(planet, np.minimum(excess, cap[:, None]), np.float32(0)).reshape(k, ny, nx)
    along_y, along_x = weight.sum(axis=2), weight.sum(axis=1)
    found &= along_y.sum(axis=1) > 0
    positions_y = step // 2 + step * np.arange(ny, dtype=np.float64)
    positions_x = step // 2 + step * np.arange(nx, dtype=np.float64)
    found_at = np.column_stack(
        [_weighted_medians(positions_y, along_y, step), _weighted_medians(positions_x, along_x, step)]
    )
    found_at[~found] = np.nan
    return found_at


def planet_mask(image: np.ndarray) -> np.ndarray:
    """The planet's pixels in an image (as :func:`planet_position` finds them; all False when none).

    Examples
    --------
    >>> import numpy as np
    >>> y, x = np.mgrid[:100, :100]
    >>> int(planet_mask(10 + 100.0 * (((y - 50) ** 2 + (x - 40) ** 2) < 10**2)).sum())
    305
    """
    finite = np.isfinite(image)
    found = _planet_threshold(np.asarray(image)[finite])
    if found is None:
        return np.zeros(image.shape, bool)
    with np.errstate(invalid="ignore"):
        return finite & (image > found[1])


def planet_region(image: np.ndarray, *, margin: float = 0.25) -> np.ndarray:
    """The box around the planet (its pixels' bounding box widened by ``margin`` of its size on each
    side, at least 4 px), as a mask; all False when no planet stands out.

    Examples
    --------
    >>> import numpy as np
    >>> y, x = np.mgrid[:100, :100]
    >>> region = planet_region(10 + 100.0 * (((y - 50) ** 2 + (x - 40) ** 2) < 10**2))
    >>> np.flatnonzero(region.any(axis=1))[[0, -1]], np.flatnonzero(region.any(axis=0))[[0, -1]]
    (array([37, 63]), array([27, 53]))
    """
    planet = planet_mask(image)
    region = np.zeros(image.shape, bool)
    if planet.any():
        box = []
        for axis in (1, 0):
            used = np.flatnonzero(planet.any(axis=axis))
            first, last = int(used[0]), int(used[-1])
            pad = max(4, int(margin * (last - first + 1)))
            box.append(slice(max(0, first - pad), last + 1 + pad))
        region[box[0], box[1]] = True
    return region


#: A pixel this many robust sigmas off the linear fit is left out of :func:`disc_match`, which looks
#: at an even sample of at most about this many pixels.
MATCH_CLIP, MATCH_SAMPLE = 5.0, 4096


def disc_match(
    frame: np.ndarray, reference: np.ndarray, mask: np.ndarray | tuple[np.ndarray, np.ndarray]
) -> float:
    """How well an aligned frame shows the reference's planet: a robust correlation on ``mask``
    (a boolean image, or the rows and columns of the pixels to compare).

    The frame is fitted as ``a * reference + b`` on the mask; pixels more
    than 5 robust sigmas off the fit (a satellite trail, a cosmic ray) are
    left out, and the correlation coefficient of the rest is returned (1: the
    same scene; near 0: another). NaN with fewer than 16 pixels.

    Examples
    --------
    >>> import numpy as np
    >>> y, x = np.mgrid[:64, :64]
    >>> planet = np.exp(-((y - 30) ** 2 + (x - 34) ** 2) / 200.0) * (1 + 0.3 * np.sin(y / 3))
    >>> noisy = planet + np.random.default_rng(0).normal(0, 0.01, planet.shape)
    >>> trail = noisy.copy(); trail[31] += 5  # a satellite crosses
    >>> mask = planet > 0.2
    >>> [round(disc_match(f, planet, mask), 2) for f in (noisy, trail, planet.T)]
    [1.0, 1.0, 0.38]
    """
    return disc_fit(frame, reference, mask)[0]


def disc_fit(
    frame: np.ndarray, reference: np.ndarray, mask: np.ndarray | tuple[np.ndarray, np.ndarray]
) -> tuple[float, float, float]:
    """:func:`disc_match`'s correlation, with the fit's slope ``a`` (the frame's brightness against the
    reference's: its transparency) and the robust spread of the frame about ``a * reference + b``
    (its noise, and whatever of the reference it does not show). NaN for each it cannot measure.
    """
    nothing = (math.nan, math.nan, math.nan)
    values = np.asarray(frame, np.float32)[mask]
    model = np.asarray(reference, np.float32)[mask]
    stride = max(1, values.size // MATCH_SAMPLE)  # an even sample is as good and keeps it cheap
    values, model = values[::stride].astype(np.float64), model[::stride].astype(np.float64)
    if values.size < 16:
        return nothing
    fitted = _fit(values, model)
    if fitted is None:
        return nothing
    residual = values - fitted
    centre = float(np.median(residual))
    spread = 1.4826 * float(np.median(np.abs(residual - centre)))
    keep = np.abs(residual - centre) <= MATCH_CLIP * spread if spread > 0 else np.ones(values.size, bool)
    if keep.sum() < 16:
        return nothing
    values, model = values[keep] - values[keep].mean(), model[keep] - model[keep].mean()
    norm = math.sqrt(float(values @ values) * float(model @ model))
    slope = float(values @ model) / float(model @ model) if float(model @ model) > 0 else math.nan
    return (float(values @ model) / norm if norm > 0 else math.nan), slope, spread


def _fit(values: np.ndarray, model: np.ndarray) -> np.ndarray | None:
    """The least-squares ``a * model + b`` to ``values`` (None when the model is flat)."""
    centred = model - model.mean()
    variance = float(centred @ centred)
    if not variance > 0:
        return None
    slope = float(centred @ (values - values.mean())) / variance
    return values.mean() + slope * centred


def unwrap_shift(fine: float, coarse: float, size: int) -> float:
    """The shift ``fine + k * size`` (k an integer) nearest ``coarse``; ``fine`` when ``coarse`` is NaN.

    Examples
    --------
    >>> unwrap_shift(252.5, -380.0, 640)
    -387.5
    >>> unwrap_shift(1.25, 0.0, 640)
    1.25
    """
    if not math.isfinite(coarse):
        return fine
    return fine + size * round((coarse - fine) / size)
