"""Selection: reject unusable frames, keep the sharpest N or fraction (globally or per box)."""

from __future__ import annotations

import re

import numpy as np

from .._messages import option
from ..exceptions import InputError

__all__ = ["brightness_outliers", "keep_count", "parse_keep", "select_best"]

#: A frame is rejected as clouded/overexposed when its brightness is this far from the median.
BRIGHTNESS_LOW, BRIGHTNESS_HIGH = 0.7, 1.5


def parse_keep(keep: str | float | int) -> tuple[str, float]:
    """``'10%'`` → ``('fraction', 0.1)``, ``200`` or ``'200'`` → ``('count', 200)``, ``0.1`` → fraction.

    Examples
    --------
    >>> parse_keep("10%"), parse_keep("250"), parse_keep(0.05)
    (('fraction', 0.1), ('count', 250.0), ('fraction', 0.05))
    """
    if isinstance(keep, str):
        text = keep.strip()
        match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)\s*%", text)
        if match:
            value = float(match.group(1)) / 100
            kind = "fraction"
        elif re.fullmatch(r"\d+", text):
            value, kind = float(text), "count"
        else:
            raise InputError(f"{option('keep', keep)}: give a percentage (10%) or a number of frames (200)")
    elif isinstance(keep, bool) or not isinstance(keep, int | float):
        raise InputError(f"keep={keep!r}: give a percentage string ('10%'), a fraction or a frame count")
    elif isinstance(keep, int) or keep > 1:
        value, kind = float(keep), "count"
    else:
        value, kind = float(keep), "fraction"
    if kind == "fraction" and not 0 < value <= 1:
        raise InputError(f"{option('keep', keep)}: the fraction kept must be above 0 % and at most 100 %")
    if kind == "count" and value < 1:
        raise InputError(f"{option('keep', keep)}: keep at least one frame")
    return kind, value


def keep_count(keep: tuple[str, float], usable: int, *, at_least: int = 0) -> int:
    """How many of ``usable`` frames to keep: at least one, and at least ``min(usable, at_least)``.

    Examples
    --------
    >>> keep_count(("fraction", 0.1), 55), keep_count(("fraction", 0.1), 10, at_least=10)
    (6, 10)
    """
    kind, value = keep
    n = round(value * usable) if kind == "fraction" else int(value)
    return max(1, min(usable, max(n, at_least)))


def brightness_outliers(flux: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frames much fainter (cloud) or brighter (glint, wrong exposure) than the median.

    Returns masks ``(too_faint, too_bright)``.
    """
    if not usable.any():
        return np.zeros_like(usable), np.zeros_like(usable)
    median = float(np.median(flux[usable]))
    if median <= 0:
        return np.zeros_like(usable), np.zeros_like(usable)
    return usable & (flux < BRIGHTNESS_LOW * median), usable & (flux > BRIGHTNESS_HIGH * median)


def select_best(quality: np.ndarray, usable: np.ndarray, count: int) -> np.ndarray:
    """Mask of the ``count`` sharpest usable frames (ties broken by frame order).

    ``quality`` may be ``(n,)`` or ``(n, nby, nbx)`` (per box: a mask per box).
    """
    q = np.where(usable.reshape((-1,) + (1,) * (quality.ndim - 1)), quality, -np.inf)
    order = np.argsort(-q, axis=0, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(len(q)).reshape((-1,) + (1,) * (q.ndim - 1)), axis=0)
    return (ranks < count) & np.isfinite(q)
