"""The aerosol-index cloud axis: two thermal bands instead of a 5 um image (SCIENCE.md 3.5).

dT = T(8.6 um) - T(13 um) falls where aerosol and cloud make the 8.6 um band
colder: about 17-18 K in the belts, 13-15 K in the zones. The axis is the
index dT_clear - dT >= 0 (K), with dT_clear the value of the clearest columns
(a high percentile of the disc, or given), so that, as for tau, 0 is clear
and larger is cloudier, and the same palettes read the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from astropy import units as u

from .._blocks import Kernel, float_dtype, subsample
from .._units import parse_quantity
from ..bands import Band
from ..exceptions import InputError, UnitError
from ._provenance import AxisQuantity
from ._sources import Source
from ._sources import temperature_source as temperature_source_of

__all__ = ["aerosol_source"]


def aerosol_source(
    band: Band,
    temperature_band: Band,
    temperature: tuple[Source, AxisQuantity],
    *,
    sample: Any,
    sample_excluded: np.ndarray,
    clear_sky: Any,
    clear_percentile: float,
) -> tuple[Source, np.ndarray, AxisQuantity, str]:
    """The aerosol index as a Source over dT, the brightness temperature of ``band`` (K), what the axis
    shows, and the clear-sky note.

    ``temperature`` is the temperature band's source and quantity; ``sample``
    selects the rows for the percentile reference and ``sample_excluded``
    marks their off-disc pixels.
    """
    temperature_source, temperature_quantity = temperature
    source, own = temperature_source_of(band)
    dtype = np.promote_types(float_dtype(band.data), temperature_source.dtype).type
    kelvin = np.empty(band.shape, dtype=dtype)
    source.kernel.run([band.data], [kelvin])
    reference = np.empty(band.shape, dtype=dtype)
    temperature_source.kernel.run([temperature_source.values], [reference])
    delta = np.subtract(kelvin, reference, out=reference)
    if clear_sky is None:
        values = subsample(delta[sample], sample_excluded)
        values = values[np.isfinite(values)]
        if values.size == 0:
            raise InputError(f"{band.label} and {temperature_band.label} share no usable pixel on the disc")
        clear = float(np.percentile(values, clear_percentile))
        note = f"{clear_percentile:g}th percentile of on-disc dT = {clear:.3f} K"
    else:
        clear = _kelvin_difference(clear_sky)
        note = f"given: dT_clear = {clear:.3f} K"
    # the key shows the bands as far as their wavelengths are known, never a file name
    aerosol_label = own.band or "aerosol band"
    temperature_label = temperature_quantity.band or "temperature band"
    shown = f"{aerosol_label} − {temperature_label}" if own.band or temperature_quantity.band else ""
    quantity = AxisQuantity(
        "aerosol",
        shown,
        f"aerosol index = dT_clear - dT, dT = T({own.band or band.label}) - "
        f"T({temperature_quantity.band or temperature_band.label})",
    )
    return Source(delta, _index_kernel(clear), dtype), kelvin, quantity, note


def _kelvin_difference(value) -> float:
    quantity = parse_quantity(value)
    if quantity.unit == u.dimensionless_unscaled:
        quantity = quantity.value * u.K
    if not quantity.unit.is_equivalent(u.K):  # K, mK; not degrees Celsius (an offset scale)
        raise UnitError(f"the clear-sky dT of the aerosol index is a difference in K, got {value}")
    number = float(quantity.to_value(u.K))
    if not np.isfinite(number):
        raise InputError(f"the clear-sky dT must be a finite number of kelvin, got {value}")
    return number


def _index_kernel(clear: float) -> Kernel:
    """dT -> dT_clear - dT, clipped at 0 (noise above the clear value); NaN stays NaN."""

    def kernel(x, out):
        np.subtract(clear, x, out=out, casting="unsafe")
        np.maximum(out, 0.0, out=out)

    return Kernel(kernel)
