"""render() and compose(): bands or maps in, a Composite out."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u

from .. import geometry, normalise
from .. import opacity as opacity_stage
from .._blocks import MAX_SAMPLES, map_blocks, sample_index
from ..bands import Band
from ..exceptions import InputError
from ..palette import Palette, get_palette
from ..recipe import Recipe
from . import _maps
from ._aerosol import aerosol_source
from ._composite import Composite
from ._corrections import Corrections, apply_corrections
from ._geometry import Disc
from ._inputs import BandLike, combined_mask, load_bands, recipe_of
from ._sky import check_sky, subtract_sky
from ._uncertainty import ErrorModel, parse_uncertainty, relative_error


def render(
    temperature: BandLike,
    cloud: BandLike | None = None,
    *,
    opacity: BandLike | None = None,
    aerosol: BandLike | None = None,
    palette: str | Path | Palette | None = None,
    t_limits: tuple[float, float] | None = None,
    tau_limits: tuple[float, float] | None = None,
    t_percentiles: tuple[float, float] = normalise.DEFAULT_PERCENTILES,
    tau_percentiles: tuple[float, float] = normalise.DEFAULT_PERCENTILES,
    clear_sky: u.Quantity | float | str | None = None,
    clear_percentile: float = opacity_stage.CLEAR_SKY_PERCENTILE,
    temperature_options: Mapping[str, Any] | None = None,
    cloud_options: Mapping[str, Any] | None = None,
    corrections: Corrections | None = None,
    uncertainty: Any = None,
    cloud_uncertainty: Any = None,
    option_style: str = "python",
) -> Composite:
    """Render a false-colour composite from a temperature band and a cloud axis.

    Parameters
    ----------
    temperature : Band or path
        Thermal band (e.g. 13 um) in counts (with a conversion factor),
        spectral radiance, or brightness temperature (K).
    cloud : Band or path, optional
        ~5 um band in counts, radiance or K, for the cloud axis.
    opacity : Band or path, optional
        A ready cloud-opacity map instead of ``cloud``.
    aerosol : Band or path, optional
        Instead of ``cloud``, when no 5 um image exists: an aerosol-sensitive
        thermal band (8.6 um). The cloud axis is then the aerosol index
        dT_clear - (T_aerosol - T), in K (0 = clear).
    palette : str, Path or Palette, optional
        Palette name or TOML file; default ``visir``.
    t_limits : (float, float), optional
        Temperatures (K) at the cold and warm edges; default on-disc percentiles.
    tau_limits : (float, float), optional
        Opacities at the clear and cloudy edges; default on-disc percentiles.
    t_percentiles, tau_percentiles : (float, float)
        Percentiles used when limits are not given.
    clear_sky : Quantity, float or str, optional
        Clear-sky reference of the cloud band: a temperature (``250 * u.K`` or
        ``"250K"``), a radiance in any convention, counts, or a plain number in
        the band's own unit; with ``aerosol``, dT_clear in K. Default: the
        ``clear_percentile`` percentile of the on-disc 5 um radiance (or dT).
    clear_percentile : float
        Percentile used when ``clear_sky`` is not given.
    temperature_options, cloud_options : mapping, optional
        :func:`~falsecolor.read_band` keywords used when the inputs are paths
        (``{"wavelength": "13um"}``, ``{"filter": "M-BAND"}``, ...).
    corrections : Corrections, optional
        Limb correction, zonal-profile calibration, mu cut and orientation
        (default: none, and north up when the sky geometry is known).
    uncertainty : float, str, Band or path, optional
        Radiance uncertainty of the temperature band: a fraction (``0.05`` or
        ``"5%"``), ``"sky"`` (the noise of the sky pixels) or a sigma map in
        the band's unit. It is propagated to ``Composite.temperature_error``
        (and, unless it is a map, to the cloud band as well).
    cloud_uncertainty : float, str, Band or path, optional
        The same for the cloud-axis band (default: as ``uncertainty``, except
        a sigma map); propagated to ``Composite.opacity_error``.
    option_style : {'python', 'cli'}
        How error messages name the options that fix a problem.

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
    prepared = prepare(
        temperature, cloud, opacity=opacity, aerosol=aerosol, clear_sky=clear_sky,
        clear_percentile=clear_percentile, temperature_options=temperature_options,
        cloud_options=cloud_options, corrections=corrections, uncertainty=uncertainty,
        cloud_uncertainty=cloud_uncertainty, option_style=option_style,
    )  # fmt: skip
    axes = {"cloud": cloud, "opacity": opacity, "aerosol": aerosol}
    recipe = recipe_of(
        temperature, axes, temperature_options, cloud_options, palette=palette, t_limits=t_limits,
        tau_limits=tau_limits, t_percentiles=t_percentiles, tau_percentiles=tau_percentiles,
        clear_sky=clear_sky, clear_percentile=clear_percentile, uncertainty=uncertainty,
        cloud_uncertainty=cloud_uncertainty,
    )  # fmt: skip
    return prepared.finish(
        palette=palette, t_limits=t_limits, tau_limits=tau_limits, t_percentiles=t_percentiles,
        tau_percentiles=tau_percentiles, recipe=recipe,
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class Prepared:
    """Bands read and checked, their kernels, and an on-disc sample of T and tau.

    The first half of :func:`render`: enough to choose the axis limits (also
    across several images, for a time series) before the full pass.
    """

    temperature_band: Band
    axis_band: Band
    temperature_source: _maps.Source
    opacity_source: _maps.Source
    threshold: float
    extra_mask: np.ndarray | None
    sample_t: np.ndarray
    sample_tau: np.ndarray
    excluded: np.ndarray
    notes: dict[str, str]
    disc: Disc | None = None
    fade: np.ndarray | None = None
    errors: ErrorModel | None = None
    axis_kelvin: np.ndarray | None = None

    def usable_sample(self) -> tuple[np.ndarray, np.ndarray]:
        """The sampled on-disc T and tau values that count for the limits."""
        keep = ~self.excluded
        return self.sample_t[keep], self.sample_tau[keep]

    def finish(
        self,
        *,
        palette: str | Path | Palette | None = None,
        t_limits: tuple[float, float] | None = None,
        tau_limits: tuple[float, float] | None = None,
        t_percentiles: tuple[float, float] = normalise.DEFAULT_PERCENTILES,
        tau_percentiles: tuple[float, float] = normalise.DEFAULT_PERCENTILES,
        recipe: Recipe | None = None,
        limits_source: tuple[str, str] | None = None,
    ) -> Composite:
        """Choose the limits, then temperature, opacity, mask and colour in one pass."""
        chosen = get_palette(palette)
        t_axis, tau_axis = _limits(
            self.sample_t,
            self.sample_tau,
            self.excluded,
            t_limits,
            tau_limits,
            t_percentiles,
            tau_percentiles,
        )
        if limits_source is not None:
            t_axis = dataclasses.replace(t_axis, source=limits_source[0])
            tau_axis = dataclasses.replace(tau_axis, source=limits_source[1])
        colour = chosen.kernel(x_range=tuple(t_axis), y_range=tuple(tau_axis), masked=True)
        temperature_map, opacity_map, mask, rgba = _fused_pass(
            self.temperature_source, self.opacity_source, colour, self.threshold, self.extra_mask
        )
        if self.fade is not None:
            rgba[..., 3] = np.rint(rgba[..., 3] * self.fade).astype(np.uint8)
        t_error = axis_error = None
        if self.errors is not None:
            t_error, axis_error = self.errors.propagate(temperature_map, opacity_map, self.axis_kelvin)
        return Composite(
            rgba, u.Quantity(temperature_map, u.K, copy=False), opacity_map, mask, chosen, t_axis, tau_axis,
            self.temperature_band, self.axis_band, dict(self.notes), recipe,
            geometry=self.disc.geometry if self.disc is not None else None, temperature_error=t_error,
            opacity_error=axis_error,
        )  # fmt: skip


def prepare(
    temperature: BandLike,
    cloud: BandLike | None = None,
    *,
    opacity: BandLike | None = None,
    aerosol: BandLike | None = None,
    clear_sky: u.Quantity | float | str | None = None,
    clear_percentile: float = opacity_stage.CLEAR_SKY_PERCENTILE,
    temperature_options: Mapping[str, Any] | None = None,
    cloud_options: Mapping[str, Any] | None = None,
    corrections: Corrections | None = None,
    uncertainty: Any = None,
    cloud_uncertainty: Any = None,
    option_style: str = "python",
) -> Prepared:
    """Read, check and correct the bands, build their kernels, and sample T and tau on the disc."""
    prefixes = ("--", "--cloud-") if option_style == "cli" else ("temperature_options", "cloud_options")
    temperature_band, axis_band, role = load_bands(
        temperature, {"cloud": cloud, "opacity": opacity, "aerosol": aerosol}, temperature_options,
        cloud_options, prefixes,
    )  # fmt: skip
    notes: dict[str, str] = {}
    corrections = corrections or Corrections()
    if corrections.subtract_sky:  # first: the uncertainty and every correction see the sky removed
        temperature_band, axis_band = subtract_sky(temperature_band, axis_band, notes=notes, axis_role=role)
    else:
        check_sky(temperature_band, axis_band, axis_role=role)
    relative = _relative_errors(
        temperature_band, axis_band, role, uncertainty, cloud_uncertainty, prefixes, notes
    )
    corrected = apply_corrections(
        temperature_band, axis_band, axis_role=role, corrections=corrections,
        prefixes=prefixes, notes=notes, companions=relative,
    )  # fmt: skip
    temperature_band, axis_band = corrected.temperature, corrected.axis
    temperature_source = _maps.temperature_source(temperature_band, prefixes[0], notes)
    extra_mask = combined_mask(temperature_band, axis_band)
    threshold = geometry.disc_threshold(temperature_band.data, raw=temperature_band.kind == "counts")
    clear_rows, clear_excluded = _disc_sample(temperature_band, threshold, extra_mask, CLEAR_SKY_SAMPLES)
    _check_usable(clear_excluded, temperature_band)
    axis_kelvin = None
    if role == "aerosol":
        opacity_source, axis_kelvin = aerosol_source(
            axis_band, temperature_band, temperature_source, prefix=prefixes[1], sample=clear_rows,
            sample_excluded=clear_excluded, clear_sky=clear_sky, clear_percentile=clear_percentile,
            notes=notes,
        )  # fmt: skip
    else:
        opacity_source = _maps.opacity_source(
            axis_band, prefix=prefixes[1], is_opacity_map=role == "opacity", sample=clear_rows,
            sample_excluded=clear_excluded, clear_sky=clear_sky, clear_percentile=clear_percentile,
            notes=notes,
        )  # fmt: skip
    # Limits come from an even sample of rows, masked exactly as the full image will be.
    rows, excluded = _disc_sample(temperature_band, threshold, extra_mask, MAX_SAMPLES)
    sample_t = _run(temperature_source, temperature_band.data[rows])
    sample_tau = _run(opacity_source, np.asarray(opacity_source.values)[rows])
    _check_usable(excluded | np.isnan(sample_t), temperature_band)
    excluded |= np.isnan(sample_t) | np.isnan(sample_tau)
    _check_usable(excluded, axis_band)
    errors = None
    if any(r is not None for r in corrected.companions):
        errors = ErrorModel(
            *corrected.companions,
            _spectral_if(corrected.companions[0], temperature_band, prefixes[0]),
            _spectral_if(corrected.companions[1] if role == "aerosol" else None, axis_band, prefixes[1]),
            role,
        )
    return Prepared(
        temperature_band, axis_band, temperature_source, opacity_source, threshold, extra_mask,
        sample_t, sample_tau, excluded, notes, corrected.disc, corrected.fade, errors, axis_kelvin,
    )  # fmt: skip


def _relative_errors(temperature_band, axis_band, role, uncertainty, cloud_uncertainty, prefixes, notes):
    """sigma_I / I of the two bands on their own pixels (None where no uncertainty was given)."""
    given_t = parse_uncertainty(uncertainty)
    given_c = parse_uncertainty(cloud_uncertainty)
    if given_c is None and given_t is not None and given_t.kind != "map":
        given_c = given_t
    if role == "opacity":
        if cloud_uncertainty is not None:
            raise InputError("a ready opacity map has no radiance to take an uncertainty of: drop it")
        given_c = None
    out = []
    for band, given, prefix, name in (
        (temperature_band, given_t, prefixes[0], "temperature"),
        (axis_band, given_c, prefixes[1], "cloud"),
    ):
        spectral = lambda b=band, p=prefix: _maps.spectral_of(b, p)[0]  # noqa: E731
        out.append(None if given is None else relative_error(band, given, spectral, notes=notes, role=name))
    return tuple(out)


def _spectral_if(relative, band: Band, prefix: str):
    """The band's filter or wavelength when an uncertainty is to be propagated through it."""
    return None if relative is None else _maps.spectral_of(band, prefix)[0]


#: Pixels sampled for the clear-sky percentile: more than for the limits, since it is a tail
#: statistic of the hot spots and goes into every tau value written out.
CLEAR_SKY_SAMPLES = 1 << 20


def _disc_sample(band: Band, threshold: float, extra_mask, max_samples: int):
    """Rows of an even sample and which of their pixels are off the disc (or masked)."""
    rows = sample_index(band.shape, max_samples=max_samples)
    excluded = ~(band.data[rows] > threshold)
    if extra_mask is not None:
        excluded |= extra_mask[rows]
    return rows, excluded


def _check_usable(excluded: np.ndarray, band: Band) -> None:
    if excluded.all():
        raise InputError(
            f"{band.label} has no usable pixel on the disc: its values are NaN, zero or negative "
            "everywhere (check the file and its unit)"
        )


def _limits(sample_t, sample_tau, excluded, t_limits, tau_limits, t_percentiles, tau_percentiles):
    if t_limits is not None and min(t_limits) <= 0:
        raise InputError(f"temperature limits are in kelvin and must be positive, got {t_limits}")
    if tau_limits is not None and min(tau_limits) < 0:
        raise InputError(f"cloud-opacity limits cannot be negative (tau >= 0), got {tau_limits}")
    t_axis = normalise.axis_limits(
        sample_t, limits=t_limits, percentiles=t_percentiles, mask=excluded, name="temperature"
    )
    tau_axis = normalise.axis_limits(
        sample_tau, limits=tau_limits, percentiles=tau_percentiles, mask=excluded,
        name="cloud opacity", minimum_span=1e-3,
    )  # fmt: skip
    return t_axis, tau_axis


def _run(source: _maps.Source, values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=source.dtype)
    source.kernel.run([np.ascontiguousarray(values)], [out])
    return out


def _fused_pass(temperature_source, opacity_source, colour, threshold: float, extra_mask):
    """T, tau, the exclusion mask and the RGBA image, block by block on all cores.

    Off the disc (at or below ``threshold`` in the temperature band, or masked)
    T and tau are NaN; a pixel is excluded, and gets the bad colour, where
    either is NaN.
    """
    shape = temperature_source.values.shape
    temperature = np.empty(shape, dtype=temperature_source.dtype)
    opacity = np.empty(shape, dtype=opacity_source.dtype)
    excluded = np.empty(shape, dtype=bool)
    rgba = np.empty((*shape, 4), dtype=np.uint8)
    kernels = (temperature_source.kernel, opacity_source.kernel, colour)
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

    inputs = [temperature_source.values, opacity_source.values] + ([extra_mask] if has_mask else [])
    outputs = [temperature, opacity, excluded, rgba.view(np.uint32).reshape(shape)]
    scratch = (np.bool_, *(dtype for k in kernels for dtype in k.scratch))
    map_blocks(fused, inputs, outputs, scratch=scratch)
    return temperature, opacity, excluded, rgba
