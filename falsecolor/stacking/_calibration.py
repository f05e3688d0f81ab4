"""Calibration of the frames of a stack: dark, flat, and hot and dead pixels repaired."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .._messages import option
from ..bands import FrameSource, open_frames
from ..exceptions import InputError

__all__ = ["Calibration", "bad_pixels", "calibration", "find_bad_pixels", "master_frame"]

#: A flat pixel under this fraction of the flat's median cannot be divided by: it is repaired from its
#: neighbours as a bad pixel (dust, a dead pixel) ...
DEAD_FLAT = 0.05
#: ... unless more than this fraction of the flat is, which is not a flat of these frames.
MAX_DEAD_FLAT = 0.01
PLANE_NAMES = ("red", "green", "blue")


@dataclass
class Calibration:
    """Dark, flat and bad-pixel repair, applied in place to each frame."""

    dark: np.ndarray | None = None
    flat_inverse: np.ndarray | None = None
    dead: np.ndarray | None = None  # where the flat is too dark to divide by: repaired as bad pixels
    bad: np.ndarray | None = None  # flat indices of bad pixels
    neighbours: np.ndarray | None = None  # (nbad, 4) flat indices
    neighbour_weights: np.ndarray | None = None  # (nbad, 4)

    def apply(self, frame: np.ndarray) -> None:
        if self.dark is not None:
            frame -= self.dark
        if self.flat_inverse is not None:
            frame *= self.flat_inverse

    def repair(self, frame: np.ndarray) -> None:
        """Bad pixels replaced by their good neighbours' mean, in a frame or in each of its planes."""
        if self.bad is None or not len(self.bad):
            return
        flat = frame.reshape(*frame.shape[:-2], -1)
        flat[..., self.bad] = np.sum(flat[..., self.neighbours] * self.neighbour_weights, axis=-1)

    def repair_as(self, other: Calibration) -> None:
        """Repair the pixels ``other`` repairs (a colour stack's planes, as its luminance)."""
        self.bad, self.neighbours, self.neighbour_weights = (
            other.bad,
            other.neighbours,
            other.neighbour_weights,
        )


def _check_kind(frames: FrameSource, what: str, planes: bool) -> None:
    """Calibration frames a colour stack cannot apply unambiguously: a mix of colour and single-plane
    frames, or three single planes that may be colours."""
    if not planes:
        return
    colour = {frames.is_colour(i) for i in range(len(frames))}
    if len(colour) > 1:
        raise InputError(f"the {what} frames mix colour and single-plane ones: give one kind")
    if colour == {False} and len(frames) == 3 and len(frames.segments) == 1:
        raise InputError(
            f"the {what} is three single planes (red, green and blue, or three {what} frames?): for "
            f"a colour stack give colour {what} frames (RGB images, colour SER, an (ny, nx, 3) array) "
            "or one plane per file"
        )


def bad_pixels(mean: np.ndarray) -> np.ndarray:
    """Hot and dead pixels: far from their 3x3 median in the unregistered mean of the best frames."""
    median = ndimage.median_filter(mean, 3, mode="nearest")
    difference = mean - median
    noise = 1.4826 * float(np.median(np.abs(difference - np.median(difference))))
    return np.abs(difference) > np.maximum(10 * noise, 0.5 * np.abs(median)) + 1e-12


def find_bad_pixels(mean: np.ndarray, calibration: Calibration, also: np.ndarray | None = None) -> None:
    """Find the hot and dead pixels on ``mean`` (and those of the mask ``also``) and plan their repair
    from their good neighbours."""
    bad = bad_pixels(mean) if also is None else bad_pixels(mean) | also
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


def calibration(dark, flat, like: FrameSource, *, planes: bool = False) -> Calibration:
    """Master dark and flat (the flat less the dark, normalised to its median) for the frames of
    ``like``, read as they are (the same channel, mosaics demosaiced alike); with ``planes``, of a
    colour stack's planes (each normalised to its own median: the colour balance stays the
    camera's), from colour calibration frames, or single-plane ones applied to every plane."""
    result = Calibration()
    if dark is not None:
        result.dark = master_frame(dark, like, "dark", planes=planes)
    if flat is not None:
        master = master_frame(flat, like, "flat", planes=planes)
        if result.dark is not None:
            master = master - result.dark
        level = np.median(master, axis=(-2, -1), keepdims=True)
        dead = ~(master > DEAD_FLAT * level)  # NaN too
        share = np.atleast_1d(dead.mean(axis=(-2, -1)))  # per plane
        if not np.all(level > 0) or share.max() > MAX_DEAD_FLAT:
            where = f" in its {PLANE_NAMES[int(np.argmax(share))]} plane" if master.ndim == 3 else ""
            raise InputError(
                f"the flat is not above {DEAD_FLAT:.0%} of its median level on "
                f"{100 * share.max():.1f} % of its pixels{where}: check {option('flat')} "
                "(a flat of this camera and optics, evenly lit)"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            result.flat_inverse = np.where(dead, 0, level / master).astype(np.float32)
        result.dead = dead.any(axis=0) if dead.ndim == 3 else dead
    return result


def master_frame(inputs, like: FrameSource, what: str, *, planes: bool = False) -> np.ndarray:
    """Mean of calibration frames (a path, list of paths or an array) read as the frames of ``like``
    are; with ``planes``, of their colour planes ``(3, ny, nx)`` when they are in colour."""
    shape = like.shape
    channel = like.channel if like.channel in ("red", "green", "blue") else "luminance"
    if isinstance(inputs, np.ndarray):
        single = inputs.ndim == 2 or (inputs.ndim == 3 and inputs.shape[-1] in (3, 4))  # one colour frame
        frames = FrameSource.from_array(inputs[None] if single else inputs, channel=channel)
    else:
        frames = open_frames(inputs, channel=channel, bayer=like.bayer)
    if frames.shape != shape:
        raise InputError(f"the {what} frames are {frames.shape}, the frames {shape}: they must match")
    _check_kind(frames, what, planes)
    colour = planes and frames.is_colour(0)
    read = frames.read_rgb if colour else frames.read
    buffer = np.empty((3, *shape) if colour else shape, np.float32)
    total = np.zeros(buffer.shape, np.float64)
    count = 0
    problem = None
    for i in range(len(frames)):
        problem = read(i, buffer) or (None if np.isfinite(buffer).all() else "NaN or infinite values")
        if problem is None:
            total += buffer
            count += 1
    if not count:
        raise InputError(f"no usable {what} frame ({problem}): check {option(what)}")
    return (total / count).astype(np.float32)
