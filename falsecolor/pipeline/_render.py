"""render() and compose(): bands or maps in, a Composite out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u

from .. import geometry, normalise
from .. import opacity as opacity_stage
from .._blocks import map_blocks, sample_index
from ..bands import Band, read_band
from ..exceptions import InputError, UnitError
from ..palette import Palette, get_palette
from . import _maps
from ._composite import Composite

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
    t_band = resolve_band(temperature, role="temperature", options=temperature_options, option_prefix="--")
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
    axis_band = c_band if c_band is not None else o_band
    if t_band.data.ndim != 2 or axis_band.data.ndim != 2:
        raise InputError("render takes 2-D images; choose a plane of a cube with --plane")
    if t_band.shape != axis_band.shape:
        raise InputError(
            f"the bands differ in shape: {t_band.label} is {t_band.shape[1]}x{t_band.shape[0]}, "
            f"{axis_band.label} is {axis_band.shape[1]}x{axis_band.shape[0]}: put them on one pixel "
            "grid first"
        )
    _maps.check_filter_option(t_band, "--")
    _maps.check_filter_option(axis_band, "--cloud-")
    notes: dict[str, str] = {}
    t_source = _maps.temperature_source(t_band, "--", notes)
    extra_mask = _combined_mask(t_band, axis_band)

    # Limits and the clear-sky reference come from an even sample of rows ...
    rows = sample_index(t_band.shape)
    threshold = geometry.disc_threshold(t_band.data)
    sample_t = _run(t_source, t_band.data[rows])
    sample_excluded = ~(t_band.data[rows] > threshold) | np.isnan(sample_t)
    if extra_mask is not None:
        sample_excluded |= extra_mask[rows]
    if sample_excluded.all():
        raise InputError(
            f"{t_band.label} has no usable pixel: its radiance is NaN, zero or "
            "negative everywhere (check the file and its unit)"
        )
    c_source = _maps.opacity_source(
        c_band,
        o_band,
        sample=rows,
        sample_excluded=sample_excluded,
        clear_sky=clear_sky,
        clear_percentile=clear_percentile,
        notes=notes,
    )
    sample_tau = _run(c_source, np.asarray(c_source.values)[rows])
    if np.isnan(sample_tau[~sample_excluded]).all():
        raise InputError(
            f"{axis_band.label} has no usable pixel on the disc (NaN, zero or negative everywhere): "
            "check the file and its unit"
        )
    chosen = get_palette(palette)
    t_axis = normalise.axis_limits(
        sample_t, limits=t_limits, percentiles=t_percentiles, mask=sample_excluded, name="temperature"
    )
    tau_axis = normalise.axis_limits(
        sample_tau,
        limits=tau_limits,
        percentiles=tau_percentiles,
        mask=sample_excluded | np.isnan(sample_tau),
        name="cloud opacity",
        minimum_span=1e-3,
    )
    # ... then temperature, opacity, mask and colour in one pass over the image.
    colour = chosen.kernel(x_range=tuple(t_axis), y_range=tuple(tau_axis), masked=True)
    temperature_map, opacity_map, excluded, rgba = _fused_pass(
        t_source, c_source, colour, threshold, extra_mask
    )
    return Composite(
        rgba,
        u.Quantity(temperature_map, u.K, copy=False),
        opacity_map,
        excluded,
        chosen,
        t_axis,
        tau_axis,
        t_band,
        axis_band,
        notes,
    )


def _run(source: _maps.Source, values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=source.dtype)
    source.kernel.run([np.ascontiguousarray(values)], [out])
    return out


def _combined_mask(*bands: Band) -> np.ndarray | None:
    masks = []
    for band in bands:
        if band.mask is None:
            continue
        mask = np.asarray(band.mask, dtype=bool)
        if mask.shape != band.shape:
            raise InputError(f"the mask of {band.label} is {mask.shape}, its image {band.shape}")
        masks.append(mask)
    return np.logical_or.reduce(masks) if masks else None


def _fused_pass(t_source, c_source, colour, threshold: float, extra_mask):
    """T, tau, the exclusion mask and the RGBA image, block by block on all cores.

    Off the disc (at or below ``threshold`` in the temperature band, or masked)
    T and tau are NaN; a pixel is excluded, and gets the bad colour, where
    either is NaN.
    """
    shape = t_source.values.shape
    temperature = np.empty(shape, dtype=t_source.dtype)
    opacity = np.empty(shape, dtype=c_source.dtype)
    excluded = np.empty(shape, dtype=bool)
    rgba = np.empty((*shape, 4), dtype=np.uint8)
    kernels = (t_source.kernel, c_source.kernel, colour)
    split = np.cumsum([0, *(len(k.scratch) for k in kernels)])
    has_mask = extra_mask is not None

    def fused(t_in, c_in, *rest):
        if has_mask:
            mask_in, *rest = rest
        t_out, tau_out, excluded_out, words, flag, *scratch = rest
        parts = [scratch[split[i] : split[i + 1]] for i in range(3)]
        kernels[0].func(t_in, t_out, *parts[0])
        kernels[1].func(c_in, tau_out, *parts[1])
        np.less_equal(t_in, threshold, out=flag)  # off the disc
        if has_mask:
            flag |= mask_in
        np.copyto(t_out, np.nan, where=flag)
        np.copyto(tau_out, np.nan, where=flag)
        np.isnan(t_out, out=excluded_out)
        np.isnan(tau_out, out=flag)
        excluded_out |= flag
        kernels[2].func(t_out, tau_out, excluded_out, words, *parts[2])

    inputs = [t_source.values, c_source.values] + ([extra_mask] if has_mask else [])
    outputs = [temperature, opacity, excluded, rgba.view(np.uint32).reshape(shape)]
    scratch = (np.bool_, *(dtype for k in kernels for dtype in k.scratch))
    map_blocks(fused, inputs, outputs, scratch=scratch)
    return temperature, opacity, excluded, rgba


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

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from falsecolor import compose
    >>> temperature = np.array([[120.0, 135.0], [127.5, np.nan]]) * u.K
    >>> opacity = np.array([[0.0, 4.5], [2.0, 1.0]])
    >>> composite = compose(temperature, opacity, t_limits=(120, 135), tau_limits=(0, 4.5))
    >>> composite.rgba[0, 0], composite.rgba[1, 1, 3]  # cold and clear: blue; NaN: transparent
    (array([ 80, 149, 255, 255], dtype=uint8), np.uint8(0))
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
