"""What the page draws from: T and tau quantised to 16 bits, the palette table, and the same look-up in numpy.

The page colours the composite itself, so that dragging a limit redraws it
without a round trip: it gets each plane once, as 16-bit codes (0 = off the
disc or masked; 1..65535 spread evenly over the plane's range, top row
first), and the palette's 8-bit table once per palette. A change of limits,
stretch or palette is then a look-up in the browser. :func:`page_rgba` is
that look-up done in numpy, the prediction the browser tests compare the
page's pixels with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._blocks import subsample
from ..normalise import AxisLimits
from ..palette import Palette
from ..rendering import Composite, stretches

__all__ = ["CODES", "Planes", "packed_palette", "page_rgba", "planes_of"]

#: Codes of on-disc values: 1..CODES (0 marks a pixel off the disc).
CODES = 65535
#: Rows quantised at a time (bounded temporaries for a large image).
_BLOCK_PIXELS = 1 << 20


@dataclass(frozen=True, eq=False)
class Planes:
    """T and the cloud axis as 16-bit codes, top row first, and how the codes map back to values.

    A code ``c >= 1`` stands for ``low + (c - 1) * step``; code 0 is off the disc.
    ``alpha`` is the composite's own alpha (a faded limb) when it has one.
    """

    t_codes: np.ndarray
    tau_codes: np.ndarray
    t_low: float
    t_step: float
    tau_low: float
    tau_step: float
    t_domain: tuple[float, float]
    tau_domain: tuple[float, float]
    alpha: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        ny, nx = self.t_codes.shape
        return ny, nx

    def values(self) -> tuple[np.ndarray, np.ndarray]:
        """The values the codes stand for (float32; NaN off the disc), as the page reads them."""
        out = []
        for codes, low, step in (
            (self.t_codes, self.t_low, self.t_step),
            (self.tau_codes, self.tau_low, self.tau_step),
        ):
            values = (low + (codes.astype(np.float64) - 1.0) * step).astype(np.float32)
            values[codes == 0] = np.nan
            out.append(values)
        return out[0], out[1]

    def describe(self) -> dict[str, object]:
        """The planes' layout and scales, for the page (the data follow as bytes)."""
        ny, nx = self.shape
        return {
            "width": nx,
            "height": ny,
            "t": {"low": self.t_low, "step": self.t_step, "domain": list(self.t_domain)},
            "tau": {"low": self.tau_low, "step": self.tau_step, "domain": list(self.tau_domain)},
            "alpha": self.alpha is not None,
        }

    def to_bytes(self) -> bytes:
        """T codes, then cloud codes (uint16, little-endian), then the alpha plane when there is one."""
        parts = [self.t_codes.astype("<u2").tobytes(), self.tau_codes.astype("<u2").tobytes()]
        if self.alpha is not None:
            parts.append(self.alpha.tobytes())
        return b"".join(parts)


def _range(values: np.ndarray, valid: np.ndarray) -> tuple[float, float, tuple[float, float]]:
    """The span the codes cover (the values, with far outliers clipped), and the key's initial domain."""
    sample = subsample(values, ~valid).astype(np.float64)
    if sample.size == 0:
        return 0.0, 1.0, (0.0, 1.0)
    lowest, highest = float(sample.min()), float(sample.max())
    p_low, p_high, d_low, d_high = np.percentile(sample, [0.01, 99.99, 0.1, 99.9])
    span = max(p_high - p_low, 1e-6)
    low, high = max(lowest, p_low - 0.5 * span), min(highest, p_high + 0.5 * span)
    if not high > low:
        high = low + max(abs(low) * 1e-6, 1e-6)
    margin = 0.1 * max(d_high - d_low, 1e-6)
    return low, high, (float(d_low - margin), float(d_high + margin))


def _quantise(values: np.ndarray, valid: np.ndarray, low: float, step: float) -> np.ndarray:
    """16-bit codes of ``values`` (0 where not ``valid``), rows flipped so that row 0 is the top."""
    ny, nx = values.shape
    codes = np.empty((ny, nx), dtype=np.uint16)
    rows = max(1, _BLOCK_PIXELS // max(nx, 1))
    for start in range(0, ny, rows):
        stop = min(ny, start + rows)
        block = (values[start:stop].astype(np.float64) - low) / step
        np.clip(block, 0.0, CODES - 1.0, out=block)
        block = np.rint(block) + 1.0
        block[~valid[start:stop]] = 0.0
        codes[ny - stop : ny - start] = block[::-1].astype(np.uint16)
    return codes


def planes_of(composite: Composite, *, faded: bool = False) -> Planes:
    """The composite's T and cloud-axis planes, quantised for the page (``faded``: send its alpha too)."""
    temperature = np.asarray(composite.temperature.value)
    cloud = np.asarray(composite.opacity)
    valid = ~np.asarray(composite.mask)
    t_low, t_high, t_domain = _range(temperature, valid)
    tau_low, tau_high, tau_domain = _range(cloud, valid)
    t_step, tau_step = (t_high - t_low) / (CODES - 1), (tau_high - tau_low) / (CODES - 1)
    alpha = None
    if faded:
        alpha = np.ascontiguousarray(composite.rgba[::-1, :, 3])
    return Planes(
        _quantise(temperature, valid, t_low, t_step),
        _quantise(cloud, valid, tau_low, tau_step),
        t_low,
        t_step,
        tau_low,
        tau_step,
        t_domain,
        tau_domain,
        alpha,
    )


def packed_palette(palette: Palette) -> bytes:
    """The palette as the page looks it up: RGBA bytes of the bad colour, then ``lut8[t, c]`` row by row."""
    bad = np.round(np.asarray(palette.bad, dtype=np.float64) * 255.0).astype(np.uint8)
    return bad.tobytes() + np.ascontiguousarray(palette.lut8).tobytes()


def page_rgba(planes: Planes, palette: Palette, t_axis: AxisLimits, tau_axis: AxisLimits) -> np.ndarray:
    """The page's image (top row first) for these limits: the palette's own look-up on the planes' values."""
    temperature, cloud = planes.values()
    rgba = palette.lookup(
        temperature,
        cloud,
        x_range=(t_axis.low, t_axis.high),
        y_range=(tau_axis.low, tau_axis.high),
        mask=~np.isfinite(temperature),
        **stretches(t_axis, tau_axis),
    )
    if planes.alpha is not None:
        rgba[..., 3] = np.rint(rgba[..., 3].astype(np.float64) * planes.alpha / 255.0).astype(np.uint8)
    return rgba
