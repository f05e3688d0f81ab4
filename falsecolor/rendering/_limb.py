"""Limb correction and zonal-profile calibration of disc images, done block by block.

The exponents and the profile's scale factor come from an even sample of rows
(every row of an image up to :data:`SAMPLE_PIXELS` pixels); the corrections
are then applied in one pass over blocks of rows, each with its own backplanes,
so memory stays near that of a plain render however large the image.
"""

from __future__ import annotations

from collections.abc import Callable
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
from ._provenance import Step
from ._sources import kelvin_to_radiance
from ._spectral import band_label, filter_of, radiance_scale, spectral

__all__ = ["SAMPLE_PIXELS", "correct_on_disc"]

#: Pixels of the row sample the exponents and the profile scale are measured on.
SAMPLE_PIXELS = 1 << 21

Reader = Callable[[slice | np.ndarray], np.ndarray]


@dataclass(frozen=True)
class _Plan:
    """What to do to one band: read it as radiance, divide by ``scale``, correct with ``exponent``."""

    band: Band
    read: Reader
    unit: u.UnitBase | None
    scale: float = 1.0
    exponent: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> bool:
        return self.scale != 1.0 or self.exponent is not None


def _reader(band: Band) -> tuple[Reader, u.UnitBase | None]:
    """A function reading rows of the band as radiance (float64), and its unit (None for raw counts)."""
    data = band.data
    if band.kind == "temperature":
        return (lambda rows: kelvin_to_radiance(band.replace(data=data[rows]))), WAVELENGTH_RADIANCE
    if band.kind == "counts" and band.conversion_factor is None:
        return (lambda rows: np.asarray(data[rows], dtype=np.float64)), None
    scale, unit = radiance_scale(band)
    return (lambda rows: np.asarray(data[rows], dtype=np.float64) * scale), unit


def _sample_rows(shape: tuple[int, ...]) -> np.ndarray:
    ny, nx = shape[:2]
    step = max(1, int(np.ceil(ny * nx / SAMPLE_PIXELS)))
    return np.arange(0, ny, step)


def correct_on_disc(
    temperature: Band,
    axis: Band,
    disc: DiscGeometry,
    corrections: Corrections,
    *,
    axis_role: str,
) -> tuple[Band, Band, np.ndarray | None, list[Step]]:
    """Profile calibration and limb correction as asked; the bands, the limb fade and the steps."""
    rows = _sample_rows(temperature.shape)
    sample = geometry.backplanes(temperature.shape, disc, rows=rows)
    steps: list[Step] = []
    read, unit = _reader(temperature)
    t_plan = _Plan(temperature, read, unit)
    if corrections.profile is not None:
        t_plan, step = _profile_scale(t_plan, rows, sample, disc, corrections)
        steps.append(step)
    if corrections.limb_correction != "none":
        t_plan, step = _exponent(t_plan, corrections.limb_correction, rows, sample, corrections)
        steps.append(step)
    cloud_choice = corrections.cloud_limb
    if axis_role == "aerosol" and corrections.cloud_limb_correction is None:  # a thermal band: its own b
        limb = corrections.limb_correction
        cloud_choice = "auto" if isinstance(limb, int | float) else limb
    c_plan = _Plan(axis, *_reader(axis)) if axis_role != "opacity" else None
    if c_plan is not None and cloud_choice != "none":
        c_plan, step = _exponent(c_plan, cloud_choice, rows, sample, corrections)
        steps.append(step)
    fading = corrections.limb_fade and (corrections.limb_correction != "none" or cloud_choice != "none")
    plans = [plan for plan in (t_plan, c_plan) if plan is not None and plan.changes]
    outputs: list[np.ndarray] = [np.empty(temperature.shape, _dtype(plan.band)) for plan in plans]
    fade = np.empty(temperature.shape, np.float32) if fading else None
    for block in geometry.row_blocks(temperature.shape):
        mu = geometry.backplanes(temperature.shape, disc, rows=block).mu
        for plan, out in zip(plans, outputs, strict=True):
            values = plan.read(block) / plan.scale
            if plan.exponent is not None:
                values = calibrate.limb_correct(values, mu, plan.exponent, mu_min=corrections.mu_min)
            out[block] = values
        if fade is not None:
            fade[block] = calibrate.limb_weight(mu, corrections.mu_min)
    corrected = {id(plan): _as_radiance_band(plan, out) for plan, out in zip(plans, outputs, strict=True)}
    return corrected.get(id(t_plan), temperature), corrected.get(id(c_plan), axis), fade, steps


def _dtype(band: Band) -> type:
    return np.float64 if np.asarray(band.data).dtype == np.float64 else np.float32


def _as_radiance_band(plan: _Plan, data: np.ndarray) -> Band:
    band = plan.band
    provenance = {**band.provenance, "correction": "; ".join(plan.notes)}
    unit = plan.unit if plan.scale == 1.0 else (plan.unit or WAVELENGTH_RADIANCE)  # a profile gives radiance
    if unit is None:  # uncalibrated counts stay counts
        return band.replace(data=data, provenance=provenance)
    return band.replace(data=data, unit=unit, conversion_factor=None, provenance=provenance)


def _exponent(
    plan: _Plan, choice: str | float, rows: np.ndarray, sample: Backplanes, corrections: Corrections
) -> tuple[_Plan, Step]:
    """The limb-darkening exponent: given, the filter's published one, or fitted on the row sample."""
    band = plan.band
    how = "given exponent"
    if choice == "auto":
        filt = filter_of(band)
        micron = band.spectral.micron if band.spectral is not None else None
        published = calibrate.default_limb_exponent(filt.name if filt else band.filter_name, micron)
        choice, how = (
            ("fit", "")
            if published is None
            else (published, "published exponent (Leicester GiantPipe MuNormalization, VISIR 2018)")
        )
    if choice == "fit":
        values = plan.read(rows) / plan.scale
        fitted = calibrate.fit_limb_exponent(values, sample.mu, sample.latitude, mu_min=corrections.mu_min)
        choice = fitted.value
        how = f"fitted: ln I vs ln mu in {fitted.bands} latitude bins, ±{fitted.uncertainty:.3f}"
    exponent = float(choice)
    text = (
        f"{band_label(band) or band.label}: I0 = I / mu^{exponent:.3f} ({how}), mu > {corrections.mu_min:g}"
    )
    role = "temperature" if band.role == "temperature" else "cloud"
    changed = _Plan(plan.band, plan.read, plan.unit, plan.scale, exponent, (*plan.notes, text))
    return changed, Step(f"{role}_limb", text)


def _profile_scale(
    plan: _Plan, rows: np.ndarray, sample: Backplanes, disc: DiscGeometry, corrections: Corrections
) -> tuple[_Plan, Step]:
    """The band divided by k, the scale that puts its central-meridian profile on the table's."""
    assert corrections.profile is not None
    band = plan.band
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
    radiance = planck.temperature_to_radiance(
        reference.values, spectral(band), plan.unit or WAVELENGTH_RADIANCE
    )
    image_profile = calibrate.central_meridian_profile(
        plan.read(rows),
        sample.latitude,
        sample.longitude,
        disc.central_meridian,
        mu=sample.mu,
        mu_min=corrections.mu_min,
    )
    k = calibrate.profile_scale(image_profile, calibrate.ZonalProfile(reference.latitude, radiance, column))
    note = (
        f"scaled to the zonal profile {column!r} of {Path(corrections.profile).name}: divided by k = {k:.5g}"
    )
    return _Plan(band, plan.read, plan.unit, k, plan.exponent, (*plan.notes, note)), Step("calibration", note)
