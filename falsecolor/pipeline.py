"""High-level API: band images in, composite out. The one place the stages meet.

``render`` turns a temperature band and a ~5 um cloud band (or a ready opacity
map) into a :class:`~falsecolor.composite.Composite`; ``compose`` does the same
from temperature and opacity arrays; ``describe`` reports what the tool reads
from a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u

from . import calibrate, compose as compose_stage, filters, geometry, opacity as opacity_stage
from . import planck
from ._units import is_radiance
from .bands import Band, read_band
from .composite import Composite
from .exceptions import FileFormatError, FilterError, InputError, UnitError, warn
from .palette import Palette, get_palette

__all__ = ["compose", "describe", "render", "resolve_band"]

BandLike = Band | str | Path


def resolve_band(value: BandLike, *, role: str, options: Mapping[str, Any] | None = None,
                 option_prefix: str = "--") -> Band:
    """A Band from a Band or a FITS path (read with ``options`` as :func:`read_band` keywords)."""
    if isinstance(value, Band):
        return value
    if isinstance(value, str | Path):
        return read_band(value, option_prefix=option_prefix, **dict(options or {}))
    raise InputError(f"the {role} input must be a Band or a FITS file path, got {type(value).__name__}")


def _spectral(band: Band, prefix: str) -> tuple[Any, str]:
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
                    f"or {prefix}wavelength (e.g. 13um)") from None
            warn(f"unknown filter {band.filter_name!r} in {band.label}; using its wavelength "
                 f"{band.wavelength} without band integration")
    if band.wavelength is not None:
        wavelength = band.wavelength.to(u.um, equivalencies=u.spectral())
        return band.wavelength, f"{wavelength.value:.2f} µm"
    raise FilterError(
        f"cannot tell the wavelength of {band.label} (no WAVELNTH or FILTER card): give "
        f"{prefix}wavelength (e.g. 13um) or {prefix}filter (e.g. NEII_2)")


def _radiance(band: Band, prefix: str) -> tuple[np.ndarray, u.UnitBase]:
    """Radiance values and unit of a radiance or counts band."""
    if band.kind == "radiance":
        return band.data, band.unit
    if band.kind == "counts":
        if band.conversion_factor is None:
            raise InputError(
                f"{band.label} is in counts: give {prefix}scale with the radiance per count "
                f"(e.g. '1.2e-5 W m-2 sr-1 um-1'), or {prefix}unit if it is already calibrated")
        return calibrate.apply_conversion_factor(band.data, band.conversion_factor,
                                                 counts_unit=band.unit)
    raise UnitError(f"{band.label} is in {band.unit}, not counts or a spectral radiance: "
                    f"give the right unit with {prefix}unit")


def _temperature_map(band: Band, prefix: str, notes: dict[str, str]) -> np.ndarray:
    if band.kind == "temperature":
        notes["temperature"] = f"{band.label}: brightness temperature as given"
        label = (f"{band.wavelength.to(u.um, equivalencies=u.spectral()).value:.2f} µm"
                 if band.wavelength is not None else band.filter_name or "")
        notes["temperature_band"] = label
        values = band.data if band.unit == u.K else (band.data * band.unit).to_value(
            u.K, equivalencies=u.temperature())
        return np.where(values > 0, values, np.nan).astype(band.data.dtype, copy=False)
    if band.kind not in ("radiance", "counts"):
        raise UnitError(f"{band.label} is in {band.unit or 'no unit'}: the temperature band must be "
                        f"counts, a spectral radiance or K ({prefix}unit sets it)")
    spectral, label = _spectral(band, prefix)
    values, unit = _radiance(band, prefix)
    notes["temperature"] = f"{band.label}: inverse Planck over {label}, {unit}"
    notes["temperature_band"] = label
    return planck.radiance_to_temperature(values, spectral, unit)


def _band_name(band: Band) -> str:
    if band.wavelength is not None:
        wavelength = band.wavelength.to_value(u.um, equivalencies=u.spectral())
        return f"{band.filter_name} {wavelength:.2f} µm" if band.filter_name else f"{wavelength:.2f} µm"
    return band.filter_name or ""


def _clear_sky(value, band: Band, unit: u.UnitBase | None, prefix: str) -> float:
    """A clear-sky reference (K, radiance Quantity, or a number in the band's unit) as a number."""
    if isinstance(value, u.Quantity) and value.unit.is_equivalent(u.K):
        if unit is None or not is_radiance(unit):
            raise InputError(
                f"a clear-sky temperature needs the cloud band in radiance: give {prefix}scale "
                f"or {prefix}unit for {band.label}, or use a percentile reference")
        spectral, _ = _spectral(band, prefix)
        return float(planck.temperature_to_radiance(value.to_value(u.K), spectral, unit))
    if isinstance(value, u.Quantity):
        try:
            return float(value.to_value(unit))
        except (u.UnitConversionError, TypeError) as err:
            raise UnitError(f"clear-sky reference {value} does not match the cloud band's unit "
                            f"{unit}") from err
    return float(value)


def _opacity_map(cloud: Band | None, opacity: Band | None, *, mask: np.ndarray, clear_sky,
                 clear_percentile: float, notes: dict[str, str]) -> np.ndarray:
    if opacity is not None:
        unit_from_default = opacity.provenance.get("unit", "").startswith("default")
        if opacity.kind != "opacity" and not unit_from_default:
            raise UnitError(f"{opacity.label} is in {opacity.unit}: an opacity map is dimensionless "
                            "(set BUNIT to '' or leave it out)")
        notes["opacity"] = f"{opacity.label}: opacity map as given"
        values = np.where(np.asarray(opacity.data) >= 0, opacity.data, np.nan)
        return values.astype(opacity.data.dtype, copy=False)
    assert cloud is not None
    prefix = "--cloud-"
    unit: u.UnitBase | None
    if cloud.kind == "temperature":
        spectral, label = _spectral(cloud, prefix)
        unit = u.W / (u.m**2 * u.sr * u.um)
        kelvin = (cloud.data * cloud.unit).to_value(u.K, equivalencies=u.temperature())
        values = planck.temperature_to_radiance(kelvin, spectral, unit).astype(cloud.data.dtype)
    elif cloud.kind == "counts" and cloud.conversion_factor is None:
        values, unit = cloud.data, None  # tau is a ratio: the gain cancels
        label = _band_name(cloud)
    elif cloud.kind in ("radiance", "counts"):
        values, unit = _radiance(cloud, prefix)
        label = _band_name(cloud)
    else:
        raise UnitError(f"{cloud.label} is in {cloud.unit}: the cloud band must be counts, a "
                        f"spectral radiance or K (--cloud-unit sets it)")
    if clear_sky is None:
        clear = opacity_stage.clear_sky_radiance(values, percentile=clear_percentile, mask=mask)
        notes["clear_sky"] = f"{clear_percentile:g}th percentile of on-disc {label} = {clear:.6g}"
    else:
        clear = _clear_sky(clear_sky, cloud, unit, prefix)
        notes["clear_sky"] = f"given: {clear_sky} = {clear:.6g} {unit or ''}".strip()
    notes["opacity"] = f"{cloud.label}: tau = ln(I_clear / I)"
    notes["opacity_band"] = label
    return opacity_stage.cloud_opacity(values, clear)


def render(
    temperature: BandLike,
    cloud: BandLike | None = None,
    *,
    opacity: BandLike | None = None,
    palette: str | Path | Palette | None = None,
    t_limits: tuple[float, float] | None = None,
    tau_limits: tuple[float, float] | None = None,
    t_percentiles: tuple[float, float] = compose_stage.DEFAULT_PERCENTILES,
    tau_percentiles: tuple[float, float] = compose_stage.DEFAULT_PERCENTILES,
    clear_sky: u.Quantity | float | None = None,
    clear_percentile: float = opacity_stage.CLEAR_SKY_PERCENTILE,
    temperature_options: Mapping[str, Any] | None = None,
    cloud_options: Mapping[str, Any] | None = None,
) -> Composite:
    """Render a false-colour composite from a temperature band and a 5 um band.

    Parameters
    ----------
    temperature : Band or path
        Thermal band (e.g. 13 um) in counts (with a conversion factor),
        spectral radiance, or brightness temperature (K).
    cloud : Band or path, optional
        ~5 um band in counts, radiance or K, for the cloud axis.
    opacity : Band or path, optional
        A ready cloud-opacity map instead of ``cloud``.
    palette : str, Path or Palette, optional
        Palette name or TOML file; default ``visir``.
    t_limits : (float, float), optional
        Temperatures (K) at the cold and warm edges; default on-disc percentiles.
    tau_limits : (float, float), optional
        Opacities at the clear and cloudy edges; default on-disc percentiles.
    t_percentiles, tau_percentiles : (float, float)
        Percentiles used when limits are not given.
    clear_sky : Quantity or float, optional
        Clear-sky reference of the cloud band: a temperature (K), a radiance,
        or a number in the band's unit. Default: the ``clear_percentile``
        percentile of the on-disc 5 um radiance.
    clear_percentile : float
        Percentile used when ``clear_sky`` is not given.
    temperature_options, cloud_options : mapping, optional
        :func:`~falsecolor.read_band` keywords used when the inputs are paths.

    Returns
    -------
    Composite

    Raises
    ------
    FalsecolorError
        Unreadable inputs, unknown units or filters, bands of different shape,
        nothing usable on the disc.

    Examples
    --------
    >>> from falsecolor import render, synthetic_jupiter
    >>> jupiter = synthetic_jupiter((128, 128))
    >>> composite = render(jupiter.temperature_band, jupiter.cloud_band, t_limits=(120, 135))
    >>> composite.rgba.shape
    (128, 128, 4)
    """
    if (cloud is None) == (opacity is None):
        raise InputError("give exactly one of a cloud band (--cloud, a ~5 µm image) "
                         "or an opacity map (--opacity)")
    t_band = resolve_band(temperature, role="temperature", options=temperature_options,
                          option_prefix="--t-")
    c_band = resolve_band(cloud, role="cloud", options=cloud_options, option_prefix="--cloud-") \
        if cloud is not None else None
    o_band = resolve_band(opacity, role="opacity", options=cloud_options, option_prefix="--cloud-") \
        if opacity is not None else None
    second = c_band if c_band is not None else o_band
    if t_band.data.ndim != 2 or second.data.ndim != 2:
        raise InputError("render takes 2-D images; choose a plane of a cube with --plane")
    if t_band.shape != second.shape:
        raise InputError(
            f"the bands differ in shape: {t_band.label} is {t_band.shape[1]}x{t_band.shape[0]}, "
            f"{second.label} is {second.shape[1]}x{second.shape[0]}: put them on one pixel grid first")
    notes: dict[str, str] = {}
    temperature_map = _temperature_map(t_band, "--t-", notes)
    excluded = ~(geometry.on_disc_mask(t_band.data) & np.isfinite(temperature_map))
    for band in (t_band, second):
        if band.mask is not None:
            excluded |= band.mask
    if excluded.all():
        raise InputError(f"{t_band.label} has no usable pixel: its radiance is NaN, zero or "
                         "negative everywhere (check the file and its unit)")
    opacity_map = _opacity_map(c_band, o_band, mask=excluded, clear_sky=clear_sky,
                               clear_percentile=clear_percentile, notes=notes)
    return compose(temperature_map * u.K, opacity_map, palette=palette, t_limits=t_limits,
                   tau_limits=tau_limits, t_percentiles=t_percentiles,
                   tau_percentiles=tau_percentiles, mask=excluded, notes=notes,
                   temperature_band=t_band, cloud_band=second)


def compose(
    temperature: u.Quantity,
    opacity: np.ndarray,
    *,
    palette: str | Path | Palette | None = None,
    t_limits: tuple[float, float] | None = None,
    tau_limits: tuple[float, float] | None = None,
    t_percentiles: tuple[float, float] = compose_stage.DEFAULT_PERCENTILES,
    tau_percentiles: tuple[float, float] = compose_stage.DEFAULT_PERCENTILES,
    mask: np.ndarray | None = None,
    notes: dict[str, str] | None = None,
    temperature_band: Band | None = None,
    cloud_band: Band | None = None,
) -> Composite:
    """Colour a brightness-temperature map and a cloud-opacity map through a palette.

    Parameters
    ----------
    temperature : Quantity
        Brightness temperature ``(ny, nx)`` (K).
    opacity : ndarray
        Cloud opacity ``(ny, nx)``.
    palette, t_limits, tau_limits, t_percentiles, tau_percentiles
        As in :func:`render`.
    mask : ndarray of bool, optional
        True where a pixel is excluded; default: where either map is NaN.

    Returns
    -------
    Composite
    """
    if not isinstance(temperature, u.Quantity):
        raise UnitError("temperature needs a unit: pass e.g. values * u.K")
    kelvin = np.asarray(temperature.to_value(u.K, equivalencies=u.temperature()))
    tau = np.asarray(opacity)
    if kelvin.shape != tau.shape or kelvin.ndim != 2:
        raise InputError(f"temperature {kelvin.shape} and opacity {tau.shape} must be 2-D images "
                         "of one shape")
    if mask is None:
        mask = ~(np.isfinite(kelvin) & np.isfinite(tau))
    chosen = get_palette(palette)
    t_axis = compose_stage.axis_limits(kelvin, limits=t_limits, percentiles=t_percentiles,
                                       mask=mask, name="temperature")
    tau_axis = compose_stage.axis_limits(tau, limits=tau_limits, percentiles=tau_percentiles,
                                         mask=mask | ~np.isfinite(tau), name="cloud opacity",
                                         minimum_span=1e-3)
    rgba = chosen.lookup(kelvin, tau, x_range=tuple(t_axis), y_range=tuple(tau_axis), mask=mask)
    if temperature_band is None:
        temperature_band = Band(kelvin, u.K, source="temperature array")
    notes = dict(notes or {})
    return Composite(rgba, u.Quantity(kelvin, u.K, copy=False), tau, mask, chosen, t_axis,
                     tau_axis, temperature_band, cloud_band, notes)


def describe(path: str | Path, **options: Any) -> dict[str, Any]:
    """What falsecolor reads from a FITS file, as a JSON-ready dict.

    Keys: ``path``, ``hdu``, ``shape``, ``dtype``, ``unit``, ``unit_source``,
    ``kind``, ``filter``, ``filter_known``, ``wavelength_um``, ``date_obs``,
    ``finite_fraction``, ``on_disc_fraction``, ``min``, ``max``, ``notes``.
    """
    notes: list[str] = []
    try:
        band = read_band(path, **options)
    except FileFormatError as err:
        if "byte-swapped" not in str(err) or options.get("byteswap") is not None:
            raise
        notes.append(str(err))
        band = read_band(path, **{**options, "byteswap": True})
    except InputError as err:
        if "cube of" not in str(err):
            raise
        notes.append(str(err) + " (showing plane 0)")
        band = read_band(path, **{**options, "plane": 0})
    data = np.asarray(band.data)
    finite = np.isfinite(data)
    disc = geometry.on_disc_mask(data)
    known = None
    if band.filter_name:
        try:
            filters.get_filter(band.filter_name)
            known = True
        except FilterError:
            known = False
            notes.append(f"filter {band.filter_name!r} is not built in: give a curve or a wavelength")
    wavelength = (float(band.wavelength.to_value(u.um, equivalencies=u.spectral()))
                  if band.wavelength is not None else None)
    for key, value in band.provenance.items():
        if "not ISO" in value or "default" in value or "non-standard" in value:
            notes.append(f"{key}: {value}")
    return {
        "path": str(path),
        "hdu": int(band.provenance["hdu"]),
        "shape": list(band.shape),
        "dtype": str(data.dtype),
        "unit": band.unit.to_string() or "dimensionless",
        "unit_source": band.provenance.get("unit", ""),
        "kind": band.kind,
        "filter": band.filter_name,
        "filter_known": known,
        "wavelength_um": wavelength,
        "date_obs": band.date_obs,
        "finite_fraction": float(finite.mean()),
        "on_disc_fraction": float(disc.mean()),
        "min": float(np.nanmin(data)) if finite.any() else None,
        "max": float(np.nanmax(data)) if finite.any() else None,
        "notes": notes,
    }
