"""render() and compose(): bands or maps in, a Composite out."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u

from .. import geometry, normalise
from .. import opacity as opacity_stage
from .._blocks import MAX_SAMPLES, map_blocks, sample_index
from ..bands import Band, read_band
from ..exceptions import InputError
from ..palette import DEFAULT_PALETTE, Palette, get_palette
from ..recipe import BAND_KEYS, BandInput, Recipe, is_path
from . import _maps
from ._composite import Composite
from ._corrections import Corrections, apply_corrections
from ._geometry import Disc

BandLike = Band | str | Path


def resolve_band(
    value: BandLike, *, role: str, options: Mapping[str, Any] | None = None, option_prefix: str = ""
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
    clear_sky: u.Quantity | float | str | None = None,
    clear_percentile: float = opacity_stage.CLEAR_SKY_PERCENTILE,
    temperature_options: Mapping[str, Any] | None = None,
    cloud_options: Mapping[str, Any] | None = None,
    corrections: Corrections | None = None,
    option_style: str = "python",
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
    clear_sky : Quantity, float or str, optional
        Clear-sky reference of the cloud band: a temperature (``250 * u.K`` or
        ``"250K"``), a radiance in any convention, counts, or a plain number in
        the band's own unit. Default: the ``clear_percentile`` percentile of the
        on-disc 5 um radiance.
    clear_percentile : float
        Percentile used when ``clear_sky`` is not given.
    temperature_options, cloud_options : mapping, optional
        :func:`~falsecolor.read_band` keywords used when the inputs are paths
        (``{"wavelength": "13um"}``, ``{"filter": "M-BAND"}``, ...).
    corrections : Corrections, optional
        Limb correction, zonal-profile calibration, mu cut and orientation
        (default: none, and north up when the sky geometry is known).
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
        temperature, cloud, opacity=opacity, clear_sky=clear_sky, clear_percentile=clear_percentile,
        temperature_options=temperature_options, cloud_options=cloud_options, corrections=corrections,
        option_style=option_style,
    )  # fmt: skip
    recipe = _recipe_of(
        temperature, cloud, opacity, temperature_options, cloud_options, palette=palette, t_limits=t_limits,
        tau_limits=tau_limits, t_percentiles=t_percentiles, tau_percentiles=tau_percentiles,
        clear_sky=clear_sky, clear_percentile=clear_percentile,
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
        return Composite(
            rgba, u.Quantity(temperature_map, u.K, copy=False), opacity_map, mask, chosen, t_axis, tau_axis,
            self.temperature_band, self.axis_band, dict(self.notes), recipe,
            geometry=self.disc.geometry if self.disc is not None else None,
        )  # fmt: skip


def prepare(
    temperature: BandLike,
    cloud: BandLike | None = None,
    *,
    opacity: BandLike | None = None,
    clear_sky: u.Quantity | float | str | None = None,
    clear_percentile: float = opacity_stage.CLEAR_SKY_PERCENTILE,
    temperature_options: Mapping[str, Any] | None = None,
    cloud_options: Mapping[str, Any] | None = None,
    corrections: Corrections | None = None,
    option_style: str = "python",
) -> Prepared:
    """Read, check and correct the bands, build their kernels, and sample T and tau on the disc."""
    prefixes = ("--", "--cloud-") if option_style == "cli" else ("temperature_options", "cloud_options")
    temperature_band, axis_band, is_opacity_map = _load_bands(
        temperature, cloud, opacity, temperature_options, cloud_options, prefixes
    )
    notes: dict[str, str] = {}
    corrected = apply_corrections(
        temperature_band, axis_band, opacity_map=is_opacity_map, corrections=corrections or Corrections(),
        prefixes=prefixes, notes=notes,
    )  # fmt: skip
    temperature_band, axis_band = corrected.temperature, corrected.axis
    temperature_source = _maps.temperature_source(temperature_band, prefixes[0], notes)
    extra_mask = _combined_mask(temperature_band, axis_band)
    threshold = geometry.disc_threshold(temperature_band.data)
    clear_rows, clear_excluded = _disc_sample(temperature_band, threshold, extra_mask, CLEAR_SKY_SAMPLES)
    _check_usable(clear_excluded, temperature_band)
    opacity_source = _maps.opacity_source(
        axis_band,
        prefix=prefixes[1],
        is_opacity_map=is_opacity_map,
        sample=clear_rows,
        sample_excluded=clear_excluded,
        clear_sky=clear_sky,
        clear_percentile=clear_percentile,
        notes=notes,
    )
    # Limits come from an even sample of rows, masked exactly as the full image will be.
    rows, excluded = _disc_sample(temperature_band, threshold, extra_mask, MAX_SAMPLES)
    sample_t = _run(temperature_source, temperature_band.data[rows])
    sample_tau = _run(opacity_source, np.asarray(opacity_source.values)[rows])
    _check_usable(excluded | np.isnan(sample_t), temperature_band)
    excluded |= np.isnan(sample_t) | np.isnan(sample_tau)
    _check_usable(excluded, axis_band)
    return Prepared(
        temperature_band, axis_band, temperature_source, opacity_source, threshold, extra_mask,
        sample_t, sample_tau, excluded, notes, corrected.disc, corrected.fade,
    )  # fmt: skip


def _recipe_of(temperature, cloud, opacity, temperature_options, cloud_options, **choices) -> Recipe:
    """The recipe of a render call: file inputs (absolute paths) and every choice made."""
    inputs = {}
    for name, value, options in (
        ("temperature", temperature, temperature_options),
        ("cloud", cloud, cloud_options),
        ("opacity", opacity, cloud_options),
    ):
        if isinstance(value, str | Path):
            given = {k: v for k, v in dict(options or {}).items() if k in BAND_KEYS and v is not None}
            for key in ("wavelength", "scale"):
                if key in given and not isinstance(given[key], str):
                    given[key] = str(given[key])
            inputs[name] = BandInput(path=os.path.relpath(os.path.abspath(value)), **given)
    palette = choices.pop("palette")
    if isinstance(palette, Palette):
        palette = palette.source if palette.source else palette.name
    if palette is not None and is_path(str(palette)):
        palette = os.path.relpath(os.path.abspath(palette))
    clear_sky = choices.pop("clear_sky")
    if clear_sky is not None and not isinstance(clear_sky, str | int | float):
        clear_sky = str(clear_sky)
    pairs = {
        k: tuple(float(v) for v in value) for k, value in choices.items() if isinstance(value, tuple | list)
    }
    return Recipe(
        **inputs, base=Path.cwd(), palette=str(palette) if palette is not None else DEFAULT_PALETTE,
        clear_sky=clear_sky, clear_percentile=float(choices["clear_percentile"]), **pairs,
    )  # fmt: skip


#: Pixels sampled for the clear-sky percentile: more than for the limits, since it is a tail
#: statistic of the hot spots and goes into every tau value written out.
CLEAR_SKY_SAMPLES = 1 << 20


def _load_bands(temperature, cloud, opacity, temperature_options, cloud_options, prefixes):
    """The temperature band, the cloud-axis band, and whether the latter is a ready opacity map."""
    if (cloud is None) == (opacity is None):
        raise InputError(
            "give exactly one of a cloud band (--cloud, a ~5 µm image) or an opacity map (--opacity)"
        )
    temperature_band = resolve_band(
        temperature, role="temperature", options=temperature_options, option_prefix=prefixes[0]
    )
    axis_input = cloud if cloud is not None else opacity
    axis_band = resolve_band(
        axis_input, role="cloud" if cloud is not None else "opacity", options=cloud_options,
        option_prefix=prefixes[1],
    )  # fmt: skip
    if temperature_band.data.ndim != 2 or axis_band.data.ndim != 2:
        raise InputError("render takes 2-D images; choose a plane of a cube with --plane")
    if temperature_band.shape != axis_band.shape:
        (ty, tx), (cy, cx) = temperature_band.shape, axis_band.shape
        raise InputError(
            f"the bands differ in shape: {temperature_band.label} is {tx}x{ty}, {axis_band.label} "
            f"is {cx}x{cy}: put them on one pixel grid first"
        )
    _maps.check_filter_option(temperature_band, prefixes[0])
    _maps.check_filter_option(axis_band, prefixes[1])
    return temperature_band, axis_band, opacity is not None


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
