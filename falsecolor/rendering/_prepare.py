"""The two halves of a render: prepare the bands (read, corrected, sampled), then finish in one pass.

:func:`prepare_bands` does everything that does not depend on the palette or
the axis limits, and keeps an on-disc sample of T and tau, so that the limits
can be chosen (also across several images, for a time series) before the one
full pass of :meth:`Prepared.finish` computes temperature, opacity, mask and
colour block by block.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy import units as u

from .. import geometry
from .._blocks import MAX_SAMPLES, map_blocks, sample_index
from .._memory import require
from ..bands import Band
from ..exceptions import InputError
from ..normalise import AxisLimits
from ..palette import Palette, get_palette
from ..recipe import Axes, Corrections, Recipe
from ._aerosol import aerosol_source
from ._composite import Composite
from ._corrections import apply_corrections
from ._disc import Disc
from ._inputs import combined_mask
from ._limits import axes_limits, stretches
from ._provenance import Provenance, Step
from ._sky import check_sky, subtract_sky
from ._sources import Source, opacity_source, temperature_source
from ._uncertainty import parse_uncertainty, propagate, relative_error

__all__ = ["CLEAR_SKY_SAMPLES", "Prepared", "prepare_bands"]

#: Pixels sampled for the clear-sky percentile: more than for the limits, since it is a tail
#: statistic of the hot spots and goes into every tau value written out.
CLEAR_SKY_SAMPLES = 1 << 20


@dataclass(frozen=True, eq=False)
class Prepared:
    """Bands read, checked and corrected, their kernels, and an on-disc sample of T and tau."""

    temperature_band: Band
    axis_band: Band
    role: str
    temperature_source: Source
    opacity_source: Source
    threshold: float
    extra_mask: np.ndarray | None
    sample_t: np.ndarray
    sample_tau: np.ndarray
    excluded: np.ndarray
    provenance: Provenance
    disc: Disc | None = None
    fade: np.ndarray | None = None
    axis_kelvin: np.ndarray | None = None

    def usable_sample(self) -> tuple[np.ndarray, np.ndarray]:
        """The sampled on-disc T and tau values that count for the limits."""
        keep = ~self.excluded
        return self.sample_t[keep], self.sample_tau[keep]

    def limits(self, axes: Axes) -> tuple[AxisLimits, AxisLimits]:
        """The values at the ends of the two axes: as given, else the on-disc percentiles."""
        return axes_limits(axes, self.sample_t, self.sample_tau, t_mask=self.excluded, tau_mask=self.excluded)

    def finish(
        self,
        axes: Axes,
        *,
        palette: Palette | None = None,
        recipe: Recipe | None = None,
        limits_source: tuple[str, str] | None = None,
    ) -> Composite:
        """Choose the limits, then temperature, opacity, mask and colour in one pass.

        ``palette`` is a palette object to use instead of ``axes.palette``;
        ``recipe`` is what the composite records as having made it.
        """
        chosen = palette if palette is not None else get_palette(axes.palette)
        t_axis, tau_axis = self.limits(axes)
        if limits_source is not None:
            t_axis = dataclasses.replace(t_axis, source=limits_source[0])
            tau_axis = dataclasses.replace(tau_axis, source=limits_source[1])
        colour = chosen.kernel(
            x_range=tuple(t_axis), y_range=tuple(tau_axis), masked=True, **stretches(t_axis, tau_axis)
        )
        temperature_map, opacity_map, mask, rgba = _fused_pass(
            self.temperature_source, self.opacity_source, colour, self.threshold, self.extra_mask
        )
        if self.fade is not None:
            rgba[..., 3] = np.rint(rgba[..., 3] * self.fade).astype(np.uint8)
        t_error, axis_error = propagate(
            self.temperature_band, self.axis_band, self.role, temperature_map, opacity_map, self.axis_kelvin
        )
        return Composite(
            rgba=rgba,
            temperature=u.Quantity(temperature_map, u.K, copy=False),
            opacity=opacity_map,
            mask=mask,
            palette=chosen,
            t_limits=t_axis,
            tau_limits=tau_axis,
            temperature_band=self.temperature_band,
            cloud_band=self.axis_band,
            provenance=self.provenance,
            recipe=recipe,
            geometry=self.disc.geometry if self.disc is not None else None,
            temperature_error=t_error,
            opacity_error=axis_error,
        )


def prepare_bands(
    temperature: Band,
    axis: Band,
    role: str,
    options: Corrections,
    *,
    uncertainty: Any = None,
    cloud_uncertainty: Any = None,
) -> Prepared:
    """Correct the bands as ``options`` asks, build their kernels, and sample T and tau on the disc.

    ``uncertainty`` and ``cloud_uncertainty`` override the options' values
    with objects a recipe cannot hold (a sigma map given as a Band).
    """
    _check_memory(temperature, options, uncertainty or options.uncertainty)
    steps: list[Step] = []
    if options.subtract_sky:  # first: the uncertainty and every correction see the sky removed
        temperature, axis, sky_steps = subtract_sky(temperature, axis, axis_role=role)
        steps += sky_steps
    else:
        check_sky(temperature, axis, axis_role=role)
    temperature, axis = _with_uncertainty(
        temperature,
        axis,
        role,
        uncertainty if uncertainty is not None else options.uncertainty,
        cloud_uncertainty if cloud_uncertainty is not None else options.cloud_uncertainty,
        steps,
    )
    with geometry.using_ephemeris(options.ephemeris):  # a JPL kernel, when one is given
        corrected = apply_corrections(temperature, axis, axis_role=role, corrections=options)
    temperature, axis = corrected.temperature, corrected.axis
    steps += corrected.steps
    t_source, t_quantity = temperature_source(temperature)
    extra_mask = combined_mask(temperature, axis)
    threshold = geometry.disc_threshold(temperature.data, raw=temperature.kind == "counts")
    clear_rows, clear_excluded = _disc_sample(temperature, threshold, extra_mask, CLEAR_SKY_SAMPLES)
    _check_usable(clear_excluded, temperature)
    axis_kelvin = None
    clear = {
        "sample": clear_rows,
        "sample_excluded": clear_excluded,
        "clear_sky": options.clear_sky,
        "clear_percentile": options.clear_percentile,
    }
    clear_note: str | None
    if role == "aerosol":
        o_source, axis_kelvin, o_quantity, clear_note = aerosol_source(
            axis, temperature, (t_source, t_quantity), **clear
        )
    else:
        o_source, o_quantity, clear_note = opacity_source(axis, is_opacity_map=role == "opacity", **clear)
    # Limits come from an even sample of rows, masked exactly as the full image will be.
    rows, excluded = _disc_sample(temperature, threshold, extra_mask, MAX_SAMPLES)
    sample_t = _run(t_source, temperature.data[rows])
    sample_tau = _run(o_source, np.asarray(o_source.values)[rows])
    _check_usable(excluded | np.isnan(sample_t), temperature)
    excluded |= np.isnan(sample_t) | np.isnan(sample_tau)
    _check_usable(excluded, axis)
    provenance = Provenance(t_quantity, o_quantity, clear_note, tuple(steps))
    return Prepared(
        temperature,
        axis,
        role,
        t_source,
        o_source,
        threshold,
        extra_mask,
        sample_t,
        sample_tau,
        excluded,
        provenance,
        corrected.disc,
        corrected.fade,
        axis_kelvin,
    )


#: Bytes per pixel a render needs beside its inputs: T, tau, mask, colours, their display copies.
RENDER_BYTES_PER_PIXEL = 24
#: ... and for each of: uncertainty planes, limb correction or profile, a turn to north up.
EXTRA_BYTES_PER_PIXEL = 8


def _check_memory(band: Band, options: Corrections, uncertainty: Any) -> None:
    """Refuse a render that will not fit in memory, before any work."""
    per_pixel = RENDER_BYTES_PER_PIXEL
    per_pixel += EXTRA_BYTES_PER_PIXEL * sum(
        (uncertainty is not None, options.needs_disc(), options.orientation == "north")
    )
    ny, nx = band.shape[:2]
    require(ny * nx * per_pixel, f"rendering {nx} x {ny} pixels", "render a smaller cut-out, or free memory")


def _with_uncertainty(temperature, axis, role, given_t, given_c, steps: list[Step]) -> tuple[Band, Band]:
    """The bands carrying sigma_I / I on their own pixels (when an uncertainty was given)."""
    parsed_t, parsed_c = parse_uncertainty(given_t), parse_uncertainty(given_c)
    if parsed_c is None and parsed_t is not None and parsed_t.kind != "map":
        parsed_c = parsed_t
    if role == "opacity":
        if given_c is not None:
            raise InputError("a ready opacity map has no radiance to take an uncertainty of: drop it")
        parsed_c = None
    out = []
    for band, parsed, name in ((temperature, parsed_t, "temperature"), (axis, parsed_c, "cloud")):
        if parsed is not None:
            relative, note = relative_error(band, parsed)
            band = band.replace(uncertainty=relative)
            steps.append(Step(f"{name}_uncertainty", note))
        out.append(band)
    return out[0], out[1]


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


def _run(source: Source, values: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.empty(values.shape, dtype=source.dtype)
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

    def fused(t_in, c_in, *arrays):
        rest = list(arrays)
        if has_mask:
            mask_in = rest.pop(0)
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
