"""One frame's registration, made unambiguous and checked: a shift is used only when it is plausible.

The FFT correlation gives the shift modulo the frame size; the planet's own
displacement (its position in this frame minus its position in the anchor
frame, found on each frame alone) picks the multiple, so a drift of more than
half the frame cannot wrap round. A shift is implausible, and the frame is
left out, when it disagrees with the planet's displacement by more than the
tolerance (:func:`falsecolor.lucky.shift_tolerance`), when the shifted frame
would not overlap the reference at all, or when the aligned frame does not
show the reference's planet (:func:`judge_match`: its robust correlation
around the planet falls far below the reference frames', :func:`poor_match`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import lucky

__all__ = ["Registered", "displacement", "judge_match", "planet_samples", "poor_match", "register"]

#: The planet's region is judged on an even sample of at most about this many pixels.
PLANET_SAMPLES = 4096

Samples = tuple[np.ndarray, np.ndarray]


def poor_match(correlation: float, baseline: float) -> bool:
    """A correlation far below the reference frames' median ``baseline``: under half of it, or below
    it by more than 0.1 and by more than three times the baseline's own distance from 1.

    Frames of one scene under changing seeing stay within a few hundredths of
    the baseline (measured: 0.97-0.999 around the planet on the synthetic and
    real sequences, 0.95 for a frame crossed by a satellite trail); a frame
    of another planet gave 0.6.

    Examples
    --------
    >>> poor_match(0.96, 0.98), poor_match(0.69, 0.97), poor_match(0.3, 0.5), poor_match(0.2, 0.5)
    (False, True, False, True)
    """
    if not math.isfinite(baseline):
        return False
    return correlation < max(0.5 * baseline, baseline - max(0.1, 3.0 * (1.0 - baseline)))


@dataclass(frozen=True)
class Registered:
    """The shift ``(dy, dx)`` of a frame against the reference, and why it is not used (if not)."""

    dy: float
    dx: float
    correlation: float
    coarse: tuple[float, float]
    problem: str | None = None


def displacement(positions: np.ndarray, index: int, anchor: int) -> tuple[float, float]:
    """The planet's displacement from the anchor frame to frame ``index`` (NaN when unknown)."""
    dy, dx = (float(v) for v in positions[index] - positions[anchor])
    return dy, dx


def register(registrar: lucky.Registrar, spectrum: np.ndarray, coarse: tuple[float, float]) -> Registered:
    """Register a frame (given its spectrum) against the reference, and judge the shift's position.

    ``coarse`` is the planet's displacement (pixels, NaN when unknown).
    """
    ny, nx = registrar.shape
    fine_y, fine_x, correlation = registrar.shift(spectrum)
    dy = lucky.unwrap_shift(fine_y, coarse[0], ny)
    dx = lucky.unwrap_shift(fine_x, coarse[1], nx)
    problem = None
    tolerance = lucky.shift_tolerance((ny, nx))
    if all(math.isfinite(c) for c in coarse) and max(abs(dy - coarse[0]), abs(dx - coarse[1])) > tolerance:
        problem = (
            f"implausible shift: the registration ({dy:+.1f}, {dx:+.1f}) px disagrees with the planet's "
            f"displacement ({coarse[0]:+.0f}, {coarse[1]:+.0f}) px"
        )
    elif lucky.covered_window((ny, nx), dy, dx) is None:
        problem = f"implausible shift: ({dy:+.0f}, {dx:+.0f}) px leaves no overlap with the reference"
    return Registered(dy, dx, correlation, coarse, problem)


def planet_samples(region: np.ndarray) -> Samples:
    """Rows and columns of an even sample of the pixels of ``region`` (the planet's box)."""
    rows, cols = np.nonzero(region)
    stride = max(1, rows.size // PLANET_SAMPLES)
    return rows[::stride], cols[::stride]


def judge_match(
    aligned: np.ndarray, reference: np.ndarray, planet: Samples, window: tuple[slice, slice], baseline: float
) -> tuple[float, str | None, float]:
    """The aligned frame's :func:`~falsecolor.lucky.disc_match` on the ``planet`` samples inside its
    window, the problem when it is a :func:`poor_match` to the reference frames' ``baseline``, and its
    noise-aware weight: its brightness against the reference over the square of its spread about it
    (``a / s**2``, the weight that maximises a weighted mean's signal-to-noise; NaN when unknown)."""
    rows, cols = planet
    inside = (rows >= window[0].start) & (rows < window[0].stop) & (cols >= window[1].start)
    inside &= cols < window[1].stop
    where = (rows[inside], cols[inside])
    match, slope, spread = lucky.disc_fit(aligned, reference, where)
    snr_weight = slope / spread**2 if slope > 0 and spread > 0 else math.nan
    if math.isfinite(match) and poor_match(match, baseline):
        return (
            match,
            f"implausible shift: the aligned frame does not show the reference's planet (match {match:.2f}, "
            f"the reference frames {baseline:.2f})",
            snr_weight,
        )
    return match, None, snr_weight
