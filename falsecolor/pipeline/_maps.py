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
from .._options import option
from .._units import WAVELENGTH_RADIANCE
from ..bands import Band
from ..exceptions import FileFormatError, FilterError, InputError, UnitError, warn
from ._clear import clear_reference


@dataclass(frozen=True)
class Source:
    """An input array and the kernel that maps it, block by block, to a physical value."""

    values: np.ndarray
    kernel: Kernel
    dtype: type


def _examples(prefix: str) -> tuple[str, str]:
    return ("5um", "M-BAND") if "cloud" in prefix else ("13um", "NEII_2")


def known_filter(band: Band) -> filters.Filter | None:
    """The band's filter when its name is built in or a readable curve file, else None."""
    if not band.filter_name:
        return None
    try:
        return filters.get_filter(band.filter_name)
    except (FilterError, FileFormatError):
        return None


def spectral_of(band: Band, prefix: str) -> tuple[Any, str]:
    """The filter (band-integrated) or wavelength (monochromatic) of a band, and a label."""
    wave_example, filter_example = _examples(prefix)
    from_option = band.provenance.get("wavelength") == "option"
    if band.filter_name and not from_option:
        try:
            filt = filters.get_filter(band.filter_name)
            return filt, f"{filt.name} {filt.wavelength.to_value(u.um):.2f} µm"
        except (FilterError, FileFormatError) as err:
            if band.wavelength is None:
                if not str(err).startswith("unknown filter"):
                    raise  # a curve file that cannot be used says why itself
                raise FilterError(
                    f"unknown filter {band.filter_name!r} in {band.label}: give {option(prefix, 'filter')} "
                    f"with one of {', '.join(filters.list_filters())} or a curve file, "
                    f"or {option(prefix, 'wavelength')} (e.g. {wave_example})"
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
        f"{option(prefix, 'wavelength')} (e.g. {wave_example}) or {option(prefix, 'filter')} "
        f"(e.g. {filter_example})"
    )


def radiance_scale(band: Band, prefix: str) -> tuple[float, u.UnitBase]:
    """``(scale, unit)`` such that ``scale * band.data`` is radiance in ``unit``."""
    if band.kind == "radiance":
        return 1.0, band.unit
    if band.kind == "counts":
        if band.conversion_factor is None:
            raise InputError(
                f"{band.label} is in counts: give {option(prefix, 'scale')} with the radiance per count "
                f"(e.g. '1.2e-5 W m-2 sr-1 um-1'), or {option(prefix, 'unit')} if it is already calibrated"
            )
        return calibrate.conversion(band.conversion_factor, counts_unit=band.unit)
    raise UnitError(
        f"{band.label} is in {band.unit}, not counts or a spectral radiance: "
        f"give the right unit with {option(prefix, 'unit')}"
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
    if wavelength is None and (filt := known_filter(band)) is not None:
        wavelength = filt.wavelength
    if wavelength is None:
        return band.filter_name or ""
    microns = wavelength.to_value(u.um, equivalencies=u.spectral())
    return f"{band.filter_name} {microns:.2f} µm" if band.filter_name else f"{microns:.2f} µm"


def check_filter_option(band: Band, prefix: str) -> None:
    """A filter the user named on the command line must exist, even where it is not needed."""
    if band.provenance.get("filter") == "option" and band.filter_name:
        if band.provenance.get("wavelength") == "option":
            raise InputError(
                f"give either {option(prefix, 'filter')} or {option(prefix, 'wavelength')} "
                f"for {band.label}, not both"
            )
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
            f"counts, a spectral radiance or K ({option(prefix, 'unit')} sets it)"
        )
    spectral, label = spectral_of(band, prefix)
    scale, unit = radiance_scale(band, prefix)
    notes["temperature"] = f"{band.label}: inverse Planck over {label}, {unit}"
    notes["temperature_band"] = label
    return Source(band.data, planck.temperature_kernel(spectral, unit, scale=scale), dtype)


