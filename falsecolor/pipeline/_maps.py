"""From a band to the kernel that makes a physical map: brightness temperature or cloud opacity.

Each ``*_source`` function validates a band for its role and returns the array
to read and the block kernel that turns it into the physical quantity, so the
render can compute temperature, opacity, mask and colour in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy import units as u

from .. import calibrate, filters, planck
from .. import opacity as opacity_stage
from .._blocks import Kernel, float_dtype
from .._units import WAVELENGTH_RADIANCE, is_radiance
from ..bands import Band
from ..exceptions import FilterError, InputError, UnitError, warn


@dataclass(frozen=True)
class Source:
    """An input array and the kernel that maps it, block by block, to a physical value."""

    values: np.ndarray
    kernel: Kernel
    dtype: type


def _examples(prefix: str) -> tuple[str, str]:
    return ("5um", "M-BAND") if prefix.startswith("--cloud") else ("13um", "NEII_2")


def spectral_of(band: Band, prefix: str) -> tuple[Any, str]:
    """The filter (band-integrated) or wavelength (monochromatic) of a band, and a label."""
    wave_example, filter_example = _examples(prefix)
    from_option = band.provenance.get("wavelength") == "option"
    if band.filter_name and not from_option:
        try:
            filt = filters.get_filter(band.filter_name)
            return filt, f"{filt.name} {filt.wavelength.to_value(u.um):.2f} µm"
        except FilterError:
            if band.wavelength is None:
                raise FilterError(
                    f"unknown filter {band.filter_name!r} in {band.label}: give {prefix}filter "
                    f"with one of {', '.join(filters.list_filters())} or a curve file, "
                    f"or {prefix}wavelength (e.g. {wave_example})"
                ) from None
            warn(
                f"unknown filter {band.filter_name!r} in {band.label}; using its wavelength "
                f"{band.wavelength} without band integration"
            )
    if band.wavelength is not None:
        wavelength = band.wavelength.to(u.um, equivalencies=u.spectral())
        return band.wavelength, f"{wavelength.value:.2f} µm"
    raise FilterError(
        f"cannot tell the wavelength of {band.label} (no WAVELNTH or FILTER card): give "
        f"{prefix}wavelength (e.g. {wave_example}) or {prefix}filter (e.g. {filter_example})"
    )


def radiance_scale(band: Band, prefix: str) -> tuple[float, u.UnitBase]:
    """``(scale, unit)`` such that ``scale * band.data`` is radiance in ``unit``."""
    if band.kind == "radiance":
        return 1.0, band.unit
    if band.kind == "counts":
        if band.conversion_factor is None:
            raise InputError(
                f"{band.label} is in counts: give {prefix}scale with the radiance per count "
                f"(e.g. '1.2e-5 W m-2 sr-1 um-1'), or {prefix}unit if it is already calibrated"
            )
        return calibrate.conversion(band.conversion_factor, counts_unit=band.unit)
    raise UnitError(
        f"{band.label} is in {band.unit}, not counts or a spectral radiance: "
        f"give the right unit with {prefix}unit"
    )


def _kelvin_kernel(scale: float) -> Kernel:
    """Values (times ``scale``) already in K; <= 0 (no data) becomes NaN."""

    def kernel(x, t):
        np.multiply(x, scale, out=t, casting="unsafe")
        np.copyto(t, np.nan, where=t <= 0)

    return Kernel(kernel)


def label_of(band: Band) -> str:
    """``"NEII_2 13.04 µm"``, ``"13.00 µm"``, ``"NEII_2"`` or ``""``: the band as far as known."""
    wavelength = band.wavelength
    if wavelength is None and band.filter_name:
        try:
            wavelength = filters.get_filter(band.filter_name).wavelength
        except FilterError:
            wavelength = None
    if wavelength is None:
        return band.filter_name or ""
    microns = wavelength.to_value(u.um, equivalencies=u.spectral())
    return f"{band.filter_name} {microns:.2f} µm" if band.filter_name else f"{microns:.2f} µm"


def check_filter_option(band: Band, prefix: str) -> None:
    """A filter the user named on the command line must exist, even where it is not needed."""
    if band.provenance.get("filter") == "option" and band.filter_name:
        if band.provenance.get("wavelength") == "option":
            raise InputError(f"give either {prefix}filter or {prefix}wavelength for {band.label}, not both")
        filters.get_filter(band.filter_name)


def temperature_source(band: Band, prefix: str, notes: dict[str, str]) -> Source:
    """The temperature band as radiance/counts + inverse-Planck kernel, or K as given."""
    dtype = float_dtype(band.data)
    if band.kind == "temperature":
        notes["temperature"] = f"{band.label}: brightness temperature as given"
        notes["temperature_band"] = label_of(band)
        scale = band.unit.to(u.K, equivalencies=u.temperature())
        return Source(band.data, _kelvin_kernel(scale), dtype)
    if band.kind not in ("radiance", "counts"):
        raise UnitError(
            f"{band.label} is in {band.unit or 'no unit'}: the temperature band must be "
            f"counts, a spectral radiance or K ({prefix}unit sets it)"
        )
    spectral, label = spectral_of(band, prefix)
    scale, unit = radiance_scale(band, prefix)
    notes["temperature"] = f"{band.label}: inverse Planck over {label}, {unit}"
    notes["temperature_band"] = label
    return Source(band.data, planck.temperature_kernel(spectral, unit, scale=scale), dtype)


def _clear_reference(value, band: Band, scale: float, unit: u.UnitBase | None, prefix: str) -> float:
    """A given clear-sky reference in the units of the values the opacity kernel reads.

    ``value`` is a temperature (Quantity in K), a radiance (Quantity), or a
    plain number in the band's own unit (kelvin for a band in K). ``scale`` and
    ``unit`` say how the kernel's values become radiance (``unit`` None: counts
    with no known calibration).
    """
    if not isinstance(value, u.Quantity) and band.kind == "temperature":
        value = value * band.unit
    if isinstance(value, u.Quantity) and value.unit.is_equivalent(u.K):
        if unit is None:
            raise InputError(
                f"a clear-sky temperature needs the cloud band in radiance: give {prefix}scale "
                f"or {prefix}unit for {band.label}, or use a percentile reference"
            )
        spectral, _ = spectral_of(band, prefix)
        kelvin = value.to_value(u.K, equivalencies=u.temperature())
        return float(planck.temperature_to_radiance(kelvin, spectral, unit)) / scale
    if isinstance(value, u.Quantity) and value.unit != u.dimensionless_unscaled:
        if unit is None:
            raise UnitError(
                f"clear-sky reference {value} is a radiance but {band.label} is in uncalibrated "
                f"counts: give {prefix}scale, or the reference in counts"
            )
        try:
            return float(value.to_value(unit, equivalencies=u.spectral_density(band_wavelength(band))))
        except (u.UnitConversionError, TypeError) as err:
            raise UnitError(
                f"clear-sky reference {value} does not match the cloud band's unit {unit}"
            ) from err
    return float(getattr(value, "value", value))


def band_wavelength(band: Band) -> u.Quantity:
    """The band's wavelength for unit conversions (5 µm when nothing is known)."""
    if band.wavelength is not None:
        return band.wavelength
    if band.filter_name:
        try:
            return filters.get_filter(band.filter_name).wavelength
        except FilterError:
            pass
    return 5 * u.um


