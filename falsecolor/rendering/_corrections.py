"""Corrections that use the planet's geometry: north up, coalignment, calibration to a zonal profile,
limb correction and the projections.

They run on the bands before the render's one pass, only when asked for
(except north-up rotation, which happens when the geometry is known on the
sky), and each says what it did as a :class:`Step` of the provenance (and so
in the outputs' metadata). A band's uncertainty plane follows every change of
its pixel grid.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .. import geometry
from ..bands import Band
from ..exceptions import InputError
from ..geometry import DiscGeometry
from ..recipe import Corrections
from ._disc import Disc, describe_disc, find_disc, pixel_scale, rotate_north_up, shift_onto
from ._limb import correct_on_disc
from ._projections import is_map, to_disc_view, to_map
from ._provenance import Step

__all__ = ["Corrected", "apply_corrections"]


@dataclass(frozen=True, eq=False)
class Corrected:
    """The corrected bands, the disc (None when not known), the limb fade (None without), what was done."""

    temperature: Band
    axis: Band
    disc: Disc | None
    fade: np.ndarray | None
    steps: tuple[Step, ...] = ()


def apply_corrections(
    temperature: Band, axis: Band, *, axis_role: str, corrections: Corrections
) -> Corrected:
    """North up, coalignment, profile calibration and limb correction of the bands, as ``corrections`` asks.

    ``axis_role`` is ``"cloud"`` (a 5 um band), ``"opacity"`` (a ready map,
    never limb-corrected) or ``"aerosol"`` (a thermal band, limb-corrected like
    the temperature band unless told otherwise).
    """
    steps: list[Step] = []
    disc: Disc | None
    if corrections.project == "disc":
        temperature, axis, disc, step = to_disc_view(temperature, axis, corrections)
        steps.append(step)
    else:
        disc = _disc_for(temperature, corrections)
    if disc is None:
        return Corrected(temperature, axis, None, None, tuple(steps))
    if corrections.coalign and axis_role != "opacity":
        axis, step = _coalign(axis, disc, corrections)
        steps.append(step)
    if corrections.orientation == "north" and disc.oriented and abs(disc.geometry.pole_angle) > 0.01:
        steps.append(Step("orientation", f"turned {disc.geometry.pole_angle:.2f}° to put north up"))
        geometry_up, (temperature, axis) = rotate_north_up(disc.geometry, temperature, axis)
        disc = dataclasses.replace(disc, geometry=geometry_up)
    steps.append(Step("disc", describe_disc(disc)))
    if not corrections.needs_disc():
        return Corrected(temperature, axis, disc, None, tuple(steps))
    temperature, axis, fade, limb_steps = correct_on_disc(
        temperature, axis, disc.geometry, corrections, axis_role=axis_role
    )
    steps += limb_steps
    if corrections.project == "map":
        grid = geometry.MapGrid.regular(corrections.map_resolution)
        temperature, axis = (to_map(b, disc.geometry, grid, corrections.mu_min) for b in (temperature, axis))
        projection = f"cylindrical map, {corrections.map_resolution:g}°/pixel, mu > {corrections.mu_min:g}"
        steps.append(Step("projection", projection))
        return Corrected(temperature, axis, None, None, tuple(steps))
    return Corrected(temperature, axis, disc, fade, tuple(steps))


def _coalign(axis: Band, disc: Disc, corrections: Corrections) -> tuple[Band, Step]:
    """The cloud-axis band (and its uncertainty plane) shifted onto the temperature band's disc."""
    try:
        axis, (dy, dx) = shift_onto(axis, disc.geometry, site=corrections.site)
    except InputError as err:
        raise InputError(f"{axis.label}: {err} (needed to align it with the temperature band)") from None
    text = f"{axis.label} shifted by dx {dx:+.2f}, dy {dy:+.2f} px onto the temperature band's disc"
    return axis, Step("coalign", text)


def _disc_for(band: Band, corrections: Corrections) -> Disc | None:
    """The band's disc when a correction needs it, or when its sky geometry is known for north up."""
    if band.data.ndim != 2:
        return None
    if is_map(band):
        if corrections.needs_disc():
            raise InputError(
                f"{band.label} is a cylindrical map: limb correction and profile calibration work on "
                "disc images (a map needs its own emission-angle map)"
            )
        return None
    if corrections.needs_disc():
        try:
            return find_disc(band, site=corrections.site)
        except InputError as err:
            raise InputError(f"{band.label}: {err} (needed for the limb correction / profile)") from None
    if DiscGeometry.from_header(band.header) is not None:
        return find_disc(band, site=corrections.site)  # cheap: read from the cards
    if corrections.orientation == "north" and band.date_obs is not None and pixel_scale(band.header):
        try:
            return find_disc(band, site=corrections.site)
        except InputError:
            return None
    return None
