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
from .._messages import option
from ..bands import Band
from ..exceptions import InputError, warn
from ..geometry import DiscGeometry
from ..recipe import Corrections
from ._disc import Disc, describe_disc, find_disc, rotate_north_up, shift_onto
from ._limb import correct_on_disc
from ._observation import NoDisc, observe
from ._projections import to_disc_view, to_map
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
        # centred on the central meridian, so the hemisphere seen is not split at the 0/360° seam
        cell = corrections.map_resolution
        middle = round(disc.geometry.central_meridian / cell) * cell
        grid = geometry.MapGrid.regular(cell, lon_range=(middle + 180.0, middle - 180.0))
        temperature, axis = (to_map(b, disc.geometry, grid, corrections.mu_min) for b in (temperature, axis))
        projection = f"cylindrical map, {corrections.map_resolution:g}°/pixel, mu > {corrections.mu_min:g}"
        steps.append(Step("projection", projection))
        return Corrected(temperature, axis, None, None, tuple(steps))
    return Corrected(temperature, axis, disc, fade, tuple(steps))


def _coalign(axis: Band, disc: Disc, corrections: Corrections) -> tuple[Band, Step]:
    """The cloud-axis band (and its uncertainty plane) shifted onto the temperature band's disc."""
    try:
        axis, (dy, dx) = shift_onto(axis, disc.geometry, settings=corrections)
    except InputError as err:
        raise InputError(f"{axis.label}: {err} (needed to align it with the temperature band)") from None
    text = f"{axis.label} shifted by dx {dx:+.2f}, dy {dy:+.2f} px onto the temperature band's disc"
    return axis, Step("coalign", text)


def _disc_for(band: Band, corrections: Corrections) -> Disc | None:
    """The band's disc when a correction needs it, or when its sky geometry is known for north up.

    A map or an image of another body than Jupiter has none: a correction that
    needs one is then refused, and otherwise the image is rendered as it is.
    """
    if band.data.ndim != 2:
        return None
    seen = observe(band, corrections)
    why = seen.no_disc(band.label)
    if why is not None:
        if corrections.needs_disc():
            raise NoDisc(f"{why}: {_needing(corrections)} works on Jupiter's disc images only; leave it out")
        if not seen.target.modelled:
            warn(f"{why}: rendered without geometry")
        return None
    if corrections.needs_disc():
        try:
            return find_disc(band, settings=corrections)
        except InputError as err:
            raise type(err)(f"{err} (needed for {_needing(corrections)})") from None
    if DiscGeometry.from_header(band.header) is not None:
        return find_disc(band, settings=corrections)  # cheap: read from the cards
    oriented = seen.scale is not None or seen.north is not None
    if corrections.orientation == "north" and seen.date is not None and oriented:
        try:
            return find_disc(band, settings=corrections)
        except NoDisc as err:
            warn(f"{err}: the image is not turned north up")
        except InputError:
            return None
    return None


def _needing(corrections: Corrections) -> str:
    """The options asked for that need a disc, as the user spells them."""
    asked = []
    if corrections.limb_correction != "none":
        asked.append(option("limb_correction"))
    elif corrections.cloud_limb != "none":
        asked.append(option("cloud_limb_correction"))
    if corrections.profile is not None:
        asked.append(option("profile"))
    if corrections.coalign:
        asked.append(option("coalign"))
    if corrections.project == "map":
        asked.append(option("project", "map"))
    return " and ".join(asked) or "this"
