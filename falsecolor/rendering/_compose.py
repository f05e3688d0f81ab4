"""compose(): temperature and opacity arrays in, a Composite out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u

from ..bands import Band
from ..exceptions import InputError, UnitError
from ..palette import Palette, get_palette
from ..recipe import Axes
from ._composite import Composite
from ._limits import axes_limits, stretches
from ._provenance import AxisQuantity, Provenance, Step

__all__ = ["compose"]


def compose(
    temperature: u.Quantity,
    opacity: np.ndarray,
    *,
    palette: str | Path | Palette | None = None,
    t_limits: tuple[float, float] | None = None,
    tau_limits: tuple[float, float] | None = None,
    t_percentiles: tuple[float, float] | None = None,
    tau_percentiles: tuple[float, float] | None = None,
    t_stretch: str | None = None,
    tau_stretch: str | None = None,
    mask: np.ndarray | None = None,
    notes: Mapping[str, str] | None = None,
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
    palette, t_limits, tau_limits, t_percentiles, tau_percentiles, t_stretch, tau_stretch
        The axis options, as in :func:`render` (a :class:`~falsecolor.recipe.Axes` section).
    mask : ndarray of bool, optional
        True where a pixel is excluded; default: where either map is NaN.
    notes : mapping, optional
        How the maps were made, one line each by name (kept in the provenance
        and written into the outputs' metadata).

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
    given: dict[str, Any] = {"t_limits": t_limits, "tau_limits": tau_limits}
    given |= {"t_percentiles": t_percentiles, "tau_percentiles": tau_percentiles}
    given |= {"t_stretch": t_stretch, "tau_stretch": tau_stretch}
    if palette is not None and not isinstance(palette, Palette):
        given["palette"] = palette
    axes = Axes(**given)
    kelvin = np.asarray(temperature.to_value(u.K, equivalencies=u.temperature()))
    tau = np.asarray(opacity)
    if kelvin.shape != tau.shape or kelvin.ndim != 2:
        raise InputError(
            f"temperature {kelvin.shape} and opacity {tau.shape} must be 2-D images of one shape"
        )
    undefined = ~(np.isfinite(kelvin) & np.isfinite(tau))
    mask = undefined if mask is None else (np.asarray(mask, dtype=bool) | undefined)
    chosen = palette if isinstance(palette, Palette) else get_palette(axes.palette)
    t_axis, tau_axis = axes_limits(axes, kelvin, tau, t_mask=mask, tau_mask=mask | ~np.isfinite(tau))
    rgba = chosen.lookup(
        kelvin, tau, x_range=tuple(t_axis), y_range=tuple(tau_axis), mask=mask, **stretches(t_axis, tau_axis)
    )
    if temperature_band is None:
        temperature_band = Band(kelvin, u.K, source="temperature array")
    provenance = Provenance(
        AxisQuantity("temperature", "", "given as an array"),
        AxisQuantity("opacity", "", "given as an array"),
        steps=tuple(Step(name, text) for name, text in dict(notes or {}).items()),
    )
    return Composite(
        rgba=rgba,
        temperature=u.Quantity(kelvin, u.K, copy=False),
        opacity=tau,
        mask=mask,
        palette=chosen,
        t_limits=t_axis,
        tau_limits=tau_axis,
        temperature_band=temperature_band,
        cloud_band=cloud_band,
        provenance=provenance,
    )
