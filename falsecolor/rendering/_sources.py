"""From a band to the kernel that makes a physical map: brightness temperature or cloud opacity.

Each ``*_source`` function checks a band for its role and returns the array to
read and the block kernel that turns it into the physical quantity, so that the
render computes temperature, opacity, mask and colour in one pass, and says
what the axis shows and how it was obtained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy import units as u

from .. import opacity as opacity_stage
from .. import planck
from .._blocks import Kernel, float_dtype
from .._messages import for_band, option
from .._units import WAVELENGTH_RADIANCE
from ..bands import Band
from ..exceptions import UnitError, warn
from ._clear import clear_reference
from ._provenance import AxisQuantity
from ._spectral import band_label, radiance_scale, spectral

__all__ = ["Source", "kelvin_to_radiance", "opacity_source", "temperature_source"]


@dataclass(frozen=True)
class Source:
    """An input array and the kernel that maps it, block by block, to a physical value."""

    values: np.ndarray
    kernel: Kernel
    dtype: type


def _kelvin_kernel(scale: float) -> Kernel:
    """Values (times ``scale``) already in K; <= 0 (no data) becomes NaN."""

    def kernel(x, t):
        np.multiply(x, scale, out=t, casting="unsafe")
        np.copyto(t, np.nan, where=t <= 0)

    return Kernel(kernel)


def temperature_source(band: Band) -> tuple[Source, AxisQuantity]:
    """The band as radiance/counts with an inverse-Planck kernel, or K as given."""
    dtype = float_dtype(band.data)
    if band.kind == "temperature":
        scale = band.unit.to(u.K, equivalencies=u.temperature())
        quantity = AxisQuantity(
            "temperature", band_label(band), f"{band.label}: brightness temperature as given"
        )
        return Source(band.data, _kelvin_kernel(scale), dtype), quantity
    if band.kind not in ("radiance", "counts"):
        with for_band(band.role):
            raise UnitError(
                f"{band.label} is in {band.unit or 'no unit'}: the temperature band must be "
                f"counts, a spectral radiance or K ({option('unit')} sets it)"
            )
    integrand = spectral(band)
    scale, unit = radiance_scale(band)
    label = band_label(band)
    quantity = AxisQuantity("temperature", label, f"{band.label}: inverse Planck over {label}, {unit}")
    return Source(band.data, planck.temperature_kernel(integrand, unit, scale=scale), dtype), quantity


def kelvin_to_radiance(band: Band) -> np.ndarray:
    """A brightness-temperature band as radiance (W m-2 sr-1 um-1, float64) through its spectral identity."""
    kelvin = (band.data * band.unit).to_value(u.K, equivalencies=u.temperature())
    return planck.temperature_to_radiance(kelvin, spectral(band), WAVELENGTH_RADIANCE)


def _opacity_map_kernel() -> Kernel:
    """A given opacity map: negative values (noise around clear sky) clip to 0, NaN stays."""

    def kernel(x, tau):
        np.maximum(x, 0.0, out=tau, casting="unsafe")

    return Kernel(kernel)


def opacity_source(
    band: Band,
    *,
    is_opacity_map: bool,
    sample: Any,
    sample_excluded: np.ndarray,
    clear_sky: Any,
    clear_percentile: float,
) -> tuple[Source, AxisQuantity, str | None]:
    """The cloud axis: a given opacity map, or a 5 um band with its clear-sky reference (and a note of it).

    ``sample`` selects the rows used for the percentile reference and
    ``sample_excluded`` marks their off-disc pixels.
    """
    if is_opacity_map:
        return (*_opacity_map_source(band, sample), None)
    return _cloud_band_source(band, sample, sample_excluded, clear_sky, clear_percentile)


def _opacity_map_source(opacity: Band, sample) -> tuple[Source, AxisQuantity]:
    unit_from_default = opacity.provenance.get("unit", "").startswith("default")
    if opacity.kind != "opacity" and not unit_from_default:
        raise UnitError(
            f"{opacity.label} is in {opacity.unit}: an opacity map is dimensionless "
            "(set BUNIT to '' or leave it out)"
        )
    values = np.asarray(opacity.data)[sample]
    largest = np.nanmax(values) if np.isfinite(values).any() else 0.0
    if largest > 20:
        warn(
            f"{opacity.label} reaches tau = {largest:.3g}: is it really a cloud-opacity map? "
            f"A 5 µm image goes with {option('cloud')}"
        )
    quantity = AxisQuantity("opacity", "", f"{opacity.label}: opacity map as given")
    return Source(opacity.data, _opacity_map_kernel(), float_dtype(opacity.data)), quantity


def _cloud_band_source(cloud: Band, sample, sample_excluded, clear_sky, clear_percentile):
    values = cloud.data
    unit: u.UnitBase | None
    if cloud.kind == "temperature":
        scale, unit = 1.0, WAVELENGTH_RADIANCE
        values = kelvin_to_radiance(cloud).astype(cloud.data.dtype)
    elif cloud.kind == "counts" and cloud.conversion_factor is None:
        scale, unit = 1.0, None  # tau is a ratio: the gain cancels
    elif cloud.kind in ("radiance", "counts"):
        scale, unit = radiance_scale(cloud)
    else:
        with for_band(cloud.role):
            raise UnitError(
                f"{cloud.label} is in {cloud.unit}: the cloud band must be counts, a "
                f"spectral radiance or K ({option('unit')} sets it)"
            )
    label = band_label(cloud) or "cloud band"
    if clear_sky is None:
        clear = opacity_stage.clear_sky_radiance(
            np.asarray(values)[sample], percentile=clear_percentile, mask=sample_excluded
        )
        shown = f"{clear * scale:.6g} {unit or 'counts'}"
        note = f"{clear_percentile:g}th percentile of on-disc {label} = {shown}"
    else:
        with for_band(cloud.role):
            clear = clear_reference(
                clear_sky,
                scale=scale,
                radiance_unit=unit,
                number_unit=cloud.unit if cloud.kind in ("temperature", "counts") else None,
                data_in_counts=cloud.kind == "counts",
                spectral=lambda: spectral(cloud),
                what=cloud.label,
                scale_option=option("scale"),
            )
        note = f"given: {clear_sky} = {clear * scale:.6g} {unit or 'counts'}"
    dtype = float_dtype(np.asarray(values))
    quantity = AxisQuantity("opacity", label, f"{cloud.label}: tau = ln(I_clear / I)")
    return Source(values, opacity_stage.opacity_kernel(clear, dtype=dtype), dtype), quantity, note
