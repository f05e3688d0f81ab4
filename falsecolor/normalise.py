"""The limits of the two palette axes, and flattening colour onto a background.

The palette maps values between two limits per axis (normalising them on the
fly); this module decides the limits (given, or robust percentiles of the on-disc pixels through
:mod:`astropy.visualization` intervals) and reports how much of the disc falls
outside them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.visualization import AsymmetricPercentileInterval, ManualInterval

from ._blocks import subsample
from .exceptions import InputError

__all__ = ["DEFAULT_PERCENTILES", "AxisLimits", "axis_limits", "flatten_onto"]

#: On-disc percentiles used for an axis when no limits are given (SCIENCE.md section 7).
DEFAULT_PERCENTILES = (2.0, 98.0)


@dataclass(frozen=True)
class AxisLimits:
    """The values mapped to the two ends of one palette axis.

    Attributes
    ----------
    low, high : float
        Values at the cold/clear and warm/cloudy edges.
    source : str
        ``"given"`` or the percentiles they came from.
    below, above : float
        Fractions of the on-disc pixels clipped at each end.
    """

    low: float
    high: float
    source: str
    below: float = 0.0
    above: float = 0.0

    def __iter__(self):
        return iter((self.low, self.high))


def axis_limits(
    values: np.ndarray,
    *,
    limits: tuple[float, float] | None = None,
    percentiles: tuple[float, float] = DEFAULT_PERCENTILES,
    mask: np.ndarray | None = None,
    name: str = "values",
    minimum_span: float = 1e-6,
) -> AxisLimits:
    """Limits for one axis: the given pair, or percentiles of the unmasked finite values.

    Parameters
    ----------
    values : ndarray
        Temperature (K) or opacity.
    limits : (float, float), optional
        Explicit limits, ``low < high`` (the cold/clear edge first).
    percentiles : (float, float)
        Lower and upper percentiles when ``limits`` is not given.
    mask : ndarray of bool, optional
        True where a pixel is excluded (off the disc).
    name : str
        Used in error messages (``"temperature"``).
    minimum_span : float
        Percentile limits closer than this are widened symmetrically.

    Raises
    ------
    InputError
        When no pixel is usable, or the limits are not two increasing finite numbers.
    """
    sample = subsample(values, mask)
    if limits is not None:
        low, high = (float(v) for v in limits)
        if not (np.isfinite(low) and np.isfinite(high)) or not low < high:
            raise InputError(
                f"{name} limits must be two finite numbers, low then high (the palette's cold/clear "
                f"edge first), got {low:g} {high:g}"
            )
        interval = ManualInterval(low, high)
        source = "given"
    else:
        lower, upper = percentiles
        if not 0 <= lower < upper <= 100:
            raise InputError(f"{name} percentiles must satisfy 0 <= low < high <= 100, got {percentiles}")
        if sample.size == 0:
            raise InputError(f"no finite {name} on the disc: nothing to render")
        interval = AsymmetricPercentileInterval(lower, upper)
        source = f"percentiles {lower:g}-{upper:g} of on-disc pixels"
    low, high = (float(v) for v in interval.get_limits(sample if sample.size else np.zeros(1)))
    if limits is None and high - low < minimum_span:
        centre = 0.5 * (low + high)
        low, high = centre - 0.5 * minimum_span, centre + 0.5 * minimum_span
    below = float(np.mean(sample < low)) if sample.size else 0.0
    above = float(np.mean(sample > high)) if sample.size else 0.0
    return AxisLimits(low, high, source, below, above)


def flatten_onto(rgba: np.ndarray, background: tuple[float, float, float, float] | None) -> np.ndarray:
    """Composite 8-bit RGBA over an opaque background colour; ``None`` keeps transparency.

    Blending is done on the 8-bit sRGB values, as image viewers do.
    """
    if background is None:
        return rgba
    bg = np.round(np.asarray(background[:3]) * 255.0)
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * alpha + bg.astype(np.float32) * (1.0 - alpha)
    out = np.empty_like(rgba)
    out[..., :3] = np.round(rgb).astype(np.uint8)
    out[..., 3] = 255
    return out
