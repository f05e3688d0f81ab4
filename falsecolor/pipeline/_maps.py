"""From a band to a physical map: brightness temperature and cloud opacity."""

from __future__ import annotations

from typing import Any

import numpy as np
from astropy import units as u

from .. import calibrate, filters, planck
from .. import opacity as opacity_stage
from .._units import is_radiance
from ..bands import Band
from ..exceptions import FilterError, InputError, UnitError, warn


def spectral_of(band: Band, prefix: str) -> tuple[Any, str]:
    """The filter (band-integrated) or wavelength (monochromatic) of a band, and a label."""
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
                    f"or {prefix}wavelength (e.g. 13um)"
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
        f"{prefix}wavelength (e.g. 13um) or {prefix}filter (e.g. NEII_2)"
    )


def radiance_of(band: Band, prefix: str) -> tuple[np.ndarray, u.UnitBase]:
    """Radiance values and unit of a radiance or counts band."""
    if band.kind == "radiance":
        return band.data, band.unit
    if band.kind == "counts":
        if band.conversion_factor is None:
            raise InputError(
                f"{band.label} is in counts: give {prefix}scale with the radiance per count "
                f"(e.g. '1.2e-5 W m-2 sr-1 um-1'), or {prefix}unit if it is already calibrated"
            )
        return calibrate.apply_conversion_factor(band.data, band.conversion_factor, counts_unit=band.unit)
    raise UnitError(
        f"{band.label} is in {band.unit}, not counts or a spectral radiance: "
        f"give the right unit with {prefix}unit"
    )


def temperature_map(band: Band, prefix: str, notes: dict[str, str]) -> np.ndarray:
    if band.kind == "temperature":
        notes["temperature"] = f"{band.label}: brightness temperature as given"
        label = (
            f"{band.wavelength.to(u.um, equivalencies=u.spectral()).value:.2f} µm"
            if band.wavelength is not None
            else band.filter_name or ""
        )
        notes["temperature_band"] = label
        values = (
            band.data
            if band.unit == u.K
            else (band.data * band.unit).to_value(u.K, equivalencies=u.temperature())
        )
        return np.where(values > 0, values, np.nan).astype(band.data.dtype, copy=False)
    if band.kind not in ("radiance", "counts"):
        raise UnitError(
            f"{band.label} is in {band.unit or 'no unit'}: the temperature band must be "
            f"counts, a spectral radiance or K ({prefix}unit sets it)"
        )
    spectral, label = spectral_of(band, prefix)
    values, unit = radiance_of(band, prefix)
    notes["temperature"] = f"{band.label}: inverse Planck over {label}, {unit}"
    notes["temperature_band"] = label
    return planck.radiance_to_temperature(values, spectral, unit)


def label_of(band: Band) -> str:
    if band.wavelength is not None:
        wavelength = band.wavelength.to_value(u.um, equivalencies=u.spectral())
        return f"{band.filter_name} {wavelength:.2f} µm" if band.filter_name else f"{wavelength:.2f} µm"
    return band.filter_name or ""


def clear_sky_value(value, band: Band, unit: u.UnitBase | None, prefix: str) -> float:
    """A clear-sky reference (K, radiance Quantity, or a number in the band's unit) as a number."""
    if isinstance(value, u.Quantity) and value.unit.is_equivalent(u.K):
        if unit is None or not is_radiance(unit):
            raise InputError(
                f"a clear-sky temperature needs the cloud band in radiance: give {prefix}scale "
                f"or {prefix}unit for {band.label}, or use a percentile reference"
            )
        spectral, _ = spectral_of(band, prefix)
        return float(planck.temperature_to_radiance(value.to_value(u.K), spectral, unit))
    if isinstance(value, u.Quantity):
        try:
            return float(value.to_value(unit))
        except (u.UnitConversionError, TypeError) as err:
            raise UnitError(
                f"clear-sky reference {value} does not match the cloud band's unit {unit}"
            ) from err
    return float(value)


def opacity_map(
    cloud: Band | None,
    opacity: Band | None,
    *,
    mask: np.ndarray,
    clear_sky,
    clear_percentile: float,
    notes: dict[str, str],
) -> np.ndarray:
    if opacity is not None:
        unit_from_default = opacity.provenance.get("unit", "").startswith("default")
        if opacity.kind != "opacity" and not unit_from_default:
            raise UnitError(
                f"{opacity.label} is in {opacity.unit}: an opacity map is dimensionless "
                "(set BUNIT to '' or leave it out)"
            )
        notes["opacity"] = f"{opacity.label}: opacity map as given"
        values = np.where(np.asarray(opacity.data) >= 0, opacity.data, np.nan)
        return values.astype(opacity.data.dtype, copy=False)
    assert cloud is not None
    prefix = "--cloud-"
    unit: u.UnitBase | None
    if cloud.kind == "temperature":
        spectral, label = spectral_of(cloud, prefix)
        unit = u.W / (u.m**2 * u.sr * u.um)
        kelvin = (cloud.data * cloud.unit).to_value(u.K, equivalencies=u.temperature())
        values = planck.temperature_to_radiance(kelvin, spectral, unit).astype(cloud.data.dtype)
    elif cloud.kind == "counts" and cloud.conversion_factor is None:
        values, unit = cloud.data, None  # tau is a ratio: the gain cancels
        label = label_of(cloud)
    elif cloud.kind in ("radiance", "counts"):
        values, unit = radiance_of(cloud, prefix)
        label = label_of(cloud)
    else:
        raise UnitError(
            f"{cloud.label} is in {cloud.unit}: the cloud band must be counts, a "
            f"spectral radiance or K (--cloud-unit sets it)"
        )
    if clear_sky is None:
        clear = opacity_stage.clear_sky_radiance(values, percentile=clear_percentile, mask=mask)
        notes["clear_sky"] = f"{clear_percentile:g}th percentile of on-disc {label} = {clear:.6g}"
    else:
        clear = clear_sky_value(clear_sky, cloud, unit, prefix)
        notes["clear_sky"] = f"given: {clear_sky} = {clear:.6g} {unit or ''}".strip()
    notes["opacity"] = f"{cloud.label}: tau = ln(I_clear / I)"
    notes["opacity_band"] = label
    return opacity_stage.cloud_opacity(values, clear)