def _opacity_map_kernel() -> Kernel:
    """A given opacity map: negative values (noise around clear sky) clip to 0, NaN stays."""

    def kernel(x, tau):
        np.maximum(x, 0.0, out=tau, casting="unsafe")

    return Kernel(kernel)


def opacity_source(
    cloud: Band | None,
    opacity: Band | None,
    *,
    sample: slice | Any,
    sample_excluded: np.ndarray,
    clear_sky,
    clear_percentile: float,
    notes: dict[str, str],
) -> Source:
    """The cloud axis: a given opacity map, or a 5 um band with its clear-sky reference.

    ``sample`` selects the rows used for the percentile reference and
    ``sample_excluded`` marks their off-disc pixels.
    """
    if opacity is not None:
        unit_from_default = opacity.provenance.get("unit", "").startswith("default")
        if opacity.kind != "opacity" and not unit_from_default:
            raise UnitError(
                f"{opacity.label} is in {opacity.unit}: an opacity map is dimensionless "
                "(set BUNIT to '' or leave it out)"
            )
        notes["opacity"] = f"{opacity.label}: opacity map as given"
        largest = np.nanmax(np.asarray(opacity.data)[sample]) if np.isfinite(opacity.data).any() else 0
        if largest > 20:
            warn(
                f"{opacity.label} reaches tau = {largest:.3g}: is it really a cloud-opacity map? "
                "A 5 µm image goes with --cloud"
            )
        return Source(opacity.data, _opacity_map_kernel(), float_dtype(opacity.data))
    prefix = "--cloud-"
    values = cloud.data
    if cloud.kind == "temperature":
        spectral, label = spectral_of(cloud, prefix)
        scale, unit = 1.0, WAVELENGTH_RADIANCE
        kelvin = (cloud.data * cloud.unit).to_value(u.K, equivalencies=u.temperature())
        values = planck.temperature_to_radiance(kelvin, spectral, unit).astype(cloud.data.dtype)
    elif cloud.kind == "counts" and cloud.conversion_factor is None:
        scale, unit, label = 1.0, None, label_of(cloud) or "cloud band"  # tau is a ratio: gain cancels
    elif cloud.kind in ("radiance", "counts"):
        scale, unit = radiance_scale(cloud, prefix)
        label = label_of(cloud) or "cloud band"
    else:
        raise UnitError(
            f"{cloud.label} is in {cloud.unit}: the cloud band must be counts, a "
            f"spectral radiance or K (--cloud-unit sets it)"
        )
    if clear_sky is None:
        clear = opacity_stage.clear_sky_radiance(
            np.asarray(values)[sample], percentile=clear_percentile, mask=sample_excluded
        )
        shown = f"{clear * scale:.6g} {unit or 'counts'}"
        notes["clear_sky"] = f"{clear_percentile:g}th percentile of on-disc {label} = {shown}"
    else:
        clear = _clear_reference(clear_sky, cloud, scale, unit, prefix)
        notes["clear_sky"] = f"given: {clear_sky} = {clear * scale:.6g} {unit or 'counts'}"
    notes["opacity"] = f"{cloud.label}: tau = ln(I_clear / I)"
    notes["opacity_band"] = label
    dtype = float_dtype(np.asarray(values))
    return Source(values, opacity_stage.opacity_kernel(clear, dtype=dtype), dtype)


