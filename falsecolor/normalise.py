"""The limits of the two palette axes, and flattening colour onto a background.

The palette maps values between two limits per axis (normalising them on the
fly); this module decides the limits (given, or robust percentiles of the on-disc pixels through
:mod:`astropy.visualization` intervals) and reports how much of the disc falls
outside them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._blocks import subsample
from .exceptions import InputError, warn

if TYPE_CHECKING:
    from astropy.visualization import BaseStretch

__all__ = [
    "DEFAULT_PERCENTILES",
    "GREY_PERCENTILES",
    "STRETCHES",
    "AxisLimits",
    "axis_limits",
    "flatten_onto",
    "grey_image",
    "stretch_of",
]

#: Percentiles of the on-disc pixels spanning black to white in a grey band panel.
GREY_PERCENTILES = (0.5, 99.5)

#: On-disc percentiles used for an axis when no limits are given (SCIENCE.md section 7).
DEFAULT_PERCENTILES = (2.0, 98.0)

#: The astropy.visualization stretch of each name, and its parameters; linear is none.
_STRETCH_CLASSES: dict[str, tuple[str, dict[str, float]] | None] = {
    "linear": None,
    "sqrt": ("SqrtStretch", {}),
    "asinh": ("AsinhStretch", {"a": 0.1}),
    "log": ("LogStretch", {"a": 1000.0}),
}


class _Stretches(Mapping[str, "BaseStretch | None"]):
    """The stretches by name, each made on first use: astropy.visualization imports matplotlib,
    which a command that draws nothing (``info``) should not load."""

    def __init__(self) -> None:
        self._made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> BaseStretch | None:
        if name not in self._made:
            made = _STRETCH_CLASSES[name]
            if made is None:
                self._made[name] = None
            else:
                from astropy import visualization

                self._made[name] = getattr(visualization, made[0])(**made[1])
        return self._made[name]

    def __contains__(self, name: object) -> bool:  # without making the stretch
        return name in _STRETCH_CLASSES

    def __iter__(self) -> Iterator[str]:
        return iter(_STRETCH_CLASSES)

    def __len__(self) -> int:
        return len(_STRETCH_CLASSES)


#: Stretches of an axis between its limits (astropy.visualization), by name; linear is none.
STRETCHES: Mapping[str, BaseStretch | None] = _Stretches()


def stretch_of(name: str) -> BaseStretch | None:
    """The stretch called ``name`` (None for linear): a callable on [0, 1] with an ``inverse``.

    Examples
    --------
    >>> import numpy as np
    >>> stretch_of("sqrt")(np.array([0.0, 0.25, 1.0]))
    array([0. , 0.5, 1. ])
    """
    if name not in STRETCHES:
        raise InputError(f"unknown stretch {name!r}: choose {', '.join(STRETCHES)}")
    return STRETCHES[name]


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
    stretch : str
        How values between the limits are spread over the axis (:data:`STRETCHES`).
    """

    low: float
    high: float
    source: str
    below: float = 0.0
    above: float = 0.0
    stretch: str = "linear"

    @property
    def stretch_function(self) -> BaseStretch | None:
        """The stretch as a callable on [0, 1] (None when linear)."""
        return stretch_of(self.stretch)

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
    stretch: str = "linear",
    floor: float | None = None,
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
        Percentile limits closer than this are widened (symmetrically, but
        not below ``floor``), with a warning when the span is visible.
    floor : float, optional
        The smallest value the axis can show (0 for an opacity).
    stretch : str
        How the axis spreads the values between its limits (:data:`STRETCHES`).

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
        source = "given"
    else:
        lower, upper = percentiles
        if not 0 <= lower < upper <= 100:
            raise InputError(f"{name} percentiles must satisfy 0 <= low < high <= 100, got {percentiles}")
        if sample.size == 0:
            raise InputError(f"no finite {name} on the disc: nothing to render")
        # the percentiles of astropy.visualization's AsymmetricPercentileInterval, in numpy: importing
        # astropy.visualization loads matplotlib, which a command that draws nothing does not need
        finite = sample[np.isfinite(sample)]
        low, high = (float(v) for v in np.percentile(finite if finite.size else np.zeros(1), (lower, upper)))
        source = f"percentiles {lower:g}-{upper:g} of on-disc pixels"
    if limits is None and high - low < minimum_span:
        centre = 0.5 * (low + high)
        low = centre - 0.5 * minimum_span if floor is None else max(floor, centre - 0.5 * minimum_span)
        high = low + minimum_span
        if minimum_span >= 1e-3:  # a span the key shows: say why it is not the data's
            warn(
                f"the {name} is the same everywhere on the disc ({centre:.4g}): its axis spans "
                f"{low:.4g}..{high:.4g}; give the limits for another span"
            )
    below = float(np.mean(sample < low)) if sample.size else 0.0
    above = float(np.mean(sample > high)) if sample.size else 0.0
    stretch_of(stretch)
    return AxisLimits(low, high, source, below, above, stretch)


def flatten_onto(rgba: np.ndarray, background: tuple[float, float, float, float] | None) -> np.ndarray:
    """Composite 8- or 16-bit RGBA over an opaque background colour; ``None`` keeps transparency.

    Blending is done on the sRGB-encoded values, as image viewers do. Only the
    partly transparent pixels (a resampled limb) are blended in floating point;
    opaque ones are copied and transparent ones take the background.
    """
    if background is None:
        return rgba
    full = np.iinfo(rgba.dtype).max
    bg = np.round(np.asarray(background[:3], dtype=np.float64) * full).astype(rgba.dtype)
    alpha = rgba[..., 3]
    out = rgba.copy()
    out[..., 3] = full
    np.copyto(out[..., :3], bg, where=(alpha == 0)[..., None])
    partial = np.nonzero((alpha != 0) & (alpha != full))
    if partial[0].size:
        a = alpha[partial].astype(np.float32)[:, None] / np.float32(full)
        mixed = rgba[partial][:, :3].astype(np.float32) * a + bg.astype(np.float32) * (1.0 - a)
        out[partial[0], partial[1], :3] = np.round(mixed).astype(rgba.dtype)
    return out


def grey_image(
    values: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    percentiles: tuple[float, float] = GREY_PERCENTILES,
    dtype: type = np.uint8,
) -> np.ndarray:
    """A band as a grey RGBA image: linear from the low to the high on-disc percentile.

    Pixels under ``mask`` (or not finite) are transparent. Returns ``values.shape + (4,)``
    of ``dtype`` (uint8 or uint16), in the orientation of ``values``.
    """
    data = np.asarray(values, dtype=np.float32)
    excluded = ~np.isfinite(data)
    if mask is not None:
        excluded |= np.asarray(mask, dtype=bool)
    limits = axis_limits(data, percentiles=percentiles, mask=excluded, name="band", minimum_span=1e-30)
    full = np.iinfo(dtype).max
    span = float(limits.high - limits.low)
    gain = full / span if span > 0 and np.isfinite(full / span) else 0.0  # a constant band is mid-grey
    scaled = (data - np.float32(limits.low)) * np.float32(gain) + np.float32(0 if gain else full / 2)
    grey = np.clip(np.nan_to_num(scaled, nan=0.0), 0, full).round().astype(dtype)
    out = np.empty((*data.shape, 4), dtype=dtype)
    out[..., :3] = grey[..., None]
    out[..., 3] = np.where(excluded, 0, full)
    return out
