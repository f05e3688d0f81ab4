"""Local (multi-point) alignment: shifts per alignment box, a smooth warp between them.

At 5 µm the isoplanatic patch (~30″) is smaller than Jupiter's disc
(SCIENCE.md §5.3), so one shift per frame leaves residual blur where the
atmosphere bent parts of the disc differently. A grid of boxes is laid on the
reference; boxes with structure are used as alignment points. Each globally
aligned frame gets a shift per box (batched FFT cross-correlation), the shifts
are interpolated bilinearly into a smooth field, and the frame is resampled
along it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.fft
from scipy import ndimage

from ._register import _parabola

__all__ = ["LocalAligner", "ShiftField"]


@dataclass
class ShiftField:
    """Bilinear interpolation from a grid of box centres to every pixel (weights computed once)."""

    shape: tuple[int, int]
    centres_y: np.ndarray
    centres_x: np.ndarray

    def __post_init__(self) -> None:
        self._y = self._axis(self.centres_y, self.shape[0])
        self._x = self._axis(self.centres_x, self.shape[1])

    @staticmethod
    def _axis(centres: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(centres) == 1:
            zeros = np.zeros(n, np.intp)
            return zeros, zeros, np.zeros(n, np.float32)
        position = np.interp(np.arange(n), centres, np.arange(len(centres)))
        low = np.minimum(np.floor(position).astype(np.intp), len(centres) - 2)
        return low, low + 1, (position - low).astype(np.float32)

    def __call__(self, grid: np.ndarray) -> np.ndarray:
        """Per-pixel values ``(ny, nx)`` from values on the box grid ``(nby, nbx)``."""
        x0, x1, wx = self._x
        rows = grid[:, x0] * (1 - wx) + grid[:, x1] * wx
        y0, x1y, wy = self._y
        return rows[y0] * (1 - wy)[:, None] + rows[x1y] * wy[:, None]


@dataclass
class LocalAligner:
    """Local shifts of globally aligned frames against a reference.

    Parameters
    ----------
    reference : ndarray
        The reference image ``(ny, nx)``.
    box : int
        Alignment box size in pixels (boxes tile the frame).
    min_contrast : float
        A box fixes the shift along an axis when the gradient energy of its
        reference along that axis exceeds this fraction of the largest box's;
        other boxes take the mean shift of those that do (per axis).
    max_shift : float
        Local shifts larger than this (pixels) are treated as failures and
        replaced by the mean of the good boxes.
    """

    reference: np.ndarray = field(repr=False)
    box: int = 64
    min_contrast: float = 0.1
    max_shift: float = 4.0

    def __post_init__(self) -> None:
        ny, nx = self.reference.shape
        b = self.box
        self.grid = (max(1, ny // b), max(1, nx // b))
        nby, nbx = self.grid
        self._origin = ((ny - nby * b) // 2, (nx - nbx * b) // 2)
        oy, ox = self._origin
        self.field = ShiftField(
            (ny, nx), oy + b / 2 - 0.5 + b * np.arange(nby), ox + b / 2 - 0.5 + b * np.arange(nbx)
        )
        boxes = self._boxes(self.reference)
        boxes = boxes - boxes.mean(axis=(-2, -1), keepdims=True)
        self._window = np.outer(np.hanning(b), np.hanning(b)).astype(np.float32)
        # structure per axis: a box of horizontal belts fixes dy but not dx (the aperture problem)
        energy = np.stack(
            [
                np.sum(np.diff(boxes, axis=-2) ** 2 * self._window[1:, :], axis=(-2, -1)),
                np.sum(np.diff(boxes, axis=-1) ** 2 * self._window[:, 1:], axis=(-2, -1)),
            ],
            axis=-1,
        )
        top = energy.max()
        self.usable_axes = energy > self.min_contrast * top if top > 0 else energy > 0
        self.usable = self.usable_axes.all(axis=-1)
        self._ref = np.conj(scipy.fft.rfft2(boxes * self._window, axes=(-2, -1)))
        self._ys, self._xs = np.mgrid[0:ny, 0:nx].astype(np.float32)

    def _boxes(self, image: np.ndarray) -> np.ndarray:
        nby, nbx = self.grid
        b = self.box
        oy, ox = self._origin
        view = image[oy : oy + nby * b, ox : ox + nbx * b]
        return view.reshape(nby, b, nbx, b).swapaxes(1, 2).astype(np.float32)

    def shifts(self, aligned: np.ndarray) -> np.ndarray:
        """Shift ``(nby, nbx, 2)`` of each box of a globally aligned frame (pixels)."""
        boxes = self._boxes(aligned)
        boxes -= boxes.mean(axis=(-2, -1), keepdims=True)
        spectra = scipy.fft.rfft2(boxes * self._window, axes=(-2, -1), workers=1)
        corr = scipy.fft.irfft2(spectra * self._ref, s=(self.box, self.box), axes=(-2, -1), workers=1)
        nby, nbx, b, _ = corr.shape
        flat = corr.reshape(nby, nbx, -1)
        peak = np.argmax(flat, axis=-1)
        py, px = np.divmod(peak, b)
        iy, ix = np.indices((nby, nbx))
        c0 = corr[iy, ix, py, px]
        oy = _parabola(corr[iy, ix, (py - 1) % b, px], c0, corr[iy, ix, (py + 1) % b, px])
        ox = _parabola(corr[iy, ix, py, (px - 1) % b], c0, corr[iy, ix, py, (px + 1) % b])
        dy = (py + oy + b / 2) % b - b / 2
        dx = (px + ox + b / 2) % b - b / 2
        result = np.stack([dy, dx], axis=-1)
        good = self.usable_axes & (np.hypot(dy, dx) <= self.max_shift)[..., None]
        for axis in (0, 1):
            values, ok = result[..., axis], good[..., axis]
            values[~ok] = values[ok].mean() if ok.any() else 0.0
        return result

    def warp(self, aligned: np.ndarray, shifts: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Resample a frame along the smooth field of its box shifts (bilinear)."""
        coordinates = np.stack([self._ys + self.field(shifts[..., 0]), self._xs + self.field(shifts[..., 1])])
        return ndimage.map_coordinates(aligned, coordinates, order=1, mode="nearest", output=out)

    def pixel_weights(self, box_weights: np.ndarray) -> np.ndarray:
        """A smooth per-pixel weight map from weights per box (for per-region selection)."""
        return self.field(box_weights.astype(np.float32))
