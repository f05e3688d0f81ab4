"""Combining aligned frames with bounded memory: accumulators that merge, and the coverage map.

Every accumulator takes frames one at a time, can be merged with another of the
same kind (partial results of chunks, threads or dask workers, merged in chunk
order so the result does not depend on scheduling), and produces the stack.

A registered frame covers only part of the output: the rectangle its own
samples span once shifted (:func:`covered_window`). Outside it the shifted
frame holds nothing real (a Fourier shift wraps the far edge round), so each
frame is added inside its window only, :class:`Coverage` counts the frames
that covered each pixel, and a pixel no frame covered has no value (NaN).

- ``mean`` / ``weighted``: a weighted sum with a weight per pixel (zero
  outside the frame's window).
- ``clipped``: a weighted mean of the values within ``k`` sigma of a pilot
  median (median and MAD of the reference frames), so satellites, cosmic rays
  and bad pixels fall out without a second pass.
- ``median``: exact while the kept frames fit ``median_memory``; beyond that a
  per-pixel histogram around the pilot median (64 bins over ±6 sigma)
  interpolated at half the count, accurate to a few hundredths of sigma.
- drizzle: each input pixel's value is dropped bilinearly onto an output grid
  ``scale`` times finer at its aligned position (a point kernel); covered
  output pixels no input pixel reached take the plain stack's value.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "METHODS",
    "Coverage",
    "Drizzle",
    "HistogramMedian",
    "Pilot",
    "SumAccumulator",
    "Window",
    "covered_window",
]

METHODS = ("mean", "weighted", "median", "clipped")
MEDIAN_BINS = 64
MEDIAN_SPAN = 6.0
#: A sample this close (pixels) outside a frame's first or last row still counts as inside it.
EDGE_TOLERANCE = 0.05

Window = tuple[slice, slice]


def covered_window(
    shape: tuple[int, int], dy: float, dx: float, *, scale: float = 1.0, margin: tuple[float, float] = (0, 0)
) -> Window | None:
    """The output pixels a frame of ``shape`` covers once aligned; None when none.

    The frame's content sits ``(dy, dx)`` from the reference's (as
    :meth:`Registrar.shift` measures it), so aligned pixel ``r`` comes from
    the frame's point ``r + d``. An output pixel (on a grid ``scale`` times
    finer) is covered when that point lies within the frame's samples, at
    least ``margin`` pixels (per axis) inside them; a negative margin widens
    the window (``-0.5``: the frame's pixels as areas, as drizzle drops them).

    Examples
    --------
    >>> covered_window((100, 200), 10.4, -30.0)
    (slice(0, 89, None), slice(30, 200, None))
    """
    window = []
    for n, d, m in zip(shape, (dy, dx), margin, strict=True):
        size = round(n * scale)
        low = (m - EDGE_TOLERANCE - d + 0.5) * scale - 0.5
        high = (n - 1 - m + EDGE_TOLERANCE - d + 0.5) * scale - 0.5
        start, stop = max(0, math.ceil(low)), min(size, math.floor(high) + 1)
        if stop <= start:
            return None
        window.append(slice(start, stop))
    return window[0], window[1]


@dataclass
class Coverage:
    """How many frames covered each output pixel (a grid ``scale`` times finer than the frames)."""

    shape: tuple[int, int]
    scale: float = 1.0
    count: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.count = np.zeros(
            (round(self.shape[0] * self.scale), round(self.shape[1] * self.scale)), np.int32
        )

    def window(self, dy: float, dx: float, margin: tuple[float, float] = (0, 0)) -> Window | None:
        """This grid's :func:`covered_window` of a frame moved by ``(dy, dx)``."""
        return covered_window(self.shape, dy, dx, scale=self.scale, margin=margin)

    def add(self, window: Window) -> None:
        self.count[window] += 1

    def merge(self, other: Coverage) -> None:
        self.count += other.count


def _whole(window: Window, shape: tuple[int, int]) -> bool:
    return all(w.start == 0 and w.stop == n for w, n in zip(window, shape, strict=True))


def _nan_quiet(function, *args, **kwargs) -> np.ndarray:
    """A nan-reduction where an all-NaN pixel (no frame covered it) is NaN, without the warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(*args, **kwargs)


@dataclass
class Pilot:
    """Per-pixel median and robust sigma of the aligned reference frames."""

    centre: np.ndarray
    sigma: np.ndarray

    @classmethod
    def from_frames(cls, frames: np.ndarray, *, blur_allowance: float = 1.0) -> Pilot:
        """From aligned frames (NaN where a frame does not cover); sigma never falls below the typical
        noise and, at edges, allows ``blur_allowance`` pixels of extra blur or misregistration (the
        pilot frames are the sharpest). Pixels no frame covers get a wide pilot: their median is
        coarse and their clipping lax."""
        centre = _nan_quiet(np.nanmedian, frames, axis=0)
        mad = _nan_quiet(np.nanmedian, np.abs(frames - centre), axis=0) * 1.4826
        floor = max(float(_nan_quiet(np.nanmedian, mad)), 1e-12)  # noisy MADs of a few frames: never below
        gy, gx = np.gradient(centre)
        edge = blur_allowance * np.hypot(gy, gx)
        sigma = np.sqrt(np.maximum(mad, floor) ** 2 + edge**2)
        known = np.isfinite(centre) & np.isfinite(sigma)
        if not known.all():
            values = centre[np.isfinite(centre)]
            middle = float(np.median(values)) if values.size else 0.0
            spread = float(np.ptp(values)) / 6 if values.size else 1.0
            centre = np.where(np.isfinite(centre), centre, middle)
            sigma = np.where(known, sigma, max(spread, floor))
        return cls(centre.astype(np.float32), sigma.astype(np.float32))


@dataclass
class SumAccumulator:
    """Weighted sum with a per-pixel weight (per-region weights, sigma clipping)."""

    shape: tuple[int, int]
    pilot: Pilot | None = None
    clip: float = 3.0
    total: np.ndarray = field(init=False, repr=False)
    weight: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.total = np.zeros(self.shape, np.float64)
        self.weight = np.zeros(self.shape, np.float64)

    def add(self, frame: np.ndarray, weight: float | np.ndarray, window: Window | None = None) -> None:
        """Add an aligned frame inside ``window`` (default: everywhere) with a weight or weight map."""
        where = window or (slice(None), slice(None))
        values = frame[where]
        w = np.asarray(weight, np.float32)
        w = np.broadcast_to(w[where] if w.ndim else w, values.shape)
        if self.pilot is not None:
            keep = np.abs(values - self.pilot.centre[where]) <= self.clip * self.pilot.sigma[where]
            w = np.where(keep, w, np.float32(0))
        self.total[where] += values * w
        self.weight[where] += w

    def merge(self, other: SumAccumulator) -> None:
        self.total += other.total
        self.weight += other.weight

    def result(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.weight > 0, self.total / self.weight, np.nan).astype(np.float32)


@dataclass
class HistogramMedian:
    """Per-pixel median: exact from the frames while ``limit`` allows, else from a histogram."""

    shape: tuple[int, int]
    pilot: Pilot
    limit: int
    frames: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    counts: np.ndarray | None = field(default=None, repr=False)

    def add(self, frame: np.ndarray, index: int, window: Window | None = None) -> None:
        """Add an aligned frame that covers ``window`` (default: everywhere)."""
        if window is not None and not _whole(window, self.shape):
            covered = np.full(self.shape, np.nan, np.float32)
            covered[window] = frame[window]
            frame = covered
        if self.counts is None and len(self.frames) < self.limit:
            self.frames[index] = frame.copy()
            return
        if self.counts is None:
            self.counts = np.zeros((MEDIAN_BINS + 3, *self.shape), np.uint32)
            for kept in self.frames.values():
                self._count(kept)
            self.frames = {}
        self._count(frame)

    def _count(self, frame: np.ndarray) -> None:
        lo = self.pilot.centre - MEDIAN_SPAN * self.pilot.sigma
        width = 2 * MEDIAN_SPAN * self.pilot.sigma / MEDIAN_BINS
        with np.errstate(invalid="ignore"):
            position = np.nan_to_num((frame - lo) / width, nan=-1.0, posinf=MEDIAN_BINS, neginf=-1.0)
        index = np.floor(position).astype(np.intp) + 1
        np.clip(index, 0, MEDIAN_BINS + 1, out=index)
        index[np.isnan(frame)] = MEDIAN_BINS + 2  # not covered: counted apart, left out of the median
        assert self.counts is not None
        flat = self.counts.reshape(MEDIAN_BINS + 3, -1)
        flat[index.ravel(), np.arange(index.size)] += 1

    def merge(self, other: HistogramMedian) -> None:
        if other.counts is not None:
            if self.counts is None:
                self.counts = np.zeros_like(other.counts)
                for kept in self.frames.values():
                    self._count(kept)
                self.frames = {}
            self.counts += other.counts
        for index, frame in sorted(other.frames.items()):
            self.add(frame, index)

    def result(self) -> np.ndarray:
        """The per-pixel median; NaN where no frame covered the pixel."""
        if self.counts is None:
            if not self.frames:
                raise ValueError("no frame was accumulated")
            cube = np.stack([self.frames[k] for k in sorted(self.frames)])
            return _nan_quiet(np.nanmedian, cube, axis=0).astype(np.float32)
        counts = self.counts[: MEDIAN_BINS + 2]
        cumulative = np.cumsum(counts, axis=0, dtype=np.float64)
        half = cumulative[-1] / 2.0
        above = np.argmax(cumulative >= half, axis=0)  # first bin reaching half the count
        below = np.take_along_axis(cumulative, np.maximum(above - 1, 0)[None], axis=0)[0]
        below = np.where(above == 0, 0.0, below)
        inside = np.take_along_axis(counts, above[None], axis=0)[0].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            fraction = np.where(inside > 0, (half - below) / inside, 0.5)
        lo = self.pilot.centre - MEDIAN_SPAN * self.pilot.sigma
        width = 2 * MEDIAN_SPAN * self.pilot.sigma / MEDIAN_BINS
        value = np.clip(lo + (above - 1 + fraction) * width, lo, lo + MEDIAN_BINS * width)
        return np.where(cumulative[-1] > 0, value, np.nan).astype(np.float32)


@dataclass
class Drizzle:
    """Point-kernel drizzle onto a grid ``scale`` times finer than the frames."""

    shape: tuple[int, int]
    scale: float
    total: np.ndarray = field(init=False, repr=False)
    weight: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ny, nx = self.shape
        self.out_shape = (round(ny * self.scale), round(nx * self.scale))
        self.total = np.zeros(self.out_shape[0] * self.out_shape[1], np.float64)
        self.weight = np.zeros_like(self.total)
        self._y, self._x = np.mgrid[0:ny, 0:nx].astype(np.float32)

    def add(
        self, frame: np.ndarray, dy: float | np.ndarray, dx: float | np.ndarray, weight: float = 1.0
    ) -> None:
        """Drop a frame whose content sits ``(dy, dx)`` from the reference (scalars or per-pixel)."""
        s = np.float32(self.scale)
        oy = (self._y - dy + 0.5) * s - 0.5
        ox = (self._x - dx + 0.5) * s - 0.5
        y0, x0 = np.floor(oy), np.floor(ox)
        fy, fx = oy - y0, ox - x0
        y0, x0 = y0.astype(np.intp), x0.astype(np.intp)
        my, mx = self.out_shape
        values = (frame * np.float32(weight)).ravel()
        for ay, wy in ((y0, 1 - fy), (y0 + 1, fy)):
            for ax, wx in ((x0, 1 - fx), (x0 + 1, fx)):
                inside = ((ay >= 0) & (ay < my) & (ax >= 0) & (ax < mx)).ravel()
                index = (ay * mx + ax).ravel()[inside]
                w = (wy * wx).ravel()[inside]
                self.total += np.bincount(index, weights=w * values[inside], minlength=self.total.size)
                self.weight += np.bincount(index, weights=w * weight, minlength=self.weight.size)

    def merge(self, other: Drizzle) -> None:
        self.total += other.total
        self.weight += other.weight

    def result(self, fallback: np.ndarray) -> np.ndarray:
        """The drizzled image; pixels no input pixel reached take the upsampled ``fallback`` stack
        (NaN where that has no value either: the caller masks the field by coverage)."""
        from scipy import ndimage

        reached = self.weight > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            limit = 0.05 * np.median(self.weight[reached]) if reached.any() else np.inf
            image = np.where(self.weight > limit, self.total / self.weight, np.nan)
        image = image.reshape(self.out_shape)
        holes = ~np.isfinite(image)
        if holes.any():
            # a normalised interpolation: the fallback's own NaN border does not leak into its neighbours
            zoom = (self.out_shape[0] / fallback.shape[0], self.out_shape[1] / fallback.shape[1])
            known = np.isfinite(fallback)
            values = ndimage.zoom(np.where(known, fallback, 0), zoom, order=1, grid_mode=True, mode="nearest")
            share = ndimage.zoom(known.astype(np.float32), zoom, order=1, grid_mode=True, mode="nearest")
            with np.errstate(invalid="ignore", divide="ignore"):
                filled = np.where(share > 0.01, values / share, np.nan)
            image[holes] = filled[holes]
        return image.astype(np.float32)
