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
from pathlib import Path

import numpy as np
from astropy import units as u

from .. import calibrate, geometry, planck
from .._messages import option
from .._units import WAVELENGTH_RADIANCE
from ..bands import Band
from ..exceptions import InputError
from ..geometry import Backplanes, DiscGeometry
from ..recipe import Corrections
from ._disc import Disc, describe_disc, find_disc, pixel_scale, rotate_north_up, shift_onto
from ._projections import is_map, to_disc_view, to_map
from ._provenance import Step
from ._sources import kelvin_to_radiance
from ._spectral import band_label, filter_of, radiance_scale, spectral

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
    planes = geometry.backplanes(temperature.shape, disc.geometry)
    if corrections.profile is not None:
        temperature, step = _profile_calibrate(temperature, planes, disc.geometry, corrections)
        steps.append(step)
    if corrections.limb_correction != "none":
        temperature, step = _limb_correct(temperature, planes, corrections.limb_correction, corrections)
        steps.append(step)
    cloud_choice = corrections.cloud_limb
    if (
        axis_role == "aerosol" and corrections.cloud_limb_correction is None
    ):  # a thermal band: its own exponent
        limb = corrections.limb_correction
        cloud_choice = "auto" if isinstance(limb, int | float) else limb
    if cloud_choice != "none" and axis_role != "opacity":
        axis, step = _limb_correct(axis, planes, cloud_choice, corrections)
        steps.append(step)
    fade = None
    if corrections.limb_fade and (corrections.limb_correction != "none" or cloud_choice != "none"):
        fade = calibrate.limb_weight(planes.mu, corrections.mu_min)
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


def _radiance(band: Band) -> tuple[np.ndarray, u.UnitBase | None]:
    """The band as radiance (or counts for an uncalibrated cloud band) and its unit (None for counts)."""
    if band.kind == "temperature":
        return kelvin_to_radiance(band), WAVELENGTH_RADIANCE
    if band.kind == "counts" and band.conversion_factor is None:
        return np.asarray(band.data, dtype=np.float64), None
    scale, unit = radiance_scale(band)
    return np.asarray(band.data, dtype=np.float64) * scale, unit


def _as_radiance_band(band: Band, values: np.ndarray, unit: u.UnitBase | None, note: str) -> Band:
    dtype = np.float32 if np.asarray(band.data).dtype != np.float64 else np.float64
    data = values.astype(dtype, copy=False)
    provenance = {**band.provenance, "correction": note}
    if unit is None:  # uncalibrated counts stay counts
        return band.replace(data=data, provenance=provenance)
    return band.replace(data=data, unit=unit, conversion_factor=None, provenance=provenance)


def _limb_correct(band: Band, planes: Backplanes, choice, corrections: Corrections) -> tuple[Band, Step]:
    values, unit = _radiance(band)
    if choice == "auto":
        filt = filter_of(band)
        micron = band.spectral.micron if band.spectral is not None else None
        choice = calibrate.default_limb_exponent(filt.name if filt else band.filter_name, micron)
        how = "published exponent (SCIENCE.md 3.3)"
        if choice is None:
            choice, how = "fit", ""
    else:
        how = "given exponent"
    if choice == "fit":
        fitted = calibrate.fit_limb_exponent(values, planes.mu, planes.latitude, mu_min=corrections.mu_min)
        choice = fitted.value
        how = f"fitted: ln I vs ln mu in {fitted.bands} latitude bins, ±{fitted.uncertainty:.3f}"
    exponent = float(choice)
    corrected = calibrate.limb_correct(values, planes.mu, exponent, mu_min=corrections.mu_min)
    text = (
        f"{band_label(band) or band.label}: I0 = I / mu^{exponent:.3f} ({how}), mu > {corrections.mu_min:g}"
    )
    role = "temperature" if band.role == "temperature" else "cloud"
    return _as_radiance_band(band, corrected, unit, text), Step(f"{role}_limb", text)


def _profile_calibrate(
    band: Band, planes: Backplanes, disc: DiscGeometry, corrections: Corrections
) -> tuple[Band, Step]:
    assert corrections.profile is not None
    values, unit = _radiance(band)
    table = calibrate.read_profile_table(corrections.profile)
    column = corrections.profile_column or (band.filter_name if band.filter_name in table else None)
    if column is None:
        if len(table) != 1:
            raise InputError(
                f"the profile table {corrections.profile} has columns {', '.join(table)}: choose one "
                f"with {option('profile_column')}"
            )
        column = next(iter(table))
    if column not in table:
        raise InputError(f"the profile table has no column {column!r}: it has {', '.join(table)}")
    reference = table[column]
    reference_radiance = calibrate.ZonalProfile(
        reference.latitude,
        planck.temperature_to_radiance(reference.values, spectral(band), unit or WAVELENGTH_RADIANCE),
        column,
    )
    image_profile = calibrate.central_meridian_profile(
        values,
        planes.latitude,
        planes.longitude,
        disc.central_meridian,
        mu=planes.mu,
        mu_min=corrections.mu_min,
    )
    k = calibrate.profile_scale(image_profile, reference_radiance)
    scaled_unit = unit or WAVELENGTH_RADIANCE  # counts scaled to a radiance profile become radiance
    note = (
        f"scaled to the zonal profile {column!r} of {Path(corrections.profile).name}: divided by k = {k:.5g}"
    )
    return _as_radiance_band(band, values / k, scaled_unit, note), Step("calibration", note)
