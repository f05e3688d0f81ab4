"""Which pixels are on the disc: a brightness threshold above the sky."""

from __future__ import annotations

import numpy as np

from .._blocks import subsample
from .._lazy import lazy

ndimage = lazy("scipy.ndimage")  # a disc with its FC_* cards, the demo's, needs none of it

__all__ = ["DISC_FRACTION", "disc_threshold", "on_disc_mask", "sky_level"]


#: Pixels brighter than this fraction of the 99.5th percentile count as on the disc.
DISC_FRACTION = 0.02
#: In raw counts with a sky, a planet too small to reach the 99.5th percentile is seen at this one.
TAIL_PERCENTILE = 99.95


def disc_threshold(
    image: np.ndarray, *, fraction: float = DISC_FRACTION, sigmas: float = 5.0, raw: bool = False
) -> float:
    """The brightness above which a pixel counts as on the disc (``inf`` when nothing is bright).

    Parameters
    ----------
    image : ndarray
        Thermal-band radiance, counts or brightness temperature.
    fraction : float
        The threshold is at least this fraction of the bright level (the
        99.5th percentile; in raw counts whose frame edge shows a sky, the
        99.95th when the planet is too small to reach the 99.5th).
    sigmas : float
        ... and at least this many robust standard deviations above the sky.
    raw : bool
        The image is raw counts that may carry a bias or sky level: the sky
        is then looked for first on the frame's edge (a calibrated image can
        be planet to its edges, so its edge is not taken as sky).

    Returns
    -------
    float

    Notes
    -----
    The sky is the population of pixels below the current threshold. Its level
    is their median and its spread 1.4826 times the median distance of the
    values below that level (the lower half of the sky, which no disc pixel
    contaminates). The sky set is re-selected up to ``level + 3 spread`` until
    it stops changing, so a noisy sky is not truncated by a first guess; this
    also works when the disc covers less than half a per cent of the frame.
    Estimated on an even sample of rows.
    """
    sample = subsample(image)
    if sample.size == 0:
        return float("inf")
    bright = float(np.percentile(sample, 99.5))
    if not bright > 0:
        return float("inf")
    floor = fraction * bright
    cut, threshold = floor, floor
    border = _border_sky(np.asarray(image)) if raw else None
    if border is not None and not border[0] < 0.5 * bright:
        # a planet on under half a per cent of the frame (Saturn in a wide field): its level is the tail's
        tail = float(np.percentile(sample, TAIL_PERCENTILE))
        if border[0] < 0.5 * tail:
            bright, floor = tail, fraction * tail
            cut = threshold = floor
    # a sky or bias well below the disc: under half its brightness, or many sky spreads below it
    # (a bias of 1,200 counts under a disc at 1,900 is still plainly sky)
    if (
        border is not None
        and floor < border[0]
        and (border[0] < 0.5 * bright or border[0] + 20.0 * border[1] < bright)
    ):
        cut = threshold = max(floor, border[0] + 3.0 * border[1])
    for _ in range(8):
        sky = sample[sample <= cut]
        if sky.size < max(16, sample.size // 100):
            break
        level = float(np.median(sky))
        below = level - sky[sky <= level]
        spread = 1.4826 * float(np.median(below)) if below.size else 0.0
        threshold = max(floor, level + sigmas * spread)
        new_cut = max(floor, level + 3.0 * spread)
        if new_cut <= cut * (1 + 1e-6):
            break
        cut = new_cut
    return threshold


def _border_sky(image: np.ndarray) -> tuple[float, float] | None:
    """Level and spread of the sky on the outer two pixels of the frame's data (their lower quartile,
    which the sky holds even when the disc crosses part of the edge); None for a small or empty frame.

    Where the frame has a border without data (NaN: a stack's edge no frame covered), the outer
    two pixels of the finite data stand in for the frame's edge. They are taken as sky only when
    the pixels a few further in sit at the same level, since a disc with NaN all round (a product
    masked off the planet) has its limb there, not sky.
    """
    if image.ndim != 2 or min(image.shape) < 16:
        return None
    finite = np.isfinite(image)
    if finite.all():
        edge = np.concatenate(
            [image[:2].ravel(), image[-2:].ravel(), image[2:-2, :2].ravel(), image[2:-2, -2:].ravel()]
        )
        return _low_quartile(edge)
    within_2, within_4, within_8 = (_interior(finite, depth) for depth in (2, 4, 8))
    found = _low_quartile(image[finite & ~within_2])
    further = _low_quartile(image[within_4 & ~within_8])
    if found is None or further is None:
        return None
    level, spread = found
    if further[0] - level > max(3.0 * max(spread, further[1]), 1e-6 * abs(level)):
        return None  # brighter a few pixels in: a limb, not a sky
    return found


def _interior(finite: np.ndarray, depth: int) -> np.ndarray:
    """Pixels whose whole neighbourhood ``depth`` pixels around is finite and inside the frame."""
    share = ndimage.uniform_filter(finite.astype(np.float64), size=2 * depth + 1, mode="constant", cval=0.0)
    return share > 1.0 - 1e-6


def _low_quartile(edge: np.ndarray) -> tuple[float, float] | None:
    """Lower quartile of some pixels and the spread below it (a lower-quartile MAD, scaled)."""
    edge = edge[np.isfinite(edge)]
    if edge.size < 32:
        return None
    level = float(np.percentile(edge, 25))
    below = level - edge[edge <= level]
    spread = 1.4826 * float(np.median(below)) * 1.6 if below.size else 0.0
    return level, spread


def sky_level(image: np.ndarray, *, raw: bool = True) -> float:
    """The sky (or bias) level around the disc: the median of the pixels below the disc threshold.

    0 for a chopped thermal image (its sky is near zero); the bias and sky
    background of a raw frame or stack otherwise. NaN when nothing is below
    the threshold. ``raw``: see :func:`disc_threshold`.
    """
    threshold = disc_threshold(image, raw=raw)
    sample = subsample(image)
    sky = sample[sample <= threshold]
    return float(np.median(sky)) if sky.size else float("nan")


def on_disc_mask(image: np.ndarray, *, fraction: float = DISC_FRACTION, raw: bool = False) -> np.ndarray:
    """True where a pixel belongs to the planet, by a brightness threshold.

    A pixel is on the disc when it is finite and above :func:`disc_threshold`
    (a fraction of the bright level, raised above the sky noise). Suited to
    thermal-band images (sky near zero after chopping, disc bright) and to maps
    where 0 or NaN marks missing data. Raw images with an unsubtracted sky
    background count the sky as disc.

    Parameters
    ----------
    image : ndarray
        Thermal-band radiance, counts or brightness temperature.
    fraction : float
        Threshold as a fraction of the bright level.
    raw : bool
        Raw counts that may carry a bias: see :func:`disc_threshold`.

    Returns
    -------
    ndarray of bool
    """
    threshold = disc_threshold(image, fraction=fraction, raw=raw)
    with np.errstate(invalid="ignore"):
        return np.asarray(image) > threshold  # NaN compares False