def cloud_opacity(
    radiance: u.Quantity | np.ndarray,
    *,
    clear: u.Quantity | float | None = None,
    percentile: float = opacity_stage.CLEAR_SKY_PERCENTILE,
    mask: np.ndarray | None = None,
    spectral: Any = None,
) -> np.ndarray:
    """Cloud opacity tau = -ln(I / I_clear) from a ~5 um image.

    Parameters
    ----------
    radiance : Quantity or ndarray
        5 um radiance (any spectral-radiance unit) or plain counts.
    clear : Quantity or float, optional
        Clear-sky reference: a brightness temperature (needs a radiance and
        ``spectral``), a radiance, or a number in the unit of ``radiance``.
        Default: the ``percentile`` of the positive values where ``mask`` is False.
    percentile : float
        Percentile used when ``clear`` is not given (the hot spots: 99.5).
    mask : ndarray of bool, optional
        True where a pixel is off the disc (left out of the percentile).
    spectral : Quantity or Filter, optional
        Wavelength or filter of the image, for a clear-sky temperature.

    Returns
    -------
    ndarray
        tau >= 0, NaN where the radiance is not positive and finite; float32
        for float32 input.

    Notes
    -----
    tau = ln(I_clear / I) (SCIENCE.md 3.5): an effective absorption optical
    depth of the cloud column. With a percentile reference it is relative to the
    clearest columns (the 5 um hot spots), and the detector gain cancels.

    Examples
    --------
    >>> import astropy.units as u
    >>> from falsecolor import cloud_opacity, planck_radiance
    >>> radiance = planck_radiance([210, 200] * u.K, 4.8 * u.um)
    >>> cloud_opacity(radiance, clear=250 * u.K, spectral=4.8 * u.um).round(2)
    array([2.28, 3.  ])
    """
    values = np.asarray(getattr(radiance, "value", radiance))
    unit = radiance.unit if isinstance(radiance, u.Quantity) else None
    if clear is None:
        reference = opacity_stage.clear_sky_radiance(values, percentile=percentile, mask=mask)
    elif isinstance(clear, u.Quantity) and clear.unit.is_equivalent(u.K):
        if unit is None or not is_radiance(unit):
            raise UnitError("a clear-sky temperature needs the radiance as a Quantity with its unit")
        if spectral is None:
            raise InputError("a clear-sky temperature needs spectral= (the wavelength or filter)")
        kelvin = clear.to_value(u.K, equivalencies=u.temperature())
        reference = float(planck.temperature_to_radiance(kelvin, spectral, unit))
    elif isinstance(clear, u.Quantity):
        if unit is None:
            raise UnitError("give the radiance as a Quantity to compare it with a clear-sky radiance")
        try:
            reference = float(clear.to_value(unit))
        except u.UnitConversionError as err:
            raise UnitError(f"clear-sky reference {clear} does not match the radiance unit {unit}") from err
    else:
        reference = float(clear)
    return opacity_stage.opacity_from_radiance(values, reference)
