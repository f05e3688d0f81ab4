"""Colour stacks (``channel='rgb'``): frames selected and registered on their luminance, and their
red, green and blue planes moved by the same shifts and added with the same weights.

One decode per frame gives both the luminance that is measured and registered and the three planes
that are stacked, so the colours stay in register with each other and with the luminance stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from .. import lucky
from .._messages import option
from ..exceptions import InputError
from ._calibration import Calibration, bad_pixels
from ._chop import ChoppedSource

__all__ = ["PLANES", "PlaneSums", "check_colour", "colour_bad_pixels", "colour_hdu"]

#: The planes of a colour stack, in the order of its FITS cube and of the last axis of ``Stacked.rgb``.
PLANES = ("red", "green", "blue")


def check_colour(options, source=None) -> None:
    """What a colour stack supports: one shift per frame added to a (weighted) mean."""
    if options.channel != "rgb":
        return
    for allowed, name, value in (
        (("weighted", "mean"), "method", options.method),
        (("global", "none"), "align", options.align),
    ):
        if value not in allowed:
            raise InputError(
                f"{option('channel', 'rgb')} stacks with {' or '.join(option(name, a) for a in allowed)}: "
                f"drop {option(name, value)}, or stack one colour at a time ({option('channel', 'red')}, "
                "green or blue)"
            )
    if options.drizzle != 1.0:
        raise InputError(
            f"{option('channel', 'rgb')} does not drizzle: drop {option('drizzle', options.drizzle)}"
        )
    if options.local_selection:
        raise InputError(f"{option('channel', 'rgb')} selects whole frames: drop {option('local-selection')}")
    if isinstance(source, ChoppedSource):
        raise InputError(
            f"chopped bursts are single-plane thermal frames: drop {option('channel', 'rgb')} "
            f"(or stack without pairs: {option('chop', 'none')})"
        )


@dataclass
class PlaneSums:
    """The weighted sums of the red, green and blue planes of the stacked frames."""

    shape: tuple[int, int]
    planes: list[lucky.SumAccumulator] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.planes = [lucky.SumAccumulator(self.shape) for _ in PLANES]

    def add(self, planes: np.ndarray, dy: float, dx: float, weight, window) -> None:
        """Add ``planes`` ``(3, ny, nx)`` moved by ``(-dy, -dx)`` (the luminance's registration)."""
        if dy or dx:
            spectrum = scipy.fft.rfft2(planes, workers=1)
            lucky.shift_spectrum(spectrum, self.shape, -dy, -dx)
            planes = scipy.fft.irfft2(spectrum, s=self.shape, workers=1)
        for total, plane in zip(self.planes, planes, strict=True):
            total.add(plane, weight, window)

    def merge(self, other: PlaneSums) -> None:
        for mine, theirs in zip(self.planes, other.planes, strict=True):
            mine.merge(theirs)

    def result(self, missing: np.ndarray) -> np.ndarray:
        """The stacked colour image ``(ny, nx, 3)``, NaN where the luminance stack has no value."""
        rgb = np.stack([total.result() for total in self.planes], axis=-1)
        rgb[missing] = np.nan
        return rgb


def colour_bad_pixels(source, calibration: Calibration, best) -> np.ndarray:
    """The hot and dead pixels of any colour (a hot blue pixel is a seventh of one in luminance): on
    each calibrated plane of the unregistered mean of the best frames."""
    planes = np.empty((3, *source.shape), np.float32)
    total = np.zeros(planes.shape)
    for index in best:
        source.read_rgb(int(index), planes)
        calibration.apply(planes)
        total += planes
    mean = total / max(1, len(best))
    return bad_pixels(mean[0]) | bad_pixels(mean[1]) | bad_pixels(mean[2])


def colour_hdu(hdu, rgb: np.ndarray):
    """The band's HDU holding the colour stack instead: a cube of red, green and blue planes."""
    hdu.data = np.ascontiguousarray(np.moveaxis(rgb, -1, 0))
    hdu.header["CHANNEL"] = ("rgb", "planes 1, 2, 3: red, green, blue")
    hdu.header["COMMENT"] = "a colour stack: frames selected and registered on their luminance"
    return hdu
