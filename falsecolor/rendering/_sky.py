"""The sky (or detector bias) around the disc: measured, warned about, or subtracted.

Brightness temperature and tau assume zero radiance off the planet, as in a
chopped mid-IR image. A raw frame or a stack of raw frames carries a bias
and a sky background; left in, it raises every temperature and flattens tau
(a 5 um hot spot and a thick cloud then differ by far less than they do).
The sky is taken where the temperature band is below its disc threshold, and
measured in each band on those same pixels.
"""

from __future__ import annotations

import numpy as np

from .. import geometry
from .._blocks import sample_index
from .._messages import option
from ..bands import Band
from ..exceptions import InputError, warn
from ._provenance import Step

__all__ = ["SKY_WARNING_FRACTION", "check_sky", "subtract_sky"]

#: A sky above this fraction of the disc's median level is warned about.
SKY_WARNING_FRACTION = 0.05


def _levels(temperature: Band, *bands: Band) -> list[tuple[float, float]]:
    """(sky, disc) median levels of each band, on the temperature band's sky and disc pixels."""
    rows = sample_index(temperature.shape)
    reference = np.asarray(temperature.data)[rows]
    threshold = geometry.disc_threshold(temperature.data, raw=_raw(temperature))
    with np.errstate(invalid="ignore"):
        on = reference > threshold
    off = ~on  # below the threshold, or no temperature at all (NaN off a map or product)
    levels = []
    for band in bands:
        values = np.asarray(band.data)[rows]
        sky = values[off & np.isfinite(values)]
        disc = values[on & np.isfinite(values)]
        levels.append(
            (
                float(np.median(sky)) if sky.size >= 16 else np.nan,
                float(np.median(disc)) if disc.size else 0.0,
            )
        )
    return levels


def _raw(band: Band) -> bool:
    return band.kind in ("counts", "radiance")


def subtract_sky(temperature: Band, axis: Band, *, axis_role: str) -> tuple[Band, Band, list[Step]]:
    """Both bands (counts or radiance) minus their sky level, and what was subtracted.

    Raises
    ------
    InputError
        When no sky is seen around the disc.
    """
    bands = [temperature, axis] if axis_role != "opacity" else [temperature]
    out, steps = [], []
    for band, (sky, _), role in zip(
        bands, _levels(temperature, *bands), ("temperature", "cloud"), strict=False
    ):
        if not _raw(band):
            out.append(band)
            continue
        if not np.isfinite(sky):
            raise InputError(
                f"{band.label}: no sky around the disc to measure its level (the planet fills the frame): "
                f"leave out {option('subtract_sky')}"
            )
        data = np.asarray(band.data)
        dtype = data.dtype if data.dtype.kind == "f" else np.float32
        out.append(band.replace(data=(data - sky).astype(dtype, copy=False)))
        steps.append(Step(f"{role}_sky", f"{band.label}: sky level {sky:.6g} {band.unit} subtracted"))
    return out[0], (out[1] if len(out) > 1 else axis), steps


def check_sky(temperature: Band, axis: Band, *, axis_role: str) -> None:
    """Warn when a raw band carries a sky or bias level that the render would take as planet."""
    bands = [b for b in ([temperature, axis] if axis_role != "opacity" else [temperature]) if _raw(b)]
    if not bands:
        return
    for band, (sky, disc) in zip(bands, _levels(temperature, *bands), strict=True):
        if disc > 0 and sky > SKY_WARNING_FRACTION * disc:  # NaN (no sky seen) is not warned about
            warn(
                f"{band.label}: the sky around the disc is at {sky:.4g} {band.unit} ({100 * sky / disc:.0f}% "
                "of the disc): T and tau assume a zero sky; subtract it "
                f"({option('subtract_sky', True)}, or stack with {option('dark')})"
            )
