"""Calibration of the frames of a stack: dark, flat, and hot and dead pixels repaired."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ..bands import FrameSource, open_frames
from ..exceptions import InputError

__all__ = ["Calibration", "find_bad_pixels", "master_frame"]


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


def _bad_pixels(mean: np.ndarray) -> np.ndarray:
    """Hot and dead pixels: far from their 3x3 median in the unregistered mean of the best frames."""
    median = ndimage.median_filter(mean, 3, mode="nearest")
    difference = mean - median
    noise = 1.4826 * float(np.median(np.abs(difference - np.median(difference))))
    return np.abs(difference) > np.maximum(10 * noise, 0.5 * np.abs(median)) + 1e-12


def find_bad_pixels(mean: np.ndarray, calibration: Calibration) -> None:
    """Find the hot and dead pixels on ``mean`` and plan their repair from their good neighbours."""
    bad = _bad_pixels(mean)
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
