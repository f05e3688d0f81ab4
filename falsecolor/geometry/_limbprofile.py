"""The limb along rays normal to the outline: where each profile crosses its half level, and
how far outside that the limb lies (a model of limb darkening blurred by the seeing)."""

from __future__ import annotations

import numpy as np

from .._lazy import lazy

__all__ = ["half_level_crossings", "limb_shift"]

optimize = lazy("scipy.optimize")
_DEPTH_STEP = 0.05  # px, integration step of the limb-profile model
MIN_PROFILES = 20  # fewer profiles near the outline cannot constrain the model


def half_level_crossings(profiles: np.ndarray, offsets: np.ndarray, gap: float, window: float = 0.0):
    """Where each profile falls through half-way between its inner and outer levels (medians more than
    ``gap`` inside and outside the outline), nearest the outline; NaN where there is no such fall
    within ``max(gap, window)`` or the step is under half the median one. Returns it and the levels."""
    inner = np.median(profiles[:, offsets <= -gap], axis=1)
    outer = np.median(profiles[:, offsets >= gap], axis=1)
    if profiles.shape[0] == 0:
        return inner, inner, outer
    half = 0.5 * (inner + outer)[:, None]
    above = profiles >= half
    middle = 0.5 * (offsets[:-1] + offsets[1:])
    falls = above[:, :-1] & ~above[:, 1:] & (np.abs(middle) < max(gap, window))
    distance = np.where(falls, np.abs(middle), np.inf)
    step = np.argmin(distance, axis=1)
    rays = np.arange(profiles.shape[0])
    before, after = profiles[rays, step], profiles[rays, step + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = offsets[step] + (offsets[1] - offsets[0]) * (before - half[:, 0]) / (before - after)
    contrast = inner - outer
    found = np.isfinite(distance[rays, step]) & (contrast > 0)
    if found.any():
        found &= contrast > 0.5 * np.median(contrast[found])
    return np.where(found, offset, np.nan), inner, outer


def limb_shift(profiles: np.ndarray, offsets: np.ndarray, gap: float, radius: float, limit: float) -> float:
    """How far outside the half-level outline the limb is (pixels), from a model of the mean
    normalised limb profile: I0 mu^k (mu of a sphere of the disc's radius) blurred by a Gaussian."""
    offset, inner, outer = half_level_crossings(profiles, offsets, gap)
    near = np.abs(offset) <= limit  # NaN compares False
    if near.sum() < MIN_PROFILES:
        return 0.0
    mean = np.mean((profiles[near] - outer[near, None]) / (inner - outer)[near, None], axis=0)
    depth = (np.arange(int(min(2.0 * radius, offsets[-1] + 30.0) / _DEPTH_STEP)) + 0.5) * _DEPTH_STEP
    mu = np.sqrt(np.clip(depth * (2.0 - depth / radius) / radius, 1e-9, None))

    def model(p):  # shift, Gaussian sigma, amplitude, exponent, sky
        kernel = np.exp(-0.5 * ((offsets[:, None] - p[0] + depth) / p[1]) ** 2)
        return p[4] + p[2] * _DEPTH_STEP / (np.sqrt(2.0 * np.pi) * p[1]) * (kernel @ mu ** p[3])

    start, lower, upper = [0.0, 1.0, 1.0, 0.3, 0.0], [-gap, 0.05, 0.1, -1.0, -1.0], [gap, 5.0, 10.0, 2.0, 1.0]
    shift = optimize.least_squares(lambda p: model(p) - mean, start, bounds=(lower, upper)).x[0]
    return float(shift) if abs(shift) < 0.99 * gap else 0.0  # at the bound: the model does not fit