def kelvin_to_radiance(band: Band, spectral) -> np.ndarray:
    """A brightness-temperature band as radiance (W m-2 sr-1 um-1, float64) through ``spectral``."""
    kelvin = (band.data * band.unit).to_value(u.K, equivalencies=u.temperature())
    return planck.temperature_to_radiance(kelvin, spectral, WAVELENGTH_RADIANCE)


def _opacity_map_kernel() -> Kernel:
    """A given opacity map: negative values (noise around clear sky) clip to 0, NaN stays."""

    def kernel(x, tau):
        np.maximum(x, 0.0, out=tau, casting="unsafe")

    return Kernel(kernel)


def opacity_source(
    band: Band,
    *,
    prefix: str,
    is_opacity_map: bool,
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
    if is_opacity_map:
        return _opacity_map_source(band, sample, notes)
    return _cloud_band_source(band, prefix, sample, sample_excluded, clear_sky, clear_percentile, notes)


def _opacity_map_source(opacity: Band, sample, notes: dict[str, str]) -> Source:
    unit_from_default = opacity.provenance.get("unit", "").startswith("default")
    if opacity.kind != "opacity" and not unit_from_default:
        raise UnitError(
            f"{opacity.label} is in {opacity.unit}: an opacity map is dimensionless "
            "(set BUNIT to '' or leave it out)"
        )
    notes["opacity"] = f"{opacity.label}: opacity map as given"
    values = np.asarray(opacity.data)[sample]
    largest = np.nanmax(values) if np.isfinite(values).any() else 0.0
    if largest > 20:
        warn(
            f"{opacity.label} reaches tau = {largest:.3g}: is it really a cloud-opacity map? "
            "A 5 µm image goes with --cloud"
        )
    return Source(opacity.data, _opacity_map_kernel(), float_dtype(opacity.data))


def _cloud_band_source(
    cloud: Band, prefix: str, sample, sample_excluded, clear_sky, clear_percentile, notes
) -> Source:
    values = cloud.data
    if cloud.kind == "temperature":
        spectral, label = spectral_of(cloud, prefix)
        scale, unit = 1.0, WAVELENGTH_RADIANCE
        values = kelvin_to_radiance(cloud, spectral).astype(cloud.data.dtype)
    elif cloud.kind == "counts" and cloud.conversion_factor is None:
        scale, unit, label = 1.0, None, label_of(cloud) or "cloud band"  # tau is a ratio: gain cancels
    elif cloud.kind in ("radiance", "counts"):
        scale, unit = radiance_scale(cloud, prefix)
        label = label_of(cloud) or "cloud band"
    else:
        raise UnitError(
            f"{cloud.label} is in {cloud.unit}: the cloud band must be counts, a "
            f"spectral radiance or K ({option(prefix, 'unit')} sets it)"
        )
    if clear_sky is None:
        clear = opacity_stage.clear_sky_radiance(
            np.asarray(values)[sample], percentile=clear_percentile, mask=sample_excluded
        )
        shown = f"{clear * scale:.6g} {unit or 'counts'}"
        notes["clear_sky"] = f"{clear_percentile:g}th percentile of on-disc {label} = {shown}"
    else:
        clear = clear_reference(
            clear_sky,
            scale=scale,
            radiance_unit=unit,
            number_unit=cloud.unit if cloud.kind in ("temperature", "counts") else None,
            data_in_counts=cloud.kind == "counts",
            spectral=lambda: spectral_of(cloud, prefix)[0],
            what=cloud.label,
            scale_option=option(prefix, "scale"),
        )
        notes["clear_sky"] = f"given: {clear_sky} = {clear * scale:.6g} {unit or 'counts'}"
    notes["opacity"] = f"{cloud.label}: tau = ln(I_clear / I)"
    notes["opacity_band"] = label
    dtype = float_dtype(np.asarray(values))
    return Source(values, opacity_stage.opacity_kernel(clear, dtype=dtype), dtype)
