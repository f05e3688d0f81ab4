"""render() and compose(): bands or maps in, a Composite out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u

from .. import geometry, normalise
from .. import opacity as opacity_stage
from ..bands import Band, read_band
from ..composite import Composite
from ..exceptions import InputError, UnitError
from ..palette import Palette, get_palette
from . import _maps

BandLike = Band | str | Path


def resolve_band(
    value: BandLike, *, role: str, options: Mapping[str, Any] | None = None, option_prefix: str = "--"
) -> Band:
    """A Band from a Band or a FITS path (read with ``options`` as :func:`read_band` keywords)."""
    if isinstance(value, Band):
        return value
    if isinstance(value, str | Path):
        return read_band(value, option_prefix=option_prefix, **dict(options or {}))
    raise InputError(f"the {role} input must be a Band or a FITS file path, got {type(value).__name__}")


def render(
    temperature: BandLike,
    cloud: BandLike | None = None,
    *,
    opacity: BandLike | None = None,
    palette: str | Path | Palette | None = None,
    t_limits: tuple[float, float] | None = None,
    tau_limits: tuple[float, float] | None = None,
    t_percentiles: tuple[float, float] = normalise.DEFAULT_PERCENTILES,
    tau_percentiles: tuple[float, float] = normalise.DEFAULT_PERCENTILES,
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
        raise InputError(
            "give exactly one of a cloud band (--cloud, a ~5 µm image) or an opacity map (--opacity)"
        )
    t_band = resolve_band(temperature, role="temperature", options=temperature_options, option_prefix="--t-")
    c_band = (
        resolve_band(cloud, role="cloud", options=cloud_options, option_prefix="--cloud-")
        if cloud is not None
        else None
    )
    o_band = (
        resolve_band(opacity, role="opacity", options=cloud_options, option_prefix="--cloud-")
        if opacity is not None
        else None
    )
    second = c_band if c_band is not None else o_band
    if t_band.data.ndim != 2 or second.data.ndim != 2:
        raise InputError("render takes 2-D images; choose a plane of a cube with --plane")
    if t_band.shape != second.shape:
        raise InputError(
            f"the bands differ in shape: {t_band.label} is {t_band.shape[1]}x{t_band.shape[0]}, "
            f"{second.label} is {second.shape[1]}x{second.shape[0]}: put them on one pixel grid first"
        )
    notes: dict[str, str] = {}
    temperature_map = _maps.temperature_map(t_band, "--t-", notes)
    excluded = ~(geometry.on_disc_mask(t_band.data) & np.isfinite(temperature_map))
    for band in (t_band, second):
        if band.mask is not None:
            excluded |= band.mask
    if excluded.all():
        raise InputError(
            f"{t_band.label} has no usable pixel: its radiance is NaN, zero or "
            "negative everywhere (check the file and its unit)"
        )
    opacity_map = _maps.opacity_map(
        c_band, o_band, mask=excluded, clear_sky=clear_sky, clear_percentile=clear_percentile, notes=notes
    )
    return compose(
        temperature_map * u.K,
        opacity_map,
        palette=palette,
        t_limits=t_limits,
        tau_limits=tau_limits,
        t_percentiles=t_percentiles,
        tau_percentiles=tau_percentiles,
        mask=excluded,
        notes=notes,
        temperature_band=t_band,
        cloud_band=second,
    )


def compose(
    temperature: u.Quantity,
    opacity: np.ndarray,
    *,
    palette: str | Path | Palette | None = None,
    t_limits: tuple[float, float] | None = None,
    tau_limits: tuple[float, float] | None = None,
    t_percentiles: tuple[float, float] = normalise.DEFAULT_PERCENTILES,
    tau_percentiles: tuple[float, float] = normalise.DEFAULT_PERCENTILES,
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
        raise InputError(
            f"temperature {kelvin.shape} and opacity {tau.shape} must be 2-D images of one shape"
        )
    if mask is None:
        mask = ~(np.isfinite(kelvin) & np.isfinite(tau))
    chosen = get_palette(palette)
    t_axis = normalise.axis_limits(
        kelvin, limits=t_limits, percentiles=t_percentiles, mask=mask, name="temperature"
    )
    tau_axis = normalise.axis_limits(
        tau,
        limits=tau_limits,
        percentiles=tau_percentiles,
        mask=mask | ~np.isfinite(tau),
        name="cloud opacity",
        minimum_span=1e-3,
    )
    rgba = chosen.lookup(kelvin, tau, x_range=tuple(t_axis), y_range=tuple(tau_axis), mask=mask)
    if temperature_band is None:
        temperature_band = Band(kelvin, u.K, source="temperature array")
    notes = dict(notes or {})
    return Composite(
        rgba,
        u.Quantity(kelvin, u.K, copy=False),
        tau,
        mask,
        chosen,
        t_axis,
        tau_axis,
        temperature_band,
        cloud_band,
        notes,
    )
